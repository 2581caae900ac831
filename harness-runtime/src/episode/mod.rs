//! An episode's sandbox: a fresh baseline repository with one commit and a linked worktree
//! for the agent, in a temporary directory removed by [`Episode::remove`] or on drop (also
//! on panic), clearing whatever the agent did to keep it (`harness_sandbox::unblock`).
//!
//! ```text
//! <episode root>/           harness-owned; never writable by a confined agent
//!   repo/.git/              the common git dir (baseline repo; its own worktree is empty)
//!   work/                   the agent's linked worktree (branch `agent`)
//!   agent/                  the agent's own: tmp/, home/, usage.jsonl, trajectory.jsonl
//!   grade/                  made only after the agent has ended: one tree per check
//! ```

mod alias;
mod baseline;
mod template;
mod worktree;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use git2::Oid;
use harness_fixture::{Files, Fixture};
use harness_sandbox::unblock::{self, Cleared, RemoveError};

pub use alias::fixture_alias;
pub use baseline::{BASELINE_REF, REVIEW_REF};
pub use worktree::{AGENT_BRANCH, AGENT_WORKTREE};

/// Why an episode could not be prepared. Always the harness's or the environment's fault.
#[derive(Debug, thiserror::Error)]
pub enum EpisodeError {
    /// A filesystem operation failed.
    #[error("failed to {action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// Where.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// libgit2 failed while building the baseline.
    #[error("failed to {action}: {source}")]
    Git {
        /// What was being done.
        action: &'static str,
        /// The cause.
        #[source]
        source: git2::Error,
    },
}

pub(crate) fn io_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> EpisodeError + 'a {
    move |source| EpisodeError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

pub(crate) fn git_error(action: &'static str) -> impl FnOnce(git2::Error) -> EpisodeError {
    move |source| EpisodeError::Git { action, source }
}

/// The episode's root directory: removed with [`EpisodeRoot::remove`], or when dropped
/// (also on panic), through [`unblock::remove_all`] either way, so an immutable file the
/// agent left does not keep it; a disk of its own is unmounted first.
#[derive(Debug)]
struct EpisodeRoot {
    path: PathBuf,
    armed: bool,
    disk: EpisodeDisk,
}

impl EpisodeRoot {
    fn remove(mut self) -> Result<Vec<Cleared>, RemoveError> {
        self.armed = false;
        self.unmount();
        unblock::remove_all(&self.path)
    }

    fn unmount(&self) {
        if self.disk == EpisodeDisk::Own {
            let _ = harness_sandbox::disk::unmount(&self.path);
        }
    }
}

impl Drop for EpisodeRoot {
    fn drop(&mut self) {
        if self.armed {
            self.unmount();
            let _ = unblock::remove_all(&self.path);
        }
    }
}

/// Where an episode's files live (a case result's `"disk"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EpisodeDisk {
    /// A tmpfs of the episode's own, of `--episode-disk` MiB: filling it stops only this
    /// episode.
    Own,
    /// The temp root's filesystem, shared with concurrent episodes (the harness cannot
    /// mount, or `--episode-disk 0`).
    #[default]
    Shared,
}

/// The directories of one episode.
#[derive(Debug)]
pub struct EpisodeDirs {
    root: EpisodeRoot,
    /// The baseline repository's directory (its `.git` is the common git dir).
    pub repo: PathBuf,
    /// The common git dir, `repo/.git`.
    pub common_git_dir: PathBuf,
    /// The agent's worktree.
    pub worktree: PathBuf,
    /// The agent's own directory (temp dir, home, usage and trajectory files).
    pub agent: PathBuf,
    /// The agent's `TMPDIR`.
    pub agent_tmp: PathBuf,
    /// The agent's `HOME`.
    pub agent_home: PathBuf,
    /// `HARNESS_USAGE`.
    pub usage: PathBuf,
    /// `HARNESS_TRAJECTORY`.
    pub trajectory: PathBuf,
}

impl EpisodeDirs {
    /// The episode root (removed on drop).
    pub fn root(&self) -> &Path {
        &self.root.path
    }

    /// Whether the episode has a disk of its own.
    pub fn disk(&self) -> EpisodeDisk {
        self.root.disk
    }
}

