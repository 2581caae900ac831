//! Paths: the file's `use` declarations as an alias table, paths read token by token, and
//! the rules on a complete path once the aliases are applied.

use std::collections::HashMap;

use super::lex::{Lexer, Tok, Token};
use super::tables::kind_of_path;
use crate::grade::suspicion::{Hit, SuspicionKind};

use SuspicionKind::Introspection;

/// Local name -> full path, from `use` declarations.
pub(super) type Aliases = HashMap<String, Vec<String>>;

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
pub(super) fn aliases(text: &[u8]) -> Aliases {
    let mut aliases = Aliases::new();
    let mut lexer = Lexer::new(text);
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

/// A path read token by token (`a::b::c`), judged when the token after it arrives.
#[derive(Debug, Default)]
pub(super) struct PathReader {
    parts: Vec<String>,
    /// The line it started on.
    line: usize,
    expect_segment: bool,
}

impl PathReader {
    /// Reads `token`; returns the path it ends (its parts and first line), if any.
    pub(super) fn next(&mut self, token: &Token) -> Option<(Vec<String>, usize)> {
        let continues = match &token.tok {
            Tok::Ident(name) if self.expect_segment => {
                self.parts.push(name.clone());
                self.expect_segment = false;
                true
            }
            Tok::Punct("::") if !self.expect_segment => {
                if self.parts.is_empty() {
                    self.parts.push(String::new());
                    self.line = token.line;
                }
                self.expect_segment = true;
                true
            }
            _ => false,
        };
        if continues {
            return None;
        }
        let ended = (!self.parts.is_empty()).then(|| (std::mem::take(&mut self.parts), self.line));
        self.expect_segment = false;
        if let Tok::Ident(name) = &token.tok {
            self.line = token.line;
            self.parts.push(name.clone());
        }
        ended
    }

    /// The path the text ends with, if any.
    pub(super) fn finish(self) -> Option<(Vec<String>, usize)> {
        (!self.parts.is_empty()).then_some((self.parts, self.line))
    }
}

/// Rules on a complete path.
pub(super) fn path_rules(
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
