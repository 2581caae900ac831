use std::path::Path;

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::files::Files;
use crate::path::RepoPath;

/// The baseline's own `.gitignore` rules, built from the baseline files held in memory.
///
/// Only these rules decide what counts as a build artifact: ignore rules the agent adds
/// (an edited `.gitignore`, `info/exclude`, `core.excludesFile`) count for nothing.
#[derive(Debug, Clone, Default)]
pub struct IgnoreRules {
    /// (directory the `.gitignore` sits in, its matcher), shallowest first.
    matchers: Vec<(String, Gitignore)>,
}

impl IgnoreRules {
    /// Collects every `.gitignore` in `files`.
    pub fn from_files(files: &Files) -> IgnoreRules {
        let mut matchers = Vec::new();
        for (path, entry) in files {
            if path.file_name() != ".gitignore" {
                continue;
            }
            let dir = path.parent().unwrap_or("").to_owned();
            let mut builder = GitignoreBuilder::new("");
            for line in String::from_utf8_lossy(&entry.content).lines() {
                // A bad line is skipped, as git skips it.
                let _ = builder.add_line(None, line);
            }
            if let Ok(matcher) = builder.build() {
                matchers.push((dir, matcher));
            }
        }
        matchers.sort_by_key(|(dir, _)| dir.matches('/').count() + usize::from(!dir.is_empty()));
        IgnoreRules { matchers }
    }

    /// Whether the baseline rules ignore `path` (a file) or one of its parent directories.
    pub fn is_ignored(&self, path: &RepoPath) -> bool {
        // The deepest `.gitignore` with an opinion decides, as in git.
        for (dir, matcher) in self.matchers.iter().rev() {
            let relative = if dir.is_empty() {
                Some(path.as_str())
            } else {
                path.as_str()
                    .strip_prefix(dir.as_str())
                    .and_then(|rest| rest.strip_prefix('/'))
            };
            let Some(relative) = relative else { continue };
            let matched = matcher.matched_path_or_any_parents(Path::new(relative), false);
            if matched.is_ignore() {
                return true;
            }
            if matched.is_whitelist() {
                return false;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::FileEntry;

    fn rules(entries: &[(&str, &str)]) -> IgnoreRules {
        let files: Files = entries
            .iter()
            .map(|(path, text)| {
                (
                    RepoPath::parse(path).unwrap(),
                    FileEntry::regular(text.as_bytes()),
                )
            })
            .collect();
        IgnoreRules::from_files(&files)
    }

    #[test]
    fn directory_patterns_cover_their_contents() {
        let rules = rules(&[(".gitignore", "target/\n__pycache__/\n*.pyc\n")]);
        assert!(rules.is_ignored(&RepoPath::parse("target/debug/x").unwrap()));
        assert!(rules.is_ignored(&RepoPath::parse("src/__pycache__/m.cpython-311.pyc").unwrap()));
        assert!(!rules.is_ignored(&RepoPath::parse("src/m.py").unwrap()));
    }

    #[test]
    fn nested_gitignore_applies_below_its_directory_only() {
        let rules = rules(&[("sub/.gitignore", "*.log\n")]);
        assert!(rules.is_ignored(&RepoPath::parse("sub/a.log").unwrap()));
        assert!(!rules.is_ignored(&RepoPath::parse("a.log").unwrap()));
    }

    #[test]
    fn deeper_whitelist_wins() {
        let rules = rules(&[(".gitignore", "*.log\n"), ("keep/.gitignore", "!*.log\n")]);
        assert!(!rules.is_ignored(&RepoPath::parse("keep/a.log").unwrap()));
    }
}
