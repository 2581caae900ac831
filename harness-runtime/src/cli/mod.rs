//! The `harness` command line: `args` parses, `commands` runs; the exit code is decided
//! once, at the end (0 all passed / valid, 1 some failed / invalid, 2 bad input or errored).

pub mod args;
pub mod check_fixture;
pub mod commands;
pub mod meta;

use std::process::ExitCode;

use clap::Parser;

/// Every case passed; the fixture is valid; the command did its job.
pub const EXIT_OK: u8 = 0;
/// Some case failed; the fixture is invalid.
pub const EXIT_FAILED: u8 = 1;
/// Bad input, an unreadable fixture, or a case errored.
pub const EXIT_ERROR: u8 = 2;

/// `main` of the `harness` binary.
pub fn main() -> ExitCode {
    let _ = harness_sandbox::become_subreaper();
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_OK
            });
        }
    };
    let code = match cli.command {
        args::Command::Run(run) => commands::run(run),
        args::Command::CheckFixture(check) => check_fixture::check_fixture(check),
        args::Command::Report(report) => commands::report(report),
        args::Command::Export(export) => commands::export(export),
        args::Command::Meta(args) => meta::meta(args),
    };
    ExitCode::from(code)
}
