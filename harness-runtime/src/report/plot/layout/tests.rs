use super::*;
use crate::frontier::{Candidate, CostUnit, Frontier};
use crate::report::chart::frontier_chart;
use proptest::prelude::*;

const AREA: Rect = Rect {
    x0: 90.0,
    y0: 60.0,
    x1: 880.0,
    y1: 440.0,
};

fn cand(name: &str, score: f64, cost: f64) -> Candidate {
    Candidate {
        name: name.to_owned(),
        score,
        cost,
        cost_unit: CostUnit::Bytes,
        cases: 1,
        passed: 0,
        errored: 0,
        incomplete: false,
    }
}

/// Every placed label is inside the area and meets no other label, no marker and the
/// reference label.
fn check(layout: &ChartLayout, area: Rect) -> Result<(), TestCaseError> {
    let markers: Vec<Rect> = layout.anchors.iter().copied().map(marker_rect).collect();
    let reference = layout.reference.and_then(|(_, rect)| rect);
    if let Some(reference) = reference {
        prop_assert!(area.contains(&reference));
        prop_assert!(!markers.iter().any(|m| m.intersects(&reference)));
    }
    let placed: Vec<&Placed> = layout.labels.iter().flatten().collect();
    for (i, a) in placed.iter().enumerate() {
        prop_assert!(area.contains(&a.rect), "{a:?} outside {area:?}");
        for m in &markers {
            prop_assert!(!a.rect.intersects(m), "{a:?} meets marker {m:?}");
        }
        if let Some(reference) = reference {
            prop_assert!(!a.rect.intersects(&reference));
        }
        for b in &placed[i + 1..] {
            prop_assert!(!a.rect.intersects(&b.rect), "{a:?} meets {b:?}");
        }
    }
    Ok(())
}

#[test]
fn twelve_candidates_at_one_point_are_all_labelled_apart() {
    let names = [
        "noop",
        "approve_all",
        "reject_all",
        "flag_every_line",
        "agent",
        "rewrite_tests",
        "delete_checks",
        "skip_hidden",
        "fake_closure",
        "touch_outside",
        "forge_results",
        "sleep_forever",
    ];
    let frontier = Frontier::new(names.iter().map(|n| cand(n, 0.0, 0.0)).collect());
    let chart = frontier_chart(&frontier, &[], Some(("oracle", 1.0)));
    // No results: nothing measured, so force a placement on the cost axis.
    let chart = FrontierChart {
        points: frontier
            .candidates
            .iter()
            .map(|c| ChartPoint {
                name: c.name.clone(),
                x: 0.0,
                score: 0.0,
                pareto: true,
                cost: 0.0,
                cost_unit: "bytes".to_owned(),
                agent_seconds: 0.0,
                cases: 1,
                passed: 0,
                errored: 0,
                incomplete: false,
            })
            .collect(),
        // As the chart draws all-zero seconds: the point at the left edge.
        x_range: (-0.04, 1.0),
        y_range: (-0.1, 1.1),
        unplaced: Vec::new(),
        ..chart
    };
    let layout = chart_layout(&chart, &Frame::new(AREA, &chart));
    check(&layout, AREA).expect("no overlap");
    assert!(
        layout.labels.iter().all(Option::is_some),
        "every label fits: {layout:?}"
    );
    assert!(layout.reference.and_then(|(_, r)| r).is_some());
    let beside = layout
        .labels
        .iter()
        .flatten()
        .filter(|p| p.leader.is_none())
        .count();
    assert!(beside >= 2, "the first labels sit beside the point");
    // One tidy column: no leader crosses another label.
    let placed: Vec<&Placed> = layout.labels.iter().flatten().collect();
    for a in &placed {
        for b in &placed {
            if let Some((from, to)) = b.leader
                && a != b
            {
                assert!(!a.rect.meets_segment(from, to), "{b:?} crosses {a:?}");
            }
        }
    }
}

#[test]
fn a_lone_label_sits_right_of_its_point() {
    let placed = place_labels(AREA, &[((300.0, 200.0), "solo".to_owned())], &[], &[]);
    let rect = placed[0].as_ref().expect("placed").rect;
    assert_eq!(rect.x0, 300.0 + GAP);
    assert!(rect.y0 < 200.0 && 200.0 < rect.y1);
    assert!(placed[0].as_ref().is_some_and(|p| p.leader.is_none()));
}

#[test]
fn a_label_avoids_a_line_when_a_spot_beside_its_point_is_clear() {
    let anchor = (300.0, 200.0);
    let line_to_the_right = Rect {
        x0: 300.0,
        y0: 199.0,
        x1: AREA.x1,
        y1: 201.0,
    };
    let labels = [(anchor, "member".to_owned())];
    let placed = place_labels(AREA, &labels, &[], &[line_to_the_right]);
    let rect = placed[0].as_ref().expect("placed").rect;
    assert!(!rect.intersects(&line_to_the_right), "{rect:?}");
    assert!(rect.x1 < 300.0, "left of its point: {rect:?}");
    // With every spot beside it crossed, the label still sits beside its point.
    let boxed_in = [
        line_to_the_right,
        Rect {
            x0: AREA.x0,
            y0: 150.0,
            x1: AREA.x1,
            y1: 250.0,
        },
    ];
    let placed = place_labels(AREA, &labels, &[], &boxed_in);
    assert!(placed[0].as_ref().is_some_and(|p| p.leader.is_none()));
}

