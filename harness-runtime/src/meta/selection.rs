//! Selection, Meta-Harness style: the deliberate absence of a selection rule. The proposer
//! reads the whole history and decides what to build on; the harness only publishes signals
//! (`signals.json`): a nominal parent (the frontier's best, a lineage anchor), the frontier
//! as inspirations, and an exploitation-axis hint rotating once per proposal round.
//!
//! One iteration of `harness meta` is one proposal round: the proposer is called once and
//! writes up to k candidates. (The reference counts one loop step per candidate and rotates
//! the axis every k steps; with k candidates per call that is once per call.) So the hint for
//! iteration `i >= 1` is `AXES[(i - 1) % 6]`.
//!
//! All randomness derives from `rng_seed`, a splitmix64 mix of (seed, iteration): the harness
//! draws none itself, and a proposer that wants randomness seeds from it, so a resumed run
//! sees the same signals as an uninterrupted one.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::history::{Outcome, Row};
use crate::frontier::{CostUnit, Frontier};
pub use crate::rng::splitmix64;

/// The six exploitation axes; the hint rotates over them.
pub const AXES: [&str; 6] = [
    "A=Core algorithm",
    "B=Data representation",
    "C=Selection/ordering heuristics",
    "D=Resource sizing & budgets",
    "E=Control flow & update triggers",
    "F=Library usage",
];

/// `signals.json`, written before each proposer call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signals {
    /// The iteration about to run (1-based).
    pub iteration: u64,
    /// k: how many candidates the proposer may write this round.
    pub candidates_per_proposal: usize,
    /// The frontier's best (highest score, then lowest cost), or null before any evaluation.
    pub nominal_parent: Option<String>,
    /// The frontier's members, best first: every one is a valid base.
    pub inspirations: Vec<String>,
    /// The frontier's members with their score and cost.
    pub frontier: Vec<FrontierRow>,
    /// The unit of every `cost` above.
    pub cost_unit: CostUnit,
    /// The axis this round is nudged towards.
    pub axis_hint: String,
    /// The axis each of the last three iterations explored (the one most of its candidates
    /// declared), oldest first; the variety rule: if all three are the same, pick another.
    pub recent_axes: Vec<String>,
    /// `--seed`.
    pub seed: u64,
    /// The seed for any randomness of this iteration: `rng_seed(seed, iteration)`.
    pub rng_seed: u64,
    /// The meta directory (absolute).
    pub meta_dir: String,
    /// The fixtures directory candidates are evaluated on (absolute).
    pub fixtures: String,
    /// The fixture ids, sorted.
    pub fixture_ids: Vec<String>,
}

/// One frontier member as the proposer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontierRow {
    /// Candidate name (`candidates/<name>/`).
    pub name: String,
    /// Mean reward.
    pub score: f64,
    /// Cost in `cost_unit`.
    pub cost: f64,
}

/// The axis hint of `iteration` (1-based; 0 gets the first axis).
pub fn axis_hint(iteration: u64) -> &'static str {
    AXES[(iteration.saturating_sub(1) % AXES.len() as u64) as usize]
}

/// The RNG seed of `iteration` under `seed`: distinct iterations (and seeds) get unrelated
/// seeds, and the same pair always the same one.
pub fn rng_seed(seed: u64, iteration: u64) -> u64 {
    splitmix64(splitmix64(seed) ^ iteration)
}

/// The axis most of `iteration`'s valid candidates declared (the first declared on a tie).
fn main_axis(rows: &[Row], iteration: u64) -> Option<String> {
    let axes: Vec<&str> = rows
        .iter()
        .filter(|row| row.iteration == iteration && row.outcome != Outcome::Invalid)
        .filter_map(|row| row.axis.as_deref())
        .collect();
    let count = |axis: &str| axes.iter().filter(|other| **other == axis).count();
    let mut best: Option<&str> = None;
    for axis in &axes {
        if best.is_none_or(|best| count(axis) > count(best)) {
            best = Some(axis);
        }
    }
    best.map(str::to_owned)
}

/// Everything a proposer is told before round `iteration`.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The iteration about to run.
    pub iteration: u64,
    /// k.
    pub candidates_per_proposal: usize,
    /// `--seed`.
    pub seed: u64,
    /// The meta directory.
    pub meta_dir: &'a Path,
    /// The fixtures directory.
    pub fixtures: &'a Path,
    /// The fixture ids.
    pub fixture_ids: &'a [String],
}

