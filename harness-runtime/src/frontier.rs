//! The (max score, min cost) Pareto frontier and the cost rule, once: `crate::report` draws
//! a run's, `crate::meta` selects with its history's.
//!
//! `frontier.json` has the fixed shape
//! `{"candidates": [{"name", "score", "cost", "cost_unit", "cases", "passed", "errored",
//! "incomplete"}], "pareto": [names]}`.
//! Candidates are sorted by (-score, cost, name); ties (equal score and equal cost) are all kept
//! on the frontier. A NaN never panics: a NaN score ranks below every other score and a NaN cost
//! above every other cost, so a candidate with NaN in either field is dominated by any candidate
//! that is at least as good on the other axis.

use std::cmp::Ordering;

use crate::result::CaseResult;

use serde::{Deserialize, Deserializer, Serialize};

/// One evaluated agent: its mean reward (`score`) and what it cost to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The candidate's name, unique within a frontier.
    pub name: String,
    /// Mean reward over the evaluated cases, in [-1, 1]; higher is better.
    #[serde(deserialize_with = "f64_or_nan")]
    pub score: f64,
    /// Total reported cost, in `cost_unit`; lower is better.
    #[serde(deserialize_with = "f64_or_nan")]
    pub cost: f64,
    /// The unit of `cost`, one per frontier.
    pub cost_unit: CostUnit,
    /// How many cases were evaluated.
    pub cases: usize,
    /// How many of those cases passed.
    pub passed: usize,
    /// How many of its cases errored (the harness's or the machine's fault, never the
    /// agent's): not in `cases` and not in `score`.
    #[serde(default)]
    pub errored: usize,
    /// `errored > 0`: its score is over fewer cases than it was run on.
    #[serde(default)]
    pub incomplete: bool,
}

impl Candidate {
    /// What its frontier line says (`message::meta_frontier_line`).
    pub fn view(&self) -> crate::message::FrontierView<'_> {
        crate::message::FrontierView {
            name: &self.name,
            score: self.score,
            errored: self.errored,
            incomplete: self.incomplete,
            cost: self.cost,
            passed: self.passed,
            cases: self.cases,
        }
    }
}

/// The unit a frontier's costs are measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostUnit {
    /// US dollars, when every candidate reported `usd`.
    Usd,
    /// Input plus output tokens, when every candidate reported tokens.
    Tokens,
    /// The candidate's size in bytes, when usage was not reported by every candidate.
    Bytes,
    /// Measured seconds.
    Seconds,
}

impl CostUnit {
    /// The unit's name as written in JSON (`"usd"`, `"tokens"`, `"bytes"`, `"seconds"`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CostUnit::Usd => "usd",
            CostUnit::Tokens => "tokens",
            CostUnit::Bytes => "bytes",
            CostUnit::Seconds => "seconds",
        }
    }
}

impl std::fmt::Display for CostUnit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every candidate (sorted by (-score, cost, name)) and the names of the Pareto members, in the
/// same order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frontier {
    /// All candidates, sorted by (-score, cost, name).
    pub candidates: Vec<Candidate>,
    /// Names of the non-dominated candidates, sorted by (-score, cost, name).
    pub pareto: Vec<String>,
}

impl Frontier {
    /// Builds the frontier of `candidates`: sorts them by (-score, cost, name) and records the
    /// names of the Pareto members.
    #[must_use]
    pub fn new(mut candidates: Vec<Candidate>) -> Frontier {
        candidates.sort_by(rank);
        let pareto = pareto(&candidates).into_iter().map(|c| c.name).collect();
        Frontier { candidates, pareto }
    }

    /// The first Pareto member (highest score, then lowest cost), if there is any candidate.
    #[must_use]
    pub fn best(&self) -> Option<&Candidate> {
        let name = self.pareto.first()?;
        self.candidates.iter().find(|c| &c.name == name)
    }
}

/// What one candidate's cases cost, in every unit it can be told in.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    /// Dollars, when every case reported usd.
    pub usd: Option<f64>,
    /// Input + output tokens, when every case reported tokens.
    pub tokens: Option<u64>,
    /// The agent's size in bytes (its program: the command and its files, a candidate's
    /// directory): the largest any case recorded.
    pub bytes: u64,
}

