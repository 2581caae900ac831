//! What grading finds, part by part: each check's outcome, each deliverable, each changed
//! path, the usage the agent reported, the review breakdown. The case result
//! (`crate::result`) carries them as they are; the JSON is the case result's.

use serde::{Deserialize, Serialize};

use super::verdict::{TestRecord, TripwireSeen};
use super::violation::ViolationCode;
use crate::snapshot::ChangeKind;

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Check name from the contract.
    pub name: String,
    /// Whether its files came from `hidden/`.
    pub hidden: bool,
    /// Exit status 0 within budget.
    pub passed: bool,
    /// Exit code, `None` when killed by a signal or timed out.
    pub exit_code: Option<i32>,
    /// Wall time.
    pub duration_ms: u64,
    /// Killed at its `timeout_s`.
    #[serde(default)]
    pub timed_out: bool,
    /// The last lines of its combined output, for triage.
    #[serde(default)]
    pub output_tail: String,
    /// The report format its per-test results were read in (`unittest`, `pytest`,
    /// `libtest`, `tap`, or `exit` for the exit status only).
    #[serde(default = "exit_format")]
    pub report: String,
    /// Its share of the checks term, in [0, 1]: 1 or 0, or with `partial = true` the
    /// fraction of its locked tests that passed.
    #[serde(default)]
    pub score: f64,
    /// Every test its runner reported (the harness's tripwire left out).
    #[serde(default)]
    pub tests: Vec<TestRecord>,
    /// Tests the lock expects that the runner did not report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// What the harness's tripwire test showed (`failed` is the honest outcome).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tripwire: Option<TripwireSeen>,
    /// A differential check's input seed: `HARNESS_CHECK_SEED=<seed>` replays it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Whether the check could reach the network (its contract's `network = true` and no
    /// `--no-network`); otherwise it ran with only a private loopback.
    #[serde(default)]
    pub network: bool,
    /// Served from the check-result cache: an earlier run of the same check on the same
    /// inputs (DESIGN.md "Check-result cache"); `duration_ms` is that run's.
    #[serde(default)]
    pub cached: bool,
    /// Why the check did not run: `integrity` when grading had already found an
    /// integrity violation (the case scores -1 whatever the checks say); `null` when it ran.
    #[serde(default)]
    pub skipped: Option<SkipReason>,
}

/// Why a check was not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// An integrity violation had already decided the case.
    Integrity,
}

fn exit_format() -> String {
    "exit".to_owned()
}

/// One deliverable's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliverableResult {
    /// Path from the contract.
    pub path: String,
    /// Every content rule held.
    pub satisfied: bool,
    /// Why not, when not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// How a changed path was treated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedPath {
    /// Repo-relative path.
    pub path: String,
    /// `added`, `modified` or `deleted`.
    pub change: ChangeKind,
    /// `graded` (reached the grading tree), `artifact` (dropped build output) or the
    /// violation code that kept it out.
    pub disposition: Disposition,
}

/// Usage the agent reported through `HARNESS_USAGE`, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// Input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Dollars.
    pub usd: f64,
    /// Lines that carried tokens.
    pub reported_tokens: bool,
    /// Lines that carried usd.
    pub reported_usd: bool,
}

/// The review family's score breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewScore {
    /// The verdict the reviewer gave, if it parsed.
    pub verdict: Option<String>,
    /// The key's verdict.
    pub expected_verdict: String,
    /// Matched defects / planted defects (1 when none are planted).
    pub recall: f64,
    /// Matching findings / findings (1 when there are none).
    pub precision: f64,
}

/// One check as the formula sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckScore {
    /// Its weight.
    pub weight: f64,
    /// Its share in [0, 1]: 1 or 0, or the fraction of its locked tests that passed for a
    /// `partial` check.
    pub score: f64,
    /// It passed outright.
    pub passed: bool,
}

impl CheckScore {
    /// An all-or-nothing check.
    pub fn pass_fail(weight: f64, passed: bool) -> CheckScore {
        CheckScore {
            weight,
            score: f64::from(u8::from(passed)),
            passed,
        }
    }
}

/// What happened to a changed path: it reached grading, it was dropped as build output, or
/// a violation kept it out (written as that violation's code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Disposition {
    /// It reached the grading tree.
    Graded,
    /// New build output the baseline ignores: dropped, never graded.
    Artifact,
    /// Kept out by this violation.
    Rejected(ViolationCode),
}

impl Disposition {
    /// `graded`, `artifact`, or the violation's code.
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Graded => "graded",
            Disposition::Artifact => "artifact",
            Disposition::Rejected(code) => code.as_str(),
        }
    }
}

impl std::fmt::Display for Disposition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Disposition> for String {
    fn from(disposition: Disposition) -> String {
        disposition.as_str().to_owned()
    }
}

impl TryFrom<String> for Disposition {
    type Error = String;

    fn try_from(text: String) -> Result<Disposition, String> {
        match text.as_str() {
            "graded" => Ok(Disposition::Graded),
            "artifact" => Ok(Disposition::Artifact),
            code => ViolationCode::parse(code)
                .map(Disposition::Rejected)
                .ok_or_else(|| format!("unknown disposition `{code}`")),
        }
    }
}

/// The work item's status as graded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureState {
    /// Open (also every review, which has no work item).
    #[default]
    Open,
    /// Closed.
    Closed,
    /// Missing, a symlink, or it does not parse (counted as open).
    Invalid,
}
