//! Environments end to end: a Python fixture whose code needs a dependency only its
//! environment installs (a wheel the test builds: no network), built once and read-only to
//! agents; a setup that fails makes the case errored with the step's log; a Rust fixture's
//! checks start from the environment's build and recompile only what the agent changed;
//! `harness env build|list|prune`.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use harness_runtime::{Agent, CaseSpec, CaseStatus, Fixture, Settings, run_case};

const HARNESS: &str = env!("CARGO_BIN_EXE_harness");

fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let full = root.join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, content).unwrap();
    }
}

fn harness(args: &[&str], cache: &Path, out: &Path) -> Output {
    Command::new(HARNESS)
        .args(args)
        .env("HARNESS_OUT", out)
        .env("HARNESS_CACHE", cache)
        .output()
        .expect("run harness")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

const ITEM: &str = "id = \"item-7\"\ntitle = \"shout\"\nstatement = \"\"\"\nMake `shout()` in src/app.py return the greeting in capitals.\n\"\"\"\nstatus = \"open\"\n";

/// A wheel of the package `dep` (`greet()` returns "hi"), written with Python's zipfile.
fn build_wheel(into: &Path) -> PathBuf {
    fs::create_dir_all(into).unwrap();
    let wheel = into.join("dep-1.0-py3-none-any.whl");
    let script = r#"
import base64, hashlib, sys, zipfile
files = {
    "dep/__init__.py": b"def greet():\n    return 'hi'\n",
    "dep-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: dep\nVersion: 1.0\n",
    "dep-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
for name, data in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append(f"{name},sha256={digest},{len(data)}")
record.append("dep-1.0.dist-info/RECORD,,")
with zipfile.ZipFile(sys.argv[1], "w") as wheel:
    for name, data in files.items():
        wheel.writestr(name, data)
    wheel.writestr("dep-1.0.dist-info/RECORD", "\n".join(record) + "\n")
"#;
    let status = Command::new("python3")
        .args(["-c", script, wheel.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    wheel
}

/// A Python fixture whose code imports `dep`, installed only by its environment from a
/// wheel in the repository. `setup_tail` replaces the install step when given.
fn python_fixture(root: &Path, id: &str, setup: &str) -> PathBuf {
    let dir = root.join(id);
    let contract = format!(
        r#"[scope]
allow = ["src"]

[environment]
setup = {setup}
inputs = ["requirements.txt"]
path = ["venv/bin"]

[[checks]]
name = "visible"
run = ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_app.py"]
weight = 0.0
files = ["tests/test_app.py"]

[[checks]]
name = "hidden"
run = ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/hidden"]
hidden = true
files = ["tests/hidden/test_shout.py"]
"#
    );
    write_files(
        &dir,
        &[
            ("fixture.toml", "kind = \"work_item\"\n"),
            ("repo/evaluation/contract.toml", &contract),
            ("repo/work/item.toml", ITEM),
            (
                "repo/requirements.txt",
                "./vendor/dep-1.0-py3-none-any.whl\n",
            ),
            (
                "repo/src/app.py",
                "import dep\n\n\ndef shout():\n    return dep.greet()\n",
            ),
            (
                "repo/tests/test_app.py",
                "import sys\nsys.path.insert(0, 'src')\nimport app\n\n\ndef test_greets():\n    assert app.shout().lower() == 'hi'\n",
            ),
            (
                "hidden/tests/hidden/test_shout.py",
                "import sys\nsys.path.insert(0, 'src')\nimport app\n\n\ndef test_capitals():\n    assert app.shout() == 'HI'\n",
            ),
            (
                "oracle/work/item.toml",
                &ITEM.replace("\"open\"", "\"closed\""),
            ),
            (
                "oracle/src/app.py",
                "import dep\n\n\ndef shout():\n    return dep.greet().upper()\n",
            ),
        ],
    );
    build_wheel(&dir.join("repo/vendor"));
    dir
}

const PIP_SETUP: &str = r#"[["python3", "-m", "venv", "--system-site-packages", "{env}/venv"], ["{env}/venv/bin/python", "-m", "pip", "install", "--no-index", "-q", "-r", "requirements.txt"]]"#;

fn settings(root: &Path) -> Settings {
    let mut settings = Settings::from_env();
    settings.cache_dir = root.join("cache");
    settings.out_dir = root.join("out");
    settings.recording_lock = true;
    settings
}

fn run(fixture: &Arc<Fixture>, agent: Agent, settings: &Settings) -> harness_runtime::CaseOutput {
    run_case(&CaseSpec::new(fixture.clone(), agent), settings, "env-test")
}

#[test]
fn a_dependency_only_the_environment_installs_is_there_for_checks_and_built_once() {
    let root = tempfile::tempdir().unwrap();
    let dir = python_fixture(root.path(), "py-envdep", PIP_SETUP);
    let fixture = Arc::new(Fixture::load(&dir).unwrap());
    let settings = settings(root.path());

    let oracle = run(&fixture, Agent::Oracle, &settings);
    assert_eq!(oracle.result.reward, Some(1.0), "{:?}", oracle.result);
    let noop = run(&fixture, Agent::Noop, &settings);
    assert_eq!(noop.result.status, CaseStatus::Failed, "{:?}", noop.result);
    // The visible check passed under noop: `dep` was importable.
    assert!(noop.result.checks[0].passed, "{:?}", noop.result.checks);
    assert!(!noop.result.checks[1].passed);

    let envs: Vec<PathBuf> = fs::read_dir(root.path().join("cache/env"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    assert_eq!(envs.len(), 1, "one environment for both cases: {envs:?}");
    let log = fs::read_to_string(envs[0].with_extension("log")).unwrap();
    assert_eq!(
        log.matches("== step 1 of 2").count(),
        1,
        "built once: {log}"
    );
}

#[test]
fn agents_and_checks_cannot_write_into_the_environment() {
    let root = tempfile::tempdir().unwrap();
    let dir = python_fixture(root.path(), "py-envdep", PIP_SETUP);
    let fixture = Arc::new(Fixture::load(&dir).unwrap());
    let settings = settings(root.path());
    // The agent finds the environment through PATH and tries to plant a module there
    // that would make `dep.greet()` answer the hidden test.
    let agent = Agent::command(
        r#"bin=$(dirname "$(command -v python3)"); site=$("$bin/python3" -c 'import dep, os; print(os.path.dirname(dep.__file__))'); printf 'def greet():\n    return "HI"\n' > "$site/__init__.py"; echo poisoned > "$bin/../poison"; true"#,
    );
    let attacked = run(&fixture, agent, &settings);
    assert_eq!(
        attacked.result.status,
        CaseStatus::Failed,
        "{:?}",
        attacked.result
    );
    let env = fs::read_dir(root.path().join("cache/env"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.is_dir())
        .unwrap();
    assert!(!env.join("poison").exists());
    let noop = run(&fixture, Agent::Noop, &settings);
    assert!(
        noop.result.checks[0].passed,
        "the environment still works: {:?}",
        noop.result
    );
    assert!(attacked.result.reward <= noop.result.reward);
}

/// Setup downloads into the cargo home (`cargo vendor`, `cargo fetch`): its registry must be
/// writable there, though every agent and check gets it read-only. (The trial on a real
/// repository failed with "Read-only file system" once the toolchain's directories were
/// bound read-only for every command.)
#[test]
fn setup_can_download_into_the_cargo_home() {
    let root = tempfile::tempdir().unwrap();
    let cargo_home = root.path().join("cargo-home");
    fs::create_dir_all(cargo_home.join("registry/cache")).unwrap();
    let setup = PIP_SETUP.replacen(
        "[[",
        r#"[["sh", "-c", "echo crate > \"$CARGO_HOME/registry/cache/downloaded.crate\""], ["#,
        1,
    );
    let dir = python_fixture(root.path(), "py-envdownload", &setup);
    let fixture = Arc::new(Fixture::load(&dir).unwrap());
    let mut settings = settings(root.path());
    settings.toolchain.cargo_home = Some(cargo_home.clone());
    let output = run(&fixture, Agent::Oracle, &settings);
    assert_eq!(
        output.result.status,
        CaseStatus::Passed,
        "{:?}",
        output.result
    );
    assert_eq!(
        fs::read_to_string(cargo_home.join("registry/cache/downloaded.crate")).unwrap(),
        "crate\n"
    );
}

#[test]
fn a_failed_setup_is_errored_with_the_failing_steps_log() {
    let root = tempfile::tempdir().unwrap();
    let dir = python_fixture(
        root.path(),
        "py-envfail",
        r#"[["true"], ["sh", "-c", "echo resolving dependencies; echo no matching distribution >&2; exit 3"]]"#,
    );
    let fixture = Arc::new(Fixture::load(&dir).unwrap());
    let settings = settings(root.path());
    for agent in [Agent::Oracle, Agent::Noop] {
        let output = run(&fixture, agent, &settings);
        assert_eq!(
            output.result.status,
            CaseStatus::Errored,
            "{:?}",
            output.result
        );
        let error = output.result.error.unwrap_or_default();
        assert!(error.contains("setup step 2 of 2"), "{error}");
        assert!(error.contains("exited with 3"), "{error}");
        assert!(error.contains("no matching distribution"), "{error}");
    }
    // Nothing half-built is left to be mistaken for an environment.
    let left: Vec<PathBuf> = fs::read_dir(root.path().join("cache/env"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn env_build_list_and_prune() {
    let root = tempfile::tempdir().unwrap();
    let fixtures = root.path().join("fixtures");
    python_fixture(&fixtures, "py-envdep", PIP_SETUP);
    // A second fixture with the same setup and inputs shares the environment.
    python_fixture(&fixtures, "py-envdep-twin", PIP_SETUP);
    let cache = root.path().join("cache");
    let out = root.path().join("out");

    let built = harness(
        &["env", "build", "--fixtures", fixtures.to_str().unwrap()],
        &cache,
        &out,
    );
    assert_eq!(built.status.code(), Some(0), "{}", text(&built));
    assert!(
        text(&built).contains("ready for py-envdep, py-envdep-twin"),
        "{}",
        text(&built)
    );
    let listed = harness(&["env", "list"], &cache, &out);
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed));
    assert_eq!(text(&listed).lines().count(), 1, "{}", text(&listed));
    assert!(text(&listed).contains("ready"), "{}", text(&listed));

    // Still named by a fixture: kept.
    let kept = harness(
        &["env", "prune", "--fixtures", fixtures.to_str().unwrap()],
        &cache,
        &out,
    );
    assert!(
        text(&kept).contains("removed 0 environments"),
        "{}",
        text(&kept)
    );
    let pruned = harness(&["env", "prune", "--all"], &cache, &out);
    assert!(
        text(&pruned).contains("removed 1 environment"),
        "{}",
        text(&pruned)
    );
    let empty = harness(&["env", "list"], &cache, &out);
    assert!(
        text(&empty).contains("no environments in"),
        "{}",
        text(&empty)
    );
}

/// A crate with a path dependency the environment's setup builds first.
fn rust_fixture(root: &Path) -> PathBuf {
    let dir = root.join("rs-envwarm");
    let contract = r#"[scope]
allow = ["src"]

[environment]
setup = [["cargo", "test", "--offline", "--no-run"]]
inputs = ["Cargo.toml"]

[[checks]]
name = "visible"
run = ["cargo", "test", "--offline", "--test", "visible"]
weight = 0.0
timeout_s = 600
files = ["tests/visible.rs"]

[[checks]]
name = "hidden"
run = ["cargo", "test", "--offline", "--test", "hidden"]
hidden = true
timeout_s = 600
files = ["tests/hidden.rs"]
"#;
    write_files(
        &dir,
        &[
            ("fixture.toml", "kind = \"work_item\"\n"),
            ("repo/evaluation/contract.toml", contract),
            (
                "repo/work/item.toml",
                "id = \"item-9\"\ntitle = \"double\"\nstatement = \"`twice` must double its argument.\"\nstatus = \"open\"\n",
            ),
            (
                "repo/Cargo.toml",
                "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nhelper = { path = \"helper\" }\n\n[workspace]\n",
            ),
            ("repo/.gitignore", "/target\n"),
            (
                // `test = false`: no unit tests, so no tripwire is added to it and its
                // build stays the environment's (a tested path package is rebuilt in
                // every check, its tripwire being new each episode).
                "repo/helper/Cargo.toml",
                "[package]\nname = \"helper\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lib]\ntest = false\n",
            ),
            (
                "repo/helper/src/lib.rs",
                "pub fn two() -> u32 {\n    2\n}\n",
            ),
            (
                "repo/src/lib.rs",
                "pub fn twice(x: u32) -> u32 {\n    x + helper::two() - 2\n}\n",
            ),
            (
                "repo/tests/visible.rs",
                "#[test]\nfn zero() {\n    assert_eq!(demo::twice(0), 0);\n}\n",
            ),
            (
                "hidden/tests/hidden.rs",
                "#[test]\nfn doubles() {\n    assert_eq!(demo::twice(3), 6);\n}\n",
            ),
            (
                "oracle/work/item.toml",
                "id = \"item-9\"\ntitle = \"double\"\nstatement = \"`twice` must double its argument.\"\nstatus = \"closed\"\n",
            ),
            (
                "oracle/src/lib.rs",
                "pub fn twice(x: u32) -> u32 {\n    x * helper::two()\n}\n",
            ),
        ],
    );
    dir
}

#[test]
fn rust_checks_start_from_the_environments_build() {
    let root = tempfile::tempdir().unwrap();
    let dir = rust_fixture(root.path());
    let fixture = Arc::new(Fixture::load(&dir).unwrap());
    let settings = settings(root.path());

    let oracle = run(&fixture, Agent::Oracle, &settings);
    assert_eq!(oracle.result.reward, Some(1.0), "{:?}", oracle.result);
    // The dependency comes from the environment's build; the changed crate is rebuilt.
    // (The hidden check is sealed: it builds the crate in a workspace of its own.)
    let (_, visible) = &oracle.logs.checks[0];
    assert!(!visible.contains("Compiling helper"), "{visible}");
    assert!(visible.contains("Compiling demo"), "{visible}");
    let noop = run(&fixture, Agent::Noop, &settings);
    assert_eq!(noop.result.status, CaseStatus::Failed, "{:?}", noop.result);
    assert!(noop.result.checks[0].passed, "{:?}", noop.result.checks);
    // The environment's own build is untouched by the checks' builds.
    let env = fs::read_dir(root.path().join("cache/env"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.is_dir())
        .unwrap();
    let tests_built = fs::read_dir(env.join("target/debug/deps"))
        .unwrap()
        .filter(|entry| {
            let name = entry.as_ref().unwrap().file_name();
            name.to_string_lossy().starts_with("hidden-")
        })
        .count();
    assert_eq!(tests_built, 0, "a check built into the environment");
}

/// A fixture whose checks call `helper`, a tool only its environment provides (a shell
/// script the setup writes), so that replacing or breaking `helper` decides the checks.
fn helper_fixture(root: &Path) -> PathBuf {
    let dir = root.join("fixtures/sh-envtool");
    let contract = r#"[scope]
allow = ["src"]

[environment]
setup = [["sh", "tools/setup.sh", "{env}"]]
inputs = ["tools/setup.sh"]
path = ["bin"]

[[checks]]
name = "answer"
run = ["sh", "-c", "helper \"$(cat src/answer.txt)\" 42"]
report = "exit"
"#;
    write_files(
        &dir,
        &[
            ("fixture.toml", "kind = \"work_item\"\n"),
            ("repo/evaluation/contract.toml", contract),
            (
                "repo/work/item.toml",
                "id = \"item-3\"\ntitle = \"answer\"\nstatement = \"Put the answer in src/answer.txt.\"\nstatus = \"open\"\n",
            ),
            ("repo/src/answer.txt", "41\n"),
            (
                "repo/tools/setup.sh",
                "mkdir -p \"$1/bin\" && printf '#!/bin/sh\\n[ \"$1\" = \"$2\" ]\\n' > \"$1/bin/helper\" && chmod 755 \"$1/bin/helper\"\n",
            ),
            ("oracle/src/answer.txt", "42\n"),
            (
                "oracle/work/item.toml",
                "id = \"item-3\"\ntitle = \"answer\"\nstatement = \"Put the answer in src/answer.txt.\"\nstatus = \"closed\"\n",
            ),
        ],
    );
    dir
}

/// Red team round 7: an unconfined agent replaced the environment's `helper` with
/// `exit 0` (every later episode passed without a fix, and the cache kept those passes),
/// and a confined one `chmod 000`ed it (every later episode failed, the oracle's too). The
/// environment is read-only for every command, confined or not, metadata included.
#[test]
fn no_agent_can_replace_or_break_the_environment() {
    let root = tempfile::tempdir().unwrap();
    let dir = helper_fixture(root.path());
    let fixtures = root.path().join("fixtures");
    let cache = root.path().join("cache");
    let out = root.path().join("out");
    let lock = harness(
        &["check-fixture", "--write-lock", dir.to_str().unwrap()],
        &cache,
        &out,
    );
    assert_eq!(lock.status.code(), Some(0), "{}", text(&lock));
    let attacks = [
        (&[][..], "chmod 000 \"$(command -v helper)\"; true"),
        (
            &["--no-confine"][..],
            "printf '#!/bin/sh\\nexit 0\\n' > \"$(command -v helper)\"; chmod 000 \"$(command -v helper)\"; true",
        ),
    ];
    for (extra, attack) in attacks {
        let mut args = vec![
            "run",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--agent",
            attack,
        ];
        args.extend_from_slice(extra);
        let attacked = harness(&args, &cache, &out);
        assert_eq!(
            attacked.status.code(),
            Some(1),
            "{extra:?}: {}",
            text(&attacked)
        );
        let helper = fs::read_dir(cache.join("env"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .find(|path| path.is_dir())
            .unwrap()
            .join("bin/helper");
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&helper).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode, 0o755,
            "{extra:?}: the environment's helper was chmod-ed"
        );
        assert!(
            fs::read_to_string(&helper)
                .unwrap()
                .contains("[ \"$1\" = \"$2\" ]"),
            "{extra:?}: the environment's helper was replaced"
        );
        for agent in ["oracle", "noop"] {
            let expected = if agent == "oracle" { 0 } else { 1 };
            let output = harness(
                &[
                    "run",
                    "--fixtures",
                    fixtures.to_str().unwrap(),
                    "--agent",
                    agent,
                    "--no-cache",
                ],
                &cache,
                &out,
            );
            assert_eq!(
                output.status.code(),
                Some(expected),
                "{extra:?} then {agent}: {}",
                text(&output)
            );
        }
    }
}

/// Landlock denies writes but not `chmod`: without read-only binds, a confined agent
/// running as the files' owner could `chmod 000` a tool of the host's toolchain for every
/// later episode (and the machine). Every read-only path is bound read-only.
#[test]
fn no_agent_can_chmod_the_toolchain() {
    let root = tempfile::tempdir().unwrap();
    let dir = helper_fixture(root.path());
    let (cache, out) = (root.path().join("cache"), root.path().join("out"));
    let lock = harness(
        &["check-fixture", "--write-lock", dir.to_str().unwrap()],
        &cache,
        &out,
    );
    assert_eq!(lock.status.code(), Some(0), "{}", text(&lock));
    let fixtures = root.path().join("fixtures");
    let tools = root.path().join("tools");
    fs::create_dir(&tools).unwrap();
    let tool = tools.join("sometool");
    fs::write(&tool, "#!/bin/sh\ntrue\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&tool, fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", tools.display(), std::env::var("PATH").unwrap());
    for extra in [&[][..], &["--no-confine"][..]] {
        let output = Command::new(HARNESS)
            .args([
                "run",
                "--fixtures",
                fixtures.to_str().unwrap(),
                "--no-cache",
            ])
            .args([
                "--agent",
                "chmod 000 \"$(command -v sometool)\"; touch \"$(command -v sometool)\"; true",
            ])
            .args(extra)
            .env("PATH", &path)
            .env("HARNESS_OUT", &out)
            .env("HARNESS_CACHE", &cache)
            .output()
            .unwrap();
        // The agent ran and was graded (a failed case), never refused.
        assert_eq!(
            output.status.code(),
            Some(1),
            "{extra:?}: {}",
            text(&output)
        );
        let mode = fs::metadata(&tool).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755, "{extra:?}: the toolchain's tool was chmod-ed");
    }
}

/// A crate with a crates.io dependency its environment vendors (here a vendor directory
/// the setup writes itself, so the test needs no network; `cargo vendor` makes the same).
fn vendored_fixture(root: &Path) -> PathBuf {
    let dir = root.join("rs-envvendor");
    let contract = r#"[scope]
allow = ["src"]

[environment]
setup = [["sh", "tools/vendor.sh", "{env}"], ["cargo", "test", "--no-run", "--offline"]]
inputs = ["Cargo.toml", "tools/vendor.sh"]

[[checks]]
name = "visible"
run = ["cargo", "test", "--offline", "--test", "visible"]
weight = 0.0
timeout_s = 600
files = ["tests/visible.rs"]

[[checks]]
name = "hidden"
run = ["cargo", "test", "--offline", "--test", "hidden"]
hidden = true
timeout_s = 600
files = ["tests/hidden.rs"]
"#;
    let vendor = r#"set -e
crate="$1/vendor/regdep-1.0.0"
mkdir -p "$crate/src"
printf '[package]\nname = "regdep"\nversion = "1.0.0"\nedition = "2021"\n' > "$crate/Cargo.toml"
printf 'pub fn two() -> u32 {\n    2\n}\n' > "$crate/src/lib.rs"
printf '{"files":{},"package":null}' > "$crate/.cargo-checksum.json"
"#;
    let item = |status: &str| {
        format!(
            "id = \"item-11\"\ntitle = \"double\"\nstatement = \"`twice` must double its argument.\"\nstatus = \"{status}\"\n"
        )
    };
    write_files(
        &dir,
        &[
            ("fixture.toml", "kind = \"work_item\"\n"),
            ("repo/evaluation/contract.toml", contract),
            ("repo/work/item.toml", &item("open")),
            (
                "repo/Cargo.toml",
                "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nregdep = \"1\"\n\n[workspace]\n",
            ),
            ("repo/.gitignore", "/target\n/Cargo.lock\n"),
            ("repo/tools/vendor.sh", vendor),
            (
                "repo/src/lib.rs",
                "pub fn twice(x: u32) -> u32 {\n    x + regdep::two() - 2\n}\n",
            ),
            (
                "repo/tests/visible.rs",
                "#[test]\nfn zero() {\n    assert_eq!(demo::twice(0), 0);\n}\n",
            ),
            (
                "hidden/tests/hidden.rs",
                "#[test]\nfn doubles() {\n    assert_eq!(demo::twice(3), 6);\n}\n",
            ),
            ("oracle/work/item.toml", &item("closed")),
            (
                "oracle/src/lib.rs",
                "pub fn twice(x: u32) -> u32 {\n    x * regdep::two()\n}\n",
            ),
        ],
    );
    dir
}

/// Cargo fingerprints a registry crate by its source path: under each check's own
/// `CARGO_HOME` it would be rebuilt in every check. Vendored into the environment, it is
/// built once, by the setup.
#[test]
fn vendored_registry_crates_come_from_the_environments_build() {
    let root = tempfile::tempdir().unwrap();
    let dir = vendored_fixture(root.path());
    let fixture = Arc::new(Fixture::load(&dir).unwrap());
    let mut settings = settings(root.path());
    settings.check_cache = false;

    let oracle = run(&fixture, Agent::Oracle, &settings);
    assert_eq!(oracle.result.reward, Some(1.0), "{:?}", oracle.result);
    let (_, visible) = &oracle.logs.checks[0];
    assert!(!visible.contains("Compiling regdep"), "{visible}");
    assert!(visible.contains("Compiling demo"), "{visible}");
    let noop = run(&fixture, Agent::Noop, &settings);
    assert_eq!(noop.result.status, CaseStatus::Failed, "{:?}", noop.result);
    assert!(noop.result.checks[0].passed, "{:?}", noop.result.checks);
}
