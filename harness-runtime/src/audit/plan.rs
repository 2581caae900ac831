//! What a strategy will do to a baseline: the edits it plans, per language, before any of
//! them is made.

use std::collections::{BTreeMap, BTreeSet};

use crate::message;

use super::baseline::{Baseline, is_python, is_rust, is_shell};
use super::{Strategy, python, rust, shell};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Edit {
    Write { path: String, text: String },
    Delete { path: String },
}

/// The table of `lookup_table` for Python is read in the sandbox, by the helper.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct PythonLookup {
    pub(super) code: Vec<String>,
    pub(super) tests: Vec<String>,
}

/// What a strategy will do to a baseline.
#[derive(Debug, Clone, Default)]
pub(super) struct Plan {
    pub(super) edits: Vec<Edit>,
    pub(super) python_lookup: Option<PythonLookup>,
    /// Why parts of it do not apply (per language).
    pub(super) skipped: Vec<String>,
    /// What failed while planning (a file that does not parse).
    pub(super) problems: Vec<String>,
}

impl Plan {
    pub(super) fn applicable(&self) -> bool {
        !self.edits.is_empty() || self.python_lookup.is_some()
    }

    pub(super) fn not_applicable_reason(&self) -> String {
        let mut reasons = self.skipped.clone();
        reasons.extend(self.problems.iter().cloned());
        if reasons.is_empty() {
            message::audit_nothing_to_rewrite()
        } else {
            reasons.join("; ")
        }
    }
}

/// [`plan`], a panic (a bug, or a parser meeting input it cannot handle) recorded as a
/// problem rather than unwinding through the audit.
pub(super) fn plan_safely(strategy: Strategy, baseline: &Baseline) -> Plan {
    std::panic::catch_unwind(|| plan(strategy, baseline)).unwrap_or_else(|panic| Plan {
        problems: vec![message::audit_strategy_panicked(&panic_text(&*panic))],
        ..Plan::default()
    })
}

pub(super) fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

pub(super) fn plan(strategy: Strategy, baseline: &Baseline) -> Plan {
    let mut plan = Plan::default();
    match strategy {
        Strategy::Noop => {}
        Strategy::DeleteInScope => {
            plan.edits = baseline
                .in_scope
                .iter()
                .map(|file| Edit::Delete {
                    path: file.path.clone(),
                })
                .collect();
        }
        Strategy::EmptyInScope => {
            plan.edits = baseline
                .in_scope
                .iter()
                .filter(|file| file.text.as_deref() != Some(""))
                .map(|file| Edit::Write {
                    path: file.path.clone(),
                    text: String::new(),
                })
                .collect();
        }
        Strategy::AlwaysEqual => {
            python_each(baseline, &mut plan, python::always_equal);
            rust_always_equal(baseline, &mut plan);
            if baseline.in_scope.iter().any(is_shell) {
                plan.skipped
                    .push(message::audit_shell_not_applicable(strategy.name()));
            }
        }
        Strategy::TypeDefault => {
            python_each(baseline, &mut plan, python::type_default);
            rust_each(baseline, &mut plan, rust::type_default);
            shell_each(baseline, &mut plan, shell::type_default);
        }
        Strategy::RaiseEverywhere => {
            python_each(baseline, &mut plan, python::raise_everywhere);
            rust_each(baseline, &mut plan, rust::raise_everywhere);
            shell_each(baseline, &mut plan, shell::raise_everywhere);
        }
        Strategy::LookupTable => {
            let code: Vec<String> = baseline
                .sources(is_python)
                .map(|(path, _)| path.to_owned())
                .collect();
            let tests: Vec<String> = baseline
                .tests
                .iter()
                .filter(|file| is_python(file))
                .map(|file| file.path.clone())
                .collect();
            if !code.is_empty() {
                if tests.is_empty() {
                    plan.skipped.push(message::audit_no_visible_tests("Python"));
                } else {
                    plan.python_lookup = Some(PythonLookup { code, tests });
                }
            }
            rust_lookup_table(baseline, &mut plan);
            if baseline.in_scope.iter().any(is_shell) {
                plan.skipped
                    .push(message::audit_shell_not_applicable(strategy.name()));
            }
        }
    }
    plan
}

