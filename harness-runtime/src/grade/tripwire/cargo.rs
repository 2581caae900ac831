//! The targets of a crate `cargo test` builds with the libtest harness: where the Rust
//! tripwire goes.

use std::collections::BTreeSet;

use harness_fixture::{Files, RepoPath};

use super::is_regular;

/// The root package's library source (`[lib] path`, else `src/lib.rs`), when it exists.
pub(super) fn root_library(tree: &Files) -> Option<RepoPath> {
    let manifest = tree.get(&RepoPath::parse("Cargo.toml").ok()?)?;
    let manifest: toml::Table = toml::from_str(&String::from_utf8_lossy(&manifest.content)).ok()?;
    let path = manifest
        .get("lib")
        .and_then(|lib| lib.get("path"))
        .and_then(toml::Value::as_str)
        .unwrap_or("src/lib.rs");
    RepoPath::parse(path)
        .ok()
        .filter(|path| is_regular(tree, path))
}

/// The source files of every target `cargo test` builds with the libtest harness, in every
/// package of the tree.
pub fn cargo_test_targets(tree: &Files) -> Vec<RepoPath> {
    let mut targets = BTreeSet::new();
    for (manifest_path, entry) in tree {
        let path = manifest_path.as_str();
        let dir = match path.strip_suffix("Cargo.toml") {
            Some("") => "",
            Some(dir) if dir.ends_with('/') => dir,
            _ => continue,
        };
        if dir
            .split('/')
            .any(|part| part == "target" || part.starts_with('.'))
        {
            continue;
        }
        let Ok(manifest) = toml::from_str::<toml::Table>(&String::from_utf8_lossy(&entry.content))
        else {
            continue;
        };
        if !manifest.contains_key("package") {
            continue;
        }
        package_targets(tree, dir, &manifest, &mut targets);
    }
    targets.into_iter().collect()
}

fn package_targets(tree: &Files, dir: &str, manifest: &toml::Table, out: &mut BTreeSet<RepoPath>) {
    let exists = |relative: &str| {
        RepoPath::parse(&format!("{dir}{relative}"))
            .ok()
            .filter(|path| is_regular(tree, path))
    };
    let tested = |table: &toml::Table| {
        table.get("harness").and_then(toml::Value::as_bool) != Some(false)
            && table.get("test").and_then(toml::Value::as_bool) != Some(false)
    };
    let package = manifest.get("package").and_then(toml::Value::as_table);
    let auto = |key: &str| {
        package
            .and_then(|package| package.get(key))
            .and_then(toml::Value::as_bool)
            != Some(false)
    };
    // The library.
    let lib = manifest.get("lib").and_then(toml::Value::as_table);
    if lib.is_none_or(tested) {
        let path = lib
            .and_then(|lib| lib.get("path"))
            .and_then(toml::Value::as_str)
            .unwrap_or("src/lib.rs");
        out.extend(exists(path));
    }
    // Explicit binaries and tests.
    let mut explicit = BTreeSet::new();
    for (key, default_dir) in [("bin", "src/bin"), ("test", "tests")] {
        let Some(entries) = manifest.get(key).and_then(toml::Value::as_array) else {
            continue;
        };
        for table in entries.iter().filter_map(toml::Value::as_table) {
            let path = table
                .get("path")
                .and_then(toml::Value::as_str)
                .map(str::to_owned)
                .or_else(|| {
                    let name = table.get("name").and_then(toml::Value::as_str)?;
                    Some(format!("{default_dir}/{name}.rs"))
                });
            let Some(path) = path else { continue };
            explicit.insert(path.clone());
            if tested(table) {
                out.extend(exists(&path));
            }
        }
    }
    // Discovered ones: src/main.rs, src/bin/*.rs, src/bin/*/main.rs, tests/*.rs,
    // tests/*/main.rs.
    let mut discovered = Vec::new();
    if auto("autobins") {
        discovered.push("src/main.rs".to_owned());
    }
    for (switch, base) in [("autobins", "src/bin/"), ("autotests", "tests/")] {
        if !auto(switch) {
            continue;
        }
        let prefix = format!("{dir}{base}");
        for path in tree.keys() {
            let Some(rest) = path.as_str().strip_prefix(&prefix) else {
                continue;
            };
            let parts: Vec<&str> = rest.split('/').collect();
            let single = parts.len() == 1 && rest.ends_with(".rs");
            let nested = parts.len() == 2 && parts[1] == "main.rs";
            if single || nested {
                discovered.push(format!("{base}{rest}"));
            }
        }
    }
    for path in discovered {
        if !explicit.contains(&path) {
            out.extend(exists(&path));
        }
    }
}
