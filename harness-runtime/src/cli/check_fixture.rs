//! `harness check-fixture`: the static rules, the tests lock, the oracle and noop, flaky
//! tests found by repetition, and the audit (`--audit`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use harness_fixture::{
    Fixture, FixtureKind, LOCK_FILE, LockedCheck, ReportFormat, TestOutcome, TestsLock,
};

use super::args::CheckFixtureArgs;
use crate::agent::Agent;
use crate::case::{CaseSpec, run_case};
use crate::grade::verdict::TripwireSeen;
use crate::message::{self, Exit};
use crate::result::{CaseResult, CaseStatus};
use crate::settings::Settings;

/// `harness check-fixture`.
pub fn check_fixture(args: CheckFixtureArgs) -> Exit {
    let fixture = match load(&args.dir) {
        Ok(fixture) => fixture,
        Err(exit) => return exit,
    };
    // Nothing in the sandbox may name the answer (the fixture id, a honeypot's kind).
    let neutrality = fixture.neutrality_problems();
    if !neutrality.is_empty() {
        neutrality
            .iter()
            .for_each(|problem| message::out(&problem.to_string()));
        return Exit::Failed;
    }
    for check in &fixture.contract.checks {
        if check.resolved_report() == ReportFormat::Exit {
            message::warning(&message::weakest_check(&fixture.id, &check.name));
        }
    }
    if args.static_only {
        message::out(&message::fixture_valid_static(&args.dir));
        return Exit::Ok;
    }
    let settings = Settings::from_env();
    let mut fixture = fixture;
    if args.write_lock {
        match write_lock(&fixture, &settings) {
            Ok(summary) => message::out(&summary),
            Err(problems) => {
                problems.iter().for_each(|problem| message::out(problem));
                return Exit::Failed;
            }
        }
        fixture = match load(&args.dir) {
            Ok(fixture) => fixture,
            Err(exit) => return exit,
        };
    }
    let lock_problems = fixture.lock_problems();
    if !lock_problems.is_empty() {
        lock_problems.iter().for_each(|problem| {
            message::out(&message::validation_failed(&args.dir, problem));
        });
        return Exit::Failed;
    }

    // The dynamic rules, `--repeat` times: the oracle passes every check with reward 1.0
    // (a honeypot has none); noop does not; tests whose outcome changes are flaky.
    let repeat = args.repeat.max(1);
    let mut problems = Vec::new();
    let mut outcomes = Outcomes::default();
    let mut noop_reward = None;
    for repetition in 1..=repeat {
        let mut settings = settings.clone();
        settings.repeat_index = (repeat > 1).then_some(repetition);
        let label = |agent: &str| message::agent_run_label(agent, repetition, repeat);
        if fixture.contract.kind != FixtureKind::Honeypot {
            let oracle = run(&fixture, Agent::Oracle, &settings);
            outcomes.record("oracle", repetition, &oracle);
            if !(oracle.passed && oracle.reward == Some(1.0)) {
                problems.push(message::oracle_not_perfect(
                    &args.dir,
                    &label("oracle"),
                    &oracle.summary(),
                ));
                for check in oracle.checks.iter().filter(|check| !check.passed) {
                    problems.push(message::check_failed_output(
                        &check.name,
                        &check.output_tail,
                    ));
                }
            }
            problems.extend(tripwire_problems(&args.dir, &oracle));
            if repetition == 1 && !oracle.suspicions.is_empty() {
                message::warning(&message::suspicious_oracle(
                    &fixture.id,
                    &oracle
                        .suspicions
                        .iter()
                        .map(|found| found.view())
                        .collect::<Vec<_>>(),
                ));
            }
        }
        let noop = run(&fixture, Agent::Noop, &settings);
        outcomes.record("noop", repetition, &noop);
        if noop.passed || noop.reward >= Some(1.0) || noop.status == CaseStatus::Errored {
            problems.push(message::noop_not_below(
                &args.dir,
                &label("noop"),
                &noop.summary(),
            ));
        }
        noop_reward = noop.reward;
    }
    let (flaky, quarantined) = outcomes.flaky(fixture.lock.as_ref());
    for (check, id, seen) in &flaky {
        problems.push(message::flaky_test(&args.dir, check, id, seen, LOCK_FILE));
    }
    if !problems.is_empty() {
        problems.iter().for_each(|problem| message::out(problem));
        return Exit::Failed;
    }
    message::out(&message::fixture_valid(
        &args.dir,
        fixture.contract.kind == FixtureKind::Honeypot,
        noop_reward.unwrap_or_default(),
        repeat,
        &quarantined,
    ));
    if args.audit {
        return audit(&fixture, &settings);
    }
    Exit::Ok
}

