//! The results viewer: `report.html` and `viewer/` beside it, static files that work from
//! `file://` with no server and no network (DESIGN.md "Viewer").
//!
//! Browsers block `fetch` from `file://`, so every data file is a script that hands its
//! value to the page (`HV.load(key, value)`): `viewer/data/index.js` has one compact row per
//! case, `viewer/data/cases/<run>/<case>.js` one case's details (loaded when the case is
//! opened), and a log longer than what a case page shows inline is split into 1 MiB pages,
//! `viewer/data/logs/<run>/<case>/<log>.<k>.js`, loaded one at a time by "show all". So a run
//! of 10,000 cases opens from a 2-3 MB index and a 50 MB log never reaches the page whole.
//! `harness view` serves the same files.

pub mod server;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use askama::Template;
use serde_json::{Value, json};

use crate::ledger::sanitize;
use crate::result::{CaseResult, CaseStatus};

/// How much of a log a case page shows inline; the rest is behind "show all".
pub const INLINE_LOG_BYTES: usize = 128 * 1024;
/// The size of one "show all" page.
pub const LOG_PAGE_BYTES: usize = 1 << 20;
/// The most of one log file the viewer reads (a larger file is cut, and says so).
const LOG_READ_LIMIT: u64 = 256 << 20;
/// Trajectory events shown on a case page.
const TRAJECTORY_EVENTS: usize = 2_000;

const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

/// Why the viewer could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ViewerError {
    /// A file could not be written.
    #[error("failed to write the viewer file {}: {source}", path.display())]
    Write {
        /// Where.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The page template failed.
    #[error("failed to render report.html: {0}")]
    Template(#[from] askama::Error),
}

/// Results and where their case directories may be (several for merged partitions; the
/// first that holds a case's directory is used).
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The results.
    pub results: &'a [CaseResult],
    /// Run directories holding `cases/<case>/`.
    pub dirs: &'a [&'a Path],
}

/// A frontier chart to show, and the run it belongs to (`None`: every run shown).
#[derive(Debug, Clone)]
pub struct Chart {
    /// Shown in the run picker.
    pub label: String,
    /// The run its cases are in, for the click-through.
    pub run: Option<String>,
    /// The chart (`report::chart::FrontierChart` as JSON).
    pub chart: Value,
}

/// What the viewer shows.
#[derive(Debug, Clone)]
pub struct Viewer<'a> {
    /// The page title.
    pub title: String,
    /// The results.
    pub sources: Vec<Source<'a>>,
    /// Frontier charts.
    pub charts: Vec<Chart>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    title: &'a str,
    cases: usize,
    passed: usize,
    failed: usize,
    errored: usize,
    agents: Vec<super::AgentMean>,
}

impl Page<'_> {
    fn mean(entry: &super::AgentMean) -> String {
        entry
            .mean
            .map_or_else(|| "-".to_owned(), |mean| format!("{mean:.3}"))
    }
}

