//! The filesystem a confined command sees: a root of its own in its mount namespace that
//! holds only the paths its Landlock rules name (bind mounts, read-only where the rule is),
//! a `/proc` of its PID namespace, and nothing else.
//!
//! Landlock decides what a command may read, write and execute, but not what it may find:
//! `stat`, `readlink`, path walks and `connect` to a unix socket file work on any path
//! (a socket of the host or of another episode is reachable by its name). In the view those
//! paths do not exist. Prepared in the harness ([`View::new`]); applied by the namespaces'
//! init ([`View::apply`], only system calls on the prepared strings).

use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use nix::errno::Errno;
use nix::mount::{MsFlags, mount};
use nix::sys::stat::Mode;

use super::ConfineSpec;

/// One path of the view.
#[derive(Debug)]
struct Bind {
    /// The path as the harness sees it.
    source: CString,
    /// Where it goes under the new root (the same path below it).
    target: CString,
    /// The target's ancestors below the new root, outermost first, made if missing.
    parents: Vec<CString>,
    is_dir: bool,
    read_only: bool,
    /// A symbolic link whose target the view holds anyway (`/bin` -> `usr/bin`): made as
    /// the same link, not bound (cheaper to make and to tear down).
    link: Option<CString>,
}

/// A command's view, prepared before the clone.
#[derive(Debug)]
pub(super) struct View {
    /// The directory the new root is mounted on (in the command's mount namespace only).
    root: CString,
    binds: Vec<Bind>,
    /// `<root>/proc`, unless `/proc` itself is one of the binds.
    proc: Option<CString>,
}

/// The directory every view's root is mounted on, made once per process: an empty
/// directory that is no rule path's ancestor (`None` when it cannot be made).
fn root_dir() -> Option<&'static Path> {
    static ROOT: OnceLock<Option<PathBuf>> = OnceLock::new();
    ROOT.get_or_init(|| {
        // `/run` first: rule paths (temp and episode directories) are seldom below it.
        [Path::new("/run"), &std::env::temp_dir()]
            .into_iter()
            .map(|parent| parent.join("another-harness-view"))
            .find(|dir| match std::fs::create_dir(dir) {
                Ok(()) => true,
                Err(error) => error.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir(),
            })
    })
    .as_deref()
}

impl View {
    /// The view of `read_only` and `read_write` (a path in both is writable); missing and
    /// relative paths are left out. `None` where no root directory can be made or a path
    /// holds a NUL byte.
    pub(super) fn new(read_only: &[PathBuf], read_write: &[PathBuf]) -> Option<View> {
        let root = root_dir()?;
        let mut paths: Vec<(&Path, bool)> = Vec::new();
        for (path, read_only) in read_write
            .iter()
            .map(|path| (path, false))
            .chain(read_only.iter().map(|path| (path, true)))
        {
            // An ancestor of the root directory (`/` itself) would bind the view into
            // itself: left out (the view's own root stands for `/`).
            if path.is_absolute()
                && !root.starts_with(path)
                && !paths.iter().any(|(seen, _)| *seen == path.as_path())
            {
                paths.push((path, read_only));
            }
        }
        let mut paths = coalesce_writable(paths, root);
        // Parents before children: a child's bind goes on top of its parent's. A read-only
        // path inside another read-only one (a `PATH` entry below `/usr`) needs no bind.
        paths.sort_by_key(|(path, _)| path.components().count());
        let covered = |path: &Path, read_only: bool, earlier: &[(&Path, bool)]| {
            read_only
                && earlier
                    .iter()
                    .any(|(parent, parent_ro)| *parent_ro && path.starts_with(parent))
        };
        let mut kept: Vec<(&Path, bool)> = Vec::with_capacity(paths.len());
        for (path, read_only) in paths {
            if !covered(path, read_only, &kept) {
                kept.push((path, read_only));
            }
        }
        let paths = kept;
        let under_root = |path: &Path| -> Option<CString> {
            let mut target = root.as_os_str().as_bytes().to_vec();
            target.extend_from_slice(path.as_os_str().as_bytes());
            CString::new(target).ok()
        };
        // Each path is looked at once (`lstat`), not once per other path.
        let is_link: Vec<bool> = paths
            .iter()
            .map(|(path, _)| std::fs::symlink_metadata(path).is_ok_and(|meta| meta.is_symlink()))
            .collect();
        let mut binds = Vec::new();
        for (&(path, read_only), &path_is_link) in paths.iter().zip(&is_link) {
            let Ok(metadata) = std::fs::metadata(path) else {
                continue;
            };
            let link = path_is_link
                .then(|| std::fs::read_link(path).ok())
                .flatten()
                .filter(|_| {
                    let resolved = std::fs::canonicalize(path);
                    let parent_is_real = path.parent().is_some_and(|parent| {
                        std::fs::canonicalize(parent).is_ok_and(|p| p == parent)
                    });
                    parent_is_real
                        && resolved.is_ok_and(|resolved| {
                            paths.iter().zip(&is_link).any(
                                |(&(other, other_read_only), &other_is_link)| {
                                    other != path
                                        && (read_only || !other_read_only)
                                        && resolved.starts_with(other)
                                        && !other_is_link
                                },
                            )
                        })
                });
            let mut parents = Vec::new();
            let mut ancestor = PathBuf::from("/");
            let components: Vec<Component<'_>> = path.components().skip(1).collect();
            for component in &components[..components.len().saturating_sub(1)] {
                ancestor.push(component);
                parents.push(under_root(&ancestor)?);
            }
            binds.push(Bind {
                source: CString::new(path.as_os_str().as_bytes()).ok()?,
                target: under_root(path)?,
                parents,
                is_dir: metadata.is_dir(),
                read_only,
                link: link.and_then(|link| CString::new(link.as_os_str().as_bytes()).ok()),
            });
        }
        let proc = (!binds.iter().any(|bind| bind.source.as_bytes() == b"/proc"))
            .then(|| under_root(Path::new("/proc")))
            .flatten();
        Some(View {
            root: CString::new(root.as_os_str().as_bytes()).ok()?,
            binds,
            proc,
        })
    }

