//! The shape of the code, checked so it stays true as features land:
//! - `harness-runtime`'s modules import only from their own layer or the layers below it,
//!   and never in a cycle; the layers are the picture in `docs/DESIGN.md` ("Layers"), read
//!   from there, so the picture and the code cannot drift apart. Every `use` line and every
//!   inline `crate::`/`super::` path counts, in code, tests and macro bodies alike.
//! - No source file reaches 600 lines and no function 120 (tests moved out of line count
//!   as tests: files named `tests.rs`, or under a `tests/` directory).
//! - One voice for users: `message` is the only module of harness-runtime that prints.
//!   Every other module words a line through a `message` function and prints it through
//!   `message::out`, `out_text`, `error`, `warning` or `note`; no `println!`, `print!`,
//!   `eprintln!` or `eprint!` elsewhere (test code aside), macro bodies searched too.
#![forbid(unsafe_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

const PRINTING: [&str; 4] = ["println", "print", "eprintln", "eprint"];
const MAX_FILE_LINES: usize = 600;
const MAX_FUNCTION_LINES: usize = 120;
const LAYERS_MARKER: &str =
    "<!-- layers: top first; each line may import only itself and below -->";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The crate roots of every workspace member and of the root package: `src/lib.rs`,
/// `src/main.rs`, `src/bin/*.rs`.
fn crate_roots() -> Vec<PathBuf> {
    let manifest: toml::Table = fs::read_to_string(root().join("Cargo.toml"))
        .expect("the workspace manifest")
        .parse()
        .expect("a valid workspace manifest");
    let mut packages = vec![root().to_path_buf()];
    for member in manifest["workspace"]["members"]
        .as_array()
        .expect("members")
    {
        let member = member.as_str().expect("a member path");
        if member != "." {
            packages.push(root().join(member));
        }
    }
    let mut roots = Vec::new();
    for package in packages {
        let src = package.join("src");
        roots.extend(
            ["lib.rs", "main.rs"]
                .map(|file| src.join(file))
                .into_iter()
                .filter(|f| f.is_file()),
        );
        if let Ok(bins) = fs::read_dir(src.join("bin")) {
            roots.extend(bins.map(|entry| entry.expect("a bin entry").path()));
        }
    }
    roots
}

/// One file of a crate's module tree: its path, its module path (`grade::scope`; empty for
/// the crate root) and its syntax.
struct ModuleFile {
    path: PathBuf,
    module: Vec<String>,
    syntax: syn::File,
    /// Declared under `#[cfg(test)]` (itself or an enclosing module): unit tests.
    test_only: bool,
}

/// Every file of the crate rooted at `root`, found by following `mod name;` declarations
/// (so templates kept next to the code, like a driver's source, are not modules).
fn module_files(root: &Path) -> Vec<ModuleFile> {
    let mut files = Vec::new();
    let mut pending = vec![(root.to_path_buf(), Vec::new(), false)];
    while let Some((path, module, test_only)) = pending.pop() {
        let syntax = parse(&path);
        let owns_dir = path
            .file_name()
            .is_some_and(|name| name == "mod.rs" || name == "lib.rs" || name == "main.rs")
            || path.parent().is_some_and(|dir| dir.ends_with("src/bin"));
        let dir = if owns_dir {
            path.parent().expect("a parent").to_path_buf()
        } else {
            path.with_extension("")
        };
        declared_modules(&syntax.items, &dir, &module, test_only, &mut pending);
        files.push(ModuleFile {
            path,
            module,
            syntax,
            test_only,
        });
    }
    files
}

type Pending = Vec<(PathBuf, Vec<String>, bool)>;

fn declared_modules(
    items: &[syn::Item],
    dir: &Path,
    module: &[String],
    test_only: bool,
    pending: &mut Pending,
) {
    for item in items {
        let syn::Item::Mod(item) = item else { continue };
        let name = item.ident.to_string();
        let mut child = module.to_vec();
        child.push(name.clone());
        let test_only = test_only || is_test_only(&item.attrs);
        match &item.content {
            Some((_, items)) => {
                declared_modules(items, &dir.join(&name), &child, test_only, pending);
            }
            None => {
                let flat = dir.join(format!("{name}.rs"));
                let nested = dir.join(&name).join("mod.rs");
                let file = if flat.is_file() { flat } else { nested };
                assert!(
                    file.is_file(),
                    "`mod {name};` in {} has no file",
                    dir.display()
                );
                pending.push((file, child, test_only));
            }
        }
    }
}

