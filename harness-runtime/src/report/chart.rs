//! What the frontier chart shows, decided once for every drawing of it (`frontier.svg`, and
//! any interactive chart): the x measure, axis labels and ranges, and each candidate's point.
//!
//! The x axis is the frontier's own cost, except when every candidate that has a score costs
//! 0 or an unknown amount: a chart of that is one column of points on an axis with no scale
//! (the default benchmark's agents are all 0 bytes). Then the chart falls back to a measured
//! cost, the candidate's mean agent seconds per graded case, and its x label says so.
//! `frontier.json` is not touched: its costs stay what the cost rule says, so merged
//! partitions still equal a single run.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::frontier::{Candidate, Frontier};
use crate::result::CaseResult;

/// `x_measure` when x is the frontier's own cost.
pub const MEASURE_COST: &str = "cost";
/// `x_measure` on the fallback: mean agent seconds per graded case.
pub const MEASURE_AGENT_SECONDS: &str = "agent_seconds";

/// The y axis label.
const Y_LABEL: &str = "score (mean reward)";

/// A frontier as drawn: axes, ranges and points.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrontierChart {
    /// Axis label, e.g. "cost (bytes)" or, on the fallback, "agent seconds per case
    /// (measured: every candidate's cost in bytes is 0 or unknown)".
    pub x_label: String,
    /// [`MEASURE_COST`] when x is the frontier's own cost, [`MEASURE_AGENT_SECONDS`] on the
    /// fallback.
    pub x_measure: &'static str,
    /// "score (mean reward)".
    pub y_label: String,
    /// Covers every point, padded; never zero-width, always finite.
    pub x_range: (f64, f64),
    /// Covers every point and a finite reference, padded; never zero-width, always finite.
    pub y_range: (f64, f64),
    /// Every candidate that can be placed (finite x and score), in the frontier's order.
    pub points: Vec<ChartPoint>,
    /// Names of the candidates that cannot be placed (non-finite x or score).
    pub unplaced: Vec<String>,
    /// The reference line (the oracle). Its score may be non-finite: then it is not drawn,
    /// and a drawing says why.
    pub reference: Option<ChartReference>,
}

/// One candidate on the chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartPoint {
    /// The candidate's name.
    pub name: String,
    /// Its x: `cost`, or `agent_seconds` on the fallback.
    pub x: f64,
    /// Its score (mean reward over its graded cases).
    pub score: f64,
    /// A Pareto member among the points on the axes as drawn: (max score, min x), ties
    /// kept. On the cost axis this is the frontier's own Pareto set (when every candidate
    /// is placed); on the fallback it is recomputed on (agent seconds, score).
    pub pareto: bool,
    /// Its cost from the frontier, in `cost_unit`.
    pub cost: f64,
    /// The frontier's cost unit.
    pub cost_unit: String,
    /// Mean agent seconds per graded case (NaN, written `null`, when no case says).
    pub agent_seconds: f64,
    /// Graded cases.
    pub cases: usize,
    /// Passed cases.
    pub passed: usize,
    /// Errored cases (not in `cases` or `score`).
    pub errored: usize,
    /// `errored > 0`.
    pub incomplete: bool,
}

/// The horizontal reference line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartReference {
    /// Its name (e.g. `oracle`).
    pub name: String,
    /// Its score.
    pub score: f64,
}

