//! The namespaces a confined command runs in ([`Namespaces`]): which ones the kernel allows
//! (probed once per process), the worker threads' loopback-only network namespaces, and
//! the system calls the init (module `init`) makes to set them up: id maps, private mounts
//! and a `/proc` of its own, the loopback.

use std::ffi::CStr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::OnceLock;

use nix::errno::Errno;
use nix::libc;
use nix::sched::CloneFlags;
use nix::sys::signal::Signal;
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};

use super::child;
use super::init;
use super::view::View;

/// Namespaces a command runs in, prepared before the clone.
#[derive(Debug)]
pub(super) struct Namespaces {
    /// `CLONE_NEWPID | CLONE_NEWIPC`, plus `CLONE_NEWNET` and `CLONE_NEWUSER` as needed.
    pub(super) flags: CloneFlags,
    /// The id maps to write in a user namespace.
    pub(super) user_maps: Option<UserMaps>,
    /// Without network, for a harness that makes namespaces directly: the calling thread's
    /// loopback-only network namespace, joined instead of making one per command (making
    /// one costs more than the rest of the namespaces together; see [`worker_network`]).
    pub(super) join_network: Option<OwnedFd>,
    /// For a confined command: the filesystem it sees (module `view`).
    pub(super) view: Option<View>,
    /// Directories to cover with an empty read-only tmpfs (commands without a view).
    pub(super) masks: Vec<std::ffi::CString>,
    /// Paths to bind read-only over themselves (commands without a view).
    pub(super) frozen: Vec<std::ffi::CString>,
}

/// What the kernel allows, probed once per process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Support {
    /// PID, IPC and network namespaces, made directly (the harness has `CAP_SYS_ADMIN`).
    Direct,
    /// The same inside a new user namespace (an unprivileged harness).
    InUserNamespace,
}

impl Namespaces {
    /// The namespaces for one command: a network namespace when `no_network`.
    pub(super) fn new(
        support: Support,
        no_network: bool,
        view: Option<View>,
        masks: Vec<std::ffi::CString>,
        frozen: Vec<std::ffi::CString>,
    ) -> Namespaces {
        let mut flags =
            CloneFlags::CLONE_NEWPID | CloneFlags::CLONE_NEWIPC | CloneFlags::CLONE_NEWNS;
        let join_network = match support {
            Support::Direct if no_network => worker_network(),
            _ => None,
        };
        if no_network && join_network.is_none() {
            flags |= CloneFlags::CLONE_NEWNET;
        }
        let user_maps = (support == Support::InUserNamespace).then(UserMaps::of_this_process);
        if user_maps.is_some() {
            flags |= CloneFlags::CLONE_NEWUSER;
        }
        Namespaces {
            flags,
            user_maps,
            join_network,
            view,
            masks,
            frozen,
        }
    }

    /// Whether the namespaces are made inside a new user namespace (where the command,
    /// though unprivileged outside, has capabilities to drop).
    pub(super) fn in_user_namespace(&self) -> bool {
        self.user_maps.is_some()
    }

    /// Whether the command gets its own network namespace.
    pub(super) fn isolates_network(&self) -> bool {
        self.flags.contains(CloneFlags::CLONE_NEWNET) || self.join_network.is_some()
    }
}

/// The calling thread's loopback-only network namespace (a duplicate of its descriptor),
/// made on first use; `None` where it cannot be made.
///
/// One per worker thread, not one per command: the commands of one thread run one after
/// another, and when one ends every process of its PID namespace is dead, so no socket of
/// it is left (nothing else in a network namespace outlives its processes that a process
/// without capabilities can set; `/proc/sys/net` is out of reach of Landlock-confined
/// commands). Concurrent episodes run on different threads, so they never share one.
fn worker_network() -> Option<OwnedFd> {
    use std::cell::OnceCell;
    thread_local! {
        static NETWORK: OnceCell<Option<OwnedFd>> = const { OnceCell::new() };
    }
    NETWORK.with(|network| {
        network
            .get_or_init(loopback_namespace)
            .as_ref()
            .and_then(|fd| fd.try_clone().ok())
    })
}

