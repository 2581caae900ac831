//! What a scripted agent or an attack needs, without boilerplate.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use harness_fixture::Contract;
use harness_sandbox::process;

use crate::agent::{self, agent_environment};
use crate::episode::Episode;
use crate::settings::Settings;

/// Why a sandbox operation failed. Agents return these as their own failure.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A file operation failed.
    #[error("failed to {action} {path}: {source}")]
    Io {
        /// What.
        action: &'static str,
        /// Worktree-relative (or absolute) path.
        path: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A git command exited non-zero.
    #[error("git {args} failed ({status}): {output}")]
    Git {
        /// The arguments.
        args: String,
        /// Exit status.
        status: String,
        /// Its output.
        output: String,
    },
    /// A command could not be run.
    #[error("failed to run {command}: {reason}")]
    Run {
        /// What.
        command: String,
        /// Why.
        reason: String,
    },
}

/// The output of [`Sandbox::sh`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShOutput {
    /// Exit code (`None`: killed).
    pub code: Option<i32>,
    /// The tail of stdout and stderr, interleaved.
    pub output: String,
}

impl ShOutput {
    /// Exit 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// The agent's view of an episode: its worktree, its own directory, and the git CLI.
///
/// ```no_run
/// use harness_runtime::Sandbox;
/// fn close_without_work(sandbox: &mut Sandbox) -> Result<(), harness_runtime::SandboxError> {
///     sandbox.write("handoff/notes.md", "done")?;
///     sandbox.close_work_item()?;
///     sandbox.git(&["commit", "-qam", "close"])?;
///     Ok(())
/// }
/// ```
#[derive(Debug)]
pub struct Sandbox<'a> {
    episode: &'a Episode,
    settings: &'a Settings,
    confinement: Option<String>,
    timed_out: bool,
    resource_limit: Option<String>,
    commands: usize,
}

