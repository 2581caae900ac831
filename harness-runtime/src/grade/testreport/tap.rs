//! The Test Anything Protocol (TAP 12, 13 and 14), as shell runners, Perl's Test::More or
//! node's `--test-reporter=tap` print it.
//!
//! Test lines: `ok N - desc`, `not ok N - desc`, with the number, the `-` and the description
//! each optional (`ok N desc`, `not ok`). Directives after the first unescaped `#`,
//! case-insensitive: `ok ... # SKIP` is [`TestOutcome::Skipped`], `not ok ... # TODO` too (a
//! known failure), `ok ... # TODO` is [`TestOutcome::Passed`]; a `#` followed by anything else
//! stays in the description. The first plan `1..N` counts, at the start or the end
//! (`1..0 # SKIP reason` plans no test); `Bail out!` ends the stream (nothing after it
//! counts). Indented lines (subtests, whose parent line carries their verdict, and TAP 13
//! YAML blocks `  ---` ... `  ...`), comments (`# ...`), `TAP version N` and any other line
//! are ignored.
//!
//! **Id** = the description: the text after the number and an optional `- `, without the
//! directive, `\#` and `\\` unescaped, trimmed. An empty one is `#N`, N being the test's number
//! or, without one, its position. A repeated description gets ` #2`, ` #3` by occurrence.
//!
//! One group, [`GROUP`]. TAP has no summary line, so the summary only states `ran` = the tests
//! seen, and `ok` = a plan was seen, as many tests as it planned ran, none is `not ok`
//! (other than TODO) and nobody bailed out.
//!
//! **argv the harness adds**: none; the runner prints TAP on its own.

use super::{Group, ParsedReport, ReportedTest, Summary, TestOutcome, count, log_lines, uniquify};

/// The name of TAP's one group.
pub const GROUP: &str = "tap";

/// Parses TAP from the check's combined log.
pub fn parse(output: &str) -> ParsedReport {
    let mut ids: Vec<String> = Vec::new();
    let mut outcomes: Vec<TestOutcome> = Vec::new();
    let mut plan: Option<u64> = None;
    let mut any_failed = false;
    let mut bailed = false;
    for line in log_lines(output) {
        if line.starts_with("Bail out!") {
            bailed = true;
            break;
        }
        if plan.is_none()
            && let Some(n) = plan_line(&line)
        {
            plan = Some(n);
            continue;
        }
        let Some(test) = test_line(&line) else {
            continue;
        };
        let outcome = match (test.ok, test.directive) {
            (true, Some(Directive::Skip)) => TestOutcome::Skipped,
            (true, _) => TestOutcome::Passed,
            (false, Some(Directive::Todo)) => TestOutcome::Skipped,
            (false, _) => TestOutcome::Failed,
        };
        any_failed |= outcome == TestOutcome::Failed;
        let position = ids.len() as u64 + 1;
        ids.push(if test.description.is_empty() {
            format!("#{}", test.number.unwrap_or(position))
        } else {
            test.description
        });
        outcomes.push(outcome);
    }
    let ran = ids.len() as u64;
    uniquify(&mut ids);
    ParsedReport {
        tests: ids
            .into_iter()
            .zip(outcomes)
            .map(|(id, outcome)| ReportedTest {
                id,
                outcome,
                group: 0,
            })
            .collect(),
        groups: vec![Group {
            name: GROUP.to_owned(),
            summary: Some(Summary {
                ran: Some(ran),
                ok: plan == Some(ran) && !any_failed && !bailed,
                ..Summary::default()
            }),
        }],
    }
}

/// `1..N`, optionally followed by a comment (`1..0 # SKIP no display`).
fn plan_line(line: &str) -> Option<u64> {
    let rest = line.strip_prefix("1..")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (n, after) = rest.split_at(digits);
    let after = after.trim_start();
    (after.is_empty() || after.starts_with('#')).then_some(())?;
    count(n)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Directive {
    Skip,
    Todo,
}

#[derive(Debug, PartialEq, Eq)]
struct TestLine {
    ok: bool,
    number: Option<u64>,
    description: String,
    directive: Option<Directive>,
}

fn test_line(line: &str) -> Option<TestLine> {
    let (ok, rest) = match line.strip_prefix("not ok") {
        Some(rest) => (false, rest),
        None => (true, line.strip_prefix("ok")?),
    };
    // `ok` must be a word of its own ("okay" is no test line).
    if rest
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
    {
        return None;
    }
    let rest = rest.trim_start();
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (number, rest) = rest.split_at(digits);
    let number = count(number);
    let rest = rest.trim_start();
    let rest = match rest.strip_prefix('-') {
        Some(after) if after.is_empty() || after.starts_with([' ', '\t']) => after,
        _ => rest,
    };
    let (description, directive) = match unescaped_hash(rest) {
        Some(at) => match directive(&rest[at + 1..]) {
            Some(directive) => (&rest[..at], Some(directive)),
            None => (rest, None),
        },
        None => (rest, None),
    };
    Some(TestLine {
        ok,
        number,
        description: unescape(description.trim()),
        directive,
    })
}

/// The byte index of the first `#` not escaped by a backslash.
fn unescaped_hash(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (at, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '#' => return Some(at),
            _ => {}
        }
    }
    None
}

