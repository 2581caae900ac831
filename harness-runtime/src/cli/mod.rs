//! The `harness` command line: `args` parses, `commands` runs; the exit code is decided
//! once, at the end, as an [`Exit`] (what each code means per command is there).

pub mod args;
pub mod check_fixture;
pub mod commands;
pub mod env;
pub mod meta;
pub mod mine;

use std::process::ExitCode;

use clap::Parser;

use crate::message::Exit;

/// `main` of the `harness` binary.
pub fn main() -> ExitCode {
    let _ = harness_sandbox::become_subreaper();
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                Exit::Error
            } else {
                Exit::Ok
            }
            .into();
        }
    };
    let exit = match cli.command {
        args::Command::Run(run) => commands::run(run),
        args::Command::CheckFixture(check) => check_fixture::check_fixture(check),
        args::Command::Report(report) => commands::report(report),
        args::Command::View(view) => commands::view(view),
        args::Command::Export(export) => commands::export(export),
        args::Command::Meta(args) => meta::meta(args),
        args::Command::Mine(args) => mine::mine(args),
        args::Command::Env(command) => env::env(command),
    };
    exit.into()
}