/// The signals for the next round, given the history so far and its frontier.
pub fn signals(inputs: Inputs<'_>, rows: &[Row], frontier: &Frontier) -> Signals {
    let members: Vec<FrontierRow> = frontier
        .pareto
        .iter()
        .filter_map(|name| frontier.candidates.iter().find(|c| &c.name == name))
        .map(|c| FrontierRow {
            name: c.name.clone(),
            score: c.score,
            cost: c.cost,
        })
        .collect();
    let recent_axes = (inputs.iteration.saturating_sub(3).max(1)..inputs.iteration)
        .filter_map(|iteration| main_axis(rows, iteration))
        .collect();
    Signals {
        iteration: inputs.iteration,
        candidates_per_proposal: inputs.candidates_per_proposal,
        nominal_parent: frontier.best().map(|best| best.name.clone()),
        inspirations: members.iter().map(|row| row.name.clone()).collect(),
        frontier: members,
        cost_unit: frontier
            .candidates
            .first()
            .map_or(CostUnit::Bytes, |c| c.cost_unit),
        axis_hint: axis_hint(inputs.iteration).to_owned(),
        recent_axes,
        seed: inputs.seed,
        rng_seed: rng_seed(inputs.seed, inputs.iteration),
        meta_dir: inputs.meta_dir.display().to_string(),
        fixtures: inputs.fixtures.display().to_string(),
        fixture_ids: inputs.fixture_ids.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontier::Candidate;

    #[test]
    fn axis_hint_rotates_once_per_round_over_six_axes() {
        let hints: Vec<&str> = (1..=8).map(axis_hint).collect();
        assert_eq!(&hints[..6], &AXES[..]);
        assert_eq!(hints[6], AXES[0]);
        assert_eq!(hints[7], AXES[1]);
        assert_eq!(axis_hint(0), AXES[0]);
    }

    #[test]
    fn rng_seed_is_a_pure_function_of_seed_and_iteration() {
        assert_eq!(rng_seed(0, 1), rng_seed(0, 1));
        let seeds: std::collections::BTreeSet<u64> = (0..4)
            .flat_map(|seed| (0..50).map(move |iteration| rng_seed(seed, iteration)))
            .collect();
        assert_eq!(seeds.len(), 200);
        // splitmix64's published first output for state 0.
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn nominal_parent_is_the_frontier_best_and_inspirations_the_frontier() {
        let cand = |name: &str, score: f64, cost: f64| Candidate {
            name: name.into(),
            score,
            cost,
            cost_unit: CostUnit::Bytes,
            cases: 1,
            passed: 0,
            errored: 0,
            incomplete: false,
        };
        let frontier = Frontier::new(vec![
            cand("cheap", 0.2, 10.0),
            cand("best", 0.9, 100.0),
            cand("dominated", 0.1, 50.0),
        ]);
        let fixture_ids = vec!["f".to_owned()];
        let inputs = Inputs {
            iteration: 4,
            candidates_per_proposal: 3,
            seed: 7,
            meta_dir: Path::new("/m"),
            fixtures: Path::new("/f"),
            fixture_ids: &fixture_ids,
        };
        let mut old = Row::invalid(1, "old", String::new());
        old.outcome = Outcome::Evaluated;
        old.axis = Some("A".into());
        let mut recent = old.clone();
        recent.iteration = 3;
        recent.axis = Some("B".into());
        let mut also = recent.clone();
        also.axis = Some("C".into());
        let mut invalid = Row::invalid(3, "bad", String::new());
        invalid.axis = Some("C".into());
        let mut ancient = old.clone();
        ancient.iteration = 0;
        ancient.axis = Some("Z".into());
        let rows = [ancient, old, recent.clone(), also, recent, invalid];
        let signals = signals(inputs, &rows, &frontier);
        assert_eq!(signals.nominal_parent.as_deref(), Some("best"));
        assert_eq!(signals.inspirations, vec!["best", "cheap"]);
        assert_eq!(signals.frontier[1].cost, 10.0);
        assert_eq!(signals.axis_hint, AXES[3]);
        assert_eq!(signals.recent_axes, vec!["A", "B"]);
        assert_eq!(signals.rng_seed, rng_seed(7, 4));
    }
}
