//! Differential checks (DESIGN.md "Differential checks"): the graded process never sees an
//! expected value.
//!
//! 1. A generator from `hidden/` runs harness-side with a per-episode seed and prints one
//!    JSON array of arguments per line: inputs that did not exist before grading.
//! 2. The agent's code runs on them in one confined process (a driver that imports or links
//!    the graded tree, with no hidden file in it) and writes each result as data.
//! 3. Only then the oracle's code runs on the same inputs in another process, over a tree
//!    built from the fixture's baseline and `oracle/`.
//! 4. The harness compares the two as data (JSON, or a Rust value's `Debug` text), input by
//!    input: an object that only claims equality, or an answer table read from test
//!    sources, has nothing to match.

mod build;
pub mod compare;
mod driver_cache;
pub mod rust;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use harness_fixture::{
    Check, Differential, EntryLanguage, FileEntry, Files, Fixture, RepoPath, TestOutcome,
};
use harness_sandbox::Confinement;
use harness_sandbox::process::{self, ProcessOutcome, ProcessSpec};
use serde_json::Value;

use super::checks::{self, CheckDirs, CheckRun, ChecksError, read_text};
use super::invocation::Invocation;
use super::verdict::{TestRecord, Verdict};
use crate::rng::Fresh;
use crate::settings::Settings;

const PYTHON_DRIVER: &str = include_str!("driver.py");
/// Failing inputs shown in the check's log.
const SHOWN_FAILURES: usize = 20;

/// The name of input `index` (0-based) as a per-test id.
pub fn input_id(index: usize) -> String {
    format!("input#{}", index + 1)
}

/// What a Rust driver of the graded code may be made from besides a build of its own.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reuse<'a> {
    /// Cargo's messages of the episode's shared build, their paths under the check's
    /// target directory (which starts as a copy of it), when it was built with cargo's
    /// defaults: the driver then links the graded crate's library from there.
    pub shared: Option<&'a str>,
    /// The graded tree's digest, under which its driver is kept in the driver cache.
    pub graded_tree: Option<&'a str>,
}

/// Runs differential check `check` (its table `table`) on the graded tree at `dirs.tree`
/// (graded files only: no hidden file is there while the agent's code runs).
///
/// `reuse` says what earlier builds the graded side's Rust driver may come from.
pub fn run(
    check: &Check,
    table: &Differential,
    dirs: &CheckDirs,
    settings: &Settings,
    fixture: &Fixture,
    fresh: &mut Fresh,
    reuse: Reuse<'_>,
) -> Result<CheckRun, ChecksError> {
    let Reuse {
        shared,
        graded_tree,
    } = reuse;
    let seed = settings.check_seed.unwrap_or_else(|| fresh.next_u64());
    let base = dirs
        .log
        .parent()
        .map_or_else(|| dirs.report.clone(), Path::to_path_buf);
    let mut log = format!(
        "differential check `{}`: entry {}, {} inputs, seed {seed} (replay with HARNESS_CHECK_SEED={seed})\n",
        check.name, table.entry, table.count
    );
    let inputs = generate(check, table, dirs, settings, fixture, &base, seed)?;
    let mut text = String::new();
    for input in &inputs {
        text.push_str(&input.to_string());
        text.push('\n');
    }
    // The graded side reads its inputs from a file it cannot write (outside every
    // directory it may write); the oracle gets its own copy, written from the harness's
    // memory after the graded code is gone. Nothing the graded code does reaches what the
    // oracle reads.
    let agent_inputs = base.join("inputs.jsonl");
    fs::write(&agent_inputs, &text).map_err(io("write", &agent_inputs))?;

    // The agent's code first: the expected outputs do not exist yet while it runs.
    let language = table.language().ok_or_else(|| {
        ChecksError::Fixture(format!(
            "check `{}`: entry `{}` is neither Python nor Rust",
            check.name, table.entry
        ))
    })?;
    let agent_side = Side {
        dirs: dirs.clone(),
        work: dirs.report.clone(),
        target: dirs.target.join("agent"),
        build: match shared {
            Some(messages) => build::DriverBuild::Linked {
                messages: messages.to_owned(),
                deps: dirs.target.join("debug").join("deps"),
            },
            None => build::DriverBuild::Cargo,
        },
        code: graded_tree.map(driver_cache::Linked::Graded),
    };
    let agent = call(check, table, language, &agent_side, settings, &agent_inputs)?;
    let _ = write!(
        log,
        "\n--- the graded code ---\n{}{}\n",
        agent.note,
        agent.log.trim_end()
    );

    let (expected, oracle_note) =
        oracle_records(check, table, language, settings, fixture, &base, &text)?;
    log.push_str(&oracle_note);

    let actual = agent.records.unwrap_or_else(|problem| {
        let _ = writeln!(log, "the graded code gave no results: {problem}");
        BTreeMap::new()
    });
    let (tests, failed) = compare_all(&inputs, &expected, &actual, table, &mut log);
    fs::write(&dirs.log, &log).map_err(io("write", &dirs.log))?;

    let outcome = agent.outcome;
    let finished = !outcome.timed_out && outcome.resource_limit.is_none();
    let passed = finished && failed == 0 && !tests.is_empty();
    let score = if check.partial && !tests.is_empty() {
        (tests.len() - failed) as f64 / tests.len() as f64
    } else {
        f64::from(u8::from(passed))
    };
    let mut outcome = outcome;
    outcome.output_tail = tail(&log, 30);
    Ok(CheckRun {
        outcome,
        invocation: Invocation {
            format: harness_fixture::ReportFormat::Differential,
            argv: Vec::new(),
            junit: None,
        },
        verdict: Verdict {
            passed,
            score,
            forged: Vec::new(),
            tests,
            tripwire: None,
            missing: Vec::new(),
        },
        seed: Some(seed),
    })
}

