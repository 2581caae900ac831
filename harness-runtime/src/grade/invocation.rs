//! How a check is invoked so its runner reports every test: the argv as the contract wrote
//! it, plus what each recognised runner needs to name each test's outcome (DESIGN.md
//! "Per-test verdicts").
//!
//! | format | the harness adds | and removes |
//! |---|---|---|
//! | unittest | `-v` (a line per test), `-b` (a test's own output cannot split its line) | `-q`, `--quiet` |
//! | pytest | `--junitxml=<file the harness reads>` | other `--junitxml`/`--junit-xml`, `--junit-prefix` (it renames every id) |
//! | libtest, `cargo test` | `--no-fail-fast` (every test binary runs) | `-q`/`--quiet` on both sides of `--` (no `Running` lines, no names), `--format terse`, `--nocapture` |
//! | libtest, `cargo nextest run` | `--no-fail-fast --retries 0 --status-level all --final-status-level none --failure-output final --success-output never --color never` (every status line, and no captured output before the summary) | `-q`/`--quiet`, `--no-capture`, `--no-output-indent` |
//! | tap, exit | nothing | |

use std::path::{Path, PathBuf};

use harness_fixture::{Check, ReportFormat};

/// The argv to run and where the report comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The resolved format.
    pub format: ReportFormat,
    /// What runs.
    pub argv: Vec<String>,
    /// pytest's JUnit XML file, outside the grading tree; `None` when the report is the
    /// runner's output.
    pub junit: Option<PathBuf>,
}

/// The invocation of `check`, with a JUnit file in `report_dir` when its runner needs one.
pub fn invocation(check: &Check, report_dir: &Path) -> Invocation {
    let format = check.resolved_report();
    let mut argv = check.run.clone();
    let mut junit = None;
    match format {
        ReportFormat::Unittest => {
            argv = without(argv, &["-q", "--quiet"], false);
            if !argv.iter().any(|word| word == "-v" || word == "--verbose") {
                argv.push("-v".to_owned());
            }
            if !argv.iter().any(|word| word == "-b" || word == "--buffer") {
                argv.push("-b".to_owned());
            }
        }
        ReportFormat::Pytest => {
            for option in ["--junitxml", "--junit-xml", "--junit-prefix"] {
                argv = without_option(argv, option, true);
            }
            let file = report_dir.join("junit.xml");
            argv.push(format!("--junitxml={}", file.display()));
            junit = Some(file);
        }
        ReportFormat::Libtest if is_nextest(&argv) => {
            let (before, after) = split_at_separator(argv);
            let mut before = without(
                before,
                &[
                    "-q",
                    "--quiet",
                    "--no-capture",
                    "--nocapture",
                    "--no-output-indent",
                ],
                false,
            );
            before.retain(|word| word != "--no-fail-fast");
            for option in [
                "--retries",
                "--status-level",
                "--final-status-level",
                "--failure-output",
                "--success-output",
                "--color",
            ] {
                before = without_option(before, option, true);
            }
            before.extend(
                [
                    "--no-fail-fast",
                    "--retries",
                    "0",
                    "--status-level",
                    "all",
                    "--final-status-level",
                    "none",
                    "--failure-output",
                    "final",
                    "--success-output",
                    "never",
                    "--color",
                    "never",
                ]
                .map(str::to_owned),
            );
            argv = join_at_separator(before, after);
        }
        ReportFormat::Libtest => {
            let (before, after) = split_at_separator(argv);
            let mut before = without(before, &["-q", "--quiet"], false);
            if !before.iter().any(|word| word == "--no-fail-fast") {
                before.push("--no-fail-fast".to_owned());
            }
            let after = after.map(|after| {
                let after = without(
                    after,
                    &[
                        "-q",
                        "--quiet",
                        "--nocapture",
                        "--no-capture",
                        "--format=terse",
                    ],
                    false,
                );
                let mut kept = Vec::with_capacity(after.len());
                let mut words = after.into_iter();
                while let Some(word) = words.next() {
                    if word == "--format" {
                        let value = words.next();
                        if value.as_deref() != Some("terse") {
                            kept.push(word);
                            kept.extend(value);
                        }
                    } else {
                        kept.push(word);
                    }
                }
                kept
            });
            argv = join_at_separator(before, after);
        }
        ReportFormat::Tap
        | ReportFormat::Exit
        | ReportFormat::Auto
        | ReportFormat::Differential => {}
    }
    Invocation {
        format,
        argv,
        junit,
    }
}

