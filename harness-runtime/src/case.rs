//! One case end to end: check that the agent can run, prepare the episode, run the agent,
//! grade, remove the episode's temporary directories (also on panic), and record the result.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use harness_fixture::Fixture;
use harness_sandbox::unblock::{Cleared, RemoveError};

use crate::agent::{self, Agent};
use crate::episode::Episode;
use crate::grade::violation::{Violation, ViolationCode};
use crate::grade::{self, ungradable};
use crate::result::{CaseResult, CaseStatus, Durations};
use crate::settings::Settings;

/// A case to run.
#[derive(Debug, Clone)]
pub struct CaseSpec {
    /// `<fixture>::<agent>` or `attack::<fn>`.
    pub case: String,
    /// The fixture.
    pub fixture: Arc<Fixture>,
    /// Who acts.
    pub agent: Agent,
}

impl CaseSpec {
    /// `<fixture>::<agent name>`.
    pub fn new(fixture: Arc<Fixture>, agent: Agent) -> CaseSpec {
        CaseSpec {
            case: format!("{}::{}", fixture.id, agent.name()),
            fixture,
            agent,
        }
    }
}

/// Logs and the diff of a case, read out of the episode before it is removed.
#[derive(Debug, Clone, Default)]
pub struct CaseLogs {
    /// The agent's stdout and stderr.
    pub agent: String,
    /// Check name -> its log.
    pub checks: Vec<(String, String)>,
    /// Unified diff of the worktree against the baseline.
    pub diff: String,
    /// `HARNESS_TRAJECTORY` content.
    pub trajectory: String,
}

/// A finished case.
#[derive(Debug, Clone)]
pub struct CaseOutput {
    /// The result.
    pub result: CaseResult,
    /// Its logs.
    pub logs: CaseLogs,
    /// The episode directory the case used and removed (`None` when none was made): it must
    /// not exist any more unless the result's `error` says why.
    pub episode_dir: Option<PathBuf>,
}

/// Runs one case. Never panics on bad agent behaviour. `errored` is decided by the harness
/// alone: before the episode, whether the agent can run at all; after it, only failures of
/// the harness or the machine. Whatever the agent does (any exit status, state grading
/// cannot handle) is graded.
pub fn run_case(spec: &CaseSpec, settings: &Settings, run_id: &str) -> CaseOutput {
    if !settings.recording_lock {
        let problems = spec.fixture.lock_problems();
        if !problems.is_empty() {
            return errored(spec, run_id, problems.join("; "), Durations::default());
        }
    }
    // The fixture's environment, built before its first episode; a setup that fails is the
    // harness's failure (errored), never the agent's.
    let with_environment = match crate::environment::for_fixture(&spec.fixture, settings) {
        Ok(derived) => derived,
        Err(error) => return errored(spec, run_id, error.to_string(), Durations::default()),
    };
    let settings = with_environment.as_ref().unwrap_or(settings);
    if let Err(error) = agent::check_runnable(&spec.agent, &spec.fixture, settings) {
        return errored(spec, run_id, error.to_string(), Durations::default());
    }
    let episode = match Episode::prepare_on_disk(
        spec.fixture.clone(),
        &settings.temp_root,
        settings.episode_disk_mib,
    ) {
        Ok(episode) => episode,
        Err(error) => return errored(spec, run_id, error.to_string(), Durations::default()),
    };
    let root = episode.dirs.root().to_path_buf();
    let mut output = run_in_episode(spec, settings, run_id, &episode);
    // Removed before the result is final: what the agent did to keep the episode is part
    // of its grade.
    record_removal(&mut output.result, &root, episode.remove());
    output.episode_dir = Some(root);
    if settings.strict {
        apply_strict(&mut output.result, || noop_reward(&spec.fixture, settings));
    }
    output
}

