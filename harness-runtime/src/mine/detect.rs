//! What a baseline is and how its tests run: the language (a root `Cargo.toml` is Rust,
//! else Python), the test runner (pytest when the repository uses it, else unittest; cargo
//! for Rust; `--test-cmd` overrides), the check commands, and the environment the contract
//! names (a venv with the declared dependencies; `cargo test --no-run`; `--setup`
//! overrides).

use std::collections::{BTreeMap, BTreeSet};

use git2::{Oid, Repository};

use super::classify::{Language, PathClass, classify, python_module, rust_test_target};

/// The baseline's files: path -> blob, read on demand.
#[derive(Debug, Clone, Default)]
pub struct TreeView {
    /// Every file (blobs, symlinks included), by path.
    pub files: BTreeMap<String, Oid>,
}

impl TreeView {
    /// Lists `tree` (recursively) in `repo`.
    pub fn read(repo: &Repository, tree: Oid) -> Result<TreeView, git2::Error> {
        let tree = repo.find_tree(tree)?;
        let mut files = BTreeMap::new();
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(git2::ObjectType::Blob)
                && let Ok(name) = entry.name()
            {
                files.insert(format!("{dir}{name}"), entry.id());
            }
            git2::TreeWalkResult::Ok
        })?;
        Ok(TreeView { files })
    }

    /// The text of `path`, when it exists (lossy UTF-8).
    pub fn text(&self, repo: &Repository, path: &str) -> Option<String> {
        let oid = self.files.get(path)?;
        let blob = repo.find_blob(*oid).ok()?;
        Some(String::from_utf8_lossy(blob.content()).into_owned())
    }

    /// Whether `path` exists.
    pub fn has(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }
}

/// How the tests run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runner {
    /// `python3 -m unittest <dotted modules>`.
    Unittest,
    /// `python3 -m pytest -q -p no:cacheprovider <files>`.
    Pytest,
    /// `cargo test --offline [--lib] --test <name>...`.
    Cargo,
    /// `--test-cmd`: its words, then the test files (Rust: `[--lib] --test <name>...`).
    Custom(Vec<String>),
}

/// The contract's `[environment]`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Environment {
    /// Setup steps (argv each; `{env}` is the environment's directory).
    pub setup: Vec<Vec<String>>,
    /// Baseline files whose content keys the cache.
    pub inputs: Vec<String>,
    /// Directories (relative to the environment) put first on `PATH`.
    pub path: Vec<String>,
}

/// What the miner detected for one baseline.
#[derive(Debug, Clone)]
pub struct Detected {
    /// Python or Rust.
    pub language: Language,
    /// The test runner.
    pub runner: Runner,
    /// The environment, when the repository declares dependencies (always for Rust).
    pub environment: Option<Environment>,
    /// Rust: the library has unit tests (`#[test]` under `src/`), so the visible check
    /// runs `--lib` too.
    pub lib_tests: bool,
    /// Rust: test target files a default `cargo test` does not build or libtest does not
    /// run: `[[test]]` entries with `required-features` the default features lack (cargo
    /// refuses `--test` for them) or `harness = false`, and targets compiled only under a
    /// condition (`#![cfg(...)]`: slab's `tests/serde.rs` is empty without its `serde`
    /// feature, and the harness's tripwire with it).
    pub unrunnable: BTreeSet<String>,
}

/// The language of a tree: a root `Cargo.toml` is Rust, else any `.py` file is Python.
pub fn language(view: &TreeView) -> Option<Language> {
    if view.has("Cargo.toml") {
        Some(Language::Rust)
    } else if view.files.keys().any(|path| path.ends_with(".py")) {
        Some(Language::Python)
    } else {
        None
    }
}

