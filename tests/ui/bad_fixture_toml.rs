// A contract with `weight = "x"`: the error names the file, line:column, field and reason.
const FIXTURES: &[&str] = harness_runtime::fixtures!("tests/ui/fixtures-broken/weight");

fn main() {
    println!("{FIXTURES:?}");
}
