//! Process confinement for agent commands and checks.
//!
//! [`command`] turns a [`ConfineSpec`] into a [`ConfinedCommand`]. Everything that can be
//! prepared in the harness is prepared there: the Landlock ruleset (crate `landlock`, best
//! ABI the kernel has; system and toolchain rule paths opened once per process), the pids
//! cgroup's `cgroup.procs` opened for writing, the resource limits clamped to what may be
//! set, the `PATH` search, argv and environment as C strings. [`ConfinedCommand::spawn`]
//! then starts the child the way `posix_spawn` does (module `child`), and the child only
//! makes system calls, in this order:
//!
//! 1. resets the harness's signal handlers, moves its streams to 0, 1 and 2 (stdin is
//!    `/dev/null`) and enters the working directory;
//! 2. `setsid()`: the command and everything it spawns share one session and one process
//!    group whose id is the command's pid (see [`kill_group`]);
//! 3. `PR_SET_PDEATHSIG = SIGKILL`, then a check that the harness did not die before it;
//! 4. joins the pids cgroup, if any (see [`PidsCgroup`]);
//! 5. resource limits (`RLIMIT_CORE = 0`, `RLIMIT_FSIZE`, `RLIMIT_CPU`, `RLIMIT_NPROC`);
//! 6. drops every capability, when the harness has some (it runs as root);
//! 7. `PR_SET_NO_NEW_PRIVS` and `landlock_restrict_self`: read/execute on
//!    [`ConfineSpec::read_only`], full access on [`ConfineSpec::read_write`], nothing else;
//!    TCP bind/connect denied when [`ConfineSpec::no_network`] (ABI v4+); signals and
//!    abstract unix sockets scoped to the sandbox (ABI v6+);
//! 8. installs the seccomp filter of module `seccomp` (keyrings, other processes' memory
//!    and descriptors, new namespaces);
//! 9. `execve` with exactly the spec's argv and environment (searching the spec's `PATH`
//!    like `execvp`).
//!
//! With [`ConfineSpec::namespaces`] (where the kernel allows), the harness does not start
//! the child itself: an init it makes does, as pid 1 of the command's own PID, IPC, mount
//! and (without network) network namespaces, after giving a confined command its
//! filesystem view (modules `init`, `namespace`, `view`; [`Lifetime`]).
//!
//! A step that fails is reported to the harness through a pipe, so
//! [`ConfinedCommand::spawn`] says which one ([`SpawnError::Setup`]); the command never runs.
//!
//! The parts: `ruleset` builds the Landlock ruleset and probes the ABI ([`landlock_abi`]),
//! `cgroup` holds [`PidsCgroup`], `group` the process-group functions ([`kill_group`],
//! [`reap_group`], [`become_subreaper`]), `child` the code between clone and exec, `init`
//! the namespaces' init and its keeper thread, `namespace` the namespaces themselves,
//! `view` the filesystem view, `seccomp` the filter, `status` what a case reports.
//!
//! Modules `child`, `init` and `namespace` hold the workspace's only `unsafe` code (system
//! calls between clone and exec, each block with a SAFETY comment), with [`crate::flags`]
//! (the two `ioctl`s that read and clear immutable and append-only inode flags). An earlier design
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

mod cgroup;
mod child;
mod group;
mod init;
mod namespace;
mod ruleset;
mod seccomp;
mod status;
mod view;

use std::fs::OpenOptions;
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::process::ExitStatus;
use std::sync::OnceLock;

use nix::errno::Errno;
use nix::sys::resource::{Resource, getrlimit};
use nix::sys::wait::WaitPidFlag;
use nix::unistd::Pid;

pub use cgroup::PidsCgroup;
pub use group::{become_subreaper, kill_group, reap_group};
pub use ruleset::landlock_abi;
pub use status::{Confinement, Lifetime, Limits};

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
    /// Run the command in its own PID and IPC namespaces (and, with
    /// [`ConfineSpec::no_network`], its own network namespace with only a loopback) under
    /// a harness-made init, where the kernel allows ([`Lifetime`]). Independent of
    /// [`ConfineSpec::landlock`].
    pub namespaces: bool,
    /// Directories an unconfined command (no Landlock, so no filesystem view) must not
    /// see, each covered by an empty read-only tmpfs in its mount namespace (the harness's
    /// output and fixture directories, say). Only with namespaces; missing paths, and
    /// paths that hold the working directory or a rule path, are left alone.
    pub masked: Vec<PathBuf>,
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
            namespaces: true,
            masked: Vec::new(),
        }
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
    lifetime: Lifetime,
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

    /// What bounds the command's life (decided before the clone).
    pub fn lifetime(&self) -> Lifetime {
        self.lifetime
    }

    /// Whether the command gets a network namespace of its own (only a loopback).
    pub fn isolates_network(&self) -> bool {
        self.setup
            .namespaces
            .as_ref()
            .is_some_and(namespace::Namespaces::isolates_network)
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
    /// With namespaces ([`ConfinedCommand::lifetime`] `PidNamespace`) the command lives until
    /// it ends or its [`ConfinedChild`] is dropped (which kills it), and dies with the
    /// harness. Without, it gets `SIGKILL` when the *thread* that spawned it exits
    /// (`PR_SET_PDEATHSIG` follows the spawning thread): spawn and wait on the same thread.
    pub fn spawn(self) -> Result<ConfinedChild, SpawnError> {
        let program = self.program;
        let io_error = |errno: Errno| std::io::Error::from_raw_os_error(errno as i32);
        let dev_null = dev_null().map_err(|source| SpawnError::Setup {
            step: "open /dev/null for the standard input",
            program: program.clone(),
            source,
        })?;
        let started = if self.setup.namespaces.is_some() {
            init::spawn(self.setup, self.exec, self.stdout, self.stderr, dev_null).map(|running| {
                ConfinedChild {
                    pid: running.pid.unwrap_or(Pid::from_raw(0)),
                    running: Some(running),
                    status: None,
                }
            })
        } else {
            let stdio = child::Stdio {
                stdin: dev_null,
                stdout: self.stdout.as_ref().map(AsFd::as_fd),
                stderr: self.stderr.as_ref().map(AsFd::as_fd),
            };
            child::spawn(&self.setup, &self.exec, &stdio).map(|pid| ConfinedChild {
                pid,
                running: None,
                status: None,
            })
        };
        started.map_err(|failure| match failure {
            child::Failure::Setup { step, errno } => SpawnError::Setup {
                step: step_name(step),
                program,
                source: io_error(errno),
            },
            child::Failure::Exec(errno) => SpawnError::Exec {
                program,
                source: io_error(errno),
            },
            child::Failure::Clone(errno) => SpawnError::Setup {
                step: "start a process (clone)",
                program,
                source: io_error(errno),
            },
        })
    }
}

