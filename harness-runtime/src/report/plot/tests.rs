use super::*;
use crate::frontier::{Candidate, CostUnit, Frontier};
use crate::report::chart::frontier_chart;
use proptest::prelude::*;

fn cand(name: &str, score: f64, cost: f64) -> Candidate {
    Candidate {
        name: name.to_owned(),
        score,
        cost,
        cost_unit: CostUnit::Usd,
        cases: 5,
        passed: 3,
        errored: 0,
        incomplete: false,
    }
}

fn three() -> Frontier {
    Frontier::new(vec![
        cand("cheap-agent", 0.25, 0.10),
        cand("strong-agent", 0.9, 2.5),
        cand("dominated-agent", 0.1, 1.0),
    ])
}

fn render(frontier: &Frontier, reference: Option<(&str, f64)>) -> String {
    frontier_svg(&frontier_chart(frontier, &[], reference)).expect("renders")
}

#[test]
fn svg_names_every_candidate_and_the_reference() {
    let svg = render(&three(), Some(("oracle", 1.0)));
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"));
    for name in ["cheap-agent", "strong-agent", "dominated-agent", "oracle"] {
        assert!(svg.contains(name), "{name} missing");
    }
}

#[test]
fn svg_has_title_axis_labels_and_legend_text() {
    let svg = render(&three(), Some(("oracle", 1.0)));
    for text in [
        "Pareto frontier: score vs cost (3 candidates, 2 on the frontier)",
        "cost (usd)",
        "score (mean reward)",
        "pareto frontier",
        "reference: oracle",
        "oracle (1)",
    ] {
        assert!(svg.contains(text), "{text:?} missing");
    }
    assert!(svg.contains("<text"));
}

#[test]
fn svg_draws_reference_as_dashed_segments_and_frontier_as_polyline() {
    let with = render(&three(), Some(("oracle", 1.0)));
    let without = render(&three(), None);
    assert!(with.matches("<polyline").count() > without.matches("<polyline").count());
    assert!(!without.contains("oracle"));
    assert!(without.contains("<polyline"));
}

#[test]
fn cost_unit_appears_in_axis_label() {
    let mut frontier = three();
    for c in &mut frontier.candidates {
        c.cost_unit = CostUnit::Tokens;
    }
    assert!(render(&frontier, None).contains("cost (tokens)"));
}

#[test]
fn an_incomplete_candidate_is_labelled_with_its_errored_count() {
    let mut partial = cand("partial-agent", 0.9, 2.0);
    partial.errored = 3;
    partial.incomplete = true;
    let svg = render(
        &Frontier::new(vec![partial, cand("whole-agent", 0.5, 1.0)]),
        None,
    );
    assert!(
        svg.contains("partial-agent (incomplete: 3 errored)"),
        "{svg}"
    );
    assert!(svg.contains("whole-agent"));
    assert!(!svg.contains("whole-agent (incomplete"));
}

#[test]
fn names_are_xml_escaped() {
    let frontier = Frontier::new(vec![cand("a<&>b", 0.5, 1.0)]);
    let svg = render(&frontier, Some(("o\"r&acle", 1.0)));
    assert!(svg.contains("a&lt;&amp;&gt;b"), "{svg}");
    assert!(!svg.contains("a<&>b"));
}

#[test]
fn empty_frontier_renders_with_a_note() {
    let svg = render(&Frontier::new(Vec::new()), None);
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("no candidates"));
    assert!(svg.contains("cost (no unit)"));
}

#[test]
fn empty_frontier_with_reference_renders() {
    let svg = render(&Frontier::new(Vec::new()), Some(("oracle", 1.0)));
    assert!(svg.contains("oracle"));
}

#[test]
fn single_candidate_renders() {
    let svg = render(&Frontier::new(vec![cand("only", 0.5, 3.0)]), None);
    assert!(svg.contains("only"));
    assert!(svg.contains("1 candidate, 1 on the frontier"));
}

