//! What starting one confined process costs, with and without its namespaces (PID, IPC,
//! mount; network when the network is off): `harness_sandbox::run` of `/bin/true`; and the
//! same from a harness holding 256 MiB more memory (what starting a process costs must not
//! grow with it: a `fork` copies its page tables).
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
        masked: Vec::new(),
    };
    let mut group = c.benchmark_group("spawn");
    group.measurement_time(Duration::from_secs(5));
    let mut ballast: Vec<u8> = Vec::new();
    for (name, namespaces, no_network, ballast_mib) in [
        ("session", false, false, 0),
        ("namespaces", true, false, 0),
        ("namespaces_no_network", true, true, 0),
        ("session_256mib", false, false, 256),
        ("namespaces_256mib", true, true, 256),
    ] {
        if ballast.len() != ballast_mib << 20 {
            ballast = vec![1u8; ballast_mib << 20];
        }
        std::hint::black_box(&ballast);
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
