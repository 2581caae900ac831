//! Reliability and operations: broken fixtures, reports people can triage, exports, merging
//! partitions, killing a run and resuming it, unwritable outputs.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

mod support;
use support::copy_dir;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const HARNESS: &str = env!("CARGO_BIN_EXE_harness");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fixtures dir holding copies of the named shipped fixtures.
fn fixtures(names: &[&str], into: &Path) -> PathBuf {
    let dir = into.join("fixtures");
    for name in names {
        copy_dir(&root().join("fixtures").join(name), &dir.join(name));
    }
    dir
}

fn harness(args: &[&str], out: &Path, tmp: &Path) -> Output {
    Command::new(HARNESS)
        .args(args)
        .env("HARNESS_OUT", out)
        .env("TMPDIR", tmp)
        .output()
        .unwrap()
}

fn ledger_cases(run_dir: &Path) -> BTreeMap<String, (String, Option<f64>, Vec<String>)> {
    let text = std::fs::read_to_string(run_dir.join("ledger.jsonl")).unwrap();
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|case| {
            let codes = case["violations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["code"].as_str().unwrap().to_owned())
                .collect();
            (
                case["case"].as_str().unwrap().to_owned(),
                (
                    case["status"].as_str().unwrap().to_owned(),
                    case["reward"].as_f64(),
                    codes,
                ),
            )
        })
        .collect()
}

fn only_run_dir(out: &Path) -> PathBuf {
    let runs: Vec<PathBuf> = std::fs::read_dir(out.join("runs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    runs[0].clone()
}

#[test]
fn broken_fixtures_give_distinct_precise_errors() {
    let data = root().join("tests/data/broken-fixtures");
    let mut messages = BTreeSet::new();
    let mut count = 0;
    for entry in std::fs::read_dir(&data).unwrap() {
        let case = entry.unwrap().path();
        let expected = std::fs::read_to_string(case.join("expected.txt"))
            .unwrap()
            .trim()
            .to_owned();
        let output = Command::new(HARNESS)
            .args(["check-fixture", "--static-only"])
            .arg(case.join("tiny"))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}: {stdout}",
            case.display()
        );
        assert!(
            stdout.contains(&expected),
            "{}: expected `{expected}` in\n{stdout}",
            case.display()
        );
        assert!(
            stdout.contains("tiny/"),
            "{}: the message names the file: {stdout}",
            case.display()
        );
        messages.insert(stdout);
        count += 1;
    }
    assert!(count >= 20, "only {count} broken fixtures");
    assert_eq!(
        messages.len(),
        count,
        "every broken fixture has its own message"
    );
}

