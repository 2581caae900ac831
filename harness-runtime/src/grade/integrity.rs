//! Integrity of the git metadata, compared by meaning with a digest taken just before the
//! agent ran. Honest git use (commit, amend, branch, tag, stash, notes, reset, gc, repack)
//! passes; the digest never runs git and never trusts an object the agent could write.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use git2::Oid;

use crate::episode::{AGENT_WORKTREE, Episode};
use crate::grade::violation::{Violation, ViolationCode};

/// Config keys the agent may add or change (prefix match on the lowercased key).
const CONFIG_ALLOWLIST: &[&str] = &["user.", "color.", "alias.", "advice.", "core.editor"];

/// Files of the baseline repo's own (main) worktree; changing them is `sibling_metadata_tamper`.
const MAIN_WORKTREE_FILES: &[&str] = &[
    "HEAD",
    "index",
    "ORIG_HEAD",
    "FETCH_HEAD",
    "MERGE_HEAD",
    "CHERRY_PICK_HEAD",
    "REVERT_HEAD",
    "AUTO_MERGE",
];

/// Ref namespaces honest git use writes to.
const HONEST_REF_PREFIXES: &[&str] = &["refs/heads/", "refs/tags/", "refs/notes/"];
const HONEST_REFS: &[&str] = &["refs/stash"];

/// The meaning of the git metadata at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GitDigest {
    /// Every ref, loose over packed, name -> target.
    refs: BTreeMap<String, String>,
    /// Every (ref, target) line found in packed-refs, shadowed or not.
    packed_lines: BTreeSet<(String, String)>,
    /// `packed-refs` exists but is not a regular file (a symlink git would follow).
    packed_refs_irregular: bool,
    /// Main worktree files -> content.
    main_files: BTreeMap<String, Vec<u8>>,
    /// Config entries (name, value) of `config` and every `config.worktree`.
    config: BTreeSet<(String, String)>,
    /// Whether a config file failed to parse (itself a tamper).
    config_unreadable: Vec<String>,
    /// hooks/ and info/attributes: relative path -> content.
    machinery: BTreeMap<String, Vec<u8>>,
    /// info/grafts, shallow, objects/info/alternates (+ per-worktree copies).
    forgery: BTreeMap<String, Vec<u8>>,
    /// worktrees/*: every file of other worktrees, and the agent's gitdir/commondir.
    sibling: BTreeMap<String, Vec<u8>>,
}

impl GitDigest {
    /// Reads the digest of `common_git_dir`.
    pub fn take(common_git_dir: &Path) -> GitDigest {
        let mut digest = GitDigest::default();
        read_packed_refs(common_git_dir, &mut digest);
        read_loose_refs(&common_git_dir.join("refs"), "refs", &mut digest.refs);
        for name in MAIN_WORKTREE_FILES {
            if let Some(content) = read_regular(&common_git_dir.join(name)) {
                digest.main_files.insert((*name).to_owned(), content);
            }
        }
        read_config(&common_git_dir.join("config"), "config", &mut digest);
        read_config(
            &common_git_dir.join("config.worktree"),
            "config.worktree",
            &mut digest,
        );
        read_files_under(common_git_dir, "hooks", &mut digest.machinery);
        read_file(common_git_dir, "info/attributes", &mut digest.machinery);
        for name in [
            "info/grafts",
            "shallow",
            "objects/info/alternates",
            "objects/info/http-alternates",
        ] {
            read_file(common_git_dir, name, &mut digest.forgery);
        }
        let worktrees = common_git_dir.join("worktrees");
        if !is_real_dir(&worktrees) {
            read_file(common_git_dir, "worktrees", &mut digest.sibling);
        } else if let Ok(entries) = fs::read_dir(&worktrees) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let base = format!("worktrees/{name}");
                if name == AGENT_WORKTREE && !is_real_dir(&entry.path()) {
                    read_file(common_git_dir, &base, &mut digest.sibling);
                } else if name == AGENT_WORKTREE {
                    for file in ["gitdir", "commondir"] {
                        read_file(
                            common_git_dir,
                            &format!("{base}/{file}"),
                            &mut digest.sibling,
                        );
                    }
                    read_config(
                        &entry.path().join("config.worktree"),
                        &format!("{base}/config.worktree"),
                        &mut digest,
                    );
                    for file in ["shallow", "info/grafts"] {
                        read_file(
                            common_git_dir,
                            &format!("{base}/{file}"),
                            &mut digest.forgery,
                        );
                    }
                    read_files_under(
                        common_git_dir,
                        &format!("{base}/hooks"),
                        &mut digest.machinery,
                    );
                } else {
                    digest.sibling.insert(base.clone(), Vec::new());
                    read_files_under(common_git_dir, &base, &mut digest.sibling);
                }
            }
        }
        digest
    }
}

