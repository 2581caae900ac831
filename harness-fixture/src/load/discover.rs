//! Finding fixtures on disk: the fixture directories under a root, and every file under
//! them for build tracking.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::FixtureError;

/// The fixture directories under `root` (every child directory with a `repo/`), sorted.
/// A root with none is an error naming it, never an empty green run.
pub fn discover(root: &Path) -> Result<Vec<PathBuf>, FixtureError> {
    let entries = fs::read_dir(root).map_err(|source| FixtureError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    let mut dirs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| FixtureError::Io {
            path: root.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if path.join("repo").is_dir() {
            dirs.push(path);
        }
    }
    dirs.sort();
    if dirs.is_empty() {
        return Err(FixtureError::NotAFixture {
            dir: root.to_path_buf(),
            reason: "it holds no fixtures (no child directory has a `repo/`)".into(),
        });
    }
    Ok(dirs)
}

/// Every file under every fixture in `root`, for build tracking (`include_bytes!`,
/// `rerun-if-changed`).
pub fn fixture_paths(root: &Path) -> Result<Vec<PathBuf>, FixtureError> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = fs::read_dir(&dir).map_err(|source| FixtureError::Io {
            path: dir.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| FixtureError::Io {
                path: dir.clone(),
                source,
            })?;
            let path = entry.path();
            // Beside the fixtures, not in one: a shared baseline store (the fixtures'
            // `fixture.toml` names its tree, which changes when the baseline does) and a
            // miner's staging and state.
            if dir == root && entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let file_type = entry.file_type().map_err(|source| FixtureError::Io {
                path: path.clone(),
                source,
            })?;
            if file_type.is_dir() {
                pending.push(path.clone());
            }
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}