/// Writes `report.html` and `viewer/` into `out`; returns `report.html`'s path.
pub fn write(out: &Path, viewer: &Viewer) -> Result<PathBuf, ViewerError> {
    let mut runs: Vec<(String, Vec<String>)> = Vec::new();
    let mut rows = Vec::new();
    let mut all: Vec<&CaseResult> = Vec::new();
    for source in &viewer.sources {
        for result in super::table::sorted_worst_first(source.results) {
            let run = match runs.iter().position(|(id, _)| *id == result.run_id) {
                Some(run) => run,
                None => {
                    runs.push((result.run_id.clone(), Vec::new()));
                    runs.len() - 1
                }
            };
            let case_dir = source
                .dirs
                .iter()
                .map(|dir| dir.join("cases").join(sanitize(&result.case)))
                .find(|dir| dir.is_dir());
            if let Some(dir) = case_dir.as_ref().and_then(|dir| dir.parent()?.parent()) {
                let known = &mut runs[run].1;
                let shown = dir.display().to_string();
                if !known.contains(&shown) {
                    known.push(shown);
                }
            }
            let key = format!("{run}/{}", file_stem(&result.case));
            write_case(out, &key, result, case_dir.as_deref())?;
            rows.push(row(result, run, &key));
            all.push(result);
        }
    }
    let violations: BTreeMap<&str, Value> = harness_fixture::ViolationCode::ALL
        .iter()
        .map(|code| {
            (
                code.as_str(),
                json!({"meaning": code.meaning().replace('`', ""), "integrity": code.is_integrity()}),
            )
        })
        .collect();
    let charts: Vec<Value> = viewer
        .charts
        .iter()
        .map(|chart| json!({"label": chart.label, "run": chart.run, "chart": chart.chart}))
        .collect();
    let index = json!({
        "title": viewer.title,
        "harness": env!("CARGO_PKG_VERSION"),
        "runs": runs.iter().map(|(id, dirs)| json!({"id": id, "dirs": dirs})).collect::<Vec<_>>(),
        "cases": rows,
        "violations": violations,
        "charts": charts,
    });
    write_data(out, "viewer/data/index.js", "index", &index)?;
    write_if_changed(&out.join("viewer/app.js"), APP_JS.as_bytes())?;
    write_if_changed(&out.join("viewer/app.css"), APP_CSS.as_bytes())?;

    let count = |status: CaseStatus| all.iter().filter(|r| r.status == status).count();
    let page = Page {
        title: &viewer.title,
        cases: all.len(),
        passed: count(CaseStatus::Passed),
        failed: count(CaseStatus::Failed),
        errored: count(CaseStatus::Errored),
        agents: super::agent_means_of(all.iter().copied(), false),
    }
    .render()?;
    let path = out.join("report.html");
    write_if_changed(&path, page.as_bytes())?;
    Ok(path)
}

/// The output root's `report.html`: a page that sends the browser to the latest run's
/// viewer (relative when the run is under the root, as `runs/<id>/report.html` is).
pub fn redirect(from_dir: &Path, page: &Path) -> String {
    let target = page
        .strip_prefix(from_dir)
        .map(|relative| relative.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|_| format!("file://{}", page.display()));
    let target = html_escape(&target);
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0; url={target}\"><title>another-harness report</title></head>\n<body><p>The latest run's report: <a href=\"{target}\">{target}</a></p></body></html>\n"
    )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A case's file name: its directory name, never `.`-led (no `..`, no hidden file).
fn file_stem(case: &str) -> String {
    let name = sanitize(case);
    match name.strip_prefix('.') {
        Some(rest) => format!("_{rest}"),
        None => name,
    }
}

/// One case in the index: `{r, c, f, a, k, s, w, v, u, t, cf, p, cap}` (short keys: a run
/// of 10,000 cases stays a few MB).
fn row(result: &CaseResult, run: usize, key: &str) -> Value {
    let codes: Vec<&str> = result.codes().iter().map(|code| code.as_str()).collect();
    let suspicions: Vec<&str> = result
        .suspicion_kinds()
        .iter()
        .map(|kind| kind.as_str())
        .collect();
    let durations = &result.durations_ms;
    json!({
        "r": run,
        "c": result.case,
        "f": result.fixture,
        "a": result.agent,
        "k": result.kind,
        "s": status_name(result.status),
        "w": result.reward,
        "v": codes,
        "u": suspicions,
        "t": [durations.prepare, durations.agent, durations.grade],
        "cf": result.confinement,
        "p": key,
        "cap": result.strict_capped,
    })
}

fn status_name(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Passed => "passed",
        CaseStatus::Failed => "failed",
        CaseStatus::Errored => "errored",
    }
}

