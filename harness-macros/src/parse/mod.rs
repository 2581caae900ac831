//! Stage 1: tokens into plain structs. Only syntax is judged here (a key without `=`, a
//! stray token); every rule about the values lives in `check.rs`, so one compile reports
//! every mistake at once.

pub mod attack;
pub mod fixtures;
pub mod work_item;

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprArray, ExprLit, Ident, Item, ItemFn, Lit, LitStr, Token};

/// One `key = value` of an attribute's arguments.
#[derive(Debug, Clone)]
pub struct Arg {
    /// The key as written.
    pub key: Ident,
    /// The value, classified.
    pub value: Value,
}

/// The value of an [`Arg`].
#[derive(Debug, Clone)]
pub enum Value {
    /// `"text"`.
    Str(LitStr),
    /// `["a", "b"]`: every element a string literal.
    List {
        /// The brackets, for errors about the list as a whole.
        span: Span,
        /// The elements.
        items: Vec<LitStr>,
    },
    /// Anything else (a number, a path, a list holding a non-string, ...).
    Other(Expr),
}

impl Value {
    /// Where the value is, for errors.
    pub fn span(&self) -> Span {
        match self {
            Value::Str(lit) => lit.span(),
            Value::List { span, .. } => *span,
            Value::Other(expr) => expr.span(),
        }
    }
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let expr: Expr = input.parse()?;
        let value = match expr {
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) => Value::Str(lit),
            Expr::Array(ExprArray {
                ref elems,
                ref bracket_token,
                ..
            }) => match string_elements(elems.iter()) {
                Some(items) => Value::List {
                    span: bracket_token.span.join(),
                    items,
                },
                None => Value::Other(expr),
            },
            other => Value::Other(other),
        };
        Ok(Arg { key, value })
    }
}

fn string_elements<'a>(elems: impl Iterator<Item = &'a Expr>) -> Option<Vec<LitStr>> {
    elems
        .map(|elem| match elem {
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) => Some(lit.clone()),
            _ => None,
        })
        .collect()
}

/// `key = value, ...` (a trailing comma is fine; no arguments at all is fine too: the
/// missing keys are reported by `check.rs`).
pub fn args(tokens: TokenStream) -> syn::Result<Vec<Arg>> {
    let parsed = Punctuated::<Arg, Token![,]>::parse_terminated.parse2(tokens)?;
    Ok(parsed.into_iter().collect())
}

/// An argument the attribute cannot use, and why. `check.rs` turns each into an error.
#[derive(Debug, Clone)]
pub enum Rejected {
    /// A key the attribute does not take.
    Unknown(Ident),
    /// A key given twice (the second one).
    Duplicate(Ident),
    /// A key whose value has the wrong shape.
    WrongType {
        /// The key.
        key: Ident,
        /// The value's span.
        span: Span,
        /// What was expected.
        expected: Expected,
    },
}

/// The value shapes an attribute key takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// A string literal.
    Str,
    /// A string literal or a list of them.
    StrOrList,
}

/// Stores a string value in `slot`, or records why it cannot.
pub(crate) fn take_str(slot: &mut Option<LitStr>, arg: Arg, rejected: &mut Vec<Rejected>) {
    match (slot.is_some(), arg.value) {
        (true, _) => rejected.push(Rejected::Duplicate(arg.key)),
        (false, Value::Str(lit)) => *slot = Some(lit),
        (false, other) => rejected.push(Rejected::WrongType {
            key: arg.key,
            span: other.span(),
            expected: Expected::Str,
        }),
    }
}

/// The item under an attribute: a function, or something the attribute cannot apply to.
#[derive(Debug, Clone)]
pub enum Target {
    /// A function (its signature is checked later).
    Fn(Box<ItemFn>),
    /// Any other item.
    NotFn(Box<Item>),
}

/// Parses the item an attribute is placed on.
pub fn target(tokens: TokenStream) -> syn::Result<Target> {
    Ok(match syn::parse2::<Item>(tokens)? {
        Item::Fn(item) => Target::Fn(Box::new(item)),
        other => Target::NotFn(Box::new(other)),
    })
}

#[cfg(test)]
mod should {
    use super::*;
    use quote::quote;

    #[test]
    fn parse_strings_lists_and_other_values() {
        let args = args(quote!(fixture = "greet", violation = ["a", "b"], n = 3,)).unwrap();
        assert_eq!(args.len(), 3);
        assert!(matches!(&args[0].value, Value::Str(lit) if lit.value() == "greet"));
        assert!(
            matches!(&args[1].value, Value::List { items, .. } if items.iter().map(LitStr::value).collect::<Vec<_>>() == ["a", "b"])
        );
        assert!(matches!(&args[2].value, Value::Other(_)));
    }

    #[test]
    fn classify_a_list_with_a_non_string_as_other() {
        let args = args(quote!(violation = ["a", 1])).unwrap();
        assert!(matches!(&args[0].value, Value::Other(_)));
    }

    #[test]
    fn accept_no_arguments() {
        assert!(args(quote!()).unwrap().is_empty());
    }

    #[test]
    fn reject_a_key_without_a_value() {
        let error = args(quote!(fixture)).unwrap_err();
        assert!(error.to_string().contains("expected `=`"), "{error}");
    }

    #[test]
    fn record_a_duplicate_and_a_wrong_type() {
        let mut slot = None;
        let mut rejected = Vec::new();
        for arg in args(quote!(fixture = "a", fixture = "b")).unwrap() {
            take_str(&mut slot, arg, &mut rejected);
        }
        assert_eq!(slot.map(|lit| lit.value()).as_deref(), Some("a"));
        assert!(matches!(&rejected[0], Rejected::Duplicate(key) if key == "fixture"));

        let mut other = None;
        for arg in args(quote!(fixtures = 1)).unwrap() {
            take_str(&mut other, arg, &mut rejected);
        }
        assert!(other.is_none());
        assert!(matches!(
            &rejected[1],
            Rejected::WrongType { key, expected: Expected::Str, .. } if key == "fixtures"
        ));
    }

    #[test]
    fn tell_a_fn_from_other_items() {
        assert!(matches!(
            target(quote!(
                fn f() {}
            ))
            .unwrap(),
            Target::Fn(_)
        ));
        assert!(matches!(
            target(quote!(
                struct S;
            ))
            .unwrap(),
            Target::NotFn(_)
        ));
    }
}
