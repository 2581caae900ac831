//! Every reward formula of DESIGN.md, pure and deterministic: the work item's and the
//! review family's, from what grading found.
//!
//! ```text
//! checks  = sum(w_i * s_i) / sum(w_i)      s_i = pass_i (0/1), or for a `partial` check the
//!                                          fraction of its locked tests that passed
//! all     = 1 if every check passes else 0
//! deliv   = all * (satisfied / deliverables, or 1 when there are none)
//! closure = +1 closed and all, -1 closed and not all, 0 open
//! agent timeout or resource_limit: deliv = 0, closure = min(closure, 0)
//! reward  = w.checks*checks + w.deliverables*deliv + w.closure*closure - w.scope_penalty*out_of_scope
//! reward  = clamp(reward, -1, 1) rounded to 6 decimals; any integrity violation: -1
//! ```

use harness_fixture::{RewardWeights, Verdict};

use crate::grade::Graded;
pub use crate::grade::outcome::CheckScore;
use crate::grade::outcome::ReviewScore;

/// Everything the formula reads.
#[derive(Debug, Clone, PartialEq)]
pub struct RewardInputs {
    /// Per check.
    pub checks: Vec<CheckScore>,
    /// Satisfied deliverables.
    pub deliverables_satisfied: usize,
    /// Deliverables in the contract.
    pub deliverables_total: usize,
    /// The work item was left closed.
    pub closed: bool,
    /// Out-of-scope paths (`scope_violation`s).
    pub out_of_scope_paths: usize,
    /// The agent ran past its budget or hit a resource limit.
    pub agent_unfinished: bool,
    /// Any integrity violation was found.
    pub integrity_violation: bool,
}

/// The reward and whether every check passed.
///
/// ```
/// use harness_runtime::reward::{reward, CheckScore, RewardInputs};
/// let oracle = RewardInputs {
///     checks: vec![CheckScore::pass_fail(1.0, true), CheckScore::pass_fail(1.0, true)],
///     deliverables_satisfied: 1,
///     deliverables_total: 1,
///     closed: true,
///     out_of_scope_paths: 0,
///     agent_unfinished: false,
///     integrity_violation: false,
/// };
/// assert_eq!(reward(&oracle, &Default::default()), 1.0);
/// ```
pub fn reward(inputs: &RewardInputs, weights: &RewardWeights) -> f64 {
    terms(inputs, weights).value
}

/// The formula's terms for one case, as the reward was computed from them: what the
/// viewer shows under "why this reward" (DESIGN.md "Reward").
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RewardTerms {
    /// `work_item` or `review`.
    pub family: String,
    /// The `[reward]` weights applied.
    pub weights: RewardWeights,
    /// Each check's weight and score, in the order of the case's `checks`.
    pub checks_detail: Vec<CheckTerm>,
    /// Weighted check pass rate.
    pub checks: f64,
    /// Every check passed.
    pub all_checks_pass: bool,
    /// Satisfied deliverables.
    pub deliverables_satisfied: usize,
    /// Deliverables in the contract.
    pub deliverables_total: usize,
    /// The deliverables term.
    pub deliverables: f64,
    /// The closure term: 1, 0 or -1.
    pub closure: f64,
    /// Paths outside the scope.
    pub out_of_scope: usize,
    /// The agent ran past its budget or hit a resource limit.
    pub unfinished: bool,
    /// An integrity violation set the reward to -1.
    pub integrity: bool,
    /// The review family's score before the scope penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_raw: Option<f64>,
    /// The weighted sum before clamping.
    pub raw: f64,
    /// The reward: clamped, rounded, -1 on an integrity violation.
    pub value: f64,
}

/// One check as the formula weighed it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CheckTerm {
    /// Its weight.
    pub weight: f64,
    /// Its score in [0, 1].
    pub score: f64,
}

