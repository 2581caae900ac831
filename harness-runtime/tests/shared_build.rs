//! Rust builds shared within an episode (issue 18): the sealed hidden check and the
//! differential driver of rs-wordfreq link against the build its visible check made, the
//! oracle's driver is built once per cache, and nothing the code under test writes while a
//! check's tests run reaches the next check (DESIGN.md "Builds shared within an episode").
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

mod support;
use support::rs_wordfreq_agent;
use support::runs::{HARNESS, fixtures};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Library code that, the first time the graded crate is called (`top_n` calls it first),
/// corrupts every library in the running check's target directory and in the episode's
/// shared build (found relative to it), and says on the check's stderr (past libtest's
/// capture) how many it reached.
const POISON: &str = r#"
#[doc(hidden)]
pub fn poison_the_builds() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use std::io::Write;
        let Ok(target) = std::env::var("CARGO_TARGET_DIR") else { return };
        let target = std::path::PathBuf::from(target);
        let mut reached = [0usize; 2];
        let dirs = [target.join("debug/deps"), target.join("../../shared-build/target/debug/deps")];
        for (count, dir) in reached.iter_mut().zip(dirs) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                let library = path.extension().is_some_and(|ext| ext == "rlib" || ext == "rmeta");
                if library && std::fs::write(&path, b"poisoned").is_ok() {
                    *count += 1;
                }
            }
        }
        let _ = std::io::stderr().write_all(
            format!("poison: own={} shared={}\n", reached[0], reached[1]).as_bytes(),
        );
    });
}
"#;

/// Runs `agent` on rs-wordfreq (copied into `root` by the first call) with `extra` options,
/// into `root/out` (its cache included, so later calls can reuse what earlier ones kept):
/// the case's JSON and its run directory.
fn run(root: &Path, agent: &str, extra: &[&str]) -> (serde_json::Value, PathBuf) {
    let dir = root.join("fixtures");
    if !dir.exists() {
        fixtures(&["rs-wordfreq"], root);
    }
    let runs = root.join("out/runs");
    let before: Vec<PathBuf> = fs::read_dir(&runs)
        .map(|entries| entries.map(|entry| entry.unwrap().path()).collect())
        .unwrap_or_default();
    let json = root.join("run.json");
    let output = Command::new(HARNESS)
        .args(["run", "--fixtures"])
        .arg(&dir)
        .args(["--agent", agent, "--jobs", "1", "--out"])
        .arg(root.join("out"))
        .arg("--json")
        .arg(&json)
        .args(extra)
        .output()
        .unwrap();
    // A failing case makes the run exit 1: the assertions on the case say why.
    let Ok(bytes) = fs::read(&json) else {
        panic!("no results: {}", String::from_utf8_lossy(&output.stderr));
    };
    let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let run_dir = fs::read_dir(&runs)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| !before.contains(path))
        .unwrap();
    (value["cases"][0].clone(), run_dir)
}

fn check<'a>(case: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    case["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["name"] == name)
        .unwrap()
}

fn check_log(run_dir: &Path, case: &serde_json::Value, name: &str) -> String {
    let case_dir = case["case"].as_str().unwrap().replace("::", "__");
    fs::read_to_string(
        run_dir
            .join("cases")
            .join(case_dir)
            .join("checks")
            .join(format!("{name}.log")),
    )
    .unwrap()
}

#[test]
fn the_sealed_check_links_against_the_visible_checks_build() {
    let root = tempfile::tempdir().unwrap();
    let (case, run_dir) = run(root.path(), "oracle", &["--no-cache"]);
    assert_eq!(case["reward"], 1.0, "{case:#}");
    assert_eq!(check(&case, "hidden")["passed"], true, "{case:#}");
    let hidden = check_log(&run_dir, &case, "hidden");
    assert!(
        hidden.contains("the graded crate was built by check `visible` of this episode"),
        "{hidden}"
    );
    // The visible check's log still reads as one `cargo test`: build output, then the run.
    let visible = check_log(&run_dir, &case, "visible");
    let compiled = visible.find("Compiling wordfreq").unwrap();
    let ran = visible.find("Running tests/visible.rs").unwrap();
    assert!(compiled < ran, "{visible}");
    assert!(!visible.contains("{\"reason\""), "{visible}");
}

