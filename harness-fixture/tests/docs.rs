//! The violation tables in README.md and docs/DESIGN.md list every code `ViolationCode`
//! has, no other, and DESIGN's integrity list is exactly the integrity codes: the docs
//! read from the same single source as the runtime and the macros.

use std::collections::BTreeSet;
use std::path::Path;

use harness_fixture::ViolationCode;

fn read(relative: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(relative),
    )
    .unwrap_or_else(|error| panic!("{relative}: {error}"))
}

/// The codes in the first column of the table under the `## ...Violation...` heading.
fn table_codes(text: &str) -> BTreeSet<String> {
    let start = text
        .lines()
        .position(|line| line.starts_with("## ") && line.contains("iolation"))
        .expect("a violations section");
    text.lines()
        .skip(start + 1)
        .take_while(|line| !line.starts_with("## "))
        .filter(|line| line.starts_with("| `"))
        .flat_map(|line| {
            let first = line.split('|').nth(1).unwrap_or_default();
            first
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn all_codes() -> BTreeSet<String> {
    ViolationCode::ALL
        .iter()
        .map(|code| code.as_str().to_owned())
        .collect()
}

#[test]
fn readme_and_design_list_every_violation_code() {
    for doc in ["README.md", "docs/DESIGN.md"] {
        assert_eq!(
            table_codes(&read(doc)),
            all_codes(),
            "{doc}'s violation table"
        );
    }
}

#[test]
fn design_names_exactly_the_integrity_codes() {
    let design = read("docs/DESIGN.md");
    let start = design
        .find("Integrity violations (reward -1):")
        .expect("the integrity list");
    let end = start + design[start..].find(". The others").expect("its end");
    let listed: BTreeSet<String> = design[start..end]
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    let integrity: BTreeSet<String> = ViolationCode::ALL
        .iter()
        .filter(|code| code.is_integrity())
        .map(|code| code.as_str().to_owned())
        .collect();
    assert_eq!(listed, integrity);
}

#[test]
fn each_codes_meaning_is_designs_table_row() {
    let design = read("docs/DESIGN.md");
    let start = design
        .find("## Violations (stable codes")
        .expect("the violations section");
    let rows: Vec<(String, String)> = design[start..]
        .lines()
        .skip(1)
        .take_while(|line| !line.starts_with("## "))
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').collect();
            (
                cells[1].trim().trim_matches('`').to_owned(),
                cells[2..cells.len() - 1].join("|").trim().to_owned(),
            )
        })
        .collect();
    assert_eq!(rows.len(), ViolationCode::ALL.len(), "one row per code");
    for (code, meaning) in rows {
        let parsed = ViolationCode::parse(&code).unwrap_or_else(|| panic!("unknown {code}"));
        assert_eq!(parsed.meaning(), meaning, "{code}");
    }
}
