//! libtest's output: `cargo test` in libtest's pretty format, and `cargo nextest run`'s human
//! output. One parser recognises both, line by line.
//!
//! # `cargo test`
//!
//! Groups are the test binaries, named from cargo's lines (stderr):
//! `     Running tests/visible.rs (target/debug/deps/visible-4f2c9a)` gives `tests/visible.rs`,
//! `     Running unittests src/lib.rs (target/debug/deps/wordfreq-9ab1)` gives `src/lib.rs`
//! (likewise `src/main.rs`, `src/bin/x.rs`), `   Doc-tests wordfreq` gives `doctest:wordfreq`.
//! Two groups of one run with the same name (two workspace packages, each with `src/lib.rs`)
//! each get ` [<binary stem without the -hash>]`, e.g. `src/lib.rs [alpha]`; any name still
//! shared after that gets ` #2`, ` #3` by occurrence. Tests before any `Running` line (a test
//! binary run directly) go in the group named `` (empty).
//!
//! **Id** = `<group name>::<test name>`, or just the test name in the empty group:
//! `tests/visible.rs::counts_words`, `src/lib.rs::tests::parses`,
//! `doctest:wordfreq::src/lib.rs - top_n (line 12)`. A ` - should panic` suffix is not part of
//! the name.
//!
//! Lines: `test NAME ... ok|FAILED|ignored|ignored, <reason>` (ignored is
//! [`TestOutcome::Skipped`]); when a test's own output (`--nocapture`) splits the line, an
//! `ok`/`FAILED` alone on a later line completes it. Captured output (`---- x stdout ----` up
//! to the next `failures:`/`successes:` line) is skipped whole, so a test cannot report lines
//! for others from there. A group's summary merges its `test result:` lines (rustdoc prints
//! two blocks for merged and standalone doctests): `ran` is the `running N tests` header
//! (ignored tests included), `skipped` the ignored count, `errored` is never stated. A binary
//! that ends before its `test result:` line has no summary: killed by a signal (cargo then
//! reports the failed target), or `std::process::exit(0)` inside a test, after which cargo goes
//! on to the next binary as if this one had passed.
//!
//! **argv the harness adds** for `cargo test`: drop `-q`/`--quiet` before `--` (it removes
//! the `Running` lines, so binaries can no longer be told apart) and after it (libtest's terse
//! format prints no per-test lines), add `--no-fail-fast` (else cargo stops at the first
//! failing binary and the later binaries' tests go unreported), and drop `--nocapture`/
//! `--no-capture` after `--` (uncaptured output can split result lines). `-- --format=pretty`
//! would also override a `--quiet` given to libtest, but a `harness = false` target may reject
//! it, so dropping `--quiet` is the safer fix.
//!
//! # `cargo nextest run`
//!
//! Groups are nextest binary ids (`wordfreq`, `wordfreq::visible`, `wordfreq::bin/stats`),
//! from status lines `        PASS [   0.004s] ( 1/11) wordfreq::visible counts_words`.
//! **Id** = `<binary-id>::<test name>`, e.g. `wordfreq::visible::counts_words`.
//! `PASS` and `LEAK` (passed, leaked handles) are [`TestOutcome::Passed`], `SKIP` is
//! [`TestOutcome::Skipped`], and `FAIL`, `FAIL + LEAK`, `LEAK-FAIL`, `XFAIL` (nextest's "exec
//! failed", not an expected failure), `TIMEOUT`, `ABORT`, `SIG*` (`SIGSEGV`, `SIGABRT`, ...)
//! are [`TestOutcome::Failed`]; a retried attempt's `TRY n <status>` line (short statuses such
//! as `SEGV`, `ABRT`, `TMT`) counts as reported, so the first attempt decides. `SLOW`,
//! `TERMINATING`, `RETRY` and other progress lines are not outcomes. Only lines right-aligned
//! as nextest prints them count, and only between a `Starting` line and the `Summary` line:
//! the lines after `Summary` repeat earlier ones with their captured output. The one run-wide
//! `Summary [..] N tests run: P passed (.. flaky, .. leaky), F failed, T timed out, S skipped`
//! goes in the group [`NEXTEST_RUN_GROUP`](super::NEXTEST_RUN_GROUP): `ran` = N (skipped tests
//! are not "run"), `failed` = failed + timed out + exec failed, `ok` = none of those and every
//! test run (a cancelled run prints `3/11 tests run`).
//!
//! nextest's human output was chosen over `--message-format libtest-json`: that format is
//! experimental (`NEXTEST_EXPERIMENTAL_LIBTEST_JSON=1`), names a library and a binary of the
//! same crate alike (`wordfreq::wordfreq$...`), and emits suite events out of order.
//!
//! **argv the harness adds** for `cargo nextest run`: `--no-fail-fast` (run everything),
//! `--retries 0` (one attempt per test whatever the repo's config says: with retries the
//! first attempt decides here, while nextest's summary counts a flaky test as passed),
//! `--status-level all` (SKIP lines are below the default level), `--final-status-level none`,
//! `--failure-output final` and `--success-output never` (no captured output before the
//! `Summary` line, so a test cannot print status lines the parser takes for real ones; the
//! failures' output still follows the summary for people reading the log), and
//! `--color never`; it drops `--no-capture`/`--nocapture` and `--no-output-indent`.

