//! `harness meta` end to end on a one-fixture copy of sh-semver (fast): the scripted proposer
//! improves the frontier over three iterations, a loop killed mid-iteration and resumed ends
//! with the uninterrupted frontier, and a proposer writing garbage is survived.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

mod support;
use support::copy_dir;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

const HARNESS: &str = env!("CARGO_BIN_EXE_harness");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn scripted_proposer() -> String {
    let script = std::fs::canonicalize(repo().join("examples/proposer/propose.sh")).unwrap();
    format!("sh {}", script.display())
}

/// A temporary root with `fixtures/sh-semver`, `out/` (HARNESS_OUT) and `tmp/` (TMPDIR).
struct Sandbox {
    root: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let root = tempfile::tempdir().unwrap();
        copy_dir(
            &repo().join("fixtures/sh-semver"),
            &root.path().join("fixtures/sh-semver"),
        );
        std::fs::create_dir_all(root.path().join("out")).unwrap();
        std::fs::create_dir_all(root.path().join("tmp")).unwrap();
        Sandbox { root }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(HARNESS);
        command
            .arg("meta")
            .arg("--fixtures")
            .arg(self.path("fixtures"))
            .args(args)
            .env("HARNESS_OUT", self.path("out"))
            .env("TMPDIR", self.path("tmp"));
        command
    }

    fn meta(&self, args: &[&str]) -> Output {
        let output = self.command(args).output().unwrap();
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
        output
    }
}

