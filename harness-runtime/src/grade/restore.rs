//! Grading in place: once every agent process is gone, the worktree itself is made exactly
//! the graded state (baseline + accepted changes + hidden files). Cost is proportional to
//! what differs, not to the repository: unchanged files stay where they are.
//!
//! Everything else is removed: out-of-scope files, build artifacts (a forged `.pyc`, a
//! planted `target/`), nested repositories, special files, the worktree's `.git` link (so
//! no check ever runs git in agent-written state), and directories left empty. A file that
//! differs is unlinked before it is written, so a hard link never carries a write outside.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use harness_fixture::{FileEntry, Files, RepoPath};

use crate::snapshot::{Snapshot, SnapshotError};

/// Why the tree could not be restored: something in it could not be removed, replaced or
/// read (see [`crate::grade::ungradable::restore_tree`], which clears what it can first).
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// A file or directory could not be removed, written or inspected.
    #[error("failed to {action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// Where.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The tree could not be read before restoring it.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
}

impl RestoreError {
    /// The path the failure concerns.
    pub fn path(&self) -> &Path {
        match self {
            RestoreError::Io { path, .. } => path,
            RestoreError::Snapshot(error) => error.path(),
        }
    }
}

fn io<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> RestoreError + 'a {
    move |source| RestoreError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Makes `root` hold exactly `target`, given a `snapshot` of it taken after the last
/// process that could write it ended.
pub fn restore(root: &Path, target: &Files, snapshot: &Snapshot) -> Result<(), RestoreError> {
    remove_entry(&root.join(".git"))?;
    for stray in &snapshot.strays {
        remove_entry(stray)?;
    }
    for (path, entry) in &snapshot.files {
        let keep = target.get(path).is_some_and(|wanted| {
            wanted.kind == entry.kind && wanted.content == entry.content && entry.nlink <= 1
        });
        if !keep {
            remove_entry(&root.join(path.as_str()))?;
        }
    }
    // Directories that hold no graded file go (deepest first), so a planted empty
    // `tests/evil/` or a file-shaped directory cannot shadow anything.
    let wanted_dirs: BTreeSet<&str> = target
        .keys()
        .flat_map(|path| {
            path.prefixes()
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .skip(1)
        })
        .collect();
    let mut dirs: Vec<&String> = snapshot.dirs.iter().collect();
    dirs.sort_by_key(|dir| std::cmp::Reverse(dir.matches('/').count()));
    for dir in dirs {
        if !wanted_dirs.contains(dir.as_str()) {
            remove_entry(&root.join(dir))?;
        }
    }
    for (path, wanted) in target {
        let present = snapshot.files.get(path).is_some_and(|entry| {
            entry.kind == wanted.kind && entry.content == wanted.content && entry.nlink <= 1
        });
        if !present {
            write_entry(root, path, wanted)?;
        }
    }
    Ok(())
}

fn remove_entry(path: &Path) -> Result<(), RestoreError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path).map_err(io("remove", path)),
        Ok(_) => fs::remove_file(path).map_err(io("remove", path)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(RestoreError::Io {
            action: "inspect",
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn write_entry(root: &Path, path: &RepoPath, entry: &FileEntry) -> Result<(), RestoreError> {
    let full = root.join(path.as_str());
    // Any non-directory where a parent directory belongs is replaced by the directory.
    let mut ancestor = root.to_path_buf();
    for component in path
        .parent()
        .into_iter()
        .flat_map(|parent| parent.split('/'))
    {
        ancestor.push(component);
        match fs::symlink_metadata(&ancestor) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                fs::remove_file(&ancestor).map_err(io("remove", &ancestor))?;
                fs::create_dir(&ancestor).map_err(io("create", &ancestor))?;
            }
            Err(_) => fs::create_dir(&ancestor).map_err(io("create", &ancestor))?,
        }
    }
    remove_entry(&full)?;
    entry.write_to(&full).map_err(io("write", &full))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::files;

    #[test]
    fn restore_makes_the_tree_exactly_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join(".git"), "gitdir: x\n").unwrap();
        fs::create_dir_all(root.join("src/__pycache__")).unwrap();
        fs::create_dir_all(root.join("tests/evil")).unwrap();
        fs::write(root.join("src/a.py"), "agent edit").unwrap();
        fs::write(root.join("src/__pycache__/a.pyc"), "forged").unwrap();
        fs::write(root.join("tests/t.py"), "weakened").unwrap();
        fs::write(root.join("outside"), "secret").unwrap();
        fs::hard_link(root.join("outside"), root.join("src/linked.py")).unwrap();
        let snapshot = Snapshot::take(root, b"gitdir: x\n").unwrap();
        let target = files(&[
            ("src/a.py", "agent edit"),
            ("src/linked.py", "fresh"),
            ("tests/t.py", "original"),
            ("tests/hidden/h.py", "hidden"),
        ]);
        restore(root, &target, &snapshot).unwrap();
        let after = Snapshot::take(root, b"").unwrap();
        let got: Files = after
            .files
            .iter()
            .map(|(path, entry)| (path.clone(), entry.to_file_entry()))
            .collect();
        assert_eq!(got, target);
        assert!(
            !root.join(".git").exists(),
            "checks never see the worktree's git link"
        );
        assert!(!root.join("tests/evil").exists() && !root.join("src/__pycache__").exists());
        assert_eq!(
            fs::read_to_string(root.join("outside")).unwrap_or_default(),
            "",
            "the outside file was removed, never written through"
        );
    }

    #[test]
    fn a_symlinked_directory_is_replaced_by_a_real_one() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::os::unix::fs::symlink(elsewhere.path(), root.join("tests")).unwrap();
        let snapshot = Snapshot::take(root, b"").unwrap();
        restore(root, &files(&[("tests/t.py", "original")]), &snapshot).unwrap();
        assert!(fs::symlink_metadata(root.join("tests")).unwrap().is_dir());
        assert!(
            !elsewhere.path().join("t.py").exists(),
            "nothing was written through the link"
        );
    }
}