use std::collections::HashMap;

use super::{
    Group, NEXTEST_RUN_GROUP, ParsedReport, ReportedTest, Summary, TestOutcome, count, log_lines,
    merge_into, right_aligned, uniquify,
};

/// Parses `cargo test` (pretty) or `cargo nextest run` output: the check's combined log.
pub fn parse(output: &str) -> ParsedReport {
    let mut parser = Parser::default();
    for line in log_lines(output) {
        parser.line(&line);
    }
    parser.finish()
}

/// Where a group came from, which decides how its name is made unique.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    /// A `cargo test` binary, with its file stem without the hash when cargo printed one.
    Libtest { stem: Option<String> },
    /// A nextest binary id, or the nextest run.
    Nextest,
}

#[derive(Debug)]
struct RawGroup {
    name: String,
    kind: Kind,
    summary: Option<Summary>,
}

#[derive(Debug)]
struct RawTest {
    group: usize,
    name: String,
    outcome: TestOutcome,
}

/// Where a nextest run is.
#[derive(Debug, Default, PartialEq, Eq)]
enum Nextest {
    /// No nextest run seen (or a cargo `Running` line came after it).
    #[default]
    Off,
    /// Between `Starting` and `Summary`: status lines count.
    Running,
    /// After `Summary`: the final repeats and captured output, which do not count.
    Final,
}

#[derive(Debug, Default)]
struct Parser {
    groups: Vec<RawGroup>,
    tests: Vec<RawTest>,
    /// The current `cargo test` group.
    current: Option<usize>,
    /// The `running N tests` count of the current block.
    block_ran: Option<u64>,
    /// A test whose result line a test's output split: its outcome word comes later.
    pending: Option<(usize, String)>,
    /// Inside a `---- x stdout ----` section of captured output.
    captured: bool,
    nextest: Nextest,
    nextest_groups: HashMap<String, usize>,
}

impl Parser {
    fn line(&mut self, line: &str) {
        if self.captured {
            // Captured output ends at the list of failing (or, with --show-output, passing)
            // tests that libtest prints after the sections.
            if line == "failures:" || line == "successes:" {
                self.captured = false;
            }
            return;
        }
        if let Some(rest) = right_aligned(line, "Running").and_then(|r| r.strip_prefix(' ')) {
            // `cargo run` prints its command in backquotes: that is no test binary.
            if !rest.starts_with('`') {
                self.cargo_running(rest);
            }
            return;
        }
        if let Some(rest) = right_aligned(line, "Doc-tests").and_then(|r| r.strip_prefix(' ')) {
            self.open_group(format!("doctest:{}", rest.trim()), None);
            return;
        }
        if let Some(rest) = right_aligned(line, "Starting").and_then(|r| r.strip_prefix(' '))
            && (rest.contains(" tests across ") || rest.contains(" test across "))
        {
            self.nextest = Nextest::Running;
            self.current = None;
            self.pending = None;
            return;
        }
        if self.nextest != Nextest::Off {
            self.nextest_line(line);
            return;
        }
        self.libtest_line(line);
    }

