//! Python: a byte lexer that yields logical statements (`lex.rs`: comments dropped,
//! strings kept as tokens, brackets and backslashes joining lines), the imports of the whole
//! file as an alias table (`names.rs`), and rules over each statement (`rules.rs`,
//! `overrides.rs`, `tables.rs`) in its block context (here).
//!
//! Not flagged, so honest code stays quiet: anything inside `if __name__ == "__main__":`
//! (it never runs when the tests import the module); `sys.exit`, `exit()`, `quit()`,
//! `SystemExit` and `sys.argv` inside a function named `main`, `cli` or `*_main`, or in a
//! `__main__.py`; docstrings; in test files (the check's files, `tests/`, `test_*.py`), paths
//! naming tests and imports of the test frameworks.

mod lex;
mod names;
mod overrides;
mod rules;
mod tables;

use super::{FileInfo, Hit};

use lex::{Lexer, Statement, Tok, Token};
use names::{Aliases, aliases};
use overrides::Override;
use rules::rules;

/// What a block opened: the stack of these gives each statement its context.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Block {
    Def(String),
    Class,
    MainGuard,
}

fn is_main_function(name: &str) -> bool {
    matches!(name, "main" | "_main" | "cli" | "_cli" | "run_cli") || name.ends_with("_main")
}

/// The findings of a Python source (before the changed-line filter).
pub(super) fn scan(text: &[u8], info: &FileInfo<'_>) -> Vec<Hit> {
    let mut scan = Scan {
        info: *info,
        aliases: aliases(text),
        file_is_main: info.path.rsplit('/').next() == Some("__main__.py"),
        hits: Vec::new(),
        deferred: Vec::new(),
        calls_own_main: false,
        blocks: Vec::new(),
        overrides: Vec::new(),
    };
    for statement in Lexer::new(text) {
        scan.statement(&statement);
    }
    scan.finish()
}

/// What the scan carries from one statement to the next.
struct Scan<'a> {
    info: FileInfo<'a>,
    aliases: Aliases,
    file_is_main: bool,
    hits: Vec<Hit>,
    /// Exits and `sys.argv` inside a main function: honest, unless the module calls its
    /// main function itself (outside the guard), which makes them run under the tests.
    deferred: Vec<Hit>,
    calls_own_main: bool,
    /// The blocks open, innermost last, each with the indentation of its header.
    blocks: Vec<(usize, Block)>,
    /// Equality overrides whose bodies are being read.
    overrides: Vec<Override>,
}

impl Scan<'_> {
    fn statement(&mut self, statement: &Statement) {
        self.close_blocks(statement);
        let in_guard = self
            .blocks
            .iter()
            .any(|(_, block)| *block == Block::MainGuard);
        let in_main_function = self
            .blocks
            .iter()
            .any(|(_, block)| matches!(block, Block::Def(name) if is_main_function(name)));
        self.statement_rules(statement, in_guard, in_main_function);
        self.open_block(statement, in_guard);
    }

    /// Closes the blocks and overrides `statement` is not inside; the overrides still open
    /// read it.
    fn close_blocks(&mut self, statement: &Statement) {
        while self
            .blocks
            .last()
            .is_some_and(|(indent, _)| *indent >= statement.indent)
        {
            self.blocks.pop();
        }
        let mut index = 0;
        while index < self.overrides.len() {
            if self.overrides[index].indent >= statement.indent {
                if let Some(hit) = self.overrides.remove(index).finish() {
                    self.hits.push(hit);
                }
            } else {
                index += 1;
            }
        }
        for pending in &mut self.overrides {
            pending.read(&statement.tokens, statement.last);
        }
    }

    fn statement_rules(&mut self, statement: &Statement, in_guard: bool, in_main_function: bool) {
        let mut found = Vec::new();
        let mut exempt = Vec::new();
        let in_main = if self.file_is_main || in_main_function {
            Some(&mut exempt)
        } else {
            None
        };
        rules(statement, &self.info, &self.aliases, in_main, &mut found);
        if !in_guard {
            self.hits.extend(found);
            if !self.file_is_main {
                self.deferred.extend(exempt);
            }
            if !in_main_function && calls_main(&statement.tokens) {
                self.calls_own_main = true;
            }
        }
    }

    /// The block `statement` opens, if any; an equality override's body is read from its
    /// header on.
    fn open_block(&mut self, statement: &Statement, in_guard: bool) {
        let tokens = &statement.tokens;
        let head = tokens
            .iter()
            .position(|token| !token.is_ident("async"))
            .unwrap_or(0);
        match tokens.get(head).and_then(Token::ident) {
            Some("def") => {
                let name = tokens
                    .get(head + 1)
                    .and_then(Token::ident)
                    .unwrap_or("")
                    .to_owned();
                if let Some(pending) = Override::open(statement, head, &name)
                    && !in_guard
                {
                    self.overrides.push(pending);
                }
                self.blocks.push((statement.indent, Block::Def(name)));
            }
            Some("class") => self.blocks.push((statement.indent, Block::Class)),
            Some("if") if is_main_guard(tokens) => {
                self.blocks.push((statement.indent, Block::MainGuard));
            }
            _ => {}
        }
    }

    fn finish(mut self) -> Vec<Hit> {
        for pending in self.overrides {
            self.hits.extend(pending.finish());
        }
        if self.calls_own_main {
            self.hits.extend(self.deferred.into_iter().map(|hit| Hit {
                detail: format!(
                    "{} (in a main function the module itself calls)",
                    hit.detail
                ),
                ..hit
            }));
        }
        self.hits
    }
}

/// A call of a main function (`main()`, `cli(...)`) in the statement.
fn calls_main(tokens: &[Token]) -> bool {
    tokens.iter().enumerate().any(|(index, token)| {
        token.ident().is_some_and(is_main_function)
            && tokens.get(index + 1).is_some_and(|next| next.is_op("("))
            && !(index > 0 && (tokens[index - 1].is_op(".") || tokens[index - 1].is_ident("def")))
    })
}

/// `if __name__ == "__main__":` (either side), exactly: `if __name__ == "__main__" or
/// True:` is no guard.
fn is_main_guard(tokens: &[Token]) -> bool {
    let main = |token: &Token| matches!(&token.tok, Tok::Str(text) if text == "__main__");
    let name = |token: &Token| token.is_ident("__name__");
    match tokens {
        [first, left, equals, right, colon, ..] => {
            first.is_ident("if")
                && equals.is_op("==")
                && colon.is_op(":")
                && ((name(left) && main(right)) || (main(left) && name(right)))
        }
        _ => false,
    }
}