/// The differential check links its driver against the shared build's library of the graded
/// crate, and a driver is built once per code: a later episode with the same cache takes
/// the oracle's, and the graded tree's when that tree was graded before, from the driver
/// cache (with `--no-cache`, never).
#[test]
fn the_differential_check_links_the_shared_build_and_caches_its_drivers() {
    let root = tempfile::tempdir().unwrap();
    let (case, run_dir) = run(root.path(), "oracle", &["--no-cache"]);
    assert_eq!(case["reward"], 1.0, "{case:#}");
    let first = check_log(&run_dir, &case, "top_n");
    assert!(
        first.contains("driver: linked by rustc against the graded crate's library in the episode's shared build"),
        "{first}"
    );
    assert!(!first.contains("from the driver cache"), "{first}");
    // With the cache on (the first run had it off), the oracle's driver is built once and
    // kept; another episode then takes it from there.
    let (case, run_dir) = run(root.path(), "noop", &[]);
    assert_eq!(case["reward"], 0.0, "{case:#}");
    let stored = check_log(&run_dir, &case, "top_n");
    assert!(!stored.contains("from the driver cache"), "{stored}");
    let (case, run_dir) = run(root.path(), "oracle", &[]);
    assert_eq!(case["reward"], 1.0, "{case:#}");
    let second = check_log(&run_dir, &case, "top_n");
    assert!(
        second.contains("driver: the oracle's, from the driver cache"),
        "{second}"
    );
    // A tree graded before (noop's) takes its own driver from the cache too.
    let (case, run_dir) = run(root.path(), "noop", &[]);
    assert_eq!(case["reward"], 0.0, "{case:#}");
    let again = check_log(&run_dir, &case, "top_n");
    assert!(
        again.contains("driver: from the driver cache (this tree was graded before)"),
        "{again}"
    );
    let (case, run_dir) = run(root.path(), "oracle", &["--no-cache"]);
    assert_eq!(case["reward"], 1.0, "{case:#}");
    let uncached = check_log(&run_dir, &case, "top_n");
    assert!(!uncached.contains("from the driver cache"), "{uncached}");
}

fn assert_the_poison_reached_nothing_shared(confinement: &[&str]) {
    let root = tempfile::tempdir().unwrap();
    let agent_dir = root.path().join("agent");
    let agent = rs_wordfreq_agent(&agent_dir, "poison_the_builds();", POISON);
    let agent_file = agent_dir.display().to_string();
    let mut options = vec!["--no-cache", "--agent-file", agent_file.as_str()];
    options.extend(confinement);
    let (case, run_dir) = run(root.path(), &agent, &options);
    let visible = check_log(&run_dir, &case, "visible");
    // Written past libtest's capture, it may land in the middle of libtest's own line.
    let line = visible
        .lines()
        .find_map(|line| line.find("poison: ").map(|at| &line[at..]))
        .unwrap_or_else(|| panic!("the poison never ran: {visible}"));
    // It corrupted its own check's libraries, and could not reach the shared build.
    assert_ne!(line, "poison: own=0 shared=0", "{visible}");
    assert!(line.ends_with(" shared=0"), "{line}");
    // The sealed check built on the snapshot taken before the visible tests ran, so the
    // corrupted libraries never reached it: the fix still scores as the oracle does.
    let hidden = check_log(&run_dir, &case, "hidden");
    assert!(hidden.contains("built by check `visible`"), "{hidden}");
    assert_eq!(check(&case, "hidden")["passed"], true, "{hidden}");
    assert_eq!(case["reward"], 1.0, "{case:#}");
}

#[test]
fn what_the_code_under_test_writes_while_tests_run_never_reaches_the_next_check() {
    assert_the_poison_reached_nothing_shared(&[]);
}

#[test]
fn an_unconfined_check_cannot_reach_the_shared_build_either() {
    assert_the_poison_reached_nothing_shared(&["--no-confine"]);
}
