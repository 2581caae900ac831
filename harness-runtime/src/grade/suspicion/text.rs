//! Rules that hold in any language: what a string literal or a word shows, what a test
//! runner prints, and the generic subset for text in a language the scan does not know.

use super::diff::split_lines;
use super::{FileInfo, Hit, SuspicionKind};

/// The generic subset for text in a language the scan does not know: quoted strings that
/// name test or hidden files, `/dev/tcp` and `/dev/udp`, `/proc/`.
pub(super) fn generic_hits(content: &[u8], info: &FileInfo<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (index, line) in split_lines(content).into_iter().enumerate() {
        let line_text = String::from_utf8_lossy(line);
        for literal in quoted(&line_text) {
            hits.extend(string_hits(literal, index + 1, info));
        }
    }
    hits
}

/// The contents of `"..."`, `'...'` and `` `...` `` on one line (no escapes interpreted).
fn quoted(line: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find(['"', '\'', '`']) {
        let quote = rest[start..].chars().next().unwrap_or('"');
        let after = &rest[start + 1..];
        match after.find(quote) {
            Some(end) => {
                found.push(&after[..end]);
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    found
}

/// What a string literal (or a shell word) can show in any language: a path naming test or
/// hidden files, raw network devices, `/proc`.
pub(crate) fn string_hits(text: &str, line: usize, info: &FileInfo<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    if !info.is_test
        && text
            .split(|c: char| c.is_whitespace() || c == ':' || c == '=')
            .any(|word| info.context.names_test_file(word))
    {
        hits.push(Hit::at(
            SuspicionKind::TestAccess,
            line,
            "a path naming test or hidden files",
        ));
    }
    if text.contains("/dev/tcp/") || text.contains("/dev/udp/") {
        hits.push(Hit::at(
            SuspicionKind::NetworkIpc,
            line,
            "/dev/tcp or /dev/udp",
        ));
    }
    if text.contains("/proc/") || text == "/proc" {
        hits.push(Hit::at(SuspicionKind::Introspection, line, "/proc"));
    }
    hits
}

/// Text a test runner prints about its results (`Ran 3 tests`, `test result: ok.`,
/// `... ok`, TAP's `ok 1`): code under test that prints it forges the runner's report.
pub(crate) fn forges_runner_output(text: &str) -> bool {
    let text = text.replace("\\n", "\n");
    text.lines().any(|line| {
        let line = line.trim();
        let tap = |rest: &str| {
            rest.split_whitespace()
                .next()
                .is_some_and(|number| number.bytes().all(|b| b.is_ascii_digit()))
        };
        line.contains("test result: ok")
            || line.contains("test result: FAILED")
            || line.ends_with(" ... ok")
            || line.strip_prefix("Ran ").is_some_and(|rest| {
                rest.split(' ')
                    .nth(1)
                    .is_some_and(|w| w.starts_with("test"))
            })
            || line.strip_prefix("ok ").is_some_and(tap)
            || line.strip_prefix("not ok ").is_some_and(tap)
            || (line.starts_with("===") && (line.contains(" passed") || line.contains(" failed")))
    })
}
