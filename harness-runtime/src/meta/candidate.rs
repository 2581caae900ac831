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
pub fn valid_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    match chars.next() {
        None => return Err("the name is empty".into()),
        Some(first) if !first.is_ascii_alphanumeric() => {
            return Err(format!(
                "the name `{name}` must start with a letter or digit (names are directories under candidates/)"
            ));
        }
        Some(_) => {}
    }
    if name.len() > NAME_CAP {
        return Err(format!("the name is longer than {NAME_CAP} characters"));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._-".contains(*c)))
    {
        return Err(format!(
            "the name `{name}` holds `{bad}`; only letters, digits, `.`, `_` and `-` are allowed"
        ));
    }
    Ok(())
}

/// Validates `candidates/<name>/`. `readable` lists directories every agent may read anyway
/// (the toolchain): a command naming an existing file elsewhere outside the candidate is
/// refused, because the harness grants a command read access to the files it names.
pub fn load(candidates: &Path, name: &str, readable: &[PathBuf]) -> Result<Candidate, String> {
    valid_name(name)?;
    let dir = candidates.join(name);
    let meta = match fs::symlink_metadata(&dir) {
        Ok(meta) => meta,
        Err(_) => return Err(format!("no candidate directory candidates/{name}")),
    };
    if meta.file_type().is_symlink() {
        return Err(format!("candidates/{name} is a symlink, not a directory"));
    }
    if !meta.is_dir() {
        return Err(format!("candidates/{name} is not a directory"));
    }
    let dir = fs::canonicalize(&dir)
        .map_err(|error| format!("failed to resolve candidates/{name}: {error}"))?;
    let bytes = walk(&dir, &dir, true)?;
    let manifest_path = dir.join(MANIFEST);
    let manifest = match fs::symlink_metadata(&manifest_path) {
        Err(_) => return Err(format!("no {MANIFEST} in candidates/{name}")),
        Ok(meta) if !meta.is_file() => {
            return Err(format!(
                "candidates/{name}/{MANIFEST} is not a regular file"
            ));
        }
        Ok(meta) if meta.len() > MANIFEST_CAP => {
            return Err(format!(
                "candidates/{name}/{MANIFEST} is larger than {MANIFEST_CAP} bytes"
            ));
        }
        Ok(_) => parse_manifest(
            &fs::read(&manifest_path)
                .map_err(|error| format!("failed to read candidates/{name}/{MANIFEST}: {error}"))?,
        )
        .map_err(|error| format!("candidates/{name}/{MANIFEST}: {error}"))?,
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
pub fn parse_manifest(bytes: &[u8]) -> Result<Manifest, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_owned())?;
    let manifest: Manifest = toml::from_str(text).map_err(|error| {
        // toml's text is "<where>", a source excerpt, then "<what>": keep the first and last.
        let text = error.to_string();
        let lines: Vec<&str> = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .collect();
        match (lines.first(), lines.last()) {
            (Some(first), Some(last)) if lines.len() > 1 => format!("{first}: {last}"),
            _ => text.trim().to_owned(),
        }
    })?;
    if manifest.command.trim().is_empty() {
        return Err("`command` is empty".into());
    }
    Ok(manifest)
}

/// Sums the size of `dir`'s files, refusing symlinks that leave `root`, special files, and
/// anything that cannot be read. `eval/` at the top is skipped (the harness owns it) unless it
/// is a symlink, which is refused like any other escape.
fn walk(root: &Path, dir: &Path, top: bool) -> Result<u64, String> {
    let rel = |path: &Path| {
        path.strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    let listing =
        fs::read_dir(dir).map_err(|error| format!("failed to list {}: {error}", rel(dir)))?;
    let mut entries: Vec<_> = listing
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()
        .map_err(|error| format!("failed to list {}: {error}", rel(dir)))?;
    entries.sort();
    let mut bytes = 0;
    for path in entries {
        let meta = fs::symlink_metadata(&path)
            .map_err(|error| format!("failed to inspect {}: {error}", rel(&path)))?;
        let kind = meta.file_type();
        if kind.is_symlink() {
            let target = fs::read_link(&path)
                .map_err(|error| format!("failed to read link {}: {error}", rel(&path)))?;
            if escapes(root, &path, &target) {
                return Err(format!(
                    "path escapes the candidate directory: {} -> {}",
                    rel(&path),
                    target.display()
                ));
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
            return Err(format!(
                "{} is not a regular file, directory or symlink",
                rel(&path)
            ));
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
fn check_command(command: &str, dir: &Path, readable: &[PathBuf]) -> Result<(), String> {
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
        return Err(format!(
            "the command names {}, outside the candidate directory (use $HARNESS_CANDIDATE_DIR/... for the candidate's own files)",
            path.display()
        ));
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
                .contains("command")
        );
        assert!(
            parse_manifest(b"command = \"  \"")
                .unwrap_err()
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
                .contains("escapes")
        );

        let dir = candidate(root.path(), "rel", "command = \"true\"\n");
        fs::create_dir_all(dir.join("sub")).unwrap();
        std::os::unix::fs::symlink("../../abs", dir.join("sub/up")).unwrap();
        assert!(
            load(root.path(), "rel", &[])
                .unwrap_err()
                .contains("escapes")
        );

        let dir = candidate(root.path(), "evil-eval", "command = \"true\"\n");
        std::os::unix::fs::symlink("/tmp", dir.join(EVAL_DIR)).unwrap();
        assert!(
            load(root.path(), "evil-eval", &[])
                .unwrap_err()
                .contains("escapes")
        );

        fs::write(root.path().join("file"), "x").unwrap();
        assert!(
            load(root.path(), "file", &[])
                .unwrap_err()
                .contains("not a directory")
        );
        std::os::unix::fs::symlink(root.path().join("rel"), root.path().join("alias")).unwrap();
        assert!(
            load(root.path(), "alias", &[])
                .unwrap_err()
                .contains("symlink")
        );
        assert!(
            load(root.path(), "missing", &[])
                .unwrap_err()
                .contains("no candidate")
        );
        assert!(load(root.path(), "../x", &[]).is_err());

        fs::create_dir_all(root.path().join("empty")).unwrap();
        assert!(
            load(root.path(), "empty", &[])
                .unwrap_err()
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
