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
mod tests;
