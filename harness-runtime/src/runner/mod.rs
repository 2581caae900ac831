//! The `cargo test` runner: fixture cases and attack regressions as libtest-mimic trials.
//!
//! `tests/benchmark.rs` runs `<fixture>::noop`, `<fixture>::oracle` (and, for review
//! fixtures, the baseline policies) for every fixture plus every `#[work_item]`; with
//! `HARNESS_AGENT` set it runs `<fixture>::agent` instead. `tests/attacks/` runs every
//! `#[attack]`. Each case is recorded in the run ledger as it ends; the run ends with the
//! reward table and the frontier artifacts.

pub mod registry;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use libtest_mimic::{Arguments, Failed, Trial};

use crate::agent::{Agent, AgentNameError, ReviewPolicy};
use crate::case::{CaseOutput, CaseSpec, run_case};
use crate::grade::violation::ViolationCode;
use crate::ledger::RunDir;
use crate::message::{self, Exit};
use crate::plan;
use crate::report;
use crate::result::CaseResult;
use crate::settings::Settings;
use harness_fixture::{Fixture, FixtureKind};

pub use registry::{RegisteredAttack, RegisteredWorkItem};

/// Which cases a test binary runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    /// Fixture cases (noop, oracle, policies, `#[work_item]`, or `HARNESS_AGENT`).
    Benchmark,
    /// `#[attack]` regressions.
    Attacks,
}

/// Shared state of one test binary's run.
struct RunState {
    settings: Settings,
    run_dir: Option<RunDir>,
    fixtures: HashMap<String, Arc<Fixture>>,
    results: Mutex<Vec<CaseResult>>,
}

impl RunState {
    fn execute(&self, spec: &CaseSpec) -> CaseOutput {
        let run_id = self
            .run_dir
            .as_ref()
            .map_or("unrecorded", |dir| dir.run_id.as_str());
        let output = run_case(spec, &self.settings, run_id);
        if let Some(run_dir) = &self.run_dir
            && let Err(error) = run_dir.record(&output)
        {
            message::warning(&error.to_string());
        }
        message::out(&message::case_line(&output.result.view()));
        self.results
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(output.result.clone());
        output
    }

    /// The noop reward of a fixture, run once per process (shared with strict grading).
    fn noop_reward(&self, fixture: &Arc<Fixture>) -> Option<f64> {
        crate::case::noop_reward(fixture, &self.settings).ok()
    }
}

/// The fixtures directory of a test binary: `relative` under the root of the package the
/// test runs for. cargo and nextest set `CARGO_MANIFEST_DIR` when they run (or list) a test,
/// and nextest's `--workspace-remap DIR` points it into the checkout at `DIR`, so an archive
/// built on one machine reads the fixtures of the checkout on the machine that runs it. Only
/// when nothing set it (the binary run by hand) is `compiled`, the package root at compile
/// time, used.
pub fn fixtures_dir(compiled: &str, relative: &str) -> PathBuf {
    package_root(std::env::var_os("CARGO_MANIFEST_DIR"), compiled).join(relative)
}

/// The package root: the run-time `CARGO_MANIFEST_DIR` when set (and not empty), else the
/// compile-time one.
fn package_root(at_run_time: Option<OsString>, compiled: &str) -> PathBuf {
    at_run_time
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| PathBuf::from(compiled), PathBuf::from)
}

/// The entry point of a `harness = false` test binary: `tests/benchmark.rs` uses
/// `Suite::Benchmark`, `tests/attacks/` `Suite::Attacks`. `main!` passes the fixtures
/// directory from [`fixtures_dir`].
pub fn main(fixtures_dir: &Path, suite: Suite) -> ExitCode {
    let _ = harness_sandbox::become_subreaper();
    let args = Arguments::from_args();
    let listing = args.list;
    if !fixtures_dir.is_dir() {
        message::error(&message::no_fixtures_dir(
            fixtures_dir,
            std::env::var_os("CARGO_MANIFEST_DIR").is_some_and(|dir| !dir.is_empty()),
        ));
        return Exit::Error.into();
    }
    let typed = match plan::Typed::from_env(fixtures_dir, listing) {
        Ok(typed) => typed,
        Err(error) => {
            message::error(&error.to_string());
            return Exit::Error.into();
        }
    };
    let command_agent = match typed.command_agent() {
        Ok(agent) => agent,
        Err(error) => {
            message::error(&error.to_string());
            return Exit::Error.into();
        }
    };
    let planned = match plan::plan(&typed) {
        Ok(planned) => planned,
        Err(error) => {
            message::error(&error.to_string());
            return Exit::Error.into();
        }
    };
    for stale in &planned.swept {
        message::note(&message::stale_episode_removed(stale));
    }
    let run_dir = if listing {
        None
    } else {
        match plan::open_run(
            &planned.settings,
            None,
            std::env::var("NEXTEST_RUN_ID").ok(),
        ) {
            Ok(opened) => Some(opened.dir),
            Err(error) => {
                message::error(&error.to_string());
                return Exit::Error.into();
            }
        }
    };
    let fixtures = planned.fixtures;
    let settings = planned.settings;
    let state = Arc::new(RunState {
        settings,
        run_dir,
        fixtures: fixtures
            .iter()
            .map(|fixture| (fixture.id.clone(), fixture.clone()))
            .collect(),
        results: Mutex::new(Vec::new()),
    });
    let trials = match suite {
        Suite::Benchmark => benchmark_trials(&state, &fixtures, command_agent.as_ref()),
        Suite::Attacks => attack_trials(&state),
    };
    let trials = match (trials, typed.shard) {
        (Ok(trials), None) => trials,
        (Ok(trials), Some(shard)) => shard.select(trials, Trial::name),
        (Err(error), _) => {
            message::error(&error);
            return Exit::Error.into();
        }
    };
    let conclusion = libtest_mimic::run(&args, trials);
    if !listing {
        let tally = match (suite, command_agent.is_some()) {
            (Suite::Attacks, _) => message::LibtestTally::Attacks,
            (Suite::Benchmark, true) => message::LibtestTally::Agent,
            (Suite::Benchmark, false) => message::LibtestTally::Baselines,
        };
        finish(&state, suite, tally, &conclusion);
    }
    conclusion.exit_code()
}