    /// `unittests src/lib.rs (target/debug/deps/wordfreq-9ab1)`, `tests/a.rs (...)`, or an
    /// old cargo's bare `target/debug/deps/a-9ab1`.
    fn cargo_running(&mut self, rest: &str) {
        self.nextest = Nextest::Off;
        let rest = rest.trim();
        let (source, binary) = match rest.strip_suffix(')').and_then(|r| r.rsplit_once(" (")) {
            Some((source, binary)) => {
                let source = source.strip_prefix("unittests ").unwrap_or(source);
                (Some(source.trim()), binary)
            }
            None => (None, rest),
        };
        let stem = binary_stem(binary);
        let name = match source {
            Some(source) => source.to_owned(),
            None => stem.clone().unwrap_or_default(),
        };
        self.open_group(name, stem);
    }

    fn open_group(&mut self, name: String, stem: Option<String>) {
        self.nextest = Nextest::Off;
        self.groups.push(RawGroup {
            name,
            kind: Kind::Libtest { stem },
            summary: None,
        });
        self.current = Some(self.groups.len() - 1);
        self.block_ran = None;
        self.pending = None;
    }

    /// The current group, opening the unnamed one for a test binary run directly.
    fn current_group(&mut self) -> usize {
        match self.current {
            Some(group) => group,
            None => {
                self.open_group(String::new(), None);
                self.groups.len() - 1
            }
        }
    }

    fn libtest_line(&mut self, line: &str) {
        if let Some(rest) = line.strip_prefix("running ") {
            if let Some(n) = rest
                .strip_suffix(" tests")
                .or_else(|| rest.strip_suffix(" test"))
                .and_then(count)
            {
                self.current_group();
                self.block_ran = Some(n);
                self.pending = None;
            }
            return;
        }
        if let Some(rest) = line.strip_prefix("test result: ") {
            if let Some(mut summary) = libtest_summary(rest) {
                summary.ran = self.block_ran.take();
                let group = self.current_group();
                merge_into(&mut self.groups[group].summary, summary);
            }
            self.pending = None;
            return;
        }
        if let Some(rest) = line.strip_prefix("test ") {
            // Lines without " ... " (e.g. "test x has been running for over 60 seconds") are
            // not results.
            if let Some((name, result)) = rest.split_once(" ... ") {
                let name = name.strip_suffix(" - should panic").unwrap_or(name);
                let group = self.current_group();
                match libtest_outcome(result) {
                    Some(outcome) => {
                        self.push(group, name.to_owned(), outcome);
                        self.pending = None;
                    }
                    None => self.pending = Some((group, name.to_owned())),
                }
            } else if let Some(name) = rest.strip_suffix(" ...") {
                // The same split line with its trailing space trimmed away.
                let name = name.strip_suffix(" - should panic").unwrap_or(name);
                let group = self.current_group();
                self.pending = Some((group, name.to_owned()));
            }
            return;
        }
        if line.starts_with("---- ")
            && (line.ends_with(" stdout ----") || line.ends_with(" stderr ----"))
        {
            self.captured = true;
            self.pending = None;
            return;
        }
        if self.pending.is_some()
            && let Some(outcome) = match line.trim() {
                "ok" => Some(TestOutcome::Passed),
                "FAILED" => Some(TestOutcome::Failed),
                _ => None,
            }
            && let Some((group, name)) = self.pending.take()
        {
            self.push(group, name, outcome);
        }
    }

    fn nextest_line(&mut self, line: &str) {
        if let Some(rest) = right_aligned(line, "Summary").and_then(|r| r.strip_prefix(" [")) {
            if let Some(summary) = rest.split_once("] ").and_then(|(_, s)| nextest_summary(s)) {
                let group = self.nextest_group(NEXTEST_RUN_GROUP);
                merge_into(&mut self.groups[group].summary, summary);
            }
            self.nextest = Nextest::Final;
            return;
        }
        if self.nextest != Nextest::Running {
            return;
        }
        if let Some((outcome, binary, name)) = nextest_status(line) {
            let group = self.nextest_group(binary);
            self.push(group, name.to_owned(), outcome);
        }
    }

