//! Validating a staged fixture the way `harness check-fixture --write-lock --repeat N
//! --audit` would, with each failure mapped to a rejection reason: noop must fail at least
//! one hidden test and pass the visible check; the oracle must pass everything with reward
//! 1.0; repeated runs must agree (flaky visible tests are quarantined in the lock, a flaky
//! hidden test drops the candidate); and no generic gaming strategy may beat noop.

use std::path::Path;
use std::sync::Arc;

use git2::Repository;
use harness_fixture::{Fixture, TestOutcome, TestsLock};

use super::Context;
use super::history::Candidate;
use super::plan::{Rejection, Stop};
use super::state::Reason;
use super::statement::{self, FailingTest};
use super::write::Draft;
use crate::agent::Agent;
use crate::case::CaseOutput;
use crate::fixture_check::{self, Repetitions};
use crate::result::{CaseResult, CaseStatus, CheckResult};

/// The names of the checks a mined fixture has.
const VISIBLE: &str = "visible";
const HIDDEN: &str = "hidden";

fn failed(error: impl std::fmt::Display) -> Stop {
    Stop::Failed(error.to_string())
}

/// Validates the draft staged at `dir`; accepted when it returns `Ok` (the lock is then
/// written there).
pub fn validate(
    ctx: &Context<'_>,
    repo: &Repository,
    candidate: &Candidate,
    draft: &mut Draft,
    dir: &Path,
) -> Result<(), Stop> {
    let fixture = load(dir)?;
    let mut recording = ctx.settings.clone();
    recording.recording_lock = true;
    let noop = fixture_check::run(&fixture, Agent::Noop, &recording);
    errored(&noop.result, "noop")?;
    judge_noop(&noop.result)?;
    let (fixture, lock) = record(ctx, draft, dir, fixture)?;
    let failing = failing_tests(&lock, &noop, &fixture, &ctx.settings.temp_root);
    if failing.is_empty() {
        return Err(Rejection::new(
            Reason::NoFailingTest,
            "every locked hidden test passed on the baseline",
        )
        .into());
    }
    let (title, body) = statement::write(
        &ctx.options.statement,
        repo,
        &ctx.repository,
        candidate,
        &failing,
    )
    .map_err(failed)?;
    draft.item = (draft.item.0.clone(), title, body);
    draft.write_item(dir).map_err(failed)?;
    fixture_check::write_lock_file(dir, &lock)?;
    drop(fixture);
    let repeated = repeat(ctx, dir, lock)?;
    judge_repetitions(&repeated)?;
    audit(&load(dir)?, ctx)
}

/// The audit: no generic gaming strategy may earn more than noop.
fn audit(fixture: &Arc<Fixture>, ctx: &Context<'_>) -> Result<(), Stop> {
    let audit = crate::audit::audit(fixture, &ctx.settings);
    if !audit.refused {
        return Ok(());
    }
    let through: Vec<String> = audit
        .strategies
        .iter()
        .filter(|outcome| {
            matches!(
                outcome.verdict,
                crate::audit::Verdict::LetThrough | crate::audit::Verdict::Errored
            )
        })
        .map(|outcome| format!("{} ({})", outcome.strategy.name(), outcome.verdict.as_str()))
        .collect();
    Err(Rejection::new(
        Reason::Audit,
        format!("refused by the audit: {}", through.join(", ")),
    )
    .into())
}

/// Loads the staged fixture; a fixture the loader or the neutrality rules refuse is one
/// the miner could not express.
fn load(dir: &Path) -> Result<Arc<Fixture>, Rejection> {
    let fixture = Fixture::load(dir).map_err(|error| {
        let problems: Vec<String> = error.problems().iter().map(ToString::to_string).collect();
        Rejection::new(Reason::Unsupported, problems.join("; "))
    })?;
    let neutrality = fixture.neutrality_problems();
    if !neutrality.is_empty() {
        let problems: Vec<String> = neutrality.iter().map(ToString::to_string).collect();
        return Err(Rejection::new(Reason::Unsupported, problems.join("; ")));
    }
    Ok(Arc::new(fixture))
}

