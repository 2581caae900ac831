#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use harness_fixture::Contract;

use super::agents::handoff_note;
use super::baseline::looks_like_a_test;
use super::plan::{Edit, Plan, PythonLookup, panic_text, plan};
use super::*;

fn fixture(id: &str) -> Fixture {
    Fixture::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures")
            .join(id),
    )
    .unwrap()
}

fn planned(strategy: Strategy, id: &str) -> Plan {
    plan(strategy, &Baseline::from_fixture(&fixture(id)))
}

fn paths(plan: &Plan) -> Vec<String> {
    plan.edits
        .iter()
        .map(|edit| match edit {
            Edit::Write { path, .. } => format!("write {path}"),
            Edit::Delete { path } => format!("delete {path}"),
        })
        .collect()
}

#[test]
fn the_baseline_splits_scope_from_the_visible_tests() {
    let baseline = Baseline::from_fixture(&fixture("py-slugify"));
    let in_scope: Vec<&str> = baseline.in_scope.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        in_scope,
        vec![
            "handoff/README.md",
            "src/textkit/__init__.py",
            "src/textkit/slugify.py"
        ]
    );
    let tests: Vec<&str> = baseline.tests.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(tests, vec!["tests/test_slugify.py"]);
}

#[test]
fn plans_per_language() {
    assert_eq!(
        paths(&planned(Strategy::DeleteInScope, "sh-semver")),
        vec![
            "delete bin/semver",
            "delete handoff/README.md",
            "delete lib/semver.sh"
        ]
    );
    assert_eq!(
        paths(&planned(Strategy::TypeDefault, "sh-semver")),
        vec!["write bin/semver", "write lib/semver.sh"]
    );
    let always_equal = planned(Strategy::AlwaysEqual, "sh-semver");
    assert!(!always_equal.applicable());
    assert!(
        always_equal.not_applicable_reason().contains("shell"),
        "{:?}",
        always_equal
    );
    assert!(!planned(Strategy::LookupTable, "sh-semver").applicable());

    assert_eq!(
        paths(&planned(Strategy::AlwaysEqual, "rs-wordfreq")),
        vec!["write src/lib.rs", "write src/tokenize.rs"]
    );
    let lookup = planned(Strategy::LookupTable, "rs-wordfreq");
    assert_eq!(
        paths(&lookup),
        vec!["write src/lib.rs", "write src/tokenize.rs"]
    );

    let lookup = planned(Strategy::LookupTable, "py-intervals");
    assert_eq!(
        lookup.python_lookup,
        Some(PythonLookup {
            code: vec![
                "src/intervals/__init__.py".into(),
                "src/intervals/merge.py".into()
            ],
            tests: vec!["tests/test_merge.py".into()],
        })
    );
    assert_eq!(
        paths(&planned(Strategy::EmptyInScope, "py-intervals")),
        vec![
            "write handoff/README.md",
            "write src/intervals/__init__.py",
            "write src/intervals/merge.py"
        ]
    );
}

fn case(reward: Option<f64>, scores: &[(&str, f64)]) -> CaseResult {
    let mut result = CaseResult::errored(
        "audit",
        "x::y",
        "x",
        "y",
        FixtureKind::WorkItem,
        String::new(),
    );
    result.status = CaseStatus::Failed;
    result.error = None;
    result.reward = reward;
    result.checks = scores
        .iter()
        .map(|(name, score)| crate::result::CheckResult {
            name: (*name).to_owned(),
            hidden: false,
            passed: *score >= 1.0,
            exit_code: Some(0),
            duration_ms: 0,
            timed_out: false,
            output_tail: String::new(),
            report: "pytest".to_owned(),
            score: *score,
            tests: Vec::new(),
            missing: Vec::new(),
            tripwire: None,
            seed: None,
            network: false,
            cached: false,
            skipped: None,
        })
        .collect();
    result
}

fn contract() -> Contract {
    toml::from_str(
        "[scope]\nallow = [\"src\"]\n[[checks]]\nname = \"visible\"\nrun = [\"pytest\"]\nweight = 0.0\n[[checks]]\nname = \"hidden\"\nrun = [\"pytest\"]\npartial = true\n",
    )
    .unwrap()
}

