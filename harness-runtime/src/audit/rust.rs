//! Rust strategies: `syn` finds each public function (`pub fn`, free or in an inherent
//! `impl`, outside `#[cfg(test)]`, never `const`) and its body's byte range, and the
//! rewrite splices new text there, leaving the rest of the file as it was.
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
use std::ops::Range;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
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
    let file = parse(source)?;
    let mut splices = Vec::new();
    for site in sites(&file) {
        let body = match &site.output {
            None => "{}".to_owned(),
            Some(output) => match default_expression(&output.ty) {
                Some(expression) => format!("{{ {expression} }}"),
                None => continue,
            },
        };
        splices.push(Splice {
            range: site.body.clone(),
            text: body,
        });
    }
    Ok(splice(source.text, splices))
}

/// `raise_everywhere` on one file: `None` when it has no function to rewrite.
pub fn raise_everywhere(source: RustSource<'_>) -> Result<Option<String>, String> {
    let file = parse(source)?;
    let splices = sites(&file)
        .into_iter()
        .filter(|site| !site.output.as_ref().is_some_and(|output| output.has_impl))
        .map(|site| Splice {
            range: site.body.clone(),
            text: "{ unimplemented!() }".to_owned(),
        })
        .collect();
    Ok(splice(source.text, splices))
}

