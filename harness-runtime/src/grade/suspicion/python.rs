//! Python: a byte lexer that yields logical statements (comments dropped, strings kept as
//! tokens, brackets and backslashes joining lines), the imports of the whole file as an
//! alias table, and rules over each statement in its block context.
//!
//! Not flagged, so honest code stays quiet: anything inside `if __name__ == "__main__":`
//! (it never runs when the tests import the module); `sys.exit`, `exit()`, `quit()`,
//! `SystemExit` and `sys.argv` inside a function named `main`, `cli` or `*_main`, or in a
//! `__main__.py`; docstrings; in test files (the check's files, `tests/`, `test_*.py`), paths
//! naming tests and imports of the test frameworks.

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
    Op(&'static str),
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

    fn is_op(&self, op: &str) -> bool {
        matches!(self.tok, Tok::Op(found) if found == op)
    }

    fn is_ident(&self, name: &str) -> bool {
        self.ident() == Some(name)
    }
}

/// A logical statement: its tokens, its first line's indentation and its line range.
#[derive(Debug, Clone, Default)]
struct Statement {
    tokens: Vec<Token>,
    indent: usize,
    first: usize,
    last: usize,
}

const OPS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "==", "!=", "<=", ">=", ":=", "->", "**", "//", "<<", ">>",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "(", ")", "[", "]", "{", "}", ",", ":",
    ".", ";", "=", "+", "-", "*", "/", "%", "&", "|", "^", "~", "<", ">", "@", "!",
];

