//! The another-harness benchmark package: its README is compiled here so every example in it
//! is a doc test, and its tests/, benches/ and fixtures/ are the benchmark itself.
#![forbid(unsafe_code)]
