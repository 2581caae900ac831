//! `junit.xml`: one test suite, one test case per case result, rebuilt from ledgers so
//! merged nextest partitions give one report CI systems can read.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::result::{CaseResult, CaseStatus};

/// Renders the results as JUnit XML.
pub fn render(results: &[CaseResult]) -> String {
    let mut suite = TestSuite::new("another-harness");
    for result in results {
        let status = match result.status {
            CaseStatus::Passed => TestCaseStatus::success(),
            CaseStatus::Failed => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(result.summary());
                status.set_type("failed");
                status.set_description(failure_detail(result));
                status
            }
            CaseStatus::Errored => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                status.set_message(result.error.clone().unwrap_or_else(|| "errored".into()));
                status.set_type("errored");
                status
            }
        };
        let mut case = TestCase::new(result.case.clone(), status);
        case.set_classname(result.fixture.clone());
        let total =
            result.durations_ms.prepare + result.durations_ms.agent + result.durations_ms.grade;
        case.set_time(Duration::from_millis(total));
        suite.add_test_case(case);
    }
    let mut report = Report::new("another-harness");
    report.add_test_suite(suite);
    report
        .to_string()
        .unwrap_or_else(|error| format!("<!-- failed to render junit: {error} -->"))
}

/// Violations and the tail of the first failing check's output.
fn failure_detail(result: &CaseResult) -> String {
    let mut detail = String::new();
    for violation in &result.violations {
        detail.push_str(&format!(
            "{} {}: {}\n",
            violation.code,
            violation.path.as_deref().unwrap_or("-"),
            violation.detail
        ));
    }
    if let Some(check) = result.checks.iter().find(|check| !check.passed) {
        let tail: Vec<&str> = check.output_tail.lines().rev().take(30).collect();
        let exit = check.exit_code.map_or_else(
            || "no exit code: killed".to_owned(),
            |code| format!("exit {code}"),
        );
        detail.push_str(&format!("check `{}` failed ({exit}):\n", check.name));
        for line in tail.into_iter().rev() {
            detail.push_str(line);
            detail.push('\n');
        }
    }
    detail
}
