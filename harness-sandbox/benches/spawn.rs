//! What starting one confined process costs, with and without its namespaces (PID, IPC,
//! mount; network when the network is off): `harness_sandbox::run` of `/bin/true`.
#![forbid(unsafe_code)]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use harness_sandbox::{Limits, ProcessSpec, RunPolicy, run};

fn spawn(c: &mut Criterion) {
    let scratch = tempfile::tempdir().expect("scratch dir");
    let spec = ProcessSpec {
        argv: vec!["/bin/true".into()],
        cwd: scratch.path().to_path_buf(),
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        timeout: Duration::from_secs(10),
        log: scratch.path().join("log"),
        read_only: harness_sandbox::confine::SYSTEM_READ_ONLY
            .iter()
            .map(Into::into)
            .collect(),
        read_write: vec![scratch.path().to_path_buf(), "/dev/null".into()],
        limits: Limits::default(),
    };
    let mut group = c.benchmark_group("spawn");
    group.measurement_time(Duration::from_secs(5));
    for (name, namespaces, no_network) in [
        ("session", false, false),
        ("namespaces", true, false),
        ("namespaces_no_network", true, true),
    ] {
        let policy = RunPolicy {
            landlock: true,
            no_network,
            namespaces,
            max_pids: 64,
            output_cap: 1 << 20,
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                let outcome = run(policy, &spec).expect("run /bin/true");
                assert!(outcome.success(), "{outcome:?}");
            });
        });
    }
    group.finish();
}

criterion_group!(benches, spawn);
criterion_main!(benches);
