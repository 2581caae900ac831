use super::super::TestOutcome::{Failed, Passed, Skipped};
use super::*;
use similar_asserts::assert_eq;

/// (id, outcome, group name) of every reported test, in order.
fn table(report: &ParsedReport) -> Vec<(String, TestOutcome, String)> {
    report
        .tests
        .iter()
        .map(|t| (t.id.clone(), t.outcome, report.groups[t.group].name.clone()))
        .collect()
}

fn rows(rows: &[(&str, TestOutcome, &str)]) -> Vec<(String, TestOutcome, String)> {
    rows.iter()
        .map(|&(id, o, g)| (id.to_owned(), o, g.to_owned()))
        .collect()
}

fn summary(ran: Option<u64>, passed: u64, failed: u64, skipped: u64, ok: bool) -> Option<Summary> {
    Some(Summary {
        ran,
        passed: Some(passed),
        failed: Some(failed),
        skipped: Some(skipped),
        errored: None,
        ok,
    })
}

fn group(name: &str, summary: Option<Summary>) -> Group {
    Group {
        name: name.to_owned(),
        summary,
    }
}

#[test]
fn a_libtest_run_with_several_binaries_reports_each_binary() {
    let report = parse(include_str!("../samples/libtest-mixed.txt"));
    assert_eq!(
        table(&report),
        rows(&[
            ("src/lib.rs::tests::empty_panics", Passed, "src/lib.rs"),
            (
                "src/lib.rs::tests::counts_punctuation",
                Failed,
                "src/lib.rs"
            ),
            ("src/lib.rs::tests::fetches_corpus", Skipped, "src/lib.rs"),
            ("src/lib.rs::tests::lowercases", Passed, "src/lib.rs"),
            ("src/lib.rs::tests::slow_corpus", Skipped, "src/lib.rs"),
            ("src/lib.rs::tests::parses", Passed, "src/lib.rs"),
            ("src/bin/stats.rs::stats_counts", Passed, "src/bin/stats.rs"),
            ("src/main.rs::tests::main_runs", Passed, "src/main.rs"),
            (
                "tests/hidden.rs::empty_text_counts_nothing",
                Passed,
                "tests/hidden.rs"
            ),
            ("tests/hidden.rs::unicode_words", Passed, "tests/hidden.rs"),
            ("tests/visible.rs::counts_words", Passed, "tests/visible.rs"),
            ("tests/visible.rs::top_n_orders", Passed, "tests/visible.rs"),
            (
                "tests/visible.rs::top_n_ties_alphabetical",
                Failed,
                "tests/visible.rs"
            ),
            (
                "doctest:wordfreq::src/lib.rs - top_n (line 20)",
                Passed,
                "doctest:wordfreq"
            ),
            (
                "doctest:wordfreq::src/lib.rs - (line 3)",
                Passed,
                "doctest:wordfreq"
            ),
            (
                "doctest:wordfreq::src/lib.rs - top_n (line 25)",
                Failed,
                "doctest:wordfreq"
            ),
            (
                "doctest:wordfreq::src/lib.rs - top_n (line 30)",
                Skipped,
                "doctest:wordfreq"
            ),
        ])
    );
    assert_eq!(
        report.groups,
        vec![
            group("src/lib.rs", summary(Some(6), 3, 1, 2, false)),
            group("src/bin/stats.rs", summary(Some(1), 1, 0, 0, true)),
            group("src/main.rs", summary(Some(1), 1, 0, 0, true)),
            group("tests/hidden.rs", summary(Some(2), 2, 0, 0, true)),
            group("tests/visible.rs", summary(Some(3), 2, 1, 0, false)),
            // Merged doctests (3) and the standalone ignored one (1): two blocks.
            group("doctest:wordfreq", summary(Some(4), 2, 1, 1, false)),
        ]
    );
    assert!(report.overclaiming_groups().is_empty());
    assert!(report.claims_success(), "three binaries passed");
}

#[test]
fn a_passing_libtest_run_claims_success_without_overclaiming() {
    let report = parse(include_str!("../samples/libtest-passing.txt"));
    assert_eq!(report.tests.len(), 12);
    assert!(report.tests.iter().all(|t| t.outcome != Failed));
    assert_eq!(
        report.outcome("src/lib.rs::tests::fetches_corpus"),
        Some(Skipped)
    );
    assert_eq!(
        report.groups.last(),
        Some(&group("doctest:wordfreq", summary(Some(1), 1, 0, 0, true)))
    );
    assert!(
        report
            .groups
            .iter()
            .all(|g| g.summary.as_ref().is_some_and(|s| s.ok))
    );
    assert!(report.overclaiming_groups().is_empty());
}

