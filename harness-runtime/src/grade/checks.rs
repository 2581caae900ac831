//! Running the contract's checks in fresh grading trees: baseline + in-scope changes +
//! hidden files, rebuilt for every check so one check cannot poison the next.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use harness_fixture::{Check, Files, LockedCheck};
use harness_sandbox::process::{self, ProcessError, ProcessOutcome, ProcessSpec};

use super::invocation::{self, Invocation};
use super::shared_build::{self, SharedBuild};
use super::testreport::{self, ParsedReport};
use super::tripwire;
use super::verdict::{self, Evidence, Verdict};
use crate::environment::stamp;
use crate::rng::Fresh;
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
    /// The fixture's own side of a check failed (a differential check's generator or
    /// oracle): the fixture is broken, not the agent's work.
    #[error("{0}")]
    Fixture(String),
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
    /// Where the runner writes a report file the harness reads (pytest's JUnit XML).
    pub report: PathBuf,
    /// The log.
    pub log: PathBuf,
    /// Directories masked in the check's processes: the harness's own, and the episode's
    /// shared build ([`super::shared_build`]) once it exists.
    pub masked: Vec<PathBuf>,
}

/// Makes check `index`'s own directories (fresh HOME, TMPDIR, CARGO_HOME, target dir and
/// log) under `grade_root`; the check runs in `tree`. Its target directory starts as a copy
/// of `seed` (the environment's build, or the episode's shared build), and `masked` joins
/// the directories its processes never see.
pub fn prepare(
    grade_root: &Path,
    index: usize,
    check: &Check,
    tree: &Path,
    settings: &Settings,
    seed: Option<&Path>,
    masked: Option<&Path>,
) -> Result<CheckDirs, ChecksError> {
    let base = grade_root.join(format!("{index}"));
    fs::create_dir(&base).map_err(io("create", &base))?;
    let mut dirs = fresh_dirs(&base, tree, &format!("{}.log", check.name), settings)?;
    dirs.masked.extend(masked.map(Path::to_path_buf));
    // A copy, never the seed itself: what a check's build writes stays in its own target.
    if let Some(seed) = seed {
        stamp::copy_tree(seed, &dirs.target)
            .map_err(io("copy the prepared build into", &dirs.target))?;
    }
    Ok(dirs)
}

