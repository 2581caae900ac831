//! Episodes isolated from the machine and from each other (issue 16), black box: nothing an
//! agent or a check starts outlives a harness killed with SIGKILL, checks (and agents under
//! `--no-network`) reach nothing of the host's (TCP, UDP, abstract and path unix sockets),
//! nor a concurrent episode's agent, a System V segment dies with its episode, and nothing
//! of an episode remains after the run; with and without Landlock (`--no-confine`), since
//! the namespaces must hold on their own. Processes are told apart by pid and start time,
//! never by name: a unique variable in their environment, or a unique argument such as
//! `sleep 300.<tag>`.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

mod support;
use support::copy_dir;
use support::leftovers::{
    Cleanup, Mark, Proc, descendants, described, poll, segment_exists, unique_key,
};
use support::runs::{HARNESS, root};
use support::sockets::{Listeners, free_port};

use std::ffi::OsStr;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// How long the kernel (or the harness) gets to end an episode's processes.
const DEATH: Duration = Duration::from_secs(10);
/// How long an episode gets to reach the state a test waits for.
const READY: Duration = Duration::from_secs(60);

/// One probe per argument `OP=VALUE`, a line of output each, then `probe done`.
const PROBE: &str = include_str!("support/probe.py");

/// A private directory for one test: `out/` (HARNESS_OUT), `tmp/` (HARNESS_TMPDIR, where
/// episodes live), the agent's files and the harness's own output.
struct Scratch {
    dir: tempfile::TempDir,
}

/// Why this machine cannot run these tests, if it cannot: python3 (the probe), System V
/// IPC, and the new PID, IPC and network namespaces (in a user namespace when not root)
/// that isolating an episode takes.
fn missing_prerequisite() -> Option<&'static str> {
    static MISSING: OnceLock<Option<&'static str>> = OnceLock::new();
    *MISSING.get_or_init(|| {
        let runs = |program: &str, args: &[&str]| {
            Command::new(program)
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        };
        let mut unshare = vec!["--pid", "--fork", "--ipc", "--net"];
        if !nix::unistd::geteuid().is_root() {
            unshare.extend(["--user", "--map-root-user"]);
        }
        unshare.push("true");
        if !runs("python3", &["-c", "import ctypes, select, socket"]) {
            Some("no python3 to run the probe")
        } else if !Path::new("/proc/sysvipc/shm").exists() {
            Some("no System V IPC in this kernel")
        } else if !runs("unshare", &unshare) {
            Some("`unshare` cannot make PID, IPC and network namespaces here")
        } else {
            None
        }
    })
}

