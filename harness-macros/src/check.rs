//! Stage 2: every rule, every user-facing message. Each check turns what `parse/` read
//! into a validated case, or into every problem found, each a `syn::Error` spanned on the
//! offending tokens, so one compile shows every mistake at once.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{FnArg, GenericParam, Ident, Item, ItemFn, LitStr, ReturnType, Type};

use crate::parse::attack::{self, AttackAttr};
use crate::parse::work_item::{self, WorkItemAttr};
use crate::parse::{Expected, Rejected, Target};

/// Case names the harness generates itself (DESIGN.md "Case names"); a fn may not take one.
/// The list lives in harness-fixture, which the runtime reads too.
pub use harness_fixture::RESERVED_CASE_NAMES as RESERVED_NAMES;

/// Texts shared by several stages.
pub mod messages {
    /// What `fixtures!` takes.
    pub const FIXTURES_USAGE: &str = "fixtures! takes one string literal: the fixtures directory relative to the package root, e.g. fixtures!(\"fixtures\")";
    /// The signature every case function has.
    pub const SIGNATURE: &str = "fn name(sandbox: &mut Sandbox) -> Result<(), E>";
}

/// The fixtures an attribute may name: the directory it scanned, and a way to load one.
pub trait Catalog {
    /// The directory as messages show it (relative to the package root).
    fn label(&self) -> &str;
    /// The fixture ids found, sorted, or why the directory could not be read.
    fn ids(&self) -> Result<&[String], &str>;
    /// Every problem of the fixture `id` as one line each; empty when it loads.
    fn problems(&self, id: &str) -> Vec<String>;
}

/// A validated `#[work_item]`: case `<fixture>::<name>`.
#[derive(Debug, Clone)]
pub struct WorkItemCase {
    /// The function (kept as written).
    pub item: ItemFn,
    /// The fixture id.
    pub fixture: String,
    /// `expect = "fail"`.
    pub expect_fail: bool,
}

/// A validated `#[attack]`: case `attack::<name>`.
#[derive(Debug, Clone)]
pub struct AttackCase {
    /// The function (kept as written).
    pub item: ItemFn,
    /// The fixture id.
    pub fixture: String,
    /// Every code the episode must report.
    pub violations: Vec<String>,
}

/// Checks `#[work_item(...)]` and the fn under it.
pub fn work_item(
    attr: &WorkItemAttr,
    target: &Target,
    catalog: &dyn Catalog,
) -> Result<WorkItemCase, Vec<syn::Error>> {
    const ATTR: &str = "work_item";
    let mut errors = Vec::new();
    rejected(&attr.rejected, ATTR, work_item::KEYS, &mut errors);
    let fixture = fixture(attr.fixture.as_ref(), ATTR, catalog, &mut errors);
    let expect_fail = match &attr.expect {
        None => false,
        Some(lit) => match lit.value().as_str() {
            "fail" => true,
            "pass" => false,
            other => {
                errors.push(syn::Error::new(
                    lit.span(),
                    format!("`expect` must be \"pass\" (the default) or \"fail\", not {other:?}"),
                ));
                false
            }
        },
    };
    let item = function(target, ATTR, &mut errors);
    match (fixture, item) {
        (Some(fixture), Some(item)) if errors.is_empty() => Ok(WorkItemCase {
            item: item.clone(),
            fixture,
            expect_fail,
        }),
        _ => Err(errors),
    }
}

/// Checks `#[attack(...)]` and the fn under it.
pub fn attack(
    attr: &AttackAttr,
    target: &Target,
    catalog: &dyn Catalog,
) -> Result<AttackCase, Vec<syn::Error>> {
    const ATTR: &str = "attack";
    let mut errors = Vec::new();
    rejected(&attr.rejected, ATTR, attack::KEYS, &mut errors);
    let fixture = fixture(attr.fixture.as_ref(), ATTR, catalog, &mut errors);
    let violations = violations(attr, &mut errors);
    let item = function(target, ATTR, &mut errors);
    match (fixture, item) {
        (Some(fixture), Some(item)) if errors.is_empty() => Ok(AttackCase {
            item: item.clone(),
            fixture,
            violations,
        }),
        _ => Err(errors),
    }
}

/// One error per fixture problem, spanned on the `fixtures!` path literal.
pub fn fixture_problems(path: &LitStr, problems: &[String]) -> Vec<syn::Error> {
    problems
        .iter()
        .map(|problem| syn::Error::new(path.span(), problem))
        .collect()
}