/// Compares the digest after the agent with the one before and checks the protected refs;
/// `objects` (started with [`ObjectChecks::start`] on the same digests) adds the checks of
/// their commits and of gitlinks.
pub fn check(
    episode: &Episode,
    before: &GitDigest,
    after: &GitDigest,
    objects: ObjectChecks,
) -> Vec<Violation> {
    let mut violations = Vec::new();
    let protected: BTreeMap<&str, Oid> = episode
        .protected_refs
        .iter()
        .map(|(name, oid)| (name.as_str(), *oid))
        .collect();

    // Refs, by meaning.
    let names: BTreeSet<&String> = before.refs.keys().chain(after.refs.keys()).collect();
    for name in names {
        let (old, new) = (before.refs.get(name), after.refs.get(name));
        if old == new {
            continue;
        }
        if let Some(expected) = protected.get(name.as_str()) {
            violations.push(Violation::at(
                ViolationCode::BaselineMismatch,
                name.as_str(),
                format!(
                    "moved from {expected} to {}",
                    new.map_or("nothing", String::as_str)
                ),
            ));
        } else if name.starts_with("refs/replace/") {
            violations.push(Violation::at(
                ViolationCode::ReplaceRefForgery,
                name.as_str(),
                "replace ref created or changed",
            ));
        } else if !(HONEST_REF_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
            || HONEST_REFS.contains(&name.as_str()))
        {
            violations.push(Violation::at(
                ViolationCode::SiblingMetadataTamper,
                name.as_str(),
                "ref outside heads/tags/stash/notes",
            ));
        }
    }
    // A protected ref must resolve, and no packed line may name it with another commit
    // (even one a loose ref shadows).
    for (name, expected) in &protected {
        let expected_text = expected.to_string();
        if after.refs.get(*name) != Some(&expected_text)
            && !violations.iter().any(|v| v.path.as_deref() == Some(name))
        {
            violations.push(Violation::at(
                ViolationCode::BaselineMismatch,
                *name,
                "no longer names the baseline commit",
            ));
        }
        for (packed_name, target) in &after.packed_lines {
            if packed_name == name
                && *target != expected_text
                && !before
                    .packed_lines
                    .contains(&(packed_name.clone(), target.clone()))
            {
                violations.push(Violation::at(
                    ViolationCode::BaselineMismatch,
                    "packed-refs",
                    format!("forged line for {name}: {target}"),
                ));
            }
        }
    }
    if after.packed_refs_irregular && !before.packed_refs_irregular {
        violations.push(Violation::at(
            ViolationCode::BaselineMismatch,
            "packed-refs",
            "packed-refs is not a regular file (git would follow it; the harness does not)",
        ));
    }
    violations.extend(objects.finish());

    for name in keys_changed(&before.main_files, &after.main_files) {
        violations.push(Violation::at(
            ViolationCode::SiblingMetadataTamper,
            name,
            "the baseline repo's own worktree state changed",
        ));
    }
    for name in keys_changed(&before.sibling, &after.sibling) {
        violations.push(Violation::at(
            ViolationCode::SiblingMetadataTamper,
            name,
            "worktree metadata changed",
        ));
    }
    for name in keys_changed(&before.machinery, &after.machinery) {
        violations.push(Violation::at(
            ViolationCode::GitConfigTamper,
            name,
            "hooks or attributes added or changed",
        ));
    }
    for name in keys_changed(&before.forgery, &after.forgery) {
        violations.push(Violation::at(
            ViolationCode::ReplaceRefForgery,
            name,
            "grafts, shallow or alternates added or changed",
        ));
    }
    for file in &after.config_unreadable {
        if !before.config_unreadable.contains(file) {
            violations.push(Violation::at(
                ViolationCode::GitConfigTamper,
                file.as_str(),
                "config no longer parses",
            ));
        }
    }
    let changed: BTreeSet<&(String, String)> =
        before.config.symmetric_difference(&after.config).collect();
    let mut reported = BTreeSet::new();
    for (key, _) in changed {
        let allowed = CONFIG_ALLOWLIST
            .iter()
            .any(|prefix| key.starts_with(prefix));
        if !allowed && reported.insert(key.clone()) {
            violations.push(Violation::at(
                ViolationCode::GitConfigTamper,
                key.as_str(),
                "config key off the allowlist added, changed or removed",
            ));
        }
    }
    violations
}

