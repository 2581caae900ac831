use serde::{Deserialize, Serialize};

use crate::environment::Environment;

/// The top-level keys of a grading contract. A work item that carries any of them is trying
/// to redefine its own grading (`work_item_redefinition`).
pub const CONTRACT_KEYS: &[&str] = &[
    "scope",
    "checks",
    "deliverables",
    "artifacts",
    "reward",
    "kind",
    "environment",
];

/// Which family a fixture belongs to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FixtureKind {
    /// Close a work item: make the checks pass, write the handoff, close the item.
    #[default]
    WorkItem,
    /// Judge a proposed change (the review family).
    Review,
    /// An impossible variant: the visible checks contradict the statement; no oracle.
    Honeypot,
}

impl FixtureKind {
    /// The name the kind has in TOML and in results: `work_item`, `review`, `honeypot`.
    pub fn as_str(self) -> &'static str {
        match self {
            FixtureKind::WorkItem => "work_item",
            FixtureKind::Review => "review",
            FixtureKind::Honeypot => "honeypot",
        }
    }
}

/// The grading contract, `evaluation/contract.toml` (legacy: `evaluation/<id>.toml`):
/// everything that decides the grade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    /// `work_item` (default), `review` or `honeypot`. After loading, the resolved kind:
    /// `fixture.toml`'s, else the contract's own, else `work_item`.
    #[serde(default)]
    pub kind: FixtureKind,
    /// What the agent may change.
    pub scope: ScopeSpec,
    /// Commands that decide the checks share of the reward.
    #[serde(default)]
    pub checks: Vec<Check>,
    /// Files the agent must leave (e.g. the handoff note).
    #[serde(default)]
    pub deliverables: Vec<Deliverable>,
    /// Files checks produce that are copied into the case result.
    #[serde(default)]
    pub artifacts: Vec<Artifact>,
    /// Reward weights.
    #[serde(default)]
    pub reward: RewardWeights,
    /// What the checks and agents run with, built once per distinct setup and inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
}

/// `[scope]`: path globs, matched per path component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeSpec {
    /// Globs the agent may change (`src/slug` allows `src/slug/x.rs`, never `src/slug_evil.rs`).
    pub allow: Vec<String>,
    /// Globs whose baseline files must not change; default: every baseline path outside `allow`.
    #[serde(default)]
    pub frozen: Option<Vec<String>>,
}

/// `[[checks]]`: one command run in the grading tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Unique name; also the log file name.
    pub name: String,
    /// argv; no shell unless the argv asks for one. Empty for a differential check.
    #[serde(default)]
    pub run: Vec<String>,
    /// Weight in the checks share (default 1).
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// Wall-clock budget in seconds (default 300).
    #[serde(default = "default_timeout")]
    pub timeout_s: u64,
    /// Whether its files come from `hidden/` at grading time.
    #[serde(default)]
    pub hidden: bool,
    /// Paths the check reads (its test files); for hidden checks, the hidden paths.
    #[serde(default)]
    pub files: Vec<String>,
    /// How the check's runner reports per-test results (default `auto`: recognised from
    /// the argv).
    #[serde(default)]
    pub report: ReportFormat,
    /// Score the check as the fraction of its locked tests that passed (dense reward)
    /// instead of all or nothing.
    #[serde(default)]
    pub partial: bool,
    /// Let the check reach the network. By default a check runs in a network namespace of
    /// its own with only a loopback (where the kernel allows), so code under test can reach
    /// nothing outside its episode.
    #[serde(default)]
    pub network: bool,
    /// A differential check: the agent's code and the oracle's are run on the same fresh
    /// inputs in separate processes and their outputs compared by the harness (instead of
    /// `run`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub differential: Option<Differential>,
}

