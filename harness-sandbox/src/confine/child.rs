//! Starting the confined process: `clone(CLONE_VM | CLONE_VFORK)` (what `posix_spawn`
//! does), the confinement steps, `execve`.
//!
//! The child shares the harness's memory until it execs (the spawning thread is suspended
//! meanwhile; the harness's other threads go on). So, like code after `fork` in a
//! multi-threaded process, it may only make system calls on values prepared beforehand:
//! no allocation, no locks, no panics. Unlike `fork`, nothing is copied, so the cost does
//! not grow with the harness's memory (with `fork`, every 20 MiB of harness memory added
//! about 0.9 ms to each spawn here; docs/PERFORMANCE.md).
//!
//! This module and the `unsafe` blocks in it are the workspace's only `unsafe` code; each
//! has a SAFETY comment, and `harness-sandbox/tests/confine.rs` checks every step against
//! the kernel.

use std::ffi::{CString, c_char, c_int};
use std::io::Read;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use nix::errno::Errno;
use nix::libc;
use nix::sched::CloneFlags;
use nix::sys::resource::{Resource, setrlimit};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask, sigprocmask};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

/// What the child reports for a failed step, by index (the first byte on the report pipe,
/// then the errno as four little-endian bytes).
pub(super) const SETUP_STEPS: &[&str] = &[
    "redirect the standard streams",
    "enter the working directory",
    "start a new session (setsid)",
    "set the parent-death signal",
    "start the command while the harness is alive",
    "join the pids cgroup",
    "set a resource limit",
    "set no_new_privs",
    "apply the landlock ruleset",
    "drop every capability",
    "install the seccomp filter",
];

/// The report byte of a failed `execve` (not a setup step).
pub(super) const EXEC_FAILED: u8 = u8::MAX;

/// Stack of the child until it execs: it only makes system calls.
pub(super) const CHILD_STACK_BYTES: usize = 128 << 10;

/// Confinement the child applies to itself, prepared before the clone.
#[derive(Debug)]
pub(super) struct Setup {
    /// The harness's pid, which must still be the child's parent once the parent-death
    /// signal is armed.
    pub(super) parent: Pid,
    /// `cgroup.procs` of the pids cgroup to join, open for writing.
    pub(super) cgroup: Option<OwnedFd>,
    /// `(resource, soft, hard, required)`; a best-effort limit may fail.
    pub(super) limits: Vec<(Resource, u64, u64, bool)>,
    /// The Landlock ruleset to restrict the child with.
    pub(super) ruleset: Option<OwnedFd>,
    /// Empty the bounding, ambient, inheritable, permitted and effective capability sets
    /// (set when the harness has capabilities to lose, i.e. runs as root).
    pub(super) drop_capabilities: bool,
    /// The namespaces to start the child in, through a harness-made init (module
    /// `namespace`); `None`: in the harness's own.
    pub(super) namespaces: Option<super::namespace::Namespaces>,
    /// The seccomp program to install last (module `seccomp`); empty: none.
    pub(super) seccomp: Vec<libc::sock_filter>,
}

/// The program to execute, as `execve` wants it, prepared before the clone.
#[derive(Debug)]
pub(super) struct Exec {
    /// Files to try in order (the `PATH` search of `execvp`, done in the harness).
    candidates: Vec<CString>,
    /// Owns the strings `argv_ptrs` and `shell_argv_ptrs` point into.
    #[allow(dead_code)]
    argv: Vec<CString>,
    /// `argv` as a null-terminated pointer array (pointing into `argv`).
    argv_ptrs: Vec<*const c_char>,
    /// Per candidate, `/bin/sh <candidate> <args>` for a file without a `#!` line
    /// (`ENOEXEC`), as `execvp` does.
    shell_argv_ptrs: Vec<Vec<*const c_char>>,
    /// Owns the strings `envp_ptrs` points into.
    #[allow(dead_code)]
    envp: Vec<CString>,
    envp_ptrs: Vec<*const c_char>,
    cwd: CString,
}

