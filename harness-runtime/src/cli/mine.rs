//! `harness mine`: options from the command line, the run, the final table.

use super::args::MineArgs;
use crate::message::{self, Exit};
use crate::mine::statement::StatementMode;
use crate::mine::{MineOptions, mine as run};
use crate::settings::Settings;

/// `harness mine`.
pub fn mine(args: MineArgs) -> Exit {
    let words = |what: &str, text: &str| {
        shlex::split(text)
            .filter(|words| !words.is_empty())
            .ok_or_else(|| message::mine_bad_words(what, text))
    };
    let test_cmd = match args
        .test_cmd
        .as_deref()
        .map(|text| words("--test-cmd", text))
    {
        None => None,
        Some(Ok(words)) => Some(words),
        Some(Err(error)) => {
            message::error(&error);
            return Exit::Error;
        }
    };
    let mut setup = Vec::new();
    for step in &args.setup {
        match words("--setup", step) {
            Ok(words) => setup.push(words),
            Err(error) => {
                message::error(&error);
                return Exit::Error;
            }
        }
    }
    let options = MineOptions {
        repo: args.repo,
        out: args.out,
        rev_range: args.rev_range,
        max: args.max,
        statement: StatementMode::parse(&args.statement),
        test_cmd,
        setup,
        repeat: args.repeat,
        jobs: args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
            .max(1),
        resume: args.resume,
        max_fix_files: args.max_fix_files,
        max_fix_lines: args.max_fix_lines,
    };
    let settings = Settings::from_env();
    for stale in crate::episode::sweep_stale(&settings.temp_root) {
        message::note(&message::stale_episode_removed(&stale));
    }
    match run(&options, &settings) {
        Ok(summary) => {
            message::out_text(&message::mine_table(&summary.tally.view(), &options.out));
            Exit::Ok
        }
        Err(error) => {
            message::error(&error.to_string());
            Exit::Error
        }
    }
}