/// Yields the statements of a Python source, never failing: an unterminated string or
/// bracket ends at the end of the text.
struct Lexer<'a> {
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
    fn new(text: &'a [u8]) -> Lexer<'a> {
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
                    self.line_indent = width;
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
                    let op = super::operator_at(OPS, rest);
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

/// Modules whose import alone is evidence, by prefix (`socket` covers `socket.socket`).
const MODULES: &[(&str, SuspicionKind)] = &[
    ("socket", NetworkIpc),
    ("_socket", NetworkIpc),
    ("socketserver", NetworkIpc),
    ("ssl", NetworkIpc),
    ("http.client", NetworkIpc),
    ("http.server", NetworkIpc),
    ("urllib.request", NetworkIpc),
    ("urllib3", NetworkIpc),
    ("requests", NetworkIpc),
    ("httpx", NetworkIpc),
    ("aiohttp", NetworkIpc),
    ("ftplib", NetworkIpc),
    ("smtplib", NetworkIpc),
    ("poplib", NetworkIpc),
    ("imaplib", NetworkIpc),
    ("telnetlib", NetworkIpc),
    ("xmlrpc", NetworkIpc),
    ("websocket", NetworkIpc),
    ("websockets", NetworkIpc),
    ("zmq", NetworkIpc),
    ("multiprocessing", NetworkIpc),
    ("_multiprocessing", NetworkIpc),
    ("mmap", NetworkIpc),
    ("sysv_ipc", NetworkIpc),
    ("posix_ipc", NetworkIpc),
    ("ctypes", NetworkIpc),
    ("_ctypes", NetworkIpc),
    ("cffi", NetworkIpc),
    ("subprocess", NetworkIpc),
    ("_posixsubprocess", NetworkIpc),
    ("pty", NetworkIpc),
    ("pexpect", NetworkIpc),
    ("atexit", ProcessExit),
    ("signal", ProcessExit),
    ("_signal", ProcessExit),
    ("unittest", FrameworkPatch),
    ("pytest", FrameworkPatch),
    ("_pytest", FrameworkPatch),
    ("pluggy", FrameworkPatch),
    ("nose", FrameworkPatch),
    ("nose2", FrameworkPatch),
    ("doctest", FrameworkPatch),
    ("linecache", Introspection),
];

/// Qualified names, matched on what a dotted name resolves to through the file's imports
/// (`import os as _os; _os._exit` is `os._exit`), by prefix.
const QUALIFIED: &[(&str, SuspicionKind)] = &[
    ("os._exit", ProcessExit),
    ("posix._exit", ProcessExit),
    ("os.abort", ProcessExit),
    ("os.kill", ProcessExit),
    ("os.killpg", ProcessExit),
    ("os.execv", ProcessExit),
    ("os.execve", ProcessExit),
    ("os.execl", ProcessExit),
    ("os.execle", ProcessExit),
    ("os.execlp", ProcessExit),
    ("os.execlpe", ProcessExit),
    ("os.execvp", ProcessExit),
    ("os.execvpe", ProcessExit),
    ("os.fork", NetworkIpc),
    ("os.forkpty", NetworkIpc),
    ("os.system", NetworkIpc),
    ("os.popen", NetworkIpc),
    ("os.spawnl", NetworkIpc),
    ("os.spawnle", NetworkIpc),
    ("os.spawnlp", NetworkIpc),
    ("os.spawnlpe", NetworkIpc),
    ("os.spawnv", NetworkIpc),
    ("os.spawnve", NetworkIpc),
    ("os.spawnvp", NetworkIpc),
    ("os.spawnvpe", NetworkIpc),
    ("os.posix_spawn", NetworkIpc),
    ("os.posix_spawnp", NetworkIpc),
    ("os.mkfifo", NetworkIpc),
    ("os.openpty", NetworkIpc),
    ("sys._getframe", Introspection),
    ("sys._current_frames", Introspection),
    ("sys.settrace", Introspection),
    ("sys.setprofile", Introspection),
    ("sys.gettrace", Introspection),
    ("sys.getprofile", Introspection),
    ("sys.addaudithook", Introspection),
    ("sys.monitoring", Introspection),
    ("threading.settrace", Introspection),
    ("threading.setprofile", Introspection),
    ("inspect.stack", Introspection),
    ("inspect.currentframe", Introspection),
    ("inspect.getouterframes", Introspection),
    ("inspect.getinnerframes", Introspection),
    ("inspect.trace", Introspection),
    ("inspect.getframeinfo", Introspection),
    ("inspect.getsource", Introspection),
    ("inspect.getsourcelines", Introspection),
    ("inspect.getsourcefile", Introspection),
    ("inspect.getfile", Introspection),
    ("inspect.getmembers", Introspection),
    ("traceback.extract_stack", Introspection),
    ("traceback.walk_stack", Introspection),
    ("traceback.format_stack", Introspection),
    ("traceback.print_stack", Introspection),
    ("traceback.StackSummary", Introspection),
    ("gc.get_objects", Introspection),
    ("gc.get_referrers", Introspection),
    ("gc.get_referents", Introspection),
    ("sys.modules.update", FrameworkPatch),
    ("sys.modules.setdefault", FrameworkPatch),
    ("sys.modules.pop", FrameworkPatch),
    ("sys.modules.popitem", FrameworkPatch),
    ("sys.modules.clear", FrameworkPatch),
    ("sys.modules.__setitem__", FrameworkPatch),
    ("sys.modules.__delitem__", FrameworkPatch),
    ("sys.meta_path", FrameworkPatch),
    ("sys.path_hooks", FrameworkPatch),
    ("sys.path_importer_cache", FrameworkPatch),
];

/// Names that honest task code has no use for, wherever they appear (also as words in a
/// string, as in `getattr(os, "_exit")`).
const DISTINCTIVE: &[(&str, SuspicionKind)] = &[
    ("_exit", ProcessExit),
    ("_getframe", Introspection),
    ("_current_frames", Introspection),
    // `__import__("__main__").__file__`: the runner's own module, by another name.
    ("__import__", Introspection),
    ("f_back", Introspection),
    ("f_locals", Introspection),
    ("f_globals", Introspection),
    ("f_code", Introspection),
    ("f_trace", Introspection),
    ("f_lineno", Introspection),
    ("tb_frame", Introspection),
    ("gi_frame", Introspection),
    ("cr_frame", Introspection),
    ("ag_frame", Introspection),
    ("co_filename", Introspection),
    ("get_referrers", Introspection),
    ("get_referents", Introspection),
    ("__subclasses__", Introspection),
    ("__globals__", Introspection),
    ("__code__", Introspection),
    ("settrace", Introspection),
    ("setprofile", Introspection),
    ("_testMethodName", Introspection),
    ("_pytest", FrameworkPatch),
    ("__builtins__", FrameworkPatch),
    ("addSuccess", FrameworkPatch),
    ("addSkip", FrameworkPatch),
    ("addFailure", FrameworkPatch),
    ("addError", FrameworkPatch),
    ("addExpectedFailure", FrameworkPatch),
    ("addUnexpectedSuccess", FrameworkPatch),
    ("startTest", FrameworkPatch),
    ("stopTest", FrameworkPatch),
    ("wasSuccessful", FrameworkPatch),
    ("runtest", FrameworkPatch),
    ("_outcome", FrameworkPatch),
];

/// Prefixes an assignment, `del` or `setattr` must not target: the test frameworks, the
/// interpreter's import and output machinery, builtins, and the `os`/`sys` functions.
const WRITE_TARGETS: &[&str] = &[
    "unittest",
    "pytest",
    "_pytest",
    "doctest",
    "builtins",
    "__builtins__",
    "sys",
    "os",
    "posix",
    "inspect",
    "traceback",
    "gc",
    "importlib",
    "threading.excepthook",
    "signal",
    "atexit",
];

/// Writes that are honest: environment variables and the import path.
const HONEST_WRITES: &[&str] = &["os.environ", "sys.path", "sys.setrecursionlimit"];

/// Dunders whose override must look at its argument.
const EQUALITY: &[&str] = &["__eq__", "__ne__", "__contains__", "__hash__"];

fn matches_prefix(name: &str, prefix: &str) -> bool {
    name == prefix || (name.starts_with(prefix) && name.as_bytes().get(prefix.len()) == Some(&b'.'))
}

/// A table as a map, built once.
type Table = HashMap<&'static str, SuspicionKind>;

fn table(
    cell: &'static OnceLock<Table>,
    entries: &[(&'static str, SuspicionKind)],
) -> &'static Table {
    cell.get_or_init(|| entries.iter().copied().collect())
}

/// The shortest dotted prefix of `name` (`a`, `a.b`, ...) that `table` holds.
fn by_prefix(table: &Table, name: &str) -> Option<(SuspicionKind, &'static str)> {
    let ends = name
        .match_indices('.')
        .map(|(index, _)| index)
        .chain(std::iter::once(name.len()));
    for end in ends {
        if let Some((key, kind)) = table.get_key_value(&name[..end]) {
            return Some((*kind, *key));
        }
    }
    None
}

fn module_kind(module: &str) -> Option<(SuspicionKind, &'static str)> {
    static CELL: OnceLock<Table> = OnceLock::new();
    by_prefix(table(&CELL, MODULES), module)
}

fn qualified_kind(name: &str) -> Option<(SuspicionKind, &'static str)> {
    static CELL: OnceLock<Table> = OnceLock::new();
    by_prefix(table(&CELL, QUALIFIED), name)
}

fn distinctive_kind(word: &str) -> Option<(SuspicionKind, &'static str)> {
    static CELL: OnceLock<Table> = OnceLock::new();
    table(&CELL, DISTINCTIVE)
        .get_key_value(word)
        .map(|(key, kind)| (*kind, *key))
}

/// Local name -> what it was imported as (`_os` -> `os`, `getframe` -> `sys._getframe`).
type Aliases = HashMap<String, String>;

/// A dotted module or attribute path starting at `tokens[at]`; returns it and the index
/// after it.
fn dotted(tokens: &[Token], mut at: usize) -> (String, usize) {
    let mut name = String::new();
    if tokens.get(at).is_some_and(|token| token.is_op(".")) {
        while tokens.get(at).is_some_and(|token| token.is_op(".")) {
            name.push('.');
            at += 1;
        }
    }
    while let Some(part) = tokens.get(at).and_then(Token::ident) {
        name.push_str(part);
        at += 1;
        if tokens.get(at).is_some_and(|token| token.is_op("."))
            && tokens.get(at + 1).and_then(Token::ident).is_some()
        {
            name.push('.');
            at += 1;
        } else {
            break;
        }
    }
    (name, at)
}

/// One imported module or name, and the local name it binds (`import a.b` binds `a` to
/// `a`; `import a.b as x` binds `x` to `a.b`; `from a import b as c` binds `c` to `a.b`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Import {
    full: String,
    binding: Option<(String, String)>,
}

/// The modules (and `from` names) a statement imports.
fn imports(tokens: &[Token]) -> Vec<Import> {
    let mut found = Vec::new();
    let Some(first) = tokens.first().and_then(Token::ident) else {
        return found;
    };
    let alias = |at: &mut usize| -> Option<String> {
        if tokens.get(*at).is_some_and(|token| token.is_ident("as")) {
            let local = tokens
                .get(*at + 1)
                .and_then(Token::ident)
                .map(str::to_owned);
            *at += 2;
            local
        } else {
            None
        }
    };
    match first {
        "import" => {
            let mut at = 1;
            loop {
                let (module, next) = dotted(tokens, at);
                if module.is_empty() {
                    break;
                }
                at = next;
                let binding = match alias(&mut at) {
                    Some(local) => Some((local, module.clone())),
                    None => {
                        let top = module.split('.').next().unwrap_or(&module).to_owned();
                        Some((top.clone(), top))
                    }
                };
                found.push(Import {
                    full: module,
                    binding,
                });
                if !tokens.get(at).is_some_and(|token| token.is_op(",")) {
                    break;
                }
                at += 1;
            }
        }
        "from" => {
            let (module, mut at) = dotted(tokens, 1);
            if !tokens.get(at).is_some_and(|token| token.is_ident("import")) {
                return found;
            }
            at += 1;
            found.push(Import {
                full: module.clone(),
                binding: None,
            });
            while at < tokens.len() {
                let Some(name) = tokens[at].ident() else {
                    at += 1;
                    continue;
                };
                at += 1;
                let full = if module.ends_with('.') {
                    format!("{module}{name}")
                } else {
                    format!("{module}.{name}")
                };
                let local = alias(&mut at).unwrap_or_else(|| name.to_owned());
                found.push(Import {
                    full: full.clone(),
                    binding: Some((local, full)),
                });
            }
        }
        _ => {}
    }
    found
}

/// What a block opened: the stack of these gives each statement its context.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Block {
    Def(String),
    Class,
    MainGuard,
}

/// An equality override whose body is still being read.
#[derive(Debug, Clone)]
struct Override {
    indent: usize,
    line: usize,
    last: usize,
    name: &'static str,
    /// The parameter the body must use (`None`: it has none to use, which is as bad).
    param: Option<String>,
    used: bool,
    /// An equality must also look at its receiver (`self`): one that compares only the
    /// other side (`return other is not NotImplemented`) says nothing about `self`.
    receiver: Option<String>,
    receiver_used: bool,
    returns_value: bool,
}

impl Override {
    fn read(&mut self, tokens: &[Token], last: usize) {
        self.last = self.last.max(last);
        for (index, token) in tokens.iter().enumerate() {
            if let Some(param) = &self.param
                && token.ident() == Some(param.as_str())
            {
                self.used = true;
            }
            // `super().__eq__(other)` looks at the receiver through its class.
            if let Some(receiver) = &self.receiver
                && (token.ident() == Some(receiver.as_str()) || token.is_ident("super"))
            {
                self.receiver_used = true;
            }
            if token.is_ident("return")
                && let Some(next) = tokens.get(index + 1)
                && !next.is_ident("NotImplemented")
                && !next.is_ident("None")
            {
                self.returns_value = true;
            }
        }
    }

    fn finish(self) -> Option<Hit> {
        let ignores_receiver = self.receiver.is_some() && !self.receiver_used;
        (self.returns_value && (!self.used || ignores_receiver)).then(|| Hit {
            kind: AlwaysEqual,
            line: self.line,
            last: self.last,
            detail: if self.used {
                format!("{} ignores its receiver", self.name)
            } else {
                format!("{} ignores its argument", self.name)
            },
        })
    }
}

/// The parameter names between the parentheses at `tokens[open]` (`*args` gives `args`).
fn parameters(tokens: &[Token], open: usize) -> (Vec<String>, usize) {
    let mut names = Vec::new();
    let mut depth = 0usize;
    let mut expect_name = true;
    let mut at = open;
    while at < tokens.len() {
        let token = &tokens[at];
        match &token.tok {
            Tok::Op("(" | "[" | "{") => depth += 1,
            Tok::Op(")" | "]" | "}") => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return (names, at + 1);
                }
            }
            Tok::Op(",") if depth == 1 => expect_name = true,
            Tok::Op("*" | "**" | "/") => {}
            Tok::Ident(name) if depth == 1 && expect_name => {
                names.push(name.clone());
                expect_name = false;
            }
            _ if depth == 1 => expect_name = false,
            _ => {}
        }
        at += 1;
    }
    (names, at)
}

