//! `harness run`, `report` and `export`.

/// `12 episodes in 0.50 s: 24.0 episodes/s on 2 jobs, peak memory 14.2 MiB`.
pub fn throughput(
    episodes: usize,
    elapsed: std::time::Duration,
    jobs: usize,
    peak_mib: f64,
) -> String {
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        episodes as f64 / seconds
    } else {
        0.0
    };
    format!(
        "{episodes} episodes in {seconds:.2} s: {rate:.1} episodes/s on {jobs} jobs, peak memory {peak_mib:.1} MiB"
    )
}
