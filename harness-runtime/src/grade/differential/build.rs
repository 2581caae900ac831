//! One side's Rust driver for a differential check: a crate that calls the entry on each
//! input, written out, then taken from the driver cache, linked by rustc against the
//! episode's shared build, or built by cargo (DESIGN.md "Builds shared within an
//! episode").

use std::fs;
use std::path::{Path, PathBuf};

use harness_fixture::{Check, Differential};
use harness_sandbox::process::{self, ProcessSpec};

use super::{Called, Side, driver_cache, failed_outcome, io, read_text, rust};
use crate::grade::checks::ChecksError;
use crate::settings::Settings;

/// How a side's Rust driver is built.
pub(super) enum DriverBuild {
    /// `cargo build` of the driver crate, the tree's package a path dependency.
    Cargo,
    /// By rustc, linked against the graded crate's library in the episode's shared build
    /// (cargo's `messages` of it, their paths under `deps`'s target directory), when they
    /// name it; else as [`DriverBuild::Cargo`].
    Linked {
        /// Cargo's JSON messages.
        messages: String,
        /// `<target>/debug/deps`.
        deps: PathBuf,
    },
}

/// Makes `side`'s driver: its executable, or the side's result when there is none (no
/// package to link, a failed build). `note` gets how it came to be.
pub(super) fn rust_driver(
    check: &Check,
    table: &Differential,
    side: &Side<'_>,
    settings: &Settings,
    spec: &dyn Fn(Vec<String>, PathBuf) -> ProcessSpec,
    note: &mut String,
) -> Result<Result<PathBuf, Called>, ChecksError> {
    let driver = side.work.join("driver");
    let written = match build_rust_driver(check, table, side, &driver)? {
        Ok(written) => written,
        Err(problem) => {
            return Ok(Err(Called {
                outcome: failed_outcome(&problem, settings),
                records: Err(problem.clone()),
                log: problem,
                note: std::mem::take(note),
            }));
        }
    };
    let executable = side
        .target
        .join("debug")
        .join("harness-differential-driver");
    let cached = side
        .code
        .and_then(|code| driver_cache::key(settings, code, table, &written.main));
    let restored = cached
        .as_deref()
        .is_some_and(|key| driver_cache::restore(settings, key, &executable));
    if restored {
        note.push_str(match side.code {
            Some(driver_cache::Linked::Oracle(_)) => {
                "driver: the oracle's, from the driver cache\n"
            }
            _ => "driver: from the driver cache (this tree was graded before)\n",
        });
    } else {
        if let Some(dir) = executable.parent() {
            fs::create_dir_all(dir).map_err(io("create", dir))?;
        }
        let build_log = side.work.join("build.log");
        let argv = build_argv(side, &written.package, &driver, &executable);
        if argv[0] == "rustc" {
            note.push_str(
                "driver: linked by rustc against the graded crate's library in the episode's shared build\n",
            );
        }
        let build = process::run(
            settings.check_policy(check.network),
            &spec(argv, build_log.clone()),
        )?;
        if !build.success() {
            let log = read_text(&build_log);
            return Ok(Err(Called {
                records: Err("the driver did not build with the graded code".to_owned()),
                outcome: build,
                log,
                note: std::mem::take(note),
            }));
        }
        if let Some(key) = &cached {
            driver_cache::store(settings, key, &executable);
        }
    }
    Ok(Ok(executable))
}

/// How `side`'s driver crate at `driver` is built into `executable`: rustc against the
/// shared build's library of the graded crate when it is there, else `cargo build`.
fn build_argv(side: &Side<'_>, package: &str, driver: &Path, executable: &Path) -> Vec<String> {
    if let DriverBuild::Linked { messages, deps } = &side.build {
        let library = crate::grade::sealed::graded_library(package, messages)
            .filter(|(_, library)| library.is_file());
        if let Some((name, library)) = library {
            return vec![
                "rustc".to_owned(),
                "--edition".to_owned(),
                "2021".to_owned(),
                "--crate-name".to_owned(),
                "harness_differential_driver".to_owned(),
                driver.join("src").join("main.rs").display().to_string(),
                "-o".to_owned(),
                executable.display().to_string(),
                "-L".to_owned(),
                format!("dependency={}", deps.display()),
                "--extern".to_owned(),
                format!("{name}={}", library.display()),
            ];
        }
    }
    ["cargo", "build", "--offline", "--quiet", "--manifest-path"]
        .map(str::to_owned)
        .into_iter()
        .chain([driver.join("Cargo.toml").display().to_string()])
        .collect()
}

/// A driver crate as written.
struct Written {
    /// The graded package it depends on.
    package: String,
    /// Its `main.rs`.
    main: String,
}

/// Writes the Rust driver crate for `side`; `Ok(Err(problem))` when the tree has no
/// package to link (the graded code's fault, not the harness's).
fn build_rust_driver(
    check: &Check,
    table: &Differential,
    side: &Side<'_>,
    driver: &Path,
) -> Result<Result<Written, String>, ChecksError> {
    let manifest = read_text(&side.dirs.tree.join("Cargo.toml"));
    let Some((package, lib)) = rust::package_names(&manifest) else {
        return Ok(Err("no [package] in the tree's Cargo.toml".to_owned()));
    };
    let entry_crate = table.entry.split("::").next().unwrap_or_default();
    if entry_crate != lib {
        return Err(ChecksError::Fixture(format!(
            "check `{}`: entry `{}` must start with the library's crate name `{lib}`",
            check.name, table.entry
        )));
    }
    let main = rust::main_rs(&table.entry, &table.args)
        .map_err(|error| ChecksError::Fixture(format!("check `{}`: {error}", check.name)))?;
    let src = driver.join("src");
    fs::create_dir_all(&src).map_err(io("create", &src))?;
    let manifest_path = driver.join("Cargo.toml");
    fs::write(&manifest_path, rust::manifest(&package, &side.dirs.tree))
        .map_err(io("write", &manifest_path))?;
    let main_path = src.join("main.rs");
    fs::write(&main_path, &main).map_err(io("write", &main_path))?;
    // The graded package's lock, so `--offline` resolves its dependencies the same way.
    let lock = side.dirs.tree.join("Cargo.lock");
    if lock.is_file() {
        let copy = driver.join("Cargo.lock");
        fs::copy(&lock, &copy).map_err(io("copy", &copy))?;
    }
    Ok(Ok(Written { package, main }))
}