#[test]
fn equal_costs_render() {
    let frontier = Frontier::new(vec![
        cand("a", 0.5, 7.0),
        cand("b", 0.5, 7.0),
        cand("c", -0.5, 7.0),
    ]);
    let svg = render(&frontier, Some(("oracle", 1.0)));
    for name in ["a", "b", "c"] {
        assert!(svg.contains(&format!("\n{name}\n")), "{name} missing");
    }
    assert_eq!(svg.matches("<circle").count(), 3, "one point per candidate");
}

#[test]
fn zero_costs_render() {
    let frontier = Frontier::new(vec![cand("a", 1.0, 0.0), cand("b", -1.0, -0.0)]);
    assert!(render(&frontier, None).contains("<svg"));
}

#[test]
fn non_finite_candidates_are_counted_not_drawn() {
    let frontier = Frontier::new(vec![
        cand("fine", 0.5, 1.0),
        cand("nan-score", f64::NAN, 1.0),
        cand("inf-cost", 0.5, f64::INFINITY),
    ]);
    let svg = render(&frontier, Some(("oracle", f64::NAN)));
    assert!(svg.contains("fine"));
    assert!(!svg.contains("nan-score"));
    assert!(svg.contains("2 candidates with a non-finite score or cost not shown"));
    assert!(svg.contains("reference oracle has a non-finite score"));
}

#[test]
fn extreme_values_render_without_overflow() {
    let frontier = Frontier::new(vec![
        cand("max-cost", 0.0, f64::MAX),
        cand("min-cost", f64::MAX, -f64::MAX),
    ]);
    let svg = render(&frontier, Some(("oracle", f64::MAX)));
    assert!(svg.contains("max-cost") && svg.contains("min-cost"));
}

#[test]
fn large_token_costs_use_short_ticks() {
    assert_eq!(format_tick(1_500_000.0), "1.5M");
    assert_eq!(format_tick(25_000.0), "25k");
    assert_eq!(format_tick(0.0125), "0.0125");
    assert_eq!(format_tick(-0.0), "0");
    assert_eq!(format_tick(1.0), "1");
    assert_eq!(format_tick(3e9), "3G");
    assert_eq!(format_tick(0.00003), "0.00003");
    assert_eq!(format_tick(0.30000000000000004), "0.3");
    assert_eq!(format_tick(-1e-300), "0");
    assert_eq!(format_tick(f64::MAX), "1.8e308");
}

#[test]
fn step_line_climbs_from_cheapest_to_best() {
    assert_eq!(
        step_line(&[(2.5, 0.9), (0.10, 0.25)], 3.0),
        [(0.10, 0.25), (2.5, 0.25), (2.5, 0.9), (3.0, 0.9)]
    );
}

use crate::test_support::awkward_f64 as value;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_frontier_renders_without_panicking(
        pairs in proptest::collection::vec((value(), value()), 0..6),
        reference in proptest::option::of(value()),
    ) {
        let frontier = Frontier::new(
            pairs
                .into_iter()
                .enumerate()
                .map(|(i, (score, cost))| cand(&format!("c{i}"), score, cost))
                .collect(),
        );
        let svg = frontier_svg(&frontier_chart(&frontier, &[], reference.map(|s| ("oracle", s))));
        prop_assert!(svg.is_ok(), "{svg:?}");
    }
}

#[test]
fn every_text_has_a_halo_so_lines_stop_short_of_labels() {
    let svg = render(&three(), Some(("oracle", 1.0)));
    let texts = svg.matches("<text ").count();
    assert!(texts > 0);
    assert_eq!(svg.matches("paint-order=\"stroke\"").count(), texts);
}

#[test]
fn points_with_no_room_for_a_label_are_listed_under_the_plot() {
    let frontier = Frontier::new(
        (0..80)
            .map(|i| cand(&format!("agent-number-{i:02}-with-a-long-name"), 0.5, 1.0))
            .collect(),
    );
    let svg = render(&frontier, None);
    assert!(svg.contains("no room to label "), "{svg}");
    assert_eq!(svg.matches("<circle").count(), 80, "every point is drawn");
}
