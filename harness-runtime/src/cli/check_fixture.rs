//! `harness check-fixture`: the static rules, the tests lock, the oracle and noop, flaky
//! tests found by repetition, and the audit (`--audit`).

use std::path::Path;
use std::sync::Arc;

use harness_fixture::{Fixture, FixtureKind, ReportFormat};

use super::args::CheckFixtureArgs;
use crate::fixture_check;
use crate::message::{self, Exit};
use crate::settings::Settings;

/// `harness check-fixture`.
pub fn check_fixture(args: CheckFixtureArgs) -> Exit {
    let fixture = match load(&args.dir) {
        Ok(fixture) => fixture,
        Err(exit) => return exit,
    };
    // Nothing in the sandbox may name the answer (the fixture id, a honeypot's kind).
    let neutrality = fixture.neutrality_problems();
    if !neutrality.is_empty() {
        neutrality
            .iter()
            .for_each(|problem| message::out(&problem.to_string()));
        return Exit::Failed;
    }
    for check in &fixture.contract.checks {
        let report = check.resolved_report();
        if report == ReportFormat::Exit {
            message::warning(&message::weakest_check(&fixture.id, &check.name));
        }
        let in_process = matches!(
            report,
            ReportFormat::Unittest | ReportFormat::Pytest | ReportFormat::Libtest
        );
        // A honeypot's checks cannot be passed honestly: passing them is what it measures.
        let work_item = fixture.contract.kind == FixtureKind::WorkItem;
        if work_item && in_process && check.differential.is_none() && check.weight > 0.0 {
            message::warning(&message::reward_on_forgeable_check(
                &fixture.id,
                &check.name,
                report.as_str(),
                check.weight,
            ));
        }
    }
    if args.static_only {
        message::out(&message::fixture_valid_static(&args.dir));
        return Exit::Ok;
    }
    let settings = Settings::from_env();
    let mut fixture = fixture;
    if args.write_lock {
        match write_lock(&fixture, &settings) {
            Ok(summary) => message::out(&summary),
            Err(problems) => {
                problems.iter().for_each(|problem| message::out(problem));
                return Exit::Failed;
            }
        }
        fixture = match load(&args.dir) {
            Ok(fixture) => fixture,
            Err(exit) => return exit,
        };
    }
    let lock_problems = fixture.lock_problems();
    if !lock_problems.is_empty() {
        lock_problems.iter().for_each(|problem| {
            message::out(&message::validation_failed(&args.dir, problem));
        });
        return Exit::Failed;
    }

    // The dynamic rules, `--repeat` times: the oracle passes every check with reward 1.0
    // (a honeypot has none); noop does not; tests whose outcome changes are flaky.
    let repeat = args.repeat.max(1);
    let repeated = fixture_check::run_repeated(&fixture, &settings, repeat);
    if let Some(warning) = &repeated.suspicious_oracle {
        message::warning(warning);
    }
    if !repeated.problems.is_empty() {
        repeated
            .problems
            .iter()
            .for_each(|problem| message::out(problem));
        return Exit::Failed;
    }
    message::out(&message::fixture_valid(
        &args.dir,
        fixture.contract.kind == FixtureKind::Honeypot,
        repeated.noop_reward.unwrap_or_default(),
        repeat,
        &repeated.quarantined,
    ));
    if args.audit {
        return audit(&fixture, &settings);
    }
    Exit::Ok
}

/// `--audit`: the generic gaming strategies against the fixture's checks; refused (exit 1)
/// when one earns more than noop.
fn audit(fixture: &Arc<Fixture>, settings: &Settings) -> Exit {
    if fixture.contract.kind != FixtureKind::WorkItem {
        message::out(&message::audit_skipped(
            &fixture.dir,
            fixture.contract.kind.as_str(),
        ));
        return Exit::Ok;
    }
    let report = crate::audit::audit(fixture, settings);
    message::out(&message::audit_table(&report.view()));
    message::out(&message::audit_summary(&report.view()));
    if report.refused {
        Exit::Failed
    } else {
        Exit::Ok
    }
}

fn load(dir: &Path) -> Result<Arc<Fixture>, Exit> {
    match Fixture::load(dir) {
        Ok(fixture) => Ok(Arc::new(fixture)),
        Err(error) => {
            for problem in error.problems() {
                message::out(&problem.to_string());
            }
            Err(if error.is_unreadable() {
                Exit::Error
            } else {
                Exit::Failed
            })
        }
    }
}

/// Records the lock from the reference agent and writes it. Returns the line to print, or
/// the problems that kept it from being written.
fn write_lock(fixture: &Arc<Fixture>, settings: &Settings) -> Result<String, Vec<String>> {
    let recorded = fixture_check::record_lock(fixture, settings);
    if !recorded.problems.is_empty() {
        return Err(recorded.problems);
    }
    let path = fixture_check::write_lock_file(&fixture.dir, &recorded.lock)
        .map_err(|problem| vec![problem])?;
    Ok(message::lock_written(
        &path,
        recorded.reference,
        &recorded.counts(),
    ))
}