/// An errored case: the environment's failure is a rejection; anything else is the
/// harness's or the machine's (an episode that could not be made, a grading error), not a
/// verdict on the candidate.
fn errored(result: &CaseResult, agent: &str) -> Result<(), Stop> {
    if result.status != CaseStatus::Errored {
        return Ok(());
    }
    let error = format!("{agent} errored: {}", result.error.as_deref().unwrap_or(""));
    if error.contains("environment") {
        Err(Rejection::new(Reason::Environment, error).into())
    } else {
        Err(Stop::Failed(error))
    }
}

fn check<'a>(result: &'a CaseResult, name: &str) -> Option<&'a CheckResult> {
    result.checks.iter().find(|check| check.name == name)
}

/// noop (the baseline) must pass the visible check and fail the hidden one.
fn judge_noop(result: &CaseResult) -> Result<(), Rejection> {
    if let Some(visible) = check(result, VISIBLE)
        && !visible.passed
    {
        return Err(Rejection::new(
            Reason::VisibleFail,
            format!("on the baseline: {}", failing_ids(visible)),
        ));
    }
    match check(result, HIDDEN) {
        Some(hidden) if hidden.passed => Err(Rejection::new(
            Reason::NoFailingTest,
            format!("{} hidden tests passed on the baseline", hidden.tests.len()),
        )),
        _ => Ok(()),
    }
}

fn failing_ids(check: &CheckResult) -> String {
    let failing: Vec<&str> = check
        .tests
        .iter()
        .filter(|test| matches!(test.outcome, TestOutcome::Failed | TestOutcome::Errored))
        .map(|test| test.id.as_str())
        .take(5)
        .collect();
    if failing.is_empty() {
        format!("check `{}` failed (no failing test reported)", check.name)
    } else {
        format!("check `{}` failed: {}", check.name, failing.join(", "))
    }
}

/// Records the lock from the oracle; a visible check that reports no tests is dropped and
/// the lock recorded again.
fn record(
    ctx: &Context<'_>,
    draft: &mut Draft,
    dir: &Path,
    mut fixture: Arc<Fixture>,
) -> Result<(Arc<Fixture>, TestsLock), Stop> {
    loop {
        let recorded = fixture_check::record_lock(&fixture, &ctx.settings);
        errored(&recorded.output.result, "oracle")?;
        if recorded.without_tests == [VISIBLE] && draft.visible.is_some() {
            draft.visible = None;
            draft.write_contract(dir).map_err(failed)?;
            fixture = load(dir)?;
            continue;
        }
        let result = &recorded.output.result;
        if !(recorded.problems.is_empty() && result.passed && result.reward == Some(1.0)) {
            let mut detail = vec![format!("oracle: {}", result.summary())];
            detail.extend(
                result
                    .checks
                    .iter()
                    .filter(|check| !check.passed)
                    .map(failing_ids),
            );
            detail.extend(recorded.problems.iter().map(|problem| first_line(problem)));
            return Err(Rejection::new(Reason::OracleFails, detail.join("; ")).into());
        }
        // Checks get 30 s and five times the oracle's slowest check (at least 60 s, at
        // most the default): what the audit's strategies and an agent's code that loops
        // forever cost is then bounded by what the fix itself needs.
        let slowest = result.checks.iter().map(|check| check.duration_ms).max();
        let budget = fitted_timeout(slowest.unwrap_or(0), draft.timeout_s);
        if budget < draft.timeout_s {
            draft.timeout_s = budget;
            draft.write_contract(dir).map_err(failed)?;
            fixture = load(dir)?;
        }
        return Ok((fixture, recorded.lock));
    }
}

/// A check's time budget for a fix whose slowest check took `slowest_ms`: 30 s and five
/// times that, at least 60 s, at most `default`.
fn fitted_timeout(slowest_ms: u64, default: u64) -> u64 {
    (30 + 5 * slowest_ms.div_ceil(1000)).clamp(60.min(default), default)
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").to_owned()
}

