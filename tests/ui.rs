//! Compile-fail tests of the macros: every error they emit, as the user sees it
//! (`tests/ui/*.stderr`; regenerate with `TRYBUILD=overwrite cargo test --test ui`).
#![forbid(unsafe_code)]

#[test]
fn macro_misuse_is_a_readable_compile_error() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
