//! Scale-out (docs/DESIGN.md "Scale-out"): build the benchmark once, run it on many
//! machines, merge.
//!
//! - A downstream-style repository's benchmark is archived with `cargo nextest archive`, its
//!   checkout removed, and the archive run in three partitions (and whole) from a copy at
//!   another path with `--workspace-remap`: `harness report` of the partitions is the single
//!   run's `summary.json` and `frontier.json`, and `HARNESS_SHARD` splits the listed cases as
//!   `harness run --shard` does. (Archiving this workspace's own benchmark would run every
//!   shipped fixture's cases four times and build outside the target dir `cargo test` uses;
//!   the downstream example builds in `target/downstream`, which `.ci/run` reuses.)
//! - `harness run --shard i/3` on the shipped fixtures merges to the unsharded run.
//! - The CI example `docs/ci/github-actions.yml` parses and runs the real commands
//!   (`ci_workflow.rs`).
//!
//! Without cargo-nextest the archive test is skipped here and fails in CI.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use harness_runtime::plan::Shard;
use support::runs::{HARNESS, root};
use support::scale::{
    assert_partitioned, cargo, cases, downstream_checkout, downstream_target_dir, nextest_or_skip,
    report, reports, run_dir, succeed,
};

/// Shipped fixtures added to the downstream checkout: a work item and a review, so the
/// frontier has several candidates (noop, fix_greeting, approve_all, ...).
const EXTRA_FIXTURES: [&str; 2] = ["sh-semver", "rv-sh-off-by-one"];

/// `cargo nextest run` of the archive from `checkout`, recording under `out`.
fn run_archive(checkout: &Path, archive: &Path, out: &Path, partition: Option<&str>) {
    let mut command = cargo(checkout);
    command
        .args(["nextest", "run", "--no-fail-fast", "--color", "never"])
        .arg("--archive-file")
        .arg(archive)
        .arg("--workspace-remap")
        .arg(checkout)
        .env("HARNESS_OUT", out);
    if let Some(partition) = partition {
        command.args(["--partition", partition]);
    }
    succeed(
        &mut command,
        &format!("cargo nextest run --partition {partition:?}"),
    );
}

/// The cases `cargo nextest list` finds in the archive with `HARNESS_SHARD` set (or not).
fn list_archive(checkout: &Path, archive: &Path, shard: Option<&str>) -> BTreeSet<String> {
    let mut command = cargo(checkout);
    command
        .args(["nextest", "list", "--message-format", "json"])
        .arg("--archive-file")
        .arg(archive)
        .arg("--workspace-remap")
        .arg(checkout);
    if let Some(shard) = shard {
        command.env("HARNESS_SHARD", shard);
    }
    let output = succeed(
        &mut command,
        &format!("cargo nextest list, shard {shard:?}"),
    );
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    listed["rust-suites"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|suite| suite["testcases"].as_object().unwrap().keys().cloned())
        .collect()
}

