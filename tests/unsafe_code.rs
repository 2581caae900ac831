//! `unsafe` lives in one crate of the workspace: `harness-sandbox` (starting a confined
//! process between clone and exec, the inode-flag ioctls). Every other crate root forbids
//! it, so no `#[allow(unsafe_code)]` can bring it back: the libraries and binaries of every
//! workspace member, and this package's tests, benches and build script.
#![forbid(unsafe_code)]

use std::fs;
use std::path::{Path, PathBuf};

const FORBID: &str = "#![forbid(unsafe_code)]";
const SANDBOX: &str = "harness-sandbox";

/// `dir/*.rs` and `dir/*/main.rs` (the crate roots cargo finds in `tests/` and `benches/`).
fn target_roots(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut roots = Vec::new();
    for entry in entries {
        let path = entry
            .unwrap_or_else(|error| panic!("failed to list {}: {error}", dir.display()))
            .path();
        if path.is_dir() {
            roots.extend(Some(path.join("main.rs")).filter(|main| main.is_file()));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            roots.push(path);
        }
    }
    roots
}

/// `src/lib.rs`, `src/main.rs` and `src/bin/*.rs` of a package.
fn package_roots(package: &Path) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = ["src/lib.rs", "src/main.rs"]
        .iter()
        .map(|root| package.join(root))
        .filter(|root| root.is_file())
        .collect();
    roots.extend(target_roots(&package.join("src/bin")));
    roots
}

#[test]
fn unsafe_code_is_forbidden_outside_the_sandbox_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest: toml::Table = fs::read_to_string(root.join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let members = manifest["workspace"]["members"].as_array().unwrap();
    assert!(
        members
            .iter()
            .any(|member| member.as_str() == Some(SANDBOX)),
        "{SANDBOX} is a workspace member"
    );
    let mut roots = package_roots(root);
    roots.extend(target_roots(&root.join("tests")));
    roots.extend(target_roots(&root.join("benches")));
    roots.push(root.join("build.rs"));
    for member in members.iter().filter_map(|member| member.as_str()) {
        if member != SANDBOX {
            roots.extend(package_roots(&root.join(member)));
        }
    }
    assert!(roots.len() > 10, "crate roots found: {roots:?}");
    let missing: Vec<String> = roots
        .iter()
        .filter(|path| {
            !fs::read_to_string(path)
                .unwrap()
                .lines()
                .any(|line| line.trim() == FORBID)
        })
        .map(|path| path.strip_prefix(root).unwrap().display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "these crate roots lack `{FORBID}` (only {SANDBOX} may use `unsafe`): {missing:?}"
    );
}