#[test]
fn reports_list_every_case_with_reward_and_violations() {
    let scratch = tempfile::tempdir().unwrap();
    let fixtures = fixtures(&["sh-semver", "py-slugify"], scratch.path());
    let out = scratch.path().join("out");
    let agent = "printf 'exit 0\\n' > tests/run.sh; echo x > src_evil.txt";
    let output = harness(
        &[
            "run",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--agent",
            agent,
        ],
        &out,
        scratch.path(),
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run_dir = only_run_dir(&out);
    let cases = ledger_cases(&run_dir);
    let html = std::fs::read_to_string(run_dir.join("report.html")).unwrap();
    for (case, (_, reward, codes)) in &cases {
        let row = html
            .lines()
            .find(|line| line.contains(&format!("data-case=\"{case}\"")))
            .unwrap_or_else(|| panic!("{case} missing from report.html"));
        assert!(
            row.contains(&format!("data-reward=\"{:.3}\"", reward.unwrap())),
            "{row}"
        );
        for code in codes {
            assert!(row.contains(code.as_str()), "{code} missing in {row}");
        }
    }
    assert!(html.contains("<svg"), "the frontier plot is embedded");
    let junit = std::fs::read_to_string(run_dir.join("junit.xml")).unwrap();
    for case in cases.keys() {
        assert!(
            junit.contains(&format!("name=\"{case}\"")),
            "{case} missing from junit.xml"
        );
    }
    assert!(junit.contains("<failure"), "failures carry a message");
    assert!(
        junit.contains("scope_violation"),
        "the failure names the violations"
    );
    for name in [
        "frontier.json",
        "frontier.svg",
        "summary.json",
        "junit.xml",
        "report.html",
    ] {
        assert!(out.join(name).is_file(), "{name} copied to the output root");
    }
}

#[test]
fn atropos_export_lines_follow_the_schema() {
    let scratch = tempfile::tempdir().unwrap();
    let fixtures = fixtures(&["sh-semver"], scratch.path());
    let out = scratch.path().join("out");
    let agent = "echo '{\"step\": 1, \"action\": \"look\"}' >> \"$HARNESS_TRAJECTORY\"; echo '{\"input_tokens\": 10, \"output_tokens\": 5}' >> \"$HARNESS_USAGE\"";
    harness(
        &[
            "run",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--agent",
            agent,
        ],
        &out,
        scratch.path(),
    );
    let run_dir = only_run_dir(&out);
    let export = scratch.path().join("export.jsonl");
    let output = harness(
        &[
            "export",
            "--format",
            "atropos",
            run_dir.to_str().unwrap(),
            "-o",
            export.to_str().unwrap(),
        ],
        &out,
        scratch.path(),
    );
    assert_eq!(output.status.code(), Some(0));
    let text = std::fs::read_to_string(&export).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    let keys: BTreeSet<&str> = line
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["fixture", "agent", "reward", "passed", "trajectory"])
    );
    assert_eq!(line["fixture"], "sh-semver");
    assert!(line["reward"].is_number() && line["passed"].is_boolean());
    assert_eq!(line["trajectory"]["events"][0]["action"], "look");
    let result: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(run_dir.join("cases/sh-semver__agent/result.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(result["usage"]["input_tokens"], 10);
}

#[test]
fn partitioned_runs_merge_to_the_unpartitioned_run() {
    let scratch = tempfile::tempdir().unwrap();
    let names = ["sh-semver", "py-slugify", "py-honeypot-median"];
    let fixtures = fixtures(&names, scratch.path());
    let whole = scratch.path().join("whole");
    harness(
        &[
            "run",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--agent",
            "noop",
        ],
        &whole,
        scratch.path(),
    );
    let mut parts = Vec::new();
    for name in names {
        let out = scratch.path().join(format!("part-{name}"));
        harness(
            &[
                "run",
                "--fixtures",
                fixtures.to_str().unwrap(),
                "--fixture",
                name,
                "--agent",
                "noop",
            ],
            &out,
            scratch.path(),
        );
        parts.push(only_run_dir(&out));
    }
    let merged = scratch.path().join("merged");
    let mut args: Vec<String> = vec![
        "report".into(),
        "--out".into(),
        merged.display().to_string(),
    ];
    args.extend(parts.iter().map(|part| part.display().to_string()));
    let output = Command::new(HARNESS).args(&args).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = |dir: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
    };
    let frontier = |dir: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("frontier.json")).unwrap()).unwrap()
    };
    assert_eq!(summary(&merged), summary(&whole));
    assert_eq!(frontier(&merged), frontier(&whole));

    // Two partitions that disagree about a case are refused.
    let ledger = parts[0].join("ledger.jsonl");
    let text = std::fs::read_to_string(&ledger).unwrap();
    let forged = parts[1].join("ledger.jsonl");
    let mut other = std::fs::read_to_string(&forged).unwrap();
    other.push_str(&text.replace("\"reward\":0.0", "\"reward\":0.5"));
    std::fs::write(&forged, other).unwrap();
    let output = Command::new(HARNESS).args(&args).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("disagrees"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn torn_ledger_line_is_skipped_with_a_warning() {
    let scratch = tempfile::tempdir().unwrap();
    let fixtures = fixtures(&["sh-semver"], scratch.path());
    let out = scratch.path().join("out");
    harness(
        &[
            "run",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--agent",
            "noop",
        ],
        &out,
        scratch.path(),
    );
    let run_dir = only_run_dir(&out);
    let ledger = run_dir.join("ledger.jsonl");
    let mut text = std::fs::read_to_string(&ledger).unwrap();
    text.push_str("{\"run_id\": \"x\", \"case\": \"torn");
    std::fs::write(&ledger, text).unwrap();
    let output = Command::new(HARNESS)
        .args([
            "report",
            "--out",
            out.to_str().unwrap(),
            run_dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stderr).contains("ignoring an unreadable ledger line"));
    assert!(String::from_utf8_lossy(&output.stdout).contains("sh-semver::noop"));
}

/// Processes running `sleep <marker>` (the agent itself, not the harness whose own argv
/// mentions the command).
fn processes_with(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let argv: Vec<String> = cmdline
                .split(|byte| *byte == 0)
                .map(|arg| String::from_utf8_lossy(arg).into_owned())
                .collect();
            if argv.len() >= 2 && argv[0].ends_with("sleep") && argv[1] == marker {
                found.push(format!(
                    "{}: {}",
                    entry.file_name().to_string_lossy(),
                    argv.join(" ")
                ));
            }
        }
    }
    found
}

