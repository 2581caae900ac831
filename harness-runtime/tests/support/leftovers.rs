//! What an episode may leave on the machine, found without trusting names: processes by
//! pid and start time (picked out by a mark only the episode carries), System V segments by
//! key; and a guard that removes them whatever a test's outcome.

use std::hash::{BuildHasher, RandomState};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A number no other test (or run) picks: 9 decimal digits.
pub fn unique() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    RandomState::new().hash_one((std::process::id(), nanos)) % 900_000_000 + 100_000_000
}

/// A System V key nobody else uses.
pub fn unique_key() -> i32 {
    i32::try_from(unique()).unwrap()
}

pub fn poll(deadline: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if done() {
            return true;
        }
        if start.elapsed() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A process, by pid and start time (so a reused pid is another process).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proc {
    pub pid: i32,
    pub start: u64,
}

/// State, parent and start time from `/proc/<pid>/stat` (the fields after the command's
/// `)`).
pub fn stat(pid: i32) -> Option<(char, i32, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = text[text.rfind(')')? + 1..].split_whitespace().collect();
    Some((
        fields.first()?.chars().next()?,
        fields.get(1)?.parse().ok()?,
        fields.get(19)?.parse().ok()?,
    ))
}

/// Every pid in `/proc`.
fn pids() -> impl Iterator<Item = i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_string_lossy().parse().ok())
}

/// Every live process below `root` in the process tree, now.
pub fn descendants(root: i32) -> Vec<Proc> {
    let table: Vec<(Proc, i32)> = pids()
        .filter_map(|pid| stat(pid).map(|(_, ppid, start)| (Proc { pid, start }, ppid)))
        .filter(|(proc, _)| proc.alive())
        .collect();
    let (mut found, mut parents) = (Vec::new(), vec![root]);
    while let Some(parent) = parents.pop() {
        for (proc, _) in table.iter().filter(|(_, ppid)| *ppid == parent) {
            found.push(*proc);
            parents.push(proc.pid);
        }
    }
    found
}

pub fn nul_separated(path: PathBuf) -> Vec<String> {
    std::fs::read(path)
        .unwrap_or_default()
        .split(|byte| *byte == 0)
        .filter(|part| !part.is_empty())
        .map(|part| String::from_utf8_lossy(part).into_owned())
        .collect()
}

impl Proc {
    /// Alive: the same process, not a zombie (a zombie reparented anywhere is dead).
    pub fn alive(self) -> bool {
        matches!(stat(self.pid), Some((state, _, start)) if start == self.start && state != 'Z' && state != 'X')
    }

    pub fn describe(self) -> String {
        let state = stat(self.pid).map_or('?', |(state, _, _)| state);
        let argv = nul_separated(PathBuf::from(format!("/proc/{}/cmdline", self.pid)));
        format!("{} [{state}] {}", self.pid, argv.join(" "))
    }
}

/// What marks an episode's processes: `ISO_MARK_<tag>=1` in the environment (the agent
/// command sets it, so the whole agent tree has it) or an argument `300.<tag>` (what a
/// check gives `sleep`; a check's environment is the harness's to make).
pub struct Mark {
    pub tag: u64,
}

impl Mark {
    pub fn new() -> Self {
        Self { tag: unique() }
    }

    pub fn assignment(&self) -> String {
        format!("ISO_MARK_{}=1", self.tag)
    }

    pub fn arg(&self) -> String {
        format!("300.{}", self.tag)
    }

    /// Every live process carrying the mark (this test process never does).
    pub fn procs(&self) -> Vec<Proc> {
        let (assignment, arg) = (self.assignment(), self.arg());
        pids()
            .filter(|pid| {
                let dir = PathBuf::from(format!("/proc/{pid}"));
                nul_separated(dir.join("environ")).contains(&assignment)
                    || nul_separated(dir.join("cmdline")).contains(&arg)
            })
            .filter_map(|pid| stat(pid).map(|(_, _, start)| Proc { pid, start }))
            .filter(|proc| proc.alive())
            .collect()
    }

    /// The marked processes running `sleep`.
    pub fn sleeps(&self) -> Vec<Proc> {
        self.procs()
            .into_iter()
            .filter(|proc| {
                let argv = nul_separated(PathBuf::from(format!("/proc/{}/cmdline", proc.pid)));
                argv.first().is_some_and(|arg0| arg0.ends_with("sleep"))
            })
            .collect()
    }
}

pub fn described(procs: &[Proc]) -> Vec<String> {
    procs.iter().map(|proc| proc.describe()).collect()
}

/// Whatever a test started that may outlive it: the harness, marked processes, segments.
/// Dropped (pass or fail), it kills and removes them, by pid and by key.
pub struct Cleanup<'a> {
    pub harness: Option<Child>,
    pub mark: &'a Mark,
    pub keys: Vec<i32>,
}

impl<'a> Cleanup<'a> {
    pub fn new(harness: Option<Child>, mark: &'a Mark, keys: Vec<i32>) -> Self {
        Self {
            harness,
            mark,
            keys,
        }
    }
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        if let Some(child) = self.harness.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
        for proc in self.mark.procs() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(proc.pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        for key in &self.keys {
            let _ = Command::new("ipcrm")
                .args(["-M", &key.to_string()])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Whether this IPC namespace (the host's: the test's) holds a shared memory segment with
/// `key`.
pub fn segment_exists(key: i32) -> bool {
    let table = std::fs::read_to_string("/proc/sysvipc/shm").unwrap_or_default();
    table
        .lines()
        .skip(1)
        .any(|line| line.split_whitespace().next() == Some(&key.to_string()))
}
