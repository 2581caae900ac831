//! `harness meta`: resolve the arguments, run the loop, print the history and the frontier.

use std::path::PathBuf;
use std::time::Duration;

use super::args::MetaArgs;
use crate::frontier::Frontier;
use crate::message::{self, Exit};
use crate::meta::{self, MetaError, Options, history::Row};
use crate::plan::PlanError;
use crate::settings::{Settings, default_out_dir};

/// Why `harness meta` failed: its arguments, or the loop itself.
#[derive(Debug, thiserror::Error)]
enum MetaCommandError {
    /// `--fixtures` could not be resolved.
    #[error("failed to read {}: {source}", path.display())]
    ReadFixtures {
        /// As given.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The fixtures could not be loaded.
    #[error(transparent)]
    Fixtures(#[from] PlanError),
    /// The meta directory could not be created.
    #[error("failed to create {}: {source}", path.display())]
    CreateOut {
        /// As given (or the default).
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The meta directory could not be resolved.
    #[error("failed to resolve {}: {source}", path.display())]
    ResolveOut {
        /// As given (or the default).
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The loop stopped early.
    #[error(transparent)]
    Meta(#[from] MetaError),
}

/// `harness meta`.
pub fn meta(args: MetaArgs) -> Exit {
    match run(args) {
        Ok(()) => Exit::Ok,
        Err(error) => {
            message::error(&error.to_string());
            Exit::Error
        }
    }
}

fn run(args: MetaArgs) -> Result<(), MetaCommandError> {
    let fixtures_dir =
        std::fs::canonicalize(&args.fixtures).map_err(|source| MetaCommandError::ReadFixtures {
            path: args.fixtures.clone(),
            source,
        })?;
    let fixtures = crate::plan::load_fixtures(&fixtures_dir, &[])?;
    let dir = args.out.unwrap_or_else(|| default_out_dir().join("meta"));
    std::fs::create_dir_all(&dir).map_err(|source| MetaCommandError::CreateOut {
        path: dir.clone(),
        source,
    })?;
    let dir = std::fs::canonicalize(&dir).map_err(|source| MetaCommandError::ResolveOut {
        path: dir.clone(),
        source,
    })?;
    let options = Options {
        dir,
        fixtures_dir,
        proposer: absolutize(&args.proposer),
        iterations: args.iterations,
        candidates_per_proposal: usize::try_from(args.candidates_per_proposal)
            .unwrap_or(usize::MAX),
        seed: args.seed,
        resume: args.resume,
    };
    let mut settings = Settings::from_env();
    settings.agent_timeout = Duration::from_secs(args.agent_timeout);
    let finished = meta::run(&options, &fixtures, &settings)?;
    print_rows(&finished.rows);
    print_frontier(&finished.frontier);
    message::out(&message::meta_directory(&options.dir));
    Ok(())
}

/// The proposer runs in the meta directory, so a relative path in its command that names an
/// existing file here (`sh examples/proposer/propose.sh`) is made absolute. Only plain words
/// (no quotes, `$` or globs) are touched.
fn absolutize(command: &str) -> String {
    let Ok(cwd) = std::env::current_dir() else {
        return command.to_owned();
    };
    command
        .split(' ')
        .map(|word| {
            let plain = !word.is_empty()
                && word.contains('/')
                && !word.starts_with('/')
                && word
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-/+".contains(c));
            if plain && cwd.join(word).exists() {
                let path: PathBuf = cwd.join(word);
                crate::meta::evaluate::shell_quote(&path.display().to_string())
            } else {
                word.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn print_rows(rows: &[Row]) {
    message::out(&message::meta_table_header());
    for row in rows {
        message::out(&message::meta_table_row(&row.view()));
    }
}

fn print_frontier(frontier: &Frontier) {
    let unit = frontier
        .candidates
        .first()
        .map_or("bytes", |candidate| candidate.cost_unit.as_str());
    message::out(&message::meta_frontier_header(unit));
    for name in &frontier.pareto {
        if let Some(candidate) = frontier.candidates.iter().find(|c| &c.name == name) {
            message::out(&message::meta_frontier_line(&candidate.view()));
        }
    }
    if frontier.pareto.is_empty() {
        message::out(&message::meta_frontier_empty());
    }
}
