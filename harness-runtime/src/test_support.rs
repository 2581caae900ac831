//! Helpers shared by unit tests.

use harness_fixture::{FileEntry, Files, RepoPath};

/// Regular files from `(path, text)` pairs.
pub(crate) fn files(entries: &[(&str, &str)]) -> Files {
    entries
        .iter()
        .map(|(path, text)| {
            (
                RepoPath::parse(path).unwrap(),
                FileEntry::regular(text.as_bytes()),
            )
        })
        .collect()
}
