//! The checks stage: each check in the worktree restored to its tree (grading in place:
//! every agent process is gone, and before each check the tree is made exactly the graded
//! state again, so one check cannot poison the next), run as the contract says, judged per
//! test; served from the check-result cache when its inputs were graded before, and not run
//! at all once an integrity violation has decided the case.

use std::fs;
use std::path::Path;
use std::time::Instant;

use harness_fixture::{Files, Fixture, LockedCheck, RepoPath, TestsLock};

use super::cache::{self, Entry};
use super::checks::{self, CheckDirs, ChecksError};
use super::outcome::{CheckResult, CheckScore, SkipReason};
use super::scope::Judged;
use super::shared_build::{self, SharedBuild};
use super::stages::Inspected;
use super::violation::{Violation, ViolationCode};
use super::{GradeError, Graded, differential, sealed, ungradable};
use crate::environment::stamp;
use crate::episode::Episode;
use crate::outside::OutsideWatch;
use crate::rng::Fresh;
use crate::settings::Settings;
use crate::snapshot::Snapshot;

/// Bytes of an artifact kept in the case result.
const ARTIFACT_CAP: usize = 64 * 1024;

/// Bytes of a check's log kept in a cache entry (what a case keeps of a log anyway).
const CACHED_LOG_CAP: u64 = 4 << 20;

/// The trees the checks run in: the graded files, plus for a hidden check the hidden
/// files (which always win). A visible check never sees a hidden file, a differential
/// check or a sealed cargo check neither: agent code runs in all of them.
struct Trees {
    visible: Files,
    hidden: Files,
}

impl Trees {
    fn new(fixture: &Fixture, graded: &Files) -> Trees {
        let hidden_paths = fixture.hidden_paths();
        let mut visible = graded.clone();
        visible.retain(|path, _| !hidden_paths.contains(path));
        let mut hidden = visible.clone();
        hidden.extend(
            fixture
                .hidden
                .iter()
                .map(|(path, entry)| (path.clone(), entry.clone())),
        );
        Trees { visible, hidden }
    }
}

/// The checks stage's state across one case's checks.
struct Stage<'a> {
    episode: &'a Episode,
    settings: &'a Settings,
    trees: Trees,
    grade_root: std::path::PathBuf,
    watch: Option<OutsideWatch>,
    current: Option<Snapshot>,
    fresh: Fresh,
    lock: Option<&'a TestsLock>,
    /// Set once the tree cannot be restored even after clearing what blocked it: the
    /// checks left fail unrun (`ungradable_state` says why), and the case is still graded.
    unrestorable: Option<String>,
    /// Tree digests for the cache, computed once when first needed.
    digests: [Option<String>; 3],
    /// The Rust build the checks share ([`shared_build`]), and which checks take part.
    shared: SharedBuild,
    taking_part: Vec<bool>,
    /// Each check's sealed plan ([`sealed::plan`]), made once.
    sealed_plans: Vec<Option<sealed::Plan>>,
}

/// Whether a differential check's driver links Rust code (and so is built, and can be
/// cached or linked from the shared build).
fn links_rust(table: &harness_fixture::Differential) -> bool {
    table.language() == Some(harness_fixture::EntryLanguage::Rust)
}

/// Whether `check` runs in the tree with the hidden files (a differential check and a sealed
/// cargo check run in the visible tree: agent code runs in them).
fn runs_in_hidden_tree(check: &harness_fixture::Check, sealed: bool) -> bool {
    check.hidden && check.differential.is_none() && !sealed
}

/// Checks: each as [`Stage::check`] runs it, in contract order.
pub(super) fn checks(
    episode: &Episode,
    settings: &Settings,
    judged: &Judged,
    inspected: Inspected,
    graded: &mut Graded,
) -> Result<(), GradeError> {
    let fixture = &episode.fixture;
    let grade_root = episode.dirs.root().join("grade");
    if !fixture.contract.checks.is_empty() {
        fs::create_dir(&grade_root).map_err(|source| ChecksError::Io {
            action: "create",
            path: grade_root.clone(),
            source,
        })?;
    }
    let trees = Trees::new(fixture, &judged.graded);
    let sealed_plans: Vec<Option<sealed::Plan>> = fixture
        .contract
        .checks
        .iter()
        .map(|check| sealed::plan(check, &trees.visible, &fixture.hidden))
        .collect();
    let taking_part: Vec<bool> = fixture
        .contract
        .checks
        .iter()
        .zip(&sealed_plans)
        .map(|(check, plan)| {
            let sealed = plan.is_some();
            shared_build::takes_part(check, sealed, runs_in_hidden_tree(check, sealed))
        })
        .collect();
    let sharing = taking_part.iter().filter(|&&part| part).count() > 1;
    let shared = SharedBuild::new(&grade_root, sharing).map_err(|source| ChecksError::Io {
        action: "create",
        path: grade_root.join("shared-build"),
        source,
    })?;
    let mut stage = Stage {
        episode,
        settings,
        trees,
        grade_root,
        watch: inspected.outside,
        current: Some(inspected.snapshot),
        fresh: Fresh::unpredictable(),
        lock: fixture.lock.as_ref().filter(|_| !settings.recording_lock),
        unrestorable: None,
        digests: [None, None, None],
        shared,
        taking_part,
        sealed_plans,
    };
    for (index, check) in fixture.contract.checks.iter().enumerate() {
        stage.check(index, check, graded)?;
    }
    Ok(())
}