/// A prepared episode: baseline repo + worktree, ready for an agent.
#[derive(Debug)]
pub struct Episode {
    /// The fixture, as parsed from its directory (never from the sandbox).
    pub fixture: Arc<Fixture>,
    /// Where everything lives.
    pub dirs: EpisodeDirs,
    /// The files the worktree started with (the baseline, or for review fixtures the
    /// baseline plus the change under review).
    pub manifest: Arc<Files>,
    /// Refs that must not move, with their commits (`refs/heads/baseline`, and
    /// `refs/heads/under-review` for review fixtures).
    pub protected_refs: Vec<(String, Oid)>,
    /// The worktree's `.git` file as written.
    pub worktree_git_file: Vec<u8>,
    /// The baseline this episode was written from.
    pub(crate) template: Arc<template::Template>,
    /// Milliseconds spent preparing.
    pub prepare_ms: u64,
}

impl Episode {
    /// Builds the baseline repo and the agent's worktree under `temp_root`, on the temp
    /// root's filesystem.
    pub fn prepare(fixture: Arc<Fixture>, temp_root: &Path) -> Result<Episode, EpisodeError> {
        Episode::prepare_on_disk(fixture, temp_root, 0)
    }

    /// [`Episode::prepare`] on a tmpfs of the episode's own of `disk_mib` MiB where the
    /// harness can mount one (0: never).
    pub fn prepare_on_disk(
        fixture: Arc<Fixture>,
        temp_root: &Path,
        disk_mib: u64,
    ) -> Result<Episode, EpisodeError> {
        let started = Instant::now();
        fs::create_dir_all(temp_root).map_err(io_error("create", temp_root))?;
        let path = tempfile::Builder::new()
            .prefix(&format!("ep-{}-", std::process::id()))
            .tempdir_in(temp_root)
            .map_err(io_error("create an episode directory in", temp_root))?
            .keep();
        let own =
            disk_mib > 0 && harness_sandbox::disk::mount_episode_disk(&path, disk_mib).is_ok();
        let root = EpisodeRoot {
            path,
            armed: true,
            disk: if own {
                EpisodeDisk::Own
            } else {
                EpisodeDisk::Shared
            },
        };
        let repo = root.path.join("repo");
        let common_git_dir = repo.join(".git");
        let worktree = root.path.join("work");
        let agent = root.path.join("agent");
        let dirs = EpisodeDirs {
            agent_tmp: agent.join("tmp"),
            agent_home: agent.join("home"),
            usage: agent.join("usage.jsonl"),
            trajectory: agent.join("trajectory.jsonl"),
            agent,
            root,
            repo,
            common_git_dir,
            worktree,
        };
        for dir in [&dirs.agent_tmp, &dirs.agent_home] {
            fs::create_dir_all(dir).map_err(io_error("create", dir))?;
        }
        for file in [&dirs.usage, &dirs.trajectory] {
            fs::write(file, b"").map_err(io_error("create", file))?;
        }

        let template = template::for_fixture(&fixture, temp_root)?;
        template.write_git_dir(&dirs.common_git_dir)?;
        let manifest = template.manifest.clone();
        worktree::write_files(&manifest, &dirs.worktree)?;
        let worktree_git_file = worktree::write_metadata(
            &dirs.common_git_dir,
            &dirs.worktree,
            &template.worktree_index,
        )?;
        Ok(Episode {
            fixture,
            dirs,
            manifest,
            protected_refs: template.protected_refs.clone(),
            worktree_git_file,
            template,
            prepare_ms: started.elapsed().as_millis() as u64,
        })
    }

    /// The work item's absolute path inside the worktree (for a review, the request).
    pub fn work_item_path(&self) -> PathBuf {
        let relative = match &self.fixture.review_request {
            Some(_) => self.fixture.review_request_path(),
            None => self.fixture.work_item_path(),
        };
        self.dirs.worktree.join(relative.as_str())
    }

    /// The fixture's opaque alias, the agent's `HARNESS_FIXTURE_ID` (see [`fixture_alias`]):
    /// the real id names the answer (`rv-py-sound-refactor`), so it never reaches the sandbox.
    pub fn fixture_alias(&self) -> &str {
        &self.template.alias
    }

    /// Removes the episode's directory. When something in it blocked the removal (an
    /// immutable or append-only file), it was cleared and is returned; a directory that
    /// still cannot be removed is the error, and the sweep of a later run removes it.
    pub fn remove(self) -> Result<Vec<Cleared>, RemoveError> {
        self.dirs.root.remove()
    }

    /// The contract's absolute path inside the worktree.
    pub fn contract_path(&self) -> PathBuf {
        self.dirs
            .worktree
            .join(self.fixture.contract_path().as_str())
    }
}

