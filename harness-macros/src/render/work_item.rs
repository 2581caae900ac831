//! `#[work_item]`: the fn, its case marker and its `RegisteredWorkItem`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::check::WorkItemCase;

/// Renders a validated `#[work_item]`.
pub fn render(case: &WorkItemCase) -> TokenStream {
    let item = &case.item;
    let name = super::case_name(item);
    let fixture = &case.fixture;
    let expect_fail = case.expect_fail;
    let marker = super::case_marker(fixture, item);
    let run = super::runner(item);
    quote! {
        #item
        #marker
        ::harness_runtime::inventory::submit! {
            ::harness_runtime::runner::registry::RegisteredWorkItem {
                name: #name,
                fixture: #fixture,
                expect_fail: #expect_fail,
                run: #run,
            }
        }
    }
}

#[cfg(test)]
mod should {
    use super::*;

    #[test]
    fn register_the_fn_under_its_fixture() {
        let case = WorkItemCase {
            item: syn::parse_quote!(
                fn fix(sandbox: &mut Sandbox) -> Result<(), E> {
                    Ok(())
                }
            ),
            fixture: "greet".into(),
            expect_fail: true,
        };
        let rendered = render(&case).to_string();
        assert!(rendered.starts_with("fn fix (sandbox"), "{rendered}");
        assert!(
            rendered.contains(
                ":: harness_runtime :: runner :: registry :: RegisteredWorkItem { name : \"fix\" , fixture : \"greet\" , expect_fail : true , run :"
            ),
            "{rendered}"
        );
        assert!(rendered.contains("__harness_case_greet__fix"), "{rendered}");
        syn::parse2::<syn::File>(render(&case)).expect("the expansion is valid items");
    }
}
