//! unittest's verbose output (`python3 -m unittest ... -v`).
//!
//! **Id** = the test's dotted name `module.Class.method`, from the description in parentheses.
//! Python 3.11+ prints `test_basic (test_slugify.SlugifyTests.test_basic) ... ok`; older
//! Pythons print `test_basic (test_slugify.SlugifyTests) ... ok`, whose id gets `.test_basic`
//! appended, so both give `test_slugify.SlugifyTests.test_basic`. Errors outside a test
//! method are [`TestOutcome::Errored`] under the same rule: a module that fails to import
//! (`test_x (unittest.loader._FailedTest.test_x)`) has the module's name as id (`test_x`),
//! a class or module fixture (`setUpClass (test_x.Tests)`, `setUpModule (test_x)`) has
//! `test_x.Tests.setUpClass`, `test_x.setUpModule`; the tests behind such a fixture are not
//! reported at all.
//!
//! Results: `ok` and `expected failure` are passed, `FAIL` and `unexpected success` failed,
//! `ERROR` errored, `skipped 'reason'` skipped. A test with a docstring has its first line
//! printed before ` ... ok`, on a line of its own; a subTest failure is reported as its
//! test's failure (3.11+ prints it indented under the test, 3.10 only in the `FAIL:` block
//! after the run); output a test prints to stderr can push its result onto a later line, where
//! a lone result word completes it. The `FAIL:`/`ERROR:`/`UNEXPECTED SUCCESS:` headers of the
//! blocks after the run report tests the lines above missed (Python 3.10 prints a fixture
//! error as a bare `ERROR` line).
//!
//! One group, [`GROUP`], whose summary comes from `Ran N tests in Xs` and the verdict line
//! after it: `OK`, `OK (skipped=2)`, `FAILED (failures=1, errors=2, skipped=1, expected
//! failures=1, unexpected successes=1)` or `NO TESTS RAN`. `ran` = N (fixture errors are not
//! counted in it), `failed` = failures + unexpected successes (each failing subTest counts),
//! `errored` = errors (fixture errors included), `skipped` = skipped; `passed` is stated only
//! by `OK`: N - skipped (expected failures pass).
//!
//! **argv the harness adds**: `-v` appended at the end of the argv (after `discover` and its
//! options too: `python3 -m unittest -v discover` is a usage error) and every `-q`/`--quiet`
//! removed (the last of `-v`/`-q` wins; without verbose lines an `OK` summary claims passes no
//! line shows). `-b` is worth adding as well: it buffers what tests print, which otherwise can
//! land between a test's name and its result.

use std::collections::HashSet;

use super::{
    Group, ParsedReport, ReportedTest, Summary, TestOutcome, count, log_lines, merge_into,
};

/// The name of unittest's one group.
pub const GROUP: &str = "unittest";

/// Parses the check's combined log of `python3 -m unittest -v`.
pub fn parse(output: &str) -> ParsedReport {
    let mut parser = Parser::default();
    for line in log_lines(output) {
        parser.line(&line);
    }
    ParsedReport {
        tests: parser
            .tests
            .into_iter()
            .map(|(id, outcome)| ReportedTest {
                id,
                outcome,
                group: 0,
            })
            .collect(),
        groups: vec![Group {
            name: GROUP.to_owned(),
            summary: parser.summary,
        }],
    }
}

#[derive(Debug, Default)]
struct Parser {
    tests: Vec<(String, TestOutcome)>,
    /// Ids already reported, so the blocks after the run only add what the lines missed.
    seen: HashSet<String>,
    /// A test whose result is still to come (docstring line, subtests, its own output).
    pending: Option<String>,
    /// The previous line was the `=====` rule before a `FAIL:`/`ERROR:` block.
    after_rule: bool,
    /// `Ran N tests` seen, its verdict line not yet.
    ran: Option<u64>,
    summary: Option<Summary>,
}

