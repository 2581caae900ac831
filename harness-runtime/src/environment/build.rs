//! Building an environment once: under a lock per key (threads and processes alike wait
//! for the one build), in place at its final path (venvs record it), from a copy of the
//! baseline, with the network, confined to writing the environment, its scratch and the
//! cargo home (where fetched crates go).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use harness_fixture::{ENV_PLACEHOLDER, Environment, Files};
use harness_sandbox::RunPolicy;
use harness_sandbox::process::{self, ProcessOutcome, ProcessSpec};
use indicatif::{ProgressBar, ProgressStyle};
use nix::fcntl::{Flock, FlockArg};

use super::cache::{Record, record_path};
use super::{EnvironmentError, SetupFailure, io_error, key, stamp};
use crate::settings::{EnvironmentUse, Settings};

/// How a build shows itself: a spinner on a terminal, nothing otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    visible: bool,
}

impl Progress {
    /// A spinner when stderr is a terminal.
    pub fn terminal() -> Progress {
        use std::io::IsTerminal;
        Progress {
            visible: std::io::stderr().is_terminal(),
        }
    }

    /// Never shown.
    pub fn hidden() -> Progress {
        Progress { visible: false }
    }

    fn bar(self) -> ProgressBar {
        if !self.visible {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    }
}

/// Failed builds of this process, by key: a setup that failed is not run again for every
/// case that needs it (another process, a later run, tries again).
fn failures() -> &'static Mutex<HashMap<String, SetupFailure>> {
    static FAILURES: OnceLock<Mutex<HashMap<String, SetupFailure>>> = OnceLock::new();
    FAILURES.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The environment `environment` of a baseline `repo`, built first if the cache has none.
pub fn ensure(
    environment: &Environment,
    repo: &Files,
    settings: &Settings,
    progress: &Progress,
) -> Result<EnvironmentUse, EnvironmentError> {
    let key = key(environment, repo, settings);
    let root = settings.cache_dir.join("env");
    fs::create_dir_all(&root).map_err(io_error("create", &root))?;
    let root = fs::canonicalize(&root).map_err(io_error("resolve", &root))?;
    if let Some(built) = ready(&root, &key, environment) {
        return Ok(built);
    }
    if let Some(failure) = failures()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(&key)
    {
        return Err(Box::new(failure.clone()).into());
    }
    let lock_path = root.join(format!("{key}.lock"));
    let lock_file = fs::File::create(&lock_path).map_err(io_error("create", &lock_path))?;
    let _lock = Flock::lock(lock_file, FlockArg::LockExclusive)
        .map_err(|(_, errno)| io_error("lock", &lock_path)(errno.into()))?;
    if let Some(built) = ready(&root, &key, environment) {
        return Ok(built);
    }
    let result = build(environment, repo, settings, &root, &key, progress);
    if let Err(EnvironmentError::SetupFailed(failure)) = &result {
        failures()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(key, (**failure).clone());
    }
    result
}

/// The built environment, when its record says it was built (the record is written last).
fn ready(root: &Path, key: &str, environment: &Environment) -> Option<EnvironmentUse> {
    let dir = root.join(key);
    let record = Record::read(&record_path(root, key))?;
    (record.key == key && dir.is_dir()).then(|| use_of(&dir, key, environment))
}

fn use_of(dir: &Path, key: &str, environment: &Environment) -> EnvironmentUse {
    let target = dir.join("target");
    let vendor = dir.join("vendor");
    EnvironmentUse {
        key: key.to_owned(),
        dir: dir.to_path_buf(),
        path: environment
            .path
            .iter()
            .map(|entry| dir.join(entry))
            .collect(),
        warm_target: target.is_dir().then_some(target),
        vendor: vendor.is_dir().then_some(vendor),
    }
}

fn build(
    environment: &Environment,
    repo: &Files,
    settings: &Settings,
    root: &Path,
    key: &str,
    progress: &Progress,
) -> Result<EnvironmentUse, EnvironmentError> {
    let started = Instant::now();
    let dir = root.join(key);
    if dir.exists() {
        // What a killed build left.
        fs::remove_dir_all(&dir).map_err(io_error("remove the partial build", &dir))?;
    }
    fs::create_dir(&dir).map_err(io_error("create", &dir))?;
    fs::create_dir_all(&settings.temp_root).map_err(io_error("create", &settings.temp_root))?;
    let scratch = tempfile::Builder::new()
        .prefix(&format!("env-{key}-"))
        .tempdir_in(&settings.temp_root)
        .map_err(io_error("create a setup directory in", &settings.temp_root))?;
    let work = scratch.path().join("repo");
    for sub in [
        &work,
        &scratch.path().join("home"),
        &scratch.path().join("tmp"),
    ] {
        fs::create_dir(sub).map_err(io_error("create", sub))?;
    }
    stamp::write_baseline(&work, repo).map_err(io_error("write the baseline into", &work))?;

    let log = root.join(format!("{key}.log"));
    let mut log_text = String::new();
    let bar = progress.bar();
    let steps = environment.setup.len();
    for (index, step) in environment.setup.iter().enumerate() {
        let argv: Vec<String> = step
            .iter()
            .map(|arg| arg.replace(ENV_PLACEHOLDER, &dir.display().to_string()))
            .collect();
        let shown = argv.join(" ");
        bar.set_message(crate::message::environment_step(
            key,
            index + 1,
            steps,
            &shown,
        ));
        // Once a step has vendored the crates, the next ones build from there (the
        // configuration beside the baseline copy, not in it).
        let vendor = dir.join("vendor");
        if vendor.is_dir() {
            let config_dir = scratch.path().join(".cargo");
            let config = config_dir.join("config.toml");
            fs::create_dir_all(&config_dir).map_err(io_error("create", &config_dir))?;
            fs::write(&config, super::vendor_config(&vendor))
                .map_err(io_error("write", &config))?;
        }
        let step_log = scratch.path().join(format!("step-{}.log", index + 1));
        let spec = setup_spec(
            argv,
            &work,
            scratch.path(),
            &dir,
            &step_log,
            environment,
            settings,
        );
        let outcome = process::run(setup_policy(settings), &spec);
        log_text.push_str(&format!("== step {} of {steps}: {shown}\n", index + 1));
        log_text.push_str(&fs::read_to_string(&step_log).unwrap_or_default());
        fs::write(&log, &log_text).map_err(io_error("write", &log))?;
        let status = match outcome {
            Ok(outcome) => failure_status(&outcome, environment.timeout_s),
            Err(error) => Some(format!("could not start: {error}")),
        };
        if let Some(status) = status {
            bar.finish_and_clear();
            let _ = fs::remove_dir_all(&dir);
            return Err(EnvironmentError::SetupFailed(Box::new(SetupFailure {
                key: key.to_owned(),
                step: index + 1,
                steps,
                argv: shown,
                status,
                log: log.clone(),
                tail: tail(&log_text, 20),
            })));
        }
    }
    bar.finish_and_clear();
    let record = Record {
        key: key.to_owned(),
        setup: environment.setup.clone(),
        inputs: environment.inputs.clone(),
        path: environment.path.clone(),
        built_unix: SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |since| since.as_secs()),
        seconds: started.elapsed().as_secs_f64(),
    };
    record.write(&record_path(root, key))?;
    Ok(use_of(&dir, key, environment))
}

