//! The review family's baseline policies: each writes a verdict file without looking at
//! the code (except `oracle`, which writes the key).

use std::fs;

use harness_fixture::{Finding, ReviewKey, Verdict, VerdictFile};

use crate::episode::Episode;

/// Categories a flag-everything reviewer uses for every changed line.
const ALL_CATEGORIES: &[&str] = &["logic", "security", "test-gap"];

/// A fixed review strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewPolicy {
    /// Approve, no findings.
    ApproveAll,
    /// Request changes, no findings.
    RejectAll,
    /// Request changes with a finding in every category on every changed line.
    FlagEveryLine,
    /// The answer key.
    Oracle,
}

impl ReviewPolicy {
    /// Every policy that is a baseline (not the oracle).
    pub const BASELINES: [ReviewPolicy; 3] = [
        ReviewPolicy::ApproveAll,
        ReviewPolicy::RejectAll,
        ReviewPolicy::FlagEveryLine,
    ];

    /// Case name suffix.
    pub fn name(self) -> &'static str {
        match self {
            ReviewPolicy::ApproveAll => "approve_all",
            ReviewPolicy::RejectAll => "reject_all",
            ReviewPolicy::FlagEveryLine => "flag_every_line",
            ReviewPolicy::Oracle => "oracle",
        }
    }

    pub(crate) fn act(self, episode: &Episode) -> Result<(), String> {
        match &episode.fixture.review_key {
            Some(key) => self.act_with_key(episode, key),
            None => Err(format!(
                "{} is a review policy, and {} is not a review fixture",
                self.name(),
                episode.fixture.id
            )),
        }
    }

    pub(crate) fn act_with_key(self, episode: &Episode, key: &ReviewKey) -> Result<(), String> {
        let verdict = match self {
            ReviewPolicy::ApproveAll => VerdictFile {
                verdict: Verdict::Approve,
                findings: vec![],
            },
            ReviewPolicy::RejectAll => VerdictFile {
                verdict: Verdict::RequestChanges,
                findings: vec![],
            },
            ReviewPolicy::FlagEveryLine => VerdictFile {
                verdict: Verdict::RequestChanges,
                findings: flag_every_line(episode),
            },
            ReviewPolicy::Oracle => VerdictFile {
                verdict: key.verdict,
                findings: key
                    .defects
                    .iter()
                    .map(|defect| Finding {
                        path: defect.path.clone(),
                        line: defect.lines[0],
                        category: defect.category.clone(),
                        message: if defect.description.is_empty() {
                            "planted defect".into()
                        } else {
                            defect.description.clone()
                        },
                    })
                    .collect(),
            },
        };
        let request = episode
            .fixture
            .review_request
            .as_ref()
            .ok_or("review fixture without a request")?;
        let target = episode.dirs.worktree.join(&request.verdict_path);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|error| error.to_string())?;
        }
        fs::write(&target, verdict.to_toml())
            .map_err(|error| format!("failed to write {}: {error}", target.display()))
    }
}

/// One finding per category on every line the change adds or modifies.
fn flag_every_line(episode: &Episode) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (path, entry) in &episode.fixture.change {
        let new = String::from_utf8_lossy(&entry.content);
        let old = episode
            .fixture
            .repo
            .get(path)
            .map(|old| String::from_utf8_lossy(&old.content).into_owned())
            .unwrap_or_default();
        let diff = similar::TextDiff::from_lines(old.as_str(), new.as_ref());
        for change in diff.iter_all_changes() {
            if change.tag() != similar::ChangeTag::Insert {
                continue;
            }
            let Some(index) = change.new_index() else {
                continue;
            };
            for category in ALL_CATEGORIES {
                findings.push(Finding {
                    path: path.to_string(),
                    line: index as u32 + 1,
                    category: (*category).to_owned(),
                    message: "flagged".into(),
                });
            }
        }
    }
    findings
}