/// `lambda` parameters up to its `:`, then the body up to a `,` or closing bracket at its
/// own depth; whether the parameter it must use appears in the body.
fn lambda_ignores(tokens: &[Token], at: usize, hash: bool) -> Option<bool> {
    let mut names = Vec::new();
    let mut index = at + 1;
    while index < tokens.len() && !tokens[index].is_op(":") {
        if let Some(name) = tokens[index].ident() {
            names.push(name.to_owned());
        }
        index += 1;
    }
    index += 1;
    let mut depth = 0usize;
    let mut body = Vec::new();
    while index < tokens.len() {
        let token = &tokens[index];
        match token.tok {
            Tok::Op("(" | "[" | "{") => depth += 1,
            Tok::Op(")" | "]" | "}") if depth == 0 => break,
            Tok::Op(")" | "]" | "}") => depth -= 1,
            Tok::Op(",") if depth == 0 => break,
            _ => {}
        }
        body.push(token);
        index += 1;
    }
    if body.is_empty() || body.iter().all(|token| token.is_ident("NotImplemented")) {
        return None;
    }
    let uses = |name: &str| body.iter().any(|token| token.ident() == Some(name));
    Some(if hash {
        !names.iter().any(|name| uses(name))
    } else {
        match names.get(1).or(names.last().filter(|_| names.len() == 1)) {
            Some(name) => !uses(name),
            None => true,
        }
    })
}

