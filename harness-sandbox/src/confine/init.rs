//! The init the harness makes as pid 1 of a command's namespaces (module `namespace`),
//! and its keeper thread.
//!
//! With namespaces, [`spawn`] does not start the command itself. A *keeper* thread starts
//! an *init* posix_spawn-style (`clone(CLONE_VM | CLONE_VFORK)`: nothing of the harness's
//! memory is copied, and the keeper stays suspended in `clone` for the init's whole life)
//! in a new PID namespace, a new IPC namespace, a new mount namespace and, when the network
//! is off, a network namespace with only a loopback (with a user namespace first where the
//! harness is not root). The init:
//!
//! 1. arms `PR_SET_PDEATHSIG = SIGKILL` and checks that the harness is still alive (a
//!    pidfd of the harness, polled): when the harness dies, the init is killed, and when a
//!    PID namespace's init dies the kernel kills every process inside it. That is the
//!    lifetime guarantee: nothing a command starts, whatever it does (`setsid`, double
//!    forks), outlives the harness or the command.
//! 2. writes its user and group id maps (only in a user namespace);
//! 3. `setsid()`, so that the harness's group kill ([`super::kill_group`] of the init's pid)
//!    reaches it; then, in its new mount namespace, makes every mount private and gives a
//!    confined command its filesystem view (module `view`: its rule paths only, and a
//!    `/proc` of its own), an unconfined one a `/proc` of its own over the host's;
//! 4. without network: joins the worker thread's loopback-only network namespace (made
//!    once per thread that prepares commands, see `worker_network`), or brings up the
//!    loopback of its own new one (in a user namespace);
//! 5. starts the command as pid 2 the way the harness starts one without namespaces
//!    (`clone(CLONE_VM | CLONE_VFORK)`, the confinement steps of `child`, `execve`);
//! 6. reaps every process that ends in the namespace (orphans are re-parented to it) until
//!    the command ends, sends the command's wait status to its keeper over a pipe and
//!    exits, which kills what is left.
//!
//! The init runs on the harness's memory (its keeper's stack and values, untouched while the
//! keeper is suspended): like the child of `child`, it may only make system calls on values
//! prepared before the clone (no allocation, no locks, no panics). Its signals stay blocked
//! (a PID namespace's init ignores signals from inside anyway; `SIGKILL` from the harness
//! always ends it). Its parent-death signal follows the keeper, which lives as long as the
//! init, or dies with the harness.

use std::ffi::{c_int, c_uint, c_void};
use std::io::Read;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::process::ExitStatus;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, OnceLock, mpsc};

use nix::errno::Errno;
use nix::libc;
use nix::sched::CloneFlags;
use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

use super::child::{self, CHILD_STACK_BYTES, Exec, Failure, Setup, Stdio};
use super::namespace::{self, Namespaces};

/// The report byte of each init step that can fail (after `child::SETUP_STEPS`).
pub(super) const INIT_STEPS: &[&str] = &[
    "set the init's parent-death signal",
    "start the namespaces' init while the harness is alive",
    "map the user and group ids of the user namespace",
    "start a new session for the namespaces' init",
    "bring up the loopback interface",
    "start the command inside the namespaces (clone)",
    "mount the command's filesystem view and /proc",
    "join the worker's loopback-only network namespace",
];

const STEP_PDEATHSIG: u8 = 0;

const STEP_ALIVE: u8 = 1;

const STEP_USER_MAPS: u8 = 2;

const STEP_SETSID: u8 = 3;

const STEP_LOOPBACK: u8 = 4;

const STEP_CLONE: u8 = 5;

const STEP_PROC: u8 = 6;

const STEP_JOIN_NETWORK: u8 = 7;

/// The first report byte of an init step: after the child's steps.
pub(super) const INIT_STEP_BASE: u8 = 64;

/// A pidfd of the harness process, opened once (`None` on kernels without `pidfd_open`):
/// readable once the harness has exited.
pub(super) fn harness_pidfd() -> Option<BorrowedFd<'static>> {
    static PIDFD: OnceLock<Option<OwnedFd>> = OnceLock::new();
    PIDFD
        .get_or_init(|| {
            // SAFETY: `pidfd_open(pid, 0)` takes two integers and returns a new file
            // descriptor (close-on-exec) or -1; a valid one is owned by nobody else.
            #[allow(unsafe_code)]
            unsafe {
                let fd = libc::syscall(libc::SYS_pidfd_open, libc::getpid(), 0);
                (fd >= 0).then(|| OwnedFd::from_raw_fd(fd as c_int))
            }
        })
        .as_ref()
        .map(AsFd::as_fd)
}