    fn nextest_group(&mut self, name: &str) -> usize {
        if let Some(&group) = self.nextest_groups.get(name) {
            return group;
        }
        self.groups.push(RawGroup {
            name: name.to_owned(),
            kind: Kind::Nextest,
            summary: None,
        });
        let group = self.groups.len() - 1;
        self.nextest_groups.insert(name.to_owned(), group);
        group
    }

    fn push(&mut self, group: usize, name: String, outcome: TestOutcome) {
        self.tests.push(RawTest {
            group,
            name,
            outcome,
        });
    }

    fn finish(self) -> ParsedReport {
        let mut names: Vec<String> = self.groups.iter().map(|g| g.name.clone()).collect();
        // Same-named cargo binaries are told apart by their binary stem first.
        let mut libtest_names: HashMap<&str, usize> = HashMap::new();
        for group in &self.groups {
            if matches!(group.kind, Kind::Libtest { .. }) {
                *libtest_names.entry(group.name.as_str()).or_insert(0) += 1;
            }
        }
        for (name, group) in names.iter_mut().zip(&self.groups) {
            if let Kind::Libtest { stem: Some(stem) } = &group.kind
                && libtest_names
                    .get(group.name.as_str())
                    .is_some_and(|&n| n > 1)
            {
                *name = format!("{name} [{stem}]");
            }
        }
        uniquify(&mut names);
        let tests = self
            .tests
            .into_iter()
            .map(|t| {
                let group = &names[t.group];
                ReportedTest {
                    id: if group.is_empty() {
                        t.name
                    } else {
                        format!("{group}::{}", t.name)
                    },
                    outcome: t.outcome,
                    group: t.group,
                }
            })
            .collect();
        let groups = names
            .into_iter()
            .zip(self.groups)
            .map(|(name, g)| Group {
                name,
                summary: g.summary,
            })
            .collect();
        ParsedReport { tests, groups }
    }
}

/// `target/debug/deps/visible-4f2c9a` gives `visible`.
fn binary_stem(path: &str) -> Option<String> {
    let file = path.rsplit(['/', '\\']).next()?.trim();
    let file = file.strip_suffix(".exe").unwrap_or(file);
    let stem = match file.rsplit_once('-') {
        Some((stem, hash)) if !hash.is_empty() && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            stem
        }
        _ => file,
    };
    (!stem.is_empty()).then(|| stem.to_owned())
}

fn libtest_outcome(result: &str) -> Option<TestOutcome> {
    match result {
        "ok" => Some(TestOutcome::Passed),
        "FAILED" => Some(TestOutcome::Failed),
        "ignored" => Some(TestOutcome::Skipped),
        r if r.starts_with("ignored, ") => Some(TestOutcome::Skipped),
        _ => None,
    }
}

/// `ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s`.
fn libtest_summary(rest: &str) -> Option<Summary> {
    let (verdict, counts) = rest.split_once(". ")?;
    let ok = match verdict {
        "ok" => true,
        "FAILED" => false,
        _ => return None,
    };
    let mut summary = Summary {
        ok,
        ..Summary::default()
    };
    for part in counts.split("; ") {
        let Some((n, what)) = part.split_once(' ') else {
            continue;
        };
        let Some(n) = count(n) else { continue };
        match what {
            "passed" => summary.passed = Some(n),
            "failed" => summary.failed = Some(n),
            "ignored" => summary.skipped = Some(n),
            _ => {}
        }
    }
    Some(summary)
}

/// A nextest status line: `        PASS [   0.004s] ( 1/11) wordfreq::visible counts_words`.
fn nextest_status(line: &str) -> Option<(TestOutcome, &str, &str)> {
    let (status, rest) = line.split_once(" [")?;
    let word = status.trim_start_matches(' ');
    // Right-aligned to 12 columns, as nextest prints them.
    if status.len() != 12 && !(status.len() > 12 && word.len() == status.len()) {
        return None;
    }
    let outcome = nextest_outcome(word)?;
    let (_, rest) = rest.split_once("] ")?;
    let rest = match rest.strip_prefix('(') {
        Some(counter) => counter.split_once(") ")?.1,
        None => rest,
    };
    let (binary, name) = rest.split_once(' ')?;
    let name = name.trim_end();
    (!binary.is_empty() && !name.is_empty()).then_some((outcome, binary, name))
}

