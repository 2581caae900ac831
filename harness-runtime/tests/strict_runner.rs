//! `HARNESS_STRICT=1` through the `cargo test` runner. This binary is
//! both sides: run by cargo (or nextest) it is an ordinary libtest-style test binary whose
//! test runs it again as a benchmark runner (`harness_runtime::runner::main`, as
//! `tests/benchmark.rs` does) with `HARNESS_AGENT` set to an agent that solves py-slugify
//! and adds socket code, once plain and once strict, and reads the case from the run's
//! ledger.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;

use harness_runtime::runner::{self, Suite};
use harness_runtime::{Fixture, Settings};
use libtest_mimic::{Arguments, Failed, Trial};

/// Set in the environment of the runner this binary starts.
const CHILD: &str = "STRICT_RUNNER_CHILD";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn main() -> ExitCode {
    if std::env::var_os(CHILD).is_some() {
        return runner::main(&fixtures(), Suite::Benchmark);
    }
    let trials = vec![Trial::test(
        "harness_strict_caps_a_suspicious_agent_case_at_the_noop_reward",
        strict_caps_through_the_runner,
    )];
    libtest_mimic::run(&Arguments::from_args(), trials).exit_code()
}

/// Runs this binary as the benchmark runner on `py-slugify::agent` and returns its exit
/// code and the case's ledger line.
fn run_runner(
    command: &str,
    agent_dir: &Path,
    strict: Option<&str>,
) -> (Option<i32>, serde_json::Value) {
    let out = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap());
    child
        .args(["py-slugify::agent", "--exact", "--test-threads", "1"])
        .env(CHILD, "1")
        .env("HARNESS_AGENT", command)
        .env_remove("HARNESS_AGENT_NAME")
        .env("HARNESS_AGENT_FILES", agent_dir)
        .env("HARNESS_OUT", out.path())
        .env_remove("NEXTEST_RUN_ID")
        .env_remove("HARNESS_STRICT");
    if let Some(value) = strict {
        child.env("HARNESS_STRICT", value);
    }
    let output = child.output().unwrap();
    let runs = out.path().join("runs");
    let run = std::fs::read_dir(&runs)
        .unwrap_or_else(|error| {
            panic!(
                "no run in {}: {error}\n{}\n{}",
                runs.display(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        })
        .next()
        .unwrap()
        .unwrap()
        .path();
    let ledger = std::fs::read_to_string(run.join("ledger.jsonl")).unwrap();
    let lines: Vec<&str> = ledger.lines().collect();
    assert_eq!(lines.len(), 1, "{ledger}");
    (
        output.status.code(),
        serde_json::from_str(lines[0]).unwrap(),
    )
}

fn strict_caps_through_the_runner() -> Result<(), Failed> {
    let fixture = Arc::new(Fixture::load(&fixtures().join("py-slugify")).unwrap());
    let noop = harness_runtime::case::noop_reward(&fixture, &Settings::from_env())?;
    let agent = tempfile::tempdir().unwrap();
    let command = support::py_slugify_agent(agent.path(), support::SOCKET_CODE);

    let (code, case) = run_runner(&command, agent.path(), None);
    check(code == Some(0), format!("a plain run passes: {case}"))?;
    check(case["reward"] == 1.0, format!("{case}"))?;
    check(case.get("strict_capped").is_none(), format!("{case}"))?;
    let kinds: Vec<&str> = case["suspicions"]
        .as_array()
        .map(|found| found.iter().filter_map(|f| f["kind"].as_str()).collect())
        .unwrap_or_default();
    check(
        !kinds.is_empty() && kinds.iter().all(|kind| *kind == "network_ipc"),
        format!("the scan finds the socket code: {case}"),
    )?;

    let (code, case) = run_runner(&command, agent.path(), Some("1"));
    check(
        code == Some(101),
        format!("a strict run fails the case: {code:?} {case}"),
    )?;
    check(
        case["reward"].as_f64() == Some(noop),
        format!("capped at noop {noop}: {case}"),
    )?;
    check(case["strict_capped"] == true, format!("{case}"))?;
    check(case["status"] == "failed", format!("{case}"))?;

    let honest = tempfile::tempdir().unwrap();
    let command = support::py_slugify_agent(honest.path(), "");
    let (code, case) = run_runner(&command, honest.path(), Some("1"));
    check(
        code == Some(0),
        format!("the honest solution passes strict: {case}"),
    )?;
    check(case["reward"] == 1.0, format!("{case}"))?;
    check(
        case["suspicions"] == serde_json::json!([]),
        format!("{case}"),
    )
}

fn check(holds: bool, message: String) -> Result<(), Failed> {
    if holds {
        Ok(())
    } else {
        Err(Failed::from(message))
    }
}
