//! Loading a fixture: read its files, parse and resolve what they declare, then check it
//! against the static rules.

mod discover;
mod read;
mod validate;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::contract::{Check, Contract, FixtureKind, ReportFormat};
use crate::error::{FixtureError, Problem};
use crate::files::{Files, read_tree};
use crate::ignore_rules::IgnoreRules;
use crate::layout::{FixtureConfig, Layout, resolve_kind};
use crate::lock::{LOCK_FILE, TestsLock};
use crate::path::RepoPath;
use crate::review::{ReviewKey, ReviewRequest};
use crate::scope::Scope;
use crate::toml_source;
use crate::work_item::WorkItem;

pub use discover::{discover, fixture_paths};
use read::{
    declares_kind, fixture_id, parse_or_stop, read_config, read_contract, read_optional_tree,
};

/// A fixture read into memory and statically validated.
///
/// ```no_run
/// let fixture = harness_fixture::Fixture::load("fixtures/py-slugify".as_ref()).unwrap();
/// println!("{} has {} baseline files", fixture.id, fixture.repo.len());
/// ```
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Directory name, also the work item id.
    pub id: String,
    /// Where it was loaded from.
    pub dir: PathBuf,
    /// The contract, parsed from the fixture directory (never from a sandbox). Its `kind`
    /// is the resolved kind: `fixture.toml`'s, else the contract's own, else `work_item`.
    pub contract: Contract,
    /// The kind the contract in `repo/` itself declares, when it declares one: what the
    /// agent can read (a honeypot's must be `None`; `check-fixture` says so).
    pub visible_kind: Option<FixtureKind>,
    /// `fixture.toml` (default when the fixture has none).
    pub config: FixtureConfig,
    /// Where the contract, work item and review request are in `repo/`.
    pub layout: Layout,
    /// The compiled scope.
    pub scope: Scope,
    /// The baseline work item (work item and honeypot kinds).
    pub work_item: Option<WorkItem>,
    /// The review request (review kind).
    pub review_request: Option<ReviewRequest>,
    /// The answer key (review kind), from `key.toml`.
    pub review_key: Option<ReviewKey>,
    /// Baseline content, `repo/`.
    pub repo: Files,
    /// The change under review, overlaid on the baseline (review kind), `change/`.
    pub change: Files,
    /// The reference solution's files, `oracle/`.
    pub oracle: Files,
    /// Hidden check files, `hidden/`.
    pub hidden: Files,
    /// The baseline's own `.gitignore` rules.
    pub ignore_rules: IgnoreRules,
    /// `tests.lock` beside `repo/`: the tests each check must report (none until
    /// `harness check-fixture --write-lock` wrote it).
    pub lock: Option<TestsLock>,
}

impl Fixture {
    /// Reads and validates the fixture at `dir` (the static rules: everything but running
    /// the oracle and the checks). All problems are returned at once.
    pub fn load(dir: &Path) -> Result<Fixture, FixtureError> {
        let id = fixture_id(dir)?;
        let repo_dir = dir.join("repo");
        let mut problems = Vec::new();
        let (config_file, config, config_text) = read_config(dir, &mut problems)?;
        // A shared baseline first, then `repo/` over it (its files add or replace).
        // The same for the oracle and the hidden files: stored trees, then the directories.
        let [mut repo, mut oracle, mut hidden] =
            match config.as_ref().and_then(|config| config.baseline.as_ref()) {
                Some(baseline) => baseline.read(dir, &config_file, &mut problems)?,
                None => Default::default(),
            };
        repo.extend(read_tree(&repo_dir, &repo_dir, &mut problems)?);
        oracle.extend(read_optional_tree(&dir.join("oracle"), &mut problems)?);
        hidden.extend(read_optional_tree(&dir.join("hidden"), &mut problems)?);
        let change = read_optional_tree(&dir.join("change"), &mut problems)?;

        let layout = Layout::resolve(&id, &repo, dir, &mut problems).map_err(|reason| {
            FixtureError::NotAFixture {
                dir: dir.to_path_buf(),
                reason,
            }
        })?;
        let (contract_file, contract_text) = read_contract(dir, &layout, &id)?;
        let mut contract =
            parse_or_stop::<Contract>(&contract_file, &contract_text, &mut problems)?;
        let visible_kind = declares_kind(&contract_text).then_some(contract.kind);
        contract.kind = fixture_kind(
            config.as_ref(),
            visible_kind,
            (&config_file, &config_text),
            &layout,
            &mut problems,
        );
        let scope = compile_scope(
            &contract,
            &layout,
            (&contract_file, &contract_text),
            &mut problems,
        )?;

        let mut fixture = Fixture {
            id,
            dir: dir.to_path_buf(),
            ignore_rules: IgnoreRules::from_files(&repo),
            contract,
            visible_kind,
            config: config.unwrap_or_default(),
            layout,
            scope,
            work_item: None,
            review_request: None,
            review_key: None,
            repo,
            change,
            oracle,
            hidden,
            lock: None,
        };
        match TestsLock::read(dir) {
            Ok(lock) => fixture.lock = lock,
            Err(problem) => problems.push(problem),
        }
        let problems = validate::validate(&mut fixture, &contract_file, &contract_text, problems);
        if problems.is_empty() {
            Ok(fixture)
        } else {
            Err(FixtureError::Invalid { problems })
        }
    }

