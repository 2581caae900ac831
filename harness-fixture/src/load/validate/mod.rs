//! The static rules a loaded fixture must meet, every problem collected.

mod checks;
mod environment;
mod task;

use std::collections::BTreeSet;
use std::path::Path;

use crate::contract::FixtureKind;
use crate::error::Problem;
use crate::path::RepoPath;

use super::{Fixture, located};

/// Checks `fixture` against the static rules, filling in what they read on the way (the
/// work item, the review request and key); `problems` are those found so far.
pub(super) fn validate(
    fixture: &mut Fixture,
    contract_file: &Path,
    contract_text: &str,
    problems: Vec<Problem>,
) -> Vec<Problem> {
    let mut validator = Validator {
        fixture,
        contract_file,
        contract_text,
        problems,
    };
    validator.run();
    validator.problems
}

struct Validator<'a> {
    fixture: &'a mut Fixture,
    contract_file: &'a Path,
    contract_text: &'a str,
    problems: Vec<Problem>,
}

impl Validator<'_> {
    fn contract_problem(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        self.problems.push(located(
            self.contract_file,
            self.contract_text,
            &field,
            message,
        ));
    }

    fn fixture_problem(&mut self, relative: &str, message: impl Into<String>) {
        self.problems
            .push(Problem::rule(self.fixture.dir.join(relative), "", message));
    }

    fn run(&mut self) {
        match self.fixture.contract.kind {
            FixtureKind::WorkItem | FixtureKind::Honeypot => self.work_item(),
            FixtureKind::Review => self.review(),
        }
        self.reward();
        self.checks();
        self.environment();
        self.deliverables();
        self.artifacts();
        self.scope_globs();
        self.oracle();
    }

    fn reward(&mut self) {
        let weights = self.fixture.contract.reward;
        for (field, value) in [
            ("checks", weights.checks),
            ("deliverables", weights.deliverables),
            ("closure", weights.closure),
            ("scope_penalty", weights.scope_penalty),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                self.contract_problem(format!("reward.{field}"), "must be a number >= 0");
            }
        }
        let sum = weights.checks + weights.deliverables + weights.closure;
        if (sum - 1.0).abs() > 1e-9 {
            self.contract_problem(
                "reward",
                format!("checks + deliverables + closure must sum to 1, not {sum}"),
            );
        }
    }

    fn deliverables(&mut self) {
        let deliverables = self.fixture.contract.deliverables.clone();
        for (index, deliverable) in deliverables.iter().enumerate() {
            let field = format!("deliverables[{index}].path");
            match RepoPath::parse(&deliverable.path) {
                Err(error) => self.contract_problem(field, error.to_string()),
                Ok(path) => {
                    if !self.fixture.scope.allows(&path)
                        || self
                            .fixture
                            .scope
                            .is_frozen(&path, self.fixture.repo.contains_key(&path))
                    {
                        self.contract_problem(
                            field,
                            format!("deliverable `{path}` must be in scope.allow and not frozen"),
                        );
                    } else if self.fixture.ignore_rules.is_ignored(&path) {
                        self.contract_problem(field, format!("deliverable `{path}` is ignored by the baseline's .gitignore, so it would be dropped as a build artifact"));
                    }
                }
            }
        }
    }

    fn artifacts(&mut self) {
        let artifacts = self.fixture.contract.artifacts.clone();
        let names: BTreeSet<String> = self
            .fixture
            .contract
            .checks
            .iter()
            .map(|check| check.name.clone())
            .collect();
        let mut seen = BTreeSet::new();
        for (index, artifact) in artifacts.iter().enumerate() {
            if !names.contains(&artifact.check) {
                self.contract_problem(
                    format!("artifacts[{index}].check"),
                    format!("no check is named `{}`", artifact.check),
                );
            }
            if let Err(error) = RepoPath::parse(&artifact.path) {
                self.contract_problem(format!("artifacts[{index}].path"), error.to_string());
            }
            if artifact.name.is_empty()
                || artifact.name.contains('/')
                || !seen.insert(artifact.name.clone())
            {
                self.contract_problem(
                    format!("artifacts[{index}].name"),
                    "must be a unique name without `/`",
                );
            }
        }
    }

    fn scope_globs(&mut self) {
        let unmatched = self
            .fixture
            .scope
            .unmatched_allow_globs(self.fixture.repo.keys().chain(self.fixture.oracle.keys()));
        for (index, glob) in unmatched {
            if self.fixture.contract.kind == FixtureKind::Review {
                // The verdict file does not exist before the reviewer writes it.
                continue;
            }
            self.contract_problem(
                format!("scope.allow[{index}]"),
                format!("`{glob}` matches nothing in repo/ or oracle/"),
            );
        }
    }

    fn oracle(&mut self) {
        let kind = self.fixture.contract.kind;
        match kind {
            FixtureKind::WorkItem if self.fixture.oracle.is_empty() => {
                self.fixture_problem(
                    "oracle",
                    "a work item fixture needs a reference solution in oracle/",
                );
            }
            FixtureKind::Honeypot | FixtureKind::Review if !self.fixture.oracle.is_empty() => {
                self.fixture_problem("oracle", "honeypot and review fixtures have no oracle/ (a honeypot is impossible; a review's oracle is its key)");
            }
            _ => {}
        }
        let oracle_paths: Vec<RepoPath> = self.fixture.oracle.keys().cloned().collect();
        for path in oracle_paths {
            let in_baseline = self.fixture.repo.contains_key(&path);
            if !self.fixture.scope.allows(&path) || self.fixture.scope.is_frozen(&path, in_baseline)
            {
                self.fixture_problem(
                    &format!("oracle/{path}"),
                    "oracle files must be in scope.allow and not frozen",
                );
            } else if self.fixture.ignore_rules.is_ignored(&path) {
                self.fixture_problem(
                    &format!("oracle/{path}"),
                    "oracle files must not be ignored by the baseline's .gitignore",
                );
            }
        }
    }
}
