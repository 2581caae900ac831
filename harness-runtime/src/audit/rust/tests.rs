#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use std::collections::BTreeSet;
use std::str::FromStr;

use proc_macro2::TokenStream;

use super::always_equal::ALWAYS_EQUAL_TYPE;
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
