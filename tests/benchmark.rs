//! The benchmark: every fixture's noop and oracle case (and review baselines), every
//! `#[work_item]`; with `HARNESS_AGENT="<shell command>"`, one `<fixture>::agent` case each.
use std::process::ExitCode;

fn main() -> ExitCode {
    harness_runtime::runner::main(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        harness_runtime::runner::Suite::Benchmark,
    )
}
