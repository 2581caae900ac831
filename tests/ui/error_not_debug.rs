// The error type of a case must be Debug: the harness records it with {:?}.
use harness_runtime::{Sandbox, work_item};

struct Opaque;

#[work_item(fixture = "greet", fixtures = "examples/downstream/fixtures")]
fn gives_up(sandbox: &mut Sandbox) -> Result<(), Opaque> {
    let _ = sandbox;
    Err(Opaque)
}

fn main() {}
