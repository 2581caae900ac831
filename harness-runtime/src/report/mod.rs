//! Reports built from case results: the reward table, the frontier (JSON + SVG) and the
//! summary, written into the run directory and copied to the output root.

pub mod frontier;
pub mod html;
pub mod junit;
pub mod plot;
pub mod table;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use frontier::{Candidate, CostUnit, Frontier};

use crate::result::{CaseResult, CaseStatus};

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be written.
    #[error("failed to write {}: {source}", path.display())]
    Write {
        /// Where.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The plot failed.
    #[error(transparent)]
    Plot(#[from] plot::PlotError),
}

/// The agents evaluated (every agent but the oracle, which is the reference; attacks are
/// regressions, not candidates), with errored cases left out.
pub fn frontier(results: &[CaseResult]) -> Frontier {
    let mut by_agent: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
    for result in results {
        if result.status == CaseStatus::Errored
            || result.agent == "oracle"
            || result.case.starts_with("attack::")
        {
            continue;
        }
        by_agent
            .entry(result.agent.as_str())
            .or_default()
            .push(result);
    }
    let all: Vec<&CaseResult> = by_agent.values().flatten().copied().collect();
    let unit = if !all.is_empty() && all.iter().all(|result| result.usage.reported_usd) {
        CostUnit::Usd
    } else if !all.is_empty() && all.iter().all(|result| result.usage.reported_tokens) {
        CostUnit::Tokens
    } else {
        CostUnit::Bytes
    };
    let candidates = by_agent
        .into_iter()
        .map(|(agent, cases)| {
            let score =
                cases.iter().filter_map(|case| case.reward).sum::<f64>() / cases.len() as f64;
            let cost = match unit {
                CostUnit::Usd => cases.iter().map(|case| case.usage.usd).sum::<f64>(),
                CostUnit::Tokens => cases
                    .iter()
                    .map(|case| (case.usage.input_tokens + case.usage.output_tokens) as f64)
                    .sum(),
                _ => cases.iter().map(|case| case.agent_bytes).max().unwrap_or(0) as f64,
            };
            Candidate {
                name: agent.to_owned(),
                score: crate::reward::round6(score),
                cost,
                cost_unit: unit,
                cases: cases.len(),
                passed: cases.iter().filter(|case| case.passed).count(),
            }
        })
        .collect();
    Frontier::new(candidates)
}

/// The oracle's mean reward, drawn as the reference line.
pub fn oracle_reference(results: &[CaseResult]) -> Option<f64> {
    let rewards: Vec<f64> = results
        .iter()
        .filter(|result| result.agent == "oracle" && !result.case.starts_with("attack::"))
        .filter_map(|result| result.reward)
        .collect();
    (!rewards.is_empty()).then(|| rewards.iter().sum::<f64>() / rewards.len() as f64)
}

/// Honeypot pass rate per agent: the share of its honeypot cases whose checks passed.
pub fn honeypot_rates(results: &[CaseResult]) -> BTreeMap<String, f64> {
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for result in results
        .iter()
        .filter(|result| result.kind == "honeypot" && result.status != CaseStatus::Errored)
    {
        let entry = counts.entry(result.agent.clone()).or_default();
        entry.0 += 1;
        if result.has(crate::ViolationCode::HoneypotPassed) {
            entry.1 += 1;
        }
    }
    counts
        .into_iter()
        .map(|(agent, (total, passed))| (agent, passed as f64 / total as f64))
        .collect()
}

/// `summary.json`: counts, mean reward per agent, honeypot pass rates.
pub fn summary(results: &[CaseResult]) -> serde_json::Value {
    let mut per_agent: BTreeMap<&str, (usize, usize, f64, usize)> = BTreeMap::new();
    for result in results {
        let entry = per_agent.entry(result.agent.as_str()).or_default();
        entry.0 += 1;
        if result.passed {
            entry.1 += 1;
        }
        if let Some(reward) = result.reward {
            entry.2 += reward;
            entry.3 += 1;
        }
    }
    let agents: BTreeMap<&str, serde_json::Value> = per_agent
        .into_iter()
        .map(|(agent, (cases, passed, sum, graded))| {
            let mean = if graded > 0 {
                crate::reward::round6(sum / graded as f64)
            } else {
                0.0
            };
            (
                agent,
                serde_json::json!({"cases": cases, "passed": passed, "mean_reward": mean}),
            )
        })
        .collect();
    serde_json::json!({
        "cases": results.len(),
        "passed": results.iter().filter(|r| r.status == CaseStatus::Passed).count(),
        "failed": results.iter().filter(|r| r.status == CaseStatus::Failed).count(),
        "errored": results.iter().filter(|r| r.status == CaseStatus::Errored).count(),
        "agents": agents,
        "honeypot_pass_rate": honeypot_rates(results),
    })
}

/// Writes `frontier.json`, `frontier.svg`, `summary.json`, `junit.xml` and `report.html`
/// into `run_dir` and copies them to `out_root`. Returns the files written in the run
/// directory.
pub fn write_all(
    run_dir: &Path,
    out_root: &Path,
    results: &[CaseResult],
) -> Result<Vec<PathBuf>, ReportError> {
    write_merged(run_dir, out_root, results, &[run_dir])
}

/// Like [`write_all`], with case logs looked up in several run directories (merged
/// partitions).
pub fn write_merged(
    run_dir: &Path,
    out_root: &Path,
    results: &[CaseResult],
    sources: &[&Path],
) -> Result<Vec<PathBuf>, ReportError> {
    let frontier = frontier(results);
    let reference = oracle_reference(results);
    let svg = plot::frontier_svg(&frontier, reference.map(|score| ("oracle", score)))?;
    let html = html::render(results, &svg, sources);
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "frontier.json",
            serde_json::to_vec_pretty(&frontier).expect("a frontier always serialises"),
        ),
        ("frontier.svg", svg.into_bytes()),
        (
            "summary.json",
            serde_json::to_vec_pretty(&summary(results)).expect("a summary always serialises"),
        ),
        ("junit.xml", junit::render(results).into_bytes()),
        ("report.html", html.into_bytes()),
    ];
    let mut written = Vec::new();
    for dir in [run_dir, out_root] {
        fs::create_dir_all(dir).map_err(|source| ReportError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        for (name, content) in &files {
            let path = dir.join(name);
            write_atomically(&path, content)?;
            if dir == run_dir {
                written.push(path);
            }
        }
    }
    Ok(written)
}

/// Writes through a temporary file and a rename, so readers never see half a report.
pub fn write_atomically(path: &Path, content: &[u8]) -> Result<(), ReportError> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    fs::write(&tmp, content)
        .and_then(|()| fs::rename(&tmp, path))
        .map_err(|source| {
            let _ = fs::remove_file(&tmp);
            ReportError::Write {
                path: path.to_path_buf(),
                source,
            }
        })
}
