//! The plan step, shared by `harness run`, the `cargo test` runner and `harness meta`: what
//! was asked for (typed: arguments, or for the runner its environment) resolved once into
//! settings and fixtures, stale episodes swept, and the run directory opened.
//!
//! As in ripgrep's low and high arguments: [`Typed`] holds the request as given, nothing
//! resolved; [`plan`] resolves it, and no caller reads the environment or loads fixtures on
//! its own.

pub mod shard;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use harness_fixture::Fixture;

use crate::agent::{Agent, AgentName, AgentNameError};
use crate::ledger::{self, RunDir};
use crate::result::CaseResult;
use crate::settings::Settings;

pub use shard::{Shard, ShardError};

/// Why a plan could not be made (bad input: exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Fixtures could not be read or are invalid; every problem, one a line.
    #[error("{0}")]
    Fixtures(String),
    /// A setting in the environment has a value it cannot take.
    #[error("{name} must be {expected}, not {value:?}")]
    Setting {
        /// The variable.
        name: &'static str,
        /// What it may be.
        expected: &'static str,
        /// What it was.
        value: String,
    },
    /// An agent file (`--agent-file`, `HARNESS_AGENT_FILES`) is, or holds, one of the
    /// harness's own directories.
    #[error(
        "agent file {}: it is or holds the harness's own files (the fixtures with their oracles and hidden tests, the runs, the cache), which no agent may read; name the agent's own files or directory instead",
        path.display()
    )]
    AgentFileReachesHarness {
        /// The path given, resolved.
        path: PathBuf,
    },
    /// The run directory could not be made or read.
    #[error(transparent)]
    RunDir(#[from] ledger::LedgerError),
    /// `--agent-name` / `HARNESS_AGENT_NAME` cannot name the agent.
    #[error(transparent)]
    AgentName(#[from] AgentNameError),
    /// `--resume` named a run that is not there.
    #[error("cannot resume {name}: no run directory at {}", dir.display())]
    NoRunToResume {
        /// What was given.
        name: String,
        /// Where it was looked for.
        dir: PathBuf,
    },
}

/// A request as typed, nothing resolved.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    /// A fixtures directory, or one fixture's directory.
    pub fixtures: PathBuf,
    /// Only these fixture ids (empty: all).
    pub only: Vec<String>,
    /// The agent's budget in seconds.
    pub agent_timeout: Option<u64>,
    /// Files the confined agent may read.
    pub agent_files: Vec<PathBuf>,
    /// Extra environment for the agent.
    pub agent_env: Vec<(String, String)>,
    /// `--no-network`.
    pub no_network: bool,
    /// `--no-confine`.
    pub no_confine: bool,
    /// `--strict` / `HARNESS_STRICT`.
    pub strict: bool,
    /// The output root.
    pub out: Option<PathBuf>,
    /// The agent command (`HARNESS_AGENT` for the runner).
    pub agent: Option<String>,
    /// The command agent's name (`HARNESS_AGENT_NAME` for the runner).
    pub agent_name: Option<String>,
    /// Sweep stale episodes (not when only listing cases).
    pub sweep: bool,
    /// `--episode-disk` / `HARNESS_EPISODE_DISK`: each episode's own disk in MiB.
    pub episode_disk: Option<u64>,
    /// `--no-cache` / `HARNESS_NO_CACHE`: run every check, reuse no earlier result.
    pub no_cache: bool,
    /// `--run-all-checks` / `HARNESS_RUN_ALL_CHECKS`: run the checks of a case an integrity
    /// violation already decided.
    pub run_all_checks: bool,
    /// `--shard` / `HARNESS_SHARD`: run only this share of the cases.
    pub shard: Option<Shard>,
}

