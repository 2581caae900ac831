//! Evaluating a candidate: its command as the agent on every fixture, one case at a time,
//! each case's raw traces kept under `candidates/<name>/eval/<fixture>/` (`agent.log`,
//! `checks/<check>.log`, `diff.patch`, `trajectory.jsonl`, and `result.json`, written last).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use harness_fixture::Fixture;

use super::candidate::{Candidate, EVAL_DIR};
use super::history::{self, Outcome, Row};
use crate::agent::Agent;
use crate::case::{CaseOutput, CaseSpec, run_case};
use crate::frontier::Totals;
use crate::ledger::sanitize;
use crate::result::CaseStatus;
use crate::settings::Settings;

/// The variable naming the candidate's directory in its agent's environment.
pub const CANDIDATE_DIR_VAR: &str = "HARNESS_CANDIDATE_DIR";

/// Why a candidate's traces could not be written. How the candidate behaves is graded, never
/// one of these.
#[derive(Debug, thiserror::Error)]
pub enum EvaluateError {
    /// A previous `eval/` could not be removed.
    #[error("failed to clear {}: {source}", path.display())]
    Clear {
        /// Where.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A trace's directory could not be created.
    #[error("failed to create {}: {source}", path.display())]
    CreateDir {
        /// Where.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A log, the diff or the trajectory could not be written.
    #[error("failed to write {}: {source}", path.display())]
    WriteTrace {
        /// Where.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A case's `result.json` could not be written.
    #[error(transparent)]
    WriteResult(#[from] crate::report::ReportError),
}

/// Evaluates `candidate` on `fixtures` and returns its summary row (not yet appended).
/// `rows` is the history so far (for the parent's score). Errors are trace-writing
/// failures only; how the candidate behaves is graded, never an error.
pub fn evaluate(
    candidate: &Candidate,
    iteration: u64,
    fixtures: &[Arc<Fixture>],
    settings: &Settings,
    rows: &[Row],
    mut on_case: impl FnMut(&CaseOutput),
) -> Result<Row, EvaluateError> {
    let eval = candidate.dir.join(EVAL_DIR);
    clear(&eval)?;
    let mut settings = settings.clone();
    settings.agent_files.push(candidate.dir.clone());
    // The variable goes into the environment, not in front of the command, so the
    // candidate's own first word is what the harness checks before each episode.
    settings.agent_env.push((
        CANDIDATE_DIR_VAR.to_owned(),
        candidate.dir.display().to_string(),
    ));
    let command = candidate.manifest.command.clone();
    let started = Instant::now();
    let cpu_before = children_cpu_seconds();
    let mut outputs = Vec::new();
    for fixture in fixtures {
        let mut spec = CaseSpec::new(fixture.clone(), Agent::command(command.clone()));
        spec.case = format!("{}::{}", fixture.id, candidate.name);
        let mut output = run_case(&spec, &settings, &format!("meta-{iteration}"));
        // A candidate's size is its directory (`eval/` excluded), in its results too, so
        // its frontier here and in a report of the same results count bytes alike.
        output.result.agent_bytes = candidate.bytes;
        on_case(&output);
        outputs.push(output);
    }
    let timing_s = started.elapsed().as_secs_f64();
    let cpu_s = (children_cpu_seconds() - cpu_before).max(0.0);
    // The traces are written once every case has run: the candidate's directory is readable
    // by its agent, and `eval/<fixture>/` appearing case by case would tell it the real ids
    // of the fixtures done so far (and, in their order, the one it is working on).
    for (fixture, output) in fixtures.iter().zip(&outputs) {
        write_traces(&eval.join(sanitize(&fixture.id)), output)?;
    }

    let graded: Vec<_> = outputs
        .iter()
        .map(|output| &output.result)
        .filter(|result| result.status != CaseStatus::Errored)
        .collect();
    let errored = outputs.len() - graded.len();
    let manifest = &candidate.manifest;
    let mut row = Row {
        parent: manifest.parent.clone(),
        axis: manifest.axis.clone(),
        hypothesis: manifest.hypothesis.clone(),
        timing_s: round3(timing_s),
        cpu_s: round3(cpu_s),
        errored,
        bytes: candidate.bytes,
        ..Row::invalid(iteration, &candidate.name, String::new())
    };
    row.reason = None;
    if graded.is_empty() {
        row.outcome = Outcome::Errored;
        row.reason = Some(
            outputs
                .iter()
                .find_map(|output| output.result.error.clone())
                .unwrap_or_else(|| "no fixture to evaluate on".into()),
        );
        return Ok(row);
    }
    let score = crate::reward::round6(
        graded
            .iter()
            .filter_map(|result| result.reward)
            .sum::<f64>()
            / graded.len() as f64,
    );
    row.outcome = Outcome::Evaluated;
    row.score = Some(score);
    row.cases = graded.len();
    row.passed = graded.iter().filter(|result| result.passed).count();
    let totals = Totals::of(&graded);
    row.usd = totals.usd;
    row.tokens = totals.tokens;
    let unit = totals.own_unit();
    (row.cost, row.cost_unit) = (Some(totals.cost(unit)), Some(unit));
    row.delta_vs_parent = manifest
        .parent
        .as_deref()
        .and_then(|parent| history::evaluated(rows, parent))
        .and_then(|parent| parent.score)
        .map(|parent| crate::reward::round6(score - parent));
    Ok(row)
}

/// Removes a previous (interrupted, or proposer-planted) `eval/` without following links.
fn clear(eval: &Path) -> Result<(), EvaluateError> {
    let result = match fs::symlink_metadata(eval) {
        Err(_) => Ok(()),
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(eval),
        Ok(_) => fs::remove_file(eval),
    };
    result.map_err(|source| EvaluateError::Clear {
        path: eval.to_path_buf(),
        source,
    })
}

fn write_traces(dir: &Path, output: &CaseOutput) -> Result<(), EvaluateError> {
    let write = |path: PathBuf, content: &[u8]| {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|source| EvaluateError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        fs::write(&path, content).map_err(|source| EvaluateError::WriteTrace { path, source })
    };
    write(dir.join("agent.log"), output.logs.agent.as_bytes())?;
    let hidden = |name: &str| {
        output
            .result
            .checks
            .iter()
            .any(|check| check.hidden && check.name == name)
    };
    for (name, log) in &output.logs.checks {
        if hidden(name) {
            continue;
        }
        write(
            dir.join("checks").join(format!("{}.log", sanitize(name))),
            log.as_bytes(),
        )?;
    }
    write(dir.join("diff.patch"), output.logs.diff.as_bytes())?;
    if !output.logs.trajectory.is_empty() {
        write(
            dir.join("trajectory.jsonl"),
            output.logs.trajectory.as_bytes(),
        )?;
    }
    let json = serde_json::to_vec_pretty(&without_hidden_details(&output.result))
        .expect("a case result always serialises");
    crate::report::write_atomically(&dir.join("result.json"), &json)?;
    Ok(())
}

/// `result` as the proposer may read it: a hidden check keeps its name, verdict and score,
/// but not its log, its output or its test ids (a TAP id or a failure's output states the
/// expected value: a proposer reading them could hand a candidate a table of answers, as
/// red-team round 5 did).
fn without_hidden_details(result: &crate::result::CaseResult) -> crate::result::CaseResult {
    let mut result = result.clone();
    for check in result.checks.iter_mut().filter(|check| check.hidden) {
        check.output_tail = String::from("[hidden check: details withheld from the proposer]");
        check.tests.clear();
        check.missing.clear();
    }
    result
}

/// `'...'` with embedded quotes escaped, for `sh`.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// User plus system CPU seconds of every child process waited for so far.
fn children_cpu_seconds() -> f64 {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_CHILDREN).map_or(0.0, |usage| {
        let seconds = |time: nix::sys::time::TimeVal| {
            time.tv_sec() as f64 + time.tv_usec() as f64 / 1_000_000.0
        };
        seconds(usage.user_time()) + seconds(usage.system_time())
    })
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quote_survives_quotes_and_spaces() {
        assert_eq!(shell_quote("/a b/c"), "'/a b/c'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
    }
}