/// A new network namespace with its loopback up, held by a descriptor of
/// `/proc/<pid>/ns/net` of a child that made it, stopped itself until the harness opened
/// it, and was killed. (No pipe: a copy of its write end in another concurrent process
/// would keep an end of file from coming.)
fn loopback_namespace() -> Option<OwnedFd> {
    let mut stack = vec![0u8; 16 << 10];
    let body = Box::new(|| -> isize {
        if nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).is_err() || loopback_up().is_err() {
            init::exit(1);
        }
        let _ = nix::sys::signal::raise(Signal::SIGSTOP);
        init::exit(0)
    });
    // SAFETY: as in `probe`: the child runs `body` on its own copy of the harness's memory,
    // only making system calls, and ends in `_exit` (or is killed).
    #[allow(unsafe_code)]
    let started = unsafe {
        nix::sched::clone(
            body,
            &mut stack,
            CloneFlags::CLONE_NEWNET,
            Some(libc::SIGCHLD),
        )
    };
    let pid = started.ok()?;
    let stopped = loop {
        match waitpid(pid, Some(WaitPidFlag::WUNTRACED)) {
            Ok(WaitStatus::Stopped(..)) => break true,
            Err(Errno::EINTR) => {}
            _ => break false,
        }
    };
    let namespace = stopped
        .then(|| std::fs::File::open(format!("/proc/{pid}/ns/net")).ok())
        .flatten()
        .map(OwnedFd::from);
    if stopped {
        let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
        let _ = child::wait(pid, WaitPidFlag::empty());
    }
    namespace
}

/// `deny` to `setgroups`, then the harness's own uid and gid mapped to themselves: what an
/// unprivileged process may write for its own user namespace.
#[derive(Debug)]
pub(super) struct UserMaps {
    uid_map: Vec<u8>,
    gid_map: Vec<u8>,
}

impl UserMaps {
    fn of_this_process() -> UserMaps {
        let uid = nix::unistd::geteuid();
        let gid = nix::unistd::getegid();
        UserMaps {
            uid_map: format!("{uid} {uid} 1\n").into_bytes(),
            gid_map: format!("{gid} {gid} 1\n").into_bytes(),
        }
    }

    /// Writes the maps for the calling process (in its new user namespace).
    pub(super) fn write(&self) -> Result<(), Errno> {
        write_file(c"/proc/self/setgroups", b"deny")?;
        write_file(c"/proc/self/uid_map", &self.uid_map)?;
        write_file(c"/proc/self/gid_map", &self.gid_map)
    }
}

/// Which namespaces this process can make, probed once by starting a child in them that
/// exits at once: `None` where the kernel refuses (no namespaces, or unprivileged user
/// namespaces disabled).
pub(super) fn support() -> Option<Support> {
    static SUPPORT: OnceLock<Option<Support>> = OnceLock::new();
    *SUPPORT.get_or_init(|| {
        // The init is watched and killed through pidfds (Linux 5.3+): without them, none.
        init::harness_pidfd()?;
        let direct = CloneFlags::CLONE_NEWPID
            | CloneFlags::CLONE_NEWIPC
            | CloneFlags::CLONE_NEWNET
            | CloneFlags::CLONE_NEWNS;
        if probe(direct, None) {
            return Some(Support::Direct);
        }
        let maps = UserMaps::of_this_process();
        probe(direct | CloneFlags::CLONE_NEWUSER, Some(&maps)).then_some(Support::InUserNamespace)
    })
}

/// Starts a child in `flags` that writes `maps` (if any) and mounts its own `/proc`, and
/// exits 0 when it could.
fn probe(flags: CloneFlags, maps: Option<&UserMaps>) -> bool {
    let mut stack = vec![0u8; 16 << 10];
    let body = Box::new(move || -> isize {
        let code = match maps
            .map_or(Ok(()), UserMaps::write)
            .and_then(|()| make_private())
            .and_then(|()| mount_proc())
        {
            Ok(()) => 0,
            Err(_) => 1,
        };
        init::exit(code)
    });
    // SAFETY: without CLONE_VM the child runs `body` on its own copy of the harness's
    // memory and only makes system calls (`open`, `write`, `close`, `_exit`) on values
    // prepared here; it never returns into the harness's code.
    #[allow(unsafe_code)]
    let started = unsafe { nix::sched::clone(body, &mut stack, flags, Some(libc::SIGCHLD)) };
    let Ok(pid) = started else {
        return false;
    };
    matches!(child::wait(pid, WaitPidFlag::empty()), Ok(Some(status)) if status.success())
}

