//! Rust differential drivers, built once per code: the oracle's side of a differential check
//! links the same code every episode (the fixture's baseline and oracle files), and the
//! graded side the same code whenever a tree is graded again (noop, an agent that leaves the
//! tree as it was, identical rollouts). A driver executable is kept in
//! `$HARNESS_CACHE/drivers/<2 hex>/<key>`, the key covering the code it links (tree
//! digests), the entry and its driver source, the toolchain and the harness build, and is
//! copied into each episode instead of being built again. The cache lives where no agent or
//! check can write (masked, outside every Landlock rule); `--no-cache` skips it. Like the
//! check-result cache, it trusts a build to be a function of its inputs.

use std::fs;
use std::path::{Path, PathBuf};

use harness_fixture::{Differential, Fixture};

use crate::grade::cache;
use crate::settings::Settings;

/// The executable's name in a cache entry.
const EXECUTABLE: &str = "driver";

/// The code a driver links.
#[derive(Debug, Clone, Copy)]
pub enum Linked<'a> {
    /// The oracle's: the fixture's baseline with its oracle files over it.
    Oracle(&'a Fixture),
    /// The graded tree, by its digest.
    Graded(&'a str),
}

/// The key of the driver for `table` (whose `main.rs` is `main`) linking `code`, `None`
/// when the cache is off.
pub fn key(
    settings: &Settings,
    code: Linked<'_>,
    table: &Differential,
    main: &str,
) -> Option<String> {
    let code = match code {
        Linked::Oracle(fixture) => serde_json::json!({
            "oracle of": cache::tree_digest(&fixture.repo),
            "oracle": cache::tree_digest(&fixture.oracle),
        }),
        Linked::Graded(tree) => serde_json::json!({ "graded": tree }),
    };
    settings.check_cache.then(|| {
        cache::build_key(
            &serde_json::json!({
                "kind": "differential driver",
                "code": code,
                "entry": table.entry,
                "args": table.args,
                "main": main,
            }),
            settings,
        )
    })
}

fn entry_dir(settings: &Settings, key: &str) -> PathBuf {
    settings
        .cache_dir
        .join("drivers")
        .join(key.get(..2).unwrap_or("00"))
        .join(key)
}

/// Copies the cached driver for `key` to `to` (keeping it executable); whether there was one.
pub fn restore(settings: &Settings, key: &str, to: &Path) -> bool {
    let cached = entry_dir(settings, key).join(EXECUTABLE);
    if !cached.is_file() {
        return false;
    }
    let copied = to
        .parent()
        .map_or(Ok(()), fs::create_dir_all)
        .and_then(|()| fs::copy(&cached, to));
    copied.is_ok()
}

/// Keeps the driver `built` under `key`: written whole into a directory beside the entry,
/// then renamed into place (a concurrent episode's entry, already there, wins). A cache
/// that cannot be written only costs the next episode a build.
pub fn store(settings: &Settings, key: &str, built: &Path) {
    let entry = entry_dir(settings, key);
    if entry.exists() {
        return;
    }
    let Some(parent) = entry.parent() else { return };
    if fs::create_dir_all(parent).is_err() {
        return;
    }
    let Ok(staging) = tempfile::Builder::new()
        .prefix(".driver-")
        .tempdir_in(parent)
    else {
        return;
    };
    if fs::copy(built, staging.path().join(EXECUTABLE)).is_ok() {
        let staged = staging.keep();
        if fs::rename(&staged, &entry).is_err() {
            let _ = fs::remove_dir_all(&staged);
        }
    }
}
