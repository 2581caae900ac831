//! `frontier.svg`: a [`FrontierChart`] drawn with `plotters` into an in-memory SVG string
//! (no file IO, no font files: text is emitted as SVG `<text>` elements and laid out by the
//! viewer). Axes, grid and lines are plotters'; markers, labels and leader lines are drawn
//! in pixels where [`layout::chart_layout`] put them, so that no two labels overlap.

pub mod layout;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::report::chart::{FrontierChart, MEASURE_AGENT_SECONDS};

use layout::{Frame, LABEL_PX, MARKER_RADIUS, Rect};

/// Width of the rendered SVG, in pixels.
const WIDTH: u32 = 900;
/// Height of the rendered SVG, in pixels.
const HEIGHT: u32 = 570;
/// Height of the footer under the chart (legend and notes).
const FOOTER: u32 = 56;
/// plotters writes `font-size` as its size divided by this.
const PLOTTERS_FONT_SCALE: f64 = 1.24;
/// The reference line's colour (a dark green, readable on white).
const REFERENCE: RGBColor = RGBColor(0, 128, 64);
/// Colour of Pareto members and the frontier line.
const FRONT: RGBColor = RGBColor(210, 40, 40);
/// Colour of dominated candidates.
const DOMINATED: RGBColor = RGBColor(70, 110, 180);
/// Colour of notes (what could not be shown).
const NOTE: RGBColor = RGBColor(150, 70, 0);
/// Colour of leader lines.
const LEADER: RGBColor = RGBColor(110, 110, 110);

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

/// A font of `px` SVG pixels.
fn font(px: f64) -> FontDesc<'static> {
    ("sans-serif", px * PLOTTERS_FONT_SCALE).into_font()
}

/// Renders `chart` as an SVG document: y = score (mean reward), x = the chart's measure,
/// every placed candidate a labelled point, the Pareto members joined by a step line (the best
/// score attainable within a budget), and the reference (e.g. the oracle's 1.0) as a dashed
/// horizontal line. Labels never overlap each other or a point: one with no room is listed
/// under the chart. Candidates that cannot be placed are counted in a note. Works for any
/// number of candidates, including none.
pub fn frontier_svg(chart: &FrontierChart) -> Result<String, PlotError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(PlotError::draw)?;
        let (upper, lower) = root.split_vertically(HEIGHT - FOOTER);
        let area = upper
            .margin(12, 0, 0, 0)
            .titled(&caption(chart), ("sans-serif", 24))
            .map_err(PlotError::draw)?;
        let reference = chart.reference.as_ref().filter(|r| r.score.is_finite());
        let (x_lo, x_hi) = layout::drawable(chart.x_range);
        let (y_lo, y_hi) = layout::drawable(chart.y_range);
        let mut plot = ChartBuilder::on(&area)
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(72)
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
            .map_err(PlotError::draw)?;

        // Negative costs and seconds mean nothing: no tick says one when no point has one.
        let non_negative = chart.points.iter().all(|p| p.x >= 0.0);
        let x_tick = |v: &f64| {
            if non_negative && *v < 0.0 {
                String::new()
            } else {
                format_tick(*v)
            }
        };
        let y_tick = |v: &f64| format_tick(*v);
        plot.configure_mesh()
            .x_desc(chart.x_label.as_str())
            .y_desc(chart.y_label.as_str())
            .x_label_formatter(&x_tick)
            .y_label_formatter(&y_tick)
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 17))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(PlotError::draw)?;

        let (px, py) = plot.plotting_area().get_pixel_range();
        let frame = Frame::new(
            Rect {
                x0: f64::from(px.start),
                y0: f64::from(py.start),
                x1: f64::from(px.end),
                y1: f64::from(py.end),
            },
            chart,
        );
        let placed = layout::chart_layout(chart, &frame);

        if let Some(reference) = reference {
            let style = ShapeStyle::from(&REFERENCE).stroke_width(1);
            let level = reference.score.clamp(y_lo, y_hi);
            plot.draw_series(DashedLineSeries::new(
                [(x_lo, level), (x_hi, level)],
                6,
                4,
                style,
            ))
            .map_err(PlotError::draw)?;
        }
        let members: Vec<(f64, f64)> = chart
            .points
            .iter()
            .filter(|p| p.pareto)
            .map(|p| (p.x.clamp(x_lo, x_hi), p.score.clamp(y_lo, y_hi)))
            .collect();
        let steps = step_line(&members, x_hi);
        if !steps.is_empty() {
            let style = ShapeStyle::from(&FRONT.mix(0.7)).stroke_width(2);
            plot.draw_series(LineSeries::new(steps, style))
                .map_err(PlotError::draw)?;
        }

        draw_labels(&root, chart, &placed)?;
        draw_footer(&lower, chart, &placed)?;
        root.present().map_err(PlotError::draw)?;
    }
    Ok(halo(&svg))
}

