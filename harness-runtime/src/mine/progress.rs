//! What a mining run shows while it works (a progress bar when stderr is a terminal, one
//! line per decided candidate) and the numbers of its final table.

use std::io::IsTerminal;

use super::state::{Decided, Reason};
use crate::message;

/// The bar (on a terminal) and the lines.
#[derive(Debug)]
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// A bar of `total` candidates when stderr is a terminal.
    pub fn new(total: usize) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} candidates {elapsed} {msg}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar }
    }

    /// A candidate was decided: its line, and the bar moves.
    pub fn decided(&self, decided: &Decided) {
        let line = message::mine_decided(
            &decided.id,
            decided.reason.map(Reason::as_str),
            &decided.detail,
            decided.seconds,
        );
        self.say(&line);
        if let Some(bar) = &self.bar {
            bar.set_message(decided.id.clone());
            bar.inc(1);
        }
    }

    /// A candidate could not be decided (the miner's or the machine's failure).
    pub fn failed(&self, id: &str, error: &str) {
        let line = message::mine_candidate_failed(id, error);
        match &self.bar {
            Some(bar) => {
                bar.suspend(|| message::warning(&line));
                bar.inc(1);
            }
            None => message::warning(&line),
        }
    }

    fn say(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| message::out(line)),
            None => message::out(line),
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The numbers of the final table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Candidates in the history (or range).
    pub candidates: usize,
    /// Decided, this run and before.
    pub decided: usize,
    /// Decided by an earlier run (`--resume`).
    pub resumed: usize,
    /// Accepted.
    pub accepted: usize,
    /// Rejected, per reason (every reason, in order; zeros included).
    pub rejected: Vec<(Reason, usize)>,
    /// Not decided: the miner's or the machine's failures (retried by `--resume`).
    pub failed: usize,
    /// Seconds per decided candidate: mean and max.
    pub mean_seconds: f64,
    /// The slowest.
    pub max_seconds: f64,
}

impl Tally {
    /// Counts `decided` (all of them, `resumed` of which by an earlier run).
    pub fn of(candidates: usize, decided: &[Decided], resumed: usize, failed: usize) -> Tally {
        let rejected = Reason::ALL
            .into_iter()
            .map(|reason| {
                let count = decided
                    .iter()
                    .filter(|decided| decided.reason == Some(reason))
                    .count();
                (reason, count)
            })
            .collect();
        let seconds: Vec<f64> = decided.iter().map(|decided| decided.seconds).collect();
        Tally {
            candidates,
            decided: decided.len(),
            resumed,
            accepted: decided.iter().filter(|decided| decided.accepted()).count(),
            rejected,
            failed,
            mean_seconds: if seconds.is_empty() {
                0.0
            } else {
                seconds.iter().sum::<f64>() / seconds.len() as f64
            },
            max_seconds: seconds.iter().copied().fold(0.0, f64::max),
        }
    }

    /// What the table says.
    pub fn view(&self) -> message::MineTableView<'_> {
        message::MineTableView {
            candidates: self.candidates,
            decided: self.decided,
            resumed: self.resumed,
            accepted: self.accepted,
            rejected: self
                .rejected
                .iter()
                .map(|(reason, count)| (reason.as_str(), *count))
                .collect(),
            failed: self.failed,
            mean_seconds: self.mean_seconds,
            max_seconds: self.max_seconds,
        }
    }
}