/// The report byte the init sends once the command has exec'd.
const STARTED: u8 = 0xFE;

/// The report byte of a failed clone of the init (then the errno).
pub(super) const INIT_CLONE_FAILED: u8 = 0xFD;

/// A command running under its namespaces' init.
///
/// The init is started posix_spawn-style (`CLONE_VM | CLONE_VFORK`) from a *keeper* thread
/// of its own, which stays suspended in `clone` for the init's whole life: nothing of the
/// harness's memory is copied (a `fork`-style init cost about 45 us per MiB of harness
/// memory on every command), the init runs on memory the keeper owns and does not touch
/// meanwhile, and its parent-death signal follows the keeper, which lives exactly as long
/// as it (or dies with the harness). The keeper then reaps the init and sends the
/// command's status.
#[derive(Debug)]
pub(super) struct Running {
    /// The init's pid (a session leader: [`super::kill_group`] of it reaches it); `None`
    /// when the command ended, and the init was reaped, before it could be read.
    pub(super) pid: Option<Pid>,
    /// A pidfd of the init, to kill it without a pid that could be reused.
    pidfd: OwnedFd,
    ended: mpsc::Receiver<std::io::Result<ExitStatus>>,
    keeper: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Waits for the command's end: its status as the init sent it, or the init's own (it
    /// was killed).
    pub(super) fn wait(&mut self) -> std::io::Result<ExitStatus> {
        let status = self
            .ended
            .recv()
            .unwrap_or_else(|_| Err(std::io::Error::other("the init's keeper thread vanished")));
        self.join();
        status
    }

    /// The status if the command has ended, else `None`.
    pub(super) fn try_wait(&mut self) -> std::io::Result<Option<ExitStatus>> {
        match self.ended.try_recv() {
            Ok(status) => {
                self.join();
                status.map(Some)
            }
            Err(mpsc::TryRecvError::Empty) => Ok(None),
            Err(mpsc::TryRecvError::Disconnected) => {
                Err(std::io::Error::other("the init's keeper thread vanished"))
            }
        }
    }

    fn join(&mut self) {
        if let Some(keeper) = self.keeper.take() {
            let _ = keeper.join();
        }
    }
}

impl Drop for Running {
    /// A command dropped before its end is killed (its whole namespace with its init), and
    /// the keeper joined: nothing outlives the handle.
    fn drop(&mut self) {
        if self.keeper.is_some() {
            send_kill(self.pidfd.as_fd());
            self.join();
        }
    }
}

/// `pidfd_send_signal(pidfd, SIGKILL)`; a process already gone is fine.
fn send_kill(pidfd: BorrowedFd<'_>) {
    // SAFETY: integers and a null `siginfo` (the kernel fills a default one).
    #[allow(unsafe_code)]
    unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            libc::SIGKILL,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        );
    }
}

/// Starts the init in `setup.namespaces` and, through it, the command; returns once the
/// command has exec'd, or what failed.
pub(super) fn spawn(
    setup: Setup,
    exec: Exec,
    stdout: Option<OwnedFd>,
    stderr: Option<OwnedFd>,
    stdin: BorrowedFd<'static>,
) -> Result<Running, Failure> {
    let failure = |error: std::io::Error| Failure::Clone(child::io_errno(&error));
    let (mut report_reader, report_writer) = std::io::pipe().map_err(failure)?;
    let pidfd_slot = Arc::new(AtomicI32::new(-1));
    let (ended_tx, ended) = mpsc::channel();
    let keeper = {
        let pidfd_slot = pidfd_slot.clone();
        std::thread::Builder::new()
            .name("harness-init-keeper".to_owned())
            .stack_size(64 << 10)
            .spawn(move || {
                let stdio = Stdio {
                    stdin,
                    stdout: stdout.as_ref().map(AsFd::as_fd),
                    stderr: stderr.as_ref().map(AsFd::as_fd),
                };
                let status = keep(&setup, &exec, &stdio, report_writer, &pidfd_slot);
                let _ = ended_tx.send(status);
            })
            .map_err(failure)?
    };
    let mut first = [0u8; 1];
    let read = report_reader.read(&mut first);
    let pidfd = pidfd_slot.load(Ordering::SeqCst);
    // SAFETY: a non-negative value in the slot is the pidfd `clone(CLONE_PIDFD)` opened in
    // this process for the init; nothing else owns or closes it.
    #[allow(unsafe_code)]
    let pidfd = (pidfd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(pidfd) });
    match (read, pidfd) {
        (Ok(1), Some(pidfd)) if first[0] == STARTED => {
            let pid = pid_of(pidfd.as_fd());
            Ok(Running {
                pid,
                pidfd,
                ended,
                keeper: Some(keeper),
            })
        }
        (Ok(1), _) => {
            let mut rest = [0u8; 4];
            let _ = report_reader.read_exact(&mut rest);
            let _ = keeper.join();
            let message = [first[0], rest[0], rest[1], rest[2], rest[3]];
            Err(match first[0] {
                INIT_CLONE_FAILED => Failure::Clone(child::decode_errno(&message)),
                _ => child::decode_report(&message),
            })
        }
        // The init ended before it could say anything (killed at the harness's death).
        _ => {
            let _ = keeper.join();
            Err(Failure::Clone(Errno::ECHILD))
        }
    }
}