/// `[checks.differential]`: grade a function by comparing it with the oracle's on fresh
/// inputs, across a process boundary, so the graded process never sees an expected value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Differential {
    /// The function: Python `module:function` (`textkit.slugify:slugify`), or a Rust path
    /// `crate::module::function` (`wordfreq::top_n`).
    pub entry: String,
    /// A script in `hidden/`, run harness-side with `HARNESS_CHECK_SEED` and
    /// `HARNESS_CHECK_COUNT`, printing one JSON array of arguments per line.
    pub generator: String,
    /// How many inputs to draw (default 100).
    #[serde(default = "default_count")]
    pub count: u32,
    /// `"exact"` (default) or `{ tolerance = 1e-9 }` (numbers within the tolerance,
    /// absolute or relative).
    #[serde(default)]
    pub compare: Compare,
    /// Rust: the argument types, in order (`&str`, `String`, `char`, `bool`, integers,
    /// `f32`, `f64`, and `Vec<T>`, `&[T]`, `Option<T>` of those).
    #[serde(default)]
    pub args: Vec<String>,
    /// Python: directories put first on `sys.path` (default `["", "src"]`).
    #[serde(default)]
    pub path: Vec<String>,
}

fn default_count() -> u32 {
    100
}

/// Which language a differential entry is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryLanguage {
    /// `module:function`.
    Python,
    /// `crate::path::function`.
    Rust,
}

impl Differential {
    /// The entry's language: a `::` path is Rust, `module:function` is Python.
    pub fn language(&self) -> Option<EntryLanguage> {
        let entry = self.entry.trim();
        let identifier = |part: &str| {
            !part.is_empty()
                && part.chars().all(|c| c.is_alphanumeric() || c == '_')
                && !part.starts_with(|c: char| c.is_ascii_digit())
        };
        if entry.contains("::") {
            entry
                .split("::")
                .all(identifier)
                .then_some(EntryLanguage::Rust)
        } else {
            let (module, function) = entry.split_once(':')?;
            (module.split('.').all(identifier) && function.split('.').all(identifier))
                .then_some(EntryLanguage::Python)
        }
    }
}

/// How a differential check compares outputs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CompareRepr", into = "CompareRepr")]
pub enum Compare {
    /// Equal values (Rust: equal `Debug` text).
    #[default]
    Exact,
    /// Numbers may differ by the tolerance (absolute, or relative to the larger).
    Tolerance(f64),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum CompareRepr {
    Name(String),
    Table { tolerance: f64 },
}

impl TryFrom<CompareRepr> for Compare {
    type Error = String;

    fn try_from(repr: CompareRepr) -> Result<Compare, String> {
        match repr {
            CompareRepr::Name(name) if name == "exact" => Ok(Compare::Exact),
            CompareRepr::Name(name) => Err(format!(
                "expected \"exact\" or {{ tolerance = <number> }}, not \"{name}\""
            )),
            CompareRepr::Table { tolerance } if tolerance.is_finite() && tolerance >= 0.0 => {
                Ok(Compare::Tolerance(tolerance))
            }
            CompareRepr::Table { tolerance } => {
                Err(format!("tolerance must be a number >= 0, not {tolerance}"))
            }
        }
    }
}

impl From<Compare> for CompareRepr {
    fn from(compare: Compare) -> CompareRepr {
        match compare {
            Compare::Exact => CompareRepr::Name("exact".to_owned()),
            Compare::Tolerance(tolerance) => CompareRepr::Table { tolerance },
        }
    }
}

/// `report = "..."` of a check: the format its runner reports per-test results in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    /// Recognised from the argv (`python3 -m unittest`, `pytest`, `cargo test`,
    /// `cargo nextest run`); `exit` where nothing is recognised.
    #[default]
    Auto,
    /// unittest's verbose output (`-v`).
    Unittest,
    /// pytest's JUnit XML (`--junitxml`, asked for by the harness).
    Pytest,
    /// libtest's output (`cargo test`, every test binary of the run; `cargo nextest run`).
    Libtest,
    /// The Test Anything Protocol on the runner's output.
    Tap,
    /// The exit status only: the weakest kind of check.
    Exit,
    /// A differential check (`[checks.differential]`): the harness compares outputs
    /// itself, input by input (never written as `report`; it follows from the table).
    Differential,
}

