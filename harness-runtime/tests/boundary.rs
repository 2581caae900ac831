//! Checks the graded code cannot read or fool, end to end on the shipped fixtures:
//! differential checks replay exactly from their seed, and a sealed hidden cargo check
//! builds the graded crate (its build script included) before any hidden source exists.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use harness_runtime::{Agent, CaseSpec, Fixture, Sandbox, Settings, run_case};

fn fixture(id: &str) -> Arc<Fixture> {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(id);
    Arc::new(Fixture::load(&dir).unwrap())
}

fn tests_of(result: &harness_runtime::CaseResult, check: &str) -> Vec<(String, String)> {
    result
        .checks
        .iter()
        .find(|result| result.name == check)
        .unwrap()
        .tests
        .iter()
        .map(|test| (test.id.clone(), test.outcome.as_str().to_owned()))
        .collect()
}

#[test]
fn a_differential_check_replays_exactly_from_its_seed() {
    let fixture = fixture("py-slugify");
    let settings = Settings::from_env();
    let first = run_case(&CaseSpec::new(fixture.clone(), Agent::Noop), &settings, "t").result;
    let hidden = first
        .checks
        .iter()
        .find(|check| check.name == "hidden")
        .unwrap();
    let seed = hidden.seed.expect("a differential check records its seed");
    assert_eq!(hidden.report, "differential");
    assert_eq!(hidden.tests.len(), 150);
    assert!(
        hidden
            .tests
            .iter()
            .any(|test| test.outcome.as_str() == "failed")
    );

    let mut replay = settings.clone();
    replay.check_seed = Some(seed);
    let again = run_case(&CaseSpec::new(fixture.clone(), Agent::Noop), &replay, "t").result;
    assert_eq!(
        again
            .checks
            .iter()
            .find(|check| check.name == "hidden")
            .unwrap()
            .seed,
        Some(seed)
    );
    assert_eq!(tests_of(&again, "hidden"), tests_of(&first, "hidden"));

    // Another seed draws other inputs (the same ids, other outcomes somewhere).
    let mut other = settings;
    other.check_seed = Some(seed.wrapping_add(1));
    let different = run_case(&CaseSpec::new(fixture, Agent::Noop), &other, "t").result;
    assert_ne!(tests_of(&different, "hidden"), tests_of(&first, "hidden"));
}

/// Fixes the crate (the oracle's files) and adds a build script that reports, as a cargo
/// warning, every test source it can find next to the crate or the harness's own package.
fn fix_with_a_snooping_build_script(sb: &mut Sandbox<'_>) -> Result<(), String> {
    let oracle = sb.fixture_dir().join("oracle");
    for relative in ["src/lib.rs", "src/tokenize.rs"] {
        let text = std::fs::read_to_string(oracle.join(relative)).map_err(|e| e.to_string())?;
        sb.write(relative, text).map_err(|e| e.to_string())?;
    }
    sb.write(
        "build.rs",
        r#"fn main() {
    let root = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let mut seen = Vec::new();
    let mut pending = vec![root.clone(), root.join("..")];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
            if path.is_dir() && !name.starts_with("target") && !name.starts_with('.') && pending.len() < 200 {
                pending.push(path);
            } else if name == "hidden.rs" {
                seen.push(path.display().to_string());
            }
        }
    }
    println!("cargo:warning=snooping build script saw hidden sources: [{}]", seen.join(", "));
    println!("cargo:rerun-if-changed=build.rs");
}
"#,
    )
    .map_err(|e| e.to_string())?;
    sb.close_work_item().map_err(|e| e.to_string())
}

#[test]
fn a_build_script_finds_no_hidden_source_in_any_check() {
    let agent = Agent::Function {
        name: "snooping_build_script".into(),
        run: fix_with_a_snooping_build_script,
    };
    let output = run_case(
        &CaseSpec::new(fixture("rs-wordfreq"), agent),
        &Settings::from_env(),
        "t",
    );
    let result = &output.result;
    let hidden = result
        .checks
        .iter()
        .find(|check| check.name == "hidden")
        .unwrap();
    assert!(
        hidden.passed,
        "the fix passes the sealed check: {}",
        hidden.output_tail
    );
    let mut runs = 0;
    for (check, log) in &output.logs.checks {
        for line in log
            .lines()
            .filter(|line| line.contains("snooping build script saw"))
        {
            runs += 1;
            assert!(
                line.ends_with("hidden sources: []"),
                "check `{check}` let a build script see a hidden source: {line}"
            );
        }
    }
    assert!(
        runs >= 2,
        "the build script ran in the checks: {:?}",
        output.logs.checks
    );
}
