use harness_runtime::attack;

#[attack(
    fixture = "greet",
    violation = "contract_rewrite",
    fixtures = "examples/downstream/fixtures"
)]
struct RewriteTheContract;

fn main() {}
