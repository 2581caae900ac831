//! The append-only history: `evolution_summary.jsonl` (one row per candidate, written as its
//! evaluation ends) and `pending_eval.json` (the candidates of the current round), plus the
//! frontier derived from the rows.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::frontier::{Candidate as FrontierCandidate, CostUnit, Frontier, Totals};

/// `evolution_summary.jsonl`.
pub const SUMMARY: &str = "evolution_summary.jsonl";
/// `pending_eval.json`.
pub const PENDING: &str = "pending_eval.json";

/// How a candidate's round ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Evaluated on every fixture; at least one case was graded.
    Evaluated,
    /// Every case errored (e.g. its command was not found): no score.
    Errored,
    /// Refused before evaluation; `reason` says why.
    Invalid,
}

/// One row of `evolution_summary.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The iteration whose round listed it (0: seed candidates found before the first round).
    pub iteration: u64,
    /// The candidate's name as listed in `pending_eval.json`.
    pub name: String,
    /// `parent` from its `candidate.toml`.
    pub parent: Option<String>,
    /// `axis` from its `candidate.toml`.
    pub axis: Option<String>,
    /// `hypothesis` from its `candidate.toml`.
    pub hypothesis: Option<String>,
    /// Mean reward over its graded (non-errored) cases, rounded to 6 decimals.
    pub score: Option<f64>,
    /// Its cost in `cost_unit` (its own best unit; the frontier picks one unit for all).
    pub cost: Option<f64>,
    /// `usd`, `tokens` or `bytes`.
    pub cost_unit: Option<CostUnit>,
    /// `score` minus the parent's score, when the parent was evaluated.
    pub delta_vs_parent: Option<f64>,
    /// evaluated / errored / invalid.
    pub outcome: Outcome,
    /// Why it was refused (invalid) or why its cases errored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Wall-clock seconds of its evaluation.
    pub timing_s: f64,
    /// CPU seconds (user + system) of the processes its evaluation ran.
    #[serde(default)]
    pub cpu_s: f64,
    /// Graded cases.
    #[serde(default)]
    pub cases: usize,
    /// Passed cases.
    #[serde(default)]
    pub passed: usize,
    /// Errored cases.
    #[serde(default)]
    pub errored: usize,
    /// The size of its directory in bytes (`eval/` excluded).
    #[serde(default)]
    pub bytes: u64,
    /// Dollars reported through `HARNESS_USAGE`, when every graded case reported some.
    #[serde(default)]
    pub usd: Option<f64>,
    /// Tokens reported through `HARNESS_USAGE`, when every graded case reported some.
    #[serde(default)]
    pub tokens: Option<u64>,
}

impl Row {
    /// What its lines say (`message::meta_row`, `message::meta_table_row`).
    pub fn view(&self) -> crate::message::RowView<'_> {
        crate::message::RowView {
            iteration: self.iteration,
            name: &self.name,
            parent: self.parent.as_deref(),
            score: self.score,
            errored: self.errored,
            cost: self.cost,
            cost_unit: self.cost_unit.map(CostUnit::as_str),
            delta_vs_parent: self.delta_vs_parent,
            timing_s: self.timing_s,
            outcome: match self.outcome {
                Outcome::Evaluated => "evaluated",
                Outcome::Errored => "errored",
                Outcome::Invalid => "invalid",
            },
            reason: self.reason.as_deref(),
            passed: self.passed,
            cases: self.cases,
        }
    }

    /// What it cost, in every unit it can be told in.
    pub fn totals(&self) -> Totals {
        Totals {
            usd: self.usd,
            tokens: self.tokens,
            bytes: self.bytes,
        }
    }

    /// A row for a candidate refused before evaluation.
    pub fn invalid(iteration: u64, name: &str, reason: String) -> Row {
        Row {
            iteration,
            name: name.to_owned(),
            parent: None,
            axis: None,
            hypothesis: None,
            score: None,
            cost: None,
            cost_unit: None,
            delta_vs_parent: None,
            outcome: Outcome::Invalid,
            reason: Some(reason),
            timing_s: 0.0,
            cpu_s: 0.0,
            cases: 0,
            passed: 0,
            errored: 0,
            bytes: 0,
            usd: None,
            tokens: None,
        }
    }
}

