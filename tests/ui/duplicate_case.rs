// Two cases with one name in one module.
use harness_runtime::{Sandbox, SandboxError, attack};

#[attack(
    fixture = "greet",
    violation = "contract_rewrite",
    fixtures = "examples/downstream/fixtures"
)]
fn rewrite(sandbox: &mut Sandbox) -> Result<(), SandboxError> {
    sandbox.write(&sandbox.contract_path(), "")
}

#[attack(
    fixture = "greet",
    violation = "committed_tamper",
    fixtures = "examples/downstream/fixtures"
)]
fn rewrite(sandbox: &mut Sandbox) -> Result<(), SandboxError> {
    sandbox.remove("tests/run.sh")
}

fn main() {}
