//! Process confinement for agent commands and checks.
//!
//! The workspace forbids `unsafe`, so there is no `pre_exec` hook. Instead the harness
//! re-executes its own binary as a *launcher*: the parent spawns
//! `<launcher> __harness_confine <parent-pid>` with the [`ConfineSpec`] as JSON in the
//! [`SPEC_ENV`] environment variable (see [`command`]). Every harness `main` calls
//! [`run_launcher_if_requested`] first; in the launcher process it applies, to itself:
//!
//! 1. `setsid()` (the command and everything it spawns share one session and one process
//!    group whose id is the launcher's pid, see [`kill_group`]) and
//!    `PR_SET_PDEATHSIG = SIGKILL`;
//! 2. joins the pids cgroup named by [`ConfineSpec::cgroup_procs`], if any (see
//!    [`PidsCgroup`]);
//! 3. opens [`ConfineSpec::status_file`] (before Landlock, which may forbid it);
//! 4. Landlock (crate `landlock`, best ABI the kernel has, best effort): read/execute on
//!    [`ConfineSpec::read_only`], full access on [`ConfineSpec::read_write`], nothing
//!    else; TCP bind/connect denied when [`ConfineSpec::no_network`] (ABI v4+); signals
//!    and abstract unix sockets scoped to the sandbox (ABI v6+);
//! 5. writes the outcome ([`Confinement`], e.g. `landlock-v7` or `none`) to the status file;
//! 6. resource limits (`RLIMIT_FSIZE`, `RLIMIT_CPU`, `RLIMIT_NPROC`, `RLIMIT_CORE = 0`);
//! 7. `exec`s the command with exactly the spec's argv, working directory and environment.
//!
//! Exit codes of the launcher itself: [`EXIT_LAUNCHER_FAILED`] when confinement could not
//! be set up (the command never ran), [`EXIT_CANNOT_EXECUTE`] / [`EXIT_NOT_FOUND`] when
//! `exec` failed, like a shell.
//!
//! # What it does not stop
//!
//! - Landlock does not hide metadata: `stat`, `chdir`, `readlink` outside the rules work;
//!   reads, writes, directory listings and executions are denied. A denied read fails with
//!   `EACCES`, which some tools treat as a hard error rather than "absent" (cargo reading a
//!   `Cargo.toml` or `.cargo/config.toml` in an ancestor of its working directory): keep
//!   such files out of the ancestors of every confined working directory.
//! - A denied `execve` during a `PATH` search makes the search go on: grant the toolchain
//!   dirs, or a different interpreter from a later `PATH` entry may run.
//! - Root keeps its capabilities: `RLIMIT_NPROC` does not bind it, `CAP_SYS_RESOURCE` may
//!   raise the other limits again, and `CAP_SYS_ADMIN`/`CAP_PERFMON` read any process's
//!   `/proc/<pid>/environ` and `maps` (Linux 6.13+) when `/proc` is granted, so do not grant
//!   `/proc` to commands that run as root. Landlock still denies ptrace attach,
//!   `/proc/<pid>/mem`, the `cwd`/`root`/`fd` links of processes outside the sandbox, mounts,
//!   and (ABI v6+) signals to them.

use std::ffi::OsStr;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;

use landlock::{
    ABI, Access, AccessFs, AccessNet, BitFlags, CompatLevel, Compatible, LandlockStatus,
    PathBeneath, PathFd, RestrictSelf, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus,
    Scope,
};
use nix::errno::Errno;
use nix::sys::resource::{Resource, setrlimit};
use nix::sys::signal::{Signal, kill, killpg};
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
use nix::unistd::Pid;

/// First argument that turns a harness binary into the confinement launcher.
pub const LAUNCHER_ARG: &str = "__harness_confine";

/// Environment variable carrying the [`ConfineSpec`] as JSON from the parent to the launcher.
/// The launcher never passes it on: the command's environment is exactly [`ConfineSpec::env`].
pub const SPEC_ENV: &str = "HARNESS_CONFINE_SPEC";