/// `#[cfg(test)]`.
fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .parse_args::<syn::Ident>()
                .is_ok_and(|ident| ident == "test")
    })
}

fn parse(path: &Path) -> syn::File {
    let text =
        fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    syn::parse_file(&text).unwrap_or_else(|error| {
        let start = error.span().start();
        panic!(
            "{}:{}:{}: {error}",
            path.display(),
            start.line,
            start.column + 1
        )
    })
}

/// The layers of `docs/DESIGN.md`, bottom first: each a set of top-level module names.
fn design_layers() -> Vec<BTreeSet<String>> {
    let design = fs::read_to_string(root().join("docs/DESIGN.md")).expect("docs/DESIGN.md");
    let after = design
        .split_once(LAYERS_MARKER)
        .unwrap_or_else(|| panic!("docs/DESIGN.md has no `{LAYERS_MARKER}` picture"))
        .1;
    let block = after
        .trim_start()
        .strip_prefix("```text\n")
        .and_then(|block| block.split_once("```"))
        .expect("the layers picture is a ```text block right after its marker")
        .0;
    let mut layers: Vec<BTreeSet<String>> = block
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            line.split('·')
                .map(|module| module.trim().to_owned())
                .filter(|module| !module.is_empty())
                .collect()
        })
        .collect();
    layers.reverse();
    layers
}

/// Collects the top-level modules a file refers to through `crate::`, `super::` and `self::`.
struct Imports {
    module: Vec<String>,
    targets: BTreeSet<String>,
    /// What the crate root re-exports, by name: `CaseStatus` -> `result`.
    root_exports: BTreeMap<String, String>,
}

