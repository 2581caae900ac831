//! pytest's JUnit XML report (`--junitxml=<file>`), in either `junit_family` (`xunit2`, the
//! default, or `xunit1`, which adds `file` and `line` attributes), under a `<testsuites>` root
//! (pytest 4.6+) or a bare `<testsuite>` root (older pytest).
//!
//! **Id** = `<classname>::<name>` of each `<testcase>`, e.g.
//! `tests.test_slug.TestSlug::test_basic[ascii]`, or just `name` when `classname` is empty
//! (pytest reports a module that fails to import that way: `tests.test_broken`). The name is
//! as pytest wrote it: a parametrized id with non-ASCII text is escaped
//! (`test_param[\xdcn\xefcode-unicode]`).
//!
//! Outcome: a `<failure>` child is [`TestOutcome::Failed`], `<error>` (a fixture, teardown or
//! collection error) [`TestOutcome::Errored`], `<skipped>` [`TestOutcome::Skipped`] (pytest
//! reports xfail that way: it stays skipped), none [`TestOutcome::Passed`] (an xpass too,
//! unless strict, which is a `<failure>`). With several such children the first decides.
//!
//! Groups: one per `<testsuite>` (pytest writes one, named `pytest`), summary from its
//! attributes: `ran` = `tests`, `failed` = `failures`, `errored` = `errors`, `skipped` =
//! `skipped` (`skips` in pytest 3), `ok` = no failures and no errors. `passed` is never
//! stated: JUnit has no such attribute, and deriving it from the others would overclaim on
//! honest runs (pytest 3 and 4 count a passing test whose teardown errors twice in `tests`).
//!
//! **argv the harness adds**: `--junitxml=<file>` with a path of its own (it reads that file,
//! not the log); it drops any other `--junitxml`/`--junit-xml` and `--junit-prefix` (which
//! would prefix every classname and so change the ids).

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{
    Group, ParsedReport, ReportError, ReportedTest, Summary, TestOutcome, XmlLocation, count,
};

/// Parses the JUnit XML file pytest wrote.
pub fn parse(junit_xml: &str) -> Result<ParsedReport, ReportError> {
    let mut reader = Reader::from_str(junit_xml);
    let mut state = State::default();
    loop {
        let event = reader.read_event().map_err(|e| ReportError::Xml {
            at: XmlLocation::at(junit_xml, reader.error_position()),
            cause: e.to_string(),
        })?;
        let at = reader.buffer_position();
        match event {
            Event::Start(element) => state.open(&element, &reader, false, junit_xml, at)?,
            Event::Empty(element) => state.open(&element, &reader, true, junit_xml, at)?,
            Event::End(_) => state.close(),
            Event::Eof => {
                if !state.seen_root {
                    return Err(ReportError::NotJunit {
                        at: XmlLocation::at(junit_xml, at),
                        cause: "there is no root element".to_owned(),
                    });
                }
                if !state.stack.is_empty() {
                    return Err(ReportError::Xml {
                        at: XmlLocation::at(junit_xml, at),
                        cause: "the file ends inside an element".to_owned(),
                    });
                }
                return Ok(state.report);
            }
            _ => {}
        }
    }
}

/// What an open element is to the parser.
#[derive(Debug)]
enum Open {
    Suite,
    Case,
    Other,
}

#[derive(Debug)]
struct Case {
    id: String,
    group: usize,
    /// The first `<failure>`, `<error>` or `<skipped>` child's outcome.
    outcome: Option<TestOutcome>,
}

#[derive(Debug, Default)]
struct State {
    report: ParsedReport,
    /// Open elements, innermost last.
    stack: Vec<Open>,
    /// The group of each open `<testsuite>`, innermost last.
    suites: Vec<usize>,
    /// The group of test cases outside any `<testsuite>` (not what pytest writes).
    loose: Option<usize>,
    seen_root: bool,
    case: Option<Case>,
}

