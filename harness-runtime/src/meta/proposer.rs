//! Running the proposer: `sh -c CMD` in the meta directory with `HARNESS_META_DIR` and
//! `HARNESS_META_SIGNALS` set, stdout and stderr to `iterations/<i>/proposer.log`. The
//! proposer is the operator's own tool (typically a coding agent); it runs unconfined.

use std::fs::File;
use std::path::Path;
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

/// Runs `command` for one round. Fails only when it cannot be started at all.
pub fn run(
    command: &str,
    meta_dir: &Path,
    signals: &Path,
    log: &Path,
) -> Result<ProposerRun, String> {
    let started = Instant::now();
    let out = File::create(log)
        .map_err(|error| format!("failed to create {}: {error}", log.display()))?;
    let err = out
        .try_clone()
        .map_err(|error| format!("failed to open {}: {error}", log.display()))?;
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
        .map_err(|error| format!("failed to start the proposer `{command}`: {error}"))?;
    Ok(ProposerRun {
        exit_code: status.code(),
        duration: started.elapsed(),
    })
}