/// `viewer/data/cases/<key>.js`: the result, its logs (capped, paged), its trajectory and
/// reward terms.
fn write_case(
    out: &Path,
    key: &str,
    result: &CaseResult,
    case_dir: Option<&Path>,
) -> Result<(), ViewerError> {
    let read = |relative: &str| case_dir.and_then(|dir| read_log(&dir.join(relative)));
    let mut checks = Vec::new();
    for check in &result.checks {
        let text = read(&format!("checks/{}.log", sanitize(&check.name)))
            .unwrap_or_else(|| check.output_tail.clone());
        checks.push(log_entry(
            out,
            &format!("{key}/check-{}", sanitize(&check.name)),
            &text,
            Keep::End,
        )?);
    }
    let agent = log_entry(
        out,
        &format!("{key}/agent"),
        &read("agent.log").unwrap_or_default(),
        Keep::End,
    )?;
    let diff = diff_entry(
        out,
        &format!("{key}/diff"),
        &read("diff.patch").unwrap_or_default(),
    )?;
    let trajectory = trajectory(
        out,
        &format!("{key}/trajectory"),
        &read("trajectory.jsonl").unwrap_or_default(),
    )?;
    let mut shown = serde_json::to_value(result).unwrap_or(Value::Null);
    // The logs are shown from their files; the tails would only repeat them.
    if let Some(checks) = shown.get_mut("checks").and_then(Value::as_array_mut) {
        for check in checks {
            if let Some(check) = check.as_object_mut() {
                check.remove("output_tail");
            }
        }
    }
    let terms = shown
        .as_object_mut()
        .and_then(|object| object.remove("reward_terms"))
        .unwrap_or(Value::Null);
    let detail = json!({
        "result": shown,
        "terms": terms,
        "logs": {"checks": checks, "agent": agent, "diff": diff},
        "trajectory": trajectory,
    });
    write_data(
        out,
        &format!("viewer/data/cases/{key}.js"),
        &format!("case/{key}"),
        &detail,
    )
}

/// Which end of a long log a case page shows: the end of a log, the start of a diff.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Keep {
    Start,
    End,
}

/// A log as a case page holds it: at most [`INLINE_LOG_BYTES`] inline, and when longer, its
/// pages written beside the case for "show all".
fn log_entry(out: &Path, key: &str, text: &str, keep: Keep) -> Result<Value, ViewerError> {
    if text.len() <= INLINE_LOG_BYTES {
        return Ok(json!({"text": text, "bytes": text.len(), "truncated": false}));
    }
    let inline = match keep {
        Keep::Start => &text[..floor_boundary(text, INLINE_LOG_BYTES)],
        Keep::End => &text[ceil_boundary(text, text.len() - INLINE_LOG_BYTES)..],
    };
    Ok(json!({
        "text": inline,
        "bytes": text.len(),
        "truncated": true,
        "from_end": keep == Keep::End,
        "pages": write_pages(out, key, text)?,
        "key": key,
    }))
}

/// `viewer/data/logs/<key>.<k>.js`: `text` in [`LOG_PAGE_BYTES`] pages for "show all";
/// returns how many.
fn write_pages(out: &Path, key: &str, text: &str) -> Result<usize, ViewerError> {
    let pages = pages(text, LOG_PAGE_BYTES);
    for (k, page) in pages.iter().enumerate() {
        write_data(
            out,
            &format!("viewer/data/logs/{key}.{k}.js"),
            &format!("log/{key}/{k}"),
            &Value::String((*page).to_owned()),
        )?;
    }
    Ok(pages.len())
}

/// Files of a diff a case page draws at most (the rest are listed by name).
const DIFF_FILES: usize = 300;

/// A diff as a case page holds it: each file's `added|modified|deleted <path>` line and the
/// start of its hunks (its share of 512 KiB, between 8 KiB and 128 KiB), so every file shows
/// however large another is; the whole diff is paged for "show all" when anything was cut.
fn diff_entry(out: &Path, key: &str, text: &str) -> Result<Value, ViewerError> {
    let mut files: Vec<(&str, usize, usize)> = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        // Hunk lines start with a marker; a file's line never does (paths are escaped).
        if ["added ", "modified ", "deleted "]
            .iter()
            .any(|head| line.starts_with(head))
        {
            files.push((
                line.trim_end_matches('\n'),
                at + line.len(),
                at + line.len(),
            ));
        } else if let Some(file) = files.last_mut() {
            file.2 = at + line.len();
        }
        at += line.len();
    }
    let share = (512 * 1024 / files.len().max(1)).clamp(8 * 1024, 128 * 1024);
    let mut cut = false;
    let shown: Vec<Value> = files
        .iter()
        .take(DIFF_FILES)
        .map(|(head, start, end)| {
            let body = &text[*start..*end];
            let keep = if body.len() > share {
                cut = true;
                let at = floor_boundary(body, share);
                body[..at].rfind('\n').map_or(at, |newline| newline + 1)
            } else {
                body.len()
            };
            json!({"head": head, "text": &body[..keep], "bytes": body.len(), "truncated": keep < body.len()})
        })
        .collect();
    let hidden: Vec<&str> = files.iter().skip(DIFF_FILES).map(|file| file.0).collect();
    let mut entry = json!({
        "files": shown,
        "not_drawn": hidden,
        "bytes": text.len(),
        "truncated": cut || !hidden.is_empty(),
    });
    if cut || !hidden.is_empty() {
        entry["pages"] = json!(write_pages(out, key, text)?);
        entry["key"] = json!(key);
    }
    Ok(entry)
}