impl State {
    fn open(
        &mut self,
        element: &BytesStart<'_>,
        reader: &Reader<&[u8]>,
        empty: bool,
        xml: &str,
        at: u64,
    ) -> Result<(), ReportError> {
        let local = element.local_name();
        let name = local.as_ref();
        let attr = |key: &str| attribute(element, reader, key, xml, at);
        if !self.seen_root {
            self.seen_root = true;
            if name != b"testsuites" && name != b"testsuite" {
                return Err(ReportError::NotJunit {
                    at: XmlLocation::at(xml, at),
                    cause: format!(
                        "the root element is <{}>, not <testsuites> or <testsuite>",
                        String::from_utf8_lossy(name)
                    ),
                });
            }
        }
        let open = match name {
            b"testsuite" => {
                let number = |key: &str| -> Result<Option<u64>, ReportError> {
                    Ok(attr(key)?.and_then(|v| count(v.trim())))
                };
                let ran = number("tests")?;
                let failed = number("failures")?;
                let errored = number("errors")?;
                let skipped = match number("skipped")? {
                    Some(n) => Some(n),
                    None => number("skips")?,
                };
                let stated = ran.is_some() || failed.is_some() || errored.is_some();
                self.report.groups.push(Group {
                    name: attr("name")?.unwrap_or_default(),
                    summary: (stated || skipped.is_some()).then(|| Summary {
                        ran,
                        passed: None,
                        failed,
                        skipped,
                        errored,
                        ok: failed.unwrap_or(0) == 0 && errored.unwrap_or(0) == 0,
                    }),
                });
                self.suites.push(self.report.groups.len() - 1);
                Open::Suite
            }
            b"testcase" if self.case.is_none() => {
                let classname = attr("classname")?.unwrap_or_default();
                let name = attr("name")?.unwrap_or_default();
                let id = if classname.is_empty() {
                    name
                } else {
                    format!("{classname}::{name}")
                };
                let group = match self.suites.last() {
                    Some(&group) => group,
                    None => self.loose_group(),
                };
                self.case = Some(Case {
                    id,
                    group,
                    outcome: None,
                });
                Open::Case
            }
            b"failure" | b"error" | b"skipped" if matches!(self.stack.last(), Some(Open::Case)) => {
                if let Some(case) = self.case.as_mut()
                    && case.outcome.is_none()
                {
                    case.outcome = Some(match name {
                        b"failure" => TestOutcome::Failed,
                        b"error" => TestOutcome::Errored,
                        _ => TestOutcome::Skipped,
                    });
                }
                Open::Other
            }
            _ => Open::Other,
        };
        if empty {
            self.finish_element(open);
        } else {
            self.stack.push(open);
        }
        Ok(())
    }

    fn close(&mut self) {
        if let Some(open) = self.stack.pop() {
            self.finish_element(open);
        }
    }

    fn finish_element(&mut self, open: Open) {
        match open {
            Open::Case => {
                if let Some(case) = self.case.take() {
                    self.report.tests.push(ReportedTest {
                        id: case.id,
                        outcome: case.outcome.unwrap_or(TestOutcome::Passed),
                        group: case.group,
                    });
                }
            }
            Open::Suite => {
                self.suites.pop();
            }
            Open::Other => {}
        }
    }

    fn loose_group(&mut self) -> usize {
        if let Some(group) = self.loose {
            return group;
        }
        self.report.groups.push(Group::default());
        let group = self.report.groups.len() - 1;
        self.loose = Some(group);
        group
    }
}