fn rejected(rejected: &[Rejected], attr: &str, keys: &[&str], errors: &mut Vec<syn::Error>) {
    for rejected in rejected {
        errors.push(match rejected {
            Rejected::Unknown(key) => syn::Error::new(
                key.span(),
                format!(
                    "unknown key `{key}`: #[{attr}] takes {}",
                    conjunction(&keys.iter().map(|key| format!("`{key}`")).collect::<Vec<_>>())
                ),
            ),
            Rejected::Duplicate(key) => {
                syn::Error::new(key.span(), format!("duplicate key `{key}`"))
            }
            Rejected::WrongType {
                key,
                span,
                expected,
            } => syn::Error::new(
                *span,
                match expected {
                    Expected::Str => format!("`{key}` takes a string literal, e.g. {key} = \"...\""),
                    Expected::StrOrList => format!(
                        "`{key}` takes a string literal or a list of them, e.g. {key} = \"contract_rewrite\" or {key} = [\"link_escape\", \"committed_tamper\"]"
                    ),
                },
            ),
        });
    }
}

fn fixture(
    lit: Option<&LitStr>,
    attr: &str,
    catalog: &dyn Catalog,
    errors: &mut Vec<syn::Error>,
) -> Option<String> {
    let Some(lit) = lit else {
        let known = match catalog.ids() {
            Ok(ids) => format!("; fixtures in {}: {}", catalog.label(), ids.join(", ")),
            Err(_) => String::new(),
        };
        errors.push(syn::Error::new(
            Span::call_site(),
            format!("#[{attr}] needs `fixture = \"<id>\"`, the fixture the case runs on{known}"),
        ));
        return None;
    };
    let id = lit.value();
    let ids = match catalog.ids() {
        Ok(ids) => ids,
        Err(reason) => {
            errors.push(syn::Error::new(
                lit.span(),
                format!("cannot check fixture `{id}`: {reason}"),
            ));
            return None;
        }
    };
    if !ids.contains(&id) {
        let hint = suggestion(&id, ids.iter().map(String::as_str));
        errors.push(syn::Error::new(
            lit.span(),
            format!(
                "unknown fixture `{id}`{hint}; fixtures in {}: {}",
                catalog.label(),
                ids.join(", ")
            ),
        ));
        return None;
    }
    let problems = catalog.problems(&id);
    for problem in &problems {
        errors.push(syn::Error::new(
            lit.span(),
            format!("fixture `{id}` is invalid: {problem}"),
        ));
    }
    problems.is_empty().then_some(id)
}

fn violations(attr: &AttackAttr, errors: &mut Vec<syn::Error>) -> Vec<String> {
    let codes = harness_fixture::VIOLATION_CODES;
    let valid = || format!("valid codes: {}", codes.join(", "));
    let Some(violations) = &attr.violations else {
        if !attr.rejected.iter().any(
            |rejected| matches!(rejected, Rejected::WrongType { key, .. } if key == "violation"),
        ) {
            errors.push(syn::Error::new(
                Span::call_site(),
                format!(
                    "#[attack] needs `violation = \"<code>\"` (or a list of codes), what the harness must report; {}",
                    valid()
                ),
            ));
        }
        return Vec::new();
    };
    // `violation = []`: an attack grading neutralises without a violation (it gains
    // nothing); the case still must fail and score at most noop.
    let mut seen = Vec::new();
    for lit in &violations.codes {
        let code = lit.value();
        if !codes.contains(&code.as_str()) {
            let hint = suggestion(&code, codes.iter().copied());
            errors.push(syn::Error::new(
                lit.span(),
                format!("unknown violation `{code}`{hint}; {}", valid()),
            ));
        } else if seen.contains(&code) {
            errors.push(syn::Error::new(
                lit.span(),
                format!("violation `{code}` is listed twice"),
            ));
        } else {
            seen.push(code);
        }
    }
    seen
}

