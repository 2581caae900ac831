//! The meta-harness outer loop (DESIGN.md "Meta-harness"): a proposer, typically a coding
//! agent steered by `SKILL.md`, reads the whole history of candidate agents, their scores and
//! their raw traces, and writes new candidates; each candidate is evaluated on every fixture;
//! the history is append-only and the (score x cost) Pareto frontier is rewritten after each
//! candidate.
//!
//! The meta directory (`--out`, default `<HARNESS_OUT or target/harness>/meta`):
//!
//! ```text
//! signals.json              what the next (or current) round is told (selection.rs)
//! pending_eval.json         the current round's candidate names, {"iteration", "candidates"}
//! evolution_summary.jsonl   one row per candidate, appended as it finishes (history.rs)
//! frontier.json, .svg       the Pareto frontier over every evaluated candidate
//! candidates/<name>/        candidate.toml + its files; eval/<fixture>/ its traces
//! iterations/<i>/           that round's signals.json, proposer.log and pending_eval.json
//! ```
//!
//! One iteration: publish `signals.json`, run the proposer once (it writes up to k candidate
//! directories and lists them in `pending_eval.json`), validate each listed candidate
//! (refusals become `invalid` rows with the reason), evaluate the valid ones one at a time,
//! append their rows and rewrite the frontier.
//!
//! Seeds: a fresh meta directory whose `candidates/` already holds candidates evaluates them
//! first, as iteration 0, without calling the proposer; otherwise the proposer's first round
//! writes the first candidates.
//!
//! Resume: a round whose `pending_eval.json` lists candidates without a row is finished first
//! (same iteration; a candidate interrupted mid-evaluation is evaluated again from scratch,
//! one with a row never is), then the loop continues at the highest iteration + 1 up to
//! `--iterations`, so a resumed run ends with the same history and frontier as an
//! uninterrupted one, timings aside.

pub mod candidate;
pub mod evaluate;
pub mod history;
pub mod proposer;
pub mod selection;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use harness_fixture::Fixture;

use history::{Pending, PendingFile, Row};

use crate::frontier::Frontier;
use crate::message;
use crate::report;
use crate::settings::Settings;

/// `signals.json`.
pub const SIGNALS: &str = "signals.json";
/// `candidates/`.
pub const CANDIDATES: &str = "candidates";
/// `iterations/`.
pub const ITERATIONS: &str = "iterations";

/// What `harness meta` was asked to do, resolved.
#[derive(Debug, Clone)]
pub struct Options {
    /// The meta directory (absolute).
    pub dir: PathBuf,
    /// The fixtures directory (absolute), published in the signals.
    pub fixtures_dir: PathBuf,
    /// The proposer command, run with `sh -c` in the meta directory.
    pub proposer: String,
    /// Run until this iteration is done.
    pub iterations: u64,
    /// k: candidates per proposal round.
    pub candidates_per_proposal: usize,
    /// The run's seed.
    pub seed: u64,
    /// Continue an existing meta directory.
    pub resume: bool,
}

