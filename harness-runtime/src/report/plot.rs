//! `frontier.svg`: the candidates of a [`Frontier`] as score against cost, drawn with
//! `plotters` into an in-memory SVG string (no file IO, no font files: text is emitted as SVG
//! `<text>` elements and laid out by the viewer).

use std::collections::HashMap;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::frontier::{Candidate, Frontier};

/// Width of the rendered SVG, in pixels.
const WIDTH: u32 = 900;
/// Height of the rendered SVG, in pixels.
const HEIGHT: u32 = 560;
/// Vertical distance between labels of candidates drawn at the same point.
const LABEL_STEP: i32 = 15;
/// The largest magnitude an axis range covers.
const RANGE_LIMIT: f64 = 1e300;
/// The reference line's colour (a dark green, readable on white).
const REFERENCE: RGBColor = RGBColor(0, 128, 64);
/// Colour of Pareto members and the frontier line.
const FRONT: RGBColor = RGBColor(210, 40, 40);
/// Colour of dominated candidates.
const DOMINATED: RGBColor = RGBColor(70, 110, 180);

/// Why the frontier plot could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// `plotters` reported an error while drawing.
    #[error("failed to draw frontier plot: {0}")]
    Draw(String),
}

impl PlotError {
    fn draw(err: impl std::fmt::Display) -> PlotError {
        PlotError::Draw(err.to_string())
    }
}

/// Renders `frontier` as an SVG document: x = cost (in the frontier's unit), y = score (mean
/// reward), every candidate a labelled point, the Pareto members joined by a step line (the best
/// score attainable within a budget), and `reference` (a label and a score, e.g. the oracle's
/// 1.0) as a dashed horizontal line. Candidates with a non-finite score or cost cannot be placed
/// and are counted in a note instead. Works for any number of candidates, including none.
pub fn frontier_svg(
    frontier: &Frontier,
    reference: Option<(&str, f64)>,
) -> Result<String, PlotError> {
    let shown: Vec<&Candidate> = frontier
        .candidates
        .iter()
        .filter(|c| c.score.is_finite() && c.cost.is_finite())
        .collect();
    let hidden = frontier.candidates.len() - shown.len();
    let reference_line = reference.filter(|(_, score)| score.is_finite());

    let (x_lo, x_hi) = cost_range(shown.iter().map(|c| c.cost));
    let (y_lo, y_hi) = score_range(
        shown
            .iter()
            .map(|c| c.score)
            .chain(reference_line.map(|(_, score)| score)),
    );

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(PlotError::draw)?;

        let (caption, notes) = headings(frontier, hidden, reference, reference_line);
        let area = root
            .margin(12, 0, 0, 0)
            .titled(&caption, ("sans-serif", 24))
            .map_err(PlotError::draw)?;
        let area = if notes.is_empty() {
            area
        } else {
            let font = ("sans-serif", 16).into_font().color(&RGBColor(150, 70, 0));
            area.titled(&notes.join("; "), font)
                .map_err(PlotError::draw)?
        };
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(72)
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
            .map_err(PlotError::draw)?;

        let x_desc = format!("cost ({})", unit_label(frontier));
        let tick = |v: &f64| format_tick(*v);
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc("score (mean reward)")
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 17))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(PlotError::draw)?;

        if let Some((name, score)) = reference_line {
            draw_reference(
                &mut chart,
                (name, score),
                score.clamp(y_lo, y_hi),
                (x_lo, x_hi),
            )?;
        }

        // Clamped into the axis ranges: plotters overflows mapping a point far outside them.
        let placed: Vec<(&Candidate, (f64, f64))> = shown
            .iter()
            .map(|&c| (c, (c.cost.clamp(x_lo, x_hi), c.score.clamp(y_lo, y_hi))))
            .collect();
        let steps = step_line(frontier, &placed, x_hi);
        let has_legend = reference_line.is_some() || !steps.is_empty();
        if !steps.is_empty() {
            let style = ShapeStyle::from(&FRONT.mix(0.7)).stroke_width(2);
            chart
                .draw_series(LineSeries::new(steps, style))
                .map_err(PlotError::draw)?
                .label("pareto frontier")
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
        }

        draw_points(&mut chart, frontier, &placed)?;

        if has_legend {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .label_font(("sans-serif", 15))
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(200, 200, 200))
                .draw()
                .map_err(PlotError::draw)?;
        }

        root.present().map_err(PlotError::draw)?;
    }
    Ok(svg)
}