fn is_nextest(argv: &[String]) -> bool {
    argv.iter().any(|word| word == "nextest")
}

/// `argv` without the words in `drop` (before a `--` only, when `before_separator_only`).
fn without(argv: Vec<String>, drop: &[&str], before_separator_only: bool) -> Vec<String> {
    let mut past_separator = false;
    argv.into_iter()
        .filter(|word| {
            if word == "--" {
                past_separator = true;
            }
            (past_separator && before_separator_only) || !drop.contains(&word.as_str())
        })
        .collect()
}

/// `argv` without `--name value` and `--name=value` (before a `--` only, when
/// `before_separator_only`).
fn without_option(argv: Vec<String>, name: &str, before_separator_only: bool) -> Vec<String> {
    let mut kept = Vec::with_capacity(argv.len());
    let mut words = argv.into_iter();
    let with_value = format!("{name}=");
    while let Some(word) = words.next() {
        if word == "--" && before_separator_only {
            kept.push(word);
            kept.extend(words);
            break;
        }
        if word == name {
            words.next();
        } else if !word.starts_with(&with_value) {
            kept.push(word);
        }
    }
    kept
}

fn split_at_separator(argv: Vec<String>) -> (Vec<String>, Option<Vec<String>>) {
    match argv.iter().position(|word| word == "--") {
        Some(at) => {
            let mut before = argv;
            let after = before.split_off(at + 1);
            before.pop();
            (before, Some(after))
        }
        None => (argv, None),
    }
}

fn join_at_separator(mut before: Vec<String>, after: Option<Vec<String>>) -> Vec<String> {
    if let Some(after) = after {
        before.push("--".to_owned());
        before.extend(after);
    }
    before
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(run: &str, report: ReportFormat) -> Check {
        Check {
            name: "c".into(),
            run: run.split_whitespace().map(str::to_owned).collect(),
            weight: 1.0,
            timeout_s: 1,
            hidden: false,
            files: Vec::new(),
            report,
            partial: false,
            network: false,
            differential: None,
        }
    }

    fn argv(run: &str, report: ReportFormat) -> String {
        invocation(&check(run, report), Path::new("/r"))
            .argv
            .join(" ")
    }

    #[test]
    fn unittest_is_made_verbose_once() {
        assert_eq!(
            argv("python3 -m unittest discover -s tests", ReportFormat::Auto),
            "python3 -m unittest discover -s tests -v -b"
        );
        assert_eq!(
            argv(
                "python3 -m unittest -q discover -v --buffer",
                ReportFormat::Auto
            ),
            "python3 -m unittest discover -v --buffer"
        );
    }

    #[test]
    fn pytest_writes_junit_where_the_harness_reads_it() {
        let invocation = invocation(
            &check(
                "pytest tests --junitxml x.xml --junit-prefix=p -q",
                ReportFormat::Auto,
            ),
            Path::new("/r"),
        );
        assert_eq!(
            invocation.argv.join(" "),
            "pytest tests -q --junitxml=/r/junit.xml"
        );
        assert_eq!(invocation.junit, Some(PathBuf::from("/r/junit.xml")));
    }

    #[test]
    fn cargo_test_runs_every_binary_with_named_results() {
        assert_eq!(
            argv(
                "cargo test --offline --quiet --test visible",
                ReportFormat::Auto
            ),
            "cargo test --offline --test visible --no-fail-fast"
        );
        assert_eq!(
            argv(
                "cargo test -q -- --format terse --exact x -q --nocapture",
                ReportFormat::Auto
            ),
            "cargo test --no-fail-fast -- --exact x"
        );
        assert_eq!(
            argv(
                "cargo test --no-fail-fast -- --format=terse",
                ReportFormat::Auto
            ),
            "cargo test --no-fail-fast --"
        );
    }

    #[test]
    fn nextest_reports_every_status_and_keeps_test_args() {
        assert_eq!(
            argv(
                "cargo nextest run -q --success-output final --retries=2 --no-capture -- -q",
                ReportFormat::Auto
            ),
            "cargo nextest run --no-fail-fast --retries 0 --status-level all --final-status-level none --failure-output final --success-output never --color never -- -q"
        );
    }

    #[test]
    fn tap_and_exit_run_as_written() {
        assert_eq!(
            argv("sh tests/run.sh -q", ReportFormat::Tap),
            "sh tests/run.sh -q"
        );
        assert_eq!(argv("make -q test", ReportFormat::Auto), "make -q test");
    }
}