impl Parser {
    fn line(&mut self, line: &str) {
        if line.len() == 70 && line.bytes().all(|b| b == b'=') {
            self.after_rule = true;
            self.pending = None;
            return;
        }
        if std::mem::take(&mut self.after_rule) {
            self.block_header(line);
            return;
        }
        if let Some(n) = ran_line(line) {
            self.ran = Some(n);
            self.pending = None;
            return;
        }
        if let Some(ran) = self.ran
            && let Some(summary) = verdict(line, ran)
        {
            merge_into(&mut self.summary, summary);
            self.ran = None;
            return;
        }
        self.result_line(line.trim());
    }

    /// `FAIL: test_x (m.C.test_x)`, `ERROR: setUpClass (m.C)`, `UNEXPECTED SUCCESS: ...`.
    fn block_header(&mut self, line: &str) {
        let (outcome, desc) = if let Some(desc) = line.strip_prefix("FAIL: ") {
            (TestOutcome::Failed, desc)
        } else if let Some(desc) = line.strip_prefix("ERROR: ") {
            (TestOutcome::Errored, desc)
        } else if let Some(desc) = line.strip_prefix("UNEXPECTED SUCCESS: ") {
            (TestOutcome::Failed, desc)
        } else {
            return;
        };
        if let Some(test) = describe(desc.trim_end())
            && !self.seen.contains(&test.id)
        {
            self.push(test.id, outcome);
        }
    }

    fn result_line(&mut self, line: &str) {
        if let Some((head, outcome)) = split_result(line) {
            // Python 3.10 leaves a test with failing subtests unfinished, so the next test's
            // description follows on the same line: the last description is the one.
            let test = describe(head).or_else(|| {
                head.rsplit_once(" ... ")
                    .and_then(|(_, last)| describe(last))
            });
            match test {
                Some(test) if test.subtest => {
                    // A subtest's failure fails its test; its pass or skip decides nothing.
                    if matches!(outcome, TestOutcome::Failed | TestOutcome::Errored) {
                        self.push(test.id, outcome);
                        self.pending = None;
                    }
                }
                Some(test) => {
                    self.push(test.id, outcome);
                    self.pending = None;
                }
                // The docstring line: the result belongs to the description above it.
                None => {
                    if let Some(id) = self.pending.take() {
                        self.push(id, outcome);
                    }
                }
            }
            return;
        }
        if let Some(outcome) = classify(line) {
            if let Some(id) = self.pending.take() {
                self.push(id, outcome);
            }
            return;
        }
        // A description whose result comes later: alone on its line (a docstring follows),
        // or followed by ` ... ` and output or nothing (subtests, the test's own output).
        let head = line.split_once(" ...").map_or(line, |(head, _)| head);
        if let Some(test) = describe(head)
            && !test.subtest
        {
            self.pending = Some(test.id);
        }
    }

    fn push(&mut self, id: String, outcome: TestOutcome) {
        self.seen.insert(id.clone());
        self.tests.push((id, outcome));
    }
}

/// A test description: `name (dotted)`, and for a subtest ` (params)` after it.
#[derive(Debug, PartialEq, Eq)]
struct Described {
    id: String,
    subtest: bool,
}

fn describe(text: &str) -> Option<Described> {
    let (name, rest) = text.split_once(" (")?;
    let (dotted, after) = rest.split_once(')')?;
    let word = |s: &str, dots: bool| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || (dots && c == '.'))
    };
    // Module names of failed imports are dotted (`tests.test_x`).
    if !word(name, true) || !word(dotted, true) {
        return None;
    }
    let subtest = match after {
        "" => false,
        a if a.starts_with(" (") && a.ends_with(')') => true,
        _ => return None,
    };
    let id = if dotted == "unittest.loader._FailedTest"
        || dotted.starts_with("unittest.loader._FailedTest.")
    {
        name.to_owned()
    } else if dotted
        .strip_suffix(name)
        .is_some_and(|prefix| prefix.ends_with('.'))
    {
        dotted.to_owned()
    } else {
        format!("{dotted}.{name}")
    };
    Some(Described { id, subtest })
}

/// The first ` ... ` after which a result word ends the line.
fn split_result(line: &str) -> Option<(&str, TestOutcome)> {
    line.match_indices(" ... ").find_map(|(at, sep)| {
        let outcome = classify(line[at + sep.len()..].trim_end())?;
        Some((&line[..at], outcome))
    })
}

