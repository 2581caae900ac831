//! Agents: `noop`, `oracle`, a Rust function (`#[work_item]`, `#[attack]`), an external
//! command, and the review family's baseline policies.

mod name;
mod review_policy;
pub mod runnable;
pub mod sandbox;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use name::{AgentName, AgentNameError, MAX_AGENT_NAME_LEN};
pub use review_policy::ReviewPolicy;
pub use runnable::NotRunnable;

use harness_sandbox::process::{self, ProcessSpec};

use crate::episode::Episode;
use crate::settings::Settings;
use sandbox::Sandbox;

/// A scripted agent or attack: a Rust function over the sandbox. Errors are the agent's
/// own failure, reported in the case result, not a harness error.
pub type AgentFn = fn(&mut Sandbox<'_>) -> Result<(), String>;

/// Who acts in an episode.
#[derive(Debug, Clone)]
pub enum Agent {
    /// Does nothing.
    Noop,
    /// Writes the fixture's `oracle/` files over the worktree (review: the key's verdict).
    Oracle,
    /// A Rust function, named for the case.
    Function {
        /// The function's name.
        name: String,
        /// The function.
        run: AgentFn,
    },
    /// An external command run with `sh -c` in the worktree.
    Command {
        /// The shell command.
        command: String,
        /// Its name in case names (`agent` unless `--agent-name` / `HARNESS_AGENT_NAME`
        /// says otherwise).
        name: AgentName,
    },
    /// A review-family baseline policy.
    Policy(ReviewPolicy),
}

impl Agent {
    /// A command agent with the default name, `agent`.
    pub fn command(command: impl Into<String>) -> Agent {
        Agent::Command {
            command: command.into(),
            name: AgentName::default(),
        }
    }

    /// The agent's name in case names: `noop`, `oracle`, the function name, the command
    /// agent's name (`agent` by default), or the policy name.
    pub fn name(&self) -> &str {
        match self {
            Agent::Noop => "noop",
            Agent::Oracle => "oracle",
            Agent::Function { name, .. } => name,
            Agent::Command { name, .. } => name.as_str(),
            Agent::Policy(policy) => policy.name(),
        }
    }
}

/// What happened while the agent ran.
#[derive(Debug, Clone, Default)]
pub struct AgentRun {
    /// Ran past its budget.
    pub timed_out: bool,
    /// Hit a resource limit.
    pub resource_limit: Option<String>,
    /// Wall time.
    pub duration: Duration,
    /// `landlock-v<N>` or `none`.
    pub confinement: Option<String>,
    /// The harness's or environment's fault, decided by the harness, never by the agent
    /// (the agent command could not be started, the oracle could not be written): the case
    /// errors.
    pub infrastructure_error: Option<String>,
    /// The agent's own failure (a function returned `Err`, a command exited non-zero with
    /// any status, 127 included, or was killed by a signal): recorded, and the case graded.
    pub agent_error: Option<String>,
}

/// Whether `agent` can run at all, decided before its episode is made: for a command, its
/// first word must name a program on the agent's `PATH`, an executable file, or a file the
/// worktree starts with ([`runnable::check`]). Other agents always can.
pub fn check_runnable(
    agent: &Agent,
    fixture: &harness_fixture::Fixture,
    settings: &Settings,
) -> Result<(), NotRunnable> {
    let Agent::Command { command, .. } = agent else {
        return Ok(());
    };
    // The agent's PATH, as `agent_environment` sets it.
    let path = settings
        .agent_env
        .iter()
        .rev()
        .find(|(name, _)| name == "PATH")
        .map_or(settings.toolchain.search_path(), |(_, value)| value.clone());
    runnable::check(command, &path, |relative| {
        let path = harness_fixture::RepoPath::parse(relative).ok()?;
        fixture
            .change
            .get(&path)
            .or_else(|| fixture.repo.get(&path))
            .map(|entry| entry.kind)
    })
}

/// Harness-owned files of an episode, outside everything the agent may write.
pub fn harness_dir(episode: &Episode) -> PathBuf {
    episode.dirs.root().join("harness")
}

/// Runs `agent` in `episode`.
pub fn run(agent: &Agent, episode: &Episode, settings: &Settings) -> AgentRun {
    let started = Instant::now();
    let mut run = AgentRun {
        confinement: None,
        ..AgentRun::default()
    };
    match agent {
        Agent::Noop => {}
        Agent::Oracle => {
            if let Err(error) = write_oracle(episode) {
                run.infrastructure_error = Some(error);
            }
        }
        Agent::Policy(policy) => {
            if let Err(error) = policy.act(episode) {
                run.infrastructure_error = Some(error);
            }
        }
        Agent::Function { run: function, .. } => {
            let mut sandbox = Sandbox::new(episode, settings);
            if let Err(error) = function(&mut sandbox) {
                run.agent_error = Some(error);
            }
            run.confinement = sandbox.confinement_seen();
            run.timed_out = sandbox.timed_out();
            run.resource_limit = sandbox.resource_limit();
        }
        Agent::Command { command, .. } => {
            let spec = command_spec(episode, settings, command, "agent");
            match process::run(settings, &spec) {
                Ok(outcome) => {
                    run.timed_out = outcome.timed_out;
                    run.resource_limit = outcome.resource_limit.clone();
                    run.confinement = Some(outcome.confinement.clone());
                    // Whether the command could run was decided before the episode
                    // (`check_runnable`); from here on its exit status is only recorded,
                    // whatever it is: an agent can exit 127 on purpose.
                    match outcome.exit_code {
                        _ if outcome.spawn_error.is_some() => {
                            run.infrastructure_error = Some(format!(
                                "the agent command could not be started: {}",
                                outcome.spawn_error.as_deref().unwrap_or_default()
                            ))
                        }
                        Some(0) => {}
                        Some(code) => run.agent_error = Some(format!("agent exited with {code}")),
                        None if !outcome.timed_out => {
                            run.agent_error = Some(format!(
                                "agent killed by signal {}",
                                outcome.signal.unwrap_or(0)
                            ))
                        }
                        None => {}
                    }
                }
                Err(error) => run.infrastructure_error = Some(error.to_string()),
            }
        }
    }
    run.duration = started.elapsed();
    run
}

fn write_oracle(episode: &Episode) -> Result<(), String> {
    if let Some(key) = &episode.fixture.review_key {
        return ReviewPolicy::Oracle.act_with_key(episode, key);
    }
    for (path, entry) in &episode.fixture.oracle {
        let target = episode.dirs.worktree.join(path.as_str());
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)
                .map_err(|error| format!("failed to create {}: {error}", parent.display()))?;
        }
        let _ = fs::remove_file(&target);
        entry.write_to(&target).map_err(|error| {
            format!("failed to write oracle file {}: {error}", target.display())
        })?;
    }
    Ok(())
}

