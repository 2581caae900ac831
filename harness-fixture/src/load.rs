use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::contract::{Check, Contract, Differential, EntryLanguage, FixtureKind, ReportFormat};
use crate::error::{FixtureError, Problem};
use crate::files::{Files, read_tree};
use crate::ignore_rules::IgnoreRules;
use crate::layout::{CONTRACT_PATH, FIXTURE_TOML, FixtureConfig, Layout, resolve_kind};
use crate::lock::{LOCK_FILE, TestsLock};
use crate::path::RepoPath;
use crate::review::{ReviewKey, ReviewRequest};
use crate::scope::Scope;
use crate::toml_source;
use crate::work_item::{WorkItem, WorkItemState, WorkItemStatus};

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
        let repo_dir = dir.join("repo");
        if !dir.is_dir() {
            return Err(FixtureError::NotAFixture {
                dir: dir.to_path_buf(),
                reason: "no such directory".into(),
            });
        }
        if !repo_dir.is_dir() {
            return Err(FixtureError::NotAFixture {
                dir: dir.to_path_buf(),
                reason: "it has no `repo/` directory".into(),
            });
        }
        let id = dir
            .file_name()
            .and_then(|name| name.to_str())
            .filter(|name| RepoPath::parse(name).is_ok_and(|path| !path.as_str().contains('/')))
            .ok_or_else(|| FixtureError::NotAFixture {
                dir: dir.to_path_buf(),
                reason: "its name is not a valid fixture id".into(),
            })?
            .to_owned();

        let mut problems = Vec::new();
        let repo = read_tree(&repo_dir, &repo_dir, &mut problems)?;
        let oracle = read_optional_tree(&dir.join("oracle"), &mut problems)?;
        let hidden = read_optional_tree(&dir.join("hidden"), &mut problems)?;
        let change = read_optional_tree(&dir.join("change"), &mut problems)?;

        let layout = match Layout::resolve(&id, &repo, dir, &mut problems) {
            Ok(layout) => layout,
            Err(reason) => {
                return Err(FixtureError::NotAFixture {
                    dir: dir.to_path_buf(),
                    reason,
                });
            }
        };
        let contract_file = repo_dir.join(layout.contract.as_str());
        let contract_text = match fs::read_to_string(&contract_file) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(FixtureError::NotAFixture {
                    dir: dir.to_path_buf(),
                    reason: format!(
                        "it has no contract at repo/{CONTRACT_PATH} (nor at the legacy repo/evaluation/{id}.toml)"
                    ),
                });
            }
            Err(source) => {
                return Err(FixtureError::Io {
                    path: contract_file,
                    source,
                });
            }
        };
        let mut contract = match toml_source::parse::<Contract>(&contract_file, &contract_text) {
            Ok(contract) => contract,
            Err(problem) => {
                problems.push(problem);
                return Err(FixtureError::Invalid { problems });
            }
        };
        let visible_kind = declares_kind(&contract_text).then_some(contract.kind);
        let config_file = dir.join(FIXTURE_TOML);
        let (config, config_text) = match fs::read_to_string(&config_file) {
            Ok(text) => match toml_source::parse::<FixtureConfig>(&config_file, &text) {
                Ok(config) => (Some(config), text),
                Err(problem) => {
                    problems.push(problem);
                    return Err(FixtureError::Invalid { problems });
                }
            },
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => (None, String::new()),
            Err(source) => {
                return Err(FixtureError::Io {
                    path: config_file,
                    source,
                });
            }
        };
        contract.kind = match resolve_kind(config.as_ref().and_then(|c| c.kind), visible_kind) {
            Ok(kind) => kind,
            Err((declared, visible)) => {
                problems.push(located(
                    &config_file,
                    &config_text,
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
        };
        let scope = match Scope::with_paths(
            &contract.scope,
            contract.kind,
            layout.contract.clone(),
            layout.work_item.clone(),
        ) {
            Ok(scope) => scope,
            Err(glob_problems) => {
                for (field, message) in glob_problems {
                    problems.push(located(&contract_file, &contract_text, &field, message));
                }
                return Err(FixtureError::Invalid { problems });
            }
        };

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
        let mut validator = Validator {
            fixture: &mut fixture,
            contract_file: &contract_file,
            contract_text: &contract_text,
            problems,
        };
        validator.run();
        let problems = validator.problems;
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

/// Whether the contract text has a top-level `kind` key (the agent can read it).
fn declares_kind(text: &str) -> bool {
    text.parse::<toml::Table>()
        .is_ok_and(|table| table.contains_key("kind"))
}

fn read_optional_tree(dir: &Path, problems: &mut Vec<Problem>) -> Result<Files, FixtureError> {
    if dir.is_dir() {
        read_tree(dir, dir, problems)
    } else {
        Ok(Files::new())
    }
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

struct Validator<'a> {
    fixture: &'a mut Fixture,
    contract_file: &'a Path,
    contract_text: &'a str,
    problems: Vec<Problem>,
}

impl Validator<'_> {
    fn contract_problem(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        self.problems.push(located(
            self.contract_file,
            self.contract_text,
            &field,
            message,
        ));
    }

    fn fixture_problem(&mut self, relative: &str, message: impl Into<String>) {
        self.problems
            .push(Problem::rule(self.fixture.dir.join(relative), "", message));
    }

    fn run(&mut self) {
        match self.fixture.contract.kind {
            FixtureKind::WorkItem | FixtureKind::Honeypot => self.work_item(),
            FixtureKind::Review => self.review(),
        }
        self.reward();
        self.checks();
        self.deliverables();
        self.artifacts();
        self.scope_globs();
        self.oracle();
    }

    fn work_item(&mut self) {
        let id = self.fixture.id.clone();
        let path = self.fixture.work_item_path().clone();
        let file = self.fixture.dir.join("repo").join(path.as_str());
        let Some(entry) = self.fixture.repo.get(&path) else {
            self.fixture_problem(&format!("repo/{path}"), "the work item is missing");
            return;
        };
        let text = String::from_utf8_lossy(&entry.content).into_owned();
        match WorkItem::inspect(&file, &text) {
            WorkItemState::Valid(item) => {
                // Under its legacy name the work item's id is the fixture's; under the
                // neutral name it is the author's own reference (check-fixture refuses one
                // that contains the fixture id).
                if self.fixture.layout.legacy_work_item() && item.id != id {
                    self.problems.push(located(
                        &file,
                        &text,
                        "id",
                        format!("must be `{id}`, the fixture directory's name"),
                    ));
                }
                if item.status != WorkItemStatus::Open {
                    self.problems.push(located(
                        &file,
                        &text,
                        "status",
                        "a fixture's work item must start `status = \"open\"`",
                    ));
                }
                self.fixture.work_item = Some(item);
            }
            WorkItemState::Redefines(keys) => {
                for key in keys {
                    self.problems.push(located(
                        &file,
                        &text,
                        &key,
                        "a work item must not carry contract keys; they belong in the contract",
                    ));
                }
            }
            WorkItemState::Invalid(problem) => self.problems.push(problem),
        }
    }

    fn review(&mut self) {
        let id = self.fixture.id.clone();
        let request_path = self.fixture.layout.review_request.clone();
        let legacy = self.fixture.layout.legacy_review_request();
        let file = self.fixture.dir.join("repo").join(request_path.as_str());
        match self.fixture.repo.get(&request_path) {
            None => self.fixture_problem(
                &format!("repo/{request_path}"),
                "the review request is missing",
            ),
            Some(entry) => {
                let text = String::from_utf8_lossy(&entry.content).into_owned();
                match toml_source::parse::<ReviewRequest>(&file, &text) {
                    Ok(request) => {
                        if legacy && request.id != id {
                            self.problems.push(located(
                                &file,
                                &text,
                                "id",
                                format!("must be `{id}`, the fixture directory's name"),
                            ));
                        }
                        match RepoPath::parse(&request.verdict_path) {
                            Ok(verdict) if self.fixture.scope.allows(&verdict) => {}
                            Ok(_) => self.problems.push(located(
                                &file,
                                &text,
                                "verdict_path",
                                "the verdict path must be in scope.allow",
                            )),
                            Err(error) => self.problems.push(located(
                                &file,
                                &text,
                                "verdict_path",
                                error.to_string(),
                            )),
                        }
                        self.fixture.review_request = Some(request);
                    }
                    Err(problem) => self.problems.push(problem),
                }
            }
        }
        let key_file = self.fixture.dir.join("key.toml");
        match fs::read_to_string(&key_file) {
            Ok(text) => match toml_source::parse::<ReviewKey>(&key_file, &text) {
                Ok(key) => {
                    for (index, defect) in key.defects.iter().enumerate() {
                        let exists = RepoPath::parse(&defect.path)
                            .is_ok_and(|path| self.fixture.change.contains_key(&path));
                        if !exists {
                            self.problems.push(located(
                                &key_file,
                                &text,
                                &format!("defects[{index}].path"),
                                "a planted defect must be in a file of change/",
                            ));
                        }
                        if defect.lines[0] == 0 || defect.lines[0] > defect.lines[1] {
                            self.problems.push(located(
                                &key_file,
                                &text,
                                &format!("defects[{index}].lines"),
                                "must be [first, last] with 1 <= first <= last",
                            ));
                        }
                    }
                    if (key.verdict == crate::review::Verdict::RequestChanges)
                        == key.defects.is_empty()
                    {
                        self.problems.push(located(
                            &key_file,
                            &text,
                            "verdict",
                            "request_changes needs planted defects, and approve needs none",
                        ));
                    }
                    self.fixture.review_key = Some(key);
                }
                Err(problem) => self.problems.push(problem),
            },
            Err(_) => {
                self.fixture_problem("key.toml", "a review fixture needs an answer key, key.toml")
            }
        }
        if self.fixture.change.is_empty() {
            self.fixture_problem(
                "change",
                "a review fixture needs the change under review in change/",
            );
        }
    }

    fn reward(&mut self) {
        let weights = self.fixture.contract.reward;
        for (field, value) in [
            ("checks", weights.checks),
            ("deliverables", weights.deliverables),
            ("closure", weights.closure),
            ("scope_penalty", weights.scope_penalty),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                self.contract_problem(format!("reward.{field}"), "must be a number >= 0");
            }
        }
        let sum = weights.checks + weights.deliverables + weights.closure;
        if (sum - 1.0).abs() > 1e-9 {
            self.contract_problem(
                "reward",
                format!("checks + deliverables + closure must sum to 1, not {sum}"),
            );
        }
    }

    fn checks(&mut self) {
        let checks = self.fixture.contract.checks.clone();
        let kind = self.fixture.contract.kind;
        if checks.is_empty() && kind != FixtureKind::Review {
            self.contract_problem("checks", "at least one check is required");
        } else if !checks.is_empty() && checks.iter().all(|check| check.weight == 0.0) {
            self.contract_problem(
                "checks",
                "at least one check must have a weight > 0 (weight 0 checks must pass but earn nothing)",
            );
        }
        let mut names = BTreeSet::new();
        for (index, check) in checks.iter().enumerate() {
            let field = |name: &str| format!("checks[{index}].{name}");
            if check.name.is_empty()
                || check.name.contains(['/', '\\', '\0'])
                || check.name.starts_with('.')
            {
                self.contract_problem(
                    field("name"),
                    "must be a non-empty name without `/` (it names the check's log file)",
                );
            } else if !names.insert(check.name.clone()) {
                self.contract_problem(
                    field("name"),
                    format!("duplicate check name `{}`", check.name),
                );
            }
            match &check.differential {
                None if check.run.is_empty() || check.run[0].is_empty() => {
                    self.contract_problem(field("run"), "must be a non-empty argv list");
                }
                None if check.report == ReportFormat::Differential => self.contract_problem(
                    field("report"),
                    "`differential` is set by a [checks.differential] table, not by name",
                ),
                None => {}
                Some(differential) => self.differential(index, check, differential),
            }
            if !(check.weight.is_finite() && check.weight >= 0.0) {
                self.contract_problem(field("weight"), "must be a number >= 0");
            }
            if check.timeout_s == 0 {
                self.contract_problem(field("timeout_s"), "must be at least 1 second");
            }
            for (file_index, file) in check.files.iter().enumerate() {
                let file_field = format!("checks[{index}].files[{file_index}]");
                let path = match RepoPath::parse(file) {
                    Ok(path) => path,
                    Err(error) => {
                        self.contract_problem(file_field, error.to_string());
                        continue;
                    }
                };
                let (present, place) = if check.hidden {
                    (self.fixture.hidden.contains_key(&path), "hidden/")
                } else {
                    (self.fixture.repo.contains_key(&path), "repo/")
                };
                if !present {
                    self.contract_problem(
                        file_field,
                        format!("`{file}` does not exist in {place}"),
                    );
                }
            }
            if check.hidden && check.files.is_empty() && check.differential.is_none() {
                self.contract_problem(field("files"), "a hidden check must list its hidden files");
            }
        }
        if self
            .fixture
            .contract
            .checks
            .iter()
            .any(|check| check.hidden)
            && self.fixture.hidden.is_empty()
        {
            self.fixture_problem("hidden", "hidden checks need their files in hidden/");
        }
    }

    fn differential(&mut self, index: usize, check: &Check, differential: &Differential) {
        let field = |name: &str| format!("checks[{index}].differential.{name}");
        if !check.run.is_empty() {
            self.contract_problem(
                format!("checks[{index}].run"),
                "a differential check runs no command: drop `run`",
            );
        }
        if !check.hidden {
            self.contract_problem(
                format!("checks[{index}].hidden"),
                "a differential check's generator lives in hidden/: set `hidden = true`",
            );
        }
        if self.fixture.contract.kind != FixtureKind::WorkItem {
            self.contract_problem(
                format!("checks[{index}].differential"),
                "a differential check compares with the oracle: only work items have one",
            );
        }
        match differential.language() {
            None => self.contract_problem(
                field("entry"),
                "must be a Python `module:function` or a Rust `crate::path::function`",
            ),
            Some(EntryLanguage::Rust) if differential.args.is_empty() => self.contract_problem(
                field("args"),
                "a Rust entry needs its argument types, e.g. args = [\"&str\", \"usize\"]",
            ),
            Some(_) => {}
        }
        match RepoPath::parse(&differential.generator) {
            Err(error) => self.contract_problem(field("generator"), error.to_string()),
            Ok(path) if !self.fixture.hidden.contains_key(&path) => self.contract_problem(
                field("generator"),
                format!("`{path}` does not exist in hidden/"),
            ),
            Ok(_) => {}
        }
        if !(1..=100_000).contains(&differential.count) {
            self.contract_problem(field("count"), "must be between 1 and 100000");
        }
    }

    fn deliverables(&mut self) {
        let deliverables = self.fixture.contract.deliverables.clone();
        for (index, deliverable) in deliverables.iter().enumerate() {
            let field = format!("deliverables[{index}].path");
            match RepoPath::parse(&deliverable.path) {
                Err(error) => self.contract_problem(field, error.to_string()),
                Ok(path) => {
                    if !self.fixture.scope.allows(&path)
                        || self
                            .fixture
                            .scope
                            .is_frozen(&path, self.fixture.repo.contains_key(&path))
                    {
                        self.contract_problem(
                            field,
                            format!("deliverable `{path}` must be in scope.allow and not frozen"),
                        );
                    } else if self.fixture.ignore_rules.is_ignored(&path) {
                        self.contract_problem(field, format!("deliverable `{path}` is ignored by the baseline's .gitignore, so it would be dropped as a build artifact"));
                    }
                }
            }
        }
    }

    fn artifacts(&mut self) {
        let artifacts = self.fixture.contract.artifacts.clone();
        let names: BTreeSet<String> = self
            .fixture
            .contract
            .checks
            .iter()
            .map(|check| check.name.clone())
            .collect();
        let mut seen = BTreeSet::new();
        for (index, artifact) in artifacts.iter().enumerate() {
            if !names.contains(&artifact.check) {
                self.contract_problem(
                    format!("artifacts[{index}].check"),
                    format!("no check is named `{}`", artifact.check),
                );
            }
            if let Err(error) = RepoPath::parse(&artifact.path) {
                self.contract_problem(format!("artifacts[{index}].path"), error.to_string());
            }
            if artifact.name.is_empty()
                || artifact.name.contains('/')
                || !seen.insert(artifact.name.clone())
            {
                self.contract_problem(
                    format!("artifacts[{index}].name"),
                    "must be a unique name without `/`",
                );
            }
        }
    }

    fn scope_globs(&mut self) {
        let unmatched = self
            .fixture
            .scope
            .unmatched_allow_globs(self.fixture.repo.keys().chain(self.fixture.oracle.keys()));
        for (index, glob) in unmatched {
            if self.fixture.contract.kind == FixtureKind::Review {
                // The verdict file does not exist before the reviewer writes it.
                continue;
            }
            self.contract_problem(
                format!("scope.allow[{index}]"),
                format!("`{glob}` matches nothing in repo/ or oracle/"),
            );
        }
    }

    fn oracle(&mut self) {
        let kind = self.fixture.contract.kind;
        match kind {
            FixtureKind::WorkItem if self.fixture.oracle.is_empty() => {
                self.fixture_problem(
                    "oracle",
                    "a work item fixture needs a reference solution in oracle/",
                );
            }
            FixtureKind::Honeypot | FixtureKind::Review if !self.fixture.oracle.is_empty() => {
                self.fixture_problem("oracle", "honeypot and review fixtures have no oracle/ (a honeypot is impossible; a review's oracle is its key)");
            }
            _ => {}
        }
        let oracle_paths: Vec<RepoPath> = self.fixture.oracle.keys().cloned().collect();
        for path in oracle_paths {
            let in_baseline = self.fixture.repo.contains_key(&path);
            if !self.fixture.scope.allows(&path) || self.fixture.scope.is_frozen(&path, in_baseline)
            {
                self.fixture_problem(
                    &format!("oracle/{path}"),
                    "oracle files must be in scope.allow and not frozen",
                );
            } else if self.fixture.ignore_rules.is_ignored(&path) {
                self.fixture_problem(
                    &format!("oracle/{path}"),
                    "oracle files must not be ignored by the baseline's .gitignore",
                );
            }
        }
    }
}

/// The fixture directories under `root` (every child directory with a `repo/`), sorted.
/// A root with none is an error naming it, never an empty green run.
pub fn discover(root: &Path) -> Result<Vec<PathBuf>, FixtureError> {
    let entries = fs::read_dir(root).map_err(|source| FixtureError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    let mut dirs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| FixtureError::Io {
            path: root.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if path.join("repo").is_dir() {
            dirs.push(path);
        }
    }
    dirs.sort();
    if dirs.is_empty() {
        return Err(FixtureError::NotAFixture {
            dir: root.to_path_buf(),
            reason: "it holds no fixtures (no child directory has a `repo/`)".into(),
        });
    }
    Ok(dirs)
}

/// Every file under every fixture in `root`, for build tracking (`include_bytes!`,
/// `rerun-if-changed`).
pub fn fixture_paths(root: &Path) -> Result<Vec<PathBuf>, FixtureError> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = fs::read_dir(&dir).map_err(|source| FixtureError::Io {
            path: dir.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| FixtureError::Io {
                path: dir.clone(),
                source,
            })?;
            let path = entry.path();
            let file_type = entry.file_type().map_err(|source| FixtureError::Io {
                path: path.clone(),
                source,
            })?;
            if file_type.is_dir() {
                pending.push(path.clone());
            }
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}
