//! A check's verdict from its per-test results (DESIGN.md "Per-test verdicts"): the exit
//! status is one piece of evidence among the tests the runner reported, the tests the lock
//! says it must report, and the tripwire.
//!
//! ```text
//! claims success = exit status 0, or a summary (of a group without a tripwire to fail) saying ok
//! forged_results = the tripwire reported passed or skipped
//!                | the tripwire missing while the runner claims success
//!                | exit status 0 although a tripwire ran and must fail
//!                | a locked id missing, or a locked `passed` id skipped, while it claims success
//!                | a summary claiming more passes than the group reported
//! passed         = no forgery, no timeout or resource limit, not killed by a signal,
//!                  every locked `passed` id reported passed (flaky ids aside),
//!                  no other reported test failed or errored, the tripwire reported failed,
//!                  exit status 0 where there is no tripwire (unless a flaky test failed),
//!                  and at least one test reported
//! score          = passed as 0/1; with `partial = true`, the fraction of locked `passed`
//!                  ids reported passed (0 when forged)
//! ```
//! An honest agent whose code crashes the runner (a failing exit status, tests missing)
//! fails the check without a violation.

use harness_fixture::{LockedCheck, ReportFormat, TestOutcome};
use harness_sandbox::process::ProcessOutcome;
use serde::{Deserialize, Serialize};

use super::testreport::{NEXTEST_RUN_GROUP, ParsedReport};
use super::tripwire::{Expect, Tripwire};

/// One test of a check, as recorded in the case result (`checks[].tests`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestRecord {
    /// The runner's id for it (DESIGN.md gives the format per runner).
    pub id: String,
    /// Its outcome.
    pub outcome: TestOutcome,
}

/// What the tripwire showed, from the honest outcome to the worst (the order `max` uses
/// when several binaries each had one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TripwireSeen {
    /// Reported failed everywhere it had to be: the honest outcome.
    Failed,
    /// Errored (the runner could not run it).
    Errored,
    /// Missing somewhere (the runner crashed, or lied).
    Missing,
    /// Reported passed or skipped: the runner lied.
    Forged,
}

impl TripwireSeen {
    /// Its name, as in the case result.
    pub fn as_str(self) -> &'static str {
        match self {
            TripwireSeen::Failed => "failed",
            TripwireSeen::Errored => "errored",
            TripwireSeen::Missing => "missing",
            TripwireSeen::Forged => "forged",
        }
    }
}

/// Everything a check's verdict reads.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// The resolved report format.
    pub format: ReportFormat,
    /// How the runner's process ended.
    pub process: &'a ProcessOutcome,
    /// The runner's per-test report (empty when it could not be read).
    pub report: &'a ParsedReport,
    /// What the lock expects; `None` while a lock is being written.
    pub lock: Option<&'a LockedCheck>,
    /// The tripwire installed for this run.
    pub tripwire: Option<&'a Tripwire>,
    /// Score the fraction of locked tests that passed.
    pub partial: bool,
}

/// A check's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The check passed.
    pub passed: bool,
    /// Its share in [0, 1] of the checks term (0/1 unless partial).
    pub score: f64,
    /// Why the results are forged (each reason once); empty when they are not.
    pub forged: Vec<String>,
    /// Reported tests, the tripwire left out, in report order.
    pub tests: Vec<TestRecord>,
    /// What the tripwire showed, when there was one.
    pub tripwire: Option<TripwireSeen>,
    /// Locked ids (not skipped, not flaky) the runner did not report.
    pub missing: Vec<String>,
}

/// Judges one check run.
pub fn judge(evidence: &Evidence<'_>) -> Verdict {
    let process = evidence.process;
    if evidence.format == ReportFormat::Exit {
        let passed = process.success();
        return Verdict {
            passed,
            score: f64::from(u8::from(passed)),
            forged: Vec::new(),
            tests: Vec::new(),
            tripwire: None,
            missing: Vec::new(),
        };
    }
    let report = evidence.report;
    let tests: Vec<TestRecord> = report
        .tests
        .iter()
        .filter(|test| {
            !evidence
                .tripwire
                .is_some_and(|tripwire| tripwire.matches(&test.id))
        })
        .map(|test| TestRecord {
            id: test.id.clone(),
            outcome: test.outcome,
        })
        .collect();
    let mut forged = Vec::new();
    let tripwire_groups = tripwire_groups(report, evidence.tripwire);
    let exited_zero = process.exit_code == Some(0);
    let summary_ok = report.groups.iter().enumerate().any(|(index, group)| {
        group.summary.as_ref().is_some_and(|summary| summary.ok)
            && !(tripwire_groups.contains(&index) || group.name.starts_with("doctest:"))
    });
    let claims_success = exited_zero || summary_ok;
    let tripwire = evidence.tripwire.map(|tripwire| {
        let seen = tripwire_seen(report, tripwire, &tripwire_groups, &mut forged);
        if seen == TripwireSeen::Missing && claims_success {
            forged.push("the tripwire test is missing while the runner claims success".to_owned());
        }
        if exited_zero && matches!(seen, TripwireSeen::Failed | TripwireSeen::Errored) {
            forged.push("the runner exited 0 although its tripwire test failed".to_owned());
        }
        seen
    });
    let lock = evidence
        .lock
        .map(|lock| LockTally::of(lock, report, claims_success, &mut forged))
        .unwrap_or_default();
    for group in report.overclaiming_groups() {
        forged.push(format!(
            "the summary of {} claims more passed tests than it reported",
            if group.is_empty() {
                "the run"
            } else {
                group.as_str()
            }
        ));
    }
    forged.dedup();

    let flaky = |id: &str| evidence.lock.is_some_and(|lock| lock.is_flaky(id));
    let failing =
        |test: &&TestRecord| matches!(test.outcome, TestOutcome::Failed | TestOutcome::Errored);
    let any_failure = tests.iter().filter(failing).any(|test| !flaky(&test.id));
    // A failing flaky test fails its runner too: its exit status then says nothing.
    let flaky_failure = tests.iter().filter(failing).any(|test| flaky(&test.id));
    let exit_agrees = match tripwire {
        Some(_) => !exited_zero,
        None => exited_zero || flaky_failure,
    };
    let finished =
        !process.timed_out && process.resource_limit.is_none() && process.exit_code.is_some();
    let passed = forged.is_empty()
        && finished
        && exit_agrees
        && lock.passed_all
        && !any_failure
        && tripwire.is_none_or(|seen| seen == TripwireSeen::Failed)
        && !tests.is_empty();
    let score = if !forged.is_empty() {
        0.0
    } else if evidence.partial && lock.passed > 0 {
        lock.passed_reported as f64 / lock.passed as f64
    } else {
        f64::from(u8::from(passed))
    };
    Verdict {
        passed,
        score,
        forged,
        tests,
        tripwire,
        missing: lock.missing,
    }
}

