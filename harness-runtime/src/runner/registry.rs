//! Cases registered by `#[work_item]` and `#[attack]` (through `inventory`).

use crate::agent::AgentFn;

/// A scripted agent for one fixture: case `<fixture>::<name>`.
#[derive(Debug)]
pub struct RegisteredWorkItem {
    /// The function's name.
    pub name: &'static str,
    /// Fixture id.
    pub fixture: &'static str,
    /// The agent must fail honestly (`expect = "fail"`).
    pub expect_fail: bool,
    /// The agent.
    pub run: AgentFn,
}

/// An attack regression: case `attack::<name>`.
#[derive(Debug)]
pub struct RegisteredAttack {
    /// The function's name.
    pub name: &'static str,
    /// Fixture id.
    pub fixture: &'static str,
    /// Every code the episode must report.
    pub violations: &'static [&'static str],
    /// The attack.
    pub run: AgentFn,
}

inventory::collect!(RegisteredWorkItem);
inventory::collect!(RegisteredAttack);

/// Registered scripted agents, sorted by case name.
pub fn work_items() -> Vec<&'static RegisteredWorkItem> {
    let mut all: Vec<_> = inventory::iter::<RegisteredWorkItem>.into_iter().collect();
    all.sort_by_key(|item| (item.fixture, item.name));
    all
}

/// Registered attacks, sorted by name.
pub fn attacks() -> Vec<&'static RegisteredAttack> {
    let mut all: Vec<_> = inventory::iter::<RegisteredAttack>.into_iter().collect();
    all.sort_by_key(|attack| attack.name);
    all
}