fn benchmark_trials(
    state: &Arc<RunState>,
    fixtures: &[Arc<Fixture>],
    command_agent: Option<&Agent>,
) -> Result<Vec<Trial>, String> {
    let mut trials = Vec::new();
    if let Some(agent) = command_agent {
        // A name shared with a scripted agent would give both the same case names, which
        // `harness report` cannot merge.
        if let Some(item) = registry::work_items()
            .into_iter()
            .find(|item| item.name == agent.name())
        {
            return Err(AgentNameError::WorkItem {
                name: item.name.to_owned(),
            }
            .to_string());
        }
        for fixture in fixtures {
            let spec = CaseSpec::new(fixture.clone(), agent.clone());
            let state = state.clone();
            trials.push(Trial::test(spec.case.clone(), move || {
                let output = state.execute(&spec);
                episode_removed(&output)?;
                if output.result.passed {
                    Ok(())
                } else {
                    Err(failed(output.result.summary()))
                }
            }));
        }
        return Ok(trials);
    }
    for fixture in fixtures {
        let mut agents = vec![Agent::Noop];
        if fixture.contract.kind != FixtureKind::Honeypot {
            agents.push(Agent::Oracle);
        }
        if fixture.contract.kind == FixtureKind::Review {
            agents.extend(ReviewPolicy::BASELINES.map(Agent::Policy));
        }
        for agent in agents {
            let spec = CaseSpec::new(fixture.clone(), agent);
            let state = state.clone();
            trials.push(Trial::test(spec.case.clone(), move || {
                let output = state.execute(&spec);
                episode_removed(&output)?;
                baseline_invariant(&output)
            }));
        }
    }
    for item in registry::work_items() {
        let fixture = state
            .fixtures
            .get(item.fixture)
            .cloned()
            .ok_or_else(|| message::unknown_fixture("work_item", item.name, item.fixture))?;
        let spec = CaseSpec::new(
            fixture,
            Agent::Function {
                name: item.name.to_owned(),
                run: item.run,
            },
        );
        let expect_fail = item.expect_fail;
        let state = state.clone();
        trials.push(Trial::test(spec.case.clone(), move || {
            let output = state.execute(&spec);
            episode_removed(&output)?;
            match (output.result.passed, expect_fail) {
                (true, false) | (false, true)
                    if output.result.status != crate::CaseStatus::Errored =>
                {
                    Ok(())
                }
                _ => Err(failed(message::work_item_unexpected(
                    expect_fail,
                    &output.result.summary(),
                ))),
            }
        }));
    }
    trials.sort_by(|a, b| a.name().cmp(b.name()));
    Ok(trials)
}

/// The invariants of DESIGN.md for built-in agents: the oracle passes with 1.0; every other
/// baseline fails below it (approve_all may tie on a sound change).
fn baseline_invariant(output: &CaseOutput) -> Result<(), Failed> {
    let result = &output.result;
    let reward = result.reward.ok_or_else(|| failed(result.summary()))?;
    let ok = match result.agent.as_str() {
        "oracle" => result.passed && reward == 1.0,
        "approve_all" => reward < 1.0 || (result.passed && reward == 1.0),
        _ => !result.passed && reward < 1.0,
    };
    if ok {
        Ok(())
    } else {
        Err(failed(message::baseline_invariant_broken(
            &result.summary(),
        )))
    }
}

