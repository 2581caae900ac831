//! Per-test reports: what a check's test runner said about each test, read back from the
//! runner's own output.
//!
//! One module per format, each a pure function from text to a [`ParsedReport`]:
//! [`unittest`] (`python3 -m unittest -v`), [`pytest`] (its JUnit XML), [`libtest`]
//! (`cargo test` and `cargo nextest run`) and [`tap`] (the Test Anything Protocol). The `exit`
//! format has no parser: its verdict is the exit status alone.
//!
//! The text formats read the check's combined stdout+stderr log, where the code under test can
//! print anything anywhere. So the parsers never fail (unreadable lines are skipped and the
//! report just lists fewer tests), never panic, and stay linear in the size of the log. A
//! runner's claims about the whole run ([`Summary`]) are kept beside the per-test lines so that
//! grading can check one against the other ([`ParsedReport::overclaiming_groups`]).

pub mod libtest;
pub mod pytest;
pub mod tap;
pub mod unittest;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use harness_fixture::ReportFormat;

/// One test's outcome as its runner reported it (the lock records the same type). A crash,
/// a signal or a timeout of one test counts as failed.
pub use harness_fixture::TestOutcome;

/// One reported test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedTest {
    /// The test's id, in the format's id scheme (see each module's documentation).
    pub id: String,
    /// What the runner reported.
    pub outcome: TestOutcome,
    /// Index into [`ParsedReport::groups`] of the group that reported it.
    pub group: usize,
}

/// What a runner's summary line(s) claimed for one group.
///
/// Each count is `None` when the runner's summary does not state it. When a group prints
/// several summaries (rustdoc's merged and standalone doctests, a runner started twice, or a
/// forged summary line), they are merged: counts add up and `ok` holds only if every one said
/// so, so that a forged extra summary can only make the claims bigger, never hide one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// How many tests the runner says it ran (see each module for what its runner counts).
    pub ran: Option<u64>,
    /// How many passed.
    pub passed: Option<u64>,
    /// How many failed.
    pub failed: Option<u64>,
    /// How many were skipped (ignored).
    pub skipped: Option<u64>,
    /// How many errored.
    pub errored: Option<u64>,
    /// The summary says the run succeeded ("OK", "test result: ok.", every TAP test ok and the
    /// plan met, a nextest summary with no failures, ...).
    pub ok: bool,
}

impl Summary {
    /// Adds `other` (another summary of the same group) to this one.
    fn merge(&mut self, other: Summary) {
        fn add(a: Option<u64>, b: Option<u64>) -> Option<u64> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a.saturating_add(b)),
                (a, b) => a.or(b),
            }
        }
        self.ran = add(self.ran, other.ran);
        self.passed = add(self.passed, other.passed);
        self.failed = add(self.failed, other.failed);
        self.skipped = add(self.skipped, other.skipped);
        self.errored = add(self.errored, other.errored);
        self.ok = self.ok && other.ok;
    }
}

/// Merges `summary` into a group's optional summary.
fn merge_into(slot: &mut Option<Summary>, summary: Summary) {
    match slot {
        Some(existing) => existing.merge(summary),
        None => *slot = Some(summary),
    }
}

/// A unit the runner reports on separately: a libtest test binary (cargo prints one `Running`
/// line and one `test result:` line per binary), a nextest binary, a JUnit testsuite; unittest
/// and TAP have exactly one group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    /// The group's name (see each module for its scheme).
    pub name: String,
    /// What the group's summary claimed; `None` when it printed none (e.g. a test binary that
    /// exited before its `test result:` line).
    pub summary: Option<Summary>,
}

/// The name of the group that holds nextest's one run-wide `Summary` line. nextest prints no
/// per-binary summary, so this group's claims are checked against every test of the report.
/// No binary id can take this name: binary ids never contain a space.
pub const NEXTEST_RUN_GROUP: &str = "nextest run";

/// Everything a runner reported: its tests in the order reported, and its groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedReport {
    /// Every report of a test, in order; an id reported twice appears twice.
    pub tests: Vec<ReportedTest>,
    /// The groups the tests point into.
    pub groups: Vec<Group>,
}

impl ParsedReport {
    /// The first reported outcome of `id`, if any.
    pub fn outcome(&self, id: &str) -> Option<TestOutcome> {
        self.tests.iter().find(|t| t.id == id).map(|t| t.outcome)
    }

    /// The first reported outcome of every id, for looking many ids up (`outcome` scans).
    pub fn first_outcomes(&self) -> HashMap<&str, TestOutcome> {
        let mut map = HashMap::with_capacity(self.tests.len());
        for test in &self.tests {
            map.entry(test.id.as_str()).or_insert(test.outcome);
        }
        map
    }

