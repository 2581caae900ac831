//! Running the proposer: `sh -c CMD` in the meta directory with `HARNESS_META_DIR` and
//! `HARNESS_META_SIGNALS` set, stdout and stderr to `iterations/<i>/proposer.log`. The
//! proposer is the operator's own tool (typically a coding agent); it runs unconfined.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How the proposer ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposerRun {
    /// Its exit code (`None`: killed by a signal).
    pub exit_code: Option<i32>,
    /// Wall time.
    pub duration: Duration,
}

/// Why the proposer could not be started.
#[derive(Debug, thiserror::Error)]
pub enum ProposerError {
    /// `proposer.log` could not be created.
    #[error("failed to create {}: {source}", log.display())]
    CreateLog {
        /// Where.
        log: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// `proposer.log` could not be opened a second time, for stderr.
    #[error("failed to open {}: {source}", log.display())]
    OpenLog {
        /// Where.
        log: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// `sh -c <command>` could not be spawned.
    #[error("failed to start the proposer `{command}`: {source}")]
    Start {
        /// The proposer command.
        command: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

/// Runs `command` for one round. Fails only when it cannot be started at all.
pub fn run(
    command: &str,
    meta_dir: &Path,
    signals: &Path,
    log: &Path,
) -> Result<ProposerRun, ProposerError> {
    let started = Instant::now();
    let out = File::create(log).map_err(|source| ProposerError::CreateLog {
        log: log.to_path_buf(),
        source,
    })?;
    let err = out.try_clone().map_err(|source| ProposerError::OpenLog {
        log: log.to_path_buf(),
        source,
    })?;
    let status = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(meta_dir)
        .env("HARNESS_META_DIR", meta_dir)
        .env("HARNESS_META_SIGNALS", signals)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .status()
        .map_err(|source| ProposerError::Start {
            command: command.to_owned(),
            source,
        })?;
    Ok(ProposerRun {
        exit_code: status.code(),
        duration: started.elapsed(),
    })
}
