//! Every line the harness prints for users, in one voice.

use crate::result::CaseResult;

/// `harness: error: ...` on stderr.
pub fn error(text: &str) {
    eprintln!("harness: error: {text}");
}

/// `harness: warning: ...` on stderr.
pub fn warning(text: &str) {
    eprintln!("harness: warning: {text}");
}

/// The line a finished case prints: status, reward and violations (with paths).
pub fn case_line(result: &CaseResult) -> String {
    let mut line = result.summary();
    for violation in result.violations.iter().take(8) {
        line.push_str(&format!(
            "\n    {} {}: {}",
            violation.code,
            violation.path.as_deref().unwrap_or("-"),
            violation.detail
        ));
    }
    if result.violations.len() > 8 {
        line.push_str(&format!(
            "\n    ... and {} more",
            result.violations.len() - 8
        ));
    }
    for suspicion in result.suspicions.iter().take(8) {
        line.push_str(&format!("\n    {}", suspicion_line(suspicion)));
    }
    if result.suspicions.len() > 8 {
        line.push_str(&format!(
            "\n    ... and {} more suspicions",
            result.suspicions.len() - 8
        ));
    }
    line
}

/// `suspicion process_exit src/app.py:12: os._exit`, one finding of the suspicion report.
pub fn suspicion_line(suspicion: &crate::grade::suspicion::Suspicion) -> String {
    let mut line = format!(
        "suspicion {} {}:{}",
        suspicion.kind, suspicion.path, suspicion.line
    );
    if !suspicion.detail.is_empty() {
        line.push_str(&format!(": {}", suspicion.detail));
    }
    line
}

/// What a case's one-line summary adds about its suspicion report: the kinds found and,
/// in a strict run, the cap (empty when there were none).
pub fn suspicion_summary(result: &CaseResult) -> String {
    let kinds = result.suspicion_kinds();
    if kinds.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = kinds.iter().map(|kind| kind.as_str()).collect();
    let mut text = format!(", suspicions: {}", names.join(", "));
    if result.strict_capped {
        text.push_str(" (strict: reward capped at the fixture's noop reward)");
    }
    text
}

/// Why a strict case could not be graded: its fixture's noop reference did not run.
pub fn strict_noop_failed(fixture: &str, error: &str) -> String {
    format!(
        "strict: the noop case of `{fixture}`, whose reward caps a case with suspicions, errored: {error}"
    )
}

/// `harness: note: ...` on stderr.
pub fn note(text: &str) {
    eprintln!("harness: note: {text}");
}

/// `12 episodes in 0.50 s: 24.0 episodes/s on 2 jobs, peak memory 14.2 MiB`.
pub fn throughput(
    episodes: usize,
    elapsed: std::time::Duration,
    jobs: usize,
    peak_mib: f64,
) -> String {
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        episodes as f64 / seconds
    } else {
        0.0
    };
    format!(
        "{episodes} episodes in {seconds:.2} s: {rate:.1} episodes/s on {jobs} jobs, peak memory {peak_mib:.1} MiB"
    )
}

/// The warning for a check graded on its exit status alone.
pub fn weakest_check(fixture: &str, check: &str) -> String {
    format!(
        "fixture `{fixture}`: check `{check}` reports only its exit status, the weakest kind of check \
         (code under test can end its runner early with success): run a recognised runner \
         (python3 -m unittest, pytest, cargo test, cargo nextest run) or name its format with \
         report = \"unittest\" | \"pytest\" | \"libtest\" | \"tap\""
    )
}

/// Why a check's tripwire did not show as the honest failure under the oracle.
pub fn tripwire_not_seen(seen: crate::grade::verdict::TripwireSeen) -> String {
    let what = match tripwire_word(seen) {
        "missing" => "was not reported",
        "forged" => "was reported passed or skipped",
        other => other,
    };
    format!(
        "the harness's tripwire test {what} under the oracle; it is added to the first of the \
         check's `files` the runner collects (else the first test module it collects), so the \
         runner must run that module and the test must fail"
    )
}

/// One word for what a tripwire showed, as in the case result.
pub fn tripwire_word(seen: crate::grade::verdict::TripwireSeen) -> &'static str {
    use crate::grade::verdict::TripwireSeen;
    match seen {
        TripwireSeen::Failed => "failed",
        TripwireSeen::Missing => "missing",
        TripwireSeen::Errored => "errored",
        TripwireSeen::Forged => "forged",
    }
}

// --- the fixture audit (`check-fixture --audit`) --------------------------------------------

/// Why a fixture of `kind` is not audited.
pub fn audit_out_of_scope(kind: harness_fixture::FixtureKind) -> String {
    let kind = match kind {
        harness_fixture::FixtureKind::Honeypot => "a honeypot",
        harness_fixture::FixtureKind::Review => "a review fixture",
        harness_fixture::FixtureKind::WorkItem => "a work item",
    };
    format!("audit skipped: the fixture is {kind}; the audit attacks the checks of work items only")
}

