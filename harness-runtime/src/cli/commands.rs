//! The subcommands, thin over the library.

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use harness_fixture::FixtureKind;

use super::args::{ExportArgs, ReportArgs, RunArgs, ViewArgs};
use crate::agent::Agent;
use crate::case::{CaseSpec, run_case};
use crate::ledger::{self, RunDir};
use crate::message::{self, Exit};
use crate::plan;
use crate::report;
use crate::result::{CaseResult, CaseStatus};
use crate::settings::Settings;

/// `harness run`.
pub fn run(args: RunArgs) -> Exit {
    // Bad input about the agent is told before anything is loaded or swept.
    let agent = match plan::run_agent(&args.agent, args.agent_name.as_deref()) {
        Ok(agent) => agent,
        Err(error) => {
            message::error(&error.to_string());
            return Exit::Error;
        }
    };
    let typed = typed_request(&args);
    let planned = match plan::plan(&typed) {
        Ok(planned) => planned,
        Err(error) => {
            message::error(&error.to_string());
            return Exit::Error;
        }
    };
    let fixtures = planned.fixtures;
    let lock_problems: Vec<String> = fixtures
        .iter()
        .flat_map(|fixture| fixture.lock_problems())
        .collect();
    if !lock_problems.is_empty() {
        lock_problems
            .iter()
            .for_each(|problem| message::error(problem));
        return Exit::Error;
    }
    let settings = planned.settings;
    if settings.configured_lifetime() == harness_sandbox::Lifetime::Session {
        message::warning(&message::no_namespaces());
    }
    for stale in &planned.swept {
        message::note(&message::stale_episode_removed(stale));
    }
    let opened = match plan::open_run(&settings, args.resume.as_deref(), None) {
        Ok(opened) => opened,
        Err(error) => {
            message::error(&error.to_string());
            return Exit::Error;
        }
    };
    opened
        .warnings
        .iter()
        .for_each(|warning| message::warning(warning));
    let (run_dir, previous) = (opened.dir, opened.previous);

    let done: BTreeSet<String> = previous
        .iter()
        .filter(|result| result.status != CaseStatus::Errored)
        .map(|result| result.case.clone())
        .collect();
    let mut specs = case_specs(&fixtures, &agent, args.repeat);
    if let Some(shard) = typed.shard {
        let total = specs.len();
        specs = shard.select(specs, |spec| spec.case.as_str());
        message::note(&message::shard_selected(&shard, specs.len(), total));
    }
    specs.retain(|spec| !done.contains(&spec.case));
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let started = std::time::Instant::now();
    let (fresh, all_recorded) = execute(&specs, &settings, &run_dir, jobs);
    let elapsed = started.elapsed();
    let fresh_count = fresh.len();

    let mut results: Vec<CaseResult> = previous
        .into_iter()
        .filter(|result| done.contains(&result.case))
        .collect();
    results.extend(fresh);
    results.sort_by(|a, b| a.case.cmp(&b.case));
    message::out_text(&message::table_after_cases(&report::table::render(
        &results,
    )));
    let reports = match report::write_all(&run_dir.dir, &settings.out_dir, &results) {
        Ok(written) => written,
        Err(error) => {
            message::warning(&error.to_string());
            Vec::new()
        }
    };
    message::out(&message::throughput(
        fresh_count,
        elapsed,
        jobs,
        peak_rss_mib(),
    ));
    message::out(&message::run_recorded(
        &run_dir.run_id,
        &run_dir.dir,
        &report::file_names(&reports),
    ));
    if let Some(path) = &args.json {
        let json = serde_json::json!({"run_id": run_dir.run_id, "cases": results});
        let text = serde_json::to_string_pretty(&json).expect("results always serialise");
        if let Err(error) = std::fs::write(path, text) {
            message::error(&message::failed_to_write(path, error));
            return Exit::Error;
        }
    }
    run_exit(all_recorded, &results)
}

/// `harness run`'s request as typed, for the plan step.
fn typed_request(args: &RunArgs) -> plan::Typed {
    plan::Typed {
        fixtures: args.fixtures.clone(),
        only: args.only.clone(),
        agent_timeout: Some(args.agent_timeout),
        agent_files: args.agent_files.clone(),
        no_network: args.no_network,
        no_confine: args.no_confine,
        episode_disk: Some(args.episode_disk),
        strict: args.strict,
        no_cache: args.no_cache,
        run_all_checks: args.run_all_checks,
        out: args.out.clone(),
        sweep: true,
        shard: args.shard,
        ..plan::Typed::default()
    }
}