#[test]
fn a_binary_that_exits_early_has_no_summary_and_cargo_moves_on() {
    let report = parse(include_str!("../samples/libtest-early-exit.txt"));
    assert_eq!(
        table(&report),
        rows(&[
            ("tests/bail.rs::first_check", Passed, "tests/bail.rs"),
            ("tests/visible.rs::counts_words", Passed, "tests/visible.rs"),
            ("tests/visible.rs::top_n_orders", Passed, "tests/visible.rs"),
            (
                "tests/visible.rs::top_n_ties_alphabetical",
                Failed,
                "tests/visible.rs"
            ),
        ])
    );
    assert_eq!(report.groups[0], group("tests/bail.rs", None));
    assert_eq!(report.outcome("tests/bail.rs::leaves_early"), None);
    assert!(!report.claims_success());
}

#[test]
fn a_binary_killed_by_a_signal_reports_nothing_and_claims_nothing() {
    let report = parse(include_str!("../samples/libtest-signal.txt"));
    assert!(report.tests.is_empty());
    assert_eq!(report.groups, vec![group("tests/edge.rs", None)]);
    assert!(!report.claims_success());
}

#[test]
fn cargo_run_lines_are_not_test_binaries() {
    let log = "     Running `target/debug/wordfreq a`\nrunning 1 test\ntest a ... ok\n";
    let report = parse(log);
    assert_eq!(table(&report), rows(&[("a", Passed, "")]));
}

#[test]
fn output_splitting_a_result_line_still_reports_the_test() {
    let report = parse(include_str!("../samples/libtest-nocapture.txt"));
    assert_eq!(
        table(&report),
        rows(&[
            (
                "src/lib.rs::tests::counts_punctuation",
                Failed,
                "src/lib.rs"
            ),
            ("src/lib.rs::tests::empty_panics", Passed, "src/lib.rs"),
            ("src/lib.rs::tests::fetches_corpus", Skipped, "src/lib.rs"),
            ("src/lib.rs::tests::lowercases", Passed, "src/lib.rs"),
            ("src/lib.rs::tests::parses", Passed, "src/lib.rs"),
            ("src/lib.rs::tests::slow_corpus", Skipped, "src/lib.rs"),
        ])
    );
    assert!(report.overclaiming_groups().is_empty());
}

#[test]
fn two_packages_with_the_same_source_path_are_told_apart_by_binary() {
    let report = parse(include_str!("../samples/libtest-workspace.txt"));
    assert_eq!(
        table(&report),
        rows(&[
            (
                "src/lib.rs [alpha]::tests::adds",
                Passed,
                "src/lib.rs [alpha]"
            ),
            (
                "src/lib.rs [beta]::tests::adds",
                Passed,
                "src/lib.rs [beta]"
            ),
            (
                "src/lib.rs [beta]::tests::doubles_zero",
                Passed,
                "src/lib.rs [beta]"
            ),
        ])
    );
    let names: Vec<&str> = report.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "src/lib.rs [alpha]",
            "src/lib.rs [beta]",
            "doctest:alpha",
            "doctest:beta"
        ]
    );
}

#[test]
fn a_forged_summary_after_two_tests_is_overclaiming() {
    let log = "     Running tests/visible.rs (target/debug/deps/visible-1579004087883f7c)\n\
               \n\
               running 3 tests\n\
               test counts_words ... ok\n\
               test top_n_orders ... ok\n\
               test result: ok. 99 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n";
    let report = parse(log);
    assert_eq!(
        report.overclaiming_groups(),
        vec!["tests/visible.rs".to_owned()]
    );
    assert!(report.claims_success());
}

#[test]
fn a_forged_summary_beside_the_real_one_adds_to_its_claims() {
    // Written straight to the terminal by a test (bypassing capture), then the real one.
    let log = "running 2 tests\n\
               test a ... ok\n\
               test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n\
               test b ... FAILED\n\
               \n\
               test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n";
    let report = parse(log);
    assert_eq!(report.groups.len(), 1);
    assert_eq!(report.groups[0].name, "");
    assert_eq!(report.outcome("b"), Some(Failed));
    assert_eq!(report.overclaiming_groups(), vec![String::new()]);
    assert!(!report.claims_success());
}

