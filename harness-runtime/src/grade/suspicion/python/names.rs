//! Dotted names, the imports of a statement, and what a name means through the file's
//! imports.

use std::collections::HashMap;

use super::lex::{Lexer, Token};

/// Local name -> what it was imported as (`_os` -> `os`, `getframe` -> `sys._getframe`).
pub(super) type Aliases = HashMap<String, String>;

/// A dotted module or attribute path starting at `tokens[at]`; returns it and the index
/// after it.
pub(super) fn dotted(tokens: &[Token], mut at: usize) -> (String, usize) {
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
pub(super) struct Import {
    pub(super) full: String,
    pub(super) binding: Option<(String, String)>,
}

/// The modules (and `from` names) a statement imports.
pub(super) fn imports(tokens: &[Token]) -> Vec<Import> {
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

/// The imports of the whole file: each local name and what it was imported as.
pub(super) fn aliases(text: &[u8]) -> Aliases {
    let mut aliases: Aliases = HashMap::new();
    for statement in Lexer::new(text) {
        for import in imports(&statement.tokens) {
            if let Some((local, target)) = import.binding {
                aliases.insert(local, target);
            }
        }
    }
    aliases
}

/// What a dotted name means through the imports: the first part replaced by what it was
/// imported as.
pub(super) fn resolve(name: &str, aliases: &Aliases) -> String {
    let (first, rest) = name.split_once('.').unwrap_or((name, ""));
    match aliases.get(first) {
        Some(module) if rest.is_empty() => module.clone(),
        Some(module) => format!("{module}.{rest}"),
        None => name.to_owned(),
    }
}
