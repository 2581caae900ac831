//! How a check is invoked so its runner reports every test: the argv as the contract wrote
//! it, plus what each recognised runner needs to name each test's outcome (DESIGN.md
//! "Per-test verdicts").
//!
//! | format | the harness adds | and removes |
//! |---|---|---|
//! | unittest | `-v` | `-q`, `--quiet` |
//! | pytest | `--junitxml=<file the harness reads>` | |
//! | libtest, `cargo test` | `--no-fail-fast` (every test binary runs) | `-q`/`--quiet` (terse output has no names), also after `--` with `--format=terse` |
//! | libtest, `cargo nextest run` | `--no-fail-fast`, `--success-output=never`, `--failure-output=never`, `--status-level=all`, `--final-status-level=none` | `-q`/`--quiet` |
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
        }
        ReportFormat::Pytest => {
            let file = report_dir.join("junit.xml");
            argv.push(format!("--junitxml={}", file.display()));
            junit = Some(file);
        }
        ReportFormat::Libtest if is_nextest(&argv) => {
            argv = without(argv, &["-q", "--quiet"], true);
            let (mut before, after) = split_at_separator(argv);
            for (flag, prefix) in [
                ("--no-fail-fast", "--no-fail-fast"),
                ("--success-output=never", "--success-output"),
                ("--failure-output=never", "--failure-output"),
                ("--status-level=all", "--status-level"),
                ("--final-status-level=none", "--final-status-level"),
            ] {
                before = without_option(before, prefix);
                before.push(flag.to_owned());
            }
            argv = join_at_separator(before, after);
        }
        ReportFormat::Libtest => {
            let (before, after) = split_at_separator(argv);
            let mut before = without(before, &["-q", "--quiet"], false);
            if !before.iter().any(|word| word == "--no-fail-fast") {
                before.push("--no-fail-fast".to_owned());
            }
            let after = after.map(|after| {
                let mut kept = Vec::with_capacity(after.len());
                let mut words = after.into_iter();
                while let Some(word) = words.next() {
                    match word.as_str() {
                        "-q" | "--quiet" | "--format=terse" => {}
                        "--format" => {
                            let value = words.next();
                            if value.as_deref() != Some("terse") {
                                kept.push(word);
                                kept.extend(value);
                            }
                        }
                        _ => kept.push(word),
                    }
                }
                kept
            });
            argv = join_at_separator(before, after);
        }
        ReportFormat::Tap | ReportFormat::Exit | ReportFormat::Auto => {}
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

/// `argv` without `--name value` and `--name=value`.
fn without_option(argv: Vec<String>, name: &str) -> Vec<String> {
    let mut kept = Vec::with_capacity(argv.len());
    let mut words = argv.into_iter();
    let with_value = format!("{name}=");
    while let Some(word) = words.next() {
        if word == name {
            // `--no-fail-fast` takes no value; the others do.
            if name != "--no-fail-fast" {
                words.next();
            }
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
        }
    }

    fn argv(run: &str, report: ReportFormat) -> String {
        invocation(&check(run, report), Path::new("/r")).argv.join(" ")
    }

    #[test]
    fn unittest_is_made_verbose_once() {
        assert_eq!(
            argv("python3 -m unittest discover -s tests", ReportFormat::Auto),
            "python3 -m unittest discover -s tests -v"
        );
        assert_eq!(
            argv("python3 -m unittest -q discover -v", ReportFormat::Auto),
            "python3 -m unittest discover -v"
        );
    }

    #[test]
    fn pytest_writes_junit_where_the_harness_reads_it() {
        let invocation = invocation(&check("pytest tests", ReportFormat::Auto), Path::new("/r"));
        assert_eq!(invocation.argv.join(" "), "pytest tests --junitxml=/r/junit.xml");
        assert_eq!(invocation.junit, Some(PathBuf::from("/r/junit.xml")));
    }

    #[test]
    fn cargo_test_runs_every_binary_with_named_results() {
        assert_eq!(
            argv("cargo test --offline --quiet --test visible", ReportFormat::Auto),
            "cargo test --offline --test visible --no-fail-fast"
        );
        assert_eq!(
            argv("cargo test -q -- --format terse --exact x -q", ReportFormat::Auto),
            "cargo test --no-fail-fast -- --exact x"
        );
        assert_eq!(
            argv("cargo test --no-fail-fast -- --format=terse", ReportFormat::Auto),
            "cargo test --no-fail-fast --"
        );
    }

    #[test]
    fn nextest_reports_every_status_and_keeps_test_args() {
        assert_eq!(
            argv("cargo nextest run -q --success-output final -- -q", ReportFormat::Auto),
            "cargo nextest run --no-fail-fast --success-output=never --failure-output=never --status-level=all --final-status-level=none -- -q"
        );
    }

    #[test]
    fn tap_and_exit_run_as_written() {
        assert_eq!(argv("sh tests/run.sh -q", ReportFormat::Tap), "sh tests/run.sh -q");
        assert_eq!(argv("make -q test", ReportFormat::Auto), "make -q test");
    }
}