/// Detects runner and environment for a baseline in `language`; `test_cmd` and `setup`
/// (already split into words) override what is detected.
pub fn detect(
    repo: &Repository,
    view: &TreeView,
    language: Language,
    test_cmd: Option<&[String]>,
    setup: &[Vec<String>],
) -> Detected {
    let (runner, mut environment, lib_tests) = match language {
        Language::Python => (
            python_runner(repo, view),
            python_environment(repo, view),
            false,
        ),
        Language::Rust => (
            Runner::Cargo,
            Some(rust_environment(view)),
            lib_has_tests(repo, view),
        ),
    };
    let unrunnable = match language {
        Language::Python => BTreeSet::new(),
        Language::Rust => unrunnable_test_targets(repo, view),
    };
    let runner = test_cmd.map_or(runner, |words| Runner::Custom(words.to_vec()));
    if !setup.is_empty() {
        let mut inputs = environment.map(|env| env.inputs).unwrap_or_else(|| {
            [
                "requirements.txt",
                "pyproject.toml",
                "setup.py",
                "setup.cfg",
                "Cargo.toml",
                "Cargo.lock",
            ]
            .into_iter()
            .filter(|file| view.has(file))
            .map(str::to_owned)
            .collect()
        });
        inputs.dedup();
        let venv = setup
            .iter()
            .flatten()
            .any(|word| word.contains("{env}/venv"));
        environment = Some(Environment {
            setup: setup.to_vec(),
            inputs,
            path: if venv {
                vec!["venv/bin".to_owned()]
            } else {
                Vec::new()
            },
        });
    }
    Detected {
        language,
        runner,
        environment,
        lib_tests,
        unrunnable,
    }
}

/// The files of `[[test]]` targets a default `cargo test --test <name>` cannot run under
/// libtest: feature-gated ones (quick-xml's `serde-de` needs `serialize`) and
/// `harness = false` ones.
fn unrunnable_test_targets(repo: &Repository, view: &TreeView) -> BTreeSet<String> {
    let Some(manifest) = view
        .text(repo, "Cargo.toml")
        .and_then(|text| text.parse::<toml::Table>().ok())
    else {
        return BTreeSet::new();
    };
    let default: BTreeSet<&str> = manifest
        .get("features")
        .and_then(|features| features.get("default"))
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_str)
        .collect();
    let tests = manifest
        .get("test")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_table);
    let mut unrunnable = BTreeSet::new();
    for test in tests {
        let gated = test
            .get("required-features")
            .and_then(toml::Value::as_array)
            .is_some_and(|required| {
                required
                    .iter()
                    .any(|feature| feature.as_str().is_none_or(|name| !default.contains(name)))
            });
        let harnessless = test.get("harness").and_then(toml::Value::as_bool) == Some(false);
        let path = test
            .get("path")
            .and_then(toml::Value::as_str)
            .map(|path| path.trim_start_matches("./").to_owned())
            .or_else(|| {
                let name = test.get("name").and_then(toml::Value::as_str)?;
                Some(format!("tests/{name}.rs"))
            });
        if let Some(path) = path.filter(|_| gated || harnessless) {
            unrunnable.insert(path);
        }
    }
    for (path, _) in view.files.range("tests/".to_owned()..) {
        if !path.starts_with("tests/") {
            break;
        }
        let conditional = rust_test_target(path).is_some()
            && view.text(repo, path).is_some_and(|text| {
                text.lines()
                    .any(|line| line.trim_start().starts_with("#![cfg("))
            });
        if conditional {
            unrunnable.insert(path.clone());
        }
    }
    unrunnable
}

/// pytest when the repository configures or imports it; unittest otherwise.
fn python_runner(repo: &Repository, view: &TreeView) -> Runner {
    let mentions = |path: &str, needle: &str| {
        view.text(repo, path)
            .is_some_and(|text| text.contains(needle))
    };
    let configured = view.has("pytest.ini")
        || mentions("pyproject.toml", "[tool.pytest")
        || mentions("setup.cfg", "[tool:pytest]")
        || mentions("tox.ini", "[pytest]")
        || view.files.keys().any(|path| path.ends_with("conftest.py"));
    let imported = || {
        view.files.keys().any(|path| {
            path.ends_with(".py")
                && classify(Language::Python, path) == PathClass::Test
                && view.text(repo, path).is_some_and(|text| {
                    text.lines().any(|line| {
                        let line = line.trim_start();
                        line.starts_with("import pytest") || line.starts_with("from pytest")
                    })
                })
        })
    };
    if configured || imported() {
        Runner::Pytest
    } else {
        Runner::Unittest
    }
}

