//! What a shell file's tokens say: the commands in command position (with the functions
//! open around each), the function definitions, and every word and here-document line.

use super::lex::{Lexer, Tok, Token};

/// Words after which the next word is still in command position.
const KEYWORDS: &[&str] = &[
    "then", "do", "else", "elif", "if", "while", "until", "!", "{", "time", "}",
];

/// Most words kept of one command.
const MAX_WORDS: usize = 10_000;

/// A command: its name, arguments and line.
#[derive(Debug, Clone)]
pub(super) struct Command {
    pub(super) words: Vec<String>,
    pub(super) line: usize,
}

/// What the lexer's tokens say: each command, each function definition (with the functions
/// open around it), each word or here-document line.
#[derive(Debug, Clone)]
pub(super) enum Event {
    Command { command: Command, functions: usize },
    Define { name: String, line: usize },
    Text { text: String, line: usize },
}

type Tokens<'a> = std::iter::Peekable<Lexer<'a>>;

/// The walk between tokens.
struct Walk<'v> {
    visit: &'v mut dyn FnMut(Event),
    /// The command being read.
    command: Option<Command>,
    command_position: bool,
    /// Braces open.
    depth: usize,
    /// The brace depth of each function body open.
    functions: Vec<usize>,
    /// A definition's name was read: the next `{` opens its body.
    expecting_body: bool,
    /// A redirection was read: the next word is its file.
    after_redirect: bool,
}

/// Walks the tokens: commands in command position, function definitions and their bodies.
pub(super) fn events(text: &[u8], mut visit: impl FnMut(Event)) {
    let mut walk = Walk {
        visit: &mut visit,
        command: None,
        command_position: true,
        depth: 0,
        functions: Vec::new(),
        expecting_body: false,
        after_redirect: false,
    };
    let mut tokens = Lexer::new(text).peekable();
    while let Some(token) = tokens.next() {
        match token.tok {
            Tok::Data(text) => (walk.visit)(Event::Text {
                text,
                line: token.line,
            }),
            Tok::Sep(_) => {
                walk.flush();
                walk.command_position = true;
                walk.after_redirect = false;
            }
            Tok::Redirect => walk.after_redirect = true,
            Tok::Word(word) => walk.word(word, token.line, &mut tokens),
        }
    }
    walk.flush();
}

impl Walk<'_> {
    /// Hands out the command read so far.
    fn flush(&mut self) {
        if let Some(command) = self.command.take() {
            (self.visit)(Event::Command {
                command,
                functions: self.functions.len(),
            });
        }
    }

    fn word(&mut self, word: String, line: usize, tokens: &mut Tokens<'_>) {
        (self.visit)(Event::Text {
            text: word.clone(),
            line,
        });
        if self.after_redirect {
            self.after_redirect = false;
            return;
        }
        if !self.command_position {
            if let Some(command) = &mut self.command
                && command.words.len() < MAX_WORDS
            {
                command.words.push(word);
            }
            return;
        }
        self.command_word(word, line, tokens);
    }

    /// A word in command position: a brace, a function definition or a command's name.
    fn command_word(&mut self, word: String, line: usize, tokens: &mut Tokens<'_>) {
        match word.as_str() {
            "{" => {
                self.depth += 1;
                if self.expecting_body {
                    self.expecting_body = false;
                    self.functions.push(self.depth);
                }
            }
            "}" => {
                self.flush();
                if self.functions.last() == Some(&self.depth) {
                    self.functions.pop();
                }
                self.depth = self.depth.saturating_sub(1);
            }
            "function" => self.function_keyword(tokens),
            _ if KEYWORDS.contains(&word.as_str()) || is_assignment(&word) => {}
            _ if next_is(tokens, b'(') => {
                // `name ( )`: a definition.
                skip_parentheses(tokens);
                (self.visit)(Event::Define { name: word, line });
                self.expecting_body = true;
            }
            _ => {
                self.command = Some(Command {
                    words: vec![word],
                    line,
                });
                self.command_position = false;
            }
        }
    }

    /// `function name`, `function name()`, `function name ()`.
    fn function_keyword(&mut self, tokens: &mut Tokens<'_>) {
        if let Some(Token {
            tok: Tok::Word(name),
            line,
        }) = tokens.next()
        {
            (self.visit)(Event::Text {
                text: name.clone(),
                line,
            });
            let name = name.trim_end_matches("()").to_owned();
            (self.visit)(Event::Define { name, line });
            self.expecting_body = true;
            if next_is(tokens, b'(') {
                skip_parentheses(tokens);
            }
        }
    }
}

/// Whether the next token is the separator `byte`.
fn next_is(tokens: &mut Tokens<'_>, byte: u8) -> bool {
    matches!(tokens.peek(), Some(Token { tok: Tok::Sep(found), .. }) if *found == byte)
}

/// A `(` and the `)` right after it, if there is one.
fn skip_parentheses(tokens: &mut Tokens<'_>) {
    tokens.next();
    if next_is(tokens, b')') {
        tokens.next();
    }
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
