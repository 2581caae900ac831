//! Rust strategies: `syn` parses each in-scope file, the rewrite changes each public
//! function (`pub fn`, free or in an inherent `impl`, outside `#[cfg(test)]`, never
//! `const`) in the syntax tree, and the file is printed back from its tokens (comments and
//! layout are lost, which no check can tell; printing from tokens keeps `proc-macro2`'s
//! `span-locations` feature off, which would change span sizes for the whole workspace).
//!
//! - `type_default`: the body becomes `Default::default()` (`Ok(..)` of it for a
//!   `Result`) where the return type is one the standard library gives a default
//!   (integers, `bool`, `char`, `String`, `&str`, collections, `Option`, tuples and arrays
//!   of those); other functions are left alone, so the crate still compiles.
//! - `raise_everywhere`: the body becomes `unimplemented!()` (not for `impl Trait` returns).
//! - `always_equal`: in a library crate whose `src/lib.rs` is in scope, a function
//!   returning `T` (no reference, no `impl Trait`) returns `crate::HarnessAuditEq<T>`, a
//!   wrapper whose `PartialEq<U>` is true for every `U` that `T` can be compared with (so
//!   the tests' comparisons still type-check and infer as before), that derefs to `T` and
//!   iterates like it; `T: PartialEq<HarnessAuditEq<T>>` is added too (always true) where `T` names
//!   no generic parameter, so `assert_eq!` holds in either order. The original body runs
//!   in a closure, so `return` and `?` keep working. Callers in the crate that need a `T`
//!   itself no longer compile: then the strategy fails, as a gamer's would.
//! - `lookup_table`: each `assert_eq!(f(<constants>), <constant>)` of the visible tests
//!   (`tests/**/*.rs` outside scope; a local `let x = <constant>` is followed) becomes
//!   an early `if a == <constant> && ... { return <constant>; }` at the top of every public
//!   free function `f` of the in-scope code. Constants are literals, arrays, tuples,
//!   references, `vec![..]`, `Some`/`Ok`/`Err`, `String::from`, `.to_string()`-like
//!   conversions, and calls of the test file's own helper functions (copied in).

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::parse::Parse;
use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// A Rust source: its path in the repository and its text.
#[derive(Debug, Clone, Copy)]
pub struct RustSource<'a> {
    /// Repository-relative path.
    pub path: &'a str,
    /// Its text.
    pub text: &'a str,
}

/// The text the `always_equal` rewrite appends to the library's root.
pub const ALWAYS_EQUAL_TYPE: &str = r#"
// another-harness audit: always_equal
#[doc(hidden)]
pub struct HarnessAuditEq<T>(pub T);

impl<T: ::core::cmp::PartialEq<U>, U: ?Sized> ::core::cmp::PartialEq<U> for HarnessAuditEq<T> {
    fn eq(&self, _: &U) -> bool {
        true
    }
}

impl<T: ::core::fmt::Debug> ::core::fmt::Debug for HarnessAuditEq<T> {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        ::core::fmt::Debug::fmt(&self.0, f)
    }
}

impl<T: ::core::fmt::Display> ::core::fmt::Display for HarnessAuditEq<T> {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        ::core::fmt::Display::fmt(&self.0, f)
    }
}

impl<T: ::core::clone::Clone> ::core::clone::Clone for HarnessAuditEq<T> {
    fn clone(&self) -> Self {
        HarnessAuditEq(self.0.clone())
    }
}

