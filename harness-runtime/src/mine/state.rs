//! `DIR/.mine-state.json`: every decided candidate (id, commit, verdict, reason, detail,
//! seconds), rewritten atomically after each one, so a killed run resumes where it stopped
//! (`--resume`) and skips what it already decided.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The state file's name in the output directory.
pub const STATE_FILE: &str = ".mine-state.json";

/// Why a candidate was rejected: stable strings, in the state file and the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Reason {
    /// Every hidden test already passed on the baseline.
    #[serde(rename = "no failing test before the fix")]
    NoFailingTest,
    /// The rest of the suite fails on the baseline or with the fix.
    #[serde(rename = "visible tests fail")]
    VisibleFail,
    /// The environment could not be built.
    #[serde(rename = "environment failed")]
    Environment,
    /// A hidden test's outcome changed between runs.
    #[serde(rename = "flaky")]
    Flaky,
    /// The fix does not pass every check with reward 1.0.
    #[serde(rename = "oracle fails")]
    OracleFails,
    /// The fix changes more files or lines than allowed.
    #[serde(rename = "too large")]
    TooLarge,
    /// The miner cannot express it (a deleted or renamed source file, a submodule, no
    /// runnable test file, ...).
    #[serde(rename = "unsupported")]
    Unsupported,
    /// A generic gaming strategy earned more than noop.
    #[serde(rename = "audit")]
    Audit,
}

impl Reason {
    /// Every reason, in the table's order.
    pub const ALL: [Reason; 8] = [
        Reason::NoFailingTest,
        Reason::VisibleFail,
        Reason::Environment,
        Reason::Flaky,
        Reason::OracleFails,
        Reason::TooLarge,
        Reason::Unsupported,
        Reason::Audit,
    ];

    /// Its stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NoFailingTest => "no failing test before the fix",
            Reason::VisibleFail => "visible tests fail",
            Reason::Environment => "environment failed",
            Reason::Flaky => "flaky",
            Reason::OracleFails => "oracle fails",
            Reason::TooLarge => "too large",
            Reason::Unsupported => "unsupported",
            Reason::Audit => "audit",
        }
    }
}

/// One decided candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decided {
    /// The fixture id it has (or would have had).
    pub id: String,
    /// The commit.
    pub commit: String,
    /// `accepted` or `rejected`.
    pub verdict: String,
    /// Why it was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// What was seen, in a line or a few.
    #[serde(default)]
    pub detail: String,
    /// Wall-clock seconds spent on it.
    pub seconds: f64,
}

impl Decided {
    /// Whether it became a fixture.
    pub fn accepted(&self) -> bool {
        self.verdict == "accepted"
    }
}

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MineState {
    /// The repository mined (as given, made absolute).
    pub repository: String,
    /// The options that decide verdicts, so a resume with other ones is refused.
    pub options: String,
    /// Every decided candidate, in the order decided.
    pub decided: Vec<Decided>,
}

/// Why the state file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading or writing it failed.
    #[error("failed to {what} {path}: {message}")]
    Io {
        /// `read` or `write`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The error.
        message: String,
    },
}

impl MineState {
    /// Reads `dir/.mine-state.json`; `Ok(None)` when there is none.
    pub fn read(dir: &Path) -> Result<Option<MineState>, StateError> {
        let path = dir.join(STATE_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(io("read", &path, error)),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|error| io("read", &path, error))
    }

    /// Writes it to `dir/.mine-state.json` through a temporary file renamed over it.
    pub fn write(&self, dir: &Path) -> Result<(), StateError> {
        let path = dir.join(STATE_FILE);
        let text = serde_json::to_string_pretty(self).expect("the state always serialises");
        crate::atomic::write_atomically(&path, (text + "\n").as_bytes())
            .map_err(|error| io("write", &path, error))
    }

    /// The record of `commit`, if decided.
    pub fn get(&self, commit: &str) -> Option<&Decided> {
        self.decided.iter().find(|decided| decided.commit == commit)
    }
}

fn io(what: &'static str, path: &Path, error: impl std::fmt::Display) -> StateError {
    StateError::Io {
        what,
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}
