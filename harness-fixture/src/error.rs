use std::fmt;
use std::path::PathBuf;

/// One problem found in a fixture: which file, where in it, which field, and why.
///
/// Displays in the one format used everywhere:
/// `failed to parse fixtures/x/repo/evaluation/x.toml:12:15: checks[1].timeout_s: expected an integer`
/// (`failed to validate` for rules that hold across files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file the problem is in (or the fixture directory for layout problems).
    pub file: PathBuf,
    /// 1-based line and column, when the problem has a position in the file.
    pub position: Option<(usize, usize)>,
    /// Dotted field path, e.g. `checks[1].timeout_s`; empty when the whole file is at fault.
    pub field: String,
    /// Lowercase reason.
    pub message: String,
    /// Whether the file failed to parse (as opposed to parsing but breaking a rule).
    pub parse: bool,
}

impl Problem {
    pub(crate) fn rule(
        file: impl Into<PathBuf>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            file: file.into(),
            position: None,
            field: field.into(),
            message: message.into(),
            parse: false,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.parse { "parse" } else { "validate" };
        write!(f, "failed to {verb} {}", self.file.display())?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a fixture could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// The directory could not be read at all.
    #[error("failed to read {}: {source}", path.display())]
    Io {
        /// What was being read.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The directory is not laid out as a fixture (no `repo/`, no work item, ...).
    #[error("{} is not a fixture: {reason}", dir.display())]
    NotAFixture {
        /// The directory that was given.
        dir: PathBuf,
        /// What is missing.
        reason: String,
    },
    /// The fixture parsed far enough to be checked and broke one or more rules.
    #[error("{}", render_problems(problems))]
    Invalid {
        /// Every problem found, in file order.
        problems: Vec<Problem>,
    },
}

fn render_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl FixtureError {
    /// The problems, for `Invalid`; a single synthesized one otherwise.
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            FixtureError::Invalid { problems } => problems.clone(),
            FixtureError::Io { path, source } => {
                vec![Problem {
                    file: path.clone(),
                    position: None,
                    field: String::new(),
                    message: source.to_string(),
                    parse: true,
                }]
            }
            FixtureError::NotAFixture { dir, reason } => {
                vec![Problem::rule(dir.clone(), "", reason.clone())]
            }
        }
    }

    /// Whether the fixture was unreadable (exit code 2) rather than invalid (exit code 1).
    pub fn is_unreadable(&self) -> bool {
        matches!(
            self,
            FixtureError::Io { .. } | FixtureError::NotAFixture { .. }
        )
    }
}
