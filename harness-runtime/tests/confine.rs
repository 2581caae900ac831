//! The confinement launcher against the running kernel, through the `harness` binary.
use harness_runtime::agent::confine;
const LAUNCHER: &str = env!("CARGO_BIN_EXE_harness");
#[path = "confine_support/cases.rs"]
mod confine_cases;
