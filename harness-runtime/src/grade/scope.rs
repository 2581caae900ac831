//! Judging each changed path: artifact, graded, or kept out with a violation.

use std::collections::BTreeSet;

use harness_fixture::{FileKind, Files, Fixture, RepoPath};

use super::outcome::{ChangedPath, Disposition};
use crate::grade::violation::{Violation, ViolationCode};
use crate::snapshot::{Anomaly, ChangeKind, Snapshot};

/// The outcome of judging a snapshot against the baseline manifest.
#[derive(Debug, Clone, Default)]
pub struct Judged {
    /// Baseline + the changes that may reach grading (hidden files not yet added).
    pub graded: Files,
    /// Every changed path and what happened to it.
    pub changed_paths: Vec<ChangedPath>,
    /// Violations found.
    pub violations: Vec<Violation>,
    /// Paths counted by the scope penalty.
    pub out_of_scope: usize,
}

/// Most symlink hops followed while resolving a link inside the tree.
const MAX_LINK_HOPS: usize = 40;

/// Judges every change of `snapshot` against `manifest` under the fixture's contract.
pub fn judge(fixture: &Fixture, manifest: &Files, snapshot: &Snapshot) -> Judged {
    let hidden = fixture.hidden_paths();
    let mut judged = Judged {
        graded: manifest.clone(),
        ..Judged::default()
    };
    let mut artifacts: BTreeSet<&RepoPath> = BTreeSet::new();

    for (path, change) in snapshot.changes(manifest) {
        let disposition = if change == ChangeKind::Added && fixture.ignore_rules.is_ignored(path) {
            // Honest build output (target/, __pycache__/): dropped, never graded.
            artifacts.insert(path);
            Disposition::Artifact
        } else if let Some((code, detail)) =
            change_violation(fixture, manifest, snapshot, &hidden, path, change)
        {
            if code == ViolationCode::ScopeViolation {
                judged.out_of_scope += 1;
            }
            judged.violations.push(Violation::at(
                code,
                path.as_str(),
                format!("{} ({})", detail, change.as_str()),
            ));
            Disposition::Rejected(code)
        } else {
            match snapshot.files.get(path) {
                Some(entry) => judged.graded.insert(path.clone(), entry.to_file_entry()),
                None => judged.graded.remove(path),
            };
            Disposition::Graded
        };
        judged.changed_paths.push(ChangedPath {
            path: path.to_string(),
            change,
            disposition,
        });
    }

    for (path, entry) in &snapshot.files {
        if entry.nlink > 1 && !artifacts.contains(path) {
            judged.violations.push(Violation::at(
                ViolationCode::LinkEscape,
                path.as_str(),
                format!("file has {} hard links", entry.nlink),
            ));
            if let Some(baseline) = manifest.get(path) {
                judged.graded.insert(path.clone(), baseline.clone());
            } else {
                judged.graded.remove(path);
            }
        }
    }
    judged.violations.extend(
        snapshot
            .anomalies
            .iter()
            .filter_map(|anomaly| anomaly_violation(fixture, anomaly)),
    );
    judged
}

/// The violation a change of `path` commits, if any, with why (first rule that applies:
/// the contract, hidden paths, submodules, frozen files, scope, then links).
fn change_violation(
    fixture: &Fixture,
    manifest: &Files,
    snapshot: &Snapshot,
    hidden: &BTreeSet<RepoPath>,
    path: &RepoPath,
    change: ChangeKind,
) -> Option<(ViolationCode, &'static str)> {
    if path == fixture.contract_path() {
        Some((
            ViolationCode::ContractRewrite,
            "the frozen contract changed",
        ))
    } else if hidden.contains(path) {
        Some((
            ViolationCode::HiddenCheckTamper,
            "a hidden check's path was created or changed",
        ))
    } else if path.file_name() == ".gitmodules" && change != ChangeKind::Deleted {
        Some((ViolationCode::NestedRepo, "a submodule was declared"))
    } else if manifest.contains_key(path) && fixture.scope.is_frozen(path, true) {
        Some((
            ViolationCode::CommittedTamper,
            "a frozen baseline file was modified or deleted",
        ))
    } else if !fixture.scope.allows(path) {
        Some((ViolationCode::ScopeViolation, "outside scope.allow"))
    } else if change != ChangeKind::Deleted
        && snapshot
            .files
            .get(path)
            .is_some_and(|entry| entry.kind == FileKind::Symlink)
    {
        link_violation(fixture, manifest, snapshot, hidden, path)
            .map(|detail| (ViolationCode::LinkEscape, detail))
    } else {
        None
    }
}

