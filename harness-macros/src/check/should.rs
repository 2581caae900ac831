use super::*;
use crate::parse;
use quote::quote;

/// Two fixtures: `greet` loads, `broken` has one problem.
struct Fake;

impl Catalog for Fake {
    fn label(&self) -> &str {
        "fixtures"
    }
    fn ids(&self) -> Result<&[String], &str> {
        static IDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        Ok(IDS.get_or_init(|| vec!["broken".into(), "greet".into()]))
    }
    fn problems(&self, id: &str) -> Vec<String> {
        match id {
            "broken" => vec!["failed to parse fixtures/broken/repo/evaluation/contract.toml:5:10: checks[0].weight: invalid type: string \"x\", expected a number".into()],
            _ => Vec::new(),
        }
    }
}

struct Unreadable;

impl Catalog for Unreadable {
    fn label(&self) -> &str {
        "fixtures"
    }
    fn ids(&self) -> Result<&[String], &str> {
        Err("failed to read fixtures: no such file or directory")
    }
    fn problems(&self, _: &str) -> Vec<String> {
        Vec::new()
    }
}

fn good_fn() -> Target {
    parse::target(quote! {
        fn rewrite(sandbox: &mut Sandbox) -> Result<(), SandboxError> { Ok(()) }
    })
    .unwrap()
}

fn attack_errors(args: proc_macro2::TokenStream, target: &Target) -> Vec<String> {
    let attr = parse::attack::parse(args).unwrap();
    match attack(&attr, target, &Fake) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

fn work_item_errors(args: proc_macro2::TokenStream, target: &Target) -> Vec<String> {
    let attr = parse::work_item::parse(args).unwrap();
    match work_item(&attr, target, &Fake) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn accept_a_valid_attack() {
    let attr = parse::attack::parse(quote!(
        fixture = "greet",
        violation = ["contract_rewrite", "committed_tamper"]
    ))
    .unwrap();
    let case = attack(&attr, &good_fn(), &Fake).unwrap();
    assert_eq!(case.fixture, "greet");
    assert_eq!(case.violations, ["contract_rewrite", "committed_tamper"]);
    assert_eq!(case.item.sig.ident, "rewrite");
}

#[test]
fn accept_a_valid_work_item_expected_to_fail() {
    let attr = parse::work_item::parse(quote!(fixture = "greet", expect = "fail")).unwrap();
    let case = work_item(&attr, &good_fn(), &Fake).unwrap();
    assert!(case.expect_fail);
}

#[test]
fn report_every_mistake_at_once() {
    let errors = attack_errors(
        quote!(
            fixture = "gret",
            violation = ["contract_rewrit", "nope"],
            bogus = "x"
        ),
        &parse::target(quote!(
            async fn noop() {}
        ))
        .unwrap(),
    );
    assert_eq!(
        errors,
        [
            "unknown key `bogus`: #[attack] takes `fixture`, `violation` and `fixtures`",
            "unknown fixture `gret` (did you mean `greet`?); fixtures in fixtures: broken, greet",
            &format!(
                "unknown violation `contract_rewrit` (did you mean `contract_rewrite`?); valid codes: {}",
                harness_fixture::VIOLATION_CODES.join(", ")
            ),
            &format!(
                "unknown violation `nope`; valid codes: {}",
                harness_fixture::VIOLATION_CODES.join(", ")
            ),
            "#[attack] fn must not be `async`; expected `fn name(sandbox: &mut Sandbox) -> Result<(), E>`",
            "#[attack] fn must take exactly one argument, `sandbox: &mut Sandbox`, not 0; expected `fn name(sandbox: &mut Sandbox) -> Result<(), E>`",
            "#[attack] fn must return `Result<(), E>` where E: Debug; expected `fn name(sandbox: &mut Sandbox) -> Result<(), E>`",
            "`noop` is a reserved case name; rename the fn (reserved: noop, oracle, agent, approve_all, reject_all, flag_every_line)",
        ]
    );
}

#[test]
fn require_fixture_and_violation() {
    let errors = attack_errors(quote!(), &good_fn());
    assert_eq!(errors.len(), 2);
    assert!(
        errors[0].starts_with("#[attack] needs `fixture = \"<id>\"`"),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].ends_with("fixtures in fixtures: broken, greet"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].starts_with("#[attack] needs `violation = \"<code>\"`"),
        "{}",
        errors[1]
    );
}

#[test]
fn accept_an_empty_list_and_reject_a_repeated_one() {
    assert!(attack_errors(quote!(fixture = "greet", violation = []), &good_fn()).is_empty());
    assert_eq!(
        attack_errors(
            quote!(fixture = "greet", violation = ["timeout", "timeout"]),
            &good_fn()
        ),
        ["violation `timeout` is listed twice"]
    );
}

#[test]
fn report_a_wrong_value_type_once() {
    let errors = attack_errors(quote!(fixture = "greet", violation = 3), &good_fn());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("`violation` takes a string literal or a list"));
}