fn classify(result: &str) -> Option<TestOutcome> {
    match result {
        "ok" | "expected failure" => Some(TestOutcome::Passed),
        "FAIL" | "unexpected success" => Some(TestOutcome::Failed),
        "ERROR" => Some(TestOutcome::Errored),
        r if r == "skipped" || r.starts_with("skipped '") || r.starts_with("skipped \"") => {
            Some(TestOutcome::Skipped)
        }
        _ => None,
    }
}

/// `Ran 15 tests in 0.001s`.
fn ran_line(line: &str) -> Option<u64> {
    let rest = line.strip_prefix("Ran ")?;
    let (n, rest) = rest.split_once(' ')?;
    (rest.starts_with("tests in ") || rest.starts_with("test in ")).then_some(())?;
    count(n)
}

/// `OK`, `OK (skipped=1)`, `FAILED (failures=2, errors=4, ...)`, `NO TESTS RAN`.
fn verdict(line: &str, ran: u64) -> Option<Summary> {
    let line = line.trim_end();
    if line == "NO TESTS RAN" {
        return Some(Summary {
            ran: Some(ran),
            ok: false,
            ..Summary::default()
        });
    }
    let (ok, details) = if let Some(rest) = line.strip_prefix("OK") {
        (true, rest)
    } else if let Some(rest) = line.strip_prefix("FAILED") {
        (false, rest)
    } else {
        return None;
    };
    let details = details.trim();
    let details = if details.is_empty() {
        ""
    } else {
        details.strip_prefix('(')?.strip_suffix(')')?
    };
    // unittest lists only the non-zero counts.
    let (mut failures, mut errors, mut skipped, mut unexpected) = (0u64, 0u64, 0u64, 0u64);
    for part in details.split(", ").filter(|p| !p.is_empty()) {
        let (key, value) = part.split_once('=')?;
        let value = count(value)?;
        match key {
            "failures" => failures = value,
            "errors" => errors = value,
            "skipped" => skipped = value,
            "unexpected successes" => unexpected = value,
            _ => {}
        }
    }
    Some(Summary {
        ran: Some(ran),
        passed: ok.then(|| ran.saturating_sub(skipped)),
        failed: Some(failures.saturating_add(unexpected)),
        skipped: Some(skipped),
        errored: Some(errors),
        ok,
    })
}

#[cfg(test)]
mod tests {
    use super::super::TestOutcome::{Errored, Failed, Passed, Skipped};
    use super::*;
    use similar_asserts::assert_eq;

    fn table(report: &ParsedReport) -> Vec<(String, TestOutcome)> {
        report
            .tests
            .iter()
            .map(|t| (t.id.clone(), t.outcome))
            .collect()
    }

    fn rows(rows: &[(&str, TestOutcome)]) -> Vec<(String, TestOutcome)> {
        rows.iter().map(|&(id, o)| (id.to_owned(), o)).collect()
    }

    /// Every test of the mixed sample, as each Python version should report it.
    const MIXED: &[(&str, TestOutcome)] = &[
        ("test_broken_import", Errored),
        ("test_module_fixture.setUpModule", Errored),
        ("test_passing.MoreTests.test_empty", Passed),
        ("test_passing.PassingTests.test_basic", Passed),
        ("test_passing.PassingTests.test_digits", Passed),
        ("test_passing.PassingTests.test_slow", Skipped),
        ("test_slugify.BrokenFixtureTests.setUpClass", Errored),
        ("test_slugify.NoisyTests.test_noisy", Passed),
        ("test_slugify.SlugifyTests.test_basic", Passed),
        ("test_slugify.SlugifyTests.test_error", Errored),
        ("test_slugify.SlugifyTests.test_expected_failure", Passed),
        ("test_slugify.SlugifyTests.test_many", Failed),
        (
            "test_slugify.SlugifyTests.test_skipped_by_decorator",
            Skipped,
        ),
        ("test_slugify.SlugifyTests.test_skipped_inside", Skipped),
        ("test_slugify.SlugifyTests.test_strips", Passed),
        ("test_slugify.SlugifyTests.test_unexpected_success", Failed),
        ("test_slugify.SlugifyTests.test_unicode", Failed),
    ];

