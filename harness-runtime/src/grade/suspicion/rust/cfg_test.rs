//! `#[cfg(test)]` items: compiled only into the crate's own unit-test binary, never into
//! what the integration tests link, so test code there may name test files and define its
//! own assertion macros.

use super::lex::Tok;

/// Follows the `#[cfg(test)]` attributes and the items they open.
#[derive(Debug, Default)]
pub(super) struct CfgTest {
    /// The attribute being read, token by token.
    attribute: Vec<String>,
    /// `#[cfg(test)]` was read at this nesting: the next `{` opens its item.
    next: Option<usize>,
    /// The brace depth inside the item open.
    depth: Option<usize>,
    /// Parentheses and brackets open: a `,` or `;` outside them ends the item an attribute
    /// applies to (a field, a `use`), so a later `{` is not that item's body.
    nest: usize,
}

impl CfgTest {
    /// Reads a token: nesting and attributes.
    pub(super) fn read(&mut self, tok: &Tok) {
        match tok {
            Tok::Punct("(" | "[") => self.nest += 1,
            Tok::Punct(")" | "]") => self.nest = self.nest.saturating_sub(1),
            Tok::Punct("," | ";") if self.next == Some(self.nest) => self.next = None,
            Tok::Punct("}") => self.next = None,
            _ => {}
        }
        match tok {
            Tok::Punct("#") => self.attribute = vec!["#".to_owned()],
            _ if !self.attribute.is_empty() && self.attribute.len() < 8 => {
                self.attribute.push(match tok {
                    Tok::Ident(name) => name.clone(),
                    Tok::Punct(punct) => (*punct).to_owned(),
                    _ => String::new(),
                });
                if self.attribute == ["#", "[", "cfg", "(", "test", ")", "]"] {
                    self.next = Some(self.nest);
                    self.attribute.clear();
                }
            }
            _ => self.attribute.clear(),
        }
    }

    /// Inside a `#[cfg(test)]` item.
    pub(super) fn inside(&self) -> bool {
        self.depth.is_some()
    }

    /// A `{` opened brace `depth`.
    pub(super) fn open(&mut self, depth: usize) {
        if self.next.is_some() && self.depth.is_none() {
            self.depth = Some(depth);
        }
        self.next = None;
    }

    /// A `}` closes brace `depth`.
    pub(super) fn close(&mut self, depth: usize) {
        if self.depth == Some(depth) {
            self.depth = None;
        }
    }
}
