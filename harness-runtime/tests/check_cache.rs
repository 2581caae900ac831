//! The check-result cache and decided cases (issue 18): a check on inputs graded before is
//! served from the cache (per process and across processes); any change to what it reads
//! or runs with misses; flaky checks are never served; agents can neither read nor plant an
//! entry; results are the same with and without the cache; a case an integrity violation
//! decided skips its checks and scores as before.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

mod support;
use support::runs::{HARNESS, fixtures};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use harness_runtime::result::SkipReason;
use harness_runtime::{Agent, CaseResult, CaseSpec, Fixture, Settings, run_case};

/// A copy of the shipped fixture `id` under `root`.
fn copy_fixture(root: &Path, id: &str) -> PathBuf {
    fixtures(&[id], root).join(id)
}

fn settings(root: &Path) -> Settings {
    let mut settings = Settings::from_env();
    settings.cache_dir = root.join("cache");
    settings.out_dir = root.join("out");
    settings
}

fn run(dir: &Path, agent: Agent, settings: &Settings) -> CaseResult {
    let fixture = Arc::new(Fixture::load(dir).unwrap());
    run_case(&CaseSpec::new(fixture, agent), settings, "cache-test").result
}

fn cached(result: &CaseResult) -> Vec<bool> {
    result.checks.iter().map(|check| check.cached).collect()
}

/// The result with what legitimately differs between two gradings of the same case left
/// out: durations, the cache flag, and the tripwire's fresh name in a check's output.
fn comparable(result: &CaseResult) -> serde_json::Value {
    let mut value = serde_json::to_value(result).unwrap();
    value["durations_ms"] = serde_json::Value::Null;
    for check in value["checks"].as_array_mut().unwrap() {
        check["duration_ms"] = serde_json::Value::Null;
        check["cached"] = serde_json::Value::Null;
        check["output_tail"] = serde_json::Value::Null;
    }
    value
}

#[test]
fn a_repeated_case_is_served_from_the_cache_with_the_same_result() {
    let root = tempfile::tempdir().unwrap();
    let dir = copy_fixture(root.path(), "sh-semver");
    let settings = settings(root.path());
    for agent in [Agent::Noop, Agent::Oracle] {
        let first = run(&dir, agent.clone(), &settings);
        let second = run(&dir, agent.clone(), &settings);
        assert_eq!(cached(&first), vec![false, false], "{first:?}");
        assert_eq!(cached(&second), vec![true, true], "{second:?}");
        assert_eq!(comparable(&first), comparable(&second));
        // The original durations are kept.
        let durations = |result: &CaseResult| -> Vec<u64> {
            result
                .checks
                .iter()
                .map(|check| check.duration_ms)
                .collect()
        };
        assert_eq!(durations(&first), durations(&second));

        let mut uncached = settings.clone();
        uncached.check_cache = false;
        let third = run(&dir, agent, &uncached);
        assert_eq!(cached(&third), vec![false, false]);
        assert_eq!(comparable(&first), comparable(&third));
    }
}

#[test]
fn a_change_to_a_hidden_file_an_argv_or_a_variable_misses() {
    let root = tempfile::tempdir().unwrap();
    let dir = copy_fixture(root.path(), "sh-semver");
    let settings = settings(root.path());
    run(&dir, Agent::Noop, &settings);
    assert_eq!(cached(&run(&dir, Agent::Noop, &settings)), vec![true, true]);

    // A hidden file: only the hidden check reads it.
    let hidden = dir.join("hidden/tests/hidden/lib.sh");
    let mut text = fs::read_to_string(&hidden).unwrap();
    text.push_str("\n# changed\n");
    fs::write(&hidden, text).unwrap();
    assert_eq!(
        cached(&run(&dir, Agent::Noop, &settings)),
        vec![true, false]
    );

    // A variable the checks run with.
    let mut other = settings.clone();
    other
        .toolchain
        .passthrough
        .push(("PYENV_VERSION".into(), "cache-test".into()));
    assert_eq!(cached(&run(&dir, Agent::Noop, &other)), vec![false, false]);

    // The checks' argv (the contract is also in the tree, so both miss).
    let contract = dir.join("repo/evaluation/contract.toml");
    let text = fs::read_to_string(&contract).unwrap();
    fs::write(
        &contract,
        text.replace(
            "run = [\"sh\", \"tests/run.sh\"]",
            "run = [\"sh\", \"-e\", \"tests/run.sh\"]",
        ),
    )
    .unwrap();
    assert_eq!(
        cached(&run(&dir, Agent::Noop, &settings)),
        vec![false, false]
    );
}