/// The unescaped value of attribute `key`.
fn attribute(
    element: &BytesStart<'_>,
    reader: &Reader<&[u8]>,
    key: &str,
    xml: &str,
    at: u64,
) -> Result<Option<String>, ReportError> {
    let error = |cause: String| ReportError::Xml {
        at: XmlLocation::at(xml, at),
        cause,
    };
    // Without the duplicate-key check, which is quadratic in the number of attributes.
    for attribute in element.attributes().with_checks(false) {
        let attribute = attribute.map_err(|e| error(e.to_string()))?;
        if attribute.key.local_name().as_ref() == key.as_bytes() {
            let value = attribute
                .decode_and_unescape_value(reader.decoder())
                .map_err(|e| error(e.to_string()))?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
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

    /// The test cases of the mixed sample, whichever junit_family wrote them.
    const MIXED: &[(&str, TestOutcome)] = &[
        ("tests.test_more::test_empty", Passed),
        ("tests.test_slug::test_basic", Passed),
        ("tests.test_slug::test_fails", Failed),
        ("tests.test_slug::test_fixture_error", Errored),
        ("tests.test_slug::test_skipped", Skipped),
        ("tests.test_slug::test_skipif", Skipped),
        ("tests.test_slug::test_skip_inside", Skipped),
        ("tests.test_slug::test_xfail", Skipped),
        ("tests.test_slug::test_xpass", Passed),
        ("tests.test_slug::test_xpass_strict", Failed),
        ("tests.test_slug::test_param[ascii-ascii]", Passed),
        ("tests.test_slug::test_param[two words-two-words]", Passed),
        (
            "tests.test_slug::test_param[\\xdcn\\xefcode-unicode]",
            Failed,
        ),
        ("tests.test_slug.TestSlug::test_method", Passed),
        ("tests.test_slug.TestSlug::test_method_fails", Failed),
        ("tests.test_slug::test_teardown_error", Errored),
    ];

    fn pytest_group(ran: u64) -> Vec<Group> {
        vec![Group {
            name: "pytest".to_owned(),
            summary: Some(Summary {
                ran: Some(ran),
                passed: None,
                failed: Some(4),
                skipped: Some(4),
                errored: Some(2),
                ok: false,
            }),
        }]
    }

    #[test]
    fn pytest_outcomes_come_from_each_testcase() {
        let report = parse(include_str!("samples/pytest-xunit2.xml")).expect("valid sample");
        assert_eq!(table(&report), rows(MIXED));
        assert_eq!(report.groups, pytest_group(16));
        assert!(report.overclaiming_groups().is_empty());
        assert!(!report.claims_success());
    }

    #[test]
    fn the_xunit1_family_gives_the_same_report() {
        let report = parse(include_str!("samples/pytest-xunit1.xml")).expect("valid sample");
        assert_eq!(table(&report), rows(MIXED));
        assert_eq!(report.groups, pytest_group(16));
    }

    #[test]
    fn an_old_pytest_with_a_bare_testsuite_root_is_read_too() {
        let report =
            parse(include_str!("samples/pytest3-bare-testsuite.xml")).expect("valid sample");
        assert_eq!(table(&report), rows(MIXED));
        // pytest 3 counts the teardown error's test twice in `tests`.
        assert_eq!(report.groups, pytest_group(17));
        assert!(report.overclaiming_groups().is_empty());
    }

    #[test]
    fn a_module_that_fails_to_import_is_an_errored_test_named_after_it() {
        let report =
            parse(include_str!("samples/pytest-collection-error.xml")).expect("valid sample");
        assert_eq!(table(&report), rows(&[("tests.test_broken", Errored)]));
        assert_eq!(
            report.groups[0].summary.as_ref().map(|s| (s.ran, s.ok)),
            Some((Some(1), false))
        );
    }

    #[test]
    fn a_passing_suite_claims_success() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="0" skipped="1" tests="2"><testcase classname="t" name="a"/><testcase classname="t" name="b"><skipped message="x"/></testcase></testsuite></testsuites>"#;
        let report = parse(xml).expect("valid");
        assert_eq!(table(&report), rows(&[("t::a", Passed), ("t::b", Skipped)]));
        assert!(report.claims_success());
    }

    #[test]
    fn broken_xml_is_an_error_with_its_line() {
        let err =
            parse("<testsuites>\n<testsuite name=\"p\">\n<testcase name=\"a\">\n</testsuite>")
                .expect_err("mismatched end tag");
        let message = err.to_string();
        assert!(
            message.starts_with("failed to parse JUnit XML at 4:"),
            "{message}"
        );

        let xml = include_str!("samples/pytest-xunit2.xml");
        let mut cut = xml.len() / 2;
        while !xml.is_char_boundary(cut) {
            cut -= 1;
        }
        let err = parse(&xml[..cut]).expect_err("truncated mid-tag");
        assert!(matches!(err, ReportError::Xml { .. }), "{err}");
        let err = parse("<testsuites><testsuite name=\"p\"><testcase name=\"a\"/>")
            .expect_err("truncated between elements");
        assert!(matches!(err, ReportError::Xml { .. }), "{err}");

        let err = parse("<html><body/></html>").expect_err("not junit");
        assert_eq!(
            err.to_string(),
            "failed to parse JUnit XML at 1:7: the root element is <html>, not <testsuites> or <testsuite>"
        );
        assert!(parse("").is_err());
        assert!(parse("<testsuite name=\"&bogus;\"/>").is_err());
    }
}