/// Launcher exit code when confinement could not be set up; the command did not run.
pub const EXIT_LAUNCHER_FAILED: i32 = 125;

/// Launcher exit code when the command exists but could not be executed (like a shell).
pub const EXIT_CANNOT_EXECUTE: i32 = 126;

/// Launcher exit code when the command was not found (like a shell).
pub const EXIT_NOT_FOUND: i32 = 127;

/// System paths a typical command needs to read and execute (shells, coreutils, the C
/// toolchain and linker, system Python, dynamic loader and libraries, `/etc`), plus the
/// read-only character devices. Toolchains elsewhere (`RUSTUP_HOME`, `CARGO_HOME/bin`,
/// `PYENV_ROOT`, the registry cache) must be added. Missing paths are skipped.
pub const SYSTEM_READ_ONLY: &[&str] = &[
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/etc",
    "/dev/zero",
    "/dev/random",
    "/dev/urandom",
];

/// Paths almost every command needs to write: `/dev/null` (shells redirect background jobs'
/// stdin from it; Rust's and Python's `subprocess` open it for null stdio, so cargo cannot
/// run rustc without it).
pub const SYSTEM_READ_WRITE: &[&str] = &["/dev/null"];

/// Largest environment string Linux accepts (`MAX_ARG_STRLEN`, 32 pages of 4 KiB).
const MAX_ENV_STRING: usize = 32 * 4096;

/// What to run and how to confine it. Serialized as JSON into [`SPEC_ENV`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConfineSpec {
    /// Program and arguments; `argv[0]` is looked up in the spec's own `PATH` when it has no
    /// slash. Must not be empty.
    pub argv: Vec<String>,
    /// Working directory of the command.
    pub cwd: PathBuf,
    /// The command's whole environment (nothing is inherited).
    pub env: Vec<(String, String)>,
    /// Directories or files the command may read and execute (Landlock). Missing paths are
    /// skipped.
    pub read_only: Vec<PathBuf>,
    /// Directories or files the command may read, write, create, remove and execute in
    /// (Landlock). Missing paths are skipped.
    pub read_write: Vec<PathBuf>,
    /// Apply Landlock where the kernel supports it.
    pub landlock: bool,
    /// Deny TCP bind and connect (Landlock ABI v4+; ignored on older kernels).
    pub no_network: bool,
    /// Resource limits.
    pub limits: Limits,
    /// File the launcher (over)writes with one line: the [`Confinement`] it achieved, before
    /// it execs the command. Put it outside every `read_write` path; read it with
    /// [`read_status`].
    pub status_file: PathBuf,
    /// `cgroup.procs` of a pids cgroup ([`PidsCgroup::procs_path`]) the launcher joins before
    /// exec, so the command and all its descendants are counted and killable.
    #[serde(default)]
    pub cgroup_procs: Option<PathBuf>,
}

impl ConfineSpec {
    /// A spec with Landlock on, network allowed, no paths, no environment, no limits and no
    /// cgroup: add what the command needs.
    pub fn new(argv: Vec<String>, cwd: PathBuf, status_file: PathBuf) -> Self {
        Self {
            argv,
            cwd,
            env: Vec::new(),
            read_only: Vec::new(),
            read_write: Vec::new(),
            landlock: true,
            no_network: false,
            limits: Limits::default(),
            status_file,
            cgroup_procs: None,
        }
    }
}

/// Resource limits applied with `setrlimit` (soft and hard) in the launcher. `None` leaves
/// the inherited limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// `RLIMIT_FSIZE`: largest size in bytes any single file may be written to. Binds root;
    /// exceeding it raises `SIGXFSZ` (or `EFBIG`). It is per file, not a total.
    pub file_size_bytes: Option<u64>,
    /// `RLIMIT_CPU`: CPU seconds per process (`SIGXCPU`, then `SIGKILL` one second later).
    pub cpu_seconds: Option<u64>,
    /// `RLIMIT_NPROC`, best effort: it counts every process of the real user id machine-wide
    /// and does not bind root (use [`PidsCgroup`] for that).
    pub processes: Option<u64>,
}