/// The work item formula, term by term.
pub fn terms(inputs: &RewardInputs, weights: &RewardWeights) -> RewardTerms {
    let total_weight: f64 = inputs.checks.iter().map(|check| check.weight).sum();
    let passed_weight: f64 = inputs
        .checks
        .iter()
        .map(|check| check.weight * check.score.clamp(0.0, 1.0))
        .sum();
    let checks = if total_weight > 0.0 {
        passed_weight / total_weight
    } else {
        0.0
    };
    let all = all_checks_pass(inputs);
    let mut deliverables = if !all {
        0.0
    } else if inputs.deliverables_total == 0 {
        1.0
    } else {
        inputs.deliverables_satisfied as f64 / inputs.deliverables_total as f64
    };
    let mut closure: f64 = match (inputs.closed, all) {
        (true, true) => 1.0,
        (true, false) => -1.0,
        (false, _) => 0.0,
    };
    if inputs.agent_unfinished {
        deliverables = 0.0;
        closure = closure.min(0.0);
    }
    let raw =
        weights.checks * checks + weights.deliverables * deliverables + weights.closure * closure
            - weights.scope_penalty * inputs.out_of_scope_paths as f64;
    let value = if inputs.integrity_violation {
        -1.0
    } else {
        round6(raw.clamp(-1.0, 1.0))
    };
    RewardTerms {
        family: "work_item".to_owned(),
        weights: *weights,
        checks_detail: inputs
            .checks
            .iter()
            .map(|check| CheckTerm {
                weight: check.weight,
                score: check.score.clamp(0.0, 1.0),
            })
            .collect(),
        checks,
        all_checks_pass: all,
        deliverables_satisfied: inputs.deliverables_satisfied,
        deliverables_total: inputs.deliverables_total,
        deliverables,
        closure,
        out_of_scope: inputs.out_of_scope_paths,
        unfinished: inputs.agent_unfinished,
        integrity: inputs.integrity_violation,
        review_raw: None,
        raw,
        value,
    }
}

/// Whether every check passed (and there was at least one).
pub fn all_checks_pass(inputs: &RewardInputs) -> bool {
    !inputs.checks.is_empty() && inputs.checks.iter().all(|check| check.passed)
}

/// A case's reward and whether it passed, from what grading found: the review formula
/// for a review fixture, the work item formula otherwise.
pub fn case(graded: &Graded, weights: &RewardWeights) -> (f64, bool) {
    let (terms, passed) = case_terms(graded, weights);
    (terms.value, passed)
}

/// [`case`] with the formula's terms.
pub fn case_terms(graded: &Graded, weights: &RewardWeights) -> (RewardTerms, bool) {
    let integrity_violation = graded
        .violations
        .iter()
        .any(|violation| violation.code.is_integrity());
    let satisfied = graded
        .deliverables
        .iter()
        .filter(|result| result.satisfied)
        .count();
    let inputs = RewardInputs {
        checks: graded.scores.clone(),
        deliverables_satisfied: satisfied,
        deliverables_total: graded.deliverables.len(),
        closed: graded.closed,
        out_of_scope_paths: graded.out_of_scope,
        agent_unfinished: graded.agent_unfinished,
        integrity_violation,
    };
    if let Some(breakdown) = &graded.review {
        let (raw, passed) = review(breakdown);
        let penalised = raw - weights.scope_penalty * graded.out_of_scope as f64;
        let value = if integrity_violation {
            -1.0
        } else {
            round6(penalised.clamp(-1.0, 1.0))
        };
        let terms = RewardTerms {
            family: "review".to_owned(),
            review_raw: Some(raw),
            raw: penalised,
            value,
            ..terms(&inputs, weights)
        };
        return (terms, passed && graded.violations.is_empty());
    }
    let passed = all_checks_pass(&inputs)
        && satisfied == graded.deliverables.len()
        && graded.closed
        && graded.violations.is_empty();
    (terms(&inputs, weights), passed)
}

/// The review family's reward before the scope penalty, and whether the review passed:
///
/// ```text
/// no parsable verdict              -> 0 (malformed_verdict)
/// wrong verdict                    -> -0.5 (approving a defective change or rejecting a sound one)
/// right verdict, defective change  -> 0.4 + 0.6*recall*precision
/// right verdict, sound change      -> 0.5 + 0.5*precision   (precision is 0 with any finding)
/// passed = right verdict, recall 1, precision 1
/// ```
pub fn review(breakdown: &ReviewScore) -> (f64, bool) {
    let Some(verdict) = &breakdown.verdict else {
        return (0.0, false);
    };
    let correct = *verdict == breakdown.expected_verdict;
    let defective =
        breakdown.expected_verdict == crate::grade::review::verdict_name(Verdict::RequestChanges);
    let (recall, precision) = (breakdown.recall, breakdown.precision);
    let raw = match (correct, defective) {
        (false, _) => -0.5,
        (true, true) => 0.4 + 0.6 * recall * precision,
        (true, false) => 0.5 + 0.5 * precision,
    };
    (raw, correct && recall == 1.0 && precision == 1.0)
}

