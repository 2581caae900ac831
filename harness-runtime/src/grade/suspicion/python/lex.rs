//! The Python lexer: yields logical statements (comments dropped, strings kept as tokens,
//! brackets and backslashes joining lines), never failing on any input.

use crate::grade::suspicion::operator_at;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tok {
    Ident(String),
    Str(String),
    Op(&'static str),
    Other,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) line: usize,
}

impl Token {
    pub(super) fn ident(&self) -> Option<&str> {
        match &self.tok {
            Tok::Ident(name) => Some(name),
            _ => None,
        }
    }

    pub(super) fn is_op(&self, op: &str) -> bool {
        matches!(self.tok, Tok::Op(found) if found == op)
    }

    pub(super) fn is_ident(&self, name: &str) -> bool {
        self.ident() == Some(name)
    }
}

/// A logical statement: its tokens, its first line's indentation and its line range.
#[derive(Debug, Clone, Default)]
pub(super) struct Statement {
    pub(super) tokens: Vec<Token>,
    pub(super) indent: usize,
    pub(super) first: usize,
    pub(super) last: usize,
}

const OPS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "==", "!=", "<=", ">=", ":=", "->", "**", "//", "<<", ">>",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "(", ")", "[", "]", "{", "}", ",", ":",
    ".", ";", "=", "+", "-", "*", "/", "%", "&", "|", "^", "~", "<", ">", "@", "!",
];

/// Yields the statements of a Python source, never failing: an unterminated string or
/// bracket ends at the end of the text.
pub(super) struct Lexer<'a> {
    text: &'a [u8],
    pos: usize,
    line: usize,
    depth: usize,
    at_line_start: bool,
    current: Statement,
    line_indent: usize,
    /// A part of an over-long statement, handed out before anything else.
    overflow: Option<Statement>,
}

/// Most tokens of one statement read at once.
const MAX_STATEMENT_TOKENS: usize = 50_000;

impl<'a> Lexer<'a> {
    pub(super) fn new(text: &'a [u8]) -> Lexer<'a> {
        Lexer {
            text,
            pos: 0,
            line: 1,
            depth: 0,
            at_line_start: true,
            current: Statement::default(),
            line_indent: 0,
            overflow: None,
        }
    }

    fn push(&mut self, tok: Tok, line: usize) {
        if self.current.tokens.len() >= MAX_STATEMENT_TOKENS {
            // A statement this long is read in parts (what holds memory is bounded).
            self.overflow = Some(std::mem::take(&mut self.current));
            self.current.indent = self.line_indent;
        }
        if self.current.tokens.is_empty() {
            self.current.indent = self.line_indent;
            self.current.first = line;
        }
        self.current.last = self.line.max(line);
        self.current.tokens.push(Token { tok, line });
    }

    fn finish_statement(&mut self) -> Option<Statement> {
        if self.current.tokens.is_empty() {
            return None;
        }
        Some(std::mem::take(&mut self.current))
    }

    /// The width of the indentation at the start of a line (tabs to multiples of 8).
    fn indentation(&mut self) -> usize {
        let mut width = 0;
        while let Some(&byte) = self.text.get(self.pos) {
            match byte {
                b' ' => width += 1,
                b'\t' => width = (width / 8 + 1) * 8,
                b'\x0c' => width = 0,
                _ => break,
            }
            self.pos += 1;
        }
        width
    }

    fn string(&mut self, quote: u8) {
        let start_line = self.line;
        let triple = self.text.get(self.pos + 1) == Some(&quote)
            && self.text.get(self.pos + 2) == Some(&quote);
        self.pos += if triple { 3 } else { 1 };
        let begin = self.pos;
        let mut end = self.text.len();
        while self.pos < self.text.len() {
            let byte = self.text[self.pos];
            if byte == b'\\' {
                if self.text.get(self.pos + 1) == Some(&b'\n') {
                    self.line += 1;
                }
                self.pos += 2;
                continue;
            }
            if byte == b'\n' {
                if !triple {
                    end = self.pos;
                    break;
                }
                self.line += 1;
            }
            if byte == quote
                && (!triple
                    || (self.text.get(self.pos + 1) == Some(&quote)
                        && self.text.get(self.pos + 2) == Some(&quote)))
            {
                end = self.pos;
                self.pos += if triple { 3 } else { 1 };
                break;
            }
            self.pos += 1;
        }
        let content = String::from_utf8_lossy(&self.text[begin.min(end)..end]).into_owned();
        self.push(Tok::Str(content), start_line);
    }
}

fn is_ident_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

fn is_ident_byte(byte: u8) -> bool {
    is_ident_start(byte) || byte.is_ascii_digit()
}

fn is_string_prefix(word: &str) -> bool {
    word.len() <= 2
        && word
            .chars()
            .all(|c| matches!(c.to_ascii_lowercase(), 'r' | 'b' | 'u' | 'f' | 't'))
}

impl Iterator for Lexer<'_> {
    type Item = Statement;

