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
//!
//! [`Sandbox`]: crate::agent::sandbox::Sandbox

mod agents;
mod baseline;
mod compare;
mod plan;
mod python;
mod report;
mod rust;
mod shell;
mod strategy;

use std::sync::Arc;
use std::time::Instant;

use harness_fixture::{Fixture, FixtureKind};

use crate::case::{CaseSpec, run_case};
use crate::message;
use crate::result::{CaseResult, CaseStatus};
use crate::settings::Settings;

use baseline::Baseline;
use compare::{codes, compare, tallies};
use plan::plan_safely;
pub use report::{AuditReport, CheckTally, LetThrough, StrategyOutcome, Verdict};
pub use strategy::Strategy;

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

#[cfg(test)]
mod tests;