fn is_main_function(name: &str) -> bool {
    matches!(name, "main" | "_main" | "cli" | "_cli" | "run_cli") || name.ends_with("_main")
}

/// The findings of a Python source (before the changed-line filter).
pub(super) fn scan(text: &[u8], info: &FileInfo<'_>) -> Vec<Hit> {
    let mut aliases: Aliases = HashMap::new();
    for statement in Lexer::new(text) {
        for import in imports(&statement.tokens) {
            if let Some((local, target)) = import.binding {
                aliases.insert(local, target);
            }
        }
    }
    let file_is_main = info.path.rsplit('/').next() == Some("__main__.py");
    let mut hits = Vec::new();
    // Exits and `sys.argv` inside a main function: honest, unless the module calls its
    // main function itself (outside the guard), which makes them run under the tests.
    let mut deferred: Vec<Hit> = Vec::new();
    let mut calls_own_main = false;
    let mut blocks: Vec<(usize, Block)> = Vec::new();
    let mut overrides: Vec<Override> = Vec::new();
    for statement in Lexer::new(text) {
        while blocks
            .last()
            .is_some_and(|(indent, _)| *indent >= statement.indent)
        {
            blocks.pop();
        }
        let mut index = 0;
        while index < overrides.len() {
            if overrides[index].indent >= statement.indent {
                if let Some(hit) = overrides.remove(index).finish() {
                    hits.push(hit);
                }
            } else {
                index += 1;
            }
        }
        for pending in &mut overrides {
            pending.read(&statement.tokens, statement.last);
        }
        let in_guard = blocks.iter().any(|(_, block)| *block == Block::MainGuard);
        let in_main_function = blocks
            .iter()
            .any(|(_, block)| matches!(block, Block::Def(name) if is_main_function(name)));
        let mut found = Vec::new();
        let mut exempt = Vec::new();
        let in_main = if file_is_main || in_main_function {
            Some(&mut exempt)
        } else {
            None
        };
        rules(&statement, info, &aliases, in_main, &mut found);
        if !in_guard {
            hits.extend(found);
            if !file_is_main {
                deferred.extend(exempt);
            }
            if !in_main_function && calls_main(&statement.tokens) {
                calls_own_main = true;
            }
        }
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
                if let Some(&dunder) = EQUALITY.iter().find(|dunder| **dunder == name) {
                    let open = head + 2;
                    let (params, after) = parameters(tokens, open);
                    let (param, receiver) = if dunder == "__hash__" {
                        (params.first().cloned(), None)
                    } else if matches!(dunder, "__eq__" | "__ne__") {
                        (params.get(1).cloned(), params.first().cloned())
                    } else {
                        (params.get(1).cloned(), None)
                    };
                    let mut pending = Override {
                        indent: statement.indent,
                        line: statement.first,
                        last: statement.last,
                        name: dunder,
                        param,
                        used: false,
                        receiver,
                        receiver_used: false,
                        returns_value: false,
                    };
                    let body_start = tokens[after.min(tokens.len())..]
                        .iter()
                        .position(|token| token.is_op(":"))
                        .map_or(tokens.len(), |colon| after + colon + 1);
                    pending.read(&tokens[body_start.min(tokens.len())..], statement.last);
                    if !in_guard {
                        overrides.push(pending);
                    }
                }
                blocks.push((statement.indent, Block::Def(name)));
            }
            Some("class") => blocks.push((statement.indent, Block::Class)),
            Some("if") if is_main_guard(tokens) => {
                blocks.push((statement.indent, Block::MainGuard));
            }
            _ => {}
        }
    }
    for pending in overrides {
        hits.extend(pending.finish());
    }
    if calls_own_main {
        hits.extend(deferred.into_iter().map(|hit| Hit {
            detail: format!(
                "{} (in a main function the module itself calls)",
                hit.detail
            ),
            ..hit
        }));
    }
    hits
}