fn nextest_outcome(status: &str) -> Option<TestOutcome> {
    // A retried attempt: `TRY 2 PASS`, `TRY 1 SEGV`.
    if let Some(rest) = status.strip_prefix("TRY ") {
        let (attempt, word) = rest.split_once(' ')?;
        count(attempt)?;
        return match word {
            "PASS" | "LEAK" => Some(TestOutcome::Passed),
            "SKIP" => Some(TestOutcome::Skipped),
            "SLOW" | "TRMNTG" => None,
            w if is_status_word(w) => Some(TestOutcome::Failed),
            _ => None,
        };
    }
    match status {
        "PASS" | "LEAK" => Some(TestOutcome::Passed),
        "SKIP" => Some(TestOutcome::Skipped),
        "FAIL" | "FAIL + LEAK" | "LEAK-FAIL" | "LKFAIL" | "XFAIL" | "TIMEOUT" | "TMT" | "ABORT" => {
            Some(TestOutcome::Failed)
        }
        s if s.starts_with("ABORT SIG ") || (s.starts_with("SIG") && is_status_word(s)) => {
            Some(TestOutcome::Failed)
        }
        _ => None,
    }
}

/// An upper-case status word such as `SEGV` or `SIG 64`.
fn is_status_word(word: &str) -> bool {
    !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ' || b == b'-')
}

/// `11 tests run: 9 passed (1 leaky), 2 failed, 1 timed out, 2 skipped`.
fn nextest_summary(text: &str) -> Option<Summary> {
    let (run, parts) = text.split_once(": ").unwrap_or((text, ""));
    let run = run
        .strip_suffix(" tests run")
        .or_else(|| run.strip_suffix(" test run"))?;
    let (ran, complete) = match run.split_once('/') {
        Some((ran, total)) => {
            let ran = count(ran)?;
            (ran, Some(ran) == count(total))
        }
        None => (count(run)?, true),
    };
    let mut summary = Summary {
        ran: Some(ran),
        ..Summary::default()
    };
    let mut failed = 0u64;
    // Parenthesised details ("(1 flaky, 1 leaky)") hold commas of their own: drop them first.
    let mut plain = String::with_capacity(parts.len());
    let mut depth = 0u32;
    for c in parts.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    for part in plain.split(',') {
        let Some((n, what)) = part.trim().split_once(' ') else {
            continue;
        };
        let Some(n) = count(n) else { continue };
        match what.trim() {
            "passed" => summary.passed = Some(n),
            "skipped" => summary.skipped = Some(n),
            "failed" | "timed out" | "exec failed" => failed = failed.saturating_add(n),
            _ => {}
        }
    }
    summary.failed = Some(failed);
    summary.ok = complete && failed == 0;
    Some(summary)
}

#[cfg(test)]
mod tests {
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

    fn summary(
        ran: Option<u64>,
        passed: u64,
        failed: u64,
        skipped: u64,
        ok: bool,
    ) -> Option<Summary> {
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
        let report = parse(include_str!("samples/libtest-mixed.txt"));
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
        let report = parse(include_str!("samples/libtest-passing.txt"));
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
        let report = parse(include_str!("samples/libtest-early-exit.txt"));
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
        let report = parse(include_str!("samples/libtest-signal.txt"));
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
        let report = parse(include_str!("samples/libtest-nocapture.txt"));
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
        let report = parse(include_str!("samples/libtest-workspace.txt"));
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
        let report = parse(include_str!("samples/nextest-mixed.txt"));
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
        let report = parse(include_str!("samples/nextest-default-flags.txt"));
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
        let report = parse(include_str!("samples/nextest-signals.txt"));
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
        let report = parse(include_str!("samples/nextest-retries.txt"));
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
        let report = parse(include_str!("samples/nextest-fail-fast.txt"));
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
        let report = parse(include_str!("samples/nextest-passing.txt"));
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
}