/// The pid of the process behind `pidfd` (its `Pid:` line in `/proc/self/fdinfo`; -1 once
/// it has been reaped).
fn pid_of(pidfd: BorrowedFd<'_>) -> Option<Pid> {
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", pidfd.as_raw_fd())).ok()?;
    let pid = info
        .lines()
        .find_map(|line| line.strip_prefix("Pid:"))?
        .trim()
        .parse::<i32>()
        .ok()?;
    (pid > 0).then(|| Pid::from_raw(pid))
}

/// The keeper thread's work: starts the init (suspended until it exits), reaps it, and
/// returns the command's status.
fn keep(
    setup: &Setup,
    exec: &Exec,
    stdio: &Stdio<'_>,
    report: std::io::PipeWriter,
    pidfd_slot: &AtomicI32,
) -> std::io::Result<ExitStatus> {
    use std::os::unix::process::ExitStatusExt;
    let Some(namespaces) = &setup.namespaces else {
        return Err(std::io::Error::other("no namespaces to start an init in"));
    };
    // Blocked for the keeper's life: it is suspended in `clone` meanwhile, and the init
    // (which runs on its memory) keeps them blocked; the command resets and unblocks them.
    let _ = pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::all()), None);
    let (status_reader, status_writer) = std::io::pipe()?;
    // Non-blocking: the init reads it once the command has exec'd or exited, when a
    // failure report is already there or none will come (this thread keeps a writer open).
    let (exec_reader, exec_writer) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC | nix::fcntl::OFlag::O_NONBLOCK)?;
    let mut init_stack = vec![0u8; CHILD_STACK_BYTES];
    let mut command_stack = vec![0u8; CHILD_STACK_BYTES];
    let harness = harness_pidfd();
    // Every descriptor the init and the command need; the init closes the rest of its copy
    // of the harness's table, which holds other episodes' pipes (their ends of file would
    // wait for this init otherwise).
    let mut keep_fds: Vec<c_int> = [
        Some(report.as_fd()),
        Some(status_writer.as_fd()),
        Some(exec_reader.as_fd()),
        Some(exec_writer.as_fd()),
        Some(stdio.stdin),
        stdio.stdout,
        stdio.stderr,
        setup.cgroup.as_ref().map(AsFd::as_fd),
        setup.ruleset.as_ref().map(AsFd::as_fd),
        harness,
        namespaces.join_network.as_ref().map(AsFd::as_fd),
    ]
    .into_iter()
    .flatten()
    .map(|fd| fd.as_raw_fd())
    .collect();
    keep_fds.sort_unstable();
    keep_fds.dedup();
    let init = Init {
        setup,
        exec,
        stdio,
        namespaces,
        harness,
        keep_fds: &keep_fds,
        report: report.as_fd(),
        status: status_writer.as_fd(),
        exec_reader: exec_reader.as_fd(),
        exec_writer: exec_writer.as_fd(),
        command_stack: std::cell::Cell::new(Some(&mut command_stack[..])),
    };
    extern "C" fn trampoline(data: *mut c_void) -> c_int {
        // SAFETY: `data` is the `Init` on the keeper's stack, which stays suspended in
        // `clone` (CLONE_VFORK) until the init exits: valid and unchanged throughout.
        #[allow(unsafe_code)]
        let init = unsafe { &*data.cast::<Init<'_>>() };
        init.run()
    }
    let top = init_stack.len() - init_stack.len() % 16;
    let flags = namespaces.flags.bits()
        | libc::CLONE_VM
        | libc::CLONE_VFORK
        | libc::CLONE_PIDFD
        | libc::SIGCHLD;
    // SAFETY: CLONE_VM | CLONE_VFORK as in `child::spawn`, from this thread only, which is
    // suspended until the init exits (it never execs): the init runs `trampoline` on
    // `init_stack` and reads `init`, both owned by this frame, which outlives it. It only
    // makes system calls on prepared values and ends in `_exit`. The kernel stores the
    // init's pidfd in `pidfd_slot` (an `i32`) before the init runs.
    #[allow(unsafe_code)]
    let pid = unsafe {
        libc::clone(
            trampoline,
            init_stack.as_mut_ptr().add(top).cast(),
            flags,
            std::ptr::from_ref(&init).cast_mut().cast(),
            pidfd_slot.as_ptr(),
        )
    };
    if pid < 0 {
        let errno = Errno::last();
        child::report_failure(report.as_fd(), INIT_CLONE_FAILED, errno);
        return Err(std::io::Error::from(errno));
    }
    drop(report);
    let init_status = child::wait(Pid::from_raw(pid), WaitPidFlag::empty())?
        .ok_or_else(|| std::io::Error::other("waitpid returned without a status"))?;
    drop(status_writer);
    Ok(command_status(status_reader).map_or(init_status, ExitStatus::from_raw))
}

