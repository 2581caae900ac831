//! A violation: a code (the list lives in `harness_fixture::ViolationCode`), the path it
//! concerns and a detail. Graded outcomes, never errors.

use serde::{Deserialize, Serialize};

pub use harness_fixture::ViolationCode;

/// One violation: the code, the path it concerns (if any) and a human detail.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Violation {
    /// Stable code.
    pub code: ViolationCode,
    /// The path (repo-relative, git-dir-relative, or absolute for outside writes).
    pub path: Option<String>,
    /// Why, in a few words.
    pub detail: String,
}

impl Violation {
    /// A violation about `path`.
    pub fn at(
        code: ViolationCode,
        path: impl Into<String>,
        detail: impl Into<String>,
    ) -> Violation {
        Violation {
            code,
            path: Some(path.into()),
            detail: detail.into(),
        }
    }

    /// A violation with no single path.
    pub fn general(code: ViolationCode, detail: impl Into<String>) -> Violation {
        Violation {
            code,
            path: None,
            detail: detail.into(),
        }
    }
}
