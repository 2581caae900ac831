//! `harness mine`: a line per decided candidate, the final table, and why a run could not
//! start or resume.

/// A decided candidate: `<id>: accepted (12.3s)` or `<id>: rejected, <reason>: <detail>`.
pub fn mine_decided(id: &str, reason: Option<&str>, detail: &str, seconds: f64) -> String {
    match reason {
        None => format!("{id}: accepted ({seconds:.1}s)"),
        Some(reason) => {
            let detail = detail.lines().next().unwrap_or("");
            let detail: String = detail.chars().take(300).collect();
            if detail.is_empty() {
                format!("{id}: rejected, {reason} ({seconds:.1}s)")
            } else {
                format!("{id}: rejected, {reason} ({seconds:.1}s): {detail}")
            }
        }
    }
}

/// A candidate that could not be decided (not recorded: `--resume` tries it again).
pub fn mine_candidate_failed(id: &str, error: &str) -> String {
    format!("{id}: not decided (a later --resume tries it again): {error}")
}

/// The output directory holds a state file and `--resume` was not given.
pub fn mine_state_exists(state_file: &str) -> String {
    format!(
        "it holds a mining run ({state_file}): pass --resume to continue it, or choose another directory"
    )
}

/// `--resume` with another repository or other options than the recorded run.
pub fn mine_state_differs(state_file: &str, repository: &str, options: &str) -> String {
    format!(
        "its {state_file} records a run of {repository} with other options ({options}): resume with the same repository and options, or choose another directory"
    )
}

/// What the final table shows: built by `crate::mine::progress::Tally::view`.
#[derive(Debug, Clone, Default)]
pub struct MineTableView<'a> {
    /// Candidates in the history.
    pub candidates: usize,
    /// Decided (this run and before).
    pub decided: usize,
    /// Decided before this run.
    pub resumed: usize,
    /// Accepted.
    pub accepted: usize,
    /// Rejected per reason.
    pub rejected: Vec<(&'a str, usize)>,
    /// Not decided.
    pub failed: usize,
    /// Mean seconds per decided candidate.
    pub mean_seconds: f64,
    /// The slowest.
    pub max_seconds: f64,
}

/// The final table.
pub fn mine_table(view: &MineTableView<'_>, out: &std::path::Path) -> String {
    let rejected: usize = view.rejected.iter().map(|(_, count)| count).sum();
    let mut text = String::new();
    let mut row = |label: &str, value: String| text.push_str(&format!("{label:<34} {value}\n"));
    row("candidates", view.candidates.to_string());
    let resumed = if view.resumed > 0 {
        format!(" ({} by an earlier run)", view.resumed)
    } else {
        String::new()
    };
    row("decided", format!("{}{resumed}", view.decided));
    row("accepted", view.accepted.to_string());
    row("rejected", rejected.to_string());
    for (reason, count) in &view.rejected {
        row(&format!("  {reason}"), count.to_string());
    }
    if view.failed > 0 {
        row("not decided (retried by --resume)", view.failed.to_string());
    }
    row(
        "seconds per candidate",
        format!("mean {:.1}, max {:.1}", view.mean_seconds, view.max_seconds),
    );
    text.push_str(&format!("fixtures in {}\n", out.display()));
    text
}

/// `--test-cmd` or `--setup` is not a list of shell words.
pub fn mine_bad_words(option: &str, text: &str) -> String {
    format!("{option} `{text}`: not a command (unbalanced quotes, or empty)")
}
