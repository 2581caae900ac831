//! A command agent's name (`--agent-name`, `HARNESS_AGENT_NAME`): the agent part of its
//! case names (`<fixture>::<name>`) and its results' `agent` field, so two command agents
//! run apart can be merged by `harness report` and compared.

use std::fmt;

use harness_fixture::{DEFAULT_AGENT_NAME, RESERVED_CASE_NAMES};

/// Longest name accepted, in bytes (it is part of every case directory's name).
pub const MAX_AGENT_NAME_LEN: usize = 64;

/// A valid command agent name: 1 to [`MAX_AGENT_NAME_LEN`] ASCII letters, digits, `_` or
/// `-`, starting with a letter or digit, and not a name the harness gives its own cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentName(String);

/// Why a name cannot name a command agent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentNameError {
    /// Not a case-name segment: empty, too long, or a character outside the set.
    #[error(
        "agent name `{name}` is not a valid case-name segment: use 1 to {MAX_AGENT_NAME_LEN} ASCII letters, digits, `_` or `-`, starting with a letter or digit"
    )]
    Invalid {
        /// The name given.
        name: String,
    },
    /// A name the harness gives its own cases (`noop`, `oracle`, the review baselines).
    #[error(
        "agent name `{name}` is reserved for the harness's own cases (reserved: {}); choose another name for the command agent",
        reserved_for_builtins().join(", ")
    )]
    Reserved {
        /// The name given.
        name: String,
    },
    /// A name given for an agent that is not a command (`--agent noop` or `oracle`).
    #[error(
        "{given} names a command agent, and `--agent {agent}` is built in: pass a shell command to --agent, or drop {given}"
    )]
    BuiltIn {
        /// Where the name came from: `--agent-name` or `HARNESS_AGENT_NAME`.
        given: &'static str,
        /// The built-in agent.
        agent: String,
    },
    /// `HARNESS_AGENT_NAME` without `HARNESS_AGENT` (the `cargo test` runner).
    #[error(
        "HARNESS_AGENT_NAME names the command agent HARNESS_AGENT runs, and HARNESS_AGENT is not set: set HARNESS_AGENT too, or unset HARNESS_AGENT_NAME"
    )]
    NoCommand,
    /// The name of a scripted `#[work_item]` of the same test binary.
    #[error(
        "agent name `{name}` is the name of a #[work_item] in this test binary, whose cases are `<fixture>::{name}` too: choose another name for the command agent"
    )]
    WorkItem {
        /// The name given.
        name: String,
    },
}

/// The reserved names a command agent may not take (all but its own default).
fn reserved_for_builtins() -> Vec<&'static str> {
    RESERVED_CASE_NAMES
        .iter()
        .copied()
        .filter(|name| *name != DEFAULT_AGENT_NAME)
        .collect()
}

impl AgentName {
    /// Checks `name`: the case-name segment rules, and not reserved (but `agent`, the
    /// default).
    pub fn parse(name: &str) -> Result<AgentName, AgentNameError> {
        let mut chars = name.chars();
        let valid = chars
            .next()
            .is_some_and(|first| first.is_ascii_alphanumeric())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && name.len() <= MAX_AGENT_NAME_LEN;
        if !valid {
            return Err(AgentNameError::Invalid {
                name: name.to_owned(),
            });
        }
        if reserved_for_builtins().contains(&name) {
            return Err(AgentNameError::Reserved {
                name: name.to_owned(),
            });
        }
        Ok(AgentName(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for AgentName {
    /// `agent`: the cases of an unnamed command agent are `<fixture>::agent`.
    fn default() -> AgentName {
        AgentName(DEFAULT_AGENT_NAME.to_owned())
    }
}

impl fmt::Display for AgentName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::{Agent, ReviewPolicy};

    #[test]
    fn names_are_case_name_segments() {
        for name in ["claude", "gpt-5", "my_agent_2", "A1", "x", &"a".repeat(64)] {
            assert_eq!(
                AgentName::parse(name).map(|n| n.to_string()),
                Ok(name.to_owned())
            );
        }
        for name in [
            "",
            "-x",
            "_x",
            "a b",
            "a::b",
            "a/b",
            "a#1",
            "é",
            &"a".repeat(65),
        ] {
            let error = AgentName::parse(name).unwrap_err();
            assert_eq!(
                error,
                AgentNameError::Invalid {
                    name: name.to_owned()
                },
                "{name}"
            );
        }
        assert_eq!(
            AgentName::parse("a b").unwrap_err().to_string(),
            "agent name `a b` is not a valid case-name segment: use 1 to 64 ASCII letters, digits, `_` or `-`, starting with a letter or digit"
        );
    }

    #[test]
    fn the_harnesss_own_names_are_refused_but_the_default() {
        assert_eq!(AgentName::parse("agent"), Ok(AgentName::default()));
        for name in [
            "noop",
            "oracle",
            "approve_all",
            "reject_all",
            "flag_every_line",
        ] {
            assert_eq!(
                AgentName::parse(name),
                Err(AgentNameError::Reserved {
                    name: name.to_owned()
                })
            );
        }
        assert_eq!(
            AgentName::parse("oracle").unwrap_err().to_string(),
            "agent name `oracle` is reserved for the harness's own cases (reserved: noop, oracle, approve_all, reject_all, flag_every_line); choose another name for the command agent"
        );
    }

    /// The names the runtime gives its built-in agents are the list the macros and the
    /// runtime check against.
    #[test]
    fn every_built_in_agent_name_is_reserved() {
        let mut names = vec![
            Agent::Noop.name().to_owned(),
            Agent::Oracle.name().to_owned(),
            Agent::command("true").name().to_owned(),
        ];
        names.extend(
            ReviewPolicy::BASELINES
                .iter()
                .map(|policy| policy.name().to_owned()),
        );
        for name in names {
            assert!(RESERVED_CASE_NAMES.contains(&name.as_str()), "{name}");
        }
    }
}