impl Totals {
    /// The totals of `cases` (one candidate's graded cases).
    pub fn of(cases: &[&CaseResult]) -> Totals {
        let all = |reported: fn(&CaseResult) -> bool| {
            !cases.is_empty() && cases.iter().all(|case| reported(case))
        };
        Totals {
            usd: all(|case| case.usage.reported_usd)
                .then(|| cases.iter().map(|case| case.usage.usd).sum()),
            tokens: all(|case| case.usage.reported_tokens).then(|| {
                cases
                    .iter()
                    .map(|case| {
                        case.usage
                            .input_tokens
                            .saturating_add(case.usage.output_tokens)
                    })
                    .fold(0u64, u64::saturating_add)
            }),
            bytes: cases.iter().map(|case| case.agent_bytes).max().unwrap_or(0),
        }
    }

    /// The cost in `unit` (NaN when this candidate cannot be told in it).
    pub fn cost(&self, unit: CostUnit) -> f64 {
        match unit {
            CostUnit::Usd => self.usd.unwrap_or(f64::NAN),
            CostUnit::Tokens => self.tokens.map_or(f64::NAN, |tokens| tokens as f64),
            CostUnit::Bytes => self.bytes as f64,
            CostUnit::Seconds => f64::NAN,
        }
    }

    /// The best unit this candidate alone can be told in.
    pub fn own_unit(&self) -> CostUnit {
        unit([self])
    }
}

/// The cost rule, the one place it is written: usd when every candidate reported usd, else
/// tokens when every one reported tokens, else bytes (every agent has a size).
pub fn unit<'a>(candidates: impl IntoIterator<Item = &'a Totals>) -> CostUnit {
    let candidates: Vec<&Totals> = candidates.into_iter().collect();
    if !candidates.is_empty() && candidates.iter().all(|totals| totals.usd.is_some()) {
        CostUnit::Usd
    } else if !candidates.is_empty() && candidates.iter().all(|totals| totals.tokens.is_some()) {
        CostUnit::Tokens
    } else {
        CostUnit::Bytes
    }
}

/// Whether `a` strictly Pareto-dominates `b` on (max score, min cost): `a` is at least as good
/// on both axes and strictly better on at least one. The cost unit is not compared.
#[must_use]
pub fn dominates(a: &Candidate, b: &Candidate) -> bool {
    let score = cmp_score(a.score, b.score);
    let cost = cmp_cost(a.cost, b.cost);
    score != Ordering::Less
        && cost != Ordering::Greater
        && (score == Ordering::Greater || cost == Ordering::Less)
}

/// The candidates no other candidate dominates, ties kept, sorted by (-score, cost, name). The
/// result does not depend on the order of `candidates`.
#[must_use]
pub fn pareto(candidates: &[Candidate]) -> Vec<Candidate> {
    let mut front: Vec<Candidate> = candidates
        .iter()
        .filter(|b| !candidates.iter().any(|a| dominates(a, b)))
        .cloned()
        .collect();
    front.sort_by(rank);
    front
}

/// Ranks candidates by (-score, cost, name), then the remaining fields so that the order is
/// total and sorting is independent of input order.
fn rank(a: &Candidate, b: &Candidate) -> Ordering {
    cmp_score(b.score, a.score)
        .then_with(|| cmp_cost(a.cost, b.cost))
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| unit_rank(a.cost_unit).cmp(&unit_rank(b.cost_unit)))
        .then_with(|| a.cases.cmp(&b.cases))
        .then_with(|| a.passed.cmp(&b.passed))
        .then_with(|| a.errored.cmp(&b.errored))
        .then_with(|| a.incomplete.cmp(&b.incomplete))
}

fn unit_rank(unit: CostUnit) -> u8 {
    match unit {
        CostUnit::Usd => 0,
        CostUnit::Tokens => 1,
        CostUnit::Bytes => 2,
        CostUnit::Seconds => 3,
    }
}

/// Orders scores ascending with NaN below everything (NaNs equal to each other).
fn cmp_score(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => unsigned_zero(a).total_cmp(&unsigned_zero(b)),
    }
}

