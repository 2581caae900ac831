//! The contract's checks: names, commands, weights, files, and differential tables.

use std::collections::BTreeSet;

use crate::contract::{Check, Differential, EntryLanguage, FixtureKind, ReportFormat};
use crate::path::RepoPath;

use super::Validator;

impl Validator<'_> {
    pub(super) fn checks(&mut self) {
        let checks = self.fixture.contract.checks.clone();
        let kind = self.fixture.contract.kind;
        if checks.is_empty() && kind != FixtureKind::Review {
            self.contract_problem("checks", "at least one check is required");
        } else if !checks.is_empty() && checks.iter().all(|check| check.weight == 0.0) {
            self.contract_problem(
                "checks",
                "at least one check must have a weight > 0 (weight 0 checks must pass but earn nothing)",
            );
        }
        let mut names = BTreeSet::new();
        for (index, check) in checks.iter().enumerate() {
            let field = |name: &str| format!("checks[{index}].{name}");
            if check.name.is_empty()
                || check.name.contains(['/', '\\', '\0'])
                || check.name.starts_with('.')
            {
                self.contract_problem(
                    field("name"),
                    "must be a non-empty name without `/` (it names the check's log file)",
                );
            } else if !names.insert(check.name.clone()) {
                self.contract_problem(
                    field("name"),
                    format!("duplicate check name `{}`", check.name),
                );
            }
            match &check.differential {
                None if check.run.is_empty() || check.run[0].is_empty() => {
                    self.contract_problem(field("run"), "must be a non-empty argv list");
                }
                None if check.report == ReportFormat::Differential => self.contract_problem(
                    field("report"),
                    "`differential` is set by a [checks.differential] table, not by name",
                ),
                None => {}
                Some(differential) => self.differential(index, check, differential),
            }
            if !(check.weight.is_finite() && check.weight >= 0.0) {
                self.contract_problem(field("weight"), "must be a number >= 0");
            }
            if check.timeout_s == 0 {
                self.contract_problem(field("timeout_s"), "must be at least 1 second");
            }
            for (file_index, file) in check.files.iter().enumerate() {
                let file_field = format!("checks[{index}].files[{file_index}]");
                let path = match RepoPath::parse(file) {
                    Ok(path) => path,
                    Err(error) => {
                        self.contract_problem(file_field, error.to_string());
                        continue;
                    }
                };
                let (present, place) = if check.hidden {
                    (self.fixture.hidden.contains_key(&path), "hidden/")
                } else {
                    (self.fixture.repo.contains_key(&path), "repo/")
                };
                if !present {
                    self.contract_problem(
                        file_field,
                        format!("`{file}` does not exist in {place}"),
                    );
                }
            }
            if check.hidden && check.files.is_empty() && check.differential.is_none() {
                self.contract_problem(field("files"), "a hidden check must list its hidden files");
            }
        }
        if self
            .fixture
            .contract
            .checks
            .iter()
            .any(|check| check.hidden)
            && self.fixture.hidden.is_empty()
        {
            self.fixture_problem("hidden", "hidden checks need their files in hidden/");
        }
    }

    fn differential(&mut self, index: usize, check: &Check, differential: &Differential) {
        let field = |name: &str| format!("checks[{index}].differential.{name}");
        if !check.run.is_empty() {
            self.contract_problem(
                format!("checks[{index}].run"),
                "a differential check runs no command: drop `run`",
            );
        }
        if !check.hidden {
            self.contract_problem(
                format!("checks[{index}].hidden"),
                "a differential check's generator lives in hidden/: set `hidden = true`",
            );
        }
        if self.fixture.contract.kind != FixtureKind::WorkItem {
            self.contract_problem(
                format!("checks[{index}].differential"),
                "a differential check compares with the oracle: only work items have one",
            );
        }
        match differential.language() {
            None => self.contract_problem(
                field("entry"),
                "must be a Python `module:function` or a Rust `crate::path::function`",
            ),
            Some(EntryLanguage::Rust) if differential.args.is_empty() => self.contract_problem(
                field("args"),
                "a Rust entry needs its argument types, e.g. args = [\"&str\", \"usize\"]",
            ),
            Some(_) => {}
        }
        match RepoPath::parse(&differential.generator) {
            Err(error) => self.contract_problem(field("generator"), error.to_string()),
            Ok(path) if !self.fixture.hidden.contains_key(&path) => self.contract_problem(
                field("generator"),
                format!("`{path}` does not exist in hidden/"),
            ),
            Ok(_) => {}
        }
        if !(1..=100_000).contains(&differential.count) {
            self.contract_problem(field("count"), "must be between 1 and 100000");
        }
    }
}
