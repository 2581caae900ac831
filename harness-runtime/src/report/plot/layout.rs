//! Where the frontier chart's labels go, in pixels, as plain rectangles (so placement is
//! tested without reading SVG): each label takes the first free spot around its point (right,
//! left, above, below, the diagonals), then the nearest free spot further out, joined to its
//! point by a leader line. A spot is free when it lies inside the plot and meets no other
//! label, no point's marker and no obstacle. A label with no free spot is left off the plot.

use crate::report::chart::{ChartPoint, FrontierChart};

/// Radius of a point's marker, in pixels.
pub const MARKER_RADIUS: f64 = 4.0;
/// Font size of point and reference labels, in SVG pixels.
pub const LABEL_PX: f64 = 12.0;
/// Space between a label's text and its box.
pub const PAD: f64 = 2.0;
/// Distance from a point to a label beside it.
const GAP: f64 = MARKER_RADIUS + 3.0;
/// Horizontal space between columns of labels further out.
const COLUMN_GAP: f64 = 12.0;
/// At most this many rows and columns of spots further out are tried (bounds the work for
/// crowded charts; a label that finds none is listed below the plot instead).
const MAX_ROWS: f64 = 60.0;
const MAX_COLUMNS: f64 = 4.0;
/// The largest magnitude mapped to pixels: beyond it, differences of range ends overflow.
const RANGE_LIMIT: f64 = 1e300;

/// An axis-aligned rectangle in pixels, y growing downwards.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left.
    pub x0: f64,
    /// Top.
    pub y0: f64,
    /// Right.
    pub x1: f64,
    /// Bottom.
    pub y1: f64,
}

impl Rect {
    /// The rectangle with top-left corner (`x`, `y`) and size `w` x `h`.
    #[must_use]
    pub fn at(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect {
            x0: x,
            y0: y,
            x1: x + w,
            y1: y + h,
        }
    }

    /// Whether the two share any area (touching edges do not).
    #[must_use]
    pub fn intersects(&self, other: &Rect) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }

    /// Whether `other` lies inside this one.
    #[must_use]
    pub fn contains(&self, other: &Rect) -> bool {
        self.x0 <= other.x0 && other.x1 <= self.x1 && self.y0 <= other.y0 && other.y1 <= self.y1
    }

    /// Width.
    #[must_use]
    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    /// Height.
    #[must_use]
    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }

    /// The point of this rectangle nearest to `p`.
    #[must_use]
    pub fn nearest(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (x.clamp(self.x0, self.x1), y.clamp(self.y0, self.y1))
    }

    /// Whether the segment from `a` to `b` passes through the rectangle's inside
    /// (Liang-Barsky clipping; touching an edge does not count).
    #[must_use]
    pub fn meets_segment(&self, a: (f64, f64), b: (f64, f64)) -> bool {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        for (p, q) in [
            (-dx, a.0 - self.x0),
            (dx, self.x1 - a.0),
            (-dy, a.1 - self.y0),
            (dy, self.y1 - a.1),
        ] {
            if p == 0.0 {
                if q <= 0.0 {
                    return false;
                }
            } else {
                let t = q / p;
                if p < 0.0 {
                    t0 = t0.max(t);
                } else {
                    t1 = t1.min(t);
                }
            }
        }
        t0 < t1
    }

    /// Distance from `p` to the rectangle (0 inside).
    #[must_use]
    pub fn distance(&self, p: (f64, f64)) -> f64 {
        let (nx, ny) = self.nearest(p);
        (nx - p.0).hypot(ny - p.1)
    }
}

/// Estimated width in pixels of `text` in a sans-serif font of `font_px` pixels, erring wide
/// (the viewer picks the font, so the real widths are unknown): per character, an em
/// fraction by character class, close to DejaVu Sans, the widest common default.
#[must_use]
pub fn text_width(text: &str, font_px: f64) -> f64 {
    let ems: f64 = text
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 0.34,
            'f' | 't' | 'r' | '(' | ')' | '[' | ']' | ' ' | '-' | '/' => 0.44,
            'm' | 'w' | 'M' | 'W' | '@' | '%' => 1.0,
            'A'..='Z' => 0.8,
            c if c.is_ascii() => 0.66,
            // Accented letters, CJK, emoji: at most a full em.
            _ => 1.0,
        })
        .sum();
    ems * font_px
}