/// `text` cut into pieces of at most `size` bytes (at least one char each), on char and,
/// where one is near, line boundaries.
fn pages(text: &str, size: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if rest.len() <= size {
            out.push(rest);
            break;
        }
        let mut end = floor_boundary(rest, size);
        if let Some(newline) = rest[..end].rfind('\n').filter(|at| *at >= end / 2) {
            end = newline + 1;
        }
        if end == 0 {
            end = rest.chars().next().map_or(rest.len(), char::len_utf8);
        }
        out.push(&rest[..end]);
        rest = &rest[end..];
    }
    out
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while at < text.len() && !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// The trajectory's JSON lines: all of them up to [`TRAJECTORY_EVENTS`], else the first
/// and the last half of that many with the gap said between them (an agent's last steps
/// are what a reader looks for), and then the whole file paged for "show all". A line that
/// is not JSON is kept as `{"text": line}` and counted.
fn trajectory(out: &Path, key: &str, text: &str) -> Result<Value, ViewerError> {
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    let mut unparsed = 0;
    let mut event = |line: &&str| {
        serde_json::from_str::<Value>(line).unwrap_or_else(|_| {
            unparsed += 1;
            json!({"text": line})
        })
    };
    let half = TRAJECTORY_EVENTS / 2;
    let gap = lines.len().saturating_sub(TRAJECTORY_EVENTS);
    let events: Vec<Value> = if gap == 0 {
        lines.iter().map(&mut event).collect()
    } else {
        // The gap is said by position (`gap_at`), not by an event an agent could also write.
        let mut events: Vec<Value> = lines[..half].iter().map(&mut event).collect();
        events.extend(lines[lines.len() - half..].iter().map(&mut event));
        events
    };
    let mut value = json!({
        "events": events,
        "total": lines.len(),
        "gap": gap,
        "gap_at": half,
        "unparsed": unparsed,
    });
    if gap > 0 {
        let whole = log_entry(out, key, text, Keep::Start)?;
        value["raw"] = whole;
    }
    Ok(value)
}

/// A log file as lossy UTF-8, at most [`LOG_READ_LIMIT`] bytes; `None` when absent.
fn read_log(path: &Path) -> Option<String> {
    use std::io::Read;
    let file = fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(LOG_READ_LIMIT).read_to_end(&mut bytes).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// A data file: a script handing `value` to the page under `key`. It may run before the
/// viewer's script (the index does), so it queues itself when `HV.load` is not there yet.
fn write_data(out: &Path, relative: &str, key: &str, value: &Value) -> Result<(), ViewerError> {
    let script = format!(
        "window.HV=window.HV||{{}};(HV.load||function(k,v){{(HV.early=HV.early||[]).push([k,v]);}})({},{});\n",
        Value::String(key.to_owned()),
        value
    );
    write_if_changed(&out.join(relative), script.as_bytes())
}

/// Writes `bytes` unless the file already holds them: under nextest every case's process
/// rewrites the viewer, and most of it is unchanged.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<(), ViewerError> {
    if fs::metadata(path).is_ok_and(|meta| meta.len() == bytes.len() as u64)
        && fs::read(path).is_ok_and(|existing| existing == bytes)
    {
        return Ok(());
    }
    crate::atomic::write_atomically(path, bytes).map_err(|source| ViewerError::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests;
