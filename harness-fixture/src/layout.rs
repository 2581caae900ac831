//! Where a fixture's own files live in `repo/`, and `fixture.toml` beside it.
//!
//! The neutral names (`evaluation/contract.toml`, `work/item.toml`, `review/request.toml`)
//! say nothing about the fixture; the legacy names (`evaluation/<id>.toml`,
//! `work/<id>.toml`, `review/<id>.toml`) put the fixture id into the agent's sandbox.
//! The loader accepts both, so existing fixtures keep loading; `harness check-fixture`
//! refuses the legacy ones (see [`crate::Fixture::neutrality_problems`]).

use serde::{Deserialize, Serialize};

use crate::contract::FixtureKind;
use crate::error::Problem;
use crate::files::Files;
use crate::path::RepoPath;
use crate::store::{BaselineRef, SourceRef};

/// The neutral path of the grading contract in `repo/`.
pub const CONTRACT_PATH: &str = "evaluation/contract.toml";
/// The neutral path of the work item in `repo/`.
pub const WORK_ITEM_PATH: &str = "work/item.toml";
/// The neutral path of a review request in `repo/`.
pub const REVIEW_REQUEST_PATH: &str = "review/request.toml";
/// The file beside `repo/` that holds what the agent must not see (its `kind`).
pub const FIXTURE_TOML: &str = "fixture.toml";

/// `fixtures/<id>/fixture.toml`: facts about the fixture that stay outside the sandbox.
///
/// ```
/// # use harness_fixture::{FixtureConfig, FixtureKind};
/// let config: FixtureConfig = toml::from_str("kind = \"honeypot\"\n").unwrap();
/// assert_eq!(config.kind, Some(FixtureKind::Honeypot));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureConfig {
    /// `work_item`, `review` or `honeypot`; wins over (and must agree with) a `kind` in the
    /// contract. A honeypot must declare its kind here, where the agent cannot read it.
    #[serde(default)]
    pub kind: Option<FixtureKind>,
    /// A shared baseline tree `repo/` is laid over (mined fixtures: see [`BaselineRef`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineRef>,
    /// Where a mined fixture came from (provenance only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRef>,
}

/// The paths of the fixture's own files in `repo/`, neutral or legacy, as resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The grading contract.
    pub contract: RepoPath,
    /// The work item (builders; a reviewer owns none, but the path stays reserved).
    pub work_item: RepoPath,
    /// The review request (review fixtures).
    pub review_request: RepoPath,
}

/// One of the fixture's own files: its neutral name and its legacy `<dir>/<id>.toml` name.
struct Slot {
    neutral: &'static str,
    legacy_dir: &'static str,
}

const CONTRACT: Slot = Slot {
    neutral: CONTRACT_PATH,
    legacy_dir: "evaluation",
};
const WORK_ITEM: Slot = Slot {
    neutral: WORK_ITEM_PATH,
    legacy_dir: "work",
};
const REVIEW_REQUEST: Slot = Slot {
    neutral: REVIEW_REQUEST_PATH,
    legacy_dir: "review",
};

impl Layout {
    /// Resolves each file: the neutral name when `repo` has it, else the legacy name when
    /// `repo` has that, else the neutral name when the contract uses it (the file is then
    /// reported missing under the name the fixture should use). Both names present is a
    /// problem (which one is frozen would be ambiguous); the neutral one is used.
    ///
    /// `Err` only when the id cannot form a file name.
    pub(crate) fn resolve(
        id: &str,
        repo: &Files,
        fixture_dir: &std::path::Path,
        problems: &mut Vec<Problem>,
    ) -> Result<Layout, String> {
        let mut pick = |slot: &Slot, prefer_neutral: bool| -> Result<RepoPath, String> {
            let neutral = RepoPath::parse(slot.neutral).map_err(|error| error.to_string())?;
            let legacy = RepoPath::parse(&format!("{}/{id}.toml", slot.legacy_dir))
                .map_err(|_| format!("fixture id `{id}` is not a valid file name"))?;
            let (has_neutral, has_legacy) =
                (repo.contains_key(&neutral), repo.contains_key(&legacy));
            if has_neutral && has_legacy && neutral != legacy {
                problems.push(Problem::rule(
                    fixture_dir.join("repo").join(legacy.as_str()),
                    "",
                    format!(
                        "both repo/{neutral} and repo/{legacy} exist: keep only the neutral name `{neutral}`"
                    ),
                ));
            }
            Ok(if has_neutral || (!has_legacy && prefer_neutral) {
                neutral
            } else {
                legacy
            })
        };
        let contract = pick(&CONTRACT, true)?;
        let neutral_contract = contract.as_str() == CONTRACT_PATH;
        let work_item = pick(&WORK_ITEM, neutral_contract)?;
        let review_request = pick(&REVIEW_REQUEST, neutral_contract)?;
        Ok(Layout {
            contract,
            work_item,
            review_request,
        })
    }

