//! Inode flags that keep a file from being removed or replaced: immutable (`chattr +i`) and
//! append-only (`chattr +a`), read and cleared with the `FS_IOC_GETFLAGS` /
//! `FS_IOC_SETFLAGS` ioctls.
//!
//! A root agent (or code a check runs) with `CAP_LINUX_IMMUTABLE` can set them on anything
//! it may write, Landlock or not; grading clears them where they stand in its way
//! ([`crate::unblock`]). This module holds the two `ioctl` calls, the workspace's only
//! `unsafe` outside `confine::child`.
//!
//! The ioctls are declared with a `long` argument but the kernel reads and writes an `int`
//! (`linux/fs.h`; e2fsprogs' `chattr` passes an `int` too), so an `int` is what is passed.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

use nix::errno::Errno;
use nix::libc;

/// `FS_IMMUTABLE_FL` (`linux/fs.h`): no change, removal, rename or new link; in a
/// directory, no entry added or removed.
pub const IMMUTABLE: libc::c_int = 0x0000_0010;
/// `FS_APPEND_FL` (`linux/fs.h`): writes only append; no removal or rename; in a directory,
/// no entry removed.
pub const APPEND_ONLY: libc::c_int = 0x0000_0020;
/// The flags that stop a file or directory from being removed or replaced.
pub const BLOCKING: libc::c_int = IMMUTABLE | APPEND_ONLY;

/// The inode flags of the open file `fd`. `Ok(None)` where the filesystem or the file type
/// has no such flags (`ENOTTY`, `EOPNOTSUPP`, `EINVAL`).
pub fn get(fd: BorrowedFd<'_>) -> io::Result<Option<libc::c_int>> {
    let mut flags: libc::c_int = 0;
    // SAFETY: FS_IOC_GETFLAGS writes one `int` through the pointer, which points to a live,
    // aligned `c_int` owned by this frame for the whole call; `fd` is a valid open file
    // descriptor for as long as the borrow lives.
    #[allow(unsafe_code)]
    let result = unsafe {
        libc::ioctl(
            fd.as_raw_fd(),
            libc::FS_IOC_GETFLAGS,
            &mut flags as *mut libc::c_int,
        )
    };
    match Errno::result(result) {
        Ok(_) => Ok(Some(flags)),
        Err(Errno::ENOTTY | Errno::EOPNOTSUPP | Errno::EINVAL) => Ok(None),
        Err(errno) => Err(io::Error::from(errno)),
    }
}

/// Sets the inode flags of the open file `fd` to `flags` (all of them: read them with
/// [`get`] first). Changing [`IMMUTABLE`] or [`APPEND_ONLY`] needs `CAP_LINUX_IMMUTABLE`.
pub fn set(fd: BorrowedFd<'_>, flags: libc::c_int) -> io::Result<()> {
    // SAFETY: FS_IOC_SETFLAGS reads one `int` through the pointer, which points to a live,
    // aligned `c_int` owned by this frame for the whole call (the kernel does not keep it);
    // `fd` is a valid open file descriptor for as long as the borrow lives.
    #[allow(unsafe_code)]
    let result = unsafe {
        libc::ioctl(
            fd.as_raw_fd(),
            libc::FS_IOC_SETFLAGS,
            &flags as *const libc::c_int,
        )
    };
    Errno::result(result).map(drop).map_err(io::Error::from)
}

/// Clears [`BLOCKING`] on the open file `fd` and returns the flags that were set among them
/// (0: none, nothing was changed).
pub fn clear_blocking(fd: BorrowedFd<'_>) -> io::Result<libc::c_int> {
    let Some(flags) = get(fd)? else {
        return Ok(0);
    };
    let blocking = flags & BLOCKING;
    if blocking != 0 {
        set(fd, flags & !BLOCKING)?;
    }
    Ok(blocking)
}

/// `immutable`, `append-only` or both, for messages.
pub fn describe(flags: libc::c_int) -> &'static str {
    match (flags & IMMUTABLE != 0, flags & APPEND_ONLY != 0) {
        (true, true) => "immutable and append-only",
        (true, false) => "immutable",
        (false, true) => "append-only",
        (false, false) => "no blocking flag",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;
    use std::os::fd::AsFd;

    /// A scratch directory on a filesystem with inode flags (tmpfs since Linux 6.0, ext4),
    /// or `None` (with a note) when this process may not set them (no
    /// `CAP_LINUX_IMMUTABLE`) or no candidate filesystem supports them.
    fn flaggable_dir() -> Option<tempfile::TempDir> {
        for parent in [std::path::Path::new("/dev/shm"), &std::env::temp_dir()] {
            let Ok(dir) = tempfile::tempdir_in(parent) else {
                continue;
            };
            let probe = dir.path().join("probe");
            let Ok(file) = File::create(&probe) else {
                continue;
            };
            let settable = matches!(get(file.as_fd()), Ok(Some(_)))
                && set(file.as_fd(), IMMUTABLE).is_ok()
                && set(file.as_fd(), 0).is_ok();
            if settable {
                return Some(dir);
            }
        }
        eprintln!("inode flags cannot be set here (no CAP_LINUX_IMMUTABLE?); skipped");
        None
    }

    #[test]
    fn immutable_and_append_only_flags_are_read_and_cleared() {
        let Some(dir) = flaggable_dir() else {
            return;
        };
        let path = dir.path().join("locked");
        std::fs::write(&path, "x").unwrap();
        let file = File::open(&path).unwrap();
        let before = get(file.as_fd()).unwrap().unwrap();
        assert_eq!(before & BLOCKING, 0);
        set(file.as_fd(), before | IMMUTABLE | APPEND_ONLY).unwrap();
        assert_eq!(
            get(file.as_fd()).unwrap().unwrap() & BLOCKING,
            BLOCKING,
            "the flags read back as set"
        );
        assert!(
            std::fs::remove_file(&path).is_err(),
            "an immutable file cannot be removed"
        );
        assert_eq!(clear_blocking(file.as_fd()).unwrap(), BLOCKING);
        assert_eq!(get(file.as_fd()).unwrap().unwrap(), before);
        assert_eq!(
            clear_blocking(file.as_fd()).unwrap(),
            0,
            "nothing left to clear"
        );
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_directory_flag_is_cleared_through_its_descriptor() {
        let Some(dir) = flaggable_dir() else {
            return;
        };
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("f"), "x").unwrap();
        let handle = File::open(&sub).unwrap();
        let flags = get(handle.as_fd()).unwrap().unwrap();
        set(handle.as_fd(), flags | APPEND_ONLY).unwrap();
        assert!(
            std::fs::remove_file(sub.join("f")).is_err(),
            "no entry leaves an append-only directory"
        );
        assert_eq!(clear_blocking(handle.as_fd()).unwrap(), APPEND_ONLY);
        std::fs::remove_file(sub.join("f")).unwrap();
    }

    #[test]
    fn files_without_flags_report_none_instead_of_failing() {
        // A pipe has no inode flags: the ioctl fails with ENOTTY, reported as `None`.
        let (reader, _writer) = std::io::pipe().unwrap();
        assert_eq!(get(reader.as_fd()).unwrap(), None);
        assert_eq!(clear_blocking(reader.as_fd()).unwrap(), 0);
    }

    #[test]
    fn descriptions_name_the_flags() {
        assert_eq!(describe(IMMUTABLE), "immutable");
        assert_eq!(describe(APPEND_ONLY), "append-only");
        assert_eq!(describe(BLOCKING), "immutable and append-only");
    }
}
