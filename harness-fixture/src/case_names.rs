//! The agent part of the case names the harness makes itself (DESIGN.md "Case names"):
//! `<fixture>::noop`, `<fixture>::oracle`, `<fixture>::agent` and the review baselines. The
//! macros refuse a `#[work_item]` or `#[attack]` fn named like one, and the runtime a
//! command agent's `--agent-name`; both read this list.

/// Agent names the harness gives its own cases.
pub const RESERVED_CASE_NAMES: &[&str] = &[
    "noop",
    "oracle",
    "agent",
    "approve_all",
    "reject_all",
    "flag_every_line",
];

/// The name of a command agent (`--agent CMD`, `HARNESS_AGENT`) given none: its cases are
/// `<fixture>::agent`. Reserved for fns, and the one reserved name a command agent may take.
pub const DEFAULT_AGENT_NAME: &str = "agent";
