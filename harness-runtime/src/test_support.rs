//! Helpers shared by unit tests.

use harness_fixture::{FileEntry, Files, RepoPath};

/// Regular files from `(path, text)` pairs.
pub(crate) fn files(entries: &[(&str, &str)]) -> Files {
    entries
        .iter()
        .map(|(path, text)| {
            (
                RepoPath::parse(path).unwrap(),
                FileEntry::regular(text.as_bytes()),
            )
        })
        .collect()
}

/// Floats a plot must survive: ordinary values, zero, NaN, the infinities and extremes.
pub(crate) fn awkward_f64() -> impl proptest::strategy::Strategy<Value = f64> {
    use proptest::prelude::*;
    prop_oneof![
        6 => -2.0f64..2.0,
        2 => Just(0.0),
        1 => Just(f64::NAN),
        1 => prop_oneof![
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(f64::MAX),
            Just(-f64::MAX),
            Just(1e300),
            Just(-1e-300),
        ],
    ]
}
