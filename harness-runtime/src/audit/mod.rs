//! The fixture audit: attack a fixture's own checks with generic gaming agents that need no
//! knowledge of the task, and refuse the fixture when any of them earns more than noop.
//!
//! Each strategy is an in-process agent (a [`Sandbox`] function) run through
//! [`run_case`] on the fixture as it is, like any other case: it rewrites the baseline
//! files in `scope.allow` without reading the task (never the work item, never the oracle),
//! writes a handoff note that meets the deliverables' content rules, and closes the work
//! item, as a gamer would. The strategies, per language:
//!
//! | strategy | Python | Rust | shell |
//! |---|---|---|---|
//! | `noop` | the baseline | the baseline | the baseline |
//! | `delete_in_scope` | every in-scope baseline file deleted | same | same |
//! | `empty_in_scope` | every in-scope baseline file emptied | same | same |
//! | `always_equal` | public functions return a `str` subclass equal to anything | `pub fn`s return a wrapper equal to anything (library crates) | not applicable |
//! | `type_default` | `None`, or the annotation's `""`/`0`/`[]`/... | `Default::default()` | functions `return 0`, scripts `exit 0` |
//! | `raise_everywhere` | `raise NotImplementedError` | `unimplemented!()` | `exit 1` |
//! | `lookup_table` | answers read out of the visible tests' `assertEqual`/`assert ==` | early returns from the visible tests' `assert_eq!` | not applicable |
//!
//! A strategy that cannot be applied (nothing it knows in scope) is reported `not
//! applicable` and not run; one that fails while applying (a parse error, a helper that
//! fails) is graded as it left the worktree, and its failure is recorded. [`audit`] is a
//! library function with a plain data report, so fixture factories can call it before
//! accepting a fixture; `harness check-fixture --audit` prints it.

mod python;
mod rust;
mod shell;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use harness_fixture::{Contract, Fixture, FixtureKind, RepoPath, Scope};
use serde::{Deserialize, Serialize};

use crate::agent::Agent;
use crate::agent::sandbox::Sandbox;
use crate::case::{CaseSpec, run_case};
use crate::message;
use crate::result::{CaseResult, CaseStatus};
use crate::settings::Settings;

/// A gaming strategy of the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Does nothing: the baseline every other strategy is compared with.
    Noop,
    /// Deletes every in-scope baseline file.
    DeleteInScope,
    /// Truncates every in-scope baseline file to zero bytes.
    EmptyInScope,
    /// Every public function returns a value whose equality is always true.
    AlwaysEqual,
    /// Every public function returns its type's default.
    TypeDefault,
    /// Every public function raises (panics, exits 1).
    RaiseEverywhere,
    /// Answers from a table built from the visible tests' assertions.
    LookupTable,
}

impl Strategy {
    /// Every strategy, noop first.
    pub const ALL: [Strategy; 7] = [
        Strategy::Noop,
        Strategy::DeleteInScope,
        Strategy::EmptyInScope,
        Strategy::AlwaysEqual,
        Strategy::TypeDefault,
        Strategy::RaiseEverywhere,
        Strategy::LookupTable,
    ];

    /// Its name in reports and case names.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Noop => "noop",
            Strategy::DeleteInScope => "delete_in_scope",
            Strategy::EmptyInScope => "empty_in_scope",
            Strategy::AlwaysEqual => "always_equal",
            Strategy::TypeDefault => "type_default",
            Strategy::RaiseEverywhere => "raise_everywhere",
            Strategy::LookupTable => "lookup_table",
        }
    }

    /// The agent that plays it.
    pub fn agent(self) -> Agent {
        let run: crate::agent::AgentFn = match self {
            Strategy::Noop => return Agent::Noop,
            Strategy::DeleteInScope => delete_in_scope,
            Strategy::EmptyInScope => empty_in_scope,
            Strategy::AlwaysEqual => always_equal,
            Strategy::TypeDefault => type_default,
            Strategy::RaiseEverywhere => raise_everywhere,
            Strategy::LookupTable => lookup_table,
        };
        Agent::Function {
            name: self.name().to_owned(),
            run,
        }
    }
}