/// Makes every mount of the calling process's (new) mount namespace private, so nothing
/// done in it reaches the harness's.
pub(super) fn make_private() -> Result<(), Errno> {
    nix::mount::mount(
        None::<&CStr>,
        c"/",
        None::<&CStr>,
        nix::mount::MsFlags::MS_REC | nix::mount::MsFlags::MS_PRIVATE,
        None::<&CStr>,
    )
}

/// Mounts a `/proc` of the calling process's PID namespace over `/proc`: its processes
/// see each other there, never the harness or other episodes.
pub(super) fn mount_proc() -> Result<(), Errno> {
    use nix::mount::{MsFlags, mount};
    mount(
        Some(c"proc"),
        c"/proc",
        Some(c"proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None::<&CStr>,
    )
}

/// Covers each of `masks` with an empty read-only tmpfs (in the calling process's own mount
/// namespace): a command without capabilities cannot unmount it.
pub(super) fn mount_masks(masks: &[std::ffi::CString]) -> Result<(), Errno> {
    use nix::mount::{MsFlags, mount};
    for mask in masks {
        mount(
            Some(c"tmpfs"),
            mask.as_c_str(),
            Some(c"tmpfs"),
            MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
            Some(c"size=4k,mode=0555"),
        )?;
    }
    Ok(())
}

/// Binds each of `paths` read-only over itself (in the calling process's own mount
/// namespace). Best effort: a path that cannot be bound or remounted stays as it was.
pub(super) fn mount_frozen(paths: &[std::ffi::CString]) -> Result<(), Errno> {
    use nix::mount::{MsFlags, mount};
    for path in paths {
        let bound = mount(
            Some(path.as_c_str()),
            path.as_c_str(),
            None::<&CStr>,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None::<&CStr>,
        );
        if bound.is_ok() {
            let _ = mount(
                None::<&CStr>,
                path.as_c_str(),
                None::<&CStr>,
                MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY,
                None::<&CStr>,
            );
        }
    }
    Ok(())
}

/// `ip link set lo up` in the calling process's network namespace.
pub(super) fn loopback_up() -> Result<(), Errno> {
    // SAFETY: `socket` takes integers; the descriptor is owned by `socket` below.
    #[allow(unsafe_code)]
    let socket = unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(Errno::last());
        }
        OwnedFd::from_raw_fd(fd)
    };
    // SAFETY: `ifreq` is plain data (zero is a valid value); both ioctls read and write
    // only the `ifreq` they are given, named "lo" and NUL-terminated by the zeroing.
    #[allow(unsafe_code)]
    unsafe {
        let mut request: libc::ifreq = std::mem::zeroed();
        request.ifr_name[0] = b'l' as libc::c_char;
        request.ifr_name[1] = b'o' as libc::c_char;
        if libc::ioctl(socket.as_raw_fd(), libc::SIOCGIFFLAGS, &mut request) < 0 {
            return Err(Errno::last());
        }
        request.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        if libc::ioctl(socket.as_raw_fd(), libc::SIOCSIFFLAGS, &request) < 0 {
            return Err(Errno::last());
        }
    }
    Ok(())
}

/// Writes `content` to the file at `path` in one `write`.
fn write_file(path: &CStr, content: &[u8]) -> Result<(), Errno> {
    let fd = nix::fcntl::open(
        path,
        nix::fcntl::OFlag::O_WRONLY | nix::fcntl::OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )?;
    let written = nix::unistd::write(&fd, content)?;
    if written == content.len() {
        Ok(())
    } else {
        Err(Errno::EIO)
    }
}