impl Typed {
    /// The `cargo test` runner's request: the fixtures directory its binary names, and
    /// `HARNESS_AGENT`, `HARNESS_AGENT_NAME`, `HARNESS_AGENT_TIMEOUT`, `HARNESS_AGENT_FILES`,
    /// `HARNESS_STRICT`, `HARNESS_EPISODE_DISK` and `HARNESS_SHARD`.
    pub fn from_env(fixtures: &Path, listing: bool) -> Result<Typed, PlanError> {
        let var = |name: &str| std::env::var(name).ok();
        let number = |name: &'static str, expected: &'static str| match var(name) {
            None => Ok(None),
            Some(value) => value
                .trim()
                .parse::<u64>()
                .map(Some)
                .map_err(|_| PlanError::Setting {
                    name,
                    expected,
                    value,
                }),
        };
        let agent_timeout = number("HARNESS_AGENT_TIMEOUT", "a number of seconds")?;
        let episode_disk = number("HARNESS_EPISODE_DISK", "a size in MiB (0: shared)")?;
        let shard = match var("HARNESS_SHARD").filter(|value| !value.trim().is_empty()) {
            None => None,
            Some(value) => Some(value.parse().map_err(|_| PlanError::Setting {
                name: "HARNESS_SHARD",
                expected: "I/N with 1 <= I <= N (shard I of N, e.g. 2/3)",
                value,
            })?),
        };
        Ok(Typed {
            fixtures: fixtures.to_path_buf(),
            agent_timeout,
            agent_files: var("HARNESS_AGENT_FILES")
                .map(|files| {
                    files
                        .split(':')
                        .filter(|path| !path.is_empty())
                        .map(PathBuf::from)
                        .collect()
                })
                .unwrap_or_default(),
            strict: flag_setting("HARNESS_STRICT", var("HARNESS_STRICT").as_deref())?,
            no_cache: flag_setting("HARNESS_NO_CACHE", var("HARNESS_NO_CACHE").as_deref())?,
            run_all_checks: flag_setting(
                "HARNESS_RUN_ALL_CHECKS",
                var("HARNESS_RUN_ALL_CHECKS").as_deref(),
            )?,
            agent: var("HARNESS_AGENT"),
            agent_name: agent_name_from_env(),
            sweep: !listing,
            episode_disk,
            shard,
            ..Typed::default()
        })
    }
}

impl Typed {
    /// The runner's command agent: `HARNESS_AGENT`, named by `HARNESS_AGENT_NAME` (default
    /// `agent`); `None` without `HARNESS_AGENT`. A name without a command is refused.
    pub fn command_agent(&self) -> Result<Option<Agent>, PlanError> {
        match (&self.agent, &self.agent_name) {
            (None, None) => Ok(None),
            (None, Some(_)) => Err(AgentNameError::NoCommand.into()),
            (Some(command), name) => Ok(Some(Agent::Command {
                command: command.clone(),
                name: name
                    .as_deref()
                    .map_or_else(|| Ok(AgentName::default()), AgentName::parse)?,
            })),
        }
    }
}

/// `HARNESS_AGENT_NAME`, unless unset or empty.
fn agent_name_from_env() -> Option<String> {
    std::env::var("HARNESS_AGENT_NAME")
        .ok()
        .filter(|name| !name.is_empty())
}

/// `harness run`'s agent: `--agent noop`, `oracle`, or a command named by `--agent-name`,
/// else by `HARNESS_AGENT_NAME`, else `agent`. `--agent-name` for a built-in agent is
/// refused; `HARNESS_AGENT_NAME` is left alone then (it may be set for the `cargo test`
/// runner's sake, and `--agent` said which agent runs).
pub fn run_agent(agent: &str, flag: Option<&str>) -> Result<Agent, PlanError> {
    let env = || agent_name_from_env().map(|name| ("HARNESS_AGENT_NAME", name));
    let name = match flag {
        Some(name) => Some(("--agent-name", name.to_owned())),
        None if !matches!(agent, "noop" | "oracle") => env(),
        None => None,
    };
    resolve_run_agent(agent, name)
}