impl Scratch {
    /// A scratch directory, or `None` (saying why) where the machine cannot run the test.
    fn new() -> Option<Self> {
        if let Some(missing) = missing_prerequisite() {
            let thread = std::thread::current();
            eprintln!("{}: {missing}; skipped", thread.name().unwrap_or("test"));
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
        Some(Self { dir })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `harness ARGS` with its output in a file (never a pipe a leftover could hold open).
    fn spawn(&self, args: &[impl AsRef<OsStr>]) -> (Child, PathBuf) {
        self.spawn_program(Path::new(HARNESS), args, &[])
    }

    /// `program ARGS` as `spawn` runs the harness, with `env` added.
    fn spawn_program(
        &self,
        program: &Path,
        args: &[impl AsRef<OsStr>],
        env: &[(&str, &str)],
    ) -> (Child, PathBuf) {
        let log = tempfile::NamedTempFile::new_in(self.dir.path())
            .unwrap()
            .into_temp_path()
            .keep()
            .unwrap();
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(program)
            .args(args)
            .envs(env.iter().copied())
            .env("HARNESS_OUT", self.path("out"))
            .env("HARNESS_TMPDIR", self.path("tmp"))
            .env("TMPDIR", self.path("tmp"))
            .stdin(Stdio::null())
            .stdout(Stdio::from(file.try_clone().unwrap()))
            .stderr(Stdio::from(file))
            .spawn()
            .unwrap();
        (child, log)
    }

    /// Runs `harness ARGS` to its end: exit code and output.
    fn run(&self, args: &[impl AsRef<OsStr>]) -> (Option<i32>, String) {
        let (mut child, log) = self.spawn(args);
        let status = child.wait().unwrap();
        (status.code(), std::fs::read_to_string(log).unwrap())
    }

    /// The agent's files: `agent.sh` (the given script) and `probe.py`; returns the agent
    /// command, carrying the mark in its environment.
    fn agent(&self, mark: &Mark, script: &str) -> String {
        let dir = self.path("agent");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("probe.py"), PROBE).unwrap();
        let script = script.replace("PROBE", &dir.join("probe.py").display().to_string());
        std::fs::write(dir.join("agent.sh"), script).unwrap();
        format!(
            "{} sh {}",
            mark.assignment(),
            dir.join("agent.sh").display()
        )
    }

    /// `harness run` arguments for sh-semver in `fixtures` with the agent of `agent()`.
    fn run_args(&self, fixtures: &Path, command: &str) -> Vec<String> {
        let mut args: Vec<String> = ["run", "--fixtures"].map(String::from).to_vec();
        args.push(fixtures.display().to_string());
        for arg in ["--fixture", "sh-semver", "--agent", command, "--agent-file"] {
            args.push(arg.to_owned());
        }
        args.push(self.path("agent").display().to_string());
        args.extend(["--agent-timeout", "600"].map(String::from));
        args
    }

    /// What every case of the run(s) left in `name` (`agent.log`, `checks/visible.log`).
    fn case_logs(&self, name: &str) -> Vec<String> {
        let entries = |dir: PathBuf| std::fs::read_dir(dir).into_iter().flatten().flatten();
        entries(self.path("out/runs"))
            .flat_map(|run| entries(run.path().join("cases")))
            .map(|case| std::fs::read_to_string(case.path().join(name)).unwrap_or_default())
            .collect()
    }

    /// Episode directories still under HARNESS_TMPDIR.
    fn episodes(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.path("tmp/another-harness"))
            .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
            .unwrap_or_default()
    }

    /// A copy of sh-semver whose visible check is `sh tests/iso.sh <mark arg>`, running
    /// `script` (with `tests/iso.py`, the probe, beside it) only in an episode whose agent
    /// wrote `lib/iso-go`: `check-fixture`'s oracle and noop never trigger it. Returns the
    /// fixtures directory, its lock written.
    fn check_fixture(&self, mark: &Mark, script: &str) -> PathBuf {
        let fixtures = self.path("fixtures");
        let dir = fixtures.join("sh-semver");
        copy_dir(&root().join("fixtures/sh-semver"), &dir);
        std::fs::write(
            dir.join("repo/tests/iso.sh"),
            format!("#!/bin/sh\n[ -f lib/iso-go ] || exit 0\n{script}\n"),
        )
        .unwrap();
        std::fs::write(dir.join("repo/tests/iso.py"), PROBE).unwrap();
        let contract_path = dir.join("repo/evaluation/contract.toml");
        let contract = std::fs::read_to_string(&contract_path).unwrap();
        let edited = contract
            .replacen(
                "run = [\"sh\", \"tests/run.sh\"]\nreport = \"tap\"",
                &format!(
                    "run = [\"sh\", \"tests/iso.sh\", \"{}\"]\nreport = \"exit\"",
                    mark.arg()
                ),
                1,
            )
            .replacen(
                "files = [\"tests/run.sh\", \"tests/lib.sh\"]",
                "files = [\"tests/iso.sh\", \"tests/iso.py\"]",
                1,
            );
        assert_eq!(edited.matches("tests/iso.").count(), 3, "{edited}");
        std::fs::write(&contract_path, edited).unwrap();
        let (code, output) = self.run(&["check-fixture", dir.to_str().unwrap(), "--write-lock"]);
        assert_eq!(code, Some(0), "check-fixture refused the copy:\n{output}");
        fixtures
    }
}

fn shipped_fixtures() -> PathBuf {
    root().join("fixtures")
}

