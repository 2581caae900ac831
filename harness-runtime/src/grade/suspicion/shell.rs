//! Shell: a word lexer (quotes, `${...}`, `$(...)`, backquotes, comments, here-documents)
//! and the commands at command position, with the functions they are in.
//!
//! A *library* is a shell file without a `#!` line, or one the tests source (`. lib/x.sh`):
//! it runs inside the test runner's own shell, so `exit` at its top level, `exit 0` or a bare
//! `exit` in its functions, `exec`, `trap`, `alias` and functions named like builtins are
//! flagged there. In a script (its own process) they are not: `exit 64` after a usage line,
//! `trap 'rm -f "$tmp"' EXIT` are honest. `exit N` with another status in a library
//! function (an error exit, as `semver_compare` does on an invalid version) is not flagged.

use std::collections::BTreeSet;

use super::language::shebang;
use super::text::{forges_runner_output, string_hits};
use super::{FileInfo, Hit, SuspicionKind};

use SuspicionKind::{FrameworkPatch, Introspection, NetworkIpc, ProcessExit, TestAccess};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// A word, quotes removed.
    Word(String),
    /// A line of a here-document (data, not commands).
    Data(String),
    /// `;`, `&&`, `||`, `|`, `&`, a newline, `(`, `)`, `$(` (as `$`), a backquote: its
    /// first byte.
    Sep(u8),
    /// `<`, `>` and friends: the next word is a file.
    Redirect,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

