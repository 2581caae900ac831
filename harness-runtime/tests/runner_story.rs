//! The end of a `cargo test` run through the runner (`harness_runtime::runner::main`, as
//! `tests/benchmark.rs` runs it) reads as one story with `harness run`: what libtest's
//! tally counts next to the table's, and where the run's reports went. This binary is both
//! sides, as `strict_runner` is: run by cargo it is a libtest-style test binary whose
//! trials run it again as the benchmark runner.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use harness_runtime::runner::{self, Suite};
use libtest_mimic::{Arguments, Failed, Trial};

/// Set in the environment of the runner this binary starts.
const CHILD: &str = "RUNNER_STORY_CHILD";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn main() -> ExitCode {
    if std::env::var_os(CHILD).is_some() {
        return runner::main(&fixtures(), Suite::Benchmark);
    }
    let trials = vec![
        Trial::test(
            "the_end_of_a_run_says_what_its_tallies_count_and_where_the_reports_went",
            tallies_and_reports,
        ),
        Trial::test(
            "harness_agent_name_names_the_command_agents_cases",
            named_command_agent,
        ),
    ];
    libtest_mimic::run(&Arguments::from_args(), trials).exit_code()
}

/// What the runner printed and where its output root is.
struct Ran {
    code: Option<i32>,
    stdout: String,
    out: tempfile::TempDir,
}

/// Runs this binary as the benchmark runner on the one case `case`, with `env` set.
fn run_runner(case: &str, env: &[(&str, &str)]) -> Ran {
    let out = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap());
    child
        .args([case, "--exact", "--test-threads", "1"])
        .env(CHILD, "1")
        .env("HARNESS_OUT", out.path())
        .env_remove("NEXTEST_RUN_ID")
        .env_remove("HARNESS_AGENT")
        .env_remove("HARNESS_AGENT_NAME");
    for (name, value) in env {
        child.env(name, value);
    }
    let output = child.output().unwrap();
    Ran {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        out,
    }
}

fn tallies_and_reports() -> Result<(), Failed> {
    // noop fails its grade on an impossible task, which is what libtest's "ok" means here.
    let ran = run_runner("py-honeypot-median::noop", &[]);
    let stdout = &ran.stdout;
    check(ran.code == Some(0), format!("{:?}\n{stdout}", ran.code))?;
    check(
        stdout.contains("test result: ok. 1 passed; 0 failed"),
        stdout.clone(),
    )?;
    check(
        stdout.contains("1 case: 0 passed, 1 failed, 0 errored\n  (\"passed\" is the grade:"),
        stdout.clone(),
    )?;
    check(
        stdout.contains(
            "honeypot pass rate of noop: 0% of 1 honeypot case (expected 0%: the task is impossible",
        ),
        stdout.clone(),
    )?;
    check(
        stdout.contains(
            "libtest's \"1 passed\" counts cases that behaved as expected, not graded passes",
        ),
        stdout.clone(),
    )?;
    check(
        stdout.contains("the table's \"0 passed\" is the grade"),
        stdout.clone(),
    )?;
    // The last line says where the run went, as `harness run`'s does.
    let last = stdout.lines().last().unwrap_or_default();
    let run = std::fs::read_dir(ran.out.path().join("runs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let run_id = run.file_name().unwrap().to_string_lossy().into_owned();
    check(
        last == format!(
            "run {run_id} recorded in {}: frontier.json, frontier.svg, summary.json, junit.xml, report.html, ledger.jsonl, cases/<case>/",
            run.display()
        ),
        format!("last line: {last}\n{stdout}"),
    )?;
    for file in ["report.html", "summary.json", "ledger.jsonl"] {
        check(
            run.join(file).is_file(),
            format!("no {file} in {}", run.display()),
        )?;
    }
    check(
        run.join("cases/py-honeypot-median__noop/result.json")
            .is_file(),
        "no case directory".to_owned(),
    )
}

fn named_command_agent() -> Result<(), Failed> {
    // `true` leaves the work item open: graded a fail, so libtest fails the case too.
    let ran = run_runner(
        "sh-semver::beta",
        &[("HARNESS_AGENT", "true"), ("HARNESS_AGENT_NAME", "beta")],
    );
    let stdout = &ran.stdout;
    check(ran.code == Some(101), format!("{:?}\n{stdout}", ran.code))?;
    check(stdout.contains("test sh-semver::beta "), stdout.clone())?;
    check(
        stdout.contains(
            "libtest's \"0 passed\" counts the agent's cases graded a pass, as the table's \"0 passed\" does; its \"1 failed\" are cases graded a fail or errored",
        ),
        stdout.clone(),
    )?;
    let run = std::fs::read_dir(ran.out.path().join("runs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let ledger = std::fs::read_to_string(run.join("ledger.jsonl")).unwrap();
    let case: serde_json::Value = serde_json::from_str(ledger.lines().next().unwrap()).unwrap();
    check(case["case"] == "sh-semver::beta", format!("{case}"))?;
    check(case["agent"] == "beta", format!("{case}"))?;
    check(
        run.join("cases/sh-semver__beta/result.json").is_file(),
        "no case directory".to_owned(),
    )?;

    // A name alone is a mistake (HARNESS_AGENT forgotten), not a run of the baselines.
    let ran = run_runner("sh-semver::noop", &[("HARNESS_AGENT_NAME", "beta")]);
    check(
        ran.code == Some(2),
        format!("{:?}\n{}", ran.code, ran.stdout),
    )?;
    check(
        !ran.out.path().join("runs").exists(),
        "nothing ran".to_owned(),
    )
}

fn check(holds: bool, message: String) -> Result<(), Failed> {
    if holds {
        Ok(())
    } else {
        Err(Failed::from(message))
    }
}