/// The command's wait status the init sent: `None` when the init ended without one (it
/// was killed: by the harness's group kill, or at the harness's death).
fn command_status(mut reader: std::io::PipeReader) -> Option<i32> {
    let mut bytes = [0u8; 4];
    reader.read_exact(&mut bytes).ok()?;
    Some(i32::from_le_bytes(bytes))
}

/// What the init reads, all prepared by its keeper.
struct Init<'a> {
    setup: &'a Setup,
    exec: &'a Exec,
    stdio: &'a Stdio<'a>,
    namespaces: &'a Namespaces,
    harness: Option<BorrowedFd<'static>>,
    /// The descriptors to keep open above 2, ascending.
    keep_fds: &'a [c_int],
    /// To the harness: a failed step, or [`STARTED`].
    report: BorrowedFd<'a>,
    /// To the keeper: the command's wait status.
    status: BorrowedFd<'a>,
    /// From the command (non-blocking): its failure report, or nothing once it has exec'd.
    exec_reader: BorrowedFd<'a>,
    exec_writer: BorrowedFd<'a>,
    /// The command's stack until it execs (taken once).
    command_stack: std::cell::Cell<Option<&'a mut [u8]>>,
}

/// What the command's trampoline reads (on the init's stack while the init is suspended).
struct CommandStart<'a> {
    setup: &'a Setup,
    exec: &'a Exec,
    stdio: &'a Stdio<'a>,
    report: BorrowedFd<'a>,
}

impl Init<'_> {
    /// The init's whole life (see the module docs).
    fn run(&self) -> ! {
        close_all_but(self.keep_fds);
        if let Err(errno) = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL) {
            self.fail(STEP_PDEATHSIG, errno);
        }
        if self.harness.is_some_and(exited) {
            self.fail(STEP_ALIVE, Errno::ESRCH);
        }
        if let Some(maps) = &self.namespaces.user_maps
            && let Err(errno) = maps.write()
        {
            self.fail(STEP_USER_MAPS, errno);
        }
        if let Err(errno) = nix::unistd::setsid() {
            self.fail(STEP_SETSID, errno);
        }
        // A confined command sees only its view (which has a `/proc` of its own); an
        // unconfined one the whole filesystem with a `/proc` of its own.
        let mounted = namespace::make_private().and_then(|()| match &self.namespaces.view {
            Some(view) => view.apply(),
            None if self.setup.ruleset.is_none() => namespace::mount_proc()
                .and_then(|()| namespace::mount_masks(&self.namespaces.masks))
                .and_then(|()| namespace::mount_frozen(&self.namespaces.frozen)),
            None => Ok(()),
        });
        if let Err(errno) = mounted {
            self.fail(STEP_PROC, errno);
        }
        if let Some(network) = &self.namespaces.join_network {
            if let Err(errno) = nix::sched::setns(network, CloneFlags::CLONE_NEWNET) {
                self.fail(STEP_JOIN_NETWORK, errno);
            }
        } else if self.namespaces.flags.contains(CloneFlags::CLONE_NEWNET)
            && let Err(errno) = namespace::loopback_up()
        {
            self.fail(STEP_LOOPBACK, errno);
        }
        let start = CommandStart {
            setup: self.setup,
            exec: self.exec,
            stdio: self.stdio,
            report: self.exec_writer,
        };
        let Some(command_stack) = self.command_stack.take() else {
            self.fail(STEP_CLONE, Errno::EINVAL);
        };
        let command = match start_command(&start, command_stack) {
            Ok(pid) => pid,
            Err(errno) => self.fail(STEP_CLONE, errno),
        };
        // The command has exec'd, or reported and exited (vfork: before `clone` returned).
        let mut message = [0u8; 5];
        match nix::unistd::read(self.exec_reader, &mut message) {
            Ok(5) => {
                let _ = nix::unistd::write(self.report, &message);
                exit(127);
            }
            _ => {
                let _ = nix::unistd::write(self.report, &[STARTED]);
            }
        }
        loop {
            match waitpid(None::<Pid>, Some(WaitPidFlag::__WALL)) {
                Ok(WaitStatus::Exited(pid, code)) if pid == command => {
                    self.send_status(code << 8);
                    exit(0);
                }
                Ok(WaitStatus::Signaled(pid, signal, core)) if pid == command => {
                    self.send_status(signal as i32 | if core { 0x80 } else { 0 });
                    exit(0);
                }
                Ok(_) | Err(Errno::EINTR) => {}
                Err(_) => exit(0),
            }
        }
    }

    /// Reports init step `step` failed and exits.
    fn fail(&self, step: u8, errno: Errno) -> ! {
        child::report_failure(self.report, INIT_STEP_BASE + step, errno);
        exit(127)
    }

    fn send_status(&self, raw: i32) {
        let _ = nix::unistd::write(self.status, &raw.to_le_bytes());
    }
}