/// The fn under the attribute, if it has the one signature the harness can call.
fn function<'a>(
    target: &'a Target,
    attr: &str,
    errors: &mut Vec<syn::Error>,
) -> Option<&'a ItemFn> {
    let item = match target {
        Target::Fn(item) => item,
        Target::NotFn(item) => {
            let (what, error) = not_a_fn(item);
            errors.push(syn::Error::new(
                error.span(),
                format!(
                    "#[{attr}] goes on a function `{}`, not on {what}",
                    messages::SIGNATURE
                ),
            ));
            return None;
        }
    };
    let before = errors.len();
    let sig = &item.sig;
    let mut wrong = |span: Span, what: &str| {
        errors.push(syn::Error::new(
            span,
            format!("#[{attr}] fn {what}; expected `{}`", messages::SIGNATURE),
        ));
    };
    if let Some(token) = &sig.constness {
        wrong(token.span, "must not be `const`");
    }
    if let Some(token) = &sig.asyncness {
        wrong(token.span, "must not be `async`");
    }
    if let Some(token) = &sig.unsafety {
        wrong(token.span, "must not be `unsafe`");
    }
    if let Some(abi) = &sig.abi {
        wrong(abi.extern_token.span, "must not have an `extern` ABI");
    }
    if let Some(param) = sig
        .generics
        .params
        .iter()
        .find(|param| !matches!(param, GenericParam::Lifetime(_)))
    {
        wrong(param.span(), "must not have type or const parameters");
    } else if let Some(clause) = &sig.generics.where_clause {
        wrong(clause.where_token.span, "must not have a where clause");
    }
    if let Some(variadic) = &sig.variadic {
        wrong(variadic.dots.spans[0], "must not be variadic");
    }
    match sig.inputs.len() {
        1 => match sig.inputs.first() {
            Some(FnArg::Receiver(receiver)) => wrong(receiver.span(), "must not take `self`"),
            Some(FnArg::Typed(arg)) if !is_mut_ref(&arg.ty) => {
                wrong(arg.ty.span(), "must take `&mut Sandbox`")
            }
            _ => {}
        },
        count => wrong(
            sig.paren_token.span.join(),
            &format!("must take exactly one argument, `sandbox: &mut Sandbox`, not {count}"),
        ),
    }
    match &sig.output {
        ReturnType::Type(_, ty) if returns_result(ty) => {}
        ReturnType::Type(_, ty) => wrong(ty.span(), "must return `Result<(), E>` where E: Debug"),
        ReturnType::Default => wrong(
            sig.paren_token.span.close(),
            "must return `Result<(), E>` where E: Debug",
        ),
    }
    let name = sig.ident.to_string();
    if RESERVED_NAMES.contains(&name.as_str()) {
        errors.push(syn::Error::new(
            sig.ident.span(),
            format!(
                "`{name}` is a reserved case name; rename the fn (reserved: {})",
                RESERVED_NAMES.join(", ")
            ),
        ));
    }
    (errors.len() == before).then_some(item)
}

fn is_mut_ref(ty: &Type) -> bool {
    match ty {
        Type::Reference(reference) => reference.mutability.is_some(),
        Type::Group(group) => is_mut_ref(&group.elem),
        Type::Paren(paren) => is_mut_ref(&paren.elem),
        _ => false,
    }
}

fn returns_result(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "Result"),
        Type::Group(group) => returns_result(&group.elem),
        Type::Paren(paren) => returns_result(&paren.elem),
        _ => false,
    }
}

/// What the item is ("a struct"), and the token to point at (its name where it has one).
fn not_a_fn(item: &Item) -> (&'static str, Box<dyn Spanned + '_>) {
    fn at<'a>(what: &'static str, ident: &'a Ident) -> (&'static str, Box<dyn Spanned + 'a>) {
        (what, Box::new(ident))
    }
    match item {
        Item::Struct(item) => at("a struct", &item.ident),
        Item::Enum(item) => at("an enum", &item.ident),
        Item::Union(item) => at("a union", &item.ident),
        Item::Const(item) => at("a const", &item.ident),
        Item::Static(item) => at("a static", &item.ident),
        Item::Mod(item) => at("a module", &item.ident),
        Item::Trait(item) => at("a trait", &item.ident),
        Item::TraitAlias(item) => at("a trait alias", &item.ident),
        Item::Type(item) => at("a type alias", &item.ident),
        Item::ExternCrate(item) => at("an extern crate", &item.ident),
        Item::Impl(item) => ("an impl block", Box::new(item.impl_token)),
        Item::Use(item) => ("a use declaration", Box::new(item.use_token)),
        other => ("this item", Box::new(other)),
    }
}

/// `a`, `a and b`, `a, b and c`.
fn conjunction(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `" (did you mean `x`?)"` when one candidate is a plausible typo of `given`.
fn suggestion<'a>(given: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    candidates
        .map(|candidate| (edit_distance(given, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 3).max(1))
        .min()
        .map(|(_, candidate)| format!(" (did you mean `{candidate}`?)"))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod should;
