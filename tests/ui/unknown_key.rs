use harness_runtime::{Sandbox, SandboxError, work_item};

#[work_item(
    fixture = "greet",
    expect = "failure",
    violation = "contract_rewrite",
    fixtures = "examples/downstream/fixtures"
)]
fn gives_up(sandbox: &mut Sandbox) -> Result<(), SandboxError> {
    sandbox.close_work_item()
}

fn main() {}