/// The chart of `frontier`: x is its cost, or (when every candidate with a score costs 0 or
/// an unknown amount) the mean agent seconds of each candidate's graded cases in `results`
/// (the cases [`super::frontier`] scores). `reference` is a name and a score drawn as a
/// horizontal line.
pub fn frontier_chart(
    frontier: &Frontier,
    results: &[CaseResult],
    reference: Option<(&str, f64)>,
) -> FrontierChart {
    let seconds = agent_seconds(results);
    let fallback = needs_fallback(frontier);
    let x_of = |c: &Candidate| {
        if fallback {
            seconds.get(c.name.as_str()).copied().unwrap_or(f64::NAN)
        } else {
            c.cost
        }
    };
    let (placed, unplaced): (Vec<&Candidate>, Vec<&Candidate>) = frontier
        .candidates
        .iter()
        .partition(|c| c.score.is_finite() && x_of(c).is_finite());
    // Pareto membership on the axes as drawn, with the frontier's own dominance rule.
    let on_axes: Vec<Candidate> = placed
        .iter()
        .map(|&c| Candidate {
            cost: x_of(c),
            ..c.clone()
        })
        .collect();
    let members: BTreeSet<String> = crate::frontier::pareto(&on_axes)
        .into_iter()
        .map(|c| c.name)
        .collect();
    let points: Vec<ChartPoint> = placed
        .iter()
        .map(|&c| ChartPoint {
            name: c.name.clone(),
            x: x_of(c),
            score: c.score,
            pareto: members.contains(&c.name),
            cost: c.cost,
            cost_unit: c.cost_unit.as_str().to_owned(),
            agent_seconds: seconds.get(c.name.as_str()).copied().unwrap_or(f64::NAN),
            cases: c.cases,
            passed: c.passed,
            errored: c.errored,
            incomplete: c.incomplete,
        })
        .collect();
    let reference = reference.map(|(name, score)| ChartReference {
        name: name.to_owned(),
        score,
    });
    let x_label = if fallback {
        format!(
            "agent seconds per case (measured: every candidate's cost in {} is 0 or unknown)",
            unit_label(frontier)
        )
    } else {
        format!("cost ({})", unit_label(frontier)) + unit_meaning(unit_label(frontier))
    };
    FrontierChart {
        x_label,
        x_measure: if fallback {
            MEASURE_AGENT_SECONDS
        } else {
            MEASURE_COST
        },
        y_label: Y_LABEL.to_owned(),
        x_range: fit_x(points.iter().map(|p| p.x)),
        y_range: fit(
            points
                .iter()
                .map(|p| p.score)
                .chain(reference.iter().map(|r| r.score)),
            0.1,
        ),
        points,
        unplaced: unplaced.iter().map(|c| c.name.clone()).collect(),
        reference,
    }
}

/// Whether the chart needs the measured x: some candidate has a score, and every candidate
/// with a score costs 0 or a non-finite amount.
fn needs_fallback(frontier: &Frontier) -> bool {
    let mut scored = frontier
        .candidates
        .iter()
        .filter(|c| c.score.is_finite())
        .peekable();
    scored.peek().is_some() && scored.all(|c| c.cost == 0.0 || !c.cost.is_finite())
}

/// Each candidate's mean agent seconds over its graded cases.
pub fn agent_seconds(results: &[CaseResult]) -> BTreeMap<&str, f64> {
    super::candidate_cases(results)
        .into_iter()
        .map(|(agent, (cases, _))| {
            let total: f64 = cases
                .iter()
                .map(|case| case.durations_ms.agent as f64 / 1000.0)
                .sum();
            (agent, total / cases.len() as f64)
        })
        .collect()
}

/// The cost unit for labels: the candidates' common unit, "mixed units" if they disagree.
/// What a cost in `unit` adds up, said on the axis: usd and tokens are totals over the
/// graded cases, bytes the agent's size (DESIGN.md "Outputs", the cost rule).
fn unit_meaning(unit: &str) -> &'static str {
    match unit {
        "usd" | "tokens" => ", total over the agent's graded cases",
        "bytes" => ": the agent's size, its command and the files it names",
        _ => "",
    }
}

fn unit_label(frontier: &Frontier) -> &'static str {
    let mut units = frontier.candidates.iter().map(|c| c.cost_unit);
    match units.next() {
        None => "no unit",
        Some(first) if units.all(|u| u == first) => first.as_str(),
        Some(_) => "mixed units",
    }
}

/// The x range: [`fit`], except that when no value is negative (costs and seconds never
/// are) it starts just left of 0 rather than a padding's width below it, so no stretch of
/// the axis stands for negative costs.
fn fit_x(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let (lo, hi) = fit(values.clone(), 1.0);
    if lo < 0.0 && values.filter(|v| v.is_finite()).all(|v| v >= 0.0) {
        (-0.04 * hi, hi)
    } else {
        (lo, hi)
    }
}

