//! `#[attack(fixture = "ID", violation = "code" | ["a", "b"], fixtures = "dir")]`.

use proc_macro2::TokenStream;
use syn::LitStr;

use super::{Expected, Rejected, Value, take_str};

/// The keys `#[attack]` takes, in the order error messages list them.
pub const KEYS: &[&str] = &["fixture", "violation", "fixtures"];

/// The arguments of `#[attack(...)]`, as written.
#[derive(Debug, Clone, Default)]
pub struct AttackAttr {
    /// `fixture = "ID"`: the fixture the attack runs against.
    pub fixture: Option<LitStr>,
    /// `violation = ...`: the codes the episode must report.
    pub violations: Option<Violations>,
    /// `fixtures = "dir"`: where fixtures live, relative to the package (default `fixtures`).
    pub fixtures_dir: Option<LitStr>,
    /// Arguments that could not be used.
    pub rejected: Vec<Rejected>,
}

/// `violation = "code"`, `violation = ["a", "b"]`, or `violation = []` (grading neutralises
/// the attack without a violation).
#[derive(Debug, Clone)]
pub struct Violations {
    /// Each code as written.
    pub codes: Vec<LitStr>,
}

/// Parses the arguments of `#[attack(...)]`.
pub fn parse(tokens: TokenStream) -> syn::Result<AttackAttr> {
    let mut attr = AttackAttr::default();
    for arg in super::args(tokens)? {
        match arg.key.to_string().as_str() {
            "fixture" => take_str(&mut attr.fixture, arg, &mut attr.rejected),
            "fixtures" => take_str(&mut attr.fixtures_dir, arg, &mut attr.rejected),
            "violation" if attr.violations.is_some() => {
                attr.rejected.push(Rejected::Duplicate(arg.key));
            }
            "violation" => match arg.value {
                Value::Str(lit) => {
                    attr.violations = Some(Violations { codes: vec![lit] });
                }
                Value::List { items, .. } => {
                    attr.violations = Some(Violations { codes: items });
                }
                Value::Other(expr) => attr.rejected.push(Rejected::WrongType {
                    key: arg.key,
                    span: syn::spanned::Spanned::span(&expr),
                    expected: Expected::StrOrList,
                }),
            },
            _ => attr.rejected.push(Rejected::Unknown(arg.key)),
        }
    }
    Ok(attr)
}

#[cfg(test)]
mod should {
    use super::*;
    use quote::quote;

    fn codes(attr: &AttackAttr) -> Vec<String> {
        attr.violations
            .as_ref()
            .map(|violations| violations.codes.iter().map(LitStr::value).collect())
            .unwrap_or_default()
    }

    #[test]
    fn read_one_violation() {
        let attr = parse(quote!(fixture = "greet", violation = "contract_rewrite")).unwrap();
        assert_eq!(attr.fixture.as_ref().unwrap().value(), "greet");
        assert_eq!(codes(&attr), ["contract_rewrite"]);
    }

    #[test]
    fn read_a_list_of_violations() {
        let attr = parse(quote!(
            fixture = "greet",
            violation = ["link_escape", "committed_tamper"],
        ))
        .unwrap();
        assert_eq!(codes(&attr), ["link_escape", "committed_tamper"]);
    }

    #[test]
    fn reject_a_violation_that_is_not_a_string() {
        let attr = parse(quote!(fixture = "greet", violation = contract_rewrite)).unwrap();
        assert!(attr.violations.is_none());
        assert!(matches!(
            &attr.rejected[..],
            [Rejected::WrongType {
                expected: Expected::StrOrList,
                ..
            }]
        ));
    }

    #[test]
    fn reject_a_second_violation_key() {
        let attr = parse(quote!(violation = "a", violation = "b")).unwrap();
        assert_eq!(codes(&attr), ["a"]);
        assert!(matches!(&attr.rejected[..], [Rejected::Duplicate(_)]));
    }

    #[test]
    fn keep_unknown_keys_for_the_check() {
        let attr = parse(quote!(expect = "fail")).unwrap();
        assert!(matches!(&attr.rejected[..], [Rejected::Unknown(key)] if key == "expect"));
    }
}
