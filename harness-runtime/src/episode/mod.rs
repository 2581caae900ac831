//! An episode's sandbox: a fresh baseline repository with one commit and a linked worktree
//! for the agent, in a temporary directory removed on drop (also on panic).
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
use tempfile::TempDir;

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

/// The directories of one episode.
#[derive(Debug)]
pub struct EpisodeDirs {
    root: TempDir,
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
        self.root.path()
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
    /// Builds the baseline repo and the agent's worktree under `temp_root`.
    pub fn prepare(fixture: Arc<Fixture>, temp_root: &Path) -> Result<Episode, EpisodeError> {
        let started = Instant::now();
        fs::create_dir_all(temp_root).map_err(io_error("create", temp_root))?;
        let root = tempfile::Builder::new()
            .prefix(&format!("ep-{}-", std::process::id()))
            .tempdir_in(temp_root)
            .map_err(io_error("create an episode directory in", temp_root))?;
        let repo = root.path().join("repo");
        let common_git_dir = repo.join(".git");
        let worktree = root.path().join("work");
        let agent = root.path().join("agent");
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

    /// The contract's absolute path inside the worktree.
    pub fn contract_path(&self) -> PathBuf {
        self.dirs
            .worktree
            .join(self.fixture.contract_path().as_str())
    }
}

/// Removes episode directories under `temp_root` left by harness processes that no longer
/// exist (a killed run): `ep-<pid>-*` whose pid is gone. Returns what was removed.
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
        if !alive && fs::remove_dir_all(entry.path()).is_ok() {
            removed.push(entry.path());
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
                drop(crate::agent::confine::PidsCgroup::create(suffix, 1));
                removed.push(entry.path());
            }
        }
    }
    removed
}
