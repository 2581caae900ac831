//! Test-runner configuration (`pyproject.toml`, `setup.cfg`, `pytest.ini`, `tox.ini`,
//! `Cargo.toml`) and interpreter or cargo startup files.

use super::diff::split_lines;
use super::{Hit, SuspicionKind};

/// Changed lines of a pytest configuration that change what or how pytest collects, runs
/// or reports.
fn pytest_config_line(line: &str) -> Option<&'static str> {
    let key = line
        .trim()
        .split(['=', ':'])
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"');
    let section = line.trim();
    if section.starts_with("[tool.pytest") || section == "[pytest]" || section == "[tool:pytest]" {
        return Some("a pytest configuration section");
    }
    matches!(
        key,
        "addopts"
            | "python_files"
            | "python_classes"
            | "python_functions"
            | "testpaths"
            | "norecursedirs"
            | "required_plugins"
            | "usefixtures"
            | "pythonpath"
            | "rootdir"
            | "confcutdir"
            | "console_output_style"
            | "junit_family"
            | "junit_suite_name"
    )
    .then_some("a pytest option that changes collection or reporting")
}

pub(super) fn pytest_config_hits(content: &[u8]) -> Vec<Hit> {
    split_lines(content)
        .into_iter()
        .enumerate()
        .filter_map(|(index, line)| {
            pytest_config_line(&String::from_utf8_lossy(line))
                .map(|detail| Hit::at(SuspicionKind::FrameworkPatch, index + 1, detail))
        })
        .collect()
}

/// `Cargo.toml` keys that change which tests are built or how: a build script, a target's
/// `harness`, `test`, `doctest` or `path`, `[[test]]` targets, `[patch]` and `[replace]`,
/// `panic` strategies, automatic target discovery.
pub(super) fn cargo_manifest_hits(content: &[u8]) -> Vec<Hit> {
    let mut hits = Vec::new();
    let mut section = String::new();
    for (index, line) in split_lines(content).into_iter().enumerate() {
        let text = String::from_utf8_lossy(line);
        let text = text.trim();
        if text.starts_with('[') {
            section = text
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_owned();
            if section == "test"
                || section.starts_with("patch")
                || section.starts_with("replace")
                || (section.starts_with("profile") && text.contains("panic"))
            {
                hits.push(Hit::at(
                    SuspicionKind::FrameworkPatch,
                    index + 1,
                    "a Cargo.toml section that changes the tests or dependencies' sources",
                ));
            }
            continue;
        }
        let key = text
            .split('=')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        let target = matches!(
            section.as_str(),
            "lib" | "bin" | "test" | "bench" | "example"
        );
        let flagged = match key {
            "build" | "links" => section == "package",
            "autotests" | "autobins" | "autoexamples" | "autobenches" => section == "package",
            "harness" | "test" | "doctest" | "path" | "proc-macro" => target,
            "panic" => section.starts_with("profile"),
            _ => false,
        };
        if flagged {
            hits.push(Hit::at(
                SuspicionKind::FrameworkPatch,
                index + 1,
                "a Cargo.toml key that changes how the tests are built",
            ));
        }
    }
    hits
}

/// Interpreter startup files and cargo configuration: their first changed line.
pub(super) fn startup_hits(path: &str, changed: &[bool]) -> Vec<Hit> {
    let detail = if path.ends_with(".pth") || path.ends_with("customize.py") {
        "a Python startup file"
    } else {
        "cargo configuration"
    };
    changed
        .iter()
        .position(|&changed| changed)
        .map(|index| Hit::at(SuspicionKind::FrameworkPatch, index + 1, detail))
        .into_iter()
        .collect()
}
