//! Environments: the build spinner, `harness env build|list|prune`.

/// The spinner's line while a setup step runs.
pub fn environment_step(key: &str, step: usize, steps: usize, argv: &str) -> String {
    format!("building environment {key}: step {step}/{steps}: {argv}")
}

/// `harness env build`: one environment ready (built now or found in the cache).
pub fn environment_ready(key: &str, fixtures: &[String], dir: &std::path::Path) -> String {
    format!(
        "environment {key} ready for {}: {}",
        fixtures.join(", "),
        dir.display()
    )
}

/// `harness env build` with no fixture that names an environment.
pub fn no_environments(root: &std::path::Path) -> String {
    format!(
        "no fixture under {} names an [environment]; nothing to build",
        root.display()
    )
}

/// `harness env list`: one row.
pub fn environment_row(
    key: &str,
    ready: bool,
    bytes: u64,
    seconds: f64,
    first_step: &str,
) -> String {
    let state = if ready { "ready" } else { "partial" };
    format!(
        "{key}  {state:<7}  {:>9}  {:>7.1} s  {first_step}",
        human_bytes(bytes),
        seconds
    )
}

/// `harness env list` with an empty cache.
pub fn no_cached_environments(cache: &std::path::Path) -> String {
    format!("no environments in {}", cache.display())
}

/// `harness env prune`: what went.
pub fn environments_pruned(count: usize, bytes: u64) -> String {
    format!(
        "removed {count} environment{} ({})",
        if count == 1 { "" } else { "s" },
        human_bytes(bytes)
    )
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
