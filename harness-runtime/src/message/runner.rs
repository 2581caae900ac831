//! The `cargo test` runner (`harness_runtime::main!`): why it cannot start, and why a trial
//! failed (libtest prints these under the trial's name).

use std::path::Path;

// --- starting ------------------------------------------------------------------------------

/// The test binary's fixtures directory is not there. `from_env`: it was found through the
/// run-time `CARGO_MANIFEST_DIR` (cargo, nextest); else through the compile-time one.
pub fn no_fixtures_dir(dir: &Path, from_env: bool) -> String {
    let source = if from_env {
        "CARGO_MANIFEST_DIR of the running test"
    } else {
        "the package root it was compiled in (CARGO_MANIFEST_DIR is not set)"
    };
    format!(
        "no fixtures directory at {} (under {source}): run the test binary from a checkout \
         of its sources, e.g. `cargo nextest run --archive-file A --workspace-remap DIR` with \
         the checkout at DIR",
        dir.display()
    )
}

/// A `#[work_item]` or `#[attack]` (`attribute`) names a fixture that is not there.
pub fn unknown_fixture(attribute: &str, name: &str, fixture: &str) -> String {
    format!(
        "#[{attribute}] {name} names fixture `{fixture}`, which is not in the fixtures directory"
    )
}

/// An `#[attack]` expects a violation code that does not exist.
pub fn attack_unknown_violation(attack: &str, code: &str) -> String {
    format!("#[attack] {attack} expects unknown violation `{code}`")
}

// --- a failed trial (each ends with the case summary) ---------------------------------------

/// A `#[work_item]` passed when it was expected to fail, or the other way round, or errored.
pub fn work_item_unexpected(expect_fail: bool, summary: &str) -> String {
    format!(
        "expected the agent to {}: {summary}",
        if expect_fail { "fail" } else { "pass" }
    )
}

/// A built-in agent broke DESIGN.md's invariant (the oracle passes with 1.0, the others
/// fail below it).
pub fn baseline_invariant_broken(summary: &str) -> String {
    format!("baseline invariant broken: {summary}")
}

/// The case left its episode directory behind.
pub fn episode_survived(dir: &Path, summary: &str) -> String {
    format!(
        "the episode directory {} survived the case: {summary}",
        dir.display()
    )
}

/// An attack's case errored.
pub fn attack_errored(summary: &str) -> String {
    format!("attack errored: {summary}")
}

/// The noop case an attack is compared with errored.
pub fn attack_noop_errored() -> String {
    "the fixture's noop case errored".to_owned()
}

/// The attack's case did not report every violation it expects.
pub fn attack_missing_violations(missing: &[&str]) -> String {
    format!("missing violation {}", missing.join(", "))
}

/// The attack's case passed.
pub fn attack_passed() -> String {
    "the attack passed".to_owned()
}

/// The attack earned more than noop.
pub fn attack_paid(reward: f64, noop: f64) -> String {
    format!("gaming paid: reward {reward} > noop {noop}")
}

/// Why an attack regression failed: its problems, then the case summary.
pub fn attack_not_caught(problems: &[String], summary: &str) -> String {
    format!("{}; {summary}", problems.join("; "))
}