/// Fresh HOME, TMPDIR, CARGO_HOME (the harness's cargo config and registry linked in),
/// target and report dirs under `base` (which exists), for a process run in `tree`.
pub fn fresh_dirs(
    base: &Path,
    tree: &Path,
    log_name: &str,
    settings: &Settings,
) -> Result<CheckDirs, ChecksError> {
    let dirs = CheckDirs {
        tree: tree.to_path_buf(),
        home: base.join("home"),
        tmp: base.join("tmp"),
        cargo_home: base.join("cargo-home"),
        target: base.join("target"),
        report: base.join("report"),
        log: base.join(log_name),
        masked: settings.masked_dirs(),
    };
    for dir in [
        &dirs.home,
        &dirs.tmp,
        &dirs.cargo_home,
        &dirs.target,
        &dirs.report,
    ] {
        fs::create_dir(dir).map_err(io("create", dir))?;
    }
    // The environment's vendored crates, when it has them (the harness's own cargo
    // configuration would not name them).
    let vendor = settings
        .environment
        .as_ref()
        .and_then(|environment| environment.vendor.as_ref());
    if let Some(vendor) = vendor {
        let config = dirs.cargo_home.join("config.toml");
        fs::write(&config, crate::environment::vendor_config(vendor))
            .map_err(io("write", &config))?;
    }
    // The harness's own cargo config and registry, linked in (read-only under Landlock).
    if let Some(real) = &settings.toolchain.cargo_home {
        let linked: &[&str] = if vendor.is_some() {
            &["registry", "git"]
        } else {
            &["registry", "git", "config.toml", "config"]
        };
        for &name in linked {
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
        ("PATH".to_owned(), toolchain.search_path()),
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
    if let Some(repeat) = settings.repeat_index {
        env.push(("HARNESS_REPEAT".to_owned(), repeat.to_string()));
    }
    env
}

/// A finished check run: how its process ended, how it was invoked, and its verdict.
#[derive(Debug, Clone)]
pub struct CheckRun {
    /// The runner's process.
    pub outcome: ProcessOutcome,
    /// The argv it ran with and its report format.
    pub invocation: Invocation,
    /// Its per-test verdict.
    pub verdict: Verdict,
    /// A differential check's input seed (`HARNESS_CHECK_SEED` replays it).
    pub seed: Option<u64>,
}

/// Bytes of a report file the harness reads (a JUnit file is small; a huge one is a
/// runner gone wrong, judged on what was read).
const REPORT_CAP: u64 = 64 << 20;

/// Runs one check in its prepared directories: the invocation that makes its runner report
/// every test, a tripwire in the grading `tree` (already on disk at `dirs.tree`), then the
/// verdict against `lock` (none while a lock is being written).
///
/// With `shared`, a `cargo test` check is built first (`--no-run`) and its target directory
/// taken as the episode's shared build before any test runs ([`shared_build`]).
pub fn run(
    check: &Check,
    dirs: &CheckDirs,
    settings: &Settings,
    tree: &Files,
    lock: Option<&LockedCheck>,
    fresh: &mut Fresh,
    shared: Option<&mut SharedBuild>,
) -> Result<CheckRun, ChecksError> {
    let invocation = invocation::invocation(check, &dirs.report);
    let tripwire = tripwire::plan(check, &invocation.argv, tree, fresh);
    if let Some(tripwire) = &tripwire {
        tripwire
            .install(&dirs.tree)
            .map_err(io("add the tripwire test to", &dirs.tree))?;
    }
    let build = match (shared, shared_build::build_argv(&invocation.argv)) {
        (Some(shared), Some(argv)) => Some(build_first(check, dirs, settings, shared, &argv)?),
        _ => None,
    };
    let outcome = match build {
        None => spawn(&invocation.argv, dirs, check, settings, timeout(check))?,
        Some((built, output)) if built.timed_out => {
            fs::write(&dirs.log, output).map_err(io("write", &dirs.log))?;
            built
        }
        Some((built, output)) => {
            let budget = timeout(check).saturating_sub(built.duration);
            let ran = spawn(&invocation.argv, dirs, check, settings, budget)?;
            // The check's log reads as one `cargo test`: the build's output, then the run's.
            let mut log = output.into_bytes();
            log.extend(fs::read(&dirs.log).map_err(io("read", &dirs.log))?);
            fs::write(&dirs.log, log).map_err(io("write", &dirs.log))?;
            merge_outcomes(built, ran)
        }
    };
    let report = read_report(&invocation, dirs);
    let verdict = verdict::judge(&Evidence {
        format: invocation.format,
        process: &outcome,
        report: &report,
        lock,
        tripwire: tripwire.as_ref(),
        partial: check.partial,
    });
    Ok(CheckRun {
        outcome,
        invocation,
        verdict,
        seed: None,
    })
}

/// The runner's per-test report: its JUnit file, or its output. Anything unreadable is an
/// empty report (the verdict then sees no tests).
fn read_report(invocation: &Invocation, dirs: &CheckDirs) -> ParsedReport {
    let source = invocation.junit.as_deref().unwrap_or(&dirs.log);
    let text = read_capped(source).unwrap_or_default();
    testreport::parse(invocation.format, &text)
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// A regular file's first [`REPORT_CAP`] bytes, lossy UTF-8; never follows a link, never
/// blocks on a FIFO. For every file a check's process could have replaced (a symlink to a
/// host file, a FIFO, `/dev/zero`: red team round 9).
pub(super) fn read_capped(path: &Path) -> Option<String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(REPORT_CAP).read_to_end(&mut bytes).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// [`read_capped`], empty when there is nothing to read.
pub(super) fn read_text(path: &Path) -> String {
    read_capped(path).unwrap_or_default()
}

/// Builds check `check` as `argv` (its build-only form) into its target directory and takes
/// that as the episode's shared build: how the build ended, and its output without cargo's
/// JSON messages. The snapshot is taken whether or not the build succeeded (a later check
/// uses only what it finds complete in it).
fn build_first(
    check: &Check,
    dirs: &CheckDirs,
    settings: &Settings,
    shared: &mut SharedBuild,
    argv: &[String],
) -> Result<(ProcessOutcome, String), ChecksError> {
    let log = dirs.log.with_file_name(format!("{}.build.log", check.name));
    let spec = ProcessSpec {
        log: log.clone(),
        ..spec(argv, dirs, settings, timeout(check))
    };
    let built = process::run(settings.check_policy(check.network), &spec)?;
    let messages = fs::read(&log)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let output = without_messages(&messages);
    if !built.timed_out {
        let defaults = shared_build::builds_defaults(argv);
        shared.record(&check.name, &dirs.target, messages, defaults);
    }
    Ok((built, output))
}

fn timeout(check: &Check) -> Duration {
    Duration::from_secs(check.timeout_s)
}

/// Cargo's output without its JSON messages (each line its own).
pub(super) fn without_messages(text: &str) -> String {
    let mut kept = String::new();
    for line in text.lines().filter(|line| !line.starts_with('{')) {
        kept.push_str(line);
        kept.push('\n');
    }
    kept
}

/// Two runs of one check as one outcome: the first failure wins; durations add up; a
/// timeout or a limit anywhere counts.
pub(super) fn merge_outcomes(mut all: ProcessOutcome, next: ProcessOutcome) -> ProcessOutcome {
    all.duration += next.duration;
    all.timed_out |= next.timed_out;
    if all.resource_limit.is_none() {
        all.resource_limit = next.resource_limit;
    }
    if all.exit_code == Some(0) || all.exit_code.is_none() && all.signal.is_none() {
        all.exit_code = next.exit_code;
        all.signal = next.signal;
    }
    all.confinement = next.confinement;
    all.output_tail = next.output_tail;
    all
}

/// Runs `argv` as check `check` in its prepared directories, for at most `budget`.
fn spawn(
    argv: &[String],
    dirs: &CheckDirs,
    check: &Check,
    settings: &Settings,
    budget: Duration,
) -> Result<ProcessOutcome, ChecksError> {
    let spec = spec(argv, dirs, settings, budget);
    Ok(process::run(settings.check_policy(check.network), &spec)?)
}

/// A check process: `argv` in the check's tree, writing only its own directories.
fn spec(argv: &[String], dirs: &CheckDirs, settings: &Settings, budget: Duration) -> ProcessSpec {
    ProcessSpec {
        argv: argv.to_vec(),
        cwd: dirs.tree.clone(),
        env: environment(dirs, settings),
        timeout: budget,
        log: dirs.log.clone(),
        read_only: settings.toolchain.read_only_dirs(),
        read_write: vec![
            dirs.tree.clone(),
            dirs.home.clone(),
            dirs.tmp.clone(),
            dirs.cargo_home.clone(),
            dirs.target.clone(),
            dirs.report.clone(),
            PathBuf::from("/dev/null"),
        ],
        limits: settings.check_limits,
        masked: dirs.masked.clone(),
    }
}
