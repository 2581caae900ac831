//! An agent command's own files are readable to it (its program, its prompt), but never a
//! file under the harness's own directories: naming the fixture's oracle, a hidden file, a
//! run's ledger or a cache entry in the command (or in `--agent-file`) grants nothing,
//! confined or not, and `--agent-file` naming one of them, or a directory holding one, is
//! refused. Found while building the check-result cache (issue 18): naming the
//! oracle's files scored 1.000.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

mod support;
use support::copy_dir;

use std::path::Path;
use std::process::Command;

const HARNESS: &str = env!("CARGO_BIN_EXE_harness");

#[test]
fn naming_the_oracles_files_does_not_make_them_readable() {
    let root = tempfile::tempdir().unwrap();
    let fixtures = root.path().join("fixtures");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/sh-semver"),
        &fixtures.join("sh-semver"),
    );
    let oracle = fixtures.join("sh-semver/oracle");
    let oracle = oracle.display();
    let agent = format!(
        "cp {oracle}/lib/semver.sh lib/semver.sh; mkdir -p handoff; \
         cp {oracle}/handoff/notes.md handoff/notes.md; cp {oracle}/work/item.toml work/item.toml"
    );
    for extra in [&[][..], &["--no-confine"][..]] {
        let json = root.path().join("run.json");
        let output = Command::new(HARNESS)
            .args([
                "run",
                "--fixtures",
                fixtures.to_str().unwrap(),
                "--agent",
                &agent,
            ])
            .args(["--json", json.to_str().unwrap()])
            .args(extra)
            .env("HARNESS_OUT", root.path().join("out"))
            .env("HARNESS_CACHE", root.path().join("cache"))
            .output()
            .unwrap();
        let run: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&json).unwrap_or_default())
                .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
        let case = &run["cases"][0];
        assert_eq!(case["passed"], false, "{extra:?}: {case}");
        assert!(case["reward"].as_f64().unwrap() <= 0.0, "{extra:?}: {case}");
    }
}

/// Red team round 7: `--agent-file .` from a checkout (a directory that holds the fixtures,
/// the runs and the cache) let a confined agent find its fixture by its work item and copy
/// the oracle: 1.000. Such a path is refused before any episode, as bad input.
#[test]
fn an_agent_file_that_holds_the_fixtures_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let fixtures = root.path().join("fixtures");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/sh-semver"),
        &fixtures.join("sh-semver"),
    );
    for agent_file in [
        root.path().to_path_buf(),
        fixtures.clone(),
        fixtures.join("sh-semver/hidden/tests/hidden/edge.sh"),
        Path::new("/").to_path_buf(),
    ] {
        let output = Command::new(HARNESS)
            .args([
                "run",
                "--fixtures",
                fixtures.to_str().unwrap(),
                "--agent",
                "true",
            ])
            .args(["--agent-file", agent_file.to_str().unwrap()])
            .env("HARNESS_OUT", root.path().join("out"))
            .env("HARNESS_CACHE", root.path().join("cache"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{agent_file:?}: {stderr}");
        assert!(
            stderr.contains("is or holds the harness's own files"),
            "{agent_file:?}: {stderr}"
        );
        assert!(
            !root.path().join("out/runs").exists(),
            "{agent_file:?}: a run was made"
        );
    }
}