/// How long reading the agent's object database may take. It holds a few objects, so the
/// budget is only ever spent when something planted makes a read block (a fifo where an
/// object, pack or alternate belongs); the reader thread is then abandoned.
const OBJECT_READ_BUDGET: std::time::Duration = std::time::Duration::from_secs(15);

/// The checks that read git objects (the protected commits, gitlinks), with libgit2 on the
/// object database alone: no config is loaded (an `include.path` could name a fifo) and no
/// hook, filter or fsmonitor can run. They run in their own thread, started before the
/// snapshot so the two overlap, and are awaited with a time budget, so a planted fifo
/// cannot stall grading.
#[derive(Debug)]
pub struct ObjectChecks {
    receiver: Option<std::sync::mpsc::Receiver<Vec<Violation>>>,
}

impl ObjectChecks {
    /// Starts reading the objects of `episode`'s repository as `after` (the digest taken
    /// now) describes it.
    pub fn start(episode: &Episode, before: &GitDigest, after: &GitDigest) -> ObjectChecks {
        let common = episode.dirs.common_git_dir.clone();
        let protected = episode.protected_refs.clone();
        let template = episode.template.clone();
        // Tips to scan for gitlinks: refs that are new or moved.
        let tips: BTreeSet<Oid> = after
            .refs
            .iter()
            .filter(|(name, target)| before.refs.get(*name) != Some(*target))
            .filter_map(|(_, target)| Oid::from_str(target).ok())
            .collect();
        let (sender, receiver) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("grade-objects".into())
            .spawn(move || {
                let violations = match object_store(&common) {
                    Ok(repo) => {
                        let mut violations = check_objects(&repo, &protected);
                        violations.extend(check_gitlinks(
                            &repo,
                            &common,
                            &template.worktree_index,
                            tips,
                        ));
                        violations
                    }
                    Err(error) => vec![Violation::general(
                        ViolationCode::BaselineMismatch,
                        format!(
                            "the baseline repository no longer opens: {}",
                            error.message()
                        ),
                    )],
                };
                let _ = sender.send(violations);
            });
        ObjectChecks {
            receiver: spawned.ok().map(|_| receiver),
        }
    }

    fn finish(self) -> Vec<Violation> {
        let Some(receiver) = self.receiver else {
            return vec![Violation::general(
                ViolationCode::BaselineMismatch,
                "the baseline repository could not be checked (no thread)",
            )];
        };
        receiver
            .recv_timeout(OBJECT_READ_BUDGET)
            .unwrap_or_else(|_| {
                vec![Violation::general(
                    ViolationCode::BaselineMismatch,
                    format!(
                        "reading the baseline repository's objects stalled past {}s",
                        OBJECT_READ_BUDGET.as_secs()
                    ),
                )]
            })
    }
}

/// A repository over `<common>/objects` only (loose objects, packs, alternates).
fn object_store(common: &Path) -> Result<git2::Repository, git2::Error> {
    let odb = git2::Odb::new()?;
    odb.add_disk_alternate(&common.join("objects").to_string_lossy())?;
    git2::Repository::from_odb(odb)
}

