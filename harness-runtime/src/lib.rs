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
// `unsafe` lives in one crate only: `harness-sandbox` (starting a confined process
// posix_spawn-style, the inode-flag ioctls), where each use carries a SAFETY comment.
#![forbid(unsafe_code)]

pub mod agent;
pub mod atomic;
pub mod audit;
pub mod case;
pub mod cli;
pub mod environment;
pub mod episode;
pub mod fixture_check;
pub mod frontier;
pub mod grade;
pub mod ledger;
pub mod message;
pub mod meta;
pub mod mine;
pub mod outside;
pub mod plan;
pub mod report;
pub mod result;
pub mod reward;
pub mod rng;
pub mod runner;
pub mod settings;
pub mod snapshot;
#[cfg(test)]
mod test_support;

pub use agent::sandbox::{self, Sandbox, SandboxError, ShOutput};
pub use agent::{Agent, AgentFn, ReviewPolicy};
pub use case::{CaseOutput, CaseSpec, run_case};
pub use grade::violation::{Violation, ViolationCode};
pub use harness_fixture::{
    CONTRACT_PATH, Contract, Fixture, FixtureError, FixtureKind, REVIEW_REQUEST_PATH,
    WORK_ITEM_PATH,
};
pub use result::{CaseResult, CaseStatus};
pub use settings::Settings;

#[doc(hidden)]
pub use inventory;

pub use harness_macros::{attack, fixtures, work_item};

/// The `main` of a `harness = false` test binary: `main!(benchmark)` in `tests/benchmark.rs`
/// runs every fixture's noop and oracle cases and every `#[work_item]`; `main!(attacks)` in
/// `tests/attacks/` runs every `#[attack]`. Fixtures are read from `fixtures/` under the
/// package root, or from the directory given: `main!(benchmark, "my-fixtures")`. The
/// package root is the one the test runs for, read when it starts (see
/// [`runner::fixtures_dir`]), so a nextest archive runs from another checkout.
///
/// The expansion also names the directory with [`fixtures!`], so a broken fixture is a
/// compile error and editing a fixture file rebuilds the test binary. (A file *added* to
/// a fixture is noticed only through a build script printing
/// `cargo:rerun-if-changed=fixtures`.)
///
/// ```no_run
/// harness_runtime::main!(benchmark, "../examples/downstream/fixtures");
/// ```
#[macro_export]
macro_rules! main {
    (benchmark $(,)?) => {
        $crate::main!(@suite Benchmark, "fixtures");
    };
    (attacks $(,)?) => {
        $crate::main!(@suite Attacks, "fixtures");
    };
    (benchmark, $dir:literal $(,)?) => {
        $crate::main!(@suite Benchmark, $dir);
    };
    (attacks, $dir:literal $(,)?) => {
        $crate::main!(@suite Attacks, $dir);
    };
    (@suite $suite:ident, $dir:literal) => {
        fn main() -> ::std::process::ExitCode {
            // Compile-time validation of every fixture, and rebuild tracking.
            const _: &[&str] = $crate::fixtures!($dir);
            $crate::runner::main(
                &$crate::runner::fixtures_dir(::core::env!("CARGO_MANIFEST_DIR"), $dir),
                $crate::runner::Suite::$suite,
            )
        }
    };
}
