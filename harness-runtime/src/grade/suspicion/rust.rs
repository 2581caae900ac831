//! Rust: a streaming byte lexer (comments dropped; strings, raw strings, chars and
//! lifetimes told apart), `use` declarations as an alias table, paths resolved through it,
//! and the bodies of `fn main`, `fn eq`, `fn ne`, `fn cmp`, `fn partial_cmp` and `fn hash`.
//!
//! Not flagged, so honest code stays quiet: `process::exit`, `process::abort` and
//! `env::args` inside `fn main` of a binary (`main.rs`, `src/bin/`: its exit status and
//! arguments are its own); in test files and `#[cfg(test)]` items, paths naming the tests,
//! `CARGO_MANIFEST_DIR` and the test's own assertion macros.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::text::{forges_runner_output, string_hits};
use super::{FileInfo, Hit, SuspicionKind};

use SuspicionKind::{
    AlwaysEqual, FrameworkPatch, Introspection, NetworkIpc, ProcessExit, TestAccess,
};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(&'static str),
    /// Numbers, chars, lifetimes, anything else.
    Other,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

impl Token {
    fn ident(&self) -> Option<&str> {
        match &self.tok {
            Tok::Ident(name) => Some(name),
            _ => None,
        }
    }

    fn is(&self, punct: &str) -> bool {
        matches!(self.tok, Tok::Punct(found) if found == punct)
    }

    fn is_ident(&self, name: &str) -> bool {
        self.ident() == Some(name)
    }
}

const PUNCTS: &[&str] = &[
    "::", "->", "=>", "==", "!=", "<=", ">=", "&&", "||", "..", "(", ")", "[", "]", "{", "}", ",",
    ";", ":", ".", "=", "!", "#", "&", "<", ">", "*", "+", "-", "/", "%", "^", "|", "?", "@", "$",
    "~",
];

struct Lexer<'a> {
    text: &'a [u8],
    pos: usize,
    line: usize,
}

fn is_ident_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

fn is_ident_byte(byte: u8) -> bool {
    is_ident_start(byte) || byte.is_ascii_digit()
}