#[test]
fn a_strategy_earning_more_than_noop_names_the_checks_whose_score_rose() {
    let noop = case(Some(0.0), &[("visible", 0.0), ("hidden", 0.25)]);
    // The partial hidden check rose from 0.25 to 0.5: the reward with it.
    let gamer = case(Some(0.25), &[("visible", 1.0), ("hidden", 0.5)]);
    let outcome = compare(Strategy::AlwaysEqual, &gamer, &noop, &contract(), 7);
    assert_eq!(outcome.verdict, Verdict::LetThrough);
    let through: Vec<(&str, f64, f64, f64)> = outcome
        .let_through
        .iter()
        .map(|check| {
            (
                check.check.as_str(),
                check.weight,
                check.noop_score,
                check.score,
            )
        })
        .collect();
    // The reward-bearing check first.
    assert_eq!(
        through,
        vec![("hidden", 1.0, 0.25, 0.5), ("visible", 0.0, 0.0, 1.0)]
    );
    assert!(
        outcome
            .let_through
            .iter()
            .all(|check| check.report == "pytest")
    );
    assert!(
        outcome
            .advice
            .iter()
            .any(|line| line.contains("check `hidden` (pytest, weight 1)")
                && line.contains("add a type assertion")),
        "{:?}",
        outcome.advice
    );
    assert_eq!(outcome.duration_ms, 7);
}

#[test]
fn a_strategy_earning_no_more_than_noop_is_held() {
    let noop = case(Some(0.0), &[("visible", 0.0), ("hidden", 0.0)]);
    let gamer = case(Some(0.0), &[("visible", 1.0), ("hidden", 0.0)]);
    let outcome = compare(Strategy::LookupTable, &gamer, &noop, &contract(), 0);
    assert_eq!(outcome.verdict, Verdict::Held);
    assert!(outcome.let_through.is_empty() && outcome.advice.is_empty());
    assert_eq!(outcome.rose_unpaid.len(), 1);
    assert_eq!(outcome.rose_unpaid[0].check, "visible");

    let mut failed = case(Some(-0.1), &[]);
    failed.error = Some("agent: failed to parse src/lib.rs: expected `;`".to_owned());
    let outcome = compare(Strategy::TypeDefault, &failed, &noop, &contract(), 0);
    assert_eq!(outcome.verdict, Verdict::Held);
    assert_eq!(
        outcome.failed_to_apply.as_deref(),
        Some("failed to parse src/lib.rs: expected `;`")
    );

    let mut errored = case(None, &[]);
    errored.status = CaseStatus::Errored;
    errored.error = Some("disk full".to_owned());
    let outcome = compare(Strategy::TypeDefault, &errored, &noop, &contract(), 0);
    assert_eq!(outcome.verdict, Verdict::Errored);
    assert_eq!(outcome.error.as_deref(), Some("disk full"));
}

#[test]
fn refused_when_one_lets_through_or_errors() {
    let noop = case(Some(0.0), &[("visible", 0.0), ("hidden", 0.0)]);
    let held = compare(
        Strategy::EmptyInScope,
        &case(Some(-0.1), &[]),
        &noop,
        &contract(),
        0,
    );
    let through = compare(
        Strategy::AlwaysEqual,
        &case(Some(1.0), &[("visible", 1.0), ("hidden", 1.0)]),
        &noop,
        &contract(),
        0,
    );
    let mut errored = case(None, &[]);
    errored.status = CaseStatus::Errored;
    let errored = compare(Strategy::TypeDefault, &errored, &noop, &contract(), 0);
    assert!(!refuses(std::slice::from_ref(&held)));
    assert!(refuses(&[held.clone(), through]));
    assert!(refuses(&[held, errored]));
}

#[test]
fn a_panic_is_recorded_with_its_message() {
    let caught = std::panic::catch_unwind(|| panic!("deep {}", "trouble")).unwrap_err();
    assert_eq!(panic_text(&*caught), "deep trouble");
    let caught = std::panic::catch_unwind(|| std::panic::panic_any(7_u8)).unwrap_err();
    assert_eq!(panic_text(&*caught), "a panic without a message");
}

#[test]
fn the_handoff_meets_the_content_rules() {
    let note = handoff_note(&["slugify".into(), "unicode".into()], 300);
    assert!(note.len() >= 300);
    assert!(note.contains("slugify") && note.contains("unicode"));
}

#[test]
fn looks_like_a_test_by_path() {
    assert!(looks_like_a_test("tests/test_x.py"));
    assert!(looks_like_a_test("tests/visible.rs"));
    assert!(looks_like_a_test("pkg/test_x.py"));
    assert!(looks_like_a_test("pkg/x_test.py"));
    assert!(!looks_like_a_test("src/x.py"));
    assert!(!looks_like_a_test("tests/run.sh"));
}
