//! Parse problems are reported as the README promises, "every problem as
//! file:line:col: field: message": every unknown key of a contract at once, each where it
//! is, and a misspelt work-item key by its own name rather than as a missing field.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

use std::fs;
use std::path::{Path, PathBuf};

use harness_fixture::{Fixture, FixtureError, Problem};

const CONTRACT: &str =
    "[scope]\nallow = [\"src\"]\n\n[[checks]]\nname = \"t\"\nrun = [\"true\"]\nreport = \"exit\"\n";
const WORK_ITEM: &str = "id = \"item-1\"\ntitle = \"t\"\nstatement = \"s\"\nstatus = \"open\"\n";

fn fixture_with(root: &Path, contract: &str, work_item: &str) -> PathBuf {
    let dir = root.join("typo");
    for (path, content) in [
        ("repo/evaluation/contract.toml", contract),
        ("repo/work/item.toml", work_item),
        ("repo/src/a.py", "x = 1\n"),
        ("oracle/src/a.py", "x = 2\n"),
    ] {
        let full = dir.join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, content).unwrap();
    }
    dir
}

fn problems(dir: &Path) -> Vec<Problem> {
    match Fixture::load(dir) {
        Err(FixtureError::Invalid { problems }) => problems,
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn a_contract_with_three_unknown_fields_reports_all_three_where_they_are() {
    let root = tempfile::tempdir().unwrap();
    // One at the top, one in a table, one in an array of tables.
    let contract = "bogus = 1\n[scope]\nallow = [\"src\"]\nallwo = [\"lib\"]\n\n[[checks]]\nname = \"t\"\nrun = [\"true\"]\nreport = \"exit\"\ntimout_s = 5\n";
    let dir = fixture_with(root.path(), contract, WORK_ITEM);
    let problems = problems(&dir);
    let unknown: Vec<(String, Option<(usize, usize)>)> = problems
        .iter()
        .filter(|problem| problem.message.starts_with("unknown field"))
        .map(|problem| (problem.field.clone(), problem.position))
        .collect();
    assert_eq!(
        unknown,
        vec![
            ("bogus".to_owned(), Some((1, 1))),
            ("scope.allwo".to_owned(), Some((4, 1))),
            ("checks[0].timout_s".to_owned(), Some((10, 1))),
        ],
        "{problems:#?}"
    );
    let timeout = problems
        .iter()
        .find(|problem| problem.field == "checks[0].timout_s")
        .unwrap();
    assert!(
        timeout.message.contains("did you mean `timeout_s`?"),
        "{timeout}"
    );
    assert!(
        timeout
            .to_string()
            .contains("contract.toml:10:1: checks[0].timout_s: unknown field `timout_s`"),
        "{timeout}"
    );
}

#[test]
fn unknown_fields_and_a_later_type_error_are_all_reported() {
    let root = tempfile::tempdir().unwrap();
    let contract = "bogus = 1\n[scope]\nallow = [\"src\"]\n\n[[checks]]\nname = \"t\"\nrun = [\"true\"]\nreport = \"exit\"\ntimeout_s = \"x\"\n";
    let dir = fixture_with(root.path(), contract, WORK_ITEM);
    let rendered: Vec<String> = problems(&dir).iter().map(ToString::to_string).collect();
    assert!(
        rendered[0].contains(":1:1: bogus: unknown field `bogus`"),
        "{rendered:#?}"
    );
    assert!(
        rendered[1].contains(":9:13: checks[0].timeout_s: invalid type"),
        "{rendered:#?}"
    );
}

#[test]
fn a_misspelt_work_item_key_is_named_as_unknown_where_it_is() {
    let root = tempfile::tempdir().unwrap();
    let item = "id = \"item-1\"\ntitle = \"t\"\nstatement = \"s\"\nstauts = \"open\"\n";
    let dir = fixture_with(root.path(), CONTRACT, item);
    let problems = problems(&dir);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let problem = &problems[0];
    assert_eq!(problem.field, "stauts", "{problem}");
    assert_eq!(problem.position, Some((4, 1)), "{problem}");
    assert!(
        problem
            .message
            .starts_with("unknown field `stauts`, did you mean `status`?"),
        "{problem}"
    );
    assert!(!problem.message.contains("missing"), "{problem}");
}

#[test]
fn two_misspelt_work_item_keys_are_both_named() {
    let root = tempfile::tempdir().unwrap();
    let item = "id = \"item-1\"\ntitel = \"t\"\nstatement = \"s\"\nstatsu = \"open\"\n";
    let dir = fixture_with(root.path(), CONTRACT, item);
    let fields: Vec<String> = problems(&dir)
        .iter()
        .map(|problem| problem.field.clone())
        .collect();
    assert_eq!(fields, vec!["titel".to_owned(), "statsu".to_owned()]);
}

#[test]
fn a_missing_work_item_key_with_nothing_like_it_is_still_missing() {
    let root = tempfile::tempdir().unwrap();
    let item = "id = \"item-1\"\ntitle = \"t\"\nstatement = \"s\"\nnotes = \"x\"\n";
    let dir = fixture_with(root.path(), CONTRACT, item);
    let problems = problems(&dir);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].message.contains("missing field `status`"),
        "{}",
        problems[0]
    );
}
