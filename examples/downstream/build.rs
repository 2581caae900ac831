//! Rebuild the tests when a fixture file is added (`fixtures!` tracks existing files).
fn main() {
    println!("cargo:rerun-if-changed=fixtures");
    println!("cargo:rerun-if-changed=build.rs");
}