    /// Summaries that claim more passed tests than the group reported passed lines for (the
    /// "reports more passes than it ran" forgery): returns the offending group names.
    ///
    /// A group's passed lines are its distinct ids reported passed at least once (a retried
    /// or repeated test counts once). [`NEXTEST_RUN_GROUP`]'s summary covers every test.
    pub fn overclaiming_groups(&self) -> Vec<String> {
        let mut passed: Vec<HashSet<&str>> = vec![HashSet::new(); self.groups.len()];
        let mut passed_anywhere: HashSet<&str> = HashSet::new();
        for test in &self.tests {
            if test.outcome == TestOutcome::Passed {
                if let Some(set) = passed.get_mut(test.group) {
                    set.insert(test.id.as_str());
                }
                passed_anywhere.insert(test.id.as_str());
            }
        }
        self.groups
            .iter()
            .enumerate()
            .filter_map(|(index, group)| {
                let claimed = group.summary.as_ref()?.passed?;
                let seen = if group.name == NEXTEST_RUN_GROUP {
                    passed_anywhere.len()
                } else {
                    passed.get(index).map_or(0, HashSet::len)
                };
                (claimed > seen as u64).then(|| group.name.clone())
            })
            .collect()
    }

    /// Whether any group's summary claims success.
    pub fn claims_success(&self) -> bool {
        self.groups
            .iter()
            .any(|g| g.summary.as_ref().is_some_and(|s| s.ok))
    }
}

/// Parses a check's report in `format`: for [`ReportFormat::Pytest`] `text` is the JUnit XML
/// file pytest wrote, for the others the check's combined stdout+stderr log.
///
/// `Ok(None)` for [`ReportFormat::Exit`] and [`ReportFormat::Differential`] (no runner
/// report) and for [`ReportFormat::Auto`], which the caller resolves from the argv first.
pub fn parse(format: ReportFormat, text: &str) -> Result<Option<ParsedReport>, ReportError> {
    Ok(match format {
        ReportFormat::Unittest => Some(unittest::parse(text)),
        ReportFormat::Pytest => Some(pytest::parse(text)?),
        ReportFormat::Libtest => Some(libtest::parse(text)),
        ReportFormat::Tap => Some(tap::parse(text)),
        ReportFormat::Auto | ReportFormat::Exit | ReportFormat::Differential => None,
    })
}

/// Where in a JUnit XML file something went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlLocation {
    /// The file, once the caller named it ([`ReportError::in_file`]).
    pub path: Option<PathBuf>,
    /// 1-based line.
    pub line: u64,
    /// 1-based column, in bytes.
    pub column: u64,
}

impl XmlLocation {
    /// The line and column of byte `offset` of `text`.
    fn at(text: &str, offset: u64) -> XmlLocation {
        let offset = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(text.len());
        let before = &text.as_bytes()[..offset];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        XmlLocation {
            path: None,
            line: line as u64,
            column: (offset - line_start + 1) as u64,
        }
    }
}

impl fmt::Display for XmlLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{}:{}:{}", path.display(), self.line, self.column),
            None => write!(f, "at {}:{}", self.line, self.column),
        }
    }
}

/// Why a report could not be read (only JUnit XML can fail; text formats just yield fewer
/// tests).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The JUnit XML is not well-formed (or ends early).
    #[error("failed to parse JUnit XML {at}: {cause}")]
    Xml {
        /// Where.
        at: XmlLocation,
        /// What the XML reader said.
        cause: String,
    },
    /// The XML is well-formed but is not a JUnit report.
    #[error("failed to parse JUnit XML {at}: {cause}")]
    NotJunit {
        /// Where.
        at: XmlLocation,
        /// What is wrong with it.
        cause: String,
    },
}

impl ReportError {
    /// Names the file the XML came from, for the message.
    pub fn in_file(mut self, path: &Path) -> ReportError {
        match &mut self {
            ReportError::Xml { at, .. } | ReportError::NotJunit { at, .. } => {
                at.path = Some(path.to_path_buf());
            }
        }
        self
    }
}

/// The log's lines with terminal noise removed: a trailing `\r` and ANSI escape sequences
/// (a runner forced into colour must still parse).
fn log_lines(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    text.split('\n').map(|line| {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.contains('\u{1b}') {
            Cow::Owned(strip_ansi(line))
        } else {
            Cow::Borrowed(line)
        }
    })
}

/// `line` without ANSI CSI sequences (`ESC [ params final`) and other two-byte escapes.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        // Any other escape is two characters: the `next()` below drops the second.
        if chars.next() == Some('[') {
            // Parameters and intermediates, up to the final byte in '@'..='~'.
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
    }
    out
}

