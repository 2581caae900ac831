//! Running one process (an agent command, a check): confined where possible, in its own
//! session, output captured and capped, a wall-clock budget, and the whole tree killed at
//! the end.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::confine::{self, ConfineSpec, Confinement, Limits, PidsCgroup, SpawnError};

/// How every process is run, whatever it runs: the caller's configuration (the harness
/// builds it from its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunPolicy {
    /// Confine with Landlock where the kernel has it ([`ConfineSpec::landlock`]).
    pub landlock: bool,
    /// No network: a network namespace of its own with only a loopback where the kernel
    /// allows namespaces, and TCP bind and connect denied by Landlock (ABI v4+)
    /// ([`ConfineSpec::no_network`]).
    pub no_network: bool,
    /// Own PID, IPC and mount namespaces under a harness-made init where the kernel allows
    /// ([`ConfineSpec::namespaces`]): nothing the process starts outlives it or the harness.
    pub namespaces: bool,
    /// Most processes (tasks) the process and its descendants may have at once, enforced
    /// with a pids cgroup where one can be made.
    pub max_pids: u64,
    /// Bytes of output kept in the log (the rest is drained and dropped).
    pub output_cap: u64,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct ProcessSpec {
    /// argv.
    pub argv: Vec<String>,
    /// Working directory.
    pub cwd: PathBuf,
    /// The whole environment.
    pub env: Vec<(String, String)>,
    /// Wall-clock budget.
    pub timeout: Duration,
    /// Where stdout and stderr go (capped).
    pub log: PathBuf,
    /// Readable paths under confinement.
    pub read_only: Vec<PathBuf>,
    /// Writable paths under confinement.
    pub read_write: Vec<PathBuf>,
    /// Resource limits.
    pub limits: Limits,
    /// Directories to hide from the process ([`ConfineSpec::masked`]).
    pub masked: Vec<PathBuf>,
}

/// How it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessOutcome {
    /// Exit code, if it exited.
    pub exit_code: Option<i32>,
    /// Signal that killed it, if any.
    pub signal: Option<i32>,
    /// Killed at the budget.
    pub timed_out: bool,
    /// Hit a resource limit (file size, CPU, process count).
    pub resource_limit: Option<String>,
    /// Wall time.
    pub duration: Duration,
    /// `landlock-v<N>` or `none`.
    pub confinement: String,
    /// `pid-namespace` or `session` ([`confine::Lifetime`]).
    pub lifetime: &'static str,
    /// The last lines of the output.
    pub output_tail: String,
    /// Set when the command never ran: it could not be started (not found, not executable)
    /// or its confinement could not be set up. `exit_code` then holds what a shell would
    /// report (127, 126, 125).
    pub spawn_error: Option<String>,
}

impl ProcessOutcome {
    /// The outcome of a process that never ran: `exit_code`, and `output` as its output.
    pub fn not_run(
        exit_code: i32,
        output: String,
        confinement: Confinement,
        lifetime: confine::Lifetime,
    ) -> ProcessOutcome {
        ProcessOutcome {
            exit_code: Some(exit_code),
            signal: None,
            timed_out: false,
            resource_limit: None,
            duration: Duration::ZERO,
            confinement: confinement.label(),
            lifetime: lifetime.label(),
            output_tail: output,
            spawn_error: None,
        }
    }

    /// Exit 0 within budget.
    pub fn success(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out && self.resource_limit.is_none()
    }
}

/// Why a process could not be run at all (the harness's fault).
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// Setting up the log or pipes failed.
    #[error("failed to {action} {}: {source}", path.display())]
    Io {
        /// What.
        action: &'static str,
        /// Where.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Building the confined command failed.
    #[error(transparent)]
    Confine(#[from] confine::ConfineError),
}

const SIGXCPU: i32 = 24;
const SIGXFSZ: i32 = 25;
const DRAIN_GRACE: Duration = Duration::from_secs(2);
const FILL_CHECK_INTERVAL: Duration = Duration::from_millis(250);
/// Free space a running agent or check must leave: 1 GiB, or a tenth of a small filesystem.
const MIN_FREE_BYTES: u64 = 1 << 30;

/// Whether the filesystem holding `path` has less free space than the harness keeps in
/// reserve (one `statvfs`, cheap enough to ask four times a second).
fn filesystem_nearly_full(path: &std::path::Path) -> bool {
    let Ok(stats) = nix::sys::statvfs::statvfs(path) else {
        return false;
    };
    let block = stats.fragment_size().max(1);
    let total = stats.blocks() * block;
    let free = stats.blocks_available() * block;
    free < MIN_FREE_BYTES.min(total / 10)
}

static CGROUP_COUNTER: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// This thread's pids cgroup, emptied and reused from one process to the next: making
    /// and removing a cgroup for every process costs more than a small episode's snapshot.
    /// Dropped (killed empty and removed) when the thread ends; a crashed run's leftovers
    /// are swept by the next run.
    static THREAD_CGROUP: std::cell::RefCell<Option<PidsCgroup>> =
        const { std::cell::RefCell::new(None) };
}