/// Why no strategy ran: noop, the baseline of the comparison, errored.
pub fn audit_no_baseline() -> String {
    "not run: noop's case errored, so there is no reward to compare with".to_owned()
}

/// A strategy's rewrite panicked (recorded, never unwound through the audit).
pub fn audit_strategy_panicked(panic: &str) -> String {
    format!("the strategy's rewrite panicked: {panic}")
}

/// A strategy found nothing it knows how to rewrite.
pub fn audit_nothing_to_rewrite() -> String {
    "no in-scope source it knows how to rewrite (Python, Rust, shell)".to_owned()
}

/// `always_equal` and `lookup_table` do not apply to shell sources.
pub fn audit_shell_not_applicable(strategy: &str) -> String {
    match strategy {
        "always_equal" => {
            "shell: not applicable (a shell function returns an exit status, not a value to compare)"
                .to_owned()
        }
        _ => "shell: not applicable (shell tests have no common assertion syntax to read a table from)"
            .to_owned(),
    }
}

/// `lookup_table` found no visible test in `language`.
pub fn audit_no_visible_tests(language: &str) -> String {
    format!("{language}: no visible test file outside scope to read a table from")
}

/// `lookup_table` found no assertion it can answer in `language`.
pub fn audit_no_table(language: &str) -> String {
    let form = if language == "Rust" {
        "`assert_eq!(f(<constants>), <constant>)`"
    } else {
        "`assertEqual(f(<literals>), <literal>)` or `assert f(<literals>) == <literal>`"
    };
    format!(
        "{language}: no assertion of the form {form} on a public function of the code under test in the visible tests"
    )
}

/// [`audit_no_table`], naming the public functions that were looked for.
pub fn audit_no_table_among(language: &str, functions: &[String]) -> String {
    if functions.is_empty() {
        format!("{language}: no public module-level function in the in-scope modules")
    } else {
        format!(
            "{} (public functions looked for: {})",
            audit_no_table(language),
            functions.join(", ")
        )
    }
}

/// `always_equal` found Rust sources but no library crate whose `src/lib.rs` is in scope.
pub fn audit_no_rust_library() -> String {
    "Rust: not applicable (no library crate whose src/lib.rs is in scope to hold the always-equal type)"
        .to_owned()
}

/// What to add to the fixture when `check` (reported as `report`) let `strategy` through.
pub fn audit_advice(strategy: &str, check: &str, report: &str, weight: f64) -> Vec<String> {
    let what = format!("{strategy}: check `{check}` ({report}, weight {weight})");
    let mut lines = Vec::new();
    match report {
        "differential" => lines.push(format!(
            "{what}: the harness-side comparison passes it: make the generator draw inputs whose \
             expected outputs differ from what code that does not do the work returns"
        )),
        "exit" => lines.push(format!(
            "{what} reports only its exit status: grade this behaviour across a process boundary \
             with a differential check ([checks.differential]), or give this check weight 0 and \
             put the reward on one"
        )),
        _ => lines.push(format!(
            "{what} runs the graded code inside the process that reports its results: grade this behaviour across a process \
             boundary with a differential check ([checks.differential]), or give this check \
             weight 0 and put the reward on one"
        )),
    }
    let specific = match (strategy, report) {
        (_, "differential") => None,
        ("always_equal", "libtest") => Some(
            "it compares with `assert_eq!`: add a type assertion (e.g. bind the result with its \
             declared type, `let x: Vec<String> = f(..);`, before comparing)",
        ),
        ("always_equal", _) => {
            Some("it compares with `==`: add a type assertion (e.g. `assertIs(type(x), str)`)")
        }
        ("lookup_table", _) => Some(
            "its answers are in the visible tests: add a hidden property or a differential check \
             with generated inputs",
        ),
        ("delete_in_scope", _) => Some(
            "it passes with the in-scope files deleted: its tests must fail when the code they \
             grade is missing",
        ),
        ("empty_in_scope", _) => Some(
            "it passes with the in-scope files emptied: its tests must fail when the code they \
             grade is missing",
        ),
        ("type_default", _) => Some(
            "it passes when every public function returns its type's default: assert the values \
             the work must produce",
        ),
        ("raise_everywhere", _) => Some(
            "it passes when every public function raises: assert values, not only that the code ran",
        ),
        _ => None,
    };
    if let Some(specific) = specific {
        lines.push(format!("{what}: {specific}"));
    }
    lines
}

/// A strategy earned more than noop although no check scored more than under noop.
pub fn audit_advice_no_check(strategy: &str) -> String {
    format!(
        "{strategy}: no check scored more than under noop, yet the reward rose: check the \
         deliverables and closure weights of [reward]"
    )
}

fn audit_reward(reward: Option<f64>) -> String {
    reward.map_or_else(|| "-".to_owned(), |reward| format!("{reward:.3}"))
}

