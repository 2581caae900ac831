//! `#[attack]`: the fn, its case marker and its `RegisteredAttack`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::check::AttackCase;

/// Renders a validated `#[attack]`.
pub fn render(case: &AttackCase) -> TokenStream {
    let item = &case.item;
    let name = super::case_name(item);
    let fixture = &case.fixture;
    let violations = &case.violations;
    let marker = super::case_marker("attack", item);
    let run = super::runner(item);
    quote! {
        #item
        #marker
        ::harness_runtime::inventory::submit! {
            ::harness_runtime::runner::registry::RegisteredAttack {
                name: #name,
                fixture: #fixture,
                violations: &[#(#violations),*],
                run: #run,
            }
        }
    }
}

#[cfg(test)]
mod should {
    use super::*;

    #[test]
    fn register_every_expected_violation() {
        let case = AttackCase {
            item: syn::parse_quote!(
                fn rewrite(sandbox: &mut Sandbox) -> Result<(), E> {
                    Ok(())
                }
            ),
            fixture: "greet".into(),
            violations: vec!["contract_rewrite".into(), "committed_tamper".into()],
        };
        let rendered = render(&case).to_string();
        assert!(
            rendered.contains(
                ":: harness_runtime :: runner :: registry :: RegisteredAttack { name : \"rewrite\" , fixture : \"greet\" , violations : & [\"contract_rewrite\" , \"committed_tamper\"] , run :"
            ),
            "{rendered}"
        );
        assert!(
            rendered.contains("__harness_case_attack__rewrite"),
            "{rendered}"
        );
        syn::parse2::<syn::File>(render(&case)).expect("the expansion is valid items");
    }
}