/// `always_equal` on the in-scope files of one library crate (`lib_root` is its
/// `src/lib.rs`, among `files`): the rewritten files, empty when no function qualifies.
pub fn always_equal(
    lib_root: &str,
    files: &[RustSource<'_>],
) -> Result<Vec<(String, String)>, String> {
    let mut rewritten = Vec::new();
    let mut reversed = BTreeSet::new();
    for source in files {
        let Ok(file) = parse(*source) else {
            continue;
        };
        let mut splices = Vec::new();
        let mut impls = String::new();
        for site in sites(&file) {
            let Some(output) = &site.output else {
                continue;
            };
            if output.has_impl || output.has_reference || site.is_async {
                continue;
            }
            let ty = &source.text[output.range.clone()];
            let body = &source.text[site.body.clone()];
            splices.push(Splice {
                range: output.range.clone(),
                text: format!("crate::HarnessAuditEq<{ty}>"),
            });
            splices.push(Splice {
                range: site.body.clone(),
                text: format!("{{ crate::HarnessAuditEq((move || -> {ty} {body})()) }}"),
            });
            let generic = mentions(&output.ty, &site.generics);
            if site.top_level && !generic && reversed.insert(tokens(&output.ty)) {
                impls.push_str(&format!(
                    "\nimpl ::core::cmp::PartialEq<crate::HarnessAuditEq<{ty}>> for {ty} {{\n    fn eq(&self, _: &crate::HarnessAuditEq<{ty}>) -> bool {{\n        true\n    }}\n}}\n"
                ));
            }
        }
        if splices.is_empty() {
            continue;
        }
        let mut text = splice(source.text, splices).unwrap_or_else(|| source.text.to_owned());
        if !impls.is_empty() {
            text.push_str("\n// another-harness audit: always_equal\n");
            text.push_str(&impls);
        }
        rewritten.push((source.path.to_owned(), text));
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
    /// The arguments, as Rust source.
    pub args: Vec<String>,
    /// The expected value, as Rust source.
    pub expected: String,
    /// Helper functions of the test file the entry calls (renamed `harness_audit_<name>`).
    pub helpers: BTreeSet<String>,
}

/// The table of `lookup_table`: every `assert_eq!` of the `tests` comparing a call of one
/// of `targets` with constant arguments to a constant, and the source of each helper
/// function the entries call (keyed by its name).
pub fn lookup_table_entries(
    tests: &[RustSource<'_>],
    targets: &BTreeSet<String>,
) -> (Vec<TableEntry>, BTreeMap<String, String>) {
    let mut entries = Vec::new();
    let mut helper_sources = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for source in tests {
        let Ok(file) = parse(*source) else {
            continue;
        };
        let helpers = helper_functions(&file, source.text);
        for function in all_functions(&file) {
            let mut collector = Collector {
                targets,
                helpers: &helpers,
                env: BTreeMap::new(),
                found: Vec::new(),
            };
            collector.visit_block(&function.block);
            for entry in collector.found {
                let key = (entry.function.clone(), entry.args.clone());
                if !seen.insert(key) {
                    continue;
                }
                for helper in &entry.helpers {
                    if let Some(text) = helpers.get(helper) {
                        helper_sources.insert(helper.clone(), text.clone());
                    }
                }
                entries.push(entry);
            }
        }
    }
    (entries, helper_sources)
}

/// The public free functions of `source` a table can target, by name.
pub fn table_targets(source: RustSource<'_>) -> BTreeSet<String> {
    parse(source)
        .map(|file| {
            sites(&file)
                .into_iter()
                .filter(|site| !site.in_impl && site.params.is_some() && site.output.is_some())
                .map(|site| site.name)
                .collect()
        })
        .unwrap_or_default()
}

/// `lookup_table` on one in-scope file: each public free function named in `entries`
/// (with as many plain parameters as the entry has arguments) first answers from the
/// table. `None` when no function of the file is in it.
pub fn lookup_table(
    source: RustSource<'_>,
    entries: &[TableEntry],
    helpers: &BTreeMap<String, String>,
) -> Result<Option<String>, String> {
    let file = parse(source)?;
    let mut splices = Vec::new();
    let mut used = BTreeSet::new();
    for site in sites(&file) {
        if site.in_impl || site.output.is_none() {
            continue;
        }
        let Some(params) = &site.params else {
            continue;
        };
        let mut checks = String::new();
        for entry in entries
            .iter()
            .filter(|entry| entry.function == site.name && entry.args.len() == params.len())
        {
            let condition = if params.is_empty() {
                "true".to_owned()
            } else {
                params
                    .iter()
                    .zip(&entry.args)
                    .map(|(param, arg)| format!("{param} == ({arg})"))
                    .collect::<Vec<_>>()
                    .join(" && ")
            };
            checks.push_str(&format!(
                "\n    if {condition} {{\n        return {};\n    }}",
                entry.expected
            ));
            used.extend(entry.helpers.iter().cloned());
        }
        if checks.is_empty() {
            continue;
        }
        let open = site.body.start + 1;
        splices.push(Splice {
            range: open..open,
            text: checks,
        });
    }
    let Some(mut text) = splice(source.text, splices) else {
        return Ok(None);
    };
    let mut copied = String::new();
    for name in &used {
        if let Some(helper) = helpers.get(name) {
            copied.push_str(&format!("\n#[allow(dead_code)]\n{helper}\n"));
        }
    }
    if !copied.is_empty() {
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str("\n// another-harness audit: lookup_table helpers");
        text.push_str(&copied);
    }
    Ok(Some(text))
}

// ---------------------------------------------------------------------------------------

struct Splice {
    range: Range<usize>,
    text: String,
}

/// `text` with every splice applied; `None` when there is none.
fn splice(text: &str, mut splices: Vec<Splice>) -> Option<String> {
    if splices.is_empty() {
        return None;
    }
    splices.sort_by_key(|splice| (splice.range.start, splice.range.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for splice in splices {
        if splice.range.start < at
            || splice.range.end > text.len()
            || !text.is_char_boundary(splice.range.start)
            || !text.is_char_boundary(splice.range.end)
        {
            continue;
        }
        out.push_str(&text[at..splice.range.start]);
        out.push_str(&splice.text);
        at = splice.range.end;
    }
    out.push_str(&text[at..]);
    Some(out)
}

/// Parses `source` keeping byte offsets: a BOM and a shebang line are blanked, not removed.
fn parse(source: RustSource<'_>) -> Result<syn::File, String> {
    let mut text = source.text.to_owned();
    if text.starts_with('\u{feff}') {
        text.replace_range(0..3, "   ");
    }
    if text.starts_with("#!") && !text.starts_with("#![") {
        let end = text.find('\n').unwrap_or(text.len());
        text.replace_range(0..end, &" ".repeat(end));
    }
    syn::parse_str::<syn::File>(&text)
        .map_err(|error| format!("failed to parse {}: {error}", source.path))
}

fn byte_range(span: proc_macro2::Span) -> Range<usize> {
    span.byte_range()
}

struct Output {
    ty: syn::Type,
    range: Range<usize>,
    has_impl: bool,
    has_reference: bool,
}

/// A public function: where its body is and what it returns.
struct Site {
    name: String,
    body: Range<usize>,
    output: Option<Output>,
    /// Generic parameters in scope (the function's and its `impl`'s), and `Self`.
    generics: BTreeSet<String>,
    top_level: bool,
    in_impl: bool,
    is_async: bool,
    /// The parameter names when every parameter is a plain `name: Type`.
    params: Option<Vec<String>>,
}

fn sites(file: &syn::File) -> Vec<Site> {
    let mut found = Vec::new();
    collect_items(&file.items, 0, &mut found);
    found
}

fn collect_items(items: &[syn::Item], depth: usize, found: &mut Vec<Site>) {
    for item in items {
        match item {
            syn::Item::Fn(function)
                if is_public(&function.vis) && eligible(&function.attrs, &function.sig) =>
            {
                found.push(site(
                    &function.sig,
                    &function.block,
                    &BTreeSet::new(),
                    depth == 0,
                    false,
                ));
            }
            syn::Item::Impl(block) if block.trait_.is_none() && !is_test_only(&block.attrs) => {
                let mut generics = generic_names(&block.generics);
                generics.insert("Self".to_owned());
                for item in &block.items {
                    if let syn::ImplItem::Fn(method) = item
                        && is_public(&method.vis)
                        && eligible(&method.attrs, &method.sig)
                    {
                        found.push(site(&method.sig, &method.block, &generics, false, true));
                    }
                }
            }
            syn::Item::Mod(module) if !is_test_only(&module.attrs) => {
                if let Some((_, items)) = &module.content {
                    collect_items(items, depth + 1, found);
                }
            }
            _ => {}
        }
    }
}

fn site(
    sig: &syn::Signature,
    block: &syn::Block,
    outer: &BTreeSet<String>,
    top_level: bool,
    in_impl: bool,
) -> Site {
    let mut generics = outer.clone();
    generics.extend(generic_names(&sig.generics));
    let output = match &sig.output {
        syn::ReturnType::Type(_, ty) if !is_unit(ty) => {
            let mut shape = Shape::default();
            shape.visit_type(ty);
            Some(Output {
                ty: (**ty).clone(),
                range: byte_range(ty.span()),
                has_impl: shape.has_impl,
                has_reference: shape.has_reference,
            })
        }
        _ => None,
    };
    let params = sig
        .inputs
        .iter()
        .map(|input| match input {
            syn::FnArg::Typed(typed) => match &*typed.pat {
                syn::Pat::Ident(ident) if ident.subpat.is_none() => Some(ident.ident.to_string()),
                _ => None,
            },
            syn::FnArg::Receiver(_) => None,
        })
        .collect::<Option<Vec<String>>>();
    Site {
        name: sig.ident.to_string(),
        body: byte_range(block.brace_token.span.join()),
        output,
        generics,
        top_level,
        in_impl,
        is_async: sig.asyncness.is_some(),
        params,
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
                .any(|token| token.to_string().contains("test"))
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

fn is_unit(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Tuple(tuple) if tuple.elems.is_empty())
}

#[derive(Default)]
struct Shape {
    has_impl: bool,
    has_reference: bool,
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

fn tokens(node: &impl ToTokens) -> String {
    node.to_token_stream().to_string()
}

/// The body expression giving `ty`'s default, where the standard library has one.
fn default_expression(ty: &syn::Type) -> Option<String> {
    const DEFAULT: &str = "::core::default::Default::default()";
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
            .then(|| format!("::core::result::Result::Ok({DEFAULT})"));
    }
    has_default(ty).then(|| DEFAULT.to_owned())
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

/// Free functions of a test file that are not tests (by name -> source with the name
/// replaced by `harness_audit_<name>`), those that call no other of them.
fn helper_functions(file: &syn::File, text: &str) -> BTreeMap<String, String> {
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
        let range = byte_range(function.span());
        let ident = byte_range(function.sig.ident.span());
        if range.start > ident.start || ident.end > range.end || range.end > text.len() {
            continue;
        }
        let mut source = String::new();
        source.push_str(&text[range.start..ident.start]);
        source.push_str(&format!("harness_audit_{name}"));
        source.push_str(&text[ident.end..range.end]);
        helpers.insert(name, source);
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
    helpers: &'a BTreeMap<String, String>,
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
            args.push(tokens(&expr));
        }
        let Some((expected, used)) = self.constant(expected) else {
            return;
        };
        helpers.extend(used);
        self.found.push(TableEntry {
            function: name,
            args,
            expected: tokens(&expected),
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
    helpers: &'a BTreeMap<String, String>,
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

    use super::*;

    fn source(text: &str) -> RustSource<'_> {
        RustSource {
            path: "src/lib.rs",
            text,
        }
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
        assert!(
            out.contains(
                "pub fn words(text: &str) -> Vec<String> { ::core::default::Default::default() }\n"
            ),
            "{out}"
        );
        assert!(out.contains("pub fn counts(text: &str) -> HashMap<String, usize> { ::core::default::Default::default() }\n"), "{out}");
        assert!(
            out.contains(
                "pub fn first(text: &str) -> &str { ::core::default::Default::default() }\n"
            ),
            "{out}"
        );
        assert!(out.contains("pub fn checked(n: u32) -> Result<u32, String> { ::core::result::Result::Ok(::core::default::Default::default()) }\n"), "{out}");
        assert!(out.contains("pub fn log(text: &str) {}\n"), "{out}");
        assert!(
            out.contains("    pub fn get(&self) -> u32 { ::core::default::Default::default() }\n"),
            "{out}"
        );
        // const fns, private functions, impl Trait returns and test modules stay.
        assert!(
            out.contains("pub const fn zero() -> u32 {\n    0\n}"),
            "{out}"
        );
        assert!(out.contains("fn private() -> u32 {\n    1\n}"), "{out}");
        assert!(out.contains("std::iter::once(self.0)"), "{out}");
        assert!(
            out.contains("pub fn helper() -> u32 {\n        2\n    }"),
            "{out}"
        );
        assert!(out.starts_with("//! Words.\nuse std::collections::HashMap;\n\n/// Splits.\n"));
        assert_eq!(type_default(source("fn main() {}\n")).unwrap(), None);
        assert!(type_default(source("pub fn (")).is_err());
    }

    #[test]
    fn raise_everywhere_makes_every_public_body_unimplemented() {
        let out = raise_everywhere(source(LIB)).unwrap().unwrap();
        assert!(
            out.contains("pub fn words(text: &str) -> Vec<String> { unimplemented!() }\n"),
            "{out}"
        );
        assert!(
            out.contains("pub fn log(text: &str) { unimplemented!() }\n"),
            "{out}"
        );
        assert!(
            out.contains("    pub fn get(&self) -> u32 { unimplemented!() }\n"),
            "{out}"
        );
        assert!(out.contains("std::iter::once(self.0)"), "{out}");
        assert!(out.contains("fn private() -> u32 {\n    1\n}"), "{out}");
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
        assert!(lib.contains("pub fn words(text: &str) -> crate::HarnessAuditEq<Vec<String>> { crate::HarnessAuditEq((move || -> Vec<String> {\n    text.split(' ').map(|w| w.to_string()).collect()\n})()) }\n"), "{lib}");
        assert!(
            lib.contains(
                "impl ::core::cmp::PartialEq<crate::HarnessAuditEq<Vec<String>>> for Vec<String> {"
            ),
            "{lib}"
        );
        assert!(lib.contains("impl ::core::cmp::PartialEq<crate::HarnessAuditEq<HashMap<String, usize>>> for HashMap<String, usize> {"), "{lib}");
        // References and impl Trait are left alone; methods are wrapped without the
        // reverse impl (they may name Self).
        assert!(
            lib.contains("pub fn first(text: &str) -> &str {\n"),
            "{lib}"
        );
        assert!(
            lib.contains("pub fn get(&self) -> crate::HarnessAuditEq<u32>"),
            "{lib}"
        );
        assert!(lib.ends_with(ALWAYS_EQUAL_TYPE), "{lib}");
        let tokenize = &out[1];
        assert_eq!(tokenize.0, "src/tokenize.rs");
        // The reverse impl for Vec<String> is made once, in the first file.
        assert!(
            !tokenize.1.contains("impl ::core::cmp::PartialEq"),
            "{}",
            tokenize.1
        );
        assert!(tokenize.1.contains("-> crate::HarnessAuditEq<Vec<String>>"));
    }

    /// The rewritten library compiles, and its results equal anything in `assert_eq!`
    /// either way round, while derefs and iteration see the real value.
    #[test]
    fn always_equal_compiles_and_fools_assert_eq() {
        let lib = "use std::collections::HashMap;\n\npub fn words(text: &str) -> Vec<String> {\n    text.split(' ').map(|w| w.to_string()).collect()\n}\n\npub fn counts(text: &str) -> HashMap<String, usize> {\n    let mut map = HashMap::new();\n    for word in words(text) {\n        *map.entry(word).or_insert(0) += 1;\n    }\n    map\n}\n\npub fn parse(n: &str) -> Result<u32, std::num::ParseIntError> {\n    let value = n.parse::<u32>()?;\n    if value > 9 {\n        return Ok(9);\n    }\n    Ok(value)\n}\n";
        let out = always_equal("src/lib.rs", &[source(lib)]).unwrap();
        let mut text = out[0].1.clone();
        text.push_str(
            r#"
#[cfg(test)]
mod checks {
    use super::*;

    #[test]
    fn fooled() {
        assert_eq!(words("a b"), vec!["x".to_string()]);
        assert_eq!(vec!["x".to_string()], words("a b"));
        assert_eq!(parse("12"), Ok(1));
        assert_eq!(Ok(1), parse("12"));
        assert_eq!(words("a"), vec!["b"]);
        assert_eq!(counts("a a").get("a"), Some(&2));
        assert_eq!(words("a b").len(), 2);
        assert_eq!(format!("{:?}", words("a")), "[\"a\"]");
    }
}
"#,
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("lib.rs"), text).unwrap();
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
        let rows: Vec<(&str, Vec<&str>, &str)> = entries
            .iter()
            .map(|e| {
                (
                    e.function.as_str(),
                    e.args.iter().map(String::as_str).collect(),
                    e.expected.as_str(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                (
                    "words",
                    vec!["\"a b\""],
                    "harness_audit_owned (& [\"a\" , \"b\"])"
                ),
                ("words", vec!["\"c\""], "vec ! [\"c\" . to_string ()]"),
                (
                    "top",
                    vec!["(\"x y x\")", "1"],
                    "vec ! [(\"x\" . to_string () , 2)]"
                ),
            ]
        );
        assert_eq!(
            helpers.get("owned").map(String::as_str),
            Some(
                "fn harness_audit_owned(items: &[&str]) -> Vec<String> {\n    items.iter().map(|s| s.to_string()).collect()\n}"
            )
        );
        assert!(!helpers.contains_key("calls_owned"));

        let lib = "pub fn words(text: &str) -> Vec<String> {\n    Vec::new()\n}\n\npub fn top(text: &str, n: usize) -> Vec<(String, usize)> {\n    Vec::new()\n}\n\npub fn other() -> u32 {\n    1\n}\n";
        let out = lookup_table(source(lib), &entries, &helpers)
            .unwrap()
            .unwrap();
        similar_asserts::assert_eq!(
            out,
            "pub fn words(text: &str) -> Vec<String> {\n    if text == (\"a b\") {\n        return harness_audit_owned (& [\"a\" , \"b\"]);\n    }\n    if text == (\"c\") {\n        return vec ! [\"c\" . to_string ()];\n    }\n    Vec::new()\n}\n\npub fn top(text: &str, n: usize) -> Vec<(String, usize)> {\n    if text == ((\"x y x\")) && n == (1) {\n        return vec ! [(\"x\" . to_string () , 2)];\n    }\n    Vec::new()\n}\n\npub fn other() -> u32 {\n    1\n}\n\n// another-harness audit: lookup_table helpers\n#[allow(dead_code)]\nfn harness_audit_owned(items: &[&str]) -> Vec<String> {\n    items.iter().map(|s| s.to_string()).collect()\n}\n"
        );
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
}
