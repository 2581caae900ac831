//! The agent's linked worktree, written by the harness itself: the files exactly as the
//! manifest holds them (no checkout filters), and git's worktree metadata.

use std::fs;
use std::path::Path;

use harness_fixture::Files;

use super::{EpisodeError, io_error};

/// The agent's branch.
pub const AGENT_BRANCH: &str = "agent";
/// The agent's worktree name under `<common dir>/worktrees/`.
pub const AGENT_WORKTREE: &str = "agent";

/// Writes `files` under `root` (which may exist), creating directories as needed.
pub(crate) fn write_files(files: &Files, root: &Path) -> Result<(), EpisodeError> {
    fs::create_dir_all(root).map_err(io_error("create", root))?;
    let mut made = std::collections::HashSet::new();
    for (path, file) in files {
        let target = root.join(path.as_str());
        if let Some(parent) = path.parent()
            && made.insert(parent.to_owned())
        {
            let dir = root.join(parent);
            fs::create_dir_all(&dir).map_err(io_error("create", &dir))?;
        }
        file.write_to(&target).map_err(io_error("write", &target))?;
    }
    Ok(())
}

/// Writes git's metadata for the worktree (`worktrees/agent/*` and the worktree's `.git`
/// file); returns the `.git` file's content.
pub(crate) fn write_metadata(
    common_git_dir: &Path,
    worktree: &Path,
    index: &[u8],
) -> Result<Vec<u8>, EpisodeError> {
    let admin = common_git_dir.join("worktrees").join(AGENT_WORKTREE);
    fs::create_dir_all(&admin).map_err(io_error("create", &admin))?;
    let git_file = format!("gitdir: {}\n", admin.display()).into_bytes();
    let files: [(&str, Vec<u8>); 4] = [
        (
            "HEAD",
            format!("ref: refs/heads/{AGENT_BRANCH}\n").into_bytes(),
        ),
        ("commondir", b"../..\n".to_vec()),
        (
            "gitdir",
            format!("{}\n", worktree.join(".git").display()).into_bytes(),
        ),
        ("index", index.to_vec()),
    ];
    for (name, content) in files {
        let path = admin.join(name);
        fs::write(&path, content).map_err(io_error("write", &path))?;
    }
    let dot_git = worktree.join(".git");
    fs::write(&dot_git, &git_file).map_err(io_error("write", &dot_git))?;
    Ok(git_file)
}
