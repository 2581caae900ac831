//! Processes told apart by pid and start time, never by name: what an episode started,
//! found by a mark only it carries, and whether each is still alive.

use std::hash::{BuildHasher, RandomState};
use std::path::PathBuf;
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

/// State and start time from `/proc/<pid>/stat` (the fields after the command's `)`).
pub fn stat(pid: i32) -> Option<(char, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = text[text.rfind(')')? + 1..].split_whitespace().collect();
    Some((
        fields.first()?.chars().next()?,
        fields.get(19)?.parse().ok()?,
    ))
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
        matches!(stat(self.pid), Some((state, start)) if start == self.start && state != 'Z' && state != 'X')
    }

    pub fn describe(self) -> String {
        let state = stat(self.pid).map_or('?', |(state, _)| state);
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
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let marked = nul_separated(entry.path().join("environ")).contains(&assignment)
                || nul_separated(entry.path().join("cmdline")).contains(&arg);
            if let Some((_, start)) = stat(pid).filter(|_| marked) {
                let proc = Proc { pid, start };
                if proc.alive() {
                    found.push(proc);
                }
            }
        }
        found
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
