//! Every line the harness prints for users, in one voice.

use crate::result::CaseResult;

/// `harness: error: ...` on stderr.
pub fn error(text: &str) {
    eprintln!("harness: error: {text}");
}

/// `harness: warning: ...` on stderr.
pub fn warning(text: &str) {
    eprintln!("harness: warning: {text}");
}

/// The line a finished case prints: status, reward and violations (with paths).
pub fn case_line(result: &CaseResult) -> String {
    let mut line = result.summary();
    for violation in result.violations.iter().take(8) {
        line.push_str(&format!(
            "\n    {} {}: {}",
            violation.code,
            violation.path.as_deref().unwrap_or("-"),
            violation.detail
        ));
    }
    if result.violations.len() > 8 {
        line.push_str(&format!(
            "\n    ... and {} more",
            result.violations.len() - 8
        ));
    }
    line
}

/// `harness: note: ...` on stderr.
pub fn note(text: &str) {
    eprintln!("harness: note: {text}");
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

/// The warning for a check graded on its exit status alone.
pub fn weakest_check(fixture: &str, check: &str) -> String {
    format!(
        "fixture `{fixture}`: check `{check}` reports only its exit status, the weakest kind of check \
         (code under test can end its runner early with success): run a recognised runner \
         (python3 -m unittest, pytest, cargo test, cargo nextest run) or name its format with \
         report = \"unittest\" | \"pytest\" | \"libtest\" | \"tap\""
    )
}

/// Why a check's tripwire did not show as the honest failure under the oracle.
pub fn tripwire_not_seen(seen: crate::grade::verdict::TripwireSeen) -> String {
    let what = match tripwire_word(seen) {
        "missing" => "was not reported",
        "forged" => "was reported passed or skipped",
        other => other,
    };
    format!(
        "the harness's tripwire test {what} under the oracle; it is added to the first of the \
         check's `files` the runner collects (else the first test module it collects), so the \
         runner must run that module and the test must fail"
    )
}

/// One word for what a tripwire showed, as in the case result.
pub fn tripwire_word(seen: crate::grade::verdict::TripwireSeen) -> &'static str {
    use crate::grade::verdict::TripwireSeen;
    match seen {
        TripwireSeen::Failed => "failed",
        TripwireSeen::Missing => "missing",
        TripwireSeen::Errored => "errored",
        TripwireSeen::Forged => "forged",
    }
}
