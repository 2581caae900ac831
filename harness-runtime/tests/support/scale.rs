//! Scale-out helpers: tools a test needs that may be missing here but never in CI, a cargo
//! that does not inherit the test's own cargo and nextest variables, a downstream-style
//! checkout, and the reports `harness report` writes.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::copy_dir;
use super::runs::root;

/// Whether this is CI, where a missing tool fails a test instead of skipping it: `CI` set
/// (GitHub Actions, GitLab and most others set it) or `HARNESS_CI` (`.ci/run` sets it).
pub fn in_ci() -> bool {
    ["CI", "HARNESS_CI"].iter().any(|name| {
        std::env::var(name)
            .is_ok_and(|value| !matches!(value.trim(), "" | "0" | "false" | "no" | "off"))
    })
}

/// Whether `tool` may be used: `found` as it is; when it is missing, a panic in CI and a
/// skip (false, with a note on stderr) elsewhere.
pub fn tool_or_skip(found: bool, tool: &str, install: &str) -> bool {
    if found {
        return true;
    }
    assert!(
        !in_ci(),
        "{tool} is missing, and CI (CI or HARNESS_CI set) needs it: {install}"
    );
    eprintln!("skipped: {tool} is missing here ({install}); in CI this test fails instead");
    false
}

/// `cargo-nextest`, or a skip (a failure in CI).
pub fn nextest_or_skip() -> bool {
    let found = cargo(Path::new("."))
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|output| output.status.success());
    tool_or_skip(
        found,
        "cargo-nextest",
        "cargo install cargo-nextest --locked",
    )
}

/// Variables cargo and nextest set for the running test, which must not leak into a nested
/// build or run (and the harness's own settings, which would change the cases).
fn inherited_from_the_test(name: &str) -> bool {
    name.contains("NEXTEST")
        || name.starts_with("HARNESS_")
        || name == "OUT_DIR"
        || name == "CARGO_TARGET_TMPDIR"
        || name == "CARGO_RUSTC_CURRENT_DIR"
        || [
            "CARGO_MANIFEST_",
            "CARGO_PKG_",
            "CARGO_CRATE_",
            "CARGO_BIN_",
            "CARGO_PRIMARY_",
        ]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// cargo (the one running this test) in `dir`, offline, without the test's variables.
pub fn cargo(dir: &Path) -> Command {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut command = Command::new(program);
    command.current_dir(dir).env("CARGO_NET_OFFLINE", "true");
    for (name, _) in std::env::vars_os() {
        if inherited_from_the_test(&name.to_string_lossy()) {
            command.env_remove(name);
        }
    }
    command
}

/// Runs `command`, failing with its output unless it succeeded.
pub fn succeed(command: &mut Command, what: &str) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("{what}: {error}"));
    assert!(
        output.status.success(),
        "{what} exited with {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The target directory `.ci/run` builds `examples/downstream` in, shared with it so CI
/// compiles harness-runtime for a downstream crate once: `<target>/downstream`.
pub fn downstream_target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is <target>/tmp")
        .join("downstream")
}

/// A repository adopting the harness at `at`: `examples/downstream` (its benchmark, build
/// script, lock and the `greet` fixture) depending on this checkout's harness-runtime by
/// absolute path, plus the shipped fixtures `extra`.
pub fn downstream_checkout(at: &Path, extra: &[&str]) {
    let example = root().join("examples/downstream");
    for dir in ["src", "tests", "fixtures"] {
        copy_dir(&example.join(dir), &at.join(dir));
    }
    for file in ["build.rs", "Cargo.lock"] {
        std::fs::copy(example.join(file), at.join(file)).unwrap();
    }
    let manifest = std::fs::read_to_string(example.join("Cargo.toml")).unwrap();
    let runtime = root().join("harness-runtime").canonicalize().unwrap();
    let relocated = manifest.replace(
        "path = \"../../harness-runtime\"",
        &format!("path = {:?}", runtime.display().to_string()),
    );
    assert_ne!(
        relocated, manifest,
        "examples/downstream names harness-runtime by path"
    );
    std::fs::write(at.join("Cargo.toml"), relocated).unwrap();
    for name in extra {
        copy_dir(
            &root().join("fixtures").join(name),
            &at.join("fixtures").join(name),
        );
    }
}

/// The one run directory under an output root.
pub fn run_dir(out: &Path) -> PathBuf {
    super::runs::only_run_dir(out)
}

/// `summary.json` and `frontier.json` of a report directory.
pub fn reports(dir: &Path) -> (serde_json::Value, serde_json::Value) {
    let read = |name: &str| -> serde_json::Value {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        serde_json::from_str(&text).unwrap()
    };
    (read("summary.json"), read("frontier.json"))
}

/// `harness report --out <out> <runs...>`, which must succeed.
pub fn report(out: &Path, runs: &[PathBuf]) {
    let mut command = Command::new(super::runs::HARNESS);
    command.arg("report").arg("--out").arg(out).args(runs);
    succeed(&mut command, "harness report");
}

/// The case names a run recorded.
pub fn cases(run: &Path) -> BTreeSet<String> {
    super::runs::ledger_cases(run).into_keys().collect()
}

/// Shards are disjoint, none is empty, their sizes differ by at most `spread`, and together
/// they are `whole`.
pub fn assert_partitioned(shards: &[BTreeSet<String>], whole: &BTreeSet<String>, spread: usize) {
    let mut union = BTreeSet::new();
    for shard in shards {
        assert!(!shard.is_empty(), "an empty shard: {shards:?}");
        for case in shard {
            assert!(union.insert(case.clone()), "{case} ran in two shards");
        }
    }
    assert_eq!(&union, whole, "the shards together are not the single run");
    let sizes: Vec<usize> = shards.iter().map(BTreeSet::len).collect();
    let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
    assert!(max - min <= spread, "unbalanced shards: {sizes:?}");
}
