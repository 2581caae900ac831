//! parse -> check -> render for each macro, on `proc_macro2` streams, so every path is unit
//! tested without a compiler.

use proc_macro2::TokenStream;

use crate::locate::{self, DirCatalog, Env};
use crate::parse;
use crate::{check, render};

/// The fixtures directory the attributes read unless `fixtures = "..."` says otherwise.
pub const DEFAULT_FIXTURES_DIR: &str = "fixtures";

/// `fixtures!("dir")`.
pub fn fixtures(input: TokenStream, env: &Env) -> TokenStream {
    let input = match parse::fixtures::parse(input) {
        Ok(input) => input,
        Err(error) => return render::fixtures::errors(&[error]),
    };
    let scan = locate::scan(env, &input.path.value());
    if scan.problems.is_empty() {
        render::fixtures::render(&scan.ids, &scan.files)
    } else {
        render::fixtures::errors(&check::fixture_problems(&input.path, &scan.problems))
    }
}

/// `#[work_item(...)]`.
pub fn work_item(args: TokenStream, item: TokenStream, env: &Env) -> TokenStream {
    let (attr, target) = match (parse::work_item::parse(args), parse::target(item.clone())) {
        (Ok(attr), Ok(target)) => (attr, target),
        (attr, target) => return parse_failure(item, attr.err(), target.err()),
    };
    let catalog = catalog(env, attr.fixtures_dir.as_ref());
    match check::work_item(&attr, &target, &catalog) {
        Ok(case) => render::work_item::render(&case),
        Err(errors) => render::with_errors(item, &errors),
    }
}

/// `#[attack(...)]`.
pub fn attack(args: TokenStream, item: TokenStream, env: &Env) -> TokenStream {
    let (attr, target) = match (parse::attack::parse(args), parse::target(item.clone())) {
        (Ok(attr), Ok(target)) => (attr, target),
        (attr, target) => return parse_failure(item, attr.err(), target.err()),
    };
    let catalog = catalog(env, attr.fixtures_dir.as_ref());
    match check::attack(&attr, &target, &catalog) {
        Ok(case) => render::attack::render(&case),
        Err(errors) => render::with_errors(item, &errors),
    }
}

fn catalog(env: &Env, dir: Option<&syn::LitStr>) -> DirCatalog {
    let dir = dir.map_or_else(|| DEFAULT_FIXTURES_DIR.to_owned(), syn::LitStr::value);
    DirCatalog::open(env, &dir)
}

fn parse_failure(
    item: TokenStream,
    attr: Option<syn::Error>,
    target: Option<syn::Error>,
) -> TokenStream {
    let errors: Vec<syn::Error> = attr.into_iter().chain(target).collect();
    render::with_errors(item, &errors)
}

#[cfg(test)]
mod should {
    use super::*;
    use quote::quote;
    use std::path::Path;

    fn env() -> Env {
        Env {
            manifest_dir: Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .map(Path::to_path_buf),
            source_file: None,
        }
    }

    fn attack_fn() -> TokenStream {
        quote! {
            fn rewrite(sandbox: &mut Sandbox) -> Result<(), SandboxError> { Ok(()) }
        }
    }

    #[test]
    fn list_fixtures_as_a_static_slice() {
        let out = fixtures(quote!("examples/downstream/fixtures"), &env()).to_string();
        assert!(
            out.contains("const FIXTURES : & [& str] = & [\"greet\"]"),
            "{out}"
        );
        assert!(out.contains("include_bytes !"), "{out}");
    }

    #[test]
    fn turn_every_fixture_problem_into_a_compile_error() {
        let out = fixtures(quote!("tests/ui/fixtures-broken/weight"), &env()).to_string();
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert!(out.contains("checks[0].weight"), "{out}");
        assert!(!out.contains("include_bytes"), "{out}");
    }

    #[test]
    fn register_a_valid_attack() {
        let out = attack(
            quote!(
                fixture = "greet",
                violation = "contract_rewrite",
                fixtures = "examples/downstream/fixtures"
            ),
            attack_fn(),
            &env(),
        )
        .to_string();
        assert!(out.contains("RegisteredAttack"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn keep_the_fn_and_report_errors_instead_of_registering() {
        let out = attack(
            quote!(
                fixture = "nope",
                violation = "contract_rewrite",
                fixtures = "examples/downstream/fixtures"
            ),
            attack_fn(),
            &env(),
        )
        .to_string();
        assert!(out.starts_with("fn rewrite"), "{out}");
        assert!(
            out.contains("unknown fixture `nope`; fixtures in examples/downstream/fixtures: greet"),
            "{out}"
        );
        assert!(!out.contains("RegisteredAttack"), "{out}");
    }

    #[test]
    fn report_a_missing_default_fixtures_dir_on_the_fixture() {
        let env = Env {
            manifest_dir: Some(Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()),
            source_file: None,
        };
        let out = work_item(quote!(fixture = "greet"), attack_fn(), &env).to_string();
        assert!(
            out.contains("cannot check fixture `greet`: failed to read fixtures: "),
            "{out}"
        );
    }

    #[test]
    fn report_syntax_errors_of_the_arguments() {
        let out = work_item(quote!(fixture), attack_fn(), &env()).to_string();
        assert!(out.starts_with("fn rewrite"), "{out}");
        assert!(out.contains("expected `=`"), "{out}");
    }
}