fn resolve_run_agent(
    agent: &str,
    name: Option<(&'static str, String)>,
) -> Result<Agent, PlanError> {
    let built_in = match agent {
        "noop" => Agent::Noop,
        "oracle" => Agent::Oracle,
        command => {
            return Ok(Agent::Command {
                command: command.to_owned(),
                name: match name {
                    Some((_, name)) => AgentName::parse(&name)?,
                    None => AgentName::default(),
                },
            });
        }
    };
    match name {
        Some((given, _)) => Err(AgentNameError::BuiltIn {
            given,
            agent: agent.to_owned(),
        }
        .into()),
        None => Ok(built_in),
    }
}

/// A switch in the environment (`HARNESS_STRICT`, `HARNESS_NO_CACHE`, ...): unset, empty,
/// `0`, `false`, `no` or `off` is off; `1`, `true`, `yes` or `on` is on (any case);
/// anything else is bad input.
pub fn flag_setting(name: &'static str, value: Option<&str>) -> Result<bool, PlanError> {
    let expected = match name {
        "HARNESS_STRICT" => "1 (strict) or 0",
        _ => "1 (on) or 0 (off)",
    };
    let Some(value) = value else {
        return Ok(false);
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "0" | "false" | "no" | "off" => Ok(false),
        "1" | "true" | "yes" | "on" => Ok(true),
        _ => Err(PlanError::Setting {
            name,
            expected,
            value: value.to_owned(),
        }),
    }
}

/// A resolved plan.
#[derive(Debug, Clone)]
pub struct Planned {
    /// Settings: the environment's defaults with the request applied.
    pub settings: Settings,
    /// The fixtures, by id.
    pub fixtures: Vec<Arc<Fixture>>,
    /// Stale episode directories of dead processes that were removed.
    pub swept: Vec<PathBuf>,
}

/// Resolves `typed`: loads the fixtures, applies the request to the environment's settings,
/// and sweeps stale episodes.
pub fn plan(typed: &Typed) -> Result<Planned, PlanError> {
    let fixtures = load_fixtures(&typed.fixtures, &typed.only)?;
    let mut settings = Settings::from_env();
    if let Some(seconds) = typed.agent_timeout {
        settings.agent_timeout = Duration::from_secs(seconds);
    }
    settings.no_network = typed.no_network;
    settings.confine = !typed.no_confine;
    settings.strict = typed.strict;
    settings.check_cache = !typed.no_cache;
    settings.run_all_checks = typed.run_all_checks;
    settings.hidden_dirs = vec![typed.fixtures.clone()];
    if let Some(mib) = typed.episode_disk {
        settings.episode_disk_mib = mib;
    }
    if let Some(out) = &typed.out {
        settings.out_dir = out.clone();
        if std::env::var_os("HARNESS_CACHE").is_none_or(|dir| dir.is_empty()) {
            settings.cache_dir = out.join("cache");
        }
    }
    // A path that does not exist gives the agent nothing to read, nor does one under the
    // harness's own directories (fixtures, runs, cache) or one that holds them.
    let mut agent_files = Vec::new();
    for path in typed
        .agent_files
        .iter()
        .filter_map(|path| std::fs::canonicalize(path).ok())
    {
        if settings.reaches_protected(&path) {
            return Err(PlanError::AgentFileReachesHarness { path });
        }
        agent_files.push(path);
    }
    settings.agent_files = agent_files;
    settings.agent_env.extend(typed.agent_env.iter().cloned());
    let swept = if typed.sweep {
        crate::episode::sweep_stale(&settings.temp_root)
    } else {
        Vec::new()
    };
    Ok(Planned {
        settings,
        fixtures,
        swept,
    })
}

/// The fixtures under `root` (every child with a `repo/`), or `root` itself when it is one,
/// sorted by id; only the ids in `only` when it is not empty. Every problem of every
/// fixture is reported at once.
pub fn load_fixtures(root: &Path, only: &[String]) -> Result<Vec<Arc<Fixture>>, PlanError> {
    let dirs = if root.join("repo").is_dir() {
        vec![root.to_path_buf()]
    } else {
        harness_fixture::discover(root).map_err(|error| PlanError::Fixtures(error.to_string()))?
    };
    let mut fixtures = Vec::new();
    let mut problems = Vec::new();
    for dir in dirs {
        let id = dir
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !only.is_empty() && !only.contains(&id) {
            continue;
        }
        match Fixture::load(&dir) {
            Ok(fixture) => fixtures.push(Arc::new(fixture)),
            Err(error) => problems.push(error.to_string()),
        }
    }
    for id in only {
        if !fixtures.iter().any(|fixture| &fixture.id == id)
            && !problems.iter().any(|problem| problem.contains(id.as_str()))
        {
            problems.push(format!("no fixture `{id}` in {}", root.display()));
        }
    }
    if !problems.is_empty() {
        return Err(PlanError::Fixtures(problems.join("\n")));
    }
    fixtures.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(fixtures)
}

/// An opened run directory, and what an earlier run already recorded there.
#[derive(Debug)]
pub struct OpenedRun {
    /// The run directory.
    pub dir: RunDir,
    /// Results already in its ledger (resumed runs).
    pub previous: Vec<CaseResult>,
    /// Ledger lines that could not be read (warnings).
    pub warnings: Vec<String>,
}

/// Opens the run directory: `resume` (a run id under the output root, or a run directory)
/// read back, else a fresh one named `run_id` (nextest's run id for partitions) or a fresh
/// id.
pub fn open_run(
    settings: &Settings,
    resume: Option<&str>,
    run_id: Option<String>,
) -> Result<OpenedRun, PlanError> {
    match resume {
        Some(resume) => {
            let dir = if Path::new(resume).is_dir() {
                PathBuf::from(resume)
            } else {
                settings.out_dir.join("runs").join(resume)
            };
            if !dir.is_dir() {
                return Err(PlanError::NoRunToResume {
                    name: resume.to_owned(),
                    dir,
                });
            }
            let dir = RunDir::open(&dir);
            let (previous, warnings) = dir.read()?;
            Ok(OpenedRun {
                dir,
                previous,
                warnings,
            })
        }
        None => Ok(OpenedRun {
            dir: RunDir::create(
                &settings.out_dir,
                &run_id.unwrap_or_else(ledger::fresh_run_id),
            )?,
            previous: Vec::new(),
            warnings: Vec::new(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
    }

    #[test]
    fn one_loader_for_a_directory_of_fixtures_or_one_fixture() {
        let all = load_fixtures(&shipped(), &[]).unwrap();
        assert!(all.len() >= 5);
        assert!(all.windows(2).all(|pair| pair[0].id < pair[1].id));
        let one = load_fixtures(&shipped().join("sh-semver"), &[]).unwrap();
        assert_eq!(one.len(), 1);
        let only = load_fixtures(&shipped(), &["sh-semver".into()]).unwrap();
        assert_eq!(only[0].id, "sh-semver");
        let missing = load_fixtures(&shipped(), &["nope".into()]).unwrap_err();
        assert!(
            missing.to_string().contains("no fixture `nope`"),
            "{missing}"
        );
    }

    #[test]
    fn harness_strict_reads_on_off_and_refuses_the_rest() {
        let strict = |value| flag_setting("HARNESS_STRICT", value);
        assert!(!strict(None).unwrap());
        for off in ["", "0", "false", "No", "off"] {
            assert!(!strict(Some(off)).unwrap(), "{off}");
        }
        for on in ["1", "true", "YES", "on", " 1 "] {
            assert!(strict(Some(on)).unwrap(), "{on}");
        }
        assert_eq!(
            strict(Some("2")).unwrap_err().to_string(),
            "HARNESS_STRICT must be 1 (strict) or 0, not \"2\""
        );
        assert_eq!(
            flag_setting("HARNESS_NO_CACHE", Some("maybe"))
                .unwrap_err()
                .to_string(),
            "HARNESS_NO_CACHE must be 1 (on) or 0 (off), not \"maybe\""
        );
    }

    #[test]
    fn the_request_is_applied_to_the_settings() {
        let typed = Typed {
            fixtures: shipped().join("sh-semver"),
            agent_timeout: Some(7),
            no_network: true,
            no_confine: true,
            strict: true,
            out: Some(PathBuf::from("/tmp/somewhere")),
            ..Typed::default()
        };
        let planned = plan(&typed).unwrap();
        assert_eq!(planned.settings.agent_timeout, Duration::from_secs(7));
        assert!(planned.settings.no_network && !planned.settings.confine);
        assert!(planned.settings.strict);
        assert_eq!(planned.settings.out_dir, PathBuf::from("/tmp/somewhere"));
        assert!(planned.swept.is_empty(), "no sweep unless asked");
    }

    #[test]
    fn a_command_agent_takes_its_name_and_a_built_in_one_refuses_one() {
        let named = |agent: &str, name: Option<(&'static str, &str)>| {
            resolve_run_agent(agent, name.map(|(given, name)| (given, name.to_owned())))
        };
        assert_eq!(named("sh run.sh", None).unwrap().name(), "agent");
        assert_eq!(
            named("sh run.sh", Some(("--agent-name", "claude-4")))
                .unwrap()
                .name(),
            "claude-4"
        );
        assert!(matches!(named("noop", None), Ok(Agent::Noop)));
        assert_eq!(
            named("oracle", Some(("--agent-name", "x")))
                .unwrap_err()
                .to_string(),
            "--agent-name names a command agent, and `--agent oracle` is built in: pass a shell command to --agent, or drop --agent-name"
        );
        assert!(matches!(
            named("sh run.sh", Some(("--agent-name", "noop"))),
            Err(PlanError::AgentName(AgentNameError::Reserved { .. }))
        ));
    }

    #[test]
    fn the_runners_agent_is_harness_agent_named_by_harness_agent_name() {
        let typed = |agent: Option<&str>, name: Option<&str>| Typed {
            agent: agent.map(str::to_owned),
            agent_name: name.map(str::to_owned),
            ..Typed::default()
        };
        assert!(typed(None, None).command_agent().unwrap().is_none());
        let agent = typed(Some("sh a.sh"), None).command_agent().unwrap();
        assert_eq!(agent.unwrap().name(), "agent");
        let agent = typed(Some("sh a.sh"), Some("beta"))
            .command_agent()
            .unwrap();
        assert_eq!(agent.unwrap().name(), "beta");
        assert_eq!(
            typed(None, Some("beta"))
                .command_agent()
                .unwrap_err()
                .to_string(),
            "HARNESS_AGENT_NAME names the command agent HARNESS_AGENT runs, and HARNESS_AGENT is not set: set HARNESS_AGENT too, or unset HARNESS_AGENT_NAME"
        );
        assert!(typed(Some("sh a.sh"), Some("a b")).command_agent().is_err());
    }
}
