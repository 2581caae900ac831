//! Every fixture shipped in `fixtures/` loads and passes the static validation, and the set
//! covers both families this crate validates statically (work items and honeypots) and
//! every language the benchmark claims (Python, POSIX shell, Rust).

use std::path::Path;

use harness_fixture::{Fixture, FixtureKind, discover};

fn shipped() -> Vec<Fixture> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures"));
    let dirs = discover(root).unwrap_or_else(|error| panic!("{error}"));
    let mut fixtures = Vec::new();
    let mut failures = Vec::new();
    for dir in dirs {
        match Fixture::load(&dir) {
            Ok(fixture) => fixtures.push(fixture),
            Err(error) => failures.push(format!("{}:\n{error}", dir.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "shipped fixtures failed to load:\n{}",
        failures.join("\n\n")
    );
    fixtures
}

#[test]
fn every_shipped_fixture_loads() {
    let fixtures = shipped();
    for fixture in &fixtures {
        let dir_name = fixture.dir.file_name().and_then(|name| name.to_str());
        assert_eq!(dir_name, Some(fixture.id.as_str()));
        match fixture.contract.kind {
            FixtureKind::WorkItem | FixtureKind::Honeypot => {
                let item = fixture
                    .work_item
                    .as_ref()
                    .unwrap_or_else(|| panic!("{} has no work item", fixture.id));
                assert!(
                    !item.id.contains(&fixture.id),
                    "{}: the work item's id names the fixture",
                    fixture.id
                );
                assert!(
                    !fixture.contract.deliverables.is_empty(),
                    "{} has no deliverable (the handoff note)",
                    fixture.id
                );
            }
            FixtureKind::Review => {}
        }
    }
}

#[test]
fn shipped_fixtures_name_no_answer() {
    for fixture in shipped() {
        let problems: Vec<String> = fixture
            .neutrality_problems()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(problems, Vec::<String>::new(), "{}", fixture.id);
        assert_eq!(
            fixture.contract_path().as_str(),
            harness_fixture::CONTRACT_PATH
        );
        assert_eq!(
            fixture.visible_kind, None,
            "{}: the kind lives in fixture.toml",
            fixture.id
        );
        assert_eq!(fixture.config.kind, Some(fixture.contract.kind));
        match fixture.contract.kind {
            FixtureKind::Review => assert_eq!(
                fixture.review_request_path().as_str(),
                harness_fixture::REVIEW_REQUEST_PATH
            ),
            _ => assert_eq!(
                fixture.work_item_path().as_str(),
                harness_fixture::WORK_ITEM_PATH
            ),
        }
    }
}

#[test]
fn shipped_fixtures_cover_the_families() {
    let fixtures = shipped();
    let count = |kind: FixtureKind| {
        fixtures
            .iter()
            .filter(|fixture| fixture.contract.kind == kind)
            .count()
    };
    let work_items = count(FixtureKind::WorkItem);
    let honeypots = count(FixtureKind::Honeypot);
    assert!(
        work_items >= 3,
        "expected at least 3 work_item fixtures, found {work_items}"
    );
    assert!(
        honeypots >= 1,
        "expected at least 1 honeypot fixture, found {honeypots}"
    );
}

#[test]
fn shipped_fixtures_cover_every_language() {
    let fixtures = shipped();
    for prefix in ["py-", "sh-", "rs-"] {
        assert!(
            fixtures
                .iter()
                .any(|fixture| fixture.id.starts_with(prefix)),
            "no shipped fixture id starts with `{prefix}`"
        );
    }
}

#[test]
fn work_item_fixtures_have_an_oracle_and_honeypots_none() {
    for fixture in shipped() {
        match fixture.contract.kind {
            FixtureKind::WorkItem => {
                assert!(!fixture.oracle.is_empty(), "{} has no oracle", fixture.id)
            }
            FixtureKind::Honeypot => {
                assert!(fixture.oracle.is_empty(), "{} has an oracle", fixture.id)
            }
            FixtureKind::Review => {}
        }
    }
}