/// Removes episode directories under `temp_root` left by harness processes that no longer
/// exist (a killed run, or an episode whose removal failed): `ep-<pid>-*` whose pid is
/// gone, clearing immutable and append-only flags in them. Returns what was removed; what
/// still cannot be removed is reported as a warning and tried again by the next run.
pub fn sweep_stale(temp_root: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let Ok(entries) = fs::read_dir(temp_root) else {
        return removed;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("ep-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<i32>().ok())
        else {
            continue;
        };
        let alive = pid == std::process::id() as i32
            || nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok();
        if alive {
            continue;
        }
        // A disk of its own, left mounted by a killed harness, goes first.
        let _ = harness_sandbox::disk::unmount(&entry.path());
        match unblock::remove_all(&entry.path()) {
            Ok(_) => removed.push(entry.path()),
            Err(error) => {
                crate::message::warning(&crate::message::stale_episode_not_removed(error))
            }
        }
    }
    removed.extend(sweep_stale_cgroups());
    removed
}

/// Kills what is left in pids cgroups of dead harness processes and removes them.
fn sweep_stale_cgroups() -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for root in ["/sys/fs/cgroup/pids", "/sys/fs/cgroup"] {
        let Ok(entries) = fs::read_dir(root) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(suffix) = name.strip_prefix("another-harness-") else {
                continue;
            };
            let Some(pid) = suffix
                .split('-')
                .next()
                .and_then(|pid| pid.parse::<i32>().ok())
            else {
                continue;
            };
            let alive = pid == std::process::id() as i32
                || nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok();
            if !alive {
                // Re-creating takes the leftover over and empties it; dropping kills and removes it.
                drop(harness_sandbox::PidsCgroup::create(suffix, 1));
                removed.push(entry.path());
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness_sandbox::flags::{APPEND_ONLY, IMMUTABLE};
    use harness_sandbox::test_support::{FlaggableDir, set_flags};

    /// The pid of a process that has exited (and been reaped).
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    #[test]
    fn the_sweep_removes_stale_episodes_with_immutable_files_and_keeps_live_ones() {
        let Some(scratch) = FlaggableDir::new() else {
            return;
        };
        let temp_root = scratch.path().join("another-harness");
        let stale = temp_root.join(format!("ep-{}-abc", dead_pid()));
        let live = temp_root.join(format!("ep-{}-def", std::process::id()));
        let unrelated = temp_root.join("template-x");
        for dir in [&stale.join("work/src"), &live, &unrelated] {
            fs::create_dir_all(dir).unwrap();
        }
        fs::write(stale.join("work/src/locked.py"), "x").unwrap();
        assert!(set_flags(&stale.join("work/src/locked.py"), IMMUTABLE));
        assert!(set_flags(&stale.join("work"), APPEND_ONLY));
        let removed = sweep_stale(&temp_root);
        assert!(removed.contains(&stale), "{removed:?}");
        assert!(
            fs::symlink_metadata(&stale).is_err(),
            "nothing of it remains"
        );
        assert!(live.is_dir(), "an episode of a live process stays");
        assert!(unrelated.is_dir(), "only episode directories are swept");
    }

    #[test]
    fn removing_an_episode_clears_what_the_agent_locked_and_reports_it() {
        let Some(scratch) = FlaggableDir::new() else {
            return;
        };
        let fixture = Arc::new(
            Fixture::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/sh-semver"))
                .unwrap(),
        );
        let episode = Episode::prepare(fixture.clone(), scratch.path()).unwrap();
        let root = episode.dirs.root().to_path_buf();
        let locked = episode.dirs.worktree.join("lib/semver.sh");
        assert!(set_flags(&locked, IMMUTABLE));
        assert!(set_flags(&episode.dirs.agent_home, APPEND_ONLY));
        fs::write(episode.dirs.agent_home.join("kept"), "x").unwrap();
        let cleared = episode.remove().unwrap();
        let paths: Vec<&Path> = cleared.iter().map(|entry| entry.path.as_path()).collect();
        assert_eq!(paths, [root.join("agent/home").as_path(), locked.as_path()]);
        assert!(fs::symlink_metadata(&root).is_err());

        // Dropped without `remove` (a panic on the way): removed all the same.
        let episode = Episode::prepare(fixture, scratch.path()).unwrap();
        let root = episode.dirs.root().to_path_buf();
        assert!(set_flags(
            &episode.dirs.worktree.join("lib/semver.sh"),
            IMMUTABLE
        ));
        drop(episode);
        assert!(fs::symlink_metadata(&root).is_err());
    }
}