/// The cases of the run: each fixture (but a honeypot for the oracle, which has none)
/// `repeat` times.
fn case_specs(
    fixtures: &[Arc<harness_fixture::Fixture>],
    agent: &Agent,
    repeat: u32,
) -> Vec<CaseSpec> {
    let mut specs = Vec::new();
    for fixture in fixtures {
        if matches!(agent, Agent::Oracle) && fixture.contract.kind == FixtureKind::Honeypot {
            message::note(&message::honeypot_no_oracle(&fixture.id));
            continue;
        }
        for repetition in 1..=repeat {
            let mut spec = CaseSpec::new(fixture.clone(), agent.clone());
            if repeat > 1 {
                spec.case = format!("{}#{repetition}", spec.case);
            }
            specs.push(spec);
        }
    }
    specs
}

/// `harness run`'s exit: an error when a result went unrecorded or a case errored, else
/// failed unless every case passed.
fn run_exit(all_recorded: bool, results: &[CaseResult]) -> Exit {
    if !all_recorded
        || results
            .iter()
            .any(|result| result.status == CaseStatus::Errored)
    {
        Exit::Error
    } else if results.iter().all(|result| result.passed) {
        Exit::Ok
    } else {
        Exit::Failed
    }
}

/// The harness process's peak resident memory, in MiB.
fn peak_rss_mib() -> f64 {
    nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF)
        .map_or(0.0, |usage| usage.max_rss() as f64 / 1024.0)
}

/// Runs specs on `jobs` threads, recording each result as it ends. The flag says whether
/// every result reached the ledger (a full disk must not pass silently).
fn execute(
    specs: &[CaseSpec],
    settings: &Settings,
    run_dir: &RunDir,
    jobs: usize,
) -> (Vec<CaseResult>, bool) {
    let recorded = std::sync::atomic::AtomicBool::new(true);
    let results = execute_cases(specs, settings, run_dir, jobs, &recorded);
    (results, recorded.load(std::sync::atomic::Ordering::Relaxed))
}

fn execute_cases(
    specs: &[CaseSpec],
    settings: &Settings,
    run_dir: &RunDir,
    jobs: usize,
    recorded: &std::sync::atomic::AtomicBool,
) -> Vec<CaseResult> {
    let queue = Arc::new(Mutex::new(
        specs
            .iter()
            .cloned()
            .collect::<std::collections::VecDeque<_>>(),
    ));
    let (sender, receiver) = mpsc::channel::<CaseResult>();
    let progress = Progress::new(specs.len());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(specs.len().max(1)) {
            let queue = queue.clone();
            let sender = sender.clone();
            scope.spawn(move || {
                loop {
                    let next = queue
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .pop_front();
                    let Some(spec) = next else { break };
                    let output = run_case(&spec, settings, &run_dir.run_id);
                    if let Err(error) = run_dir.record(&output) {
                        message::error(&error.to_string());
                        recorded.store(false, std::sync::atomic::Ordering::Relaxed);
                    }
                    let _ = sender.send(output.result);
                }
            });
        }
        drop(sender);
        let mut results = Vec::new();
        for result in receiver {
            progress.case_done(&result);
            results.push(result);
        }
        progress.finish();
        results
    })
}