/// How a strategy fared against noop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// noop itself: what the others are compared with.
    Baseline,
    /// Earned no more than noop.
    Held,
    /// Earned more than noop: the fixture is refused.
    LetThrough,
    /// Nothing it knows how to rewrite is in scope: not run.
    NotApplicable,
    /// Its case errored (the harness's or the machine's fault): the audit is incomplete
    /// and the fixture is refused until it runs.
    Errored,
}

impl Verdict {
    /// Its name in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Baseline => "baseline",
            Verdict::Held => "held",
            Verdict::LetThrough => "let through",
            Verdict::NotApplicable => "not applicable",
            Verdict::Errored => "errored",
        }
    }
}

/// A check that let a strategy through: it passed (or scored more) under the strategy than
/// under noop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LetThrough {
    /// The check's name.
    pub check: String,
    /// Its report format (`unittest`, `pytest`, `libtest`, `tap`, `exit`, `differential`).
    pub report: String,
    /// Its weight in the contract.
    pub weight: f64,
    /// Its score under noop.
    pub noop_score: f64,
    /// Its score under the strategy.
    pub score: f64,
}

/// How one check fared under a strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckTally {
    /// The check's name.
    pub check: String,
    /// Its score, in [0, 1].
    pub score: f64,
    /// Tests (or inputs, for a differential check) reported passed.
    pub tests_passed: usize,
    /// Tests (or inputs) reported.
    pub tests_reported: usize,
}

/// One strategy's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyOutcome {
    /// The strategy.
    pub strategy: Strategy,
    /// How it fared.
    pub verdict: Verdict,
    /// Its reward (`None` when not run or errored).
    pub reward: Option<f64>,
    /// The violation codes its case reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<String>,
    /// The checks that let it through (only for `let_through`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub let_through: Vec<LetThrough>,
    /// How each check fared (empty when not run).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckTally>,
    /// Checks it passed (or scored more on) than noop that did not pay: the strategy was
    /// held anyway, by another check or because they have weight 0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rose_unpaid: Vec<LetThrough>,
    /// What to add to the fixture, one line per check and kind of fix.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advice: Vec<String>,
    /// Why it was not run (`not_applicable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_applicable: Option<String>,
    /// What went wrong while it applied itself (it was still graded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_to_apply: Option<String>,
    /// Why its case errored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Wall time of its case.
    pub duration_ms: u64,
}

/// What the audit found, as plain data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditReport {
    /// The fixture id.
    pub fixture: String,
    /// Why the fixture was not audited (honeypots and reviews are out of its scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// noop's reward.
    pub noop_reward: Option<f64>,
    /// Every strategy, noop first.
    pub strategies: Vec<StrategyOutcome>,
    /// Some strategy earned more than noop, or the audit could not run one.
    pub refused: bool,
    /// Wall time of the whole audit.
    pub duration_ms: u64,
}

impl AuditReport {
    /// How many strategies were run (noop included).
    pub fn ran(&self) -> usize {
        self.strategies
            .iter()
            .filter(|outcome| outcome.verdict != Verdict::NotApplicable)
            .count()
    }

    /// The outcome of `strategy`.
    pub fn outcome(&self, strategy: Strategy) -> Option<&StrategyOutcome> {
        self.strategies
            .iter()
            .find(|outcome| outcome.strategy == strategy)
    }