#[test]
fn killed_run_leaves_nothing_behind_and_resumes_to_the_same_results() {
    let scratch = tempfile::tempdir().unwrap();
    let fixtures = fixtures(
        &["sh-semver", "py-slugify", "py-honeypot-median"],
        scratch.path(),
    );
    let marker = "7.0417";
    let agent = format!("sleep {marker}; sleep 0.2");
    // The reference: one clean run.
    let clean_out = scratch.path().join("clean");
    let clean_tmp = scratch.path().join("clean-tmp");
    std::fs::create_dir_all(&clean_tmp).unwrap();
    let fast = "sleep 0.3; sleep 0.2";
    harness(
        &[
            "run",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--agent",
            fast,
            "--jobs",
            "1",
        ],
        &clean_out,
        &clean_tmp,
    );

    let out = scratch.path().join("out");
    let tmp = scratch.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut child = Command::new(HARNESS)
        .args([
            "run",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--agent",
            &agent,
            "--jobs",
            "1",
        ])
        .env("HARNESS_OUT", &out)
        .env("TMPDIR", &tmp)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it while the first agent sleeps.
    let started = Instant::now();
    while processes_with(marker).is_empty() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !processes_with(marker).is_empty(),
        "the agent never started"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !processes_with(marker).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        processes_with(marker).is_empty(),
        "orphans survived the harness: {:?}",
        processes_with(marker)
    );

    // Resume with the fast agent; the stale episode dir is swept when it starts.
    let run_dir = only_run_dir(&out);
    let output = harness(
        &[
            "run",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--agent",
            fast,
            "--jobs",
            "1",
            "--resume",
            run_dir.to_str().unwrap(),
        ],
        &out,
        &tmp,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("removed stale episode directory"),
        "{stderr}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(tmp.join("another-harness"))
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "temp dirs left behind: {leftovers:?}");
    let clean = ledger_cases(&only_run_dir(&clean_out));
    let resumed = ledger_cases(&run_dir);
    assert_eq!(resumed, clean);
}

#[test]
fn unwritable_outputs_are_clear_errors() {
    let scratch = tempfile::tempdir().unwrap();
    let fixtures = fixtures(&["sh-semver"], scratch.path());
    let file = scratch.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let output = harness(
        &["run", "--fixtures", fixtures.to_str().unwrap()],
        &file.join("out"),
        scratch.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("failed to create run directory"),
        "{stderr}"
    );

    let out = scratch.path().join("out");
    let output = harness(
        &[
            "run",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--json",
            "/dev/full",
        ],
        &out,
        scratch.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("failed to write /dev/full"));
}