/// A progress bar on a terminal, plain lines otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new(total: usize) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} cases {elapsed} {msg}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar }
    }

    fn case_done(&self, result: &CaseResult) {
        match &self.bar {
            Some(bar) => {
                bar.set_message(result.case.clone());
                bar.inc(1);
            }
            None => message::out(&message::case_line(&result.view())),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `harness report`.
pub fn report(args: ReportArgs) -> Exit {
    let out = args
        .out
        .clone()
        .unwrap_or_else(crate::settings::default_out_dir);
    let runs = if args.runs.is_empty() {
        match std::fs::read_dir(out.join("runs")) {
            Ok(entries) => entries
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| path.is_dir())
                .collect(),
            Err(error) => {
                message::error(&message::failed_to_read(&out.join("runs"), error));
                return Exit::Error;
            }
        }
    } else {
        args.runs.clone()
    };
    match merge(&runs) {
        Ok(results) => {
            message::out_text(&report::table::render(&results));
            let sources: Vec<&Path> = runs.iter().map(PathBuf::as_path).collect();
            match report::write_merged(&out, &out, &results, &sources) {
                Ok(_) => Exit::Ok,
                Err(error) => {
                    message::error(&error.to_string());
                    Exit::Error
                }
            }
        }
        Err(error) => {
            message::error(&error);
            Exit::Error
        }
    }
}

/// `harness view`: writes the viewer of the runs into `<output root>/view/` and serves it
/// on 127.0.0.1 until interrupted.
pub fn view(args: ViewArgs) -> Exit {
    use report::viewer::server;
    let out = crate::settings::default_out_dir();
    let mut site = server::Site::new(out.join("view"), args.runs.clone(), out);
    let served = site.refresh().and_then(|shown| {
        let (runs, warnings) = shown.unwrap_or_default();
        warnings
            .iter()
            .for_each(|warning| message::warning(warning));
        Ok((server::bind(site, args.port)?, runs))
    });
    let (bound, runs) = match served {
        Ok(served) => served,
        Err(error) => {
            message::error(&error.to_string());
            return Exit::Error;
        }
    };
    message::out(&message::viewer_serving(&bound.url, runs));
    if args.open
        && let Err(error) = open_in_browser(&bound.url)
    {
        message::warning(&message::viewer_not_opened(&bound.url, &error));
    }
    bound.serve(message::warning);
    Exit::Ok
}

/// The desktop's way to open a URL (`xdg-open`, or `open` on macOS).
fn open_in_browser(url: &str) -> std::io::Result<()> {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(drop)
}

/// Merges the ledgers of several runs; the same case twice with different outcomes is an
/// error (two partitions disagree), identical duplicates are kept once.
pub fn merge(runs: &[PathBuf]) -> Result<Vec<CaseResult>, String> {
    let mut merged: BTreeMap<String, CaseResult> = BTreeMap::new();
    for run in runs {
        let ledger = run.join("ledger.jsonl");
        if !ledger.is_file() {
            return Err(message::run_without_ledger(run));
        }
        let (results, warnings) =
            ledger::read_ledger(&ledger).map_err(|error| error.to_string())?;
        warnings
            .iter()
            .for_each(|warning| message::warning(warning));
        for result in results {
            if let Some(known) = merged.get(&result.case) {
                if known.status != result.status
                    || known.reward != result.reward
                    || known.codes() != result.codes()
                {
                    return Err(message::runs_disagree(
                        &result.case,
                        &known.summary(),
                        &result.summary(),
                    ));
                }
                continue;
            }
            merged.insert(result.case.clone(), result);
        }
    }
    Ok(merged.into_values().collect())
}

/// `harness export --format atropos`.
pub fn export(args: ExportArgs) -> Exit {
    let (results, warnings) = match ledger::read_ledger(&args.run.join("ledger.jsonl")) {
        Ok(read) => read,
        Err(error) => {
            message::error(&error.to_string());
            return Exit::Error;
        }
    };
    warnings
        .iter()
        .for_each(|warning| message::warning(warning));
    let mut out = String::new();
    for result in results
        .iter()
        .filter(|result| result.status != CaseStatus::Errored)
    {
        let case_dir = args.run.join("cases").join(ledger::sanitize(&result.case));
        let events: Vec<serde_json::Value> =
            std::fs::read_to_string(case_dir.join("trajectory.jsonl"))
                .unwrap_or_default()
                .lines()
                .filter_map(|line| serde_json::from_str(line).ok())
                .collect();
        let agent_log = std::fs::read_to_string(case_dir.join("agent.log")).unwrap_or_default();
        let line = serde_json::json!({
            "fixture": result.fixture,
            "agent": result.agent,
            "reward": result.reward,
            "passed": result.passed,
            "trajectory": {"events": events, "agent_log": agent_log},
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    let written = match &args.output {
        Some(path) => {
            std::fs::write(path, out).map_err(|error| message::failed_to_write(path, error))
        }
        None => message::out_data(&out).map_err(message::stdout_write_failed),
    };
    match written {
        Ok(()) => Exit::Ok,
        Err(error) => {
            message::error(&error);
            Exit::Error
        }
    }
}
