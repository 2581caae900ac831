//! A candidate: a directory `candidates/<name>/` holding `candidate.toml` and the files its
//! command uses. Validation turns whatever a proposer wrote into either a [`Candidate`] or the
//! reason it cannot be evaluated; it never fails the loop.

use std::fs;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

/// The file every candidate directory holds.
pub const MANIFEST: &str = "candidate.toml";
/// The subdirectory the harness writes a candidate's evaluation traces into; the proposer's
/// copy of it (if any) is replaced, and it never counts towards the candidate's size.
pub const EVAL_DIR: &str = "eval";
/// Longest accepted `candidate.toml`.
const MANIFEST_CAP: u64 = 64 * 1024;
/// Longest accepted candidate name.
const NAME_CAP: usize = 64;

/// `candidate.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Run with `sh -c` in the episode's worktree, as the agent.
    pub command: String,
    /// The candidate this one was derived from.
    #[serde(default)]
    pub parent: Option<String>,
    /// The exploitation axis explored (e.g. `"C=Selection/ordering heuristics"`).
    #[serde(default)]
    pub axis: Option<String>,
    /// What the change is expected to do, and why.
    #[serde(default)]
    pub hypothesis: Option<String>,
}

/// Why a listed candidate cannot be evaluated: the reason its `invalid` row records.
#[derive(Debug, thiserror::Error)]
pub enum CandidateError {
    /// The pending list's entry is not a JSON string.
    #[error("{entry} is not a candidate name (a JSON string)")]
    NotAName {
        /// The entry, as JSON.
        entry: String,
    },
    /// More candidates listed than `--candidates-per-proposal` allows.
    #[error(
        "iteration {iteration} may propose at most {limit} candidate(s) (--candidates-per-proposal); this is number {position}"
    )]
    OverLimit {
        /// The round.
        iteration: u64,
        /// k.
        limit: usize,
        /// Where in the list this one stands (from 1).
        position: usize,
    },
    /// The name already has a row.
    #[error(
        "name collision: {name} was already recorded in iteration {recorded}; a new candidate needs a new name"
    )]
    NameCollision {
        /// The name.
        name: String,
        /// The iteration of its row.
        recorded: u64,
    },
    /// The name is empty.
    #[error("the name is empty")]
    EmptyName,
    /// The name starts with something other than a letter or digit.
    #[error(
        "the name `{name}` must start with a letter or digit (names are directories under candidates/)"
    )]
    NameStart {
        /// The name.
        name: String,
    },
    /// The name is longer than 64 characters.
    #[error("the name is longer than {NAME_CAP} characters")]
    NameTooLong,
    /// The name holds a character other than `[A-Za-z0-9._-]`.
    #[error("the name `{name}` holds `{bad}`; only letters, digits, `.`, `_` and `-` are allowed")]
    NameCharacter {
        /// The name.
        name: String,
        /// The first character refused.
        bad: char,
    },
    /// `candidates/<name>` does not exist.
    #[error("no candidate directory candidates/{name}")]
    Missing {
        /// The name.
        name: String,
    },
    /// `candidates/<name>` is a symlink.
    #[error("candidates/{name} is a symlink, not a directory")]
    Symlink {
        /// The name.
        name: String,
    },
    /// `candidates/<name>` is a file or something else.
    #[error("candidates/{name} is not a directory")]
    NotADirectory {
        /// The name.
        name: String,
    },
    /// `candidates/<name>` could not be resolved.
    #[error("failed to resolve candidates/{name}: {source}")]
    Resolve {
        /// The name.
        name: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A directory inside the candidate could not be listed.
    #[error("failed to list {}: {source}", path.display())]
    List {
        /// Where, relative to the candidate directory.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A file inside the candidate could not be inspected.
    #[error("failed to inspect {}: {source}", path.display())]
    Inspect {
        /// Where, relative to the candidate directory.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A symlink inside the candidate could not be read.
    #[error("failed to read link {}: {source}", path.display())]
    ReadLink {
        /// Where, relative to the candidate directory.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A symlink inside the candidate points outside it.
    #[error(
        "path escapes the candidate directory: {} -> {}",
        path.display(),
        target.display()
    )]
    Escapes {
        /// The link, relative to the candidate directory.
        path: PathBuf,
        /// Where it points.
        target: PathBuf,
    },
    /// A FIFO, socket or device inside the candidate.
    #[error("{} is not a regular file, directory or symlink", path.display())]
    SpecialFile {
        /// Where, relative to the candidate directory.
        path: PathBuf,
    },
    /// `candidate.toml` is missing.
    #[error("no {MANIFEST} in candidates/{name}")]
    NoManifest {
        /// The name.
        name: String,
    },
    /// `candidate.toml` is a directory, symlink or special file.
    #[error("candidates/{name}/{MANIFEST} is not a regular file")]
    ManifestNotAFile {
        /// The name.
        name: String,
    },
    /// `candidate.toml` is longer than 64 KiB.
    #[error("candidates/{name}/{MANIFEST} is larger than {MANIFEST_CAP} bytes")]
    ManifestTooLarge {
        /// The name.
        name: String,
    },
    /// `candidate.toml` could not be read.
    #[error("failed to read candidates/{name}/{MANIFEST}: {source}")]
    ReadManifest {
        /// The name.
        name: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// `candidate.toml` does not parse.
    #[error("candidates/{name}/{MANIFEST}: {source}")]
    Manifest {
        /// The name.
        name: String,
        /// Cause.
        #[source]
        source: ManifestError,
    },
    /// The command names an existing file outside the candidate and the toolchain.
    #[error(
        "the command names {}, outside the candidate directory (use $HARNESS_CANDIDATE_DIR/... for the candidate's own files)",
        path.display()
    )]
    CommandOutside {
        /// The file, resolved.
        path: PathBuf,
    },
}

