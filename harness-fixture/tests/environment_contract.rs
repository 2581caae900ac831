//! `[environment]` in a contract: parsed, and every problem in it reported at once with its
//! field.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

use std::fs;
use std::path::Path;

use harness_fixture::Fixture;

fn fixture_with(root: &Path, environment: &str) -> std::path::PathBuf {
    let dir = root.join("envy");
    for (path, content) in [
        (
            "repo/evaluation/contract.toml",
            format!(
                "[scope]\nallow = [\"src\"]\n\n{environment}\n[[checks]]\nname = \"t\"\nrun = [\"true\"]\nreport = \"exit\"\n"
            ),
        ),
        (
            "repo/work/item.toml",
            "id = \"item-1\"\ntitle = \"t\"\nstatement = \"s\"\nstatus = \"open\"\n".to_owned(),
        ),
        ("repo/requirements.txt", "six\n".to_owned()),
        ("repo/src/a.py", "x = 1\n".to_owned()),
        ("oracle/src/a.py", "x = 2\n".to_owned()),
    ] {
        let full = dir.join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, content).unwrap();
    }
    dir
}

#[test]
fn a_valid_environment_loads() {
    let root = tempfile::tempdir().unwrap();
    let dir = fixture_with(
        root.path(),
        "[environment]\nsetup = [[\"python3\", \"-m\", \"venv\", \"{env}/venv\"]]\ninputs = [\"requirements.txt\"]\npath = [\"venv/bin\"]\n",
    );
    let fixture = Fixture::load(&dir).unwrap();
    let environment = fixture.contract.environment.unwrap();
    assert_eq!(environment.setup[0][3], "{env}/venv");
    assert_eq!(environment.path, vec!["venv/bin".to_owned()]);
    assert_eq!(environment.timeout_s, 1800);
}

#[test]
fn every_environment_problem_is_reported_with_its_field() {
    let root = tempfile::tempdir().unwrap();
    let dir = fixture_with(
        root.path(),
        "[environment]\nsetup = [[\"true\"], []]\ninputs = [\"requirements.txt\", \"Cargo.lock\"]\npath = [\"../bin\"]\ntimeout_s = 0\n",
    );
    let error = Fixture::load(&dir).unwrap_err().to_string();
    for expected in [
        "environment.setup[1]: must be a non-empty argv list",
        "environment.inputs[1]: `Cargo.lock` is not a baseline file",
        "environment.path[0]: must be a directory inside the environment",
        "environment.timeout_s: must be at least 1 second",
    ] {
        assert!(error.contains(expected), "{expected}\n{error}");
    }
    assert!(!error.contains("inputs[0]"), "{error}");

    let dir = fixture_with(
        root.path(),
        "[environment]\nsetup = [[\"true\"]]\nshell = \"bash\"\n",
    );
    let error = Fixture::load(&dir).unwrap_err().to_string();
    assert!(error.contains("unknown field `shell`"), "{error}");
}
