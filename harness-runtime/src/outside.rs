//! Writes outside the sandbox: configuration that tools read from ancestors of their
//! working directory, from HOME, from Python's site dirs and from PATH. Landlock prevents
//! them; without it, this watch detects them (`outside_write`).

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::settings::Settings;

/// Names tools pick up from any ancestor directory of where they run.
const ANCESTOR_CONFIG: &[&str] = &[
    ".cargo",
    ".cargo/config",
    ".cargo/config.toml",
    "rust-toolchain",
    "rust-toolchain.toml",
    ".python-version",
    "conftest.py",
    "pytest.ini",
    "setup.cfg",
    "tox.ini",
    "pyproject.toml",
    "sitecustomize.py",
    "usercustomize.py",
    ".gitconfig",
    ".gitattributes",
    ".git",
];

/// Configuration under HOME (and CARGO_HOME) that checks would read if they used it.
const HOME_CONFIG: &[&str] = &[
    ".gitconfig",
    ".config/git/config",
    ".cargo/config",
    ".cargo/config.toml",
    ".pip/pip.conf",
    ".config/pip/pip.conf",
    ".pydistutils.cfg",
    ".pythonrc",
    ".local/lib",
];

/// A file's identity and change time. `ctime` cannot be set by a process, so a rewritten
/// file is noticed even when its mtime and size are restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fingerprint {
    Missing,
    Present {
        dev: u64,
        ino: u64,
        size: u64,
        ctime: i64,
        ctime_nsec: i64,
        mode: u32,
    },
}

fn fingerprint(path: &Path) -> Fingerprint {
    match fs::symlink_metadata(path) {
        Ok(meta) => Fingerprint::Present {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            ctime: meta.ctime(),
            ctime_nsec: meta.ctime_nsec(),
            mode: meta.mode(),
        },
        Err(_) => Fingerprint::Missing,
    }
}

/// The state of every watched location at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutsideWatch {
    entries: BTreeMap<PathBuf, Fingerprint>,
}

impl OutsideWatch {
    /// Fingerprints the locations that matter for an episode rooted at `episode_root`.
    pub fn capture(settings: &Settings, episode_root: &Path) -> OutsideWatch {
        let paths = cached_paths(settings, episode_root);
        let entries = paths
            .iter()
            .map(|path| (path.clone(), fingerprint(path)))
            .collect();
        OutsideWatch { entries }
    }

    /// The watched paths that differ between `self` and `later`.
    pub fn changed(&self, later: &OutsideWatch) -> Vec<PathBuf> {
        let paths: std::collections::BTreeSet<&PathBuf> =
            self.entries.keys().chain(later.entries.keys()).collect();
        let state = |watch: &OutsideWatch, path: &PathBuf| {
            watch
                .entries
                .get(path)
                .copied()
                .unwrap_or(Fingerprint::Missing)
        };
        paths
            .into_iter()
            .filter(|path| state(self, path) != state(later, path))
            .cloned()
            .collect()
    }
}

/// The watched paths depend only on the episode root's parent and the settings, so they
/// are listed once per process. A `.pth` file added later is still seen: its directory's
/// own fingerprint (ctime) changes.
fn cached_paths(settings: &Settings, episode_root: &Path) -> std::sync::Arc<Vec<PathBuf>> {
    type Key = (Option<PathBuf>, Option<PathBuf>, Option<PathBuf>, String);
    static CACHE: OnceLock<std::sync::Mutex<BTreeMap<Key, std::sync::Arc<Vec<PathBuf>>>>> =
        OnceLock::new();
    let key: Key = (
        episode_root.parent().map(Path::to_path_buf),
        settings.home.clone(),
        settings.toolchain.cargo_home.clone(),
        settings.toolchain.path.clone(),
    );
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache
        .entry(key)
        .or_insert_with(|| std::sync::Arc::new(watched_paths(settings, episode_root)))
        .clone()
}

