//! Running the contract's checks in fresh grading trees: baseline + in-scope changes +
//! hidden files, rebuilt for every check so one check cannot poison the next.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use harness_fixture::Check;

use crate::process::{self, ProcessError, ProcessOutcome, ProcessSpec};
use crate::settings::Settings;

/// Why a grading tree could not be built (the harness's fault).
#[derive(Debug, thiserror::Error)]
pub enum ChecksError {
    /// Writing the tree failed.
    #[error("failed to {action} {}: {source}", path.display())]
    Io {
        /// What.
        action: &'static str,
        /// Where.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Running the check failed.
    #[error(transparent)]
    Process(#[from] ProcessError),
    /// The grading tree could not be restored.
    #[error(transparent)]
    Restore(#[from] super::restore::RestoreError),
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> ChecksError + 'a {
    move |source| ChecksError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// The directories of one check run.
#[derive(Debug, Clone)]
pub struct CheckDirs {
    /// The grading tree (cwd).
    pub tree: PathBuf,
    /// Fresh HOME.
    pub home: PathBuf,
    /// Fresh TMPDIR.
    pub tmp: PathBuf,
    /// Fresh CARGO_HOME.
    pub cargo_home: PathBuf,
    /// Fresh CARGO_TARGET_DIR.
    pub target: PathBuf,
    /// The log.
    pub log: PathBuf,
}

/// Makes check `index`'s own directories (fresh HOME, TMPDIR, CARGO_HOME, target dir and
/// log) under `grade_root`; the check runs in `tree`.
pub fn prepare(
    grade_root: &Path,
    index: usize,
    check: &Check,
    tree: &Path,
    settings: &Settings,
) -> Result<CheckDirs, ChecksError> {
    let base = grade_root.join(format!("{index}"));
    fs::create_dir(&base).map_err(io("create", &base))?;
    let dirs = CheckDirs {
        tree: tree.to_path_buf(),
        home: base.join("home"),
        tmp: base.join("tmp"),
        cargo_home: base.join("cargo-home"),
        target: base.join("target"),
        log: base.join(format!("{}.log", check.name)),
    };
    for dir in [&dirs.home, &dirs.tmp, &dirs.cargo_home, &dirs.target] {
        fs::create_dir(dir).map_err(io("create", dir))?;
    }
    // The harness's own cargo config and registry, linked in (read-only under Landlock).
    if let Some(real) = &settings.toolchain.cargo_home {
        for name in ["registry", "git", "config.toml", "config"] {
            let source = real.join(name);
            if source.exists() {
                let link = dirs.cargo_home.join(name);
                std::os::unix::fs::symlink(&source, &link).map_err(io("link", &link))?;
            }
        }
    }
    Ok(dirs)
}

/// The clean environment a check runs with.
pub fn environment(dirs: &CheckDirs, settings: &Settings) -> Vec<(String, String)> {
    let toolchain = &settings.toolchain;
    let mut env = vec![
        ("PATH".to_owned(), toolchain.path.clone()),
        ("HOME".to_owned(), dirs.home.display().to_string()),
        ("TMPDIR".to_owned(), dirs.tmp.display().to_string()),
        (
            "CARGO_HOME".to_owned(),
            dirs.cargo_home.display().to_string(),
        ),
        (
            "CARGO_TARGET_DIR".to_owned(),
            dirs.target.display().to_string(),
        ),
        ("CARGO_TERM_COLOR".to_owned(), "never".to_owned()),
        ("PYTHONNOUSERSITE".to_owned(), "1".to_owned()),
        ("TERM".to_owned(), "dumb".to_owned()),
    ];
    if let Some(rustup) = &toolchain.rustup_home {
        env.push(("RUSTUP_HOME".to_owned(), rustup.display().to_string()));
    }
    if let Some(pyenv) = &toolchain.pyenv_root {
        env.push(("PYENV_ROOT".to_owned(), pyenv.display().to_string()));
    }
    for (name, value) in &toolchain.passthrough {
        if !env.iter().any(|(known, _)| known == name) {
            env.push((name.clone(), value.clone()));
        }
    }
    if !env.iter().any(|(name, _)| name == "LANG") {
        env.push(("LANG".to_owned(), "C.UTF-8".to_owned()));
    }
    env
}

/// Runs one check in its prepared directories.
pub fn run(
    check: &Check,
    dirs: &CheckDirs,
    settings: &Settings,
) -> Result<ProcessOutcome, ChecksError> {
    let spec = ProcessSpec {
        argv: check.run.clone(),
        cwd: dirs.tree.clone(),
        env: environment(dirs, settings),
        timeout: Duration::from_secs(check.timeout_s),
        log: dirs.log.clone(),
        read_only: settings.toolchain.read_only_dirs(),
        read_write: vec![
            dirs.tree.clone(),
            dirs.home.clone(),
            dirs.tmp.clone(),
            dirs.cargo_home.clone(),
            dirs.target.clone(),
            PathBuf::from("/dev/null"),
        ],
        limits: settings.check_limits,
    };
    Ok(process::run(settings, &spec)?)
}
