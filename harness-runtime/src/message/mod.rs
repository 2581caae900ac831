//! Every line the harness prints for users, in one voice: each is a function here, named
//! for the event it reports, and this is the only module that prints (`out`, `out_text` and
//! `out_data` on stdout; `error`, `warning`, `note` on stderr), which `tests/structure.rs`
//! checks. How a command ends is an [`Exit`].
//!
//! A leaf: it imports nothing of the crate, so every layer may speak through it. What it
//! words comes in as plain values or as the small views below, which the owners of the
//! data build (`CaseResult::view`, `AuditReport::view`, `Row::view`, ...). The submodules
//! group the lines by command; their functions are re-exported here
//! (`message::audit_table`, ...).

mod audit;
mod check_fixture;
mod environment;
mod meta;
mod mine;
mod run;
mod runner;

pub use audit::*;
pub use check_fixture::*;
pub use environment::*;
pub use meta::*;
pub use mine::*;
pub use run::*;
pub use runner::*;

use std::fmt::Display;
use std::path::Path;

// --- exit codes ---------------------------------------------------------------------------

/// How a command ends, as its exit code: decided once, where the command returns. Here, in
/// the leaf every layer may use, because the `cargo test` runner (below the CLI) ends with
/// it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Code 0. `run`: every case passed. `check-fixture`: the fixture is valid (and accepted by
    /// `--audit`, or out of its scope). `report`, `export`, `meta`: done. `--help` and
    /// `--version` too.
    Ok = 0,
    /// Code 1. `run`: some case failed and none errored. `check-fixture`: the fixture is
    /// invalid, or refused by `--audit`.
    Failed = 1,
    /// Code 2. `run`: bad input, a case errored, or a result that could not be recorded.
    /// `check-fixture`: the fixture is unreadable. `report`, `export`, `meta`: an error.
    /// A command line clap refuses. A `cargo test` runner that cannot start (its
    /// `HARNESS_*` environment, the fixtures, the run directory, a `#[work_item]` or
    /// `#[attack]` naming an unknown fixture); once started it ends with libtest's code.
    Error = 2,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> std::process::ExitCode {
        std::process::ExitCode::from(exit as u8)
    }
}

// --- printing ----------------------------------------------------------------------------

/// A line on stdout.
pub fn out(line: &str) {
    println!("{}", visible(line));
}

/// Text on stdout (a table that ends its own lines), control characters escaped.
pub fn out_text(text: &str) {
    print!("{}", visible(text));
}

/// `text` with every control character but line feed and tab, and every bidirectional
/// formatting character, written as an escape (`\u{1b}`). Much of what the harness prints
/// comes from agents (paths, details, check output): a terminal must show it, not obey it,
/// so a file named with an escape sequence cannot redraw a case as passed.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    escaped(text, |c| c == '\n' || c == '\t')
}

/// Like [`visible`], with line feeds and tabs escaped too: for a path or a name that must
/// stay on its line (a diff's `added <path>` line).
pub fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    escaped(text, |_| false)
}

/// Characters that change how text reads without being seen: bidirectional controls, line
/// and paragraph separators, zero-width and other format characters, fillers that render
/// as nothing. Two names that differ only by these look the same.
pub fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{034f}'
            | '\u{061c}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{17b4}'
            | '\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff0}'..='\u{fffb}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

/// [`one_line`] and a run of spaces shown as escapes: a path padded with spaces cannot
/// wrap a line of its own onto the terminal, and one longer than 120 characters is shown
/// by its ends.
pub fn short_path(path: &str) -> String {
    let escaped = one_line(path).replace("  ", "\\u{20}\\u{20}");
    let chars: Vec<char> = escaped.chars().collect();
    if chars.len() <= 120 {
        return escaped;
    }
    let head: String = chars[..58].iter().collect();
    let tail: String = chars[chars.len() - 58..].iter().collect();
    format!("{head}...{tail}")
}

fn escaped(text: &str, keep: impl Fn(char) -> bool) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| (c.is_control() && !keep(c)) || invisible(c);
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if hidden(c) {
            shown.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            shown.push(c);
        }
    }
    std::borrow::Cow::Owned(shown)
}

