//! What the audit found, as plain data, and its view for `crate::message`.

use serde::{Deserialize, Serialize};

use super::Strategy;

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