/// The box of a label with `text`: its estimated text plus padding.
#[must_use]
pub fn label_size(text: &str) -> (f64, f64) {
    (
        text_width(text, LABEL_PX) + 2.0 * PAD,
        LABEL_PX * 1.25 + 2.0 * PAD,
    )
}

/// The area a marker at `p` covers, with a pixel to spare for rounding.
#[must_use]
pub fn marker_rect((x, y): (f64, f64)) -> Rect {
    let r = MARKER_RADIUS + 1.0;
    Rect {
        x0: x - r,
        y0: y - r,
        x1: x + r,
        y1: y + r,
    }
}

/// A label's place: its box, and a leader line (from its point's marker to the box) when
/// it is not right beside its point.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// The label's box; the text is drawn inside it.
    pub rect: Rect,
    /// From the marker's edge to the box, when the box is away from its point.
    pub leader: Option<((f64, f64), (f64, f64))>,
}

/// Places one label per `(anchor, text)`, in order (earlier labels get the better spots),
/// inside `area`, meeting no other label, no anchor's marker and no `obstacles`. Spots
/// beside the point come first, then spots further out with a leader line; within each, a
/// tidy spot is preferred: one that crosses none of `lines` and no other leader, and whose
/// leader crosses no other label. An untidy one is allowed otherwise (the text's halo keeps
/// a line under it legible). `None` where no spot was free.
#[must_use]
pub fn place_labels(
    area: Rect,
    labels: &[((f64, f64), String)],
    obstacles: &[Rect],
    lines: &[Rect],
) -> Vec<Option<Placed>> {
    let markers: Vec<Rect> = labels
        .iter()
        .map(|(anchor, _)| marker_rect(*anchor))
        .collect();
    let mut taken: Vec<Placed> = Vec::new();
    labels
        .iter()
        .map(|(anchor, text)| {
            let (w, h) = label_size(text);
            let spots: Vec<Placed> = spots(*anchor, w, h, area)
                .into_iter()
                .map(|rect| Placed {
                    rect,
                    leader: leader(*anchor, &rect),
                })
                .collect();
            let free = |spot: &&Placed| {
                area.contains(&spot.rect)
                    && !markers.iter().any(|m| m.intersects(&spot.rect))
                    && !taken.iter().any(|t| t.rect.intersects(&spot.rect))
                    && !obstacles.iter().any(|o| o.intersects(&spot.rect))
            };
            let tidy = |spot: &&Placed| {
                !lines.iter().any(|l| l.intersects(&spot.rect))
                    && !taken.iter().any(|t| {
                        t.leader.is_some_and(|(a, b)| spot.rect.meets_segment(a, b))
                            || spot.leader.is_some_and(|(a, b)| t.rect.meets_segment(a, b))
                    })
            };
            let (near, far) = spots.split_at(NEAR.min(spots.len()));
            let placed = near
                .iter()
                .filter(free)
                .find(tidy)
                .or_else(|| near.iter().find(free))
                .or_else(|| far.iter().filter(free).find(tidy))
                .or_else(|| far.iter().find(free))?
                .clone();
            taken.push(placed.clone());
            Some(placed)
        })
        .collect()
}

/// How many of [`spots`] are beside the point (no leader).
const NEAR: usize = 8;

