//! `harness mine`: a repository's history into validated fixtures, the way SWE-bench builds
//! tasks, without any network service.
//!
//! - [`history`] finds the candidates: non-merge commits changing both code and tests
//!   ([`classify`] says which paths are which).
//! - [`plan`] turns one into a [`write::Draft`]: the parent's tree is the baseline (copied
//!   once into the shared [`store`]), the commit's non-test change is the oracle, its test
//!   files the hidden check, the rest of the suite the visible check ([`detect`] finds the
//!   runner and the environment), the fix's paths widened the scope.
//! - [`validate`] runs it as `check-fixture --write-lock --repeat N --audit` would, with
//!   each failure mapped to a [`state::Reason`]; [`statement`] words the work item.
//! - This module runs candidates `--jobs` at a time, in staging directories, and records
//!   them strictly in history order: a fixture is moved into place (one rename) and the
//!   state file (`.mine-state.json`, [`state`]) rewritten only when every earlier candidate
//!   is recorded, so `--max N` accepts the same N whatever the jobs, and `--resume` after a
//!   kill continues from a prefix of the decisions an uninterrupted run makes.

pub mod classify;
pub mod detect;
pub mod history;
pub mod plan;
pub mod progress;
pub mod state;
pub mod statement;
pub mod store;
pub mod validate;
mod worker;
pub mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

use git2::Repository;

use crate::settings::Settings;
use classify::Language;
use history::Candidate;
use progress::{Progress, Tally};
use state::{Decided, MineState, STATE_FILE};
use statement::StatementMode;
use store::{STORE_DIR, Store};

/// The staging directory's name in the output directory.
pub const STAGING_DIR: &str = ".staging";

/// What `harness mine` was asked to do.
#[derive(Debug, Clone)]
pub struct MineOptions {
    /// The repository.
    pub repo: PathBuf,
    /// Where fixtures go.
    pub out: PathBuf,
    /// `A..B`, else the history from HEAD.
    pub rev_range: Option<String>,
    /// Stop once this many fixtures are accepted.
    pub max: Option<usize>,
    /// How statements are written.
    pub statement: StatementMode,
    /// `--test-cmd`, split into words.
    pub test_cmd: Option<Vec<String>>,
    /// `--setup` steps, each split into words.
    pub setup: Vec<Vec<String>>,
    /// Runs of oracle and noop per candidate.
    pub repeat: u32,
    /// Candidates validated at once.
    pub jobs: usize,
    /// Continue the run recorded in the output directory.
    pub resume: bool,
    /// Most files the fix may change.
    pub max_fix_files: usize,
    /// Most lines (added + removed) the fix may change.
    pub max_fix_lines: usize,
}

impl MineOptions {
    /// The options that decide verdicts, as one string: a resume with other ones is refused.
    fn fingerprint(&self) -> String {
        format!(
            "rev-range={:?} statement={:?} test-cmd={:?} setup={:?} repeat={} max-fix-files={} max-fix-lines={}",
            self.rev_range,
            self.statement,
            self.test_cmd,
            self.setup,
            self.repeat,
            self.max_fix_files,
            self.max_fix_lines
        )
    }
}