    /// Whether the work item has its legacy name `work/<id>.toml`.
    pub fn legacy_work_item(&self) -> bool {
        self.work_item.as_str() != WORK_ITEM_PATH
    }

    /// Whether the review request has its legacy name `review/<id>.toml`.
    pub fn legacy_review_request(&self) -> bool {
        self.review_request.as_str() != REVIEW_REQUEST_PATH
    }
}

/// The kind of a fixture: `fixture.toml`'s, else the contract's, else `work_item`.
/// Both declared and different is a problem, reported by the caller with positions.
pub(crate) fn resolve_kind(
    config: Option<FixtureKind>,
    contract: Option<FixtureKind>,
) -> Result<FixtureKind, (FixtureKind, FixtureKind)> {
    match (config, contract) {
        (Some(config), Some(contract)) if config != contract => Err((config, contract)),
        (Some(kind), _) | (None, Some(kind)) => Ok(kind),
        (None, None) => Ok(FixtureKind::WorkItem),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::FileEntry;
    use std::path::Path;

    fn repo(paths: &[&str]) -> Files {
        paths
            .iter()
            .map(|path| {
                (
                    RepoPath::parse(path).unwrap(),
                    FileEntry::regular(b"x".to_vec()),
                )
            })
            .collect()
    }

    fn resolve(paths: &[&str]) -> (Layout, Vec<Problem>) {
        let mut problems = Vec::new();
        let layout = Layout::resolve("fx", &repo(paths), Path::new("f/fx"), &mut problems).unwrap();
        (layout, problems)
    }

    #[test]
    fn neutral_names_are_found() {
        let (layout, problems) = resolve(&["evaluation/contract.toml", "work/item.toml"]);
        assert!(problems.is_empty());
        assert_eq!(layout.contract.as_str(), "evaluation/contract.toml");
        assert_eq!(layout.work_item.as_str(), "work/item.toml");
        assert_eq!(layout.review_request.as_str(), "review/request.toml");
        assert!(!layout.legacy_work_item() && !layout.legacy_review_request());
    }

    #[test]
    fn legacy_names_still_load() {
        let (layout, problems) = resolve(&["evaluation/fx.toml", "review/fx.toml"]);
        assert!(problems.is_empty());
        assert_eq!(layout.contract.as_str(), "evaluation/fx.toml");
        assert_eq!(layout.review_request.as_str(), "review/fx.toml");
        // A missing work item is expected where the contract's layout puts it.
        assert_eq!(layout.work_item.as_str(), "work/fx.toml");
        assert!(layout.legacy_work_item() && layout.legacy_review_request());
    }

    #[test]
    fn a_missing_file_is_expected_under_the_contracts_layout() {
        let (layout, _) = resolve(&["evaluation/contract.toml"]);
        assert_eq!(layout.work_item.as_str(), "work/item.toml");
    }

    #[test]
    fn both_names_are_a_problem_and_the_neutral_one_wins() {
        let (layout, problems) = resolve(&[
            "evaluation/contract.toml",
            "evaluation/fx.toml",
            "work/item.toml",
            "work/fx.toml",
        ]);
        assert_eq!(layout.contract.as_str(), "evaluation/contract.toml");
        assert_eq!(layout.work_item.as_str(), "work/item.toml");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(
            problems[0].to_string(),
            "failed to validate f/fx/repo/evaluation/fx.toml: both repo/evaluation/contract.toml and repo/evaluation/fx.toml exist: keep only the neutral name `evaluation/contract.toml`"
        );
    }

    #[test]
    fn kind_resolution() {
        use FixtureKind::*;
        assert_eq!(resolve_kind(None, None), Ok(WorkItem));
        assert_eq!(resolve_kind(Some(Honeypot), None), Ok(Honeypot));
        assert_eq!(resolve_kind(None, Some(Review)), Ok(Review));
        assert_eq!(resolve_kind(Some(Review), Some(Review)), Ok(Review));
        assert_eq!(
            resolve_kind(Some(Honeypot), Some(WorkItem)),
            Err((Honeypot, WorkItem))
        );
    }

    #[test]
    fn fixture_toml_rejects_unknown_keys_with_a_position() {
        let problem = crate::toml_source::parse::<FixtureConfig>(
            Path::new("fixture.toml"),
            "kind = \"honeypot\"\nsecret = 1\n",
        )
        .unwrap_err();
        assert_eq!(problem.field, "secret");
        assert_eq!(problem.position, Some((2, 1)));
        let problem = crate::toml_source::parse::<FixtureConfig>(
            Path::new("fixture.toml"),
            "kind = \"trap\"\n",
        )
        .unwrap_err();
        assert!(
            problem
                .to_string()
                .starts_with("failed to parse fixture.toml:1:8: kind: unknown variant `trap`"),
            "{problem}"
        );
    }
}
