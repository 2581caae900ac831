//! Reports people can triage: the table and JSON of every case, exports, partitioned runs
//! merged, and the frontier against its ledger.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

mod support;
use support::runs::{
    HARNESS, fixtures, harness, ledger_cases, merge_runs, only_run_dir, run_agent, viewer_index,
};

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn reports_list_every_case_with_reward_and_violations() {
    let scratch = tempfile::tempdir().unwrap();
    let fixtures = fixtures(&["sh-semver", "py-slugify"], scratch.path());
    let out = scratch.path().join("out");
    let agent = "printf 'exit 0\\n' > tests/run.sh; echo x > src_evil.txt";
    let output = run_agent(&fixtures, agent, &out, scratch.path());
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run_dir = only_run_dir(&out);
    let cases = ledger_cases(&run_dir);
    let html = std::fs::read_to_string(run_dir.join("report.html")).unwrap();
    assert!(html.contains("viewer/app.js"), "report.html is the viewer");
    let index = viewer_index(&run_dir);
    for (case, (_, reward, codes)) in &cases {
        let row = index["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["c"] == case.as_str())
            .unwrap_or_else(|| panic!("{case} missing from the viewer"));
        assert_eq!(row["w"].as_f64(), *reward, "{row}");
        let shown: Vec<&str> = row["v"]
            .as_array()
            .unwrap()
            .iter()
            .map(|code| code.as_str().unwrap())
            .collect();
        for code in codes {
            assert!(shown.contains(&code.as_str()), "{code} missing in {row}");
        }
        let detail = row["p"].as_str().unwrap();
        assert!(
            run_dir
                .join(format!("viewer/data/cases/{detail}.js"))
                .is_file(),
            "{case} has its details"
        );
    }
    assert!(
        std::fs::read_to_string(run_dir.join("frontier.svg"))
            .unwrap()
            .contains("<svg"),
        "the frontier plot is drawn"
    );
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
    run_agent(&fixtures, agent, &out, scratch.path());
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
    let parts: Vec<&Path> = parts.iter().map(PathBuf::as_path).collect();
    merge_runs(&merged, &parts);
    let summary = |dir: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
    };
    let frontier = |dir: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("frontier.json")).unwrap()).unwrap()
    };
    assert_eq!(summary(&merged), summary(&whole));
    assert_eq!(frontier(&merged), frontier(&whole));
    // Every candidate is 0 bytes: the chart (not frontier.json) falls back to measured
    // agent seconds, merged or not.
    for dir in [&merged, &whole] {
        assert!(
            frontier(dir)["candidates"]
                .as_array()
                .unwrap()
                .iter()
                .all(|candidate| candidate["cost"] == 0.0)
        );
        let svg = std::fs::read_to_string(dir.join("frontier.svg")).unwrap();
        assert!(
            svg.contains("agent seconds per case (measured: every candidate"),
            "{svg}"
        );
    }

    // Two partitions that disagree about a case are refused.
    let ledger = parts[0].join("ledger.jsonl");
    let text = std::fs::read_to_string(&ledger).unwrap();
    let forged = parts[1].join("ledger.jsonl");
    let mut other = std::fs::read_to_string(&forged).unwrap();
    other.push_str(&text.replace("\"reward\":0.0", "\"reward\":0.5"));
    std::fs::write(&forged, other).unwrap();
    let output = Command::new(HARNESS)
        .arg("report")
        .arg("--out")
        .arg(&merged)
        .args(&parts)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("disagrees"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
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
        run_agent(&fixtures, agent, &out, scratch.path());
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
    // The command agent has a size, so the chart keeps the frontier's cost axis.
    assert!(
        candidates.iter().any(|candidate| candidate["cost"] != 0.0),
        "{frontier}"
    );
    assert!(svg.contains("cost (bytes)"), "{svg}");
}

/// A file an agent names with a carriage return, escape sequences and line breaks is shown
/// as written, escaped, in the terminal and in the diff: it cannot redraw its case as passed
/// nor write diff lines of its own.
#[test]
fn names_an_agent_chose_cannot_rewrite_the_terminal_or_the_diff() {
    let scratch = tempfile::tempdir().unwrap();
    let fixtures = fixtures(&["sh-semver"], scratch.path());
    let out = scratch.path().join("out");
    let agent = "python3 -c \"open('x\\r\\x1b[2K\\x1b[1A\\nsh-semver::agent: passed, reward 1.000, violations: none\\ndeleted semver.sh', 'w').write('y')\"";
    let output = run_agent(&fixtures, agent, &out, scratch.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\r'),
        "{stdout:?}"
    );
    assert!(
        !stdout
            .lines()
            .any(|line| line.starts_with("sh-semver::agent: passed")),
        "{stdout}"
    );
    assert!(stdout.contains("\\u{1b}[2K"), "shown, escaped: {stdout}");
    let diff =
        std::fs::read_to_string(only_run_dir(&out).join("cases/sh-semver__agent/diff.patch"))
            .unwrap();
    assert!(
        !diff.lines().any(|line| line.starts_with("deleted ")),
        "{diff}"
    );
}