/// Candidate boxes of size `w` x `h` for a label of the point at `anchor`, best first: the
/// eight spots beside it (right, left, above, below), then rows and columns further out,
/// nearest first.
fn spots((ax, ay): (f64, f64), w: f64, h: f64, area: Rect) -> Vec<Rect> {
    let d = MARKER_RADIUS + 2.0;
    // Above and below start at the point's right (then its left) before centred: a label
    // centred over a point would sit across the leaders of a column of labels beside it.
    let mut near = vec![
        Rect::at(ax + GAP, ay - h / 2.0, w, h),
        Rect::at(ax - GAP - w, ay - h / 2.0, w, h),
        Rect::at(ax + d, ay - d - h, w, h),
        Rect::at(ax + d, ay + d, w, h),
        Rect::at(ax - d - w, ay - d - h, w, h),
        Rect::at(ax - d - w, ay + d, w, h),
        Rect::at(ax - w / 2.0, ay - GAP - h, w, h),
        Rect::at(ax - w / 2.0, ay + GAP, w, h),
    ];
    // Rows one label apart (and a pixel), so a stack of labels stays legible.
    let step = h + 1.0;
    let rows = (area.height() / step).ceil().clamp(1.0, MAX_ROWS) as i32;
    let columns = (area.width() / (w + COLUMN_GAP))
        .ceil()
        .clamp(1.0, MAX_COLUMNS) as i32;
    let mut far = Vec::new();
    for column in 0..columns {
        let dx = GAP + f64::from(column) * (w + COLUMN_GAP);
        for row in -rows..=rows {
            if column == 0 && row == 0 {
                continue;
            }
            let y = ay - h / 2.0 + f64::from(row) * step;
            far.push(Rect::at(ax + dx, y, w, h));
            far.push(Rect::at(ax - dx - w, y, w, h));
        }
    }
    for row in 1..=rows {
        let dy = GAP + f64::from(row) * step;
        far.push(Rect::at(ax - w / 2.0, ay - dy - h, w, h));
        far.push(Rect::at(ax - w / 2.0, ay + dy, w, h));
    }
    far.retain(|spot| area.contains(spot));
    // Nearest first, sideways distance counted double: a column of labels beside a crowded
    // point reads better than a fan of them. Stable: ties keep the order above.
    let reach = |spot: &Rect| {
        let (nx, ny) = spot.nearest((ax, ay));
        (2.0 * (nx - ax)).hypot(ny - ay)
    };
    far.sort_by(|a, b| reach(a).total_cmp(&reach(b)));
    near.extend(far);
    near
}

/// A leader from the marker's edge to `rect`, when `rect` is further from `anchor` than a
/// label beside it would be.
fn leader(anchor: (f64, f64), rect: &Rect) -> Option<((f64, f64), (f64, f64))> {
    let distance = rect.distance(anchor);
    // Beside (GAP) and diagonal (about 8.5) spots need none.
    if distance <= GAP + 3.0 {
        return None;
    }
    let to = rect.nearest(anchor);
    let from = (
        anchor.0 + (to.0 - anchor.0) / distance * MARKER_RADIUS,
        anchor.1 + (to.1 - anchor.1) / distance * MARKER_RADIUS,
    );
    Some((from, to))
}

/// The reference label's box for a line at height `y` across `area`: at the right end
/// above the line, else below it, else further left, meeting no marker. `None` when every
/// spot meets one (the legend still names the reference).
#[must_use]
pub fn place_reference(area: Rect, y: f64, text: &str, markers: &[Rect]) -> Option<Rect> {
    let (w, h) = label_size(text);
    let inset = 4.0;
    let mut x = area.x1 - inset - w;
    while x >= area.x0 {
        for top in [y - 1.0 - h, y + 1.0] {
            let spot = Rect::at(x, top, w, h);
            if area.contains(&spot) && !markers.iter().any(|m| m.intersects(&spot)) {
                return Some(spot);
            }
        }
        x -= w / 4.0;
    }
    None
}

/// Maps a chart's data to pixels: its ranges onto `area`, y upwards.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// The plotting area in pixels.
    pub area: Rect,
    /// The x range as drawn (the chart's, within +-1e300).
    pub x_range: (f64, f64),
    /// The y range as drawn.
    pub y_range: (f64, f64),
}

impl Frame {
    /// `chart`'s ranges onto `area`.
    #[must_use]
    pub fn new(area: Rect, chart: &FrontierChart) -> Frame {
        Frame {
            area,
            x_range: drawable(chart.x_range),
            y_range: drawable(chart.y_range),
        }
    }

    /// The pixel of (`x`, `y`), clamped into the ranges.
    #[must_use]
    pub fn pixel(&self, x: f64, y: f64) -> (f64, f64) {
        let (x_lo, x_hi) = self.x_range;
        let (y_lo, y_hi) = self.y_range;
        let fx = (x.clamp(x_lo, x_hi) - x_lo) / (x_hi - x_lo);
        let fy = (y.clamp(y_lo, y_hi) - y_lo) / (y_hi - y_lo);
        (
            self.area.x0 + fx * self.area.width(),
            self.area.y1 - fy * self.area.height(),
        )
    }
}