/// A venv (seeing the system's packages) with the declared dependencies installed:
/// `requirements.txt`, else `[project] dependencies` of `pyproject.toml`; none declared,
/// no environment.
fn python_environment(repo: &Repository, view: &TreeView) -> Option<Environment> {
    let venv = |words: &[&str]| words.iter().map(|word| (*word).to_owned()).collect();
    let create = venv(&[
        "python3",
        "-m",
        "venv",
        "--system-site-packages",
        "{env}/venv",
    ]);
    let pip = [
        "{env}/venv/bin/python",
        "-m",
        "pip",
        "install",
        "--no-input",
    ];
    if view.has("requirements.txt") {
        let mut install: Vec<String> = venv(&pip);
        install.extend(["-r".to_owned(), "requirements.txt".to_owned()]);
        return Some(Environment {
            setup: vec![create, install],
            inputs: vec!["requirements.txt".to_owned()],
            path: vec!["venv/bin".to_owned()],
        });
    }
    let pyproject: toml::Table = view.text(repo, "pyproject.toml")?.parse().ok()?;
    let dependencies: Vec<String> = pyproject
        .get("project")?
        .get("dependencies")?
        .as_array()?
        .iter()
        .filter_map(|dependency| dependency.as_str().map(str::to_owned))
        .collect();
    if dependencies.is_empty() {
        return None;
    }
    let mut install: Vec<String> = venv(&pip);
    install.extend(dependencies);
    Some(Environment {
        setup: vec![create, install],
        inputs: vec!["pyproject.toml".to_owned()],
        path: vec!["venv/bin".to_owned()],
    })
}

/// `cargo vendor` into the environment, then `cargo test --no-run` from there (the harness
/// sets `CARGO_TARGET_DIR` to the environment's `target` and points cargo at `vendor/`, so
/// the checks' builds find the registry crates fresh), keyed by the manifest and the lock
/// file.
fn rust_environment(view: &TreeView) -> Environment {
    Environment {
        setup: vec![
            ["cargo", "vendor", "--versioned-dirs", "{env}/vendor"]
                .map(str::to_owned)
                .to_vec(),
            ["cargo", "test", "--no-run", "--offline"]
                .map(str::to_owned)
                .to_vec(),
        ],
        inputs: ["Cargo.toml", "Cargo.lock"]
            .into_iter()
            .filter(|file| view.has(file))
            .map(str::to_owned)
            .collect(),
        path: Vec::new(),
    }
}

/// Whether a `.rs` file under `src/` has a `#[test]`, and the manifest lets `cargo test`
/// run the library's unit tests (`[lib] test = false` turns them off: itertools; an
/// explicit `--lib` would run them anyway, without the harness's tripwire).
fn lib_has_tests(repo: &Repository, view: &TreeView) -> bool {
    let tested = view
        .text(repo, "Cargo.toml")
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_none_or(|manifest| {
            manifest
                .get("lib")
                .and_then(|lib| lib.get("test"))
                .and_then(toml::Value::as_bool)
                != Some(false)
        });
    tested
        && view.has("src/lib.rs")
        && view.files.keys().any(|path| {
            path.starts_with("src/")
                && path.ends_with(".rs")
                && view
                    .text(repo, path)
                    .is_some_and(|text| text.contains("#[test]"))
        })
}

