//! `[environment]`: steps that can run, inputs that exist, `PATH` entries inside it.

use crate::path::RepoPath;

use super::Validator;

impl Validator<'_> {
    pub(super) fn environment(&mut self) {
        let Some(environment) = self.fixture.contract.environment.clone() else {
            return;
        };
        if environment.setup.is_empty() {
            self.contract_problem("environment.setup", "must list at least one argv step");
        }
        for (index, step) in environment.setup.iter().enumerate() {
            if step.first().is_none_or(|program| program.is_empty()) {
                self.contract_problem(
                    format!("environment.setup[{index}]"),
                    "must be a non-empty argv list",
                );
            }
        }
        for (index, input) in environment.inputs.iter().enumerate() {
            let field = format!("environment.inputs[{index}]");
            match RepoPath::parse(input) {
                Ok(path) if self.fixture.repo.contains_key(&path) => {}
                Ok(_) => self.contract_problem(
                    field,
                    format!(
                        "`{input}` is not a baseline file (inputs key the environment by content)"
                    ),
                ),
                Err(error) => self.contract_problem(field, error.to_string()),
            }
        }
        for (index, dir) in environment.path.iter().enumerate() {
            if let Err(error) = RepoPath::parse(dir) {
                self.contract_problem(
                    format!("environment.path[{index}]"),
                    format!("must be a directory inside the environment: {error}"),
                );
            }
        }
        if environment.timeout_s == 0 {
            self.contract_problem("environment.timeout_s", "must be at least 1 second");
        }
    }
}