/// Why mining could not run (a candidate's own failure is a rejection, never this).
#[derive(Debug, thiserror::Error)]
pub enum MineError {
    /// The repository could not be opened or has no code the miner knows.
    #[error("failed to mine {repo}: {reason}")]
    Repository {
        /// The repository.
        repo: PathBuf,
        /// Why.
        reason: String,
    },
    /// The history could not be read.
    #[error(transparent)]
    History(#[from] history::HistoryError),
    /// The shared store could not be opened.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// The state file could not be read or written.
    #[error(transparent)]
    State(#[from] state::StateError),
    /// The output directory could not be prepared.
    #[error("failed to prepare {path}: {reason}")]
    Output {
        /// The directory.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// What one shared mining run knows, for every worker.
#[derive(Debug)]
pub struct Context<'a> {
    /// The options.
    pub options: &'a MineOptions,
    /// Settings of every case run.
    pub settings: Settings,
    /// The repository, absolute.
    pub repo_path: PathBuf,
    /// Its name: the fixture ids' prefix.
    pub repository: String,
    /// Its language.
    pub language: Language,
    /// The staging directory.
    pub staging: PathBuf,
    /// The shared store.
    pub store: Mutex<Store>,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct MineSummary {
    /// The final table's numbers.
    pub tally: Tally,
    /// Every decided candidate (earlier runs' first).
    pub decided: Vec<Decided>,
}

/// Mines `options.repo` into `options.out`.
pub fn mine(options: &MineOptions, settings: &Settings) -> Result<MineSummary, MineError> {
    let repo_error = |reason: String| MineError::Repository {
        repo: options.repo.clone(),
        reason,
    };
    let repo =
        Repository::open(&options.repo).map_err(|error| repo_error(error.message().to_owned()))?;
    let repo_path: PathBuf = std::path::absolute(repo.workdir().unwrap_or(repo.path()))
        .map_err(|error| repo_error(error.to_string()))?
        .components()
        .collect();
    let language = repository_language(&repo, options.rev_range.as_deref()).map_err(repo_error)?;
    let candidates = history::candidates(&repo, language, options.rev_range.as_deref())?;
    let mut state = prepare_output(options, &repo_path)?;
    let ctx = Context {
        options,
        settings: mining_settings(settings, &options.out),
        repository: repository_name(&repo_path),
        repo_path,
        language,
        staging: options.out.join(STAGING_DIR),
        store: Mutex::new(Store::open_or_init(&options.out.join(STORE_DIR))?),
    };
    prepare_staging(&ctx.staging)?;
    let resumed = state.decided.len();
    let accepted_before = state
        .decided
        .iter()
        .filter(|decided| decided.accepted())
        .count();
    let pending: Vec<&Candidate> = candidates
        .iter()
        .filter(|candidate| state.get(&candidate.commit.to_string()).is_none())
        .collect();
    let max = options.max.unwrap_or(usize::MAX);
    let failed = if accepted_before < max {
        run_pending(&ctx, &pending, &mut state, max - accepted_before)?
    } else {
        0
    };
    let _ = std::fs::remove_dir_all(&ctx.staging);
    Ok(MineSummary {
        tally: Tally::of(candidates.len(), &state.decided, resumed, failed),
        decided: state.decided,
    })
}

/// The language of the history's newest tree: a root `Cargo.toml` is Rust, else Python.
fn repository_language(repo: &Repository, range: Option<&str>) -> Result<Language, String> {
    let tip = match range {
        Some(range) => {
            let end = range.rsplit("..").next().unwrap_or(range);
            repo.revparse_single(if end.is_empty() { "HEAD" } else { end })
        }
        None => repo.revparse_single("HEAD"),
    }
    .and_then(|object| object.peel_to_tree())
    .map_err(|error| error.message().to_owned())?;
    let view =
        detect::TreeView::read(repo, tip.id()).map_err(|error| error.message().to_owned())?;
    detect::language(&view)
        .ok_or_else(|| "it has neither a root Cargo.toml nor Python files".to_owned())
}

/// The repository's directory name (`.git` dropped), reduced to `[a-z0-9._-]`.
fn repository_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = name.strip_suffix(".git").unwrap_or(&name);
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_matches(['-', '.']).to_owned();
    if cleaned.is_empty() {
        "repo".to_owned()
    } else {
        cleaned
    }
}

/// Settings for every case: the output directory is hidden from agents and checks too.
fn mining_settings(settings: &Settings, out: &Path) -> Settings {
    let mut settings = settings.clone();
    settings.hidden_dirs.push(out.to_path_buf());
    settings
}

/// Makes the output directory; reads the state to resume (`--resume`), or refuses a
/// directory that holds one without it.
fn prepare_output(options: &MineOptions, repo_path: &Path) -> Result<MineState, MineError> {
    let out = &options.out;
    std::fs::create_dir_all(out).map_err(|error| MineError::Output {
        path: out.clone(),
        reason: error.to_string(),
    })?;
    let fresh = MineState {
        repository: repo_path.display().to_string(),
        options: options.fingerprint(),
        decided: Vec::new(),
    };
    match (MineState::read(out)?, options.resume) {
        (None, _) => Ok(fresh),
        (Some(_), false) => Err(MineError::Output {
            path: out.clone(),
            reason: crate::message::mine_state_exists(STATE_FILE),
        }),
        (Some(state), true)
            if state.repository != fresh.repository || state.options != fresh.options =>
        {
            Err(MineError::Output {
                path: out.clone(),
                reason: crate::message::mine_state_differs(
                    STATE_FILE,
                    &state.repository,
                    &state.options,
                ),
            })
        }
        (Some(state), true) => Ok(state),
    }
}

/// A fresh staging directory (what a killed run left there is dropped), with the store
/// reachable from a staged fixture as from a published one (`../.baselines.git`).
fn prepare_staging(staging: &Path) -> Result<(), MineError> {
    let fail = |error: std::io::Error| MineError::Output {
        path: staging.to_path_buf(),
        reason: error.to_string(),
    };
    if staging.exists() {
        std::fs::remove_dir_all(staging).map_err(fail)?;
    }
    std::fs::create_dir_all(staging).map_err(fail)?;
    std::os::unix::fs::symlink(Path::new("..").join(STORE_DIR), staging.join(STORE_DIR))
        .map_err(fail)
}

/// A worker's answer for one candidate.
type Answer = (usize, Result<worker::Outcome, String>, f64);

/// Decides `pending` with `--jobs` workers and records them in order until `max` more are
/// accepted. Returns how many could not be decided.
fn run_pending(
    ctx: &Context<'_>,
    pending: &[&Candidate],
    state: &mut MineState,
    max: usize,
) -> Result<usize, MineError> {
    let progress = Progress::new(pending.len());
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let jobs = ctx.options.jobs.max(1).min(pending.len().max(1));
    let (sender, receiver) = mpsc::channel::<Answer>();
    let result = std::thread::scope(|scope| {
        for _ in 0..jobs {
            let sender = sender.clone();
            let (next, stop) = (&next, &stop);
            scope.spawn(move || worker::run(ctx, pending, next, stop, &sender));
        }
        drop(sender);
        let mut recorder = Recorder {
            ctx,
            pending,
            state,
            progress: &progress,
            waiting: BTreeMap::new(),
            next: 0,
            accepted: 0,
            max,
            failed: 0,
        };
        let mut outcome = Ok(());
        for answer in receiver {
            if outcome.is_ok() {
                outcome = recorder.receive(answer);
            } else {
                recorder.discard(answer);
            }
            if recorder.accepted >= max || outcome.is_err() {
                stop.store(true, Ordering::SeqCst);
            }
        }
        outcome.map(|()| recorder.failed)
    });
    progress.finish();
    result
}

/// Records answers strictly in candidate order.
struct Recorder<'a, 'b> {
    ctx: &'a Context<'b>,
    pending: &'a [&'a Candidate],
    state: &'a mut MineState,
    progress: &'a Progress,
    waiting: BTreeMap<usize, (Result<worker::Outcome, String>, f64)>,
    next: usize,
    accepted: usize,
    max: usize,
    failed: usize,
}

impl Recorder<'_, '_> {
    fn receive(&mut self, (index, outcome, seconds): Answer) -> Result<(), MineError> {
        self.waiting.insert(index, (outcome, seconds));
        while let Some((outcome, seconds)) = self.waiting.remove(&self.next) {
            let candidate = self.pending[self.next];
            self.next += 1;
            if self.accepted >= self.max {
                worker::discard(self.ctx, outcome);
                continue;
            }
            match outcome {
                Ok(outcome) => {
                    let decided = worker::record(self.ctx, candidate, outcome, seconds)?;
                    self.accepted += usize::from(decided.accepted());
                    self.state.decided.push(decided.clone());
                    self.state.write(&self.ctx.options.out)?;
                    self.progress.decided(&decided);
                }
                Err(error) => {
                    self.failed += 1;
                    let id = plan::fixture_id(&self.ctx.repository, candidate);
                    self.progress.failed(&id, &error);
                }
            }
        }
        Ok(())
    }

    fn discard(&mut self, (_, outcome, _): Answer) {
        worker::discard(self.ctx, outcome);
    }
}
