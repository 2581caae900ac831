//! `harness meta`: the loop's notes and warnings as it runs, the reasons a listed candidate
//! is refused, then the history table, the frontier and the meta directory on stdout.

use std::fmt::Display;
use std::path::Path;

use super::{CaseView, case_line};

/// What a history row's lines say: built by `crate::meta::history::Row::view`.
#[derive(Debug, Clone, Default)]
pub struct RowView<'a> {
    /// The iteration whose round listed it.
    pub iteration: u64,
    /// The candidate's name.
    pub name: &'a str,
    /// Its parent, from its `candidate.toml`.
    pub parent: Option<&'a str>,
    /// Mean reward over its graded cases.
    pub score: Option<f64>,
    /// Errored cases.
    pub errored: usize,
    /// Its cost in `cost_unit`.
    pub cost: Option<f64>,
    /// `usd`, `tokens` or `bytes`.
    pub cost_unit: Option<&'a str>,
    /// `score` minus the parent's score.
    pub delta_vs_parent: Option<f64>,
    /// Wall-clock seconds of its evaluation.
    pub timing_s: f64,
    /// `evaluated`, `errored` or `invalid`.
    pub outcome: &'a str,
    /// Why it was refused or why its cases errored.
    pub reason: Option<&'a str>,
    /// Passed cases.
    pub passed: usize,
    /// Graded cases.
    pub cases: usize,
}

/// What a frontier candidate's line says: built by `crate::frontier::Candidate::view`.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrontierView<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its score.
    pub score: f64,
    /// Errored cases.
    pub errored: usize,
    /// Some case errored, so its score is over fewer cases.
    pub incomplete: bool,
    /// Its cost in the frontier's unit.
    pub cost: f64,
    /// Passed cases.
    pub passed: usize,
    /// Cases.
    pub cases: usize,
}

// --- the loop, as it runs (notes and warnings) ---------------------------------------------

/// A row of `evolution_summary.jsonl` that does not parse: skipped.
pub fn meta_row_unreadable(history: &Path, line: usize, error: impl Display) -> String {
    format!(
        "{}:{line}: skipped a row that does not parse: {error}",
        history.display()
    )
}

/// `pending_eval.json` could not be read at the start; the loop goes on without it.
pub fn meta_pending_ignored(path: &Path, why: &str) -> String {
    format!("{}: {why}; ignored", path.display())
}

/// A fresh meta directory already holds candidates: they are evaluated first.
pub fn meta_seeds(count: usize, dir: &Path) -> String {
    format!(
        "evaluating {count} seed candidate(s) found in {} as iteration 0",
        dir.display()
    )
}

/// An iteration begins: the proposer runs, told these signals.
pub fn meta_proposer_started(
    iteration: u64,
    iterations: u64,
    candidates_per_proposal: usize,
    nominal_parent: Option<&str>,
    axis_hint: &str,
) -> String {
    format!(
        "iteration {iteration}/{iterations}: proposer (k = {candidates_per_proposal}, nominal parent {}, axis hint {axis_hint})",
        nominal_parent.unwrap_or("none")
    )
}

/// The proposer exited with a failure or was killed (`exit_code` none).
pub fn meta_proposer_failed(iteration: u64, exit_code: Option<i32>, log: &Path) -> String {
    format!(
        "iteration {iteration}: the proposer {} (see {}); evaluating what it listed",
        exit_code.map_or_else(
            || "was killed".to_owned(),
            |code| format!("exited with {code}")
        ),
        log.display()
    )
}

/// The proposer wrote no `pending_eval.json`.
pub fn meta_no_pending(iteration: u64, pending: &str) -> String {
    format!("iteration {iteration}: the proposer wrote no {pending}; nothing to evaluate")
}

/// The proposer's `pending_eval.json` could not be read.
pub fn meta_pending_unreadable(iteration: u64, pending: &str, why: &str) -> String {
    format!("iteration {iteration}: {pending}: {why}; nothing to evaluate")
}

