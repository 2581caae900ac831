//! A filesystem of its own for each episode: a tmpfs of a fixed size, mounted by the
//! harness on the episode's directory (which needs `CAP_SYS_ADMIN`: a root harness), so
//! that an agent or a check filling its disk fills only its own, and the watch that stops
//! it (the free space of the working directory's filesystem) measures its own. Unmounting
//! drops every file of the episode at once.

use std::path::Path;

use nix::mount::{MntFlags, MsFlags, mount, umount2};

/// Mounts an empty tmpfs of `size_mib` MiB (mode 0700) on `dir`.
pub fn mount_episode_disk(dir: &Path, size_mib: u64) -> nix::Result<()> {
    let options = format!("size={size_mib}m,mode=0700");
    mount(
        Some("tmpfs"),
        dir,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some(options.as_str()),
    )
}

/// Detaches what is mounted on `dir` (its files go with it; `EINVAL` when nothing is).
pub fn unmount(dir: &Path) -> nix::Result<()> {
    umount2(dir, MntFlags::MNT_DETACH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_episode_disk_has_its_size_and_goes_with_its_files() {
        let dir = tempfile::tempdir().unwrap();
        let episode = dir.path().join("ep");
        std::fs::create_dir(&episode).unwrap();
        if mount_episode_disk(&episode, 8).is_err() {
            eprintln!("skipping: cannot mount a tmpfs here (not root)");
            return;
        }
        let stats = nix::sys::statvfs::statvfs(&episode).unwrap();
        let total = stats.blocks() * stats.fragment_size();
        assert_eq!(
            total,
            8 << 20,
            "the episode's filesystem is its own, of its size"
        );
        std::fs::write(episode.join("file"), "x").unwrap();
        let too_big = std::fs::write(episode.join("big"), vec![0u8; 9 << 20]);
        assert!(too_big.is_err(), "writing past the size fails");
        unmount(&episode).unwrap();
        assert!(!episode.join("file").exists(), "its files went with it");
        std::fs::remove_dir(&episode).unwrap();
        assert!(unmount(&episode).is_err(), "nothing mounted any more");
    }
}