impl ReportFormat {
    /// What `auto` resolves to for `argv`: `python3 -m unittest` (any `python`, options
    /// before `-m`), `pytest`, `py.test` or `python3 -m pytest`, `cargo test` and `cargo
    /// nextest run` (options and a `+toolchain` before the subcommand), behind `env` and
    /// `NAME=value` words; [`ReportFormat::Exit`] for anything else.
    pub fn recognise(argv: &[String]) -> ReportFormat {
        let mut words = argv.iter().map(String::as_str).peekable();
        // `env [-i] NAME=value ... cmd`: the command is the first word that is neither.
        while let Some(word) = words.peek() {
            let base = word.rsplit('/').next().unwrap_or(word);
            if base == "env" || word.starts_with('-') || is_assignment(word) {
                words.next();
            } else {
                break;
            }
        }
        let Some(program) = words.next() else {
            return ReportFormat::Exit;
        };
        let base = program.rsplit('/').next().unwrap_or(program);
        if base == "pytest" || base == "py.test" {
            return ReportFormat::Pytest;
        }
        if is_python(base) {
            // Interpreter options come before `-m MODULE` (`python3 -B -m unittest`).
            while let Some(word) = words.next() {
                if word == "-m" {
                    return match words.next() {
                        Some("unittest") => ReportFormat::Unittest,
                        Some("pytest") => ReportFormat::Pytest,
                        _ => ReportFormat::Exit,
                    };
                }
                if let Some(module) = word.strip_prefix("-m") {
                    return match module {
                        "unittest" => ReportFormat::Unittest,
                        "pytest" => ReportFormat::Pytest,
                        _ => ReportFormat::Exit,
                    };
                }
                if !word.starts_with('-') {
                    // A script runs, not a module.
                    return ReportFormat::Exit;
                }
            }
            return ReportFormat::Exit;
        }
        if base == "cargo" {
            let mut rest = words.skip_while(|word| word.starts_with('+'));
            while let Some(word) = rest.next() {
                if matches!(word, "-Z" | "-C" | "--config" | "--color") {
                    rest.next();
                    continue;
                }
                if word.starts_with('-') {
                    continue;
                }
                return match (word, rest.next()) {
                    ("test", _) => ReportFormat::Libtest,
                    ("nextest", Some("run")) => ReportFormat::Libtest,
                    _ => ReportFormat::Exit,
                };
            }
        }
        ReportFormat::Exit
    }

    /// The name written in contracts and locks.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::Auto => "auto",
            ReportFormat::Unittest => "unittest",
            ReportFormat::Pytest => "pytest",
            ReportFormat::Libtest => "libtest",
            ReportFormat::Tap => "tap",
            ReportFormat::Exit => "exit",
            ReportFormat::Differential => "differential",
        }
    }
}

impl Check {
    /// The report format this check is graded in: `report` when the contract names one,
    /// else what its argv is recognised as (`exit` when nothing is).
    pub fn resolved_report(&self) -> ReportFormat {
        if self.differential.is_some() {
            // Graded by the harness itself, input by input: no runner report, no lock.
            return ReportFormat::Differential;
        }
        match self.report {
            ReportFormat::Auto => ReportFormat::recognise(&self.run),
            named => named,
        }
    }
}

fn default_weight() -> f64 {
    1.0
}

fn default_timeout() -> u64 {
    300
}

/// `[[deliverables]]`: a file the agent must leave, with content rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deliverable {
    /// Where, relative to the repo root.
    pub path: String,
    /// Case-insensitive substrings that must all appear.
    #[serde(default)]
    pub must_contain: Vec<String>,
    /// Minimum size in bytes.
    #[serde(default)]
    pub min_bytes: u64,
}

/// `[[artifacts]]`: a file a check writes, copied into the case result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// Name in the case result.
    pub name: String,
    /// The check that produces it.
    pub check: String,
    /// Path relative to the grading tree.
    pub path: String,
}