impl Imports {
    /// The top-level module a path starting at `segments` names, if it is a crate path.
    fn resolve(&mut self, segments: &[String]) {
        let mut current = self.module.clone();
        let mut rest = segments;
        match rest.first().map(String::as_str) {
            Some("crate") => {
                current.clear();
                rest = &rest[1..];
            }
            Some("super") | Some("self") => {
                while let Some(first) = rest.first() {
                    match first.as_str() {
                        "super" => {
                            current.pop();
                        }
                        "self" => {}
                        _ => break,
                    }
                    rest = &rest[1..];
                }
            }
            _ => return,
        }
        let top = match (current.first(), rest.first()) {
            (Some(top), _) => top,
            (None, Some(name)) => self.root_exports.get(name).unwrap_or(name),
            (None, None) => return,
        };
        if top != "self" {
            self.targets.insert(top.clone());
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.use_tree(prefix, &path.tree);
                prefix.pop();
            }
            syn::UseTree::Name(name) => {
                prefix.push(name.ident.to_string());
                self.resolve(&prefix.clone());
                prefix.pop();
            }
            syn::UseTree::Rename(rename) => {
                prefix.push(rename.ident.to_string());
                self.resolve(&prefix.clone());
                prefix.pop();
            }
            syn::UseTree::Glob(_) => self.resolve(&prefix.clone()),
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    self.use_tree(prefix, tree);
                }
            }
        }
    }

    /// `crate :: name` and `super :: name` inside macro bodies (format arguments,
    /// `assert!`s, `vec!`s), which syn leaves as tokens.
    fn tokens(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        for (at, tree) in trees.iter().enumerate() {
            match tree {
                TokenTree::Group(group) => self.tokens(group.stream()),
                TokenTree::Ident(ident) if ident == "crate" || ident == "super" => {
                    let mut segments = vec![ident.to_string()];
                    let mut next = at + 1;
                    while let (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) =
                        (trees.get(next), trees.get(next + 1))
                    {
                        if a.as_char() != ':' || b.as_char() != ':' {
                            break;
                        }
                        let Some(TokenTree::Ident(segment)) = trees.get(next + 2) else {
                            break;
                        };
                        segments.push(segment.to_string());
                        next += 3;
                    }
                    if segments.len() > 1 {
                        self.resolve(&segments);
                    }
                }
                _ => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for Imports {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.resolve(&segments);
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        // `quote!` writes code for another crate (the audit's mutants), not paths of ours.
        let quoting = mac.path.segments.last().is_some_and(|last| {
            ["quote", "quote_spanned", "parse_quote"].contains(&last.ident.to_string().as_str())
        });
        if !quoting {
            self.tokens(mac.tokens.clone());
        }
        syn::visit::visit_macro(self, mac);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.module.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.module.pop();
    }
}

/// Top-level module -> the other top-level modules it refers to, with the file of each
/// reference (for the failure message).
fn runtime_imports() -> BTreeMap<String, BTreeMap<String, PathBuf>> {
    let files = module_files(&root().join("harness-runtime/src/lib.rs"));
    let crate_root = files
        .iter()
        .find(|file| file.module.is_empty())
        .expect("lib.rs");
    let root_exports = root_exports(&crate_root.syntax);
    let mut graph: BTreeMap<String, BTreeMap<String, PathBuf>> = BTreeMap::new();
    for file in files {
        // The crate root re-exports every layer.
        let Some(top) = file.module.first().cloned() else {
            continue;
        };
        let mut imports = Imports {
            module: file.module,
            targets: BTreeSet::new(),
            root_exports: root_exports.clone(),
        };
        imports.visit_file(&file.syntax);
        let edges = graph.entry(top.clone()).or_default();
        for target in imports.targets.into_iter().filter(|target| *target != top) {
            edges.entry(target).or_insert_with(|| file.path.clone());
        }
    }
    graph
}

/// The names the crate root re-exports from its own modules, with the module of each.
fn root_exports(lib: &syn::File) -> BTreeMap<String, String> {
    fn flatten(tree: &syn::UseTree, first: Option<&str>, out: &mut BTreeMap<String, String>) {
        match tree {
            syn::UseTree::Path(path) => {
                let name = path.ident.to_string();
                flatten(&path.tree, Some(first.unwrap_or(&name)), out);
            }
            syn::UseTree::Name(name) => {
                if let Some(first) = first {
                    out.insert(name.ident.to_string(), first.to_owned());
                }
            }
            syn::UseTree::Rename(rename) => {
                if let Some(first) = first {
                    out.insert(rename.rename.to_string(), first.to_owned());
                }
            }
            syn::UseTree::Glob(_) => {}
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    flatten(tree, first, out);
                }
            }
        }
    }
    let modules: BTreeSet<String> = lib
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(item) => Some(item.ident.to_string()),
            _ => None,
        })
        .collect();
    let mut exports = BTreeMap::new();
    for item in &lib.items {
        if let syn::Item::Use(item) = item {
            flatten(&item.tree, None, &mut exports);
        }
    }
    exports.retain(|_, module| modules.contains(module));
    exports
}

