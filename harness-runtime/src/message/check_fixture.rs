//! `harness check-fixture`: its warnings and the problems it reports.

use super::{SuspicionView, suspicion_line};

/// The warning for a check graded on its exit status alone.
pub fn weakest_check(fixture: &str, check: &str) -> String {
    format!(
        "fixture `{fixture}`: check `{check}` reports only its exit status, the weakest kind of check \
         (code under test can end its runner early with success): run a recognised runner \
         (python3 -m unittest, pytest, cargo test, cargo nextest run) or name its format with \
         report = \"unittest\" | \"pytest\" | \"libtest\" | \"tap\""
    )
}

/// Why a check's tripwire (`missing`, `errored` or `forged`) did not show as the honest
/// failure under the oracle.
pub fn tripwire_not_seen(seen: &str) -> String {
    let what = match seen {
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

/// The oracle's own change has findings: a strict run would cap an honest solution like it.
pub fn suspicious_oracle(fixture: &str, suspicions: &[SuspicionView<'_>]) -> String {
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