/// A call of a main function (`main()`, `cli(...)`) in the statement.
fn calls_main(tokens: &[Token]) -> bool {
    tokens.iter().enumerate().any(|(index, token)| {
        token.ident().is_some_and(is_main_function)
            && tokens.get(index + 1).is_some_and(|next| next.is_op("("))
            && !(index > 0 && (tokens[index - 1].is_op(".") || tokens[index - 1].is_ident("def")))
    })
}

/// `if __name__ == "__main__":` (either side).
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

/// Whether the statement is only strings: a docstring or a bare string expression.
fn is_docstring(tokens: &[Token]) -> bool {
    tokens.iter().all(|token| matches!(token.tok, Tok::Str(_)))
}

/// Identifiers a path is built with: a bare `"tests"` next to one of these is a path.
const PATH_WORDS: &[&str] = &[
    "__file__",
    "path",
    "Path",
    "PurePath",
    "join",
    "open",
    "glob",
    "iglob",
    "listdir",
    "walk",
    "scandir",
    "iterdir",
    "rglob",
    "read_text",
    "read_bytes",
    "dirname",
    "parent",
    "parents",
    "getcwd",
    "cwd",
    "exists",
    "isdir",
    "isfile",
    "chdir",
];

fn rules(
    statement: &Statement,
    info: &FileInfo<'_>,
    aliases: &Aliases,
    mut in_main: Option<&mut Vec<Hit>>,
    hits: &mut Vec<Hit>,
) {
    let tokens = &statement.tokens;
    let first_ident = tokens.first().and_then(Token::ident);
    // Imports.
    for Import { full: module, .. } in imports(tokens) {
        let line = statement.first;
        if let Some((kind, prefix)) = module_kind(&module)
            && !(kind == FrameworkPatch && info.is_test)
        {
            hits.push(Hit::at(kind, line, format!("import {prefix}")));
        }
        if let Some((kind, name)) = qualified_kind(&module) {
            hits.push(Hit::at(kind, line, name));
        }
        if let Some((kind, name)) = module.rsplit('.').next().and_then(distinctive_kind) {
            hits.push(Hit::at(kind, line, name));
        }
    }
    let is_import = matches!(first_ident, Some("import" | "from"));
    let dynamic_import = || {
        tokens
            .iter()
            .any(|token| token.is_ident("__import__") || token.is_ident("import_module"))
    };
    let path_context = || {
        tokens.iter().any(|token| {
            token.ident().is_some_and(|name| PATH_WORDS.contains(&name)) || token.is_op("/")
        })
    };
    let docstring = is_docstring(tokens);
    if !info.is_test && climbs_from_file(tokens) {
        hits.push(Hit::at(
            TestAccess,
            statement.first,
            "a path above the module's own directory, built from __file__",
        ));
    }

    // Dotted names, identifiers and strings.
    let mut index = 0;
    while index < tokens.len() {
        let token = &tokens[index];
        let line = token.line;
        match &token.tok {
            Tok::Str(text) => {
                if !docstring {
                    string_rules(text, line, info, &dynamic_import, &path_context, hits);
                }
                index += 1;
            }
            Tok::Ident(_) if !is_import => {
                let after_dot = index > 0 && tokens[index - 1].is_op(".");
                let (name, next) = dotted(tokens, index);
                for part in name.split('.') {
                    if let Some((kind, found)) = distinctive_kind(part) {
                        hits.push(Hit::at(kind, line, found));
                    }
                }
                let defines = index > 0
                    && (tokens[index - 1].is_ident("def") || tokens[index - 1].is_ident("class"));
                if !after_dot && !defines {
                    let place = Place {
                        tokens,
                        index,
                        next,
                        line,
                    };
                    name_rules(&name, &place, info, aliases, in_main.as_deref_mut(), hits);
                }
                index = next.max(index + 1);
            }
            _ => index += 1,
        }
    }

    // Writes: assignments, `del`, `setattr`.
    for target in write_targets(tokens) {
        let resolved = resolve(&target, aliases);
        if HONEST_WRITES
            .iter()
            .any(|honest| matches_prefix(&resolved, honest))
        {
            continue;
        }
        if resolved.contains('.')
            && WRITE_TARGETS
                .iter()
                .any(|prefix| matches_prefix(&resolved, prefix))
            || resolved == "__builtins__"
            || resolved == "__name__"
        {
            hits.push(Hit::at(
                FrameworkPatch,
                statement.first,
                format!(
                    "assigns to {}",
                    resolved.split('.').take(3).collect::<Vec<_>>().join(".")
                ),
            ));
        }
    }

    // Test-framework hooks and assertion helpers defined outside tests.
    let head = tokens
        .iter()
        .position(|token| !token.is_ident("async"))
        .unwrap_or(0);
    if tokens.get(head).is_some_and(|token| token.is_ident("def"))
        && let Some(name) = tokens.get(head + 1).and_then(Token::ident)
    {
        let honest_hook = info.is_test
            && matches!(
                name,
                "pytest_addoption" | "pytest_configure" | "pytest_generate_tests"
            );
        if name.starts_with("pytest_") && !honest_hook {
            hits.push(Hit::at(FrameworkPatch, statement.first, "a pytest hook"));
        }
        let assertion = name
            .strip_prefix("assert")
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()));
        if assertion && !info.is_test {
            hits.push(Hit::at(
                FrameworkPatch,
                statement.first,
                "defines a unittest assertion method",
            ));
        }
    }

    // Equality written as a lambda: `__eq__ = lambda self, other: True`,
    // `{"__eq__": lambda *_: True}`, `setattr(cls, "__eq__", lambda s, o: True)`.
    let mut mentioned: Option<&'static str> = None;
    for (index, token) in tokens.iter().enumerate() {
        let name = match &token.tok {
            Tok::Ident(name) | Tok::Str(name) => name.as_str(),
            _ => "",
        };
        if let Some(&dunder) = EQUALITY.iter().find(|dunder| **dunder == name) {
            mentioned = Some(dunder);
        } else if token.is_ident("lambda")
            && let Some(dunder) = mentioned.take()
            && lambda_ignores(tokens, index, dunder == "__hash__") == Some(true)
        {
            hits.push(Hit::at(
                AlwaysEqual,
                token.line,
                format!("{dunder} ignores its argument"),
            ));
        }
    }
}