fn directive(text: &str) -> Option<Directive> {
    let word = text.trim_start().get(..4)?;
    if word.eq_ignore_ascii_case("skip") {
        Some(Directive::Skip)
    } else if word.eq_ignore_ascii_case("todo") {
        Some(Directive::Todo)
    } else {
        None
    }
}

/// `\#` is `#` and `\\` is `\` in a description.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(next @ ('#' | '\\')) => out.push(next),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::TestOutcome::{Failed, Passed, Skipped};
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

    fn summary(report: &ParsedReport) -> (Option<u64>, bool) {
        let summary = report.groups[0].summary.clone().unwrap_or_default();
        (summary.ran, summary.ok)
    }

    #[test]
    fn test_more_skips_todos_and_subtests_are_read_from_the_parent_lines() {
        // The sample holds a byte that is not UTF-8 (Perl printed a Latin-1 'é').
        let bytes = include_bytes!("samples/tap-perl-mixed.txt");
        let report = parse(&String::from_utf8_lossy(bytes));
        assert_eq!(
            table(&report),
            rows(&[
                ("slug is lowercase", Passed),
                ("dashes become underscores", Failed),
                ("#3", Passed),
                ("#4", Skipped),
                ("#5", Skipped),
                ("folds accents", Skipped),
                ("passing todo", Passed),
                ("nested checks", Failed),
                ("all good", Passed),
                ("slug is lowercase #2", Passed),
            ])
        );
        assert_eq!(report.groups[0].name, GROUP);
        assert_eq!(summary(&report), (Some(10), false));
        assert!(report.overclaiming_groups().is_empty());
    }

    #[test]
    fn nothing_after_a_bail_out_counts() {
        let report = parse(include_str!("samples/tap-perl-bail.txt"));
        assert_eq!(
            table(&report),
            rows(&[("config loads", Passed), ("database reachable", Failed)])
        );
        assert_eq!(summary(&report), (Some(2), false));
        let report = parse("1..2\nok 1 - a\nBail out! stop\nok 2 - b\n");
        assert_eq!(table(&report), rows(&[("a", Passed)]));
        assert!(!report.claims_success());
    }

    #[test]
    fn a_skip_all_plan_is_a_successful_empty_run() {
        let report = parse(include_str!("samples/tap-perl-skip-all.txt"));
        assert!(report.tests.is_empty());
        assert_eq!(summary(&report), (Some(0), true));
    }

    #[test]
    fn node_tap_13_yaml_blocks_and_nested_tests_are_skipped() {
        let report = parse(include_str!("samples/tap-node.txt"));
        assert_eq!(
            table(&report),
            rows(&[
                ("basic", Passed),
                ("fails", Failed),
                ("skipped", Skipped),
                ("todo", Skipped),
                ("group", Failed),
                ("basic #2", Passed),
            ])
        );
        assert_eq!(summary(&report), (Some(6), false));
    }

    #[test]
    fn hand_written_tap_without_numbers_or_dashes_is_read() {
        let report = parse(include_str!("samples/tap-sh.txt"));
        assert_eq!(
            table(&report),
            rows(&[
                ("lowercases", Passed),
                ("joins words", Passed),
                ("keeps digits", Passed),
                ("lowercases #2", Passed),
                ("#5", Skipped),
                ("folds accents", Skipped),
                ("issue #12 stays fixed", Passed),
                ("#8", Failed),
                ("#9", Passed),
                ("lowercases #3", Passed),
            ])
        );
        assert_eq!(summary(&report), (Some(10), false));
    }

    #[test]
    fn success_needs_the_plan_met_and_no_failure() {
        assert!(parse("ok 1 - a\nnot ok 2 - b # TODO later\n1..2\n").claims_success());
        assert!(!parse("ok 1 - a\nok 2 - b\n").claims_success(), "no plan");
        assert!(
            !parse("1..3\nok 1 - a\nok 2 - b\n").claims_success(),
            "short"
        );
        assert!(!parse("1..1\nnot ok 1 - a # skip\n").claims_success());
    }

    #[test]
    fn directives_are_case_insensitive_and_other_hashes_stay() {
        assert_eq!(
            test_line("ok 3 - a # SkIpped: no disk"),
            Some(TestLine {
                ok: true,
                number: Some(3),
                description: "a".to_owned(),
                directive: Some(Directive::Skip),
            })
        );
        assert_eq!(
            test_line("not ok 4 a # see #12"),
            Some(TestLine {
                ok: false,
                number: Some(4),
                description: "a # see #12".to_owned(),
                directive: None,
            })
        );
        assert_eq!(test_line("okay then"), None);
        assert_eq!(test_line("  ok 1 - indented"), None);
    }
}