#[test]
fn runtime_modules_import_only_their_layer_and_below() {
    let layers = design_layers();
    let rank: BTreeMap<&str, usize> = layers
        .iter()
        .enumerate()
        .flat_map(|(rank, layer)| layer.iter().map(move |module| (module.as_str(), rank)))
        .collect();
    let graph = runtime_imports();
    let mut problems = Vec::new();
    for (module, edges) in &graph {
        let Some(&own) = rank.get(module.as_str()) else {
            problems.push(format!(
                "module `{module}` is in no layer of docs/DESIGN.md"
            ));
            continue;
        };
        for (target, file) in edges {
            match rank.get(target.as_str()) {
                None => problems.push(format!(
                    "{}: `{target}` (imported by `{module}`) is in no layer of docs/DESIGN.md",
                    file.display()
                )),
                Some(&theirs) if theirs > own => problems.push(format!(
                    "{}: `{module}` imports `{target}`, a layer above it",
                    file.display()
                )),
                Some(_) => {}
            }
        }
    }
    for module in rank.keys() {
        if !graph.contains_key(*module) {
            problems.push(format!(
                "docs/DESIGN.md names `{module}`, which is no module"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn runtime_modules_have_no_import_cycles() {
    let graph = runtime_imports();
    // Kahn's algorithm: whatever cannot be ordered is on a cycle.
    let mut remaining: BTreeMap<&str, BTreeSet<&str>> = graph
        .iter()
        .map(|(module, edges)| {
            let edges = edges
                .keys()
                .map(String::as_str)
                .filter(|t| graph.contains_key(*t));
            (module.as_str(), edges.collect())
        })
        .collect();
    loop {
        let ready: Vec<&str> = remaining
            .iter()
            .filter(|(_, edges)| edges.is_empty())
            .map(|(module, _)| *module)
            .collect();
        if ready.is_empty() {
            break;
        }
        for module in ready {
            remaining.remove(module);
            for edges in remaining.values_mut() {
                edges.remove(module);
            }
        }
    }
    assert!(
        remaining.is_empty(),
        "modules on an import cycle: {:?}",
        remaining
    );
}

#[test]
fn source_files_stay_under_the_line_limit() {
    let mut long = Vec::new();
    for file in crate_roots().iter().flat_map(|root| module_files(root)) {
        if file.test_only {
            continue;
        }
        let lines = fs::read_to_string(&file.path)
            .expect("a readable source")
            .lines()
            .count();
        if lines >= MAX_FILE_LINES {
            long.push(format!("{}: {lines} lines", file.path.display()));
        }
    }
    assert!(
        long.is_empty(),
        "split these into modules (limit {MAX_FILE_LINES} lines):\n{}",
        long.join("\n")
    );
}

/// Every `fn` with a body, with its first and last line.
struct Functions {
    found: Vec<(String, usize, usize)>,
}

impl Functions {
    fn record(&mut self, name: &syn::Ident, sig: &syn::Signature, block: &syn::Block) {
        let start = sig.fn_token.span.start().line;
        let end = block.brace_token.span.close().end().line;
        self.found.push((name.to_string(), start, end));
    }
}

impl<'ast> Visit<'ast> for Functions {
    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.record(&item.sig.ident, &item.sig, &item.block);
        syn::visit::visit_item_fn(self, item);
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.record(&item.sig.ident, &item.sig, &item.block);
        syn::visit::visit_impl_item_fn(self, item);
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        if let Some(block) = &item.default {
            self.record(&item.sig.ident, &item.sig, block);
        }
        syn::visit::visit_trait_item_fn(self, item);
    }
}

#[test]
fn functions_stay_under_the_line_limit() {
    let mut long = Vec::new();
    for file in crate_roots().iter().flat_map(|root| module_files(root)) {
        let mut functions = Functions { found: Vec::new() };
        functions.visit_file(&file.syntax);
        for (name, start, end) in functions.found {
            let lines = end - start + 1;
            if lines > MAX_FUNCTION_LINES {
                long.push(format!(
                    "{}:{start}: fn {name}: {lines} lines",
                    file.path.display()
                ));
            }
        }
    }
    assert!(
        long.is_empty(),
        "split these functions (limit {MAX_FUNCTION_LINES} lines):\n{}",
        long.join("\n")
    );
}

#[test]
fn the_import_check_sees_use_lines_inline_paths_and_macro_bodies() {
    let file: syn::File = syn::parse_str(
        "use crate::{episode::Episode, grade::{self, outcome::*}};
         use super::sibling;
         mod inner { use super::super::super::settings::Settings; }
         fn f() { crate::reward::case(); let _ = format!(\"{}\", crate::message::warning(\"crate::fake\")); }",
    )
    .unwrap();
    let mut imports = Imports {
        module: vec!["case".into(), "nested".into()],
        targets: BTreeSet::new(),
        root_exports: BTreeMap::new(),
    };
    imports.visit_file(&file);
    let found: Vec<&str> = imports.targets.iter().map(String::as_str).collect();
    assert_eq!(
        found,
        ["case", "episode", "grade", "message", "reward", "settings"],
        "`super::sibling` stays in `case`; the string `crate::fake` is no import"
    );
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    use syn::Item;
    match item {
        Item::Const(item) => &item.attrs,
        Item::Enum(item) => &item.attrs,
        Item::ExternCrate(item) => &item.attrs,
        Item::Fn(item) => &item.attrs,
        Item::ForeignMod(item) => &item.attrs,
        Item::Impl(item) => &item.attrs,
        Item::Macro(item) => &item.attrs,
        Item::Mod(item) => &item.attrs,
        Item::Static(item) => &item.attrs,
        Item::Struct(item) => &item.attrs,
        Item::Trait(item) => &item.attrs,
        Item::TraitAlias(item) => &item.attrs,
        Item::Type(item) => &item.attrs,
        Item::Union(item) => &item.attrs,
        Item::Use(item) => &item.attrs,
        _ => &[],
    }
}

/// The printing macro calls of one file, each as `name!` in `fn <enclosing>`.
#[derive(Default)]
struct Calls {
    function: String,
    found: Vec<String>,
}

impl Calls {
    fn record(&mut self, name: &str) {
        let place = if self.function.is_empty() {
            "outside a function".to_owned()
        } else {
            format!("in fn {}", self.function)
        };
        self.found.push(format!("{name}! {place}"));
    }

    /// `name!` inside the tokens another macro was given.
    fn search_tokens(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        for (index, token) in tokens.iter().enumerate() {
            match token {
                TokenTree::Ident(ident) if PRINTING.contains(&ident.to_string().as_str()) => {
                    if let Some(TokenTree::Punct(punct)) = tokens.get(index + 1)
                        && punct.as_char() == '!'
                    {
                        self.record(&ident.to_string());
                    }
                }
                TokenTree::Group(group) => self.search_tokens(group.stream()),
                _ => {}
            }
        }
    }

    fn in_function(&mut self, name: String, visit: impl FnOnce(&mut Self)) {
        let outer = std::mem::replace(&mut self.function, name);
        visit(self);
        self.function = outer;
    }
}

impl<'ast> Visit<'ast> for Calls {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if !is_test_only(item_attrs(item)) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.in_function(item.sig.ident.to_string(), |calls| {
            syn::visit::visit_item_fn(calls, item);
        });
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        if !is_test_only(&item.attrs) {
            self.in_function(item.sig.ident.to_string(), |calls| {
                syn::visit::visit_impl_item_fn(calls, item);
            });
        }
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        if !is_test_only(&item.attrs) {
            self.in_function(item.sig.ident.to_string(), |calls| {
                syn::visit::visit_trait_item_fn(calls, item);
            });
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if let Some(last) = mac.path.segments.last()
            && PRINTING.contains(&last.ident.to_string().as_str())
        {
            self.record(&last.ident.to_string());
        }
        self.search_tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }
}

fn printing_calls(file: &syn::File) -> Vec<String> {
    let mut calls = Calls::default();
    calls.visit_file(file);
    calls.found
}

#[test]
fn only_the_message_module_prints() {
    let src = root().join("harness-runtime/src");
    let mut files = module_files(&src.join("lib.rs"));
    files.extend(module_files(&src.join("bin/harness.rs")));
    let (message, rest): (Vec<ModuleFile>, Vec<ModuleFile>) = files
        .into_iter()
        .filter(|file| !file.test_only)
        .partition(|file| file.module.first().is_some_and(|top| top == "message"));
    assert!(rest.len() > 50, "modules found: {}", rest.len());
    let mut offenders: Vec<String> = rest
        .iter()
        .flat_map(|file| {
            printing_calls(&file.syntax)
                .into_iter()
                .map(|call| format!("{}: {call}", file.path.display()))
        })
        .collect();
    offenders.sort();
    assert!(
        offenders.is_empty(),
        "print through `message` (a function per line, printed by message::out, out_text, \
         error, warning or note), not directly:\n{}",
        offenders.join("\n")
    );
    assert!(
        message
            .iter()
            .any(|file| !printing_calls(&file.syntax).is_empty()),
        "the check sees the message module's own printing"
    );
}

#[test]
fn the_check_finds_calls_in_code_and_in_macro_tokens_but_not_in_strings_or_tests() {
    let file = syn::parse_file(
        r##"
        fn speaks() { println!("a"); }
        struct S;
        impl S { fn also(&self) { let _ = vec![std::eprint!("b")]; } }
        macro_rules! loud { () => { print!("c") }; }
        fn quiet() -> &'static str { r#"println!("d")"# }
        // eprintln!("e")
        #[cfg(test)]
        mod tests { fn t() { println!("f"); } }
        impl S {
            #[cfg(test)]
            fn helper(&self) { eprintln!("g"); }
        }
        "##,
    )
    .unwrap();
    let found = printing_calls(&file);
    assert_eq!(
        found,
        [
            "println! in fn speaks",
            "eprint! in fn also",
            "print! outside a function",
        ]
    );
}
