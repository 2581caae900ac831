use super::*;
use crate::grade::testreport::{Group, ReportedTest, Summary};
use std::time::Duration;

fn process(exit: Option<i32>) -> ProcessOutcome {
    ProcessOutcome {
        exit_code: exit,
        signal: if exit.is_none() { Some(9) } else { None },
        timed_out: false,
        resource_limit: None,
        duration: Duration::ZERO,
        confinement: "none".into(),
        lifetime: "session",
        output_tail: String::new(),
        spawn_error: None,
    }
}

fn report(tests: &[(&str, TestOutcome)], ok: Option<bool>) -> ParsedReport {
    ParsedReport {
        tests: tests
            .iter()
            .map(|(id, outcome)| ReportedTest {
                id: (*id).to_owned(),
                outcome: *outcome,
                group: 0,
            })
            .collect(),
        groups: vec![Group {
            name: String::new(),
            summary: ok.map(|ok| Summary {
                ok,
                ..Summary::default()
            }),
        }],
    }
}

fn lock(tests: &[(&str, TestOutcome)], flaky: &[&str]) -> LockedCheck {
    LockedCheck {
        report: ReportFormat::Unittest,
        flaky: flaky.iter().map(|id| (*id).to_owned()).collect(),
        tests: tests
            .iter()
            .map(|(id, outcome)| ((*id).to_owned(), *outcome))
            .collect(),
    }
}

fn tripwire() -> Tripwire {
    Tripwire {
        expect: Expect::Single {
            suffix: ".FreshTests.test_fresh".into(),
        },
        appends: Vec::new(),
    }
}

use TestOutcome::{Errored, Failed, Passed, Skipped};
const TRIP: &str = "m.FreshTests.test_fresh";

fn judged(
    exit: Option<i32>,
    reported: &ParsedReport,
    locked: Option<&LockedCheck>,
    partial: bool,
) -> Verdict {
    let process = process(exit);
    let tripwire = tripwire();
    judge(&Evidence {
        format: ReportFormat::Unittest,
        process: &process,
        report: reported,
        lock: locked,
        tripwire: Some(&tripwire),
        partial,
    })
}

#[test]
fn an_honest_passing_run_fails_only_the_tripwire() {
    let locked = lock(&[("m.a", Passed), ("m.b", Passed), ("m.s", Skipped)], &[]);
    let reported = report(
        &[("m.a", Passed), ("m.b", Passed), (TRIP, Failed)],
        Some(false),
    );
    let verdict = judged(Some(1), &reported, Some(&locked), false);
    assert!(verdict.passed, "{verdict:?}");
    assert_eq!(verdict.score, 1.0);
    assert_eq!(verdict.tripwire, Some(TripwireSeen::Failed));
    assert_eq!(verdict.tests.len(), 2, "the tripwire is left out");
}

#[test]
fn an_early_successful_exit_is_forged() {
    let locked = lock(&[("m.a", Passed), ("m.b", Passed)], &[]);
    let reported = report(&[("m.a", Passed)], None);
    let verdict = judged(Some(0), &reported, Some(&locked), false);
    assert!(!verdict.passed);
    assert_eq!(verdict.missing, ["m.b"]);
    assert!(
        verdict
            .forged
            .iter()
            .any(|reason| reason.contains("tripwire test is missing"))
    );
    assert!(
        verdict
            .forged
            .iter()
            .any(|reason| reason.contains("1 locked test is missing"))
    );
}

#[test]
fn a_crash_with_a_failing_status_just_fails() {
    let locked = lock(&[("m.a", Passed), ("m.b", Passed)], &[]);
    let reported = report(&[("m.a", Passed)], None);
    let verdict = judged(Some(1), &reported, Some(&locked), false);
    assert!(!verdict.passed);
    assert!(verdict.forged.is_empty(), "{verdict:?}");
    let verdict = judged(None, &reported, Some(&locked), false);
    assert!(verdict.forged.is_empty() && !verdict.passed);
}

#[test]
fn every_test_reported_passed_is_forged_by_the_tripwire() {
    let reported = report(&[("m.a", Passed), (TRIP, Passed)], Some(true));
    let verdict = judged(Some(0), &reported, None, false);
    assert_eq!(verdict.tripwire, Some(TripwireSeen::Forged));
    assert!(!verdict.passed && !verdict.forged.is_empty());
}

#[test]
fn every_test_skipped_is_forged() {
    let locked = lock(&[("m.a", Passed)], &[]);
    let reported = report(&[("m.a", Skipped), (TRIP, Skipped)], Some(true));
    let verdict = judged(Some(0), &reported, Some(&locked), false);
    assert!(
        verdict
            .forged
            .iter()
            .any(|reason| reason.contains("reported skipped"))
    );
    assert!(
        verdict
            .forged
            .iter()
            .any(|reason| reason.contains("locked as passed reported skipped"))
    );
}

