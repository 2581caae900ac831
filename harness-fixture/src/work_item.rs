use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::contract::CONTRACT_KEYS;
use crate::error::Problem;
use crate::toml_source;

/// Whether the work item is still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkItemStatus {
    /// Not done (the baseline state).
    Open,
    /// The agent says it is done.
    Closed,
}

/// The work item, `work/item.toml` (legacy: `work/<id>.toml`). Mutable by the agent: it
/// closes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkItem {
    /// The author's reference for the item (e.g. a ticket number). Under the legacy name
    /// `work/<id>.toml` it must equal the fixture directory's name; `check-fixture` refuses
    /// one that contains the fixture id.
    pub id: String,
    /// One line.
    pub title: String,
    /// What to do.
    pub statement: String,
    /// `open` or `closed`.
    pub status: WorkItemStatus,
}

/// What grading learns from the work item file the agent left.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkItemState {
    /// Parsed, no contract keys.
    Valid(WorkItem),
    /// Carries contract keys (listed): the agent tried to redefine its grading.
    Redefines(Vec<String>),
    /// Does not parse (counted as open).
    Invalid(Problem),
}

impl WorkItem {
    /// Parses a work item, reporting contract keys as a separate outcome.
    ///
    /// Unknown non-contract keys are tolerated (agents may add notes); contract keys are not.
    pub fn inspect(file: &Path, text: &str) -> WorkItemState {
        if let Ok(table) = text.parse::<toml::Table>() {
            let keys: Vec<String> = CONTRACT_KEYS
                .iter()
                .filter(|key| table.contains_key(**key))
                .map(|key| key.to_string())
                .collect();
            if !keys.is_empty() {
                return WorkItemState::Redefines(keys);
            }
        }
        match toml_source::parse::<WorkItem>(file, text) {
            Ok(item) => WorkItemState::Valid(item),
            Err(problem) => WorkItemState::Invalid(problem),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_keys_are_redefinition() {
        let text = "id='x'\ntitle='t'\nstatement='s'\nstatus='closed'\n[[checks]]\nname='fake'\nrun=['true']\n";
        assert_eq!(
            WorkItem::inspect(Path::new("w.toml"), text),
            WorkItemState::Redefines(vec!["checks".into()])
        );
    }

    #[test]
    fn garbage_is_invalid_not_a_panic() {
        assert!(matches!(
            WorkItem::inspect(Path::new("w.toml"), "status = "),
            WorkItemState::Invalid(_)
        ));
        assert!(matches!(
            WorkItem::inspect(
                Path::new("w.toml"),
                "id='x'\ntitle='t'\nstatement='s'\nstatus='done'\n"
            ),
            WorkItemState::Invalid(_)
        ));
    }

    #[test]
    fn closed_item_parses() {
        let text = "id='x'\ntitle='t'\nstatement='s'\nstatus='closed'\nnotes='fixed'\n";
        match WorkItem::inspect(Path::new("w.toml"), text) {
            WorkItemState::Valid(item) => assert_eq!(item.status, WorkItemStatus::Closed),
            other => panic!("{other:?}"),
        }
    }
}