/// The confinement a launcher achieved, as written to the status file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confinement {
    /// No kernel confinement (not requested, or the kernel has no Landlock).
    None,
    /// Landlock enforced with this ABI version.
    Landlock {
        /// The Landlock ABI version used.
        abi: i32,
        /// Some requested restriction was not supported by the kernel.
        partial: bool,
    },
}

impl Confinement {
    /// The value of a case result's `"confinement"` field: `landlock-v<N>` or `none`.
    pub fn label(&self) -> String {
        match self {
            Confinement::None => "none".to_owned(),
            Confinement::Landlock { abi, .. } => format!("landlock-v{abi}"),
        }
    }

    /// Landlock enforced every requested restriction.
    pub fn is_fully_enforced(&self) -> bool {
        matches!(self, Confinement::Landlock { partial: false, .. })
    }
}

impl fmt::Display for Confinement {
    /// The status-file line: `none`, `landlock-v<N>` or `landlock-v<N> partial`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Confinement::None => f.write_str("none"),
            Confinement::Landlock {
                abi,
                partial: false,
            } => write!(f, "landlock-v{abi}"),
            Confinement::Landlock { abi, partial: true } => write!(f, "landlock-v{abi} partial"),
        }
    }
}

impl FromStr for Confinement {
    type Err = ConfineError;

    /// Parses what [`Display`](fmt::Display) writes (surrounding whitespace ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ConfineError::BadStatus {
            content: s.to_owned(),
        };
        let s = s.trim();
        if s == "none" {
            return Ok(Confinement::None);
        }
        let (label, partial) = match s.strip_suffix(" partial") {
            Some(label) => (label, true),
            None => (s, false),
        };
        let abi = label
            .strip_prefix("landlock-v")
            .and_then(|n| n.parse::<i32>().ok())
            .filter(|n| *n > 0)
            .ok_or_else(bad)?;
        Ok(Confinement::Landlock { abi, partial })
    }
}

/// Everything that can go wrong setting up or launching a confined command.
#[derive(Debug, thiserror::Error)]
pub enum ConfineError {
    /// The spec has no program.
    #[error("confined command has an empty argv")]
    EmptyArgv,
    /// A string of the spec cannot be passed to `exec`.
    #[error("confined command: {what} contains a NUL byte or an invalid variable name: {value:?}")]
    InvalidString {
        /// Which part of the spec.
        what: &'static str,
        /// The offending value.
        value: String,
    },
    /// The spec could not be serialized.
    #[error("failed to serialize the confinement spec: {source}")]
    Serialize {
        /// Cause.
        #[source]
        source: serde_json::Error,
    },
    /// The spec is too large for one environment string.
    #[error(
        "confinement spec is {bytes} bytes of JSON, more than an environment variable can hold ({max})"
    )]
    SpecTooLarge {
        /// JSON size.
        bytes: usize,
        /// Limit.
        max: usize,
    },
    /// The launcher found no spec in its environment.
    #[error("launcher started without {SPEC_ENV} in its environment")]
    MissingSpec,
    /// The launcher could not parse its spec.
    #[error("failed to parse {SPEC_ENV}: {source}")]
    ParseSpec {
        /// Cause.
        #[source]
        source: serde_json::Error,
    },
    /// The harness that spawned the launcher is already gone.
    #[error("launcher parent {expected} exited before confinement was set up")]
    ParentGone {
        /// Pid of the parent that spawned the launcher.
        expected: u32,
    },
    /// A system call of the launcher failed.
    #[error("failed to {what}: {source}")]
    Sys {
        /// What the launcher was doing.
        what: &'static str,
        /// Cause.
        #[source]
        source: Errno,
    },
    /// A file operation failed.
    #[error("failed to {what} {}: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Building or enforcing the Landlock ruleset failed.
    #[error("failed to apply the landlock ruleset: {source}")]
    Landlock {
        /// Cause.
        #[source]
        source: landlock::RulesetError,
    },
    /// A Landlock rule's path could not be opened.
    #[error("failed to open landlock rule path {}: {source}", path.display())]
    LandlockPath {
        /// The rule path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: landlock::PathFdError,
    },
    /// The working directory is not a directory.
    #[error("working directory {} is not an existing directory", path.display())]
    BadCwd {
        /// The directory.
        path: PathBuf,
    },
    /// The status file does not hold a confinement line.
    #[error("confinement status file holds {content:?}, not `none` or `landlock-v<N>`")]
    BadStatus {
        /// What it held.
        content: String,
    },
}

