//! The check-result cache (DESIGN.md "Check-result cache"): a check whose every input is
//! the same as an earlier run's is not run again; its outcome, per-test results and log
//! are reused. The key covers everything the check reads or is judged by: the grading
//! tree's content (baseline, in-scope changes and, for a hidden check, the hidden files;
//! never a per-episode addition such as the tripwire, which the check's contract entry
//! and the tree already determine the kind of), the check's contract entry and lock, the
//! variables it runs with, the confinement, the fixture's environment, the toolchain's
//! versions and the harness build itself.
//!
//! Only clean outcomes are stored: a check that timed out, hit a limit, was killed, or
//! whose run added any violation runs again next time. Differential checks (fresh inputs
//! by design), checks that may reach the network and checks with flaky tests are never
//! cached, nor is anything while a lock is recorded or checks are repeated.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use harness_fixture::{Check, Files, LockedCheck};
use serde::{Deserialize, Serialize};

use super::outcome::CheckResult;
use crate::settings::Settings;

/// The format of stored entries; a change makes every older entry a miss.
const FORMAT: &str = "another-harness check-result v1";

/// One stored outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// The key it was stored under (an entry under another name is ignored).
    pub key: String,
    /// The check's result as first recorded (`cached` false, its own duration).
    pub result: CheckResult,
    /// Its log.
    pub log: String,
    /// The artifacts it produced, by name.
    pub artifacts: BTreeMap<String, String>,
    /// The confinement it ran under.
    pub confinement: String,
}

/// Whether `check` may be served from or stored in the cache under `settings`.
pub fn applies(check: &Check, lock: Option<&LockedCheck>, settings: &Settings) -> bool {
    settings.check_cache
        && !settings.recording_lock
        && settings.repeat_index.is_none()
        && check.differential.is_none()
        && !check.network
        && lock.is_none_or(|lock| lock.flaky.is_empty())
}

/// A digest of a tree's paths, kinds and contents.
pub fn tree_digest(tree: &Files) -> String {
    let mut text = String::with_capacity(tree.len() * 64);
    for (path, entry) in tree {
        text.push_str(path.as_str());
        text.push('\0');
        text.push_str(&format!("{:?}", entry.kind));
        text.push('\0');
        text.push_str(&hash(&entry.content));
        text.push('\n');
    }
    hash(text.as_bytes())
}

/// The key of `check` run on a tree with digest `tree` (and `hidden`, the fixture's hidden
/// files, for a hidden check) under `settings`.
pub fn key(
    check: &Check,
    lock: Option<&LockedCheck>,
    tree: &str,
    hidden: Option<&str>,
    settings: &Settings,
) -> String {
    let policy = settings.check_policy(check.network);
    let toolchain = &settings.toolchain;
    let described = serde_json::json!({
        "format": FORMAT,
        "harness": harness_build(),
        "check": check,
        "lock": lock,
        "tree": tree,
        "hidden": hidden,
        "path": toolchain.search_path(),
        "passthrough": toolchain.passthrough,
        "versions": crate::environment::toolchain_versions(toolchain, &settings.cache_dir),
        "environment": settings.environment.as_ref().map(|environment| &environment.key),
        "landlock": policy.landlock,
        "no_network": policy.no_network,
        "namespaces": policy.namespaces,
        "max_pids": policy.max_pids,
        "limits": format!("{:?}", settings.check_limits),
    });
    hash(described.to_string().as_bytes())
}

/// The key of a build made under `settings` from what `parts` describes (the harness build,
/// `PATH`, the passed-through variables, the toolchain's versions and the environment are
/// added): what the check-result cache's key covers besides the check itself.
pub fn build_key(parts: &serde_json::Value, settings: &Settings) -> String {
    let toolchain = &settings.toolchain;
    let described = serde_json::json!({
        "format": FORMAT,
        "harness": harness_build(),
        "parts": parts,
        "path": toolchain.search_path(),
        "passthrough": toolchain.passthrough,
        "versions": crate::environment::toolchain_versions(toolchain, &settings.cache_dir),
        "environment": settings.environment.as_ref().map(|environment| &environment.key),
    });
    hash(described.to_string().as_bytes())
}

fn hash(bytes: &[u8]) -> String {
    git2::Oid::hash_object(git2::ObjectType::Blob, bytes)
        .map(|oid| oid.to_string())
        .unwrap_or_default()
}

/// The harness build: its executable's path, size and modification time (a rebuilt
/// harness may judge differently, so its cache starts over).
fn harness_build() -> &'static str {
    static BUILD: OnceLock<String> = OnceLock::new();
    BUILD.get_or_init(|| {
        let exe = std::env::current_exe().unwrap_or_default();
        let meta = fs::metadata(&exe).ok();
        format!(
            "{} {} {:?} {:?}",
            env!("CARGO_PKG_VERSION"),
            exe.display(),
            meta.as_ref().map(fs::Metadata::len),
            meta.and_then(|meta| meta.modified().ok())
        )
    })
}

/// Entries found or stored by this process, by their file (so two caches stay apart).
fn memory() -> &'static Mutex<HashMap<PathBuf, Entry>> {
    static MEMORY: OnceLock<Mutex<HashMap<PathBuf, Entry>>> = OnceLock::new();
    MEMORY.get_or_init(|| Mutex::new(HashMap::new()))
}

fn entry_path(settings: &Settings, key: &str) -> PathBuf {
    settings
        .cache_dir
        .join("checks")
        .join(&key[..2])
        .join(format!("{key}.json"))
}

/// The entry stored under `key`: this process's, else the one on disk. An entry that does
/// not parse or names another key is ignored (and rewritten by the next store).
pub fn lookup(settings: &Settings, key: &str) -> Option<Entry> {
    let path = entry_path(settings, key);
    if let Some(entry) = memory()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(&path)
    {
        return Some(entry.clone());
    }
    let entry: Entry = serde_json::from_slice(&fs::read(&path).ok()?).ok()?;
    if entry.key != key {
        return None;
    }
    memory()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(path, entry.clone());
    Some(entry)
}

/// Stores `entry` in this process and on disk (whole or not at all). A cache that cannot
/// be written only costs later runs their time.
pub fn store(settings: &Settings, entry: Entry) {
    let path = entry_path(settings, &entry.key);
    if let Ok(text) = serde_json::to_vec(&entry) {
        let _ = crate::atomic::write_atomically(&path, &text);
    }
    memory()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(path, entry);
}