#[test]
fn segments_meet_a_rectangle_only_through_its_inside() {
    let r = Rect::at(10.0, 10.0, 10.0, 10.0);
    assert!(r.meets_segment((0.0, 15.0), (30.0, 15.0)), "across");
    assert!(r.meets_segment((15.0, 15.0), (40.0, 40.0)), "from inside");
    assert!(r.meets_segment((0.0, 0.0), (30.0, 30.0)), "diagonal");
    assert!(!r.meets_segment((0.0, 0.0), (30.0, 0.0)), "above");
    assert!(!r.meets_segment((0.0, 10.0), (30.0, 10.0)), "along an edge");
    assert!(!r.meets_segment((0.0, 0.0), (9.0, 9.0)), "short of it");
    assert!(!r.meets_segment((0.0, 19.0), (19.0, 0.0)), "past a corner");
    assert!(
        r.meets_segment((0.0, 21.0), (21.0, 0.0)),
        "through a corner"
    );
}

#[test]
fn a_label_at_the_right_edge_goes_left() {
    let placed = place_labels(
        AREA,
        &[((AREA.x1 - 2.0, 200.0), "edge".to_owned())],
        &[],
        &[],
    );
    let rect = placed[0].as_ref().expect("placed").rect;
    assert!(rect.x1 < AREA.x1 - 2.0);
}

#[test]
fn a_label_with_no_room_is_left_off() {
    let tiny = Rect::at(0.0, 0.0, 30.0, 30.0);
    let placed = place_labels(tiny, &[((15.0, 15.0), "far too long".to_owned())], &[], &[]);
    assert_eq!(placed, [None]);
}

#[test]
fn the_reference_label_avoids_markers_at_the_right_end() {
    let y = 100.0;
    let free = place_reference(AREA, y, "oracle (1)", &[]).expect("room");
    assert!(free.y1 <= y && (AREA.x1 - free.x1) < 10.0);
    let blocked = [
        marker_rect((AREA.x1 - 20.0, y - 8.0)),
        marker_rect((AREA.x1 - 20.0, y + 8.0)),
    ];
    let moved = place_reference(AREA, y, "oracle (1)", &blocked).expect("room");
    assert!(!blocked.iter().any(|m| m.intersects(&moved)));
    assert!(moved.x1 < AREA.x1 - 20.0);
}

#[test]
fn text_width_grows_with_text_and_font() {
    assert_eq!(text_width("", 12.0), 0.0);
    assert!(text_width("mmmm", 12.0) > text_width("iiii", 12.0));
    assert!(text_width("abc", 24.0) > text_width("abc", 12.0));
    // At least its width in DejaVu Sans (5.78 em), the widest common default.
    assert!(text_width("approve_all", 12.0) >= 5.78 * 12.0);
    assert!(text_width("MWMW", 12.0) >= (0.863 + 0.989) * 2.0 * 12.0);
}

#[test]
fn frames_map_ranges_onto_the_area_upwards() {
    let frame = Frame {
        area: AREA,
        x_range: (0.0, 10.0),
        y_range: (-1.0, 1.0),
    };
    assert_eq!(frame.pixel(0.0, -1.0), (AREA.x0, AREA.y1));
    assert_eq!(frame.pixel(10.0, 1.0), (AREA.x1, AREA.y0));
    assert_eq!(frame.pixel(99.0, 99.0), (AREA.x1, AREA.y0), "clamped");
    assert_eq!(drawable((f64::MAX, f64::MAX)), (0.9e300, 1e300));
}

/// Names of 1 to 24 characters, often wide ones.
fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z_mW0-9]{1,24}"
}

/// Coordinates on a coarse grid, so that many candidates share a point.
fn coordinate() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => (0i32..4).prop_map(|v| f64::from(v) / 2.0),
        1 => -2.0f64..2.0,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn placed_labels_never_meet_each_other_or_any_marker(
        cands in proptest::collection::vec((name(), coordinate(), coordinate()), 0..40),
        reference in proptest::option::of(coordinate()),
        width in 200.0f64..900.0,
        height in 120.0f64..500.0,
    ) {
        let frontier = Frontier::new(
            cands
                .into_iter()
                .enumerate()
                .map(|(i, (name, score, cost))| cand(&format!("{name}{i}"), score, cost))
                .collect(),
        );
        let chart = frontier_chart(&frontier, &[], reference.map(|s| ("oracle", s)));
        let area = Rect::at(60.0, 40.0, width, height);
        let layout = chart_layout(&chart, &Frame::new(area, &chart));
        prop_assert_eq!(layout.labels.len(), chart.points.len());
        check(&layout, area)?;
    }

    #[test]
    fn labels_of_coincident_points_never_meet(
        names in proptest::collection::vec(name(), 1..30),
        x in 0.0f64..1.0,
        y in 0.0f64..1.0,
    ) {
        let labels: Vec<((f64, f64), String)> = names
            .into_iter()
            .map(|name| {
                let anchor = (AREA.x0 + x * AREA.width(), AREA.y0 + y * AREA.height());
                (anchor, name)
            })
            .collect();
        let placed = place_labels(AREA, &labels, &[], &[]);
        let layout = ChartLayout {
            anchors: labels.iter().map(|(a, _)| *a).collect(),
            reference: None,
            labels: placed,
        };
        check(&layout, AREA)?;
        // The plot is big enough for a dozen short names around one point.
        if labels.len() <= 12 {
            prop_assert!(layout.labels.iter().all(Option::is_some), "{layout:?}");
        }
    }
}