impl From<landlock::RulesetError> for ConfineError {
    fn from(source: landlock::RulesetError) -> Self {
        ConfineError::Landlock { source }
    }
}

fn sys(what: &'static str) -> impl FnOnce(Errno) -> ConfineError {
    move |source| ConfineError::Sys { what, source }
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ConfineError {
    let path = path.to_path_buf();
    move |source| ConfineError::Io { what, path, source }
}

// ---------------------------------------------------------------------------------------
// Parent side
// ---------------------------------------------------------------------------------------

/// A [`Command`] that runs `spec` confined, through `launcher`: the path of a binary whose
/// `main` calls [`run_launcher_if_requested`] first (normally `std::env::current_exe()`).
///
/// The launcher's pid is the process group id of the command's whole tree ([`kill_group`]).
/// Stdin is null; stdout and stderr are inherited unless the caller sets them. The
/// launcher's own environment holds only the spec. Do not set `process_group` on it (the
/// launcher makes its own session).
///
/// The command gets `SIGKILL` when the *thread* that spawned it exits
/// (`PR_SET_PDEATHSIG` follows the spawning thread): spawn and wait on the same thread.
pub fn command(launcher: &Path, spec: &ConfineSpec) -> Result<Command, ConfineError> {
    validate(spec)?;
    let json = serde_json::to_string(spec).map_err(|source| ConfineError::Serialize { source })?;
    // "NAME=value\0" must fit in one environment string.
    let bytes = SPEC_ENV.len() + 1 + json.len() + 1;
    if bytes > MAX_ENV_STRING {
        return Err(ConfineError::SpecTooLarge {
            bytes,
            max: MAX_ENV_STRING,
        });
    }
    let mut cmd = Command::new(launcher);
    cmd.arg(LAUNCHER_ARG)
        .arg(std::process::id().to_string())
        .env_clear()
        .env(SPEC_ENV, json)
        .stdin(Stdio::null());
    Ok(cmd)
}

fn validate(spec: &ConfineSpec) -> Result<(), ConfineError> {
    if spec.argv.is_empty() {
        return Err(ConfineError::EmptyArgv);
    }
    let invalid = |what: &'static str, value: &str| ConfineError::InvalidString {
        what,
        value: value.to_owned(),
    };
    for arg in &spec.argv {
        if arg.contains('\0') {
            return Err(invalid("argv", arg));
        }
    }
    for (name, value) in &spec.env {
        if name.is_empty() || name.contains('=') || name.contains('\0') {
            return Err(invalid("an environment variable name", name));
        }
        if value.contains('\0') {
            return Err(invalid("an environment variable value", value));
        }
    }
    let paths = spec
        .read_only
        .iter()
        .chain(&spec.read_write)
        .chain([&spec.cwd, &spec.status_file])
        .chain(&spec.cgroup_procs);
    for path in paths {
        if path.as_os_str().as_encoded_bytes().contains(&0) {
            return Err(invalid("a path", &path.to_string_lossy()));
        }
    }
    Ok(())
}

/// Reads the [`Confinement`] a launcher wrote to its status file.
///
/// The launcher writes it before it execs the command. When Landlock was enforced and the
/// file lies outside every `read_write` path, the command cannot change it; without
/// Landlock a same-uid command could, so also compare with [`landlock_abi`] (a kernel
/// without Landlock can only ever yield `none`).
pub fn read_status(path: &Path) -> Result<Confinement, ConfineError> {
    let content =
        std::fs::read_to_string(path).map_err(io("read the confinement status file", path))?;
    content.parse()
}