/// Setup runs trusted fixture content with the network: Landlock (when on) keeps its writes
/// to the environment, its scratch and the cargo home.
fn setup_policy(settings: &Settings) -> RunPolicy {
    RunPolicy {
        no_network: false,
        ..settings.run_policy()
    }
}

fn setup_spec(
    argv: Vec<String>,
    work: &Path,
    scratch: &Path,
    dir: &Path,
    log: &Path,
    environment: &Environment,
    settings: &Settings,
) -> ProcessSpec {
    let toolchain = &settings.toolchain;
    let search_path: Vec<String> = environment
        .path
        .iter()
        .map(|entry| dir.join(entry).display().to_string())
        .chain(std::iter::once(toolchain.path.clone()))
        .collect();
    let mut env: Vec<(String, String)> = vec![
        ("PATH".into(), search_path.join(":")),
        ("HOME".into(), scratch.join("home").display().to_string()),
        ("TMPDIR".into(), scratch.join("tmp").display().to_string()),
        ("HARNESS_ENV".into(), dir.display().to_string()),
        (
            "CARGO_TARGET_DIR".into(),
            dir.join("target").display().to_string(),
        ),
        ("CARGO_TERM_COLOR".into(), "never".into()),
        ("PIP_DISABLE_PIP_VERSION_CHECK".into(), "1".into()),
        ("PIP_NO_INPUT".into(), "1".into()),
        ("PYTHONNOUSERSITE".into(), "1".into()),
    ];
    let mut read_write = vec![
        dir.to_path_buf(),
        scratch.to_path_buf(),
        PathBuf::from("/dev/null"),
    ];
    if let Some(cargo_home) = &toolchain.cargo_home {
        env.push(("CARGO_HOME".into(), cargo_home.display().to_string()));
        read_write.push(cargo_home.clone());
    }
    if let Some(rustup) = &toolchain.rustup_home {
        env.push(("RUSTUP_HOME".into(), rustup.display().to_string()));
    }
    if let Some(pyenv) = &toolchain.pyenv_root {
        env.push(("PYENV_ROOT".into(), pyenv.display().to_string()));
    }
    env.extend(toolchain.passthrough.iter().cloned());
    if !env.iter().any(|(name, _)| name == "LANG") {
        env.push(("LANG".into(), "C.UTF-8".into()));
    }
    ProcessSpec {
        argv,
        cwd: work.to_path_buf(),
        env,
        timeout: Duration::from_secs(environment.timeout_s),
        log: log.to_path_buf(),
        // What setup writes stays writable: the cargo home's registry (where `cargo fetch`
        // and `cargo vendor` download) is otherwise bound read-only below it.
        read_only: toolchain
            .read_only_dirs()
            .into_iter()
            .filter(|dir| !read_write.iter().any(|writable| dir.starts_with(writable)))
            .collect(),
        read_write,
        limits: settings.check_limits,
        masked: Vec::new(),
    }
}

/// How a step failed, or `None` when it succeeded.
fn failure_status(outcome: &ProcessOutcome, timeout_s: u64) -> Option<String> {
    if let Some(error) = &outcome.spawn_error {
        return Some(format!("could not start: {error}"));
    }
    if outcome.timed_out {
        return Some(format!("timed out after {timeout_s} s"));
    }
    if let Some(limit) = &outcome.resource_limit {
        return Some(format!("hit a limit: {limit}"));
    }
    match (outcome.exit_code, outcome.signal) {
        (Some(0), _) => None,
        (Some(code), _) => Some(format!("exited with {code}")),
        (None, Some(signal)) => Some(format!("was killed by signal {signal}")),
        (None, None) => Some("ended without a status".into()),
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