impl Stage<'_> {
    fn check(
        &mut self,
        index: usize,
        check: &harness_fixture::Check,
        graded: &mut Graded,
    ) -> Result<(), GradeError> {
        let (episode, settings) = (self.episode, self.settings);
        let fixture = &episode.fixture;
        if let Some(reason) = &self.unrestorable {
            let (result, score) = ungradable::not_run(check, reason);
            graded.checks.push(result);
            graded.scores.push(score);
            return Ok(());
        }
        // Each check runs once per case: its plan is taken, not copied.
        let sealed = self.sealed_plans[index].take();
        let hidden_tree = runs_in_hidden_tree(check, sealed.is_some());
        // Restored even when the check will not run: a tree that cannot be made is
        // `ungradable_state` whether or not its checks were needed.
        if !self.restore(check, hidden_tree, graded) {
            return Ok(());
        }
        let decided = graded
            .violations
            .iter()
            .any(|violation| violation.code.is_integrity());
        if decided && !settings.run_all_checks {
            let (mut result, score) =
                ungradable::not_run(check, &crate::message::check_skipped_integrity());
            result.skipped = Some(SkipReason::Integrity);
            graded.checks.push(result);
            graded.scores.push(score);
            return Ok(());
        }
        let locked = self.lock.and_then(|lock| lock.checks.get(&check.name));
        let key = cache::applies(check, locked, settings)
            .then(|| self.cache_key(check, locked, hidden_tree));
        if let Some(entry) = key.as_deref().and_then(|key| cache::lookup(settings, key)) {
            return self.serve(index, check, entry, graded);
        }
        let violations_before = graded.violations.len();
        let (dirs, from_shared) = self.prepare(index, check, hidden_tree)?;
        let record = self.taking_part[index] && self.taking_part[index + 1..].contains(&true);
        let started = Instant::now();
        let run = match (&check.differential, &sealed) {
            (Some(table), _) => {
                let messages = from_shared
                    .then(|| self.shared.default_messages_for(&dirs.target))
                    .flatten();
                let graded_tree = self.graded_tree_digest(table);
                let reuse = differential::Reuse {
                    shared: messages.as_deref(),
                    graded_tree: graded_tree.as_deref(),
                };
                let fresh = &mut self.fresh;
                differential::run(check, table, &dirs, settings, fixture, fresh, reuse)?
            }
            (None, Some(plan)) => {
                let sharing = sealed::Sharing {
                    reuse: from_shared,
                    record,
                    shared: &mut self.shared,
                };
                sealed::run(
                    check,
                    plan,
                    &dirs,
                    settings,
                    locked,
                    &mut self.fresh,
                    sharing,
                )?
            }
            (None, None) => {
                let tree = self.trees.get(hidden_tree);
                let shared = record.then_some(&mut self.shared);
                checks::run(
                    check,
                    &dirs,
                    settings,
                    tree,
                    locked,
                    &mut self.fresh,
                    shared,
                )?
            }
        };
        let network = !settings.check_policy(check.network).no_network;
        record_check(check, &run, started, network, graded);
        for artifact in fixture
            .contract
            .artifacts
            .iter()
            .filter(|artifact| artifact.check == check.name)
        {
            if let Some(content) = read_artifact(&dirs.tree, &artifact.path) {
                graded.artifacts.insert(artifact.name.clone(), content);
            }
        }
        graded
            .check_logs
            .push((check.name.clone(), dirs.log.clone()));
        self.watch_outside(check, graded);
        if let Some(key) = key {
            self.store(key, check, &dirs.log, violations_before, graded);
        }
        Ok(())
    }

    /// Check `index`'s directories. Its target directory starts as a copy of the episode's
    /// shared build when the check takes part, or is a Rust differential check and that
    /// build used cargo's defaults (as its driver's own build would); else of the
    /// environment's build, if any. Whether it started from the shared build.
    fn prepare(
        &mut self,
        index: usize,
        check: &harness_fixture::Check,
        hidden_tree: bool,
    ) -> Result<(CheckDirs, bool), GradeError> {
        let (episode, settings) = (self.episode, self.settings);
        let links_shared =
            check.differential.as_ref().is_some_and(links_rust) && self.shared.has_defaults();
        let shared_seed = self
            .shared
            .seed()
            .filter(|_| self.taking_part[index] || links_shared);
        let warm = settings
            .environment
            .as_ref()
            .and_then(|environment| environment.warm_target.as_deref());
        if shared_seed.is_none() && warm.is_some() {
            // The check's build starts from the environment's: cargo must see exactly what
            // differs from the baseline as newer than that build. (A shared build was made
            // from this very tree: its times stand.)
            let tree = self.trees.get(hidden_tree);
            stamp::stamp_graded(&episode.dirs.worktree, tree, &episode.fixture.repo);
        }
        let dirs = checks::prepare(
            &self.grade_root,
            index,
            check,
            &episode.dirs.worktree,
            settings,
            shared_seed.as_deref().or(warm),
            self.shared.masked(),
        )?;
        Ok((dirs, shared_seed.is_some()))
    }

    /// The graded tree's digest, under which a Rust differential driver is cached (none when
    /// the cache is off or the entry is Python).
    fn graded_tree_digest(&mut self, table: &harness_fixture::Differential) -> Option<String> {
        (self.settings.check_cache && links_rust(table)).then(|| {
            self.digests[0]
                .get_or_insert_with(|| cache::tree_digest(&self.trees.visible))
                .clone()
        })
    }

    /// Makes the worktree the check's tree; `false` (the check recorded as not run) when
    /// it cannot be.
    fn restore(
        &mut self,
        check: &harness_fixture::Check,
        hidden_tree: bool,
        graded: &mut Graded,
    ) -> bool {
        let worktree = &self.episode.dirs.worktree;
        match ungradable::restore_tree(worktree, self.trees.get(hidden_tree), self.current.take()) {
            Ok(cleared) => {
                graded.violations.extend(ungradable::cleared_violations(
                    &cleared,
                    worktree,
                    &format!("to restore the grading tree for check `{}`", check.name),
                ));
                true
            }
            Err(failure) => {
                graded.violations.extend(failure.violations(worktree));
                graded.errors.push(failure.to_string());
                let (result, score) = ungradable::not_run(check, &failure.to_string());
                graded.checks.push(result);
                graded.scores.push(score);
                self.unrestorable = Some(failure.to_string());
                false
            }
        }
    }

    fn cache_key(
        &mut self,
        check: &harness_fixture::Check,
        locked: Option<&LockedCheck>,
        hidden_tree: bool,
    ) -> String {
        let fixture = &self.episode.fixture;
        let [visible, hidden, hidden_files] = &mut self.digests;
        let tree = if hidden_tree {
            hidden.get_or_insert_with(|| cache::tree_digest(&self.trees.hidden))
        } else {
            visible.get_or_insert_with(|| cache::tree_digest(&self.trees.visible))
        };
        // A hidden check that runs on the visible tree (sealed, differential) reads the
        // hidden files too.
        let hidden_files = check.hidden.then(|| {
            hidden_files
                .get_or_insert_with(|| cache::tree_digest(&fixture.hidden))
                .as_str()
        });
        cache::key(check, locked, tree, hidden_files, self.settings)
    }

    /// Records a cached outcome as the check's: its result (marked `cached`, with the
    /// original duration), score, artifacts and log.
    fn serve(
        &mut self,
        index: usize,
        check: &harness_fixture::Check,
        entry: Entry,
        graded: &mut Graded,
    ) -> Result<(), GradeError> {
        let log = self.grade_root.join(format!("{index}-{}.log", check.name));
        fs::write(&log, &entry.log).map_err(|source| ChecksError::Io {
            action: "write",
            path: log.clone(),
            source,
        })?;
        let mut result = entry.result;
        result.cached = true;
        graded.scores.push(CheckScore {
            weight: check.weight,
            score: result.score,
            passed: result.passed,
        });
        graded.check_confinement = Some(entry.confinement);
        graded.artifacts.extend(entry.artifacts);
        graded.check_logs.push((check.name.clone(), log));
        graded.checks.push(result);
        Ok(())
    }

    /// Stores the check's outcome under `key` when it is clean: it ran to its end within
    /// its budget and added no violation.
    fn store(
        &self,
        key: String,
        check: &harness_fixture::Check,
        log: &Path,
        violations_before: usize,
        graded: &Graded,
    ) {
        let Some(result) = graded.checks.last() else {
            return;
        };
        let clean = graded.violations.len() == violations_before
            && !result.timed_out
            && result.exit_code.is_some();
        if !clean {
            return;
        }
        let artifacts = self
            .episode
            .fixture
            .contract
            .artifacts
            .iter()
            .filter(|artifact| artifact.check == check.name)
            .filter_map(|artifact| {
                let content = graded.artifacts.get(&artifact.name)?;
                Some((artifact.name.clone(), content.clone()))
            })
            .collect();
        let log = {
            use std::io::Read;
            let mut bytes = Vec::new();
            let _ =
                fs::File::open(log).map(|file| file.take(CACHED_LOG_CAP).read_to_end(&mut bytes));
            String::from_utf8_lossy(&bytes).into_owned()
        };
        cache::store(
            self.settings,
            Entry {
                key,
                result: result.clone(),
                log,
                artifacts,
                confinement: graded.check_confinement.clone().unwrap_or_default(),
            },
        );
    }

    /// Writes outside the grading tree while the check ran (unconfined runs) are
    /// `outside_write`.
    fn watch_outside(&mut self, check: &harness_fixture::Check, graded: &mut Graded) {
        let Some(previous) = &self.watch else {
            return;
        };
        let now = OutsideWatch::capture(self.settings, self.episode.dirs.root());
        for path in previous.changed(&now) {
            graded.violations.push(Violation::at(
                ViolationCode::OutsideWrite,
                path.display().to_string(),
                format!(
                    "changed outside the grading tree while check `{}` ran",
                    check.name
                ),
            ));
        }
        self.watch = Some(now);
    }
}