/// Variables of the harness's environment an agent does not inherit: they point into the
/// project or steer cargo and the harness itself.
fn inherited(name: &str) -> bool {
    !(name.starts_with("CARGO")
        || name.starts_with("RUSTC")
        || name.starts_with("HARNESS_")
        || name.starts_with("NEXTEST")
        || name.starts_with("RUST_TEST")
        || name == "LD_PRELOAD"
        || name == "OLDPWD"
        || name == "PWD")
}

/// The agent's environment: the harness's (minus project and harness variables), a fresh
/// HOME and TMPDIR, the toolchain, and the `HARNESS_*` interface.
pub fn agent_environment(episode: &Episode, settings: &Settings) -> Vec<(String, String)> {
    let dirs = &episode.dirs;
    let mut env: Vec<(String, String)> = std::env::vars()
        .filter(|(name, _)| inherited(name))
        .collect();
    let toolchain = &settings.toolchain;
    let mut set = |name: &str, value: String| {
        env.retain(|(known, _)| known != name);
        env.push((name.to_owned(), value));
    };
    set("PATH", toolchain.search_path());
    set("HOME", dirs.agent_home.display().to_string());
    set("TMPDIR", dirs.agent_tmp.display().to_string());
    if let Some(rustup) = &toolchain.rustup_home {
        set("RUSTUP_HOME", rustup.display().to_string());
    }
    if let Some(pyenv) = &toolchain.pyenv_root {
        set("PYENV_ROOT", pyenv.display().to_string());
    }
    set(
        "CARGO_TARGET_DIR",
        dirs.agent.join("target").display().to_string(),
    );
    set(
        "HARNESS_WORK_ITEM",
        episode.work_item_path().display().to_string(),
    );
    set(
        "HARNESS_CONTRACT",
        episode.contract_path().display().to_string(),
    );
    set("HARNESS_USAGE", dirs.usage.display().to_string());
    set("HARNESS_TRAJECTORY", dirs.trajectory.display().to_string());
    // The opaque alias, never the real id (which names the answer).
    set("HARNESS_FIXTURE_ID", episode.fixture_alias().to_owned());
    for (name, value) in &settings.agent_env {
        set(name, value.clone());
    }
    for (name, value) in [
        ("GIT_AUTHOR_NAME", "agent"),
        ("GIT_COMMITTER_NAME", "agent"),
        ("GIT_AUTHOR_EMAIL", "agent@another-harness.invalid"),
        ("GIT_COMMITTER_EMAIL", "agent@another-harness.invalid"),
    ] {
        set(name, value.to_owned());
    }
    env
}

