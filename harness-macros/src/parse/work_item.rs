//! `#[work_item(fixture = "ID", expect = "fail", fixtures = "dir")]`.

use proc_macro2::TokenStream;
use syn::LitStr;

use super::{Rejected, take_str};

/// The keys `#[work_item]` takes, in the order error messages list them.
pub const KEYS: &[&str] = &["fixture", "expect", "fixtures"];

/// The arguments of `#[work_item(...)]`, as written.
#[derive(Debug, Clone, Default)]
pub struct WorkItemAttr {
    /// `fixture = "ID"`: the fixture the scripted agent works on.
    pub fixture: Option<LitStr>,
    /// `expect = "fail"` (or `"pass"`, the default).
    pub expect: Option<LitStr>,
    /// `fixtures = "dir"`: where fixtures live, relative to the package (default `fixtures`).
    pub fixtures_dir: Option<LitStr>,
    /// Arguments that could not be used.
    pub rejected: Vec<Rejected>,
}

/// Parses the arguments of `#[work_item(...)]`.
pub fn parse(tokens: TokenStream) -> syn::Result<WorkItemAttr> {
    let mut attr = WorkItemAttr::default();
    for arg in super::args(tokens)? {
        let slot = match arg.key.to_string().as_str() {
            "fixture" => &mut attr.fixture,
            "expect" => &mut attr.expect,
            "fixtures" => &mut attr.fixtures_dir,
            _ => {
                attr.rejected.push(Rejected::Unknown(arg.key));
                continue;
            }
        };
        take_str(slot, arg, &mut attr.rejected);
    }
    Ok(attr)
}

#[cfg(test)]
mod should {
    use super::*;
    use quote::quote;

    #[test]
    fn read_every_key() {
        let attr = parse(quote!(
            fixture = "greet",
            expect = "fail",
            fixtures = "tests/fx"
        ))
        .unwrap();
        assert_eq!(attr.fixture.unwrap().value(), "greet");
        assert_eq!(attr.expect.unwrap().value(), "fail");
        assert_eq!(attr.fixtures_dir.unwrap().value(), "tests/fx");
        assert!(attr.rejected.is_empty());
    }

    #[test]
    fn keep_unknown_keys_for_the_check() {
        let attr = parse(quote!(
            fixture = "greet",
            violation = "x",
            expected = "fail"
        ))
        .unwrap();
        let unknown: Vec<String> = attr
            .rejected
            .iter()
            .map(|rejected| match rejected {
                Rejected::Unknown(key) => key.to_string(),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(unknown, ["violation", "expected"]);
    }

    #[test]
    fn leave_missing_keys_empty() {
        let attr = parse(quote!()).unwrap();
        assert!(attr.fixture.is_none() && attr.expect.is_none() && attr.rejected.is_empty());
    }
}