/// Why `candidate.toml` does not parse.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file is not UTF-8.
    #[error("not UTF-8")]
    NotUtf8(#[source] std::str::Utf8Error),
    /// The file is not TOML, or not a manifest.
    #[error("{}", toml_summary(.0))]
    Toml(#[source] toml::de::Error),
    /// `command` is blank.
    #[error("`command` is empty")]
    EmptyCommand,
}

/// toml's text is "<where>", a source excerpt, then "<what>": keep the first and last.
fn toml_summary(error: &toml::de::Error) -> String {
    let text = error.to_string();
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    match (lines.first(), lines.last()) {
        (Some(first), Some(last)) if lines.len() > 1 => format!("{first}: {last}"),
        _ => text.trim().to_owned(),
    }
}

/// A validated candidate, ready to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Its name (the directory name).
    pub name: String,
    /// Its directory, absolute.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Bytes of its files (`eval/` excluded; a symlink counts its target's length).
    pub bytes: u64,
}

/// Whether `name` is acceptable as a candidate directory name: 1 to 64 characters of
/// `[A-Za-z0-9._-]`, starting with a letter or digit (so never `.`, `..` or a path).
pub fn valid_name(name: &str) -> Result<(), CandidateError> {
    let mut chars = name.chars();
    match chars.next() {
        None => return Err(CandidateError::EmptyName),
        Some(first) if !first.is_ascii_alphanumeric() => {
            return Err(CandidateError::NameStart {
                name: name.to_owned(),
            });
        }
        Some(_) => {}
    }
    if name.len() > NAME_CAP {
        return Err(CandidateError::NameTooLong);
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._-".contains(*c)))
    {
        return Err(CandidateError::NameCharacter {
            name: name.to_owned(),
            bad,
        });
    }
    Ok(())
}

/// Validates `candidates/<name>/`. `readable` lists directories every agent may read anyway
/// (the toolchain): a command naming an existing file elsewhere outside the candidate is
/// refused, because the harness grants a command read access to the files it names.
pub fn load(
    candidates: &Path,
    name: &str,
    readable: &[PathBuf],
) -> Result<Candidate, CandidateError> {
    valid_name(name)?;
    let owned = || name.to_owned();
    let dir = candidates.join(name);
    let meta = match fs::symlink_metadata(&dir) {
        Ok(meta) => meta,
        Err(_) => return Err(CandidateError::Missing { name: owned() }),
    };
    if meta.file_type().is_symlink() {
        return Err(CandidateError::Symlink { name: owned() });
    }
    if !meta.is_dir() {
        return Err(CandidateError::NotADirectory { name: owned() });
    }
    let dir = fs::canonicalize(&dir).map_err(|source| CandidateError::Resolve {
        name: owned(),
        source,
    })?;
    let bytes = walk(&dir, &dir, true)?;
    let manifest_path = dir.join(MANIFEST);
    let manifest = match fs::symlink_metadata(&manifest_path) {
        Err(_) => return Err(CandidateError::NoManifest { name: owned() }),
        Ok(meta) if !meta.is_file() => {
            return Err(CandidateError::ManifestNotAFile { name: owned() });
        }
        Ok(meta) if meta.len() > MANIFEST_CAP => {
            return Err(CandidateError::ManifestTooLarge { name: owned() });
        }
        Ok(_) => parse_manifest(&fs::read(&manifest_path).map_err(|source| {
            CandidateError::ReadManifest {
                name: owned(),
                source,
            }
        })?)
        .map_err(|source| CandidateError::Manifest {
            name: owned(),
            source,
        })?,
    };
    check_command(&manifest.command, &dir, readable)?;
    Ok(Candidate {
        name: name.to_owned(),
        dir,
        manifest,
        bytes,
    })
}

/// Parses `candidate.toml`: `command` is required and must not be blank.
pub fn parse_manifest(bytes: &[u8]) -> Result<Manifest, ManifestError> {
    let text = std::str::from_utf8(bytes).map_err(ManifestError::NotUtf8)?;
    let manifest: Manifest = toml::from_str(text).map_err(ManifestError::Toml)?;
    if manifest.command.trim().is_empty() {
        return Err(ManifestError::EmptyCommand);
    }
    Ok(manifest)
}

/// Sums the size of `dir`'s files, refusing symlinks that leave `root`, special files, and
/// anything that cannot be read. `eval/` at the top is skipped (the harness owns it) unless it
/// is a symlink, which is refused like any other escape.
fn walk(root: &Path, dir: &Path, top: bool) -> Result<u64, CandidateError> {
    let rel = |path: &Path| path.strip_prefix(root).unwrap_or(path).to_path_buf();
    let list = |source| CandidateError::List {
        path: rel(dir),
        source,
    };
    let listing = fs::read_dir(dir).map_err(list)?;
    let mut entries: Vec<_> = listing
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()
        .map_err(list)?;
    entries.sort();
    let mut bytes = 0;
    for path in entries {
        let meta = fs::symlink_metadata(&path).map_err(|source| CandidateError::Inspect {
            path: rel(&path),
            source,
        })?;
        let kind = meta.file_type();
        if kind.is_symlink() {
            let target = fs::read_link(&path).map_err(|source| CandidateError::ReadLink {
                path: rel(&path),
                source,
            })?;
            if escapes(root, &path, &target) {
                return Err(CandidateError::Escapes {
                    path: rel(&path),
                    target,
                });
            }
            bytes += target.as_os_str().len() as u64;
        } else if kind.is_dir() {
            if top && path.file_name().is_some_and(|name| name == EVAL_DIR) {
                continue;
            }
            bytes += walk(root, &path, false)?;
        } else if kind.is_file() {
            bytes += meta.len();
        } else {
            return Err(CandidateError::SpecialFile { path: rel(&path) });
        }
    }
    Ok(bytes)
}

/// Whether the symlink at `link` (inside `root`) pointing at `target` resolves outside `root`,
/// judged lexically (an absolute target, or `..` climbing past `root`) and, when it exists,
/// by resolving it.
fn escapes(root: &Path, link: &Path, target: &Path) -> bool {
    if target.is_absolute() {
        return true;
    }
    let mut depth = link
        .parent()
        .and_then(|parent| parent.strip_prefix(root).ok())
        .map_or(0, |rel| rel.components().count() as i64);
    for component in target.components() {
        match component {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return true,
        }
        if depth < 0 {
            return true;
        }
    }
    fs::canonicalize(link).is_ok_and(|resolved| !resolved.starts_with(root))
}

/// Refuses a command that names an existing file outside the candidate directory and the
/// toolchain: the harness lets a confined agent read the files its command names, so such a
/// name would open, say, a fixture's answer key to the candidate.
fn check_command(command: &str, dir: &Path, readable: &[PathBuf]) -> Result<(), CandidateError> {
    for word in command.split_whitespace() {
        let word = word.trim_matches(|c| c == '\'' || c == '"');
        if !word.contains('/') {
            continue;
        }
        let Ok(path) = fs::canonicalize(word) else {
            continue;
        };
        if path.starts_with(dir) || readable.iter().any(|root| path.starts_with(root)) {
            continue;
        }
        return Err(CandidateError::CommandOutside { path });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(root: &Path, name: &str, manifest: &str) -> PathBuf {
        let dir = root.join(name);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(MANIFEST), manifest).unwrap();
        dir
    }

    #[test]
    fn names_are_plain_directory_names() {
        for good in ["a", "r1-noop", "v2.1_x"] {
            assert!(valid_name(good).is_ok(), "{good}");
        }
        for bad in ["", "..", ".", "../x", "a/b", "-x", "a b", "é"] {
            assert!(valid_name(bad).is_err(), "{bad}");
        }
        assert!(valid_name(&"x".repeat(65)).is_err());
    }

    #[test]
    fn manifest_needs_a_command_and_rejects_unknown_keys() {
        let ok =
            parse_manifest(b"command = \"sh run.sh\"\nparent = \"a\"\naxis = \"A\"\n").unwrap();
        assert_eq!(ok.parent.as_deref(), Some("a"));
        assert!(
            parse_manifest(b"parent = \"a\"")
                .unwrap_err()
                .to_string()
                .contains("command")
        );
        assert!(
            parse_manifest(b"command = \"  \"")
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        assert!(parse_manifest(b"command = \"x\"\ncomand = \"y\"").is_err());
        assert!(parse_manifest(b"this is = not [toml").is_err());
        assert!(parse_manifest(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn load_counts_bytes_without_eval() {
        let root = tempfile::tempdir().unwrap();
        let dir = candidate(root.path(), "c", "command = \"true\"\n");
        fs::write(dir.join("a.sh"), "12345").unwrap();
        fs::create_dir_all(dir.join("eval/x")).unwrap();
        fs::write(dir.join("eval/x/result.json"), "x".repeat(1000)).unwrap();
        std::os::unix::fs::symlink("a.sh", dir.join("link")).unwrap();
        let loaded = load(root.path(), "c", &[]).unwrap();
        assert_eq!(loaded.bytes, "command = \"true\"\n".len() as u64 + 5 + 4);
        assert_eq!(loaded.manifest.command, "true");
    }

    #[test]
    fn load_refuses_escapes_and_non_directories() {
        let root = tempfile::tempdir().unwrap();
        let dir = candidate(root.path(), "abs", "command = \"true\"\n");
        std::os::unix::fs::symlink("/etc/passwd", dir.join("leak")).unwrap();
        assert!(
            load(root.path(), "abs", &[])
                .unwrap_err()
                .to_string()
                .contains("escapes")
        );

        let dir = candidate(root.path(), "rel", "command = \"true\"\n");
        fs::create_dir_all(dir.join("sub")).unwrap();
        std::os::unix::fs::symlink("../../abs", dir.join("sub/up")).unwrap();
        assert!(
            load(root.path(), "rel", &[])
                .unwrap_err()
                .to_string()
                .contains("escapes")
        );

        let dir = candidate(root.path(), "evil-eval", "command = \"true\"\n");
        std::os::unix::fs::symlink("/tmp", dir.join(EVAL_DIR)).unwrap();
        assert!(
            load(root.path(), "evil-eval", &[])
                .unwrap_err()
                .to_string()
                .contains("escapes")
        );

        fs::write(root.path().join("file"), "x").unwrap();
        assert!(
            load(root.path(), "file", &[])
                .unwrap_err()
                .to_string()
                .contains("not a directory")
        );
        std::os::unix::fs::symlink(root.path().join("rel"), root.path().join("alias")).unwrap();
        assert!(
            load(root.path(), "alias", &[])
                .unwrap_err()
                .to_string()
                .contains("symlink")
        );
        assert!(
            load(root.path(), "missing", &[])
                .unwrap_err()
                .to_string()
                .contains("no candidate")
        );
        assert!(load(root.path(), "../x", &[]).is_err());

        fs::create_dir_all(root.path().join("empty")).unwrap();
        assert!(
            load(root.path(), "empty", &[])
                .unwrap_err()
                .to_string()
                .contains(MANIFEST)
        );
    }

    #[test]
    fn command_may_not_name_files_outside_the_candidate() {
        let root = tempfile::tempdir().unwrap();
        let outside = root.path().join("secret.txt");
        fs::write(&outside, "key").unwrap();
        candidate(
            root.path(),
            "peek",
            &format!("command = \"cat {}\"\n", outside.display()),
        );
        assert!(
            load(root.path(), "peek", &[])
                .unwrap_err()
                .to_string()
                .contains("outside")
        );
        assert!(load(root.path(), "peek", &[root.path().to_path_buf()]).is_ok());
        candidate(
            root.path(),
            "own",
            "command = 'sh \"$HARNESS_CANDIDATE_DIR/run.sh\"'\n",
        );
        assert!(load(root.path(), "own", &[]).is_ok());
    }
}