/// Whether `line` is a status line right-aligned to 12 columns as cargo and nextest print
/// them (`     Running`, `        PASS`): `word` preceded by exactly enough spaces. Lines a
/// test printed, which nextest indents, do not line up.
fn right_aligned<'a>(line: &'a str, word: &str) -> Option<&'a str> {
    let trimmed = line.trim_start_matches(' ');
    let indent = line.len() - trimmed.len();
    let rest = trimmed.strip_prefix(word)?;
    (indent + word.len() == 12 || (indent == 0 && word.len() > 12)).then_some(rest)
}

/// Parses a decimal count.
fn count(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Makes `ids` unique in order: the second `x` becomes `x #2`, the third `x #3`, and so on
/// (skipping any suffixed name already taken).
fn uniquify(ids: &mut [String]) {
    let mut taken: HashSet<String> = ids.iter().cloned().collect();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for id in ids.iter_mut() {
        let n = seen.entry(id.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            continue;
        }
        let mut k = *n;
        let mut candidate = format!("{id} #{k}");
        while taken.contains(&candidate) {
            k += 1;
            candidate = format!("{id} #{k}");
        }
        *n = k;
        taken.insert(candidate.clone());
        *id = candidate;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use similar_asserts::assert_eq;
    use std::time::{Duration, Instant};

    fn test(id: &str, outcome: TestOutcome, group: usize) -> ReportedTest {
        ReportedTest {
            id: id.to_owned(),
            outcome,
            group,
        }
    }

    #[test]
    fn the_first_reported_outcome_wins() {
        let report = ParsedReport {
            tests: vec![
                test("a", TestOutcome::Failed, 0),
                test("a", TestOutcome::Passed, 0),
            ],
            groups: vec![Group::default()],
        };
        assert_eq!(report.outcome("a"), Some(TestOutcome::Failed));
        assert_eq!(report.outcome("b"), None);
        assert_eq!(report.first_outcomes()["a"], TestOutcome::Failed);
    }

    #[test]
    fn a_summary_claiming_more_passes_than_lines_is_overclaiming() {
        let claim = |passed| {
            Some(Summary {
                passed: Some(passed),
                ok: true,
                ..Summary::default()
            })
        };
        let report = ParsedReport {
            tests: vec![
                test("a", TestOutcome::Passed, 0),
                test("a", TestOutcome::Passed, 0),
                test("b", TestOutcome::Passed, 1),
            ],
            groups: vec![
                Group {
                    name: "honest".into(),
                    summary: claim(1),
                },
                Group {
                    name: "forged".into(),
                    summary: claim(2),
                },
            ],
        };
        assert_eq!(report.overclaiming_groups(), vec!["forged".to_owned()]);
        assert!(report.claims_success());
    }

    #[test]
    fn merged_summaries_add_up_and_are_ok_only_if_all_are() {
        let mut slot = None;
        merge_into(
            &mut slot,
            Summary {
                passed: Some(2),
                ok: true,
                ..Summary::default()
            },
        );
        merge_into(
            &mut slot,
            Summary {
                passed: Some(1),
                failed: Some(1),
                ok: false,
                ..Summary::default()
            },
        );
        assert_eq!(
            slot,
            Some(Summary {
                passed: Some(3),
                failed: Some(1),
                ok: false,
                ..Summary::default()
            })
        );
    }

    #[test]
    fn repeated_ids_get_occurrence_suffixes() {
        let mut ids: Vec<String> = ["a", "b", "a", "a #2", "a"]
            .into_iter()
            .map(String::from)
            .collect();
        uniquify(&mut ids);
        assert_eq!(ids, ["a", "b", "a #3", "a #2", "a #4"]);
    }

    #[test]
    fn colour_codes_and_carriage_returns_are_removed_from_lines() {
        let lines: Vec<_> = log_lines("\u{1b}[32mok\u{1b}[0m 1 - a\r\nb")
            .map(Cow::into_owned)
            .collect();
        assert_eq!(lines, ["ok 1 - a", "b"]);
    }

    #[test]
    fn the_dispatch_knows_which_formats_have_a_report() {
        assert!(matches!(parse(ReportFormat::Exit, "ok 1"), Ok(None)));
        assert!(matches!(parse(ReportFormat::Auto, "ok 1"), Ok(None)));
        let tap = parse(ReportFormat::Tap, "ok 1 - a\n1..1\n");
        assert!(matches!(tap, Ok(Some(r)) if r.outcome("a") == Some(TestOutcome::Passed)));
        let err = parse(ReportFormat::Pytest, "<testsuite>").expect_err("unclosed root");
        let message = err.in_file(Path::new("out/junit.xml")).to_string();
        assert!(
            message.starts_with("failed to parse JUnit XML out/junit.xml:1:"),
            "{message}"
        );
    }

    /// Lines that steer each parser into its states, mixed with arbitrary text.
    fn log() -> impl Strategy<Value = String> {
        let fragment = prop_oneof![
            Just("test a ... ok".to_owned()),
            Just("test a ... ".to_owned()),
            Just("ok".to_owned()),
            Just("FAILED".to_owned()),
            Just("running 2 tests".to_owned()),
            Just("test result: ok. 9 passed; 0 failed; 1 ignored; 0 measured".to_owned()),
            Just("     Running tests/a.rs (target/debug/deps/a-0123abcd)".to_owned()),
            Just("   Doc-tests a".to_owned()),
            Just("---- a stdout ----".to_owned()),
            Just("failures:".to_owned()),
            Just("    Starting 2 tests across 1 binary".to_owned()),
            Just("        PASS [   0.004s] (1/2) a::b c".to_owned()),
            Just("     SIGSEGV [   0.004s] a c".to_owned()),
            Just("     Summary [   0.1s] 2 tests run: 2 passed, 1 skipped".to_owned()),
            Just("test_a (m.C.test_a) ... ok".to_owned()),
            Just("test_a (m.C.test_a) ... ".to_owned()),
            Just("  test_a (m.C.test_a) (i=1) ... FAIL".to_owned()),
            Just("=".repeat(70)),
            Just("ERROR: setUpClass (m.C)".to_owned()),
            Just("Ran 3 tests in 0.1s".to_owned()),
            Just("OK (skipped=1)".to_owned()),
            Just("FAILED (failures=1, errors=2)".to_owned()),
            Just("ok 1 - a # SKIP b".to_owned()),
            Just("not ok 2 # TODO".to_owned()),
            Just("1..2".to_owned()),
            Just("Bail out!".to_owned()),
            Just("  ---".to_owned()),
            "[ -~]{0,40}",
            "\\PC{0,40}",
            // Any character but a newline: control bytes, escapes, carriage returns.
            ".{0,40}",
        ];
        proptest::collection::vec(fragment, 0..40).prop_map(|lines| lines.join("\n"))
    }

    fn parse_all(text: &str) {
        let _ = unittest::parse(text);
        let _ = libtest::parse(text);
        let _ = tap::parse(text);
        let _ = pytest::parse(text);
        for report in [
            unittest::parse(text),
            libtest::parse(text),
            tap::parse(text),
        ] {
            for t in &report.tests {
                assert!(
                    t.group < report.groups.len(),
                    "{t:?} points past the groups"
                );
            }
            let _ = report.overclaiming_groups();
        }
    }

    proptest! {
        #[test]
        fn every_parser_accepts_any_text(text in log()) {
            parse_all(&text);
        }

        #[test]
        fn every_parser_accepts_any_xml_like_text(
            text in "(<testsuites>|<testsuite tests=\"1\">|<testcase name=\"a\">|<failure/>|</testcase>|</testsuite>|<skipped>|[a-z\"= <>/&;]){0,60}"
        ) {
            parse_all(&text);
        }
    }

    #[test]
    fn every_parser_stays_linear_on_pathological_logs() {
        // Each pattern repeats what a parser scans for within one line or across lines; a
        // quadratic parser takes minutes on these, a linear one milliseconds.
        let patterns = [
            " ... ".repeat(200_000),
            "test a ... ".repeat(100_000),
            "test_a (m.C.test_a) ... ".repeat(40_000),
            "---- a stdout ----\n".repeat(50_000),
            "test a ... \n".repeat(100_000),
            "ok 1 - a\n".repeat(100_000),
            "        PASS [   0.004s] a b\n".repeat(40_000),
            "<testcase name=\"a\"/>".repeat(40_000),
            format!("<testsuites>{}", "<testsuite>".repeat(40_000)),
            format!(
                "<testsuite {}/>",
                (0..40_000)
                    .map(|i| format!("a{i}=\"\" "))
                    .collect::<String>()
            ),
            format!("{}{}", " ... ".repeat(100_000), " ".repeat(500_000)),
            "\u{1b}[".repeat(200_000),
            "#".repeat(1_000_000),
        ];
        for text in patterns {
            let start = Instant::now();
            parse_all(&text);
            let took = start.elapsed();
            assert!(
                took < Duration::from_secs(20),
                "took {took:?} on {:?}...",
                &text[..40]
            );
        }
    }
}