struct Lexer<'a> {
    text: &'a [u8],
    pos: usize,
    line: usize,
    /// Here-document delimiters waiting for the end of the current line (`<<-` strips tabs).
    heredocs: Vec<(String, bool)>,
    /// Tokens ready to hand out.
    queue: std::collections::VecDeque<Token>,
    /// A `<<` was just read: the next word is a delimiter.
    delimiter_next: Option<bool>,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a [u8]) -> Lexer<'a> {
        Lexer {
            text,
            pos: 0,
            line: 1,
            heredocs: Vec::new(),
            queue: std::collections::VecDeque::new(),
            delimiter_next: None,
        }
    }

    fn peek(&self, offset: usize) -> Option<u8> {
        self.text.get(self.pos + offset).copied()
    }

    /// Reads the bodies of the pending here-documents, from the start of a line.
    fn heredoc_bodies(&mut self) {
        for (delimiter, strip_tabs) in std::mem::take(&mut self.heredocs) {
            while self.pos < self.text.len() {
                let end = self.text[self.pos..]
                    .iter()
                    .position(|&byte| byte == b'\n')
                    .map_or(self.text.len(), |offset| self.pos + offset);
                let raw = &self.text[self.pos..end];
                let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                let line = if strip_tabs {
                    let tabs = raw.iter().take_while(|&&byte| byte == b'\t').count();
                    &raw[tabs..]
                } else {
                    raw
                };
                let line_number = self.line;
                self.pos = (end + 1).min(self.text.len());
                self.line += 1;
                if line == delimiter.as_bytes() {
                    break;
                }
                self.queue.push_back(Token {
                    tok: Tok::Data(String::from_utf8_lossy(line).into_owned()),
                    line: line_number,
                });
            }
        }
    }

    /// One word from the current position; separators end it.
    fn word(&mut self) -> String {
        let mut word: Vec<u8> = Vec::new();
        while let Some(byte) = self.peek(0) {
            match byte {
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'`' | b'<'
                | b'>' => break,
                b'\\' => {
                    if let Some(next) = self.peek(1) {
                        if next == b'\n' {
                            self.line += 1;
                        } else {
                            word.push(next);
                        }
                    }
                    self.pos += 2;
                }
                b'\'' => {
                    self.pos += 1;
                    while let Some(byte) = self.peek(0) {
                        self.pos += 1;
                        if byte == b'\'' {
                            break;
                        }
                        if byte == b'\n' {
                            self.line += 1;
                        }
                        word.push(byte);
                    }
                }
                b'"' => {
                    self.pos += 1;
                    while let Some(byte) = self.peek(0) {
                        self.pos += 1;
                        match byte {
                            b'"' => break,
                            b'\\' => {
                                if let Some(next) = self.peek(0) {
                                    if next == b'\n' {
                                        self.line += 1;
                                    }
                                    word.push(next);
                                    self.pos += 1;
                                }
                            }
                            _ => {
                                if byte == b'\n' {
                                    self.line += 1;
                                }
                                word.push(byte);
                            }
                        }
                    }
                }
                b'$' if self.peek(1) == Some(b'{') => {
                    let mut depth = 0usize;
                    while let Some(byte) = self.peek(0) {
                        self.pos += 1;
                        word.push(byte);
                        match byte {
                            b'{' => depth += 1,
                            b'}' => {
                                depth = depth.saturating_sub(1);
                                if depth == 0 {
                                    break;
                                }
                            }
                            b'\n' => self.line += 1,
                            _ => {}
                        }
                    }
                }
                b'$' if self.peek(1) == Some(b'(') && self.peek(2) == Some(b'(') => {
                    // Arithmetic: part of the word.
                    let mut depth = 0usize;
                    while let Some(byte) = self.peek(0) {
                        self.pos += 1;
                        word.push(byte);
                        match byte {
                            b'(' => depth += 1,
                            b')' => {
                                depth = depth.saturating_sub(1);
                                if depth == 0 {
                                    break;
                                }
                            }
                            b'\n' => self.line += 1,
                            _ => {}
                        }
                    }
                }
                b'$' if self.peek(1) == Some(b'(') => break,
                _ => {
                    word.push(byte);
                    self.pos += 1;
                }
            }
        }
        String::from_utf8_lossy(&word).into_owned()
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        loop {
            if let Some(token) = self.queue.pop_front() {
                return Some(token);
            }
            let byte = self.peek(0)?;
            let line = self.line;
            let token = |tok| Some(Token { tok, line });
            match byte {
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                    if !self.heredocs.is_empty() {
                        self.heredoc_bodies();
                    }
                    self.queue.push_back(Token {
                        tok: Tok::Sep(b'\n'),
                        line,
                    });
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\\' if self.peek(1) == Some(b'\n') => {
                    self.pos += 2;
                    self.line += 1;
                }
                b'#' => {
                    while self.peek(0).is_some_and(|byte| byte != b'\n') {
                        self.pos += 1;
                    }
                }
                b';' | b'&' | b'|' | b'(' | b')' | b'`' => {
                    self.pos += 1;
                    while matches!(self.peek(0), Some(b'&' | b'|' | b';'))
                        && matches!(byte, b'&' | b'|' | b';')
                    {
                        self.pos += 1;
                    }
                    return token(Tok::Sep(byte));
                }
                b'$' if self.peek(1) == Some(b'(') && self.peek(2) != Some(b'(') => {
                    self.pos += 2;
                    return token(Tok::Sep(b'$'));
                }
                b'<' | b'>' => {
                    let heredoc = byte == b'<' && self.peek(1) == Some(b'<');
                    let here_string = heredoc && self.peek(2) == Some(b'<');
                    while matches!(self.peek(0), Some(b'<' | b'>' | b'&' | b'|')) {
                        self.pos += 1;
                    }
                    if heredoc && !here_string {
                        let strip = self.peek(0) == Some(b'-');
                        if strip {
                            self.pos += 1;
                        }
                        self.delimiter_next = Some(strip);
                    }
                    return token(Tok::Redirect);
                }
                _ => {
                    let word = self.word();
                    if word.is_empty() && self.pos < self.text.len() {
                        // A lone `$` before `(` or an odd byte: step over it.
                        if self.peek(0).is_some_and(|byte| byte == b'$') {
                            continue;
                        }
                        self.pos += 1;
                        continue;
                    }
                    if let Some(strip) = self.delimiter_next.take() {
                        self.heredocs.push((word.clone(), strip));
                    }
                    return token(Tok::Word(word));
                }
            }
        }
    }
}

