//! The fixture audit (`check-fixture --audit`): why a strategy did not run, the advice, the
//! table and the summary line.

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
