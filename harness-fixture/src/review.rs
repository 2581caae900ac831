//! The review family's files: the request in the sandbox, the key in the fixture, the verdict
//! the agent writes.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Problem;
use crate::toml_source;

/// A reviewer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The change is sound.
    Approve,
    /// The change has defects.
    RequestChanges,
}

/// The review request in the sandbox, `review/request.toml` (legacy: `review/<id>.toml`):
/// what to review and where to write the verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// The author's reference for the request. Under the legacy name it must equal the
    /// fixture directory's name; `check-fixture` refuses one that contains the fixture id.
    pub id: String,
    /// One line.
    pub title: String,
    /// What the change claims to do and what to look for.
    pub statement: String,
    /// Where the verdict goes, e.g. `review/verdict.toml`.
    pub verdict_path: String,
}

/// One planted defect of the answer key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlantedDefect {
    /// File the defect is in (as changed).
    pub path: String,
    /// Inclusive line range `[first, last]` in the changed file.
    pub lines: [u32; 2],
    /// e.g. `logic`, `security`, `test-gap`.
    pub category: String,
    /// What is wrong, for the oracle's finding message and the report.
    #[serde(default)]
    pub description: String,
}

/// `key.toml` in the fixture (never in the sandbox).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewKey {
    /// The right verdict.
    pub verdict: Verdict,
    /// Lines a finding may be off by and still match (default 3).
    #[serde(default = "default_tolerance")]
    pub line_tolerance: u32,
    /// The planted defects (empty for a sound change).
    #[serde(default)]
    pub defects: Vec<PlantedDefect>,
}

fn default_tolerance() -> u32 {
    3
}

/// One finding in a verdict file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// File the finding is about.
    pub path: String,
    /// Line in the changed file.
    pub line: u32,
    /// Same vocabulary as the key's categories.
    pub category: String,
    /// Free text.
    pub message: String,
}

/// The verdict file (the request's `verdict_path`), written by the agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerdictFile {
    /// approve or request_changes.
    pub verdict: Verdict,
    /// What the reviewer found.
    #[serde(default)]
    pub findings: Vec<Finding>,
}

impl VerdictFile {
    /// Parses a verdict; a malformed one is a problem with file, position and field.
    pub fn parse(file: &Path, text: &str) -> Result<VerdictFile, Problem> {
        toml_source::parse(file, text)
    }

    /// Renders a verdict as TOML (used by the oracle and baseline policies).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a verdict always serialises")
    }
}

impl ReviewKey {
    /// Whether a finding matches a planted defect: same path and category, line within the
    /// range widened by the tolerance.
    pub fn matches(&self, defect: &PlantedDefect, finding: &Finding) -> bool {
        let first = defect.lines[0].saturating_sub(self.line_tolerance);
        let last = defect.lines[1].saturating_add(self.line_tolerance);
        defect.path == finding.path
            && defect.category == finding.category
            && (first..=last).contains(&finding.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_round_trips() {
        let verdict = VerdictFile {
            verdict: Verdict::RequestChanges,
            findings: vec![Finding {
                path: "a.py".into(),
                line: 3,
                category: "logic".into(),
                message: "off by one".into(),
            }],
        };
        assert_eq!(
            VerdictFile::parse(Path::new("v.toml"), &verdict.to_toml()).unwrap(),
            verdict
        );
    }

    #[test]
    fn malformed_verdict_names_the_field() {
        let problem = VerdictFile::parse(Path::new("v.toml"), "verdict = 'maybe'\n").unwrap_err();
        assert_eq!(problem.field, "verdict");
    }

    #[test]
    fn tolerance_widens_the_range() {
        let key = ReviewKey {
            verdict: Verdict::RequestChanges,
            line_tolerance: 2,
            defects: vec![],
        };
        let defect = PlantedDefect {
            path: "a.py".into(),
            lines: [10, 12],
            category: "logic".into(),
            description: String::new(),
        };
        let at = |line| Finding {
            path: "a.py".into(),
            line,
            category: "logic".into(),
            message: String::new(),
        };
        assert!(key.matches(&defect, &at(8)));
        assert!(key.matches(&defect, &at(14)));
        assert!(!key.matches(&defect, &at(15)));
        assert!(!key.matches(
            &defect,
            &Finding {
                category: "security".into(),
                ..at(10)
            }
        ));
    }
}
