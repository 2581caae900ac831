//! Fixture and grading-contract parsing and validation for another-harness.
//!
//! A fixture is a directory `fixtures/<id>/` holding `repo/` (the baseline, with the work item
//! `work/item.toml` and the frozen contract `evaluation/contract.toml`; the legacy names
//! `work/<id>.toml` and `evaluation/<id>.toml` still load), `oracle/` (the reference
//! solution's files), `hidden/` (check files copied in only at grading time) and optionally
//! `fixture.toml` (the fixture's `kind`, outside the agent's sight). This crate reads all of
//! it into memory and validates the static rules; the runtime and the macros both use it,
//! so there is exactly one parser. [`Fixture::neutrality_problems`] adds the rules of
//! `harness check-fixture` that keep the fixture id and a honeypot's kind out of the sandbox.
//!
//! ```
//! use harness_fixture::RepoPath;
//! let path = RepoPath::parse("src/./slug//mod.rs").unwrap();
//! assert_eq!(path.as_str(), "src/slug/mod.rs");
//! assert!(RepoPath::parse("src/../../etc/passwd").is_err());
//! ```
#![forbid(unsafe_code)]

mod case_names;
mod contract;
mod environment;
mod error;
mod files;
mod ignore_rules;
mod layout;
mod load;
mod lock;
mod neutral;
mod path;
mod review;
mod scope;
mod store;
mod toml_source;
mod violation;
mod work_item;

pub use case_names::{DEFAULT_AGENT_NAME, RESERVED_CASE_NAMES};
pub use contract::{
    Artifact, CONTRACT_KEYS, Check, Compare, Contract, Deliverable, Differential, EntryLanguage,
    FixtureKind, ReportFormat, RewardWeights, ScopeSpec,
};
pub use environment::{ENV_PLACEHOLDER, Environment};
pub use error::{FixtureError, Problem};
pub use files::{FileEntry, FileKind, Files};
pub use ignore_rules::IgnoreRules;
pub use layout::{
    CONTRACT_PATH, FIXTURE_TOML, FixtureConfig, Layout, REVIEW_REQUEST_PATH, WORK_ITEM_PATH,
};
pub use load::{Fixture, discover, fixture_paths};
pub use lock::{LOCK_FILE, LockedCheck, TestOutcome, TestsLock};
pub use path::{PathError, RepoPath};
pub use review::{Finding, PlantedDefect, ReviewKey, ReviewRequest, Verdict, VerdictFile};
pub use scope::Scope;
pub use store::{BaselineRef, SourceRef};
pub use violation::{VIOLATION_CODES, ViolationCode};
pub use work_item::{WorkItem, WorkItemState, WorkItemStatus};
