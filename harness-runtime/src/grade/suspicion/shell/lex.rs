//! The shell lexer: words with quotes removed, `${...}`, `$(...)`, backquotes, comments and
//! here-documents, never failing on any input.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tok {
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
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) line: usize,
}

pub(super) struct Lexer<'a> {
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
    pub(super) fn new(text: &'a [u8]) -> Lexer<'a> {
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