/// The protected commits must still be readable and hash to their ids (libgit2 verifies
/// object hashes on read).
fn check_objects(repo: &git2::Repository, protected: &[(String, Oid)]) -> Vec<Violation> {
    let mut violations = Vec::new();
    for (name, oid) in protected {
        let readable = repo.odb().is_ok_and(|odb| {
            odb.read(*oid)
                .is_ok_and(|object| object.kind() == git2::ObjectType::Commit)
        });
        if !readable {
            violations.push(Violation::at(
                ViolationCode::BaselineMismatch,
                name.as_str(),
                format!("commit {oid} is missing or corrupt"),
            ));
        }
    }
    violations
}

/// Most tree entries read per gitlink scan (a planted tree may be huge).
const GITLINK_SCAN_LIMIT: usize = 200_000;

/// Gitlinks (submodule entries, mode 160000) the agent staged or committed: in its
/// worktree's index (unless it is still byte for byte the one the harness wrote, which has
/// none), and in the trees of `tips` and of a detached HEAD. They never reach grading (the
/// snapshot reads the filesystem), but adding one is `nested_repo`.
fn check_gitlinks(
    repo: &git2::Repository,
    common: &Path,
    start_index: &[u8],
    mut tips: BTreeSet<Oid>,
) -> Vec<Violation> {
    const GITLINK: u32 = 0o160000;
    let mut found = BTreeSet::new();
    let admin = common.join("worktrees").join(AGENT_WORKTREE);
    let index_path = admin.join("index");
    let index_meta = fs::symlink_metadata(&index_path)
        .ok()
        .filter(|meta| meta.is_file() && meta.len() <= crate::snapshot::MAX_FILE_BYTES);
    let changed_index = index_meta
        .filter(|meta| read_if_regular(&index_path, meta).is_none_or(|index| index != start_index));
    if changed_index.is_some()
        && let Ok(index) = git2::Index::open(&index_path)
    {
        for entry in index.iter().take(GITLINK_SCAN_LIMIT) {
            if entry.mode == GITLINK {
                found.insert(String::from_utf8_lossy(&entry.path).into_owned());
            }
        }
    }
    if let Some(head) = read_regular(&admin.join("HEAD"))
        .and_then(|content| Oid::from_str(String::from_utf8_lossy(&content).trim()).ok())
    {
        tips.insert(head);
    }
    let mut budget = GITLINK_SCAN_LIMIT;
    for tip in tips {
        let Some(tree) = repo
            .find_object(tip, None)
            .and_then(|object| object.peel_to_tree())
            .ok()
        else {
            continue;
        };
        let _ = tree.walk(git2::TreeWalkMode::PreOrder, |root, entry| {
            if budget == 0 {
                return git2::TreeWalkResult::Abort;
            }
            budget -= 1;
            if entry.filemode() as u32 == GITLINK {
                found.insert(format!("{root}{}", entry.name().unwrap_or("?")));
            }
            git2::TreeWalkResult::Ok
        });
    }
    found
        .into_iter()
        .map(|path| {
            Violation::at(
                ViolationCode::NestedRepo,
                path,
                "gitlink staged or committed",
            )
        })
        .collect()
}

fn keys_changed(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
) -> Vec<String> {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|key| before.get(*key) != after.get(*key))
        .cloned()
        .collect()
}

/// Reads `path` only if it is a regular file: a fifo planted where git keeps a file must
/// never block the grader, and a device must never be opened.
fn read_regular(path: &Path) -> Option<Vec<u8>> {
    let meta = fs::symlink_metadata(path).ok()?;
    read_if_regular(path, &meta)
}

/// Reads `path`, which `lstat` showed as `meta`, if that is a regular file.
fn read_if_regular(path: &Path, meta: &fs::Metadata) -> Option<Vec<u8>> {
    if !meta.is_file() {
        return None;
    }
    match crate::snapshot::read_file(path) {
        Ok(crate::snapshot::FileRead::Read(entry)) => Some(entry.content),
        _ => None,
    }
}

fn read_file(root: &Path, relative: &str, into: &mut BTreeMap<String, Vec<u8>>) {
    let path = root.join(relative);
    let Ok(meta) = fs::symlink_metadata(&path) else {
        return;
    };
    // A directory, symlink or special file where a file belongs: record its kind.
    let content = read_if_regular(&path, &meta).unwrap_or_else(|| b"\0not a regular file".to_vec());
    into.insert(relative.to_owned(), content);
}

