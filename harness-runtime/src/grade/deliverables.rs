//! Deliverables (the handoff note) and the work item's closure, read from the graded state.

use harness_fixture::{
    Deliverable, FileKind, Files, RepoPath, WorkItem, WorkItemState, WorkItemStatus,
};

use super::outcome::DeliverableResult;

/// Judges one deliverable against the graded files; `baseline` catches an untouched
/// template.
pub fn judge(deliverable: &Deliverable, graded: &Files, baseline: &Files) -> DeliverableResult {
    let fail = |reason: String| DeliverableResult {
        path: deliverable.path.clone(),
        satisfied: false,
        reason: Some(reason),
    };
    let Ok(path) = RepoPath::parse(&deliverable.path) else {
        return fail("not a valid path".into());
    };
    let Some(entry) = graded.get(&path) else {
        let is_dir = graded.keys().any(|other| other.starts_with(&path));
        return fail(if is_dir {
            "is a directory, not a file".into()
        } else {
            "missing".into()
        });
    };
    if entry.kind == FileKind::Symlink {
        return fail("is a symlink, not a file".into());
    }
    if baseline
        .get(&path)
        .is_some_and(|template| template.content == entry.content)
    {
        return fail("unchanged from the baseline template".into());
    }
    if (entry.content.len() as u64) < deliverable.min_bytes {
        return fail(format!(
            "{} bytes, fewer than min_bytes = {}",
            entry.content.len(),
            deliverable.min_bytes
        ));
    }
    let text = String::from_utf8_lossy(&entry.content).to_lowercase();
    let missing: Vec<&str> = deliverable
        .must_contain
        .iter()
        .filter(|needle| !text.contains(&needle.to_lowercase()))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return fail(format!("does not mention {}", missing.join(", ")));
    }
    DeliverableResult {
        path: deliverable.path.clone(),
        satisfied: true,
        reason: None,
    }
}

/// The closure state of the work item the agent left.
#[derive(Debug, Clone, PartialEq)]
pub enum Closure {
    /// Status open.
    Open,
    /// Status closed.
    Closed,
    /// Missing, a symlink, or does not parse (counted as open).
    Invalid(String),
    /// Carries contract keys.
    Redefines(Vec<String>),
}

impl Closure {
    /// `open`, `closed` or `invalid`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Closure::Open => "open",
            Closure::Closed => "closed",
            Closure::Invalid(_) | Closure::Redefines(_) => "invalid",
        }
    }
}

/// Reads the work item from the graded files.
pub fn closure(path: &RepoPath, graded: &Files) -> Closure {
    let Some(entry) = graded.get(path) else {
        return Closure::Invalid("the work item was deleted".into());
    };
    if entry.kind == FileKind::Symlink {
        return Closure::Invalid("the work item is a symlink".into());
    }
    let text = String::from_utf8_lossy(&entry.content);
    match WorkItem::inspect(std::path::Path::new(path.as_str()), &text) {
        WorkItemState::Valid(item) if item.status == WorkItemStatus::Closed => Closure::Closed,
        WorkItemState::Valid(_) => Closure::Open,
        WorkItemState::Redefines(keys) => Closure::Redefines(keys),
        WorkItemState::Invalid(problem) => Closure::Invalid(problem.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::files;
    use harness_fixture::FileEntry;

    fn handoff() -> Deliverable {
        Deliverable {
            path: "handoff/x.md".into(),
            must_contain: vec!["Slug".into()],
            min_bytes: 10,
        }
    }

    #[test]
    fn template_or_short_or_vague_notes_fail() {
        let baseline = files(&[("handoff/x.md", "TEMPLATE slug slug slug")]);
        assert!(!judge(&handoff(), &baseline, &baseline).satisfied);
        assert!(!judge(&handoff(), &files(&[("handoff/x.md", "slug")]), &baseline).satisfied);
        assert!(
            !judge(
                &handoff(),
                &files(&[("handoff/x.md", "a long note about nothing")]),
                &baseline
            )
            .satisfied
        );
        assert!(
            judge(
                &handoff(),
                &files(&[("handoff/x.md", "fixed the SLUG bug properly")]),
                &baseline
            )
            .satisfied
        );
    }

    #[test]
    fn directory_or_symlink_deliverable_fails() {
        let graded = files(&[("handoff/x.md/inner", "slug slug slug")]);
        assert_eq!(
            judge(&handoff(), &graded, &Files::new()).reason.as_deref(),
            Some("is a directory, not a file")
        );
        let mut graded = Files::new();
        graded.insert(
            RepoPath::parse("handoff/x.md").unwrap(),
            FileEntry {
                kind: FileKind::Symlink,
                content: b"../README.md".to_vec(),
            },
        );
        assert_eq!(
            judge(&handoff(), &graded, &Files::new()).reason.as_deref(),
            Some("is a symlink, not a file")
        );
    }
}
