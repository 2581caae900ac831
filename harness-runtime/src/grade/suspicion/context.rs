//! What the scan knows about the fixture: its test and hidden files, the helpers and
//! libraries its shell tests name, and what is never scanned.

use std::collections::BTreeSet;

use harness_fixture::{FileKind, Fixture, FixtureKind, RepoPath};

use super::language::Language;
use super::shell;

/// What the scan knows about the fixture besides the two trees.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Paths that are test code: every check's `files` and the hidden files.
    test_paths: BTreeSet<String>,
    /// File names of those (`test_slugify_edge.py`, `hidden.rs`, `run.sh`), and the module
    /// names of the Python ones (`test_slugify_edge`).
    test_names: BTreeSet<String>,
    /// Shell functions the test files define (`t_pass`, `expect_output`).
    pub(super) shell_helpers: BTreeSet<String>,
    /// File names the shell test files source (`semver.sh`): libraries, whatever their
    /// first line says.
    pub(super) sourced: BTreeSet<String>,
    /// Never scanned: the work item, the deliverables, the contract.
    pub(super) skip: BTreeSet<String>,
    /// Review fixtures are not scanned: nothing of the reviewer's runs.
    pub(super) review: bool,
}

impl Context {
    /// The context of `fixture`: its check files, hidden files and the helpers and
    /// libraries its shell tests name.
    pub fn for_fixture(fixture: &Fixture) -> Context {
        let mut context = Context {
            review: fixture.contract.kind == FixtureKind::Review,
            ..Context::default()
        };
        context.skip.insert(fixture.work_item_path().to_string());
        context.skip.insert(fixture.contract_path().to_string());
        for deliverable in &fixture.contract.deliverables {
            if let Ok(path) = RepoPath::parse(&deliverable.path) {
                context.skip.insert(path.to_string());
            }
        }
        let mut tests: Vec<(&str, &[u8])> = Vec::new();
        for check in &fixture.contract.checks {
            for file in &check.files {
                if let Ok(path) = RepoPath::parse(file) {
                    context.add_test_path(path.as_str());
                }
            }
        }
        for path in fixture.hidden.keys() {
            context.add_test_path(path.as_str());
        }
        for (path, entry) in fixture.repo.iter().chain(fixture.hidden.iter()) {
            if entry.kind != FileKind::Symlink
                && (is_test_path(path.as_str()) || context.test_paths.contains(path.as_str()))
            {
                tests.push((path.as_str(), &entry.content));
            }
        }
        for (path, content) in tests {
            if Language::of(path, content) == Language::Shell {
                let (helpers, sourced) = shell::definitions(content);
                context.shell_helpers.extend(helpers);
                context.sourced.extend(sourced);
            }
        }
        context
    }

    /// Records a test file: its path, its name and (Python) its module name.
    fn add_test_path(&mut self, path: &str) {
        self.test_paths.insert(path.to_owned());
        let name = path.rsplit('/').next().unwrap_or(path);
        self.test_names.insert(name.to_owned());
        if let Some(stem) = name.strip_suffix(".py") {
            self.test_names.insert(stem.to_owned());
        }
    }

    /// Whether `path` is test code (scanned with the rules that make sense in tests).
    pub(super) fn is_test(&self, path: &str) -> bool {
        self.test_paths.contains(path) || is_test_path(path)
    }

    /// Whether `word` (a string literal, a shell word) names a test or hidden file: a path
    /// with a `tests`, `test` or `hidden` component, a test file's name (`test_*.py`,
    /// `*_test.py`, `conftest.py`, or one of this fixture's test and hidden files).
    pub(crate) fn names_test_file(&self, word: &str) -> bool {
        let word = word.trim_matches(|c: char| c.is_whitespace() || "\"'`();,{}[]".contains(c));
        if word.is_empty() {
            return false;
        }
        let parts: Vec<&str> = word
            .split(['/', '\\'])
            .filter(|part| !part.is_empty() && *part != "." && *part != "..")
            .collect();
        let separated = word.contains('/') || word.contains('\\');
        parts.iter().any(|part| {
            (separated && matches!(*part, "tests" | "test" | "hidden"))
                || is_test_file_name(part)
                || self.test_names.contains(*part)
        })
    }
}

/// Whether a directory of `path` is a test directory (`tests/`, `test/`, `testing/`).
pub(super) fn in_test_dir(path: &str) -> bool {
    let mut parts = path.split('/').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_some() && matches!(part, "tests" | "test" | "testing") {
            return true;
        }
    }
    false
}

/// A directory of tests (`tests/`, `test/`, `testing/`) or a test file's name.
fn is_test_path(path: &str) -> bool {
    let mut parts = path.split('/').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_some() {
            if matches!(part, "tests" | "test" | "testing") {
                return true;
            }
        } else {
            return is_test_file_name(part);
        }
    }
    false
}

/// `test_*.py`, `*_test.py`, `*_tests.py`, `conftest.py`.
fn is_test_file_name(name: &str) -> bool {
    name == "conftest.py"
        || (name.starts_with("test_") && name.ends_with(".py"))
        || name.ends_with("_test.py")
        || name.ends_with("_tests.py")
}
