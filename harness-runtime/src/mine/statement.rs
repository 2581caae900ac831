//! The work item's statement: from the failing hidden tests' names and the first line of
//! their failure messages (`--statement tests`, the default), the commit message
//! (`--statement commit`), or what a command prints when given a JSON description of the
//! candidate on stdin (`--statement CMD`, e.g. a script asking a language model).

use std::io::Write as _;
use std::process::{Command, Stdio};

use git2::{DiffFormat, Repository};

use super::classify::PathClass;
use super::history::Candidate;

/// How statements are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementMode {
    /// From the failing tests.
    Tests,
    /// The commit message.
    Commit,
    /// What this shell command prints.
    Command(String),
}

impl StatementMode {
    /// `tests`, `commit`, or a command.
    pub fn parse(text: &str) -> StatementMode {
        match text {
            "tests" => StatementMode::Tests,
            "commit" => StatementMode::Commit,
            command => StatementMode::Command(command.to_owned()),
        }
    }
}

/// A hidden test the fix makes pass, and what it said on the baseline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FailingTest {
    /// Its id.
    pub id: String,
    /// The first line of its failure (or of the error that kept it from running).
    pub message: String,
}

/// Why no statement was written.
#[derive(Debug, thiserror::Error)]
pub enum StatementError {
    /// The command could not run, failed, or printed nothing.
    #[error("the statement command `{command}` {problem}")]
    Command {
        /// The command.
        command: String,
        /// What went wrong.
        problem: String,
    },
}

/// The paragraph every statement ends with: how to finish.
const CLOSING: &str =
    "When you are done, close this work item by setting `status = \"closed\"` below.";

/// The work item's title and statement.
pub fn write(
    mode: &StatementMode,
    repo: &Repository,
    repository: &str,
    candidate: &Candidate,
    failing: &[FailingTest],
) -> Result<(String, String), StatementError> {
    let (title, body) = match mode {
        StatementMode::Tests => from_tests(failing),
        StatementMode::Commit => {
            let message = candidate.message.trim();
            let title = message.lines().next().unwrap_or("").trim().to_owned();
            (title, message.to_owned())
        }
        StatementMode::Command(command) => {
            let description = describe(repo, repository, candidate, failing);
            let body = run_command(command, &description)?;
            let title = body
                .lines()
                .map(|line| line.trim().trim_start_matches('#').trim())
                .find(|line| !line.is_empty())
                .unwrap_or("")
                .to_owned();
            (title, body.trim().to_owned())
        }
    };
    let title: String = title.chars().take(100).collect();
    Ok((title, format!("{body}\n\n{CLOSING}\n")))
}

fn from_tests(failing: &[FailingTest]) -> (String, String) {
    let leaf = |id: &str| id.rsplit(['.', ':']).next().unwrap_or(id).to_owned();
    let title = match failing {
        [] => "some tests fail".to_owned(),
        [one] => format!("{} fails", leaf(&one.id)),
        [first, rest @ ..] => format!(
            "{} and {} other test{} fail",
            leaf(&first.id),
            rest.len(),
            if rest.len() == 1 { "" } else { "s" }
        ),
    };
    let mut body = String::from("These tests fail and must pass after your change:\n\n");
    for test in failing {
        if test.message.is_empty() {
            body.push_str(&format!("- `{}`\n", test.id));
        } else {
            body.push_str(&format!("- `{}`: {}\n", test.id, test.message));
        }
    }
    body.push_str(
        "\nChange the code so that they pass, without changing the tests; the rest of the \
         test suite must keep passing.",
    );
    (title, body)
}

/// The JSON a statement command reads: the repository, the commit, the fix's and the
/// tests' diffs, and the failing tests.
pub fn describe(
    repo: &Repository,
    repository: &str,
    candidate: &Candidate,
    failing: &[FailingTest],
) -> serde_json::Value {
    let (fix_diff, test_diff) = diffs(repo, candidate);
    let paths = |test: bool| -> Vec<&str> {
        candidate
            .changes
            .iter()
            .filter(|change| (change.class == PathClass::Test) == test)
            .map(|change| change.path.as_str())
            .collect()
    };
    serde_json::json!({
        "repository": repository,
        "commit": candidate.commit.to_string(),
        "message": candidate.message,
        "fix": {"files": paths(false), "diff": fix_diff},
        "tests": {"files": paths(true), "diff": test_diff},
        "failing_tests": failing,
    })
}