fn attack_trials(state: &Arc<RunState>) -> Result<Vec<Trial>, String> {
    let mut trials = Vec::new();
    for attack in registry::attacks() {
        let fixture = state
            .fixtures
            .get(attack.fixture)
            .cloned()
            .ok_or_else(|| message::unknown_fixture("attack", attack.name, attack.fixture))?;
        let expected: Vec<ViolationCode> = attack
            .violations
            .iter()
            .map(|code| {
                ViolationCode::parse(code)
                    .ok_or_else(|| message::attack_unknown_violation(attack.name, code))
            })
            .collect::<Result<_, _>>()?;
        let spec = CaseSpec {
            case: format!("attack::{}", attack.name),
            fixture: fixture.clone(),
            agent: Agent::Function {
                name: attack.name.to_owned(),
                run: attack.run,
            },
        };
        let state = state.clone();
        trials.push(Trial::test(spec.case.clone(), move || {
            let output = state.execute(&spec);
            episode_removed(&output)?;
            let noop = state.noop_reward(&fixture);
            attack_verdict(&output.result, &expected, noop)
        }));
    }
    Ok(trials)
}

/// Every case leaves nothing of its episode behind, whatever the agent did to its files
/// (DESIGN.md "Errored"): a directory that survived fails the case.
fn episode_removed(output: &CaseOutput) -> Result<(), Failed> {
    match &output.episode_dir {
        Some(dir) if std::fs::symlink_metadata(dir).is_ok() => Err(failed(
            message::episode_survived(dir, &output.result.summary()),
        )),
        _ => Ok(()),
    }
}

/// An attack regression passes when the episode reports every expected code, failed, and
/// scored at most the fixture's noop reward.
pub fn attack_verdict(
    result: &CaseResult,
    expected: &[ViolationCode],
    noop_reward: Option<f64>,
) -> Result<(), Failed> {
    let missing: Vec<&str> = expected
        .iter()
        .filter(|code| !result.has(**code))
        .map(|code| code.as_str())
        .collect();
    let reward = result
        .reward
        .ok_or_else(|| failed(message::attack_errored(&result.summary())))?;
    let noop = noop_reward.ok_or_else(|| failed(message::attack_noop_errored()))?;
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(message::attack_missing_violations(&missing));
    }
    if result.passed {
        problems.push(message::attack_passed());
    }
    if reward > noop {
        problems.push(message::attack_paid(reward, noop));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(failed(message::attack_not_caught(
            &problems,
            &result.summary(),
        )))
    }
}

/// The end of a run: the table, what libtest's tally above it means, the reports (not for
/// attacks, which are regressions, not candidates), and where all of it went.
fn finish(
    state: &RunState,
    suite: Suite,
    tally: message::LibtestTally,
    conclusion: &libtest_mimic::Conclusion,
) {
    let results = state
        .results
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    if results.is_empty() {
        return;
    }
    message::out(&message::table_after_cases(&report::table::render(
        &results,
    )));
    let graded_passed = results.iter().filter(|result| result.passed).count();
    message::out(&message::libtest_tally(
        tally,
        conclusion.num_passed,
        conclusion.num_failed,
        graded_passed,
    ));
    let Some(run_dir) = &state.run_dir else {
        return;
    };
    let reports = if suite == Suite::Attacks {
        Vec::new()
    } else {
        write_reports(state, run_dir, results)
    };
    message::out(&message::run_recorded(
        &run_dir.run_id,
        &run_dir.dir,
        &report::file_names(&reports),
    ));
}

/// Writes the reports of the whole run so far (under nextest each case is its own process)
/// and returns the files written in the run directory.
fn write_reports(state: &RunState, run_dir: &RunDir, results: Vec<CaseResult>) -> Vec<PathBuf> {
    let all = match run_dir.read() {
        Ok((all, warnings)) => {
            for warning in warnings {
                message::warning(&warning);
            }
            all
        }
        Err(error) => {
            message::warning(&error.to_string());
            results
        }
    };
    // Under nextest every case is its own process and others are still running agents:
    // rewriting the shared copies at the output root would race them (and look like
    // output forgery to their grading), so only the run directory is refreshed;
    // `harness report` refreshes the root.
    let root = if std::env::var_os("NEXTEST_RUN_ID").is_some() {
        &run_dir.dir
    } else {
        &state.settings.out_dir
    };
    match report::write_all(&run_dir.dir, root, &all) {
        Ok(written) => written,
        Err(error) => {
            message::warning(&error.to_string());
            Vec::new()
        }
    }
}

/// A failed trial's message, which libtest prints: control characters escaped as in
/// everything else the harness prints (`message::visible`), since it carries agent text.
fn failed(text: impl AsRef<str>) -> Failed {
    Failed::from(message::visible(text.as_ref()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_root_is_read_at_run_time_and_compiled_in_only_when_unset() {
        let compiled = "/built/here";
        assert_eq!(
            package_root(Some("/runs/there".into()), compiled),
            Path::new("/runs/there")
        );
        assert_eq!(package_root(None, compiled), Path::new(compiled));
        assert_eq!(package_root(Some("".into()), compiled), Path::new(compiled));
    }
}
