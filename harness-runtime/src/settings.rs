//! Harness-wide settings: where episodes live, budgets, confinement, and the toolchain
//! environment checks get. Resolved once, from the harness's own environment.

use std::path::{Path, PathBuf};
use std::time::Duration;

use harness_sandbox::{Limits, RunPolicy};

/// The toolchain locations a check or agent needs even with a fresh `HOME`: rustup proxies
/// default to `$HOME/.rustup` and pyenv shims to `$HOME/.pyenv`, so both are resolved from
/// the harness's environment and passed explicitly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolchain {
    /// `PATH` with only absolute entries (a relative entry would let a planted
    /// `./python3` shadow the real one).
    pub path: String,
    /// `RUSTUP_HOME`.
    pub rustup_home: Option<PathBuf>,
    /// The harness's `CARGO_HOME` (its `bin/`, config and registry are read-only inputs).
    pub cargo_home: Option<PathBuf>,
    /// `PYENV_ROOT`.
    pub pyenv_root: Option<PathBuf>,
    /// Other variables passed through unchanged when set (`RUSTUP_TOOLCHAIN`, `PYENV_VERSION`, ...).
    pub passthrough: Vec<(String, String)>,
    /// The fixture's built environment's `PATH` entries, searched before [`Toolchain::path`]
    /// (empty without one; see [`Settings::with_environment`]).
    pub environment_path: Vec<PathBuf>,
    /// The fixture's built environment's directory, readable like the toolchain.
    pub environment_dir: Option<PathBuf>,
}

/// Variables copied from the harness's environment into every check's environment.
const PASSTHROUGH: &[&str] = &[
    "RUSTUP_TOOLCHAIN",
    "RUSTUP_AUTO_INSTALL",
    "PYENV_VERSION",
    "LANG",
    "LC_ALL",
    "USER",
    "LOGNAME",
];

impl Toolchain {
    /// Resolves the toolchain from this process's environment.
    pub fn from_env() -> Toolchain {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let resolve = |var: &str, default: &str| -> Option<PathBuf> {
            std::env::var_os(var)
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|home| home.join(default)))
                .filter(|path| path.is_absolute() && path.is_dir())
        };
        let path = std::env::var("PATH").unwrap_or_default();
        let mut seen = Vec::new();
        for entry in path.split(':') {
            if Path::new(entry).is_absolute() && !seen.iter().any(|known: &String| known == entry) {
                seen.push(entry.to_owned());
            }
        }
        if seen.is_empty() {
            seen = ["/usr/local/bin", "/usr/bin", "/bin"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        }
        Toolchain {
            path: seen.join(":"),
            rustup_home: resolve("RUSTUP_HOME", ".rustup"),
            cargo_home: resolve("CARGO_HOME", ".cargo"),
            pyenv_root: resolve("PYENV_ROOT", ".pyenv"),
            passthrough: PASSTHROUGH
                .iter()
                .filter_map(|name| {
                    std::env::var(name)
                        .ok()
                        .map(|value| (name.to_string(), value))
                })
                .collect(),
            environment_path: Vec::new(),
            environment_dir: None,
        }
    }

    /// `PATH` for agents and checks: the environment's entries, then the toolchain's.
    pub fn search_path(&self) -> String {
        self.environment_path
            .iter()
            .map(|dir| dir.display().to_string())
            .chain(std::iter::once(self.path.clone()))
            .collect::<Vec<_>>()
            .join(":")
    }

    /// Directories a confined process may read and execute from.
    pub fn read_only_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = [
            "/usr",
            "/lib",
            "/lib32",
            "/lib64",
            "/bin",
            "/sbin",
            "/etc",
            "/opt",
            "/dev/zero",
            "/dev/random",
            "/dev/urandom",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        dirs.extend(self.path.split(':').map(PathBuf::from));
        dirs.extend(self.rustup_home.iter().cloned());
        if let Some(cargo_home) = &self.cargo_home {
            for sub in ["bin", "registry", "git", "config.toml", "config"] {
                dirs.push(cargo_home.join(sub));
            }
        }
        dirs.extend(self.pyenv_root.iter().cloned());
        dirs.extend(self.environment_dir.iter().cloned());
        dirs
    }
}

