//! Namespaces against the kernel: a command under a harness-made init sees only its own
//! processes, leaves nothing behind (processes, System V segments), has no network but a
//! loopback when it asks for none, and runs without capabilities. Every test is skipped
//! (with a note) where the kernel refuses namespaces.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use harness_sandbox::confine::{self, ConfineSpec, Lifetime};
use harness_sandbox::{Limits, ProcessOutcome, ProcessSpec, RunPolicy};

/// `false` (and a note) where this kernel gives no namespaces.
fn namespaces_or_skip(test: &str) -> bool {
    let available = Lifetime::available() == Lifetime::PidNamespace;
    if !available {
        eprintln!("skipping {test}: the kernel refuses PID/IPC/network namespaces here");
    }
    available
}

fn policy(no_network: bool, namespaces: bool) -> RunPolicy {
    // Landlock off: what is checked here is what the namespaces alone stop.
    RunPolicy {
        landlock: false,
        no_network,
        namespaces,
        max_pids: 256,
        output_cap: 1 << 20,
    }
}

fn run_sh(script: &str, policy: RunPolicy, scratch: &Path) -> (ProcessOutcome, String) {
    let log = scratch.join("log");
    let spec = ProcessSpec {
        argv: vec!["/bin/sh".into(), "-c".into(), script.into()],
        cwd: scratch.to_path_buf(),
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        timeout: Duration::from_secs(20),
        log: log.clone(),
        read_only: Vec::new(),
        read_write: Vec::new(),
        limits: Limits::default(),
        masked: Vec::new(),
    };
    let outcome = harness_sandbox::run(policy, &spec).unwrap();
    (outcome, std::fs::read_to_string(log).unwrap())
}

/// Pids of live (not zombie) processes whose command line is exactly `argv`.
fn processes_running(argv: &[&str]) -> Vec<u32> {
    let wanted: Vec<u8> = argv
        .iter()
        .flat_map(|a| [a.as_bytes(), b"\0"].concat())
        .collect();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c == wanted))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                stat.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .as_bytes()[0]
                    != b'Z'
            })
        })
        .collect()
}

fn unique_sleep() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("300.{}{nanos:09}", std::process::id())
}