/// A process spec for `sh -c command` as the agent: cwd the worktree, the agent's
/// environment, read-write only to its worktree, its own dir and the common git dir.
/// `command` is the operator's agent command: the files it names are readable (the agent's
/// own program).
pub fn command_spec(
    episode: &Episode,
    settings: &Settings,
    command: &str,
    label: &str,
) -> ProcessSpec {
    let mut spec = script_spec(episode, settings, command, label);
    // Never a file of the harness's own directories (the fixtures with their oracles and
    // hidden files, the runs, the cache): naming one must not be a way to read it.
    spec.read_only.extend(
        own_files(command)
            .into_iter()
            .filter(|path| !settings.reaches_protected(path)),
    );
    spec
}

/// Like [`command_spec`] for a script the agent itself wrote (`Sandbox::sh`): the paths it
/// names grant nothing, or naming the answer key would be enough to read it.
pub(crate) fn script_spec(
    episode: &Episode,
    settings: &Settings,
    command: &str,
    label: &str,
) -> ProcessSpec {
    let harness = harness_dir(episode);
    let _ = fs::create_dir_all(&harness);
    let mut read_only = settings.toolchain.read_only_dirs();
    read_only.extend(settings.agent_files.iter().cloned());
    ProcessSpec {
        argv: vec!["sh".into(), "-c".into(), command.to_owned()],
        cwd: episode.dirs.worktree.clone(),
        env: agent_environment(episode, settings),
        timeout: settings.agent_timeout,
        log: harness.join(format!("{label}.log")),
        read_only,
        read_write: vec![
            episode.dirs.worktree.clone(),
            episode.dirs.agent.clone(),
            episode.dirs.common_git_dir.clone(),
            PathBuf::from("/dev/null"),
        ],
        limits: settings.agent_limits,
        masked: settings.masked_dirs(),
    }
}

/// The agent's size in bytes: its command plus the files it names (the oracle: its files).
pub fn size_bytes(agent: &Agent, fixture: &harness_fixture::Fixture) -> u64 {
    match agent {
        Agent::Oracle => fixture
            .oracle
            .values()
            .map(|entry| entry.content.len() as u64)
            .sum(),
        Agent::Command { command, .. } => {
            command.len() as u64
                + own_files(command)
                    .iter()
                    .filter_map(|path| fs::metadata(path).ok())
                    .filter(|meta| meta.is_file())
                    .map(|meta| meta.len())
                    .sum::<u64>()
        }
        Agent::Noop | Agent::Function { .. } | Agent::Policy(_) => 0,
    }
}

/// Regular files a command names that exist (e.g. `./my-agent.sh`, `python3
/// /opt/agent/run.py`): a confined agent may read its own program. Directories are never
/// granted this way (a word like `/` or the project checkout would expose the answer key);
/// an agent that needs one passes it as an agent file.
fn own_files(command: &str) -> Vec<PathBuf> {
    command
        .split_whitespace()
        .map(|word| word.trim_matches(|c| c == '\'' || c == '"'))
        .filter(|word| word.contains('/'))
        .filter_map(|word| fs::canonicalize(Path::new(word)).ok())
        .filter(|path| path.is_file())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn sh_semver() -> harness_fixture::Fixture {
        harness_fixture::Fixture::load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/sh-semver"),
        )
        .unwrap()
    }

    fn command(command: &str) -> Agent {
        Agent::command(command)
    }

    #[test]
    fn commands_are_checked_on_the_agents_path_and_against_the_starting_worktree() {
        let fixture = sh_semver();
        let mut settings = Settings::from_env();
        assert_eq!(check_runnable(&Agent::Noop, &fixture, &settings), Ok(()));
        assert_eq!(
            check_runnable(&command("sh -c true"), &fixture, &settings),
            Ok(())
        );
        assert!(check_runnable(&command("no-such-agent-binary"), &fixture, &settings).is_err());
        // The fixture's own executable, relative to the worktree the command starts in.
        assert_eq!(
            check_runnable(&command("./bin/semver 1.0"), &fixture, &settings),
            Ok(())
        );
        assert_eq!(
            check_runnable(&command("./tests/run.sh"), &fixture, &settings),
            Err(NotRunnable::NotExecutable {
                word: "./tests/run.sh".into()
            })
        );
        // A PATH given to the agent through `agent_env` is the one searched.
        let bin = tempfile::tempdir().unwrap();
        let exe = bin.path().join("only-here");
        fs::write(&exe, "#!/bin/sh\n").unwrap();
        fs::set_permissions(&exe, fs::Permissions::from_mode(0o755)).unwrap();
        assert!(check_runnable(&command("only-here"), &fixture, &settings).is_err());
        settings
            .agent_env
            .push(("PATH".into(), bin.path().display().to_string()));
        assert_eq!(
            check_runnable(&command("only-here"), &fixture, &settings),
            Ok(())
        );
    }
}
