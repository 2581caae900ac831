//! Shared baselines: a fixture's `fixture.toml` may name a tree in a bare git repository
//! beside it (`[baseline] store`, `tree`) instead of carrying every baseline file in `repo/`.
//! Fixtures mined from one repository then share one stored copy of its content; each
//! fixture's own `repo/` holds only the files added to or replacing that tree (its contract
//! and work item).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{FixtureError, Problem};
use crate::files::{FileEntry, FileKind, Files};
use crate::path::RepoPath;

/// `[baseline]` in `fixture.toml`: the shared tree the baseline starts from.
///
/// ```
/// # use harness_fixture::FixtureConfig;
/// let config: FixtureConfig = toml::from_str(
///     "[baseline]\nstore = \"../.baselines.git\"\ntree = \"4b825dc642cb6eb9a060e54bf8d69288fbee4904\"\n",
/// ).unwrap();
/// assert_eq!(config.baseline.unwrap().store, "../.baselines.git");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineRef {
    /// A bare git repository, relative to the fixture directory.
    pub store: String,
    /// The baseline's tree id in it (40 hex digits).
    pub tree: String,
    /// The oracle's files as a tree in the same store, read before `oracle/` (whose files
    /// add or replace); mined fixtures keep the fix here, so a blob that is also in a
    /// baseline is stored once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oracle: Option<String>,
    /// The hidden files as a tree in the same store, read before `hidden/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<String>,
}

/// `[source]` in `fixture.toml`: where a mined fixture came from (provenance only; never
/// reachable by agents, never read by grading).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    /// The commit the fixture was mined from.
    pub commit: String,
    /// The repository's name or address, when the miner knew it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

impl BaselineRef {
    /// The store's directory for a fixture at `fixture_dir`.
    pub fn store_dir(&self, fixture_dir: &Path) -> PathBuf {
        fixture_dir.join(&self.store)
    }

    /// Reads the baseline, oracle and hidden trees into memory (the last two empty when not
    /// named). A missing store or tree is an I/O-like error naming the file that names it;
    /// odd entries (submodules, bad names) are problems.
    pub(crate) fn read(
        &self,
        fixture_dir: &Path,
        config_file: &Path,
        problems: &mut Vec<Problem>,
    ) -> Result<[Files; 3], FixtureError> {
        let mut read = |field: &str, tree: Option<&String>| match tree {
            Some(tree) => self.read_tree(fixture_dir, config_file, field, tree, problems),
            None => Ok(Files::new()),
        };
        Ok([
            read("tree", Some(&self.tree))?,
            read("oracle", self.oracle.as_ref())?,
            read("hidden", self.hidden.as_ref())?,
        ])
    }

    /// Reads the tree `tree` (the value of `[baseline] <field>`).
    fn read_tree(
        &self,
        fixture_dir: &Path,
        config_file: &Path,
        field: &str,
        tree: &str,
        problems: &mut Vec<Problem>,
    ) -> Result<Files, FixtureError> {
        let store = self.store_dir(fixture_dir);
        let unreadable = |reason: String| FixtureError::NotAFixture {
            dir: fixture_dir.to_path_buf(),
            reason: format!("{}: baseline.{field}: {reason}", config_file.display()),
        };
        let tree_id = git2::Oid::from_str(tree)
            .ok()
            .filter(|_| tree.len() == 40)
            .ok_or_else(|| unreadable(format!("`{tree}` is not a 40-hex tree id")))?;
        let repo = git2::Repository::open_bare(&store).map_err(|error| {
            unreadable(format!(
                "cannot open the store {}: {}",
                store.display(),
                error.message()
            ))
        })?;
        let tree = repo.find_tree(tree_id).map_err(|error| {
            unreadable(format!(
                "the store {} has no tree {}: {}",
                store.display(),
                tree,
                error.message()
            ))
        })?;
        let mut files = Files::new();
        let mut pending = vec![(String::new(), tree)];
        while let Some((prefix, tree)) = pending.pop() {
            for entry in tree.iter() {
                let Ok(name) = entry.name() else {
                    problems.push(baseline_problem(
                        config_file,
                        field,
                        "a file name is not UTF-8",
                    ));
                    continue;
                };
                let name = format!("{prefix}{name}");
                let lacks = |error: git2::Error| {
                    unreadable(format!(
                        "the store {} lacks `{name}`: {}",
                        store.display(),
                        error.message()
                    ))
                };
                let kind = match entry.filemode() {
                    0o040000 => {
                        let subtree = repo.find_tree(entry.id()).map_err(lacks)?;
                        pending.push((format!("{name}/"), subtree));
                        continue;
                    }
                    0o100644 => FileKind::Regular,
                    0o100755 => FileKind::Executable,
                    0o120000 => FileKind::Symlink,
                    _ => {
                        let message = format!("`{name}` is a submodule or an unknown entry");
                        problems.push(baseline_problem(config_file, field, &message));
                        continue;
                    }
                };
                let path = match RepoPath::parse(&name) {
                    Ok(path) => path,
                    Err(error) => {
                        let message = format!("`{name}`: {error}");
                        problems.push(baseline_problem(config_file, field, &message));
                        continue;
                    }
                };
                let blob = repo.find_blob(entry.id()).map_err(lacks)?;
                let content = blob.content().to_vec();
                files.insert(path, FileEntry { kind, content });
            }
        }
        Ok(files)
    }
}

fn baseline_problem(config_file: &Path, field: &str, message: &str) -> Problem {
    Problem::rule(
        config_file.to_path_buf(),
        format!("baseline.{field}"),
        message,
    )
}