/// The commit's diff split into the fix's part and the tests' part (empty on error).
fn diffs(repo: &Repository, candidate: &Candidate) -> (String, String) {
    let (mut fix, mut tests) = (String::new(), String::new());
    let diff = repo.find_commit(candidate.commit).and_then(|commit| {
        let parent = repo.find_tree(candidate.baseline_tree)?;
        repo.diff_tree_to_tree(Some(&parent), Some(&commit.tree()?), None)
    });
    if let Ok(diff) = diff {
        let _ = diff.print(DiffFormat::Patch, |delta, _, line| {
            let path = delta
                .new_file()
                .path()
                .or_else(|| delta.old_file().path())
                .and_then(|path| path.to_str())
                .unwrap_or("");
            let is_test = candidate
                .changes
                .iter()
                .any(|change| change.path == path && change.class == PathClass::Test);
            let out = if is_test { &mut tests } else { &mut fix };
            if matches!(line.origin(), '+' | '-' | ' ') {
                out.push(line.origin());
            }
            out.push_str(&String::from_utf8_lossy(line.content()));
            true
        });
    }
    (fix, tests)
}

fn run_command(command: &str, description: &serde_json::Value) -> Result<String, StatementError> {
    let fail = |problem: String| StatementError::Command {
        command: command.to_owned(),
        problem,
    };
    let mut child = Command::new("sh")
        .args(["-c", command])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|error| fail(format!("could not start: {error}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is free to: a broken pipe is no error.
        let _ = stdin.write_all(description.to_string().as_bytes());
    }
    let output = child
        .wait_with_output()
        .map_err(|error| fail(format!("failed: {error}")))?;
    if !output.status.success() {
        return Err(fail(format!("exited with {}", output.status)));
    }
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if text.trim().is_empty() {
        return Err(fail("printed nothing".to_owned()));
    }
    Ok(text)
}

/// The first line of the failure of each of `ids` in a check's log, by runner format;
/// empty where none is found. Absolute paths into the episode (under `temp_root`) are cut
/// to the repository path they name (the longest suffix in `known`), else to their file
/// name, so a statement never depends on where a run happened.
pub fn failures(
    log: &str,
    ids: &[String],
    temp_root: &str,
    known: &dyn Fn(&str) -> bool,
) -> Vec<FailingTest> {
    failures_in(log, ids)
        .into_iter()
        .map(|test| FailingTest {
            message: scrub(&test.message, temp_root, known),
            ..test
        })
        .collect()
}

/// Each absolute path in `line` under `temp_root` (or naming a file of the repository)
/// cut to the repository path, else to its file name.
fn scrub(line: &str, temp_root: &str, known: &dyn Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find('/') {
        let starts_token = start == 0 || rest[..start].ends_with([' ', '(', '\'', '"', '`', '=']);
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = after
            .find([' ', ')', '\'', '"', '`', ':', ',', '\n'])
            .unwrap_or(after.len());
        let token = &after[..end];
        let suffix = token
            .match_indices('/')
            .map(|(index, _)| &token[index + 1..])
            .find(|suffix| !suffix.is_empty() && known(suffix));
        let replaced = match suffix {
            Some(suffix) if starts_token => suffix,
            None if starts_token && !temp_root.is_empty() && token.starts_with(temp_root) => {
                token.rsplit('/').next().unwrap_or(token)
            }
            _ => token,
        };
        out.push_str(replaced);
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn failures_in(log: &str, ids: &[String]) -> Vec<FailingTest> {
    let lines: Vec<&str> = log.lines().collect();
    let compile_error = lines
        .iter()
        .find(|line| line.starts_with("error[") || line.starts_with("error: "))
        .filter(|_| !lines.iter().any(|line| line.starts_with("running ")));
    ids.iter()
        .map(|id| FailingTest {
            id: id.clone(),
            message: compile_error
                .map(|line| format!("does not compile: {}", line.trim()))
                .or_else(|| needles(id).find_map(|needle| failure_of(&lines, needle)))
                .unwrap_or_default(),
        })
        .collect()
}

/// What to look for in a log for `id`: the id, then its last part, then its ancestors
/// (a module that failed to import reports the module, not its tests), never the first
/// part alone (`tests`).
fn needles(id: &str) -> impl Iterator<Item = &str> {
    let parts: Vec<&str> = id
        .split(['.', ':'])
        .filter(|part| !part.is_empty() && !matches!(*part, "py" | "rs"))
        .collect();
    std::iter::once(id).chain(parts.into_iter().skip(1).rev())
}

fn failure_of(lines: &[&str], leaf: &str) -> Option<String> {
    for (index, line) in lines.iter().enumerate() {
        // unittest: `FAIL: test_x (module.Class.test_x)`, then a traceback.
        if (line.starts_with("FAIL: ") || line.starts_with("ERROR: ")) && line.contains(leaf) {
            return unittest_message(&lines[index + 1..]);
        }
        // pytest's short summary: `FAILED tests/test_x.py::test_y - AssertionError: ...`.
        if (line.starts_with("FAILED ") || line.starts_with("ERROR ")) && line.contains(leaf) {
            return line
                .split_once(" - ")
                .map(|(_, message)| message.trim().to_owned());
        }
        // libtest: `---- test_y stdout ----`, then `thread '...' panicked at ...:` and the message.
        if line.starts_with("---- ") && line.ends_with(" stdout ----") && line.contains(leaf) {
            return lines[index + 1..]
                .iter()
                .skip_while(|line| !line.contains("panicked at"))
                .nth(1)
                .map(|line| line.trim().to_owned());
        }
    }
    None
}

/// The exception line of a unittest failure block (after the `-----` line that ends the
/// header and its docstring): the last line naming an exception (`AssertionError: ...`,
/// the last of a chain), else the last unindented line of the traceback.
fn unittest_message(block: &[&str]) -> Option<String> {
    let (mut exception, mut unindented) = (None, None);
    let body = block
        .iter()
        .skip_while(|line| !line.starts_with("-----"))
        .skip(1);
    for line in body {
        if line.starts_with("=====")
            || line.starts_with("-----")
            || *line == "Stdout:"
            || *line == "Stderr:"
        {
            break;
        }
        if line.is_empty() || line.starts_with(' ') || line.starts_with("Traceback") {
            continue;
        }
        if names_exception(line) {
            exception = Some(line.trim().to_owned());
        } else if !line.starts_with("During handling of the above exception")
            && !line.starts_with("The above exception was the direct cause")
        {
            unindented = Some(line.trim().to_owned());
        }
    }
    exception.or(unindented)
}

/// `AssertionError: ...`, `json.decoder.JSONDecodeError: ...`, `StopIteration`: a dotted
/// name ending in `Error`, `Exception`, `Exit`, `Interrupt`, `Warning` or `Iteration`.
fn names_exception(line: &str) -> bool {
    let name = line.split(':').next().unwrap_or("").trim_end();
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && [
            "Error",
            "Exception",
            "Exit",
            "Interrupt",
            "Warning",
            "Iteration",
        ]
        .iter()
        .any(|suffix| name.ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_lines_are_read_per_runner() {
        let unittest = "FAIL: test_mul (tests.test_calc.CalcTest.test_mul)\n\
            ----------------------------------------------------------------------\n\
            Traceback (most recent call last):\n  File \"x.py\", line 3, in test_mul\n    self.assertEqual(mul(2, 3), 6)\n\
            AssertionError: 5 != 6\n\n======\n";
        let known = |path: &str| path == "calc/ops.py";
        let failures =
            |log: &str, ids: &[String]| failures(log, ids, "/dev/shm/another-harness", &known);
        let found = failures(unittest, &["tests.test_calc.CalcTest.test_mul".to_owned()]);
        assert_eq!(found[0].message, "AssertionError: 5 != 6");
        let documented = "FAIL: test_negative (tests.test_more.ChunkedTests.test_negative)\n\
            Test that a negative n raises.\n\
            ----------------------------------------------------------------------\n\
            ValueError: Stop argument for islice()\n\n\
            During handling of the above exception, another exception occurred:\n\n\
            Traceback (most recent call last):\n  File \"t.py\", line 76, in test_negative\n\
            AssertionError: \"n must be at least 0\" does not match \"Stop\"\n\n\
            ----------------------------------------------------------------------\n";
        let found = failures(
            documented,
            &["tests.test_more.ChunkedTests.test_negative".to_owned()],
        );
        assert_eq!(
            found[0].message,
            "AssertionError: \"n must be at least 0\" does not match \"Stop\""
        );
        let pytest = "FAILED tests/test_calc.py::test_mul - assert 5 == 6\n";
        assert_eq!(
            failures(pytest, &["tests.test_calc::test_mul".into()])[0].message,
            "assert 5 == 6"
        );
        let libtest = "running 1 test\n---- mul_works stdout ----\n\nthread 'mul_works' panicked at tests/a.rs:3:5:\nassertion `left == right` failed\n";
        assert_eq!(
            failures(libtest, &["tests/a.rs::mul_works".into()])[0].message,
            "assertion `left == right` failed"
        );
        let compile = "error[E0425]: cannot find function `mul` in crate `calc`\n";
        assert!(
            failures(compile, &["tests/a.rs::mul_works".into()])[0]
                .message
                .starts_with("does not compile: error[E0425]")
        );
    }

    #[test]
    fn episode_paths_are_cut_to_repository_paths() {
        let known = |path: &str| path == "calc/ops.py";
        let line = "ImportError: cannot import name 'mul' from 'calc.ops' (/dev/shm/another-harness/ep-1-x/work/calc/ops.py)";
        assert_eq!(
            scrub(line, "/dev/shm/another-harness", &known),
            "ImportError: cannot import name 'mul' from 'calc.ops' (calc/ops.py)"
        );
        let other = "File /dev/shm/another-harness/ep-1-x/grade/t/gen.py, a/b and /usr/lib/x.py";
        assert_eq!(
            scrub(other, "/dev/shm/another-harness", &known),
            "File gen.py, a/b and /usr/lib/x.py"
        );
    }
}