#[test]
fn frontier_matches_its_ledger() {
    let scratch = tempfile::tempdir().unwrap();
    let fixtures = fixtures(&["sh-semver", "py-slugify"], scratch.path());
    let out = scratch.path().join("out");
    for agent in [
        "noop",
        "oracle",
        "echo '{\"input_tokens\": 3}' >> \"$HARNESS_USAGE\"",
    ] {
        harness(
            &[
                "run",
                "--fixtures",
                fixtures.to_str().unwrap(),
                "--agent",
                agent,
            ],
            &out,
            scratch.path(),
        );
    }
    let runs: Vec<PathBuf> = std::fs::read_dir(out.join("runs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    let mut args = vec![
        "report".to_owned(),
        "--out".to_owned(),
        out.display().to_string(),
    ];
    args.extend(runs.iter().map(|run| run.display().to_string()));
    assert_eq!(
        Command::new(HARNESS)
            .args(&args)
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
    // Expected from the ledgers: mean reward per agent, the oracle left out as the reference.
    let mut rewards: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for run in &runs {
        for line in std::fs::read_to_string(run.join("ledger.jsonl"))
            .unwrap()
            .lines()
        {
            let case: serde_json::Value = serde_json::from_str(line).unwrap();
            rewards
                .entry(case["agent"].as_str().unwrap().to_owned())
                .or_default()
                .push(case["reward"].as_f64().unwrap());
        }
    }
    let frontier: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("frontier.json")).unwrap()).unwrap();
    let candidates = frontier["candidates"].as_array().unwrap();
    assert!(
        candidates
            .iter()
            .all(|candidate| candidate["name"] != "oracle"),
        "the oracle is a reference, not a candidate"
    );
    assert_eq!(candidates.len(), rewards.len() - 1);
    for candidate in candidates {
        let name = candidate["name"].as_str().unwrap();
        let mine = &rewards[name];
        let mean = mine.iter().sum::<f64>() / mine.len() as f64;
        assert!(
            (candidate["score"].as_f64().unwrap() - mean).abs() < 1e-6,
            "{name}: {candidate} vs mean {mean}"
        );
        assert_eq!(candidate["cases"].as_u64().unwrap() as usize, mine.len());
    }
    let pareto: Vec<&str> = frontier["pareto"]
        .as_array()
        .unwrap()
        .iter()
        .map(|name| name.as_str().unwrap())
        .collect();
    assert!(!pareto.is_empty() && pareto.iter().all(|name| rewards.contains_key(*name)));
    let svg = std::fs::read_to_string(out.join("frontier.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("oracle"));
}

/// Unmounts a test tmpfs on drop, pass or fail.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn an_agent_filling_the_filesystem_is_stopped_as_a_resource_limit() {
    let scratch = tempfile::tempdir().unwrap();
    let fixtures = fixtures(&["sh-semver"], scratch.path());
    let small = scratch.path().join("small");
    std::fs::create_dir_all(&small).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64m", "tmpfs"])
        .arg(&small)
        .stderr(Stdio::null())
        .status();
    if !mounted.is_ok_and(|status| status.success()) {
        eprintln!(
            "an_agent_filling_the_filesystem_is_stopped_as_a_resource_limit: cannot mount a small tmpfs here (not root?); skipped"
        );
        return;
    }
    let _mount = Mount(small.clone());
    let out = scratch.path().join("out");
    let json = scratch.path().join("run.json");
    let agent = "i=0; while :; do head -c 1000000 /dev/zero > fill$i.bin; i=$((i+1)); done";
    let started = Instant::now();
    let output = Command::new(HARNESS)
        .args([
            "run",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--agent",
            agent,
            "--agent-timeout",
            "120",
            "--json",
            json.to_str().unwrap(),
        ])
        .env("HARNESS_OUT", &out)
        .env("HARNESS_TMPDIR", &small)
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(100),
        "the filling agent ran to its timeout"
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let case = &run["cases"][0];
    let codes: Vec<&str> = case["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"resource_limit"), "{case}");
    assert!(case["reward"].as_f64().unwrap() <= 0.0, "{case}");
    let leftovers: Vec<_> = std::fs::read_dir(small.join("another-harness"))
        .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "episode left behind: {leftovers:?}");
}
