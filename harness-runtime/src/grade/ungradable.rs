//! State the agent (or code a check ran) left that grading cannot handle as it stands: an
//! immutable or append-only file (`chattr +i`/`+a`) where the grading tree must be restored,
//! a worktree the harness cannot read. Such a case is never `errored` (that would let an
//! agent take itself out of every mean): the harness clears what blocks it
//! ([`harness_sandbox::unblock`]), grades, and reports `ungradable_state` (an integrity violation:
//! reward -1) with the paths it had to clear. When even that fails, the checks that could
//! not get a restored tree fail unrun, and the case still ends graded.

use std::path::Path;

use harness_fixture::{Check, Files};
use harness_sandbox::unblock::{self, Cleared};

use super::outcome::{CheckResult, CheckScore};
use super::restore::{self, RestoreError};
use super::violation::{Violation, ViolationCode};
use crate::snapshot::Snapshot;

/// How many cleared paths are reported one by one; the rest are counted.
pub const LISTED: usize = 10;

/// `path` relative to `base` (`.` for `base` itself), absolute when outside it.
pub fn relative(path: &Path, base: &Path) -> String {
    match path.strip_prefix(base) {
        Ok(rest) if rest.as_os_str().is_empty() => ".".to_owned(),
        Ok(rest) => rest.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

/// One `ungradable_state` per cleared path (the first [`LISTED`], relative to `base`), and
/// one counting the rest. `when` says what grading was doing, e.g. "to restore the grading
/// tree".
pub fn cleared_violations(cleared: &[Cleared], base: &Path, when: &str) -> Vec<Violation> {
    let mut violations: Vec<Violation> = cleared
        .iter()
        .take(LISTED)
        .map(|entry| {
            Violation::at(
                ViolationCode::UngradableState,
                relative(&entry.path, base),
                format!("{} inode flag cleared {when}", entry.flags),
            )
        })
        .collect();
    if cleared.len() > LISTED {
        violations.push(Violation::general(
            ViolationCode::UngradableState,
            format!(
                "{} more immutable or append-only files cleared {when}",
                cleared.len() - LISTED
            ),
        ));
    }
    violations
}

/// The snapshot grading starts from. A worktree that cannot be read as the agent left it is
/// unblocked and read again (cleared flags are `ungradable_state`; permissions put right are
/// not, as everywhere in [`harness_sandbox::unblock`]); one that still cannot be read is graded as
/// empty (every baseline file deleted), `ungradable_state` with the error.
pub fn first_snapshot(
    worktree: &Path,
    git_file: &[u8],
    violations: &mut Vec<Violation>,
) -> Snapshot {
    let error = match Snapshot::take(worktree, git_file) {
        Ok(snapshot) => return snapshot,
        Err(error) => error,
    };
    let cleared = unblock::unblock_tree(worktree);
    violations.extend(cleared_violations(
        &cleared,
        worktree,
        "to read the worktree",
    ));
    match Snapshot::take(worktree, git_file) {
        Ok(snapshot) => snapshot,
        Err(again) => {
            let mut detail = format!("the worktree cannot be read (graded as empty): {again}");
            if again.to_string() != error.to_string() {
                detail.push_str(&format!(" (before clearing: {error})"));
            }
            violations.push(Violation::at(
                ViolationCode::UngradableState,
                relative(again.path(), worktree),
                detail,
            ));
            Snapshot::default()
        }
    }
}

/// The grading tree could not be restored, even after clearing what blocked it.
#[derive(Debug, thiserror::Error)]
#[error("failed to restore the grading tree: {error}")]
pub struct Unrestorable {
    /// Flags cleared before the last attempt.
    pub cleared: Vec<Cleared>,
    /// The last attempt's error.
    #[source]
    pub error: RestoreError,
}

impl Unrestorable {
    /// Its `ungradable_state` violations (paths relative to the tree `root`).
    pub fn violations(&self, root: &Path) -> Vec<Violation> {
        let mut violations = cleared_violations(&self.cleared, root, "to restore the grading tree");
        violations.push(Violation::at(
            ViolationCode::UngradableState,
            relative(self.error.path(), root),
            self.to_string(),
        ));
        violations
    }
}

/// Makes `root` hold exactly `target` before a check ([`restore::restore`]), from `seen`
/// (a snapshot taken after the last process that could write the tree ended) or a fresh
/// snapshot. On the fast path nothing else happens. When the restore fails, every flag
/// that blocks removal in the tree is cleared, the tree is read again and restored once
/// more; the cleared flags are returned (empty when only permissions were in the way).
pub fn restore_tree(
    root: &Path,
    target: &Files,
    seen: Option<Snapshot>,
) -> Result<Vec<Cleared>, Unrestorable> {
    let attempt = |seen: Option<Snapshot>| -> Result<(), RestoreError> {
        let snapshot = match seen {
            Some(snapshot) => snapshot,
            None => Snapshot::take(root, b"")?,
        };
        restore::restore(root, target, &snapshot)
    };
    if attempt(seen).is_ok() {
        return Ok(Vec::new());
    }
    let cleared = unblock::unblock_tree(root);
    match attempt(None) {
        Ok(()) => Ok(cleared),
        Err(error) => Err(Unrestorable { cleared, error }),
    }
}

/// The result of a check that did not run because its grading tree could not be made:
/// failed (score 0), with the reason as its output.
pub fn not_run(check: &Check, reason: &str) -> (CheckResult, CheckScore) {
    let result = CheckResult {
        name: check.name.clone(),
        hidden: check.hidden,
        passed: false,
        exit_code: None,
        duration_ms: 0,
        timed_out: false,
        output_tail: format!("not run: {reason}"),
        report: check.resolved_report().as_str().to_owned(),
        score: 0.0,
        tests: Vec::new(),
        missing: Vec::new(),
        tripwire: None,
        seed: None,
        network: false,
        cached: false,
        skipped: None,
    };
    let score = CheckScore {
        weight: check.weight,
        score: 0.0,
        passed: false,
    };
    (result, score)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::files;
    use harness_sandbox::flags::{APPEND_ONLY, IMMUTABLE};
    use harness_sandbox::test_support::{FlaggableDir, set_flags};
    use std::fs;

    fn tree_of(root: &Path) -> Files {
        Snapshot::take(root, b"")
            .unwrap()
            .files
            .iter()
            .map(|(path, entry)| (path.clone(), entry.to_file_entry()))
            .collect()
    }

    #[test]
    fn an_immutable_file_in_the_way_is_cleared_reported_and_restored() {
        let Some(scratch) = FlaggableDir::new() else {
            return;
        };
        let root = scratch.path().join("work");
        fs::create_dir_all(root.join("tests")).unwrap();
        fs::create_dir_all(root.join("src")).unwrap();
        fs::write(root.join("tests/t.py"), "weakened").unwrap();
        fs::write(root.join("src/a.py"), "agent edit").unwrap();
        fs::write(root.join("stray.txt"), "out of scope").unwrap();
        assert!(set_flags(&root.join("tests/t.py"), IMMUTABLE));
        assert!(set_flags(&root.join("src"), APPEND_ONLY));
        assert!(set_flags(&root.join("stray.txt"), IMMUTABLE | APPEND_ONLY));
        let target = files(&[
            ("src/a.py", "agent edit"),
            ("tests/t.py", "original"),
            ("tests/hidden/h.py", "hidden"),
        ]);
        let seen = Snapshot::take(&root, b"").unwrap();
        assert!(
            restore::restore(&root, &target, &seen).is_err(),
            "a plain restore fails"
        );
        let cleared = restore_tree(&root, &target, None).unwrap();
        assert_eq!(
            tree_of(&root),
            target,
            "the tree is exactly the graded state"
        );
        let violations = cleared_violations(&cleared, &root, "to restore the grading tree");
        let paths: Vec<&str> = violations
            .iter()
            .map(|violation| violation.path.as_deref().unwrap_or("-"))
            .collect();
        assert_eq!(paths, ["src", "stray.txt", "tests/t.py"]);
        assert!(
            violations
                .iter()
                .all(|violation| violation.code == ViolationCode::UngradableState)
        );
        assert_eq!(
            violations[1].detail,
            "immutable and append-only inode flag cleared to restore the grading tree"
        );
    }

    #[test]
    fn the_fast_path_clears_nothing() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a"), "old").unwrap();
        let target = files(&[("a", "new")]);
        let seen = Snapshot::take(dir.path(), b"").unwrap();
        assert_eq!(restore_tree(dir.path(), &target, Some(seen)).unwrap(), []);
        assert_eq!(tree_of(dir.path()), target);
    }

    #[test]
    fn a_tree_that_cannot_be_restored_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("work");
        fs::write(&root, "the worktree replaced by a file").unwrap();
        let failure = restore_tree(&root, &files(&[("a", "x")]), None).unwrap_err();
        let violations = failure.violations(&root);
        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].code, ViolationCode::UngradableState);
        assert!(
            violations[0]
                .detail
                .starts_with("failed to restore the grading tree: "),
            "{}",
            violations[0].detail
        );
    }

    #[test]
    fn an_unreadable_worktree_is_graded_as_empty_with_the_violation() {
        let dir = tempfile::tempdir().unwrap();
        let worktree = dir.path().join("work");
        let mut violations = Vec::new();
        let snapshot = first_snapshot(&worktree, b"", &mut violations);
        assert!(snapshot.files.is_empty());
        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].code, ViolationCode::UngradableState);
        assert!(
            violations[0].detail.contains("graded as empty"),
            "{violations:?}"
        );
    }

    #[test]
    fn an_immutable_file_is_read_as_it_stands_without_clearing() {
        let Some(scratch) = FlaggableDir::new() else {
            return;
        };
        let worktree = scratch.path().join("work");
        fs::create_dir_all(worktree.join("src")).unwrap();
        fs::write(worktree.join("src/a.py"), "agent edit").unwrap();
        assert!(set_flags(&worktree.join("src/a.py"), IMMUTABLE));
        let mut violations = Vec::new();
        let snapshot = first_snapshot(&worktree, b"", &mut violations);
        assert_eq!(tree_of(&worktree), files(&[("src/a.py", "agent edit")]));
        assert_eq!(snapshot.files.len(), 1);
        assert!(
            violations.is_empty(),
            "reading needs nothing cleared (restoring or removing it will): {violations:?}"
        );
    }

    #[test]
    fn many_cleared_paths_are_listed_up_to_a_cap_and_counted() {
        let cleared: Vec<Cleared> = (0..LISTED + 3)
            .map(|index| Cleared {
                path: Path::new("/ep/work").join(format!("f{index:02}")),
                flags: "immutable",
            })
            .collect();
        let violations = cleared_violations(&cleared, Path::new("/ep"), "to remove the episode");
        assert_eq!(violations.len(), LISTED + 1);
        assert_eq!(violations[0].path.as_deref(), Some("work/f00"));
        assert_eq!(
            violations[LISTED].detail,
            "3 more immutable or append-only files cleared to remove the episode"
        );
        assert_eq!(
            relative(Path::new("/elsewhere/x"), Path::new("/ep")),
            "/elsewhere/x"
        );
        assert_eq!(relative(Path::new("/ep"), Path::new("/ep")), ".");
    }
}