/// Orders costs ascending with NaN above everything (NaNs equal to each other).
fn cmp_cost(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => unsigned_zero(a).total_cmp(&unsigned_zero(b)),
    }
}

/// Maps `-0.0` to `0.0` so that `total_cmp` treats the two zeros as a tie.
fn unsigned_zero(x: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x }
}

/// Reads a number, or `null` as NaN: `serde_json` writes a non-finite `f64` as `null`, so this
/// lets a written `frontier.json` be read back.
fn f64_or_nan<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(agent_bytes: u64, usd: Option<f64>, tokens: Option<u64>) -> CaseResult {
        let mut result = CaseResult::errored(
            "r",
            "f::a",
            "f",
            "a",
            harness_fixture::FixtureKind::WorkItem,
            String::new(),
        );
        result.agent_bytes = agent_bytes;
        if let Some(usd) = usd {
            result.usage.usd = usd;
            result.usage.reported_usd = true;
        }
        if let Some(tokens) = tokens {
            result.usage.input_tokens = tokens;
            result.usage.reported_tokens = true;
        }
        result
    }

    #[test]
    fn the_cost_rule_prefers_usd_then_tokens_then_bytes() {
        let full = [case(10, Some(0.5), Some(7)), case(30, Some(0.25), Some(3))];
        let totals = Totals::of(&full.iter().collect::<Vec<_>>());
        assert_eq!(
            totals,
            Totals {
                usd: Some(0.75),
                tokens: Some(10),
                bytes: 30
            }
        );
        let tokens_only = Totals::of(&[&case(5, None, Some(4))]);
        let nothing = Totals::of(&[&case(5, None, None)]);
        assert_eq!(unit([&totals]), CostUnit::Usd);
        assert_eq!(unit([&totals, &tokens_only]), CostUnit::Tokens);
        assert_eq!(unit([&totals, &tokens_only, &nothing]), CostUnit::Bytes);
        assert_eq!(unit(std::iter::empty()), CostUnit::Bytes);
        assert_eq!(nothing.cost(CostUnit::Bytes), 5.0);
        assert!(nothing.cost(CostUnit::Usd).is_nan());
        // One case without usd takes the candidate out of usd.
        let mixed = [case(1, Some(1.0), None), case(1, None, None)];
        assert_eq!(Totals::of(&mixed.iter().collect::<Vec<_>>()).usd, None);
    }
    use proptest::prelude::*;

    fn cand(name: &str, score: f64, cost: f64) -> Candidate {
        Candidate {
            name: name.to_owned(),
            score,
            cost,
            cost_unit: CostUnit::Tokens,
            cases: 4,
            passed: 2,
            errored: 0,
            incomplete: false,
        }
    }

    fn names(candidates: &[Candidate]) -> Vec<&str> {
        candidates.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn higher_score_at_equal_cost_dominates() {
        assert!(dominates(&cand("a", 0.5, 10.0), &cand("b", 0.4, 10.0)));
        assert!(!dominates(&cand("b", 0.4, 10.0), &cand("a", 0.5, 10.0)));
    }

    #[test]
    fn lower_cost_at_equal_score_dominates() {
        assert!(dominates(&cand("a", 0.5, 5.0), &cand("b", 0.5, 10.0)));
        assert!(!dominates(&cand("b", 0.5, 10.0), &cand("a", 0.5, 5.0)));
    }

    #[test]
    fn equal_candidates_do_not_dominate_each_other() {
        let a = cand("a", 0.5, 5.0);
        let b = cand("b", 0.5, 5.0);
        assert!(!dominates(&a, &b));
        assert!(!dominates(&b, &a));
        assert!(!dominates(&a, &a));
    }

    #[test]
    fn trade_off_candidates_do_not_dominate_each_other() {
        let cheap = cand("cheap", 0.2, 1.0);
        let strong = cand("strong", 0.9, 100.0);
        assert!(!dominates(&cheap, &strong));
        assert!(!dominates(&strong, &cheap));
    }

    #[test]
    fn signed_zeros_tie() {
        let a = cand("a", 0.0, 0.0);
        let b = cand("b", -0.0, -0.0);
        assert!(!dominates(&a, &b));
        assert!(!dominates(&b, &a));
    }

    #[test]
    fn nan_score_is_worst() {
        let nan = cand("nan", f64::NAN, 1.0);
        let low = cand("low", -1.0, 1.0);
        assert!(dominates(&low, &nan));
        assert!(!dominates(&nan, &low));
        assert_eq!(names(&pareto(&[nan, low])), ["low"]);
    }

    #[test]
    fn nan_cost_is_worst() {
        let nan = cand("nan", 0.5, f64::NAN);
        let huge = cand("huge", 0.5, f64::INFINITY);
        assert!(dominates(&huge, &nan));
        assert!(!dominates(&nan, &huge));
        assert_eq!(names(&pareto(&[nan, huge])), ["huge"]);
    }

    #[test]
    fn all_nan_candidates_tie_and_stay_on_frontier() {
        let front = pareto(&[cand("b", f64::NAN, f64::NAN), cand("a", f64::NAN, f64::NAN)]);
        assert_eq!(names(&front), ["a", "b"]);
    }

    #[test]
    fn pareto_drops_dominated_and_sorts_by_score_then_cost() {
        let front = pareto(&[
            cand("cheap", 0.2, 1.0),
            cand("dominated", 0.1, 5.0),
            cand("strong", 0.9, 100.0),
            cand("middle", 0.5, 10.0),
            cand("worse_middle", 0.5, 11.0),
        ]);
        assert_eq!(names(&front), ["strong", "middle", "cheap"]);
    }

    #[test]
    fn pareto_keeps_ties_sorted_by_name() {
        let front = pareto(&[
            cand("zeta", 0.5, 2.0),
            cand("alpha", 0.5, 2.0),
            cand("loser", 0.4, 2.0),
        ]);
        assert_eq!(names(&front), ["alpha", "zeta"]);
    }

    #[test]
    fn pareto_of_nothing_is_empty() {
        assert!(pareto(&[]).is_empty());
    }

    #[test]
    fn frontier_sorts_candidates_and_names_pareto_members() {
        let frontier = Frontier::new(vec![
            cand("dominated", 0.1, 5.0),
            cand("cheap", 0.2, 1.0),
            cand("strong", 0.9, 100.0),
        ]);
        assert_eq!(
            names(&frontier.candidates),
            ["strong", "cheap", "dominated"]
        );
        assert_eq!(frontier.pareto, ["strong", "cheap"]);
    }

    #[test]
    fn best_is_highest_score_then_lowest_cost() {
        let frontier = Frontier::new(vec![
            cand("cheap", 0.2, 1.0),
            cand("strong_expensive", 0.9, 100.0),
            cand("strong_cheaper", 0.9, 50.0),
        ]);
        assert_eq!(
            frontier.best().map(|c| c.name.as_str()),
            Some("strong_cheaper")
        );
    }

    #[test]
    fn best_of_empty_frontier_is_none() {
        let frontier = Frontier::new(Vec::new());
        assert!(frontier.best().is_none());
        assert!(frontier.pareto.is_empty());
    }

    #[test]
    fn frontier_json_has_the_documented_shape() {
        let frontier = Frontier::new(vec![Candidate {
            name: "c0".to_owned(),
            score: 0.5,
            cost: 0.25,
            cost_unit: CostUnit::Usd,
            cases: 3,
            passed: 1,
            errored: 2,
            incomplete: true,
        }]);
        let json = serde_json::to_value(&frontier).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({
                "candidates": [{
                    "name": "c0", "score": 0.5, "cost": 0.25, "cost_unit": "usd",
                    "cases": 3, "passed": 1, "errored": 2, "incomplete": true
                }],
                "pareto": ["c0"]
            })
        );
        let back: Frontier = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, frontier);
    }

    #[test]
    fn cost_units_serialize_snake_case() {
        for (unit, text) in [
            (CostUnit::Usd, "\"usd\""),
            (CostUnit::Tokens, "\"tokens\""),
            (CostUnit::Bytes, "\"bytes\""),
            (CostUnit::Seconds, "\"seconds\""),
        ] {
            assert_eq!(serde_json::to_string(&unit).expect("serializes"), text);
            assert_eq!(format!("\"{unit}\""), text);
        }
    }

    #[test]
    fn nan_round_trips_through_json_as_null() {
        let frontier = Frontier::new(vec![cand("nan", f64::NAN, f64::NAN)]);
        let text = serde_json::to_string(&frontier).expect("serializes");
        assert!(text.contains("\"score\":null"), "{text}");
        let back: Frontier = serde_json::from_str(&text).expect("deserializes");
        assert!(back.candidates[0].score.is_nan());
        assert!(back.candidates[0].cost.is_nan());
        assert_eq!(back.pareto, ["nan"]);
    }

    /// Scores and costs from small grids (so ties are common), sometimes NaN or infinite.
    fn value() -> impl Strategy<Value = f64> {
        prop_oneof![
            8 => (-4i32..=4).prop_map(|x| f64::from(x) / 4.0),
            1 => Just(f64::NAN),
            1 => prop_oneof![Just(f64::INFINITY), Just(f64::NEG_INFINITY), Just(-0.0)],
        ]
    }

    fn candidates() -> impl Strategy<Value = Vec<Candidate>> {
        proptest::collection::vec((value(), value()), 0..24).prop_map(|pairs| {
            pairs
                .into_iter()
                .enumerate()
                .map(|(i, (score, cost))| cand(&format!("c{i:02}"), score, cost))
                .collect()
        })
    }

    /// A comparable fingerprint (NaN-safe) of a candidate list.
    fn fingerprint(candidates: &[Candidate]) -> Vec<(String, u64, u64)> {
        candidates
            .iter()
            .map(|c| (c.name.clone(), c.score.to_bits(), c.cost.to_bits()))
            .collect()
    }

    proptest! {
        #[test]
        fn no_frontier_member_is_dominated(cands in candidates()) {
            for member in pareto(&cands) {
                for other in &cands {
                    prop_assert!(!dominates(other, &member), "{other:?} dominates {member:?}");
                }
            }
        }

        #[test]
        fn every_non_member_is_dominated_by_a_member(cands in candidates()) {
            let front = pareto(&cands);
            for c in &cands {
                if !front.iter().any(|m| m.name == c.name) {
                    prop_assert!(front.iter().any(|m| dominates(m, c)), "{c:?} undominated");
                }
            }
        }

        #[test]
        fn frontier_is_independent_of_input_order(
            (cands, shuffled) in candidates()
                .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle()))
        ) {
            prop_assert_eq!(fingerprint(&pareto(&cands)), fingerprint(&pareto(&shuffled)));
            let a = Frontier::new(cands);
            let b = Frontier::new(shuffled);
            prop_assert_eq!(fingerprint(&a.candidates), fingerprint(&b.candidates));
            prop_assert_eq!(a.pareto, b.pareto);
        }

        #[test]
        fn ties_of_a_member_are_members(cands in candidates()) {
            let front = pareto(&cands);
            for member in &front {
                for c in &cands {
                    let tie = cmp_score(c.score, member.score) == Ordering::Equal
                        && cmp_cost(c.cost, member.cost) == Ordering::Equal;
                    if tie {
                        prop_assert!(front.iter().any(|m| m.name == c.name), "{c:?} dropped");
                    }
                }
            }
        }

        #[test]
        fn frontier_is_sorted_by_score_desc_then_cost_then_name(cands in candidates()) {
            let frontier = Frontier::new(cands);
            for pair in frontier.candidates.windows(2) {
                prop_assert_ne!(rank(&pair[0], &pair[1]), Ordering::Greater);
            }
            let members: Vec<&str> = frontier
                .candidates
                .iter()
                .filter(|c| frontier.pareto.contains(&c.name))
                .map(|c| c.name.as_str())
                .collect();
            prop_assert_eq!(members, frontier.pareto.iter().map(String::as_str).collect::<Vec<_>>());
            prop_assert_eq!(
                frontier.best().map(|c| c.name.clone()),
                frontier.candidates.first().map(|c| c.name.clone())
            );
        }
    }
}
