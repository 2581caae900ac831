//! What a strategy sees: the baseline's in-scope files and its visible tests, read from the
//! fixture (to plan) or from the sandbox (to act).

use std::collections::BTreeSet;

use harness_fixture::{Contract, Fixture, RepoPath, Scope};

use crate::agent::sandbox::Sandbox;

use super::shell;

/// A baseline file a strategy reads: its path and text (`None` when not UTF-8 or too big).
#[derive(Debug, Clone)]
pub(super) struct SourceFile {
    pub(super) path: String,
    pub(super) text: Option<String>,
}

/// The baseline as a strategy sees it.
#[derive(Debug, Clone, Default)]
pub(super) struct Baseline {
    /// Baseline files the agent may change (not the work item, not a deliverable).
    pub(super) in_scope: Vec<SourceFile>,
    /// Baseline files outside scope that may be visible tests.
    pub(super) tests: Vec<SourceFile>,
    /// Every baseline path.
    pub(super) paths: BTreeSet<String>,
}

/// Files bigger than this are not read (a strategy rewrites sources, not data).
const MAX_SOURCE_BYTES: usize = 2 << 20;

impl Baseline {
    fn new(
        paths: Vec<String>,
        contract: &Contract,
        scope: &Scope,
        work_item: &str,
        read: impl Fn(&str) -> Option<Vec<u8>>,
    ) -> Baseline {
        let deliverables: BTreeSet<&str> = contract
            .deliverables
            .iter()
            .map(|deliverable| deliverable.path.as_str())
            .collect();
        let visible_files: BTreeSet<&str> = contract
            .checks
            .iter()
            .filter(|check| !check.hidden)
            .flat_map(|check| check.files.iter().map(String::as_str))
            .collect();
        let text = |path: &str| {
            read(path)
                .filter(|bytes| bytes.len() <= MAX_SOURCE_BYTES)
                .and_then(|bytes| String::from_utf8(bytes).ok())
        };
        let mut baseline = Baseline::default();
        for path in paths {
            let Ok(repo_path) = RepoPath::parse(&path) else {
                continue;
            };
            if path == work_item || repo_path == *scope.contract_path() {
                baseline.paths.insert(path);
                continue;
            }
            if scope.allows(&repo_path) && !scope.is_frozen(&repo_path, true) {
                if !deliverables.contains(path.as_str()) {
                    baseline.in_scope.push(SourceFile {
                        text: text(&path),
                        path: path.clone(),
                    });
                }
            } else if visible_files.contains(path.as_str()) || looks_like_a_test(&path) {
                baseline.tests.push(SourceFile {
                    text: text(&path),
                    path: path.clone(),
                });
            }
            baseline.paths.insert(path);
        }
        baseline
    }

    pub(super) fn from_fixture(fixture: &Fixture) -> Baseline {
        Baseline::new(
            fixture
                .repo
                .keys()
                .map(|path| path.as_str().to_owned())
                .collect(),
            &fixture.contract,
            &fixture.scope,
            fixture.work_item_path().as_str(),
            |path| {
                RepoPath::parse(path)
                    .ok()
                    .and_then(|path| fixture.repo.get(&path))
                    .map(|entry| entry.content.clone())
            },
        )
    }

    pub(super) fn from_sandbox(sandbox: &Sandbox<'_>) -> Result<Baseline, String> {
        let listing = sandbox
            .git(&["ls-files", "-z"])
            .map_err(|error| error.to_string())?;
        let contract = sandbox.contract();
        let contract_path = RepoPath::parse(&sandbox.contract_path())
            .map_err(|error| format!("failed to read the contract path: {error}"))?;
        let work_item = sandbox.work_item();
        let work_item_path = RepoPath::parse(&work_item)
            .map_err(|error| format!("failed to read the work item path: {error}"))?;
        let scope = Scope::with_paths(
            &contract.scope,
            contract.kind,
            contract_path,
            work_item_path,
        )
        .map_err(|problems| {
            format!(
                "failed to compile the scope: {}",
                problems
                    .iter()
                    .map(|(field, problem)| format!("{field}: {problem}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })?;
        let root = sandbox.path().to_path_buf();
        Ok(Baseline::new(
            listing
                .split('\0')
                .filter(|path| !path.is_empty())
                .map(str::to_owned)
                .collect(),
            contract,
            &scope,
            &work_item,
            |path| std::fs::read(root.join(path)).ok(),
        ))
    }

    pub(super) fn sources(
        &self,
        language: fn(&SourceFile) -> bool,
    ) -> impl Iterator<Item = (&str, &str)> {
        self.in_scope
            .iter()
            .filter(move |file| language(file))
            .filter_map(|file| Some((file.path.as_str(), file.text.as_deref()?)))
    }
}

/// A test by its path: under a `tests`/`test` directory, or named `test_*.py`, `*_test.py`.
pub(super) fn looks_like_a_test(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let in_tests = path
        .split('/')
        .rev()
        .skip(1)
        .any(|part| part == "tests" || part == "test");
    (in_tests && (path.ends_with(".py") || path.ends_with(".rs")))
        || (name.ends_with(".py") && (name.starts_with("test_") || name.ends_with("_test.py")))
}

pub(super) fn is_python(file: &SourceFile) -> bool {
    file.path.ends_with(".py")
}

pub(super) fn is_rust(file: &SourceFile) -> bool {
    file.path.ends_with(".rs")
}

pub(super) fn is_shell(file: &SourceFile) -> bool {
    shell::is_shell(&file.path, file.text.as_deref().unwrap_or(""))
}