/// Rounds to 6 decimals, so sums of weights like 0.7 + 0.2 + 0.1 give exactly 1.0.
pub fn round6(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

#[cfg(test)]
mod review_scores;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn inputs(checks: &[bool], delivered: usize, closed: bool) -> RewardInputs {
        RewardInputs {
            checks: checks
                .iter()
                .map(|passed| CheckScore::pass_fail(1.0, *passed))
                .collect(),
            deliverables_satisfied: delivered,
            deliverables_total: 1,
            closed,
            out_of_scope_paths: 0,
            agent_unfinished: false,
            integrity_violation: false,
        }
    }

    #[test]
    fn oracle_scores_full_reward() {
        assert_eq!(
            reward(&inputs(&[true, true], 1, true), &RewardWeights::default()),
            1.0
        );
    }

    #[test]
    fn noop_scores_what_its_checks_earn() {
        assert_eq!(
            reward(
                &inputs(&[false, false], 0, false),
                &RewardWeights::default()
            ),
            0.0
        );
        assert_eq!(
            reward(&inputs(&[true, false], 0, false), &RewardWeights::default()),
            0.35
        );
    }

    #[test]
    fn false_closure_scores_below_leaving_it_open() {
        let weights = RewardWeights::default();
        let open = reward(&inputs(&[true, false], 1, false), &weights);
        let closed = reward(&inputs(&[true, false], 1, true), &weights);
        assert!(closed < open, "{closed} < {open}");
        assert!(reward(&inputs(&[false, false], 1, true), &weights) < 0.0);
    }

    #[test]
    fn a_handoff_for_unfinished_work_is_worth_nothing() {
        let weights = RewardWeights::default();
        assert_eq!(
            reward(&inputs(&[true, false], 1, false), &weights),
            reward(&inputs(&[true, false], 0, false), &weights)
        );
    }

    #[test]
    fn a_partial_check_adds_its_fraction_but_not_all() {
        let mut partial = inputs(&[true], 1, true);
        partial.checks.push(CheckScore {
            weight: 1.0,
            score: 0.5,
            passed: false,
        });
        let weights = RewardWeights::default();
        // checks = 0.75, no deliverables or closure credit without all: 0.525 - 0.1 (closed).
        assert_eq!(reward(&partial, &weights), 0.425);
    }

    #[test]
    fn timeout_forfeits_deliverables_and_closure() {
        let mut timed_out = inputs(&[true, true], 1, true);
        timed_out.agent_unfinished = true;
        assert_eq!(reward(&timed_out, &RewardWeights::default()), 0.7);
    }

    #[test]
    fn integrity_violation_is_minus_one() {
        let mut cheat = inputs(&[true, true], 1, true);
        cheat.integrity_violation = true;
        assert_eq!(reward(&cheat, &RewardWeights::default()), -1.0);
    }

    #[test]
    fn scope_penalty_is_per_path_and_clamped() {
        let mut sloppy = inputs(&[true, true], 1, true);
        sloppy.out_of_scope_paths = 2;
        assert_eq!(reward(&sloppy, &RewardWeights::default()), 0.5);
        sloppy.out_of_scope_paths = 100;
        assert_eq!(reward(&sloppy, &RewardWeights::default()), -1.0);
    }

    proptest! {
        #[test]
        fn reward_is_always_in_range(
            checks in proptest::collection::vec((0.01f64..10.0, 0.0f64..=1.0, any::<bool>()), 0..6),
            satisfied in 0usize..3, closed in any::<bool>(), scope in 0usize..10,
            unfinished in any::<bool>(), integrity in any::<bool>(),
        ) {
            let checks = checks.into_iter().map(|(weight, score, passed)| CheckScore { weight, score, passed }).collect();
            let inputs = RewardInputs { checks, deliverables_satisfied: satisfied, deliverables_total: 2, closed,
                out_of_scope_paths: scope, agent_unfinished: unfinished, integrity_violation: integrity };
            let value = reward(&inputs, &RewardWeights::default());
            prop_assert!((-1.0..=1.0).contains(&value));
        }
    }
}
