//! The review family's grading: the verdict matched against the key, recall and precision
//! of its findings. `crate::reward::review` turns them into the reward:
//!
//! ```text
//! no parsable verdict              -> 0 (malformed_verdict)
//! wrong verdict                    -> -0.5 (approving a defective change or rejecting a sound one)
//! right verdict, defective change  -> 0.4 + 0.6*recall*precision
//! right verdict, sound change      -> 0.5 + 0.5*precision   (precision is 0 with any finding)
//! then the scope penalty, clamp to [-1, 1]; any integrity violation -> -1
//! ```
//!
//! Recall and precision multiply, so findings count only as far as they are right: a
//! reviewer that flags many lines without reading them (every changed line, or a line every
//! few lines, in every category) has a precision of a few percent and scores barely above
//! the verdict's 0.4, far below the 1.0 of a review that names the defect. (The earlier
//! `0.4 + 0.4*recall + 0.2*precision` paid such a reviewer 0.8.)

use harness_fixture::{ReviewKey, Verdict, VerdictFile};

use super::outcome::ReviewScore;

/// Matches a parsed verdict against the key: the verdicts and the findings' recall and
/// precision (no verdict: recall and precision 0).
pub fn score(key: &ReviewKey, verdict: Option<&VerdictFile>) -> ReviewScore {
    let expected_verdict = verdict_name(key.verdict).to_owned();
    let Some(verdict) = verdict else {
        return ReviewScore {
            verdict: None,
            expected_verdict,
            recall: 0.0,
            precision: 0.0,
        };
    };
    let matched_defects = key
        .defects
        .iter()
        .filter(|defect| {
            verdict
                .findings
                .iter()
                .any(|finding| key.matches(defect, finding))
        })
        .count();
    let matching_findings = verdict
        .findings
        .iter()
        .filter(|finding| {
            key.defects
                .iter()
                .any(|defect| key.matches(defect, finding))
        })
        .count();
    let recall = if key.defects.is_empty() {
        1.0
    } else {
        matched_defects as f64 / key.defects.len() as f64
    };
    let precision = if verdict.findings.is_empty() {
        1.0
    } else {
        matching_findings as f64 / verdict.findings.len() as f64
    };
    ReviewScore {
        verdict: Some(verdict_name(verdict.verdict).to_owned()),
        expected_verdict,
        recall,
        precision,
    }
}

/// `approve` or `request_changes`, as in verdict files and the case result.
pub fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Approve => "approve",
        Verdict::RequestChanges => "request_changes",
    }
}
