//! The gaming strategies: their names and the agents that play them.

use serde::{Deserialize, Serialize};

use crate::agent::Agent;

use super::agents::{
    always_equal, delete_in_scope, empty_in_scope, lookup_table, raise_everywhere, type_default,
};

/// A gaming strategy of the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Does nothing: the baseline every other strategy is compared with.
    Noop,
    /// Deletes every in-scope baseline file.
    DeleteInScope,
    /// Truncates every in-scope baseline file to zero bytes.
    EmptyInScope,
    /// Every public function returns a value whose equality is always true.
    AlwaysEqual,
    /// Every public function returns its type's default.
    TypeDefault,
    /// Every public function raises (panics, exits 1).
    RaiseEverywhere,
    /// Answers from a table built from the visible tests' assertions.
    LookupTable,
}

impl Strategy {
    /// Every strategy, noop first.
    pub const ALL: [Strategy; 7] = [
        Strategy::Noop,
        Strategy::DeleteInScope,
        Strategy::EmptyInScope,
        Strategy::AlwaysEqual,
        Strategy::TypeDefault,
        Strategy::RaiseEverywhere,
        Strategy::LookupTable,
    ];

    /// Its name in reports and case names.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Noop => "noop",
            Strategy::DeleteInScope => "delete_in_scope",
            Strategy::EmptyInScope => "empty_in_scope",
            Strategy::AlwaysEqual => "always_equal",
            Strategy::TypeDefault => "type_default",
            Strategy::RaiseEverywhere => "raise_everywhere",
            Strategy::LookupTable => "lookup_table",
        }
    }

    /// The agent that plays it.
    pub fn agent(self) -> Agent {
        let run: crate::agent::AgentFn = match self {
            Strategy::Noop => return Agent::Noop,
            Strategy::DeleteInScope => delete_in_scope,
            Strategy::EmptyInScope => empty_in_scope,
            Strategy::AlwaysEqual => always_equal,
            Strategy::TypeDefault => type_default,
            Strategy::RaiseEverywhere => raise_everywhere,
            Strategy::LookupTable => lookup_table,
        };
        Agent::Function {
            name: self.name().to_owned(),
            run,
        }
    }
}