/// The Landlock ABI version this kernel supports (capped at the newest one the `landlock`
/// crate knows), or `None` without Landlock. Probed once, without restricting anything.
pub fn landlock_abi() -> Option<i32> {
    static ABI_VERSION: OnceLock<Option<i32>> = OnceLock::new();
    *ABI_VERSION.get_or_init(|| probe_abi().map(abi_number))
}

fn probe_abi() -> Option<ABI> {
    // With no flags and without no_new_privs, `apply` makes no system call besides the
    // version probe: nothing is restricted.
    let status = RestrictSelf::default().no_new_privs(false).apply().ok()?;
    match status.landlock {
        LandlockStatus::Available { effective_abi, .. } if effective_abi != ABI::Unsupported => {
            Some(effective_abi)
        }
        _ => None,
    }
}

fn abi_number(abi: ABI) -> i32 {
    // `ABI` is non-exhaustive, so it cannot be cast; its `Display` is the number.
    abi.to_string().parse().unwrap_or(0)
}

/// Sends `SIGKILL` to the whole process group `pgid` (a launcher's pid), ignoring a group
/// that is already gone. Ids 0 and 1 (which would mean "our own group" or init) and ids
/// that are not valid pids are ignored.
///
/// A process that calls `setsid`/`setpgid` itself leaves the group: use a [`PidsCgroup`] to
/// catch those. Call it as soon as the command has ended: once the launcher is reaped and
/// no process of the group is left, its pid may in principle be recycled.
pub fn kill_group(pgid: u32) {
    let Ok(raw) = i32::try_from(pgid) else {
        return;
    };
    if raw <= 1 {
        return;
    }
    // ESRCH: nothing left; anything else (EPERM) cannot be helped here.
    let _ = killpg(Pid::from_raw(raw), Signal::SIGKILL);
}

/// Makes the calling process a child subreaper (`PR_SET_CHILD_SUBREAPER`), best effort:
/// orphans of confined commands are re-parented to the harness instead of init, so they
/// stay visible and, once killed, can be collected with [`reap_group`]. Returns whether it
/// worked.
pub fn become_subreaper() -> bool {
    nix::sys::prctl::set_child_subreaper(true).is_ok()
}

