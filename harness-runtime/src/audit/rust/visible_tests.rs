//! Reading the visible tests for `lookup_table`: their `assert_eq!`s of constants, and the
//! helper functions those constants call.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

use super::flatten;
use super::lookup_table::TableEntry;

/// Free functions of a test file that are not tests and call no other of them, by name,
/// renamed `harness_audit_<name>` and allowed to be dead code.
pub(super) fn helper_functions(file: &syn::File) -> BTreeMap<String, syn::ItemFn> {
    let candidates: Vec<&syn::ItemFn> = file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Fn(function)
                if !function
                    .attrs
                    .iter()
                    .any(|attr| attr.path().is_ident("test")) =>
            {
                Some(function)
            }
            _ => None,
        })
        .collect();
    let names: BTreeSet<String> = candidates
        .iter()
        .map(|function| function.sig.ident.to_string())
        .collect();
    let mut helpers = BTreeMap::new();
    for function in candidates {
        let name = function.sig.ident.to_string();
        let calls_another = function
            .block
            .to_token_stream()
            .into_iter()
            .flat_map(flatten)
            .any(|token| names.contains(&token) && token != name);
        if calls_another {
            continue;
        }
        let mut helper = function.clone();
        helper.sig.ident = quote::format_ident!("harness_audit_{}", function.sig.ident);
        helper.vis = syn::Visibility::Inherited;
        if let Ok(allow) =
            syn::parse::Parser::parse2(syn::Attribute::parse_outer, quote!(#[allow(dead_code)]))
        {
            helper.attrs.extend(allow);
        }
        helpers.insert(name, helper);
    }
    helpers
}

pub(super) fn all_functions(file: &syn::File) -> Vec<&syn::ItemFn> {
    fn walk<'a>(items: &'a [syn::Item], out: &mut Vec<&'a syn::ItemFn>) {
        for item in items {
            match item {
                syn::Item::Fn(function) => out.push(function),
                syn::Item::Mod(module) => {
                    if let Some((_, items)) = &module.content {
                        walk(items, out);
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(&file.items, &mut out);
    out
}

/// The entries the `assert_eq!`s of `function` give, in order.
pub(super) fn assertions(
    function: &syn::ItemFn,
    targets: &BTreeSet<String>,
    helpers: &BTreeMap<String, syn::ItemFn>,
) -> Vec<TableEntry> {
    let mut collector = Collector {
        targets,
        helpers,
        env: BTreeMap::new(),
        found: Vec::new(),
    };
    collector.visit_block(&function.block);
    collector.found
}

struct Collector<'a> {
    targets: &'a BTreeSet<String>,
    helpers: &'a BTreeMap<String, syn::ItemFn>,
    /// Names bound by `let name = <constant>`, to their (substituted) expression.
    env: BTreeMap<String, syn::Expr>,
    found: Vec<TableEntry>,
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_local(&mut self, local: &'ast syn::Local) {
        syn::visit::visit_local(self, local);
        let name = match &local.pat {
            syn::Pat::Ident(ident) => Some(&ident.ident),
            syn::Pat::Type(typed) => match &*typed.pat {
                syn::Pat::Ident(ident) => Some(&ident.ident),
                _ => None,
            },
            _ => None,
        };
        let Some(name) = name else {
            return;
        };
        let value = local
            .init
            .as_ref()
            .filter(|init| init.diverge.is_none())
            .and_then(|init| self.constant(&init.expr));
        match value {
            Some((expr, _)) => {
                self.env.insert(name.to_string(), expr);
            }
            None => {
                self.env.remove(&name.to_string());
            }
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if mac
            .path
            .segments
            .last()
            .is_some_and(|last| last.ident == "assert_eq")
            && let Ok(args) =
                mac.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
            && args.len() >= 2
        {
            self.record(&args[0], &args[1]);
            self.record(&args[1], &args[0]);
        }
        syn::visit::visit_macro(self, mac);
    }
}

impl Collector<'_> {
    fn record(&mut self, call: &syn::Expr, expected: &syn::Expr) {
        let syn::Expr::Call(call) = strip(call) else {
            return;
        };
        let syn::Expr::Path(function) = &*call.func else {
            return;
        };
        let Some(name) = function
            .path
            .segments
            .last()
            .map(|last| last.ident.to_string())
        else {
            return;
        };
        if !self.targets.contains(&name) {
            return;
        }
        let mut helpers = BTreeSet::new();
        let mut args = Vec::new();
        for arg in &call.args {
            let Some((expr, used)) = self.constant(arg) else {
                return;
            };
            helpers.extend(used);
            args.push(expr);
        }
        let Some((expected, used)) = self.constant(expected) else {
            return;
        };
        helpers.extend(used);
        self.found.push(TableEntry {
            function: name,
            args,
            expected,
            helpers,
        });
    }

    /// `expr` with bound names substituted and helper calls renamed, when it is a constant;
    /// with the helpers it calls.
    fn constant(&self, expr: &syn::Expr) -> Option<(syn::Expr, BTreeSet<String>)> {
        let mut used = BTreeSet::new();
        if !self.is_constant(expr, &mut used) {
            return None;
        }
        let mut expr = expr.clone();
        Substitute {
            env: &self.env,
            helpers: self.helpers,
        }
        .visit_expr_mut(&mut expr);
        Some((expr, used))
    }

    fn is_constant(&self, expr: &syn::Expr, used: &mut BTreeSet<String>) -> bool {
        const METHODS: &[&str] = &["to_string", "to_owned", "into", "to_vec", "clone"];
        const CONSTRUCTORS: &[&str] = &["Some", "Ok", "Err"];
        const TYPES: &[&str] = &["String", "Vec", "Box"];
        const PRIMITIVES: &[&str] = &[
            "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
            "f32", "f64", "char",
        ];
        match expr {
            syn::Expr::Lit(_) => true,
            syn::Expr::Paren(inner) => self.is_constant(&inner.expr, used),
            syn::Expr::Group(inner) => self.is_constant(&inner.expr, used),
            syn::Expr::Reference(reference) => {
                reference.mutability.is_none() && self.is_constant(&reference.expr, used)
            }
            syn::Expr::Unary(unary) => {
                matches!(unary.op, syn::UnOp::Neg(_)) && self.is_constant(&unary.expr, used)
            }
            syn::Expr::Cast(cast) => self.is_constant(&cast.expr, used),
            syn::Expr::Array(array) => array.elems.iter().all(|e| self.is_constant(e, used)),
            syn::Expr::Tuple(tuple) => tuple.elems.iter().all(|e| self.is_constant(e, used)),
            syn::Expr::Repeat(repeat) => {
                self.is_constant(&repeat.expr, used) && matches!(&*repeat.len, syn::Expr::Lit(_))
            }
            syn::Expr::Path(path) => {
                let segments: Vec<String> = path
                    .path
                    .segments
                    .iter()
                    .map(|segment| segment.ident.to_string())
                    .collect();
                path.qself.is_none()
                    && match segments.as_slice() {
                        [single] => single == "None" || self.env.contains_key(single),
                        [ty, _] => PRIMITIVES.contains(&ty.as_str()),
                        _ => false,
                    }
            }
            syn::Expr::MethodCall(call) => {
                METHODS.iter().any(|method| call.method == method)
                    && self.is_constant(&call.receiver, used)
                    && call.args.iter().all(|e| self.is_constant(e, used))
            }
            syn::Expr::Call(call) => {
                let syn::Expr::Path(function) = &*call.func else {
                    return false;
                };
                let segments: Vec<String> = function
                    .path
                    .segments
                    .iter()
                    .map(|segment| segment.ident.to_string())
                    .collect();
                let known = match segments.as_slice() {
                    [single] if CONSTRUCTORS.contains(&single.as_str()) => true,
                    [single] if self.helpers.contains_key(single) => {
                        used.insert(single.clone());
                        true
                    }
                    [ty, constructor] => {
                        TYPES.contains(&ty.as_str())
                            && matches!(constructor.as_str(), "from" | "new")
                    }
                    _ => false,
                };
                known && call.args.iter().all(|e| self.is_constant(e, used))
            }
            syn::Expr::Macro(mac) => {
                mac.mac.path.is_ident("vec") && {
                    let body: TokenStream = mac.mac.tokens.clone();
                    syn::parse2::<syn::Expr>(quote::quote!([#body]))
                        .is_ok_and(|array| self.is_constant(&array, used))
                }
            }
            _ => false,
        }
    }
}

fn strip(expr: &syn::Expr) -> &syn::Expr {
    match expr {
        syn::Expr::Paren(inner) => strip(&inner.expr),
        syn::Expr::Group(inner) => strip(&inner.expr),
        other => other,
    }
}

struct Substitute<'a> {
    env: &'a BTreeMap<String, syn::Expr>,
    helpers: &'a BTreeMap<String, syn::ItemFn>,
}

impl VisitMut for Substitute<'_> {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let syn::Expr::Path(path) = expr
            && path.qself.is_none()
            && let Some(ident) = path.path.get_ident()
            && let Some(bound) = self.env.get(&ident.to_string())
        {
            *expr = syn::parse_quote!((#bound));
            return;
        }
        if let syn::Expr::Call(call) = expr
            && let syn::Expr::Path(function) = &mut *call.func
            && let Some(ident) = function.path.get_ident()
            && self.helpers.contains_key(&ident.to_string())
        {
            let renamed = quote::format_ident!("harness_audit_{}", ident);
            function.path = syn::parse_quote!(#renamed);
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}
