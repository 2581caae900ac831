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
mod tests;
