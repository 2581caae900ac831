//! Faults: broken fixtures, a torn ledger, a run killed and resumed, unwritable outputs, an
//! agent filling the filesystem. Each ends in a clear error or a recorded result, never a
//! lost one.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

mod support;
use support::runs::{HARNESS, fixtures, harness, ledger_cases, only_run_dir, root};

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