/// A name listed twice in one round.
pub fn meta_listed_twice(iteration: u64, name: &str) -> String {
    format!("iteration {iteration}: {name} is listed twice; evaluated once")
}

/// A candidate's evaluation begins.
pub fn meta_evaluating(iteration: u64, name: &str, fixtures: usize) -> String {
    format!("iteration {iteration}: evaluating {name} on {fixtures} fixture(s)")
}

/// A candidate's case ended: its case line, indented under the candidate.
pub fn meta_case_line(case: &CaseView<'_>) -> String {
    format!("  {}", case_line(case))
}

/// A candidate's row, as the loop reports it when the row is appended.
pub fn meta_row(row: &RowView<'_>) -> String {
    let mut line = format!("iteration {}: {}: ", row.iteration, row.name);
    match row.outcome {
        "evaluated" => {
            line.push_str(&format!(
                "score {:.3} ({} errored{}), cost {} {}, {}/{} passed",
                row.score.unwrap_or(f64::NAN),
                row.errored,
                if row.errored > 0 { ", incomplete" } else { "" },
                cost(row.cost.unwrap_or(f64::NAN)),
                row.cost_unit.unwrap_or("-"),
                row.passed,
                row.cases
            ));
            if let Some(delta) = row.delta_vs_parent {
                line.push_str(&format!(", {delta:+.3} vs parent"));
            }
            line.push_str(&format!(", {:.1}s", row.timing_s));
        }
        "errored" => line.push_str(&format!(
            "errored: {}",
            row.reason.unwrap_or("every case errored")
        )),
        _ => line.push_str(&format!("invalid: {}", row.reason.unwrap_or("refused"))),
    }
    line
}

// --- the result, on stdout -----------------------------------------------------------------

/// The history table's header.
pub fn meta_table_header() -> String {
    format!(
        "{:>4}  {:<24} {:<24} {:>8} {:>7} {:>10} {:<6} {:>8} {:>8}  outcome",
        "iter", "candidate", "parent", "score", "errored", "cost", "unit", "delta", "time_s"
    )
}

/// One row of the history table.
pub fn meta_table_row(row: &RowView<'_>) -> String {
    let outcome = match row.outcome {
        "evaluated" => "evaluated".to_owned(),
        other => format!("{other}: {}", row.reason.unwrap_or_default()),
    };
    format!(
        "{:>4}  {:<24} {:<24} {:>8} {:>7} {:>10} {:<6} {:>8} {:>8.1}  {outcome}",
        row.iteration,
        row.name,
        row.parent.unwrap_or("-"),
        row.score
            .map_or_else(|| "-".to_owned(), |score| format!("{score:.3}")),
        row.errored,
        row.cost.map_or_else(|| "-".to_owned(), cost),
        row.cost_unit.unwrap_or("-"),
        row.delta_vs_parent
            .map_or_else(|| "-".to_owned(), |delta| format!("{delta:+.3}")),
        row.timing_s,
    )
}

/// The frontier's header: the unit its costs are in.
pub fn meta_frontier_header(unit: &str) -> String {
    format!("frontier (score up, cost in {unit} down):")
}

/// One candidate on the frontier.
pub fn meta_frontier_line(candidate: &FrontierView<'_>) -> String {
    format!(
        "  {:<24} score {:.3} ({} errored{})  cost {}  {}/{} passed",
        candidate.name,
        candidate.score,
        candidate.errored,
        if candidate.incomplete {
            ", incomplete"
        } else {
            ""
        },
        cost(candidate.cost),
        candidate.passed,
        candidate.cases
    )
}

/// The frontier is empty.
pub fn meta_frontier_empty() -> String {
    "  (no candidate evaluated)".to_owned()
}

/// Where the history, the frontier and the candidates are.
pub fn meta_directory(dir: &Path) -> String {
    format!("meta directory: {}", dir.display())
}

/// A cost without a pointless fraction.
fn cost(cost: f64) -> String {
    if cost.fract() == 0.0 && cost.abs() < 1e15 {
        format!("{cost:.0}")
    } else {
        format!("{cost:.4}")
    }
}
