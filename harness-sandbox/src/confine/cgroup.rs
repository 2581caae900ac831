//! The pids cgroup a confined command joins: a bound on its processes that binds root, and
//! the way to kill all of them.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

#[cfg(doc)]
use super::ConfineSpec;

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