#[test]
fn captured_output_cannot_report_tests() {
    let log = [
        "     Running tests/a.rs (target/debug/deps/a-0123)",
        "running 1 test",
        "test loud ... FAILED",
        "",
        "failures:",
        "",
        "---- loud stdout ----",
        "test other ... ok",
        "     Running tests/b.rs (target/debug/deps/b-0123)",
        "test result: ok. 5 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
        "",
        "failures:",
        "    loud",
        "",
        "test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
    ]
    .join("\n");
    let report = parse(&log);
    assert_eq!(
        table(&report),
        rows(&[("tests/a.rs::loud", Failed, "tests/a.rs")])
    );
    assert_eq!(
        report.groups,
        vec![group("tests/a.rs", summary(Some(1), 0, 1, 0, false))]
    );
}

#[test]
fn nextest_output_reports_each_binary_and_the_run() {
    let report = parse(include_str!("../samples/nextest-mixed.txt"));
    assert_eq!(
        table(&report),
        rows(&[
            ("wordfreq::tests::fetches_corpus", Skipped, "wordfreq"),
            ("wordfreq::tests::empty_panics", Passed, "wordfreq"),
            ("wordfreq::tests::counts_punctuation", Failed, "wordfreq"),
            ("wordfreq::tests::slow_corpus", Skipped, "wordfreq"),
            ("wordfreq::tests::parses", Passed, "wordfreq"),
            ("wordfreq::tests::lowercases", Passed, "wordfreq"),
            (
                "wordfreq::hidden::empty_text_counts_nothing",
                Passed,
                "wordfreq::hidden"
            ),
            (
                "wordfreq::visible::counts_words",
                Passed,
                "wordfreq::visible"
            ),
            (
                "wordfreq::hidden::unicode_words",
                Passed,
                "wordfreq::hidden"
            ),
            (
                "wordfreq::visible::top_n_orders",
                Passed,
                "wordfreq::visible"
            ),
            (
                "wordfreq::bin/stats::stats_counts",
                Passed,
                "wordfreq::bin/stats"
            ),
            (
                "wordfreq::visible::top_n_ties_alphabetical",
                Failed,
                "wordfreq::visible"
            ),
            (
                "wordfreq::bin/wordfreq::tests::main_runs",
                Passed,
                "wordfreq::bin/wordfreq"
            ),
        ])
    );
    let run = report.groups.last().expect("a run group");
    assert_eq!(
        run,
        &group(NEXTEST_RUN_GROUP, summary(Some(11), 9, 2, 2, false))
    );
    assert_eq!(report.groups.len(), 6);
    assert!(report.overclaiming_groups().is_empty());
    assert!(!report.claims_success());
}

#[test]
fn nextest_with_default_flags_skips_the_indented_captured_output() {
    let report = parse(include_str!("../samples/nextest-default-flags.txt"));
    // Skipped tests are below the default status level: 11 lines, not 13.
    assert_eq!(report.tests.len(), 11);
    assert_eq!(
        report.outcome("wordfreq::tests::counts_punctuation"),
        Some(Failed)
    );
    assert_eq!(report.outcome("wordfreq::tests::slow_corpus"), None);
    assert_eq!(
        report.groups.last().and_then(|g| g.summary.clone()),
        summary(Some(11), 9, 2, 2, false)
    );
    assert!(report.overclaiming_groups().is_empty());
}

#[test]
fn nextest_signals_timeouts_and_leaks_are_told_apart() {
    let report = parse(include_str!("../samples/nextest-signals.txt"));
    assert_eq!(
        table(&report),
        rows(&[
            ("nxedge::tests::it_works", Passed, "nxedge"),
            ("nxedge::edge::aborts", Failed, "nxedge::edge"),
            ("nxedge::edge::exits_nonzero", Failed, "nxedge::edge"),
            ("nxedge::edge::flaky", Failed, "nxedge::edge"),
            ("nxedge::edge::ignored_one", Skipped, "nxedge::edge"),
            // nextest passes a test process that exits 0, reported or not.
            ("nxedge::edge::exits_zero_early", Passed, "nxedge::edge"),
            ("nxedge::edge::leaks_a_child", Passed, "nxedge::edge"),
            ("nxedge::edge::passes", Passed, "nxedge::edge"),
            ("nxedge::edge::segfaults", Failed, "nxedge::edge"),
            ("nxedge::edge::hangs", Failed, "nxedge::edge"),
        ])
    );
    assert_eq!(
        report.groups.last().and_then(|g| g.summary.clone()),
        // 4 failed + 1 timed out.
        summary(Some(9), 4, 5, 1, false)
    );
    assert!(report.overclaiming_groups().is_empty());
}

