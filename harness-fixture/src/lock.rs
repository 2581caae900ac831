//! `fixtures/<id>/tests.lock`: the tests each check reports under the oracle (the baseline
//! run for a fixture without one, e.g. a honeypot), written by `harness check-fixture
//! --write-lock`. It lives beside `repo/`, never inside it, so hidden test ids never enter
//! a sandbox. At grading a check passes only when every id locked `passed` is reported
//! `passed`; a runner that claims success while a locked id is missing forged its results.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::contract::ReportFormat;
use crate::error::Problem;
use crate::toml_source;

/// The lock file's name in a fixture directory.
pub const LOCK_FILE: &str = "tests.lock";

/// One test's outcome, as a runner reports it and as the lock records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    /// Ran and passed (an expected failure counts as passed).
    Passed,
    /// Ran and failed an assertion.
    Failed,
    /// Not run (skipped, ignored, a TAP `# SKIP` or `# TODO`).
    Skipped,
    /// Could not run or crashed outside an assertion (import error, fixture error, signal).
    Errored,
}

impl TestOutcome {
    /// The name used in JSON, locks and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            TestOutcome::Passed => "passed",
            TestOutcome::Failed => "failed",
            TestOutcome::Skipped => "skipped",
            TestOutcome::Errored => "errored",
        }
    }
}

/// The whole lock: one table per check, by check name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestsLock {
    /// Check name -> what it locks.
    #[serde(default)]
    pub checks: BTreeMap<String, LockedCheck>,
}

/// `[checks.<name>]`: one check's expected tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedCheck {
    /// The report format the ids were read in (the resolved one when the contract says
    /// `auto`); ids are only comparable within one format.
    pub report: ReportFormat,
    /// Ids whose outcome changes from run to run (kept by hand, never written by
    /// `--write-lock` on its own): not counted either way.
    #[serde(default)]
    pub flaky: Vec<String>,
    /// Test id -> its outcome in the locked run.
    #[serde(default)]
    pub tests: BTreeMap<String, TestOutcome>,
}

impl LockedCheck {
    /// Whether `id` is listed as flaky.
    pub fn is_flaky(&self, id: &str) -> bool {
        self.flaky.iter().any(|flaky| flaky == id)
    }

    /// Locked ids that count: every id but the flaky ones.
    pub fn counted(&self) -> impl Iterator<Item = (&str, TestOutcome)> {
        self.tests
            .iter()
            .filter(|(id, _)| !self.is_flaky(id))
            .map(|(id, outcome)| (id.as_str(), *outcome))
    }
}

impl TestsLock {
    /// Parses a lock read from `file`.
    pub fn parse(file: &Path, text: &str) -> Result<TestsLock, Problem> {
        toml_source::parse(file, text)
    }

    /// Reads `dir/tests.lock`; `Ok(None)` when the fixture has none.
    pub fn read(dir: &Path) -> Result<Option<TestsLock>, Problem> {
        let file = dir.join(LOCK_FILE);
        match std::fs::read_to_string(&file) {
            Ok(text) => TestsLock::parse(&file, &text).map(Some),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(Problem::rule(file, "", format!("failed to read: {error}"))),
        }
    }

    /// The lock as TOML, with a header saying where it came from. Deterministic: the same
    /// lock always renders to the same bytes.
    pub fn render(&self) -> String {
        let mut text = String::from(
            "# Written by `harness check-fixture --write-lock`: the tests each check reports under\n\
             # the oracle (the baseline for a fixture without one). Grading requires every id\n\
             # locked \"passed\" to pass. List ids whose outcome varies between runs under `flaky`.\n",
        );
        for (name, check) in &self.checks {
            let _ = write!(
                text,
                "\n[checks.{}]\nreport = \"{}\"\nflaky = [",
                toml_key(name),
                check.report.as_str()
            );
            for (index, id) in check.flaky.iter().enumerate() {
                if index > 0 {
                    text.push_str(", ");
                }
                text.push_str(&toml_string(id));
            }
            text.push_str("]\n");
            let _ = writeln!(text, "\n[checks.{}.tests]", toml_key(name));
            for (id, outcome) in &check.tests {
                let _ = writeln!(text, "{} = \"{}\"", toml_string(id), outcome.as_str());
            }
        }
        text
    }
}

/// A bare key when TOML allows one, else a quoted key.
fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_owned()
    } else {
        toml_string(key)
    }
}

/// A TOML basic string with everything that needs it escaped.
fn toml_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> TestsLock {
        let mut lock = TestsLock::default();
        lock.checks.insert(
            "visible".into(),
            LockedCheck {
                report: ReportFormat::Unittest,
                flaky: vec!["m.C.test_flaky".into()],
                tests: [
                    ("m.C.test_a".to_owned(), TestOutcome::Passed),
                    ("m.C.test_skip".to_owned(), TestOutcome::Skipped),
                    ("m.C.test_flaky".to_owned(), TestOutcome::Passed),
                ]
                .into(),
            },
        );
        lock.checks.insert(
            "hidden tests".into(),
            LockedCheck {
                report: ReportFormat::Libtest,
                flaky: Vec::new(),
                tests: [(
                    "doctest:x::src/lib.rs - f (line 3) \"quoted\"\\".to_owned(),
                    TestOutcome::Failed,
                )]
                .into(),
            },
        );
        lock
    }

    #[test]
    fn a_rendered_lock_parses_back_to_itself() {
        let lock = sample();
        let text = lock.render();
        assert_eq!(
            TestsLock::parse(Path::new("tests.lock"), &text).unwrap(),
            lock
        );
        assert!(text.starts_with("# Written by `harness check-fixture --write-lock`"));
    }

    #[test]
    fn flaky_ids_are_not_counted() {
        let lock = sample();
        let counted: Vec<_> = lock.checks["visible"].counted().map(|(id, _)| id).collect();
        assert_eq!(counted, ["m.C.test_a", "m.C.test_skip"]);
    }

    #[test]
    fn an_unknown_outcome_names_its_field() {
        let text =
            "[checks.visible]\nreport = \"unittest\"\n[checks.visible.tests]\n\"a\" = \"won\"\n";
        let problem = TestsLock::parse(Path::new("tests.lock"), text).unwrap_err();
        let message = problem.to_string();
        assert!(
            message.starts_with("failed to parse tests.lock:4:"),
            "{message}"
        );
        assert!(message.contains("checks.visible.tests.a"), "{message}");
    }

    proptest! {
        #[test]
        fn any_ids_round_trip(ids in proptest::collection::btree_set("\\PC{0,12}", 0..6)) {
            let mut lock = TestsLock::default();
            lock.checks.insert("c".into(), LockedCheck {
                report: ReportFormat::Tap,
                flaky: ids.iter().take(1).cloned().collect(),
                tests: ids.iter().map(|id| (id.clone(), TestOutcome::Passed)).collect(),
            });
            prop_assert_eq!(TestsLock::parse(Path::new("l"), &lock.render()).unwrap(), lock);
        }
    }
}
