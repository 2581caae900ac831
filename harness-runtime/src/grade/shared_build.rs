//! Rust builds shared within an episode (DESIGN.md "Builds shared within an episode"): the
//! cargo checks of one case that compile the graded crate reuse one build instead of each
//! compiling it from nothing.
//!
//! The shared build is a *snapshot*: a copy of a check's target directory taken right after
//! that check's build and before any test it built runs (a plain `cargo test` check is run
//! as `cargo test --no-run` first; a sealed check's step 1 is a build already). So what
//! crosses from one check to the next is what compiling the visible tree produces, which
//! the next check's own build would produce too, and never anything the code under test
//! wrote while its tests ran. Each later check starts from its own copy of the snapshot
//! (never a link: its writes stay in its copy), and the snapshot's directory is masked in
//! every check process, so no check can read or change it.
//!
//! Only checks on the visible tree take part (plain `cargo test` checks and sealed hidden
//! checks): a snapshot never holds anything compiled from a hidden file, and a check whose
//! tree holds hidden files never starts from one. A sealed check whose graded crate and
//! dev-dependencies are in the snapshot (built with cargo's defaults: no feature or profile
//! options) links the hidden tests against those libraries and skips its own step 1.

use std::fs;
use std::path::{Path, PathBuf};

use harness_fixture::{Check, ReportFormat};

use crate::environment::stamp;

/// The episode's shared build: where its snapshot lives and what made it.
#[derive(Debug)]
pub struct SharedBuild {
    /// The snapshot's directory (`<grade root>/shared-build`), masked in every check.
    dir: PathBuf,
    snapshot: Option<Snapshot>,
}

/// A target directory as one check's build left it.
#[derive(Debug)]
struct Snapshot {
    /// The check whose build it is.
    check: String,
    /// The target directory it was copied from (cargo's messages name paths under it).
    origin: PathBuf,
    /// Cargo's JSON messages of that build.
    messages: String,
    /// Whether that build used cargo's default features and profile (a sealed check's
    /// step 1 does): only then can a sealed check link against its libraries.
    defaults: bool,
}

/// Whether `check` can take part: a `cargo test` check on the visible tree (plain or
/// sealed; never a differential check or one whose tree holds hidden files).
pub fn takes_part(check: &Check, sealed: bool, hidden_tree: bool) -> bool {
    check.differential.is_none()
        && !hidden_tree
        && check.resolved_report() == ReportFormat::Libtest
        && (sealed || build_argv(&check.run).is_some())
}

/// The build-only form of a `cargo test` argv: `--no-run` and JSON messages, what follows
/// `--` dropped. `None` when `argv` is not `cargo [+toolchain] test ...` or builds only.
pub fn build_argv(argv: &[String]) -> Option<Vec<String>> {
    let program = argv.first()?;
    if program.rsplit('/').next() != Some("cargo") {
        return None;
    }
    let mut at = 1;
    if argv.get(at).is_some_and(|word| word.starts_with('+')) {
        at += 1;
    }
    if argv.get(at).map(String::as_str) != Some("test") {
        return None;
    }
    let options = argv[at + 1..].split(|word| word == "--").next()?;
    if options.iter().any(|word| word == "--no-run") {
        return None;
    }
    let mut build: Vec<String> = argv[..=at].to_vec();
    build.push("--no-run".to_owned());
    build.push("--message-format=json-render-diagnostics".to_owned());
    let mut words = options.iter();
    while let Some(word) = words.next() {
        if word == "--message-format" {
            words.next();
        } else if !word.starts_with("--message-format=") && word != "--no-fail-fast" {
            build.push(word.clone());
        }
    }
    Some(build)
}

/// Whether a build run as `argv` uses cargo's default features and profile for the
/// root package (what a sealed check's own step 1 would build).
pub fn builds_defaults(argv: &[String]) -> bool {
    const CHANGING: [&str; 14] = [
        "--features",
        "-F",
        "--all-features",
        "--no-default-features",
        "--release",
        "-r",
        "--profile",
        "--target",
        "--manifest-path",
        "--config",
        "-p",
        "--package",
        "--workspace",
        "-Z",
    ];
    !argv.iter().any(|word| {
        CHANGING.iter().any(|option| {
            word == option
                || word
                    .strip_prefix(option)
                    .is_some_and(|rest| rest.starts_with('='))
                || (option.len() == 2 && word.starts_with(option) && word.len() > 2)
        })
    })
}

impl SharedBuild {
    /// The shared build of the checks under `grade_root` (nothing yet). When the checks
    /// will `share`, its directory is made now, so that it is masked in every check
    /// process from the first on.
    pub fn new(grade_root: &Path, share: bool) -> std::io::Result<SharedBuild> {
        let dir = grade_root.join("shared-build");
        if share {
            fs::create_dir(&dir)?;
        }
        Ok(SharedBuild {
            dir,
            snapshot: None,
        })
    }

    /// The directory every check process must have masked, once it exists.
    pub fn masked(&self) -> Option<&Path> {
        self.dir.is_dir().then_some(self.dir.as_path())
    }

    /// The snapshot's target directory, when there is one, to start a check's from.
    pub fn seed(&self) -> Option<PathBuf> {
        self.snapshot.as_ref().map(|_| self.dir.join("target"))
    }

    /// Whether there is a snapshot built with cargo's defaults.
    pub fn has_defaults(&self) -> bool {
        self.snapshot
            .as_ref()
            .is_some_and(|snapshot| snapshot.defaults)
    }

