#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    harness_runtime::cli::main()
}
