//! The review formula on verdicts graded by `crate::grade::review::score`, end to end.

use harness_fixture::{Finding, PlantedDefect, ReviewKey, Verdict, VerdictFile};

use crate::grade::outcome::ReviewScore;
use crate::grade::review::score;

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
    let (reward, passed) = super::review(&breakdown);
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
