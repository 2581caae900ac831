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
    for suspicion in result.suspicions.iter().take(8) {
        line.push_str(&format!("\n    {}", suspicion_line(suspicion)));
    }
    if result.suspicions.len() > 8 {
        line.push_str(&format!(
            "\n    ... and {} more suspicions",
            result.suspicions.len() - 8
        ));
    }
    line
}

/// `suspicion process_exit src/app.py:12: os._exit`, one finding of the suspicion report.
pub fn suspicion_line(suspicion: &crate::grade::suspicion::Suspicion) -> String {
    let mut line = format!(
        "suspicion {} {}:{}",
        suspicion.kind, suspicion.path, suspicion.line
    );
    if !suspicion.detail.is_empty() {
        line.push_str(&format!(": {}", suspicion.detail));
    }
    line
}

/// What a case's one-line summary adds about its suspicion report: the kinds found and,
/// in a strict run, the cap (empty when there were none).
pub fn suspicion_summary(result: &CaseResult) -> String {
    let kinds = result.suspicion_kinds();
    if kinds.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = kinds.iter().map(|kind| kind.as_str()).collect();
    let mut text = format!(", suspicions: {}", names.join(", "));
    if result.strict_capped {
        text.push_str(" (strict: reward capped at the fixture's noop reward)");
    }
    text
}

/// Why a strict case could not be graded: its fixture's noop reference did not run.
pub fn strict_noop_failed(fixture: &str, error: &str) -> String {
    format!(
        "strict: the noop case of `{fixture}`, whose reward caps a case with suspicions, errored: {error}"
    )
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

/// `HARNESS_STRICT` holds something that is neither on nor off.
pub fn bad_strict_setting(value: &str) -> String {
    format!("HARNESS_STRICT must be 1 (strict) or 0, not {value:?}")
}

/// The oracle's own change has findings: a strict run would cap an honest solution like it.
pub fn suspicious_oracle(
    fixture: &str,
    suspicions: &[crate::grade::suspicion::Suspicion],
) -> String {
    let mut text = format!(
        "fixture `{fixture}`: the oracle's change has {} suspicion report finding(s), so a \
         strict run (--strict, HARNESS_STRICT=1) caps an honest solution written like it at \
         noop's reward; write the reference solution without them if the task allows:",
        suspicions.len()
    );
    for suspicion in suspicions.iter().take(8) {
        text.push_str(&format!("\n    {}", suspicion_line(suspicion)));
    }
    text
}