    fn mixed_summary() -> Option<Summary> {
        Some(Summary {
            ran: Some(15),
            passed: None,
            failed: Some(3),
            skipped: Some(3),
            errored: Some(4),
            ok: false,
        })
    }

    #[test]
    fn unittest_errors_and_skips_are_told_apart() {
        let report = parse(include_str!("samples/unittest-mixed-py311.txt"));
        assert_eq!(table(&report), rows(MIXED));
        assert_eq!(
            report.groups,
            vec![Group {
                name: GROUP.to_owned(),
                summary: mixed_summary(),
            }]
        );
        assert!(report.tests.iter().all(|t| t.group == 0));
        assert!(report.overclaiming_groups().is_empty());
        assert!(!report.claims_success());
    }

    #[test]
    fn python_3_10_descriptions_give_the_same_ids() {
        let report = parse(include_str!("samples/unittest-mixed-py310.txt"));
        // 3.10 prints fixture errors and the subtest failure only in the blocks after the
        // run, so those come last.
        let mut want: Vec<(&str, TestOutcome)> = MIXED.to_vec();
        let late = [
            "test_module_fixture.setUpModule",
            "test_slugify.BrokenFixtureTests.setUpClass",
            "test_slugify.SlugifyTests.test_many",
        ];
        want.retain(|(id, _)| !late.contains(id));
        want.extend([
            ("test_module_fixture.setUpModule", Errored),
            ("test_slugify.BrokenFixtureTests.setUpClass", Errored),
            ("test_slugify.SlugifyTests.test_many", Failed),
        ]);
        assert_eq!(table(&report), rows(&want));
        assert_eq!(report.groups[0].summary, mixed_summary());
    }

    #[test]
    fn an_all_passing_run_claims_success_and_its_passes() {
        let report = parse(include_str!("samples/unittest-passing-py311.txt"));
        assert_eq!(
            table(&report),
            rows(&[
                ("test_passing.MoreTests.test_empty", Passed),
                ("test_passing.PassingTests.test_basic", Passed),
                ("test_passing.PassingTests.test_digits", Passed),
                ("test_passing.PassingTests.test_slow", Skipped),
            ])
        );
        assert_eq!(
            report.groups[0].summary,
            Some(Summary {
                ran: Some(4),
                passed: Some(3),
                failed: Some(0),
                skipped: Some(1),
                errored: Some(0),
                ok: true,
            })
        );
        assert!(report.claims_success());
        assert!(report.overclaiming_groups().is_empty());
    }

    #[test]
    fn a_forged_ok_for_more_tests_than_reported_is_overclaiming() {
        let mut log = include_str!("samples/unittest-passing-py311.txt").to_owned();
        log.push_str("Ran 40 tests in 0.001s\n\nOK\n");
        let report = parse(&log);
        assert_eq!(report.overclaiming_groups(), vec![GROUP.to_owned()]);
        assert_eq!(
            report.groups[0].summary.as_ref().and_then(|s| s.ran),
            Some(44)
        );
    }

    #[test]
    fn descriptions_old_and_new_give_one_id() {
        let id = |s| describe(s).map(|d| d.id);
        assert_eq!(id("test_a (m.C.test_a)"), Some("m.C.test_a".to_owned()));
        assert_eq!(id("test_a (m.C)"), Some("m.C.test_a".to_owned()));
        assert_eq!(
            id("tests.test_x (unittest.loader._FailedTest.tests.test_x)"),
            Some("tests.test_x".to_owned())
        );
        assert_eq!(id("Digits are kept."), None);
        assert_eq!(
            describe("test_a (m.C.test_a) (i=1)"),
            Some(Described {
                id: "m.C.test_a".to_owned(),
                subtest: true
            })
        );
    }

    #[test]
    fn a_skip_reason_containing_the_separator_still_parses() {
        let report = parse("test_a (m.C.test_a) ... skipped 'wait ... later'\n");
        assert_eq!(table(&report), rows(&[("m.C.test_a", Skipped)]));
    }
}