    /// The check whose build the snapshot is.
    pub fn built_by(&self) -> Option<&str> {
        self.snapshot
            .as_ref()
            .map(|snapshot| snapshot.check.as_str())
    }

    /// Takes `target` (a check's target directory, right after its build) as the snapshot,
    /// with cargo's `messages` of that build. Incremental state is left out: it only
    /// speeds up recompiling what changed, and it is most of a debug build's bytes.
    ///
    /// Sharing only saves time: when the copy fails (a full episode disk), there is no
    /// snapshot and every later check builds on its own, as without sharing.
    pub fn record(&mut self, check: &str, target: &Path, messages: String, defaults: bool) {
        self.snapshot = None;
        let copy = self.dir.join("target");
        let copied = (|| {
            if copy.exists() {
                fs::remove_dir_all(&copy)?;
            }
            fs::create_dir_all(&copy)?;
            // `<profile>/incremental`, and only there: a build script's output may hold a
            // directory of that name that matters.
            stamp::copy_tree_keeping(target, &copy, &|relative| {
                !(relative.components().count() == 2 && relative.ends_with("incremental"))
            })
        })();
        if copied.is_err() {
            let _ = fs::remove_dir_all(&copy);
            return;
        }
        self.snapshot = Some(Snapshot {
            check: check.to_owned(),
            origin: target.to_path_buf(),
            messages,
            defaults,
        });
    }

    /// Cargo's messages of the snapshot's build with every path under its original target
    /// directory moved under `target` (a check's copy of it), when that build used cargo's
    /// defaults.
    pub fn default_messages_for(&self, target: &Path) -> Option<String> {
        let snapshot = self
            .snapshot
            .as_ref()
            .filter(|snapshot| snapshot.defaults)?;
        let origin = serde_json::to_string(&snapshot.origin.display().to_string()).ok()?;
        let moved = serde_json::to_string(&target.display().to_string()).ok()?;
        // Both are JSON strings: replace their contents without the quotes, so a path
        // inside a JSON string value moves as a whole prefix.
        let (origin, moved) = (
            origin.trim_matches('"').to_owned() + "/",
            moved.trim_matches('"').to_owned() + "/",
        );
        Some(snapshot.messages.replace(&origin, &moved))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn a_cargo_test_argv_builds_without_running_and_keeps_its_selection() {
        assert_eq!(
            build_argv(&words(
                "cargo test --offline --no-fail-fast --test visible --message-format short -- --test-threads 1"
            )),
            Some(words(
                "cargo test --no-run --message-format=json-render-diagnostics --offline --test visible"
            ))
        );
        assert_eq!(
            build_argv(&words("/usr/bin/cargo +stable test --lib")),
            Some(words(
                "/usr/bin/cargo +stable test --no-run --message-format=json-render-diagnostics --lib"
            ))
        );
    }

    #[test]
    fn anything_but_a_running_cargo_test_has_no_build_step() {
        for argv in [
            "cargo nextest run",
            "cargo build",
            "cargo test --no-run",
            "python3 -m pytest",
            "cargo-test test",
            "cargo",
        ] {
            assert_eq!(build_argv(&words(argv)), None, "{argv}");
        }
    }

    #[test]
    fn feature_profile_and_package_options_are_not_the_defaults() {
        assert!(builds_defaults(&words("cargo test --offline --test a -q")));
        for argv in [
            "cargo test --features x",
            "cargo test --features=x",
            "cargo test -Fx",
            "cargo test --release",
            "cargo test --profile=bench",
            "cargo test -p other",
            "cargo test --workspace",
            "cargo test --no-default-features",
        ] {
            assert!(!builds_defaults(&words(argv)), "{argv}");
        }
    }

    #[test]
    fn a_snapshot_is_a_copy_whose_paths_move_to_each_checks_target() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("0/target");
        fs::create_dir_all(target.join("debug/deps")).unwrap();
        fs::create_dir_all(target.join("debug/incremental/x")).unwrap();
        fs::write(target.join("debug/deps/liba.rlib"), "rlib").unwrap();
        let mut shared = SharedBuild::new(root.path(), true).unwrap();
        assert_eq!(shared.seed(), None);
        let message = format!(
            "{{\"filenames\":[\"{}/debug/deps/liba.rlib\"]}}",
            target.display()
        );
        shared.record("visible", &target, message.clone(), true);
        let seed = shared.seed().unwrap();
        assert_eq!(
            fs::read_to_string(seed.join("debug/deps/liba.rlib")).unwrap(),
            "rlib"
        );
        assert!(!seed.join("debug/incremental").exists());
        // A later write to the check's own target never reaches the snapshot.
        fs::write(target.join("debug/deps/liba.rlib"), "poisoned").unwrap();
        assert_eq!(
            fs::read_to_string(seed.join("debug/deps/liba.rlib")).unwrap(),
            "rlib"
        );
        let other = root.path().join("1/target");
        assert_eq!(
            shared.default_messages_for(&other).unwrap(),
            format!(
                "{{\"filenames\":[\"{}/debug/deps/liba.rlib\"]}}",
                other.display()
            )
        );
        assert_eq!(shared.built_by(), Some("visible"));
        shared.record("other", &target, message, false);
        assert_eq!(shared.default_messages_for(&other), None);
    }
}