impl Trees {
    fn get(&self, hidden: bool) -> &Files {
        if hidden { &self.hidden } else { &self.visible }
    }
}

/// One check's run, into the graded record: its violations, score and result.
fn record_check(
    check: &harness_fixture::Check,
    run: &checks::CheckRun,
    started: Instant,
    network: bool,
    graded: &mut Graded,
) {
    let outcome = &run.outcome;
    for reason in &run.verdict.forged {
        graded.violations.push(Violation::at(
            ViolationCode::ForgedResults,
            check.name.clone(),
            reason.clone(),
        ));
    }
    graded.check_confinement = Some(outcome.confinement.clone());
    if outcome.timed_out {
        graded.violations.push(Violation::at(
            ViolationCode::Timeout,
            check.name.clone(),
            format!("check ran past its {}s budget", check.timeout_s),
        ));
    }
    if let Some(limit) = &outcome.resource_limit {
        graded.violations.push(Violation::at(
            ViolationCode::ResourceLimit,
            check.name.clone(),
            limit.clone(),
        ));
    }
    graded.scores.push(CheckScore {
        weight: check.weight,
        score: run.verdict.score,
        passed: run.verdict.passed,
    });
    graded.checks.push(CheckResult {
        name: check.name.clone(),
        hidden: check.hidden,
        passed: run.verdict.passed,
        exit_code: outcome.exit_code,
        // The whole check: a sealed or differential check runs several processes.
        duration_ms: started.elapsed().as_millis() as u64,
        timed_out: outcome.timed_out,
        output_tail: outcome.output_tail.clone(),
        report: run.invocation.format.as_str().to_owned(),
        score: run.verdict.score,
        tests: run.verdict.tests.clone(),
        missing: run.verdict.missing.clone(),
        tripwire: run.verdict.tripwire,
        seed: run.seed,
        network,
        cached: false,
        skipped: None,
    });
}

/// An artifact the check left in the tree, when it is a regular file reached through no
/// symlink (every process of the check is gone, so what is checked here stays so).
fn read_artifact(tree: &std::path::Path, relative: &str) -> Option<String> {
    let relative = RepoPath::parse(relative).ok()?;
    let mut path = tree.to_path_buf();
    for part in relative.as_str().split('/') {
        path.push(part);
        if fs::symlink_metadata(&path).ok()?.file_type().is_symlink() {
            return None;
        }
    }
    let text = checks::read_capped(&path)?;
    let mut end = text.len().min(ARTIFACT_CAP);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Some(text[..end].to_owned())
}
