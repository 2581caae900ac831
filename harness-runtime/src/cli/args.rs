//! What the user typed, parsed by clap; nothing resolved yet.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// another-harness: benchmark coding agents on work-item fixtures, graded against frozen
/// contracts in isolated git worktrees.
#[derive(Debug, Parser)]
#[command(name = "harness", version, about)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run an agent on fixtures and grade it.
    Run(RunArgs),
    /// Validate a fixture: every problem as file:line:col: field: message.
    CheckFixture(CheckFixtureArgs),
    /// Merge run ledgers (e.g. nextest partitions) into the table, frontier and summary.
    Report(ReportArgs),
    /// Serve the results viewer on localhost: runs, cases, diffs, tests, trajectories,
    /// agents side by side, the frontier.
    View(ViewArgs),
    /// Export a run's scored trajectories.
    Export(ExportArgs),
    /// The meta-harness loop: a proposer writes candidate agents, each is evaluated on the
    /// fixtures, the history and the (score x cost) frontier grow.
    Meta(MetaArgs),
    /// Mine a git repository's history into validated fixtures: each commit that changes
    /// code and tests becomes a work item whose hidden check is its tests.
    Mine(MineArgs),
    /// Fixture environments (`[environment]`): build them ahead of a run, list or prune
    /// the cache (`HARNESS_CACHE`, default `cache/` under the output root).
    #[command(subcommand)]
    Env(EnvCommand),
}

/// `harness env ...`.
#[derive(Debug, Subcommand)]
pub enum EnvCommand {
    /// Build every environment the fixtures name (each distinct one once).
    Build(EnvFixturesArgs),
    /// List the environments in the cache: key, state, size, setup time, first step.
    List,
    /// Remove environments no fixture under --fixtures names (and unfinished builds).
    Prune(EnvPruneArgs),
}

/// The fixtures whose environments `harness env build` builds.
#[derive(Debug, clap::Args)]
pub struct EnvFixturesArgs {
    /// Directory holding fixture directories (or one fixture).
    #[arg(long, default_value = "fixtures")]
    pub fixtures: PathBuf,
    /// Only this fixture (repeatable).
    #[arg(long = "fixture", value_name = "ID")]
    pub only: Vec<String>,
}

/// `harness env prune`.
#[derive(Debug, clap::Args)]
pub struct EnvPruneArgs {
    /// Keep the environments the fixtures under this directory name.
    #[arg(long, default_value = "fixtures", conflicts_with = "all")]
    pub fixtures: PathBuf,
    /// Remove every environment.
    #[arg(long)]
    pub all: bool,
}

/// `harness run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Directory holding fixture directories.
    #[arg(long)]
    pub fixtures: PathBuf,
    /// Run only this fixture (repeatable).
    #[arg(long = "fixture", value_name = "ID")]
    pub only: Vec<String>,
    /// `noop`, `oracle`, or a shell command run with `sh -c` in the worktree.
    #[arg(long, default_value = "noop")]
    pub agent: String,
    /// The command agent's name: its cases become `<fixture>::NAME` and their `agent` NAME
    /// (default `HARNESS_AGENT_NAME`, else `agent`), so runs of several agents merge. ASCII
    /// letters, digits, `_`, `-`; not a built-in agent's name.
    #[arg(long, value_name = "NAME")]
    pub agent_name: Option<String>,
    /// The agent's wall-clock budget in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub agent_timeout: u64,
    /// Cases run at once (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Also write `{"run_id", "cases": [...]}` here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Run every case N times (cases `<fixture>::<agent>#<i>`), e.g. to measure an
    /// agent's variance or the harness's throughput.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub repeat: u32,
    /// Resume a run: re-run only cases without a result (and errored ones).
    #[arg(long, value_name = "RUN_ID|RUN_DIR")]
    pub resume: Option<String>,
    /// Run only shard I of N (from 1), one machine's share: cases split by a stable hash of
    /// their names, the same on every machine; `harness report` merges the shards' runs.
    #[arg(long, value_name = "I/N", value_parser = clap::value_parser!(crate::plan::Shard))]
    pub shard: Option<crate::plan::Shard>,
    /// Deny TCP to agents and checks (Landlock ABI v4+).
    #[arg(long)]
    pub no_network: bool,
    /// Run agents and checks without Landlock even where the kernel has it.
    #[arg(long)]
    pub no_confine: bool,
    /// Size in MiB of each episode's own disk, a tmpfs the harness mounts where it can
    /// (0: episodes share the temp directory's filesystem).
    #[arg(long, value_name = "MIB", default_value_t = crate::settings::DEFAULT_EPISODE_DISK_MIB)]
    pub episode_disk: u64,
    /// Files or directories the agent may read under confinement (its own program).
    #[arg(long = "agent-file", value_name = "PATH")]
    pub agent_files: Vec<PathBuf>,
    /// Output root (default: `HARNESS_OUT`, else target/harness).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Cap the reward of a case whose change is suspicious (its `suspicions` are not
    /// empty) at the fixture's noop reward.
    #[arg(long)]
    pub strict: bool,
    /// Run every check: reuse no earlier outcome from the check-result cache
    /// (`HARNESS_CACHE`).
    #[arg(long)]
    pub no_cache: bool,
    /// Run a case's checks even when an integrity violation already decided it (its
    /// reward is -1 either way).
    #[arg(long)]
    pub run_all_checks: bool,
}