/// Why the history could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// A filesystem operation failed.
    #[error("failed to {action} {}: {source}", path.display())]
    Io {
        /// What.
        action: &'static str,
        /// Where.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

/// Reads every row; a line that does not parse (e.g. cut short by a kill) is reported in
/// the warnings and skipped, so its candidate counts as unfinished.
pub fn read(meta: &Path) -> Result<(Vec<Row>, Vec<String>), HistoryError> {
    let path = meta.join(SUMMARY);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok((Vec::new(), Vec::new()));
        }
        Err(source) => {
            return Err(HistoryError::Io {
                action: "read",
                path,
                source,
            });
        }
    };
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Row>(line) {
            Ok(row) => rows.push(row),
            Err(error) => {
                warnings.push(crate::message::meta_row_unreadable(&path, index + 1, error))
            }
        }
    }
    Ok((rows, warnings))
}

/// Appends one row (one `write` of a whole line, then fsync). A torn last line left by a
/// kill is terminated first, so it cannot swallow the new row.
pub fn append(meta: &Path, row: &Row) -> Result<(), HistoryError> {
    let path = meta.join(SUMMARY);
    let io = |action, source| HistoryError::Io {
        action,
        path: path.clone(),
        source,
    };
    let torn = fs::read(&path).is_ok_and(|bytes| bytes.last().is_some_and(|last| *last != b'\n'));
    let mut line = if torn { "\n".to_owned() } else { String::new() };
    line.push_str(&serde_json::to_string(row).expect("a row always serialises"));
    line.push('\n');
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|source| io("open", source))?;
    file.write_all(line.as_bytes())
        .map_err(|source| io("append to", source))?;
    file.sync_data().map_err(|source| io("sync", source))
}

/// `pending_eval.json` as the harness rewrites it once it has read the proposer's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    /// The iteration the list belongs to.
    pub iteration: u64,
    /// The entries as listed (names; anything else is recorded invalid).
    pub candidates: Vec<serde_json::Value>,
}

/// What `pending_eval.json` held.
#[derive(Debug, Clone, PartialEq)]
pub enum PendingFile {
    /// No file.
    Missing,
    /// The harness's form, `{"iteration", "candidates"}`.
    Recorded(Pending),
    /// A proposer's list (`["a", "b"]` or `{"candidates": [...]}`), not yet recorded.
    Proposed(Vec<serde_json::Value>),
    /// Something else; the text says what.
    Garbage(String),
}

/// Reads `pending_eval.json`.
pub fn read_pending(meta: &Path) -> PendingFile {
    let path = meta.join(PENDING);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return PendingFile::Missing,
        Err(error) => return PendingFile::Garbage(format!("unreadable: {error}")),
    };
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Err(error) => PendingFile::Garbage(format!("not JSON: {error}")),
        Ok(serde_json::Value::Array(entries)) => PendingFile::Proposed(entries),
        Ok(value @ serde_json::Value::Object(_)) => {
            match (value.get("iteration"), value.get("candidates")) {
                (Some(iteration), Some(serde_json::Value::Array(entries))) => {
                    match iteration.as_u64() {
                        Some(iteration) => PendingFile::Recorded(Pending {
                            iteration,
                            candidates: entries.clone(),
                        }),
                        None => PendingFile::Proposed(entries.clone()),
                    }
                }
                (None, Some(serde_json::Value::Array(entries))) => {
                    PendingFile::Proposed(entries.clone())
                }
                _ => PendingFile::Garbage(
                    "expected a list of candidate names or {\"candidates\": [...]}".into(),
                ),
            }
        }
        Ok(_) => PendingFile::Garbage("expected a list of candidate names".into()),
    }
}

/// The frontier over every evaluated row (the first row of a name wins), in the one cost
/// unit `crate::frontier::unit` picks for them all.
pub fn frontier(rows: &[Row]) -> Frontier {
    let mut seen = std::collections::BTreeSet::new();
    let evaluated: Vec<&Row> = rows
        .iter()
        .filter(|row| row.outcome == Outcome::Evaluated && row.score.is_some())
        .filter(|row| seen.insert(row.name.as_str()))
        .collect();
    let totals: Vec<Totals> = evaluated.iter().map(|row| row.totals()).collect();
    let unit = crate::frontier::unit(&totals);
    Frontier::new(
        evaluated
            .into_iter()
            .map(|row| FrontierCandidate {
                name: row.name.clone(),
                score: row.score.unwrap_or(f64::NAN),
                cost: row.totals().cost(unit),
                cost_unit: unit,
                cases: row.cases,
                passed: row.passed,
                errored: row.errored,
                incomplete: row.errored > 0,
            })
            .collect(),
    )
}