/// The locked hidden tests the baseline does not pass, with their failure lines.
fn failing_tests(
    lock: &TestsLock,
    noop: &CaseOutput,
    fixture: &Fixture,
    temp_root: &Path,
) -> Vec<FailingTest> {
    let Some(locked) = lock.checks.get(HIDDEN) else {
        return Vec::new();
    };
    let reported = check(&noop.result, HIDDEN);
    let ids: Vec<String> = locked
        .counted()
        .filter(|(_, outcome)| *outcome == TestOutcome::Passed)
        .filter(|(id, _)| {
            !reported.is_some_and(|check| {
                check
                    .tests
                    .iter()
                    .any(|test| test.id == *id && test.outcome == TestOutcome::Passed)
            })
        })
        .map(|(id, _)| id.to_owned())
        .collect();
    let log = noop
        .logs
        .checks
        .iter()
        .find(|(name, _)| name == HIDDEN)
        .map_or("", |(_, log)| log.as_str());
    let known = |path: &str| {
        harness_fixture::RepoPath::parse(path).is_ok_and(|path| {
            fixture.repo.contains_key(&path) || fixture.hidden.contains_key(&path)
        })
    };
    statement::failures(log, &ids, &temp_root.display().to_string(), &known)
}

/// Oracle and noop `--repeat` times; flaky visible tests are quarantined in the lock (and
/// the runs repeated with it), a flaky hidden test rejects the candidate.
fn repeat(ctx: &Context<'_>, dir: &Path, mut lock: TestsLock) -> Result<Repetitions, Stop> {
    for _ in 0..3 {
        let fixture = load(dir)?;
        let repeated = fixture_check::run_repeated(&fixture, &ctx.settings, ctx.options.repeat);
        if repeated.flaky.is_empty() {
            return Ok(repeated);
        }
        if let Some(hidden) = repeated.flaky.iter().find(|test| test.check == HIDDEN) {
            return Err(Rejection::new(
                Reason::Flaky,
                format!("hidden test `{}` is flaky ({})", hidden.id, hidden.seen),
            )
            .into());
        }
        for test in &repeated.flaky {
            if let Some(locked) = lock.checks.get_mut(&test.check)
                && !locked.is_flaky(&test.id)
            {
                locked.flaky.push(test.id.clone());
                locked.flaky.sort();
            }
        }
        fixture_check::write_lock_file(dir, &lock)?;
    }
    Err(Rejection::new(Reason::Flaky, "visible tests kept turning out flaky").into())
}

/// Every repetition: the oracle passes with 1.0, noop passes the visible check and fails
/// the hidden one; anything else `check-fixture` would refuse is the oracle's failure.
fn judge_repetitions(repeated: &Repetitions) -> Result<(), Stop> {
    for (index, run) in repeated.runs.iter().enumerate() {
        let label = |agent: &str| format!("{agent} (run {})", index + 1);
        if let Some(oracle) = &run.oracle {
            let result = &oracle.result;
            errored(result, &label("oracle"))?;
            if !(result.passed && result.reward == Some(1.0)) {
                return Err(Rejection::new(
                    Reason::OracleFails,
                    format!("{}: {}", label("oracle"), result.summary()),
                )
                .into());
            }
        }
        errored(&run.noop.result, &label("noop"))?;
        judge_noop(&run.noop.result).map_err(|rejection| {
            Rejection::new(
                rejection.reason,
                format!("{}: {}", label("noop"), rejection.detail),
            )
        })?;
    }
    match repeated.problems.first() {
        Some(problem) => Err(Rejection::new(Reason::OracleFails, first_line(problem)).into()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn budgets_follow_the_oracle_within_bounds() {
        assert_eq!(super::fitted_timeout(800, 300), 60);
        assert_eq!(super::fitted_timeout(12_300, 300), 95);
        assert_eq!(super::fitted_timeout(200_000, 300), 300);
        assert_eq!(super::fitted_timeout(70_000, 600), 380);
    }
}