/// Collects, without blocking, the exited children of the calling process that are in
/// process group `pgid` (orphans re-parented to a subreaper harness), returning how many.
///
/// Call it only after the [`std::process::Child`] of that group's launcher has been waited
/// for: the launcher is in the group too and would otherwise be reaped here, making
/// `Child::wait` fail.
pub fn reap_group(pgid: u32) -> usize {
    let Ok(raw) = i32::try_from(pgid) else {
        return 0;
    };
    if raw <= 1 {
        return 0;
    }
    let mut reaped = 0;
    loop {
        match waitid(
            Id::PGid(Pid::from_raw(raw)),
            WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG,
        ) {
            Ok(WaitStatus::StillAlive) | Err(_) => return reaped,
            Ok(_) => reaped += 1,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Pids cgroup
// ---------------------------------------------------------------------------------------

/// A pids cgroup bounding how many processes a confined command may have (the defence
/// against fork bombs, since `RLIMIT_NPROC` does not bind root), and the way to kill every
/// process in it, including those that left the process group.
///
/// Dropping it kills what is left and removes the cgroup.
#[derive(Debug)]
pub struct PidsCgroup {
    dir: PathBuf,
}

impl PidsCgroup {
    /// Creates (or reuses, after emptying) the cgroup `another-harness-<name>` with
    /// `pids.max = max_pids`: cgroup v2 where a v2 hierarchy offers the `pids` controller,
    /// else the v1 `pids` hierarchy. `None` when neither works (no privilege, no controller)
    /// or `name` is not made of ASCII letters, digits, `-`, `_` and `.`.
    pub fn create(name: &str, max_pids: u64) -> Option<PidsCgroup> {
        let valid = !name.is_empty()
            && name.len() <= 200
            && !name.starts_with('.')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return None;
        }
        let leaf = format!("another-harness-{name}");
        let (v2_roots, v1_roots) = cgroup_roots();
        for root in v2_roots {
            if let Some(cgroup) = Self::create_v2(&root, &leaf, max_pids) {
                return Some(cgroup);
            }
        }
        for root in v1_roots {
            if let Some(cgroup) = Self::create_in(&root, &leaf, max_pids) {
                return Some(cgroup);
            }
        }
        None
    }

    fn create_v2(root: &Path, leaf: &str, max_pids: u64) -> Option<PidsCgroup> {
        let controllers = std::fs::read_to_string(root.join("cgroup.controllers")).ok()?;
        if !controllers.split_whitespace().any(|c| c == "pids") {
            return None;
        }
        let subtree = root.join("cgroup.subtree_control");
        let enabled = std::fs::read_to_string(&subtree).ok()?;
        if !enabled.split_whitespace().any(|c| c == "pids") {
            std::fs::write(&subtree, "+pids").ok()?;
        }
        Self::create_in(root, leaf, max_pids)
    }

    fn create_in(root: &Path, leaf: &str, max_pids: u64) -> Option<PidsCgroup> {
        if !root.join("cgroup.procs").is_file() {
            return None;
        }
        let dir = root.join(leaf);
        match std::fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(_) => return None,
        }
        let cgroup = PidsCgroup { dir };
        // A leftover of a crashed run may still hold processes.
        if !cgroup.kill_all()
            || std::fs::write(cgroup.dir.join("pids.max"), max_pids.to_string()).is_err()
        {
            // Dropping removes the directory.
            return None;
        }
        Some(cgroup)
    }

    /// The cgroup's directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Its `cgroup.procs`, for [`ConfineSpec::cgroup_procs`].
    pub fn procs_path(&self) -> PathBuf {
        self.dir.join("cgroup.procs")
    }

    /// The processes in the cgroup now (`None` if it cannot be read).
    pub fn pids(&self) -> Option<Vec<u32>> {
        let text = std::fs::read_to_string(self.procs_path()).ok()?;
        Some(
            text.split_whitespace()
                .filter_map(|pid| pid.parse().ok())
                .collect(),
        )
    }

    /// How many forks `pids.max` refused so far (the `max` count of `pids.events`).
    pub fn fork_denials(&self) -> Option<u64> {
        let text = std::fs::read_to_string(self.dir.join("pids.events")).ok()?;
        text.lines().find_map(|line| {
            let (key, value) = line.split_once(char::is_whitespace)?;
            (key == "max").then(|| value.trim().parse().ok())?
        })
    }

    /// SIGKILLs every process in the cgroup until it is empty (bounded: about two seconds).
    /// Returns whether it is empty. Killed processes may remain as zombies of their parent
    /// until reaped; they no longer run.
    pub fn kill_all(&self) -> bool {
        // cgroup v2 (Linux 5.14+) kills atomically, fork bombs included.
        let _ = std::fs::write(self.dir.join("cgroup.kill"), "1");
        for _ in 0..400 {
            let Some(pids) = self.pids() else {
                return false;
            };
            if pids.is_empty() {
                return true;
            }
            for pid in pids {
                if let Ok(raw) = i32::try_from(pid)
                    && raw > 1
                {
                    let _ = kill(Pid::from_raw(raw), Signal::SIGKILL);
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.pids().is_some_and(|pids| pids.is_empty())
    }
}

impl Drop for PidsCgroup {
    fn drop(&mut self) {
        self.kill_all();
        for _ in 0..200 {
            match std::fs::remove_dir(&self.dir) {
                Ok(()) => return,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    }
}

/// Mount points of cgroup v2 hierarchies and of v1 hierarchies with the pids controller,
/// from `/proc/self/mounts`, falling back to the usual places.
fn cgroup_roots() -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut v2 = Vec::new();
    let mut v1 = Vec::new();
    if let Ok(mounts) = std::fs::read_to_string("/proc/self/mounts") {
        for line in mounts.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [_, mount_point, fstype, options, ..] = fields[..] else {
                continue;
            };
            // Mount points escape spaces as \040; such mounts are not ours to guess.
            if mount_point.contains('\\') {
                continue;
            }
            match fstype {
                "cgroup2" => v2.push(PathBuf::from(mount_point)),
                "cgroup" if options.split(',').any(|o| o == "pids") => {
                    v1.push(PathBuf::from(mount_point));
                }
                _ => {}
            }
        }
    }
    for (list, fallback) in [
        (&mut v2, "/sys/fs/cgroup"),
        (&mut v1, "/sys/fs/cgroup/pids"),
    ] {
        let fallback = PathBuf::from(fallback);
        if !list.contains(&fallback) {
            list.push(fallback);
        }
    }
    (v2, v1)
}

// ---------------------------------------------------------------------------------------
// Launcher side
// ---------------------------------------------------------------------------------------

/// Called first thing in every harness `main`: when `argv[1]` is [`LAUNCHER_ARG`] this
/// process becomes the launcher of the command in [`SPEC_ENV`] and never returns (it execs
/// the command or exits with [`EXIT_LAUNCHER_FAILED`], [`EXIT_CANNOT_EXECUTE`] or
/// [`EXIT_NOT_FOUND`]); otherwise it returns at once.
pub fn run_launcher_if_requested() {
    let mut args = std::env::args_os();
    if args.nth(1).as_deref() != Some(OsStr::new(LAUNCHER_ARG)) {
        return;
    }
    let parent = args
        .next()
        .and_then(|arg| arg.to_str().and_then(|s| s.parse::<u32>().ok()));
    let (code, error) = launch(parent);
    eprintln!("another-harness confinement launcher: {error}");
    std::process::exit(code);
}

/// Sets up confinement and execs; returns only on failure, with the exit code to use.
fn launch(parent: Option<u32>) -> (i32, ConfineError) {
    let spec = match load_spec() {
        Ok(spec) => spec,
        Err(e) => return (EXIT_LAUNCHER_FAILED, e),
    };
    let mut exec = match confine_self(&spec, parent) {
        Ok(exec) => exec,
        Err(e) => return (EXIT_LAUNCHER_FAILED, e),
    };
    let error = exec.exec();
    let code = if error.kind() == std::io::ErrorKind::NotFound {
        EXIT_NOT_FOUND
    } else {
        EXIT_CANNOT_EXECUTE
    };
    let program = spec.argv.first().map(String::as_str).unwrap_or_default();
    (
        code,
        ConfineError::Io {
            what: "execute",
            path: PathBuf::from(program),
            source: error,
        },
    )
}

fn load_spec() -> Result<ConfineSpec, ConfineError> {
    let json = std::env::var(SPEC_ENV).map_err(|_| ConfineError::MissingSpec)?;
    let spec: ConfineSpec =
        serde_json::from_str(&json).map_err(|source| ConfineError::ParseSpec { source })?;
    validate(&spec)?;
    Ok(spec)
}

/// Everything up to exec; returns the command to exec.
fn confine_self(spec: &ConfineSpec, parent: Option<u32>) -> Result<Command, ConfineError> {
    nix::unistd::setsid().map_err(sys("start a new session (setsid)"))?;
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(sys("set the parent-death signal"))?;
    // The parent may have died before the parent-death signal was armed.
    if let Some(expected) = parent
        && u32::try_from(nix::unistd::getppid().as_raw()).ok() != Some(expected)
    {
        return Err(ConfineError::ParentGone { expected });
    }

    if let Some(procs) = &spec.cgroup_procs {
        std::fs::write(procs, std::process::id().to_string())
            .map_err(io("join the pids cgroup via", procs))?;
    }

    if !spec.cwd.is_dir() {
        return Err(ConfineError::BadCwd {
            path: spec.cwd.clone(),
        });
    }

    // Opened before Landlock, which may forbid opening it afterwards.
    let mut status_file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&spec.status_file)
        .map_err(io("open the confinement status file", &spec.status_file))?;

    let confinement = if spec.landlock {
        apply_landlock(spec)?
    } else {
        Confinement::None
    };
    write_status(&mut status_file, &spec.status_file, confinement)?;
    drop(status_file);

    // After the status line is written: RLIMIT_FSIZE could forbid even that.
    apply_limits(&spec.limits)?;

    let mut cmd = Command::new(&spec.argv[0]);
    cmd.args(&spec.argv[1..])
        .current_dir(&spec.cwd)
        .env_clear()
        .envs(spec.env.iter().map(|(k, v)| (k, v)));
    Ok(cmd)
}

fn write_status(
    file: &mut File,
    path: &Path,
    confinement: Confinement,
) -> Result<(), ConfineError> {
    file.write_all(format!("{confinement}\n").as_bytes())
        .and_then(|()| file.flush())
        .map_err(io("write the confinement status file", path))
}

fn apply_limits(limits: &Limits) -> Result<(), ConfineError> {
    setrlimit(Resource::RLIMIT_CORE, 0, 0).map_err(sys("set RLIMIT_CORE"))?;
    if let Some(bytes) = limits.file_size_bytes {
        setrlimit(Resource::RLIMIT_FSIZE, bytes, bytes).map_err(sys("set RLIMIT_FSIZE"))?;
    }
    if let Some(seconds) = limits.cpu_seconds {
        // SIGXCPU at the soft limit, SIGKILL at the hard one.
        setrlimit(Resource::RLIMIT_CPU, seconds, seconds.saturating_add(1))
            .map_err(sys("set RLIMIT_CPU"))?;
    }
    if let Some(processes) = limits.processes {
        // Best effort: see `Limits::processes`.
        let _ = setrlimit(Resource::RLIMIT_NPROC, processes, processes);
    }
    Ok(())
}

fn apply_landlock(spec: &ConfineSpec) -> Result<Confinement, ConfineError> {
    let Some(abi) = probe_abi() else {
        return Ok(Confinement::None);
    };
    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(abi))?;
    if spec.no_network && abi >= ABI::V4 {
        // TCP bind/connect (and UDP from ABI v10), with no rule allowing any port.
        ruleset = ruleset.handle_access(AccessNet::from_all(abi))?;
    }
    if abi >= ABI::V6 {
        // No signals to, and no abstract unix sockets of, processes outside the sandbox
        // (such as the harness).
        ruleset = ruleset.scope(Scope::from_all(abi))?;
    }
    let mut created = ruleset.create()?;
    let rules = spec
        .read_only
        .iter()
        .map(|path| (path, AccessFs::from_read(abi)))
        .chain(
            spec.read_write
                .iter()
                .map(|path| (path, AccessFs::from_all(abi))),
        );
    for (path, access) in rules {
        if let Some(rule) = path_rule(path, access, abi)? {
            created = created.add_rule(rule)?;
        }
    }
    let status = created.restrict_self()?;
    let abi = abi_number(abi);
    Ok(match status.ruleset {
        RulesetStatus::FullyEnforced => Confinement::Landlock {
            abi,
            partial: false,
        },
        RulesetStatus::PartiallyEnforced => Confinement::Landlock { abi, partial: true },
        RulesetStatus::NotEnforced => Confinement::None,
    })
}

/// A rule for `path` (`None` if it does not exist), with the directory-only rights dropped
/// when it is not a directory (the kernel would reject them).
fn path_rule(
    path: &Path,
    access: BitFlags<AccessFs>,
    abi: ABI,
) -> Result<Option<PathBeneath<PathFd>>, ConfineError> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConfineError::Io {
                what: "inspect landlock rule path",
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let access = if metadata.is_dir() {
        access
    } else {
        access & AccessFs::from_file(abi)
    };
    let fd = PathFd::new(path).map_err(|source| ConfineError::LandlockPath {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Some(PathBeneath::new(fd, access)))
}
