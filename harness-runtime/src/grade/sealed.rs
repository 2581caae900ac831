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

use super::checks::{self, CheckDirs, CheckRun, ChecksError, read_text};
use super::invocation::Invocation;
use super::shared_build::SharedBuild;
use super::testreport;
use super::tripwire::{self, Expect, Tripwire};
use super::verdict::{self, Evidence};
use crate::rng::Fresh;
use crate::settings::Settings;

mod manifest;
pub(crate) use manifest::graded_library;

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

/// How a sealed check takes part in the episode's shared build ([`super::shared_build`]).
#[derive(Debug)]
pub struct Sharing<'a> {
    /// The episode's shared build.
    pub shared: &'a mut SharedBuild,
    /// Link against the shared build's libraries when it has them all.
    pub reuse: bool,
    /// Take this check's step 1 as the shared build (a later check can use it).
    pub record: bool,
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
    sharing: Sharing<'_>,
) -> Result<CheckRun, ChecksError> {
    let mut session = Session::open(check, plan, dirs, settings)?;
    let invocation = Invocation {
        format: ReportFormat::Libtest,
        argv: check.run.clone(),
        junit: None,
    };
    // 1. The graded crate, built before any hidden file exists: by an earlier check of the
    //    episode, or now.
    let (build, externs) = match session.shared_externs(&sharing) {
        Some(externs) => (None, externs),
        None => {
            let (build, messages) = session.build_graded()?;
            if sharing.record && !build.timed_out {
                let messages = messages.clone();
                sharing
                    .shared
                    .record(&check.name, &dirs.target, messages, true);
            }
            if !build.success() {
                return finish(check, dirs, invocation, build, &session.log, lock, None);
            }
            (Some(build), manifest::externs(plan, &messages))
        }
    };
    // 2. The hidden tests, with the tripwire, compiled against it.
    let tripwire = session.write_hidden(fresh)?;
    let (compile, executables) = session.compile_hidden(&externs, fresh)?;
    let Some(compile) = compile.or(build) else {
        return Err(ChecksError::Fixture(format!(
            "sealed check `{}` has no hidden test target to build",
            check.name
        )));
    };
    // 3. Their sources are gone before the code under test runs.
    fs::remove_dir_all(&session.sealed).map_err(io("remove", &session.sealed))?;
    let outcome = if compile.success() {
        session.run_tests(compile, &executables)?
    } else {
        compile
    };
    finish(
        check,
        dirs,
        invocation,
        outcome,
        &session.log,
        lock,
        Some(&tripwire),
    )
}

/// The test binaries built: (target name, executable).
type Executables = Vec<(String, PathBuf)>;

/// One sealed run's places and the log it assembles.
struct Session<'a> {
    check: &'a Check,
    plan: &'a Plan,
    dirs: &'a CheckDirs,
    settings: &'a Settings,
    /// Where the logs go (beside the check's log).
    base: PathBuf,
    /// The harness-made package, deleted before the tests run.
    sealed: PathBuf,
    /// The check's environment.
    env: Vec<(String, String)>,
    log: String,
}