fn poll_until(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_command_is_pid_2_under_the_init_and_sees_only_its_own_processes() {
    if !namespaces_or_skip("pid namespace") {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let (outcome, log) = run_sh(
        "echo pid=$$; echo procs=$(ls /proc | grep -c '^[0-9]')",
        policy(false, true),
        scratch.path(),
    );
    assert!(outcome.success(), "{outcome:?} {log}");
    assert_eq!(outcome.lifetime, "pid-namespace");
    assert!(log.contains("pid=2\n"), "{log}");
    // The init, the shell, the subshell of `$(...)`, `ls` and `grep`: never the host's.
    let procs: u32 = log.split("procs=").nth(1).unwrap().trim().parse().unwrap();
    assert!(procs <= 5, "the command sees {procs} processes: {log}");
}

#[test]
fn without_namespaces_the_command_sees_the_host() {
    let scratch = tempfile::tempdir().unwrap();
    let (outcome, log) = run_sh("echo pid=$$", policy(false, false), scratch.path());
    assert!(outcome.success(), "{outcome:?} {log}");
    assert_eq!(outcome.lifetime, "session");
    assert!(!log.contains("pid=2\n"), "{log}");
}

#[test]
fn exit_codes_and_signals_of_the_command_pass_through_the_init() {
    if !namespaces_or_skip("status") {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let (exited, _) = run_sh("exit 3", policy(true, true), scratch.path());
    assert_eq!(exited.exit_code, Some(3), "{exited:?}");
    let (signalled, _) = run_sh("kill -TERM $$", policy(true, true), scratch.path());
    assert_eq!(signalled.signal, Some(15), "{signalled:?}");
    let (missing, _) = run_sh("exec /no/such/program", policy(true, true), scratch.path());
    assert_eq!(missing.exit_code, Some(127), "{missing:?}");
}

/// Spawns `sh -c script` through `confine::command` (no cgroup, no group kill): only what
/// the namespaces do ends its descendants.
fn spawn_and_wait(script: &str, namespaces: bool) {
    let mut spec = ConfineSpec::new(
        vec!["/bin/sh".into(), "-c".into(), script.into()],
        PathBuf::from("/"),
    );
    spec.landlock = false;
    spec.namespaces = namespaces;
    spec.env = vec![("PATH".into(), "/usr/bin:/bin".into())];
    let mut child = confine::command(&spec).unwrap().spawn().unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn nothing_the_command_started_outlives_it_even_in_a_new_session() {
    if !namespaces_or_skip("lifetime") {
        return;
    }
    let sleep = unique_sleep();
    let script = format!("(setsid sleep {sleep} &) ; sleep {sleep} & echo started");
    // Without namespaces both sleeps outlive the shell (nothing kills them here)...
    spawn_and_wait(&script, false);
    let argv = ["sleep", sleep.as_str()];
    assert!(
        poll_until(Duration::from_secs(10), || processes_running(&argv).len()
            == 2),
        "{:?}",
        processes_running(&argv)
    );
    for pid in processes_running(&argv) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    // ...with them, the kernel kills them when the command ends.
    spawn_and_wait(&script, true);
    assert!(
        poll_until(Duration::from_secs(10), || processes_running(&argv)
            .is_empty()),
        "survivors: {:?}",
        processes_running(&argv)
    );
}

#[test]
fn a_system_v_segment_dies_with_the_command() {
    if !namespaces_or_skip("ipc") {
        return;
    }
    if !Path::new("/usr/bin/ipcmk").exists() {
        eprintln!("skipping: no ipcmk");
        return;
    }
    // Host segments are counted by id: the namespace's ids start again from 0.
    let host_segments = || {
        let out = std::process::Command::new("ipcs")
            .arg("-m")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|line| line.starts_with("0x"))
            .count()
    };
    let before = host_segments();
    let scratch = tempfile::tempdir().unwrap();
    let (outcome, log) = run_sh(
        "ipcmk -M 4096 >/dev/null && echo inside=$(ipcs -m | grep -c '^0x')",
        policy(false, true),
        scratch.path(),
    );
    assert!(
        outcome.success(),
        "the command made its segment: {outcome:?} {log}"
    );
    assert!(
        log.contains("inside=1\n"),
        "a fresh namespace has only its own: {log}"
    );
    assert_eq!(
        host_segments(),
        before,
        "the segment reached the harness's namespace"
    );
}

#[test]
fn without_network_only_a_private_loopback_is_reachable() {
    if !namespaces_or_skip("network") {
        return;
    }
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    tcp.set_nonblocking(true).unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_nonblocking(true).unwrap();
    let abstract_name = format!("harness-ns-test-{}", std::process::id());
    let unix = std::os::unix::net::UnixListener::bind_addr(
            &<std::os::unix::net::SocketAddr as std::os::linux::net::SocketAddrExt>::from_abstract_name(abstract_name.as_bytes())
                .unwrap(),
        )
        .unwrap();
    unix.set_nonblocking(true).unwrap();
    let script = format!(
        "import socket\n\
             def attempt(f):\n\
             \x20   try:\n\
             \x20       f(); return 'reached'\n\
             \x20   except OSError as e:\n\
             \x20       return 'refused'\n\
             print('tcp', attempt(lambda: socket.create_connection(('127.0.0.1', {tcp}), 2)))\n\
             print('udp', attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', {udp}))))\n\
             print('unix', attempt(lambda: socket.socket(socket.AF_UNIX).connect('\\0{abstract_name}')))\n\
             s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); c = socket.create_connection(s.getsockname(), 2)\n\
             print('loopback', 'up')\n",
        tcp = tcp.local_addr().unwrap().port(),
        udp = udp.local_addr().unwrap().port(),
    );
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(scratch.path().join("probe.py"), script).unwrap();
    let python = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("python3");
    let (outcome, log) = run_sh(
        &format!("{python} probe.py"),
        policy(true, true),
        scratch.path(),
    );
    assert!(outcome.success(), "{outcome:?} {log}");
    for line in ["tcp refused", "unix refused", "loopback up"] {
        assert!(log.contains(line), "{line:?} not in {log}");
    }
    assert!(tcp.accept().is_err(), "the TCP listener was reached");
    let mut buffer = [0u8; 16];
    assert!(udp.recv_from(&mut buffer).is_err(), "a datagram arrived");
    assert!(
        unix.accept().is_err(),
        "the abstract unix socket was reached"
    );
    // With the network on, the same listener is reachable.
    let (outcome, log) = run_sh(
        &format!("{python} probe.py"),
        policy(false, true),
        scratch.path(),
    );
    assert!(outcome.success(), "{outcome:?} {log}");
    assert!(log.contains("tcp reached"), "{log}");
    let accepted = poll_until(Duration::from_secs(5), || tcp.accept().is_ok());
    assert!(
        accepted,
        "the listener saw no connection with the network on"
    );
}

#[test]
fn the_command_runs_without_capabilities() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipping: not root, no capabilities to drop");
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    for namespaces in [false, true] {
        let (outcome, log) = run_sh(
            "grep -E '^Cap(Eff|Prm|Bnd|Amb|Inh):' /proc/self/status",
            policy(false, namespaces),
            scratch.path(),
        );
        assert!(outcome.success(), "{outcome:?} {log}");
        for line in log.lines() {
            assert!(
                line.ends_with("0000000000000000"),
                "{line} (namespaces: {namespaces})"
            );
        }
        assert_eq!(log.lines().count(), 5, "{log}");
    }
}

#[test]
fn a_confined_command_sees_only_its_rule_paths() {
    if !namespaces_or_skip("view") {
        return;
    }
    if confine::landlock_abi().is_none() {
        eprintln!("skipping: no Landlock, so no view");
        return;
    }
    // A unix socket file of the host, next to a file the command may write: Landlock alone
    // does not mediate `connect`, the view leaves the socket out.
    let host = tempfile::tempdir().unwrap();
    let socket_path = host.path().join("host.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket_path).unwrap();
    listener.set_nonblocking(true).unwrap();
    let granted = tempfile::tempdir().unwrap();
    let script = format!(
        "test -e {socket} && echo socket-visible; \
         test -d {granted} && echo granted-visible; \
         ls / | tr '\\n' ' '; echo; \
         echo x > {granted}/written && echo write-ok",
        socket = socket_path.display(),
        granted = granted.path().display(),
    );
    let mut spec = ConfineSpec::new(
        vec!["/bin/sh".into(), "-c".into(), script],
        PathBuf::from("/"),
    );
    spec.read_only = confine::SYSTEM_READ_ONLY
        .iter()
        .map(PathBuf::from)
        .collect();
    spec.read_write = vec![granted.path().to_path_buf(), "/dev/null".into()];
    spec.env = vec![("PATH".into(), "/usr/bin:/bin".into())];
    let (reader, writer) = std::io::pipe().unwrap();
    let mut command = confine::command(&spec).unwrap();
    command.stdout(writer.try_clone().unwrap()).stderr(writer);
    let mut child = command.spawn().unwrap();
    let mut output = String::new();
    std::io::Read::read_to_string(&mut { reader }, &mut output).unwrap();
    assert!(child.wait().unwrap().success(), "{output}");
    assert!(!output.contains("socket-visible"), "{output}");
    assert!(output.contains("granted-visible"), "{output}");
    assert!(output.contains("write-ok"), "{output}");
    assert!(
        !output.contains("root") && !output.contains("home"),
        "{output}"
    );
    assert!(listener.accept().is_err(), "the socket was reached");
    assert_eq!(
        std::fs::read_to_string(granted.path().join("written")).unwrap(),
        "x\n"
    );
}

#[test]
fn a_dropped_child_is_killed_with_its_namespace() {
    if !namespaces_or_skip("drop") {
        return;
    }
    let sleep = unique_sleep();
    let mut spec = ConfineSpec::new(
        vec![
            "/bin/sh".into(),
            "-c".into(),
            format!("sleep {sleep} & sleep {sleep}"),
        ],
        PathBuf::from("/"),
    );
    spec.landlock = false;
    spec.env = vec![("PATH".into(), "/usr/bin:/bin".into())];
    // Spawned on a thread that ends at once: the command lives on (its init's keeper
    // thread holds it), until the handle is dropped.
    let child = std::thread::spawn(move || confine::command(&spec).unwrap().spawn().unwrap())
        .join()
        .unwrap();
    let argv = ["sleep", sleep.as_str()];
    assert!(
        poll_until(Duration::from_secs(10), || processes_running(&argv).len()
            == 2),
        "{:?}",
        processes_running(&argv)
    );
    drop(child);
    assert!(
        poll_until(Duration::from_secs(10), || processes_running(&argv)
            .is_empty()),
        "survivors: {:?}",
        processes_running(&argv)
    );
}

#[test]
fn keyrings_other_processes_and_new_namespaces_are_out_of_reach() {
    // Whatever the namespaces: the seccomp filter applies to every confined command.
    let python = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .find(|path| Path::new(path).exists());
    let Some(python) = python else {
        eprintln!("skipping: no system python3");
        return;
    };
    let calls = [
        // add_key("user", "probe", "x", 1, KEY_SPEC_USER_KEYRING): root's user keyring is
        // shared by every process of uid 0.
        format!(
            "libc.syscall({}, b'user', b'probe', b'x', 1, -4)",
            nix::libc::SYS_add_key
        ),
        format!("libc.syscall({}, 0, -3, 0)", nix::libc::SYS_keyctl),
        format!("libc.syscall({}, 0, 0, 0, 0)", nix::libc::SYS_ptrace),
        format!("libc.syscall({}, 1, 1, 0)", nix::libc::SYS_pidfd_getfd),
        format!("libc.unshare({})", nix::libc::CLONE_NEWUSER),
        format!("libc.socket({}, 1, 0)", nix::libc::AF_VSOCK),
        format!(
            "libc.fcntl(os.open('probe.py', os.O_RDONLY), {}, 0)",
            nix::libc::F_SETLEASE
        ),
        format!("libc.syscall({}, 8, 0)", nix::libc::SYS_io_uring_setup),
    ];
    let script = format!(
        "import ctypes, os\n\
         libc = ctypes.CDLL(None, use_errno=True)\n\
         for call in {calls:?}:\n\
         \x20   result = eval(call)\n\
         \x20   print(call, result, os.strerror(ctypes.get_errno()) if result < 0 else 'allowed')\n",
    );
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(scratch.path().join("probe.py"), script).unwrap();
    for namespaces in [false, true] {
        let (outcome, log) = run_sh(
            &format!("{python} probe.py"),
            policy(false, namespaces),
            scratch.path(),
        );
        assert!(outcome.success(), "{outcome:?} {log}");
        assert_eq!(log.lines().count(), calls.len(), "{log}");
        for line in log.lines() {
            assert!(
                line.ends_with("Operation not permitted"),
                "{line} (namespaces: {namespaces})"
            );
        }
    }
}
