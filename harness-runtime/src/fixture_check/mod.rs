//! What `harness check-fixture` runs, as library functions a fixture factory (`harness
//! mine`) calls too: recording the tests lock from the reference agent ([`record_lock`],
//! [`write_lock_file`]), and running oracle and noop `repeat` times with `HARNESS_REPEAT`
//! set, judging each run and finding the tests whose outcome changes
//! ([`run_repeated`]). The command prints what these return; nothing here prints.

mod lock;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use harness_fixture::{Fixture, FixtureKind, TestOutcome, TestsLock};

use crate::agent::Agent;
use crate::case::{CaseOutput, CaseSpec, run_case};
use crate::grade::verdict::TripwireSeen;
use crate::message;
use crate::result::{CaseResult, CaseStatus};
use crate::settings::Settings;

pub use lock::{LockRecording, record_lock, write_lock_file};

/// Oracle and noop, run `repeat` times, and what `check-fixture` makes of them.
#[derive(Debug, Clone, Default)]
pub struct Repetitions {
    /// Each repetition's cases, in order.
    pub runs: Vec<Repetition>,
    /// Every problem found, worded as `check-fixture` prints them, in the order found:
    /// per repetition the oracle's (reward, failing checks, tripwires) then noop's, and
    /// last the flaky tests the lock does not list.
    pub problems: Vec<String>,
    /// The warning for an oracle whose change has suspicion report findings (first run).
    pub suspicious_oracle: Option<String>,
    /// noop's reward in the last repetition.
    pub noop_reward: Option<f64>,
    /// Tests whose outcome changed between runs and that the lock does not list as flaky.
    pub flaky: Vec<FlakyTest>,
    /// Tests whose outcome changed that the lock lists as flaky: (check, id).
    pub quarantined: Vec<(String, String)>,
}

/// One repetition: the oracle's case (none for a honeypot) and noop's.
#[derive(Debug, Clone)]
pub struct Repetition {
    /// The oracle's case.
    pub oracle: Option<CaseOutput>,
    /// noop's case.
    pub noop: CaseOutput,
}

/// A test whose outcome changed between runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlakyTest {
    /// Its check.
    pub check: String,
    /// Its id.
    pub id: String,
    /// What was seen, worded: `oracle: passed in run 1, 3; failed in run 2`.
    pub seen: String,
}

/// The dynamic rules, `repeat` times (at least once): the oracle passes every check with
/// reward 1.0 (a honeypot has none); noop does not; tests whose outcome changes are flaky
/// unless `fixture`'s lock lists them. Checks see `HARNESS_REPEAT=<i>` when `repeat > 1`.
pub fn run_repeated(fixture: &Arc<Fixture>, settings: &Settings, repeat: u32) -> Repetitions {
    let repeat = repeat.max(1);
    let dir = fixture.dir.as_path();
    let mut report = Repetitions::default();
    let mut outcomes = Outcomes::default();
    for repetition in 1..=repeat {
        let mut settings = settings.clone();
        settings.repeat_index = (repeat > 1).then_some(repetition);
        let label = |agent: &str| message::agent_run_label(agent, repetition, repeat);
        let oracle = (fixture.contract.kind != FixtureKind::Honeypot).then(|| {
            let oracle = run(fixture, Agent::Oracle, &settings);
            let result = &oracle.result;
            outcomes.record("oracle", repetition, result);
            if !(result.passed && result.reward == Some(1.0)) {
                report.problems.push(message::oracle_not_perfect(
                    dir,
                    &label("oracle"),
                    &result.summary(),
                ));
                for check in result.checks.iter().filter(|check| !check.passed) {
                    report.problems.push(message::check_failed_output(
                        &check.name,
                        &check.output_tail,
                    ));
                }
            }
            report.problems.extend(tripwire_problems(dir, result));
            if repetition == 1 && !result.suspicions.is_empty() {
                report.suspicious_oracle = Some(message::suspicious_oracle(
                    &fixture.id,
                    &result
                        .suspicions
                        .iter()
                        .map(|found| found.view())
                        .collect::<Vec<_>>(),
                ));
            }
            oracle
        });
        let noop = run(fixture, Agent::Noop, &settings);
        let result = &noop.result;
        outcomes.record("noop", repetition, result);
        if result.passed || result.reward >= Some(1.0) || result.status == CaseStatus::Errored {
            report.problems.push(message::noop_not_below(
                dir,
                &label("noop"),
                &result.summary(),
            ));
        }
        report.noop_reward = result.reward;
        report.runs.push(Repetition { oracle, noop });
    }
    let (flaky, quarantined) = outcomes.flaky(fixture.lock.as_ref());
    for test in &flaky {
        report.problems.push(message::flaky_test(
            dir,
            &test.check,
            &test.id,
            &test.seen,
            harness_fixture::LOCK_FILE,
        ));
    }
    report.flaky = flaky;
    report.quarantined = quarantined;
    report
}

/// One case of `agent` on `fixture`, as `check-fixture` runs it.
pub fn run(fixture: &Arc<Fixture>, agent: Agent, settings: &Settings) -> CaseOutput {
    run_case(
        &CaseSpec::new(fixture.clone(), agent),
        settings,
        "check-fixture",
    )
}

/// The checks whose tripwire did not show as an honest failure under the oracle: the
/// runner does not collect the module it was added to, so the check cannot be guarded.
pub fn tripwire_problems(dir: &Path, result: &CaseResult) -> Vec<String> {
    result
        .checks
        .iter()
        .filter_map(|check| {
            let seen = check.tripwire?;
            (seen != TripwireSeen::Failed)
                .then(|| message::tripwire_problem(dir, &check.name, seen.as_str()))
        })
        .collect()
}

/// Every test outcome seen per (agent, check, id), by repetition.
#[derive(Debug, Default)]
struct Outcomes {
    seen: BTreeMap<(String, String, String), BTreeMap<TestOutcome, BTreeSet<u32>>>,
}

impl Outcomes {
    fn record(&mut self, agent: &str, repetition: u32, result: &CaseResult) {
        for check in &result.checks {
            for test in &check.tests {
                self.seen
                    .entry((agent.to_owned(), check.name.clone(), test.id.clone()))
                    .or_default()
                    .entry(test.outcome)
                    .or_default()
                    .insert(repetition);
            }
        }
    }

    /// Tests whose outcome changed between runs: those the lock does not list as flaky,
    /// and (check, id) for those it does.
    fn flaky(&self, lock: Option<&TestsLock>) -> (Vec<FlakyTest>, Vec<(String, String)>) {
        let mut unlisted = Vec::new();
        let mut listed = BTreeSet::new();
        for ((agent, check, id), by_outcome) in &self.seen {
            if by_outcome.len() < 2 {
                continue;
            }
            let known = lock
                .and_then(|lock| lock.checks.get(check))
                .is_some_and(|locked| locked.is_flaky(id));
            if known {
                listed.insert((check.clone(), id.clone()));
                continue;
            }
            let seen: Vec<(&str, Vec<u32>)> = by_outcome
                .iter()
                .map(|(outcome, runs)| (outcome.as_str(), runs.iter().copied().collect()))
                .collect();
            unlisted.push(FlakyTest {
                check: check.clone(),
                id: id.clone(),
                seen: message::flaky_seen(agent, &seen),
            });
        }
        (unlisted, listed.into_iter().collect())
    }
}
