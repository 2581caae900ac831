//! Every line the harness prints for users, in one voice.
//!
//! A leaf: it imports nothing of the crate, so every layer may speak through it. What it
//! words comes in as plain values or as the small views below, which the owners of the
//! data build (`CaseResult::view`, `AuditReport::view`).

/// What a case's lines say: built by `crate::result::CaseResult::view`.
#[derive(Debug, Clone, Default)]
pub struct CaseView<'a> {
    /// `<fixture>::<agent>` or `attack::<fn>`.
    pub case: &'a str,
    /// `passed`, `failed` or `errored`.
    pub status: &'a str,
    /// Its reward (none when errored).
    pub reward: Option<f64>,
    /// The distinct violation codes, sorted.
    pub codes: Vec<&'a str>,
    /// Each violation: code, path, detail.
    pub violations: Vec<(&'a str, Option<&'a str>, &'a str)>,
    /// The distinct suspicion kinds, sorted.
    pub suspicion_kinds: Vec<&'a str>,
    /// Each suspicion.
    pub suspicions: Vec<SuspicionView<'a>>,
    /// A strict run capped its reward.
    pub strict_capped: bool,
    /// What went wrong, for an errored case (or the agent's own failure).
    pub error: Option<&'a str>,
}

/// One finding of the suspicion report.
#[derive(Debug, Clone, Copy, Default)]
pub struct SuspicionView<'a> {
    /// Its kind (`process_exit`, ...).
    pub kind: &'a str,
    /// The file.
    pub path: &'a str,
    /// The line.
    pub line: usize,
    /// The construct, in the harness's words.
    pub detail: &'a str,
}

/// `harness: error: ...` on stderr.
pub fn error(text: &str) {
    eprintln!("harness: error: {text}");
}

/// `harness: warning: ...` on stderr.
pub fn warning(text: &str) {
    eprintln!("harness: warning: {text}");
}

/// A case's one line: status, reward, violation codes, suspicions, error.
pub fn case_summary(case: &CaseView<'_>) -> String {
    let reward = case
        .reward
        .map_or_else(|| "-".to_owned(), |reward| format!("{reward:.3}"));
    let codes = if case.codes.is_empty() {
        "none".to_owned()
    } else {
        case.codes.join(", ")
    };
    let mut line = format!(
        "{}: {}, reward {reward}, violations: {codes}",
        case.case, case.status
    );
    if !case.suspicion_kinds.is_empty() {
        line.push_str(&format!(
            ", suspicions: {}",
            case.suspicion_kinds.join(", ")
        ));
        if case.strict_capped {
            line.push_str(" (strict: reward capped at the fixture's noop reward)");
        }
    }
    if let Some(error) = case.error {
        line.push_str(&format!(", error: {error}"));
    }
    line
}

/// The line a finished case prints: its summary, then its violations (with paths) and
/// suspicions.
pub fn case_line(case: &CaseView<'_>) -> String {
    let mut line = case_summary(case);
    for (code, path, detail) in case.violations.iter().take(8) {
        line.push_str(&format!("\n    {code} {}: {detail}", path.unwrap_or("-")));
    }
    if case.violations.len() > 8 {
        line.push_str(&format!("\n    ... and {} more", case.violations.len() - 8));
    }
    for suspicion in case.suspicions.iter().take(8) {
        line.push_str(&format!("\n    {}", suspicion_line(suspicion)));
    }
    if case.suspicions.len() > 8 {
        line.push_str(&format!(
            "\n    ... and {} more suspicions",
            case.suspicions.len() - 8
        ));
    }
    line
}