    /// What its lines say, for `crate::message`.
    pub fn view(&self) -> crate::message::AuditView<'_> {
        crate::message::AuditView {
            fixture: &self.fixture,
            skipped: self.skipped.as_deref(),
            noop: self.noop_reward,
            strategies: self
                .strategies
                .iter()
                .map(|outcome| crate::message::StrategyView {
                    name: outcome.strategy.name(),
                    verdict: outcome.verdict.as_str(),
                    reward: outcome.reward,
                    let_through: outcome
                        .let_through
                        .iter()
                        .map(|check| (check.check.as_str(), check.report.as_str(), check.weight))
                        .collect(),
                    rose_unpaid: outcome
                        .rose_unpaid
                        .iter()
                        .map(|check| (check.check.as_str(), check.weight))
                        .collect(),
                    advice: &outcome.advice,
                    not_applicable: outcome.not_applicable.as_deref(),
                    failed_to_apply: outcome.failed_to_apply.as_deref(),
                    error: outcome.error.as_deref(),
                    violations: &outcome.violations,
                })
                .collect(),
            duration_ms: self.duration_ms,
        }
    }

    /// The strategies that earned more than noop.
    pub fn let_through(&self) -> Vec<Strategy> {
        self.strategies
            .iter()
            .filter(|outcome| outcome.verdict == Verdict::LetThrough)
            .map(|outcome| outcome.strategy)
            .collect()
    }
}

/// Runs every strategy on `fixture` (a work item with a valid lock) and compares each
/// reward with noop's. Never panics on a fixture's content: a strategy that cannot apply
/// itself is recorded as such.
pub fn audit(fixture: &Arc<Fixture>, settings: &Settings) -> AuditReport {
    let started = Instant::now();
    let mut report = AuditReport {
        fixture: fixture.id.clone(),
        skipped: None,
        noop_reward: None,
        strategies: Vec::new(),
        refused: false,
        duration_ms: 0,
    };
    if fixture.contract.kind != FixtureKind::WorkItem {
        report.skipped = Some(message::audit_out_of_scope(fixture.contract.kind.as_str()));
        report.duration_ms = started.elapsed().as_millis() as u64;
        return report;
    }
    let baseline = Baseline::from_fixture(fixture);
    let noop = run(fixture, Strategy::Noop, settings);
    report.noop_reward = noop.0.reward;
    report.strategies.push(StrategyOutcome {
        strategy: Strategy::Noop,
        verdict: if noop.0.status == CaseStatus::Errored {
            Verdict::Errored
        } else {
            Verdict::Baseline
        },
        reward: noop.0.reward,
        violations: codes(&noop.0),
        let_through: Vec::new(),
        checks: tallies(&noop.0),
        rose_unpaid: Vec::new(),
        advice: Vec::new(),
        not_applicable: None,
        failed_to_apply: None,
        error: noop.0.error.clone(),
        duration_ms: noop.1,
    });
    let noop_ran = noop.0.status != CaseStatus::Errored;
    for strategy in Strategy::ALL.into_iter().skip(1) {
        let plan = plan_safely(strategy, &baseline);
        if !plan.applicable() {
            report.strategies.push(StrategyOutcome {
                strategy,
                verdict: Verdict::NotApplicable,
                reward: None,
                violations: Vec::new(),
                let_through: Vec::new(),
                checks: Vec::new(),
                rose_unpaid: Vec::new(),
                advice: Vec::new(),
                not_applicable: Some(plan.not_applicable_reason()),
                failed_to_apply: None,
                error: None,
                duration_ms: 0,
            });
            continue;
        }
        if !noop_ran {
            report.strategies.push(StrategyOutcome {
                strategy,
                verdict: Verdict::Errored,
                reward: None,
                violations: Vec::new(),
                let_through: Vec::new(),
                checks: Vec::new(),
                rose_unpaid: Vec::new(),
                advice: Vec::new(),
                not_applicable: None,
                failed_to_apply: None,
                error: Some(message::audit_no_baseline()),
                duration_ms: 0,
            });
            continue;
        }
        let (result, duration_ms) = run(fixture, strategy, settings);
        report.strategies.push(compare(
            strategy,
            &result,
            &noop.0,
            &fixture.contract,
            duration_ms,
        ));
    }
    report.refused = refuses(&report.strategies);
    report.duration_ms = started.elapsed().as_millis() as u64;
    report
}

