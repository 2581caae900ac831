//! The code of this repository would live here; the benchmark lives in `tests/` and
//! `fixtures/`.
#![forbid(unsafe_code)]
