//! The Rust lexer: a streaming byte lexer that drops comments and tells strings, raw
//! strings, chars and lifetimes apart, never failing on any input.

use crate::grade::suspicion::operator_at;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tok {
    Ident(String),
    Str(String),
    Punct(&'static str),
    /// Numbers, chars, lifetimes, anything else.
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

    pub(super) fn is(&self, punct: &str) -> bool {
        matches!(self.tok, Tok::Punct(found) if found == punct)
    }

    pub(super) fn is_ident(&self, name: &str) -> bool {
        self.ident() == Some(name)
    }
}

const PUNCTS: &[&str] = &[
    "::", "->", "=>", "==", "!=", "<=", ">=", "&&", "||", "..", "(", ")", "[", "]", "{", "}", ",",
    ";", ":", ".", "=", "!", "#", "&", "<", ">", "*", "+", "-", "/", "%", "^", "|", "?", "@", "$",
    "~",
];

pub(super) struct Lexer<'a> {
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

impl<'a> Lexer<'a> {
    pub(super) fn new(text: &'a [u8]) -> Lexer<'a> {
        Lexer {
            text,
            pos: 0,
            line: 1,
        }
    }

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
                    let tok = match operator_at(PUNCTS, rest) {
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
