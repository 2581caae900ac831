//! The fixture's opaque alias: what the agent gets as `HARNESS_FIXTURE_ID`.
//!
//! A fixture id such as `rv-py-sound-refactor` names the answer, so the agent never sees it.
//! It gets `fx-` and 16 hex digits of a SHA-1 over the id and the bytes of every file in the
//! fixture directory, those outside `repo/` included (`oracle/`, `hidden/`, `key.toml`,
//! `fixture.toml`, ...): stable while the fixture does not change, different for every
//! fixture, and not computable from the sandbox alone. Results, case names and reports keep
//! the real id.

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use git2::{ObjectType, Oid};

use super::{EpisodeError, git_error, io_error};

/// Domain separation, and the version of the recipe (change it and every alias changes).
const RECIPE: &[u8] = b"another-harness fixture alias v1\0";

/// `fx-` + 16 hex digits, from the fixture id and every file under `dir`.
///
/// Files are hashed in byte order of their relative paths, each as its kind (`f` a regular
/// file, `x` an executable one, `l` a symlink and its target, `o` anything else, without
/// content), its path, its length and its bytes; directories are walked, never followed
/// through a symlink.
pub fn fixture_alias(id: &str, dir: &Path) -> Result<String, EpisodeError> {
    let mut entries = Vec::new();
    collect(dir, Path::new(""), &mut entries)?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut buffer = RECIPE.to_vec();
    buffer.extend_from_slice(id.as_bytes());
    buffer.push(0);
    for (path, kind, content) in entries {
        buffer.push(kind);
        buffer.push(0);
        buffer.extend_from_slice(&path);
        buffer.push(0);
        buffer.extend_from_slice(content.len().to_string().as_bytes());
        buffer.push(0);
        buffer.extend_from_slice(&content);
    }
    let oid = Oid::hash_object(ObjectType::Blob, &buffer)
        .map_err(git_error("hash the fixture for its alias"))?;
    let hex = oid.to_string();
    Ok(format!("fx-{}", &hex[..16]))
}

type Entry = (Vec<u8>, u8, Vec<u8>);

fn collect(root: &Path, relative: &Path, into: &mut Vec<Entry>) -> Result<(), EpisodeError> {
    let dir = root.join(relative);
    for entry in fs::read_dir(&dir).map_err(io_error("read", &dir))? {
        let entry = entry.map_err(io_error("read", &dir))?;
        let child = relative.join(entry.file_name());
        let path = entry.path();
        let meta = fs::symlink_metadata(&path).map_err(io_error("stat", &path))?;
        let file_type = meta.file_type();
        let name = child.as_os_str().as_bytes().to_vec();
        if file_type.is_dir() {
            collect(root, &child, into)?;
        } else if file_type.is_symlink() {
            let target = fs::read_link(&path).map_err(io_error("read the link", &path))?;
            into.push((name, b'l', target.as_os_str().as_bytes().to_vec()));
        } else if file_type.is_file() {
            let content = fs::read(&path).map_err(io_error("read", &path))?;
            let executable = std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o111;
            into.push((name, if executable != 0 { b'x' } else { b'f' }, content));
        } else {
            into.push((name, b'o', Vec::new()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(root: &Path, files: &[(&str, &str)]) {
        for (path, content) in files {
            let path = root.join(path);
            fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            fs::write(path, content).expect("write");
        }
    }

    #[test]
    fn the_alias_is_opaque_stable_and_covers_every_file() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("rv-py-sound-refactor");
        fixture(
            &dir,
            &[
                ("repo/evaluation/contract.toml", "[scope]\nallow = []\n"),
                ("key.toml", "verdict = \"approve\"\n"),
            ],
        );
        let alias = fixture_alias("rv-py-sound-refactor", &dir).expect("alias");
        assert_eq!(alias.len(), 3 + 16, "{alias}");
        assert!(alias.starts_with("fx-"));
        assert!(alias[3..].chars().all(|c| c.is_ascii_hexdigit()));
        assert!(!alias.contains("sound"));
        assert_eq!(
            fixture_alias("rv-py-sound-refactor", &dir).expect("again"),
            alias
        );

        // The same files under another id, or a file outside repo/ changed: another alias.
        assert_ne!(fixture_alias("other", &dir).expect("other id"), alias);
        fs::write(dir.join("key.toml"), "verdict = \"request_changes\"\n").expect("write");
        assert_ne!(
            fixture_alias("rv-py-sound-refactor", &dir).expect("changed"),
            alias
        );
    }

    #[test]
    fn an_unreadable_fixture_is_an_error_not_a_panic() {
        let root = tempfile::tempdir().expect("tempdir");
        let error = fixture_alias("x", &root.path().join("missing")).unwrap_err();
        assert!(error.to_string().starts_with("failed to read "), "{error}");
    }
}