/// Everything that shapes an episode besides the fixture and the agent.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where episode directories are made (`$TMPDIR/another-harness` by default).
    pub temp_root: PathBuf,
    /// The agent's wall-clock budget.
    pub agent_timeout: Duration,
    /// Confine agents and checks with Landlock where the kernel has it.
    pub confine: bool,
    /// No network for agents (checks have none unless their contract opts in): a network
    /// namespace with only a loopback where the kernel allows, and Landlock's TCP rules.
    pub no_network: bool,
    /// Size in MiB of each episode's own tmpfs (`--episode-disk`, `HARNESS_EPISODE_DISK`;
    /// 0: episodes share the temp root's filesystem). Needs a harness that can mount.
    pub episode_disk_mib: u64,
    /// Agents and checks in their own PID, IPC and mount namespaces (and network
    /// namespace without network) where the kernel allows: `harness_sandbox::Lifetime`.
    pub namespaces: bool,
    /// Toolchain environment.
    pub toolchain: Toolchain,
    /// Limits for the agent command.
    pub agent_limits: Limits,
    /// Limits for each check.
    pub check_limits: Limits,
    /// Most processes (tasks) an agent or check may have at once, enforced with a pids
    /// cgroup where one can be made.
    pub max_pids: u64,
    /// Bytes of output kept per agent or check log (the rest is drained and dropped).
    pub output_cap: u64,
    /// Extra files or directories a confined agent may read (its own files).
    pub agent_files: Vec<PathBuf>,
    /// The output root (`HARNESS_OUT`); the agent must not write there.
    pub out_dir: PathBuf,
    /// Directories no agent or check may see besides the output directory (the fixtures
    /// directory of a run): hidden from unconfined ones (`--no-confine`) by an empty
    /// read-only mount over each; confined ones see only their own paths anyway.
    pub hidden_dirs: Vec<PathBuf>,
    /// The harness's own `HOME` (watched for planted configuration).
    pub home: Option<PathBuf>,
    /// Grade without the fixture's `tests.lock` (while `check-fixture --write-lock` records
    /// one); otherwise a fixture whose lock is missing or stale cannot be graded.
    pub recording_lock: bool,
    /// `HARNESS_REPEAT` for checks (`check-fixture --repeat N` sets 1..N).
    pub repeat_index: Option<u32>,
    /// The input seed of every differential check (`HARNESS_CHECK_SEED`, to replay a
    /// recorded `checks[].seed`); a fresh one per check when unset.
    pub check_seed: Option<u64>,
    /// Variables added to the agent's environment (e.g. `HARNESS_CANDIDATE_DIR` for a
    /// meta-harness candidate), after the harness's own.
    pub agent_env: Vec<(String, String)>,
    /// Strict grading (`harness run --strict`, `HARNESS_STRICT=1` for the `cargo test`
    /// runner): a case with suspicions scores at most the fixture's noop reward.
    pub strict: bool,
    /// Where built environments (and other reusable state the harness alone writes) live:
    /// `HARNESS_CACHE`, else `cache/` under the output root.
    pub cache_dir: PathBuf,
    /// The fixture's built environment, once [`Settings::with_environment`] applied it.
    pub environment: Option<EnvironmentUse>,
    /// Reuse a check's earlier outcome on the same inputs (`--no-cache` turns it off;
    /// never while a lock is recorded or checks are repeated to find flaky tests).
    pub check_cache: bool,
    /// Run a case's checks even when an integrity violation already decided it
    /// (`--run-all-checks`).
    pub run_all_checks: bool,
}

/// A built environment as a case uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentUse {
    /// Its cache key.
    pub key: String,
    /// Its directory (read-only for agents and checks).
    pub dir: PathBuf,
    /// Its `PATH` entries, absolute.
    pub path: Vec<PathBuf>,
    /// The cargo target directory its setup built, when it built one: every check's
    /// `CARGO_TARGET_DIR` starts as a copy of it.
    pub warm_target: Option<PathBuf>,
}