/// Data on stdout as it is (`harness export`'s JSON lines), where a closed pipe is an error
/// to report rather than a panic.
pub fn out_data(data: &str) -> std::io::Result<()> {
    use std::io::Write;
    std::io::stdout().write_all(data.as_bytes())
}

/// `harness: error: ...` on stderr.
pub fn error(text: &str) {
    eprintln!("harness: error: {}", visible(text));
}

/// `harness: warning: ...` on stderr.
pub fn warning(text: &str) {
    eprintln!("harness: warning: {}", visible(text));
}

/// `harness: note: ...` on stderr.
pub fn note(text: &str) {
    eprintln!("harness: note: {}", visible(text));
}

// --- numbers -----------------------------------------------------------------------------

/// `value` to `digits` significant figures, no trailing exponent: with two, `0.058`, `1.5`,
/// `12`, `280` (a rate's last digits are noise, and a fixed count of decimals shows
/// `0.1` for 0.058 and `275.4` for 275).
pub fn significant(value: f64, digits: u32) -> String {
    if !value.is_finite() || value == 0.0 {
        return "0".to_owned();
    }
    let digits = digits.max(1) as i32;
    let magnitude = |value: f64| value.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits - 1 - magnitude(value));
    let rounded = (value * scale).round() / scale;
    // Rounding may carry into the next power of ten (9.96 -> 10): count decimals after it.
    let decimals = (digits - 1 - magnitude(rounded)).max(0) as usize;
    format!("{rounded:.decimals$}")
}

/// `1 episode`, `12 episodes`: a count and its noun, singular for one.
pub fn count(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

// --- files -------------------------------------------------------------------------------

/// `failed to read <path>: <error>`.
pub fn failed_to_read(path: &Path, error: impl Display) -> String {
    format!("failed to read {}: {error}", path.display())
}

/// `failed to write <path>: <error>`.
pub fn failed_to_write(path: &Path, error: impl Display) -> String {
    format!("failed to write {}: {error}", path.display())
}

// --- a case's lines (`harness run`, `cargo test`, `harness meta`) ---------------------------

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
        // Paths and details are the agent's: each stays on its own line.
        line.push_str(&format!(
            "\n    {code} {}: {}",
            short_path(path.unwrap_or("-")),
            one_line(detail)
        ));
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
        suspicion.kind,
        short_path(suspicion.path),
        suspicion.line
    );
    if !suspicion.detail.is_empty() {
        line.push_str(&format!(": {}", one_line(suspicion.detail)));
    }
    line
}

/// Why a strict case could not be graded: its fixture's noop reference did not run.
pub fn strict_noop_failed(fixture: &str, error: &str) -> String {
    format!(
        "strict: the noop case of `{fixture}`, whose reward caps a case with suspicions, errored: {error}"
    )
}

// --- episodes ----------------------------------------------------------------------------

/// A stale episode directory could not be removed (a later run tries again).
pub fn stale_episode_not_removed(error: impl Display) -> String {
    format!("stale episode directory not removed: {error}")
}

/// A stale episode directory (of a process that died) was removed.
pub fn stale_episode_removed(dir: &Path) -> String {
    format!("removed stale episode directory {}", dir.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_direction_characters_are_shown_never_obeyed() {
        assert_eq!(visible("plain\tline\n"), "plain\tline\n");
        assert_eq!(
            visible("x\r\u{1b}[2Kpassed\u{202e}txt.py"),
            "x\\u{d}\\u{1b}[2Kpassed\\u{202e}txt.py"
        );
        assert!(matches!(visible("ok"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(one_line("a\nb\tc"), "a\\u{a}b\\u{9}c");
        assert_eq!(
            one_line("lib/semver.sh\u{200b}\u{2028}\u{feff}"),
            "lib/semver.sh\\u{200b}\\u{2028}\\u{feff}"
        );
        let padded = format!(".{}x: passed", " ".repeat(59));
        assert!(
            !short_path(&padded).contains("  "),
            "{}",
            short_path(&padded)
        );
        let long = "d/".repeat(100);
        assert_eq!(short_path(&long).chars().count(), 119);
    }
}
