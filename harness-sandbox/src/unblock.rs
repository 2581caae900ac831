//! Removing what an agent (or code a check ran) left, whatever it did to the files: grading
//! restores its tree between checks, the episode is removed when its case ends, and a run
//! sweeps the episodes of killed runs. An immutable or append-only inode flag
//! (`chattr +i`/`+a`, which root may set on anything it can write, Landlock or not) makes
//! all three fail; so does, for a harness that does not run as root, a directory the agent
//! made unwritable or unreadable.
//!
//! The fast path is the plain operation; only when it fails is the tree walked, the flags
//! cleared ([`crate::flags`]), the owner's permissions restored, and the operation
//! tried again. Cleared flags are returned, so grading can report them
//! (`ungradable_state`); permission bits are put right silently: they bind nothing for
//! root, and honest tools leave read-only directories (Go's module cache).

use std::fs::{self, File};
use std::io;
use std::os::fd::AsFd;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::flags;

/// A file or directory whose immutable or append-only flag had to be cleared.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cleared {
    /// Where (absolute).
    pub path: PathBuf,
    /// `immutable`, `append-only`, or both.
    pub flags: &'static str,
}

/// A tree that could not be removed even after clearing what blocked it.
#[derive(Debug, thiserror::Error)]
#[error("failed to remove {}: {source}{}", path.display(), left_note(left))]
pub struct RemoveError {
    /// What was being removed.
    pub path: PathBuf,
    /// The last attempt's error.
    #[source]
    pub source: io::Error,
    /// Flags cleared before the last attempt.
    pub cleared: Vec<Cleared>,
    /// Up to five of the entries that could not be removed (absolute); everything else
    /// was removed.
    pub left: Vec<PathBuf>,
}

fn left_note(left: &[PathBuf]) -> String {
    if left.is_empty() {
        return String::new();
    }
    let names: Vec<String> = left.iter().map(|path| path.display().to_string()).collect();
    format!(" (still there: {})", names.join(", "))
}

/// Removes `path` (a directory tree, a file or a link; nothing there is fine). When the
/// plain removal fails, clears every immutable or append-only flag in the tree (and on its
/// parent directory, which must let the entry go), restores the owner's permissions, and
/// removes entry by entry, going on past what fails, so all that can go goes. Returns the
/// flags it had to clear; the error names what is left.
pub fn remove_all(path: &Path) -> Result<Vec<Cleared>, RemoveError> {
    match remove(path) {
        Ok(()) => return Ok(Vec::new()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(_) => {}
    }
    let mut cleared = Vec::new();
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        cleared.extend(unblock_entry(parent, true));
    }
    cleared.extend(unblock_tree(path));
    let mut failed = Vec::new();
    remove_each(path, &mut failed);
    if failed.is_empty() {
        return Ok(cleared);
    }
    let left = failed
        .iter()
        .take(5)
        .map(|(path, _)| path.clone())
        .collect();
    let (_, source) = failed.swap_remove(0);
    Err(RemoveError {
        path: path.to_path_buf(),
        source,
        cleared,
        left,
    })
}

fn remove(path: &Path) -> io::Result<()> {
    if fs::symlink_metadata(path)?.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    }
}

/// Removes `path` depth first, going on past failures, and collects the entries that could
/// not be removed (a directory only when it is not just a failed entry's parent). Returns
/// whether `path` is gone.
fn remove_each(path: &Path, failed: &mut Vec<(PathBuf, io::Error)>) -> bool {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return true,
        Err(error) => {
            failed.push((path.to_path_buf(), error));
            return false;
        }
    };
    let result = if meta.is_dir() {
        let mut emptied = true;
        match fs::read_dir(path) {
            Ok(entries) => {
                for entry in entries.flatten() {
                    emptied &= remove_each(&entry.path(), failed);
                }
            }
            Err(error) => {
                failed.push((path.to_path_buf(), error));
                return false;
            }
        }
        if !emptied {
            return false;
        }
        fs::remove_dir(path)
    } else {
        fs::remove_file(path)
    };
    match result {
        Ok(()) => true,
        Err(error) if error.kind() == io::ErrorKind::NotFound => true,
        Err(error) => {
            failed.push((path.to_path_buf(), error));
            false
        }
    }
}

/// Clears immutable and append-only flags on `root` and everything below it (symlinks are
/// not followed; only directories and regular files can carry the flags), gives each
/// directory the owner's read, write and search permission and each regular file the
/// owner's read permission. Returns what had flags. Best effort: what cannot be opened is
/// skipped (the retry that follows reports it).
pub fn unblock_tree(root: &Path) -> Vec<Cleared> {
    let mut cleared = Vec::new();
    let Ok(meta) = fs::symlink_metadata(root) else {
        return cleared;
    };
    if !meta.is_dir() {
        if meta.is_file() {
            cleared.extend(unblock_entry(root, false));
        }
        return cleared;
    }
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        cleared.extend(unblock_entry(&dir, true));
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(entry.path()),
                Ok(kind) if kind.is_file() => cleared.extend(unblock_entry(&entry.path(), false)),
                _ => {}
            }
        }
    }
    cleared.sort();
    cleared
}

