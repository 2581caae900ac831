//! Process confinement for agent commands and checks.
//!
//! [`command`] turns a [`ConfineSpec`] into a [`ConfinedCommand`]. Everything that can be
//! prepared in the harness is prepared there: the Landlock ruleset (crate `landlock`, best
//! ABI the kernel has; system and toolchain rule paths opened once per process), the pids
//! cgroup's `cgroup.procs` opened for writing, the resource limits clamped to what may be
//! set, the `PATH` search, argv and environment as C strings. [`ConfinedCommand::spawn`]
//! then starts the child the way `posix_spawn` does (module [`child`]), and the child only
//! makes system calls, in this order:
//!
//! 1. resets the harness's signal handlers, moves its streams to 0, 1 and 2 (stdin is
//!    `/dev/null`) and enters the working directory;
//! 2. `setsid()`: the command and everything it spawns share one session and one process
//!    group whose id is the command's pid (see [`kill_group`]);
//! 3. `PR_SET_PDEATHSIG = SIGKILL`, then a check that the harness did not die before it;
//! 4. joins the pids cgroup, if any (see [`PidsCgroup`]);
//! 5. resource limits (`RLIMIT_CORE = 0`, `RLIMIT_FSIZE`, `RLIMIT_CPU`, `RLIMIT_NPROC`);
//! 6. `PR_SET_NO_NEW_PRIVS` and `landlock_restrict_self`: read/execute on
//!    [`ConfineSpec::read_only`], full access on [`ConfineSpec::read_write`], nothing else;
//!    TCP bind/connect denied when [`ConfineSpec::no_network`] (ABI v4+); signals and
//!    abstract unix sockets scoped to the sandbox (ABI v6+);
//! 7. `execve` with exactly the spec's argv and environment (searching the spec's `PATH`
//!    like `execvp`).
//!
//! A step that fails is reported to the harness through a pipe, so
//! [`ConfinedCommand::spawn`] says which one ([`SpawnError::Setup`]); the command never runs.
//!
//! Module [`child`] holds the workspace's only `unsafe` code, with [`crate::flags`] (the
//! two `ioctl`s that read and clear immutable and append-only inode flags). An earlier design
//! re-executed the harness binary as a launcher to stay free of `unsafe`; the second `exec`
//! cost more than everything else in a small episode, and a `fork`-based hook cost time in
//! proportion to the harness's memory (docs/DESIGN.md, docs/PERFORMANCE.md).
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

mod child;

use std::fmt;
use std::fs::OpenOptions;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;

use landlock::{
    ABI, Access, AccessFs, AccessNet, BitFlags, CompatLevel, Compatible, LandlockStatus,
    PathBeneath, RestrictSelf, Ruleset, RulesetAttr, RulesetCreatedAttr, Scope,
};
use nix::errno::Errno;
use nix::libc;
use nix::sys::resource::{Resource, getrlimit};
use nix::sys::signal::{Signal, kill, killpg};
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
use nix::unistd::Pid;

/// Exit code reported for a command whose confinement could not be set up (it never ran).
pub const EXIT_CONFINEMENT_FAILED: i32 = 125;

/// Exit code reported for a command that exists but could not be executed (like a shell).
pub const EXIT_CANNOT_EXECUTE: i32 = 126;

/// Exit code reported for a command that was not found (like a shell).
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

/// What to run and how to confine it.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Deny TCP bind and connect (Landlock ABI v4+; on older kernels the confinement is
    /// reported `partial`).
    pub no_network: bool,
    /// Resource limits.
    pub limits: Limits,
    /// The file of a pids cgroup the command writes `0` to before exec to join it
    /// ([`PidsCgroup::join_path`]: `tasks` on cgroup v1, `cgroup.procs` on v2), so it and
    /// all its descendants are counted and killable.
    pub cgroup_procs: Option<PathBuf>,
}

impl ConfineSpec {
    /// A spec with Landlock on, network allowed, no paths, no environment, no limits and no
    /// cgroup: add what the command needs.
    pub fn new(argv: Vec<String>, cwd: PathBuf) -> Self {
        Self {
            argv,
            cwd,
            env: Vec::new(),
            read_only: Vec::new(),
            read_write: Vec::new(),
            landlock: true,
            no_network: false,
            limits: Limits::default(),
            cgroup_procs: None,
        }
    }
}

/// Resource limits applied with `setrlimit` (soft and hard) in the child. `None` leaves
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