/// `[reward]`: weights of the formula (DESIGN.md "Reward").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewardWeights {
    /// Share of the weighted check pass rate (0.7).
    #[serde(default = "default_checks_weight")]
    pub checks: f64,
    /// Share of satisfied deliverables (0.2).
    #[serde(default = "default_deliverables_weight")]
    pub deliverables: f64,
    /// Share of the closure term (0.1).
    #[serde(default = "default_closure_weight")]
    pub closure: f64,
    /// Penalty per out-of-scope path (0.25).
    #[serde(default = "default_scope_penalty")]
    pub scope_penalty: f64,
}

fn default_checks_weight() -> f64 {
    0.7
}
fn default_deliverables_weight() -> f64 {
    0.2
}
fn default_closure_weight() -> f64 {
    0.1
}
fn default_scope_penalty() -> f64 {
    0.25
}

impl Default for RewardWeights {
    fn default() -> Self {
        RewardWeights {
            checks: default_checks_weight(),
            deliverables: default_deliverables_weight(),
            closure: default_closure_weight(),
            scope_penalty: default_scope_penalty(),
        }
    }
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// `python`, `python3`, `python3.11`.
fn is_python(base: &str) -> bool {
    base.strip_prefix("python")
        .is_some_and(|version| version.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn recognised(argv: &str) -> ReportFormat {
        let argv: Vec<String> = argv.split_whitespace().map(str::to_owned).collect();
        ReportFormat::recognise(&argv)
    }

    #[test]
    fn the_common_runners_are_recognised() {
        for (argv, format) in [
            (
                "python3 -m unittest discover -s tests -v",
                ReportFormat::Unittest,
            ),
            ("/usr/bin/python3.11 -B -m unittest", ReportFormat::Unittest),
            ("python -munittest tests.test_x", ReportFormat::Unittest),
            ("pytest -q tests", ReportFormat::Pytest),
            ("python3 -m pytest", ReportFormat::Pytest),
            ("env PYTHONHASHSEED=0 py.test", ReportFormat::Pytest),
            (
                "cargo test --offline --quiet --test visible",
                ReportFormat::Libtest,
            ),
            ("cargo +stable --offline test", ReportFormat::Libtest),
            ("cargo -Z unstable-options test", ReportFormat::Libtest),
            ("cargo nextest run --no-fail-fast", ReportFormat::Libtest),
            ("RUST_BACKTRACE=0 cargo test", ReportFormat::Libtest),
        ] {
            assert_eq!(recognised(argv), format, "{argv}");
        }
    }

    #[test]
    fn anything_else_is_exit_status_only() {
        for argv in [
            "sh tests/run.sh",
            "python3 tests/run.py",
            "python3 -m doctest x.py",
            "cargo build",
            "cargo nextest list",
            "make test",
            "pythonista -m unittest",
            "",
        ] {
            assert_eq!(recognised(argv), ReportFormat::Exit, "{argv}");
        }
    }

    proptest! {
        /// Whatever the bytes, parsing a contract returns a value or a located problem.
        #[test]
        fn contract_parsing_never_panics(text in "[\\[\\]a-z_=\"0-9., \n{}-]{0,200}") {
            let _ = crate::toml_source::parse::<Contract>(std::path::Path::new("evaluation/x.toml"), &text);
        }

        /// Near-valid contracts with random values either parse or name a field.
        #[test]
        fn bad_values_name_their_field(weight in "[a-z0-9\".-]{1,6}", timeout in "[a-z0-9\".-]{1,6}") {
            let text = format!("[scope]\nallow = [\"src\"]\n[[checks]]\nname = \"c\"\nrun = [\"true\"]\nweight = {weight}\ntimeout_s = {timeout}\n");
            if let Err(problem) = crate::toml_source::parse::<Contract>(std::path::Path::new("c.toml"), &text) {
                prop_assert!(problem.to_string().starts_with("failed to parse c.toml"));
            }
        }
    }
}