/// The oracle's records for the inputs (`text`, one JSON array per line: they hold no
/// newline): its code runs
/// over the baseline and the reference solution, with directories of its own (a HOME or
/// CARGO_HOME the graded code wrote to must not configure it). An oracle that fails, or
/// answers fewer inputs than it was given, is the fixture's fault.
#[allow(
    clippy::too_many_arguments,
    reason = "one call site; the pieces are unrelated"
)]
fn oracle_records(
    check: &Check,
    table: &Differential,
    language: EntryLanguage,
    settings: &Settings,
    fixture: &Fixture,
    base: &Path,
    text: &str,
) -> Result<(BTreeMap<usize, Value>, String), ChecksError> {
    let input_count = text.lines().count();
    let oracle_root = base.join("oracle");
    fs::create_dir_all(&oracle_root).map_err(io("create", &oracle_root))?;
    let oracle_tree = oracle_root.join("tree");
    write_tree(&oracle_tree, &fixture.repo, &fixture.oracle)?;
    let oracle_dirs = checks::fresh_dirs(&oracle_root, &oracle_tree, "oracle.log", settings)?;
    let oracle_inputs = oracle_root.join("inputs.jsonl");
    fs::write(&oracle_inputs, text).map_err(io("write", &oracle_inputs))?;
    let oracle_side = Side {
        work: oracle_dirs.report.clone(),
        target: oracle_dirs.target.clone(),
        dirs: oracle_dirs,
        build: build::DriverBuild::Cargo,
        code: Some(driver_cache::Linked::Oracle(fixture)),
    };
    let oracle = call(
        check,
        table,
        language,
        &oracle_side,
        settings,
        &oracle_inputs,
    )?;
    let expected = oracle.records.map_err(|problem| {
        ChecksError::Fixture(format!(
            "check `{}`: the oracle's code could not be run on the inputs: {problem}\n{}",
            check.name,
            oracle.log.trim_end()
        ))
    })?;
    if expected.len() < input_count {
        return Err(ChecksError::Fixture(format!(
            "check `{}`: the oracle's code answered {} of {} inputs\n{}",
            check.name,
            expected.len(),
            input_count,
            oracle.log.trim_end()
        )));
    }
    Ok((expected, oracle.note))
}

