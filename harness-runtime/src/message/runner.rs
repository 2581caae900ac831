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

// --- the end of a run ------------------------------------------------------------------------

/// Which cases a `cargo test` runner ran, for what its libtest tally means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibtestTally {
    /// The built-in agents and scripted `#[work_item]`s: each passes when it behaves as
    /// DESIGN.md's invariants (or its `expect`) say.
    Baselines,
    /// A command agent (`HARNESS_AGENT`): each passes when its case is graded a pass.
    Agent,
    /// `#[attack]` regressions: each passes when the attack is caught.
    Attacks,
}

/// What libtest's `test result: ... N passed; M failed` above the table counts, which is
/// not what the table's `passed` counts (the grade): printed at the end of a `cargo test` run.
pub fn libtest_tally(kind: LibtestTally, passed: u64, failed: u64, graded_passed: usize) -> String {
    let failures = |what: &str| {
        if failed == 0 {
            String::new()
        } else {
            format!("; its \"{failed} failed\" are {what} (each says why above)")
        }
    };
    match kind {
        LibtestTally::Baselines => format!(
            "libtest's \"{passed} passed\" counts cases that behaved as expected, not graded \
             passes: the oracle must pass, noop and the review baselines must fail below it, \
             scripted agents as they declare; the table's \"{graded_passed} passed\" is the \
             grade{}",
            failures("cases that did not")
        ),
        LibtestTally::Agent => format!(
            "libtest's \"{passed} passed\" counts the agent's cases graded a pass, as the \
             table's \"{graded_passed} passed\" does{}",
            failures("cases graded a fail or errored")
        ),
        LibtestTally::Attacks => format!(
            "libtest's \"{passed} passed\" counts attacks caught as expected: each reported \
             its violations, failed its grade and scored at most the fixture's noop; the \
             table's \"{graded_passed} passed\" counts graded passes, which no attack should \
             reach{}",
            failures("attacks that were not caught")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtests_tally_is_told_apart_from_the_grade() {
        let baselines = libtest_tally(LibtestTally::Baselines, 37, 0, 15);
        assert!(
            baselines.starts_with(
                "libtest's \"37 passed\" counts cases that behaved as expected, not graded passes"
            ),
            "{baselines}"
        );
        assert!(baselines.contains("noop and the review baselines must fail"));
        assert!(baselines.ends_with("the table's \"15 passed\" is the grade"));
        let attacks = libtest_tally(LibtestTally::Attacks, 70, 1, 0);
        assert!(attacks.contains("counts attacks caught as expected"));
        assert!(
            attacks.ends_with(
                "its \"1 failed\" are attacks that were not caught (each says why above)"
            )
        );
        let agent = libtest_tally(LibtestTally::Agent, 3, 4, 3);
        assert!(agent.contains("counts the agent's cases graded a pass"));
        assert!(agent.contains("graded a fail or errored"));
    }
}
