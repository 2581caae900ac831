//! Rebuild the tests when a fixture file is added or removed: `fixtures!` (through
//! `harness_runtime::main!`) tracks each existing file with `include_bytes!`, but only a
//! directory `rerun-if-changed` makes cargo notice new ones.
#![forbid(unsafe_code)]

fn main() {
    println!("cargo:rerun-if-changed=fixtures");
    println!("cargo:rerun-if-changed=build.rs");
}