#[test]
fn an_archive_runs_in_partitions_from_another_checkout_and_merges_to_the_single_run() {
    if !nextest_or_skip() {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let built_at = scratch.path().join("build-machine/checkout");
    downstream_checkout(&built_at, &EXTRA_FIXTURES);
    let archive = scratch.path().join("benchmark.tar.zst");
    succeed(
        cargo(&built_at)
            .args([
                "nextest",
                "archive",
                "--test",
                "benchmark",
                "--archive-file",
            ])
            .arg(&archive)
            .env("CARGO_TARGET_DIR", downstream_target_dir()),
        "cargo nextest archive --test benchmark",
    );

    // Another machine: the same sources at another path; the build machine's are gone.
    let checkout = scratch.path().join("runner/src/benchmark");
    support::copy_dir(&built_at, &checkout);
    std::fs::remove_dir_all(scratch.path().join("build-machine")).unwrap();
    assert!(!built_at.exists());

    let out = |name: &str| scratch.path().join("out").join(name);
    run_archive(&checkout, &archive, &out("whole"), None);
    let mut parts = Vec::new();
    for i in 1..=3 {
        let partition = format!("count:{i}/3");
        run_archive(
            &checkout,
            &archive,
            &out(&format!("p{i}")),
            Some(&partition),
        );
        parts.push(run_dir(&out(&format!("p{i}"))));
    }

    let whole = run_dir(&out("whole"));
    let all = cases(&whole);
    // greet (noop, oracle, fix_greeting), sh-semver (noop, oracle), the review's five.
    assert_eq!(all.len(), 10, "{all:?}");
    let shards: Vec<BTreeSet<String>> = parts.iter().map(|part| cases(part)).collect();
    assert_partitioned(&shards, &all, 1);
    report(&out("merged"), &parts);
    report(&out("single"), std::slice::from_ref(&whole));
    let (summary, frontier) = reports(&out("single"));
    assert_eq!(summary["cases"], 10, "{summary}");
    assert_eq!(
        summary["errored"], 0,
        "every case found its fixture: {summary}"
    );
    assert_eq!(reports(&out("merged")), (summary, frontier));

    // HARNESS_SHARD: the runner lists only its shard, the same split as `harness run --shard`.
    assert_eq!(list_archive(&checkout, &archive, None), all);
    let names: Vec<String> = all.iter().cloned().collect();
    let listed: Vec<BTreeSet<String>> = (1..=3)
        .map(|i| {
            let shard = list_archive(&checkout, &archive, Some(&format!("{i}/3")));
            let expected = Shard::new(i, 3)
                .unwrap()
                .select(names.clone(), String::as_str);
            assert_eq!(
                shard,
                expected.into_iter().collect::<BTreeSet<_>>(),
                "shard {i}/3"
            );
            shard
        })
        .collect();
    assert_partitioned(&listed, &all, 1);
}

/// `harness run` on the shipped fixtures with `--agent noop`, recording under `out`.
fn harness_run(out: &Path, tmp: &Path, shard: Option<&str>) -> std::process::Output {
    let fixtures = root().join("fixtures");
    let mut command = Command::new(HARNESS);
    command
        .args(["run", "--agent", "noop", "--fixtures"])
        .arg(&fixtures)
        .env("HARNESS_OUT", out)
        .env("TMPDIR", tmp);
    if let Some(shard) = shard {
        command.args(["--shard", shard]);
    }
    let output = command.output().unwrap();
    // noop fails every case: exit 1, never 2 (bad input, an errored case).
    assert_eq!(
        output.status.code(),
        Some(1),
        "harness run --shard {shard:?}\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn cli_shards_merge_to_the_single_run() {
    let scratch = tempfile::tempdir().unwrap();
    let out = |name: &str| scratch.path().join(name);
    harness_run(&out("whole"), scratch.path(), None);
    let whole = run_dir(&out("whole"));
    let all = cases(&whole);
    let mut parts: Vec<PathBuf> = Vec::new();
    for i in 1..=3 {
        let name = format!("shard-{i}");
        let output = harness_run(&out(&name), scratch.path(), Some(&format!("{i}/3")));
        let part = run_dir(&out(&name));
        let stderr = String::from_utf8_lossy(&output.stderr);
        let note = format!("shard {i}/3: {} of {} cases", cases(&part).len(), all.len());
        assert!(stderr.contains(&note), "{note:?} not in {stderr}");
        parts.push(part);
    }
    let shards: Vec<BTreeSet<String>> = parts.iter().map(|part| cases(part)).collect();
    assert_partitioned(&shards, &all, 1);
    let names: Vec<String> = all.iter().cloned().collect();
    for (i, shard) in (1..=3).zip(&shards) {
        let expected = Shard::new(i, 3)
            .unwrap()
            .select(names.clone(), String::as_str);
        assert_eq!(
            shard,
            &expected.into_iter().collect::<BTreeSet<_>>(),
            "shard {i}/3"
        );
    }
    report(&out("merged"), &parts);
    report(&out("single"), std::slice::from_ref(&whole));
    assert_eq!(reports(&out("merged")), reports(&out("single")));
}

#[test]
fn a_shard_outside_one_to_n_is_refused_by_the_command_line() {
    for (shard, reason) in [
        ("0/3", "I must be between 1 and 3"),
        ("4/3", "I must be between 1 and 3"),
        ("1/0", "N must be at least 1"),
        ("count:1/3", "expected I/N"),
    ] {
        let output = Command::new(HARNESS)
            .args(["run", "--fixtures", "fixtures", "--shard", shard])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{shard}: {stderr}");
        assert!(
            stderr.contains(&format!("invalid value '{shard}' for '--shard <I/N>'"))
                && stderr.contains(reason),
            "{shard}: {stderr}"
        );
    }
}
