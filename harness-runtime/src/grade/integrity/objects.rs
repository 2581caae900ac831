//! The checks that read git objects: the protected commits and gitlinks.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use git2::Oid;

use super::GitDigest;
use super::digest::{read_if_regular, read_regular};
use crate::episode::{AGENT_WORKTREE, Episode};
use crate::grade::violation::{Violation, ViolationCode};

/// How long reading the agent's object database may take. It holds a few objects, so the
/// budget is only ever spent when something planted makes a read block (a fifo where an
/// object, pack or alternate belongs); the reader thread is then abandoned.
const OBJECT_READ_BUDGET: std::time::Duration = std::time::Duration::from_secs(15);

/// The checks that read git objects (the protected commits, gitlinks), with libgit2 on the
/// object database alone: no config is loaded (an `include.path` could name a fifo) and no
/// hook, filter or fsmonitor can run. They run in their own thread, started before the
/// snapshot so the two overlap, and are awaited with a time budget, so a planted fifo
/// cannot stall grading.
#[derive(Debug)]
pub struct ObjectChecks {
    receiver: Option<std::sync::mpsc::Receiver<Vec<Violation>>>,
}

impl ObjectChecks {
    /// Starts reading the objects of `episode`'s repository as `after` (the digest taken
    /// now) describes it.
    pub fn start(episode: &Episode, before: &GitDigest, after: &GitDigest) -> ObjectChecks {
        let common = episode.dirs.common_git_dir.clone();
        let protected = episode.protected_refs.clone();
        let template = episode.template.clone();
        // Tips to scan for gitlinks: refs that are new or moved.
        let tips: BTreeSet<Oid> = after
            .refs
            .iter()
            .filter(|(name, target)| before.refs.get(*name) != Some(*target))
            .filter_map(|(_, target)| Oid::from_str(target).ok())
            .collect();
        let (sender, receiver) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("grade-objects".into())
            .spawn(move || {
                let violations = match object_store(&common) {
                    Ok(repo) => {
                        let mut violations = check_objects(&repo, &protected);
                        violations.extend(check_gitlinks(
                            &repo,
                            &common,
                            &template.worktree_index,
                            tips,
                        ));
                        violations
                    }
                    Err(error) => vec![Violation::general(
                        ViolationCode::BaselineMismatch,
                        format!(
                            "the baseline repository no longer opens: {}",
                            error.message()
                        ),
                    )],
                };
                let _ = sender.send(violations);
            });
        ObjectChecks {
            receiver: spawned.ok().map(|_| receiver),
        }
    }

    pub(super) fn finish(self) -> Vec<Violation> {
        let Some(receiver) = self.receiver else {
            return vec![Violation::general(
                ViolationCode::BaselineMismatch,
                "the baseline repository could not be checked (no thread)",
            )];
        };
        receiver
            .recv_timeout(OBJECT_READ_BUDGET)
            .unwrap_or_else(|_| {
                vec![Violation::general(
                    ViolationCode::BaselineMismatch,
                    format!(
                        "reading the baseline repository's objects stalled past {}s",
                        OBJECT_READ_BUDGET.as_secs()
                    ),
                )]
            })
    }
}

/// A repository over `<common>/objects` only (loose objects, packs, alternates).
fn object_store(common: &Path) -> Result<git2::Repository, git2::Error> {
    let odb = git2::Odb::new()?;
    odb.add_disk_alternate(&common.join("objects").to_string_lossy())?;
    git2::Repository::from_odb(odb)
}

/// The protected commits must still be readable and hash to their ids (libgit2 verifies
/// object hashes on read).
fn check_objects(repo: &git2::Repository, protected: &[(String, Oid)]) -> Vec<Violation> {
    let mut violations = Vec::new();
    for (name, oid) in protected {
        let readable = repo.odb().is_ok_and(|odb| {
            odb.read(*oid)
                .is_ok_and(|object| object.kind() == git2::ObjectType::Commit)
        });
        if !readable {
            violations.push(Violation::at(
                ViolationCode::BaselineMismatch,
                name.as_str(),
                format!("commit {oid} is missing or corrupt"),
            ));
        }
    }
    violations
}

/// Most tree entries read per gitlink scan (a planted tree may be huge).
const GITLINK_SCAN_LIMIT: usize = 200_000;

/// Gitlinks (submodule entries, mode 160000) the agent staged or committed: in its
/// worktree's index (unless it is still byte for byte the one the harness wrote, which has
/// none), and in the trees of `tips` and of a detached HEAD. They never reach grading (the
/// snapshot reads the filesystem), but adding one is `nested_repo`.
fn check_gitlinks(
    repo: &git2::Repository,
    common: &Path,
    start_index: &[u8],
    mut tips: BTreeSet<Oid>,
) -> Vec<Violation> {
    const GITLINK: u32 = 0o160000;
    let mut found = BTreeSet::new();
    let admin = common.join("worktrees").join(AGENT_WORKTREE);
    let index_path = admin.join("index");
    let index_meta = fs::symlink_metadata(&index_path)
        .ok()
        .filter(|meta| meta.is_file() && meta.len() <= crate::snapshot::MAX_FILE_BYTES);
    let changed_index = index_meta
        .filter(|meta| read_if_regular(&index_path, meta).is_none_or(|index| index != start_index));
    if changed_index.is_some()
        && let Ok(index) = git2::Index::open(&index_path)
    {
        for entry in index.iter().take(GITLINK_SCAN_LIMIT) {
            if entry.mode == GITLINK {
                found.insert(String::from_utf8_lossy(&entry.path).into_owned());
            }
        }
    }
    if let Some(head) = read_regular(&admin.join("HEAD"))
        .and_then(|content| Oid::from_str(String::from_utf8_lossy(&content).trim()).ok())
    {
        tips.insert(head);
    }
    let mut budget = GITLINK_SCAN_LIMIT;
    for tip in tips {
        let Some(tree) = repo
            .find_object(tip, None)
            .and_then(|object| object.peel_to_tree())
            .ok()
        else {
            continue;
        };
        let _ = tree.walk(git2::TreeWalkMode::PreOrder, |root, entry| {
            if budget == 0 {
                return git2::TreeWalkResult::Abort;
            }
            budget -= 1;
            if entry.filemode() as u32 == GITLINK {
                found.insert(format!("{root}{}", entry.name().unwrap_or("?")));
            }
            git2::TreeWalkResult::Ok
        });
    }
    found
        .into_iter()
        .map(|path| {
            Violation::at(
                ViolationCode::NestedRepo,
                path,
                "gitlink staged or committed",
            )
        })
        .collect()
}
