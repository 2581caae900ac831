//! `lookup_table`: the answers of the visible tests' `assert_eq!`s, returned early by the
//! in-scope functions they call.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use super::public_fns::{each_public_fn, output_type, params};
use super::visible_tests::{all_functions, assertions, helper_functions};
use super::{RustSource, build, parse, print, tokens};

/// One answer read out of a visible test: `function(args) == expected`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableEntry {
    /// The function's name.
    pub function: String,
    /// The arguments.
    pub args: Vec<syn::Expr>,
    /// The expected value.
    pub expected: syn::Expr,
    /// Helper functions of the test file the entry calls (renamed `harness_audit_<name>`).
    pub helpers: BTreeSet<String>,
}

/// The table of `lookup_table`: every `assert_eq!` of the `tests` comparing a call of one
/// of `targets` with constant arguments to a constant, and each helper function of a test
/// file the entries call (by its name, renamed `harness_audit_<name>`).
pub fn lookup_table_entries(
    tests: &[RustSource<'_>],
    targets: &BTreeSet<String>,
) -> (Vec<TableEntry>, BTreeMap<String, syn::ItemFn>) {
    let mut entries = Vec::new();
    let mut helper_items = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for source in tests {
        let Ok(file) = parse(*source) else {
            continue;
        };
        let helpers = helper_functions(&file);
        for function in all_functions(&file) {
            for entry in assertions(function, targets, &helpers) {
                let key = (
                    entry.function.clone(),
                    entry.args.iter().map(tokens).collect::<Vec<_>>(),
                );
                if !seen.insert(key) {
                    continue;
                }
                for helper in &entry.helpers {
                    if let Some(item) = helpers.get(helper) {
                        helper_items.insert(helper.clone(), item.clone());
                    }
                }
                entries.push(entry);
            }
        }
    }
    (entries, helper_items)
}

/// The public free functions of `source` a table can target, by name.
pub fn table_targets(source: RustSource<'_>) -> BTreeSet<String> {
    let Ok(mut file) = parse(source) else {
        return BTreeSet::new();
    };
    let mut names = BTreeSet::new();
    each_public_fn(&mut file.items, 0, &mut |function| {
        if !function.in_impl
            && params(function.sig).is_some()
            && output_type(function.sig).is_some()
        {
            names.insert(function.sig.ident.to_string());
        }
    });
    names
}

/// `lookup_table` on one in-scope file: each public free function named in `entries`
/// (with as many plain parameters as the entry has arguments) first answers from the
/// table. `None` when no function of the file is in it.
pub fn lookup_table(
    source: RustSource<'_>,
    entries: &[TableEntry],
    helpers: &BTreeMap<String, syn::ItemFn>,
) -> Result<Option<String>, String> {
    let mut file = parse(source)?;
    let mut used = BTreeSet::new();
    let mut changed = false;
    each_public_fn(&mut file.items, 0, &mut |function| {
        if function.in_impl || output_type(function.sig).is_none() {
            return;
        }
        let Some(params) = params(function.sig) else {
            return;
        };
        let name = function.sig.ident.to_string();
        let mut checks = Vec::new();
        for entry in entries
            .iter()
            .filter(|entry| entry.function == name && entry.args.len() == params.len())
        {
            let conditions: Vec<TokenStream> = params
                .iter()
                .zip(&entry.args)
                .map(|(param, arg)| quote!(#param == (#arg)))
                .collect();
            let condition = if conditions.is_empty() {
                quote!(true)
            } else {
                quote!(#(#conditions)&&*)
            };
            let expected = &entry.expected;
            if let Some(check) = build::<syn::Stmt>(quote! {
                if #condition {
                    return #expected;
                }
            }) {
                checks.push(check);
                used.extend(entry.helpers.iter().cloned());
            }
        }
        if !checks.is_empty() {
            function.block.stmts.splice(0..0, checks);
            changed = true;
        }
    });
    if !changed {
        return Ok(None);
    }
    for name in &used {
        if let Some(helper) = helpers.get(name) {
            file.items.push(syn::Item::Fn(helper.clone()));
        }
    }
    Ok(Some(print(&file)))
}