/// The calling thread's pids cgroup with `pids.max = max_pids`, made on first use; `None`
/// where no pids cgroup can be made.
fn take_cgroup(max_pids: u64) -> Option<PidsCgroup> {
    let reused = THREAD_CGROUP
        .with_borrow_mut(Option::take)
        .and_then(|mut cgroup| {
            (cgroup.max_pids() == max_pids || cgroup.set_max_pids(max_pids)).then_some(cgroup)
        });
    reused.or_else(|| {
        let name = format!(
            "{}-{}",
            std::process::id(),
            CGROUP_COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        PidsCgroup::create(&name, max_pids)
    })
}

/// Keeps an emptied `cgroup` for the thread's next process.
fn keep_cgroup(cgroup: PidsCgroup) {
    THREAD_CGROUP.with_borrow_mut(|slot| *slot = Some(cgroup));
}

/// Runs `spec` under `policy` to completion (or to its budget) and kills whatever it left
/// behind.
///
/// The process tree is also killed when the filesystem of `spec.cwd` gets nearly full (less
/// than 1 GiB free, or a tenth of a small filesystem; reported as a
/// [`ProcessOutcome::resource_limit`]): a process that fills it, each file under
/// `RLIMIT_FSIZE` but many of them (on tmpfs that is memory), is stopped before the machine
/// runs out. The pids cgroup is made once per calling thread and reused by its next run.
pub fn run(
    policy: impl Into<RunPolicy>,
    spec: &ProcessSpec,
) -> Result<ProcessOutcome, ProcessError> {
    let policy = policy.into();
    let io = |action: &'static str, path: &PathBuf| {
        let path = path.clone();
        move |source| ProcessError::Io {
            action,
            path,
            source,
        }
    };
    let log = File::create(&spec.log).map_err(io("create log", &spec.log))?;
    let (reader, writer) = std::io::pipe().map_err(io("create a pipe for", &spec.log))?;
    let writer_clone = writer
        .try_clone()
        .map_err(io("create a pipe for", &spec.log))?;

    let cgroup = take_cgroup(policy.max_pids);
    // `pids.events` counts refused forks over the cgroup's life.
    let denials_before = cgroup.as_ref().and_then(PidsCgroup::fork_denials);
    let mut command = confine::command(&confine_spec(spec, &policy, cgroup.as_ref()))?;
    let confinement = command.confinement();
    let lifetime = command.lifetime();
    command.stdout(writer).stderr(writer_clone);

    let started = Instant::now();
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => return Ok(spawn_failed(&log, &error, started, lifetime)),
    };
    let pgid = child.id();
    let cap = policy.output_cap;
    let (drained_tx, drained_rx) = mpsc::channel();
    thread::spawn(move || {
        let tail = drain(reader, log, cap);
        let _ = drained_tx.send(tail);
    });
    let (status_tx, status_rx) = mpsc::channel::<std::io::Result<ExitStatus>>();
    thread::spawn(move || {
        let _ = status_tx.send(child.wait());
    });
    let (status, timed_out, filled) = wait_watching(
        &status_rx,
        started + spec.timeout,
        &spec.cwd,
        pgid,
        cgroup.as_ref(),
    );
    let duration = started.elapsed();
    // Nothing the process started may outlive it.
    confine::kill_group(pgid);
    let fork_denied = cgroup
        .as_ref()
        .and_then(PidsCgroup::fork_denials)
        .unwrap_or(0)
        > denials_before.unwrap_or(0);
    let emptied = cgroup.as_ref().is_some_and(PidsCgroup::kill_all);
    confine::reap_group(pgid);
    // One that could not be emptied is dropped: that kills what is left and removes it.
    if let Some(cgroup) = cgroup.filter(|_| emptied) {
        keep_cgroup(cgroup);
    }
    let output_tail = drained_rx.recv_timeout(DRAIN_GRACE).unwrap_or_default();

    let status = status.ok();
    let exit_code = status.and_then(|status| status.code());
    let signal = status.and_then(|status| std::os::unix::process::ExitStatusExt::signal(&status));
    Ok(ProcessOutcome {
        exit_code,
        signal,
        timed_out,
        resource_limit: resource_limit(signal, fork_denied, filled),
        duration,
        confinement: confinement.label(),
        lifetime: lifetime.label(),
        output_tail,
        spawn_error: None,
    })
}

