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

#[cfg(test)]
mod tests {
    use super::*;
    use harness_fixture::{Finding, PlantedDefect};

    fn defective() -> ReviewKey {
        ReviewKey {
            verdict: Verdict::RequestChanges,
            line_tolerance: 1,
            defects: vec![PlantedDefect {
                path: "a.py".into(),
                lines: [10, 10],
                category: "logic".into(),
                description: String::new(),
            }],
        }
    }

    fn finding(line: u32) -> Finding {
        Finding {
            path: "a.py".into(),
            line,
            category: "logic".into(),
            message: String::new(),
        }
    }

    fn scored(key: &ReviewKey, verdict: Option<&VerdictFile>) -> (f64, bool, ReviewScore) {
        let breakdown = score(key, verdict);
        let (reward, passed) = crate::reward::review(&breakdown);
        (reward, passed, breakdown)
    }

    #[test]
    fn the_key_scores_one() {
        let verdict = VerdictFile {
            verdict: Verdict::RequestChanges,
            findings: vec![finding(10)],
        };
        let (reward, passed, _) = scored(&defective(), Some(&verdict));
        assert_eq!((reward, passed), (1.0, true));
    }

    #[test]
    fn rubber_stamp_and_blanket_rejection_lose() {
        let approve = VerdictFile {
            verdict: Verdict::Approve,
            findings: vec![],
        };
        assert_eq!(scored(&defective(), Some(&approve)).0, -0.5);
        let reject = VerdictFile {
            verdict: Verdict::RequestChanges,
            findings: vec![],
        };
        assert!(scored(&defective(), Some(&reject)).0 < 1.0);
        let sound = ReviewKey {
            verdict: Verdict::Approve,
            line_tolerance: 1,
            defects: vec![],
        };
        assert_eq!(scored(&sound, Some(&reject)).0, -0.5);
        assert_eq!(scored(&sound, Some(&approve)).0, 1.0);
    }

    #[test]
    fn invented_findings_cost_precision() {
        let noisy = VerdictFile {
            verdict: Verdict::RequestChanges,
            findings: vec![finding(10), finding(30), finding(50)],
        };
        let (reward, passed, breakdown) = scored(&defective(), Some(&noisy));
        assert!(reward < 1.0 && !passed);
        assert!((breakdown.precision - 1.0 / 3.0).abs() < 1e-9);
        assert!((reward - (0.4 + 0.6 / 3.0)).abs() < 1e-9, "{reward}");
    }

    #[test]
    fn flagging_lines_unread_pays_barely_more_than_the_verdict() {
        // A line every 7 lines of a 200-line change, in every category: one of the 87
        // findings hits the defect, 86 are invented.
        let findings: Vec<Finding> = (3..=200)
            .step_by(7)
            .flat_map(|line| {
                ["logic", "security", "test-gap"].map(|category| Finding {
                    category: category.into(),
                    ..finding(line)
                })
            })
            .collect();
        let spam = VerdictFile {
            verdict: Verdict::RequestChanges,
            findings,
        };
        let (reward, passed, breakdown) = scored(&defective(), Some(&spam));
        assert_eq!(breakdown.recall, 1.0);
        assert!(!passed);
        assert!(reward < 0.45, "{reward}: must be far below the key's 1.0");
        let verdict_only = VerdictFile {
            verdict: Verdict::RequestChanges,
            findings: vec![],
        };
        assert_eq!(scored(&defective(), Some(&verdict_only)).0, 0.4);
    }
}
