//! The process group and session of a confined command, and the harness as the subreaper
//! of what it leaves: killing the group, collecting its orphans.

use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
use nix::unistd::Pid;

#[cfg(doc)]
use super::PidsCgroup;

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