/// What a dotted name means through the imports: the first part replaced by what it was
/// imported as.
fn resolve(name: &str, aliases: &Aliases) -> String {
    let (first, rest) = name.split_once('.').unwrap_or((name, ""));
    match aliases.get(first) {
        Some(module) if rest.is_empty() => module.clone(),
        Some(module) => format!("{module}.{rest}"),
        None => name.to_owned(),
    }
}

/// Where a dotted name stands in its statement.
#[derive(Debug, Clone, Copy)]
struct Place<'a> {
    tokens: &'a [Token],
    /// Its first token.
    index: usize,
    /// The token after it.
    next: usize,
    line: usize,
}

fn name_rules(
    name: &str,
    place: &Place<'_>,
    info: &FileInfo<'_>,
    aliases: &Aliases,
    mut in_main: Option<&mut Vec<Hit>>,
    hits: &mut Vec<Hit>,
) {
    let Place {
        tokens,
        index,
        next,
        line,
    } = *place;
    let first = name.split('.').next().unwrap_or(name);
    let imported = aliases.contains_key(first);
    let resolved = resolve(name, aliases);
    if imported {
        if let Some((kind, found)) = qualified_kind(&resolved) {
            hits.push(Hit::at(kind, line, found));
        }
        if let Some((kind, prefix)) = module_kind(&resolved)
            && kind != FrameworkPatch
        {
            hits.push(Hit::at(kind, line, prefix));
        }
        if !info.is_test
            && (matches_prefix(&resolved, "unittest.TestCase.run")
                || matches_prefix(&resolved, "unittest.TestResult")
                || matches_prefix(&resolved, "unittest.TextTestRunner")
                || matches_prefix(&resolved, "unittest.TextTestResult"))
        {
            hits.push(Hit::at(FrameworkPatch, line, "unittest's runner internals"));
        }
    }
    let called = tokens.get(next).is_some_and(|token| token.is_op("("));
    let raised = index > 0 && tokens[index - 1].is_ident("raise");
    let exits = (imported && resolved == "sys.exit")
        || (!imported && matches!(name, "exit" | "quit") && called)
        || (name == "SystemExit" && (called || raised));
    let mut push_unless_main = |hit: Hit| match in_main.as_deref_mut() {
        Some(exempt) => exempt.push(hit),
        None => hits.push(hit),
    };
    if exits {
        push_unless_main(Hit::at(
            ProcessExit,
            line,
            "exits the process outside a main function or `if __name__ == \"__main__\":`",
        ));
    }
    if imported && matches_prefix(&resolved, "sys.argv") {
        push_unless_main(Hit::at(
            Introspection,
            line,
            "reads sys.argv outside a main function",
        ));
    }
    if name == "setattr"
        && called
        && let Some(target) = tokens.get(next + 1)
        && target.ident().is_some()
    {
        let (target, _) = dotted(tokens, next + 1);
        let resolved = resolve(&target, aliases);
        if WRITE_TARGETS
            .iter()
            .any(|prefix| matches_prefix(&resolved, prefix))
            && !HONEST_WRITES
                .iter()
                .any(|honest| matches_prefix(&resolved, honest))
        {
            hits.push(Hit::at(
                FrameworkPatch,
                line,
                format!(
                    "setattr on {}",
                    resolved.split('.').take(3).collect::<Vec<_>>().join(".")
                ),
            ));
        }
    }
}

