//! The environments in a cache: their records, listing and pruning.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{EnvironmentError, io_error};

/// `<cache>/env/<key>.json`, written when a build succeeded (beside the environment, not in
/// it: agents read the environment, and nothing in it should say which fixtures use it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Record {
    pub(super) key: String,
    pub(super) setup: Vec<Vec<String>>,
    pub(super) inputs: Vec<String>,
    pub(super) path: Vec<String>,
    pub(super) built_unix: u64,
    pub(super) seconds: f64,
}

impl Record {
    pub(super) fn read(path: &Path) -> Option<Record> {
        serde_json::from_slice(&fs::read(path).ok()?).ok()
    }

    /// Written whole or not at all (a temporary file renamed over it).
    pub(super) fn write(&self, path: &Path) -> Result<(), EnvironmentError> {
        let text = serde_json::to_vec_pretty(self).unwrap_or_default();
        crate::atomic::write_atomically(path, &text).map_err(io_error("write", path))
    }
}

pub(super) fn record_path(root: &Path, key: &str) -> PathBuf {
    root.join(format!("{key}.json"))
}

/// One environment in the cache.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    /// Its key.
    pub key: String,
    /// Its directory.
    pub dir: PathBuf,
    /// Bytes on disk.
    pub bytes: u64,
    /// Whether its build finished (a failed or killed build leaves no record).
    pub ready: bool,
    /// Seconds its setup took (0 without a record).
    pub seconds: f64,
    /// Its first setup step, for the listing.
    pub first_step: String,
}

/// Every environment under `cache_dir`, by key.
pub fn list(cache_dir: &Path) -> Result<Vec<Listed>, EnvironmentError> {
    let root = cache_dir.join("env");
    let entries = match fs::read_dir(&root) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(io_error("read", &root)(error)),
    };
    let mut listed = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io_error("read", &root))?;
        if !entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            continue;
        }
        let key = entry.file_name().to_string_lossy().into_owned();
        let record = Record::read(&record_path(&root, &key)).filter(|record| record.key == key);
        listed.push(Listed {
            dir: entry.path(),
            bytes: bytes_under(&entry.path()),
            ready: record.is_some(),
            seconds: record.as_ref().map_or(0.0, |record| record.seconds),
            first_step: record
                .as_ref()
                .and_then(|record| record.setup.first())
                .map(|step| step.join(" "))
                .unwrap_or_default(),
            key,
        });
    }
    listed.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(listed)
}

/// Removes every environment whose key is not in `keep` (all of them when `keep` is
/// `None`), with its record, log and lock; returns what was removed.
pub fn prune(
    cache_dir: &Path,
    keep: Option<&BTreeSet<String>>,
) -> Result<Vec<Listed>, EnvironmentError> {
    let root = cache_dir.join("env");
    let mut removed = Vec::new();
    for listed in list(cache_dir)? {
        if keep.is_some_and(|keep| keep.contains(&listed.key) && listed.ready) {
            continue;
        }
        fs::remove_dir_all(&listed.dir).map_err(io_error("remove", &listed.dir))?;
        for suffix in ["json", "log", "lock"] {
            let _ = fs::remove_file(root.join(format!("{}.{suffix}", listed.key)));
        }
        removed.push(listed);
    }
    Ok(removed)
}

fn bytes_under(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => bytes_under(&entry.path()),
            Ok(kind) if kind.is_file() => entry.metadata().map_or(0, |meta| meta.len()),
            _ => 0,
        })
        .sum()
}