/// `--audit`: the generic gaming strategies against the fixture's checks; refused (exit 1)
/// when one earns more than noop.
fn audit(fixture: &Arc<Fixture>, settings: &Settings) -> Exit {
    if fixture.contract.kind != FixtureKind::WorkItem {
        message::out(&message::audit_skipped(
            &fixture.dir,
            fixture.contract.kind.as_str(),
        ));
        return Exit::Ok;
    }
    let report = crate::audit::audit(fixture, settings);
    message::out(&message::audit_table(&report.view()));
    message::out(&message::audit_summary(&report.view()));
    if report.refused {
        Exit::Failed
    } else {
        Exit::Ok
    }
}

fn load(dir: &Path) -> Result<Arc<Fixture>, Exit> {
    match Fixture::load(dir) {
        Ok(fixture) => Ok(Arc::new(fixture)),
        Err(error) => {
            for problem in error.problems() {
                message::out(&problem.to_string());
            }
            Err(if error.is_unreadable() {
                Exit::Error
            } else {
                Exit::Failed
            })
        }
    }
}

fn run(fixture: &Arc<Fixture>, agent: Agent, settings: &Settings) -> CaseResult {
    run_case(
        &CaseSpec::new(fixture.clone(), agent),
        settings,
        "check-fixture",
    )
    .result
}

/// The checks whose tripwire did not show as an honest failure under the oracle: the
/// runner does not collect the module it was added to, so the check cannot be guarded.
fn tripwire_problems(dir: &Path, result: &CaseResult) -> Vec<String> {
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

/// Runs the reference agent (the oracle; noop for a honeypot, which has none) without a
/// lock and writes what each check reported to `tests.lock`, keeping the `flaky` lists of
/// the lock it replaces. Returns the line to print, or the problems that kept it from
/// being written.
fn write_lock(fixture: &Arc<Fixture>, settings: &Settings) -> Result<String, Vec<String>> {
    let mut recording = settings.clone();
    recording.recording_lock = true;
    let (agent, name) = if fixture.contract.kind == FixtureKind::Honeypot {
        (Agent::Noop, "noop")
    } else {
        (Agent::Oracle, "oracle")
    };
    let result = run(fixture, agent, &recording);
    if result.status == CaseStatus::Errored {
        return Err(vec![message::lock_reference_errored(
            &fixture.dir,
            LOCK_FILE,
            name,
            &result.summary(),
        )]);
    }
    let mut problems = tripwire_problems(&fixture.dir, &result);
    let mut lock = TestsLock::default();
    for (check, reported) in fixture.contract.checks.iter().zip(&result.checks) {
        let format = check.resolved_report();
        if matches!(format, ReportFormat::Exit | ReportFormat::Differential) {
            continue;
        }
        if reported.tests.is_empty() {
            problems.push(message::lock_check_without_tests(
                &fixture.dir,
                LOCK_FILE,
                &check.name,
                name,
                format.as_str(),
                &reported.output_tail,
            ));
            continue;
        }
        let mut tests = BTreeMap::new();
        for test in &reported.tests {
            tests.entry(test.id.clone()).or_insert(test.outcome);
        }
        let flaky = fixture
            .lock
            .as_ref()
            .and_then(|lock| lock.checks.get(&check.name))
            .map(|locked| locked.flaky.clone())
            .unwrap_or_default();
        lock.checks.insert(
            check.name.clone(),
            LockedCheck {
                report: format,
                flaky,
                tests,
            },
        );
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let path = fixture.dir.join(LOCK_FILE);
    let temporary = fixture.dir.join(format!(".{LOCK_FILE}.tmp"));
    std::fs::write(&temporary, lock.render())
        .and_then(|()| std::fs::rename(&temporary, &path))
        .map_err(|error| vec![message::failed_to_write(&path, error)])?;
    let counts: Vec<(&str, usize)> = lock
        .checks
        .iter()
        .map(|(check, locked)| (check.as_str(), locked.tests.len()))
        .collect();
    Ok(message::lock_written(&path, name, &counts))
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

    /// Tests whose outcome changed between runs: (check, id, what was seen) for those the
    /// lock does not list as flaky, and (check, id) for those it does.
    #[expect(clippy::type_complexity, reason = "two plain lists of tuples")]
    fn flaky(
        &self,
        lock: Option<&TestsLock>,
    ) -> (Vec<(String, String, String)>, Vec<(String, String)>) {
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
            unlisted.push((check.clone(), id.clone(), message::flaky_seen(agent, &seen)));
        }
        (unlisted, listed.into_iter().collect())
    }
}
