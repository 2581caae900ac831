//! What a confined command runs under: its [`Limits`] and, as every case reports them, its
//! [`Confinement`] (Landlock or none) and its [`Lifetime`] (PID namespace or session).

use std::fmt;
use std::str::FromStr;

use super::{ConfineError, namespace};

/// What bounds the life of a command and everything it starts (serialized as its
/// [`Lifetime::label`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lifetime {
    /// Its own PID namespace, whose harness-made init dies with the harness (and with the
    /// command): the kernel kills every process inside.
    PidNamespace,
    /// Its session and process group, the pids cgroup and the parent-death signal of the
    /// command itself: what the harness kills while it lives (the kernel refused
    /// namespaces, or they were not asked for).
    #[default]
    Session,
}

impl Lifetime {
    /// The value of a case result's `"lifetime"` field: `pid-namespace` or `session`.
    pub fn label(self) -> &'static str {
        match self {
            Lifetime::PidNamespace => "pid-namespace",
            Lifetime::Session => "session",
        }
    }

    /// The lifetime commands asking for namespaces get in this process.
    pub fn available() -> Lifetime {
        if namespace::support().is_some() {
            Lifetime::PidNamespace
        } else {
            Lifetime::Session
        }
    }
}

impl fmt::Display for Lifetime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Resource limits applied with `setrlimit` (soft and hard) in the child. `None` leaves
/// the inherited limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// `RLIMIT_FSIZE`: largest size in bytes any single file may be written to. Binds root;
    /// exceeding it raises `SIGXFSZ` (or `EFBIG`). It is per file, not a total.
    pub file_size_bytes: Option<u64>,
    /// `RLIMIT_CPU`: CPU seconds per process (`SIGXCPU`, then `SIGKILL` one second later).
    pub cpu_seconds: Option<u64>,
    /// `RLIMIT_NPROC`, best effort: it counts every process of the real user id machine-wide
    /// and does not bind root (use [`PidsCgroup`] for that).
    pub processes: Option<u64>,
}

/// The confinement a command runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confinement {
    /// No kernel confinement (not requested, or the kernel has no Landlock).
    None,
    /// Landlock enforced with this ABI version.
    Landlock {
        /// The Landlock ABI version used.
        abi: i32,
        /// Some requested restriction was not supported by the kernel.
        partial: bool,
    },
}

impl Confinement {
    /// The value of a case result's `"confinement"` field: `landlock-v<N>` or `none`.
    pub fn label(&self) -> String {
        match self {
            Confinement::None => "none".to_owned(),
            Confinement::Landlock { abi, .. } => format!("landlock-v{abi}"),
        }
    }

    /// Landlock enforced every requested restriction.
    pub fn is_fully_enforced(&self) -> bool {
        matches!(self, Confinement::Landlock { partial: false, .. })
    }
}

impl fmt::Display for Confinement {
    /// `none`, `landlock-v<N>` or `landlock-v<N> partial`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Confinement::None => f.write_str("none"),
            Confinement::Landlock {
                abi,
                partial: false,
            } => write!(f, "landlock-v{abi}"),
            Confinement::Landlock { abi, partial: true } => write!(f, "landlock-v{abi} partial"),
        }
    }
}

impl FromStr for Confinement {
    type Err = ConfineError;

    /// Parses what [`Display`](fmt::Display) writes (surrounding whitespace ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ConfineError::BadLabel {
            content: s.to_owned(),
        };
        let s = s.trim();
        if s == "none" {
            return Ok(Confinement::None);
        }
        let (label, partial) = match s.strip_suffix(" partial") {
            Some(label) => (label, true),
            None => (s, false),
        };
        let abi = label
            .strip_prefix("landlock-v")
            .and_then(|n| n.parse::<i32>().ok())
            .filter(|n| *n > 0)
            .ok_or_else(bad)?;
        Ok(Confinement::Landlock { abi, partial })
    }
}
