//! The worked CI example, `docs/ci/github-actions.yml` (README "Run on many machines"),
//! parses as YAML and runs the real commands: a build job archiving the benchmark once, a
//! matrix of partition jobs (each building its environments, running its share of the
//! archive from its own checkout with its own `HARNESS_OUT`, uploading its run directory)
//! and a merge job running `harness report` on what they uploaded. Every `harness` command
//! in it parses with the harness's own command line, and every nextest flag is one nextest
//! has.
//!
//! YAML is read by PyYAML (`.ci/run` installs it as it installs pytest): lighter than a YAML
//! crate in the lock file for one test. Without it, or without cargo-nextest for the flag
//! check, the test is skipped here and fails in CI.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

mod support;

use std::process::Command;

use clap::Parser;
use harness_runtime::cli::args::Cli;
use serde_json::Value;
use support::runs::root;
use support::scale::{cargo, nextest_or_skip, tool_or_skip};

const TO_JSON: &str =
    "import json, sys, yaml\njson.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)";

/// The workflow as JSON, or None when PyYAML is missing (a failure in CI).
fn workflow() -> Option<Value> {
    let path = root().join("docs/ci/github-actions.yml");
    let output = Command::new("python3")
        .args(["-c", TO_JSON])
        .arg(&path)
        .output();
    let found = Command::new("python3")
        .args(["-c", "import yaml"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !tool_or_skip(found, "PyYAML", "python3 -m pip install pyyaml") {
        return None;
    }
    let output = output.unwrap();
    assert!(
        output.status.success(),
        "{} is not valid YAML: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

fn steps(job: &Value) -> &Vec<Value> {
    job["steps"].as_array().expect("a job has steps")
}

/// The index of the first step whose `run` contains `needle`, and that run.
fn run_step<'a>(job: &'a Value, needle: &str) -> (usize, &'a str) {
    steps(job)
        .iter()
        .enumerate()
        .find_map(|(i, step)| {
            step["run"]
                .as_str()
                .filter(|run| run.contains(needle))
                .map(|run| (i, run))
        })
        .unwrap_or_else(|| panic!("no step runs `{needle}` in {job}"))
}

/// The index of the first step using `action` (e.g. `actions/upload-artifact`), and it.
fn uses_step<'a>(job: &'a Value, action: &str, from: usize) -> (usize, &'a Value) {
    steps(job)
        .iter()
        .enumerate()
        .skip(from)
        .find(|(_, step)| {
            step["uses"]
                .as_str()
                .is_some_and(|uses| uses.starts_with(&format!("{action}@")))
        })
        .unwrap_or_else(|| panic!("no step uses {action} in {job}"))
}

/// The words of the command in `run` that starts with `program` (runs joined by `&&`).
fn command<'a>(run: &'a str, program: &str) -> Vec<&'a str> {
    run.split("&&")
        .map(str::split_whitespace)
        .map(Iterator::collect::<Vec<_>>)
        .find(|words| words.first() == Some(&program))
        .unwrap_or_else(|| panic!("no `{program}` command in {run:?}"))
}

/// The value after `flag` in `words`.
fn flag<'a>(words: &[&'a str], flag: &str) -> &'a str {
    let at = words.iter().position(|word| *word == flag);
    at.and_then(|at| words.get(at + 1))
        .copied()
        .unwrap_or_else(|| panic!("no {flag} VALUE in {words:?}"))
}

fn needs(job: &Value, other: &str) -> bool {
    match &job["needs"] {
        Value::String(one) => one == other,
        Value::Array(many) => many.iter().any(|need| need == other),
        _ => false,
    }
}

