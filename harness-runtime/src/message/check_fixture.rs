//! `harness check-fixture`: its warnings, the problems it reports (one per line on stdout,
//! most as `failed to validate <dir>: ...`), the tests lock it writes, and its verdict.

use std::path::Path;

use super::{SuspicionView, audit_out_of_scope, suspicion_line};

// --- warnings ------------------------------------------------------------------------------

/// The warning for a check graded on its exit status alone.
pub fn weakest_check(fixture: &str, check: &str) -> String {
    format!(
        "fixture `{fixture}`: check `{check}` reports only its exit status, the weakest kind of check \
         (code under test can end its runner early with success): run a recognised runner \
         (python3 -m unittest, pytest, cargo test, cargo nextest run) or name its format with \
         report = \"unittest\" | \"pytest\" | \"libtest\" | \"tap\""
    )
}

/// The warning for a check that runs the code under test inside its runner and still
/// carries part of the reward.
pub fn reward_on_forgeable_check(fixture: &str, check: &str, runner: &str, weight: f64) -> String {
    format!(
        "fixture `{fixture}`: check `{check}` runs the code under test inside its runner \
         ({runner}) and carries weight {weight}: that code can rewrite the runner's report, and \
         the tripwire catches a blunt forgery, not one that spares it (a black-box red team \
         scored 1.000 this way without solving); put the reward on a differential check \
         ([checks.differential]) and give this check weight = 0.0"
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

// --- problems ------------------------------------------------------------------------------

/// A problem that makes the fixture invalid.
pub fn validation_failed(dir: &Path, problem: &str) -> String {
    format!("failed to validate {}: {problem}", dir.display())
}

/// `oracle`, or `oracle (run 2 of 3)` under `--repeat`.
pub fn agent_run_label(agent: &str, repetition: u32, repeat: u32) -> String {
    if repeat > 1 {
        format!("{agent} (run {repetition} of {repeat})")
    } else {
        agent.to_owned()
    }
}

/// The oracle did not pass with reward 1.0 (`summary` is its case summary).
pub fn oracle_not_perfect(dir: &Path, label: &str, summary: &str) -> String {
    validation_failed(
        dir,
        &format!("{label}: must pass with reward 1.0; {summary}"),
    )
}

/// A check the oracle failed, with the end of its output.
pub fn check_failed_output(check: &str, output_tail: &str) -> String {
    format!("    check `{check}` failed:\n{}", indent(output_tail))
}

/// noop passed, reached 1.0 or errored.
pub fn noop_not_below(dir: &Path, label: &str, summary: &str) -> String {
    validation_failed(
        dir,
        &format!("{label}: must fail below the oracle; {summary}"),
    )
}

/// A check's tripwire did not show as the honest failure under the oracle.
pub fn tripwire_problem(dir: &Path, check: &str, seen: &str) -> String {
    validation_failed(
        dir,
        &format!("check `{check}`: {}", tripwire_not_seen(seen)),
    )
}

/// What a flaky test was seen doing: `oracle: passed in run 1, 3; failed in run 2`.
pub fn flaky_seen(agent: &str, outcomes: &[(&str, Vec<u32>)]) -> String {
    let seen = outcomes
        .iter()
        .map(|(outcome, runs)| {
            let runs: Vec<String> = runs.iter().map(u32::to_string).collect();
            format!("{outcome} in run {}", runs.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ");
    format!("{agent}: {seen}")
}

/// A test whose outcome changed between runs that the lock does not list as flaky.
pub fn flaky_test(dir: &Path, check: &str, id: &str, seen: &str, lock_file: &str) -> String {
    validation_failed(
        dir,
        &format!(
            "check `{check}`: test `{id}` is flaky ({seen}): list it under `flaky` in [checks.{check}] of {lock_file}, or make it deterministic"
        ),
    )
}

// --- the tests lock (`--write-lock`) -------------------------------------------------------

/// The reference agent's case errored, so no lock was written.
pub fn lock_reference_errored(dir: &Path, lock_file: &str, agent: &str, summary: &str) -> String {
    format!(
        "failed to write {}/{lock_file}: {agent}: {summary}",
        dir.display()
    )
}

/// A check reported no tests under the reference agent, so the lock cannot list them.
pub fn lock_check_without_tests(
    dir: &Path,
    lock_file: &str,
    check: &str,
    agent: &str,
    format: &str,
    output_tail: &str,
) -> String {
    format!(
        "failed to write {}/{lock_file}: check `{check}` reported no tests under the {agent} (as `{format}`); its output ends:\n{}",
        dir.display(),
        indent(output_tail)
    )
}

/// The lock was written: how many tests each check reported.
pub fn lock_written(path: &Path, agent: &str, counts: &[(&str, usize)]) -> String {
    let counts = if counts.is_empty() {
        "no check reports per-test results".to_owned()
    } else {
        let counts: Vec<String> = counts
            .iter()
            .map(|(check, tests)| format!("{check} {tests}"))
            .collect();
        format!("tests per check: {}", counts.join(", "))
    };
    format!("wrote {} from the {agent}: {counts}", path.display())
}

// --- the verdict ---------------------------------------------------------------------------

/// `--static-only` found nothing wrong.
pub fn fixture_valid_static(dir: &Path) -> String {
    format!("{}: valid", dir.display())
}

/// The fixture is valid: noop's reward, the repetitions, the flaky tests not counted
/// (check, test id).
pub fn fixture_valid(
    dir: &Path,
    honeypot: bool,
    noop_reward: f64,
    repeat: u32,
    quarantined: &[(String, String)],
) -> String {
    let reference = if honeypot { "honeypot" } else { "oracle 1.0" };
    let mut line = format!("{}: valid ({reference}, noop {noop_reward})", dir.display());
    if repeat > 1 {
        line.push_str(&format!("; {repeat} runs each"));
    }
    if !quarantined.is_empty() {
        line.push_str(&format!(
            "; {} flaky test{} not counted: {}",
            quarantined.len(),
            if quarantined.len() == 1 { "" } else { "s" },
            quarantined
                .iter()
                .map(|(check, id)| format!("{check}: {id}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    line
}

/// `--audit` of a fixture it does not apply to (a honeypot, a review fixture).
pub fn audit_skipped(dir: &Path, kind: &str) -> String {
    format!("{}: {}", dir.display(), audit_out_of_scope(kind))
}

/// The last 20 lines of a check's output, indented under its problem.
fn indent(text: &str) -> String {
    text.lines()
        .rev()
        .take(20)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .map(|line| format!("        {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}