#[test]
fn a_check_with_flaky_tests_is_never_served_from_the_cache() {
    let root = tempfile::tempdir().unwrap();
    let dir = copy_fixture(root.path(), "sh-semver");
    let lock = dir.join("tests.lock");
    let text = fs::read_to_string(&lock).unwrap();
    let first_id = text
        .lines()
        .find(|line| line.starts_with("\"semver compare"))
        .and_then(|line| line.split('"').nth(1))
        .unwrap()
        .to_owned();
    fs::write(
        &lock,
        text.replacen("flaky = []", &format!("flaky = [\"{first_id}\"]"), 1),
    )
    .unwrap();
    let settings = settings(root.path());
    run(&dir, Agent::Oracle, &settings);
    let again = run(&dir, Agent::Oracle, &settings);
    // The hidden check lists a flaky test; the visible one does not.
    assert_eq!(cached(&again), vec![true, false], "{again:?}");
}

#[test]
fn an_integrity_violation_skips_the_checks_and_scores_as_before() {
    let root = tempfile::tempdir().unwrap();
    let dir = copy_fixture(root.path(), "sh-semver");
    let settings = settings(root.path());
    let rewrite = Agent::command("printf '\\n# mine now\\n' >> evaluation/contract.toml");
    let decided = run(&dir, rewrite.clone(), &settings);
    assert_eq!(decided.reward, Some(-1.0));
    assert!(!decided.passed);
    assert!(
        decided
            .violations
            .iter()
            .any(|violation| violation.code.as_str() == "contract_rewrite"),
        "{decided:?}"
    );
    for check in &decided.checks {
        assert_eq!(check.skipped, Some(SkipReason::Integrity), "{check:?}");
        assert!(!check.passed);
    }
    let json = serde_json::to_value(&decided).unwrap();
    assert_eq!(json["checks"][0]["skipped"], "integrity");

    let mut all = settings.clone();
    all.run_all_checks = true;
    all.check_cache = false;
    let ran = run(&dir, rewrite, &all);
    assert_eq!(ran.reward, Some(-1.0));
    assert!(ran.checks.iter().all(|check| check.skipped.is_none()));
    assert!(ran.checks.iter().any(|check| check.exit_code.is_some()));
    // An honest case says so too: nothing skipped.
    let honest = serde_json::to_value(run(&dir, Agent::Noop, &settings)).unwrap();
    assert_eq!(honest["checks"][0]["skipped"], serde_json::Value::Null);
    assert_eq!(honest["checks"][0]["cached"], false);
}

fn harness(args: &[&str], root: &Path, path: Option<&str>) -> Output {
    let mut command = Command::new(HARNESS);
    command
        .args(args)
        .env("HARNESS_OUT", root.join("out"))
        .env("HARNESS_CACHE", root.join("cache"));
    if let Some(path) = path {
        command.env("PATH", path);
    }
    command.output().expect("run harness")
}