#[test]
fn the_ci_example_builds_once_runs_partitions_and_merges_with_the_real_commands() {
    let Some(workflow) = workflow() else { return };
    let jobs = &workflow["jobs"];
    let (build, partition, merge) = (&jobs["build"], &jobs["partition"], &jobs["merge"]);

    // build: the archive and the CLI, uploaded together.
    let (_, archive_run) = run_step(build, "cargo nextest archive");
    let archive_cmd = command(archive_run, "cargo");
    assert_eq!(flag(&archive_cmd, "--test"), "benchmark");
    let archive = flag(&archive_cmd, "--archive-file");
    run_step(build, "cargo build -p harness-runtime --bin harness");
    let (_, upload) = uses_step(build, "actions/upload-artifact", 0);
    let uploaded = upload["with"]["path"].as_str().unwrap();
    assert!(
        uploaded.lines().any(|line| line.trim() == archive),
        "{uploaded}"
    );
    assert!(
        uploaded.lines().any(|line| line.trim() == "harness"),
        "{uploaded}"
    );
    let build_artifact = upload["with"]["name"].as_str().unwrap();

    // partition: a matrix 1..=N, each its own output root, environments built first.
    assert!(needs(partition, "build"), "{partition}");
    let matrix: Vec<u64> = partition["strategy"]["matrix"]["i"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_u64().unwrap())
        .collect();
    let n = matrix.len() as u64;
    assert!(
        n >= 2 && matrix == (1..=n).collect::<Vec<_>>(),
        "{matrix:?}"
    );
    let out = partition["env"]["HARNESS_OUT"].as_str().unwrap();
    let out = out.strip_prefix("${{ github.workspace }}/").unwrap_or(out);
    uses_step(partition, "actions/checkout", 0);
    let (downloaded, download) = uses_step(partition, "actions/download-artifact", 0);
    assert_eq!(download["with"]["name"], build_artifact);
    let (env_built, env_run) = run_step(partition, "harness env build");
    let (ran, run) = run_step(partition, "cargo nextest run");
    let shard = format!("--partition count:${{{{ matrix.i }}}}/{n}");
    assert!(run.contains(&shard), "{run:?} does not run `{shard}`");
    let run_cmd = command(run, "cargo");
    assert_eq!(flag(&run_cmd, "--archive-file"), archive);
    assert_eq!(flag(&run_cmd, "--workspace-remap"), ".");
    let (uploaded_at, upload) = uses_step(partition, "actions/upload-artifact", ran);
    assert!(downloaded < env_built && env_built < ran && ran < uploaded_at);
    assert_eq!(
        upload["with"]["path"]
            .as_str()
            .unwrap()
            .trim_end_matches('/'),
        format!("{out}/runs")
    );
    assert!(
        upload["if"].as_str().unwrap().contains("!cancelled()"),
        "{upload}"
    );
    let runs_artifact = upload["with"]["name"].as_str().unwrap();
    assert!(runs_artifact.contains("${{ matrix.i }}"), "{runs_artifact}");

    // merge: every partition's runs, then harness report.
    assert!(needs(merge, "partition"), "{merge}");
    let (first_at, first) = uses_step(merge, "actions/download-artifact", 0);
    assert_eq!(first["with"]["name"], build_artifact);
    let (_, runs) = uses_step(merge, "actions/download-artifact", first_at + 1);
    let pattern = runs["with"]["pattern"].as_str().unwrap();
    assert_eq!(pattern, runs_artifact.replace("${{ matrix.i }}", "*"));
    let (_, report_run) = run_step(merge, "harness report");
    let report = command(report_run, "./harness");
    let runs_dir = runs["with"]["path"].as_str().unwrap();
    assert!(
        report
            .iter()
            .any(|word| word.starts_with(&format!("{runs_dir}/"))),
        "{report:?} does not merge what was downloaded to {runs_dir}"
    );

    // Every harness command parses with the real command line.
    for words in [command(env_run, "./harness"), report] {
        let mut argv = words.clone();
        argv[0] = "harness";
        if let Err(error) = Cli::try_parse_from(&argv) {
            panic!("`{}` is not a harness command: {error}", words.join(" "));
        }
    }
    check_toolchains(&workflow);

    // Every nextest flag is one nextest has.
    if !nextest_or_skip() {
        return;
    }
    let run = run.replace("${{ matrix.i }}", "1");
    for (subcommand, words) in [("archive", archive_cmd), ("run", command(&run, "cargo"))] {
        let help = cargo(&root())
            .args(["nextest", subcommand, "--help"])
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&help.stdout);
        for word in words.iter().filter(|word| word.starts_with("--")) {
            assert!(
                help.contains(word),
                "cargo nextest {subcommand} has no {word}"
            );
        }
    }
}

/// Every job that installs Rust installs the one pinned toolchain the workflow names: the
/// environments' keys include `rustc -V`.
fn check_toolchains(workflow: &Value) {
    let pinned = workflow["env"]["RUST_TOOLCHAIN"].as_str().unwrap();
    assert!(
        pinned.split('.').all(|part| part.parse::<u32>().is_ok()),
        "RUST_TOOLCHAIN should be a release such as 1.95.0, not {pinned:?}"
    );
    for (name, job) in workflow["jobs"].as_object().unwrap() {
        for step in steps(job) {
            if step["uses"]
                .as_str()
                .is_some_and(|uses| uses.starts_with("dtolnay/rust-toolchain@"))
            {
                assert_eq!(
                    step["with"]["toolchain"], "${{ env.RUST_TOOLCHAIN }}",
                    "job {name}"
                );
            }
        }
    }
}