fn rows(meta: &Path) -> Vec<Value> {
    std::fs::read_to_string(meta.join("evolution_summary.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok()) // a row being appended may be torn
        .collect()
}

fn row<'a>(rows: &'a [Value], name: &str) -> &'a Value {
    rows.iter()
        .find(|row| row["name"] == name)
        .unwrap_or_else(|| panic!("no row {name}"))
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn assert_ok(output: &Output) {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn scripted_proposer_improves_the_frontier_over_three_iterations() {
    let sandbox = Sandbox::new();
    let meta = sandbox.path("meta");
    let proposer = scripted_proposer();
    let output = sandbox.meta(&[
        "--proposer",
        &proposer,
        "--iterations",
        "3",
        "--out",
        meta.to_str().unwrap(),
    ]);
    assert_ok(&output);

    let rows = rows(&meta);
    let history: Vec<(u64, &str)> = rows
        .iter()
        .map(|row| {
            (
                row["iteration"].as_u64().unwrap(),
                row["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        history,
        [
            (1, "r1-noop"),
            (1, "r1-close-only"),
            (1, "r1-handoff-only"),
            (2, "r2-code-close"),
            (2, "r2-code"),
            (2, "r2-code-half"),
            (3, "r3-full"),
            (3, "r3-code-handoff"),
        ]
    );
    for row in &rows {
        assert_eq!(row["outcome"], "evaluated", "{row}");
        assert_eq!(row["cost_unit"], "bytes", "{row}");
        for field in [
            "parent",
            "axis",
            "hypothesis",
            "score",
            "cost",
            "delta_vs_parent",
            "timing_s",
        ] {
            assert!(row.get(field).is_some(), "missing {field} in {row}");
        }
    }
    let score = |name: &str| row(&rows, name)["score"].as_f64().unwrap();
    assert!(
        score("r1-close-only") < score("r1-noop"),
        "a false closure scores below noop"
    );
    assert_eq!(score("r3-full"), 1.0);

    // The best score after each iteration rises.
    let best_after = |iteration: u64| {
        rows.iter()
            .filter(|row| row["iteration"].as_u64().unwrap() <= iteration)
            .map(|row| row["score"].as_f64().unwrap())
            .fold(f64::NEG_INFINITY, f64::max)
    };
    assert!(
        best_after(1) < best_after(2) && best_after(2) < best_after(3),
        "{:?}",
        (best_after(1), best_after(2), best_after(3))
    );

    // Lineage: iteration 2 built on iteration 1's best, with the score delta against it.
    assert_eq!(row(&rows, "r2-code")["parent"], "r1-noop");
    assert_eq!(
        row(&rows, "r2-code")["delta_vs_parent"].as_f64().unwrap(),
        score("r2-code") - score("r1-noop")
    );
    assert_eq!(row(&rows, "r1-noop")["axis"], "A=Core algorithm");
    assert_eq!(row(&rows, "r2-code")["axis"], "B=Data representation");

    let frontier = json(&meta.join("frontier.json"));
    assert_eq!(frontier["pareto"][0], "r3-full");
    assert_eq!(frontier["candidates"].as_array().unwrap().len(), 8);
    assert!(
        std::fs::read_to_string(meta.join("frontier.svg"))
            .unwrap()
            .contains("r3-full")
    );

    let signals = json(&meta.join("signals.json"));
    assert_eq!(signals["iteration"], 3);
    assert_eq!(signals["candidates_per_proposal"], 3);
    assert_eq!(signals["axis_hint"], "C=Selection/ordering heuristics");
    assert!(
        signals["nominal_parent"]
            .as_str()
            .unwrap()
            .starts_with("r2-"),
        "{signals}"
    );
    assert_eq!(
        json(&meta.join("iterations/1/signals.json"))["nominal_parent"],
        Value::Null
    );

    let traces = meta.join("candidates/r3-full/eval/sh-semver");
    for file in [
        "agent.log",
        "checks/visible.log",
        "diff.patch",
        "result.json",
    ] {
        assert!(traces.join(file).is_file(), "missing trace {file}");
    }
    // A hidden check's details would hand the proposer the expected values.
    assert!(!traces.join("checks/hidden.log").exists());
    let result = json(&traces.join("result.json"));
    assert_eq!(result["reward"], 1.0);
    let hidden = result["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["hidden"] == true)
        .unwrap();
    assert_eq!(hidden["tests"], serde_json::json!([]), "{hidden}");
    assert!(
        !hidden["output_tail"].as_str().unwrap().contains("semver"),
        "{hidden}"
    );
    assert!(
        std::fs::read_to_string(traces.join("diff.patch"))
            .unwrap()
            .contains("lib/semver.sh")
    );
    assert!(meta.join("iterations/2/proposer.log").is_file());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("r3-full") && stdout.contains("frontier"),
        "{stdout}"
    );
}

#[test]
fn resume_after_a_kill_mid_iteration_ends_with_the_uninterrupted_frontier() {
    let proposer = scripted_proposer();
    let straight = Sandbox::new();
    let straight_meta = straight.path("meta");
    assert_ok(&straight.meta(&[
        "--proposer",
        &proposer,
        "--iterations",
        "3",
        "--seed",
        "7",
        "--out",
        straight_meta.to_str().unwrap(),
    ]));

    let killed = Sandbox::new();
    let meta = killed.path("meta");
    let args = [
        "--proposer",
        &proposer,
        "--iterations",
        "3",
        "--seed",
        "7",
        "--out",
        meta.to_str().unwrap(),
    ];
    let mut child = killed
        .command(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !rows(&meta).iter().any(|row| row["iteration"] == 2) {
        assert!(
            Instant::now() < deadline,
            "iteration 2 never produced a row"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the loop ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = rows(&meta);
    assert!(
        before.len() < 8,
        "killed mid-iteration 2: {} rows",
        before.len()
    );
    assert_eq!(json(&meta.join("pending_eval.json"))["iteration"], 2);

    let refused = killed.meta(&args);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--resume"));

    let mut resume = args.to_vec();
    resume.push("--resume");
    assert_ok(&killed.meta(&resume));

    assert_eq!(
        json(&meta.join("frontier.json")),
        json(&straight_meta.join("frontier.json"))
    );
    let summary = |rows: Vec<Value>| -> Vec<(u64, String, f64)> {
        rows.iter()
            .map(|row| {
                (
                    row["iteration"].as_u64().unwrap(),
                    row["name"].as_str().unwrap().to_owned(),
                    row["score"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    let resumed = summary(rows(&meta));
    assert_eq!(resumed, summary(rows(&straight_meta)));
    // Finished candidates kept their rows; none was evaluated twice.
    assert_eq!(&resumed[..before.len()], &summary(before)[..]);
    let names: std::collections::BTreeSet<&String> =
        resumed.iter().map(|(_, name, _)| name).collect();
    assert_eq!(names.len(), resumed.len());
}

#[test]
fn resume_evaluates_a_listed_candidate_without_a_row_and_never_a_finished_one() {
    let sandbox = Sandbox::new();
    let meta = sandbox.path("meta");
    let proposer = scripted_proposer();
    let base = [
        "--proposer",
        &proposer,
        "--candidates-per-proposal",
        "2",
        "--out",
        meta.to_str().unwrap(),
    ];
    let run = |iterations: &str, resume: bool| {
        let mut args = base.to_vec();
        args.extend(["--iterations", iterations]);
        if resume {
            args.push("--resume");
        }
        sandbox.meta(&args)
    };
    assert_ok(&run("1", false));
    // As if the loop had been killed after the proposer listed a second candidate.
    std::fs::create_dir_all(meta.join("candidates/by-hand")).unwrap();
    std::fs::write(
        meta.join("candidates/by-hand/candidate.toml"),
        "command = \"true\"\naxis = \"F=Library usage\"\n",
    )
    .unwrap();
    std::fs::write(meta.join("pending_eval.json"), "[\"r1-noop\", \"by-hand\"]").unwrap();
    assert_ok(&run("2", true));
    let names: Vec<(u64, String, String)> = rows(&meta)
        .iter()
        .map(|row| {
            (
                row["iteration"].as_u64().unwrap(),
                row["name"].as_str().unwrap().to_owned(),
                row["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        (1, "r1-noop"),
        (1, "r1-close-only"),
        (1, "by-hand"),
        (2, "r2-code-close"),
        (2, "r2-code"),
    ];
    assert_eq!(
        names,
        expected.map(|(iteration, name)| (iteration, name.to_owned(), "evaluated".to_owned()))
    );
    assert_eq!(row(&rows(&meta), "by-hand")["axis"], "F=Library usage");
}

#[test]
fn a_garbage_proposer_is_survived_and_recorded_invalid() {
    let sandbox = Sandbox::new();
    let oracle_file = sandbox.path("fixtures/sh-semver/oracle/lib/semver.sh");
    let script = sandbox.path("garbage.sh");
    std::fs::write(
        &script,
        format!(
            r#"set -e
i=$(sed -n 's/^  "iteration": \([0-9]*\),$/\1/p' "$HARNESS_META_SIGNALS")
c="$HARNESS_META_DIR/candidates"
case $i in
1)
    mkdir -p "$c/bad-toml" "$c/escape" "$c/good" "$c/peek" "$c/no-command"
    echo 'this is = not [toml' > "$c/bad-toml/candidate.toml"
    echo 'command = "true"' > "$c/escape/candidate.toml"
    ln -s /etc/passwd "$c/escape/leak"
    echo 'plain file' > "$c/not-a-dir"
    printf 'command = "true"\naxis = "A=Core algorithm"\n' > "$c/good/candidate.toml"
    echo 'command = "cat {oracle}"' > "$c/peek/candidate.toml"
    echo 'axis = "A"' > "$c/no-command/candidate.toml"
    echo '["bad-toml", "../x", "not-a-dir", "escape", "missing", 42, "good", "good", "peek", "no-command"]' > pending_eval.json
    exit 1 ;;
2)
    echo '{{not json' > pending_eval.json
    exit 3 ;;
3)
    echo '["good", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9"]' > pending_eval.json ;;
4)
    kill -9 $$ ;;
esac
"#,
            oracle = oracle_file.display()
        ),
    )
    .unwrap();
    let proposer = format!("sh {}", script.display());
    let output = sandbox.meta(&[
        "--proposer",
        &proposer,
        "--iterations",
        "5",
        "--candidates-per-proposal",
        "9",
    ]);
    assert_ok(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("exited with 1") && stderr.contains("not JSON"),
        "{stderr}"
    );
    assert!(stderr.contains("wrote no pending_eval.json"), "{stderr}");

    // Without --out the meta directory is HARNESS_OUT/meta.
    let meta = sandbox.path("out/meta");
    let rows = rows(&meta);
    let reason = |name: &str| {
        row(&rows, name)["reason"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    for (name, expected) in [
        ("bad-toml", "candidate.toml"),
        ("../x", "must start with a letter or digit"),
        ("not-a-dir", "not a directory"),
        ("escape", "escapes"),
        ("missing", "no candidate directory"),
        ("42", "not a candidate name"),
        ("peek", "outside the candidate directory"),
        ("no-command", "command"),
    ] {
        assert_eq!(row(&rows, name)["outcome"], "invalid", "{name}");
        assert!(reason(name).contains(expected), "{name}: {}", reason(name));
    }
    let good = row(&rows, "good");
    assert_eq!(good["outcome"], "evaluated");
    assert_eq!(good["iteration"], 1);
    assert_eq!(
        rows.iter().filter(|row| row["name"] == "good").count(),
        2,
        "listed twice in iteration 1: evaluated once"
    );
    let collision = rows
        .iter()
        .find(|row| row["name"] == "good" && row["iteration"] == 3)
        .unwrap();
    assert!(
        collision["reason"]
            .as_str()
            .unwrap()
            .contains("name collision")
    );
    assert!(reason("n7").contains("no candidate directory"));
    assert!(reason("n9").contains("at most 9"), "{}", reason("n9"));
    assert_eq!(
        json(&meta.join("frontier.json"))["pareto"],
        serde_json::json!(["good"])
    );
    assert_eq!(json(&meta.join("signals.json"))["iteration"], 5);
}

#[test]
fn seed_candidates_already_in_a_fresh_meta_dir_are_evaluated_as_iteration_zero() {
    let sandbox = Sandbox::new();
    let meta = sandbox.path("meta");
    std::fs::create_dir_all(meta.join("candidates/seed")).unwrap();
    std::fs::write(
        meta.join("candidates/seed/candidate.toml"),
        "command = \"true\"\n",
    )
    .unwrap();
    let output = sandbox.meta(&[
        "--proposer",
        "exit 0",
        "--iterations",
        "1",
        "--out",
        meta.to_str().unwrap(),
    ]);
    assert_ok(&output);
    let rows = rows(&meta);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["iteration"], 0);
    assert_eq!(rows[0]["outcome"], "evaluated");
    let signals = json(&meta.join("iterations/1/signals.json"));
    assert_eq!(signals["nominal_parent"], "seed");
    assert_eq!(signals["frontier"][0]["name"], "seed");
}
