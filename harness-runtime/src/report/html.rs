//! `report.html`: one static page with the reward table (worst first), each case's
//! violations, suspicions, check logs and diff, and the frontier plot.

use std::fs;
use std::path::Path;

use crate::ledger::sanitize;
use std::collections::BTreeMap;

use crate::result::{CaseResult, CheckResult};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Renders the page. Logs and diffs are read from `<run_dir>/cases/<case>/` where present.
pub fn render(results: &[CaseResult], frontier_svg: &str, run_dirs: &[&Path]) -> String {
    let mut page = String::from(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>another-harness report</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}pre{background:#f6f6f6;padding:8px;overflow:auto;max-height:30em}.passed{color:#070}.failed{color:#a00}.errored,.missing{color:#a60}.skipped{color:#666}</style></head><body>\n<h1>another-harness report</h1>\n",
    );
    page.push_str("<h2>Cases</h2>\n<table id=\"cases\"><tr><th>case</th><th>status</th><th>reward</th><th>violations</th><th>suspicions</th></tr>\n");
    let rows = super::table::sorted_worst_first(results);
    for result in &rows {
        let status = format!("{:?}", result.status).to_lowercase();
        let reward = result
            .reward
            .map_or_else(|| "-".into(), |reward| format!("{reward:.3}"));
        let codes: Vec<&str> = result
            .codes()
            .into_iter()
            .map(|code| code.as_str())
            .collect();
        let mut suspicions: Vec<&str> = result
            .suspicion_kinds()
            .into_iter()
            .map(|kind| kind.as_str())
            .collect();
        if result.strict_capped {
            suspicions.push("(strict: capped at noop)");
        }
        page.push_str(&format!(
            "<tr class=\"case\" data-case=\"{case}\" data-reward=\"{reward}\"><td><a href=\"#{anchor}\">{case}</a></td><td class=\"{status}\">{status}</td><td>{reward}</td><td class=\"violations\">{codes}</td><td class=\"suspicions\">{suspicions}</td></tr>\n",
            case = escape(&result.case),
            anchor = sanitize(&result.case),
            codes = escape(&codes.join(", ")),
            suspicions = escape(&suspicions.join(", ")),
        ));
    }
    page.push_str("</table>\n<h2>Agents</h2>\n<table id=\"agents\"><tr><th>agent</th><th>mean reward</th><th>graded</th><th>errored</th></tr>\n");
    for entry in super::agent_means(results, false) {
        page.push_str(&format!(
            "<tr class=\"agent\" data-errored=\"{errored}\"><td>{agent}</td><td>{mean}</td><td>{graded}</td><td class=\"{class}\">{errored}</td></tr>\n",
            agent = escape(&entry.agent),
            mean = entry.mean.map_or_else(|| "-".into(), |mean| format!("{mean:.3}")),
            graded = entry.graded,
            errored = entry.errored,
            class = if entry.errored > 0 { "errored" } else { "" },
        ));
    }
    page.push_str("</table>\n<h2>Frontier</h2>\n");
    page.push_str(frontier_svg);
    page.push_str("\n<h2>Details</h2>\n");
    for result in &rows {
        page.push_str(&case_section(result, run_dirs));
    }
    page.push_str("</body></html>\n");
    page
}

