//! Procedural macros for another-harness (filled in by the macros issue).
#![forbid(unsafe_code)]
