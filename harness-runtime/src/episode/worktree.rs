//! The agent's linked worktree, written by the harness itself: the files exactly as the
//! manifest holds them (no checkout filters), and git's worktree metadata.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use git2::{Index, IndexEntry, IndexTime};
use harness_fixture::{FileKind, Files};

use super::{EpisodeError, git_error, io_error};

/// The agent's branch.
pub const AGENT_BRANCH: &str = "agent";
/// The agent's worktree name under `<common dir>/worktrees/`.
pub const AGENT_WORKTREE: &str = "agent";

/// Writes the worktree files and its metadata; returns the worktree's `.git` file content.
pub(crate) fn add(
    blob_ids: &[git2::Oid],
    manifest: &Files,
    common_git_dir: &Path,
    worktree: &Path,
) -> Result<Vec<u8>, EpisodeError> {
    fs::create_dir_all(worktree).map_err(io_error("create", worktree))?;
    let mut index_entries = Vec::with_capacity(blob_ids.len());
    for (id, (path, file)) in blob_ids.iter().zip(manifest) {
        let target = worktree.join(path.as_str());
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(io_error("create", parent))?;
        }
        match file.kind {
            FileKind::Symlink => {
                let link = String::from_utf8_lossy(&file.content).into_owned();
                std::os::unix::fs::symlink(&link, &target)
                    .map_err(io_error("create symlink", &target))?;
            }
            FileKind::Regular | FileKind::Executable => {
                fs::write(&target, &file.content).map_err(io_error("write", &target))?;
                if file.kind == FileKind::Executable {
                    fs::set_permissions(&target, fs::Permissions::from_mode(0o755))
                        .map_err(io_error("set permissions of", &target))?;
                }
            }
        }
        // Real stat data, so `git status` in the worktree need not re-hash every file.
        let meta = fs::symlink_metadata(&target).map_err(io_error("stat", &target))?;
        index_entries.push(IndexEntry {
            ctime: IndexTime::new(meta.ctime() as i32, meta.ctime_nsec() as u32),
            mtime: IndexTime::new(meta.mtime() as i32, meta.mtime_nsec() as u32),
            dev: meta.dev() as u32,
            ino: meta.ino() as u32,
            uid: meta.uid(),
            gid: meta.gid(),
            file_size: meta.size() as u32,
            mode: file.kind.git_mode(),
            id: *id,
            flags: u16::try_from(path.as_str().len())
                .unwrap_or(0xfff)
                .min(0xfff),
            flags_extended: 0,
            path: path.as_str().as_bytes().to_vec(),
        });
    }

    let admin = common_git_dir.join("worktrees").join(AGENT_WORKTREE);
    fs::create_dir_all(&admin).map_err(io_error("create", &admin))?;
    let git_file = format!("gitdir: {}\n", admin.display()).into_bytes();
    let files: [(&str, Vec<u8>); 3] = [
        (
            "HEAD",
            format!("ref: refs/heads/{AGENT_BRANCH}\n").into_bytes(),
        ),
        ("commondir", b"../..\n".to_vec()),
        (
            "gitdir",
            format!("{}\n", worktree.join(".git").display()).into_bytes(),
        ),
    ];
    for (name, content) in files {
        let path = admin.join(name);
        fs::write(&path, content).map_err(io_error("write", &path))?;
    }
    let dot_git = worktree.join(".git");
    fs::write(&dot_git, &git_file).map_err(io_error("write", &dot_git))?;

    let mut index =
        Index::open(&admin.join("index")).map_err(git_error("open the worktree index"))?;
    for entry in &index_entries {
        index
            .add(entry)
            .map_err(git_error("fill the worktree index"))?;
    }
    index
        .write()
        .map_err(git_error("write the worktree index"))?;
    Ok(git_file)
}
