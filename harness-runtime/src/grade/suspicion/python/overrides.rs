//! Equality overrides (`__eq__`, `__ne__`, `__contains__`, `__hash__`, as methods or
//! lambdas) that ignore their argument or their receiver.

use super::lex::{Statement, Tok, Token};
use super::tables::EQUALITY;
use crate::grade::suspicion::{Hit, SuspicionKind};

use SuspicionKind::AlwaysEqual;

/// An equality override whose body is still being read.
#[derive(Debug, Clone)]
pub(super) struct Override {
    pub(super) indent: usize,
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
    /// The override a `def` opens, if `name` (at `tokens[head + 1]`) is one of the equality
    /// dunders; the rest of its header's line is read as its body.
    pub(super) fn open(statement: &Statement, head: usize, name: &str) -> Option<Override> {
        let tokens = &statement.tokens;
        let &dunder = EQUALITY.iter().find(|dunder| **dunder == name)?;
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
        Some(pending)
    }

    pub(super) fn read(&mut self, tokens: &[Token], last: usize) {
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

    pub(super) fn finish(self) -> Option<Hit> {
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

/// Equality written as a lambda: `__eq__ = lambda self, other: True`,
/// `{"__eq__": lambda *_: True}`, `setattr(cls, "__eq__", lambda s, o: True)`.
pub(super) fn lambda_rules(tokens: &[Token], hits: &mut Vec<Hit>) {
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