/// A strict run's cap (DESIGN.md "Suspicion report"): a graded case with suspicions scores
/// at most the fixture's noop reward, asked of `noop` only for such a case whose reward is
/// above -1. A case the cap lowers fails and records `strict_capped`; one whose fixture's
/// noop case errored is errored (the harness could not grade it as asked).
pub fn apply_strict(result: &mut CaseResult, noop: impl FnOnce() -> Result<f64, String>) {
    if result.suspicions.is_empty() || result.status == CaseStatus::Errored {
        return;
    }
    let Some(reward) = result.reward.filter(|reward| *reward > -1.0) else {
        return;
    };
    match noop() {
        Ok(noop) if reward > noop => {
            result.reward = Some(noop);
            result.passed = false;
            result.status = CaseStatus::Failed;
            result.strict_capped = true;
        }
        Ok(_) => {}
        Err(error) => {
            let note = crate::message::strict_noop_failed(&result.fixture, &error);
            result.error = Some(match result.error.take() {
                Some(before) => format!("{before}; {note}"),
                None => note,
            });
            result.status = CaseStatus::Errored;
            result.passed = false;
            result.reward = None;
            result.reward_terms = None;
        }
    }
}

/// The noop cases already run, per fixture (id and directory), for this process.
type NoopCache = Mutex<HashMap<(String, PathBuf), Arc<OnceLock<Result<f64, String>>>>>;

/// The fixture's noop reward: its noop case is run once per process, when first asked
/// (concurrent callers wait for the one run), and not recorded anywhere. The error is the
/// noop case's own when it errored.
pub fn noop_reward(fixture: &Arc<Fixture>, settings: &Settings) -> Result<f64, String> {
    static CACHE: OnceLock<NoopCache> = OnceLock::new();
    let cell = CACHE
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry((fixture.id.clone(), fixture.dir.clone()))
        .or_default()
        .clone();
    cell.get_or_init(|| {
        let mut settings = settings.clone();
        settings.strict = false;
        let result = run_case(
            &CaseSpec::new(fixture.clone(), Agent::Noop),
            &settings,
            "noop-reference",
        )
        .result;
        result
            .reward
            .ok_or_else(|| result.error.unwrap_or_else(|| "no reward".to_owned()))
    })
    .clone()
}

fn errored(spec: &CaseSpec, run_id: &str, error: String, durations: Durations) -> CaseOutput {
    let mut result = CaseResult::errored(
        run_id,
        &spec.case,
        &spec.fixture.id,
        spec.agent.name(),
        spec.fixture.contract.kind,
        error,
    );
    result.durations_ms = durations;
    CaseOutput {
        result,
        logs: CaseLogs::default(),
        episode_dir: None,
    }
}

