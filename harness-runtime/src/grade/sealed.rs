//! Sealed hidden cargo tests (DESIGN.md "Hidden files the code under test cannot read"): a
//! hidden `cargo test` check whose hidden sources exist only while they are compiled, never
//! while the agent's code runs.
//!
//! 1. The graded crate is built (its build script and proc macros run) as the dependency of
//!    a harness-made package beside the tree, before any hidden file exists anywhere.
//! 2. The hidden test files are then written beside it, with the tripwire, and compiled
//!    by `rustc` itself against the libraries step 1 built (each passed with `--extern`),
//!    not by cargo: cargo would check the graded crate's freshness first and could run its
//!    build script again (a `rerun-if-changed` naming where the hidden tests appear is
//!    enough, as the black-box red team showed), with the hidden sources on disk.
//! 3. The harness-made package is deleted, and the test binaries run with the graded tree
//!    as their working directory: the code under test finds no hidden source to read.
//!
//! It applies to a hidden check that runs `cargo test` (not nextest) on a tree whose root
//! package has a library, with hidden test targets under `tests/`; other hidden checks run
//! as written. Limits: a hidden test reading files relative to its manifest directory, or
//! running the package's binaries, does not work sealed; the expected values exist as
//! constants in the compiled test binary the code under test runs in.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use harness_fixture::{Check, FileEntry, Files, LockedCheck, RepoPath, ReportFormat};
use harness_sandbox::process::{self, ProcessOutcome, ProcessSpec};

use super::checks::{self, CheckDirs, CheckRun, ChecksError};
use super::invocation::Invocation;
use super::testreport;
use super::tripwire::{self, Expect, Tripwire};
use super::verdict::{self, Evidence};
use crate::rng::Fresh;
use crate::settings::Settings;

/// The harness-made package's name (also what its test binaries are named after).
const PACKAGE: &str = "harness-sealed-tests";

/// What a sealed run needs from the tree and the fixture.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The graded package's name.
    package: String,
    /// Its edition (the hidden tests are compiled in it).
    edition: String,
    /// Its version (`CARGO_PKG_VERSION` for the hidden tests).
    version: String,
    /// Its `[dev-dependencies]`, made absolute, as the sealed package's dependencies.
    dev_dependencies: toml::Table,
    /// Hidden test targets: (target name, hidden file, its bytes).
    targets: Vec<(String, RepoPath, Vec<u8>)>,
    /// Arguments for the test binaries (what the argv had after `--`).
    test_args: Vec<String>,
}

/// The plan for `check`, when it can run sealed: a hidden `cargo test` check on a tree
/// (`tree`, the graded files) whose root package has a library, with hidden test targets.
pub fn plan(check: &Check, tree: &Files, hidden: &Files) -> Option<Plan> {
    if !check.hidden
        || check.differential.is_some()
        || check.resolved_report() != ReportFormat::Libtest
        || check.run.iter().any(|word| word == "nextest")
    {
        return None;
    }
    let manifest_text = tree
        .get(&RepoPath::parse("Cargo.toml").ok()?)
        .map(|entry| String::from_utf8_lossy(&entry.content).into_owned())?;
    let manifest: toml::Table = toml::from_str(&manifest_text).ok()?;
    let package = manifest.get("package")?.as_table()?;
    let name = package.get("name")?.as_str()?.to_owned();
    let version = package
        .get("version")
        .and_then(toml::Value::as_str)
        .unwrap_or("0.0.0")
        .to_owned();
    let edition = package
        .get("edition")
        .and_then(toml::Value::as_str)
        .unwrap_or("2021")
        .to_owned();
    let lib_path = manifest
        .get("lib")
        .and_then(|lib| lib.get("path"))
        .and_then(toml::Value::as_str)
        .unwrap_or("src/lib.rs");
    if !tree.contains_key(&RepoPath::parse(lib_path).ok()?) {
        return None;
    }
    let (before, after) = match check.run.iter().position(|word| word == "--") {
        Some(at) => (&check.run[..at], check.run[at + 1..].to_vec()),
        None => (&check.run[..], Vec::new()),
    };
    let selected: Vec<&str> = before
        .windows(2)
        .filter(|pair| pair[0] == "--test")
        .map(|pair| pair[1].as_str())
        .collect();
    let targets: Vec<(String, RepoPath, Vec<u8>)> = hidden
        .iter()
        .filter_map(|(path, entry)| {
            let rest = path.as_str().strip_prefix("tests/")?;
            let stem = rest
                .strip_suffix(".rs")
                .filter(|stem| !stem.contains('/'))?;
            (selected.is_empty() || selected.contains(&stem))
                .then(|| (stem.to_owned(), path.clone(), entry.content.clone()))
        })
        .collect();
    if targets.is_empty() {
        return None;
    }
    let mut dev_dependencies = manifest
        .get("dev-dependencies")
        .and_then(toml::Value::as_table)
        .cloned()
        .unwrap_or_default();
    // A workspace-inherited dependency cannot be resolved outside the workspace.
    if dev_dependencies
        .values()
        .any(|spec| spec.get("workspace").is_some())
    {
        return None;
    }
    dev_dependencies.remove(&name);
    Some(Plan {
        package: name,
        edition,
        version,
        dev_dependencies,
        targets,
        test_args: after,
    })
}