/// The plot's caption and its notes (what could not be shown).
fn headings(
    frontier: &Frontier,
    hidden: usize,
    reference: Option<(&str, f64)>,
    reference_line: Option<(&str, f64)>,
) -> (String, Vec<String>) {
    let caption = format!(
        "Pareto frontier: score vs cost ({} candidate{}, {} on the frontier)",
        frontier.candidates.len(),
        if frontier.candidates.len() == 1 {
            ""
        } else {
            "s"
        },
        frontier.pareto.len()
    );
    let mut notes = Vec::new();
    if frontier.candidates.is_empty() {
        notes.push("no candidates".to_owned());
    }
    if hidden > 0 {
        notes.push(format!(
            "{hidden} candidate{} with a non-finite score or cost not shown",
            if hidden == 1 { "" } else { "s" }
        ));
    }
    if let Some((name, _)) = reference.filter(|_| reference_line.is_none()) {
        notes.push(format!("reference {name} has a non-finite score"));
    }
    (caption, notes)
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The reference as a dashed line at `level` (its score, kept inside the y range) across
/// the x range, labelled with its name and score at its right end.
fn draw_reference(
    chart: &mut Chart<'_, '_>,
    (name, score): (&str, f64),
    level: f64,
    (x_lo, x_hi): (f64, f64),
) -> Result<(), PlotError> {
    let style = ShapeStyle::from(&REFERENCE).stroke_width(1);
    chart
        .draw_series(DashedLineSeries::new(
            [(x_lo, level), (x_hi, level)],
            6,
            4,
            style,
        ))
        .map_err(PlotError::draw)?
        .label(format!("reference: {name}"))
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
    let font = ("sans-serif", 16)
        .into_font()
        .color(&REFERENCE)
        .pos(Pos::new(HPos::Right, VPos::Bottom));
    chart
        .draw_series(std::iter::once(Text::new(
            format!("{name} ({})", format_tick(score)),
            (x_hi, level),
            font,
        )))
        .map_err(PlotError::draw)?;
    Ok(())
}

/// Every placed candidate as a labelled point; labels of points drawn at the same place
/// are stacked so they stay readable.
fn draw_points(
    chart: &mut Chart<'_, '_>,
    frontier: &Frontier,
    placed: &[(&Candidate, (f64, f64))],
) -> Result<(), PlotError> {
    let mut stacked: HashMap<(u64, u64), i32> = HashMap::new();
    let points = placed.iter().map(|&(c, (x, y))| {
        let slot = stacked.entry((bits(x), bits(y))).or_insert(0);
        let offset = *slot;
        *slot = slot.saturating_add(1);
        let on_front = frontier.pareto.contains(&c.name);
        let color = if on_front { FRONT } else { DOMINATED };
        EmptyElement::at((x, y))
            + Circle::new((0, 0), 4, ShapeStyle::from(&color).filled())
            + Text::new(
                label(c),
                (6, (-4i32).saturating_sub(LABEL_STEP.saturating_mul(offset))),
                ("sans-serif", 15)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Left, VPos::Bottom)),
            )
    });
    chart.draw_series(points).map_err(PlotError::draw)?;
    Ok(())
}

/// A candidate's label: its name, and for one whose score leaves out errored cases, how
/// many (`name (incomplete: 2 errored)`).
fn label(candidate: &Candidate) -> String {
    if candidate.incomplete || candidate.errored > 0 {
        format!(
            "{} (incomplete: {} errored)",
            candidate.name, candidate.errored
        )
    } else {
        candidate.name.clone()
    }
}