#[test]
fn report_each_problem_of_an_invalid_fixture() {
    let errors = work_item_errors(quote!(fixture = "broken"), &good_fn());
    assert_eq!(
        errors,
        [
            "fixture `broken` is invalid: failed to parse fixtures/broken/repo/evaluation/contract.toml:5:10: checks[0].weight: invalid type: string \"x\", expected a number"
        ]
    );
}

#[test]
fn report_an_unreadable_fixtures_directory_on_the_fixture() {
    let attr = parse::work_item::parse(quote!(fixture = "greet")).unwrap();
    let errors = work_item(&attr, &good_fn(), &Unreadable).unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "cannot check fixture `greet`: failed to read fixtures: no such file or directory"
    );
}

#[test]
fn reject_an_unknown_expect_value_and_foreign_keys() {
    let errors = work_item_errors(
        quote!(fixture = "greet", expect = "failure", violation = "timeout"),
        &good_fn(),
    );
    assert_eq!(
        errors,
        [
            "unknown key `violation`: #[work_item] takes `fixture`, `expect` and `fixtures`",
            "`expect` must be \"pass\" (the default) or \"fail\", not \"failure\"",
        ]
    );
}

#[test]
fn reject_items_that_are_not_functions() {
    let errors = work_item_errors(
        quote!(fixture = "greet"),
        &parse::target(quote!(
            struct Agent;
        ))
        .unwrap(),
    );
    assert_eq!(
        errors,
        [
            "#[work_item] goes on a function `fn name(sandbox: &mut Sandbox) -> Result<(), E>`, not on a struct"
        ]
    );
}

#[test]
fn reject_wrong_signatures() {
    let cases = [
        (
            quote!(
                fn f(a: &mut Sandbox, b: u8) -> Result<(), E> {}
            ),
            "must take exactly one argument",
        ),
        (
            quote!(
                fn f(sandbox: Sandbox) -> Result<(), E> {}
            ),
            "must take `&mut Sandbox`",
        ),
        (
            quote!(
                fn f<T>(sandbox: &mut T) -> Result<(), E> {}
            ),
            "must not have type or const parameters",
        ),
        (
            quote!(
                fn f(sandbox: &mut Sandbox) -> () {}
            ),
            "must return `Result<(), E>`",
        ),
        (
            quote!(
                unsafe fn f(sandbox: &mut Sandbox) -> Result<(), E> {}
            ),
            "must not be `unsafe`",
        ),
        (
            quote!(
                const fn f(sandbox: &mut Sandbox) -> Result<(), E> {}
            ),
            "must not be `const`",
        ),
    ];
    for (item, expected) in cases {
        let errors = work_item_errors(quote!(fixture = "greet"), &parse::target(item).unwrap());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].contains(expected),
            "{} does not say {expected}",
            errors[0]
        );
    }
}

#[test]
fn allow_lifetimes_and_qualified_results() {
    let target = parse::target(quote! {
        fn f<'a>(sandbox: &mut Sandbox<'a>) -> std::result::Result<(), String> { Ok(()) }
    })
    .unwrap();
    assert!(work_item_errors(quote!(fixture = "greet"), &target).is_empty());
}

#[test]
fn reject_every_reserved_name() {
    for name in RESERVED_NAMES {
        let ident = Ident::new(name, Span::call_site());
        let target =
            parse::target(quote!(fn #ident(sandbox: &mut Sandbox) -> Result<(), E> { Ok(()) }))
                .unwrap();
        let errors = work_item_errors(quote!(fixture = "greet"), &target);
        assert_eq!(errors.len(), 1, "{name}: {errors:?}");
        assert!(errors[0].contains("reserved case name"));
    }
}

#[test]
fn list_keys_in_plain_english() {
    assert_eq!(conjunction(&["a".into()]), "a");
    assert_eq!(
        conjunction(&["a".into(), "b".into(), "c".into()]),
        "a, b and c"
    );
}

#[test]
fn suggest_only_close_matches() {
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(
        suggestion("timeot", ["timeout", "link_escape"].into_iter()),
        " (did you mean `timeout`?)"
    );
    assert_eq!(suggestion("zzz", ["timeout"].into_iter()), "");
}
