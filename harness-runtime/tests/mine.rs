//! `harness mine` on repositories the tests build with git2 (never the network): fix
//! commits become fixtures that pass `check-fixture` and run under `harness run`; the other
//! commits are rejected with their reason or are no candidates; flaky tests are quarantined
//! or drop their candidate; a killed run resumes to the result of an uninterrupted one; a
//! Rust crate's fix validates; fixtures of one repository share one stored copy of it.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const HARNESS: &str = env!("CARGO_BIN_EXE_harness");

/// A repository the test writes, committing with a fixed author and a clock that ticks once
/// per commit, so commit ids are the same on every run.
struct Repo {
    dir: PathBuf,
    repo: git2::Repository,
    time: i64,
}

impl Repo {
    fn new(parent: &Path, name: &str) -> Repo {
        let dir = parent.join(name);
        let repo = git2::Repository::init(&dir).unwrap();
        Repo {
            dir,
            repo,
            time: 1_700_000_000,
        }
    }

    /// Writes `files` (path, content) and commits every file of the work tree.
    fn commit(&mut self, message: &str, files: &[(&str, &str)]) -> String {
        for (path, content) in files {
            let path = self.dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        let mut index = self.repo.index().unwrap();
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        index.write().unwrap();
        let tree = self.repo.find_tree(index.write_tree().unwrap()).unwrap();
        self.time += 60;
        let signature =
            git2::Signature::new("dev", "dev@example.com", &git2::Time::new(self.time, 0)).unwrap();
        let parents: Vec<git2::Commit<'_>> = self
            .repo
            .head()
            .ok()
            .and_then(|head| head.peel_to_commit().ok())
            .into_iter()
            .collect();
        let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
        self.repo
            .commit(
                Some("HEAD"),
                &signature,
                &signature,
                message,
                &tree,
                &parents,
            )
            .unwrap()
            .to_string()
    }

    fn tree_of_parent(&self, commit: &str) -> String {
        let commit = self
            .repo
            .find_commit(git2::Oid::from_str(commit).unwrap())
            .unwrap();
        commit.parent(0).unwrap().tree_id().to_string()
    }
}

/// The harness with its output root and environment cache in `scratch` (nothing is
/// written under the package).
fn harness(args: &[&str], scratch: &Path) -> Output {
    command(scratch).args(args).output().unwrap()
}

fn command(scratch: &Path) -> Command {
    let mut command = Command::new(HARNESS);
    command
        .env("HARNESS_OUT", scratch.join("harness-out"))
        .env("HARNESS_CACHE", scratch.join("harness-cache"));
    command
}

/// `harness mine --repo repo --out out extra...`, which must succeed; the scratch
/// directory is `out`'s parent.
fn mine(repo: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "mine",
        "--repo",
        repo.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = harness(&args, out.parent().unwrap());
    assert_eq!(
        output.status.code(),
        Some(0),
        "harness mine failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn state(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join(".mine-state.json")).unwrap()).unwrap()
}

/// (id, verdict, reason) of every decided candidate, in order.
fn verdicts(out: &Path) -> Vec<(String, String, String)> {
    state(out)["decided"]
        .as_array()
        .unwrap()
        .iter()
        .map(|decided| {
            (
                decided["id"].as_str().unwrap().to_owned(),
                decided["verdict"].as_str().unwrap().to_owned(),
                decided["reason"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn accepted(out: &Path) -> Vec<PathBuf> {
    verdicts(out)
        .into_iter()
        .filter(|(_, verdict, _)| verdict == "accepted")
        .map(|(id, _, _)| out.join(id))
        .collect()
}

fn id_of(repo: &str, commit: &str) -> String {
    format!("{repo}-{}", &commit[..12])
}

/// Every file under `dir`: relative path -> content.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap().display().to_string();
                found.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    found
}

fn assert_check_fixture_passes(fixture: &Path) {
    let scratch = fixture.parent().unwrap().parent().unwrap();
    let output = harness(&["check-fixture", fixture.to_str().unwrap()], scratch);
    assert_eq!(
        output.status.code(),
        Some(0),
        "check-fixture {}:\n{}\n{}",
        fixture.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `harness run --fixtures out --agent <agent>` and returns each case's reward.
fn run_rewards(out: &Path, agent: &str, scratch: &Path) -> Vec<f64> {
    let json = scratch.join(format!("{agent}.json"));
    let output = harness(
        &[
            "run",
            "--fixtures",
            out.to_str().unwrap(),
            "--agent",
            agent,
            "--out",
            scratch.join("harness-out").to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
        scratch,
    );
    assert_ne!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run: Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    run["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| case["reward"].as_f64().unwrap())
        .collect()
}

const OPS: &str = "def add(a, b):\n    return a + b\n";

const TEST_ADD: &str = "import unittest\nfrom calc.ops import add\n\n\nclass AddTest(unittest.TestCase):\n    def test_add(self):\n        self.assertIs(type(add(2, 3)), int)\n        self.assertEqual(add(2, 3), 5)\n";

/// A unittest module asserting `name(a, b)` for each case, with a type check (so a value
/// equal to anything does not pass).
fn test_module(name: &str, cases: &[(i64, i64, i64)]) -> String {
    let mut text = format!(
        "import unittest\nfrom calc.ops import {name}\n\n\nclass {}Test(unittest.TestCase):\n    def test_{name}(self):\n",
        name[..1].to_uppercase() + &name[1..]
    );
    for (a, b, expected) in cases {
        text.push_str(&format!(
            "        self.assertIs(type({name}({a}, {b})), int)\n        self.assertEqual({name}({a}, {b}), {expected})\n"
        ));
    }
    text
}

/// The initial commit of a small Python package with unittest tests.
fn calc_repo(parent: &Path, name: &str) -> Repo {
    let mut repo = Repo::new(parent, name);
    repo.commit(
        "initial",
        &[
            ("calc/__init__.py", ""),
            ("calc/ops.py", OPS),
            ("tests/test_add.py", TEST_ADD),
            ("README.md", "# calc\n"),
        ],
    );
    repo
}

#[test]
fn a_python_history_becomes_fixtures_that_validate_and_run() {
    let scratch = tempfile::tempdir().unwrap();
    let mut repo = calc_repo(scratch.path(), "calc");
    let ops_mul = format!("{OPS}\n\ndef mul(a, b):\n    return a * b\n");
    let mul = repo.commit(
        "add mul",
        &[
            ("calc/ops.py", &ops_mul),
            (
                "tests/test_mul.py",
                &test_module("mul", &[(2, 3, 6), (7, 0, 0)]),
            ),
        ],
    );
    repo.commit("docs", &[("README.md", "# calc\n\nadd and mul\n")]);
    let test_only = repo.commit(
        "more add tests",
        &[("tests/test_add_more.py", &test_module("add", &[(1, 1, 2)]))],
    );
    let ops_documented = ops_mul.replace(
        "def add(a, b):\n",
        "def add(a, b):\n    \"\"\"a + b\"\"\"\n",
    );
    let already_passing = repo.commit(
        "document add",
        &[
            ("calc/ops.py", &ops_documented),
            ("tests/test_add_doc.py", &test_module("add", &[(4, 5, 9)])),
        ],
    );
    let ops_sub = format!("{ops_documented}\n\ndef sub(a, b):\n    return a - b\n");
    let sub = repo.commit(
        "add sub",
        &[
            ("calc/ops.py", &ops_sub),
            (
                "tests/test_sub.py",
                &test_module("sub", &[(5, 3, 2), (1, 4, -3)]),
            ),
        ],
    );

    let out = scratch.path().join("mined");
    let output = mine(&repo.dir, &out, &["--jobs", "2"]);
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        table.contains("candidates                         3"),
        "{table}"
    );
    assert_eq!(
        verdicts(&out),
        [
            (id_of("calc", &sub), "accepted".into(), String::new()),
            (
                id_of("calc", &already_passing),
                "rejected".into(),
                "no failing test before the fix".into()
            ),
            (id_of("calc", &mul), "accepted".into(), String::new()),
        ],
        "{table}"
    );
    // A test-only commit and a docs-only commit are no candidates.
    assert!(
        !std::fs::read_to_string(out.join(".mine-state.json"))
            .unwrap()
            .contains(&test_only)
    );

    // The fixture: the baseline named in the store, an overlay of its own files only.
    let fixture = out.join(id_of("calc", &sub));
    let found = files(&fixture);
    let names: Vec<&str> = found.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "fixture.toml",
            "oracle/work/item.toml",
            "repo/.gitignore",
            "repo/evaluation/contract.toml",
            "repo/work/item.toml",
            "tests.lock",
        ]
    );
    // The fix and the commit's tests are trees in the store, laid under oracle/ and hidden/.
    let loaded = harness_runtime::Fixture::load(&fixture).unwrap();
    let oracle: Vec<&str> = loaded.oracle.keys().map(|path| path.as_str()).collect();
    assert_eq!(oracle, ["calc/ops.py", "work/item.toml"]);
    let hidden: Vec<&str> = loaded.hidden.keys().map(|path| path.as_str()).collect();
    assert_eq!(hidden, ["tests/test_sub.py"]);
    let config: toml::Table = std::str::from_utf8(&found["fixture.toml"])
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(config["kind"].as_str(), Some("work_item"));
    assert_eq!(
        config["baseline"]["store"].as_str(),
        Some("../.baselines.git")
    );
    assert_eq!(
        config["baseline"]["tree"].as_str().unwrap(),
        repo.tree_of_parent(&sub)
    );
    assert_eq!(config["source"]["commit"].as_str(), Some(sub.as_str()));
    let contract: toml::Table = std::str::from_utf8(&found["repo/evaluation/contract.toml"])
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        contract["scope"]["allow"].as_array().unwrap(),
        &[toml::Value::from("calc")]
    );
    assert_eq!(
        contract["scope"]["frozen"].as_array().unwrap(),
        &[toml::Value::from("tests")]
    );
    let checks = contract["checks"].as_array().unwrap();
    assert_eq!(checks[0]["name"].as_str(), Some("visible"));
    assert_eq!(
        checks[0]["files"].as_array().unwrap().len(),
        4,
        "the suite's other test files: {checks:?}"
    );
    assert_eq!(
        checks[1]["run"].as_array().unwrap(),
        &["python3", "-m", "unittest", "tests.test_sub"].map(toml::Value::from)
    );
    let item = std::str::from_utf8(&found["repo/work/item.toml"]).unwrap();
    let work: toml::Table = item.parse().unwrap();
    let item_id = work["id"].as_str().unwrap();
    assert!(
        item_id.starts_with("item-") && item_id.len() == 13,
        "{item_id}"
    );
    assert!(
        !item.contains(&sub[..12]) && !item.contains(&id_of("calc", &sub)),
        "{item}"
    );
    assert!(
        item.contains("tests.test_sub.SubTest.test_sub")
            && item.contains("cannot import name 'sub'"),
        "{item}"
    );
    assert_eq!(work["status"].as_str(), Some("open"));

    // The store pins each accepted baseline.
    let store = git2::Repository::open_bare(out.join(".baselines.git")).unwrap();
    for fixture in accepted(&out) {
        let id = fixture.file_name().unwrap().to_str().unwrap();
        assert!(
            store
                .find_reference(&format!("refs/baselines/{id}"))
                .is_ok()
        );
    }

    // Every accepted fixture passes check-fixture with its lock, and runs.
    for fixture in accepted(&out) {
        assert_check_fixture_passes(&fixture);
    }
    let discovered = harness_fixture::discover(&out).unwrap();
    assert_eq!(discovered.len(), 2, "{discovered:?}");
    // Build tracking (what `fixtures!` includes) leaves out the store, staging and state.
    let tracked = harness_fixture::fixture_paths(&out).unwrap();
    assert!(!tracked.is_empty());
    for path in tracked {
        let relative = path
            .strip_prefix(&out)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(!relative.starts_with('.'), "{relative}");
    }
    let oracle = run_rewards(&out, "oracle", scratch.path());
    assert_eq!(oracle, [1.0, 1.0]);
    let noop = run_rewards(&out, "noop", scratch.path());
    assert!(noop.iter().all(|reward| *reward < 1.0), "{noop:?}");
}

#[test]
fn flaky_visible_tests_are_quarantined_and_a_flaky_hidden_test_drops_its_candidate() {
    let scratch = tempfile::tempdir().unwrap();
    let mut repo = calc_repo(scratch.path(), "flaky");
    // A test of the suite that fails on the second run of every repetition.
    let env_test = "import os\nimport unittest\n\n\nclass EnvTest(unittest.TestCase):\n    def test_second_run(self):\n        self.assertNotEqual(os.environ.get(\"HARNESS_REPEAT\"), \"2\")\n\n    def test_steady(self):\n        self.assertTrue(True)\n";
    repo.commit("an unsteady test", &[("tests/test_env.py", env_test)]);
    let ops_mul = format!("{OPS}\n\ndef mul(a, b):\n    return a * b\n");
    let steady = repo.commit(
        "add mul",
        &[
            ("calc/ops.py", &ops_mul),
            ("tests/test_mul.py", &test_module("mul", &[(2, 3, 6)])),
        ],
    );
    let ops_neg = format!("{ops_mul}\n\ndef neg(a, b):\n    return -a\n");
    let unsteady_hidden = format!(
        "{}\n    def test_second_run(self):\n        import os\n        self.assertNotEqual(os.environ.get(\"HARNESS_REPEAT\"), \"2\")\n",
        test_module("neg", &[(2, 0, -2)])
    );
    let unsteady = repo.commit(
        "add neg",
        &[
            ("calc/ops.py", &ops_neg),
            ("tests/test_neg.py", &unsteady_hidden),
        ],
    );

    let out = scratch.path().join("mined");
    mine(&repo.dir, &out, &["--jobs", "2", "--repeat", "3"]);
    assert_eq!(
        verdicts(&out),
        [
            (id_of("flaky", &unsteady), "rejected".into(), "flaky".into()),
            (id_of("flaky", &steady), "accepted".into(), String::new()),
        ]
    );
    let detail = state(&out)["decided"][0]["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        detail.contains("tests.test_neg.NegTest.test_second_run"),
        "{detail}"
    );
    let fixture = out.join(id_of("flaky", &steady));
    let lock: toml::Table = std::fs::read_to_string(fixture.join("tests.lock"))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        lock["checks"]["visible"]["flaky"].as_array().unwrap(),
        &[toml::Value::from("tests.test_env.EnvTest.test_second_run")]
    );
    assert_eq!(
        lock["checks"]["hidden"]["flaky"].as_array().unwrap().len(),
        0
    );
    // check-fixture agrees, repeated as the miner did.
    let output = harness(
        &["check-fixture", fixture.to_str().unwrap(), "--repeat", "3"],
        scratch.path(),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("1 flaky test not counted"), "{stdout}");
}

/// A history of `count` fix commits, each adding a function and its test module, over a
/// package of `shared` modules no commit changes.
fn long_history(parent: &Path, name: &str, count: usize, shared: usize) -> (Repo, Vec<String>) {
    let mut repo = calc_repo(parent, name);
    let mut files: Vec<(String, String)> = (0..shared)
        .map(|index| {
            (
                format!("calc/shared_{index}.py"),
                format!(
                    "VALUE = {index}\n\n\ndef value():\n    return VALUE * {}\n",
                    index + 1
                )
                .repeat(20),
            )
        })
        .collect();
    files.push(("calc/ops.py".into(), OPS.into()));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    repo.commit("shared modules", &borrowed);
    let mut ops = OPS.to_owned();
    let mut commits = Vec::new();
    for index in 0..count {
        let name = format!("times{index}");
        ops.push_str(&format!(
            "\n\ndef {name}(a, b):\n    return a * b + {index}\n"
        ));
        let test = test_module(&name, &[(2, 3, 6 + index as i64), (0, 5, index as i64)]);
        commits.push(repo.commit(
            &format!("add {name}"),
            &[
                ("calc/ops.py", &ops),
                (&format!("tests/test_{name}.py"), &test),
            ],
        ));
    }
    (repo, commits)
}

#[test]
fn a_killed_run_resumes_to_the_result_of_an_uninterrupted_one() {
    let scratch = tempfile::tempdir().unwrap();
    let (repo, commits) = long_history(scratch.path(), "resumable", 4, 2);
    let whole = scratch.path().join("whole");
    mine(&repo.dir, &whole, &["--jobs", "1", "--repeat", "1"]);
    assert_eq!(accepted(&whole).len(), commits.len());

    let killed = scratch.path().join("killed");
    let mut child = command(scratch.path())
        .args(["mine", "--repo", repo.dir.to_str().unwrap(), "--out"])
        .arg(&killed)
        .args(["--jobs", "1", "--repeat", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let decided = std::fs::read_to_string(killed.join(".mine-state.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .map_or(0, |state| state["decided"].as_array().unwrap().len());
        if decided >= 1 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "no candidate was recorded"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before the kill"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = verdicts(&killed).len();
    assert!(
        before < commits.len(),
        "the kill came too late to interrupt anything"
    );

    // Without --resume the directory is refused; with it, the run continues.
    let refused = harness(
        &[
            "mine",
            "--repo",
            repo.dir.to_str().unwrap(),
            "--out",
            killed.to_str().unwrap(),
        ],
        scratch.path(),
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--resume"));
    let output = mine(
        &repo.dir,
        &killed,
        &["--jobs", "1", "--repeat", "1", "--resume"],
    );
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        table.contains(&format!("({before} by an earlier run)")),
        "{table}"
    );

    assert_eq!(verdicts(&killed), verdicts(&whole));
    for fixture in accepted(&whole) {
        let name = fixture.file_name().unwrap();
        assert_eq!(files(&killed.join(name)), files(&fixture), "{name:?}");
    }
    assert!(!killed.join(".staging").exists());
    let listed = |dir: &Path| -> BTreeSet<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(listed(&killed), listed(&whole));
}

/// Every object of a bare repository: (blobs, trees).
fn object_counts(store: &Path) -> (usize, usize) {
    let repo = git2::Repository::open_bare(store).unwrap();
    let odb = repo.odb().unwrap();
    let mut ids = Vec::new();
    odb.foreach(|id| {
        ids.push(*id);
        true
    })
    .unwrap();
    let kind = |id: &git2::Oid| odb.read_header(*id).unwrap().1;
    let blobs = ids
        .iter()
        .filter(|id| kind(id) == git2::ObjectType::Blob)
        .count();
    let trees = ids
        .iter()
        .filter(|id| kind(id) == git2::ObjectType::Tree)
        .count();
    (blobs, trees)
}

#[test]
fn ten_fixtures_of_one_repository_share_one_stored_copy() {
    let scratch = tempfile::tempdir().unwrap();
    let shared = 20;
    let (repo, commits) = long_history(scratch.path(), "shared", 10, shared);
    let out = scratch.path().join("mined");
    mine(
        &repo.dir,
        &out,
        &["--jobs", "2", "--repeat", "1", "--max", "10"],
    );
    let fixtures = accepted(&out);
    assert_eq!(fixtures.len(), 10);

    // Each distinct blob of the ten baselines, fixes and hidden tests is stored once: the
    // unchanged files once in all, plus one version of ops.py and one test module per
    // commit (a fix's ops.py is the next baseline's).
    let mut distinct = BTreeSet::new();
    for commit in &commits {
        let oid = git2::Oid::from_str(commit).unwrap();
        let trees = [
            repo.repo
                .find_tree(git2::Oid::from_str(&repo.tree_of_parent(commit)).unwrap())
                .unwrap(),
            repo.repo.find_commit(oid).unwrap().tree().unwrap(),
        ];
        for tree in trees {
            tree.walk(git2::TreeWalkMode::PreOrder, |_, entry| {
                if entry.kind() == Some(git2::ObjectType::Blob) {
                    distinct.insert(entry.id());
                }
                git2::TreeWalkResult::Ok
            })
            .unwrap();
        }
    }
    let files_per_baseline = shared + 5;
    let (blobs, trees) = object_counts(&out.join(".baselines.git"));
    assert_eq!(blobs, distinct.len());
    assert!(
        blobs < 3 * files_per_baseline,
        "{blobs} blobs for 10 baselines of about {files_per_baseline} files"
    );
    // Three trees per baseline (root, calc/, tests/) and two per fixture's oracle and
    // hidden files (root and one directory) at most; shared ones once.
    assert!(trees <= 10 * (3 + 2 + 2), "{trees} trees");
    // The fixtures themselves hold only their overlays.
    for fixture in &fixtures {
        let repo_files: Vec<String> = files(&fixture.join("repo")).into_keys().collect();
        assert_eq!(
            repo_files,
            [".gitignore", "evaluation/contract.toml", "work/item.toml"]
        );
    }
}

#[test]
fn a_rust_crate_history_mines_a_fix() {
    let scratch = tempfile::tempdir().unwrap();
    let mut repo = Repo::new(scratch.path(), "rcalc");
    let manifest =
        "[package]\nname = \"rcalc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n";
    let lock = "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 4\n\n[[package]]\nname = \"rcalc\"\nversion = \"0.1.0\"\n";
    let lib = "pub fn add(a: i64, b: i64) -> i64 {\n    a + b\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn adds() {\n        assert_eq!(super::add(1, 2), 3);\n    }\n}\n";
    repo.commit(
        "initial",
        &[
            ("Cargo.toml", manifest),
            ("Cargo.lock", lock),
            (".gitignore", "/target\n"),
            ("src/lib.rs", lib),
            (
                "tests/add.rs",
                "#[test]\nfn adds() {\n    let sum: i64 = rcalc::add(2, 3);\n    assert_eq!(sum, 5);\n}\n",
            ),
        ],
    );
    let fixed = lib.replace(
        "#[cfg(test)]",
        "pub fn mul(a: i64, b: i64) -> i64 {\n    a * b\n}\n\n#[cfg(test)]",
    );
    let mul = repo.commit(
        "add mul",
        &[
            ("src/lib.rs", &fixed),
            (
                "tests/mul.rs",
                "#[test]\nfn multiplies() {\n    let product: i64 = rcalc::mul(2, 3);\n    assert_eq!(product, 6);\n    let zero: i64 = rcalc::mul(7, 0);\n    assert_eq!(zero, 0);\n}\n",
            ),
        ],
    );
    let out = scratch.path().join("mined");
    mine(&repo.dir, &out, &["--jobs", "1", "--repeat", "2"]);
    assert_eq!(
        verdicts(&out),
        [(id_of("rcalc", &mul), "accepted".into(), String::new())]
    );
    let fixture = out.join(id_of("rcalc", &mul));
    let contract: toml::Table =
        std::fs::read_to_string(fixture.join("repo/evaluation/contract.toml"))
            .unwrap()
            .parse()
            .unwrap();
    assert_eq!(
        contract["scope"]["allow"].as_array().unwrap(),
        &[toml::Value::from("src")]
    );
    let checks = contract["checks"].as_array().unwrap();
    assert_eq!(
        checks[0]["run"].as_array().unwrap(),
        &["cargo", "test", "--offline", "--lib", "--test", "add"].map(toml::Value::from)
    );
    assert_eq!(
        checks[1]["run"].as_array().unwrap(),
        &["cargo", "test", "--offline", "--test", "mul"].map(toml::Value::from)
    );
    let lock: toml::Table = std::fs::read_to_string(fixture.join("tests.lock"))
        .unwrap()
        .parse()
        .unwrap();
    let visible: Vec<&String> = lock["checks"]["visible"]["tests"]
        .as_table()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(visible, ["src/lib.rs::tests::adds", "tests/add.rs::adds"]);
    assert_check_fixture_passes(&fixture);
    assert_eq!(run_rewards(&out, "oracle", scratch.path()), [1.0]);
    assert!(run_rewards(&out, "noop", scratch.path())[0] < 1.0);
}

/// A wheel of a pure-Python package `helper` with `double(x)`, written by hand (a wheel is
/// a zip with its metadata), so nothing is built or fetched.
fn helper_wheel(dir: &Path) -> String {
    let name = "helper-0.1-py3-none-any.whl";
    let script = format!(
        "import zipfile\n\
         with zipfile.ZipFile({:?}, 'w') as z:\n\
         \x20   z.writestr('helper/__init__.py', 'def double(x):\\n    return 2 * x\\n')\n\
         \x20   z.writestr('helper-0.1.dist-info/METADATA', 'Metadata-Version: 2.1\\nName: helper\\nVersion: 0.1\\n')\n\
         \x20   z.writestr('helper-0.1.dist-info/WHEEL', 'Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')\n\
         \x20   z.writestr('helper-0.1.dist-info/RECORD', 'helper/__init__.py,,\\nhelper-0.1.dist-info/METADATA,,\\nhelper-0.1.dist-info/WHEEL,,\\nhelper-0.1.dist-info/RECORD,,\\n')\n",
        dir.join(name).display().to_string()
    );
    let status = Command::new("python3")
        .args(["-c", &script])
        .status()
        .unwrap();
    assert!(status.success());
    name.to_owned()
}

#[test]
fn a_fix_that_needs_a_dependency_gets_an_environment_that_installs_it() {
    let scratch = tempfile::tempdir().unwrap();
    let mut repo = calc_repo(scratch.path(), "needs");
    std::fs::create_dir_all(repo.dir.join("wheels")).unwrap();
    let wheel = helper_wheel(&repo.dir.join("wheels"));
    let requirements = format!("--no-index\n./wheels/{wheel}\n");
    repo.commit("depend on helper", &[("requirements.txt", &requirements)]);
    let ops = format!(
        "{OPS}\n\ndef quad(a, b):\n    import helper\n\n    return helper.double(helper.double(a)) + 0 * b\n"
    );
    let quad = repo.commit(
        "add quad",
        &[
            ("calc/ops.py", &ops),
            (
                "tests/test_quad.py",
                &test_module("quad", &[(3, 0, 12), (0, 1, 0)]),
            ),
        ],
    );
    let out = scratch.path().join("mined");
    mine(&repo.dir, &out, &["--jobs", "1", "--repeat", "1"]);
    assert_eq!(
        verdicts(&out),
        [(id_of("needs", &quad), "accepted".into(), String::new())]
    );
    let fixture = out.join(id_of("needs", &quad));
    let contract: toml::Table =
        std::fs::read_to_string(fixture.join("repo/evaluation/contract.toml"))
            .unwrap()
            .parse()
            .unwrap();
    let environment = &contract["environment"];
    assert_eq!(
        environment["setup"].as_array().unwrap()[1]
            .as_array()
            .unwrap()
            .last(),
        Some(&toml::Value::from("requirements.txt"))
    );
    assert_eq!(
        environment["inputs"].as_array().unwrap(),
        &[toml::Value::from("requirements.txt")]
    );
    assert_eq!(
        environment["path"].as_array().unwrap(),
        &[toml::Value::from("venv/bin")]
    );
    // The system's python does not have the package: only the environment does.
    let system = Command::new("python3")
        .args(["-c", "import helper"])
        .output()
        .unwrap();
    assert!(!system.status.success());
    assert_check_fixture_passes(&fixture);
    assert_eq!(run_rewards(&out, "oracle", scratch.path()), [1.0]);

    // A dependency that cannot be installed: the environment fails, and says so.
    let mut broken = calc_repo(scratch.path(), "broken");
    broken.commit(
        "depend on a wheel that is not there",
        &[(
            "requirements.txt",
            "--no-index\n./wheels/absent-0.1-py3-none-any.whl\n",
        )],
    );
    let fix = broken.commit(
        "add quad",
        &[
            ("calc/ops.py", &ops),
            ("tests/test_quad.py", &test_module("quad", &[(3, 0, 12)])),
        ],
    );
    let out = scratch.path().join("mined-broken");
    mine(&broken.dir, &out, &["--jobs", "1", "--repeat", "1"]);
    assert_eq!(
        verdicts(&out),
        [(
            id_of("broken", &fix),
            "rejected".into(),
            "environment failed".into()
        )]
    );
    assert!(!out.join(id_of("broken", &fix)).exists());
}

#[test]
fn statements_come_from_the_commit_or_a_command_and_static_limits_reject_early() {
    let scratch = tempfile::tempdir().unwrap();
    let mut repo = calc_repo(scratch.path(), "words");
    let ops_mul = format!("{OPS}\n\ndef mul(a, b):\n    return a * b\n");
    let mul = repo.commit(
        "Add mul\n\nMultiplication was missing.",
        &[
            ("calc/ops.py", &ops_mul),
            ("tests/test_mul.py", &test_module("mul", &[(2, 3, 6)])),
        ],
    );
    let id = id_of("words", &mul);
    let item = |out: &Path| -> toml::Table {
        std::fs::read_to_string(out.join(&id).join("repo/work/item.toml"))
            .unwrap()
            .parse()
            .unwrap()
    };

    let out = scratch.path().join("commit");
    mine(&repo.dir, &out, &["--repeat", "1", "--statement", "commit"]);
    let work = item(&out);
    assert_eq!(work["title"].as_str(), Some("Add mul"));
    let statement = work["statement"].as_str().unwrap();
    assert!(
        statement.starts_with("Add mul\n\nMultiplication was missing."),
        "{statement}"
    );
    assert!(statement.contains("status = \"closed\""), "{statement}");

    // The command reads the candidate as JSON and prints the statement.
    let script = scratch.path().join("statement.py");
    std::fs::write(
        &script,
        "import json, sys\n\
         candidate = json.load(sys.stdin)\n\
         print('# Multiply numbers')\n\
         print()\n\
         print('failing:', ', '.join(t['id'] for t in candidate['failing_tests']))\n\
         print('fix files:', ', '.join(candidate['fix']['files']))\n\
         print('diff has mul:', 'def mul' in candidate['fix']['diff'])\n",
    )
    .unwrap();
    let out = scratch.path().join("command");
    let command = format!("python3 {}", script.display());
    mine(&repo.dir, &out, &["--repeat", "1", "--statement", &command]);
    let work = item(&out);
    assert_eq!(work["title"].as_str(), Some("Multiply numbers"));
    let statement = work["statement"].as_str().unwrap();
    assert!(
        statement.contains("failing: tests.test_mul.MulTest.test_mul")
            && statement.contains("fix files: calc/ops.py")
            && statement.contains("diff has mul: True"),
        "{statement}"
    );

    // Limits and what the miner cannot express reject before anything runs.
    let out = scratch.path().join("limited");
    mine(&repo.dir, &out, &["--max-fix-lines", "2"]);
    assert_eq!(
        verdicts(&out),
        [(id.clone(), "rejected".into(), "too large".into())]
    );
    let mut deleting = calc_repo(scratch.path(), "deleting");
    deleting.commit("a helper", &[("calc/helper.py", "X = 1\n")]);
    std::fs::remove_file(deleting.dir.join("calc/helper.py")).unwrap();
    let mut index = deleting.repo.index().unwrap();
    index.remove_path(Path::new("calc/helper.py")).unwrap();
    index.write().unwrap();
    let removal = deleting.commit(
        "fold the helper into mul",
        &[
            ("calc/ops.py", &ops_mul),
            ("tests/test_mul.py", &test_module("mul", &[(2, 3, 6)])),
        ],
    );
    let out = scratch.path().join("deleting-out");
    mine(&deleting.dir, &out, &[]);
    assert_eq!(
        verdicts(&out),
        [(
            id_of("deleting", &removal),
            "rejected".into(),
            "unsupported".into()
        )]
    );
    assert!(
        state(&out)["decided"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("calc/helper.py")
    );
}
