//! The run ledger: one case result per line, appended under a file lock as each case ends
//! (write + flush + fsync), plus each case's files. Resume and reports read it back.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::case::CaseOutput;
use crate::result::CaseResult;

/// Why the ledger could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
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

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> LedgerError + 'a {
    move |source| LedgerError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// A run's directory: `<out>/runs/<run-id>/`.
#[derive(Debug, Clone)]
pub struct RunDir {
    /// The directory.
    pub dir: PathBuf,
    /// The run id.
    pub run_id: String,
}

impl RunDir {
    /// `<out>/runs/<run_id>`, created.
    pub fn create(out: &Path, run_id: &str) -> Result<RunDir, LedgerError> {
        let dir = out.join("runs").join(run_id);
        fs::create_dir_all(&dir).map_err(io("create run directory", &dir))?;
        Ok(RunDir {
            dir,
            run_id: run_id.to_owned(),
        })
    }

    /// Opens an existing run directory (for resume and reports).
    pub fn open(dir: &Path) -> RunDir {
        let run_id = dir
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        RunDir {
            dir: dir.to_path_buf(),
            run_id,
        }
    }

    /// `ledger.jsonl`.
    pub fn ledger(&self) -> PathBuf {
        self.dir.join("ledger.jsonl")
    }

    /// Records a finished case: its files first, then its ledger line.
    pub fn record(&self, output: &CaseOutput) -> Result<(), LedgerError> {
        let case_dir = self.dir.join("cases").join(sanitize(&output.result.case));
        let checks_dir = case_dir.join("checks");
        fs::create_dir_all(&checks_dir).map_err(io("create", &checks_dir))?;
        let json =
            serde_json::to_string_pretty(&output.result).expect("a case result always serialises");
        write_file(&case_dir.join("result.json"), json.as_bytes())?;
        write_file(&case_dir.join("agent.log"), output.logs.agent.as_bytes())?;
        write_file(&case_dir.join("diff.patch"), output.logs.diff.as_bytes())?;
        if !output.logs.trajectory.is_empty() {
            write_file(
                &case_dir.join("trajectory.jsonl"),
                output.logs.trajectory.as_bytes(),
            )?;
        }
        for (name, log) in &output.logs.checks {
            write_file(
                &checks_dir.join(format!("{}.log", sanitize(name))),
                log.as_bytes(),
            )?;
        }
        self.append(&output.result)
    }

    /// Appends one line under an exclusive lock (nextest runs each case in its own process).
    pub fn append(&self, result: &CaseResult) -> Result<(), LedgerError> {
        let path = self.ledger();
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io("open ledger", &path))?;
        file.lock().map_err(io("lock ledger", &path))?;
        let mut line = serde_json::to_string(result).expect("a case result always serialises");
        line.push('\n');
        file.write_all(line.as_bytes())
            .map_err(io("append to ledger", &path))?;
        file.flush().map_err(io("flush ledger", &path))?;
        file.sync_data().map_err(io("sync ledger", &path))?;
        Ok(())
    }

    /// Every result in the ledger; a torn or corrupt line is skipped with a warning. When a
    /// case appears more than once, the last line wins.
    pub fn read(&self) -> Result<(Vec<CaseResult>, Vec<String>), LedgerError> {
        read_ledger(&self.ledger())
    }
}

/// Reads a ledger file; returns results and warnings (one per unreadable line).
pub fn read_ledger(path: &Path) -> Result<(Vec<CaseResult>, Vec<String>), LedgerError> {
    let text = match fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok((Vec::new(), Vec::new()));
        }
        Err(source) => {
            return Err(LedgerError::Io {
                action: "read ledger",
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut results: Vec<CaseResult> = Vec::new();
    let mut warnings = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<CaseResult>(line) {
            Ok(result) => {
                results.retain(|known| known.case != result.case);
                results.push(result);
            }
            Err(error) => warnings.push(crate::message::ledger_line_unreadable(
                path,
                number + 1,
                error,
            )),
        }
    }
    Ok((results, warnings))
}

fn write_file(path: &Path, content: &[u8]) -> Result<(), LedgerError> {
    let mut file = File::create(path).map_err(io("create", path))?;
    file.write_all(content).map_err(io("write", path))?;
    Ok(())
}

/// A case name as a file name: `::` becomes `__`, anything unusual `_`.
pub fn sanitize(case: &str) -> String {
    case.replace("::", "__")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A fresh run id: time and process id, sortable.
pub fn fresh_run_id() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!("{}-{}", now.as_millis(), std::process::id())
}
