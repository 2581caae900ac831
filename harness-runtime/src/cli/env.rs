//! `harness env build|list|prune`.

use std::collections::{BTreeMap, BTreeSet};

use super::args::{EnvCommand, EnvFixturesArgs, EnvPruneArgs};
use crate::environment::{self, Progress};
use crate::message::{self, Exit};
use crate::plan;
use crate::settings::Settings;

/// `harness env ...`.
pub fn env(command: EnvCommand) -> Exit {
    let settings = Settings::from_env();
    match command {
        EnvCommand::Build(args) => build(&args, &settings),
        EnvCommand::List => list(&settings),
        EnvCommand::Prune(args) => prune(&args, &settings),
    }
}

fn build(args: &EnvFixturesArgs, settings: &Settings) -> Exit {
    let fixtures = match plan::load_fixtures(&args.fixtures, &args.only) {
        Ok(fixtures) => fixtures,
        Err(error) => {
            message::error(&error.to_string());
            return Exit::Error;
        }
    };
    // Each distinct environment once, in fixture order; every fixture that names it listed.
    let mut by_key: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    for (index, fixture) in fixtures.iter().enumerate() {
        if let Some(env) = &fixture.contract.environment {
            let key = environment::key(env, &fixture.repo, settings);
            by_key
                .entry(key)
                .or_insert((index, Vec::new()))
                .1
                .push(fixture.id.clone());
        }
    }
    if by_key.is_empty() {
        message::out(&message::no_environments(&args.fixtures));
        return Exit::Ok;
    }
    let mut order: Vec<(usize, Vec<String>)> = by_key.into_values().collect();
    order.sort();
    let mut exit = Exit::Ok;
    for (index, ids) in order {
        let fixture = &fixtures[index];
        let Some(env) = &fixture.contract.environment else {
            continue;
        };
        match environment::ensure(env, &fixture.repo, settings, &Progress::terminal()) {
            Ok(built) => message::out(&message::environment_ready(&built.key, &ids, &built.dir)),
            Err(error) => {
                message::error(&error.to_string());
                exit = Exit::Error;
            }
        }
    }
    exit
}

fn list(settings: &Settings) -> Exit {
    match environment::list(&settings.cache_dir) {
        Ok(listed) if listed.is_empty() => {
            message::out(&message::no_cached_environments(&settings.cache_dir));
            Exit::Ok
        }
        Ok(listed) => {
            for env in listed {
                message::out(&message::environment_row(
                    &env.key,
                    env.ready,
                    env.bytes,
                    env.seconds,
                    &env.first_step,
                ));
            }
            Exit::Ok
        }
        Err(error) => {
            message::error(&error.to_string());
            Exit::Error
        }
    }
}

fn prune(args: &EnvPruneArgs, settings: &Settings) -> Exit {
    let keep: Option<BTreeSet<String>> = if args.all {
        None
    } else {
        match plan::load_fixtures(&args.fixtures, &[]) {
            Ok(fixtures) => Some(
                fixtures
                    .iter()
                    .filter_map(|fixture| {
                        let env = fixture.contract.environment.as_ref()?;
                        Some(environment::key(env, &fixture.repo, settings))
                    })
                    .collect(),
            ),
            Err(error) => {
                message::error(&error.to_string());
                return Exit::Error;
            }
        }
    };
    match environment::prune(&settings.cache_dir, keep.as_ref()) {
        Ok(removed) => {
            let bytes = removed.iter().map(|env| env.bytes).sum();
            message::out(&message::environments_pruned(removed.len(), bytes));
            Exit::Ok
        }
        Err(error) => {
            message::error(&error.to_string());
            Exit::Error
        }
    }
}