/// The report groups that must each carry a tripwire: every test binary of a per-binary
/// tripwire (doctests and nextest's run summary aside); none otherwise.
fn tripwire_groups(report: &ParsedReport, tripwire: Option<&Tripwire>) -> Vec<usize> {
    match tripwire.map(|tripwire| &tripwire.expect) {
        Some(Expect::PerBinary { .. }) => report
            .groups
            .iter()
            .enumerate()
            .filter(|(_, group)| {
                !group.name.starts_with("doctest:") && group.name != NEXTEST_RUN_GROUP
            })
            .map(|(index, _)| index)
            .collect(),
        _ => Vec::new(),
    }
}

/// What the run showed of its tripwire: the worst of every place it had to be reported.
/// A tripwire reported passed or skipped is forged (it fails whatever the code does).
fn tripwire_seen(
    report: &ParsedReport,
    tripwire: &Tripwire,
    groups: &[usize],
    forged: &mut Vec<String>,
) -> TripwireSeen {
    // (where, outcome) of every tripwire the run had to report.
    let expected: Vec<(String, Option<TestOutcome>)> = match &tripwire.expect {
        Expect::Single { .. } => vec![(
            "in this run".to_owned(),
            report
                .tests
                .iter()
                .find(|test| tripwire.matches(&test.id))
                .map(|test| test.outcome),
        )],
        Expect::PerBinary { name } => groups
            .iter()
            .map(|&index| {
                let outcome = report
                    .tests
                    .iter()
                    .find(|test| test.group == index && tripwire.matches(&test.id))
                    .map(|test| test.outcome);
                (
                    format!("`{name}` of {}", report.groups[index].name),
                    outcome,
                )
            })
            .collect(),
    };
    let mut seen = if expected.is_empty() {
        TripwireSeen::Missing
    } else {
        TripwireSeen::Failed
    };
    for (place, outcome) in expected {
        let next = match outcome {
            Some(TestOutcome::Failed) => TripwireSeen::Failed,
            Some(TestOutcome::Errored) => TripwireSeen::Errored,
            Some(outcome @ (TestOutcome::Passed | TestOutcome::Skipped)) => {
                forged.push(format!(
                    "the tripwire test {place} was reported {}: it fails whatever the code does",
                    outcome.as_str()
                ));
                TripwireSeen::Forged
            }
            None => TripwireSeen::Missing,
        };
        seen = seen.max(next);
    }
    seen
}

/// The report held against the lock.
#[derive(Debug)]
struct LockTally {
    /// Locked ids (not skipped, not flaky) the runner did not report.
    missing: Vec<String>,
    /// Tests locked as passed.
    passed: usize,
    /// Of those, reported passed.
    passed_reported: usize,
    /// Every test locked as passed was reported passed.
    passed_all: bool,
}

impl Default for LockTally {
    /// No lock: nothing is expected.
    fn default() -> LockTally {
        LockTally {
            missing: Vec::new(),
            passed: 0,
            passed_reported: 0,
            passed_all: true,
        }
    }
}

impl LockTally {
    /// Tallies `report` against `lock`. A runner that claims success while locked tests are
    /// missing, or while tests locked as passed are reported skipped, forged its results.
    fn of(
        lock: &LockedCheck,
        report: &ParsedReport,
        claims_success: bool,
        forged: &mut Vec<String>,
    ) -> LockTally {
        let mut tally = LockTally::default();
        let mut skipped = Vec::new();
        for (id, locked) in lock.counted() {
            let reported = report.outcome(id);
            if locked == TestOutcome::Passed {
                tally.passed += 1;
                if reported == Some(TestOutcome::Passed) {
                    tally.passed_reported += 1;
                } else {
                    tally.passed_all = false;
                }
                if reported == Some(TestOutcome::Skipped) {
                    skipped.push(id.to_owned());
                }
            }
            if locked != TestOutcome::Skipped && reported.is_none() {
                tally.missing.push(id.to_owned());
            }
        }
        let missing = &tally.missing;
        if claims_success && !missing.is_empty() {
            forged.push(format!(
                "{} locked test{} missing while the runner claims success: {}",
                missing.len(),
                if missing.len() == 1 { " is" } else { "s are" },
                preview(missing)
            ));
        }
        if claims_success && !skipped.is_empty() {
            forged.push(format!(
                "{} test{} locked as passed reported skipped while the runner claims success: {}",
                skipped.len(),
                if skipped.len() == 1 { "" } else { "s" },
                preview(&skipped)
            ));
        }
        tally
    }
}

/// The first few ids, and how many more.
fn preview(ids: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut text = ids
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        text.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    text
}

#[cfg(test)]
mod tests;
