//! Candidate commits: the non-merge commits of a history (from HEAD, or a `A..B` range)
//! that change both code and tests, newest first, each with its changed paths classified.

use git2::{Delta, DiffOptions, Oid, Repository, Sort};

use super::classify::{Language, PathClass, classify};

/// Why the history could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The repository or one of its objects could not be read.
    #[error("failed to read the history of {repo}: {message}")]
    Git {
        /// The repository.
        repo: String,
        /// libgit2's message.
        message: String,
    },
}

/// How a path changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// New in the commit.
    Added,
    /// Changed content or mode.
    Modified,
    /// Removed by the commit.
    Deleted,
}

/// One changed path of a candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The path (`/`-separated, relative to the root).
    pub path: String,
    /// Added, modified or deleted.
    pub kind: ChangeKind,
    /// Test, code or other.
    pub class: PathClass,
    /// Lines added plus lines removed (0 for a binary file).
    pub lines: usize,
    /// The new blob (zero for a deletion).
    pub blob: Oid,
    /// The new file mode (0 for a deletion).
    pub mode: u32,
}

/// A commit that may become a fixture.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The commit.
    pub commit: Oid,
    /// Its only parent.
    pub parent: Oid,
    /// The parent's tree: the baseline.
    pub baseline_tree: Oid,
    /// The commit message.
    pub message: String,
    /// Every changed path.
    pub changes: Vec<Change>,
}

impl Candidate {
    /// The changes of one class.
    pub fn of(&self, class: PathClass) -> impl Iterator<Item = &Change> {
        self.changes
            .iter()
            .filter(move |change| change.class == class)
    }

    /// The fix: every change that is not a test.
    pub fn fix(&self) -> impl Iterator<Item = &Change> {
        self.changes
            .iter()
            .filter(|change| change.class != PathClass::Test)
    }

    /// The first 12 hex digits of the commit.
    pub fn short(&self) -> String {
        self.commit.to_string()[..12].to_owned()
    }
}

/// Every candidate of `repo`'s history from HEAD (or in `range`, `A..B`), newest first: a
/// commit with exactly one parent that changes at least one code file and one test file.
pub fn candidates(
    repo: &Repository,
    language: Language,
    range: Option<&str>,
) -> Result<Vec<Candidate>, HistoryError> {
    let git = |error: git2::Error| HistoryError::Git {
        repo: repo.path().display().to_string(),
        message: error.message().to_owned(),
    };
    let mut walk = repo.revwalk().map_err(git)?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)
        .map_err(git)?;
    match range {
        Some(range) => walk.push_range(range).map_err(git)?,
        None => walk.push_head().map_err(git)?,
    }
    let mut found = Vec::new();
    for oid in walk {
        let commit = repo.find_commit(oid.map_err(git)?).map_err(git)?;
        if commit.parent_count() != 1 {
            continue;
        }
        let parent = commit.parent(0).map_err(git)?;
        let changes = changes(
            repo,
            language,
            &parent.tree().map_err(git)?,
            &commit.tree().map_err(git)?,
        )
        .map_err(git)?;
        let touches = |class| changes.iter().any(|change: &Change| change.class == class);
        if !(touches(PathClass::Code) && touches(PathClass::Test)) {
            continue;
        }
        found.push(Candidate {
            commit: commit.id(),
            parent: parent.id(),
            baseline_tree: parent.tree_id(),
            message: String::from_utf8_lossy(commit.message_bytes()).into_owned(),
            changes,
        });
    }
    Ok(found)
}

/// The changed paths between two trees, classified, with their line counts.
fn changes(
    repo: &Repository,
    language: Language,
    old: &git2::Tree<'_>,
    new: &git2::Tree<'_>,
) -> Result<Vec<Change>, git2::Error> {
    let mut options = DiffOptions::new();
    options.include_typechange(true);
    let diff = repo.diff_tree_to_tree(Some(old), Some(new), Some(&mut options))?;
    let mut changes = Vec::new();
    for (index, delta) in diff.deltas().enumerate() {
        let kind = match delta.status() {
            Delta::Added => ChangeKind::Added,
            Delta::Deleted => ChangeKind::Deleted,
            Delta::Unmodified => continue,
            _ => ChangeKind::Modified,
        };
        let file = if kind == ChangeKind::Deleted {
            delta.old_file()
        } else {
            delta.new_file()
        };
        let Some(path) = file.path().and_then(|path| path.to_str()) else {
            continue;
        };
        let lines = match git2::Patch::from_diff(&diff, index)? {
            Some(patch) => {
                let (_, added, removed) = patch.line_stats()?;
                added + removed
            }
            None => 0,
        };
        let (blob, mode) = if kind == ChangeKind::Deleted {
            (Oid::ZERO_SHA1, 0)
        } else {
            (delta.new_file().id(), u32::from(delta.new_file().mode()))
        };
        changes.push(Change {
            path: path.to_owned(),
            kind,
            class: classify(language, path),
            lines,
            blob,
            mode,
        });
    }
    Ok(changes)
}