// SAFETY: the raw pointers of an `Exec` point into the `CString`s it owns (heap buffers
// that stay put when the `Exec` moves) and are only read; sending it to another thread
// (the keeper of a namespaced command, module `namespace`) sends their owners with them.
#[allow(unsafe_code)]
unsafe impl Send for Exec {}

const SHELL: &std::ffi::CStr = c"/bin/sh";

impl Exec {
    /// `argv[0]` is looked up in the `PATH` of `env` (or `/bin:/usr/bin`) unless it holds a
    /// slash. The strings must not hold NUL bytes (checked by `confine::validate`).
    pub(super) fn new(
        argv: &[String],
        env: &[(String, String)],
        cwd: &std::path::Path,
    ) -> Result<Exec, std::ffi::NulError> {
        use std::os::unix::ffi::OsStrExt;
        let program = argv.first().map(String::as_str).unwrap_or_default();
        let candidates: Vec<CString> = if program.contains('/') {
            vec![CString::new(program)?]
        } else {
            let path = env
                .iter()
                .rev()
                .find(|(name, _)| name == "PATH")
                .map_or("/bin:/usr/bin", |(_, value)| value.as_str());
            path.split(':')
                .map(|dir| match dir {
                    "" => CString::new(program),
                    dir => CString::new(format!("{}/{program}", dir.trim_end_matches('/'))),
                })
                .collect::<Result<_, _>>()?
        };
        let argv: Vec<CString> = argv
            .iter()
            .map(|arg| CString::new(arg.as_str()))
            .collect::<Result<_, _>>()?;
        let envp: Vec<CString> = env
            .iter()
            .map(|(name, value)| CString::new(format!("{name}={value}")))
            .collect::<Result<_, _>>()?;
        let pointers = |strings: &[CString]| -> Vec<*const c_char> {
            strings
                .iter()
                .map(|string| string.as_ptr())
                .chain([std::ptr::null()])
                .collect()
        };
        let argv_ptrs = pointers(&argv);
        let shell_argv_ptrs = candidates
            .iter()
            .map(|candidate| {
                [SHELL.as_ptr(), candidate.as_ptr()]
                    .into_iter()
                    .chain(argv.iter().skip(1).map(|arg| arg.as_ptr()))
                    .chain([std::ptr::null()])
                    .collect()
            })
            .collect();
        let envp_ptrs = pointers(&envp);
        Ok(Exec {
            candidates,
            argv,
            argv_ptrs,
            shell_argv_ptrs,
            envp,
            envp_ptrs,
            cwd: CString::new(cwd.as_os_str().as_bytes())?,
        })
    }
}

/// The standard streams of the child.
#[derive(Debug)]
pub(super) struct Stdio<'a> {
    pub(super) stdin: BorrowedFd<'a>,
    pub(super) stdout: Option<BorrowedFd<'a>>,
    pub(super) stderr: Option<BorrowedFd<'a>>,
}

/// Why the child did not get to run the program.
#[derive(Debug)]
pub(super) enum Failure {
    /// `SETUP_STEPS[step]` failed.
    Setup { step: usize, errno: Errno },
    /// Every `execve` failed; the last meaningful error.
    Exec(Errno),
    /// The clone itself failed.
    Clone(Errno),
}

