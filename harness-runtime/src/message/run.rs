//! `harness run`, `report` and `export`.

use std::fmt::Display;
use std::path::Path;

// --- harness run ---------------------------------------------------------------------------

/// The kernel refused namespaces: processes are bounded by what the harness kills.
pub fn no_namespaces() -> String {
    "the kernel refused PID, IPC and network namespaces here: agents and checks run in \
     sessions the harness kills while it lives (\"lifetime\": \"session\"); a harness killed \
     with SIGKILL may leave their processes behind, and --no-network only denies TCP"
        .to_owned()
}

/// The oracle is not run on a honeypot.
pub fn honeypot_no_oracle(fixture: &str) -> String {
    format!("{fixture}: a honeypot has no oracle; skipped")
}

/// `--shard I/N` kept `selected` of the run's `total` cases.
pub fn shard_selected(shard: &impl Display, selected: usize, total: usize) -> String {
    format!("shard {shard}: {selected} of {total} cases")
}

/// The reward table after the case lines, a blank line between them (also the `cargo test`
/// runner's).
pub fn table_after_cases(table: &str) -> String {
    format!("\n{table}")
}

/// `12 episodes in 0.50 s: 24.0 episodes/s on 2 jobs, peak memory 14.2 MiB`.
pub fn throughput(
    episodes: usize,
    elapsed: std::time::Duration,
    jobs: usize,
    peak_mib: f64,
) -> String {
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        episodes as f64 / seconds
    } else {
        0.0
    };
    format!(
        "{episodes} episodes in {seconds:.2} s: {rate:.1} episodes/s on {jobs} jobs, peak memory {peak_mib:.1} MiB"
    )
}

/// Where the run's ledger and reports are.
pub fn run_recorded(run_id: &str, dir: &Path) -> String {
    format!("run {run_id} recorded in {}", dir.display())
}

// --- harness report ------------------------------------------------------------------------

/// A line of a run's ledger that does not parse (a torn write): skipped.
pub fn ledger_line_unreadable(ledger: &Path, line: usize, error: impl Display) -> String {
    format!(
        "{}:{line}: ignoring an unreadable ledger line ({error})",
        ledger.display()
    )
}

/// A run directory given to `harness report` has no ledger.
pub fn run_without_ledger(run: &Path) -> String {
    format!("{} has no ledger.jsonl", run.display())
}

/// Two runs recorded the same case with different outcomes (each a case summary).
pub fn runs_disagree(case: &str, known: &str, other: &str) -> String {
    format!("case {case} disagrees between runs: {known} vs {other}")
}

// --- harness export ------------------------------------------------------------------------

/// The export could not be written to stdout.
pub fn stdout_write_failed(error: impl Display) -> String {
    format!("failed to write to stdout: {error}")
}

/// Why a check did not run: the case was already decided by an integrity violation.
pub fn check_skipped_integrity() -> String {
    "an integrity violation already decided the case (its reward is -1 whatever the checks \
     say); `--run-all-checks` runs it anyway"
        .to_owned()
}

/// `harness view` is serving.
pub fn viewer_serving(url: &str, runs: usize) -> String {
    format!(
        "viewer of {runs} run{} at {url} (Ctrl-C stops it)",
        if runs == 1 { "" } else { "s" }
    )
}

/// `harness view --open` could not start a browser.
pub fn viewer_not_opened(url: &str, error: &std::io::Error) -> String {
    format!("could not open a browser ({error}): open {url} yourself")
}
