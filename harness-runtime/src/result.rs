//! The case result: what one episode produced, as JSON (DESIGN.md "Outputs").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::grade::outcome::{
    ChangedPath, CheckResult, ClosureState, DeliverableResult, Disposition, ReviewScore,
    SkipReason, Usage,
};
use crate::grade::suspicion::{Suspicion, SuspicionKind};
use crate::grade::violation::{Violation, ViolationCode};
pub use harness_fixture::FixtureKind;

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Every check, deliverable and closure held, no violation.
    Passed,
    /// Graded and found wanting.
    Failed,
    /// The harness's or the environment's fault: no reward, retried on resume.
    Errored,
}

/// Where the time went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Durations {
    /// Baseline repo + worktree.
    pub prepare: u64,
    /// The agent.
    pub agent: u64,
    /// Snapshot, integrity, scope, checks, reward.
    pub grade: u64,
}

/// What confined a case's processes, written `landlock-v<N>` or `none`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Confinement {
    /// No kernel confinement.
    #[default]
    None,
    /// Landlock with this ABI version.
    Landlock(u32),
}

impl Confinement {
    /// From the label a process outcome carries (`landlock-v<N>`, `none`); anything else
    /// is `none`.
    pub fn from_label(label: &str) -> Confinement {
        label
            .strip_prefix("landlock-v")
            .and_then(|abi| abi.parse().ok())
            .map_or(Confinement::None, Confinement::Landlock)
    }
}

impl From<Confinement> for String {
    fn from(confinement: Confinement) -> String {
        match confinement {
            Confinement::None => "none".to_owned(),
            Confinement::Landlock(abi) => format!("landlock-v{abi}"),
        }
    }
}

impl TryFrom<String> for Confinement {
    type Error = String;

    fn try_from(label: String) -> Result<Confinement, String> {
        match Confinement::from_label(&label) {
            Confinement::None if label != "none" => Err(format!("unknown confinement `{label}`")),
            confinement => Ok(confinement),
        }
    }
}

/// One case: what an agent did to one fixture, graded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseResult {
    /// The run this case belongs to.
    pub run_id: String,
    /// `<fixture>::<agent>` or `attack::<fn>`.
    pub case: String,
    /// Fixture id.
    pub fixture: String,
    /// `noop`, `oracle`, `agent`, a function name, or a policy name.
    pub agent: String,
    /// `work_item`, `review` or `honeypot`.
    pub kind: FixtureKind,
    /// passed / failed / errored.
    pub status: CaseStatus,
    /// `status == passed`.
    pub passed: bool,
    /// In [-1, 1]; `None` when errored.
    pub reward: Option<f64>,
    /// Everything found wrong.
    pub violations: Vec<Violation>,
    /// Per check.
    pub checks: Vec<CheckResult>,
    /// Per deliverable.
    pub deliverables: Vec<DeliverableResult>,
    /// `open`, `closed` or `invalid`.
    pub closure: ClosureState,
    /// Every path that differs from the baseline, and what happened to it.
    pub changed_paths: Vec<ChangedPath>,
    /// Milliseconds per phase.
    pub durations_ms: Durations,
    /// `landlock-v<N>` or `none`.
    pub confinement: Confinement,
    /// `pid-namespace` (the kernel ends every process of the case with it, or with the
    /// harness) or `session` (the harness does, while it lives).
    #[serde(default)]
    pub lifetime: harness_sandbox::Lifetime,
    /// `own` (a tmpfs of the episode's own, of `--episode-disk` MiB) or `shared`.
    #[serde(default)]
    pub disk: crate::episode::EpisodeDisk,
    /// Usage reported by the agent.
    #[serde(default)]
    pub usage: Usage,
    /// The agent's size in bytes (its command and the files it names; the oracle's
    /// files), the frontier's cost when no usage was reported.
    #[serde(default)]
    pub agent_bytes: u64,
    /// Artifact name -> content (lossy UTF-8, capped).
    #[serde(default)]
    pub artifacts: BTreeMap<String, String>,
    /// Review family breakdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewScore>,
    /// Constructs in the agent's change that only gaming needs (DESIGN.md "Suspicion
    /// report"): evidence, never a violation; they change the reward only in a strict run.
    #[serde(default)]
    pub suspicions: Vec<Suspicion>,
    /// A strict run (`harness run --strict`, `HARNESS_STRICT=1`) capped this case's reward
    /// at the fixture's noop reward because of its suspicions (present only when it did).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strict_capped: bool,
    /// For `errored`: what went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The reward formula's terms as they were computed (absent when errored, and in
    /// ledgers written before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward_terms: Option<crate::reward::RewardTerms>,
}

impl CaseResult {
    /// The distinct violation codes, sorted.
    pub fn codes(&self) -> Vec<ViolationCode> {
        let mut codes: Vec<ViolationCode> = self
            .violations
            .iter()
            .map(|violation| violation.code)
            .collect();
        codes.sort();
        codes.dedup();
        codes
    }

    /// Whether a violation with `code` was reported.
    pub fn has(&self, code: ViolationCode) -> bool {
        self.violations
            .iter()
            .any(|violation| violation.code == code)
    }

    /// An errored case: no reward, the reason recorded.
    pub fn errored(
        run_id: &str,
        case: &str,
        fixture: &str,
        agent: &str,
        kind: FixtureKind,
        error: String,
    ) -> CaseResult {
        CaseResult {
            run_id: run_id.to_owned(),
            case: case.to_owned(),
            fixture: fixture.to_owned(),
            agent: agent.to_owned(),
            kind,
            status: CaseStatus::Errored,
            passed: false,
            reward: None,
            violations: Vec::new(),
            checks: Vec::new(),
            deliverables: Vec::new(),
            closure: ClosureState::Open,
            changed_paths: Vec::new(),
            durations_ms: Durations::default(),
            confinement: Confinement::None,
            lifetime: harness_sandbox::Lifetime::Session,
            disk: crate::episode::EpisodeDisk::Shared,
            usage: Usage::default(),
            agent_bytes: 0,
            artifacts: BTreeMap::new(),
            review: None,
            reward_terms: None,
            suspicions: Vec::new(),
            strict_capped: false,
            error: Some(error),
        }
    }

    /// The distinct suspicion kinds found, in order.
    pub fn suspicion_kinds(&self) -> Vec<SuspicionKind> {
        let mut kinds: Vec<SuspicionKind> = self
            .suspicions
            .iter()
            .map(|suspicion| suspicion.kind)
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }

    /// One line for test output: status, reward, violation codes.
    pub fn summary(&self) -> String {
        crate::message::case_summary(&self.view())
    }

    /// What its lines say, for `crate::message`.
    pub fn view(&self) -> crate::message::CaseView<'_> {
        crate::message::CaseView {
            case: &self.case,
            status: match self.status {
                CaseStatus::Passed => "passed",
                CaseStatus::Failed => "failed",
                CaseStatus::Errored => "errored",
            },
            reward: self.reward,
            codes: self
                .codes()
                .into_iter()
                .map(ViolationCode::as_str)
                .collect(),
            violations: self
                .violations
                .iter()
                .map(|violation| {
                    (
                        violation.code.as_str(),
                        violation.path.as_deref(),
                        violation.detail.as_str(),
                    )
                })
                .collect(),
            suspicion_kinds: self
                .suspicion_kinds()
                .into_iter()
                .map(|kind| kind.as_str())
                .collect(),
            suspicions: self.suspicions.iter().map(Suspicion::view).collect(),
            strict_capped: self.strict_capped,
            error: self.error.as_deref(),
        }
    }
}