/// The evaluated row named `name`, if any.
pub fn evaluated<'a>(rows: &'a [Row], name: &str) -> Option<&'a Row> {
    rows.iter()
        .find(|row| row.name == name && row.outcome == Outcome::Evaluated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, score: f64, bytes: u64, usd: Option<f64>) -> Row {
        Row {
            score: Some(score),
            cost: Some(bytes as f64),
            cost_unit: Some(CostUnit::Bytes),
            outcome: Outcome::Evaluated,
            bytes,
            usd,
            cases: 1,
            ..Row::invalid(1, name, String::new())
        }
    }

    #[test]
    fn rows_round_trip_and_torn_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        append(dir.path(), &row("a", 0.5, 10, None)).unwrap();
        fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join(SUMMARY))
            .unwrap()
            .write_all(b"{\"iteration\": 1, \"na")
            .unwrap();
        append(dir.path(), &Row::invalid(2, "../x", "bad name".into())).unwrap();
        let (rows, warnings) = read(dir.path()).unwrap();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0], row("a", 0.5, 10, None));
        assert_eq!(rows[1].outcome, Outcome::Invalid);
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn frontier_uses_usd_only_when_everyone_reported_it() {
        let rows = vec![row("a", 0.5, 10, Some(0.2)), row("b", 0.9, 50, None)];
        let front = frontier(&rows);
        assert_eq!(front.candidates[0].cost_unit, CostUnit::Bytes);
        assert_eq!(front.pareto, vec!["b", "a"]);
        let rows = vec![row("a", 0.5, 10, Some(0.2)), row("b", 0.9, 50, Some(0.1))];
        let front = frontier(&rows);
        assert_eq!(front.candidates[0].cost_unit, CostUnit::Usd);
        assert_eq!(front.pareto, vec!["b"]);
    }

    #[test]
    fn rows_with_errored_cases_are_incomplete_candidates_and_say_so() {
        let mut partial = row("partial", 0.9, 10, None);
        partial.errored = 2;
        let front = frontier(&[partial.clone(), row("whole", 0.5, 10, None)]);
        assert_eq!(front.candidates[0].name, "partial");
        assert_eq!(front.candidates[0].errored, 2);
        assert!(front.candidates[0].incomplete);
        assert!(!front.candidates[1].incomplete);
        let line = crate::message::meta_row(&partial.view());
        assert!(
            line.contains("score 0.900 (2 errored, incomplete)"),
            "{line}"
        );
        assert!(
            crate::message::meta_row(&row("whole", 0.5, 10, None).view())
                .contains("score 0.500 (0 errored)")
        );
    }

    #[test]
    fn frontier_ignores_invalid_rows_and_repeated_names() {
        let mut rows = vec![row("a", 0.5, 10, None), row("a", 1.0, 1, None)];
        rows.push(Row::invalid(1, "z", "x".into()));
        let front = frontier(&rows);
        assert_eq!(front.candidates.len(), 1);
        assert_eq!(front.candidates[0].score, 0.5);
    }

    #[test]
    fn pending_reads_every_form() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_pending(dir.path()), PendingFile::Missing);
        let write = |text: &str| fs::write(dir.path().join(PENDING), text).unwrap();
        write("[\"a\", 3]");
        assert_eq!(
            read_pending(dir.path()),
            PendingFile::Proposed(vec!["a".into(), 3.into()])
        );
        write("{\"candidates\": [\"a\"]}");
        assert_eq!(
            read_pending(dir.path()),
            PendingFile::Proposed(vec!["a".into()])
        );
        write("{\"iteration\": 4, \"candidates\": [\"a\"]}");
        assert_eq!(
            read_pending(dir.path()),
            PendingFile::Recorded(Pending {
                iteration: 4,
                candidates: vec!["a".into()]
            })
        );
        write("{not json");
        assert!(matches!(read_pending(dir.path()), PendingFile::Garbage(_)));
        write("\"a\"");
        assert!(matches!(read_pending(dir.path()), PendingFile::Garbage(_)));
    }
}