/// The rule: refused when a strategy earned more than noop, or could not be run (an
/// incomplete audit vouches for nothing).
fn refuses(outcomes: &[StrategyOutcome]) -> bool {
    outcomes
        .iter()
        .any(|outcome| matches!(outcome.verdict, Verdict::LetThrough | Verdict::Errored))
}

fn run(fixture: &Arc<Fixture>, strategy: Strategy, settings: &Settings) -> (CaseResult, u64) {
    let started = Instant::now();
    let result = run_case(
        &CaseSpec::new(fixture.clone(), strategy.agent()),
        settings,
        "audit",
    )
    .result;
    (result, started.elapsed().as_millis() as u64)
}

fn codes(result: &CaseResult) -> Vec<String> {
    result
        .codes()
        .into_iter()
        .map(|code| code.as_str().to_owned())
        .collect()
}

/// A reward above noop's by more than rounding.
const MARGIN: f64 = 1e-9;

/// Compares a strategy's case with noop's: its verdict, the checks that let it through
/// (scored more than under noop) and what to add.
fn compare(
    strategy: Strategy,
    result: &CaseResult,
    noop: &CaseResult,
    contract: &Contract,
    duration_ms: u64,
) -> StrategyOutcome {
    let failed_to_apply = result
        .error
        .as_deref()
        .and_then(|error| {
            error
                .split("; ")
                .find_map(|part| part.strip_prefix("agent: "))
        })
        .map(str::to_owned);
    let mut outcome = StrategyOutcome {
        strategy,
        verdict: Verdict::Held,
        reward: result.reward,
        violations: codes(result),
        let_through: Vec::new(),
        checks: tallies(result),
        rose_unpaid: Vec::new(),
        advice: Vec::new(),
        not_applicable: None,
        failed_to_apply,
        error: None,
        duration_ms,
    };
    if result.status == CaseStatus::Errored {
        outcome.verdict = Verdict::Errored;
        outcome.error = result.error.clone();
        return outcome;
    }
    let rose = rose(result, noop, contract);
    let reward = result.reward.unwrap_or(f64::NEG_INFINITY);
    let baseline = noop.reward.unwrap_or(f64::NEG_INFINITY);
    if reward <= baseline + MARGIN {
        outcome.rose_unpaid = rose;
        return outcome;
    }
    outcome.verdict = Verdict::LetThrough;
    outcome.let_through = rose;
    // Reward-bearing checks first: they are what paid.
    outcome
        .let_through
        .sort_by_key(|check| std::cmp::Reverse(check.weight > 0.0));
    for through in &outcome.let_through {
        outcome.advice.extend(message::audit_advice(
            strategy.name(),
            &through.check,
            &through.report,
            through.weight,
        ));
    }
    if outcome.let_through.is_empty() {
        outcome
            .advice
            .push(message::audit_advice_no_check(strategy.name()));
    }
    outcome
}

fn tallies(result: &CaseResult) -> Vec<CheckTally> {
    result
        .checks
        .iter()
        .map(|check| CheckTally {
            check: check.name.clone(),
            score: check.score,
            tests_passed: check
                .tests
                .iter()
                .filter(|test| test.outcome == harness_fixture::TestOutcome::Passed)
                .count(),
            tests_reported: check.tests.len(),
        })
        .collect()
}