/// `harness check-fixture`.
#[derive(Debug, clap::Args)]
pub struct CheckFixtureArgs {
    /// The fixture directory.
    pub dir: PathBuf,
    /// Only the static rules (do not run the oracle and the checks).
    #[arg(long)]
    pub static_only: bool,
    /// Write (or refresh) `tests.lock` beside `repo/` from what each check reports under the
    /// oracle (the baseline for a honeypot), keeping its `flaky` lists, then validate.
    #[arg(long)]
    pub write_lock: bool,
    /// Run oracle and noop N times (checks see `HARNESS_REPEAT=<i>`) and refuse the fixture
    /// if a test's outcome changes, unless the lock lists it under `flaky`.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub repeat: u32,
    /// After validation, attack the fixture's checks with generic gaming strategies (delete
    /// or empty the in-scope files, always-equal values, type defaults, raise everywhere, a
    /// lookup table from the visible tests) and refuse it when any earns more than noop
    /// (work items only).
    #[arg(long, conflicts_with = "static_only")]
    pub audit: bool,
}

/// `harness report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Run directories (default: every run under the output root).
    pub runs: Vec<PathBuf>,
    /// Where the merged reports go (default: the output root).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `harness view`.
#[derive(Debug, clap::Args)]
pub struct ViewArgs {
    /// Run directories (default: every run under the output root).
    pub runs: Vec<PathBuf>,
    /// The port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 7575)]
    pub port: u16,
    /// Open the viewer in the desktop's browser.
    #[arg(long)]
    pub open: bool,
}

/// `harness export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Export format.
    #[arg(long, value_parser = ["atropos"])]
    pub format: String,
    /// The run directory.
    pub run: PathBuf,
    /// Output file (default: stdout).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// `harness meta`.
#[derive(Debug, clap::Args)]
pub struct MetaArgs {
    /// Directory holding fixture directories; every candidate is evaluated on each.
    #[arg(long, value_name = "DIR")]
    pub fixtures: PathBuf,
    /// The proposer, run with `sh -c` in the meta directory once per iteration.
    #[arg(long, value_name = "CMD")]
    pub proposer: String,
    /// Run until this iteration is done (with --resume: the total, not more).
    #[arg(long, value_name = "N")]
    pub iterations: u64,
    /// k: candidates the proposer may write per iteration.
    #[arg(long, value_name = "K", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    pub candidates_per_proposal: u64,
    /// Seed of the per-iteration RNG seeds published to the proposer.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// The meta directory (default: `<HARNESS_OUT, else target/harness>/meta`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Continue the meta directory's history: finish an interrupted round, then go on.
    #[arg(long)]
    pub resume: bool,
    /// Each candidate's wall-clock budget per fixture, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub agent_timeout: u64,
}

/// `harness mine`.
#[derive(Debug, clap::Args)]
pub struct MineArgs {
    /// The git repository to mine.
    #[arg(long, value_name = "PATH")]
    pub repo: PathBuf,
    /// Where the fixtures go (with the shared baseline store `.baselines.git`).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Only the commits of this range (`A..B`); default: the history from HEAD.
    #[arg(long, value_name = "A..B")]
    pub rev_range: Option<String>,
    /// Stop once N fixtures are accepted.
    #[arg(long, value_name = "N")]
    pub max: Option<usize>,
    /// The work item's statement: `tests` (the failing tests and their messages),
    /// `commit` (the commit message), or a command that reads the candidate as JSON on
    /// stdin and prints the statement.
    #[arg(long, value_name = "tests|commit|CMD", default_value = "tests")]
    pub statement: String,
    /// The test command (shell words); the test files are appended (Rust: `--test NAME`s).
    #[arg(long, value_name = "ARGV")]
    pub test_cmd: Option<String>,
    /// One environment setup step (shell words; `{env}` is the environment's directory);
    /// repeatable. Replaces the detected setup.
    #[arg(long, value_name = "ARGV")]
    pub setup: Vec<String>,
    /// Runs of oracle and noop per candidate (checks see `HARNESS_REPEAT=<i>`).
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub repeat: u32,
    /// Candidates validated at once (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Continue the run recorded in DIR (`.mine-state.json`), skipping decided candidates.
    #[arg(long)]
    pub resume: bool,
    /// Reject a fix that changes more files than this.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub max_fix_files: usize,
    /// Reject a fix that changes more lines (added + removed) than this.
    #[arg(long, value_name = "N", default_value_t = 400)]
    pub max_fix_lines: usize,
}