/// Starts the child: returns its pid once it has exec'd the program, or what failed (the
/// child has then exited and been reaped). Without namespaces (`namespace::spawn` starts
/// those).
pub(super) fn spawn(setup: &Setup, exec: &Exec, stdio: &Stdio<'_>) -> Result<Pid, Failure> {
    let (mut report_reader, report_writer) =
        std::io::pipe().map_err(|error| Failure::Clone(io_errno(&error)))?;
    let mut stack = vec![0u8; CHILD_STACK_BYTES];
    // Blocked for the whole life of the child before exec: no signal handler of the harness
    // may run on the memory the child shares with it. The child unblocks right before exec,
    // after resetting every handler.
    let mut previous = SigSet::empty();
    pthread_sigmask(
        SigmaskHow::SIG_SETMASK,
        Some(&SigSet::all()),
        Some(&mut previous),
    )
    .map_err(Failure::Clone)?;
    let child = {
        let report = &report_writer;
        let body = Box::new(move || -> isize {
            let (step, errno) = run_child(setup, exec, stdio, setup.parent);
            report_failure(report.as_fd(), step, errno);
            // SAFETY: `_exit` ends the child at once, without running anything of the
            // harness (no atexit handlers, no stdio flush on the shared memory).
            #[allow(unsafe_code)]
            unsafe {
                libc::_exit(127)
            }
        });
        // SAFETY: CLONE_VM | CLONE_VFORK is `posix_spawn`'s clone: the child runs `body`
        // on `stack` (large enough: it only makes system calls) in the harness's memory
        // while this thread is suspended, until it execs or exits. `body` only reads values
        // that outlive the call (`setup`, `exec`, `stdio`, `report`, all borrowed here),
        // does not allocate, lock or unwind, and ends in `execve` or `_exit`. Signals are
        // blocked (see above), so no handler runs in the child before it resets them.
        #[allow(unsafe_code)]
        unsafe {
            nix::sched::clone(
                body,
                &mut stack,
                CloneFlags::CLONE_VM | CloneFlags::CLONE_VFORK,
                Some(libc::SIGCHLD),
            )
        }
    };
    let _ = pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&previous), None);
    let pid = child.map_err(Failure::Clone)?;
    // The child has exec'd (its copy of the write end closed on exec) or exited.
    drop(report_writer);
    let mut message = Vec::with_capacity(5);
    let _ = report_reader.read_to_end(&mut message);
    if message.len() < 5 {
        return Ok(pid);
    }
    let _ = wait(pid, WaitPidFlag::empty());
    Err(decode_report(&message))
}

/// Sends a failed step's report byte and errno to the harness. Best effort: without the
/// report the harness still sees the exit.
pub(super) fn report_failure(report: BorrowedFd<'_>, step: u8, errno: Errno) {
    let mut message = [0u8; 5];
    message[0] = step;
    message[1..].copy_from_slice(&(errno as i32).to_le_bytes());
    let _ = nix::unistd::write(report, &message);
}

/// The errno of a report of at least five bytes.
pub(super) fn decode_errno(message: &[u8]) -> Errno {
    Errno::from_raw(i32::from_le_bytes([
        message[1], message[2], message[3], message[4],
    ]))
}

/// What a report of at least five bytes says failed.
pub(super) fn decode_report(message: &[u8]) -> Failure {
    let errno = decode_errno(message);
    match message[0] {
        EXEC_FAILED => Failure::Exec(errno),
        step => Failure::Setup {
            step: usize::from(step),
            errno,
        },
    }
}

pub(super) fn io_errno(error: &std::io::Error) -> Errno {
    Errno::from_raw(error.raw_os_error().unwrap_or(libc::EIO))
}

/// Everything the child does; returns only on failure, with the report byte and errno.
/// `parent` is the pid the child must see as its parent once the parent-death signal is
/// armed (the harness, or the namespaces' init: pid 1).
pub(super) fn run_child(setup: &Setup, exec: &Exec, stdio: &Stdio<'_>, parent: Pid) -> (u8, Errno) {
    let step = |index: u8, result: Result<(), Errno>| result.map_err(|errno| (index, errno));
    let prepared = (|| {
        reset_signal_handlers();
        step(0, redirect(stdio))?;
        step(1, nix::unistd::chdir(exec.cwd.as_c_str()))?;
        step(2, nix::unistd::setsid().map(drop))?;
        step(3, nix::sys::prctl::set_pdeathsig(Signal::SIGKILL))?;
        // The harness may have died before the parent-death signal was armed.
        let parent_alive = nix::unistd::getppid() == parent;
        step(
            4,
            if parent_alive {
                Ok(())
            } else {
                Err(Errno::ESRCH)
            },
        )?;
        if let Some(procs) = &setup.cgroup {
            // "0" moves the writer: through `tasks` (cgroup v1) its one thread, which is the
            // whole process; through `cgroup.procs` (v2) the process.
            step(5, nix::unistd::write(procs, b"0").map(drop))?;
        }
        for (resource, soft, hard, required) in &setup.limits {
            let set = setrlimit(*resource, *soft, *hard);
            if *required {
                step(6, set)?;
            }
        }
        if setup.drop_capabilities {
            step(9, drop_capabilities())?;
        }
        if let Some(ruleset) = &setup.ruleset {
            step(7, nix::sys::prctl::set_no_new_privs())?;
            step(8, landlock_restrict_self(ruleset.as_fd()))?;
        }
        if !setup.seccomp.is_empty() {
            step(7, nix::sys::prctl::set_no_new_privs())?;
            step(10, install_seccomp(&setup.seccomp))?;
        }
        Ok(())
    })();
    if let Err(failure) = prepared {
        return failure;
    }
    let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
    (EXEC_FAILED, execute(exec))
}

