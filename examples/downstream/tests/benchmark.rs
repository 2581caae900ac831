//! The benchmark: `greet::noop`, `greet::oracle` and the scripted agent below.
use harness_runtime::{Sandbox, work_item};

harness_runtime::main!(benchmark);

/// Closes the greet work item honestly: fix the script, run the tests, hand off, close.
#[work_item(fixture = "greet")]
fn fix_greeting(sandbox: &mut Sandbox) -> Result<(), Box<dyn std::error::Error>> {
    let script = sandbox.read("hello.sh")?;
    let fixed = script.replace(
        "echo Hello, $1!",
        "name=${1:-world}\nprintf 'Hello, %s!\\n' \"$name\"",
    );
    sandbox.write("hello.sh", fixed)?;
    let tests = sandbox.sh("sh tests/run.sh")?;
    if !tests.success() {
        return Err(format!("the visible tests still fail:\n{}", tests.output).into());
    }
    sandbox.write(
        "handoff/notes.md",
        "# Handoff\n\nhello.sh expanded $1 unquoted; it now defaults to `world` and \
         prints the quoted name with printf. `sh tests/run.sh` passes.\n",
    )?;
    sandbox.close_work_item()?;
    sandbox.git(&["add", "-A"])?;
    sandbox.git(&[
        "commit",
        "-qm",
        "greet: default to world, keep the name as given",
    ])?;
    Ok(())
}