/// The dotted names an assignment (`a.b = ...`, `a.b[k] = ...`, `a, b.c = ...`, augmented
/// assignments) or a `del` statement writes to.
fn write_targets(tokens: &[Token]) -> Vec<String> {
    let mut targets = Vec::new();
    if tokens.first().is_some_and(|token| token.is_ident("del")) {
        let mut at = 1;
        while at < tokens.len() {
            if tokens[at].ident().is_some() && !tokens[at - 1].is_op(".") {
                let (name, next) = dotted(tokens, at);
                targets.push(name);
                at = next;
            } else {
                at += 1;
            }
        }
        return targets;
    }
    let mut depth = 0usize;
    let mut segment_start = 0;
    let mut segments = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        match token.tok {
            Tok::Op("(" | "[" | "{") => depth += 1,
            Tok::Op(")" | "]" | "}") => depth = depth.saturating_sub(1),
            Tok::Op(
                "=" | "+=" | "-=" | "*=" | "/=" | "//=" | "%=" | "**=" | ">>=" | "<<=" | "&="
                | "|=" | "^=" | "@=",
            ) if depth == 0 => {
                segments.push((segment_start, index));
                segment_start = index + 1;
            }
            // Keyword arguments and annotations are not assignments.
            Tok::Ident(ref keyword)
                if depth == 0
                    && segments.is_empty()
                    && matches!(
                        keyword.as_str(),
                        "lambda" | "def" | "class" | "return" | "if" | "while"
                    ) =>
            {
                return targets;
            }
            _ => {}
        }
    }
    for (start, end) in segments {
        let mut depth = 0usize;
        let mut at = start;
        let mut expect = true;
        while at < end {
            let token = &tokens[at];
            match token.tok {
                Tok::Op("(" | "[" | "{") => {
                    depth += 1;
                    expect = false;
                }
                Tok::Op(")" | "]" | "}") => depth = depth.saturating_sub(1),
                Tok::Op(",") if depth == 0 => expect = true,
                Tok::Op(":") if depth == 0 => break,
                Tok::Ident(_) if expect && depth == 0 => {
                    let (name, next) = dotted(tokens, at);
                    targets.push(name);
                    expect = false;
                    at = next;
                    continue;
                }
                _ => {}
            }
            at += 1;
        }
    }
    targets
}