/// The argv of a check running `files` (test modules or test targets), or why it cannot be
/// written. `visible` adds the library's unit tests for Rust.
pub fn check_argv(
    detected: &Detected,
    files: &[&str],
    visible: bool,
) -> Result<Vec<String>, String> {
    let words = |words: &[&str]| -> Vec<String> { words.iter().map(|w| (*w).to_owned()).collect() };
    match (&detected.runner, detected.language) {
        (Runner::Unittest, _) => {
            let mut argv = words(&["python3", "-m", "unittest"]);
            for file in files {
                argv.push(
                    python_module(file)
                        .ok_or_else(|| format!("`{file}` is not importable as a module"))?,
                );
            }
            Ok(argv)
        }
        (Runner::Pytest, _) => {
            let mut argv = words(&["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider"]);
            argv.extend(files.iter().map(|file| (*file).to_owned()));
            Ok(argv)
        }
        (Runner::Cargo, _) => {
            let mut argv = words(&["cargo", "test", "--offline"]);
            argv.extend(rust_targets(detected, files, visible)?);
            Ok(argv)
        }
        (Runner::Custom(prefix), Language::Rust) => {
            let mut argv = prefix.clone();
            argv.extend(rust_targets(detected, files, visible)?);
            Ok(argv)
        }
        (Runner::Custom(prefix), Language::Python) => {
            let mut argv = prefix.clone();
            argv.extend(files.iter().map(|file| (*file).to_owned()));
            Ok(argv)
        }
    }
}

fn rust_targets(detected: &Detected, files: &[&str], visible: bool) -> Result<Vec<String>, String> {
    let mut argv = Vec::new();
    if visible && detected.lib_tests {
        argv.push("--lib".to_owned());
    }
    for file in files {
        let target =
            rust_test_target(file).ok_or_else(|| format!("`{file}` is not a test target"))?;
        argv.extend(["--test".to_owned(), target.to_owned()]);
    }
    Ok(argv)
}

/// The files of `view` a check runs: Python test modules, or Rust test targets a default
/// `cargo test` builds and runs under libtest.
pub fn runnable(detected: &Detected, path: &str) -> bool {
    match detected.language {
        Language::Python => super::classify::is_python_test_module(path),
        Language::Rust => rust_test_target(path).is_some() && !detected.unrunnable.contains(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A view of one `Cargo.toml` (the other files exist as empty blobs).
    fn view(manifest: &str, others: &[&str]) -> (tempfile::TempDir, Repository, TreeView) {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let mut files = BTreeMap::new();
        files.insert(
            "Cargo.toml".to_owned(),
            repo.blob(manifest.as_bytes()).unwrap(),
        );
        for path in others {
            files.insert(
                (*path).to_owned(),
                repo.blob(b"#[test]\nfn t() {}\n").unwrap(),
            );
        }
        (dir, repo, TreeView { files })
    }

    #[test]
    fn feature_gated_and_harnessless_test_targets_are_left_out_of_rust_checks() {
        let manifest = r#"[package]
name = "x"
version = "0.1.0"

[features]
default = ["std"]
std = []
serialize = []

[[test]]
name = "serde-de"
required-features = ["serialize"]

[[test]]
name = "with-std"
required-features = ["std"]
path = "tests/with_std.rs"

[[test]]
name = "bench-like"
harness = false
"#;
        let others = [
            "tests/serde-de.rs",
            "tests/with_std.rs",
            "tests/bench-like.rs",
            "tests/plain.rs",
            "tests/serde.rs",
        ];
        let (_dir, repo, mut view) = view(manifest, &others);
        // A target compiled only with a feature (slab's tests/serde.rs).
        view.files.insert(
            "tests/serde.rs".to_owned(),
            repo.blob(b"#![cfg(feature = \"serde\")]\n\n#[test]\nfn t() {}\n")
                .unwrap(),
        );
        let detected = detect(&repo, &view, Language::Rust, None, &[]);
        let runnable: Vec<&str> = others
            .into_iter()
            .filter(|path| runnable(&detected, path))
            .collect();
        assert_eq!(runnable, ["tests/with_std.rs", "tests/plain.rs"]);
    }
}