/// The audit as a table (strategy, reward, noop, verdict, checks let through), then the
/// advice and notes.
pub fn audit_table(report: &crate::audit::AuditReport) -> String {
    use crate::audit::Verdict;
    if let Some(skipped) = &report.skipped {
        return format!("{}: {skipped}", report.fixture);
    }
    let noop = audit_reward(report.noop_reward);
    let rows: Vec<[String; 5]> = report
        .strategies
        .iter()
        .map(|outcome| {
            let through = if outcome.let_through.is_empty() {
                "-".to_owned()
            } else {
                outcome
                    .let_through
                    .iter()
                    .map(|check| {
                        format!(
                            "{} ({}, weight {})",
                            check.check, check.report, check.weight
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let verdict = match (&outcome.failed_to_apply, outcome.verdict) {
                (Some(_), Verdict::Held | Verdict::LetThrough) => {
                    format!("{} (failed to apply)", outcome.verdict.as_str())
                }
                _ => outcome.verdict.as_str().to_owned(),
            };
            [
                outcome.strategy.name().to_owned(),
                audit_reward(outcome.reward),
                if outcome.verdict == Verdict::Baseline {
                    "-".to_owned()
                } else {
                    noop.clone()
                },
                verdict,
                through,
            ]
        })
        .collect();
    let header = [
        "strategy",
        "reward",
        "noop",
        "verdict",
        "checks let through",
    ];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        format!(
            "  {:<w0$}  {:>w1$}  {:>w2$}  {:<w3$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
        )
        .trim_end()
        .to_owned()
    };
    let mut out = vec![format!("audit of {}:", report.fixture), line(header)];
    for row in &rows {
        out.push(line([&row[0], &row[1], &row[2], &row[3], &row[4]]));
    }
    let advice: Vec<&String> = report
        .strategies
        .iter()
        .flat_map(|outcome| &outcome.advice)
        .collect();
    if !advice.is_empty() {
        out.push("advice:".to_owned());
        out.extend(advice.into_iter().map(|line| format!("  {line}")));
    }
    let mut notes = Vec::new();
    for outcome in &report.strategies {
        let name = outcome.strategy.name();
        if let Some(reason) = &outcome.not_applicable {
            notes.push(format!("  {name}: not applicable: {reason}"));
        }
        if !outcome.rose_unpaid.is_empty() {
            notes.push(format!(
                "  {name}: held, though it passed what noop failed in {}",
                outcome
                    .rose_unpaid
                    .iter()
                    .map(|check| format!("`{}` (weight {})", check.check, check.weight))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(failure) = &outcome.failed_to_apply {
            notes.push(format!("  {name}: failed to apply: {failure}"));
        }
        if let Some(error) = &outcome.error {
            notes.push(format!("  {name}: errored: {error}"));
        }
        if !outcome.violations.is_empty() {
            notes.push(format!(
                "  {name}: violations: {}",
                outcome.violations.join(", ")
            ));
        }
    }
    if !notes.is_empty() {
        out.push("notes:".to_owned());
        out.extend(notes);
    }
    out.join("\n")
}

/// The audit's summary line: how many strategies ran, how long it took, the outcome.
pub fn audit_summary(report: &crate::audit::AuditReport) -> String {
    use crate::audit::Verdict;
    let seconds = report.duration_ms as f64 / 1000.0;
    let total = report.strategies.len();
    let ran = report.ran();
    let not_applicable = total - ran;
    let mut line = format!(
        "{}: audit: {ran} of {total} strategies ran in {seconds:.1} s",
        report.fixture
    );
    if not_applicable > 0 {
        line.push_str(&format!(" ({not_applicable} not applicable)"));
    }
    let through = report.let_through();
    let errored: Vec<&str> = report
        .strategies
        .iter()
        .filter(|outcome| outcome.verdict == Verdict::Errored)
        .map(|outcome| outcome.strategy.name())
        .collect();
    let noop = audit_reward(report.noop_reward);
    if !through.is_empty() {
        let names: Vec<&str> = through.iter().map(|strategy| strategy.name()).collect();
        line.push_str(&format!(
            ": refused: {} earn{} more than noop ({noop})",
            names.join(", "),
            if names.len() == 1 { "s" } else { "" }
        ));
    } else if !errored.is_empty() {
        line.push_str(&format!(
            ": refused: the audit is incomplete ({} errored)",
            errored.join(", ")
        ));
    } else {
        line.push_str(&format!(
            ": accepted: no strategy earns more than noop ({noop})"
        ));
    }
    line
}

/// A stale episode directory (of a process that died) was removed.
pub fn stale_episode_removed(dir: &std::path::Path) -> String {
    format!("removed stale episode directory {}", dir.display())
}

/// The oracle's own change has findings: a strict run would cap an honest solution like it.
pub fn suspicious_oracle(
    fixture: &str,
    suspicions: &[crate::grade::suspicion::Suspicion],
) -> String {
    let mut text = format!(
        "fixture `{fixture}`: the oracle's change has {} suspicion report finding(s), so a \
         strict run (--strict, HARNESS_STRICT=1) caps an honest solution written like it at \
         noop's reward; write the reference solution without them if the task allows:",
        suspicions.len()
    );
    for suspicion in suspicions.iter().take(8) {
        text.push_str(&format!("\n    {}", suspicion_line(suspicion)));
    }
    text
}