/// Compares each input's records as data: the per-test records, how many failed, and the
/// first failures written to `log`.
fn compare_all(
    inputs: &[Value],
    expected: &BTreeMap<usize, Value>,
    actual: &BTreeMap<usize, Value>,
    table: &Differential,
    log: &mut String,
) -> (Vec<TestRecord>, usize) {
    let mut tests = Vec::with_capacity(inputs.len());
    let mut failures = String::new();
    let mut failed = 0;
    for (index, input) in inputs.iter().enumerate() {
        let want = &expected[&index];
        let got = actual.get(&index);
        let same = got.is_some_and(|got| compare::same_record(want, got, table));
        tests.push(TestRecord {
            id: input_id(index),
            outcome: if same {
                TestOutcome::Passed
            } else {
                TestOutcome::Failed
            },
        });
        if !same {
            failed += 1;
            if failed <= SHOWN_FAILURES {
                let _ = writeln!(
                    failures,
                    "{}: input {}\n    expected {}\n    got      {}",
                    input_id(index),
                    compare::shown(input),
                    compare::shown_record(Some(want)),
                    compare::shown_record(got)
                );
            }
        }
    }
    let _ = write!(
        log,
        "\n--- compared by the harness: {} of {} inputs match ---\n{failures}",
        inputs.len() - failed,
        inputs.len()
    );
    if failed > SHOWN_FAILURES {
        let _ = writeln!(
            log,
            "... and {} more failing inputs",
            failed - SHOWN_FAILURES
        );
    }
    (tests, failed)
}

/// Where one side (the graded code or the oracle's) runs.
struct Side<'a> {
    /// Its tree (the code imported or linked) and its HOME, TMPDIR and CARGO_HOME.
    dirs: CheckDirs,
    /// Its driver, outputs and logs.
    work: PathBuf,
    /// Its cargo target dir (Rust).
    target: PathBuf,
    /// How its Rust driver is built.
    build: build::DriverBuild,
    /// The code its Rust driver links, for the driver cache (`None`: no cache).
    code: Option<driver_cache::Linked<'a>>,
}

/// What one side produced.
struct Called {
    /// The process that ran the code (for Rust, the build when the build failed).
    outcome: ProcessOutcome,
    /// Input index -> its record, or why there are none.
    records: Result<BTreeMap<usize, Value>, String>,
    /// Its combined output.
    log: String,
    /// How its driver came to be (a shared or cached build), when worth saying.
    note: String,
}

fn call(
    check: &Check,
    table: &Differential,
    language: EntryLanguage,
    side: &Side<'_>,
    settings: &Settings,
    inputs: &Path,
) -> Result<Called, ChecksError> {
    let dirs = &side.dirs;
    fs::create_dir_all(&side.work).map_err(io("create", &side.work))?;
    fs::create_dir_all(&side.target).map_err(io("create", &side.target))?;
    let outputs = side.work.join("outputs.jsonl");
    let mut env = checks::environment(dirs, settings);
    env.retain(|(name, _)| name != "CARGO_TARGET_DIR");
    env.push((
        "CARGO_TARGET_DIR".to_owned(),
        side.target.display().to_string(),
    ));
    let spec = |argv: Vec<String>, log: PathBuf| ProcessSpec {
        argv,
        cwd: dirs.tree.clone(),
        env: env.clone(),
        timeout: Duration::from_secs(check.timeout_s),
        log,
        read_only: {
            let mut dirs = settings.toolchain.read_only_dirs();
            dirs.push(inputs.to_path_buf());
            // The shared build's libraries the driver links (read, never written).
            if let build::DriverBuild::Linked { deps, .. } = &side.build {
                dirs.push(deps.clone());
            }
            dirs
        },
        read_write: vec![
            dirs.tree.clone(),
            side.work.clone(),
            side.target.clone(),
            dirs.home.clone(),
            dirs.tmp.clone(),
            dirs.cargo_home.clone(),
            PathBuf::from("/dev/null"),
        ],
        limits: settings.check_limits,
        masked: dirs.masked.clone(),
    };
    // How the driver came to be, for the log.
    let mut note = String::new();
    let argv = match language {
        EntryLanguage::Python => {
            let driver = side.work.join("driver.py");
            fs::write(&driver, PYTHON_DRIVER).map_err(io("write", &driver))?;
            let roots = if table.path.is_empty() {
                vec![String::new(), "src".to_owned()]
            } else {
                table.path.clone()
            };
            let mut argv = vec![
                "python3".to_owned(),
                driver.display().to_string(),
                table.entry.clone(),
                inputs.display().to_string(),
                outputs.display().to_string(),
            ];
            argv.extend(roots);
            argv
        }
        EntryLanguage::Rust => {
            match build::rust_driver(check, table, side, settings, &spec, &mut note)? {
                Ok(executable) => vec![
                    executable.display().to_string(),
                    inputs.display().to_string(),
                    outputs.display().to_string(),
                ],
                Err(failed) => return Ok(failed),
            }
        }
    };
    let run_log = side.work.join("run.log");
    let outcome = process::run(
        settings.check_policy(check.network),
        &spec(argv, run_log.clone()),
    )?;
    let log = read_text(&run_log);
    let records = read_records(&outputs);
    Ok(Called {
        outcome,
        records,
        log,
        note,
    })
}