/// The chart's caption: what is plotted against what, how many candidates, how many on the
/// frontier as drawn.
fn caption(chart: &FrontierChart) -> String {
    let total = chart.points.len() + chart.unplaced.len();
    let members = chart.points.iter().filter(|p| p.pareto).count();
    let x = if chart.x_measure == MEASURE_AGENT_SECONDS {
        "agent seconds"
    } else {
        "cost"
    };
    format!(
        "Pareto frontier: score vs {x} ({total} candidate{}, {members} on the frontier)",
        if total == 1 { "" } else { "s" },
    )
}

/// The nearest whole pixel (plotters draws on whole pixels; layouts stay inside the image,
/// far from i32's limits).
fn pixel((x, y): (f64, f64)) -> (i32, i32) {
    (x.round() as i32, y.round() as i32)
}

/// Leader lines, then the reference and point labels, then the markers.
fn draw_labels(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    chart: &FrontierChart,
    placed: &layout::ChartLayout,
) -> Result<(), PlotError> {
    for label in placed.labels.iter().flatten() {
        if let Some((from, to)) = label.leader {
            root.draw(&PathElement::new(
                [pixel(from), pixel(to)],
                ShapeStyle::from(&LEADER).stroke_width(1),
            ))
            .map_err(PlotError::draw)?;
        }
    }
    if let (Some(reference), Some((_, Some(rect)))) = (&chart.reference, placed.reference) {
        let text = layout::reference_label(&reference.name, reference.score);
        draw_label(root, &rect, text, REFERENCE)?;
    }
    for (point, label) in chart.points.iter().zip(&placed.labels) {
        if let Some(label) = label {
            draw_label(root, &label.rect, layout::point_label(point), BLACK)?;
        }
    }
    for (point, anchor) in chart.points.iter().zip(&placed.anchors) {
        let color = if point.pareto { FRONT } else { DOMINATED };
        root.draw(&Circle::new(
            pixel(*anchor),
            MARKER_RADIUS as i32,
            ShapeStyle::from(&color).filled(),
        ))
        .map_err(PlotError::draw)?;
    }
    Ok(())
}

/// `text` in `rect` (the halo every text gets keeps lines under it from crossing it).
fn draw_label(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    rect: &Rect,
    text: String,
    color: RGBColor,
) -> Result<(), PlotError> {
    root.draw(&Text::new(
        text,
        pixel((rect.x0 + layout::PAD, (rect.y0 + rect.y1) / 2.0)),
        font(LABEL_PX)
            .color(&color)
            .pos(Pos::new(HPos::Left, VPos::Center)),
    ))
    .map_err(PlotError::draw)
}

/// Gives every text a white halo (a stroke painted under its fill), so grid and lines under
/// a label stop short of its letters. plotters has no such option; a halo fits the glyphs
/// the viewer picks, where a box of the estimated width would not. The attribute is per
/// element, so nothing leaks into a page that embeds the SVG; names in text are escaped, so
/// only plotters' own tags match.
fn halo(svg: &str) -> String {
    svg.replace(
        "<text ",
        concat!(
            "<text stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" ",
            "paint-order=\"stroke\" ",
        ),
    )
}

