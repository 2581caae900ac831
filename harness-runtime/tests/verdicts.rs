//! Per-test verdicts end to end: the tests lock `check-fixture --write-lock` writes, a
//! fixture without one, flaky tests found by `--repeat`, and an honest agent whose code
//! crashes its test runner (a failed check, never a violation).
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

mod support;
use support::copy_dir;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use harness_runtime::{Agent, CaseSpec, Fixture, Settings, run_case};

const HARNESS: &str = env!("CARGO_BIN_EXE_harness");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn harness(args: &[&str], out: &Path) -> Output {
    Command::new(HARNESS)
        .args(args)
        .env("HARNESS_OUT", out)
        .output()
        .expect("run harness")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A copy of the shipped fixture `id` under `root` (the directory name is the id).
fn copy_fixture(root: &Path, id: &str) -> PathBuf {
    let dir = root.join(id);
    copy_dir(&fixtures().join(id), &dir);
    dir
}

#[test]
fn write_lock_reproduces_every_shipped_lock() {
    let root = tempfile::tempdir().unwrap();
    for id in [
        "py-slugify",
        "sh-semver",
        "py-intervals",
        "py-units",
        "py-honeypot-median",
    ] {
        let dir = copy_fixture(root.path(), id);
        std::fs::remove_file(dir.join("tests.lock")).unwrap();
        let output = harness(
            &["check-fixture", "--write-lock", dir.to_str().unwrap()],
            root.path(),
        );
        assert_eq!(output.status.code(), Some(0), "{id}: {}", text(&output));
        assert!(text(&output).contains("wrote "), "{}", text(&output));
        similar_asserts::assert_eq!(
            std::fs::read_to_string(dir.join("tests.lock")).unwrap(),
            std::fs::read_to_string(fixtures().join(id).join("tests.lock")).unwrap(),
            "{id}: the shipped lock is stale; refresh it with check-fixture --write-lock"
        );
    }
}

#[test]
fn a_fixture_without_a_lock_says_how_to_write_one() {
    let root = tempfile::tempdir().unwrap();
    let dir = copy_fixture(root.path(), "sh-semver");
    std::fs::remove_file(dir.join("tests.lock")).unwrap();
    let command = format!("harness check-fixture {} --write-lock", dir.display());
    let output = harness(
        &[
            "run",
            "--fixtures",
            dir.to_str().unwrap(),
            "--agent",
            "oracle",
        ],
        root.path(),
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains(&command), "{}", text(&output));
    let output = harness(&["check-fixture", dir.to_str().unwrap()], root.path());
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains(&command), "{}", text(&output));
}

#[test]
fn a_flaky_test_is_refused_until_the_lock_lists_it() {
    let root = tempfile::tempdir().unwrap();
    let dir = copy_fixture(root.path(), "sh-semver");
    // A visible test that fails whenever HARNESS_REPEAT is even.
    let runner = dir.join("repo/tests/run.sh");
    let script = std::fs::read_to_string(&runner).unwrap().replace(
        "\nfinish\n",
        "\nif [ $((${HARNESS_REPEAT:-1} % 2)) -eq 0 ]; then t_fail \"clock skew tolerated\"; else t_pass \"clock skew tolerated\"; fi\nfinish\n",
    );
    std::fs::write(&runner, script).unwrap();
    let dir_arg = dir.to_str().unwrap();
    let output = harness(&["check-fixture", "--write-lock", dir_arg], root.path());
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));

    let output = harness(&["check-fixture", "--repeat", "5", dir_arg], root.path());
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let said = text(&output);
    assert!(
        said.contains("check `visible`: test `clock skew tolerated` is flaky"),
        "{said}"
    );
    assert!(said.contains("list it under `flaky`"), "{said}");

    let lock = dir.join("tests.lock");
    let listed = std::fs::read_to_string(&lock).unwrap().replacen(
        "[checks.visible]\nreport = \"tap\"\nflaky = []",
        "[checks.visible]\nreport = \"tap\"\nflaky = [\"clock skew tolerated\"]",
        1,
    );
    std::fs::write(&lock, listed).unwrap();
    let output = harness(&["check-fixture", "--repeat", "5", dir_arg], root.path());
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        text(&output).contains("1 flaky test not counted: visible: clock skew tolerated"),
        "{}",
        text(&output)
    );
    // Refreshing the lock keeps the list.
    let output = harness(&["check-fixture", "--write-lock", dir_arg], root.path());
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        std::fs::read_to_string(&lock)
            .unwrap()
            .contains("flaky = [\"clock skew tolerated\"]")
    );
}

fn crash_the_runner(sb: &mut harness_runtime::Sandbox<'_>) -> Result<(), String> {
    // A fix that does not even import: every test module errors, the runner fails.
    sb.write(
        "src/textkit/slugify.py",
        "def slugify(text, separator='-', max_length=None):\n    return text.lower(\n",
    )
    .map_err(|error| error.to_string())?;
    sb.close_work_item().map_err(|error| error.to_string())
}

#[test]
fn an_agent_whose_code_crashes_the_runner_fails_without_a_violation() {
    let fixture = Arc::new(Fixture::load(&fixtures().join("py-slugify")).unwrap());
    let agent = Agent::Function {
        name: "crashes_the_runner".into(),
        run: crash_the_runner,
    };
    let result = run_case(&CaseSpec::new(fixture, agent), &Settings::from_env(), "t").result;
    assert!(!result.passed, "{}", result.summary());
    assert!(result.violations.is_empty(), "{}", result.summary());
    assert!(result.checks.iter().all(|check| !check.passed));
    assert!(
        result.reward.unwrap() < 0.0,
        "false closure still costs: {}",
        result.summary()
    );
}

#[test]
fn the_oracle_reports_every_locked_test_and_fails_only_the_tripwire() {
    for id in ["py-slugify", "rs-wordfreq", "sh-semver", "py-intervals"] {
        let fixture = Arc::new(Fixture::load(&fixtures().join(id)).unwrap());
        let lock = fixture.lock.clone().unwrap();
        let result = run_case(
            &CaseSpec::new(fixture, Agent::Oracle),
            &Settings::from_env(),
            "t",
        )
        .result;
        assert!(result.passed, "{}", result.summary());
        for check in result
            .checks
            .iter()
            .filter(|check| check.report != "differential")
        {
            let locked = &lock.checks[&check.name];
            assert!(!locked.tests.is_empty(), "{id}/{}", check.name);
            for (test, outcome) in &locked.tests {
                assert!(
                    check
                        .tests
                        .iter()
                        .any(|record| &record.id == test && record.outcome == *outcome),
                    "{id}/{}: {test} not reported {outcome:?}",
                    check.name
                );
            }
            let expected = if check.report == "tap" {
                None
            } else {
                Some(harness_runtime::grade::verdict::TripwireSeen::Failed)
            };
            assert_eq!(check.tripwire, expected, "{id}/{}", check.name);
        }
    }
}
