//! Stage 3: code generation from validated cases. Runs only when `check.rs` found nothing.

pub mod attack;
pub mod fixtures;
pub mod work_item;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ItemFn;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

/// The item as the user wrote it, followed by one `compile_error!` per error.
pub fn with_errors(item: TokenStream, errors: &[syn::Error]) -> TokenStream {
    let errors = errors.iter().map(syn::Error::to_compile_error);
    quote!(#item #(#errors)*)
}

/// The fn name as the case name shows it (`r#type` is `type`).
pub fn case_name(item: &ItemFn) -> String {
    item.sig.ident.unraw().to_string()
}

/// An `AgentFn` (`fn(&mut Sandbox<'_>) -> Result<(), String>`) that calls the user's fn and
/// renders its error with `{:?}`. Type errors in the user's signature (an `Ok` type that is
/// not `()`, an error type without `Debug`) point at its return type.
pub fn runner(item: &ItemFn) -> TokenStream {
    let name = &item.sig.ident;
    let span = match &item.sig.output {
        syn::ReturnType::Type(_, ty) => ty.span(),
        syn::ReturnType::Default => name.span(),
    };
    let call = quote_spanned! {span=>
        #name(sandbox).map_err(|error| ::std::format!("{error:?}"))
    };
    quote! {{
        fn __harness_run(
            sandbox: &mut ::harness_runtime::Sandbox<'_>,
        ) -> ::core::result::Result<(), ::std::string::String> {
            #call
        }
        __harness_run
    }}
}

/// A hidden `#[macro_export] macro_rules! __harness_case_<scope>__<name> {}`, spanned on the
/// fn name. Exported macros all live at the crate root, so two cases with the same name
/// anywhere in one crate (any module, even inside fn bodies) are a compile error naming the
/// case: "the name `__harness_case_attack__rewrite` is defined multiple times". Test
/// binaries are separate crates, so the same name in `tests/a.rs` and `tests/b.rs` is not
/// caught here.
pub fn case_marker(scope: &str, item: &ItemFn) -> TokenStream {
    let scope: String = scope
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let span = item.sig.ident.span();
    let marker: Ident = format_ident!("__harness_case_{}__{}", scope, case_name(item), span = span);
    quote_spanned! {span=>
        #[doc(hidden)]
        #[allow(non_local_definitions)]
        #[macro_export]
        macro_rules! #marker {
            () => {};
        }
    }
}

#[cfg(test)]
mod should {
    use super::*;

    fn item() -> ItemFn {
        syn::parse_quote!(
            fn r#move(sandbox: &mut Sandbox) -> Result<(), E> {
                Ok(())
            }
        )
    }

    #[test]
    fn name_cases_without_the_raw_prefix() {
        assert_eq!(case_name(&item()), "move");
    }

    #[test]
    fn wrap_the_fn_as_an_agent_fn() {
        let rendered = runner(&item()).to_string();
        assert!(rendered.contains("fn __harness_run"), "{rendered}");
        assert!(
            rendered.contains("r#move (sandbox) . map_err"),
            "{rendered}"
        );
        assert!(
            rendered.contains(":: harness_runtime :: Sandbox < '_ >"),
            "{rendered}"
        );
    }

    #[test]
    fn mark_the_case_with_a_sanitised_name() {
        let rendered = case_marker("sh-semver", &item()).to_string();
        assert!(
            rendered.contains("macro_rules ! __harness_case_sh_semver__move"),
            "{rendered}"
        );
    }

    #[test]
    fn keep_the_item_beside_its_errors() {
        let errors = [syn::Error::new(proc_macro2::Span::call_site(), "nope")];
        let rendered = with_errors(
            quote!(
                struct S;
            ),
            &errors,
        )
        .to_string();
        assert!(rendered.starts_with("struct S ;"), "{rendered}");
        assert!(
            rendered.contains("compile_error ! { \"nope\" }"),
            "{rendered}"
        );
    }
}