/// Runs the generator harness-side and returns `count` inputs.
fn generate(
    check: &Check,
    table: &Differential,
    dirs: &CheckDirs,
    settings: &Settings,
    fixture: &Fixture,
    base: &Path,
    seed: u64,
) -> Result<Vec<Value>, ChecksError> {
    let path = RepoPath::parse(&table.generator)
        .ok()
        .and_then(|path| fixture.hidden.get(&path).map(|entry| (path, entry)));
    let Some((path, entry)) = path else {
        return Err(ChecksError::Fixture(format!(
            "check `{}`: generator `{}` is not in hidden/",
            check.name, table.generator
        )));
    };
    let work = base.join("generator");
    fs::create_dir_all(&work).map_err(io("create", &work))?;
    let name = path.as_str().rsplit('/').next().unwrap_or("generator");
    let script = work.join(name);
    fs::write(&script, &entry.content).map_err(io("write", &script))?;
    let argv = match Path::new(name).extension().and_then(|ext| ext.to_str()) {
        Some("py") => vec!["python3".to_owned(), script.display().to_string()],
        Some("sh") => vec!["sh".to_owned(), script.display().to_string()],
        _ => {
            fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .map_err(io("make executable", &script))?;
            vec![script.display().to_string()]
        }
    };
    let mut env = checks::environment(dirs, settings);
    env.push(("HARNESS_CHECK_SEED".to_owned(), seed.to_string()));
    env.push(("HARNESS_CHECK_COUNT".to_owned(), table.count.to_string()));
    let log = work.join("generator.log");
    let outcome = process::run(
        settings.check_policy(check.network),
        &ProcessSpec {
            argv,
            cwd: work.clone(),
            env,
            timeout: Duration::from_secs(check.timeout_s),
            log: log.clone(),
            read_only: settings.toolchain.read_only_dirs(),
            read_write: vec![work.clone(), dirs.tmp.clone(), PathBuf::from("/dev/null")],
            limits: settings.check_limits,
            masked: dirs.masked.clone(),
        },
    )?;
    let output = read_text(&log);
    let inputs: Vec<Value> = output
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line.trim()).ok())
        .take(table.count as usize)
        .collect();
    if !outcome.success() || inputs.len() < table.count as usize {
        return Err(ChecksError::Fixture(format!(
            "check `{}`: generator `{}` (seed {seed}) gave {} of {} inputs{}:\n{}",
            check.name,
            table.generator,
            inputs.len(),
            table.count,
            if outcome.success() {
                String::new()
            } else {
                format!(" and failed ({:?})", outcome.exit_code)
            },
            tail(&output, 20)
        )));
    }
    Ok(inputs)
}

/// Input index -> record, from a driver's outputs: the first record of each index counts.
fn read_records(outputs: &Path) -> Result<BTreeMap<usize, Value>, String> {
    let text = read_text(outputs);
    let mut records = BTreeMap::new();
    for line in text.lines() {
        let Ok(record) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let Some(problem) = record.get("load_error").and_then(Value::as_str) {
            return Err(format!("the entry could not be loaded: {problem}"));
        }
        let Some(index) = record.get("i").and_then(Value::as_u64) else {
            continue;
        };
        records.entry(index as usize).or_insert(record);
    }
    if records.is_empty() {
        return Err("no results were written".to_owned());
    }
    Ok(records)
}

/// Baseline files with the reference solution's written over them.
fn write_tree(root: &Path, repo: &Files, oracle: &Files) -> Result<(), ChecksError> {
    let mut files = repo.clone();
    files.extend(
        oracle
            .iter()
            .map(|(path, entry)| (path.clone(), entry.clone())),
    );
    for (path, entry) in &files {
        let target = root.join(path.as_str());
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(io("create", parent))?;
        }
        FileEntry::write_to(entry, &target).map_err(io("write", &target))?;
    }
    Ok(())
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn failed_outcome(problem: &str, settings: &Settings) -> ProcessOutcome {
    let confinement = settings
        .configured_confinement()
        .parse()
        .unwrap_or(Confinement::None);
    let lifetime = settings.configured_lifetime();
    ProcessOutcome::not_run(1, problem.to_owned(), confinement, lifetime)
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> ChecksError + 'a {
    move |source| ChecksError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}
