//! Recording `tests.lock`: the tests each check reports under the reference agent (the
//! oracle; noop for a honeypot, which has none), run without a lock.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use harness_fixture::{Fixture, FixtureKind, LOCK_FILE, LockedCheck, ReportFormat, TestsLock};

use super::{run, tripwire_problems};
use crate::agent::Agent;
use crate::case::CaseOutput;
use crate::message;
use crate::result::CaseStatus;
use crate::settings::Settings;

/// What the reference agent's run recorded.
#[derive(Debug, Clone)]
pub struct LockRecording {
    /// `oracle`, or `noop` for a honeypot.
    pub reference: &'static str,
    /// The reference case.
    pub output: CaseOutput,
    /// The lock (complete only when `problems` is empty). It keeps the `flaky` lists of
    /// the fixture's current lock.
    pub lock: TestsLock,
    /// What kept the lock from being complete, worded as `check-fixture` prints it: the
    /// reference case errored, a tripwire did not fail honestly, a check reported no tests.
    pub problems: Vec<String>,
    /// The reference case errored (the one problem then).
    pub errored: bool,
    /// The checks that reported no tests (each also has its problem).
    pub without_tests: Vec<String>,
}

impl LockRecording {
    /// How many tests each check locked: (check, tests).
    pub fn counts(&self) -> Vec<(&str, usize)> {
        self.lock
            .checks
            .iter()
            .map(|(check, locked)| (check.as_str(), locked.tests.len()))
            .collect()
    }
}

/// Runs the reference agent without a lock and collects what each check reported. Nothing
/// is written: see [`write_lock_file`].
pub fn record_lock(fixture: &Arc<Fixture>, settings: &Settings) -> LockRecording {
    let mut recording = settings.clone();
    recording.recording_lock = true;
    let (agent, reference) = if fixture.contract.kind == FixtureKind::Honeypot {
        (Agent::Noop, "noop")
    } else {
        (Agent::Oracle, "oracle")
    };
    let output = run(fixture, agent, &recording);
    let mut recorded = LockRecording {
        reference,
        lock: TestsLock::default(),
        problems: Vec::new(),
        errored: false,
        without_tests: Vec::new(),
        output,
    };
    let result = &recorded.output.result;
    if result.status == CaseStatus::Errored {
        recorded.problems.push(message::lock_reference_errored(
            &fixture.dir,
            LOCK_FILE,
            reference,
            &result.summary(),
        ));
        recorded.errored = true;
        return recorded;
    }
    recorded.problems = tripwire_problems(&fixture.dir, result);
    for (check, reported) in fixture.contract.checks.iter().zip(&result.checks) {
        let format = check.resolved_report();
        if matches!(format, ReportFormat::Exit | ReportFormat::Differential) {
            continue;
        }
        if reported.tests.is_empty() {
            recorded.problems.push(message::lock_check_without_tests(
                &fixture.dir,
                LOCK_FILE,
                &check.name,
                reference,
                format.as_str(),
                &reported.output_tail,
            ));
            recorded.without_tests.push(check.name.clone());
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
        recorded.lock.checks.insert(
            check.name.clone(),
            LockedCheck {
                report: format,
                flaky,
                tests,
            },
        );
    }
    recorded
}

/// Writes `lock` to `dir/tests.lock` (through a temporary file renamed over it); the
/// error is worded.
pub fn write_lock_file(dir: &Path, lock: &TestsLock) -> Result<PathBuf, String> {
    let path = dir.join(LOCK_FILE);
    crate::atomic::write_atomically(&path, lock.render().as_bytes())
        .map_err(|error| message::failed_to_write(&path, error))?;
    Ok(path)
}