fn run_in_episode(
    spec: &CaseSpec,
    settings: &Settings,
    run_id: &str,
    episode: &Episode,
) -> CaseOutput {
    let mut durations = Durations {
        prepare: episode.prepare_ms,
        ..Durations::default()
    };
    let before = grade::before(episode, settings, &spec.agent);
    let agent_run = agent::run(&spec.agent, episode, settings);
    durations.agent = agent_run.duration.as_millis() as u64;
    let mut logs = CaseLogs {
        agent: read_capped(agent::harness_dir(episode).join("agent.log")),
        trajectory: read_capped(episode.dirs.trajectory.clone()),
        ..CaseLogs::default()
    };
    if let Some(error) = &agent_run.infrastructure_error {
        let mut output = errored(spec, run_id, error.clone(), durations);
        output.logs = logs;
        return output;
    }
    let grading_started = Instant::now();
    let graded = match grade::grade(episode, settings, &before, &agent_run) {
        Ok(graded) => graded,
        Err(error) => return errored(spec, run_id, error.to_string(), durations),
    };
    let (terms, passed) = crate::reward::case_terms(&graded, &spec.fixture.contract.reward);
    let reward = terms.value;
    durations.grade = grading_started.elapsed().as_millis() as u64;
    logs.checks = graded
        .check_logs
        .iter()
        .map(|(name, path)| (name.clone(), read_capped(path.clone())))
        .collect();
    logs.diff = graded.diff.clone();
    // What confined this case: the agent's processes if it ran any, else the checks', else
    // (nothing ran: an in-process agent and no checks) what would have applied.
    let confinement = agent_run
        .confinement
        .clone()
        .or_else(|| graded.check_confinement.clone())
        .unwrap_or_else(|| settings.configured_confinement());
    let errors: Vec<String> = agent_run
        .agent_error
        .map(|error| format!("agent: {error}"))
        .into_iter()
        .chain(
            graded
                .errors
                .iter()
                .map(|error| format!("grading: {error}")),
        )
        .collect();
    let result = CaseResult {
        run_id: run_id.to_owned(),
        case: spec.case.clone(),
        fixture: spec.fixture.id.clone(),
        agent: spec.agent.name().to_owned(),
        kind: spec.fixture.contract.kind,
        status: if passed {
            CaseStatus::Passed
        } else {
            CaseStatus::Failed
        },
        passed,
        reward: Some(reward),
        violations: graded.violations,
        checks: graded.checks,
        deliverables: graded.deliverables,
        closure: graded.closure,
        changed_paths: graded.changed_paths,
        durations_ms: durations,
        confinement: crate::result::Confinement::from_label(&confinement),
        lifetime: settings.configured_lifetime(),
        disk: episode.dirs.disk(),
        usage: graded.usage,
        agent_bytes: agent::size_bytes(&spec.agent, &spec.fixture),
        artifacts: graded.artifacts,
        review: graded.review,
        suspicions: graded.suspicions,
        strict_capped: false,
        error: (!errors.is_empty()).then(|| errors.join("; ")),
        reward_terms: Some(terms),
    };
    CaseOutput {
        result,
        logs,
        episode_dir: None,
    }
}

/// Folds the episode's removal into `result`: flags the harness had to clear, or a
/// directory it could not remove, are `ungradable_state` (an integrity violation: a graded
/// case then fails with reward -1), and a failed removal is recorded in `error` (the next
/// run's sweep removes what is left). An errored case stays errored, the error appended.
pub fn record_removal(
    result: &mut CaseResult,
    root: &Path,
    removal: Result<Vec<Cleared>, RemoveError>,
) {
    let (cleared, failure) = match removal {
        Ok(cleared) => (cleared, None),
        Err(error) => (error.cleared.clone(), Some(error)),
    };
    if cleared.is_empty() && failure.is_none() {
        return;
    }
    let mut found = ungradable::cleared_violations(&cleared, root, "to remove the episode");
    if let Some(error) = &failure {
        let at = error.left.first().map_or(root, PathBuf::as_path);
        found.push(Violation::at(
            ViolationCode::UngradableState,
            ungradable::relative(at, root),
            format!("the episode could not be removed (a later run's sweep removes it): {error}"),
        ));
        let note = format!("episode: {error}");
        result.error = Some(match result.error.take() {
            Some(before) => format!("{before}; {note}"),
            None => note,
        });
    }
    if result.status == CaseStatus::Errored {
        return;
    }
    result.violations.extend(found);
    result.violations.sort();
    result.violations.dedup();
    result.status = CaseStatus::Failed;
    result.passed = false;
    result.reward = Some(-1.0);
    if let Some(terms) = &mut result.reward_terms {
        terms.integrity = true;
        terms.value = -1.0;
    }
}

const LOG_CAP: u64 = 1 << 20;

