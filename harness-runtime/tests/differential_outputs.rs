//! The files a differential check reads from where the graded code can write (its outputs,
//! the driver's log) are read as untrusted: never through a symlink, never blocking on a
//! FIFO, never more than a cap. Red team round 9 pointed them at the oracle's source (which
//! then appeared in the check's log), at `/dev/zero` (4 GiB of harness memory) and at a
//! FIFO (a run that never ended).
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

mod support;
use support::rs_wordfreq_agent;
use support::runs::{HARNESS, fixtures};

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Library code that, in the differential driver (`driver <inputs> <outputs>`), replaces
/// the outputs file and the driver's log beside it as `mode` says, then exits.
fn sabotage(mode: &str, secret: &Path) -> String {
    format!(
        r#"
#[doc(hidden)]
pub fn sabotage() {{
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 || !args[0].ends_with("harness-differential-driver") {{
        return;
    }}
    let outputs = std::path::Path::new(&args[2]);
    let log = outputs.with_file_name("run.log");
    let _ = std::fs::remove_file(&log);
    let _ = std::os::unix::fs::symlink({secret:?}, &log);
    let _ = std::fs::remove_file(outputs);
    match {mode:?} {{
        "fifo" => {{
            let _ = std::process::Command::new("mkfifo").arg(outputs).status();
        }}
        "zero" => {{
            let _ = std::os::unix::fs::symlink("/dev/zero", outputs);
        }}
        _ => {{
            let _ = std::os::unix::fs::symlink({secret:?}, outputs);
        }}
    }}
    std::process::exit(0);
}}
"#
    )
}

/// Runs rs-wordfreq's oracle fix with [`sabotage`] in `mode`: the case's JSON and the
/// `top_n` check's log. A hung harness is killed after 10 minutes (the test then fails).
fn run(mode: &str) -> (serde_json::Value, String) {
    let root = tempfile::tempdir().unwrap();
    let fixtures = fixtures(&["rs-wordfreq"], root.path());
    let secret = fixtures.join("rs-wordfreq/oracle/src/lib.rs");
    let agent = root.path().join("agent");
    let command = rs_wordfreq_agent(&agent, "sabotage();", &sabotage(mode, &secret));
    let json = root.path().join("run.json");
    let out = root.path().join("out");
    let mut child = Command::new(HARNESS)
        .args(["run", "--fixtures"])
        .arg(&fixtures)
        .args(["--agent", &command])
        .arg("--agent-file")
        .arg(&agent)
        .args(["--no-cache", "--jobs", "1", "--out"])
        .arg(&out)
        .arg("--json")
        .arg(&json)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(600) {
            let _ = child.kill();
            panic!("the harness hung on a `{mode}` outputs file");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let value: serde_json::Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();
    let case = value["cases"][0].clone();
    let run_dir = fs::read_dir(out.join("runs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let log =
        fs::read_to_string(run_dir.join("cases/rs-wordfreq__agent/checks/top_n.log")).unwrap();
    (case, log)
}

fn assert_nothing_read_through(mode: &str) {
    let (case, log) = run(mode);
    let top_n = case["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["name"] == "top_n")
        .unwrap();
    assert_eq!(top_n["passed"], false, "{case:#}");
    assert!(log.contains("the graded code gave no results"), "{log}");
    // The oracle's source, where the symlinks pointed, never reaches the log.
    assert!(!log.contains("Word frequency counting."), "{log}");
    assert!(case["reward"].as_f64().unwrap() < 1.0, "{case:#}");
}

#[test]
fn outputs_and_log_symlinked_to_the_oracle_are_not_read() {
    assert_nothing_read_through("link");
}

#[test]
fn outputs_made_a_fifo_do_not_hang_the_run() {
    assert_nothing_read_through("fifo");
}

#[test]
fn outputs_linked_to_dev_zero_are_not_read() {
    assert_nothing_read_through("zero");
}
