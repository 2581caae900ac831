//! One worker: takes the next candidate, plans and stages its fixture, validates it, and
//! hands the outcome to the recorder, which publishes accepted fixtures in order.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use git2::Repository;

use super::history::Candidate;
use super::plan::{self, Rejection, Stop};
use super::state::Decided;
use super::store::StoreError;
use super::write::Stored;
use super::{Answer, Context, MineError};
use crate::mine::state::Reason;

/// How a candidate was decided.
#[derive(Debug)]
pub enum Outcome {
    /// Valid: the fixture is staged here, its baseline tree is this.
    Accepted {
        /// The staging directory.
        staged: PathBuf,
        /// The baseline's tree.
        tree: git2::Oid,
        /// The oracle's and hidden files' trees.
        stored: Stored,
    },
    /// Rejected (nothing is left staged).
    Rejected(Rejection),
}

/// Takes candidates until there are none or `stop` is set.
pub fn run(
    ctx: &Context<'_>,
    pending: &[&Candidate],
    next: &AtomicUsize,
    stop: &AtomicBool,
    sender: &mpsc::Sender<Answer>,
) {
    let repo = Repository::open(&ctx.repo_path);
    loop {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let index = next.fetch_add(1, Ordering::SeqCst);
        let Some(candidate) = pending.get(index) else {
            return;
        };
        let started = Instant::now();
        let outcome = match &repo {
            Ok(repo) => decide(ctx, repo, candidate),
            Err(error) => Err(error.message().to_owned()),
        };
        if sender
            .send((index, outcome, started.elapsed().as_secs_f64()))
            .is_err()
        {
            return;
        }
    }
}

/// Plans, stages and validates one candidate.
fn decide(ctx: &Context<'_>, repo: &Repository, candidate: &Candidate) -> Result<Outcome, String> {
    let (mut draft, _) = match plan::draft(ctx, repo, candidate) {
        Ok(planned) => planned,
        Err(Stop::Rejected(rejection)) => return Ok(Outcome::Rejected(rejection)),
        Err(Stop::Failed(error)) => return Err(error),
    };
    let imported = {
        let store = ctx
            .store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        store
            .import_tree(repo, candidate.baseline_tree)
            .and_then(|_| {
                Ok(Stored {
                    oracle: store.write_files(&draft.oracle)?,
                    hidden: store.write_files(&draft.hidden_files)?,
                })
            })
    };
    let stored = match imported {
        Ok(stored) => stored,
        Err(StoreError::Submodule(path)) => {
            return Ok(Outcome::Rejected(Rejection::new(
                Reason::Unsupported,
                format!("the baseline has a submodule at `{path}`"),
            )));
        }
        Err(error) => return Err(error.to_string()),
    };
    draft.stored = Some(stored);
    let staged = ctx.staging.join(&draft.id);
    draft.write(&staged).map_err(|error| error.to_string())?;
    let validated = super::validate::validate(ctx, repo, candidate, &mut draft, &staged);
    if validated.is_err() {
        let _ = std::fs::remove_dir_all(&staged);
    }
    match validated {
        Ok(()) => Ok(Outcome::Accepted {
            staged,
            tree: candidate.baseline_tree,
            stored,
        }),
        Err(Stop::Rejected(rejection)) => Ok(Outcome::Rejected(rejection)),
        Err(Stop::Failed(error)) => Err(error),
    }
}

/// Records a decided candidate: an accepted one is moved into place and its baseline
/// pinned in the store first.
pub fn record(
    ctx: &Context<'_>,
    candidate: &Candidate,
    outcome: Outcome,
    seconds: f64,
) -> Result<Decided, MineError> {
    let id = plan::fixture_id(&ctx.repository, candidate);
    let (verdict, reason, detail) = match outcome {
        Outcome::Accepted {
            staged,
            tree,
            stored,
        } => {
            let target = ctx.options.out.join(&id);
            super::write::publish(&staged, &target).map_err(|error| MineError::Output {
                path: target.clone(),
                reason: error.to_string(),
            })?;
            let store = ctx
                .store
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            store.pin(&id, tree)?;
            store.pin_as("oracles", &id, stored.oracle)?;
            store.pin_as("hidden", &id, stored.hidden)?;
            ("accepted", None, String::new())
        }
        Outcome::Rejected(rejection) => ("rejected", Some(rejection.reason), rejection.detail),
    };
    Ok(Decided {
        id,
        commit: candidate.commit.to_string(),
        verdict: verdict.to_owned(),
        reason,
        detail,
        seconds: (seconds * 1000.0).round() / 1000.0,
    })
}

/// Drops an outcome that will not be recorded (past `--max`, or after an error).
pub fn discard(_ctx: &Context<'_>, outcome: Result<Outcome, String>) {
    if let Ok(Outcome::Accepted { staged, .. }) = outcome {
        let _ = std::fs::remove_dir_all(staged);
    }
}