/// `suspicion process_exit src/app.py:12: os._exit`, one finding of the suspicion report.
pub fn suspicion_line(suspicion: &SuspicionView<'_>) -> String {
    let mut line = format!(
        "suspicion {} {}:{}",
        suspicion.kind, suspicion.path, suspicion.line
    );
    if !suspicion.detail.is_empty() {
        line.push_str(&format!(": {}", suspicion.detail));
    }
    line
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

/// Why a check's tripwire (`missing`, `errored` or `forged`) did not show as the honest
/// failure under the oracle.
pub fn tripwire_not_seen(seen: &str) -> String {
    let what = match seen {
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

// --- the fixture audit (`check-fixture --audit`) --------------------------------------------

/// Why a fixture of `kind` (`honeypot`, `review`) is not audited.
pub fn audit_out_of_scope(kind: &str) -> String {
    let kind = match kind {
        "honeypot" => "a honeypot",
        "review" => "a review fixture",
        _ => "a work item",
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

/// What the audit's lines say: built by `crate::audit::AuditReport::view`.
#[derive(Debug, Clone, Default)]
pub struct AuditView<'a> {
    /// The fixture id.
    pub fixture: &'a str,
    /// Why it was not audited.
    pub skipped: Option<&'a str>,
    /// noop's reward.
    pub noop: Option<f64>,
    /// Every strategy, noop first.
    pub strategies: Vec<StrategyView<'a>>,
    /// Wall time of the whole audit.
    pub duration_ms: u64,
}

/// One strategy's outcome, as the audit's lines say it.
#[derive(Debug, Clone, Default)]
pub struct StrategyView<'a> {
    /// Its name.
    pub name: &'a str,
    /// `baseline`, `held`, `let through`, `not applicable` or `errored`.
    pub verdict: &'a str,
    /// Its reward.
    pub reward: Option<f64>,
    /// Checks that let it through: name, report format, weight.
    pub let_through: Vec<(&'a str, &'a str, f64)>,
    /// Checks it passed more of than noop that did not pay: name, weight.
    pub rose_unpaid: Vec<(&'a str, f64)>,
    /// Advice lines.
    pub advice: &'a [String],
    /// Why it was not run.
    pub not_applicable: Option<&'a str>,
    /// What went wrong while it applied itself.
    pub failed_to_apply: Option<&'a str>,
    /// Why its case errored.
    pub error: Option<&'a str>,
    /// The violation codes its case reported.
    pub violations: &'a [String],
}

/// The audit as a table (strategy, reward, noop, verdict, checks let through), then the
/// advice and notes.
pub fn audit_table(report: &AuditView<'_>) -> String {
    if let Some(skipped) = report.skipped {
        return format!("{}: {skipped}", report.fixture);
    }
    let noop = audit_reward(report.noop);
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
                    .map(|(check, report, weight)| format!("{check} ({report}, weight {weight})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let verdict = match outcome.failed_to_apply {
                Some(_) if matches!(outcome.verdict, "held" | "let through") => {
                    format!("{} (failed to apply)", outcome.verdict)
                }
                _ => outcome.verdict.to_owned(),
            };
            [
                outcome.name.to_owned(),
                audit_reward(outcome.reward),
                if outcome.verdict == "baseline" {
                    "-".to_owned()
                } else {
                    noop.clone()
                },
                verdict,
                through,
            ]
        })
        .collect();
    let mut out = vec![format!("audit of {}:", report.fixture)];
    out.extend(aligned_rows(
        [
            "strategy",
            "reward",
            "noop",
            "verdict",
            "checks let through",
        ],
        &rows,
    ));
    let advice: Vec<&String> = report
        .strategies
        .iter()
        .flat_map(|outcome| outcome.advice)
        .collect();
    if !advice.is_empty() {
        out.push("advice:".to_owned());
        out.extend(advice.into_iter().map(|line| format!("  {line}")));
    }
    let notes = audit_notes(report);
    if !notes.is_empty() {
        out.push("notes:".to_owned());
        out.extend(notes);
    }
    out.join("\n")
}

/// The table's rows, each column as wide as its widest cell (the last left ragged).
fn aligned_rows(header: [&str; 5], rows: &[[String; 5]]) -> Vec<String> {
    let mut widths = header.map(str::len);
    for row in rows {
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
    let mut out = vec![line(header)];
    for row in rows {
        out.push(line([&row[0], &row[1], &row[2], &row[3], &row[4]]));
    }
    out
}

/// The audit's notes: strategies not applicable, held in spite of a rise, failed to apply,
/// errored, or with violations.
fn audit_notes(report: &AuditView<'_>) -> Vec<String> {
    let mut notes = Vec::new();
    for outcome in &report.strategies {
        let name = outcome.name;
        if let Some(reason) = outcome.not_applicable {
            notes.push(format!("  {name}: not applicable: {reason}"));
        }
        if !outcome.rose_unpaid.is_empty() {
            notes.push(format!(
                "  {name}: held, though it passed what noop failed in {}",
                outcome
                    .rose_unpaid
                    .iter()
                    .map(|(check, weight)| format!("`{check}` (weight {weight})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(failure) = outcome.failed_to_apply {
            notes.push(format!("  {name}: failed to apply: {failure}"));
        }
        if let Some(error) = outcome.error {
            notes.push(format!("  {name}: errored: {error}"));
        }
        if !outcome.violations.is_empty() {
            notes.push(format!(
                "  {name}: violations: {}",
                outcome.violations.join(", ")
            ));
        }
    }
    notes
}

/// The audit's summary line: how many strategies ran, how long it took, the outcome.
pub fn audit_summary(report: &AuditView<'_>) -> String {
    let seconds = report.duration_ms as f64 / 1000.0;
    let total = report.strategies.len();
    let named = |verdict: &str| -> Vec<&str> {
        report
            .strategies
            .iter()
            .filter(|outcome| outcome.verdict == verdict)
            .map(|outcome| outcome.name)
            .collect()
    };
    let not_applicable = named("not applicable").len();
    let ran = total - not_applicable;
    let mut line = format!(
        "{}: audit: {ran} of {total} strategies ran in {seconds:.1} s",
        report.fixture
    );
    if not_applicable > 0 {
        line.push_str(&format!(" ({not_applicable} not applicable)"));
    }
    let through = named("let through");
    let errored = named("errored");
    let noop = audit_reward(report.noop);
    if !through.is_empty() {
        line.push_str(&format!(
            ": refused: {} earn{} more than noop ({noop})",
            through.join(", "),
            if through.len() == 1 { "s" } else { "" }
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
pub fn suspicious_oracle(fixture: &str, suspicions: &[SuspicionView<'_>]) -> String {
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