    /// Mounts the view and makes it the calling process's root (in its own mount namespace,
    /// whose mounts are already private). Only system calls on prepared strings.
    /// Read-only binds are remounted read-only even under Landlock: Landlock denies writes
    /// but not `chmod`, `chown` or `utime`, which a command running as the files' owner
    /// could otherwise apply to the host's toolchain or to a shared environment.
    pub(super) fn apply(&self) -> Result<(), Errno> {
        mount(
            Some(c"tmpfs"),
            self.root.as_c_str(),
            Some(c"tmpfs"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
            Some(c"mode=0755,size=1m"),
        )?;
        for bind in &self.binds {
            for parent in &bind.parents {
                make_dir(parent)?;
            }
            if let Some(link) = &bind.link {
                match nix::unistd::symlinkat(
                    link.as_c_str(),
                    nix::fcntl::AT_FDCWD,
                    bind.target.as_c_str(),
                ) {
                    Ok(()) | Err(Errno::EEXIST) => continue,
                    Err(errno) => return Err(errno),
                }
            }
            if bind.is_dir {
                make_dir(&bind.target)?;
            } else {
                make_file(&bind.target)?;
            }
            mount(
                Some(bind.source.as_c_str()),
                bind.target.as_c_str(),
                None::<&CStr>,
                MsFlags::MS_BIND | MsFlags::MS_REC,
                None::<&CStr>,
            )?;
            if bind.read_only {
                // Best effort: a remount that would clear a flag locked on the source
                // mount fails; Landlock's rules still deny writes there.
                let _ = mount(
                    None::<&CStr>,
                    bind.target.as_c_str(),
                    None::<&CStr>,
                    MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY,
                    None::<&CStr>,
                );
            }
        }
        if let Some(proc) = &self.proc {
            make_dir(proc)?;
            mount(
                Some(c"proc"),
                proc.as_c_str(),
                Some(c"proc"),
                MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
                None::<&CStr>,
            )?;
        }
        // `chroot`, not `pivot_root` and a detached old root: detaching waits for an RCU
        // grace period, most of what the view cost. The command cannot leave a chroot: it
        // runs without capabilities (no `CAP_SYS_CHROOT`), with no descriptor of a
        // directory outside, and sees only its own namespace's processes in `/proc`.
        nix::unistd::chroot(self.root.as_c_str())?;
        nix::unistd::chdir(c"/")
    }
}

/// The filesystem view of a command confined with Landlock: its rule paths, and its
/// working directory (read-only) when no rule path holds it.
pub(super) fn of(spec: &ConfineSpec) -> Option<View> {
    if !spec.landlock {
        return None;
    }
    let covered = spec
        .read_only
        .iter()
        .chain(&spec.read_write)
        .any(|path| spec.cwd.starts_with(path));
    let mut read_only = spec.read_only.clone();
    if !covered {
        read_only.push(spec.cwd.clone());
    }
    View::new(&read_only, &spec.read_write)
}

/// For a command without a view (no Landlock): its read-only paths, each bound read-only
/// over itself in its mount namespace (the toolchain and a shared environment stay
/// readable and cannot be written, `chmod`ed or replaced). Paths under a mask, devices
/// and missing paths are left alone.
pub(super) fn frozen(spec: &ConfineSpec) -> Vec<CString> {
    if spec.landlock {
        return Vec::new();
    }
    let mut paths: Vec<&PathBuf> = spec
        .read_only
        .iter()
        .filter(|path| path.is_absolute() && !path.starts_with("/dev") && path.exists())
        .filter(|path| !spec.masked.iter().any(|mask| path.starts_with(mask)))
        .collect();
    paths.sort();
    paths.dedup();
    let nested: Vec<&PathBuf> = paths
        .iter()
        .filter(|path| {
            paths
                .iter()
                .any(|other| other != *path && path.starts_with(other))
        })
        .copied()
        .collect();
    paths
        .into_iter()
        .filter(|path| !nested.contains(path))
        .filter_map(|path| CString::new(path.as_os_str().as_bytes()).ok())
        .collect()
}

/// The directories to mask for `spec` (see [`ConfineSpec::masked`]); none under a view.
pub(super) fn masks(spec: &ConfineSpec) -> Vec<CString> {
    if spec.landlock {
        return Vec::new();
    }
    let needed = |dir: &PathBuf| {
        spec.read_write
            .iter()
            .chain(&spec.read_only)
            .chain([&spec.cwd])
            .any(|path| path.starts_with(dir))
    };
    spec.masked
        .iter()
        .filter(|dir| dir.is_absolute() && dir.is_dir() && !needed(dir))
        .filter_map(|dir| CString::new(dir.as_os_str().as_bytes()).ok())
        .collect()
}

/// Writable paths that are most of their parent's entries (a check's HOME, TMP, CARGO_HOME,
/// target and report dirs; an agent's HOME, TMP and usage files) are bound as their parent,
/// once: each bind costs a mount and its teardown. The parent's other entries (at most two:
/// a log) become visible by name only: Landlock's rules still name the paths one by one.
fn coalesce_writable<'a>(paths: Vec<(&'a Path, bool)>, root: &Path) -> Vec<(&'a Path, bool)> {
    let mut children: Vec<(&'a Path, usize)> = Vec::new();
    for (path, read_only) in &paths {
        let Some(parent) = path.parent().filter(|_| !read_only) else {
            continue;
        };
        match children.iter_mut().find(|(seen, _)| *seen == parent) {
            Some((_, count)) => *count += 1,
            None => children.push((parent, 1)),
        }
    }
    let merged: Vec<&Path> = children
        .into_iter()
        .filter(|(parent, count)| {
            *count >= 2
                && parent.components().count() > 1
                && !root.starts_with(parent)
                && std::fs::read_dir(parent).is_ok_and(|entries| entries.count() <= count + 2)
        })
        .map(|(parent, _)| parent)
        .collect();
    let mut coalesced: Vec<(&'a Path, bool)> = paths
        .into_iter()
        .filter(|(path, read_only)| {
            *read_only || !path.parent().is_some_and(|p| merged.contains(&p))
        })
        .collect();
    coalesced.extend(merged.into_iter().map(|parent| (parent, false)));
    coalesced
}

/// Whether `path` names an entry (it may already, through an earlier bind, possibly a
/// read-only one where creating would fail).
fn exists(path: &CStr) -> bool {
    nix::sys::stat::lstat(path).is_ok()
}

/// `mkdir`, an existing entry being fine.
fn make_dir(path: &CStr) -> Result<(), Errno> {
    if exists(path) {
        return Ok(());
    }
    match nix::unistd::mkdir(path, Mode::from_bits_truncate(0o755)) {
        Ok(()) | Err(Errno::EEXIST) => Ok(()),
        Err(errno) => Err(errno),
    }
}

/// An empty file to bind a file onto, an existing entry being fine.
fn make_file(path: &CStr) -> Result<(), Errno> {
    if exists(path) {
        return Ok(());
    }
    match nix::fcntl::open(
        path,
        nix::fcntl::OFlag::O_CREAT | nix::fcntl::OFlag::O_WRONLY | nix::fcntl::OFlag::O_CLOEXEC,
        Mode::from_bits_truncate(0o644),
    ) {
        Ok(_) | Err(Errno::EEXIST) => Ok(()),
        Err(errno) => Err(errno),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writable_siblings_are_bound_as_their_parent_only_when_they_are_most_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let check = dir.path().join("check");
        let busy = dir.path().join("busy");
        for sub in ["tree", "home", "tmp", "cargo"] {
            std::fs::create_dir_all(check.join(sub)).unwrap();
        }
        std::fs::write(check.join("check.log"), "").unwrap();
        for sub in ["a", "b", "c", "d", "e", "f"] {
            std::fs::create_dir_all(busy.join(sub)).unwrap();
        }
        let root = Path::new("/run/another-harness-view");
        let writable: Vec<PathBuf> = ["tree", "home", "tmp", "cargo"]
            .iter()
            .map(|sub| check.join(sub))
            .chain([busy.join("a"), busy.join("b")])
            .collect();
        let usr = PathBuf::from("/usr");
        let paths: Vec<(&Path, bool)> = writable
            .iter()
            .map(|path| (path.as_path(), false))
            .chain([(usr.as_path(), true)])
            .collect();
        let coalesced = coalesce_writable(paths, root);
        assert!(
            coalesced.contains(&(check.as_path(), false)),
            "{coalesced:?}"
        );
        assert!(
            !coalesced
                .iter()
                .any(|(path, _)| path.starts_with(check.join("tree")))
        );
        // Four other entries in `busy`: its two writable ones stay bound one by one.
        assert!(
            coalesced.contains(&(busy.join("a").as_path(), false)),
            "{coalesced:?}"
        );
        assert!(!coalesced.contains(&(busy.as_path(), false)));
        assert!(coalesced.contains(&(usr.as_path(), true)));
        assert_eq!(coalesced.len(), 4, "{coalesced:?}");
    }
}
