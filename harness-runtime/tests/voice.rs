//! One voice for users: `message` is the only module of harness-runtime that prints.
//! Every other module words a line through a `message` function and prints it through
//! `message::out`, `out_text`, `error`, `warning` or `note`, so no `println!`, `print!`,
//! `eprintln!` or `eprint!` may be called in any other module of `src` (test code aside:
//! `#[cfg(test)]` items and files named `tests.rs`).
//!
//! The sources are parsed with `syn`, so text in string literals and comments is not a
//! call, and the tokens given to other macros (`vec![..]`, `assert!(..)`, a `macro_rules!`
//! body) are searched too.
#![forbid(unsafe_code)]

use std::fs;
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::{self, Visit};

const PRINTING: [&str; 4] = ["println", "print", "eprintln", "eprint"];

/// The files of the crate's module tree under `file` (a crate root, a `mod.rs`, or `x.rs`
/// whose submodules are in `x/`), `message` and `#[cfg(test)]` modules left out. Following
/// `mod` lines, not the directory, leaves out the templates kept as `.rs` files for
/// `include_str!` (the differential driver), which are not modules of the crate.
fn modules(file: &Path, found: &mut Vec<(PathBuf, syn::File)>) {
    let source = fs::read_to_string(file)
        .unwrap_or_else(|error| panic!("failed to read {}: {error}", file.display()));
    let parsed = syn::parse_file(&source)
        .unwrap_or_else(|error| panic!("{} does not parse: {error}", file.display()));
    let stem = file
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned());
    let parent = file.parent().expect("a source file has a directory");
    let dir = match stem.as_deref() {
        Some("lib" | "main" | "mod") => parent.to_owned(),
        _ if parent.ends_with("bin") => parent.to_owned(),
        Some(stem) => parent.join(stem),
        None => parent.to_owned(),
    };
    for item in &parsed.items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        let name = module.ident.to_string();
        if module.content.is_some() || is_test(&module.attrs) || name == "message" {
            continue;
        }
        let flat = dir.join(format!("{name}.rs"));
        let nested = dir.join(&name).join("mod.rs");
        let child = if flat.is_file() { flat } else { nested };
        if child.file_name().is_some_and(|file| file != "tests.rs") {
            modules(&child, found);
        }
    }
    found.push((file.to_owned(), parsed));
}

/// `#[cfg(test)]`: compiled only into the crate's own unit tests.
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .meta
                .require_list()
                .is_ok_and(|list| list.tokens.to_string() == "test")
    })
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
        if !is_test(item_attrs(item)) {
            visit::visit_item(self, item);
        }
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.in_function(item.sig.ident.to_string(), |calls| {
            visit::visit_item_fn(calls, item);
        });
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        if !is_test(&item.attrs) {
            self.in_function(item.sig.ident.to_string(), |calls| {
                visit::visit_impl_item_fn(calls, item);
            });
        }
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        if !is_test(&item.attrs) {
            self.in_function(item.sig.ident.to_string(), |calls| {
                visit::visit_trait_item_fn(calls, item);
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
        visit::visit_macro(self, mac);
    }
}

fn printing_calls(file: &syn::File) -> Vec<String> {
    let mut calls = Calls::default();
    calls.visit_file(file);
    calls.found
}

#[test]
fn only_the_message_module_prints() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    modules(&src.join("lib.rs"), &mut files);
    modules(&src.join("bin/harness.rs"), &mut files);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(files.len() > 50, "modules found: {}", files.len());
    let mut offenders = Vec::new();
    for (path, file) in &files {
        let name = path.strip_prefix(&src).unwrap().display();
        offenders.extend(
            printing_calls(file)
                .into_iter()
                .map(|call| format!("src/{name}: {call}")),
        );
    }
    assert!(
        offenders.is_empty(),
        "print through `message` (a function per line, printed by message::out, out_text, \
         error, warning or note), not directly:\n{}",
        offenders.join("\n")
    );
    let message = syn::parse_file(&fs::read_to_string(src.join("message/mod.rs")).unwrap());
    assert!(
        !printing_calls(&message.unwrap()).is_empty(),
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
