//! Helpers for tests that need inode flags set (feature `test-support`, and this crate's
//! own tests): a scratch directory where they can be set, and a `chattr`.

use std::fs;
use std::os::fd::AsFd;
use std::path::Path;

use crate::flags::{self, IMMUTABLE};
use crate::unblock::{open, remove_all};

/// A scratch directory where this process can set inode flags (root on tmpfs or ext4),
/// removed with [`remove_all`] however a test leaves it; `None` with a note elsewhere.
#[derive(Debug)]
pub struct FlaggableDir(tempfile::TempDir);

impl FlaggableDir {
    /// A fresh directory under `/dev/shm` or the temp dir, or `None` (with a note on
    /// stderr) when this process may not set inode flags there (no `CAP_LINUX_IMMUTABLE`,
    /// or no filesystem with them).
    pub fn new() -> Option<FlaggableDir> {
        for parent in [Path::new("/dev/shm"), &std::env::temp_dir()] {
            let Ok(dir) = tempfile::tempdir_in(parent) else {
                continue;
            };
            let probe = dir.path().join("probe");
            if fs::write(&probe, "x").is_ok() && set_flags(&probe, IMMUTABLE) {
                set_flags(&probe, 0);
                let _ = fs::remove_file(&probe);
                return Some(FlaggableDir(dir));
            }
        }
        eprintln!("inode flags cannot be set here (no CAP_LINUX_IMMUTABLE?); skipped");
        None
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for FlaggableDir {
    fn drop(&mut self) {
        let _ = remove_all(self.0.path());
    }
}

/// Sets exactly `wanted` among the blocking flags of `path` (like `chattr`); returns
/// whether it worked.
pub fn set_flags(path: &Path, wanted: nix::libc::c_int) -> bool {
    let dir = fs::symlink_metadata(path).is_ok_and(|meta| meta.is_dir());
    let Ok(file) = open(path, dir) else {
        return false;
    };
    let Ok(Some(current)) = flags::get(file.as_fd()) else {
        return false;
    };
    flags::set(file.as_fd(), (current & !flags::BLOCKING) | wanted).is_ok()
}
