// Case names are unique per crate: `attack::rewrite` twice, in different modules.
mod contract {
    use harness_runtime::{Sandbox, SandboxError, attack};

    #[attack(
        fixture = "greet",
        violation = "contract_rewrite",
        fixtures = "examples/downstream/fixtures"
    )]
    pub fn rewrite(sandbox: &mut Sandbox) -> Result<(), SandboxError> {
        sandbox.write(&sandbox.contract_path(), "")
    }
}

mod tests_dir {
    use harness_runtime::{Sandbox, SandboxError, attack};

    #[attack(
        fixture = "greet",
        violation = "committed_tamper",
        fixtures = "examples/downstream/fixtures"
    )]
    pub fn rewrite(sandbox: &mut Sandbox) -> Result<(), SandboxError> {
        sandbox.remove("tests/run.sh")
    }
}

fn main() {}