/// The byte length of the UTF-8 character starting with `byte`.
fn char_len(byte: u8) -> usize {
    match byte {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

impl Lexer<'_> {
    fn peek(&self, offset: usize) -> Option<u8> {
        self.text.get(self.pos + offset).copied()
    }

    /// A `"..."` string with escapes, from the opening quote.
    fn string(&mut self) -> Tok {
        self.pos += 1;
        let begin = self.pos;
        while let Some(byte) = self.peek(0) {
            match byte {
                b'\\' => {
                    if self.peek(1) == Some(b'\n') {
                        self.line += 1;
                    }
                    self.pos += 2;
                }
                b'"' => break,
                _ => {
                    if byte == b'\n' {
                        self.line += 1;
                    }
                    self.pos += 1;
                }
            }
        }
        let end = self.pos.min(self.text.len());
        self.pos = (self.pos + 1).min(self.text.len());
        Tok::Str(String::from_utf8_lossy(&self.text[begin.min(end)..end]).into_owned())
    }

    /// A raw string `r#"..."#`, from the first `#` or quote.
    fn raw_string(&mut self) -> Tok {
        let mut hashes = 0;
        while self.peek(0) == Some(b'#') {
            hashes += 1;
            self.pos += 1;
        }
        if self.peek(0) != Some(b'"') {
            return Tok::Other;
        }
        self.pos += 1;
        let begin = self.pos;
        while self.pos < self.text.len() {
            let byte = self.text[self.pos];
            if byte == b'\n' {
                self.line += 1;
            }
            if byte == b'"'
                && self.text[self.pos + 1..]
                    .iter()
                    .take(hashes)
                    .filter(|&&hash| hash == b'#')
                    .count()
                    == hashes
            {
                let content = String::from_utf8_lossy(&self.text[begin..self.pos]).into_owned();
                self.pos += 1 + hashes;
                return Tok::Str(content);
            }
            self.pos += 1;
        }
        Tok::Str(String::from_utf8_lossy(&self.text[begin..]).into_owned())
    }

    /// A char literal or a lifetime, from the `'`.
    fn quote(&mut self) -> Tok {
        match self.peek(1) {
            Some(b'\\') => {
                self.pos += 2;
                while let Some(byte) = self.peek(0) {
                    self.pos += 1;
                    if byte == b'\'' || byte == b'\n' {
                        if byte == b'\n' {
                            self.line += 1;
                        }
                        break;
                    }
                }
            }
            Some(byte) if self.peek(1 + char_len(byte)) == Some(b'\'') => {
                self.pos += 2 + char_len(byte);
            }
            _ => {
                self.pos += 1;
                while self.peek(0).is_some_and(is_ident_byte) {
                    self.pos += 1;
                }
            }
        }
        Tok::Other
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        loop {
            let byte = self.peek(0)?;
            let line = self.line;
            match byte {
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' | b'\x0c' => self.pos += 1,
                b'/' if self.peek(1) == Some(b'/') => {
                    while self.peek(0).is_some_and(|byte| byte != b'\n') {
                        self.pos += 1;
                    }
                }
                b'/' if self.peek(1) == Some(b'*') => {
                    let mut depth = 0usize;
                    while self.pos < self.text.len() {
                        match (self.text[self.pos], self.peek(1)) {
                            (b'/', Some(b'*')) => {
                                depth += 1;
                                self.pos += 2;
                            }
                            (b'*', Some(b'/')) => {
                                depth = depth.saturating_sub(1);
                                self.pos += 2;
                                if depth == 0 {
                                    break;
                                }
                            }
                            (b'\n', _) => {
                                self.line += 1;
                                self.pos += 1;
                            }
                            _ => self.pos += 1,
                        }
                    }
                }
                b'"' => {
                    let tok = self.string();
                    return Some(Token { tok, line });
                }
                b'\'' => {
                    let tok = self.quote();
                    return Some(Token { tok, line });
                }
                _ if is_ident_start(byte) => {
                    let start = self.pos;
                    while self.peek(0).is_some_and(is_ident_byte) {
                        self.pos += 1;
                    }
                    let word = &self.text[start..self.pos];
                    let next = self.peek(0);
                    let tok = match (word, next) {
                        (b"r", Some(b'#')) if self.peek(1).is_some_and(is_ident_start) => {
                            self.pos += 1;
                            let start = self.pos;
                            while self.peek(0).is_some_and(is_ident_byte) {
                                self.pos += 1;
                            }
                            Tok::Ident(
                                String::from_utf8_lossy(&self.text[start..self.pos]).into_owned(),
                            )
                        }
                        (b"r" | b"br" | b"cr", Some(b'"' | b'#')) => self.raw_string(),
                        (b"b" | b"c", Some(b'"')) => self.string(),
                        (b"b", Some(b'\'')) => self.quote(),
                        _ => Tok::Ident(String::from_utf8_lossy(word).into_owned()),
                    };
                    return Some(Token { tok, line });
                }
                _ if byte.is_ascii_digit() => {
                    while let Some(byte) = self.peek(0) {
                        let fraction =
                            byte == b'.' && self.peek(1).is_some_and(|b| b.is_ascii_digit());
                        if byte.is_ascii_alphanumeric() || byte == b'_' || fraction {
                            self.pos += 1;
                        } else {
                            break;
                        }
                    }
                    return Some(Token {
                        tok: Tok::Other,
                        line,
                    });
                }
                _ => {
                    let rest = &self.text[self.pos..];
                    let tok = match super::operator_at(PUNCTS, rest) {
                        Some(punct) => {
                            self.pos += punct.len();
                            Tok::Punct(punct)
                        }
                        None => {
                            self.pos += char_len(byte);
                            Tok::Other
                        }
                    };
                    return Some(Token { tok, line });
                }
            }
        }
    }
}

/// Paths (after `use` aliases, with `std::`, `core::` or `alloc::` dropped), by prefix.
const PATHS: &[(&str, SuspicionKind)] = &[
    ("process::exit", ProcessExit),
    ("process::abort", ProcessExit),
    ("intrinsics::abort", ProcessExit),
    ("libc::_exit", ProcessExit),
    ("libc::exit", ProcessExit),
    ("libc::abort", ProcessExit),
    ("libc::kill", ProcessExit),
    ("libc::raise", ProcessExit),
    ("libc::signal", ProcessExit),
    ("libc::sigaction", ProcessExit),
    ("libc::atexit", ProcessExit),
    ("nix::sys::signal", ProcessExit),
    ("nix::unistd::_exit", ProcessExit),
    ("signal_hook", ProcessExit),
    ("net::TcpStream", NetworkIpc),
    ("net::TcpListener", NetworkIpc),
    ("net::UdpSocket", NetworkIpc),
    ("os::unix::net", NetworkIpc),
    ("process::Command", NetworkIpc),
    ("libc::socket", NetworkIpc),
    ("libc::connect", NetworkIpc),
    ("libc::fork", NetworkIpc),
    ("libc::shm_open", NetworkIpc),
    ("libc::shmget", NetworkIpc),
    ("libc::mmap", NetworkIpc),
    ("libc::mkfifo", NetworkIpc),
    ("nix::sys::socket", NetworkIpc),
    ("nix::sys::mman", NetworkIpc),
    ("nix::unistd::fork", NetworkIpc),
    ("memmap", NetworkIpc),
    ("memmap2", NetworkIpc),
    ("reqwest", NetworkIpc),
    ("ureq", NetworkIpc),
    ("hyper", NetworkIpc),
    ("tokio::net", NetworkIpc),
    ("tokio::process", NetworkIpc),
    ("async_std::net", NetworkIpc),
    ("mio::net", NetworkIpc),
    ("libloading", NetworkIpc),
    ("backtrace", Introspection),
    ("thread::current", Introspection),
    ("panic::Location", Introspection),
    ("env::current_exe", Introspection),
    ("panic::set_hook", FrameworkPatch),
    ("panic::take_hook", FrameworkPatch),
    ("panic::update_hook", FrameworkPatch),
    ("io::set_output_capture", FrameworkPatch),
    ("ctor", FrameworkPatch),
];

/// Identifiers honest task code has no use for, wherever they appear.
const DISTINCTIVE: &[(&str, SuspicionKind)] = &[
    ("TcpStream", NetworkIpc),
    ("TcpListener", NetworkIpc),
    ("UdpSocket", NetworkIpc),
    ("UnixStream", NetworkIpc),
    ("UnixListener", NetworkIpc),
    ("UnixDatagram", NetworkIpc),
    ("_exit", ProcessExit),
    ("Backtrace", Introspection),
    ("no_mangle", FrameworkPatch),
    ("export_name", FrameworkPatch),
    ("link_section", FrameworkPatch),
    ("test_runner", FrameworkPatch),
    ("custom_test_frameworks", FrameworkPatch),
    ("reexport_test_harness_main", FrameworkPatch),
    ("set_output_capture", FrameworkPatch),
];

/// Macros the tests use: a crate that defines (or re-exports) one under these names
/// shadows the standard one in a test that glob-imports the crate.
const TEST_MACROS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "assert_matches",
    "matches",
    "panic",
    "test",
];

