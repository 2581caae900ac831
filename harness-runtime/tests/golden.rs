//! Interfaces users' scripts read, pinned byte for byte: every `--help` text, a case's
//! `result.json` and a run's `summary.json` (with the values that change from run to run,
//! such as run ids and durations, replaced by placeholders). Moving code must not change
//! them; a deliberate change re-blesses them with `HARNESS_BLESS=1 cargo test --test golden`
//! and says why in its commit.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const HARNESS: &str = env!("CARGO_BIN_EXE_harness");

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// Compares `actual` with the golden file `name`, or writes it when blessing.
fn golden(name: &str, actual: &str) {
    let path = golden_dir().join(name);
    if std::env::var_os("HARNESS_BLESS").is_some() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error} (bless with HARNESS_BLESS=1)", path.display()));
    similar_asserts::assert_eq!(expected, actual, "{name} changed");
}

#[test]
fn every_help_text_is_unchanged() {
    for command in [
        "",
        "run",
        "check-fixture",
        "report",
        "view",
        "export",
        "meta",
        "mine",
    ] {
        let mut args: Vec<&str> = command.split_whitespace().collect();
        args.push("--help");
        let output = Command::new(HARNESS).args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(0));
        let name = if command.is_empty() {
            "help.txt".to_owned()
        } else {
            format!("help-{command}.txt")
        };
        golden(&name, &String::from_utf8(output.stdout).unwrap());
    }
}

/// Replaces, line by line, the values that differ from run to run in the pretty-printed
/// JSON the harness writes (one field a line); every other byte stays as written.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let comma = if trimmed.ends_with(',') { "," } else { "" };
        let value_of = |name: &str| trimmed.strip_prefix(&format!("\"{name}\": "));
        let number = |name: &str| {
            value_of(name).is_some_and(|value| value.starts_with(|c: char| c.is_ascii_digit()))
        };
        let replaced = if value_of("run_id").is_some() {
            Some(("run_id", "\"<run id>\""))
        } else if let Some(name) = ["duration_ms", "prepare", "agent", "grade"]
            .into_iter()
            .find(|name| number(name))
        {
            Some((name, "0"))
        } else if value_of("output_tail").is_some() {
            Some(("output_tail", "\"<output>\""))
        } else if value_of("confinement").is_some() {
            Some(("confinement", "\"<confinement>\""))
        } else if value_of("lifetime").is_some() {
            // What the kernel allows: `pid-namespace` or `session`.
            Some(("lifetime", "\"<lifetime>\""))
        } else if value_of("disk").is_some() {
            // Whether the harness could mount: `own` or `shared`.
            Some(("disk", "\"<disk>\""))
        } else {
            None
        };
        match replaced {
            Some((name, value)) => out.push_str(&format!("{indent}\"{name}\": {value}{comma}")),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

#[test]
fn result_and_summary_json_are_unchanged() {
    let out = tempfile::tempdir().unwrap();
    for agent in ["noop", "oracle"] {
        let status = Command::new(HARNESS)
            .args([
                "run",
                "--fixtures",
                fixtures().to_str().unwrap(),
                "--fixture",
                "sh-semver",
                "--fixture",
                "py-slugify",
                "--agent",
                agent,
                "--jobs",
                "1",
            ])
            .env("HARNESS_OUT", out.path())
            .env("HARNESS_CHECK_SEED", "7")
            .output()
            .unwrap();
        assert!(
            status.status.code().is_some_and(|code| code <= 1),
            "{status:?}"
        );
    }
    let runs: Vec<PathBuf> = std::fs::read_dir(out.path().join("runs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(runs.len(), 2);
    for run in &runs {
        for case in std::fs::read_dir(run.join("cases")).unwrap() {
            let case = case.unwrap().path();
            let result = std::fs::read_to_string(case.join("result.json")).unwrap();
            let name = case
                .file_name()
                .unwrap()
                .to_string_lossy()
                .replace("__", "-");
            golden(&format!("result-{name}.json"), &normalise(&result));
        }
        let text = std::fs::read_to_string(run.join("summary.json")).unwrap();
        let summary: Value = serde_json::from_str(&text).unwrap();
        let agent = summary["agents"]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .clone();
        golden(&format!("summary-{agent}.json"), &normalise(&text));
    }
}