    fn next(&mut self) -> Option<Statement> {
        while self.pos < self.text.len() {
            if let Some(part) = self.overflow.take() {
                return Some(part);
            }
            if self.at_line_start {
                self.at_line_start = false;
                if self.depth == 0 && self.current.tokens.is_empty() {
                    self.line_indent = self.indentation();
                }
                continue;
            }
            let byte = self.text[self.pos];
            match byte {
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                    self.at_line_start = true;
                    if self.depth == 0
                        && let Some(statement) = self.finish_statement()
                    {
                        return Some(statement);
                    }
                }
                b'#' => {
                    while self.pos < self.text.len() && self.text[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                b'\\' if self.text.get(self.pos + 1) == Some(&b'\n') => {
                    self.pos += 2;
                    self.line += 1;
                }
                b'\\'
                    if self.text.get(self.pos + 1) == Some(&b'\r')
                        && self.text.get(self.pos + 2) == Some(&b'\n') =>
                {
                    self.pos += 3;
                    self.line += 1;
                }
                b' ' | b'\t' | b'\r' | b'\x0c' => self.pos += 1,
                b'"' | b'\'' => self.string(byte),
                _ if is_ident_start(byte) => {
                    let start = self.pos;
                    while self.pos < self.text.len() && is_ident_byte(self.text[self.pos]) {
                        self.pos += 1;
                    }
                    let word = String::from_utf8_lossy(&self.text[start..self.pos]).into_owned();
                    match self.text.get(self.pos) {
                        Some(&quote @ (b'"' | b'\'')) if is_string_prefix(&word) => {
                            self.string(quote);
                        }
                        _ => {
                            let line = self.line;
                            self.push(Tok::Ident(word), line);
                        }
                    }
                }
                _ if byte.is_ascii_digit()
                    || (byte == b'.'
                        && self.text.get(self.pos + 1).is_some_and(u8::is_ascii_digit)) =>
                {
                    while self.pos < self.text.len()
                        && (self.text[self.pos].is_ascii_alphanumeric()
                            || matches!(self.text[self.pos], b'.' | b'_'))
                    {
                        self.pos += 1;
                    }
                    let line = self.line;
                    self.push(Tok::Other, line);
                }
                _ => {
                    let rest = &self.text[self.pos..];
                    let op = operator_at(OPS, rest);
                    let line = self.line;
                    match op {
                        Some(op) => {
                            self.pos += op.len();
                            match op {
                                "(" | "[" | "{" => self.depth += 1,
                                ")" | "]" | "}" => self.depth = self.depth.saturating_sub(1),
                                _ => {}
                            }
                            if op == ";" && self.depth == 0 {
                                if let Some(statement) = self.finish_statement() {
                                    return Some(statement);
                                }
                            } else {
                                self.push(Tok::Op(op), line);
                            }
                        }
                        None => {
                            self.pos += 1;
                            self.push(Tok::Other, line);
                        }
                    }
                }
            }
        }
        if let Some(part) = self.overflow.take() {
            return Some(part);
        }
        self.finish_statement()
    }
}