/// Runs `check` sealed (see the module docs). `dirs.tree` holds the graded files and no
/// hidden file.
pub fn run(
    check: &Check,
    plan: &Plan,
    dirs: &CheckDirs,
    settings: &Settings,
    lock: Option<&LockedCheck>,
    fresh: &mut Fresh,
) -> Result<CheckRun, ChecksError> {
    let base = dirs
        .log
        .parent()
        .map_or_else(|| dirs.report.clone(), Path::to_path_buf);
    let sealed = base.join("sealed");
    fs::create_dir_all(&sealed).map_err(io("create", &sealed))?;
    let lib = sealed.join("lib.rs");
    fs::write(&lib, "").map_err(io("write", &lib))?;
    let lock_file = dirs.tree.join("Cargo.lock");
    if lock_file.is_file() {
        let copy = sealed.join("Cargo.lock");
        fs::copy(&lock_file, &copy).map_err(io("copy", &copy))?;
    }
    let manifest = sealed.join("Cargo.toml");
    let invocation = Invocation {
        format: ReportFormat::Libtest,
        argv: check.run.clone(),
        junit: None,
    };
    let mut log = String::new();
    let spec = |argv: Vec<String>, log: PathBuf, env: Vec<(String, String)>| ProcessSpec {
        argv,
        cwd: dirs.tree.clone(),
        env,
        timeout: Duration::from_secs(check.timeout_s),
        log,
        read_only: settings.toolchain.read_only_dirs(),
        read_write: vec![
            dirs.tree.clone(),
            sealed.clone(),
            dirs.home.clone(),
            dirs.tmp.clone(),
            dirs.cargo_home.clone(),
            dirs.target.clone(),
            PathBuf::from("/dev/null"),
        ],
        limits: settings.check_limits,
    };
    let env = checks::environment(dirs, settings);
    let cargo = |args: &[&str]| -> Vec<String> {
        let mut argv = vec!["cargo".to_owned()];
        argv.extend(args.iter().map(|arg| (*arg).to_owned()));
        argv.push("--manifest-path".to_owned());
        argv.push(manifest.display().to_string());
        argv
    };

    // 1. The graded crate, built before any hidden file exists.
    fs::write(&manifest, sealed_manifest(plan, &dirs.tree)).map_err(io("write", &manifest))?;
    let build_log = base.join("sealed-build.log");
    let build = process::run(
        settings,
        &spec(
            cargo(&[
                "build",
                "--offline",
                "--message-format=json-render-diagnostics",
            ]),
            build_log.clone(),
            env.clone(),
        ),
    )?;
    let build_text = read_text(&build_log);
    let _ = writeln!(
        log,
        "sealed hidden tests: the graded crate is built first, the hidden tests after it by rustc, and they run with their sources removed\n--- build of the graded crate ---\n{}",
        without_messages(&build_text)
    );
    if !build.success() {
        return finish(check, dirs, invocation, build, &log, lock, None);
    }
    let externs = externs(plan, &build_text);

    // 2. The hidden tests, with the tripwire, compiled against it.
    let tests_dir = sealed.join("tests");
    fs::create_dir_all(&tests_dir).map_err(io("create", &tests_dir))?;
    let mut sources = String::new();
    for (_, _, content) in &plan.targets {
        sources.push_str(&String::from_utf8_lossy(content));
    }
    let name = tripwire::fresh_test_name(&sources, fresh);
    let tripwire = Tripwire {
        expect: Expect::PerBinary { name: name.clone() },
        appends: Vec::new(),
    };
    let appended = tripwire::rust_tripwire(&name, fresh);
    for (target, _, content) in &plan.targets {
        let file = tests_dir.join(format!("{target}.rs"));
        let mut bytes = content.clone();
        bytes.extend_from_slice(appended.as_bytes());
        FileEntry::regular(bytes)
            .write_to(&file)
            .map_err(io("write", &file))?;
    }
    let binaries = dirs.target.join("sealed-tests");
    fs::create_dir_all(&binaries).map_err(io("create", &binaries))?;
    let deps = dirs.target.join("debug").join("deps");
    let mut rustc_env = env.clone();
    rustc_env.extend(package_env(plan, &dirs.tree));
    let compile_log = base.join("sealed-compile.log");
    let mut compile = None;
    let mut executables = Vec::new();
    for (target, _, _) in &plan.targets {
        let executable = binaries.join(format!("{target}-{:016x}", fresh.next_u64()));
        let mut argv = vec![
            "rustc".to_owned(),
            "--crate-name".to_owned(),
            target.replace('-', "_"),
            "--edition".to_owned(),
            plan.edition.clone(),
            "--test".to_owned(),
            tests_dir.join(format!("{target}.rs")).display().to_string(),
            "-o".to_owned(),
            executable.display().to_string(),
            "-L".to_owned(),
            format!("dependency={}", deps.display()),
        ];
        for (name, path) in &externs {
            argv.push("--extern".to_owned());
            argv.push(format!("{name}={}", path.display()));
        }
        let mut target_env = rustc_env.clone();
        target_env.push(("CARGO_CRATE_NAME".to_owned(), target.replace('-', "_")));
        let compiled = process::run(settings, &spec(argv, compile_log.clone(), target_env))?;
        let _ = writeln!(
            log,
            "--- build of the hidden tests `{target}` ---\n{}",
            read_text(&compile_log).trim_end()
        );
        let failed = !compiled.success();
        compile = Some(match compile {
            Some(all) => merge_outcomes(all, compiled),
            None => compiled,
        });
        if failed {
            break;
        }
        executables.push((target.clone(), executable));
    }
    let compile = compile.unwrap_or(build);
    // 3. Their sources are gone before the code under test runs.
    fs::remove_dir_all(&sealed).map_err(io("remove", &sealed))?;
    if !compile.success() {
        return finish(
            check,
            dirs,
            invocation,
            compile,
            &log,
            lock,
            Some(&tripwire),
        );
    }

    let mut outcome = compile;
    outcome.duration = Duration::ZERO;
    let mut env = env;
    env.push((
        "CARGO_MANIFEST_DIR".to_owned(),
        dirs.tree.display().to_string(),
    ));
    for (target, path, _) in &plan.targets {
        let Some(executable) = executables
            .iter()
            .find(|(name, _)| name == target)
            .map(|(_, executable)| executable.clone())
        else {
            continue;
        };
        let run_log = base.join(format!("sealed-run-{target}.log"));
        let mut argv = vec![executable.display().to_string()];
        argv.extend(plan.test_args.iter().cloned());
        let ran = process::run(settings, &spec(argv, run_log.clone(), env.clone()))?;
        let _ = write!(
            log,
            "     Running {path} ({})\n{}",
            executable.display(),
            read_text(&run_log)
        );
        outcome = merge_outcomes(outcome, ran);
    }
    finish(
        check,
        dirs,
        invocation,
        outcome,
        &log,
        lock,
        Some(&tripwire),
    )
}

