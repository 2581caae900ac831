//! Reading a fixture's files: its id, its trees, its contract and `fixture.toml`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{FixtureError, Problem};
use crate::files::{Files, read_tree};
use crate::layout::{CONTRACT_PATH, FIXTURE_TOML, FixtureConfig, Layout};
use crate::path::RepoPath;
use crate::toml_source;

/// The fixture's id, its directory's name, once `dir` is known to be a fixture (a directory
/// with a `repo/`).
pub(super) fn fixture_id(dir: &Path) -> Result<String, FixtureError> {
    let repo_dir = dir.join("repo");
    if !dir.is_dir() {
        return Err(FixtureError::NotAFixture {
            dir: dir.to_path_buf(),
            reason: "no such directory".into(),
        });
    }
    if !repo_dir.is_dir() {
        return Err(FixtureError::NotAFixture {
            dir: dir.to_path_buf(),
            reason: "it has no `repo/` directory".into(),
        });
    }
    Ok(dir
        .file_name()
        .and_then(|name| name.to_str())
        .filter(|name| RepoPath::parse(name).is_ok_and(|path| !path.as_str().contains('/')))
        .ok_or_else(|| FixtureError::NotAFixture {
            dir: dir.to_path_buf(),
            reason: "its name is not a valid fixture id".into(),
        })?
        .to_owned())
}

pub(super) fn read_optional_tree(
    dir: &Path,
    problems: &mut Vec<Problem>,
) -> Result<Files, FixtureError> {
    if dir.is_dir() {
        read_tree(dir, dir, problems)
    } else {
        Ok(Files::new())
    }
}

/// The contract's file and text; a fixture without one is no fixture.
pub(super) fn read_contract(
    dir: &Path,
    layout: &Layout,
    id: &str,
) -> Result<(PathBuf, String), FixtureError> {
    let contract_file = dir.join("repo").join(layout.contract.as_str());
    match fs::read_to_string(&contract_file) {
        Ok(text) => Ok((contract_file, text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            Err(FixtureError::NotAFixture {
                dir: dir.to_path_buf(),
                reason: format!(
                    "it has no contract at repo/{CONTRACT_PATH} (nor at the legacy repo/evaluation/{id}.toml)"
                ),
            })
        }
        Err(source) => Err(FixtureError::Io {
            path: contract_file,
            source,
        }),
    }
}

/// `fixture.toml`'s file, its config (`None` without one) and its text (empty without one).
/// A config that does not parse ends the load with every problem so far.
pub(super) fn read_config(
    dir: &Path,
    problems: &mut Vec<Problem>,
) -> Result<(PathBuf, Option<FixtureConfig>, String), FixtureError> {
    let config_file = dir.join(FIXTURE_TOML);
    match fs::read_to_string(&config_file) {
        Ok(text) => {
            let config = parse_or_stop::<FixtureConfig>(&config_file, &text, problems)?;
            Ok((config_file, Some(config), text))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            Ok((config_file, None, String::new()))
        }
        Err(source) => Err(FixtureError::Io {
            path: config_file,
            source,
        }),
    }
}

/// Parses a TOML file; one that does not parse ends the load with every problem so far
/// (all of its own: every unknown key, say).
pub(super) fn parse_or_stop<T: serde::de::DeserializeOwned>(
    file: &Path,
    text: &str,
    problems: &mut Vec<Problem>,
) -> Result<T, FixtureError> {
    toml_source::parse_all::<T>(file, text).map_err(|found| {
        problems.extend(found);
        FixtureError::Invalid {
            problems: std::mem::take(problems),
        }
    })
}

/// Whether the contract text has a top-level `kind` key (the agent can read it).
pub(super) fn declares_kind(text: &str) -> bool {
    text.parse::<toml::Table>()
        .is_ok_and(|table| table.contains_key("kind"))
}