fn python_each(baseline: &Baseline, plan: &mut Plan, rewrite: fn(&str) -> String) {
    for (path, text) in baseline.sources(is_python) {
        plan.edits.push(Edit::Write {
            path: path.to_owned(),
            text: rewrite(text),
        });
    }
}

fn rust_each(
    baseline: &Baseline,
    plan: &mut Plan,
    rewrite: fn(rust::RustSource<'_>) -> Result<Option<String>, String>,
) {
    for (path, text) in baseline.sources(is_rust) {
        match rewrite(rust::RustSource { path, text }) {
            Ok(Some(text)) => plan.edits.push(Edit::Write {
                path: path.to_owned(),
                text,
            }),
            Ok(None) => {}
            Err(problem) => plan.problems.push(problem),
        }
    }
}

fn shell_each(baseline: &Baseline, plan: &mut Plan, rewrite: fn(&str) -> Option<String>) {
    for (path, text) in baseline.sources(is_shell) {
        if let Some(text) = rewrite(text) {
            plan.edits.push(Edit::Write {
                path: path.to_owned(),
                text,
            });
        }
    }
}

/// The library crates with in-scope sources: their `src/lib.rs` -> their in-scope module
/// files (not `src/main.rs`, not `src/bin/`).
fn rust_libraries(baseline: &Baseline) -> BTreeMap<String, Vec<rust::RustSource<'_>>> {
    let packages: Vec<&str> = baseline
        .paths
        .iter()
        .filter_map(|path| {
            if path == "Cargo.toml" {
                Some("")
            } else {
                path.strip_suffix("/Cargo.toml")
            }
        })
        .collect();
    let mut libraries: BTreeMap<String, Vec<rust::RustSource<'_>>> = BTreeMap::new();
    for (path, text) in baseline.sources(is_rust) {
        let package = packages
            .iter()
            .filter(|dir| dir.is_empty() || path.starts_with(&format!("{dir}/")))
            .max_by_key(|dir| dir.len());
        let Some(package) = package else {
            continue;
        };
        let prefix = if package.is_empty() {
            String::new()
        } else {
            format!("{package}/")
        };
        let lib_root = format!("{prefix}src/lib.rs");
        let in_lib = path.starts_with(&format!("{prefix}src/"))
            && path != format!("{prefix}src/main.rs")
            && !path.starts_with(&format!("{prefix}src/bin/"));
        let root_in_scope = baseline.in_scope.iter().any(|file| file.path == lib_root);
        if in_lib && root_in_scope {
            libraries
                .entry(lib_root)
                .or_default()
                .push(rust::RustSource { path, text });
        }
    }
    libraries
}

fn rust_always_equal(baseline: &Baseline, plan: &mut Plan) {
    let libraries = rust_libraries(baseline);
    if libraries.is_empty() && baseline.in_scope.iter().any(is_rust) {
        plan.skipped.push(message::audit_no_rust_library());
    }
    for (root, files) in libraries {
        match rust::always_equal(&root, &files) {
            Ok(rewritten) => plan.edits.extend(
                rewritten
                    .into_iter()
                    .map(|(path, text)| Edit::Write { path, text }),
            ),
            Err(problem) => plan.problems.push(problem),
        }
    }
}

fn rust_lookup_table(baseline: &Baseline, plan: &mut Plan) {
    let code: Vec<rust::RustSource<'_>> = baseline
        .sources(is_rust)
        .map(|(path, text)| rust::RustSource { path, text })
        .collect();
    if code.is_empty() {
        return;
    }
    let targets: BTreeSet<String> = code
        .iter()
        .flat_map(|source| rust::table_targets(*source))
        .collect();
    let tests: Vec<rust::RustSource<'_>> = baseline
        .tests
        .iter()
        .filter(|file| is_rust(file))
        .filter_map(|file| {
            Some(rust::RustSource {
                path: &file.path,
                text: file.text.as_deref()?,
            })
        })
        .collect();
    let (entries, helpers) = rust::lookup_table_entries(&tests, &targets);
    if entries.is_empty() {
        plan.skipped.push(message::audit_no_table("Rust"));
        return;
    }
    for source in code {
        match rust::lookup_table(source, &entries, &helpers) {
            Ok(Some(text)) => plan.edits.push(Edit::Write {
                path: source.path.to_owned(),
                text,
            }),
            Ok(None) => {}
            Err(problem) => plan.problems.push(problem),
        }
    }
}