/// The name of a reported setup step: the child's, or the namespaces' init's.
fn step_name(step: usize) -> &'static str {
    let init_base = usize::from(init::INIT_STEP_BASE);
    let name = match step.checked_sub(init_base) {
        Some(init_step) => init::INIT_STEPS.get(init_step),
        None => child::SETUP_STEPS.get(step),
    };
    name.copied().unwrap_or("set up")
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

/// A running confined command: the leader of its own session and process group, or (with
/// namespaces) the init of its namespaces, itself a session leader, running the command.
#[derive(Debug)]
pub struct ConfinedChild {
    /// The command, or the init of its namespaces.
    pid: Pid,
    /// With namespaces: the init and its keeper thread.
    running: Option<init::Running>,
    status: Option<ExitStatus>,
}

impl ConfinedChild {
    /// Its pid, which is also its process group and session id ([`kill_group`]; with
    /// namespaces, the init's: killing it kills everything in the namespaces; 0 when the
    /// command had already ended, init and all, before the pid could be read).
    pub fn id(&self) -> u32 {
        self.pid.as_raw().unsigned_abs()
    }

    /// Waits for it to exit (and reaps it): the command's own status.
    pub fn wait(&mut self) -> std::io::Result<ExitStatus> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        let status = match &mut self.running {
            Some(running) => running.wait()?,
            None => child::wait(self.pid, WaitPidFlag::empty())?
                .ok_or_else(|| std::io::Error::other("waitpid returned without a status"))?,
        };
        self.status = Some(status);
        Ok(status)
    }

    /// Its exit status if it has exited (reaping it), else `None`.
    pub fn try_wait(&mut self) -> std::io::Result<Option<ExitStatus>> {
        if self.status.is_none() {
            self.status = match &mut self.running {
                Some(running) => running.try_wait()?,
                None => child::wait(self.pid, WaitPidFlag::WNOHANG)?,
            };
        }
        Ok(self.status)
    }
}

/// Prepares `spec` to run confined: validates it, builds the Landlock ruleset (when
/// `spec.landlock` and the kernel has Landlock), opens the cgroup and prepares what the
/// child needs to apply them and exec (see the module docs).
pub fn command(spec: &ConfineSpec) -> Result<ConfinedCommand, ConfineError> {
    validate(spec)?;
    if !spec.cwd.is_dir() {
        return Err(ConfineError::BadCwd {
            path: spec.cwd.clone(),
        });
    }
    let (ruleset, confinement) = match spec.landlock.then(ruleset::probe_abi).flatten() {
        Some(abi) => ruleset::landlock_ruleset(spec, abi)?,
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
    let namespaces = spec
        .namespaces
        .then(namespace::support)
        .flatten()
        .map(|support| {
            namespace::Namespaces::new(
                support,
                spec.no_network,
                view::of(spec),
                view::masks(spec),
                view::frozen(spec),
            )
        });
    let lifetime = if namespaces.is_some() {
        Lifetime::PidNamespace
    } else {
        Lifetime::Session
    };
    Ok(ConfinedCommand {
        exec,
        setup: child::Setup {
            parent: Pid::this(),
            cgroup,
            limits: limit_settings(&spec.limits),
            ruleset,
            drop_capabilities: has_capabilities()
                || namespaces.as_ref().is_some_and(|n| n.in_user_namespace()),
            namespaces,
            seccomp: seccomp::filter(),
        },
        confinement,
        lifetime,
        program: spec.argv[0].clone(),
        stdout: None,
        stderr: None,
    })
}

/// Whether this process has any effective capability (typically: it runs as root), which
/// its commands would otherwise inherit.
fn has_capabilities() -> bool {
    static HAS: OnceLock<bool> = OnceLock::new();
    *HAS.get_or_init(|| {
        std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("CapEff:"))
                .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
                .is_some_and(|caps| caps != 0)
        })
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
