//! Confined processes for another-harness: the one crate that talks to the kernel about
//! processes, and the workspace's only `unsafe` code.
//!
//! - [`run`] runs a [`ProcessSpec`] to completion under a [`RunPolicy`]: confined where the
//!   kernel allows, in its own session and process group, with its output captured and
//!   capped, a wall-clock budget, the free space of its working directory's filesystem
//!   watched, and everything it started killed and reaped at the end ([`ProcessOutcome`]).
//! - [`confine`] is what [`run`] is built on: [`confine::command`] prepares a
//!   [`confine::ConfineSpec`] (Landlock ruleset, [`Limits`], the [`PidsCgroup`] to join) and
//!   starts it posix_spawn-style, the child applying its confinement itself between `clone`
//!   and `execve`; [`kill_group`], [`reap_group`] and [`become_subreaper`] deal with what it
//!   leaves behind; [`landlock_abi`] says what the kernel offers.
//! - [`unblock`] removes (or makes readable again) a tree whatever a process did to it,
//!   clearing immutable and append-only inode flags ([`flags`]) on the way.
//!
//! Nothing here knows fixtures, grading, settings or reports: callers describe a process and
//! a policy, and read back how it ended.
//!
//! ```no_run
//! use std::time::Duration;
//! use harness_sandbox::{Limits, ProcessSpec, RunPolicy, run};
//!
//! let spec = ProcessSpec {
//!     argv: vec!["/bin/sh".into(), "-c".into(), "echo hello".into()],
//!     cwd: "/tmp".into(),
//!     env: vec![("PATH".into(), "/usr/bin:/bin".into())],
//!     timeout: Duration::from_secs(10),
//!     log: "/tmp/hello.log".into(),
//!     read_only: harness_sandbox::confine::SYSTEM_READ_ONLY.iter().map(Into::into).collect(),
//!     read_write: vec!["/tmp".into(), "/dev/null".into()],
//!     limits: Limits::default(),
//!     masked: Vec::new(),
//! };
//! let policy = RunPolicy {
//!     landlock: true,
//!     no_network: true,
//!     namespaces: true,
//!     max_pids: 64,
//!     output_cap: 1 << 20,
//! };
//! let outcome = run(policy, &spec).unwrap();
//! assert!(outcome.success());
//! ```
// `unsafe` is denied here as in every crate of the workspace, and allowed only on the
// blocks of `confine::child`, `confine::init` and `confine::namespace` (starting confined
// processes posix_spawn-style, their namespaces' init) and `flags` (the inode-flag
// ioctls), each with a SAFETY comment. Every other crate forbids it.
#![deny(unsafe_code)]

pub mod confine;
pub mod disk;
pub mod flags;
pub mod process;
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;
pub mod unblock;

pub use confine::{
    Confinement, Lifetime, Limits, PidsCgroup, become_subreaper, kill_group, landlock_abi,
    reap_group,
};
pub use process::{ProcessError, ProcessOutcome, ProcessSpec, RunPolicy, run};
pub use unblock::{Cleared, RemoveError, remove_all, unblock_tree};