impl Settings {
    /// Defaults resolved from this process's environment.
    pub fn from_env() -> Settings {
        Settings {
            temp_root: default_temp_root(),
            agent_timeout: Duration::from_secs(600),
            confine: true,
            no_network: false,
            namespaces: true,
            episode_disk_mib: DEFAULT_EPISODE_DISK_MIB,
            toolchain: Toolchain::from_env(),
            agent_limits: Limits {
                file_size_bytes: Some(512 << 20),
                cpu_seconds: None,
                processes: None,
            },
            check_limits: Limits {
                file_size_bytes: Some(512 << 20),
                cpu_seconds: None,
                processes: None,
            },
            max_pids: 2048,
            output_cap: 4 << 20,
            agent_files: Vec::new(),
            out_dir: default_out_dir(),
            hidden_dirs: Vec::new(),
            home: std::env::var_os("HOME").map(PathBuf::from),
            recording_lock: false,
            repeat_index: None,
            check_seed: std::env::var("HARNESS_CHECK_SEED")
                .ok()
                .and_then(|seed| seed.trim().parse().ok()),
            agent_env: Vec::new(),
            strict: false,
            cache_dir: default_cache_dir(),
            environment: None,
            check_cache: true,
            run_all_checks: false,
        }
    }

    /// These settings for a fixture whose environment is `environment`: its `PATH` entries
    /// first and its directory readable for agents and checks. Applying the same
    /// environment twice changes nothing.
    pub fn with_environment(&self, environment: EnvironmentUse) -> Settings {
        let mut settings = self.clone();
        if settings.environment.as_ref() == Some(&environment) {
            return settings;
        }
        settings.toolchain.environment_path = environment.path.clone();
        settings.toolchain.environment_dir = Some(environment.dir.clone());
        settings.environment = Some(environment);
        settings
    }

    /// How agents and checks are run under these settings (for [`harness_sandbox::run`]).
    pub fn run_policy(&self) -> RunPolicy {
        RunPolicy {
            landlock: self.confine,
            no_network: self.no_network,
            namespaces: self.namespaces,
            max_pids: self.max_pids,
            output_cap: self.output_cap,
        }
    }

    /// The directories hidden from agents and checks: the output directory (runs and their
    /// ledgers) and [`Settings::hidden_dirs`], made absolute.
    pub fn masked_dirs(&self) -> Vec<PathBuf> {
        // The environment stays visible: when it lies under a masked directory (the cache
        // under the output root), that directory's other entries are masked instead.
        let keep: Vec<PathBuf> = self
            .environment
            .iter()
            .filter_map(|environment| std::path::absolute(&environment.dir).ok())
            .collect();
        let mut masked: Vec<PathBuf> = [&self.out_dir, &self.cache_dir]
            .into_iter()
            .chain(&self.hidden_dirs)
            .filter_map(|dir| std::path::absolute(dir).ok())
            .flat_map(|dir| mask_around(&dir, &keep))
            .collect();
        masked.sort();
        masked.dedup();
        // A directory under another mask is already covered (and would have no mount point).
        let covered: Vec<PathBuf> = masked
            .iter()
            .filter(|dir| {
                masked
                    .iter()
                    .any(|other| other != *dir && dir.starts_with(other))
            })
            .cloned()
            .collect();
        masked.retain(|dir| !covered.contains(dir));
        masked
    }

    /// The harness's own directories, resolved (symlinks followed): the output root, the
    /// cache and [`Settings::hidden_dirs`]. No agent is granted a path under them by
    /// naming it (its command's files, `--agent-files`).
    pub fn protected_dirs(&self) -> Vec<PathBuf> {
        [&self.out_dir, &self.cache_dir]
            .into_iter()
            .chain(&self.hidden_dirs)
            .filter_map(|dir| {
                std::fs::canonicalize(dir)
                    .ok()
                    .or_else(|| std::path::absolute(dir).ok())
            })
            .collect()
    }

    /// Whether granting an agent `path` (resolved) would grant any of the harness's own
    /// directories: a path under one of them, or a directory that holds one.
    pub fn reaches_protected(&self, path: &Path) -> bool {
        self.protected_dirs()
            .iter()
            .any(|dir| path.starts_with(dir) || dir.starts_with(path))
    }

    /// How code under test is run: as [`Settings::run_policy`], without network unless
    /// `network` (a check's `network = true`) and the operator allows it.
    pub fn check_policy(&self, network: bool) -> RunPolicy {
        RunPolicy {
            no_network: self.no_network || !network,
            ..self.run_policy()
        }
    }

    /// What bounds the life of agents and checks under these settings.
    pub fn configured_lifetime(&self) -> harness_sandbox::Lifetime {
        if self.namespaces {
            harness_sandbox::Lifetime::available()
        } else {
            harness_sandbox::Lifetime::Session
        }
    }