impl<'a> Sandbox<'a> {
    pub(crate) fn new(episode: &'a Episode, settings: &'a Settings) -> Sandbox<'a> {
        Sandbox {
            episode,
            settings,
            confinement: None,
            timed_out: false,
            resource_limit: None,
            commands: 0,
        }
    }

    /// The worktree root.
    pub fn path(&self) -> &Path {
        &self.episode.dirs.worktree
    }

    fn resolve(&self, relative: &str) -> PathBuf {
        self.path().join(relative)
    }

    /// Reads a worktree file as UTF-8 (lossy).
    pub fn read(&self, relative: &str) -> Result<String, SandboxError> {
        fs::read(self.resolve(relative))
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .map_err(|source| SandboxError::Io {
                action: "read",
                path: relative.into(),
                source,
            })
    }

    /// Writes a worktree file, creating parent directories.
    pub fn write(&self, relative: &str, content: impl AsRef<[u8]>) -> Result<(), SandboxError> {
        let path = self.resolve(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|source| SandboxError::Io {
                action: "create the parent of",
                path: relative.into(),
                source,
            })?;
        }
        fs::write(&path, content).map_err(|source| SandboxError::Io {
            action: "write",
            path: relative.into(),
            source,
        })
    }

    /// Removes a worktree file (or directory tree).
    pub fn remove(&self, relative: &str) -> Result<(), SandboxError> {
        let path = self.resolve(relative);
        let result = if path.is_dir() && !path.is_symlink() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        result.map_err(|source| SandboxError::Io {
            action: "remove",
            path: relative.into(),
            source,
        })
    }

    /// Creates a symlink at `link` (worktree-relative) pointing to `target` (as given).
    pub fn symlink(&self, target: &str, link: &str) -> Result<(), SandboxError> {
        let path = self.resolve(link);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|source| SandboxError::Io {
                action: "create the parent of",
                path: link.into(),
                source,
            })?;
        }
        std::os::unix::fs::symlink(target, &path).map_err(|source| SandboxError::Io {
            action: "create symlink",
            path: link.into(),
            source,
        })
    }

    /// Runs the git CLI in the worktree with the agent's environment; returns stdout.
    pub fn git(&self, args: &[&str]) -> Result<String, SandboxError> {
        let output = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env_clear()
            .envs(agent_environment(self.episode, self.settings))
            .output()
            .map_err(|error| SandboxError::Run {
                command: format!("git {}", args.join(" ")),
                reason: error.to_string(),
            })?;
        if !output.status.success() {
            return Err(SandboxError::Git {
                args: args.join(" "),
                status: output.status.to_string(),
                output: format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ),
            });
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Runs `sh -c script` exactly as an external agent command runs: in the worktree,
    /// with the agent's environment, confinement, limits and time budget. The script is the
    /// agent's own: unlike the operator's agent command, the paths it names are not made
    /// readable.
    pub fn sh(&mut self, script: &str) -> Result<ShOutput, SandboxError> {
        self.sh_within(script, self.settings.agent_timeout)
    }

    /// [`Sandbox::sh`] with a wall-clock budget of `budget` (at most the agent's own): a
    /// script that runs past it is killed with everything it started, and the agent counts
    /// as having run past its budget (`timeout`), as an external agent would.
    pub fn sh_within(&mut self, script: &str, budget: Duration) -> Result<ShOutput, SandboxError> {
        self.commands += 1;
        let mut spec = agent::script_spec(
            self.episode,
            self.settings,
            script,
            &format!("sh-{}", self.commands),
        );
        spec.timeout = spec.timeout.min(budget);
        let outcome = process::run(self.settings, &spec).map_err(|error| SandboxError::Run {
            command: script.into(),
            reason: error.to_string(),
        })?;
        self.confinement = Some(outcome.confinement.clone());
        self.timed_out |= outcome.timed_out;
        if outcome.resource_limit.is_some() {
            self.resource_limit = outcome.resource_limit.clone();
        }
        Ok(ShOutput {
            code: outcome.exit_code,
            output: outcome.output_tail,
        })
    }

    /// The common git dir (the baseline repo's `.git`).
    pub fn common_git_dir(&self) -> &Path {
        &self.episode.dirs.common_git_dir
    }

    /// The work item's worktree-relative path (`work/item.toml`, or the review request
    /// `review/request.toml`; the legacy `<id>` names for fixtures that still use them).
    pub fn work_item(&self) -> String {
        match &self.episode.fixture.review_request {
            Some(_) => self.episode.fixture.review_request_path().to_string(),
            None => self.episode.fixture.work_item_path().to_string(),
        }
    }

    /// The contract as the harness parsed it from the fixture. Harness-side: its `kind` is
    /// the resolved one (from `fixture.toml` too), which an external agent cannot read; an
    /// agent that plays fair reads the file at [`Sandbox::contract_path`].
    pub fn contract(&self) -> &Contract {
        &self.episode.fixture.contract
    }

    /// The contract's worktree-relative path.
    pub fn contract_path(&self) -> String {
        self.episode.fixture.contract_path().to_string()
    }

    /// The real fixture id. Harness-side knowledge: an external agent never sees it (its
    /// `HARNESS_FIXTURE_ID` is [`Sandbox::fixture_alias`]).
    pub fn fixture_id(&self) -> &str {
        &self.episode.fixture.id
    }

    /// The fixture's opaque alias, the agent's `HARNESS_FIXTURE_ID`.
    pub fn fixture_alias(&self) -> &str {
        self.episode.fixture_alias()
    }

    /// Where the fixture lives on disk (attacks try to read it; confinement denies it).
    pub fn fixture_dir(&self) -> &Path {
        &self.episode.fixture.dir
    }

    /// Sets `status = "closed"` in the work item.
    pub fn close_work_item(&self) -> Result<(), SandboxError> {
        let relative = self.work_item();
        let text = self.read(&relative)?;
        let closed: String = text
            .lines()
            .map(|line| {
                if line.trim_start().starts_with("status") {
                    "status = \"closed\"".to_owned()
                } else {
                    line.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        self.write(&relative, closed + "\n")
    }

    /// The agent's own temp dir (`TMPDIR`).
    pub fn temp_dir(&self) -> &Path {
        &self.episode.dirs.agent_tmp
    }

    /// `HARNESS_USAGE`.
    pub fn usage_file(&self) -> &Path {
        &self.episode.dirs.usage
    }

    /// `HARNESS_TRAJECTORY`.
    pub fn trajectory_file(&self) -> &Path {
        &self.episode.dirs.trajectory
    }

    /// The harness's output directory (`HARNESS_OUT`).
    pub fn out_dir(&self) -> &Path {
        &self.settings.out_dir
    }

    /// The episode root (harness-owned; the parent of the worktree).
    pub fn episode_root(&self) -> &Path {
        self.episode.dirs.root()
    }

    pub(crate) fn confinement_seen(&self) -> Option<String> {
        self.confinement.clone()
    }

    pub(crate) fn timed_out(&self) -> bool {
        self.timed_out
    }

    pub(crate) fn resource_limit(&self) -> Option<String> {
        self.resource_limit.clone()
    }
}
