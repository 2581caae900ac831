//! A strategy's case compared with noop's: its verdict, the checks that let it through,
//! and the advice.

use harness_fixture::Contract;

use crate::message;
use crate::result::{CaseResult, CaseStatus};

use super::{CheckTally, LetThrough, Strategy, StrategyOutcome, Verdict};

pub(super) fn codes(result: &CaseResult) -> Vec<String> {
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
pub(super) fn compare(
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

pub(super) fn tallies(result: &CaseResult) -> Vec<CheckTally> {
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
