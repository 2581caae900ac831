//! The reward table printed at the end of a run: worst first.

use crate::result::{CaseResult, CaseStatus};

/// Rows sorted worst first: errored, then failed by reward, then passed.
pub fn sorted_worst_first(results: &[CaseResult]) -> Vec<&CaseResult> {
    let mut rows: Vec<&CaseResult> = results.iter().collect();
    let rank = |result: &CaseResult| match result.status {
        CaseStatus::Errored => 0,
        CaseStatus::Failed => 1,
        CaseStatus::Passed => 2,
    };
    rows.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then(
                a.reward
                    .unwrap_or(f64::NEG_INFINITY)
                    .total_cmp(&b.reward.unwrap_or(f64::NEG_INFINITY)),
            )
            .then(a.case.cmp(&b.case))
    });
    rows
}

/// The table: case, passed, reward, violations, seconds.
pub fn render(results: &[CaseResult]) -> String {
    let rows: Vec<[String; 5]> = sorted_worst_first(results)
        .into_iter()
        .map(|result| {
            let codes: Vec<&str> = result
                .codes()
                .into_iter()
                .map(|code| code.as_str())
                .collect();
            let total =
                result.durations_ms.prepare + result.durations_ms.agent + result.durations_ms.grade;
            [
                result.case.clone(),
                match result.status {
                    CaseStatus::Passed => "yes".into(),
                    CaseStatus::Failed => "no".into(),
                    CaseStatus::Errored => "errored".into(),
                },
                result
                    .reward
                    .map_or_else(|| "-".into(), |reward| format!("{reward:.3}")),
                if codes.is_empty() {
                    "-".into()
                } else {
                    codes.join(",")
                },
                format!("{:.2}", total as f64 / 1000.0),
            ]
        })
        .collect();
    let header = ["case", "passed", "reward", "violations", "seconds"].map(String::from);
    let mut widths = header.clone().map(|cell| cell.len());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let line = |row: &[String; 5]| {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(index, (cell, width))| {
                if index == 2 || index == 4 {
                    format!("{cell:>width$}")
                } else {
                    format!("{cell:<width$}")
                }
            })
            .collect();
        cells.join("  ").trim_end().to_owned()
    };
    let mut out = line(&header);
    out.push('\n');
    for row in &rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    let passed = results
        .iter()
        .filter(|result| result.status == CaseStatus::Passed)
        .count();
    let errored = results
        .iter()
        .filter(|result| result.status == CaseStatus::Errored)
        .count();
    out.push_str(&format!(
        "{}: {passed} passed, {} failed, {errored} errored\n",
        crate::message::count(results.len(), "case"),
        results.len() - passed - errored
    ));
    out.push_str(&crate::message::table_tally_meaning());
    out.push('\n');
    // Each agent's mean next to its errored count: an errored case has no reward and is
    // left out of the mean, so the count says how many cases the mean is missing.
    let means = super::agent_means(results, false);
    let width = means
        .iter()
        .map(|entry| entry.agent.len())
        .max()
        .unwrap_or(0);
    for entry in &means {
        let mean = entry
            .mean
            .map_or_else(|| "-".to_owned(), |mean| format!("{mean:.3}"));
        out.push_str(&format!(
            "mean reward of {:<width$}  {mean:>6} over {} graded, {} errored{}\n",
            entry.agent,
            entry.graded,
            entry.errored,
            if entry.errored > 0 {
                " (incomplete)"
            } else {
                ""
            },
        ));
    }
    out.push_str(&honeypot_lines(results));
    out
}

/// Each agent's honeypot pass rate, a line each. Attack regressions are one line: each is
/// its own agent, and all of them are meant to try what an honest agent never does.
fn honeypot_lines(results: &[CaseResult]) -> String {
    let mut out = String::new();
    let honeypots = super::honeypot_counts(results, |result| {
        if result.case.starts_with("attack::") {
            String::new()
        } else {
            result.agent.clone()
        }
    });
    for (agent, counts) in honeypots.iter().filter(|(agent, _)| !agent.is_empty()) {
        out.push_str(&crate::message::honeypot_rate(
            agent,
            counts.passed,
            counts.cases,
        ));
        out.push('\n');
    }
    if let Some(counts) = honeypots.get("") {
        out.push_str(&crate::message::honeypot_rate_of_attacks(
            counts.passed,
            counts.cases,
        ));
        out.push('\n');
    }
    out
}