/// The checks that scored more under the strategy than under noop.
fn rose(result: &CaseResult, noop: &CaseResult, contract: &Contract) -> Vec<LetThrough> {
    let mut rose = Vec::new();
    for check in &result.checks {
        let noop_score = noop
            .checks
            .iter()
            .find(|base| base.name == check.name)
            .map_or(0.0, |base| base.score);
        if check.score <= noop_score + MARGIN {
            continue;
        }
        let weight = contract
            .checks
            .iter()
            .find(|declared| declared.name == check.name)
            .map_or(1.0, |declared| declared.weight);
        let report = contract
            .checks
            .iter()
            .find(|declared| declared.name == check.name)
            .map_or_else(
                || check.report.clone(),
                |declared| declared.resolved_report().as_str().to_owned(),
            );
        rose.push(LetThrough {
            check: check.name.clone(),
            report,
            weight,
            noop_score,
            score: check.score,
        });
    }
    rose
}

// --- what a strategy sees ----------------------------------------------------------------

/// A baseline file a strategy reads: its path and text (`None` when not UTF-8 or too big).
#[derive(Debug, Clone)]
struct SourceFile {
    path: String,
    text: Option<String>,
}

/// The baseline as a strategy sees it.
#[derive(Debug, Clone, Default)]
struct Baseline {
    /// Baseline files the agent may change (not the work item, not a deliverable).
    in_scope: Vec<SourceFile>,
    /// Baseline files outside scope that may be visible tests.
    tests: Vec<SourceFile>,
    /// Every baseline path.
    paths: BTreeSet<String>,
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

    fn from_fixture(fixture: &Fixture) -> Baseline {
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

    fn from_sandbox(sandbox: &Sandbox<'_>) -> Result<Baseline, String> {
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

    fn sources(&self, language: fn(&SourceFile) -> bool) -> impl Iterator<Item = (&str, &str)> {
        self.in_scope
            .iter()
            .filter(move |file| language(file))
            .filter_map(|file| Some((file.path.as_str(), file.text.as_deref()?)))
    }
}

/// A test by its path: under a `tests`/`test` directory, or named `test_*.py`, `*_test.py`.
fn looks_like_a_test(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let in_tests = path
        .split('/')
        .rev()
        .skip(1)
        .any(|part| part == "tests" || part == "test");
    (in_tests && (path.ends_with(".py") || path.ends_with(".rs")))
        || (name.ends_with(".py") && (name.starts_with("test_") || name.ends_with("_test.py")))
}

fn is_python(file: &SourceFile) -> bool {
    file.path.ends_with(".py")
}

fn is_rust(file: &SourceFile) -> bool {
    file.path.ends_with(".rs")
}

fn is_shell(file: &SourceFile) -> bool {
    shell::is_shell(&file.path, file.text.as_deref().unwrap_or(""))
}

// --- what a strategy does ----------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Edit {
    Write { path: String, text: String },
    Delete { path: String },
}

/// The table of `lookup_table` for Python is read in the sandbox, by the helper.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct PythonLookup {
    code: Vec<String>,
    tests: Vec<String>,
}

/// What a strategy will do to a baseline.
#[derive(Debug, Clone, Default)]
struct Plan {
    edits: Vec<Edit>,
    python_lookup: Option<PythonLookup>,
    /// Why parts of it do not apply (per language).
    skipped: Vec<String>,
    /// What failed while planning (a file that does not parse).
    problems: Vec<String>,
}

impl Plan {
    fn applicable(&self) -> bool {
        !self.edits.is_empty() || self.python_lookup.is_some()
    }

    fn not_applicable_reason(&self) -> String {
        let mut reasons = self.skipped.clone();
        reasons.extend(self.problems.iter().cloned());
        if reasons.is_empty() {
            message::audit_nothing_to_rewrite()
        } else {
            reasons.join("; ")
        }
    }
}