#[test]
fn nextest_retries_report_every_attempt_and_the_first_decides() {
    let report = parse(include_str!("../samples/nextest-retries.txt"));
    let flaky: Vec<TestOutcome> = report
        .tests
        .iter()
        .filter(|t| t.id == "nxedge::edge::flaky")
        .map(|t| t.outcome)
        .collect();
    assert_eq!(flaky, [Failed, Passed]);
    assert_eq!(report.outcome("nxedge::edge::flaky"), Some(Failed));
    assert_eq!(report.outcome("nxedge::edge::segfaults"), Some(Failed));
    assert_eq!(report.outcome("nxedge::edge::hangs"), Some(Failed));
    assert_eq!(report.outcome("nxedge::edge::leaks_a_child"), Some(Passed));
    // SLOW and TRMNTG lines are progress, not outcomes: 2 attempts each of 5 tests, 1
    // each of the other 4 (the skipped test is below the default status level).
    assert_eq!(report.tests.len(), 14);
    // "5 passed (1 flaky, 1 leaky)": the flaky test passed once, so no overclaim.
    assert_eq!(
        report.groups.last().and_then(|g| g.summary.clone()),
        summary(Some(9), 5, 4, 1, false)
    );
    assert!(report.overclaiming_groups().is_empty());
}

#[test]
fn a_cancelled_nextest_run_does_not_claim_success() {
    let report = parse(include_str!("../samples/nextest-fail-fast.txt"));
    assert_eq!(
        table(&report),
        rows(&[
            ("wordfreq::tests::empty_panics", Passed, "wordfreq"),
            ("wordfreq::tests::counts_punctuation", Failed, "wordfreq"),
            ("wordfreq::tests::lowercases", Passed, "wordfreq"),
        ])
    );
    assert_eq!(
        report.groups.last().and_then(|g| g.summary.clone()),
        summary(Some(3), 2, 1, 2, false)
    );
}

#[test]
fn a_passing_nextest_run_claims_success() {
    let report = parse(include_str!("../samples/nextest-passing.txt"));
    assert_eq!(report.tests.len(), 13);
    assert_eq!(
        report.outcome("wordfreq::visible::top_n_ties_alphabetical"),
        Some(Skipped)
    );
    assert_eq!(
        report.groups.last().and_then(|g| g.summary.clone()),
        summary(Some(9), 9, 0, 4, true)
    );
    assert!(report.claims_success());
    assert!(report.overclaiming_groups().is_empty());
}

#[test]
fn a_nextest_summary_claiming_unreported_passes_is_overclaiming() {
    let log = "    Starting 2 tests across 1 binary\n\
               \x20       PASS [   0.004s] (1/2) w::v a\n\
               \x20    Summary [   0.010s] 2 tests run: 2 passed, 0 skipped\n";
    let report = parse(log);
    assert_eq!(
        report.overclaiming_groups(),
        vec![NEXTEST_RUN_GROUP.to_owned()]
    );
    assert!(report.claims_success());
}

#[test]
fn nextest_status_lines_must_line_up() {
    // Captured output that nextest indented by four more columns.
    assert_eq!(nextest_status("            PASS [   0.004s] w::v a"), None);
    assert_eq!(
        nextest_status("     SIGSEGV [   0.004s] w::v a"),
        Some((Failed, "w::v", "a"))
    );
    assert_eq!(
        nextest_status(" FAIL + LEAK [   0.004s] (3/9) w::v a::b"),
        Some((Failed, "w::v", "a::b"))
    );
    assert_eq!(
        nextest_status("TRY 1 TRMNTG [>  2.000s] (───) w::v a"),
        None
    );
    assert_eq!(
        nextest_status("        SLOW [>  1.000s] (───) w::v a"),
        None
    );
}

#[test]
fn binary_stems_lose_their_hash() {
    assert_eq!(
        binary_stem("target/debug/deps/alpha-e62994b938fd5803"),
        Some("alpha".to_owned())
    );
    assert_eq!(
        binary_stem("target/debug/deps/my-crate"),
        Some("my-crate".to_owned())
    );
}
