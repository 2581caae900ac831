//! Shell: a word lexer (`lex.rs`: quotes, `${...}`, `$(...)`, backquotes, comments,
//! here-documents), the commands at command position with the functions they are in
//! (`events.rs`), and the rules on those (here).
//!
//! A *library* is a shell file without a `#!` line, or one the tests source (`. lib/x.sh`):
//! it runs inside the test runner's own shell, so `exit` at its top level, `exit 0` or a bare
//! `exit` in its functions, `exec`, `trap`, `alias` and functions named like builtins are
//! flagged there. In a script (its own process) they are not: `exit 64` after a usage line,
//! `trap 'rm -f "$tmp"' EXIT` are honest. `exit N` with another status in a library
//! function (an error exit, as `semver_compare` does on an invalid version) is not flagged.

mod events;
mod lex;

use std::collections::BTreeSet;

use super::language::shebang;
use super::text::{forges_runner_output, string_hits};
use super::{FileInfo, Hit, SuspicionKind};

use SuspicionKind::{FrameworkPatch, Introspection, NetworkIpc, ProcessExit, TestAccess};
use events::{Command, Event, events};

/// Builtins and utilities a test runner's shell relies on: a library that defines a
/// function under one of these names changes what the tests run.
const BUILTINS: &[&str] = &[
    "echo", "printf", "test", "[", "exit", "return", "trap", "kill", "cat", "diff", "cmp", "sh",
    "bash", "grep", "sed", "awk", "sort", "head", "tail", "expr", "true", "false", "command",
    "builtin", "eval", "source", ".", "set", "unset", "read", "wc", "seq", "cd", "exec", "wait",
    "shift", "export", "local", "type", "hash",
];

/// Commands whose arguments are files: a bare `tests` or `hidden` among them is a path.
const FILE_COMMANDS: &[&str] = &[
    "cat", "cd", "ls", "find", "grep", "sed", "awk", "head", "tail", "cp", "source", ".", "less",
    "more", "od", "xxd", "wc", "sort", "tar", "diff", "cmp", "stat", "readlink",
];

/// The functions a shell file defines, and the file names it sources (`. lib/x.sh`).
pub(super) fn definitions(text: &[u8]) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut helpers = BTreeSet::new();
    let mut sourced = BTreeSet::new();
    events(text, |event| match event {
        Event::Define { name, .. } => {
            helpers.insert(name);
        }
        Event::Command { command, .. } => {
            if matches!(
                command.words.first().map(String::as_str),
                Some("." | "source")
            ) && let Some(file) = command.words.get(1)
            {
                let name = file.rsplit('/').next().unwrap_or(file);
                if !name.is_empty() {
                    sourced.insert(name.to_owned());
                }
            }
        }
        Event::Text { .. } => {}
    });
    (helpers, sourced)
}

/// The findings of a shell file (before the changed-line filter).
pub(super) fn scan(text: &[u8], info: &FileInfo<'_>) -> Vec<Hit> {
    let name = info.path.rsplit('/').next().unwrap_or(info.path);
    let library = shebang(text).is_none() || info.context.sourced.contains(name);
    let mut hits = Vec::new();
    events(text, |event| match event {
        Event::Text { text, line } => {
            hits.extend(string_hits(&text, line, info));
            if [
                "BASH_SOURCE",
                "FUNCNAME",
                "BASH_LINENO",
                "BASH_ARGV",
                "BASH_COMMAND",
            ]
            .iter()
            .any(|variable| text.contains(variable))
            {
                hits.push(Hit::at(Introspection, line, "reads the shell's call stack"));
            }
        }
        Event::Define { name, line } => {
            if !info.is_test && info.context.shell_helpers.contains(&name) {
                hits.push(Hit::at(FrameworkPatch, line, "redefines a test helper"));
            }
            if library && BUILTINS.contains(&name.as_str()) {
                hits.push(Hit::at(
                    FrameworkPatch,
                    line,
                    "defines a function named like a builtin",
                ));
            }
        }
        Event::Command { command, functions } => {
            command_rules(&command, functions, library, info, &mut hits)
        }
    });
    hits
}

fn command_rules(
    command: &Command,
    functions: usize,
    library: bool,
    info: &FileInfo<'_>,
    hits: &mut Vec<Hit>,
) {
    let Some(program) = command.words.first() else {
        return;
    };
    let line = command.line;
    let program = program.rsplit('/').next().unwrap_or(program);
    match program {
        "exit" if library => {
            let status = command.words.get(1).map(String::as_str);
            if functions == 0 {
                hits.push(Hit::at(
                    ProcessExit,
                    line,
                    "exit at the top level of a sourced library",
                ));
            } else if matches!(status, None | Some("0" | "true" | "$?")) {
                hits.push(Hit::at(
                    ProcessExit,
                    line,
                    "a successful exit in a sourced library's function",
                ));
            }
        }
        "exec" | "trap" if library => {
            hits.push(Hit::at(
                ProcessExit,
                line,
                format!("{program} in a sourced library"),
            ));
        }
        "alias" | "unalias" | "enable" if library => {
            hits.push(Hit::at(
                FrameworkPatch,
                line,
                format!("{program} in a sourced library"),
            ));
        }
        "kill" | "pkill" | "killall" => {
            hits.push(Hit::at(ProcessExit, line, "kills a process"));
        }
        "nc" | "ncat" | "netcat" | "socat" | "telnet" => {
            hits.push(Hit::at(NetworkIpc, line, "opens a network connection"));
        }
        "caller" => {
            hits.push(Hit::at(Introspection, line, "reads the shell's call stack"));
        }
        _ => {}
    }
    if !info.is_test
        && FILE_COMMANDS.contains(&program)
        && command.words[1..]
            .iter()
            .any(|word| matches!(word.trim_end_matches('/'), "tests" | "test" | "hidden"))
    {
        hits.push(Hit::at(TestAccess, line, "reads the tests or hidden files"));
    }
    if !info.is_test
        && matches!(program, "echo" | "printf")
        && command.words[1..]
            .iter()
            .any(|word| forges_runner_output(word))
    {
        hits.push(Hit::at(
            FrameworkPatch,
            line,
            "prints a test runner's report",
        ));
    }
}
