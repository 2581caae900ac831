//! `fixtures!`: the fixture ids, plus an `include_bytes!` per fixture file so editing one
//! rebuilds the crate that names them.

use proc_macro2::TokenStream;
use quote::quote;

/// A `&'static [&'static str]` block expression: the ids, after one
/// `const _: &[u8] = include_bytes!(...)` per file (absolute paths).
pub fn render(ids: &[String], files: &[String]) -> TokenStream {
    quote! {{
        #( const _: &[u8] = ::core::include_bytes!(#files); )*
        const FIXTURES: &[&str] = &[#(#ids),*];
        FIXTURES
    }}
}

/// The same expression type after the errors, so one error does not cascade into a type error.
pub fn errors(errors: &[syn::Error]) -> TokenStream {
    let errors = errors.iter().map(syn::Error::to_compile_error);
    quote! {{
        #(#errors)*
        const FIXTURES: &[&str] = &[];
        FIXTURES
    }}
}

#[cfg(test)]
mod should {
    use super::*;

    #[test]
    fn list_ids_and_track_every_file() {
        let rendered = render(
            &["a".into(), "b".into()],
            &["/x/a/repo/f".into(), "/x/b/repo/g".into()],
        );
        let expr: syn::ExprBlock = syn::parse2(rendered.clone()).expect("a block expression");
        assert_eq!(expr.block.stmts.len(), 4);
        let text = rendered.to_string();
        assert!(
            text.contains("const _ : & [u8] = :: core :: include_bytes ! (\"/x/a/repo/f\")"),
            "{text}"
        );
        assert!(
            text.contains("const FIXTURES : & [& str] = & [\"a\" , \"b\"]"),
            "{text}"
        );
    }

    #[test]
    fn keep_the_expression_type_on_errors() {
        let error = syn::Error::new(proc_macro2::Span::call_site(), "broken");
        let rendered = errors(&[error]);
        let text = rendered.to_string();
        assert!(text.contains("compile_error ! { \"broken\" }"), "{text}");
        syn::parse2::<syn::ExprBlock>(rendered).expect("still a block expression");
    }
}