fn read(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

/// Runs `harness ARGS`, waits until three marked `sleep`s run, kills the harness with
/// SIGKILL and asserts that every marked process seen before the kill is dead (or a
/// zombie) within `DEATH`.
fn kill_the_harness_and_expect_no_survivor(scratch: &Scratch, args: &[String], mark: &Mark) {
    kill_and_expect_no_survivor(scratch.spawn(args), mark);
}

/// [`kill_the_harness_and_expect_no_survivor`] of a process already started.
fn kill_and_expect_no_survivor((child, log): (Child, PathBuf), mark: &Mark) {
    let mut cleanup = Cleanup::new(Some(child), mark, Vec::new());
    let ready = poll(READY, || mark.sleeps().len() >= 3);
    assert!(
        ready,
        "the episode's three sleeps never ran; marked: {:?}\nharness output:\n{}",
        described(&mark.procs()),
        read(&log)
    );
    // The episode: what carries the mark, and all the harness's process tree below it.
    let harness = cleanup.harness.as_ref().unwrap().id();
    let mut tracked = mark.procs();
    tracked.extend(descendants(i32::try_from(harness).unwrap()));
    tracked.sort_by_key(|proc| proc.pid);
    tracked.dedup();
    // SIGKILL, but not reaped until the end: a zombie harness still counts as alive for
    // every run's sweep of stale pids cgroups, so no concurrent run kills the episode's
    // processes for the kernel.
    cleanup.harness.as_mut().unwrap().kill().unwrap();
    let gone = poll(DEATH, || tracked.iter().all(|proc| !proc.alive()));
    let survivors: Vec<Proc> = tracked.iter().copied().filter(|p| p.alive()).collect();
    assert!(
        gone,
        "{} of the episode's {} processes outlived the harness by {DEATH:?} after SIGKILL:\n{}\n(tracked: {:?})",
        survivors.len(),
        tracked.len(),
        described(&survivors).join("\n"),
        tracked
    );
}

#[test]
fn an_agents_process_tree_dies_with_a_harness_killed_by_sigkill() {
    let Some(scratch) = Scratch::new() else {
        return;
    };
    let mark = Mark::new();
    let command = scratch.agent(
        &mark,
        "sh -c 'sleep 300 & (setsid sleep 300 &) ; sleep 300'\n",
    );
    let args = scratch.run_args(&shipped_fixtures(), &command);
    kill_the_harness_and_expect_no_survivor(&scratch, &args, &mark);
}

/// The variable that makes [`case_of_a_killed_test_process`] run its case.
const CASE_AGENT_VAR: &str = "ISOLATION_CASE_AGENT";

/// Not a test of its own: the case a `cargo test` benchmark process runs, run by
/// [`an_agents_process_tree_dies_with_a_cargo_test_process_killed_by_sigkill`] in a copy of
/// this test binary (the runner's library path: `run_case` on a fixture with an agent
/// command), and killed there.
#[test]
#[ignore = "run by an_agents_process_tree_dies_with_a_cargo_test_process_killed_by_sigkill"]
fn case_of_a_killed_test_process() {
    let Ok(command) = std::env::var(CASE_AGENT_VAR) else {
        return;
    };
    let fixture = harness_runtime::Fixture::load(&shipped_fixtures().join("sh-semver")).unwrap();
    let mut settings = harness_runtime::Settings::from_env();
    settings.agent_files = vec![Path::new(&command.rsplit(' ').next().unwrap()).to_path_buf()];
    let spec = harness_runtime::CaseSpec {
        case: "sh-semver::killed".into(),
        fixture: std::sync::Arc::new(fixture),
        agent: harness_runtime::Agent::command(command),
    };
    harness_runtime::run_case(&spec, &settings, "killed");
}

#[test]
fn an_agents_process_tree_dies_with_a_cargo_test_process_killed_by_sigkill() {
    let Some(scratch) = Scratch::new() else {
        return;
    };
    let mark = Mark::new();
    let command = scratch.agent(
        &mark,
        "sh -c 'sleep 300 & (setsid sleep 300 &) ; sleep 300'\n",
    );
    let test_binary = std::env::current_exe().unwrap();
    let args = [
        "--exact",
        "case_of_a_killed_test_process",
        "--include-ignored",
        "--nocapture",
    ];
    let spawned = scratch.spawn_program(&test_binary, &args, &[(CASE_AGENT_VAR, &command)]);
    kill_and_expect_no_survivor(spawned, &mark);
}

/// The PID namespace, not Landlock, ends them: so without Landlock too.
#[test]
fn an_unconfined_agents_process_tree_dies_with_a_harness_killed_by_sigkill() {
    let Some(scratch) = Scratch::new() else {
        return;
    };
    let mark = Mark::new();
    let command = scratch.agent(&mark, "sleep 300 & (setsid sleep 300 &) ; sleep 300\n");
    let mut args = scratch.run_args(&shipped_fixtures(), &command);
    args.push("--no-confine".to_owned());
    kill_the_harness_and_expect_no_survivor(&scratch, &args, &mark);
}

#[test]
fn a_checks_process_tree_dies_with_a_harness_killed_by_sigkill() {
    let Some(scratch) = Scratch::new() else {
        return;
    };
    let mark = Mark::new();
    let fixtures = scratch.check_fixture(
        &mark,
        "sleep \"$1\" & (setsid sleep \"$1\" &) ; sleep \"$1\"",
    );
    let command = scratch.agent(&mark, "touch lib/iso-go\n");
    let args = scratch.run_args(&fixtures, &command);
    kill_the_harness_and_expect_no_survivor(&scratch, &args, &mark);
}

/// Probes the test's TCP, UDP and abstract unix sockets on the host's loopback (and, with
/// `socket_file`, a unix socket file outside every directory an episode is given) from a
/// check (`in_check`) or from the agent, in a run with `extra` arguments, and asserts that
/// nothing reached them.
fn expect_the_hosts_sockets_unreached(in_check: bool, extra: &[&str], socket_file: bool) {
    let Some(scratch) = Scratch::new() else {
        return;
    };
    let mark = Mark::new();
    let file = socket_file.then(|| scratch.path(&format!("host-{}.sock", mark.tag)));
    let listeners = Listeners::open(&mark, file);
    let (fixtures, command, log) = if in_check {
        // (`agent()` replaces the word P-R-O-B-E in the script: none of these words hold it.)
        let probe = format!("python3 tests/iso.py {}", listeners.probe_args());
        let fixtures = scratch.check_fixture(&mark, &probe);
        let command = scratch.agent(&mark, "touch lib/iso-go\n");
        (fixtures, command, "checks/visible.log")
    } else {
        // (`agent()` replaces the word P-R-O-B-E in the script: none of these words hold it.)
        let probe = format!("python3 PROBE {}\n", listeners.probe_args());
        (
            shipped_fixtures(),
            scratch.agent(&mark, &probe),
            "agent.log",
        )
    };
    let mut args = scratch.run_args(&fixtures, &command);
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    let (code, output) = scratch.run(&args);
    let said = scratch.case_logs(log).concat();
    assert!(
        said.contains("probe done"),
        "the probe never ran (exit {code:?}):\n{output}\n{said}"
    );
    let received = listeners.received();
    assert!(
        received.is_empty(),
        "{log} of a run with {extra:?}: the probe reached the test's sockets on the host: {received:?}\nthe probe said:\n{said}"
    );
}

/// Checks have no network unless their contract says `network = true`.
#[test]
fn a_check_reaches_nothing_on_the_hosts_loopback() {
    expect_the_hosts_sockets_unreached(true, &[], false);
}

/// The network namespace, not Landlock (which scopes abstract unix sockets), keeps it in.
#[test]
fn an_unconfined_check_reaches_nothing_on_the_hosts_loopback() {
    expect_the_hosts_sockets_unreached(true, &["--no-confine"], false);
}

/// `--repeat 2 --jobs 2`: both agents try to listen on one port of the host's loopback (TCP
/// and UDP); the one that cannot ends at once, and its episode's check sends to the port
/// while the other agent still listens. Only then does the test stop the listener.
#[test]
fn a_check_reaches_no_concurrent_episodes_agent() {
    expect_no_concurrent_episode_reached(&[]);
}

/// With `--no-network` the agent has a loopback of its own too (its worker thread's).
#[test]
fn a_check_reaches_no_concurrent_episodes_agent_without_network() {
    expect_no_concurrent_episode_reached(&["--no-network"]);
}

/// Two concurrent episodes (`--repeat 2 --jobs 2`, run with `extra`): one's check sends
/// over loopback TCP and UDP to the port the other's agent listens on; the agent gets
/// nothing.
fn expect_no_concurrent_episode_reached(extra: &[&str]) {
    let Some(scratch) = Scratch::new() else {
        return;
    };
    let mark = Mark::new();
    let port = free_port();
    let fixtures = scratch.check_fixture(
        &mark,
        &format!("python3 tests/iso.py tcp={port} udp={port}"),
    );
    let command = scratch.agent(
        &mark,
        &format!("python3 PROBE listen={port}\ntouch lib/iso-go\n"),
    );
    let mut args = scratch.run_args(&fixtures, &command);
    args.extend(["--repeat", "2", "--jobs", "2"].map(String::from));
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    let (child, log) = scratch.spawn(&args);
    let mut cleanup = Cleanup::new(Some(child), &mark, Vec::new());
    let probed = poll(READY, || {
        scratch
            .case_logs("checks/visible.log")
            .concat()
            .contains("probe done")
    });
    assert!(
        probed,
        "no check probed while the other episode's agent listened (not concurrent?):\n{}\n{:?}",
        read(&log),
        scratch.case_logs("agent.log")
    );
    let stop = UdpSocket::bind("127.0.0.1:0").unwrap();
    stop.send_to(b"stop", ("127.0.0.1", port)).unwrap();
    let status = cleanup.harness.as_mut().unwrap().wait().unwrap();
    let agents = scratch.case_logs("agent.log").concat();
    let checks = scratch.case_logs("checks/visible.log").concat();
    // Nothing received. With the network on, one agent listened (the other could not bind
    // the same port); without it Landlock denies agents TCP, so none could.
    let received = agents
        .lines()
        .any(|line| line.contains("got [") && !line.contains("got []"));
    let listened = agents.contains(&format!("listen={port}: ok stopped, got []"));
    assert!(
        !received && (listened || !extra.is_empty()),
        "an agent got what a concurrent episode's check sent, or never listened ({status}):\n{agents}\nthe checks said:\n{checks}"
    );
}

#[test]
fn an_agent_under_no_network_reaches_nothing_on_the_hosts_loopback() {
    expect_the_hosts_sockets_unreached(false, &["--no-network"], false);
}

#[test]
fn an_unconfined_agent_under_no_network_reaches_nothing_on_the_hosts_loopback() {
    expect_the_hosts_sockets_unreached(false, &["--no-network", "--no-confine"], false);
}

/// Issue 16: "path-based unix sockets of the host ... are out of reach" of checks (and of
/// agents under `--no-network`) through a mount namespace; Landlock does not cover `connect`.
#[test]
fn a_check_cannot_connect_to_a_unix_socket_file_of_the_host() {
    expect_the_hosts_sockets_unreached(true, &[], true);
}

#[test]
fn an_agent_under_no_network_cannot_connect_to_a_unix_socket_file_of_the_host() {
    expect_the_hosts_sockets_unreached(false, &["--no-network"], true);
}

#[test]
fn an_agent_without_no_network_still_reaches_the_hosts_loopback() {
    let Some(scratch) = Scratch::new() else {
        return;
    };
    let mark = Mark::new();
    let listeners = Listeners::open(&mark, None);
    let port = listeners.tcp.local_addr().unwrap().port();
    let command = scratch.agent(&mark, &format!("python3 PROBE tcp={port}\n"));
    let (code, output) = scratch.run(&scratch.run_args(&shipped_fixtures(), &command));
    let said = scratch.case_logs("agent.log").concat();
    assert!(
        said.contains("probe done"),
        "the agent's probe never ran (exit {code:?}):\n{output}\n{said}"
    );
    assert!(
        listeners.tcp.accept().is_ok(),
        "an agent run without --no-network could not connect to the test's TCP listener:\n{said}"
    );
}

#[test]
fn a_segment_left_by_one_episodes_check_reaches_no_later_episode() {
    let Some(scratch) = Scratch::new() else {
        return;
    };
    let mark = Mark::new();
    let key = unique_key();
    let _cleanup = Cleanup::new(None, &mark, vec![key]);
    let fixtures = scratch.check_fixture(&mark, &format!("python3 tests/iso.py shm-create={key}"));
    let command = scratch.agent(
        &mark,
        &format!("python3 PROBE shm-find={key}\ntouch lib/iso-go\n"),
    );
    let mut args = scratch.run_args(&fixtures, &command);
    args.extend(["--repeat", "2", "--jobs", "1"].map(String::from));
    let (code, output) = scratch.run(&args);
    let checks = scratch.case_logs("checks/visible.log");
    assert!(
        checks
            .iter()
            .all(|log| log.contains(&format!("shm-create={key}: ok"))),
        "a check could not create its segment (exit {code:?}):\n{output}\n{checks:?}"
    );
    let agents = scratch.case_logs("agent.log");
    assert_eq!(
        agents
            .iter()
            .filter(|log| log.contains("probe done"))
            .count(),
        2,
        "{output}\n{agents:?}"
    );
    let found: Vec<&String> = agents
        .iter()
        .filter(|log| log.contains(&format!("shm-find={key}: ok")))
        .collect();
    assert!(
        found.is_empty(),
        "a later episode's agent found the segment an earlier episode's check made: {found:?}"
    );
    assert!(
        !segment_exists(key),
        "the check's segment (key {key}) outlived the run in the host's IPC namespace"
    );
}

#[test]
fn nothing_of_an_episode_remains_after_its_run() {
    let Some(scratch) = Scratch::new() else {
        return;
    };
    let mark = Mark::new();
    let (agent_key, check_key) = (unique_key(), unique_key());
    let _cleanup = Cleanup::new(None, &mark, vec![agent_key, check_key]);
    let fixtures = scratch.check_fixture(
        &mark,
        &format!(
            "sleep \"$1\" & (setsid sleep \"$1\" &)\npython3 tests/iso.py shm-create={check_key}"
        ),
    );
    let command = scratch.agent(
        &mark,
        &format!(
            "sleep 300 & (setsid sleep 300 &)\npython3 PROBE shm-create={agent_key}\ntouch lib/iso-go\n"
        ),
    );
    let (code, output) = scratch.run(&scratch.run_args(&fixtures, &command));
    let agents = scratch.case_logs("agent.log").concat();
    let checks = scratch.case_logs("checks/visible.log").concat();
    assert!(
        agents.contains(&format!("shm-create={agent_key}: ok"))
            && checks.contains(&format!("shm-create={check_key}: ok")),
        "the agent or the check could not create its segment (exit {code:?}):\n{output}\nagent:\n{agents}\ncheck:\n{checks}"
    );
    let clean = poll(DEATH, || {
        mark.procs().is_empty()
            && !segment_exists(agent_key)
            && !segment_exists(check_key)
            && scratch.episodes().is_empty()
    });
    assert!(
        clean,
        "left after the run: processes {:?}, agent's segment {}, check's segment {}, episode directories {:?}",
        described(&mark.procs()),
        segment_exists(agent_key),
        segment_exists(check_key),
        scratch.episodes()
    );
}

/// Two episodes preparing their first processes at once once hung for good (about one run
/// in three): a helper process forked for one held the other's pipe open. Three runs of
/// two concurrent noop episodes must each end.
#[test]
fn concurrent_episodes_never_wait_for_each_other() {
    let Some(scratch) = Scratch::new() else {
        return;
    };
    let budget = Duration::from_secs(120);
    let fixtures = shipped_fixtures();
    for round in 0..3 {
        let args = [
            "run",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--fixture",
            "sh-semver",
            "--agent",
            "noop",
            "--repeat",
            "2",
            "--jobs",
            "2",
        ];
        let (mut child, log) = scratch.spawn(&args);
        let ended = poll(budget, || child.try_wait().unwrap().is_some());
        if !ended {
            let _ = child.kill();
            let _ = child.wait();
        }
        assert!(
            ended,
            "round {round} still ran after {budget:?}:\n{}",
            read(&log)
        );
    }
}

/// Without Landlock an agent sees the host's filesystem, but not the run's fixtures (their
/// oracles) nor the output directory (the ledgers it could forge lines into): both are
/// covered in its mount namespace (red-team round 4 copied an oracle and forged a ledger).
#[test]
fn an_unconfined_agent_sees_neither_the_fixtures_nor_the_runs() {
    let Some(scratch) = Scratch::new() else {
        return;
    };
    let fixtures = shipped_fixtures();
    let out = scratch.path("out");
    // A first run, so that the output directory holds a ledger.
    let mut args = scratch.run_args(&fixtures, "true");
    args.push("--no-confine".to_owned());
    scratch.run(&args);
    assert!(std::fs::read_dir(out.join("runs")).is_ok_and(|mut runs| runs.next().is_some()));
    // (`agent()` replaces the word P-R-O-B-E in the script: none of these words hold it.)
    let probe = format!(
        "echo LOOKED\n\
         [ -e '{fixtures}/sh-semver/oracle' ] && echo ORACLE_VISIBLE\n\
         ls -A '{fixtures}' | grep -q . && echo FIXTURES_VISIBLE\n\
         ls -A '{out}' | grep -q . && echo OUT_VISIBLE\n\
         for ledger in '{out}'/runs/*/ledger.jsonl; do [ -e \"$ledger\" ] && echo LEDGER_VISIBLE; done\n\
         true\n",
        fixtures = fixtures.display(),
        out = out.display(),
    );
    let mark = Mark::new();
    let command = scratch.agent(&mark, &probe);
    let mut args = scratch.run_args(&fixtures, &command);
    args.push("--no-confine".to_owned());
    scratch.run(&args);
    let logs = scratch.case_logs("agent.log").join("\n");
    assert!(logs.contains("LOOKED"), "the agent did not run: {logs}");
    assert!(!logs.contains("VISIBLE"), "{logs}");
}

/// Each episode has a disk of its own where the harness can mount: an agent filling its
/// disk is stopped (`resource_limit`) and a concurrent episode solving its task passes
/// (red-team round 4 filled the shared one and a concurrent episode scored -1).
#[test]
fn an_agent_filling_its_disk_stops_only_its_own_episode() {
    let Some(scratch) = Scratch::new() else {
        return;
    };
    if !nix::unistd::geteuid().is_root() {
        eprintln!("not root: episodes share one disk here; skipped");
        return;
    }
    let fixtures = shipped_fixtures();
    // The solution goes with the agent's own files (the fixtures are hidden from agents).
    let solution = scratch.path("agent/solution");
    copy_dir(&fixtures.join("py-slugify/oracle"), &solution);
    let script = format!(
        "if [ -f lib/semver.sh ]; then\n\
         \x20 head -c 100000000 /dev/zero > lib/fill.bin 2>/dev/null\n\
         \x20 sleep 10\n\
         else\n\
         \x20 cp -R '{solution}/.' .\n\
         fi\n",
        solution = solution.display()
    );
    let mark = Mark::new();
    let command = scratch.agent(&mark, &script);
    let mut args = scratch.run_args(&fixtures, &command);
    args.extend(
        [
            "--fixture",
            "py-slugify",
            "--jobs",
            "2",
            "--episode-disk",
            "32",
        ]
        .map(String::from),
    );
    let (_, output) = scratch.run(&args);
    let results = scratch.case_logs("result.json");
    let case = |fixture: &str| -> serde_json::Value {
        results
            .iter()
            .map(|text| serde_json::from_str::<serde_json::Value>(text).unwrap())
            .find(|case| case["fixture"] == fixture)
            .unwrap_or_else(|| panic!("no {fixture} case: {output}"))
    };
    let (filler, solver) = (case("sh-semver"), case("py-slugify"));
    assert_eq!(filler["disk"], "own", "{filler}");
    let codes = |case: &serde_json::Value| -> Vec<String> {
        case["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|violation| violation["code"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        codes(&filler).contains(&"resource_limit".to_owned()),
        "{filler}"
    );
    assert_eq!(solver["status"], "passed", "{solver}");
    assert!(codes(&solver).is_empty(), "{solver}");
}