/// A range covering every finite value with 8% of its span on each side; when the values
/// are all equal, 10% of their magnitude (or `zero_pad` around 0). Never zero-width, always
/// finite (clamped to the f64 range, so it still covers `f64::MAX`); (0, 1) with no values.
pub(crate) fn fit(values: impl Iterator<Item = f64>, zero_pad: f64) -> (f64, f64) {
    let Some((lo, hi)) =
        values
            .filter(|v| v.is_finite())
            .fold(None, |acc: Option<(f64, f64)>, v| match acc {
                None => Some((v, v)),
                Some((lo, hi)) => Some((v.min(lo), v.max(hi))),
            })
    else {
        return (0.0, 1.0);
    };
    // Halves first: `hi - lo` overflows for values near the ends of the f64 range.
    let half_span = hi / 2.0 - lo / 2.0;
    let magnitude = hi.abs().max(lo.abs());
    let pad = if half_span > f64::EPSILON * magnitude {
        half_span * 0.16
    } else if magnitude > 0.0 {
        magnitude * 0.1
    } else {
        zero_pad
    };
    ((lo - pad).max(f64::MIN), (hi + pad).min(f64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontier::CostUnit;

    fn case(agent: &str, fixture: &str, reward: Option<f64>, agent_ms: u64) -> CaseResult {
        let mut result = crate::report::graded_case(agent, fixture, reward);
        result.durations_ms.agent = agent_ms;
        result
    }

    /// The default benchmark's shape: no agent reports usage and every agent is 0 bytes;
    /// `slow` has an errored case whose (long) time must not count, and an attack case.
    fn zero_cost_results() -> Vec<CaseResult> {
        let mut attack = case("slow", "attack", Some(-1.0), 900_000);
        attack.case = "attack::slow".to_owned();
        vec![
            case("noop", "a", Some(0.0), 10),
            case("noop", "b", Some(0.0), 30),
            case("slow", "a", Some(0.5), 2_000),
            case("slow", "b", Some(1.0), 4_000),
            case("slow", "c", None, 600_000),
            attack,
            case("fast", "a", Some(0.5), 500),
            case("oracle", "a", Some(1.0), 7_000_000),
        ]
    }

    fn point<'a>(chart: &'a FrontierChart, name: &str) -> &'a ChartPoint {
        chart
            .points
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name} not placed"))
    }

    #[test]
    fn all_zero_costs_fall_back_to_mean_agent_seconds_over_graded_cases() {
        let results = zero_cost_results();
        let frontier = super::super::frontier(&results);
        assert!(frontier.candidates.iter().all(|c| c.cost == 0.0));
        let chart = frontier_chart(&frontier, &results, Some(("oracle", 1.0)));
        assert_eq!(chart.x_measure, MEASURE_AGENT_SECONDS);
        assert!(chart.x_label.contains("agent seconds"), "{}", chart.x_label);
        assert!(chart.x_label.contains("measured"), "{}", chart.x_label);
        assert!(chart.x_label.contains("0 or unknown"), "{}", chart.x_label);
        assert_eq!(point(&chart, "noop").x, 0.02);
        assert_eq!(
            point(&chart, "slow").x,
            3.0,
            "the errored and the attack case do not count"
        );
        assert_eq!(point(&chart, "fast").x, 0.5);
        assert_eq!(point(&chart, "slow").agent_seconds, 3.0);
        assert_eq!(
            point(&chart, "slow").cost,
            0.0,
            "the cost is still reported"
        );
        assert!(chart.points.iter().all(|p| p.name != "oracle"));
        // Recomputed on (seconds, score): slow has the best score, fast is cheaper than it
        // and better than noop, noop is the cheapest.
        assert!(point(&chart, "slow").pareto);
        assert!(point(&chart, "fast").pareto);
        assert!(point(&chart, "noop").pareto);
        let fast_is_slower = {
            let mut results = results.clone();
            results.push(case("fast", "b", Some(0.5), 9_500));
            frontier_chart(&super::super::frontier(&results), &results, None)
        };
        assert_eq!(point(&fast_is_slower, "fast").x, 5.0);
        assert!(!point(&fast_is_slower, "fast").pareto, "slow dominates it");
    }

    #[test]
    fn unknown_costs_count_as_zero_for_the_fallback() {
        let results = zero_cost_results();
        let mut frontier = super::super::frontier(&results);
        frontier.candidates[0].cost = f64::NAN;
        frontier.candidates[1].cost = f64::INFINITY;
        let chart = frontier_chart(&frontier, &results, None);
        assert_eq!(chart.x_measure, MEASURE_AGENT_SECONDS);
        assert_eq!(chart.points.len(), 3);
        assert!(chart.unplaced.is_empty());
    }

    #[test]
    fn a_non_zero_cost_keeps_the_cost_axis() {
        let results = zero_cost_results();
        let mut frontier = super::super::frontier(&results);
        frontier.candidates[2].cost = 12.0;
        let chart = frontier_chart(&frontier, &results, None);
        assert_eq!(chart.x_measure, MEASURE_COST);
        assert_eq!(
            chart.x_label,
            "cost (bytes): the agent's size, its command and the files it names"
        );
        assert_eq!(chart.y_label, "score (mean reward)");
        for (c, p) in frontier.candidates.iter().zip(&chart.points) {
            assert_eq!(
                (p.name.as_str(), p.x, p.score),
                (c.name.as_str(), c.cost, c.score)
            );
            assert_eq!(p.pareto, frontier.pareto.contains(&c.name), "{}", c.name);
        }
    }

    #[test]
    fn a_non_zero_cost_without_a_score_does_not_keep_the_cost_axis() {
        let results = zero_cost_results();
        let mut frontier = super::super::frontier(&results);
        frontier.candidates[0].score = f64::NAN;
        frontier.candidates[0].cost = 12.0;
        let chart = frontier_chart(&frontier, &results, None);
        assert_eq!(chart.x_measure, MEASURE_AGENT_SECONDS);
        assert_eq!(chart.unplaced, [frontier.candidates[0].name.clone()]);
    }

    #[test]
    fn an_empty_frontier_keeps_the_cost_axis() {
        let chart = frontier_chart(&Frontier::new(Vec::new()), &[], Some(("oracle", 1.0)));
        assert_eq!(chart.x_measure, MEASURE_COST);
        assert_eq!(chart.x_label, "cost (no unit)");
        assert!(chart.points.is_empty());
        assert!(chart.y_range.0 < 1.0 && 1.0 < chart.y_range.1);
    }

    #[test]
    fn candidates_without_measured_seconds_are_unplaced_on_the_fallback() {
        let results = zero_cost_results();
        let frontier = super::super::frontier(&results);
        let chart = frontier_chart(&frontier, &[], None);
        assert_eq!(chart.x_measure, MEASURE_AGENT_SECONDS);
        assert!(chart.points.is_empty());
        assert_eq!(chart.unplaced.len(), 3);
        assert_eq!(chart.x_range, (0.0, 1.0));
    }

    #[test]
    fn the_chart_leaves_frontier_json_unchanged() {
        let results = zero_cost_results();
        let frontier = super::super::frontier(&results);
        let before = serde_json::to_string_pretty(&frontier).expect("serializes");
        let chart = frontier_chart(&frontier, &results, Some(("oracle", 1.0)));
        assert_eq!(
            serde_json::to_string_pretty(&frontier).expect("serializes"),
            before
        );
        let json: serde_json::Value = serde_json::from_str(&before).expect("parses");
        assert_eq!(
            json,
            serde_json::json!({
                "candidates": [
                    {"name": "slow", "score": 0.75, "cost": 0.0, "cost_unit": "bytes",
                     "cases": 2, "passed": 1, "errored": 1, "incomplete": true},
                    {"name": "fast", "score": 0.5, "cost": 0.0, "cost_unit": "bytes",
                     "cases": 1, "passed": 0, "errored": 0, "incomplete": false},
                    {"name": "noop", "score": 0.0, "cost": 0.0, "cost_unit": "bytes",
                     "cases": 2, "passed": 0, "errored": 0, "incomplete": false},
                ],
                "pareto": ["slow"]
            }),
            "the fallback is the chart's alone"
        );
        // Its own JSON has the names an interactive chart reads.
        let chart_json = serde_json::to_value(&chart).expect("serializes");
        assert_eq!(chart_json["x_measure"], "agent_seconds");
        assert_eq!(chart_json["points"][0]["agent_seconds"], 3.0);
        assert_eq!(chart_json["reference"]["name"], "oracle");
        assert_eq!(chart_json["x_range"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn the_same_results_in_any_order_chart_the_same() {
        let results = zero_cost_results();
        let mut reversed = results.clone();
        reversed.reverse();
        let chart = |results: &[CaseResult]| {
            frontier_chart(
                &super::super::frontier(results),
                results,
                Some(("oracle", 1.0)),
            )
        };
        assert_eq!(chart(&results), chart(&reversed));
    }

    fn cand(name: &str, score: f64, cost: f64) -> Candidate {
        Candidate {
            name: name.to_owned(),
            score,
            cost,
            cost_unit: CostUnit::Usd,
            cases: 1,
            passed: 0,
            errored: 0,
            incomplete: false,
        }
    }

    #[test]
    fn ranges_contain_every_point_and_the_reference_and_are_padded() {
        let frontier = Frontier::new(vec![cand("a", 0.2, 3.0), cand("b", -0.4, 7.0)]);
        let chart = frontier_chart(&frontier, &[], Some(("oracle", 1.0)));
        let (x_lo, x_hi) = chart.x_range;
        let (y_lo, y_hi) = chart.y_range;
        assert!(x_lo < 3.0 && 7.0 < x_hi, "{x_lo}..{x_hi}");
        assert!(y_lo < -0.4 && 1.0 < y_hi, "{y_lo}..{y_hi}");
        // Fitted, not the whole reward range nor from 0.
        assert!(x_lo > 2.0 && x_hi < 8.0, "{x_lo}..{x_hi}");
        assert!(y_lo > -1.0, "{y_lo}");
    }

    #[test]
    fn ranges_are_never_zero_width() {
        for values in [
            vec![],
            vec![0.0],
            vec![-0.0, 0.0],
            vec![5.0, 5.0],
            vec![-3.0],
            vec![1e300, 1e300],
            vec![f64::MAX],
            vec![f64::MAX, f64::MIN],
            vec![1e-300],
        ] {
            let (lo, hi) = fit(values.iter().copied(), 1.0);
            assert!(
                lo.is_finite() && hi.is_finite() && lo < hi,
                "{values:?}: {lo}..{hi}"
            );
            for v in values {
                assert!(lo <= v && v <= hi, "{v} outside {lo}..{hi}");
            }
        }
        assert_eq!(fit(std::iter::empty(), 1.0), (0.0, 1.0));
        assert_eq!(
            fit_x([0.0].into_iter()),
            (-0.04, 1.0),
            "all zero: a small range"
        );
        let (lo, hi) = fit_x([0.0, 10.0].into_iter());
        assert!(lo < 0.0 && lo > -1.0 && hi > 10.0, "{lo}..{hi}");
        assert_eq!(
            fit_x([-1.0, 1.0].into_iter()),
            fit([-1.0, 1.0].into_iter(), 1.0)
        );
        assert_eq!(fit([0.0].into_iter(), 0.1), (-0.1, 0.1));
    }

    use proptest::prelude::*;

    use crate::test_support::awkward_f64 as value;

    proptest! {
        #[test]
        fn ranges_contain_every_point_and_a_finite_reference(
            pairs in proptest::collection::vec((value(), value()), 0..12),
            reference in proptest::option::of(value()),
        ) {
            let frontier = Frontier::new(
                pairs
                    .into_iter()
                    .enumerate()
                    .map(|(i, (score, cost))| cand(&format!("c{i}"), score, cost))
                    .collect(),
            );
            let chart = frontier_chart(&frontier, &[], reference.map(|s| ("oracle", s)));
            let (x_lo, x_hi) = chart.x_range;
            let (y_lo, y_hi) = chart.y_range;
            prop_assert!(x_lo.is_finite() && x_hi.is_finite() && x_lo < x_hi);
            prop_assert!(y_lo.is_finite() && y_hi.is_finite() && y_lo < y_hi);
            for p in &chart.points {
                prop_assert!(x_lo <= p.x && p.x <= x_hi, "{p:?} outside {x_lo}..{x_hi}");
                prop_assert!(y_lo <= p.score && p.score <= y_hi, "{p:?} outside {y_lo}..{y_hi}");
            }
            if let Some(score) = reference.filter(|s| s.is_finite()) {
                prop_assert!(y_lo <= score && score <= y_hi);
            }
            prop_assert_eq!(chart.points.len() + chart.unplaced.len(), frontier.candidates.len());
        }
    }
}
