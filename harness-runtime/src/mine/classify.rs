//! Which changed paths are tests, which are code, and how a fix's paths widen into the
//! scope an agent gets. Pure functions of a repository path (`/`-separated, relative).

use std::collections::BTreeSet;

/// The language of a mined repository: decides which paths are tests and how they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// `.py` files; unittest or pytest.
    Python,
    /// A cargo package at the root; `cargo test`.
    Rust,
}

impl Language {
    /// `python` or `rust`.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Rust => "rust",
        }
    }
}

/// What a changed path is to the miner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathClass {
    /// A test file, or a file the tests own (data under `tests/`, `conftest.py`).
    Test,
    /// Source the fix changes (`.py`; `.rs` and `Cargo.toml`).
    Code,
    /// Anything else (documentation, data, lock files).
    Other,
}

/// Classifies `path` for `language`. Python: `test_*.py`, `*_test.py`, `conftest.py` and
/// anything under a `tests/` or `test/` directory are tests; other `.py` files are code.
/// Rust: anything under the root `tests/` is a test (integration tests and their data);
/// other `.rs` files and every `Cargo.toml` are code.
pub fn classify(language: Language, path: &str) -> PathClass {
    let (dirs, name) = split(path);
    match language {
        Language::Python => {
            if dirs.iter().any(|dir| *dir == "tests" || *dir == "test")
                || is_python_test_name(name)
                || name == "conftest.py"
            {
                PathClass::Test
            } else if name.ends_with(".py") {
                PathClass::Code
            } else {
                PathClass::Other
            }
        }
        Language::Rust => {
            if dirs.first() == Some(&"tests") {
                PathClass::Test
            } else if name.ends_with(".rs") || name == "Cargo.toml" {
                PathClass::Code
            } else {
                PathClass::Other
            }
        }
    }
}

/// A Python file a test runner collects as a test module: `test_*.py` or `*_test.py`.
pub fn is_python_test_module(path: &str) -> bool {
    is_python_test_name(split(path).1)
}

fn is_python_test_name(name: &str) -> bool {
    name.ends_with(".py")
        && ((name.starts_with("test_") && name.len() > "test_.py".len())
            || (name.ends_with("_test.py") && name.len() > "_test.py".len()))
}

/// The cargo test target a file under `tests/` is: `tests/<name>.rs` and
/// `tests/<name>/main.rs` are the target `<name>`; other files are its helpers.
pub fn rust_test_target(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("tests/")?;
    if let Some(name) = rest.strip_suffix(".rs")
        && !name.contains('/')
    {
        return Some(name);
    }
    let name = rest.strip_suffix("/main.rs")?;
    (!name.contains('/')).then_some(name)
}

/// The dotted module `python3 -m unittest` imports for `path` (`tests/test_x.py` ->
/// `tests.test_x`); `None` when a component is not a Python identifier.
pub fn python_module(path: &str) -> Option<String> {
    let stem = path.strip_suffix(".py")?;
    let parts: Vec<&str> = stem.split('/').collect();
    parts
        .iter()
        .all(|part| is_identifier(part))
        .then(|| parts.join("."))
}

fn is_identifier(part: &str) -> bool {
    let mut chars = part.chars();
    chars
        .next()
        .is_some_and(|first| first == '_' || first.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// The scope a fix's path widens to: its directory (its package or module: `pkg/sub/x.py`
/// -> `pkg/sub`, `src/parser/x.rs` -> `src/parser`, `src/lib.rs` -> `src`), or the path
/// itself at the top level (`setup.py`, `Cargo.toml`).
pub fn widen(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, _)) => dir.to_owned(),
        None => path.to_owned(),
    }
}

/// The scope globs of a fix's paths: each widened, without those another one covers.
pub fn scope_allow<'a>(paths: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let widened: BTreeSet<String> = paths.into_iter().map(widen).collect();
    widened
        .iter()
        .filter(|glob| {
            !widened
                .iter()
                .any(|other| other != *glob && covers(other, glob))
        })
        .cloned()
        .collect()
}

/// The frozen glob for a test path: its outermost `tests`/`test` directory, or the file.
pub fn frozen_glob(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    match parts[..parts.len() - 1]
        .iter()
        .position(|dir| *dir == "tests" || *dir == "test")
    {
        Some(index) => parts[..=index].join("/"),
        None => path.to_owned(),
    }
}

/// Whether the glob `outer` (a path) covers `inner`: equal, or one of its ancestors.
pub fn covers(outer: &str, inner: &str) -> bool {
    inner == outer
        || inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn split(path: &str) -> (Vec<&str>, &str) {
    let mut parts: Vec<&str> = path.split('/').collect();
    let name = parts.pop().unwrap_or_default();
    (parts, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_tests_are_named_or_placed_as_tests() {
        for path in [
            "test_x.py",
            "pkg/x_test.py",
            "tests/helpers.py",
            "pkg/test/data.json",
            "conftest.py",
            "src/pkg/tests/test_y.py",
        ] {
            assert_eq!(classify(Language::Python, path), PathClass::Test, "{path}");
        }
        assert_eq!(classify(Language::Python, "pkg/x.py"), PathClass::Code);
        assert_eq!(classify(Language::Python, "testing.py"), PathClass::Code);
        assert_eq!(classify(Language::Python, "README.md"), PathClass::Other);
        assert!(is_python_test_module("tests/test_x.py"));
        assert!(!is_python_test_module("tests/helpers.py"));
        assert!(!is_python_test_module("conftest.py"));
    }

    #[test]
    fn rust_tests_live_under_the_root_tests_directory() {
        assert_eq!(classify(Language::Rust, "tests/a.rs"), PathClass::Test);
        assert_eq!(
            classify(Language::Rust, "tests/data/x.txt"),
            PathClass::Test
        );
        assert_eq!(classify(Language::Rust, "src/test/mod.rs"), PathClass::Code);
        assert_eq!(classify(Language::Rust, "Cargo.toml"), PathClass::Code);
        assert_eq!(classify(Language::Rust, "Cargo.lock"), PathClass::Other);
        assert_eq!(rust_test_target("tests/a.rs"), Some("a"));
        assert_eq!(rust_test_target("tests/b/main.rs"), Some("b"));
        assert_eq!(rust_test_target("tests/common/mod.rs"), None);
        assert_eq!(rust_test_target("tests/data/x.txt"), None);
    }

    #[test]
    fn paths_widen_to_their_directory() {
        assert_eq!(widen("pkg/sub/x.py"), "pkg/sub");
        assert_eq!(widen("setup.py"), "setup.py");
        assert_eq!(widen("src/lib.rs"), "src");
        assert_eq!(
            scope_allow(["src/lib.rs", "src/parser/x.rs", "Cargo.toml"]),
            ["Cargo.toml", "src"]
        );
        assert_eq!(frozen_glob("tests/unit/test_x.py"), "tests");
        assert_eq!(frozen_glob("pkg/test_x.py"), "pkg/test_x.py");
        assert_eq!(
            python_module("tests/test_x.py").as_deref(),
            Some("tests.test_x")
        );
        assert_eq!(python_module("my-tests/test_x.py"), None);
    }
}
