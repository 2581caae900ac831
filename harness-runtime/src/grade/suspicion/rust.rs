//! Rust: a streaming byte lexer (`lex.rs`: comments dropped; strings, raw strings, chars
//! and lifetimes told apart), `use` declarations as an alias table and paths resolved
//! through it (`paths.rs`), the bodies of `fn main`, `fn eq`, `fn ne`, `fn cmp`,
//! `fn partial_cmp` and `fn hash` (`functions.rs`), `#[cfg(test)]` items (`cfg_test.rs`) and
//! what the rules look for (`tables.rs`); the token walk is here.
//!
//! Not flagged, so honest code stays quiet: `process::exit`, `process::abort` and
//! `env::args` inside `fn main` of a binary (`main.rs`, `src/bin/`: its exit status and
//! arguments are its own); in test files and `#[cfg(test)]` items, paths naming the tests,
//! `CARGO_MANIFEST_DIR` and the test's own assertion macros.

mod cfg_test;
mod functions;
mod lex;
mod paths;
mod tables;

use super::text::{forges_runner_output, string_hits};
use super::{FileInfo, Hit, SuspicionKind};

use SuspicionKind::{FrameworkPatch, NetworkIpc, TestAccess};
use cfg_test::CfgTest;
use functions::Functions;
use lex::{Lexer, Tok, Token};
use paths::{Aliases, PathReader, aliases, path_rules};
use tables::{TEST_ENV, TEST_MACROS, distinctive_kind};

/// The findings of a Rust source (before the changed-line filter).
pub(super) fn scan(text: &[u8], info: &FileInfo<'_>) -> Vec<Hit> {
    let mut scan = Scan::new(text, info);
    for token in Lexer::new(text) {
        scan.token(token);
    }
    scan.finish()
}

/// What the scan carries from one token to the next.
struct Scan<'a> {
    info: FileInfo<'a>,
    aliases: Aliases,
    /// A binary's `fn main` may exit and read its arguments; a `fn main` in library code is
    /// just a function the library can call.
    binary_root: bool,
    hits: Vec<Hit>,
    /// Braces open.
    depth: usize,
    functions: Functions,
    path: PathReader,
    /// The two tokens before this one, latest first.
    history: [Option<Token>; 2],
    /// `macro_rules!` was read: the next identifier is the macro's name.
    macro_rules_next: bool,
    /// In a `use` declaration: what an import names is judged where it is used.
    in_use: bool,
    cfg_test: CfgTest,
}

impl<'a> Scan<'a> {
    fn new(text: &[u8], info: &FileInfo<'a>) -> Scan<'a> {
        Scan {
            info: *info,
            aliases: aliases(text),
            binary_root: info.path.rsplit('/').next() == Some("main.rs")
                || info.path.split('/').any(|part| part == "bin"),
            hits: Vec::new(),
            depth: 0,
            functions: Functions::default(),
            path: PathReader::default(),
            history: [None, None],
            macro_rules_next: false,
            in_use: false,
            cfg_test: CfgTest::default(),
        }
    }

    fn token(&mut self, token: Token) {
        let line = token.line;
        self.functions.header(&token, self.depth);
        if let Some((parts, path_line)) = self.path.next(&token)
            && !self.in_use
        {
            let in_main = self.binary_root && self.functions.in_main();
            path_rules(&parts, &self.aliases, in_main, path_line, &mut self.hits);
        }
        if token.is_ident("use") {
            self.in_use = true;
        } else if token.is(";") {
            self.in_use = false;
        }
        self.cfg_test.read(&token.tok);
        let in_cfg_test = self.cfg_test.inside();
        match &token.tok {
            Tok::Ident(name) => self.ident(name, line, in_cfg_test),
            Tok::Str(content) => self.string(content, line, in_cfg_test),
            Tok::Punct("!") if self.follows(0, "macro_rules") => self.macro_rules_next = true,
            Tok::Punct("{") => self.open_brace(line),
            Tok::Punct("}") => self.close_brace(line),
            _ => {}
        }
        self.history.rotate_right(1);
        self.history[0] = Some(token);
    }

    /// Whether the token `back` places before this one (0: the previous one) is the
    /// identifier `name`.
    fn follows(&self, back: usize, name: &str) -> bool {
        self.history[back]
            .as_ref()
            .is_some_and(|prev| prev.is_ident(name))
    }

    fn ident(&mut self, name: &str, line: usize, in_cfg_test: bool) {
        if let Some((kind, found)) = distinctive_kind(name) {
            self.hits.push(Hit::at(kind, line, found));
        }
        self.functions.mention(name);
        if self.macro_rules_next {
            self.macro_rules_next = false;
            if TEST_MACROS.contains(&name) && !in_cfg_test {
                self.hits.push(Hit::at(
                    FrameworkPatch,
                    line,
                    "defines a macro named like a test assertion",
                ));
            }
        }
        if self.follows(0, "fn") {
            self.functions.start(name, line);
        }
        if self.follows(0, "as") && TEST_MACROS.contains(&name) {
            self.hits.push(Hit::at(
                FrameworkPatch,
                line,
                "re-exports a name of a test assertion macro",
            ));
        }
    }

    fn string(&mut self, content: &str, line: usize, in_cfg_test: bool) {
        let test_code = FileInfo {
            is_test: self.info.is_test || in_cfg_test,
            ..self.info
        };
        self.hits.extend(string_hits(content, line, &test_code));
        if !test_code.is_test && TEST_ENV.iter().any(|name| content.contains(name)) {
            self.hits.push(Hit::at(
                TestAccess,
                line,
                "CARGO_MANIFEST_DIR (the package and its tests)",
            ));
        }
        if !test_code.is_test
            && TEST_MACROS
                .iter()
                .any(|name| name.starts_with("assert") && content.trim_end_matches('!') == *name)
        {
            self.hits
                .push(Hit::at(TestAccess, line, "looks for the tests' assertions"));
        }
        if !test_code.is_test && forges_runner_output(content) {
            self.hits.push(Hit::at(
                FrameworkPatch,
                line,
                "prints a test runner's report",
            ));
        }
    }

    fn open_brace(&mut self, line: usize) {
        let after_string = matches!(
            self.history[0].as_ref().map(|prev| &prev.tok),
            Some(Tok::Str(_))
        );
        let extern_block = self.follows(0, "extern") || (after_string && self.follows(1, "extern"));
        if extern_block {
            self.hits.push(Hit::at(
                NetworkIpc,
                line,
                "an extern block (raw calls into C)",
            ));
        }
        self.depth += 1;
        self.cfg_test.open(self.depth);
    }

    fn close_brace(&mut self, line: usize) {
        self.cfg_test.close(self.depth);
        self.depth = self.depth.saturating_sub(1);
        self.functions.close(self.depth, line, &mut self.hits);
    }

    fn finish(mut self) -> Vec<Hit> {
        if let Some((parts, line)) = self.path.finish()
            && !self.in_use
        {
            path_rules(&parts, &self.aliases, false, line, &mut self.hits);
        }
        self.hits
    }
}
