//! another-harness runtime: episodes in isolated worktrees, frozen-contract grading, reward,
//! the `cargo test` runner and the `harness` CLI.
//!
//! ```no_run
//! use std::sync::Arc;
//! use harness_runtime::{Agent, CaseSpec, Fixture, Settings, run_case};
//!
//! let fixture = Arc::new(Fixture::load("fixtures/py-slugify".as_ref()).unwrap());
//! let output = run_case(&CaseSpec::new(fixture, Agent::Oracle), &Settings::from_env(), "demo");
//! assert_eq!(output.result.reward, Some(1.0));
//! ```
#![forbid(unsafe_code)]

pub mod agent;
pub mod case;
pub mod cli;
pub mod episode;
pub mod grade;
pub mod ledger;
pub mod message;
pub mod outside;
pub mod process;
pub mod report;
pub mod result;
pub mod reward;
pub mod runner;
pub mod sandbox;
pub mod settings;
pub mod snapshot;

pub use agent::{Agent, AgentFn, ReviewPolicy};
pub use case::{CaseOutput, CaseSpec, run_case};
pub use grade::violation::{Violation, ViolationCode};
pub use harness_fixture::{Contract, Fixture, FixtureError, FixtureKind};
pub use result::{CaseResult, CaseStatus};
pub use sandbox::{Sandbox, SandboxError, ShOutput};
pub use settings::Settings;

#[doc(hidden)]
pub use inventory;
