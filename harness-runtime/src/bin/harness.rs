fn main() -> std::process::ExitCode {
    harness_runtime::cli::main()
}