/// Under the chart: a legend for the lines, then notes on what could not be shown (two lines
/// at most, cut short with "...").
fn draw_footer(
    footer: &DrawingArea<SVGBackend<'_>, Shift>,
    chart: &FrontierChart,
    placed: &layout::ChartLayout,
) -> Result<(), PlotError> {
    let text_px = 13.0;
    let legend_y = 10;
    let mut x = 90;
    let mut item = |sample: &dyn Fn(i32) -> Result<(), PlotError>, text: String| {
        sample(x)?;
        footer
            .draw(&Text::new(
                text.clone(),
                (x + 28, legend_y),
                font(text_px)
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(PlotError::draw)?;
        x += 28 + layout::text_width(&text, text_px).ceil() as i32 + 24;
        Ok::<(), PlotError>(())
    };
    if chart.points.iter().any(|p| p.pareto) {
        let style = ShapeStyle::from(&FRONT.mix(0.7)).stroke_width(2);
        item(
            &|x| {
                footer
                    .draw(&PathElement::new(
                        [(x, legend_y), (x + 20, legend_y)],
                        style,
                    ))
                    .map_err(PlotError::draw)
            },
            "pareto frontier".to_owned(),
        )?;
    }
    if let Some(reference) = chart.reference.as_ref().filter(|r| r.score.is_finite()) {
        let style = ShapeStyle::from(&REFERENCE).stroke_width(1);
        item(
            &|x| {
                for dash in [0, 8, 16] {
                    footer
                        .draw(&PathElement::new(
                            [(x + dash, legend_y), (x + dash + 5, legend_y)],
                            style,
                        ))
                        .map_err(PlotError::draw)?;
                }
                Ok(())
            },
            format!(
                "reference: {}",
                layout::reference_label(&reference.name, reference.score)
            ),
        )?;
    }

    let width = f64::from(WIDTH) - 2.0 * 90.0;
    for (row, line) in wrap(&notes(chart, placed), text_px, width, 2)
        .into_iter()
        .enumerate()
    {
        let y = 30 + 17 * i32::try_from(row).unwrap_or(0);
        footer
            .draw(&Text::new(
                line,
                (90, y),
                font(text_px)
                    .color(&NOTE)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(PlotError::draw)?;
    }
    Ok(())
}

/// What the chart could not show.
fn notes(chart: &FrontierChart, placed: &layout::ChartLayout) -> Vec<String> {
    let mut notes = Vec::new();
    if chart.points.is_empty() && chart.unplaced.is_empty() {
        notes.push("no candidates".to_owned());
    }
    let hidden = chart.unplaced.len();
    if hidden > 0 {
        let x = if chart.x_measure == MEASURE_AGENT_SECONDS {
            "agent seconds"
        } else {
            "cost"
        };
        notes.push(format!(
            "{hidden} candidate{} with a non-finite score or {x} not shown",
            if hidden == 1 { "" } else { "s" }
        ));
    }
    if let Some(reference) = chart.reference.as_ref().filter(|r| !r.score.is_finite()) {
        notes.push(format!(
            "reference {} has a non-finite score",
            reference.name
        ));
    }
    let unlabelled: Vec<String> = chart
        .points
        .iter()
        .zip(&placed.labels)
        .filter(|(_, label)| label.is_none())
        .map(|(point, _)| layout::point_label(point))
        .collect();
    if !unlabelled.is_empty() {
        notes.push(format!(
            "no room to label {} point{}: {}",
            unlabelled.len(),
            if unlabelled.len() == 1 { "" } else { "s" },
            unlabelled.join(", ")
        ));
    }
    notes
}

/// `notes` joined with "; " into at most `lines` lines of `width` pixels; when they do not
/// fit, the last line ends with "...".
fn wrap(notes: &[String], px: f64, width: f64, lines: usize) -> Vec<String> {
    let words: Vec<String> = notes.join("; ").split(' ').map(str::to_owned).collect();
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in &words {
        let candidate = if current.is_empty() {
            word.clone()
        } else {
            format!("{current} {word}")
        };
        if current.is_empty() || layout::text_width(&candidate, px) <= width {
            current = candidate;
            continue;
        }
        if out.len() + 1 == lines {
            out.push(format!("{current} ..."));
            return out;
        }
        out.push(std::mem::replace(&mut current, word.clone()));
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The Pareto members (x, score) as a staircase ordered by x: at each member the line
/// steps up to its score, and the last level extends to the right edge `x_hi`.
fn step_line(members: &[(f64, f64)], x_hi: f64) -> Vec<(f64, f64)> {
    let mut members = members.to_vec();
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
