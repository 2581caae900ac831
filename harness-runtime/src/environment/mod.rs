//! Environments (`[environment]` in a contract): what a fixture's agents and checks run
//! with, such as a Python venv with the repository's requirements or a crate's dependencies
//! and first build. Each distinct environment is built once, by its setup steps, in the cache
//! (`HARNESS_CACHE`, default `cache/` under the output root), keyed by a hash of its setup,
//! its `PATH` entries, the content of its input files and the toolchain's versions. Agents
//! and checks get it read-only; a failed setup makes the case errored, never failed.
//!
//! A Rust environment's build output (`{env}/target`) is where every check's
//! `CARGO_TARGET_DIR` starts: a copy that keeps the build's modification times, with the
//! grading tree's files stamped so cargo rebuilds exactly what differs from the baseline
//! ([`stamp`]).

mod build;
mod cache;
mod key;
pub mod stamp;
mod versions;

use std::path::PathBuf;

use harness_fixture::Fixture;

pub use build::{Progress, ensure};
pub use cache::{Listed, list, prune};
pub use key::key;
pub use versions::toolchain_versions;

use crate::settings::Settings;

/// What went wrong building or finding an environment.
#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    /// A file or directory of the cache could not be used.
    #[error("failed to {action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// Where.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A setup step could not be started or did not succeed.
    #[error(transparent)]
    SetupFailed(#[from] Box<SetupFailure>),
}

/// A setup step that could not be started or did not succeed.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "environment {key}: setup step {step} of {steps} (`{argv}`) {status}; log: {}\n{tail}",
    log.display()
)]
pub struct SetupFailure {
    /// The environment's key.
    pub key: String,
    /// 1-based.
    pub step: usize,
    /// How many steps there are.
    pub steps: usize,
    /// The step, as a shell would show it.
    pub argv: String,
    /// How it ended (`exited with 1`, `timed out after 1800 s`, `could not start: ...`).
    pub status: String,
    /// The setup's whole log.
    pub log: PathBuf,
    /// Its last lines.
    pub tail: String,
}

fn io_error(
    action: &'static str,
    path: impl Into<PathBuf>,
) -> impl FnOnce(std::io::Error) -> EnvironmentError {
    let path = path.into();
    move |source| EnvironmentError::Io {
        action,
        path,
        source,
    }
}

/// `settings` for a case of `fixture`: unchanged when it names no environment; else with
/// its environment built (now, if this is the first case that needs it) and applied
/// ([`Settings::with_environment`]).
pub fn for_fixture(
    fixture: &Fixture,
    settings: &Settings,
) -> Result<Option<Settings>, EnvironmentError> {
    let Some(environment) = &fixture.contract.environment else {
        return Ok(None);
    };
    let built = ensure(environment, &fixture.repo, settings, &Progress::terminal())?;
    Ok(Some(settings.with_environment(built)))
}