/// `range` within +-1e300 and never empty, so that mapping it never overflows.
#[must_use]
pub fn drawable((lo, hi): (f64, f64)) -> (f64, f64) {
    let (lo, hi) = (
        lo.clamp(-RANGE_LIMIT, RANGE_LIMIT),
        hi.clamp(-RANGE_LIMIT, RANGE_LIMIT),
    );
    if lo < hi {
        (lo, hi)
    } else {
        (hi - hi.abs().max(1.0) * 0.1, hi)
    }
}

/// A point's label: its name, and for one whose score leaves out errored cases, how many
/// (`name (incomplete: 2 errored)`).
#[must_use]
pub fn point_label(point: &ChartPoint) -> String {
    if point.incomplete || point.errored > 0 {
        format!("{} (incomplete: {} errored)", point.name, point.errored)
    } else {
        point.name.clone()
    }
}

/// The reference's label, `name (score)`.
#[must_use]
pub fn reference_label(name: &str, score: f64) -> String {
    format!("{name} ({})", super::format_tick(score))
}

/// Everything placed on a chart, in pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartLayout {
    /// Each point's pixel, in the order of `chart.points`.
    pub anchors: Vec<(f64, f64)>,
    /// The reference line's height and its label's box (`None`: no room, or no line).
    pub reference: Option<(f64, Option<Rect>)>,
    /// Each point's label, in the order of `chart.points` (`None`: no room).
    pub labels: Vec<Option<Placed>>,
}

/// Lays out `chart` in `frame`: the reference label first (it avoids the markers), then the
/// Pareto members' labels, then the others'.
#[must_use]
pub fn chart_layout(chart: &FrontierChart, frame: &Frame) -> ChartLayout {
    let anchors: Vec<(f64, f64)> = chart
        .points
        .iter()
        .map(|p| frame.pixel(p.x, p.score))
        .collect();
    let markers: Vec<Rect> = anchors.iter().copied().map(marker_rect).collect();
    let reference = chart
        .reference
        .as_ref()
        .filter(|r| r.score.is_finite())
        .map(|r| {
            let (_, y) = frame.pixel(frame.x_range.0, r.score);
            let text = reference_label(&r.name, r.score);
            (y, place_reference(frame.area, y, &text, &markers))
        });
    let obstacles: Vec<Rect> = reference.iter().filter_map(|(_, rect)| *rect).collect();
    // The lines drawn, a pixel either side: the reference line and the staircase's segments
    // (horizontal or vertical, so each is a thin rectangle).
    let thin = |(x0, y0): (f64, f64), (x1, y1): (f64, f64)| Rect {
        x0: x0.min(x1) - 1.0,
        y0: y0.min(y1) - 1.0,
        x1: x0.max(x1) + 1.0,
        y1: y0.max(y1) + 1.0,
    };
    let members: Vec<(f64, f64)> = chart
        .points
        .iter()
        .filter(|p| p.pareto)
        .map(|p| (p.x, p.score))
        .collect();
    let steps: Vec<(f64, f64)> = super::step_line(&members, frame.x_range.1)
        .into_iter()
        .map(|(x, y)| frame.pixel(x, y))
        .collect();
    let mut lines: Vec<Rect> = steps
        .windows(2)
        .map(|pair| thin(pair[0], pair[1]))
        .collect();
    if let Some((y, _)) = reference {
        lines.push(thin((frame.area.x0, y), (frame.area.x1, y)));
    }
    let mut order: Vec<usize> = (0..chart.points.len()).collect();
    order.sort_by_key(|&i| !chart.points[i].pareto);
    let requests: Vec<((f64, f64), String)> = order
        .iter()
        .map(|&i| (anchors[i], point_label(&chart.points[i])))
        .collect();
    let mut labels = vec![None; chart.points.len()];
    for (i, placed) in order
        .into_iter()
        .zip(place_labels(frame.area, &requests, &obstacles, &lines))
    {
        labels[i] = placed;
    }
    ChartLayout {
        anchors,
        reference,
        labels,
    }
}

#[cfg(test)]
mod tests {
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
}