/// Starts the command from the init as `child` does from the harness: its expected parent
/// is the init, pid 1 of the namespace.
fn start_command(start: &CommandStart<'_>, stack: &mut [u8]) -> Result<Pid, Errno> {
    extern "C" fn trampoline(data: *mut c_void) -> c_int {
        // SAFETY: `data` is the `CommandStart` that `start_command` borrows for the whole
        // clone call; with CLONE_VFORK the init is suspended until the command execs or
        // exits, so it stays valid and unchanged.
        #[allow(unsafe_code)]
        let start = unsafe { &*data.cast::<CommandStart<'_>>() };
        let (step, errno) =
            child::run_child(start.setup, start.exec, start.stdio, Pid::from_raw(1));
        child::report_failure(start.report, step, errno);
        exit(127)
    }
    let top = stack.len() - stack.len() % 16;
    // SAFETY: CLONE_VM | CLONE_VFORK as in `child::spawn`: the command runs `trampoline` on
    // `stack` (only system calls, as there) while the init is suspended; `top` is inside
    // `stack` and 16-byte aligned relative to its start, which the allocator aligns.
    #[allow(unsafe_code)]
    let pid = unsafe {
        let top = stack.as_mut_ptr().add(top);
        libc::clone(
            trampoline,
            top.cast(),
            libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            std::ptr::from_ref(start).cast_mut().cast(),
        )
    };
    Errno::result(pid).map(Pid::from_raw)
}

/// Whether the process behind `pidfd` has exited (readable), without blocking.
fn exited(pidfd: BorrowedFd<'_>) -> bool {
    let mut poll = libc::pollfd {
        fd: pidfd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid `pollfd`, a zero timeout.
    #[allow(unsafe_code)]
    let ready = unsafe { libc::poll(&mut poll, 1, 0) };
    ready > 0 && poll.revents & libc::POLLIN != 0
}

/// Closes every descriptor above 2 of the calling process but `keep` (ascending), with
/// `close_range` (best effort: on kernels without it they stay open).
fn close_all_but(keep: &[c_int]) {
    let close_range = |first: c_int, last: c_uint| {
        // SAFETY: the init has a file table of its own (no CLONE_FILES): closing its
        // copies touches none of the harness's, and it uses none of the closed ones.
        #[allow(unsafe_code)]
        unsafe {
            libc::syscall(libc::SYS_close_range, first as c_uint, last, 0 as c_uint);
        }
    };
    let mut low: c_int = 3;
    for &fd in keep {
        if fd > low {
            close_range(low, (fd - 1) as c_uint);
        }
        low = low.max(fd + 1);
    }
    close_range(low, c_uint::MAX);
}

/// `_exit(code)`: ends the init or the command's trampoline without running anything of
/// the harness.
pub(super) fn exit(code: c_int) -> ! {
    // SAFETY: `_exit` runs no handlers and touches no memory of the harness.
    #[allow(unsafe_code)]
    unsafe {
        libc::_exit(code)
    }
}