fn run_json(
    root: &Path,
    fixtures: &Path,
    agent: &str,
    extra: &[&str],
    path: Option<&str>,
) -> serde_json::Value {
    let json = root.join(format!("run-{}.json", support::leftovers::unique()));
    let mut args = vec![
        "run",
        "--fixtures",
        fixtures.to_str().unwrap(),
        "--agent",
        agent,
        "--json",
        json.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = harness(&args, root, path);
    assert!(
        output.status.code().is_some_and(|code| code <= 1),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&fs::read(json).unwrap()).unwrap()
}

fn cached_flags(run: &serde_json::Value) -> Vec<bool> {
    run["cases"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|check| check["cached"].as_bool().unwrap())
        .collect()
}

#[test]
fn the_cache_lasts_across_runs_and_a_new_toolchain_version_misses() {
    let root = tempfile::tempdir().unwrap();
    copy_fixture(root.path(), "sh-semver");
    let fixtures = root.path().join("fixtures");
    assert_eq!(
        cached_flags(&run_json(root.path(), &fixtures, "noop", &[], None)),
        vec![false, false]
    );
    assert_eq!(
        cached_flags(&run_json(root.path(), &fixtures, "noop", &[], None)),
        vec![true, true]
    );
    assert_eq!(
        cached_flags(&run_json(
            root.path(),
            &fixtures,
            "noop",
            &["--no-cache"],
            None
        )),
        vec![false, false]
    );
    // A `python3` that reports another version (and is the real one otherwise).
    let real = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v python3"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_owned();
    let shim = root.path().join("shim");
    fs::create_dir(&shim).unwrap();
    let script = shim.join("python3");
    fs::write(
        &script,
        format!("#!/bin/sh\nif [ \"$1\" = -V ]; then echo 'Python 3.99.0'; exit 0; fi\nexec {real} \"$@\"\n"),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", shim.display(), std::env::var("PATH").unwrap());
    assert_eq!(
        cached_flags(&run_json(root.path(), &fixtures, "noop", &[], Some(&path))),
        vec![false, false]
    );
}

#[test]
fn an_agent_can_neither_read_nor_plant_a_cache_entry() {
    let root = tempfile::tempdir().unwrap();
    copy_fixture(root.path(), "sh-semver");
    let fixtures = root.path().join("fixtures");
    // Fill the cache, then let agents at it, confined and not.
    run_json(root.path(), &fixtures, "oracle", &[], None);
    let cache = root.path().join("cache/checks");
    let entries = |dir: &Path| -> Vec<PathBuf> {
        let mut found = Vec::new();
        for shard in fs::read_dir(dir).unwrap() {
            for entry in fs::read_dir(shard.unwrap().path()).unwrap() {
                found.push(entry.unwrap().path());
            }
        }
        found.sort();
        found
    };
    let before = entries(&cache);
    assert_eq!(before.len(), 2, "{before:?}");
    let stolen = before[0].display().to_string();
    let agent = format!(
        "cat {stolen} > stolen.json; cp stolen.json {}/planted.json; for f in {}/*/*.json; do echo '{{}}' > \"$f\"; done; true",
        before[0].parent().unwrap().display(),
        cache.display()
    );
    for extra in [&[][..], &["--no-confine"][..]] {
        let result = run_json(root.path(), &fixtures, &agent, extra, None);
        let case = &result["cases"][0];
        assert_eq!(case["passed"], false, "{extra:?}: {case}");
        assert!(
            !before[0].parent().unwrap().join("planted.json").exists(),
            "{extra:?}: an entry was planted"
        );
        for path in &before {
            let entry: serde_json::Value =
                serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
            assert!(
                entry["key"].is_string(),
                "{extra:?}: {path:?} was overwritten"
            );
        }
        // The agent's own checks were cached too, under their own keys: none is served
        // to the oracle below.
        assert!(entries(&cache).len() >= before.len());
    }
    // What the agent saw of the entries: nothing (its diff holds no cached check).
    let oracle_again = run_json(root.path(), &fixtures, "oracle", &[], None);
    assert_eq!(cached_flags(&oracle_again), vec![true, true]);
    assert_eq!(oracle_again["cases"][0]["reward"], 1.0);
}