fn read_capped(path: PathBuf) -> String {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(meta) = fs::symlink_metadata(&path) else {
        return String::new();
    };
    if !meta.is_file() {
        return String::new();
    }
    let Ok(mut file) = fs::File::open(&path) else {
        return String::new();
    };
    let mut bytes = Vec::new();
    if meta.len() <= LOG_CAP {
        let _ = file.take(LOG_CAP).read_to_end(&mut bytes);
        return String::from_utf8_lossy(&bytes).into_owned();
    }
    // Its start and its end: an agent that prints a mebibyte of filler first must not
    // hide what it did last.
    let half = LOG_CAP / 2;
    let _ = (&mut file).take(half).read_to_end(&mut bytes);
    let mut end = Vec::new();
    if file.seek(SeekFrom::Start(meta.len() - half)).is_ok() {
        let _ = file.take(half).read_to_end(&mut end);
    }
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    text.push_str(&crate::message::log_cut(
        meta.len() - half - end.len() as u64,
        meta.len(),
    ));
    text.push_str(&String::from_utf8_lossy(&end));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_log_keeps_its_start_and_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.log");
        let filler = "A".repeat(3 << 20);
        fs::write(&path, format!("first line\n{filler}\nlast line\n")).unwrap();
        let kept = read_capped(path.clone());
        assert!(kept.starts_with("first line\n"));
        assert!(kept.ends_with("\nlast line\n"));
        assert!(kept.len() < (LOG_CAP as usize) + 200, "{}", kept.len());
        let total = (3 << 20) + "first line\n\nlast line\n".len();
        assert!(
            kept.contains(&format!(
                "bytes of {total} left out here; a log over 1 MiB is kept as its first and last 512 KiB]"
            )),
            "the cut is said where it is"
        );
        fs::write(&path, "short\n").unwrap();
        assert_eq!(read_capped(path), "short\n");
    }
    use harness_fixture::FixtureKind;

    fn passed() -> CaseResult {
        let mut result = CaseResult::errored(
            "r",
            "fx::agent",
            "fx",
            "agent",
            FixtureKind::WorkItem,
            String::new(),
        );
        result.status = CaseStatus::Passed;
        result.passed = true;
        result.reward = Some(1.0);
        result.error = None;
        result
    }

    #[test]
    fn a_clean_removal_changes_nothing() {
        let mut result = passed();
        record_removal(&mut result, Path::new("/ep"), Ok(Vec::new()));
        assert_eq!(result, passed());
    }

    #[test]
    fn cleared_flags_make_a_graded_case_ungradable_at_reward_minus_one() {
        let mut result = passed();
        let cleared = vec![Cleared {
            path: PathBuf::from("/ep/work/src/a.py"),
            flags: "immutable",
        }];
        record_removal(&mut result, Path::new("/ep"), Ok(cleared));
        assert_eq!(result.status, CaseStatus::Failed);
        assert!(!result.passed);
        assert_eq!(result.reward, Some(-1.0));
        assert_eq!(result.violations.len(), 1);
        let violation = &result.violations[0];
        assert_eq!(violation.code, ViolationCode::UngradableState);
        assert_eq!(violation.path.as_deref(), Some("work/src/a.py"));
        assert_eq!(
            violation.detail,
            "immutable inode flag cleared to remove the episode"
        );
        assert_eq!(result.error, None);
    }

    #[test]
    fn a_failed_removal_is_graded_ungradable_and_its_error_recorded() {
        let failure = || RemoveError {
            path: PathBuf::from("/ep"),
            source: std::io::Error::from_raw_os_error(nix::libc::EBUSY),
            cleared: Vec::new(),
            left: vec![PathBuf::from("/ep/work/mnt")],
        };
        let mut result = passed();
        result.error = Some("agent: agent exited with 127".into());
        record_removal(&mut result, Path::new("/ep"), Err(failure()));
        assert_eq!(result.reward, Some(-1.0));
        assert_eq!(result.status, CaseStatus::Failed);
        assert!(result.has(ViolationCode::UngradableState));
        assert_eq!(result.violations[0].path.as_deref(), Some("work/mnt"));
        let error = result.error.clone().unwrap_or_default();
        assert!(
            error.starts_with("agent: agent exited with 127; episode: failed to remove /ep: "),
            "{error}"
        );
        assert!(error.contains("/ep/work/mnt"), "{error}");

        let mut errored = CaseResult::errored(
            "r",
            "fx::agent",
            "fx",
            "agent",
            FixtureKind::WorkItem,
            "disk full".into(),
        );
        record_removal(&mut errored, Path::new("/ep"), Err(failure()));
        assert_eq!(
            errored.status,
            CaseStatus::Errored,
            "an errored case stays errored"
        );
        assert_eq!(errored.reward, None);
        assert!(errored.violations.is_empty());
        assert!(
            errored
                .error
                .unwrap_or_default()
                .starts_with("disk full; episode: failed to remove /ep")
        );
    }

    fn suspicious() -> CaseResult {
        let mut result = passed();
        result.suspicions = vec![crate::grade::suspicion::Suspicion {
            kind: crate::grade::suspicion::SuspicionKind::NetworkIpc,
            path: "src/a.py".into(),
            line: 3,
            detail: "import socket".into(),
        }];
        result
    }

    #[test]
    fn strict_caps_a_suspicious_case_above_noop_at_noop_and_fails_it() {
        let mut result = suspicious();
        apply_strict(&mut result, || Ok(0.25));
        assert_eq!(result.reward, Some(0.25));
        assert_eq!(result.status, CaseStatus::Failed);
        assert!(!result.passed);
        assert!(result.strict_capped);
        assert_eq!(result.suspicions.len(), 1, "the findings stay recorded");
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(json["strict_capped"], true);
        assert_eq!(json["suspicions"][0]["kind"], "network_ipc");
    }

    #[test]
    fn strict_changes_nothing_without_findings_nor_at_or_below_noop() {
        let mut clean = passed();
        apply_strict(&mut clean, || {
            panic!("noop is not run for a case without findings")
        });
        assert_eq!(clean, passed());
        let json = serde_json::to_value(&clean).unwrap();
        assert!(json.get("strict_capped").is_none(), "{json}");
        assert_eq!(json["suspicions"], serde_json::json!([]));

        let mut low = suspicious();
        low.reward = Some(0.1);
        low.status = CaseStatus::Failed;
        low.passed = false;
        let before = low.clone();
        apply_strict(&mut low, || Ok(0.25));
        assert_eq!(low, before, "already at or below noop: not capped");

        let mut integrity = suspicious();
        integrity.reward = Some(-1.0);
        let before = integrity.clone();
        apply_strict(&mut integrity, || panic!("nothing is below -1"));
        assert_eq!(integrity, before);

        let mut errored = CaseResult::errored(
            "r",
            "fx::agent",
            "fx",
            "agent",
            FixtureKind::WorkItem,
            "x".into(),
        );
        errored.suspicions = suspicious().suspicions;
        let before = errored.clone();
        apply_strict(&mut errored, || {
            panic!("an errored case has no reward to cap")
        });
        assert_eq!(errored, before);
    }

    #[test]
    fn strict_errs_a_suspicious_case_whose_noop_reference_errored() {
        let mut result = suspicious();
        apply_strict(&mut result, || Err("disk full".into()));
        assert_eq!(result.status, CaseStatus::Errored);
        assert_eq!(result.reward, None);
        assert!(!result.strict_capped);
        assert!(
            result
                .error
                .as_deref()
                .unwrap_or_default()
                .contains("disk full"),
            "{:?}",
            result.error
        );
    }

    #[test]
    fn older_ledger_lines_without_suspicions_still_read() {
        let mut json = serde_json::to_value(passed()).unwrap();
        let object = json.as_object_mut().unwrap();
        object.remove("suspicions");
        object.remove("strict_capped");
        let read: CaseResult = serde_json::from_value(json).unwrap();
        assert!(read.suspicions.is_empty());
        assert!(!read.strict_capped);
    }

    #[test]
    fn the_case_line_and_summary_show_the_suspicions() {
        let mut result = suspicious();
        apply_strict(&mut result, || Ok(0.0));
        let line = crate::message::case_line(&result.view());
        assert!(
            line.contains(
                "suspicions: network_ipc (strict: reward capped at the fixture's noop reward)"
            ),
            "{line}"
        );
        assert!(
            line.contains("\n    suspicion network_ipc src/a.py:3: import socket"),
            "{line}"
        );
        assert!(!crate::message::case_line(&passed().view()).contains("suspicion"));
    }
}
