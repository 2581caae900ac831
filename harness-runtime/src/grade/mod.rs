//! Grading: trusts nothing the agent could write. One named stage after another
//! ([`stages`]): integrity (the filesystem snapshot, git metadata compared by meaning,
//! writes outside the sandbox), scope, the agent's budget, closure, the checks (each in a
//! fresh tree), deliverables and the review verdict. Grading finds; `crate::reward` scores
//! what it found.

pub mod cache;
mod checking;
pub mod checks;
pub mod deliverables;
pub mod differential;
pub mod integrity;
pub mod invocation;
pub mod outcome;
pub mod restore;
pub mod review;
pub mod scope;
pub mod sealed;
mod shared_build;
mod stages;
pub mod suspicion;
pub mod testreport;
pub mod tripwire;
pub mod ungradable;
pub mod verdict;
pub mod violation;

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use crate::agent::{Agent, AgentRun};
use crate::episode::Episode;
use crate::outside::OutsideWatch;
use crate::settings::Settings;
use crate::snapshot::SnapshotError;
use integrity::GitDigest;
use outcome::{
    ChangedPath, CheckResult, CheckScore, ClosureState, DeliverableResult, ReviewScore, Usage,
};
use violation::Violation;

/// Why grading could not finish (the harness's fault; the case errors).
#[derive(Debug, thiserror::Error)]
pub enum GradeError {
    /// The worktree could not be read.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// A grading tree could not be built or a check could not be started.
    #[error(transparent)]
    Checks(#[from] checks::ChecksError),
}

/// State captured just before the agent ran.
#[derive(Debug, Clone)]
pub struct Before {
    /// Git metadata digest.
    pub git: GitDigest,
    /// Locations outside the sandbox, watched only when something may run unconfined
    /// (Landlock makes such writes impossible; DESIGN: the watch is the fallback).
    pub outside: Option<OutsideWatch>,
    /// The output directory's files the harness alone writes.
    pub outputs: OutsideWatch,
}

/// Everything grading found.
#[derive(Debug, Clone, Default)]
pub struct Graded {
    /// Violations.
    pub violations: Vec<Violation>,
    /// Per check.
    pub checks: Vec<CheckResult>,
    /// Per deliverable.
    pub deliverables: Vec<DeliverableResult>,
    /// The work item's status as graded.
    pub closure: ClosureState,
    /// Changed paths and their fate.
    pub changed_paths: Vec<ChangedPath>,
    /// Each check as the reward formula reads it.
    pub scores: Vec<CheckScore>,
    /// The work item was left closed.
    pub closed: bool,
    /// Paths counted by the scope penalty.
    pub out_of_scope: usize,
    /// The agent ran past its budget or hit a resource limit.
    pub agent_unfinished: bool,
    /// Review breakdown.
    pub review: Option<ReviewScore>,
    /// Artifact name -> content.
    pub artifacts: BTreeMap<String, String>,
    /// Reported usage.
    pub usage: Usage,
    /// Check name -> log path (inside the episode; copy before the episode drops).
    pub check_logs: Vec<(String, PathBuf)>,
    /// Confinement the checks ran under.
    pub check_confinement: Option<String>,
    /// Unified diff of the worktree the agent left against the baseline.
    pub diff: String,
    /// What grading could not do (besides the violations that say so), for the case
    /// result's `error`.
    pub errors: Vec<String>,
    /// Suspicious constructs in the agent's change (evidence, not violations).
    pub suspicions: Vec<suspicion::Suspicion>,
}

/// Whether writes outside the sandbox must be watched for: the agent runs in-process (a
/// Rust function is never confined) or agents and checks run without Landlock.
pub fn needs_outside_watch(agent: &Agent, settings: &Settings) -> bool {
    matches!(agent, Agent::Function { .. }) || settings.configured_confinement() == "none"
}

/// Captures what grading compares against. Call right before `agent` runs.
pub fn before(episode: &Episode, settings: &Settings, agent: &Agent) -> Before {
    Before {
        git: GitDigest::take(&episode.dirs.common_git_dir),
        outside: needs_outside_watch(agent, settings)
            .then(|| OutsideWatch::capture(settings, episode.dirs.root())),
        outputs: OutsideWatch::capture_tree(&settings.out_dir),
    }
}

/// Grades the episode after every agent process is gone: the stages in order.
pub fn grade(
    episode: &Episode,
    settings: &Settings,
    before: &Before,
    agent: &AgentRun,
) -> Result<Graded, GradeError> {
    let fixture = &episode.fixture;
    let mut graded = Graded::default();
    let inspected = stages::integrity(episode, settings, before, &mut graded.violations);
    let judged = scope::judge(fixture, &episode.manifest, &inspected.snapshot);
    graded.violations.extend(judged.violations.iter().cloned());
    graded.changed_paths = judged.changed_paths.clone();
    graded.out_of_scope = judged.out_of_scope;
    graded.suspicions = suspicion::scan(
        &suspicion::Context::for_fixture(fixture),
        &episode.manifest,
        &judged.graded,
    );
    graded.usage = read_usage(&episode.dirs.usage);
    graded
        .violations
        .extend(stages::agent_budget(agent, settings));
    graded.agent_unfinished = agent.timed_out || agent.resource_limit.is_some();
    let (closure, closed, closure_violations) = stages::closure(fixture, &judged.graded);
    graded.closure = closure;
    graded.closed = closed;
    graded.violations.extend(closure_violations);
    graded.diff = inspected.snapshot.unified_diff(&episode.manifest);
    checking::checks(episode, settings, &judged, inspected, &mut graded)?;
    graded.deliverables = stages::deliverables(fixture, &judged.graded, &episode.manifest);
    graded.review = stages::review(fixture, &judged.graded, &mut graded.violations);
    graded
        .violations
        .extend(stages::honeypot(fixture, &graded.scores));
    graded.violations.sort();
    graded.violations.dedup();
    Ok(graded)
}

/// The most tokens one usage line may report.
const MAX_TOKENS_PER_LINE: f64 = 1e12;
/// The most dollars one usage line may report.
const MAX_USD_PER_LINE: f64 = 1e9;

/// Sums the JSON lines of `HARNESS_USAGE`; lines that do not parse are skipped, and sums
/// stay finite whatever the lines say (a result must always serialise and read back).
pub fn read_usage(path: &std::path::Path) -> Usage {
    #[derive(serde::Deserialize)]
    struct Line {
        input_tokens: Option<f64>,
        output_tokens: Option<f64>,
        usd: Option<f64>,
    }
    let mut usage = Usage::default();
    let Ok(meta) = fs::symlink_metadata(path) else {
        return usage;
    };
    if !meta.is_file() || meta.len() > 16 << 20 {
        return usage;
    }
    let Ok(text) = fs::read_to_string(path) else {
        return usage;
    };
    for line in text.lines() {
        let Ok(parsed) = serde_json::from_str::<Line>(line) else {
            continue;
        };
        // Values past these are not usage but an attempt to overflow it (a sum of two
        // `1e308` is infinite, which JSON cannot hold): such a line is skipped.
        let valid = |value: Option<f64>, cap: f64| {
            value.filter(|value| value.is_finite() && (0.0..=cap).contains(value))
        };
        if let Some(tokens) = valid(parsed.input_tokens, MAX_TOKENS_PER_LINE) {
            usage.input_tokens = usage.input_tokens.saturating_add(tokens as u64);
            usage.reported_tokens = true;
        }
        if let Some(tokens) = valid(parsed.output_tokens, MAX_TOKENS_PER_LINE) {
            usage.output_tokens = usage.output_tokens.saturating_add(tokens as u64);
            usage.reported_tokens = true;
        }
        if let Some(usd) = valid(parsed.usd, MAX_USD_PER_LINE) {
            usage.usd = (usage.usd + usd).min(MAX_USD_PER_LINE * 1e6);
            usage.reported_usd = true;
        }
    }
    usage
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_sums_stay_finite_whatever_the_agent_reports() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("usage.jsonl");
        fs::write(
            &path,
            "{\"usd\": 1e308}\n{\"usd\": 1e308}\n{\"usd\": 0.25, \"input_tokens\": 1e30}\n{\"usd\": -1}\n{\"output_tokens\": 7}\nnot json\n",
        )
        .unwrap();
        let usage = read_usage(&path);
        assert_eq!(usage.usd, 0.25);
        assert_eq!((usage.input_tokens, usage.output_tokens), (0, 7));
        let mut many = String::new();
        for _ in 0..2000 {
            many.push_str("{\"usd\": 1e9, \"input_tokens\": 1e12}\n");
        }
        fs::write(&path, many).unwrap();
        let usage = read_usage(&path);
        assert!(usage.usd.is_finite() && usage.usd <= 1e15);
        assert_eq!(usage.input_tokens, 2_000_000_000_000_000);
        let json = serde_json::to_string(&usage).unwrap();
        assert_eq!(
            serde_json::from_str::<Usage>(&json).unwrap(),
            usage,
            "{json}"
        );
    }
}