/// Judges the run from the assembled log and writes it as the check's log.
fn finish(
    check: &Check,
    dirs: &CheckDirs,
    invocation: Invocation,
    mut outcome: ProcessOutcome,
    log: &str,
    lock: Option<&LockedCheck>,
    tripwire: Option<&Tripwire>,
) -> Result<CheckRun, ChecksError> {
    fs::write(&dirs.log, log).map_err(io("write", &dirs.log))?;
    outcome.output_tail = tail(log, 30);
    let report = testreport::libtest::parse(log);
    let verdict = verdict::judge(&Evidence {
        format: ReportFormat::Libtest,
        process: &outcome,
        report: &report,
        lock,
        tripwire,
        partial: check.partial,
    });
    Ok(CheckRun {
        outcome,
        invocation,
        verdict,
        seed: None,
    })
}

/// The harness-made package: the graded crate (and its dev-dependencies) as dependencies
/// of an empty library, so building it builds them exactly as the hidden tests link them.
fn sealed_manifest(plan: &Plan, tree: &Path) -> String {
    let mut dependencies = plan.dev_dependencies.clone();
    for (_, spec) in dependencies.iter_mut() {
        if let Some(path) = spec.get("path").and_then(toml::Value::as_str) {
            let absolute = tree.join(path).display().to_string();
            if let Some(table) = spec.as_table_mut() {
                table.insert("path".into(), toml::Value::String(absolute));
            }
        }
    }
    let mut graded = toml::Table::new();
    graded.insert(
        "path".into(),
        toml::Value::String(tree.display().to_string()),
    );
    dependencies.insert(plan.package.clone(), toml::Value::Table(graded));
    let mut package = toml::Table::new();
    package.insert("name".into(), PACKAGE.into());
    package.insert("version".into(), "0.0.0".into());
    package.insert("edition".into(), plan.edition.clone().into());
    package.insert("publish".into(), false.into());
    package.insert("autotests".into(), false.into());
    package.insert("autobins".into(), false.into());
    package.insert("autoexamples".into(), false.into());
    package.insert("autobenches".into(), false.into());
    let mut lib = toml::Table::new();
    lib.insert("path".into(), "lib.rs".into());
    lib.insert("test".into(), false.into());
    lib.insert("doctest".into(), false.into());
    let mut root = toml::Table::new();
    root.insert("package".into(), toml::Value::Table(package));
    root.insert("lib".into(), toml::Value::Table(lib));
    root.insert("dependencies".into(), toml::Value::Table(dependencies));
    root.insert("workspace".into(), toml::Value::Table(toml::Table::new()));
    toml::to_string(&root).unwrap_or_default()
}