#[test]
fn a_failing_locked_test_fails_the_check_and_partial_counts_it() {
    let locked = lock(
        &[
            ("m.a", Passed),
            ("m.b", Passed),
            ("m.c", Passed),
            ("m.d", Passed),
        ],
        &[],
    );
    let reported = report(
        &[
            ("m.a", Passed),
            ("m.b", Passed),
            ("m.c", Passed),
            ("m.d", Failed),
            (TRIP, Failed),
        ],
        Some(false),
    );
    let verdict = judged(Some(1), &reported, Some(&locked), true);
    assert!(!verdict.passed);
    assert_eq!(verdict.score, 0.75);
    assert!(judged(Some(1), &reported, Some(&locked), false).score == 0.0);
}

#[test]
fn flaky_ids_count_neither_way() {
    let locked = lock(&[("m.a", Passed), ("m.f", Passed)], &["m.f"]);
    let reported = report(
        &[("m.a", Passed), ("m.f", Failed), (TRIP, Failed)],
        Some(false),
    );
    assert!(judged(Some(1), &reported, Some(&locked), false).passed);
    let reported = report(&[("m.a", Passed), (TRIP, Failed)], Some(false));
    assert!(judged(Some(1), &reported, Some(&locked), false).passed);
}

#[test]
fn a_failing_flaky_test_excuses_the_exit_status_without_a_tripwire() {
    let process = process(Some(1));
    let locked = lock(&[("t1", Passed), ("t2", Passed)], &["t2"]);
    let reported = report(&[("t1", Passed), ("t2", Failed)], Some(false));
    let verdict = judge(&Evidence {
        format: ReportFormat::Tap,
        process: &process,
        report: &reported,
        lock: Some(&locked),
        tripwire: None,
        partial: false,
    });
    assert!(verdict.passed, "{verdict:?}");
}

#[test]
fn a_tripwire_that_errored_is_a_crash_not_a_forgery() {
    let reported = report(&[("m.a", Passed), (TRIP, Errored)], Some(false));
    let verdict = judged(Some(1), &reported, None, false);
    assert!(!verdict.passed && verdict.forged.is_empty());
}

#[test]
fn exit_status_zero_with_the_tripwire_failed_is_forged() {
    let reported = report(&[("m.a", Passed), (TRIP, Failed)], None);
    let verdict = judged(Some(0), &reported, None, false);
    assert!(!verdict.passed);
    assert!(
        verdict
            .forged
            .iter()
            .any(|reason| reason.contains("exited 0"))
    );
}

#[test]
fn without_a_tripwire_the_exit_status_must_agree() {
    let process = process(Some(1));
    let reported = report(&[("t1", Passed)], Some(false));
    let verdict = judge(&Evidence {
        format: ReportFormat::Tap,
        process: &process,
        report: &reported,
        lock: None,
        tripwire: None,
        partial: false,
    });
    assert!(!verdict.passed && verdict.forged.is_empty());
}

#[test]
fn libtest_needs_a_failed_tripwire_in_every_binary_but_doc_tests() {
    let tripwire = Tripwire {
        expect: Expect::PerBinary {
            name: "fresh_one".into(),
        },
        appends: Vec::new(),
    };
    let group = |name: &str, ok: bool| Group {
        name: name.into(),
        summary: Some(Summary {
            ok,
            ..Summary::default()
        }),
    };
    let test = |id: &str, outcome, group| ReportedTest {
        id: id.into(),
        outcome,
        group,
    };
    let reported = ParsedReport {
        tests: vec![
            test("src/lib.rs::unit", Passed, 0),
            test("src/lib.rs::fresh_one", Failed, 0),
            test("tests/visible.rs::counts", Passed, 1),
            test("tests/visible.rs::fresh_one", Failed, 1),
            test("doctest:w::src/lib.rs - f (line 1)", Passed, 2),
        ],
        groups: vec![
            group("src/lib.rs", false),
            group("tests/visible.rs", false),
            group("doctest:w", true),
        ],
    };
    let failing = process(Some(101));
    let exited = process(Some(0));
    let verdict_of = |reported: &ParsedReport, process: &ProcessOutcome| {
        judge(&Evidence {
            format: ReportFormat::Libtest,
            process,
            report: reported,
            lock: None,
            tripwire: Some(&tripwire),
            partial: false,
        })
    };
    let verdict = verdict_of(&reported, &failing);
    assert!(verdict.passed, "{verdict:?}");
    assert_eq!(verdict.tests.len(), 3);
    // One binary lost its tripwire (it exited early) while cargo claims success.
    let mut truncated = reported.clone();
    truncated.tests.remove(3);
    let verdict = verdict_of(&truncated, &exited);
    assert!(!verdict.passed && !verdict.forged.is_empty(), "{verdict:?}");
    // The same with cargo failing: an honest crash.
    let verdict = verdict_of(&truncated, &failing);
    assert!(!verdict.passed && verdict.forged.is_empty(), "{verdict:?}");
}
