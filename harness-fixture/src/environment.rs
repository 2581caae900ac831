//! `[environment]` in a contract: the dependencies a fixture's checks and agents run with,
//! built once per distinct setup and inputs, outside any episode.

use serde::{Deserialize, Serialize};

/// The placeholder in a setup step that stands for the environment's directory.
pub const ENV_PLACEHOLDER: &str = "{env}";

/// `[environment]`: how to build what the fixture's code needs (a Python venv with the
/// repository's requirements, a crate's dependencies and first build), once per distinct
/// `setup` and `inputs`, shared read-only by every episode that names it.
///
/// ```
/// # use harness_fixture::Environment;
/// let env: Environment = toml::from_str(r#"
/// setup = [["python3", "-m", "venv", "{env}/venv"], ["{env}/venv/bin/pip", "install", "-r", "requirements.txt"]]
/// inputs = ["requirements.txt"]
/// path = ["venv/bin"]
/// "#).unwrap();
/// assert_eq!(env.setup.len(), 2);
/// assert_eq!(env.timeout_s, 1800);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// Argv steps run in order in a copy of the baseline, with the network; `{env}` in any
    /// argument is the environment's directory (the only place a step should write to keep).
    pub setup: Vec<Vec<String>>,
    /// Baseline files whose content keys the environment (with `setup`), e.g.
    /// `requirements.txt`, `Cargo.lock`.
    #[serde(default)]
    pub inputs: Vec<String>,
    /// Directories of the environment, relative to it, put first on `PATH` for the agent and
    /// the checks (e.g. `venv/bin`).
    #[serde(default)]
    pub path: Vec<String>,
    /// Budget of each setup step, in seconds.
    #[serde(default = "default_setup_timeout")]
    pub timeout_s: u64,
}

fn default_setup_timeout() -> u64 {
    1800
}
