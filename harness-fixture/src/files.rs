use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::error::{FixtureError, Problem};
use crate::path::RepoPath;

/// What kind of entry a file is. Directories are implied by their files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// A regular file without the executable bit.
    Regular,
    /// A regular file with an executable bit.
    Executable,
    /// A symbolic link; the entry's content is the link target.
    Symlink,
}

impl FileKind {
    /// The git file mode for this kind.
    pub fn git_mode(self) -> u32 {
        match self {
            FileKind::Regular => 0o100644,
            FileKind::Executable => 0o100755,
            FileKind::Symlink => 0o120000,
        }
    }
}

/// One file held in memory.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileEntry {
    /// Regular, executable or symlink.
    pub kind: FileKind,
    /// File content, or the link target for a symlink.
    pub content: Vec<u8>,
}

impl FileEntry {
    /// Creates this entry at `path` (which must not exist): a symlink, or a file with the
    /// content and, for an executable, mode 0755.
    pub fn write_to(&self, path: &Path) -> std::io::Result<()> {
        match self.kind {
            FileKind::Symlink => {
                std::os::unix::fs::symlink(String::from_utf8_lossy(&self.content).as_ref(), path)
            }
            FileKind::Regular => fs::write(path, &self.content),
            FileKind::Executable => {
                fs::write(path, &self.content)?;
                fs::set_permissions(path, fs::Permissions::from_mode(0o755))
            }
        }
    }

    /// A regular file with this content.
    pub fn regular(content: impl Into<Vec<u8>>) -> Self {
        FileEntry {
            kind: FileKind::Regular,
            content: content.into(),
        }
    }
}

/// A tree of files keyed by normalised path, in path order.
pub type Files = BTreeMap<RepoPath, FileEntry>;

/// Reads every file under `root` into memory. Anything that is not a regular file, a
/// directory or a symlink, and any name that is not UTF-8, is a problem (reported, not fatal).
pub(crate) fn read_tree(
    root: &Path,
    display_root: &Path,
    problems: &mut Vec<Problem>,
) -> Result<Files, FixtureError> {
    let mut files = Files::new();
    let mut pending: Vec<PathBuf> = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let dir = root.join(&relative);
        let entries = fs::read_dir(&dir).map_err(|source| FixtureError::Io {
            path: dir.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| FixtureError::Io {
                path: dir.clone(),
                source,
            })?;
            let child = relative.join(entry.file_name());
            let display = display_root.join(&child);
            let Some(name) = child.to_str() else {
                problems.push(Problem::rule(display, "", "file name is not UTF-8"));
                continue;
            };
            let full = root.join(&child);
            let meta = fs::symlink_metadata(&full).map_err(|source| FixtureError::Io {
                path: full.clone(),
                source,
            })?;
            let file_type = meta.file_type();
            if file_type.is_dir() {
                if entry.file_name() == ".git" {
                    problems.push(Problem::rule(
                        display,
                        "",
                        "fixtures must not contain a `.git` directory",
                    ));
                    continue;
                }
                pending.push(child);
                continue;
            }
            let path = match RepoPath::parse(name) {
                Ok(path) => path,
                Err(error) => {
                    problems.push(Problem::rule(display, "", error.to_string()));
                    continue;
                }
            };
            let entry = if file_type.is_symlink() {
                let target = fs::read_link(&full).map_err(|source| FixtureError::Io {
                    path: full.clone(),
                    source,
                })?;
                let Some(target) = target.to_str() else {
                    problems.push(Problem::rule(display, "", "symlink target is not UTF-8"));
                    continue;
                };
                FileEntry {
                    kind: FileKind::Symlink,
                    content: target.as_bytes().to_vec(),
                }
            } else if file_type.is_file() {
                let content = fs::read(&full).map_err(|source| FixtureError::Io {
                    path: full.clone(),
                    source,
                })?;
                let kind = if meta.permissions().mode() & 0o111 != 0 {
                    FileKind::Executable
                } else {
                    FileKind::Regular
                };
                FileEntry { kind, content }
            } else {
                problems.push(Problem::rule(
                    display,
                    "",
                    "only regular files, directories and symlinks are allowed",
                ));
                continue;
            };
            files.insert(path, entry);
        }
    }
    Ok(files)
}