fn string_rules(
    text: &str,
    line: usize,
    info: &FileInfo<'_>,
    dynamic_import: &dyn Fn() -> bool,
    path_context: &dyn Fn() -> bool,
    hits: &mut Vec<Hit>,
) {
    hits.extend(string_hits(text, line, info));
    if !info.is_test && matches!(text.trim(), "tests" | "test" | "hidden") && path_context() {
        hits.push(Hit::at(
            TestAccess,
            line,
            "builds a path to the tests or hidden files",
        ));
    }
    for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        if let Some((kind, name)) = distinctive_kind(word) {
            hits.push(Hit::at(kind, line, name));
        }
    }
    if let Some((kind, prefix)) = module_kind(text.trim())
        && dynamic_import()
        && !(kind == FrameworkPatch && info.is_test)
    {
        hits.push(Hit::at(kind, line, format!("import {prefix}")));
    }
    if !info.is_test && forges_runner_output(text) {
        hits.push(Hit::at(
            FrameworkPatch,
            line,
            "prints a test runner's report",
        ));
    }
    if !info.is_test && names_an_assertion(text.trim()) {
        hits.push(Hit::at(TestAccess, line, "looks for the tests' assertions"));
    }
}

/// `assertEqual`, `assertTrue`, ...: what code that mines test sources for expected values
/// looks for (as an AST attribute name or in the text).
fn names_an_assertion(text: &str) -> bool {
    text.strip_prefix("assert").is_some_and(|rest| {
        rest.starts_with(|c: char| c.is_ascii_uppercase())
            && rest.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

/// `__file__` and a way up out of the module's directory (`".."`, `.parent.parent`,
/// `.parents[...]`) in one statement: a path to what lies beside the package, where the
/// tests are.
fn climbs_from_file(tokens: &[Token]) -> bool {
    if !tokens.iter().any(|token| token.is_ident("__file__")) {
        return false;
    }
    let dots = tokens.iter().any(|token| {
        matches!(&token.tok, Tok::Str(text)
            if text == ".." || text.starts_with("../") || text.contains("/.."))
    });
    let parents = tokens.iter().any(|token| token.is_ident("parents"))
        || tokens.windows(3).any(|window| {
            window[0].is_ident("parent") && window[1].is_op(".") && window[2].is_ident("parent")
        });
    dots || parents
}