/// Clears the blocking flags of one directory or regular file and restores the owner's
/// permissions on it. Opened without following a symlink and without blocking, and checked
/// to still be what the walk saw, so nothing swapped in is touched.
fn unblock_entry(path: &Path, dir: bool) -> Option<Cleared> {
    let file = match open(path, dir) {
        Ok(file) => file,
        // Not root, and the owner's read permission was taken away: give it back, once.
        Err(error) if error.kind() == io::ErrorKind::PermissionDenied => {
            let meta = fs::symlink_metadata(path).ok()?;
            if meta.is_dir() != dir || (!dir && !meta.is_file()) {
                return None;
            }
            let mode = meta.permissions().mode() | if dir { 0o700 } else { 0o400 };
            fs::set_permissions(path, fs::Permissions::from_mode(mode)).ok()?;
            open(path, dir).ok()?
        }
        Err(_) => return None,
    };
    let meta = file.metadata().ok()?;
    if meta.is_dir() != dir || (!dir && !meta.is_file()) {
        return None;
    }
    let found = flags::clear_blocking(file.as_fd()).unwrap_or(0);
    let wanted = if dir { 0o700 } else { 0o400 };
    let mode = meta.permissions().mode();
    if mode & wanted != wanted {
        let _ = file.set_permissions(fs::Permissions::from_mode(mode | wanted));
    }
    (found != 0).then(|| Cleared {
        path: path.to_path_buf(),
        flags: flags::describe(found),
    })
}

/// Opens a directory or regular file for reading, without following a symlink and without
/// blocking (on a FIFO).
pub(crate) fn open(path: &Path, dir: bool) -> io::Result<File> {
    let mut flags = nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK | nix::libc::O_CLOEXEC;
    if dir {
        flags |= nix::libc::O_DIRECTORY;
    }
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::{APPEND_ONLY, IMMUTABLE};
    use crate::test_support::{FlaggableDir, set_flags};

    #[test]
    fn a_plain_tree_is_removed_without_clearing_anything() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        fs::create_dir_all(tree.join("a/b")).unwrap();
        fs::write(tree.join("a/b/f"), "x").unwrap();
        assert_eq!(remove_all(&tree).unwrap(), Vec::new());
        assert!(!tree.exists());
        assert_eq!(
            remove_all(&tree).unwrap(),
            Vec::new(),
            "nothing there is fine"
        );
    }

    #[test]
    fn immutable_and_append_only_entries_are_cleared_reported_and_removed() {
        let Some(scratch) = FlaggableDir::new() else {
            return;
        };
        let tree = scratch.path().join("tree");
        fs::create_dir_all(tree.join("locked-dir")).unwrap();
        fs::write(tree.join("locked-dir/inside"), "x").unwrap();
        fs::write(tree.join("file"), "x").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", tree.join("link")).unwrap();
        assert!(set_flags(&tree.join("file"), IMMUTABLE));
        assert!(set_flags(&tree.join("locked-dir"), APPEND_ONLY));
        assert!(
            fs::remove_dir_all(&tree).is_err(),
            "the plain removal fails"
        );
        let cleared = remove_all(&tree).unwrap();
        assert_eq!(
            cleared,
            vec![
                Cleared {
                    path: tree.join("file"),
                    flags: "immutable"
                },
                Cleared {
                    path: tree.join("locked-dir"),
                    flags: "append-only"
                },
            ]
        );
        assert!(fs::symlink_metadata(&tree).is_err(), "nothing remains");
        assert!(
            Path::new("/etc/passwd").exists(),
            "the link was not followed"
        );
    }

    #[test]
    fn an_immutable_parent_directory_is_cleared_too() {
        let Some(scratch) = FlaggableDir::new() else {
            return;
        };
        let parent = scratch.path().join("parent");
        fs::create_dir_all(parent.join("episode")).unwrap();
        assert!(set_flags(&parent, IMMUTABLE));
        let cleared = remove_all(&parent.join("episode")).unwrap();
        assert_eq!(cleared.len(), 1);
        assert_eq!(cleared[0].path, parent);
        assert!(!parent.join("episode").exists());
    }

    #[test]
    fn a_mount_point_cannot_be_removed_and_the_error_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        let mount = tree.join("sub/mnt");
        fs::create_dir_all(&mount).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "tmpfs"])
            .arg(&mount)
            .output()
            .is_ok_and(|output| output.status.success());
        if !mounted {
            eprintln!("cannot mount a tmpfs here; skipped");
            return;
        }
        let error = remove_all(&tree).unwrap_err();
        let _ = std::process::Command::new("umount").arg(&mount).status();
        assert_eq!(error.path, tree);
        assert_eq!(error.left, vec![mount.clone()]);
        assert!(
            error.to_string().starts_with(&format!(
                "failed to remove {}: Device or resource busy",
                tree.display()
            )),
            "{error}"
        );
        assert!(error.to_string().contains(&mount.display().to_string()));
        remove_all(&tree).unwrap();
    }

    #[test]
    fn unreadable_directories_get_their_owner_permissions_back() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        fs::create_dir_all(tree.join("closed")).unwrap();
        fs::write(tree.join("closed/f"), "x").unwrap();
        fs::set_permissions(tree.join("closed"), fs::Permissions::from_mode(0o000)).unwrap();
        assert_eq!(
            unblock_tree(&tree),
            Vec::new(),
            "permissions are not reported"
        );
        let mode = fs::metadata(tree.join("closed"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o700, 0o700);
        remove_all(&tree).unwrap();
    }
}