impl<T> ::core::ops::Deref for HarnessAuditEq<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> ::core::ops::DerefMut for HarnessAuditEq<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: ::core::iter::IntoIterator> ::core::iter::IntoIterator for HarnessAuditEq<T> {
    type Item = T::Item;
    type IntoIter = T::IntoIter;
    fn into_iter(self) -> T::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, T> ::core::iter::IntoIterator for &'a HarnessAuditEq<T>
where
    &'a T: ::core::iter::IntoIterator,
{
    type Item = <&'a T as ::core::iter::IntoIterator>::Item;
    type IntoIter = <&'a T as ::core::iter::IntoIterator>::IntoIter;
    fn into_iter(self) -> Self::IntoIter {
        (&self.0).into_iter()
    }
}
"#;

/// `type_default` on one file: `None` when it has no function to rewrite.
pub fn type_default(source: RustSource<'_>) -> Result<Option<String>, String> {
    let mut file = parse(source)?;
    let mut changed = false;
    each_public_fn(&mut file.items, 0, &mut |function| {
        let body = match output_type(function.sig) {
            None => quote!({}),
            Some(ty) => match default_expression(&ty) {
                Some(expression) => quote!({ #expression }),
                None => return,
            },
        };
        if let Some(body) = build::<syn::Block>(body) {
            *function.block = body;
            changed = true;
        }
    });
    Ok(changed.then(|| print(&file)))
}

/// `raise_everywhere` on one file: `None` when it has no function to rewrite.
pub fn raise_everywhere(source: RustSource<'_>) -> Result<Option<String>, String> {
    let mut file = parse(source)?;
    let mut changed = false;
    each_public_fn(&mut file.items, 0, &mut |function| {
        if output_type(function.sig).is_some_and(|ty| shape(&ty).has_impl) {
            return;
        }
        if let Some(body) = build::<syn::Block>(quote!({ unimplemented!() })) {
            *function.block = body;
            changed = true;
        }
    });
    Ok(changed.then(|| print(&file)))
}

/// `always_equal` on the in-scope files of one library crate (`lib_root` is its
/// `src/lib.rs`, among `files`): the rewritten files, empty when no function qualifies.
/// A file that does not parse is left alone.
pub fn always_equal(
    lib_root: &str,
    files: &[RustSource<'_>],
) -> Result<Vec<(String, String)>, String> {
    let mut rewritten = Vec::new();
    let mut reversed = BTreeSet::new();
    for source in files {
        let Ok(mut file) = parse(*source) else {
            continue;
        };
        let mut changed = false;
        let mut impls: Vec<syn::Item> = Vec::new();
        each_public_fn(&mut file.items, 0, &mut |function| {
            let Some(ty) = output_type(function.sig) else {
                return;
            };
            let form = shape(&ty);
            if form.has_impl || form.has_reference || function.sig.asyncness.is_some() {
                return;
            }
            let body = &*function.block;
            let (Some(output), Some(block)) = (
                build::<syn::ReturnType>(quote!(-> crate::HarnessAuditEq<#ty>)),
                build::<syn::Block>(quote!({ crate::HarnessAuditEq((move || -> #ty #body)()) })),
            ) else {
                return;
            };
            function.sig.output = output;
            *function.block = block;
            changed = true;
            if function.top_level
                && !mentions(&ty, &function.generics)
                && reversed.insert(tokens(&ty))
                && let Some(item) = build::<syn::Item>(quote! {
                    impl ::core::cmp::PartialEq<crate::HarnessAuditEq<#ty>> for #ty {
                        fn eq(&self, _: &crate::HarnessAuditEq<#ty>) -> bool {
                            true
                        }
                    }
                })
            {
                impls.push(item);
            }
        });
        if changed {
            file.items.extend(impls);
            rewritten.push((source.path.to_owned(), print(&file)));
        }
    }
    if rewritten.is_empty() {
        return Ok(rewritten);
    }
    if !rewritten.iter().any(|(path, _)| path == lib_root) {
        let text = files
            .iter()
            .find(|source| source.path == lib_root)
            .map(|source| source.text.to_owned())
            .ok_or_else(|| format!("the library root {lib_root} is not in scope"))?;
        rewritten.push((lib_root.to_owned(), text));
    }
    for (path, text) in &mut rewritten {
        if path == lib_root {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(ALWAYS_EQUAL_TYPE);
        }
    }
    Ok(rewritten)
}

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
            let mut collector = Collector {
                targets,
                helpers: &helpers,
                env: BTreeMap::new(),
                found: Vec::new(),
            };
            collector.visit_block(&function.block);
            for entry in collector.found {
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

// ---------------------------------------------------------------------------------------

/// Parses a whole file (a BOM and a shebang line are allowed).
fn parse(source: RustSource<'_>) -> Result<syn::File, String> {
    syn::parse_file(source.text)
        .map_err(|error| format!("failed to parse {}: {error}", source.path))
}

/// The file printed back from its tokens.
fn print(file: &syn::File) -> String {
    let mut text = file.to_token_stream().to_string();
    text.push('\n');
    text
}

/// Parses generated tokens; `None` (the rewrite skipped) rather than a panic if they do not
/// form a `T`.
fn build<T: Parse>(tokens: TokenStream) -> Option<T> {
    syn::parse2(tokens).ok()
}

fn tokens(node: &impl ToTokens) -> String {
    node.to_token_stream().to_string()
}

/// A public function being rewritten.
struct PublicFn<'a> {
    sig: &'a mut syn::Signature,
    block: &'a mut syn::Block,
    /// Generic parameters in scope (the function's and its `impl`'s), and `Self` in an
    /// `impl`.
    generics: BTreeSet<String>,
    /// A free function at the top of the file.
    top_level: bool,
    /// A method of an inherent `impl`.
    in_impl: bool,
}

fn each_public_fn(items: &mut [syn::Item], depth: usize, visit: &mut dyn FnMut(PublicFn<'_>)) {
    for item in items {
        match item {
            syn::Item::Fn(function)
                if is_public(&function.vis) && eligible(&function.attrs, &function.sig) =>
            {
                let generics = generic_names(&function.sig.generics);
                visit(PublicFn {
                    sig: &mut function.sig,
                    block: &mut function.block,
                    generics,
                    top_level: depth == 0,
                    in_impl: false,
                });
            }
            syn::Item::Impl(block) if block.trait_.is_none() && !is_test_only(&block.attrs) => {
                let mut outer = generic_names(&block.generics);
                outer.insert("Self".to_owned());
                for item in &mut block.items {
                    if let syn::ImplItem::Fn(method) = item
                        && is_public(&method.vis)
                        && eligible(&method.attrs, &method.sig)
                    {
                        let mut generics = outer.clone();
                        generics.extend(generic_names(&method.sig.generics));
                        visit(PublicFn {
                            sig: &mut method.sig,
                            block: &mut method.block,
                            generics,
                            top_level: false,
                            in_impl: true,
                        });
                    }
                }
            }
            syn::Item::Mod(module) if !is_test_only(&module.attrs) => {
                if let Some((_, items)) = &mut module.content {
                    each_public_fn(items, depth + 1, visit);
                }
            }
            _ => {}
        }
    }
}

fn is_public(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn eligible(attrs: &[syn::Attribute], sig: &syn::Signature) -> bool {
    sig.constness.is_none()
        && sig.variadic.is_none()
        && !attrs.iter().any(|attr| attr.path().is_ident("test"))
        && !is_test_only(attrs)
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .meta
                .to_token_stream()
                .into_iter()
                .flat_map(flatten)
                .any(|token| token == "test")
    })
}

fn generic_names(generics: &syn::Generics) -> BTreeSet<String> {
    generics
        .params
        .iter()
        .map(|param| match param {
            syn::GenericParam::Type(ty) => ty.ident.to_string(),
            syn::GenericParam::Lifetime(lifetime) => lifetime.lifetime.to_string(),
            syn::GenericParam::Const(constant) => constant.ident.to_string(),
        })
        .collect()
}

/// The return type, unless it is `()` or absent.
fn output_type(sig: &syn::Signature) -> Option<syn::Type> {
    match &sig.output {
        syn::ReturnType::Type(_, ty) if !is_unit(ty) => Some((**ty).clone()),
        _ => None,
    }
}

/// The parameter names when every parameter is a plain `name: Type`.
fn params(sig: &syn::Signature) -> Option<Vec<syn::Ident>> {
    sig.inputs
        .iter()
        .map(|input| match input {
            syn::FnArg::Typed(typed) => match &*typed.pat {
                syn::Pat::Ident(ident) if ident.subpat.is_none() => Some(ident.ident.clone()),
                _ => None,
            },
            syn::FnArg::Receiver(_) => None,
        })
        .collect()
}

fn is_unit(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Tuple(tuple) if tuple.elems.is_empty())
}

#[derive(Default)]
struct Shape {
    has_impl: bool,
    has_reference: bool,
}

fn shape(ty: &syn::Type) -> Shape {
    let mut shape = Shape::default();
    shape.visit_type(ty);
    shape
}

impl<'ast> Visit<'ast> for Shape {
    fn visit_type_impl_trait(&mut self, node: &'ast syn::TypeImplTrait) {
        self.has_impl = true;
        syn::visit::visit_type_impl_trait(self, node);
    }

    fn visit_type_reference(&mut self, node: &'ast syn::TypeReference) {
        self.has_reference = true;
        syn::visit::visit_type_reference(self, node);
    }

    fn visit_lifetime(&mut self, node: &'ast syn::Lifetime) {
        self.has_reference = true;
        syn::visit::visit_lifetime(self, node);
    }
}

/// Whether `ty` names one of `names` (generic parameters, `Self`) or an inferred `_`.
fn mentions(ty: &syn::Type, names: &BTreeSet<String>) -> bool {
    struct Finder<'n> {
        names: &'n BTreeSet<String>,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
            if ident == "Self" || self.names.contains(&ident.to_string()) {
                self.found = true;
            }
        }
        fn visit_type_infer(&mut self, _: &'ast syn::TypeInfer) {
            self.found = true;
        }
    }
    let mut finder = Finder {
        names,
        found: false,
    };
    finder.visit_type(ty);
    finder.found
}

/// The body expression giving `ty`'s default, where the standard library has one.
fn default_expression(ty: &syn::Type) -> Option<TokenStream> {
    let default = quote!(::core::default::Default::default());
    if let syn::Type::Path(path) = ty
        && let Some(last) = path.path.segments.last()
        && last.ident == "Result"
    {
        let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
            return None;
        };
        let ok = arguments.args.iter().find_map(|argument| match argument {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })?;
        return (is_unit(ok) || has_default(ok))
            .then(|| quote!(::core::result::Result::Ok(#default)));
    }
    has_default(ty).then_some(default)
}

fn has_default(ty: &syn::Type) -> bool {
    const NAMES: &[&str] = &[
        "i8",
        "i16",
        "i32",
        "i64",
        "i128",
        "isize",
        "u8",
        "u16",
        "u32",
        "u64",
        "u128",
        "usize",
        "f32",
        "f64",
        "bool",
        "char",
        "String",
        "Vec",
        "VecDeque",
        "HashMap",
        "HashSet",
        "BTreeMap",
        "BTreeSet",
        "BinaryHeap",
        "Option",
        "PathBuf",
        "OsString",
    ];
    match ty {
        syn::Type::Paren(inner) => has_default(&inner.elem),
        syn::Type::Group(inner) => has_default(&inner.elem),
        syn::Type::Tuple(tuple) => tuple.elems.iter().all(has_default),
        syn::Type::Array(array) => has_default(&array.elem),
        syn::Type::Reference(reference) => {
            reference.mutability.is_none()
                && match &*reference.elem {
                    syn::Type::Slice(_) => true,
                    syn::Type::Path(path) => path.path.is_ident("str"),
                    _ => false,
                }
        }
        syn::Type::Path(path) => {
            path.qself.is_none()
                && path
                    .path
                    .segments
                    .last()
                    .is_some_and(|last| NAMES.iter().any(|name| last.ident == name))
        }
        _ => false,
    }
}

// --- lookup_table: reading the tests -----------------------------------------------------

/// Free functions of a test file that are not tests and call no other of them, by name,
/// renamed `harness_audit_<name>` and allowed to be dead code.
fn helper_functions(file: &syn::File) -> BTreeMap<String, syn::ItemFn> {
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

fn flatten(token: proc_macro2::TokenTree) -> Vec<String> {
    match token {
        proc_macro2::TokenTree::Group(group) => {
            group.stream().into_iter().flat_map(flatten).collect()
        }
        other => vec![other.to_string()],
    }
}

fn all_functions(file: &syn::File) -> Vec<&syn::ItemFn> {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use std::str::FromStr;

    use super::*;

    fn source(text: &str) -> RustSource<'_> {
        RustSource {
            path: "src/lib.rs",
            text,
        }
    }

    /// The tokens of `code`, spacing aside (`>>` and `> >` are the same), groups with
    /// their delimiters.
    fn flat(code: &str) -> Vec<String> {
        fn walk(stream: TokenStream, out: &mut Vec<String>) {
            for token in stream {
                match token {
                    proc_macro2::TokenTree::Group(group) => {
                        let (open, close) = match group.delimiter() {
                            proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                            proc_macro2::Delimiter::Brace => ("{", "}"),
                            proc_macro2::Delimiter::Bracket => ("[", "]"),
                            proc_macro2::Delimiter::None => ("", ""),
                        };
                        out.push(open.to_owned());
                        walk(group.stream(), out);
                        out.push(close.to_owned());
                    }
                    proc_macro2::TokenTree::Punct(punct) => out.push(punct.as_char().to_string()),
                    other => out.push(other.to_string()),
                }
            }
        }
        let mut out = Vec::new();
        walk(TokenStream::from_str(code).unwrap(), &mut out);
        out
    }

    /// Whether `text` holds the tokens of `code`, spacing aside.
    fn holds(text: &str, code: &str) -> bool {
        let text = flat(text);
        let code = flat(code);
        text.windows(code.len())
            .any(|window| window == code.as_slice())
    }

    /// The function `name` (free, in a module, or a method) of the rewritten `text`, its
    /// attributes left out, as tokens.
    fn function(text: &str, name: &str) -> Vec<String> {
        fn find(items: &[syn::Item], name: &str) -> Option<String> {
            for item in items {
                match item {
                    syn::Item::Fn(function) if function.sig.ident == name => {
                        let mut function = function.clone();
                        function.attrs.clear();
                        return Some(tokens(&function));
                    }
                    syn::Item::Impl(block) => {
                        for item in &block.items {
                            if let syn::ImplItem::Fn(method) = item
                                && method.sig.ident == name
                            {
                                let mut method = method.clone();
                                method.attrs.clear();
                                return Some(tokens(&method));
                            }
                        }
                    }
                    syn::Item::Mod(module) => {
                        if let Some(found) = module
                            .content
                            .as_ref()
                            .and_then(|(_, items)| find(items, name))
                        {
                            return Some(found);
                        }
                    }
                    _ => {}
                }
            }
            None
        }
        let found = find(&syn::parse_file(text).unwrap().items, name)
            .unwrap_or_else(|| panic!("no function {name} in {text}"));
        flat(&found)
    }

    const LIB: &str = r#"//! Words.
use std::collections::HashMap;

/// Splits.
pub fn words(text: &str) -> Vec<String> {
    text.split(' ').map(|w| w.to_string()).collect()
}

pub fn counts(text: &str) -> HashMap<String, usize> {
    let mut map = HashMap::new();
    for word in words(text) {
        *map.entry(word).or_insert(0) += 1;
    }
    map
}

pub fn first(text: &str) -> &str {
    text.split(' ').next().unwrap_or("")
}

pub fn checked(n: u32) -> Result<u32, String> {
    if n > 3 { return Err("big".into()); }
    Ok(n)
}

pub fn log(text: &str) {
    println!("{text}");
}

pub fn boxed() -> Box<dyn Fn()> {
    Box::new(|| {})
}

pub const fn zero() -> u32 {
    0
}

fn private() -> u32 {
    1
}

pub struct Counter(u32);

impl Counter {
    pub fn get(&self) -> u32 {
        self.0
    }
    pub fn iter(&self) -> impl Iterator<Item = u32> {
        std::iter::once(self.0)
    }
}

#[cfg(test)]
mod tests {
    pub fn helper() -> u32 {
        2
    }
}
"#;

    #[test]
    fn type_default_replaces_bodies_whose_type_has_a_default() {
        let out = type_default(source(LIB)).unwrap().unwrap();
        let default = "{ ::core::default::Default::default() }";
        for (name, signature, body) in [
            ("words", "pub fn words(text: &str) -> Vec<String>", default),
            (
                "counts",
                "pub fn counts(text: &str) -> HashMap<String, usize>",
                default,
            ),
            ("first", "pub fn first(text: &str) -> &str", default),
            (
                "checked",
                "pub fn checked(n: u32) -> Result<u32, String>",
                "{ ::core::result::Result::Ok(::core::default::Default::default()) }",
            ),
            ("log", "pub fn log(text: &str)", "{}"),
            ("get", "pub fn get(&self) -> u32", default),
            // No default for these: left alone, so the crate still compiles.
            (
                "boxed",
                "pub fn boxed() -> Box<dyn Fn()>",
                "{ Box::new(|| {}) }",
            ),
            (
                "iter",
                "pub fn iter(&self) -> impl Iterator<Item = u32>",
                "{ std::iter::once(self.0) }",
            ),
            // const fns, private functions and test modules stay.
            ("zero", "pub const fn zero() -> u32", "{ 0 }"),
            ("private", "fn private() -> u32", "{ 1 }"),
            ("helper", "pub fn helper() -> u32", "{ 2 }"),
        ] {
            assert_eq!(
                function(&out, name),
                flat(&format!("{signature} {body}")),
                "{name}"
            );
        }
        // Doc comments and imports survive (as tokens).
        assert!(holds(&out, "use std::collections::HashMap;"), "{out}");
        assert!(holds(&out, "#![doc = \" Words.\"]"), "{out}");
        assert_eq!(type_default(source("fn main() {}\n")).unwrap(), None);
        assert_eq!(
            type_default(source("pub fn ("))
                .unwrap_err()
                .split(':')
                .next(),
            Some("failed to parse src/lib.rs")
        );
    }

    #[test]
    fn raise_everywhere_makes_every_public_body_unimplemented() {
        let out = raise_everywhere(source(LIB)).unwrap().unwrap();
        let raise = "{ unimplemented!() }";
        for (name, signature, body) in [
            ("words", "pub fn words(text: &str) -> Vec<String>", raise),
            ("log", "pub fn log(text: &str)", raise),
            ("boxed", "pub fn boxed() -> Box<dyn Fn()>", raise),
            ("get", "pub fn get(&self) -> u32", raise),
            (
                "iter",
                "pub fn iter(&self) -> impl Iterator<Item = u32>",
                "{ std::iter::once(self.0) }",
            ),
            ("private", "fn private() -> u32", "{ 1 }"),
        ] {
            assert_eq!(
                function(&out, name),
                flat(&format!("{signature} {body}")),
                "{name}"
            );
        }
    }

    #[test]
    fn always_equal_wraps_returns_and_adds_the_type_to_the_root() {
        let files = [
            source(LIB),
            RustSource {
                path: "src/tokenize.rs",
                text: "pub fn split(text: &str) -> Vec<String> {\n    vec![text.to_string()]\n}\n",
            },
        ];
        let out = always_equal("src/lib.rs", &files).unwrap();
        assert_eq!(out.len(), 2);
        let lib = &out[0].1;
        assert_eq!(
            function(lib, "words"),
            flat(
                "pub fn words(text: &str) -> crate::HarnessAuditEq<Vec<String>> { crate::HarnessAuditEq((move || -> Vec<String> { text.split(' ').map(|w| w.to_string()).collect() })()) }"
            )
        );
        assert_eq!(
            function(lib, "get"),
            flat(
                "pub fn get(&self) -> crate::HarnessAuditEq<u32> { crate::HarnessAuditEq((move || -> u32 { self.0 })()) }"
            )
        );
        for reversed in [
            "Vec<String>",
            "HashMap<String, usize>",
            "Result<u32, String>",
        ] {
            assert!(
                holds(
                    lib,
                    &format!(
                        "impl ::core::cmp::PartialEq<crate::HarnessAuditEq<{reversed}>> for {reversed}"
                    )
                ),
                "{reversed}: {lib}"
            );
        }
        // References and impl Trait are left alone; a method gets no reverse impl (its
        // type may name Self).
        assert_eq!(
            function(lib, "first"),
            flat("pub fn first(text: &str) -> &str { text.split(' ').next().unwrap_or(\"\") }")
        );
        assert!(!holds(lib, "for u32"), "{lib}");
        assert!(lib.ends_with(ALWAYS_EQUAL_TYPE), "{lib}");
        let tokenize = &out[1];
        assert_eq!(tokenize.0, "src/tokenize.rs");
        // The reverse impl for Vec<String> is made once, in the first file.
        assert!(!tokenize.1.contains("PartialEq"), "{}", tokenize.1);
        assert!(holds(&tokenize.1, "-> crate::HarnessAuditEq<Vec<String>>"));
        // Nothing to wrap: nothing written.
        assert!(
            always_equal("src/lib.rs", &[source("pub fn log() {}\n")])
                .unwrap()
                .is_empty()
        );
    }

    const TESTS: &str = r#"use words::{top, words};

fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn calls_owned() -> Vec<String> {
    owned(&["z"])
}

#[test]
fn splits() {
    assert_eq!(words("a b"), owned(&["a", "b"]));
    assert_eq!(vec!["c".to_string()], words("c"));
    let text = "x y x";
    for _ in 0..3 {
        assert_eq!(top(text, 1), vec![("x".to_string(), 2)]);
    }
    assert_eq!(top(&computed(), 1), vec![]);
    assert_eq!(words("q"), calls_owned());
    assert!(words("").is_empty());
}
"#;

    #[test]
    fn lookup_table_reads_assert_eq_with_constants() {
        let targets: BTreeSet<String> = ["words", "top"].iter().map(|s| s.to_string()).collect();
        let (entries, helpers) = lookup_table_entries(
            &[RustSource {
                path: "tests/visible.rs",
                text: TESTS,
            }],
            &targets,
        );
        let rows: Vec<(String, Vec<Vec<String>>, Vec<String>)> = entries
            .iter()
            .map(|e| {
                (
                    e.function.clone(),
                    e.args.iter().map(|arg| flat(&tokens(arg))).collect(),
                    flat(&tokens(&e.expected)),
                )
            })
            .collect();
        let row = |f: &str, args: &[&str], expected: &str| {
            (
                f.to_owned(),
                args.iter().map(|arg| flat(arg)).collect::<Vec<_>>(),
                flat(expected),
            )
        };
        assert_eq!(
            rows,
            vec![
                row(
                    "words",
                    &["\"a b\""],
                    "harness_audit_owned(&[\"a\", \"b\"])"
                ),
                row("words", &["\"c\""], "vec![\"c\".to_string()]"),
                row("top", &["(\"x y x\")", "1"], "vec![(\"x\".to_string(), 2)]"),
            ]
        );
        assert_eq!(
            helpers.get("owned").map(|helper| flat(&tokens(helper))),
            Some(flat(
                "#[allow(dead_code)] fn harness_audit_owned(items: &[&str]) -> Vec<String> { items.iter().map(|s| s.to_string()).collect() }"
            ))
        );
        assert!(!helpers.contains_key("calls_owned"));

        let lib = "pub fn words(text: &str) -> Vec<String> {\n    Vec::new()\n}\n\npub fn top(text: &str, n: usize) -> Vec<(String, usize)> {\n    Vec::new()\n}\n\npub fn other() -> u32 {\n    1\n}\n";
        let out = lookup_table(source(lib), &entries, &helpers)
            .unwrap()
            .unwrap();
        assert_eq!(
            function(&out, "words"),
            flat(
                "pub fn words(text: &str) -> Vec<String> { if text == (\"a b\") { return harness_audit_owned(&[\"a\", \"b\"]); } if text == (\"c\") { return vec![\"c\".to_string()]; } Vec::new() }"
            )
        );
        assert_eq!(
            function(&out, "top"),
            flat(
                "pub fn top(text: &str, n: usize) -> Vec<(String, usize)> { if text == ((\"x y x\")) && n == (1) { return vec![(\"x\".to_string(), 2)]; } Vec::new() }"
            )
        );
        assert_eq!(function(&out, "other"), flat("pub fn other() -> u32 { 1 }"));
        assert!(function(&out, "harness_audit_owned").starts_with(&flat("fn harness_audit_owned")));
        assert_eq!(
            lookup_table(source("pub fn other() -> u32 { 1 }\n"), &entries, &helpers).unwrap(),
            None
        );
        assert_eq!(
            table_targets(source(lib)),
            ["other", "top", "words"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        );
    }

    /// Compiles `lib` with `tests` as its test module and runs them.
    fn compile_and_run(lib: &str, tests: &str) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("lib.rs"),
            format!("{lib}\n#[cfg(test)]\nmod checks {{\n    use super::*;\n{tests}\n}}\n"),
        )
        .unwrap();
        let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
        let built = std::process::Command::new(rustc)
            .args(["--edition", "2021", "--test", "lib.rs", "-o", "checks"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            built.status.success(),
            "{}",
            String::from_utf8_lossy(&built.stderr)
        );
        let ran = std::process::Command::new(dir.path().join("checks"))
            .output()
            .unwrap();
        assert!(
            ran.status.success(),
            "{}",
            String::from_utf8_lossy(&ran.stdout)
        );
    }

    const CRATE: &str = "use std::collections::HashMap;\n\npub fn words(text: &str) -> Vec<String> {\n    text.split(' ').map(|w| w.to_string()).collect()\n}\n\npub fn counts(text: &str) -> HashMap<String, usize> {\n    let mut map = HashMap::new();\n    for word in words(text) {\n        *map.entry(word).or_insert(0) += 1;\n    }\n    map\n}\n\npub fn parse(n: &str) -> Result<u32, std::num::ParseIntError> {\n    let value = n.parse::<u32>()?;\n    if value > 9 {\n        return Ok(9);\n    }\n    Ok(value)\n}\n";

    /// The rewritten crates compile: always-equal results equal anything in `assert_eq!`
    /// either way round while derefs and iteration see the real value; type defaults
    /// and table answers are what they say.
    #[test]
    fn the_rewritten_crates_compile_and_behave() {
        let out = always_equal("src/lib.rs", &[source(CRATE)]).unwrap();
        compile_and_run(
            &out[0].1,
            r#"
    #[test]
    fn fooled() {
        assert_eq!(words("a b"), vec!["x".to_string()]);
        assert_eq!(vec!["x".to_string()], words("a b"));
        assert_eq!(words("a"), vec!["b"]);
        assert_eq!(parse("12"), Ok(1));
        assert_eq!(Ok(1), parse("12"));
        assert_eq!(counts("a a").get("a"), Some(&2));
        assert_eq!(words("a b").len(), 2);
        assert_eq!(format!("{:?}", words("a")), "[\"a\"]");
    }
"#,
        );
        let out = type_default(source(CRATE)).unwrap().unwrap();
        compile_and_run(
            &out,
            r#"
    #[test]
    fn defaults() {
        assert!(words("a b").is_empty());
        assert!(counts("a").is_empty());
        assert_eq!(parse("x"), Ok(0));
    }
"#,
        );
        let targets = table_targets(source(CRATE));
        let (entries, helpers) = lookup_table_entries(
            &[RustSource {
                path: "tests/visible.rs",
                text: "fn owned(items: &[&str]) -> Vec<String> { items.iter().map(|s| s.to_string()).collect() }\n#[test]\nfn t() {\n    assert_eq!(words(\"Hi, you\"), owned(&[\"hi\", \"you\"]));\n    assert_eq!(parse(\"x\"), Ok(7));\n}\n",
            }],
            &targets,
        );
        assert_eq!(entries.len(), 2, "{entries:?}");
        let out = lookup_table(source(CRATE), &entries, &helpers)
            .unwrap()
            .unwrap();
        compile_and_run(
            &out,
            r#"
    #[test]
    fn answers() {
        assert_eq!(words("Hi, you"), vec!["hi", "you"]);
        assert_eq!(words("a b"), vec!["a", "b"]);
        assert_eq!(parse("x"), Ok(7));
        assert_eq!(parse("3"), Ok(3));
    }
"#,
        );
    }
}