/// Whether `path` is a directory itself, not a symlink to one: the digest never follows a
/// link the agent planted (`hooks -> /` would make it read the whole machine).
fn is_real_dir(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|meta| meta.is_dir())
}

fn read_files_under(root: &Path, relative: &str, into: &mut BTreeMap<String, Vec<u8>>) {
    let dir = root.join(relative);
    if !is_real_dir(&dir) {
        // Missing: nothing; a file, symlink or special file where a directory belongs: its kind.
        read_file(root, relative, into);
        return;
    }
    let Ok(entries) = fs::read_dir(&dir) else {
        return;
    };
    for entry in entries.flatten() {
        let child = format!("{relative}/{}", entry.file_name().to_string_lossy());
        if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            read_files_under(root, &child, into);
        } else {
            read_file(root, &child, into);
        }
    }
}

fn read_loose_refs(dir: &Path, prefix: &str, refs: &mut BTreeMap<String, String>) {
    if !is_real_dir(dir) {
        if fs::symlink_metadata(dir).is_ok() {
            refs.insert(prefix.to_owned(), "\0not a directory".to_owned());
        }
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = format!("{prefix}/{}", entry.file_name().to_string_lossy());
        let path = entry.path();
        if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            read_loose_refs(&path, &name, refs);
        } else if name.ends_with(".lock") {
            continue;
        } else {
            let target = read_regular(&path).map_or_else(
                || "\0not a regular file".to_owned(),
                |content| String::from_utf8_lossy(&content).trim().to_owned(),
            );
            refs.insert(name, target);
        }
    }
}

fn read_packed_refs(common: &Path, digest: &mut GitDigest) {
    let path = common.join("packed-refs");
    let Some(content) = read_regular(&path) else {
        digest.packed_refs_irregular = fs::symlink_metadata(&path).is_ok();
        return;
    };
    for line in String::from_utf8_lossy(&content).lines() {
        if line.starts_with('#') || line.starts_with('^') {
            continue;
        }
        if let Some((target, name)) = line.split_once(' ') {
            digest
                .refs
                .insert(name.trim().to_owned(), target.trim().to_owned());
            digest
                .packed_lines
                .insert((name.trim().to_owned(), target.trim().to_owned()));
        }
    }
}

fn read_config(path: &Path, label: &str, digest: &mut GitDigest) {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return;
    };
    let parsed = read_if_regular(path, &meta)
        .and_then(|content| parse_config(&String::from_utf8_lossy(&content)));
    match parsed {
        Some(entries) => digest.config.extend(entries),
        None => digest.config_unreadable.push(label.to_owned()),
    }
}

/// Parses git config text into (`section[.subsection].key`, value) pairs, without following
/// `include.path` (an include is itself a key off the allowlist). `None` when a line makes
/// no sense, which is judged as tampering.
fn parse_config(text: &str) -> Option<Vec<(String, String)>> {
    let mut entries = Vec::new();
    let mut section = String::new();
    let mut lines = text.lines();
    while let Some(raw) = lines.next() {
        let mut line = raw.trim().to_owned();
        while line.ends_with('\\') {
            line.pop();
            line.push_str(lines.next().unwrap_or("").trim());
        }
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let (header, tail) = rest.split_once(']')?;
            let tail = tail.trim();
            let header = header.trim();
            section = match header.split_once(char::is_whitespace) {
                Some((name, sub)) => {
                    format!("{}.{}", name.to_lowercase(), sub.trim().trim_matches('"'))
                }
                None => header.to_lowercase(),
            };
            if tail.is_empty() || tail.starts_with('#') || tail.starts_with(';') {
                continue;
            }
            line = tail.to_owned();
        }
        if section.is_empty() {
            return None;
        }
        let (key, value) = match line.split_once('=') {
            Some((key, value)) => (key.trim(), value.trim()),
            None => (line.as_str(), "true"),
        };
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return None;
        }
        entries.push((
            format!("{section}.{}", key.to_lowercase()),
            value.to_owned(),
        ));
    }
    Some(entries)
}

#[cfg(test)]
mod tests;
