use harness_runtime::{Sandbox, SandboxError, attack};

#[attack(
    fixture = "greeet",
    violation = "contract_rewrite",
    fixtures = "examples/downstream/fixtures"
)]
fn rewrite_the_contract(sandbox: &mut Sandbox) -> Result<(), SandboxError> {
    sandbox.write(&sandbox.contract_path(), "")
}

fn main() {}
