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

/// `12 episodes in 0.50 s: 24 episodes/s on 2 jobs, peak memory 14.2 MiB`; the rate to two
/// significant figures ([`super::significant`]).
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
        "{} in {seconds:.2} s: {} episodes/s on {}, peak memory {peak_mib:.1} MiB",
        super::count(episodes, "episode"),
        super::significant(rate, 2),
        super::count(jobs, "job"),
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{count, significant};
    use super::*;

    #[test]
    fn rates_have_two_significant_figures() {
        for (value, shown) in [
            (0.0583, "0.058"),
            (0.05, "0.050"),
            (1.53, "1.5"),
            (1.0, "1.0"),
            (12.3, "12"),
            (9.96, "10"),
            (99.7, "100"),
            (275.4, "280"),
            (0.0, "0"),
            (f64::NAN, "0"),
        ] {
            assert_eq!(significant(value, 2), shown, "{value}");
        }
        assert_eq!(significant(0.0583, 1), "0.06");
        assert_eq!(significant(1234.5, 3), "1230");
    }

    #[test]
    fn one_is_singular() {
        assert_eq!(count(1, "episode"), "1 episode");
        assert_eq!(count(0, "episode"), "0 episodes");
        assert_eq!(count(12, "job"), "12 jobs");
    }

    #[test]
    fn throughput_reads_as_a_sentence() {
        assert_eq!(
            throughput(1, Duration::from_secs_f64(17.2), 1, 14.21),
            "1 episode in 17.20 s: 0.058 episodes/s on 1 job, peak memory 14.2 MiB"
        );
        assert_eq!(
            throughput(12, Duration::from_millis(500), 2, 3.0),
            "12 episodes in 0.50 s: 24 episodes/s on 2 jobs, peak memory 3.0 MiB"
        );
    }
}