/// What the confining layer needs of `spec` under `policy`, joining `cgroup` if there is one.
fn confine_spec(
    spec: &ProcessSpec,
    policy: &RunPolicy,
    cgroup: Option<&PidsCgroup>,
) -> ConfineSpec {
    let mut confined = ConfineSpec::new(spec.argv.clone(), spec.cwd.clone());
    confined.env = spec.env.clone();
    confined.read_only = spec.read_only.clone();
    confined.read_write = spec.read_write.clone();
    confined.landlock = policy.landlock;
    confined.no_network = policy.no_network;
    confined.limits = spec.limits;
    confined.cgroup_procs = cgroup.map(PidsCgroup::join_path);
    confined.namespaces = policy.namespaces;
    confined.masked = spec.masked.clone();
    confined
}

/// The outcome of a command that never ran, reported as a shell would: 127 not found, 126
/// not executable, and 125 when confinement could not be set up. The reason goes to `log`.
fn spawn_failed(
    log: &File,
    error: &SpawnError,
    started: Instant,
    lifetime: confine::Lifetime,
) -> ProcessOutcome {
    let message = format!("another-harness: {error}\n");
    let _ = (&*log).write_all(message.as_bytes());
    ProcessOutcome {
        duration: started.elapsed(),
        spawn_error: Some(error.to_string()),
        ..ProcessOutcome::not_run(error.exit_code(), message, Confinement::None, lifetime)
    }
}

/// Waits for the process's status, waking every tick to check the filesystem it writes to:
/// past `deadline`, or when `cwd`'s filesystem is nearly full, its group and cgroup are
/// killed. The status, whether it timed out, and whether the filesystem filled.
fn wait_watching(
    status_rx: &mpsc::Receiver<std::io::Result<ExitStatus>>,
    deadline: Instant,
    cwd: &Path,
    pgid: u32,
    cgroup: Option<&PidsCgroup>,
) -> (std::io::Result<ExitStatus>, bool, bool) {
    loop {
        let tick = deadline
            .saturating_duration_since(Instant::now())
            .min(FILL_CHECK_INTERVAL);
        match status_rx.recv_timeout(tick) {
            Ok(status) => return (status, false, false),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return (
                    Err(std::io::Error::other("waiter thread vanished")),
                    false,
                    false,
                );
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let over_time = Instant::now() >= deadline;
                let filled = !over_time && filesystem_nearly_full(cwd);
                if over_time || filled {
                    confine::kill_group(pgid);
                    if let Some(cgroup) = cgroup {
                        cgroup.kill_all();
                    }
                    let status = status_rx
                        .recv()
                        .unwrap_or_else(|_| Err(std::io::Error::other("waiter thread vanished")));
                    return (status, over_time, filled);
                }
            }
        }
    }
}

/// Which budget ended the process, if one did.
fn resource_limit(signal: Option<i32>, fork_denied: bool, filled: bool) -> Option<String> {
    match signal {
        Some(SIGXFSZ) => Some("file size budget exceeded".to_owned()),
        Some(SIGXCPU) => Some("cpu budget exceeded".to_owned()),
        _ if fork_denied => Some("process budget exceeded".to_owned()),
        _ if filled => Some("the episode's filesystem is nearly full".to_owned()),
        _ => None,
    }
}

/// Copies up to `cap` bytes into the log, drains the rest, and returns the last lines.
fn drain(mut reader: std::io::PipeReader, mut log: File, cap: u64) -> String {
    const TAIL: usize = 4096;
    let mut written = 0u64;
    let mut tail: Vec<u8> = Vec::new();
    let mut buffer = [0u8; 64 * 1024];
    let mut truncated = false;
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        let chunk = &buffer[..read];
        if written < cap {
            let keep = (cap - written).min(read as u64) as usize;
            let _ = log.write_all(&chunk[..keep]);
            written += keep as u64;
            if keep < read {
                truncated = true;
            }
        } else {
            truncated = true;
        }
        tail.extend_from_slice(chunk);
        if tail.len() > 2 * TAIL {
            tail.drain(..tail.len() - TAIL);
        }
    }
    if truncated {
        let _ = writeln!(log, "\n[another-harness: output capped at {cap} bytes]");
    }
    let start = tail.len().saturating_sub(TAIL);
    String::from_utf8_lossy(&tail[start..]).into_owned()
}