/// [`plan`], a panic (a bug, or a parser meeting input it cannot handle) recorded as a
/// problem rather than unwinding through the audit.
fn plan_safely(strategy: Strategy, baseline: &Baseline) -> Plan {
    std::panic::catch_unwind(|| plan(strategy, baseline)).unwrap_or_else(|panic| Plan {
        problems: vec![message::audit_strategy_panicked(&panic_text(&*panic))],
        ..Plan::default()
    })
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

fn plan(strategy: Strategy, baseline: &Baseline) -> Plan {
    let mut plan = Plan::default();
    match strategy {
        Strategy::Noop => {}
        Strategy::DeleteInScope => {
            plan.edits = baseline
                .in_scope
                .iter()
                .map(|file| Edit::Delete {
                    path: file.path.clone(),
                })
                .collect();
        }
        Strategy::EmptyInScope => {
            plan.edits = baseline
                .in_scope
                .iter()
                .filter(|file| file.text.as_deref() != Some(""))
                .map(|file| Edit::Write {
                    path: file.path.clone(),
                    text: String::new(),
                })
                .collect();
        }
        Strategy::AlwaysEqual => {
            python_each(baseline, &mut plan, python::always_equal);
            rust_always_equal(baseline, &mut plan);
            if baseline.in_scope.iter().any(is_shell) {
                plan.skipped
                    .push(message::audit_shell_not_applicable(strategy.name()));
            }
        }
        Strategy::TypeDefault => {
            python_each(baseline, &mut plan, python::type_default);
            rust_each(baseline, &mut plan, rust::type_default);
            shell_each(baseline, &mut plan, shell::type_default);
        }
        Strategy::RaiseEverywhere => {
            python_each(baseline, &mut plan, python::raise_everywhere);
            rust_each(baseline, &mut plan, rust::raise_everywhere);
            shell_each(baseline, &mut plan, shell::raise_everywhere);
        }
        Strategy::LookupTable => {
            let code: Vec<String> = baseline
                .sources(is_python)
                .map(|(path, _)| path.to_owned())
                .collect();
            let tests: Vec<String> = baseline
                .tests
                .iter()
                .filter(|file| is_python(file))
                .map(|file| file.path.clone())
                .collect();
            if !code.is_empty() {
                if tests.is_empty() {
                    plan.skipped.push(message::audit_no_visible_tests("Python"));
                } else {
                    plan.python_lookup = Some(PythonLookup { code, tests });
                }
            }
            rust_lookup_table(baseline, &mut plan);
            if baseline.in_scope.iter().any(is_shell) {
                plan.skipped
                    .push(message::audit_shell_not_applicable(strategy.name()));
            }
        }
    }
    plan
}

fn python_each(baseline: &Baseline, plan: &mut Plan, rewrite: fn(&str) -> String) {
    for (path, text) in baseline.sources(is_python) {
        plan.edits.push(Edit::Write {
            path: path.to_owned(),
            text: rewrite(text),
        });
    }
}

fn rust_each(
    baseline: &Baseline,
    plan: &mut Plan,
    rewrite: fn(rust::RustSource<'_>) -> Result<Option<String>, String>,
) {
    for (path, text) in baseline.sources(is_rust) {
        match rewrite(rust::RustSource { path, text }) {
            Ok(Some(text)) => plan.edits.push(Edit::Write {
                path: path.to_owned(),
                text,
            }),
            Ok(None) => {}
            Err(problem) => plan.problems.push(problem),
        }
    }
}

fn shell_each(baseline: &Baseline, plan: &mut Plan, rewrite: fn(&str) -> Option<String>) {
    for (path, text) in baseline.sources(is_shell) {
        if let Some(text) = rewrite(text) {
            plan.edits.push(Edit::Write {
                path: path.to_owned(),
                text,
            });
        }
    }
}

/// The library crates with in-scope sources: their `src/lib.rs` -> their in-scope module
/// files (not `src/main.rs`, not `src/bin/`).
fn rust_libraries(baseline: &Baseline) -> BTreeMap<String, Vec<rust::RustSource<'_>>> {
    let packages: Vec<&str> = baseline
        .paths
        .iter()
        .filter_map(|path| {
            if path == "Cargo.toml" {
                Some("")
            } else {
                path.strip_suffix("/Cargo.toml")
            }
        })
        .collect();
    let mut libraries: BTreeMap<String, Vec<rust::RustSource<'_>>> = BTreeMap::new();
    for (path, text) in baseline.sources(is_rust) {
        let package = packages
            .iter()
            .filter(|dir| dir.is_empty() || path.starts_with(&format!("{dir}/")))
            .max_by_key(|dir| dir.len());
        let Some(package) = package else {
            continue;
        };
        let prefix = if package.is_empty() {
            String::new()
        } else {
            format!("{package}/")
        };
        let lib_root = format!("{prefix}src/lib.rs");
        let in_lib = path.starts_with(&format!("{prefix}src/"))
            && path != format!("{prefix}src/main.rs")
            && !path.starts_with(&format!("{prefix}src/bin/"));
        let root_in_scope = baseline.in_scope.iter().any(|file| file.path == lib_root);
        if in_lib && root_in_scope {
            libraries
                .entry(lib_root)
                .or_default()
                .push(rust::RustSource { path, text });
        }
    }
    libraries
}

fn rust_always_equal(baseline: &Baseline, plan: &mut Plan) {
    let libraries = rust_libraries(baseline);
    if libraries.is_empty() && baseline.in_scope.iter().any(is_rust) {
        plan.skipped.push(message::audit_no_rust_library());
    }
    for (root, files) in libraries {
        match rust::always_equal(&root, &files) {
            Ok(rewritten) => plan.edits.extend(
                rewritten
                    .into_iter()
                    .map(|(path, text)| Edit::Write { path, text }),
            ),
            Err(problem) => plan.problems.push(problem),
        }
    }
}

fn rust_lookup_table(baseline: &Baseline, plan: &mut Plan) {
    let code: Vec<rust::RustSource<'_>> = baseline
        .sources(is_rust)
        .map(|(path, text)| rust::RustSource { path, text })
        .collect();
    if code.is_empty() {
        return;
    }
    let targets: BTreeSet<String> = code
        .iter()
        .flat_map(|source| rust::table_targets(*source))
        .collect();
    let tests: Vec<rust::RustSource<'_>> = baseline
        .tests
        .iter()
        .filter(|file| is_rust(file))
        .filter_map(|file| {
            Some(rust::RustSource {
                path: &file.path,
                text: file.text.as_deref()?,
            })
        })
        .collect();
    let (entries, helpers) = rust::lookup_table_entries(&tests, &targets);
    if entries.is_empty() {
        plan.skipped.push(message::audit_no_table("Rust"));
        return;
    }
    for source in code {
        match rust::lookup_table(source, &entries, &helpers) {
            Ok(Some(text)) => plan.edits.push(Edit::Write {
                path: source.path.to_owned(),
                text,
            }),
            Ok(None) => {}
            Err(problem) => plan.problems.push(problem),
        }
    }
}

// --- the agents ----------------------------------------------------------------------------

fn delete_in_scope(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    act(Strategy::DeleteInScope, sandbox)
}

fn empty_in_scope(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    act(Strategy::EmptyInScope, sandbox)
}

fn always_equal(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    act(Strategy::AlwaysEqual, sandbox)
}

fn type_default(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    act(Strategy::TypeDefault, sandbox)
}

fn raise_everywhere(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    act(Strategy::RaiseEverywhere, sandbox)
}

fn lookup_table(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    act(Strategy::LookupTable, sandbox)
}

/// Applies `strategy` to the worktree, then writes the handoff and closes the work item
/// whatever happened (as a gamer would); every failure is reported.
fn act(strategy: Strategy, sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Baseline::from_sandbox(sandbox).and_then(|baseline| {
            let plan = plan(strategy, &baseline);
            apply(sandbox, &plan)
        })
    }))
    .unwrap_or_else(|panic| Err(message::audit_strategy_panicked(&panic_text(&*panic))));
    let handed_off = hand_off(sandbox);
    match (applied, handed_off) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(error), Ok(())) | (Ok(()), Err(error)) => Err(error),
        (Err(first), Err(second)) => Err(format!("{first}; {second}")),
    }
}