fn watched_paths(settings: &Settings, episode_root: &Path) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    // Every ancestor of the episode root (the grading trees and worktree live below it).
    for ancestor in episode_root.ancestors().skip(1) {
        paths.extend(ANCESTOR_CONFIG.iter().map(|name| ancestor.join(name)));
    }
    if let Some(home) = &settings.home {
        paths.extend(HOME_CONFIG.iter().map(|name| home.join(name)));
    }
    if let Some(cargo_home) = &settings.toolchain.cargo_home {
        paths.extend(
            ["config", "config.toml", "registry", "bin"]
                .iter()
                .map(|name| cargo_home.join(name)),
        );
    }
    for dir in python_site_dirs() {
        paths.push(dir.clone());
        paths.push(dir.join("sitecustomize.py"));
        paths.push(dir.join("usercustomize.py"));
        if let Ok(entries) = fs::read_dir(dir) {
            paths.extend(
                entries
                    .flatten()
                    .map(|entry| entry.path())
                    .filter(|path| path.extension().is_some_and(|ext| ext == "pth")),
            );
        }
    }
    // A PATH directory's own ctime changes when an entry is added, removed or renamed in
    // it (a planted `python3` earlier on PATH); the tools that exist are watched one by
    // one for in-place rewrites.
    for dir in settings.toolchain.path.split(':') {
        paths.push(PathBuf::from(dir));
        for tool in ["sh", "python3", "python", "cargo", "rustc", "git", "env"] {
            let path = Path::new(dir).join(tool);
            if fs::symlink_metadata(&path).is_ok() {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths.dedup();
    paths
}

/// Python's site-packages directories (system and user), asked once per process.
fn python_site_dirs() -> &'static [PathBuf] {
    static DIRS: OnceLock<Vec<PathBuf>> = OnceLock::new();
    DIRS.get_or_init(|| {
        let script =
            "import site\nfor d in site.getsitepackages() + [site.getusersitepackages()]: print(d)";
        Command::new("python3")
            .args(["-c", script])
            .output()
            .ok()
            .filter(|output| output.status.success())
            .map(|output| {
                String::from_utf8_lossy(&output.stdout)
                    .lines()
                    .map(PathBuf::from)
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// Entries the harness itself puts in an episode root before grading; anything else there
/// was planted (the root is an ancestor of every grading tree).
pub const EPISODE_ROOT_ENTRIES: &[&str] = &["repo", "work", "agent", "harness"];

/// Planted entries in the episode root or beside the baseline repo's `.git`, removed so
/// they cannot reach the checks. Returns what was found.
pub fn sweep_episode_root(episode_root: &Path) -> Vec<PathBuf> {
    let mut planted = Vec::new();
    let mut check_dir = |dir: &Path, allowed: &[&str]| {
        if let Ok(entries) = fs::read_dir(dir) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                if !allowed.iter().any(|allowed| name == *allowed) {
                    let path = entry.path();
                    let _ = if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                        fs::remove_dir_all(&path)
                    } else {
                        fs::remove_file(&path)
                    };
                    planted.push(path);
                }
            }
        }
    };
    check_dir(episode_root, EPISODE_ROOT_ENTRIES);
    check_dir(&episode_root.join("repo"), &[".git"]);
    planted
}

impl OutsideWatch {
    /// Fingerprints the files at the top of the output root, which the harness writes only
    /// between runs (its reports). Run ledgers and case directories grow while other cases
    /// finish, so they are not watched here; Landlock keeps agents out of them.
    pub fn capture_tree(root: &Path) -> OutsideWatch {
        let mut entries = BTreeMap::new();
        if let Ok(listing) = fs::read_dir(root) {
            for entry in listing.flatten() {
                let path = entry.path();
                if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                    continue;
                }
                entries.insert(path.clone(), fingerprint(&path));
            }
        }
        OutsideWatch { entries }
    }
}