/// Words after which the next word is still in command position.
const KEYWORDS: &[&str] = &[
    "then", "do", "else", "elif", "if", "while", "until", "!", "{", "time", "}",
];

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

/// Most words kept of one command.
const MAX_WORDS: usize = 10_000;

/// A command: its name, arguments and line.
#[derive(Debug, Clone)]
struct Command {
    words: Vec<String>,
    line: usize,
}

/// What the lexer's tokens say: each command, each function definition (with the functions
/// open around it), each word or here-document line.
#[derive(Debug, Clone)]
enum Event {
    Command { command: Command, functions: usize },
    Define { name: String, line: usize },
    Text { text: String, line: usize },
}

/// Walks the tokens: commands in command position, function definitions and their bodies.
fn events(text: &[u8], mut visit: impl FnMut(Event)) {
    let mut command: Option<Command> = None;
    let mut command_position = true;
    let mut depth = 0usize;
    let mut functions: Vec<usize> = Vec::new();
    let mut expecting_body = false;
    let mut after_redirect = false;
    let mut tokens = Lexer::new(text).peekable();
    let flush = |command: &mut Option<Command>, visit: &mut dyn FnMut(Event), functions: usize| {
        if let Some(command) = command.take() {
            visit(Event::Command { command, functions });
        }
    };
    while let Some(token) = tokens.next() {
        match token.tok {
            Tok::Data(text) => visit(Event::Text {
                text,
                line: token.line,
            }),
            Tok::Sep(_) => {
                flush(&mut command, &mut visit, functions.len());
                command_position = true;
                after_redirect = false;
            }
            Tok::Redirect => after_redirect = true,
            Tok::Word(word) => {
                visit(Event::Text {
                    text: word.clone(),
                    line: token.line,
                });
                if after_redirect {
                    after_redirect = false;
                    continue;
                }
                if !command_position {
                    if let Some(command) = &mut command
                        && command.words.len() < MAX_WORDS
                    {
                        command.words.push(word);
                    }
                    continue;
                }
                match word.as_str() {
                    "{" => {
                        depth += 1;
                        if expecting_body {
                            expecting_body = false;
                            functions.push(depth);
                        }
                    }
                    "}" => {
                        flush(&mut command, &mut visit, functions.len());
                        if functions.last() == Some(&depth) {
                            functions.pop();
                        }
                        depth = depth.saturating_sub(1);
                    }
                    "function" => {
                        if let Some(Token {
                            tok: Tok::Word(name),
                            line,
                        }) = tokens.next()
                        {
                            visit(Event::Text {
                                text: name.clone(),
                                line,
                            });
                            let name = name.trim_end_matches("()").to_owned();
                            visit(Event::Define { name, line });
                            expecting_body = true;
                            if matches!(
                                tokens.peek(),
                                Some(Token {
                                    tok: Tok::Sep(b'('),
                                    ..
                                })
                            ) {
                                tokens.next();
                                if matches!(
                                    tokens.peek(),
                                    Some(Token {
                                        tok: Tok::Sep(b')'),
                                        ..
                                    })
                                ) {
                                    tokens.next();
                                }
                            }
                        }
                    }
                    _ if KEYWORDS.contains(&word.as_str()) || is_assignment(&word) => {}
                    _ if matches!(
                        tokens.peek(),
                        Some(Token {
                            tok: Tok::Sep(b'('),
                            ..
                        })
                    ) =>
                    {
                        // `name ( )`: a definition.
                        tokens.next();
                        if matches!(
                            tokens.peek(),
                            Some(Token {
                                tok: Tok::Sep(b')'),
                                ..
                            })
                        ) {
                            tokens.next();
                        }
                        visit(Event::Define {
                            name: word,
                            line: token.line,
                        });
                        expecting_body = true;
                    }
                    _ => {
                        command = Some(Command {
                            words: vec![word],
                            line: token.line,
                        });
                        command_position = false;
                    }
                }
            }
        }
    }
    flush(&mut command, &mut visit, functions.len());
}

/// `NAME=value` in command position.
fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
                && !name.as_bytes()[0].is_ascii_digit()
        }
        None => false,
    }
}

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