/// Dups the streams onto 0, 1 and 2 (clearing close-on-exec when one already is there).
fn redirect(stdio: &Stdio<'_>) -> Result<(), Errno> {
    let streams = [(Some(stdio.stdin), 0), (stdio.stdout, 1), (stdio.stderr, 2)];
    for (fd, target) in streams {
        let Some(fd) = fd else { continue };
        if fd.as_raw_fd() == target {
            nix::fcntl::fcntl(
                fd,
                nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()),
            )?;
            continue;
        }
        match target {
            0 => nix::unistd::dup2_stdin(fd)?,
            1 => nix::unistd::dup2_stdout(fd)?,
            _ => nix::unistd::dup2_stderr(fd)?,
        }
    }
    Ok(())
}

/// Handlers of the harness must not survive into the child (they would run on shared
/// memory); `SIGPIPE`, which the Rust runtime ignores, gets its default back, as `std`
/// does for its children.
fn reset_signal_handlers() {
    for signal in 1..=libc::SIGRTMAX() {
        if signal == libc::SIGKILL || signal == libc::SIGSTOP {
            continue;
        }
        // SAFETY: `sigaction` with a null new action only reads the current one into
        // `current`, a zeroed (valid) `sigaction`; setting `SIG_DFL` installs no code.
        #[allow(unsafe_code)]
        unsafe {
            let mut current: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(signal, std::ptr::null(), &mut current) != 0 {
                continue;
            }
            let handled = current.sa_sigaction != libc::SIG_DFL
                && (current.sa_sigaction != libc::SIG_IGN || signal == libc::SIGPIPE);
            if handled {
                let mut default: libc::sigaction = std::mem::zeroed();
                default.sa_sigaction = libc::SIG_DFL;
                libc::sigaction(signal, &default, std::ptr::null_mut());
            }
        }
    }
}

/// `execve` on each candidate, as `execvp` searches: go on past a missing file or a
/// denied one (remembering the denial), run a file without `#!` with `/bin/sh`, stop at any
/// other error. Returns only on failure.
fn execute(exec: &Exec) -> Errno {
    let mut denied = false;
    let mut last = Errno::ENOENT;
    for (candidate, shell_argv) in exec.candidates.iter().zip(&exec.shell_argv_ptrs) {
        let mut errno = execve(candidate.as_ptr(), &exec.argv_ptrs, &exec.envp_ptrs);
        if errno == Errno::ENOEXEC {
            errno = execve(SHELL.as_ptr(), shell_argv, &exec.envp_ptrs);
            return errno;
        }
        match errno {
            Errno::EACCES => denied = true,
            Errno::ENOENT | Errno::ENOTDIR | Errno::ESTALE | Errno::ENODEV | Errno::ETIMEDOUT => {}
            other => return other,
        }
        last = errno;
    }
    if denied { Errno::EACCES } else { last }
}

/// `execve(2)`; returns only on failure.
fn execve(path: *const c_char, argv: &[*const c_char], envp: &[*const c_char]) -> Errno {
    // SAFETY: `path` and every non-null entry of `argv` and `envp` point into CStrings of
    // the `Exec` the caller borrows, and both arrays end with a null pointer.
    #[allow(unsafe_code)]
    unsafe {
        libc::execve(path, argv.as_ptr(), envp.as_ptr());
    }
    Errno::last()
}

