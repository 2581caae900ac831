//! Confinement against the running kernel: the child setup of `confine::child` (the
//! workspace's only `unsafe` code) must apply every step it promises, and report a failed
//! one without running the command.
#![forbid(unsafe_code)]

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use harness_sandbox::confine::{
    self, ConfineError, ConfineSpec, ConfinedChild, Confinement, Limits, PidsCgroup, SpawnError,
};

const TIMEOUT: Duration = Duration::from_secs(20);

struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
    confinement: Confinement,
}

/// A spec running `sh -c script sh args...` in `/` with read access to the system dirs,
/// PATH set and Landlock on.
fn sh_spec(script: &str, args: &[&str]) -> ConfineSpec {
    let mut argv = vec![
        "/bin/sh".to_owned(),
        "-c".to_owned(),
        script.to_owned(),
        "sh".to_owned(),
    ];
    argv.extend(args.iter().map(|a| (*a).to_owned()));
    let mut spec = ConfineSpec::new(argv, PathBuf::from("/"));
    spec.read_only = confine::SYSTEM_READ_ONLY
        .iter()
        .map(PathBuf::from)
        .collect();
    spec.read_write = confine::SYSTEM_READ_WRITE
        .iter()
        .map(PathBuf::from)
        .collect();
    spec.env = vec![("PATH".to_owned(), "/usr/bin:/bin".to_owned())];
    spec
}

/// Spawns `spec` with stdout and stderr going to files in `scratch`.
fn try_spawn(
    spec: &ConfineSpec,
    scratch: &Path,
) -> Result<(ConfinedChild, Confinement), SpawnError> {
    let out = std::fs::File::create(scratch.join("stdout")).expect("create stdout file");
    let err = std::fs::File::create(scratch.join("stderr")).expect("create stderr file");
    let mut command = confine::command(spec).expect("build confined command");
    command.stdout(out).stderr(err);
    let confinement = command.confinement();
    command.spawn().map(|child| (child, confinement))
}

fn spawn(spec: &ConfineSpec, scratch: &Path) -> (ConfinedChild, Confinement) {
    try_spawn(spec, scratch).expect("spawn confined command")
}

/// Waits for `child` up to `timeout`; on timeout kills its group and panics.
fn wait(child: &mut ConfinedChild, timeout: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if start.elapsed() > timeout {
            confine::kill_group(child.id());
            let _ = child.wait();
            panic!("confined command did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn run_confined(spec: &ConfineSpec, scratch: &Path) -> Run {
    let (mut child, confinement) = spawn(spec, scratch);
    let status = wait(&mut child, TIMEOUT);
    // Nothing of the tree may outlive the run.
    confine::kill_group(child.id());
    Run {
        status,
        stdout: std::fs::read_to_string(scratch.join("stdout")).unwrap_or_default(),
        stderr: std::fs::read_to_string(scratch.join("stderr")).unwrap_or_default(),
        confinement,
    }
}

fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("confine-test-")
        .tempdir()
        .expect("create temp dir")
}

/// `Some(abi)` when Landlock is available; prints a skip message otherwise.
fn landlock_or_skip(test: &str) -> Option<i32> {
    let abi = confine::landlock_abi();
    if abi.is_none() {
        eprintln!("skipping {test}: this kernel has no Landlock");
    }
    abi
}

/// (pid, state) of every process whose process group is `pgid`, zombies included.
fn group_members(pgid: u32) -> Vec<(u32, char)> {
    let mut members = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return members;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (Some(state), Some(pgrp)) = (
            fields.first().and_then(|s| s.chars().next()),
            fields.get(2).and_then(|s| s.parse::<u32>().ok()),
        ) else {
            continue;
        };
        if pgrp == pgid {
            members.push((pid, state));
        }
    }
    members
}

/// The session id of process `pid`.
fn session_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // pid (comm) state ppid pgrp session ...
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(3)?.parse().ok()
}