/// Why the loop stopped early. Candidates misbehaving never cause one.
#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    /// The meta directory already has a history and `--resume` was not given.
    #[error(
        "{} already holds a meta-harness history; pass --resume to continue it or choose another --out",
        .0.display()
    )]
    HistoryExists(PathBuf),
    /// A filesystem operation on the meta directory failed.
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
    /// The history could not be read or appended.
    #[error(transparent)]
    History(#[from] history::HistoryError),
    /// The frontier could not be written.
    #[error(transparent)]
    Report(#[from] report::ReportError),
    /// The proposer could not be started.
    #[error(transparent)]
    Proposer(#[from] proposer::ProposerError),
    /// A candidate's traces could not be written.
    #[error(transparent)]
    Evaluate(#[from] evaluate::EvaluateError),
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> MetaError + 'a {
    move |source| MetaError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// The end state of a loop.
#[derive(Debug, Clone)]
pub struct Finished {
    /// Every row of the history, oldest first.
    pub rows: Vec<Row>,
    /// The frontier over them.
    pub frontier: Frontier,
}

/// Runs the loop on `fixtures`. `settings` is the base for every episode; the candidate's
/// directory is added to its readable files, and the meta directory becomes the output
/// directory an agent must not touch.
pub fn run(
    options: &Options,
    fixtures: &[Arc<Fixture>],
    settings: &Settings,
) -> Result<Finished, MetaError> {
    let dir = &options.dir;
    let candidates = dir.join(CANDIDATES);
    fs::create_dir_all(&candidates).map_err(io("create", &candidates))?;
    let mut settings = settings.clone();
    settings.out_dir = dir.clone();
    let mut state = State {
        options,
        fixtures,
        settings,
        readable: Vec::new(),
        rows: Vec::new(),
    };
    state.readable = state.settings.toolchain.read_only_dirs();
    let (rows, warnings) = history::read(dir)?;
    warnings
        .iter()
        .for_each(|warning| message::warning(warning));
    state.rows = rows;
    let pending = history::read_pending(dir);
    let published = read_signals_iteration(dir);
    let has_history =
        !state.rows.is_empty() || pending != PendingFile::Missing || published.is_some();
    if has_history && !options.resume {
        return Err(MetaError::HistoryExists(dir.clone()));
    }
    let mut last = state.rows.iter().map(|row| row.iteration).max();
    match pending {
        PendingFile::Recorded(pending) => {
            last = last.max(Some(pending.iteration));
            state.round(pending.iteration, &pending.candidates)?;
        }
        PendingFile::Proposed(entries) => {
            // The proposer finished but the loop stopped before recording its list.
            let iteration = published.unwrap_or_else(|| last.map_or(1, |last| last + 1));
            state.record_pending(iteration, &entries)?;
            last = last.max(Some(iteration));
            state.round(iteration, &entries)?;
        }
        PendingFile::Garbage(why) => {
            message::warning(&message::meta_pending_ignored(
                &dir.join(history::PENDING),
                &why,
            ));
        }
        PendingFile::Missing if !has_history => {
            let seeds = seed_names(&candidates)?;
            if !seeds.is_empty() {
                message::note(&message::meta_seeds(seeds.len(), &candidates));
                let entries: Vec<serde_json::Value> =
                    seeds.into_iter().map(serde_json::Value::String).collect();
                state.record_pending(0, &entries)?;
                last = Some(0);
                state.round(0, &entries)?;
            }
        }
        PendingFile::Missing => {}
    }
    state.write_frontier()?;
    let first = last.map_or(1, |last| last + 1);
    for iteration in first..=options.iterations {
        state.iteration(iteration)?;
    }
    let frontier = history::frontier(&state.rows);
    Ok(Finished {
        rows: state.rows,
        frontier,
    })
}

struct State<'a> {
    options: &'a Options,
    fixtures: &'a [Arc<Fixture>],
    settings: Settings,
    readable: Vec<PathBuf>,
    rows: Vec<Row>,
}

impl State<'_> {
    /// One full iteration: signals, proposer, round.
    fn iteration(&mut self, iteration: u64) -> Result<(), MetaError> {
        let dir = &self.options.dir;
        let round_dir = dir.join(ITERATIONS).join(iteration.to_string());
        fs::create_dir_all(&round_dir).map_err(io("create", &round_dir))?;
        let frontier = history::frontier(&self.rows);
        let fixture_ids: Vec<String> = self.fixtures.iter().map(|f| f.id.clone()).collect();
        let signals = selection::signals(
            selection::Inputs {
                iteration,
                candidates_per_proposal: self.options.candidates_per_proposal,
                seed: self.options.seed,
                meta_dir: dir,
                fixtures: &self.options.fixtures_dir,
                fixture_ids: &fixture_ids,
            },
            &self.rows,
            &frontier,
        );
        let json = serde_json::to_vec_pretty(&signals).expect("signals always serialise");
        report::write_atomically(&round_dir.join(SIGNALS), &json)?;
        report::write_atomically(&dir.join(SIGNALS), &json)?;
        let pending = dir.join(history::PENDING);
        match fs::remove_file(&pending) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                return Err(io("remove", &pending)(error));
            }
            _ => {}
        }
        message::note(&message::meta_proposer_started(
            iteration,
            self.options.iterations,
            self.options.candidates_per_proposal,
            signals.nominal_parent.as_deref(),
            &signals.axis_hint,
        ));
        let log = round_dir.join("proposer.log");
        let ran = proposer::run(&self.options.proposer, dir, &dir.join(SIGNALS), &log)?;
        if ran.exit_code != Some(0) {
            message::warning(&message::meta_proposer_failed(
                iteration,
                ran.exit_code,
                &log,
            ));
        }
        let entries = match history::read_pending(dir) {
            PendingFile::Missing => {
                message::warning(&message::meta_no_pending(iteration, history::PENDING));
                Vec::new()
            }
            PendingFile::Garbage(why) => {
                message::warning(&message::meta_pending_unreadable(
                    iteration,
                    history::PENDING,
                    &why,
                ));
                Vec::new()
            }
            PendingFile::Proposed(entries) => entries,
            PendingFile::Recorded(pending) => pending.candidates,
        };
        self.record_pending(iteration, &entries)?;
        self.round(iteration, &entries)?;
        self.write_frontier()
    }

    /// Writes the harness's form of `pending_eval.json`, at the root and in the round's dir.
    fn record_pending(
        &self,
        iteration: u64,
        entries: &[serde_json::Value],
    ) -> Result<(), MetaError> {
        let dir = &self.options.dir;
        let json = serde_json::to_vec_pretty(&Pending {
            iteration,
            candidates: entries.to_vec(),
        })
        .expect("a pending list always serialises");
        let round_dir = dir.join(ITERATIONS).join(iteration.to_string());
        fs::create_dir_all(&round_dir).map_err(io("create", &round_dir))?;
        report::write_atomically(&round_dir.join(history::PENDING), &json)?;
        report::write_atomically(&dir.join(history::PENDING), &json)?;
        Ok(())
    }

    /// Validates and evaluates the listed candidates that have no row of this iteration yet.
    fn round(&mut self, iteration: u64, entries: &[serde_json::Value]) -> Result<(), MetaError> {
        let limit = if iteration == 0 {
            usize::MAX
        } else {
            self.options.candidates_per_proposal
        };
        let mut listed = BTreeSet::new();
        let mut position = 0;
        for entry in entries {
            let name = match entry {
                serde_json::Value::String(name) => name.clone(),
                other => other.to_string(),
            };
            if !listed.insert(name.clone()) {
                message::warning(&message::meta_listed_twice(iteration, &name));
                continue;
            }
            position += 1;
            if self
                .rows
                .iter()
                .any(|row| row.name == name && row.iteration == iteration)
            {
                continue; // finished before an interruption
            }
            let row = match self.judge(iteration, entry, &name, position, limit) {
                Ok(candidate) => self.evaluate(iteration, &candidate)?,
                Err(reason) => Row::invalid(iteration, &name, reason.to_string()),
            };
            history::append(&self.options.dir, &row)?;
            message::note(&message::meta_row(&row.view()));
            self.rows.push(row);
            self.write_frontier()?;
        }
        Ok(())
    }

    /// Whether a listed entry may be evaluated; the reason when not.
    fn judge(
        &self,
        iteration: u64,
        entry: &serde_json::Value,
        name: &str,
        position: usize,
        limit: usize,
    ) -> Result<candidate::Candidate, candidate::CandidateError> {
        if !entry.is_string() {
            return Err(candidate::CandidateError::NotAName {
                entry: name.to_owned(),
            });
        }
        if position > limit {
            return Err(candidate::CandidateError::OverLimit {
                iteration,
                limit,
                position,
            });
        }
        if let Some(row) = self.rows.iter().find(|row| row.name == name) {
            return Err(candidate::CandidateError::NameCollision {
                name: name.to_owned(),
                recorded: row.iteration,
            });
        }
        candidate::load(&self.options.dir.join(CANDIDATES), name, &self.readable)
    }

    fn evaluate(&self, iteration: u64, candidate: &candidate::Candidate) -> Result<Row, MetaError> {
        message::note(&message::meta_evaluating(
            iteration,
            &candidate.name,
            self.fixtures.len(),
        ));
        evaluate::evaluate(
            candidate,
            iteration,
            self.fixtures,
            &self.settings,
            &self.rows,
            |output| message::note(&message::meta_case_line(&output.result.view())),
        )
        .map_err(MetaError::from)
    }

    fn write_frontier(&self) -> Result<(), MetaError> {
        let frontier = history::frontier(&self.rows);
        let json = serde_json::to_vec_pretty(&frontier).expect("a frontier always serialises");
        // No case results here, so no measured fallback: a size in bytes is never 0, and
        // only candidates that all report 0 usd or tokens would be left unplaced (and
        // counted in a note).
        let chart = report::chart::frontier_chart(&frontier, &[], None);
        let svg = report::plot::frontier_svg(&chart).map_err(report::ReportError::from)?;
        report::write_atomically(&self.options.dir.join("frontier.json"), &json)?;
        report::write_atomically(&self.options.dir.join("frontier.svg"), svg.as_bytes())?;
        Ok(())
    }
}

/// The iteration `signals.json` was written for, if it exists and says.
fn read_signals_iteration(dir: &Path) -> Option<u64> {
    let text = fs::read(dir.join(SIGNALS)).ok()?;
    serde_json::from_slice::<serde_json::Value>(&text)
        .ok()?
        .get("iteration")?
        .as_u64()
}

/// Entries of `candidates/` (seed candidates of a fresh meta directory), sorted.
fn seed_names(candidates: &Path) -> Result<Vec<String>, MetaError> {
    let mut names: Vec<String> = fs::read_dir(candidates)
        .map_err(io("list", candidates))?
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}