/// `prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, program)` (no_new_privs is set).
fn install_seccomp(program: &[libc::sock_filter]) -> Result<(), Errno> {
    let len = u16::try_from(program.len()).map_err(|_| Errno::E2BIG)?;
    let fprog = libc::sock_fprog {
        len,
        filter: program.as_ptr().cast_mut(),
    };
    // SAFETY: `fprog` points to `program`, alive for the call; the kernel copies the
    // program and only reads it.
    #[allow(unsafe_code)]
    let result = unsafe {
        libc::prctl(
            libc::PR_SET_SECCOMP,
            libc::SECCOMP_MODE_FILTER,
            &fprog as *const libc::sock_fprog,
        )
    };
    Errno::result(result).map(drop)
}

/// The `landlock_restrict_self(2)` system call (the `landlock` crate's wrapper builds a
/// status struct and is not documented as safe between clone and exec).
fn landlock_restrict_self(ruleset: BorrowedFd<'_>) -> Result<(), Errno> {
    // SAFETY: the system call takes two integers (a ruleset file descriptor, borrowed and
    // so open for the duration of the call, and flags) and touches no memory of ours.
    #[allow(unsafe_code)]
    let result = unsafe {
        libc::syscall(
            libc::SYS_landlock_restrict_self,
            ruleset.as_raw_fd(),
            0 as libc::c_uint,
        )
    };
    Errno::result(result).map(drop)
}

/// Empties every capability set of the calling process: the bounding set (so that an
/// `execve` as root grants nothing back), the ambient set, then inheritable, permitted and
/// effective (`capset`). Root without capabilities cannot make files immutable, mount,
/// raise limits or read other users' files past their modes.
fn drop_capabilities() -> Result<(), Errno> {
    for capability in 0..64 {
        // SAFETY: `prctl(PR_CAPBSET_DROP, n)` takes integers only.
        #[allow(unsafe_code)]
        let result = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, capability, 0, 0, 0) };
        if result != 0 {
            match Errno::last() {
                // Past the kernel's last capability.
                Errno::EINVAL => break,
                errno => return Err(errno),
            }
        }
    }
    // SAFETY: integers only; EINVAL on kernels without ambient capabilities is ignored.
    #[allow(unsafe_code)]
    unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL,
            0,
            0,
            0,
        );
    }
    #[repr(C)]
    struct Header {
        version: u32,
        pid: c_int,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    // _LINUX_CAPABILITY_VERSION_3: two `Data`, for capabilities 0-31 and 32-63.
    let header = Header {
        version: 0x2008_0522,
        pid: 0,
    };
    let empty = Data {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    };
    let data = [empty; 2];
    // SAFETY: `capset` reads one header and two data structs, laid out as the kernel's
    // `__user_cap_header_struct` and `__user_cap_data_struct`, which live on this stack
    // for the call.
    #[allow(unsafe_code)]
    let result = unsafe { libc::syscall(libc::SYS_capset, &header, data.as_ptr()) };
    Errno::result(result).map(drop)
}

/// Waits for `pid` (`WNOHANG` in `flags`: without blocking), retrying on `EINTR`.
pub(super) fn wait(pid: Pid, flags: WaitPidFlag) -> std::io::Result<Option<ExitStatus>> {
    loop {
        match waitpid(pid, Some(flags)) {
            Ok(WaitStatus::Exited(_, code)) => return Ok(Some(ExitStatus::from_raw(code << 8))),
            Ok(WaitStatus::Signaled(_, signal, core)) => {
                let raw = signal as i32 | if core { 0x80 } else { 0 };
                return Ok(Some(ExitStatus::from_raw(raw)));
            }
            Ok(WaitStatus::StillAlive) => return Ok(None),
            // Stopped or continued (not asked for): keep waiting.
            Ok(_) => {}
            Err(Errno::EINTR) => {}
            Err(errno) => return Err(std::io::Error::from(errno)),
        }
    }
}