/// The confinement a command runs under.
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
    /// `none`, `landlock-v<N>` or `landlock-v<N> partial`.
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
        let bad = || ConfineError::BadLabel {
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

/// Everything that can go wrong preparing a confined command (in the harness, before any
/// process exists).
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
    /// Building the Landlock ruleset failed.
    #[error("failed to build the landlock ruleset: {source}")]
    Landlock {
        /// Cause.
        #[source]
        source: landlock::RulesetError,
    },
    /// The working directory is not a directory.
    #[error("working directory {} is not an existing directory", path.display())]
    BadCwd {
        /// The directory.
        path: PathBuf,
    },
    /// A confinement label is neither `none` nor `landlock-v<N>`.
    #[error("confinement {content:?} is not `none` or `landlock-v<N>`")]
    BadLabel {
        /// What it held.
        content: String,
    },
}

impl From<landlock::RulesetError> for ConfineError {
    fn from(source: landlock::RulesetError) -> Self {
        ConfineError::Landlock { source }
    }
}

/// Why a prepared command did not start.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// A confinement step failed in the child; the command never ran.
    #[error("failed to {step} for `{program}` (it did not run): {source}")]
    Setup {
        /// The step, e.g. "join the pids cgroup".
        step: &'static str,
        /// The program.
        program: String,
        /// The system call's error.
        #[source]
        source: std::io::Error,
    },
    /// Confinement was set up but the program could not be executed.
    #[error("cannot run `{program}`: {source}")]
    Exec {
        /// The program.
        program: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

impl SpawnError {
    /// The exit status a shell would report: [`EXIT_CONFINEMENT_FAILED`],
    /// [`EXIT_NOT_FOUND`] or [`EXIT_CANNOT_EXECUTE`].
    pub fn exit_code(&self) -> i32 {
        match self {
            SpawnError::Setup { .. } => EXIT_CONFINEMENT_FAILED,
            SpawnError::Exec { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                EXIT_NOT_FOUND
            }
            SpawnError::Exec { .. } => EXIT_CANNOT_EXECUTE,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Parent side
// ---------------------------------------------------------------------------------------

/// A command prepared by [`command`]: redirect its output with
/// [`ConfinedCommand::stdout`] and [`ConfinedCommand::stderr`], then
/// [`ConfinedCommand::spawn`] it.
#[derive(Debug)]
pub struct ConfinedCommand {
    exec: child::Exec,
    setup: child::Setup,
    confinement: Confinement,
    program: String,
    stdout: Option<OwnedFd>,
    stderr: Option<OwnedFd>,
}

impl ConfinedCommand {
    /// The confinement the command will run under (decided before the clone; a step that
    /// then fails makes [`ConfinedCommand::spawn`] fail).
    pub fn confinement(&self) -> Confinement {
        self.confinement
    }

    /// Where the command's standard output goes (inherited from the harness otherwise).
    pub fn stdout(&mut self, fd: impl Into<OwnedFd>) -> &mut Self {
        self.stdout = Some(fd.into());
        self
    }

    /// Where the command's standard error goes (inherited from the harness otherwise).
    pub fn stderr(&mut self, fd: impl Into<OwnedFd>) -> &mut Self {
        self.stderr = Some(fd.into());
        self
    }

    /// Starts the command confined; stdin is `/dev/null`.
    ///
    /// The command gets `SIGKILL` when the *thread* that spawned it exits
    /// (`PR_SET_PDEATHSIG` follows the spawning thread): spawn and wait on the same thread.
    pub fn spawn(self) -> Result<ConfinedChild, SpawnError> {
        let program = self.program;
        let io_error = |errno: Errno| std::io::Error::from_raw_os_error(errno as i32);
        let dev_null = dev_null().map_err(|source| SpawnError::Setup {
            step: "open /dev/null for the standard input",
            program: program.clone(),
            source,
        })?;
        let stdio = child::Stdio {
            stdin: dev_null,
            stdout: self.stdout.as_ref().map(AsFd::as_fd),
            stderr: self.stderr.as_ref().map(AsFd::as_fd),
        };
        match child::spawn(&self.setup, &self.exec, &stdio) {
            Ok(pid) => Ok(ConfinedChild { pid, status: None }),
            Err(child::Failure::Setup { step, errno }) => Err(SpawnError::Setup {
                step: child::SETUP_STEPS.get(step).copied().unwrap_or("set up"),
                program,
                source: io_error(errno),
            }),
            Err(child::Failure::Exec(errno)) => Err(SpawnError::Exec {
                program,
                source: io_error(errno),
            }),
            Err(child::Failure::Clone(errno)) => Err(SpawnError::Setup {
                step: "start a process (clone)",
                program,
                source: io_error(errno),
            }),
        }
    }
}

/// `/dev/null`, opened once per process for every command's standard input.
fn dev_null() -> std::io::Result<std::os::fd::BorrowedFd<'static>> {
    static DEV_NULL: OnceLock<OwnedFd> = OnceLock::new();
    if let Some(fd) = DEV_NULL.get() {
        return Ok(fd.as_fd());
    }
    let file = std::fs::File::open("/dev/null")?;
    Ok(DEV_NULL.get_or_init(|| file.into()).as_fd())
}

/// A running confined command (the leader of its own session and process group).
#[derive(Debug)]
pub struct ConfinedChild {
    pid: Pid,
    status: Option<ExitStatus>,
}

impl ConfinedChild {
    /// Its pid, which is also its process group and session id ([`kill_group`]).
    pub fn id(&self) -> u32 {
        self.pid.as_raw().unsigned_abs()
    }

    /// Waits for it to exit (and reaps it).
    pub fn wait(&mut self) -> std::io::Result<ExitStatus> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        let status = child::wait(self.pid, WaitPidFlag::empty())?
            .ok_or_else(|| std::io::Error::other("waitpid returned without a status"))?;
        self.status = Some(status);
        Ok(status)
    }

    /// Its exit status if it has exited (reaping it), else `None`.
    pub fn try_wait(&mut self) -> std::io::Result<Option<ExitStatus>> {
        if self.status.is_none() {
            self.status = child::wait(self.pid, WaitPidFlag::WNOHANG)?;
        }
        Ok(self.status)
    }
}

/// Prepares `spec` to run confined: validates it, builds the Landlock ruleset (when
/// `spec.landlock` and the kernel has Landlock), opens the cgroup and prepares what the
/// child needs to apply them and exec (see [`child`]).
pub fn command(spec: &ConfineSpec) -> Result<ConfinedCommand, ConfineError> {
    validate(spec)?;
    if !spec.cwd.is_dir() {
        return Err(ConfineError::BadCwd {
            path: spec.cwd.clone(),
        });
    }
    let (ruleset, confinement) = match spec.landlock.then(probe_abi).flatten() {
        Some(abi) => landlock_ruleset(spec, abi)?,
        None => (None, Confinement::None),
    };
    let cgroup = spec
        .cgroup_procs
        .as_ref()
        .map(|procs| {
            OpenOptions::new()
                .write(true)
                .open(procs)
                .map(OwnedFd::from)
                .map_err(|source| ConfineError::Io {
                    what: "open the pids cgroup's",
                    path: procs.clone(),
                    source,
                })
        })
        .transpose()?;
    let exec = child::Exec::new(&spec.argv, &spec.env, &spec.cwd).map_err(|_| {
        ConfineError::InvalidString {
            what: "argv, environment or working directory",
            value: spec.argv.join(" "),
        }
    })?;
    Ok(ConfinedCommand {
        exec,
        setup: child::Setup {
            parent: Pid::this(),
            cgroup,
            limits: limit_settings(&spec.limits),
            ruleset,
        },
        confinement,
        program: spec.argv[0].clone(),
        stdout: None,
        stderr: None,
    })
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
        .chain([&spec.cwd])
        .chain(&spec.cgroup_procs);
    for path in paths {
        if path.as_os_str().as_encoded_bytes().contains(&0) {
            return Err(invalid("a path", &path.to_string_lossy()));
        }
    }
    Ok(())
}

/// The ruleset for `spec` on a kernel with Landlock `abi`, and what it enforces.
fn landlock_ruleset(
    spec: &ConfineSpec,
    abi: ABI,
) -> Result<(Option<OwnedFd>, Confinement), ConfineError> {
    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(abi))?;
    let network_handled = spec.no_network && abi >= ABI::V4;
    if network_handled {
        // TCP bind/connect (and UDP from ABI v10), with no rule allowing any port.
        ruleset = ruleset.handle_access(AccessNet::from_all(abi))?;
    }
    if abi >= ABI::V6 {
        // No signals to, and no abstract unix sockets of, processes outside the sandbox
        // (such as the harness).
        ruleset = ruleset.scope(Scope::from_all(abi))?;
    }
    let mut created = ruleset.create()?;
    let mut granted = std::collections::HashSet::new();
    for path in &spec.read_only {
        if granted.insert(path)
            && let Some(rule) = read_only_rule_path(path)?
        {
            let access = AccessFs::from_read(abi);
            created = created.add_rule(path_rule(&rule.fd, rule.is_dir, access, abi))?;
        }
    }
    for path in &spec.read_write {
        if let Some(rule) = RulePath::open(path)? {
            let access = AccessFs::from_all(abi);
            created = created.add_rule(path_rule(rule.fd, rule.is_dir, access, abi))?;
        }
    }
    let fd: Option<OwnedFd> = created.into();
    let confinement = match fd {
        Some(_) => Confinement::Landlock {
            abi: abi_number(abi),
            partial: spec.no_network && !network_handled,
        },
        None => Confinement::None,
    };
    Ok((fd, confinement))
}

/// `(resource, soft, hard, required)` for each limit, each clamped to the harness's own
/// hard limit (which only root could raise), so setting them in the child cannot fail for
/// lack of privilege.
fn limit_settings(limits: &Limits) -> Vec<(Resource, u64, u64, bool)> {
    let clamp = |resource: Resource, soft: u64, hard: u64| {
        let ceiling = getrlimit(resource).map_or(u64::MAX, |(_, hard)| hard);
        (resource, soft.min(ceiling), hard.min(ceiling))
    };
    let mut settings = Vec::with_capacity(4);
    let (resource, soft, hard) = clamp(Resource::RLIMIT_CORE, 0, 0);
    settings.push((resource, soft, hard, true));
    if let Some(bytes) = limits.file_size_bytes {
        let (resource, soft, hard) = clamp(Resource::RLIMIT_FSIZE, bytes, bytes);
        settings.push((resource, soft, hard, true));
    }
    if let Some(seconds) = limits.cpu_seconds {
        // SIGXCPU at the soft limit, SIGKILL at the hard one.
        let (resource, soft, hard) =
            clamp(Resource::RLIMIT_CPU, seconds, seconds.saturating_add(1));
        settings.push((resource, soft, hard, true));
    }
    if let Some(processes) = limits.processes {
        // Best effort: see `Limits::processes`.
        let (resource, soft, hard) = clamp(Resource::RLIMIT_NPROC, processes, processes);
        settings.push((resource, soft, hard, false));
    }
    settings
}

/// The Landlock ABI version this kernel supports (capped at the newest one the `landlock`
/// crate knows), or `None` without Landlock. Probed once, without restricting anything.
pub fn landlock_abi() -> Option<i32> {
    probe_abi().map(abi_number)
}

fn probe_abi() -> Option<ABI> {
    static ABI: OnceLock<Option<ABI>> = OnceLock::new();
    *ABI.get_or_init(|| {
        // With no flags and without no_new_privs, `apply` makes no system call besides the
        // version probe: nothing is restricted.
        let status = RestrictSelf::default().no_new_privs(false).apply().ok()?;
        match status.landlock {
            LandlockStatus::Available { effective_abi, .. }
                if effective_abi != ABI::Unsupported =>
            {
                Some(effective_abi)
            }
            _ => None,
        }
    })
}

fn abi_number(abi: ABI) -> i32 {
    // `ABI` is non-exhaustive, so it cannot be cast; its `Display` is the number.
    abi.to_string().parse().unwrap_or(0)
}

/// Sends `SIGKILL` to the whole process group `pgid` (a confined command's pid), ignoring a group
/// that is already gone. Ids 0 and 1 (which would mean "our own group" or init) and ids
/// that are not valid pids are ignored.
///
/// A process that calls `setsid`/`setpgid` itself leaves the group: use a [`PidsCgroup`] to
/// catch those. Call it as soon as the command has ended: once the command is reaped and
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
/// Call it only after the [`std::process::Child`] of that group's leader has been waited
/// for: the leader is in the group too and would otherwise be reaped here, making
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
    max_pids: u64,
    /// The file a process writes `0` to to join: `tasks` on cgroup v1, `cgroup.procs` on v2.
    join_file: &'static str,
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
        // cgroup v1 also has `tasks`, which moves one thread. Moving a whole process
        // (`cgroup.procs`) write-locks a global percpu rwsem, which waits for an RCU grace
        // period unless another migration happened just before: about 9-20 ms per process
        // on this kind of VM when processes start seconds apart, against under 0.1 ms for
        // the single-threaded child joining through `tasks` (docs/PERFORMANCE.md).
        let join_file = if dir.join("tasks").is_file() {
            "tasks"
        } else {
            "cgroup.procs"
        };
        let mut cgroup = PidsCgroup {
            dir,
            max_pids: 0,
            join_file,
        };
        // A leftover of a crashed run may still hold processes.
        if !cgroup.kill_all() || !cgroup.set_max_pids(max_pids) {
            // Dropping removes the directory.
            return None;
        }
        Some(cgroup)
    }

    /// Sets `pids.max`; returns whether it worked.
    pub fn set_max_pids(&mut self, max_pids: u64) -> bool {
        let set = std::fs::write(self.dir.join("pids.max"), max_pids.to_string()).is_ok();
        if set {
            self.max_pids = max_pids;
        }
        set
    }

    /// The `pids.max` it was created or last set with.
    pub fn max_pids(&self) -> u64 {
        self.max_pids
    }

    /// The cgroup's directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Its `cgroup.procs` (the processes in it).
    pub fn procs_path(&self) -> PathBuf {
        self.dir.join("cgroup.procs")
    }

    /// The file a new, single-threaded process writes `0` to to join, for
    /// [`ConfineSpec::cgroup_procs`]: `tasks` on cgroup v1 (no wait for an RCU grace
    /// period), `cgroup.procs` on v2.
    pub fn join_path(&self) -> PathBuf {
        self.dir.join(self.join_file)
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
/// from `/proc/self/mounts` (read once), falling back to the usual places.
fn cgroup_roots() -> (Vec<PathBuf>, Vec<PathBuf>) {
    static ROOTS: OnceLock<(Vec<PathBuf>, Vec<PathBuf>)> = OnceLock::new();
    ROOTS.get_or_init(read_cgroup_roots).clone()
}

fn read_cgroup_roots() -> (Vec<PathBuf>, Vec<PathBuf>) {
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

/// A rule path opened with `O_PATH` (following symlinks, as the kernel resolves the rule).
#[derive(Debug)]
struct RulePath {
    fd: OwnedFd,
    is_dir: bool,
    /// Device and inode, to notice the path now names another file.
    identity: (u64, u64),
}

impl RulePath {
    fn open(path: &Path) -> Result<Option<RulePath>, ConfineError> {
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
        let opened = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_PATH)
            .open(path)
            .and_then(|file| file.metadata().map(|metadata| (file, metadata)));
        match opened {
            Ok((file, metadata)) => Ok(Some(RulePath {
                fd: file.into(),
                is_dir: metadata.is_dir(),
                identity: (metadata.dev(), metadata.ino()),
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(ConfineError::Io {
                what: "open landlock rule path",
                path: path.to_path_buf(),
                source,
            }),
        }
    }
}

/// The opened read-only rule paths (system and toolchain dirs, the same for every command),
/// reused while the path still names the same file: one `stat` per rule instead of an
/// open, a stat and a close. Paths that did not exist are looked up again every time.
fn read_only_rule_path(path: &Path) -> Result<Option<std::sync::Arc<RulePath>>, ConfineError> {
    use std::collections::HashMap;
    use std::os::unix::fs::MetadataExt;
    use std::sync::{Arc, Mutex};
    type Cache = Mutex<HashMap<PathBuf, Arc<RulePath>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let identity = match std::fs::metadata(path) {
        Ok(metadata) => (metadata.dev(), metadata.ino()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConfineError::Io {
                what: "inspect landlock rule path",
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let cached = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(path)
        .filter(|rule| rule.identity == identity)
        .cloned();
    if let Some(rule) = cached {
        return Ok(Some(rule));
    }
    let Some(rule) = RulePath::open(path)?.map(Arc::new) else {
        return Ok(None);
    };
    cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(path.to_path_buf(), rule.clone());
    Ok(Some(rule))
}

/// A Landlock rule granting `access` beneath `rule`, with the directory-only rights
/// dropped when it is not a directory (the kernel would reject them).
fn path_rule<F: AsFd>(fd: F, is_dir: bool, access: BitFlags<AccessFs>, abi: ABI) -> PathBeneath<F> {
    let access = if is_dir {
        access
    } else {
        access & AccessFs::from_file(abi)
    };
    PathBeneath::new(fd, access)
}