    /// The confinement agents and checks get under these settings: `landlock-v<N>` when
    /// confinement is on and the kernel has Landlock, else `none`.
    pub fn configured_confinement(&self) -> String {
        match harness_sandbox::landlock_abi() {
            Some(abi) if self.confine => format!("landlock-v{abi}"),
            _ => "none".to_owned(),
        }
    }
}

/// The default size of an episode's own disk: room for a crate's build, far from what one
/// machine's memory holds for a few concurrent episodes.
pub const DEFAULT_EPISODE_DISK_MIB: u64 = 4096;

/// Where episodes live: `HARNESS_TMPDIR`, else `$TMPDIR` when set, else `/dev/shm` when it
/// is a writable tmpfs (episodes are short-lived and creating files there is an order of
/// magnitude cheaper than on disk), else the system temp dir; `another-harness/` below it.
pub fn default_temp_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("HARNESS_TMPDIR") {
        return PathBuf::from(dir).join("another-harness");
    }
    if std::env::var_os("TMPDIR").is_none() {
        let shm = Path::new("/dev/shm");
        let writable = shm.is_dir() && tempfile::tempdir_in(shm).is_ok();
        let tmpfs = std::fs::read_to_string("/proc/mounts").is_ok_and(|mounts| {
            mounts.lines().any(|line| {
                line.split_whitespace().nth(1) == Some("/dev/shm") && line.contains("tmpfs")
            })
        });
        if writable && tmpfs {
            return shm.join("another-harness");
        }
    }
    std::env::temp_dir().join("another-harness")
}

/// `dir` when no `keep` path lies inside it; else its child directories, each masked
/// around `keep` in turn (a kept path itself is never masked; files beside it cannot be).
fn mask_around(dir: &Path, keep: &[PathBuf]) -> Vec<PathBuf> {
    if keep.iter().any(|kept| kept == dir) {
        return Vec::new();
    }
    if !keep.iter().any(|kept| kept.starts_with(dir)) {
        return vec![dir.to_path_buf()];
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut children: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
        .map(|entry| entry.path())
        .collect();
    children.sort();
    children
        .iter()
        .flat_map(|child| mask_around(child, keep))
        .collect()
}

/// `HARNESS_CACHE`, else `cache/` under the output root ([`default_out_dir`]).
pub fn default_cache_dir() -> PathBuf {
    match std::env::var_os("HARNESS_CACHE") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => default_out_dir().join("cache"),
    }
}

/// `HARNESS_OUT`, else `$CARGO_TARGET_DIR/harness`, else `target/harness`.
pub fn default_out_dir() -> PathBuf {
    if let Some(out) = std::env::var_os("HARNESS_OUT") {
        return PathBuf::from(out);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("harness");
    }
    PathBuf::from("target").join("harness")
}

impl From<&Settings> for RunPolicy {
    /// [`Settings::run_policy`].
    fn from(settings: &Settings) -> RunPolicy {
        settings.run_policy()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_environment_under_the_output_root_stays_visible_and_nothing_else_does() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        for dir in ["runs/r1", "cache/env/k1", "cache/env/k2", "cache/checks"] {
            std::fs::create_dir_all(out.join(dir)).unwrap();
        }
        let mut settings = Settings::from_env();
        settings.out_dir = out.clone();
        settings.cache_dir = out.join("cache");
        settings.hidden_dirs = vec![root.path().join("fixtures")];
        std::fs::create_dir_all(root.path().join("fixtures")).unwrap();
        // Without an environment: the output root and the fixtures, whole.
        assert_eq!(
            settings.masked_dirs(),
            vec![root.path().join("fixtures"), out.clone()]
        );
        let settings = settings.with_environment(EnvironmentUse {
            key: "k1".into(),
            dir: out.join("cache/env/k1"),
            path: vec![out.join("cache/env/k1/venv/bin")],
            warm_target: None,
        });
        assert_eq!(
            settings.masked_dirs(),
            vec![
                root.path().join("fixtures"),
                out.join("cache/checks"),
                out.join("cache/env/k2"),
                out.join("runs"),
            ]
        );
        assert!(
            settings
                .toolchain
                .read_only_dirs()
                .contains(&out.join("cache/env/k1"))
        );
        assert!(
            settings
                .toolchain
                .search_path()
                .starts_with(&format!("{}:", out.join("cache/env/k1/venv/bin").display()))
        );
        // Applying it again changes nothing.
        let again = settings.with_environment(settings.environment.clone().unwrap());
        assert_eq!(again.toolchain, settings.toolchain);
    }
}