/// The violation a snapshot anomaly is; none for fifos, odd names and nested repositories
/// under ignored build output.
fn anomaly_violation(fixture: &Fixture, anomaly: &Anomaly) -> Option<Violation> {
    let ignored = |path: &str| {
        RepoPath::parse(path).is_ok_and(|repo_path| fixture.ignore_rules.is_ignored(&repo_path))
    };
    let (code, path, detail) = match anomaly {
        Anomaly::Special(path) => (
            ViolationCode::UnsupportedFile,
            path,
            "fifo, socket or device",
        ),
        Anomaly::NonUtf8(path) => (
            ViolationCode::UnsupportedFile,
            path,
            "file name is not UTF-8",
        ),
        Anomaly::NestedGit(path) => (ViolationCode::NestedRepo, path, "nested git repository"),
        Anomaly::WorktreeLink(path) => (
            ViolationCode::SiblingMetadataTamper,
            path,
            "the worktree's .git link was changed",
        ),
        Anomaly::TooLarge(path) => (
            ViolationCode::ResourceLimit,
            path,
            "file exceeds the per-file size budget",
        ),
    };
    let exempt = matches!(
        anomaly,
        Anomaly::Special(_) | Anomaly::NonUtf8(_) | Anomaly::NestedGit(_)
    ) && ignored(path);
    (!exempt).then(|| Violation::at(code, path.as_str(), detail))
}

/// Why a new or changed symlink is a `link_escape`, if it is: it leaves the tree, or it
/// lands on (or above) a frozen or hidden file.
fn link_violation(
    fixture: &Fixture,
    manifest: &Files,
    snapshot: &Snapshot,
    hidden: &BTreeSet<RepoPath>,
    link: &RepoPath,
) -> Option<&'static str> {
    let resolved = match resolve(snapshot, link) {
        Ok(resolved) => resolved,
        Err(reason) => return Some(reason),
    };
    let Some(resolved) = resolved else {
        return Some("symlink aliases the worktree root");
    };
    let aliases_frozen = manifest
        .keys()
        .any(|path| path.starts_with(&resolved) && fixture.scope.is_frozen(path, true))
        || hidden.iter().any(|path| path.starts_with(&resolved))
        || fixture.contract_path().starts_with(&resolved);
    aliases_frozen.then_some("symlink aliases a frozen or hidden file")
}

/// Resolves `link` inside the snapshot, following symlinks it passes through. `Ok(None)`
/// is the root itself.
fn resolve(snapshot: &Snapshot, link: &RepoPath) -> Result<Option<RepoPath>, &'static str> {
    let mut stack: Vec<String> = link
        .parent()
        .map(|parent| parent.split('/').map(str::to_owned).collect())
        .unwrap_or_default();
    let target = snapshot
        .files
        .get(link)
        .map(|entry| String::from_utf8_lossy(&entry.content).into_owned())
        .unwrap_or_default();
    let mut pending: Vec<String> = target.split('/').rev().map(str::to_owned).collect();
    if target.starts_with('/') {
        return Err("symlink points outside the worktree (absolute target)");
    }
    let mut hops = 0;
    while let Some(component) = pending.pop() {
        match component.as_str() {
            "" | "." => {}
            ".." => {
                if stack.pop().is_none() {
                    return Err("symlink points outside the worktree");
                }
            }
            name => {
                stack.push(name.to_owned());
                let Ok(here) = RepoPath::parse(&stack.join("/")) else {
                    continue;
                };
                if let Some(entry) = snapshot
                    .files
                    .get(&here)
                    .filter(|entry| entry.kind == FileKind::Symlink)
                {
                    hops += 1;
                    if hops > MAX_LINK_HOPS {
                        return Err("symlink loop");
                    }
                    let inner = String::from_utf8_lossy(&entry.content).into_owned();
                    if inner.starts_with('/') {
                        return Err("symlink points outside the worktree (absolute target)");
                    }
                    stack.pop();
                    pending.extend(inner.split('/').rev().map(str::to_owned));
                }
            }
        }
    }
    Ok(RepoPath::parse(&stack.join("/")).ok())
}
