use harness_runtime::{Sandbox, SandboxError, work_item};

#[work_item(fixture = "greet", fixtures = "examples/downstream/fixtures")]
fn oracle(sandbox: &mut Sandbox) -> Result<(), SandboxError> {
    sandbox.close_work_item()
}

fn main() {}
