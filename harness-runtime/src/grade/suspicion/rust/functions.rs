//! Function bodies: which are open (`fn main` lets a binary exit), and whether an equality
//! override (`fn eq`, `fn ne`, `fn cmp`, `fn partial_cmp`, `fn hash`) uses its argument.

use super::lex::{Tok, Token};
use super::tables::EQUALITY;
use crate::grade::suspicion::{Hit, SuspicionKind};

use SuspicionKind::AlwaysEqual;

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

/// The functions whose bodies are open, and the `fn` header being read.
#[derive(Debug, Default)]
pub(super) struct Functions {
    /// Innermost last.
    frames: Vec<Frame>,
    /// A `fn` header: its name, line and tokens up to its body or `;`.
    pending: Option<(String, usize, Vec<Token>)>,
}

impl Functions {
    /// A `fn` named `name` starts on `line`: its header follows.
    pub(super) fn start(&mut self, name: &str, line: usize) {
        self.pending = Some((name.to_owned(), line, Vec::new()));
    }

    /// Reads `token` into the header being read; its `{` opens the body inside brace
    /// `depth` (the depth before that `{`).
    pub(super) fn header(&mut self, token: &Token, depth: usize) {
        let Some((_, _, header)) = &mut self.pending else {
            return;
        };
        if token.is("{") || token.is(";") || header.len() > 10_000 {
            if let Some((name, fn_line, header)) = self.pending.take()
                && token.is("{")
            {
                let target = EQUALITY
                    .iter()
                    .find(|(candidate, _)| *candidate == name)
                    .and_then(|(_, position)| header_parameter(&header, *position));
                self.frames.push(Frame {
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

    /// An identifier in the open bodies: the parameter an override must use, if it is one.
    pub(super) fn mention(&mut self, name: &str) {
        for frame in &mut self.frames {
            if let Some(Some(target)) = &frame.target
                && target == name
            {
                frame.used = true;
            }
        }
    }

    /// Inside a `fn main`.
    pub(super) fn in_main(&self) -> bool {
        self.frames.iter().any(|frame| frame.name == "main")
    }

    /// A `}` on `line` left brace `depth`: the bodies it closes, and the equality overrides
    /// among them that ignore their argument.
    pub(super) fn close(&mut self, depth: usize, line: usize, hits: &mut Vec<Hit>) {
        while self.frames.last().is_some_and(|frame| frame.depth > depth) {
            if let Some(frame) = self.frames.pop()
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
}