/// One case's details: its error, violations, suspicions, each check's tests and log, and
/// its diff.
fn case_section(result: &CaseResult, run_dirs: &[&Path]) -> String {
    let mut page = String::new();
    page.push_str(&format!(
        "<section id=\"{}\"><h3>{}</h3>\n",
        sanitize(&result.case),
        escape(&result.case)
    ));
    if let Some(error) = &result.error {
        page.push_str(&format!("<p>error: {}</p>\n", escape(error)));
    }
    if !result.violations.is_empty() {
        page.push_str("<ul>\n");
        for violation in &result.violations {
            page.push_str(&format!(
                "<li><code>{}</code> {}: {}</li>\n",
                violation.code,
                escape(violation.path.as_deref().unwrap_or("-")),
                escape(&violation.detail)
            ));
        }
        page.push_str("</ul>\n");
    }
    if !result.suspicions.is_empty() {
        page.push_str(&format!(
            "<p>suspicion report{}:</p>\n<ul class=\"suspicions\">\n",
            if result.strict_capped {
                " (strict: the reward was capped at the fixture's noop reward)"
            } else {
                " (evidence; the reward is unchanged unless the run is strict)"
            }
        ));
        for suspicion in &result.suspicions {
            page.push_str(&format!(
                "<li><code>{}</code> {}:{}: {}</li>\n",
                suspicion.kind,
                escape(&suspicion.path),
                suspicion.line,
                escape(&suspicion.detail)
            ));
        }
        page.push_str("</ul>\n");
    }
    let case_dir = run_dirs
        .iter()
        .map(|dir| dir.join("cases").join(sanitize(&result.case)))
        .find(|dir| dir.is_dir());
    for check in &result.checks {
        let log = case_dir
            .as_ref()
            .and_then(|dir| {
                fs::read_to_string(
                    dir.join("checks")
                        .join(format!("{}.log", sanitize(&check.name))),
                )
                .ok()
            })
            .unwrap_or_else(|| check.output_tail.clone());
        page.push_str(&format!(
            "<details><summary>check {} ({}; {})</summary>\n{}<pre>{}</pre></details>\n",
            escape(&check.name),
            if check.passed { "passed" } else { "failed" },
            escape(&test_counts(check)),
            tests_table(check),
            escape(&tail(&log, 200))
        ));
    }
    if let Some(diff) = case_dir
        .as_ref()
        .and_then(|dir| fs::read_to_string(dir.join("diff.patch")).ok())
        .filter(|diff| !diff.is_empty())
    {
        page.push_str(&format!(
            "<details><summary>diff</summary><pre>{}</pre></details>\n",
            escape(&tail(&diff, 400))
        ));
    }
    page.push_str("</section>\n");
    page
}

/// `report: 8 passed, 1 failed, score 0.889, tripwire failed` for a check's summary line.
fn test_counts(check: &CheckResult) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for test in &check.tests {
        *counts.entry(test.outcome.as_str()).or_default() += 1;
    }
    let mut parts = vec![format!("report {}", check.report)];
    if !check.tests.is_empty() {
        parts.push(
            counts
                .iter()
                .map(|(outcome, count)| format!("{count} {outcome}"))
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    if !check.missing.is_empty() {
        parts.push(format!("{} locked missing", check.missing.len()));
    }
    if check.score > 0.0 && check.score < 1.0 {
        parts.push(format!("score {:.3}", check.score));
    }
    if let Some(tripwire) = check.tripwire {
        parts.push(format!("tripwire {}", tripwire.as_str()));
    }
    parts.join(", ")
}

/// The check's per-test results, failures first, then the locked tests it never reported.
fn tests_table(check: &CheckResult) -> String {
    if check.tests.is_empty() && check.missing.is_empty() {
        return String::new();
    }
    let mut rows: Vec<(&str, &str)> = check
        .tests
        .iter()
        .map(|test| (test.id.as_str(), test.outcome.as_str()))
        .chain(check.missing.iter().map(|id| (id.as_str(), "missing")))
        .collect();
    let rank = |outcome: &str| match outcome {
        "failed" | "errored" | "missing" => 0,
        "skipped" => 1,
        _ => 2,
    };
    rows.sort_by_key(|(_, outcome)| rank(outcome));
    let mut table = String::from("<table class=\"tests\"><tr><th>test</th><th>outcome</th></tr>\n");
    for (id, outcome) in rows {
        table.push_str(&format!(
            "<tr><td><code>{}</code></td><td class=\"{outcome}\">{outcome}</td></tr>\n",
            escape(id)
        ));
    }
    table.push_str("</table>\n");
    table
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::suspicion::{Suspicion, SuspicionKind};

    #[test]
    fn the_page_shows_each_cases_suspicions_and_the_strict_cap() {
        let mut result = CaseResult::errored(
            "r",
            "py-slugify::agent",
            "py-slugify",
            "agent",
            harness_fixture::FixtureKind::WorkItem,
            String::new(),
        );
        result.status = crate::result::CaseStatus::Failed;
        result.error = None;
        result.reward = Some(0.0);
        result.strict_capped = true;
        result.suspicions = vec![Suspicion {
            kind: SuspicionKind::AlwaysEqual,
            path: "src/<a>.py".into(),
            line: 7,
            detail: "__eq__ ignores its argument".into(),
        }];
        let page = render(&[result], "<svg></svg>", &[]);
        let row = page
            .lines()
            .find(|line| line.contains("data-case=\"py-slugify::agent\""))
            .unwrap();
        assert!(
            row.contains("<td class=\"suspicions\">always_equal, (strict: capped at noop)</td>"),
            "{row}"
        );
        assert!(
            page.contains(
                "<li><code>always_equal</code> src/&lt;a&gt;.py:7: __eq__ ignores its argument</li>"
            ),
            "{page}"
        );
        assert!(page.contains("the reward was capped at the fixture's noop reward"));
    }
}
