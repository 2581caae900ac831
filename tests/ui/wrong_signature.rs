use harness_runtime::{Sandbox, work_item};

#[work_item(fixture = "greet", fixtures = "examples/downstream/fixtures")]
async fn two_arguments(sandbox: &mut Sandbox<'_>, attempts: u32) {
    let _ = (sandbox, attempts);
}

#[work_item(fixture = "greet", fixtures = "examples/downstream/fixtures")]
fn by_value<T>(sandbox: Sandbox) -> Option<()> {
    let _ = sandbox;
    None
}

fn main() {}
