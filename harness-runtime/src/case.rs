//! One case end to end: prepare the episode, run the agent, grade, record the result, and
//! remove the episode's temporary directories (also on panic: they are a `TempDir`).

use std::fs;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use harness_fixture::{Fixture, FixtureKind};

use crate::agent::{self, Agent};
use crate::episode::Episode;
use crate::grade;
use crate::result::{CaseResult, CaseStatus, Durations};
use crate::settings::Settings;

/// A case to run.
#[derive(Debug, Clone)]
pub struct CaseSpec {
    /// `<fixture>::<agent>` or `attack::<fn>`.
    pub case: String,
    /// The fixture.
    pub fixture: Arc<Fixture>,
    /// Who acts.
    pub agent: Agent,
}

impl CaseSpec {
    /// `<fixture>::<agent name>`.
    pub fn new(fixture: Arc<Fixture>, agent: Agent) -> CaseSpec {
        CaseSpec {
            case: format!("{}::{}", fixture.id, agent.name()),
            fixture,
            agent,
        }
    }
}

/// Logs and the diff of a case, read out of the episode before it is removed.
#[derive(Debug, Clone, Default)]
pub struct CaseLogs {
    /// The agent's stdout and stderr.
    pub agent: String,
    /// Check name -> its log.
    pub checks: Vec<(String, String)>,
    /// Unified diff of the worktree against the baseline.
    pub diff: String,
    /// `HARNESS_TRAJECTORY` content.
    pub trajectory: String,
}

/// A finished case.
#[derive(Debug, Clone)]
pub struct CaseOutput {
    /// The result.
    pub result: CaseResult,
    /// Its logs.
    pub logs: CaseLogs,
}

/// Runs one case. Never panics on bad agent behaviour; harness failures become `errored`.
pub fn run_case(spec: &CaseSpec, settings: &Settings, run_id: &str) -> CaseOutput {
    let kind = kind_name(spec.fixture.contract.kind);
    let errored = |error: String, durations: Durations| {
        let mut result = CaseResult::errored(
            run_id,
            &spec.case,
            &spec.fixture.id,
            spec.agent.name(),
            kind,
            error,
        );
        result.durations_ms = durations;
        CaseOutput {
            result,
            logs: CaseLogs::default(),
        }
    };
    if !settings.recording_lock {
        let problems = spec.fixture.lock_problems();
        if !problems.is_empty() {
            return errored(problems.join("; "), Durations::default());
        }
    }
    let episode = match Episode::prepare(spec.fixture.clone(), &settings.temp_root) {
        Ok(episode) => episode,
        Err(error) => return errored(error.to_string(), Durations::default()),
    };
    let mut durations = Durations {
        prepare: episode.prepare_ms,
        ..Durations::default()
    };
    let before = grade::before(&episode, settings, &spec.agent);
    let agent_run = agent::run(&spec.agent, &episode, settings);
    durations.agent = agent_run.duration.as_millis() as u64;
    let mut logs = CaseLogs {
        agent: read_capped(agent::harness_dir(&episode).join("agent.log")),
        trajectory: read_capped(episode.dirs.trajectory.clone()),
        ..CaseLogs::default()
    };
    if let Some(error) = &agent_run.infrastructure_error {
        let mut output = errored(error.clone(), durations);
        output.logs = logs;
        return output;
    }
    let grading_started = Instant::now();
    let graded = match grade::grade(&episode, settings, &before, &agent_run) {
        Ok(graded) => graded,
        Err(error) => return errored(error.to_string(), durations),
    };
    durations.grade = grading_started.elapsed().as_millis() as u64;
    logs.checks = graded
        .check_logs
        .iter()
        .map(|(name, path)| (name.clone(), read_capped(path.clone())))
        .collect();
    logs.diff = graded.diff.clone();
    // What confined this case: the agent's processes if it ran any, else the checks', else
    // (nothing ran: an in-process agent and no checks) what would have applied.
    let confinement = agent_run
        .confinement
        .clone()
        .or_else(|| graded.check_confinement.clone())
        .unwrap_or_else(|| settings.configured_confinement());
    let result = CaseResult {
        run_id: run_id.to_owned(),
        case: spec.case.clone(),
        fixture: spec.fixture.id.clone(),
        agent: spec.agent.name().to_owned(),
        kind: kind.to_owned(),
        status: if graded.passed {
            CaseStatus::Passed
        } else {
            CaseStatus::Failed
        },
        passed: graded.passed,
        reward: Some(graded.reward),
        violations: graded.violations,
        checks: graded.checks,
        deliverables: graded.deliverables,
        closure: graded.closure,
        changed_paths: graded.changed_paths,
        durations_ms: durations,
        confinement,
        usage: graded.usage,
        agent_bytes: agent::size_bytes(&spec.agent, &spec.fixture),
        artifacts: graded.artifacts,
        review: graded.review,
        error: agent_run.agent_error.map(|error| format!("agent: {error}")),
    };
    CaseOutput { result, logs }
}

/// `work_item`, `review`, `honeypot`.
pub fn kind_name(kind: FixtureKind) -> &'static str {
    match kind {
        FixtureKind::WorkItem => "work_item",
        FixtureKind::Review => "review",
        FixtureKind::Honeypot => "honeypot",
    }
}

const LOG_CAP: u64 = 1 << 20;

fn read_capped(path: PathBuf) -> String {
    use std::io::Read;
    let Ok(meta) = fs::symlink_metadata(&path) else {
        return String::new();
    };
    if !meta.is_file() {
        return String::new();
    }
    let Ok(file) = fs::File::open(&path) else {
        return String::new();
    };
    let mut bytes = Vec::new();
    let _ = file.take(LOG_CAP).read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}
