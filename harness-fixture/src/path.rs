use std::fmt;

/// A normalised, repository-relative path: UTF-8, `/`-separated, no empty, `.` or `..`
/// components, never absolute.
///
/// Every path the harness compares (scope globs, snapshot entries, deliverables) goes through
/// [`RepoPath::parse`], so `src/slug/../../tests/x` can never be mistaken for a path inside
/// `src/slug`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct RepoPath(String);

/// Why a string is not a repository path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// Empty string or only `.` components.
    #[error("path is empty")]
    Empty,
    /// Starts with `/`.
    #[error("path `{0}` is absolute")]
    Absolute(String),
    /// Has a `..` component.
    #[error("path `{0}` contains `..`")]
    ParentComponent(String),
    /// Has a backslash or NUL, which never name a portable path.
    #[error("path `{0}` contains a backslash or NUL byte")]
    BadCharacter(String),
}

impl RepoPath {
    /// Normalises `raw`; `..`, absolute paths and empty paths are errors.
    pub fn parse(raw: &str) -> Result<RepoPath, PathError> {
        if raw.starts_with('/') {
            return Err(PathError::Absolute(raw.to_owned()));
        }
        if raw.contains('\\') || raw.contains('\0') {
            return Err(PathError::BadCharacter(raw.to_owned()));
        }
        let mut parts = Vec::new();
        for component in raw.split('/') {
            match component {
                "" | "." => {}
                ".." => return Err(PathError::ParentComponent(raw.to_owned())),
                other => parts.push(other),
            }
        }
        if parts.is_empty() {
            return Err(PathError::Empty);
        }
        Ok(RepoPath(parts.join("/")))
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Components, in order.
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }

    /// This path and each of its ancestors, shortest first: `a`, `a/b`, `a/b/c`.
    pub fn prefixes(&self) -> impl Iterator<Item = &str> {
        self.0
            .match_indices('/')
            .map(|(index, _)| &self.0[..index])
            .chain(std::iter::once(self.0.as_str()))
    }

    /// Whether `self` is `other` or lies under it, component-wise.
    pub fn starts_with(&self, other: &RepoPath) -> bool {
        self.0 == other.0
            || (self.0.starts_with(&other.0) && self.0.as_bytes().get(other.0.len()) == Some(&b'/'))
    }

    /// The parent directory, if any.
    pub fn parent(&self) -> Option<&str> {
        self.0.rfind('/').map(|index| &self.0[..index])
    }

    /// The last component.
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for RepoPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for RepoPath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parse_normalises_dots_and_slashes() {
        assert_eq!(RepoPath::parse("./a//b/./c/").unwrap().as_str(), "a/b/c");
    }

    #[test]
    fn parse_rejects_escapes() {
        assert!(matches!(
            RepoPath::parse("a/../b"),
            Err(PathError::ParentComponent(_))
        ));
        assert!(matches!(
            RepoPath::parse("/etc"),
            Err(PathError::Absolute(_))
        ));
        assert!(matches!(RepoPath::parse("./"), Err(PathError::Empty)));
    }

    #[test]
    fn starts_with_is_per_component() {
        let dir = RepoPath::parse("src/slug").unwrap();
        assert!(RepoPath::parse("src/slug/x.rs").unwrap().starts_with(&dir));
        assert!(RepoPath::parse("src/slug").unwrap().starts_with(&dir));
        assert!(
            !RepoPath::parse("src/slug_evil.rs")
                .unwrap()
                .starts_with(&dir)
        );
    }

    #[test]
    fn prefixes_lists_ancestors_then_self() {
        let path = RepoPath::parse("a/b/c").unwrap();
        assert_eq!(
            path.prefixes().collect::<Vec<_>>(),
            vec!["a", "a/b", "a/b/c"]
        );
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent(raw in "[a-z./]{0,24}") {
            if let Ok(path) = RepoPath::parse(&raw) {
                prop_assert_eq!(RepoPath::parse(path.as_str()).unwrap(), path);
            }
        }

        #[test]
        fn parent_components_never_survive(raw in "(\\.\\.|[a-z]{1,3}|\\.)(/(\\.\\.|[a-z]{1,3}|\\.)){0,6}") {
            let has_parent = raw.split('/').any(|c| c == "..");
            match RepoPath::parse(&raw) {
                Ok(path) => {
                    prop_assert!(path.components().all(|c| c != ".." && c != "." && !c.is_empty()));
                    prop_assert!(!has_parent);
                }
                Err(_) => prop_assert!(has_parent || raw.split('/').all(|c| c.is_empty() || c == ".")),
            }
        }
    }
}