fn poll_until(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    done()
}

#[test]
fn landlock_abi_is_reported() {
    let abi = confine::landlock_abi();
    eprintln!("landlock ABI on this kernel: {abi:?}");
    if let Some(abi) = abi {
        assert!(abi >= 1);
        // Probing restricted nothing: this process can still read anything.
        assert!(std::fs::read_to_string("/proc/self/status").is_ok());
    }
}

#[test]
fn landlock_enforces_read_only_and_read_write_rules() {
    let Some(abi) = landlock_or_skip("landlock_enforces_read_only_and_read_write_rules") else {
        return;
    };
    let tmp = scratch();
    let base = tmp.path();
    std::fs::write(base.join("secret.txt"), "TOP-SECRET-ANSWER").expect("write secret");
    std::fs::create_dir(base.join("ro")).expect("mkdir ro");
    std::fs::write(base.join("ro/data.txt"), "READ-ONLY-DATA").expect("write ro data");
    std::fs::create_dir(base.join("rw")).expect("mkdir rw");
    std::fs::create_dir(base.join("out")).expect("mkdir out");

    let script = r#"
        cat "$1/ro/data.txt" && echo RO_READ_OK
        if cat "$1/secret.txt"; then echo SECRET_READ; else echo SECRET_DENIED; fi
        if ls "$1" >"$1/rw/listing"; then echo LIST_OK; else echo LIST_DENIED; fi
        if (echo written >"$1/rw/new.txt"); then echo RW_WRITE_OK; else echo RW_WRITE_DENIED; fi
        mkdir "$1/rw/sub" && rm -r "$1/rw/sub" && echo RW_MKDIR_OK
        if (echo x >"$1/ro/new.txt"); then echo RO_WRITE_DONE; else echo RO_WRITE_DENIED; fi
        if (echo x >>"$1/ro/data.txt"); then echo RO_APPEND_DONE; else echo RO_APPEND_DENIED; fi
        if (echo forged >"$1/out/forged"); then echo OUTSIDE_WRITTEN; else echo OUTSIDE_DENIED; fi
    "#;
    let out = base.join("out");
    let mut spec = sh_spec(script, &[base.to_str().expect("utf-8 temp dir")]);
    spec.read_only.push(base.join("ro"));
    spec.read_write.push(base.join("rw"));
    spec.read_only.push(base.join("does-not-exist"));

    let run = run_confined(&spec, &out);
    assert_eq!(
        run.confinement,
        Confinement::Landlock {
            abi,
            partial: false
        },
        "stderr: {}",
        run.stderr
    );
    assert!(run.status.success(), "{}\n{}", run.stdout, run.stderr);
    for marker in [
        "READ-ONLY-DATA",
        "RO_READ_OK",
        "SECRET_DENIED",
        "LIST_DENIED",
        "RW_WRITE_OK",
        "RW_MKDIR_OK",
        "RO_WRITE_DENIED",
        "RO_APPEND_DENIED",
        "OUTSIDE_DENIED",
    ] {
        assert!(
            run.stdout.contains(marker),
            "missing {marker} in:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    assert!(!run.stdout.contains("TOP-SECRET-ANSWER"));
    assert_eq!(
        std::fs::read_to_string(base.join("rw/new.txt")).expect("rw file"),
        "written\n"
    );
    assert!(!base.join("ro/new.txt").exists());
    assert!(!out.join("forged").exists());
    assert_eq!(
        std::fs::read_to_string(base.join("ro/data.txt")).expect("ro file"),
        "READ-ONLY-DATA"
    );
    assert!(
        Confinement::Landlock {
            abi,
            partial: false
        }
        .is_fully_enforced()
    );
}

#[test]
fn without_landlock_confinement_is_none_and_reads_work() {
    let tmp = scratch();
    std::fs::write(tmp.path().join("secret.txt"), "VISIBLE").expect("write");
    let mut spec = sh_spec(
        r#"cat "$1/secret.txt""#,
        &[tmp.path().to_str().expect("utf-8")],
    );
    spec.landlock = false;
    let run = run_confined(&spec, tmp.path());
    assert!(run.status.success(), "{}", run.stderr);
    assert_eq!(run.stdout, "VISIBLE");
    assert_eq!(run.confinement, Confinement::None);
}

#[test]
fn environment_is_exactly_the_specs() {
    let tmp = scratch();
    let mut spec = ConfineSpec::new(vec!["env".to_owned()], tmp.path().to_path_buf());
    spec.read_only = confine::SYSTEM_READ_ONLY
        .iter()
        .map(PathBuf::from)
        .collect();
    spec.env = vec![
        ("PATH".to_owned(), "/usr/bin:/bin".to_owned()),
        ("HARNESS_WORK_ITEM".to_owned(), "fix the bug".to_owned()),
        ("EMPTY".to_owned(), String::new()),
    ];
    let run = run_confined(&spec, tmp.path());
    assert!(run.status.success(), "{}", run.stderr);
    let mut lines: Vec<&str> = run.stdout.lines().collect();
    lines.sort_unstable();
    assert_eq!(
        lines,
        [
            "EMPTY=",
            "HARNESS_WORK_ITEM=fix the bug",
            "PATH=/usr/bin:/bin"
        ]
    );
}

#[test]
fn working_directory_is_the_specs() {
    let tmp = scratch();
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).expect("mkdir");
    let mut spec = sh_spec("pwd", &[]);
    spec.cwd = work.clone();
    spec.read_write.push(work.clone());
    let run = run_confined(&spec, tmp.path());
    assert!(run.status.success(), "{}", run.stderr);
    assert_eq!(run.stdout.trim(), work.to_str().expect("utf-8"));
}

#[test]
fn file_size_limit_caps_writes() {
    let tmp = scratch();
    let rw = tmp.path().join("rw");
    std::fs::create_dir(&rw).expect("mkdir");
    let script = r#"
        head -c 500 /dev/zero >"$1/small"; echo "small=$?"
        head -c 5000 /dev/zero >"$1/big"; echo "big=$?"
    "#;
    let mut spec = sh_spec(script, &[rw.to_str().expect("utf-8")]);
    spec.read_write.push(rw.clone());
    spec.limits = Limits {
        file_size_bytes: Some(1000),
        cpu_seconds: Some(10),
        processes: None,
    };
    let run = run_confined(&spec, tmp.path());
    assert!(
        run.stdout.contains("small=0"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    // Killed by SIGXFSZ (128 + 25) or, if ignored, failed with EFBIG.
    let big = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("big="))
        .expect("big result");
    assert_ne!(big, "0", "writing past RLIMIT_FSIZE succeeded");
    let len = |name: &str| std::fs::metadata(rw.join(name)).expect("metadata").len();
    assert_eq!(len("small"), 500);
    assert_eq!(len("big"), 1000);
}

#[test]
fn cpu_limit_stops_a_busy_loop() {
    let tmp = scratch();
    let mut spec = sh_spec("while :; do :; done", &[]);
    spec.limits.cpu_seconds = Some(1);
    let start = Instant::now();
    let run = run_confined(&spec, tmp.path());
    assert!(
        matches!(run.status.signal(), Some(s) if s == nix::libc::SIGXCPU || s == nix::libc::SIGKILL),
        "{:?}",
        run.status
    );
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn kill_group_kills_the_whole_tree() {
    // The harness is a subreaper: the killed orphans come back to us and are reaped.
    let subreaper = confine::become_subreaper();
    let tmp = scratch();
    // The session fallback (with namespaces, killing the init ends everything).
    let mut spec = sh_spec("sleep 100 & sleep 100 & wait", &[]);
    spec.namespaces = false;
    let (mut child, _) = spawn(&spec, tmp.path());
    let pgid = child.id();
    assert!(
        poll_until(Duration::from_secs(10), || group_members(pgid).len() >= 3),
        "the process group never had 3 members: {:?}",
        group_members(pgid)
    );
    // Its own session and group: the command's pid is the group and session id.
    assert!(group_members(pgid).iter().any(|(pid, _)| *pid == pgid));
    assert_eq!(session_of(pgid), Some(pgid));
    confine::kill_group(pgid);
    let status = wait(&mut child, Duration::from_secs(10));
    assert_eq!(status.signal(), Some(nix::libc::SIGKILL));
    let alive = || {
        group_members(pgid)
            .into_iter()
            .filter(|(_, state)| *state != 'Z')
            .count()
    };
    assert!(
        poll_until(Duration::from_secs(10), || alive() == 0),
        "processes survived kill_group: {:?}",
        group_members(pgid)
    );
    if subreaper {
        let mut reaped = 0;
        assert!(
            poll_until(Duration::from_secs(10), || {
                reaped += confine::reap_group(pgid);
                group_members(pgid).is_empty()
            }),
            "zombies left: {:?}",
            group_members(pgid)
        );
        assert_eq!(
            reaped, 2,
            "both orphaned sleeps are reaped by the subreaper"
        );
    }
    // Harmless on a group that is gone, and never our own group.
    confine::kill_group(pgid);
    confine::kill_group(0);
    confine::kill_group(1);
}

#[test]
fn the_command_and_its_children_are_born_into_the_pids_cgroup() {
    let name = format!("join-{}", std::process::id());
    let Some(cgroup) = PidsCgroup::create(&name, 50) else {
        eprintln!("skipping: no pids cgroup can be made here");
        return;
    };
    let tmp = scratch();
    // Pids as the harness sees them: no PID namespace.
    let mut spec = sh_spec("sleep 30 & echo $!; wait", &[]);
    spec.namespaces = false;
    spec.cgroup_procs = Some(cgroup.join_path());
    let (mut child, _) = spawn(&spec, tmp.path());
    let grandchild = poll_until(Duration::from_secs(10), || {
        std::fs::read_to_string(tmp.path().join("stdout")).is_ok_and(|out| !out.trim().is_empty())
    })
    .then(|| std::fs::read_to_string(tmp.path().join("stdout")).expect("stdout"))
    .and_then(|out| out.trim().parse::<u32>().ok())
    .expect("the command printed its child's pid");
    let pids = cgroup.pids().expect("read cgroup.procs");
    assert!(pids.contains(&child.id()), "{} not in {pids:?}", child.id());
    assert!(pids.contains(&grandchild), "{grandchild} not in {pids:?}");
    assert!(cgroup.kill_all(), "processes left in the cgroup");
    let _ = wait(&mut child, Duration::from_secs(10));
    confine::reap_group(child.id());
}

#[test]
fn pids_cgroup_bounds_a_fork_bomb() {
    let name = format!("test-{}", std::process::id());
    let Some(cgroup) = PidsCgroup::create(&name, 50) else {
        eprintln!("skipping pids_cgroup_bounds_a_fork_bomb: no pids cgroup can be created here");
        return;
    };
    let dir = cgroup.path().to_path_buf();
    let tmp = scratch();
    let script = "for i in $(seq 200); do sleep 5 & done; wait";
    let mut spec = sh_spec(script, &[]);
    spec.cgroup_procs = Some(cgroup.join_path());
    let (mut child, _) = spawn(&spec, tmp.path());
    let pgid = child.id();
    let denied = poll_until(Duration::from_secs(10), || {
        cgroup.fork_denials().is_some_and(|n| n > 0)
            || std::fs::read_to_string(tmp.path().join("stderr")).is_ok_and(|e| e.contains("fork"))
    });
    assert!(denied, "no fork was refused");
    let pids = cgroup.pids().expect("read cgroup.procs");
    eprintln!(
        "pids cgroup {}: {} processes, {:?} forks refused",
        dir.display(),
        pids.len(),
        cgroup.fork_denials()
    );
    // Possibly none left: a shell whose fork failed may exit, and its namespace with it.
    assert!(pids.len() <= 50, "{} processes", pids.len());
    assert!(cgroup.kill_all(), "processes left in the cgroup");
    assert_eq!(cgroup.pids(), Some(Vec::new()));
    let _ = wait(&mut child, Duration::from_secs(10));
    let _ = poll_until(Duration::from_secs(5), || {
        confine::reap_group(pgid);
        group_members(pgid).iter().all(|(_, state)| *state == 'Z')
    });
    drop(cgroup);
    assert!(!dir.exists(), "cgroup {} not removed", dir.display());
}

#[test]
fn missing_command_is_127_and_non_executable_126() {
    let tmp = scratch();
    let not_exec = tmp.path().join("not-executable");
    std::fs::write(&not_exec, "#!/bin/sh\necho hi\n").expect("write");
    std::fs::set_permissions(&not_exec, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let cases = [
        ("/nonexistent/definitely-missing", 127),
        ("definitely-missing-command-xyz", 127),
        (not_exec.to_str().expect("utf-8"), 126),
    ];
    for (program, code) in cases {
        let mut spec = sh_spec("", &[]);
        spec.argv = vec![program.to_owned()];
        spec.read_only.push(tmp.path().to_path_buf());
        let error = try_spawn(&spec, tmp.path()).expect_err(program);
        assert!(
            matches!(error, SpawnError::Exec { .. }),
            "{program}: {error}"
        );
        assert_eq!(error.exit_code(), code, "{program}: {error}");
        assert!(error.to_string().contains(program), "{error}");
    }
}

#[test]
fn path_search_is_execvp_s() {
    let tmp = scratch();
    let (first, second) = (tmp.path().join("first"), tmp.path().join("second"));
    std::fs::create_dir(&first).expect("mkdir");
    std::fs::create_dir(&second).expect("mkdir");
    // A non-executable match is skipped; a file without `#!` is run by /bin/sh.
    std::fs::write(first.join("tool"), "echo WRONG\n").expect("write");
    std::fs::write(second.join("tool"), "echo FROM_SECOND \"$@\"\n").expect("write");
    std::fs::set_permissions(second.join("tool"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    let mut spec = sh_spec("", &[]);
    spec.argv = vec!["tool".to_owned(), "an argument".to_owned()];
    spec.env = vec![(
        "PATH".to_owned(),
        format!("{}:{}:/usr/bin:/bin", first.display(), second.display()),
    )];
    spec.read_only.push(tmp.path().to_path_buf());
    let run = run_confined(&spec, tmp.path());
    assert!(run.status.success(), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "FROM_SECOND an argument\n");
}

#[test]
fn the_command_starts_with_default_signals_and_an_empty_mask() {
    let tmp = scratch();
    // The Rust runtime ignores SIGPIPE; a child that inherited that would see EPIPE
    // ("Broken pipe") instead of dying quietly of SIGPIPE.
    let script = r#"
        grep -E '^Sig(Blk|Ign):' /proc/self/status
        yes | head -c 1 >/dev/null
    "#;
    let mut spec = sh_spec(script, &[]);
    spec.read_only.push(PathBuf::from("/proc"));
    let run = run_confined(&spec, tmp.path());
    assert!(run.status.success(), "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stderr.contains("Broken pipe"), "{}", run.stderr);
    let mask = |name: &str| {
        run.stdout
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .map(|value| u64::from_str_radix(value.trim(), 16).expect("hex mask"))
            .unwrap_or_else(|| panic!("no {name} in {}", run.stdout))
    };
    assert_eq!(mask("SigBlk:"), 0, "signals blocked in the child");
    let sigpipe_bit = 1u64 << (nix::libc::SIGPIPE - 1);
    assert_eq!(mask("SigIgn:") & sigpipe_bit, 0, "SIGPIPE still ignored");
}

#[test]
fn a_failed_setup_step_is_reported_and_the_command_never_runs() {
    let tmp = scratch();
    let marker = tmp.path().join("ran");
    let mut spec = sh_spec(r#"touch "$1""#, &[marker.to_str().expect("utf-8")]);
    spec.landlock = false;
    // Opening it succeeds in the harness; the child's write to it fails with ENOSPC.
    spec.cgroup_procs = Some(PathBuf::from("/dev/full"));
    let error = try_spawn(&spec, tmp.path()).expect_err("joining /dev/full cannot succeed");
    match &error {
        SpawnError::Setup { step, source, .. } => {
            assert_eq!(*step, "join the pids cgroup");
            assert_eq!(source.raw_os_error(), Some(nix::libc::ENOSPC));
        }
        other => panic!("expected a setup failure, got {other}"),
    }
    assert_eq!(error.exit_code(), confine::EXIT_CONFINEMENT_FAILED);
    assert!(
        error.to_string().contains("join the pids cgroup"),
        "{error}"
    );
    assert!(!marker.exists(), "the command ran although setup failed");
}

#[test]
fn the_command_dies_with_the_thread_that_spawned_it() {
    let tmp = scratch();
    // Without namespaces (with them, the command's init has a keeper thread of its own:
    // tests/namespaces.rs).
    let mut spec = sh_spec("exec sleep 100", &[]);
    spec.namespaces = false;
    let scratch_dir = tmp.path().to_path_buf();
    // PR_SET_PDEATHSIG fires when the spawning thread exits: spawn from a thread that ends.
    let (child, _) = std::thread::spawn(move || spawn(&spec, &scratch_dir))
        .join()
        .expect("spawning thread");
    let mut child = child;
    let status = wait(&mut child, Duration::from_secs(20));
    assert_eq!(status.signal(), Some(nix::libc::SIGKILL), "{status:?}");
}

#[test]
fn no_network_denies_tcp() {
    let Some(abi) = landlock_or_skip("no_network_denies_tcp") else {
        return;
    };
    if abi < 4 {
        eprintln!("skipping no_network_denies_tcp: Landlock ABI {abi} has no network rules");
        return;
    }
    if !Path::new("/bin/bash").exists() {
        eprintln!("skipping no_network_denies_tcp: no /bin/bash for /dev/tcp");
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let script =
        r#"if exec 3<>"/dev/tcp/127.0.0.1/$1"; then echo CONNECTED; else echo REFUSED; fi"#;
    for no_network in [false, true] {
        let tmp = scratch();
        let mut spec = sh_spec(script, &[&port]);
        spec.argv[0] = "/bin/bash".to_owned();
        spec.no_network = no_network;
        let run = run_confined(&spec, tmp.path());
        let expected = if no_network { "REFUSED" } else { "CONNECTED" };
        assert!(
            run.stdout.contains(expected),
            "no_network={no_network}: {}\n{}",
            run.stdout,
            run.stderr
        );
    }
}

#[test]
fn confined_command_cannot_signal_or_inspect_the_harness() {
    let Some(abi) = landlock_or_skip("confined_command_cannot_signal_or_inspect_the_harness")
    else {
        return;
    };
    let harness = std::process::id().to_string();
    // Without a rule for /proc, nothing of another process is visible.
    let tmp = scratch();
    let script = r#"
        if kill -0 "$1"; then echo SIGNAL_HARNESS_OK; else echo SIGNAL_HARNESS_DENIED; fi
        if kill -0 $$; then echo SIGNAL_SELF_OK; fi
        if cat "/proc/$1/environ"; then echo ENVIRON_READ; else echo ENVIRON_DENIED; fi
        if cat "/proc/$1/cmdline"; then echo CMDLINE_READ; else echo CMDLINE_DENIED; fi
        if ls "/proc/$1/cwd/"; then echo CWD_READ; else echo CWD_DENIED; fi
    "#;
    let spec = sh_spec(script, &[&harness]);
    let run = run_confined(&spec, tmp.path());
    let mut expected = vec![
        "SIGNAL_SELF_OK",
        "ENVIRON_DENIED",
        "CMDLINE_DENIED",
        "CWD_DENIED",
    ];
    if abi >= 6 {
        // Landlock scoping (ABI v6+): no signals out of the sandbox.
        expected.push("SIGNAL_HARNESS_DENIED");
    }
    for marker in expected {
        assert!(
            run.stdout.contains(marker),
            "missing {marker}:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }

    // With /proc readable, a process's own entries work and the harness's memory stays
    // out of reach (ptrace attach check). Note: root keeps CAP_SYS_ADMIN/CAP_PERFMON, which
    // lets it read /proc/<pid>/environ and maps of any process (Linux 6.13+), so /proc
    // should not be granted to root commands.
    let tmp = scratch();
    let script = r#"
        cat /proc/self/status >/dev/null && echo SELF_OK
        if head -c 1 "/proc/$1/mem"; then echo MEM_READ; else echo MEM_DENIED; fi
        if readlink "/proc/$1/cwd"; then echo CWD_LINK_READ; else echo CWD_LINK_DENIED; fi
    "#;
    let mut spec = sh_spec(script, &[&harness]);
    spec.read_only.push(PathBuf::from("/proc"));
    let run = run_confined(&spec, tmp.path());
    for marker in ["SELF_OK", "MEM_DENIED", "CWD_LINK_DENIED"] {
        assert!(
            run.stdout.contains(marker),
            "missing {marker}:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
}

#[test]
fn command_rejects_bad_specs() {
    let mut spec = sh_spec("true", &[]);
    spec.argv.clear();
    assert!(matches!(
        confine::command(&spec),
        Err(ConfineError::EmptyArgv)
    ));
    let mut spec = sh_spec("true", &[]);
    spec.env.push(("A=B".to_owned(), "x".to_owned()));
    assert!(matches!(
        confine::command(&spec),
        Err(ConfineError::InvalidString { .. })
    ));
    let mut spec = sh_spec("true", &[]);
    spec.argv.push("nul\0byte".to_owned());
    assert!(matches!(
        confine::command(&spec),
        Err(ConfineError::InvalidString { .. })
    ));
    let mut spec = sh_spec("true", &[]);
    spec.cwd = PathBuf::from("/nonexistent/working/dir");
    let error = confine::command(&spec).expect_err("missing cwd");
    assert!(matches!(error, ConfineError::BadCwd { .. }));
    assert!(
        error.to_string().contains("/nonexistent/working/dir"),
        "{error}"
    );
    let mut spec = sh_spec("true", &[]);
    spec.cgroup_procs = Some(PathBuf::from("/nonexistent/cgroup.procs"));
    let error = confine::command(&spec).expect_err("missing cgroup");
    assert!(
        error.to_string().contains("/nonexistent/cgroup.procs"),
        "{error}"
    );
}

#[test]
fn confinement_status_round_trips() {
    for c in [
        Confinement::None,
        Confinement::Landlock {
            abi: 7,
            partial: false,
        },
        Confinement::Landlock {
            abi: 3,
            partial: true,
        },
    ] {
        assert_eq!(c.to_string().parse::<Confinement>().ok(), Some(c));
    }
    assert_eq!(
        Confinement::Landlock {
            abi: 5,
            partial: true
        }
        .label(),
        "landlock-v5"
    );
    assert_eq!(Confinement::None.label(), "none");
    assert!("landlock-vx".parse::<Confinement>().is_err());
    assert!("".parse::<Confinement>().is_err());
}
