//! harness runtime