/// Environment variables that locate the package and its tests.
const TEST_ENV: &[&str] = &[
    "CARGO_MANIFEST_DIR",
    "CARGO_TARGET_TMPDIR",
    "CARGO_BIN_EXE_",
];

/// Overrides whose body must use the parameter: `(name, parameter position)` (1: the
/// argument after `self`; 0: `self`).
const EQUALITY: &[(&str, usize)] = &[
    ("eq", 1),
    ("ne", 1),
    ("partial_cmp", 1),
    ("cmp", 1),
    ("hash", 0),
];

/// A table as a map, built once.
type Table = HashMap<&'static str, SuspicionKind>;

fn table(
    cell: &'static OnceLock<Table>,
    entries: &[(&'static str, SuspicionKind)],
) -> &'static Table {
    cell.get_or_init(|| entries.iter().copied().collect())
}

/// The shortest `::` prefix of `path` that [`PATHS`] holds.
fn kind_of_path(path: &str) -> Option<(SuspicionKind, &'static str)> {
    static CELL: OnceLock<Table> = OnceLock::new();
    let paths = table(&CELL, PATHS);
    let ends = path
        .match_indices("::")
        .map(|(index, _)| index)
        .chain(std::iter::once(path.len()));
    for end in ends {
        if let Some((key, kind)) = paths.get_key_value(&path[..end]) {
            return Some((*kind, *key));
        }
    }
    None
}

fn distinctive_kind(word: &str) -> Option<(SuspicionKind, &'static str)> {
    static CELL: OnceLock<Table> = OnceLock::new();
    table(&CELL, DISTINCTIVE)
        .get_key_value(word)
        .map(|(key, kind)| (*kind, *key))
}

/// Local name -> full path, from `use` declarations.
type Aliases = HashMap<String, Vec<String>>;

/// Reads a `use` tree starting at `tokens[*at]` under `prefix` into `aliases`.
fn use_tree(tokens: &[Token], at: &mut usize, prefix: &[String], aliases: &mut Aliases) {
    let mut path: Vec<String> = prefix.to_vec();
    let mut guard = 0;
    while *at < tokens.len() && guard < 10_000 {
        guard += 1;
        let token = &tokens[*at];
        if token.is("::") {
            *at += 1;
            continue;
        }
        if token.is("{") {
            *at += 1;
            loop {
                use_tree(tokens, at, &path, aliases);
                match tokens.get(*at) {
                    Some(token) if token.is(",") => *at += 1,
                    Some(token) if token.is("}") => {
                        *at += 1;
                        return;
                    }
                    _ => return,
                }
                if tokens.get(*at).is_some_and(|token| token.is("}")) {
                    *at += 1;
                    return;
                }
            }
        }
        if token.is("*") {
            *at += 1;
            return;
        }
        match token.ident() {
            Some("as") => {
                let local = tokens
                    .get(*at + 1)
                    .and_then(Token::ident)
                    .map(str::to_owned);
                *at += 2;
                if let Some(local) = local {
                    aliases.insert(local, path);
                }
                return;
            }
            Some("self") if !path.is_empty() => {
                *at += 1;
                if !tokens.get(*at).is_some_and(|token| token.is_ident("as"))
                    && let Some(last) = path.last().cloned()
                {
                    aliases.insert(last, path.clone());
                }
            }
            Some(name) => {
                path.push(name.to_owned());
                *at += 1;
                let continues = tokens
                    .get(*at)
                    .is_some_and(|token| token.is("::") || token.is_ident("as"));
                if !continues {
                    aliases.insert(name.to_owned(), path);
                    return;
                }
            }
            None => return,
        }
    }
}

/// The `use` declarations of the whole file.
fn aliases(text: &[u8]) -> Aliases {
    let mut aliases = Aliases::new();
    let mut lexer = Lexer {
        text,
        pos: 0,
        line: 1,
    };
    while let Some(token) = lexer.next() {
        if !token.is_ident("use") {
            continue;
        }
        let mut tokens = Vec::new();
        for token in lexer.by_ref() {
            if token.is(";") || tokens.len() > 10_000 {
                break;
            }
            tokens.push(token);
        }
        let mut at = 0;
        use_tree(&tokens, &mut at, &[], &mut aliases);
    }
    aliases
}

/// The normalised text of a path: aliases applied, leading `::` and the standard crates'
/// names dropped.
fn normalise(parts: &[String], aliases: &Aliases) -> String {
    let mut full: Vec<&str> = Vec::new();
    if let Some((first, rest)) = parts.split_first() {
        match aliases.get(first) {
            Some(target) => full.extend(target.iter().map(String::as_str)),
            None => full.push(first),
        }
        full.extend(rest.iter().map(String::as_str));
    }
    while matches!(full.first(), Some(&("" | "std" | "core" | "alloc"))) {
        full.remove(0);
    }
    full.join("::")
}

/// A function whose body is being read.
#[derive(Debug, Clone)]
struct Frame {
    name: String,
    line: usize,
    /// The brace depth inside its body.
    depth: usize,
    /// For an equality override: the parameter its body must use (`None`: `_`).
    target: Option<Option<String>>,
    used: bool,
}

/// The parameter at `position` in a `fn` header (`self` is 0), if the header's first
/// parameter is `self`: its binding name, `None` for `_`.
fn header_parameter(header: &[Token], position: usize) -> Option<Option<String>> {
    let open = header.iter().position(|token| token.is("("))?;
    let mut depth = 0usize;
    let mut params: Vec<Vec<&Token>> = vec![Vec::new()];
    for token in &header[open..] {
        match token.tok {
            Tok::Punct("(" | "[" | "<") => {
                depth += 1;
                if depth == 1 {
                    continue;
                }
            }
            Tok::Punct(")" | "]" | ">") => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            Tok::Punct(",") if depth == 1 => {
                params.push(Vec::new());
                continue;
            }
            _ => {}
        }
        if let Some(current) = params.last_mut() {
            current.push(token);
        }
    }
    let is_self = params.first()?.iter().any(|token| token.is_ident("self"));
    if !is_self {
        return None;
    }
    if position == 0 {
        return Some(Some("self".to_owned()));
    }
    let param = params.get(position)?;
    let name = param
        .iter()
        .take_while(|token| !token.is(":"))
        .filter_map(|token| token.ident())
        .find(|name| !matches!(*name, "mut" | "ref"))
        .unwrap_or("_");
    Some((name != "_").then(|| name.to_owned()))
}

/// The findings of a Rust source (before the changed-line filter).
pub(super) fn scan(text: &[u8], info: &FileInfo<'_>) -> Vec<Hit> {
    let aliases = aliases(text);
    // A binary's `fn main` may exit and read its arguments; a `fn main` in library code is
    // just a function the library can call.
    let binary_root = info.path.rsplit('/').next() == Some("main.rs")
        || info.path.split('/').any(|part| part == "bin");
    let mut hits = Vec::new();
    let lexer = Lexer {
        text,
        pos: 0,
        line: 1,
    };
    let mut depth = 0usize;
    let mut frames: Vec<Frame> = Vec::new();
    // The path being read: its parts and the line it started on.
    let mut path: Vec<String> = Vec::new();
    let mut path_line = 0;
    let mut expect_segment = false;
    let mut history: [Option<Token>; 2] = [None, None];
    let mut pending_fn: Option<(String, usize, Vec<Token>)> = None;
    let mut macro_rules_next = false;
    let mut in_use = false;
    // `#[cfg(test)]` items: their tokens so far (to recognise the attribute), whether the
    // next `{` opens one, and the depth inside the one open.
    let mut attribute: Vec<String> = Vec::new();
    let mut cfg_test_next: Option<usize> = None;
    let mut cfg_test_depth: Option<usize> = None;
    // Parentheses and brackets open: a `,` or `;` outside them ends the item an attribute
    // applies to (a field, a `use`), so a later `{` is not that item's body.
    let mut nest = 0usize;
    for token in lexer {
        let line = token.line;
        // A `fn` header: collected up to its body or `;`.
        if let Some((_, _, header)) = &mut pending_fn {
            if token.is("{") || token.is(";") || header.len() > 10_000 {
                if let Some((name, fn_line, header)) = pending_fn.take()
                    && token.is("{")
                {
                    let target = EQUALITY
                        .iter()
                        .find(|(candidate, _)| *candidate == name)
                        .and_then(|(_, position)| header_parameter(&header, *position));
                    frames.push(Frame {
                        name,
                        line: fn_line,
                        depth: depth + 1,
                        target,
                        used: false,
                    });
                }
            } else {
                header.push(token.clone());
            }
        }
        // Paths: `a::b::c`, judged when the token after them arrives (not inside `use`
        // declarations: what an import names is judged where it is used).
        let continues_path = match &token.tok {
            Tok::Ident(name) if expect_segment => {
                path.push(name.clone());
                expect_segment = false;
                true
            }
            Tok::Punct("::") if !expect_segment => {
                if path.is_empty() {
                    path.push(String::new());
                    path_line = line;
                }
                expect_segment = true;
                true
            }
            _ => false,
        };
        if !continues_path {
            if !path.is_empty() && !in_use {
                let in_main = binary_root && frames.iter().any(|frame| frame.name == "main");
                path_rules(&path, &aliases, in_main, path_line, &mut hits);
            }
            path.clear();
            expect_segment = false;
            if let Tok::Ident(name) = &token.tok {
                path_line = line;
                path.push(name.clone());
            }
        }
        if token.is_ident("use") {
            in_use = true;
        } else if token.is(";") {
            in_use = false;
        }
        match token.tok {
            Tok::Punct("(" | "[") => nest += 1,
            Tok::Punct(")" | "]") => nest = nest.saturating_sub(1),
            Tok::Punct("," | ";") if cfg_test_next == Some(nest) => cfg_test_next = None,
            Tok::Punct("}") => cfg_test_next = None,
            _ => {}
        }
        match &token.tok {
            Tok::Punct("#") => attribute = vec!["#".to_owned()],
            _ if !attribute.is_empty() && attribute.len() < 8 => {
                attribute.push(match &token.tok {
                    Tok::Ident(name) => name.clone(),
                    Tok::Punct(punct) => (*punct).to_owned(),
                    _ => String::new(),
                });
                if attribute == ["#", "[", "cfg", "(", "test", ")", "]"] {
                    cfg_test_next = Some(nest);
                    attribute.clear();
                }
            }
            _ => attribute.clear(),
        }
        // In a `#[cfg(test)]` item (compiled only into the crate's own unit-test binary,
        // never into what the integration tests link), test code may name test files and
        // define its own assertion macros.
        let in_cfg_test = cfg_test_depth.is_some();
        match &token.tok {
            Tok::Ident(name) => {
                if let Some((kind, found)) = distinctive_kind(name) {
                    hits.push(Hit::at(kind, line, found));
                }
                for frame in &mut frames {
                    if let Some(Some(target)) = &frame.target
                        && target == name
                    {
                        frame.used = true;
                    }
                }
                if macro_rules_next {
                    macro_rules_next = false;
                    if TEST_MACROS.contains(&name.as_str()) && !in_cfg_test {
                        hits.push(Hit::at(
                            FrameworkPatch,
                            line,
                            "defines a macro named like a test assertion",
                        ));
                    }
                }
                if history[0].as_ref().is_some_and(|prev| prev.is_ident("fn")) {
                    pending_fn = Some((name.clone(), line, Vec::new()));
                }
                if history[0].as_ref().is_some_and(|prev| prev.is_ident("as"))
                    && TEST_MACROS.contains(&name.as_str())
                {
                    hits.push(Hit::at(
                        FrameworkPatch,
                        line,
                        "re-exports a name of a test assertion macro",
                    ));
                }
            }
            Tok::Str(content) => {
                let test_code = FileInfo {
                    is_test: info.is_test || in_cfg_test,
                    ..*info
                };
                hits.extend(string_hits(content, line, &test_code));
                if !test_code.is_test && TEST_ENV.iter().any(|name| content.contains(name)) {
                    hits.push(Hit::at(
                        TestAccess,
                        line,
                        "CARGO_MANIFEST_DIR (the package and its tests)",
                    ));
                }
                if !test_code.is_test
                    && TEST_MACROS.iter().any(|name| {
                        name.starts_with("assert") && content.trim_end_matches('!') == *name
                    })
                {
                    hits.push(Hit::at(TestAccess, line, "looks for the tests' assertions"));
                }
                if !test_code.is_test && forges_runner_output(content) {
                    hits.push(Hit::at(
                        FrameworkPatch,
                        line,
                        "prints a test runner's report",
                    ));
                }
            }
            Tok::Punct("!")
                if history[0]
                    .as_ref()
                    .is_some_and(|prev| prev.is_ident("macro_rules")) =>
            {
                macro_rules_next = true;
            }
            Tok::Punct("{") => {
                let extern_block = history[0]
                    .as_ref()
                    .is_some_and(|prev| prev.is_ident("extern"))
                    || (matches!(history[0].as_ref().map(|prev| &prev.tok), Some(Tok::Str(_)))
                        && history[1]
                            .as_ref()
                            .is_some_and(|prev| prev.is_ident("extern")));
                if extern_block {
                    hits.push(Hit::at(
                        NetworkIpc,
                        line,
                        "an extern block (raw calls into C)",
                    ));
                }
                depth += 1;
                if cfg_test_next.is_some() && cfg_test_depth.is_none() {
                    cfg_test_depth = Some(depth);
                }
                cfg_test_next = None;
            }
            Tok::Punct("}") => {
                if cfg_test_depth == Some(depth) {
                    cfg_test_depth = None;
                }
                depth = depth.saturating_sub(1);
                while frames.last().is_some_and(|frame| frame.depth > depth) {
                    if let Some(frame) = frames.pop()
                        && let Some(target) = &frame.target
                        && (target.is_none() || !frame.used)
                    {
                        hits.push(Hit {
                            kind: AlwaysEqual,
                            line: frame.line,
                            last: line,
                            detail: format!("fn {} ignores its argument", frame.name),
                        });
                    }
                }
            }
            _ => {}
        }
        history.rotate_right(1);
        history[0] = Some(token);
    }
    if !path.is_empty() && !in_use {
        path_rules(&path, &aliases, false, path_line, &mut hits);
    }
    hits
}

/// Rules on a complete path.
fn path_rules(
    parts: &[String],
    aliases: &Aliases,
    in_main: bool,
    line: usize,
    hits: &mut Vec<Hit>,
) {
    let path = normalise(parts, aliases);
    if path.is_empty() {
        return;
    }
    if let Some((kind, found)) = kind_of_path(&path) {
        let mains_own = in_main && matches!(found, "process::exit" | "process::abort");
        if !mains_own {
            hits.push(Hit::at(kind, line, found));
        }
    }
    if (path == "env::args" || path == "env::args_os") && !in_main {
        hits.push(Hit::at(
            Introspection,
            line,
            "reads the process's arguments outside fn main",
        ));
    }
}