/// The x-axis unit: the candidates' common unit, "mixed units" if they disagree.
fn unit_label(frontier: &Frontier) -> &'static str {
    let mut units = frontier.candidates.iter().map(|c| c.cost_unit);
    match units.next() {
        None => "no unit",
        Some(first) if units.all(|u| u == first) => first.as_str(),
        Some(_) => "mixed units",
    }
}

/// The placed Pareto members as a staircase ordered by cost: at each member's cost the line
/// steps up to its score, and the last level extends to the right edge `x_hi`.
fn step_line(
    frontier: &Frontier,
    placed: &[(&Candidate, (f64, f64))],
    x_hi: f64,
) -> Vec<(f64, f64)> {
    let mut members: Vec<(f64, f64)> = placed
        .iter()
        .filter(|(c, _)| frontier.pareto.contains(&c.name))
        .map(|&(_, point)| point)
        .collect();
    members.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.total_cmp(&b.1)));
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(members.len() * 2 + 1);
    for (x, y) in members {
        if let Some(&(_, level)) = points.last() {
            points.push((x, level));
        }
        points.push((x, y));
    }
    points.dedup();
    if let Some(&(x, level)) = points.last()
        && x < x_hi
    {
        points.push((x_hi, level));
    }
    points
}

/// The x range: from 0 (or a little below the cheapest, if any cost is negative) to a little
/// beyond the most expensive, with room on the right for labels; never zero-width.
fn cost_range(costs: impl Iterator<Item = f64>) -> (f64, f64) {
    let (min, max) = bounds(costs).unwrap_or((0.0, 0.0));
    let lo = min.min(0.0);
    let span = max - lo;
    if span > f64::EPSILON * max.abs().max(1.0) {
        let lo = if lo < 0.0 { lo - span * 0.05 } else { lo };
        (lo, max + span * 0.15)
    } else {
        // Every cost is equal: 0, or one negative value.
        let pad = (max.abs() * 0.1).max(1.0);
        let lo = if lo < 0.0 { lo - pad } else { lo };
        (lo, max + pad)
    }
}

/// The y range: always covers [-1, 1] (the reward range), widened to any value outside it,
/// with a small margin.
fn score_range(scores: impl Iterator<Item = f64>) -> (f64, f64) {
    let (min, max) = bounds(scores).unwrap_or((-1.0, 1.0));
    let lo = min.min(-1.0);
    let hi = max.max(1.0);
    let pad = (hi - lo) * 0.05;
    if pad.is_finite() {
        (lo - pad, hi + pad)
    } else {
        (-1.05, 1.05)
    }
}

/// The least and greatest of finite values, if any, clamped to +-1e300 so that padding a
/// range never overflows.
fn bounds(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .map(|v| v.clamp(-RANGE_LIMIT, RANGE_LIMIT))
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((v.min(lo), v.max(hi))),
        })
}

/// Bits of `x` with `-0.0` folded into `0.0`, to group coincident points.
fn bits(x: f64) -> u64 {
    if x == 0.0 { 0 } else { x.to_bits() }
}

/// A short axis label: k/M/G suffixes for large magnitudes (scientific notation beyond), about
/// three significant digits for small ones.
fn format_tick(v: f64) -> String {
    let a = v.abs();
    let text = if a >= 1e12 {
        format!("{v:.1e}")
    } else if a >= 1e9 {
        format!("{}G", trim(format!("{:.2}", v / 1e9)))
    } else if a >= 1e6 {
        format!("{}M", trim(format!("{:.2}", v / 1e6)))
    } else if a >= 1e4 {
        format!("{}k", trim(format!("{:.1}", v / 1e3)))
    } else if a >= 1.0 || a == 0.0 {
        trim(format!("{v:.2}"))
    } else {
        // At most 12 decimals: smaller magnitudes print as 0.
        let decimals = (2.0 - a.log10().floor()).clamp(0.0, 12.0) as usize;
        trim(format!("{v:.decimals$}"))
    };
    if text == "-0" { "0".to_owned() } else { text }
}

/// Drops trailing zeros (and a trailing decimal point) from a formatted decimal.
fn trim(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests;