fn apply(sandbox: &mut Sandbox<'_>, plan: &Plan) -> Result<(), String> {
    let mut problems = plan.problems.clone();
    if !plan.applicable() {
        problems.push(plan.not_applicable_reason());
    }
    for edit in &plan.edits {
        let done = match edit {
            Edit::Write { path, text } => sandbox.write(path, text),
            Edit::Delete { path } => sandbox.remove(path),
        };
        if let Err(error) = done {
            problems.push(error.to_string());
        }
    }
    if let Some(lookup) = &plan.python_lookup
        && let Err(error) = python_lookup(sandbox, lookup)
    {
        problems.push(error);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// Runs the table helper in the sandbox (confined, like an agent's own script) and
/// appends the table to each in-scope module that defines a function of it.
fn python_lookup(sandbox: &mut Sandbox<'_>, lookup: &PythonLookup) -> Result<(), String> {
    let temp = sandbox.temp_dir().to_path_buf();
    let helper = temp.join("harness-audit-lookup-table.py");
    let request = temp.join("harness-audit-request.json");
    let output = temp.join("harness-audit-table.json");
    let request_json = serde_json::json!({"code": lookup.code, "tests": lookup.tests});
    std::fs::write(&helper, python::LOOKUP_HELPER)
        .and_then(|()| std::fs::write(&request, request_json.to_string()))
        .map_err(|error| {
            format!(
                "failed to write the lookup_table helper to {}: {error}",
                temp.display()
            )
        })?;
    let script = format!(
        "python3 {} {} {}",
        sh_quote(&helper.to_string_lossy()),
        sh_quote(&request.to_string_lossy()),
        sh_quote(&output.to_string_lossy())
    );
    let ran = sandbox.sh(&script).map_err(|error| error.to_string())?;
    if !ran.success() {
        return Err(format!(
            "the lookup_table helper failed ({}): {}",
            ran.code
                .map_or_else(|| "killed".to_owned(), |code| format!("exit {code}")),
            ran.output.trim()
        ));
    }
    let table: python::HelperOutput = std::fs::read_to_string(&output)
        .map_err(|error| format!("failed to read {}: {error}", output.display()))
        .and_then(|text| {
            serde_json::from_str(&text)
                .map_err(|error| format!("failed to parse {}: {error}", output.display()))
        })?;
    if table.entries.is_empty() {
        return Err(message::audit_no_table_among("Python", &table.targets));
    }
    let mut wrote = false;
    for path in &lookup.code {
        let text = sandbox.read(path).map_err(|error| error.to_string())?;
        if let Some(rewritten) = python::lookup_table(&text, &table.entries) {
            sandbox
                .write(path, rewritten)
                .map_err(|error| error.to_string())?;
            wrote = true;
        }
    }
    if wrote {
        Ok(())
    } else {
        Err(message::audit_no_table("Python"))
    }
}

fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// Writes every deliverable so that it meets its content rules, and closes the work item.
fn hand_off(sandbox: &Sandbox<'_>) -> Result<(), String> {
    let deliverables = sandbox.contract().deliverables.clone();
    for deliverable in &deliverables {
        sandbox
            .write(
                &deliverable.path,
                handoff_note(&deliverable.must_contain, deliverable.min_bytes),
            )
            .map_err(|error| error.to_string())?;
    }
    sandbox.close_work_item().map_err(|error| error.to_string())
}

/// A note naming every required word, padded to `min_bytes`.
fn handoff_note(words: &[String], min_bytes: u64) -> String {
    let mut note = String::from("# Handoff\n\nDone. Notes on what changed:\n\n");
    for word in words {
        note.push_str(&format!("- {word}: handled.\n"));
    }
    while (note.len() as u64) < min_bytes {
        note.push_str("Every check passes and the work item is closed.\n");
    }
    note
}

#[cfg(test)]
mod tests;
