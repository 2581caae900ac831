//! `report.html`: one static page with the reward table (worst first), each case's
//! violations, check logs and diff, and the frontier plot.

use std::fs;
use std::path::Path;

use crate::ledger::sanitize;
use crate::result::CaseResult;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Renders the page. Logs and diffs are read from `<run_dir>/cases/<case>/` where present.
pub fn render(results: &[CaseResult], frontier_svg: &str, run_dirs: &[&Path]) -> String {
    let mut page = String::from(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>another-harness report</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}pre{background:#f6f6f6;padding:8px;overflow:auto;max-height:30em}.passed{color:#070}.failed{color:#a00}.errored{color:#a60}</style></head><body>\n<h1>another-harness report</h1>\n",
    );
    page.push_str("<h2>Cases</h2>\n<table id=\"cases\"><tr><th>case</th><th>status</th><th>reward</th><th>violations</th></tr>\n");
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
        page.push_str(&format!(
            "<tr class=\"case\" data-case=\"{case}\" data-reward=\"{reward}\"><td><a href=\"#{anchor}\">{case}</a></td><td class=\"{status}\">{status}</td><td>{reward}</td><td class=\"violations\">{codes}</td></tr>\n",
            case = escape(&result.case),
            anchor = sanitize(&result.case),
            codes = escape(&codes.join(", ")),
        ));
    }
    page.push_str("</table>\n<h2>Frontier</h2>\n");
    page.push_str(frontier_svg);
    page.push_str("\n<h2>Details</h2>\n");
    for result in &rows {
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
                "<details><summary>check {} ({})</summary><pre>{}</pre></details>\n",
                escape(&check.name),
                if check.passed { "passed" } else { "failed" },
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
    }
    page.push_str("</body></html>\n");
    page
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