/// `--extern name=library` for each direct dependency of the harness-made package (the
/// graded crate under its library name, each dev-dependency under its key), from cargo's
/// JSON messages of step 1.
fn externs(plan: &Plan, messages: &str) -> Vec<(String, PathBuf)> {
    let artifacts: Vec<(String, String, Vec<PathBuf>)> = messages
        .lines()
        .filter(|line| line.starts_with('{'))
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| {
            message.get("reason").and_then(serde_json::Value::as_str) == Some("compiler-artifact")
        })
        .filter_map(|message| {
            let package = package_name(message.get("package_id")?.as_str()?)?;
            let target = message.pointer("/target/name")?.as_str()?.to_owned();
            let libraries = message
                .get("filenames")?
                .as_array()?
                .iter()
                .filter_map(serde_json::Value::as_str)
                .filter(|file| file.ends_with(".rlib") || file.ends_with(".so"))
                .map(PathBuf::from)
                .collect();
            Some((package, target, libraries))
        })
        .collect();
    let mut wanted: Vec<(String, String)> = plan
        .dev_dependencies
        .iter()
        .map(|(key, spec)| {
            let package = spec
                .get("package")
                .and_then(toml::Value::as_str)
                .unwrap_or(key)
                .to_owned();
            (key.replace('-', "_"), package)
        })
        .collect();
    wanted.push((String::new(), plan.package.clone()));
    let mut externs = Vec::new();
    for (name, package) in wanted {
        if let Some((_, target, libraries)) = artifacts
            .iter()
            .find(|(found, _, libraries)| *found == package && !libraries.is_empty())
        {
            let name = if name.is_empty() {
                target.clone()
            } else {
                name
            };
            externs.push((name, libraries[0].clone()));
        }
    }
    externs
}

/// A package's name from cargo's package id (`path+file:///t/w#wordfreq@0.3.1`,
/// `path+file:///t/wordfreq#0.3.1`, `registry+https://...#serde@1.0.0`, or the older
/// `wordfreq 0.3.1 (path+file:///t/w)`).
fn package_name(id: &str) -> Option<String> {
    if let Some((url, fragment)) = id.rsplit_once('#') {
        return match fragment.split_once('@') {
            Some((name, _)) => Some(name.to_owned()),
            None => url
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .map(str::to_owned),
        };
    }
    id.split_whitespace().next().map(str::to_owned)
}

/// The variables cargo gives a crate's compilation that tests read with `env!`.
fn package_env(plan: &Plan, tree: &Path) -> Vec<(String, String)> {
    vec![
        ("CARGO_MANIFEST_DIR".to_owned(), tree.display().to_string()),
        ("CARGO_PKG_NAME".to_owned(), plan.package.clone()),
        ("CARGO_PKG_VERSION".to_owned(), plan.version.clone()),
    ]
}

/// Cargo's output without its JSON messages.
fn without_messages(text: &str) -> String {
    text.lines()
        .filter(|line| !line.starts_with('{'))
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_owned()
}

/// The first failure wins; durations add up; a timeout or a limit anywhere counts.
fn merge_outcomes(mut all: ProcessOutcome, next: ProcessOutcome) -> ProcessOutcome {
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
    all
}

fn read_text(path: &Path) -> String {
    fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> ChecksError + 'a {
    move |source| ChecksError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests;
