//! Running the `harness` binary on copies of the shipped fixtures, and reading what a run
//! recorded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::copy_dir;

pub const HARNESS: &str = env!("CARGO_BIN_EXE_harness");

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fixtures dir holding copies of the named shipped fixtures.
pub fn fixtures(names: &[&str], into: &Path) -> PathBuf {
    let dir = into.join("fixtures");
    for name in names {
        copy_dir(&root().join("fixtures").join(name), &dir.join(name));
    }
    dir
}

pub fn harness(args: &[&str], out: &Path, tmp: &Path) -> Output {
    Command::new(HARNESS)
        .args(args)
        .env("HARNESS_OUT", out)
        .env("TMPDIR", tmp)
        .output()
        .unwrap()
}

/// `harness run --fixtures FIXTURES --agent AGENT` with the output in `out`.
pub fn run_agent(fixtures: &Path, agent: &str, out: &Path, tmp: &Path) -> Output {
    harness(
        &[
            "run",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--agent",
            agent,
        ],
        out,
        tmp,
    )
}

pub fn ledger_cases(run_dir: &Path) -> BTreeMap<String, (String, Option<f64>, Vec<String>)> {
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

pub fn only_run_dir(out: &Path) -> PathBuf {
    let runs: Vec<PathBuf> = std::fs::read_dir(out.join("runs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    runs[0].clone()
}

/// The viewer's index (`viewer/data/index.js` beside `report.html`) as JSON.
pub fn viewer_index(dir: &Path) -> serde_json::Value {
    let script = std::fs::read_to_string(dir.join("viewer/data/index.js")).unwrap();
    let json = script
        .split_once("(\"index\",")
        .unwrap()
        .1
        .trim_end()
        .strip_suffix(");")
        .unwrap();
    serde_json::from_str(json).unwrap()
}

/// `harness report --out OUT RUN...`, which must succeed.
pub fn merge_runs(out: &Path, runs: &[&Path]) {
    let output = Command::new(HARNESS)
        .arg("report")
        .arg("--out")
        .arg(out)
        .args(runs)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
