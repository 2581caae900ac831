//! Modification times that let a warm cargo build directory be reused safely.
//!
//! Cargo rebuilds a unit when one of its source files is newer than the unit's last build.
//! Every file a setup builds from, and every graded file equal to its baseline version,
//! carries one fixed old time ([`baseline_mtime`]); every graded file that differs from
//! the baseline (an agent's change, a hidden test) is stamped with the time of grading,
//! which is after any environment was built. What the agent set a file's time to never
//! counts: the harness stamps every graded file before each check that starts from the
//! environment's build (one that starts from the episode's shared build keeps the times
//! that build saw: it was made from this very tree).

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use harness_fixture::{FileKind, Files};

/// 2000-01-01T00:00:00Z: older than any build.
pub fn baseline_mtime() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(946_684_800)
}

/// Writes `files` under `root` (which exists and is empty), each stamped [`baseline_mtime`].
pub fn write_baseline(root: &Path, files: &Files) -> std::io::Result<()> {
    for (path, entry) in files {
        let full = root.join(path.as_str());
        if let Some(parent) = full.parent() {
            fs::create_dir_all(parent)?;
        }
        entry.write_to(&full)?;
        if entry.kind != FileKind::Symlink {
            set_mtime(&full, baseline_mtime())?;
        }
    }
    Ok(())
}

/// Stamps every regular file of `graded` under `root`: [`baseline_mtime`] when it equals
/// its `baseline` version, now otherwise. A file that cannot be stamped is left as it is
/// (cargo then rebuilds it or the check fails on its own).
pub fn stamp_graded(root: &Path, graded: &Files, baseline: &Files) {
    let now = SystemTime::now();
    for (path, entry) in graded {
        if entry.kind == FileKind::Symlink {
            continue;
        }
        let time = if baseline.get(path) == Some(entry) {
            baseline_mtime()
        } else {
            now
        };
        let _ = set_mtime(&root.join(path.as_str()), time);
    }
}

fn set_mtime(path: &Path, time: SystemTime) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    // Never through a link: the path is a regular file the harness wrote.
    fs::OpenOptions::new()
        .write(true)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)?
        .set_modified(time)
}

/// Copies the directory `from` into `to` (which exists), keeping each file's modification
/// time (cargo compares them) and mode; symlinks are copied as links.
pub fn copy_tree(from: &Path, to: &Path) -> std::io::Result<u64> {
    copy_tree_keeping(from, to, &|_| true)
}

/// [`copy_tree`] of the entries whose path relative to `from` satisfies `keep` (a directory
/// left out is left out with everything under it).
pub fn copy_tree_keeping(
    from: &Path,
    to: &Path,
    keep: &dyn Fn(&Path) -> bool,
) -> std::io::Result<u64> {
    copy_below(from, to, Path::new(""), keep)
}

fn copy_below(
    from: &Path,
    to: &Path,
    relative: &Path,
    keep: &dyn Fn(&Path) -> bool,
) -> std::io::Result<u64> {
    let mut bytes = 0;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        let relative = relative.join(&name);
        if !keep(&relative) {
            continue;
        }
        let source = entry.path();
        let target = to.join(&name);
        let kind = entry.file_type()?;
        if kind.is_dir() {
            fs::create_dir(&target)?;
            bytes += copy_below(&source, &target, &relative, keep)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&source)?, &target)?;
        } else if kind.is_file() {
            bytes += fs::copy(&source, &target)?;
            let modified = entry.metadata()?.modified()?;
            let file = fs::OpenOptions::new().write(true).open(&target)?;
            file.set_modified(modified)?;
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use harness_fixture::{FileEntry, RepoPath};

    use super::*;

    fn mtime(path: &Path) -> SystemTime {
        fs::metadata(path).unwrap().modified().unwrap()
    }

    #[test]
    fn graded_files_equal_to_the_baseline_are_old_and_changed_ones_new() {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| RepoPath::parse(name).unwrap();
        let baseline: Files = [
            (path("src/lib.rs"), FileEntry::regular("pub fn f() {}\n")),
            (path("src/other.rs"), FileEntry::regular("// same\n")),
        ]
        .into_iter()
        .collect();
        write_baseline(dir.path(), &baseline).unwrap();
        assert_eq!(mtime(&dir.path().join("src/lib.rs")), baseline_mtime());

        let mut graded = baseline.clone();
        graded.insert(
            path("src/lib.rs"),
            FileEntry::regular("pub fn f() { 1; }\n"),
        );
        graded.insert(
            path("tests/new.rs"),
            FileEntry::regular("#[test] fn t() {}\n"),
        );
        for (name, entry) in &graded {
            let full = dir.path().join(name.as_str());
            fs::create_dir_all(full.parent().unwrap()).unwrap();
            fs::write(&full, &entry.content).unwrap();
        }
        // An agent's trick: its changed file dated back to the baseline's time.
        set_mtime(&dir.path().join("src/lib.rs"), baseline_mtime()).unwrap();
        let before = SystemTime::now();
        stamp_graded(dir.path(), &graded, &baseline);
        assert!(mtime(&dir.path().join("src/lib.rs")) >= before);
        assert!(mtime(&dir.path().join("tests/new.rs")) >= before);
        assert_eq!(mtime(&dir.path().join("src/other.rs")), baseline_mtime());
    }

    #[test]
    fn a_copied_tree_keeps_its_times() {
        let from = tempfile::tempdir().unwrap();
        let to = tempfile::tempdir().unwrap();
        fs::create_dir_all(from.path().join("debug/deps")).unwrap();
        fs::write(from.path().join("debug/deps/a.rlib"), b"rlib").unwrap();
        set_mtime(&from.path().join("debug/deps/a.rlib"), baseline_mtime()).unwrap();
        std::os::unix::fs::symlink("deps/a.rlib", from.path().join("debug/a")).unwrap();
        assert_eq!(copy_tree(from.path(), to.path()).unwrap(), 4);
        assert_eq!(
            mtime(&to.path().join("debug/deps/a.rlib")),
            baseline_mtime()
        );
        assert_eq!(
            fs::read_link(to.path().join("debug/a")).unwrap(),
            Path::new("deps/a.rlib")
        );
    }
}