impl<'a> Session<'a> {
    /// Creates the harness-made package's directory, with the tree's `Cargo.lock`.
    fn open(
        check: &'a Check,
        plan: &'a Plan,
        dirs: &'a CheckDirs,
        settings: &'a Settings,
    ) -> Result<Session<'a>, ChecksError> {
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
        Ok(Session {
            check,
            plan,
            dirs,
            settings,
            base,
            sealed,
            env: checks::environment(dirs, settings),
            log: String::new(),
        })
    }

    /// A confined process in the graded tree, writing only the check's own directories.
    fn spec(&self, argv: Vec<String>, log: PathBuf, env: Vec<(String, String)>) -> ProcessSpec {
        let dirs = self.dirs;
        ProcessSpec {
            argv,
            cwd: dirs.tree.clone(),
            env,
            timeout: Duration::from_secs(self.check.timeout_s),
            log,
            read_only: self.settings.toolchain.read_only_dirs(),
            read_write: vec![
                dirs.tree.clone(),
                self.sealed.clone(),
                dirs.home.clone(),
                dirs.tmp.clone(),
                dirs.cargo_home.clone(),
                dirs.target.clone(),
                PathBuf::from("/dev/null"),
            ],
            limits: self.settings.check_limits,
            masked: self.dirs.masked.clone(),
        }
    }

    /// Step 1 done by an earlier check of the episode: the libraries of the shared build,
    /// when it used cargo's defaults and holds the graded crate and every dev-dependency.
    fn shared_externs(&mut self, sharing: &Sharing<'_>) -> Option<Vec<(String, PathBuf)>> {
        if !sharing.reuse {
            return None;
        }
        let messages = sharing.shared.default_messages_for(&self.dirs.target)?;
        let externs = manifest::externs(self.plan, &messages);
        let complete = externs.len() == self.plan.dev_dependencies.len() + 1
            && externs.iter().all(|(_, library)| library.is_file());
        if !complete {
            return None;
        }
        let _ = writeln!(
            self.log,
            "sealed hidden tests: the graded crate was built by check `{}` of this episode, before any hidden file existed; the hidden tests are built against it by rustc, and they run with their sources removed",
            sharing.shared.built_by().unwrap_or_default()
        );
        Some(externs)
    }

    /// Step 1: `cargo build` of the harness-made package; its outcome and cargo's output
    /// (JSON messages included, for [`manifest::externs`]).
    fn build_graded(&mut self) -> Result<(ProcessOutcome, String), ChecksError> {
        let manifest = self.sealed.join("Cargo.toml");
        fs::write(
            &manifest,
            manifest::sealed_manifest(self.plan, &self.dirs.tree),
        )
        .map_err(io("write", &manifest))?;
        let argv = [
            "cargo",
            "build",
            "--offline",
            "--message-format=json-render-diagnostics",
            "--manifest-path",
        ]
        .map(str::to_owned)
        .into_iter()
        .chain([manifest.display().to_string()])
        .collect();
        let build_log = self.base.join("sealed-build.log");
        let build = process::run(
            self.settings.check_policy(self.check.network),
            &self.spec(argv, build_log.clone(), self.env.clone()),
        )?;
        let messages = read_text(&build_log);
        let _ = writeln!(
            self.log,
            "sealed hidden tests: the graded crate is built first, the hidden tests after it by rustc, and they run with their sources removed\n--- build of the graded crate ---\n{}",
            checks::without_messages(&messages).trim_end()
        );
        Ok((build, messages))
    }

    /// Step 2a: the hidden test files, each with the same freshly named tripwire appended.
    fn write_hidden(&self, fresh: &mut Fresh) -> Result<Tripwire, ChecksError> {
        let tests_dir = self.sealed.join("tests");
        fs::create_dir_all(&tests_dir).map_err(io("create", &tests_dir))?;
        let mut sources = String::new();
        for (_, _, content) in &self.plan.targets {
            sources.push_str(&String::from_utf8_lossy(content));
        }
        let name = tripwire::fresh_test_name(&sources, fresh);
        let appended = tripwire::rust_tripwire(&name, fresh);
        for (target, _, content) in &self.plan.targets {
            let file = tests_dir.join(format!("{target}.rs"));
            let mut bytes = content.clone();
            bytes.extend_from_slice(appended.as_bytes());
            FileEntry::regular(bytes)
                .write_to(&file)
                .map_err(io("write", &file))?;
        }
        Ok(Tripwire {
            expect: Expect::PerBinary { name },
            appends: Vec::new(),
        })
    }

    /// Step 2b: each hidden target compiled by rustc against the step-1 libraries, until
    /// one fails. The merged outcome (`None` without targets) and the executables built.
    fn compile_hidden(
        &mut self,
        externs: &[(String, PathBuf)],
        fresh: &mut Fresh,
    ) -> Result<(Option<ProcessOutcome>, Executables), ChecksError> {
        let binaries = self.dirs.target.join("sealed-tests");
        fs::create_dir_all(&binaries).map_err(io("create", &binaries))?;
        let deps = self.dirs.target.join("debug").join("deps");
        let mut rustc_env = self.env.clone();
        rustc_env.extend(manifest::package_env(self.plan, &self.dirs.tree));
        let compile_log = self.base.join("sealed-compile.log");
        let mut compile: Option<ProcessOutcome> = None;
        let mut executables = Vec::new();
        for (target, _, _) in &self.plan.targets {
            let executable = binaries.join(format!("{target}-{:016x}", fresh.next_u64()));
            let crate_name = target.replace('-', "_");
            let source = self.sealed.join("tests").join(format!("{target}.rs"));
            let mut argv: Vec<String> = vec![
                "rustc".to_owned(),
                "--crate-name".to_owned(),
                crate_name.clone(),
                "--edition".to_owned(),
                self.plan.edition.clone(),
                "--test".to_owned(),
                source.display().to_string(),
                "-o".to_owned(),
                executable.display().to_string(),
                "-L".to_owned(),
                format!("dependency={}", deps.display()),
            ];
            for (name, path) in externs {
                argv.push("--extern".to_owned());
                argv.push(format!("{name}={}", path.display()));
            }
            let mut target_env = rustc_env.clone();
            target_env.push(("CARGO_CRATE_NAME".to_owned(), crate_name));
            let spec = self.spec(argv, compile_log.clone(), target_env);
            let compiled = process::run(self.settings.check_policy(self.check.network), &spec)?;
            let _ = writeln!(
                self.log,
                "--- build of the hidden tests `{target}` ---\n{}",
                read_text(&compile_log).trim_end()
            );
            let failed = !compiled.success();
            compile = Some(match compile {
                Some(all) => checks::merge_outcomes(all, compiled),
                None => compiled,
            });
            if failed {
                break;
            }
            executables.push((target.clone(), executable));
        }
        Ok((compile, executables))
    }

    /// Step 3: each test binary run in the graded tree; the outcomes merged into `compile`'s.
    fn run_tests(
        &mut self,
        compile: ProcessOutcome,
        executables: &[(String, PathBuf)],
    ) -> Result<ProcessOutcome, ChecksError> {
        let mut outcome = compile;
        outcome.duration = Duration::ZERO;
        let mut env = self.env.clone();
        env.push((
            "CARGO_MANIFEST_DIR".to_owned(),
            self.dirs.tree.display().to_string(),
        ));
        for (target, path, _) in &self.plan.targets {
            let Some((_, executable)) = executables.iter().find(|(name, _)| name == target) else {
                continue;
            };
            let run_log = self.base.join(format!("sealed-run-{target}.log"));
            let mut argv = vec![executable.display().to_string()];
            argv.extend(self.plan.test_args.iter().cloned());
            let ran = process::run(
                self.settings.check_policy(self.check.network),
                &self.spec(argv, run_log.clone(), env.clone()),
            )?;
            let _ = write!(
                self.log,
                "     Running {path} ({})\n{}",
                executable.display(),
                read_text(&run_log)
            );
            outcome = checks::merge_outcomes(outcome, ran);
        }
        Ok(outcome)
    }
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