    /// The contract's path in `repo/`: `evaluation/contract.toml` (legacy: `evaluation/<id>.toml`).
    pub fn contract_path(&self) -> &RepoPath {
        self.scope.contract_path()
    }

    /// The work item's path in `repo/`: `work/item.toml` (legacy: `work/<id>.toml`).
    pub fn work_item_path(&self) -> &RepoPath {
        self.scope.work_item_path()
    }

    /// What keeps this fixture from being graded per test: a check whose runner reports
    /// per-test results but has no table in `tests.lock`, or a lock that disagrees with the
    /// contract. Empty when the lock is complete. Each message says what to run.
    pub fn lock_problems(&self) -> Vec<String> {
        let refresh = format!(
            "run `harness check-fixture {} --write-lock`",
            self.dir.display()
        );
        let needing: Vec<&Check> = self
            .contract
            .checks
            .iter()
            .filter(|check| {
                !matches!(
                    check.resolved_report(),
                    ReportFormat::Exit | ReportFormat::Differential
                )
            })
            .collect();
        let Some(lock) = &self.lock else {
            if needing.is_empty() {
                return Vec::new();
            }
            return vec![format!(
                "fixture `{}` has no {LOCK_FILE}: its checks report per-test results, and grading needs the tests they must report; {refresh}",
                self.id
            )];
        };
        let mut problems = Vec::new();
        for check in needing {
            match lock.checks.get(&check.name) {
                None => problems.push(format!(
                    "fixture `{}`: {LOCK_FILE} has no table for check `{}`; {refresh}",
                    self.id, check.name
                )),
                Some(locked) if locked.report != check.resolved_report() => {
                    problems.push(format!(
                        "fixture `{}`: {LOCK_FILE} locked check `{}` as `{}` but it now reports `{}`; {refresh}",
                        self.id,
                        check.name,
                        locked.report.as_str(),
                        check.resolved_report().as_str()
                    ))
                }
                Some(_) => {}
            }
        }
        for name in lock.checks.keys() {
            if !self.contract.checks.iter().any(|check| &check.name == name) {
                problems.push(format!(
                    "fixture `{}`: {LOCK_FILE} locks a check `{name}` the contract does not have; {refresh}",
                    self.id
                ));
            }
        }
        problems
    }

    /// The review request's path in `repo/`: `review/request.toml` (legacy: `review/<id>.toml`).
    pub fn review_request_path(&self) -> &RepoPath {
        &self.layout.review_request
    }

    /// Every path a hidden check owns: the hidden check `files` and every file in `hidden/`.
    pub fn hidden_paths(&self) -> BTreeSet<RepoPath> {
        let mut paths: BTreeSet<RepoPath> = self.hidden.keys().cloned().collect();
        for check in self.contract.checks.iter().filter(|check| check.hidden) {
            paths.extend(
                check
                    .files
                    .iter()
                    .chain(check.differential.iter().map(|table| &table.generator))
                    .filter_map(|file| RepoPath::parse(file).ok()),
            );
        }
        paths
    }

    /// The state the change under review leaves (baseline overlaid with `change/`); for
    /// other kinds, the baseline.
    pub fn reviewed_tree(&self) -> Files {
        let mut files = self.repo.clone();
        files.extend(
            self.change
                .iter()
                .map(|(path, entry)| (path.clone(), entry.clone())),
        );
        files
    }
}

/// The resolved kind: `fixture.toml`'s, else the contract's own, else `work_item`. Two
/// different declarations are a problem (at `fixture.toml`'s `kind`), and its kind stands.
fn fixture_kind(
    config: Option<&FixtureConfig>,
    visible_kind: Option<FixtureKind>,
    (config_file, config_text): (&Path, &str),
    layout: &Layout,
    problems: &mut Vec<Problem>,
) -> FixtureKind {
    match resolve_kind(config.and_then(|c| c.kind), visible_kind) {
        Ok(kind) => kind,
        Err((declared, visible)) => {
            problems.push(located(
                config_file,
                config_text,
                "kind",
                format!(
                    "`{}` here but `{}` in repo/{}: declare the kind in one place (fixture.toml keeps it out of the agent's sight)",
                    declared.as_str(),
                    visible.as_str(),
                    layout.contract
                ),
            ));
            declared
        }
    }
}

/// The contract's scope compiled; globs that do not compile end the load with every
/// problem so far.
fn compile_scope(
    contract: &Contract,
    layout: &Layout,
    (contract_file, contract_text): (&Path, &str),
    problems: &mut Vec<Problem>,
) -> Result<Scope, FixtureError> {
    Scope::with_paths(
        &contract.scope,
        contract.kind,
        layout.contract.clone(),
        layout.work_item.clone(),
    )
    .map_err(|glob_problems| {
        for (field, message) in glob_problems {
            problems.push(located(contract_file, contract_text, &field, message));
        }
        FixtureError::Invalid {
            problems: std::mem::take(problems),
        }
    })
}

fn located(file: &Path, text: &str, field: &str, message: impl Into<String>) -> Problem {
    Problem {
        file: file.to_path_buf(),
        position: toml_source::locate(text, field),
        field: field.to_owned(),
        message: message.into(),
        parse: false,
    }
}
