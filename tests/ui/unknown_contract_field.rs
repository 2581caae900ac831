// A contract with a key the format does not have (`timeout` instead of `timeout_s`).
const FIXTURES: &[&str] = harness_runtime::fixtures!("tests/ui/fixtures-broken/unknown-field");

fn main() {
    println!("{FIXTURES:?}");
}
