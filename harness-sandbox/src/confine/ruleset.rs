//! The Landlock side of confinement, prepared in the harness: the kernel's ABI (probed
//! once) and the ruleset of a spec, its rule paths opened with `O_PATH` (the system and
//! toolchain ones once per process).

use std::fs::OpenOptions;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use landlock::{
    ABI, Access, AccessFs, AccessNet, BitFlags, CompatLevel, Compatible, LandlockStatus,
    PathBeneath, RestrictSelf, Ruleset, RulesetAttr, RulesetCreatedAttr, Scope,
};
use nix::libc;

use super::{ConfineError, ConfineSpec, Confinement};

/// The ruleset for `spec` on a kernel with Landlock `abi`, and what it enforces.
pub(super) fn landlock_ruleset(
    spec: &ConfineSpec,
    abi: ABI,
) -> Result<(Option<OwnedFd>, Confinement), ConfineError> {
    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(abi))?;
    let network_handled = spec.no_network && abi >= ABI::V4;
    if network_handled {
        // TCP bind/connect (and UDP from ABI v10), with no rule allowing any port.
        ruleset = ruleset.handle_access(AccessNet::from_all(abi))?;
    }
    if abi >= ABI::V6 {
        // No signals to, and no abstract unix sockets of, processes outside the sandbox
        // (such as the harness).
        ruleset = ruleset.scope(Scope::from_all(abi))?;
    }
    let mut created = ruleset.create()?;
    let mut granted = std::collections::HashSet::new();
    for path in &spec.read_only {
        if granted.insert(path)
            && let Some(rule) = read_only_rule_path(path)?
        {
            let access = AccessFs::from_read(abi);
            created = created.add_rule(path_rule(&rule.fd, rule.is_dir, access, abi))?;
        }
    }
    for path in &spec.read_write {
        if let Some(rule) = RulePath::open(path)? {
            let access = AccessFs::from_all(abi);
            created = created.add_rule(path_rule(rule.fd, rule.is_dir, access, abi))?;
        }
    }
    let fd: Option<OwnedFd> = created.into();
    let confinement = match fd {
        Some(_) => Confinement::Landlock {
            abi: abi_number(abi),
            partial: spec.no_network && !network_handled,
        },
        None => Confinement::None,
    };
    Ok((fd, confinement))
}

/// The Landlock ABI version this kernel supports (capped at the newest one the `landlock`
/// crate knows), or `None` without Landlock. Probed once, without restricting anything.
pub fn landlock_abi() -> Option<i32> {
    probe_abi().map(abi_number)
}

pub(super) fn probe_abi() -> Option<ABI> {
    static ABI: OnceLock<Option<ABI>> = OnceLock::new();
    *ABI.get_or_init(|| {
        // With no flags and without no_new_privs, `apply` makes no system call besides the
        // version probe: nothing is restricted.
        let status = RestrictSelf::default().no_new_privs(false).apply().ok()?;
        match status.landlock {
            LandlockStatus::Available { effective_abi, .. }
                if effective_abi != ABI::Unsupported =>
            {
                Some(effective_abi)
            }
            _ => None,
        }
    })
}

fn abi_number(abi: ABI) -> i32 {
    // `ABI` is non-exhaustive, so it cannot be cast; its `Display` is the number.
    abi.to_string().parse().unwrap_or(0)
}

/// A rule path opened with `O_PATH` (following symlinks, as the kernel resolves the rule).
#[derive(Debug)]
struct RulePath {
    fd: OwnedFd,
    is_dir: bool,
    /// Device and inode, to notice the path now names another file.
    identity: (u64, u64),
}

impl RulePath {
    fn open(path: &Path) -> Result<Option<RulePath>, ConfineError> {
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
        let opened = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_PATH)
            .open(path)
            .and_then(|file| file.metadata().map(|metadata| (file, metadata)));
        match opened {
            Ok((file, metadata)) => Ok(Some(RulePath {
                fd: file.into(),
                is_dir: metadata.is_dir(),
                identity: (metadata.dev(), metadata.ino()),
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(ConfineError::Io {
                what: "open landlock rule path",
                path: path.to_path_buf(),
                source,
            }),
        }
    }
}

/// The opened read-only rule paths (system and toolchain dirs, the same for every command),
/// reused while the path still names the same file: one `stat` per rule instead of an
/// open, a stat and a close. Paths that did not exist are looked up again every time.
fn read_only_rule_path(path: &Path) -> Result<Option<std::sync::Arc<RulePath>>, ConfineError> {
    use std::collections::HashMap;
    use std::os::unix::fs::MetadataExt;
    use std::sync::{Arc, Mutex};
    type Cache = Mutex<HashMap<PathBuf, Arc<RulePath>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let identity = match std::fs::metadata(path) {
        Ok(metadata) => (metadata.dev(), metadata.ino()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConfineError::Io {
                what: "inspect landlock rule path",
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let cached = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(path)
        .filter(|rule| rule.identity == identity)
        .cloned();
    if let Some(rule) = cached {
        return Ok(Some(rule));
    }
    let Some(rule) = RulePath::open(path)?.map(Arc::new) else {
        return Ok(None);
    };
    cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(path.to_path_buf(), rule.clone());
    Ok(Some(rule))
}

/// A Landlock rule granting `access` beneath `rule`, with the directory-only rights
/// dropped when it is not a directory (the kernel would reject them).
fn path_rule<F: AsFd>(fd: F, is_dir: bool, access: BitFlags<AccessFs>, abi: ABI) -> PathBeneath<F> {
    let access = if is_dir {
        access
    } else {
        access & AccessFs::from_file(abi)
    };
    PathBeneath::new(fd, access)
}
