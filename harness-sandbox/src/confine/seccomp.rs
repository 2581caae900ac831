//! A seccomp filter for every confined command: the system calls through which one process
//! reaches another or outlives its episode without a file, which no namespace or Landlock
//! rule covers, fail with `EPERM`.
//!
//! - `keyctl`, `add_key`, `request_key`: the kernel keyrings are per user, not per
//!   namespace: root's user keyring is shared by every agent and check (and survives them).
//! - `ptrace`, `process_vm_readv`/`writev`, `pidfd_getfd`, `kcmp`: the processes of one
//!   check share its Landlock domain and uid, so code under test could otherwise read its
//!   test runner's memory or take its descriptors (a hidden test file deleted after it was
//!   opened, for one).
//! - `unshare` and `clone` with a namespace flag, `setns`, and `clone3` (`ENOSYS`: its flags
//!   are in memory a filter cannot read; libc falls back to `clone`): a new user namespace
//!   would give the command capabilities again, within it.
//! - `perf_event_open`, `bpf`, `userfaultfd`, `open_by_handle_at`: kernel interfaces an
//!   agent or a test has no use for and attacks often start from.
//! - `io_uring_*`: its operations (sockets, opens) never pass through this filter.
//! - `socket(AF_VSOCK)`: vsock is not namespaced; it reaches the hypervisor.
//! - `fcntl(F_SETLEASE)`, `fcntl(F_NOTIFY)`: a lease on a system file the command owns as
//!   uid 0 stalls every other opener (other episodes, the harness) for up to 45 s;
//!   directory notifications are a channel.
//!
//! System calls of another architecture's ABI (32-bit calls on x86-64, x32) are refused
//! outright, so the numbers checked are the only way in. Built in the harness
//! ([`filter`]); installed by the child after its other confinement steps.

use nix::libc::{self, c_long, sock_filter};

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xc000_003e;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xc000_00b7;

/// x32 system calls carry this bit on x86-64.
#[cfg(target_arch = "x86_64")]
const X32_SYSCALL_BIT: u32 = 0x4000_0000;
#[cfg(not(target_arch = "x86_64"))]
const X32_SYSCALL_BIT: u32 = 0;

/// Refused with `EPERM`.
const DENIED: &[c_long] = &[
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_pidfd_getfd,
    libc::SYS_kcmp,
    libc::SYS_setns,
    libc::SYS_perf_event_open,
    libc::SYS_bpf,
    libc::SYS_userfaultfd,
    libc::SYS_open_by_handle_at,
    // io_uring runs operations (sockets, opens) that this filter never sees.
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
];

/// `socket` families refused: vsock is not namespaced (it reaches the hypervisor from
/// inside a network namespace).
const DENIED_SOCKET_FAMILIES: &[u32] = &[libc::AF_VSOCK as u32];

/// `fcntl` commands refused: a lease on a shared file the command owns (uid 0 owns the
/// system's) stalls every other opener of it, other episodes and the harness included, for
/// up to 45 s; directory notifications watch paths beyond the command's own.
const DENIED_FCNTL_COMMANDS: &[u32] = &[libc::F_SETLEASE as u32, libc::F_NOTIFY as u32];

/// Flags of `clone` and `unshare` that make a namespace.
const NAMESPACE_FLAGS: u32 = (libc::CLONE_NEWUSER
    | libc::CLONE_NEWNS
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWCGROUP) as u32;

// Offsets in `struct seccomp_data`: nr, arch, instruction pointer, then the arguments
// (the low half of the first at 16 on little-endian machines).
const OFFSET_NR: u32 = 0;
const OFFSET_ARCH: u32 = 4;
const OFFSET_ARG0_LOW: u32 = 16;
const OFFSET_ARG1_LOW: u32 = 24;

const LOAD: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const JUMP_EQUAL: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
const JUMP_SET: u16 = (libc::BPF_JMP | libc::BPF_JSET | libc::BPF_K) as u16;
const RETURN: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
const ALLOW: u32 = libc::SECCOMP_RET_ALLOW;
const REFUSE: u32 = libc::SECCOMP_RET_ERRNO | libc::EPERM as u32;
const NOT_IMPLEMENTED: u32 = libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;

fn statement(code: u16, k: u32) -> sock_filter {
    sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

/// The filter program (see the module docs).
pub(super) fn filter() -> Vec<sock_filter> {
    let mut program = vec![
        statement(LOAD, OFFSET_ARCH),
        // Another architecture: refuse (skip the next instruction when it matches).
        jump(JUMP_EQUAL, AUDIT_ARCH, 1, 0),
        statement(RETURN, REFUSE),
        statement(LOAD, OFFSET_NR),
    ];
    if X32_SYSCALL_BIT != 0 {
        program.push(jump(JUMP_SET, X32_SYSCALL_BIT, 0, 1));
        program.push(statement(RETURN, REFUSE));
    }
    for &number in DENIED {
        program.push(jump(JUMP_EQUAL, number as u32, 0, 1));
        program.push(statement(RETURN, REFUSE));
    }
    program.push(jump(JUMP_EQUAL, libc::SYS_clone3 as u32, 0, 1));
    program.push(statement(RETURN, NOT_IMPLEMENTED));
    refuse_values(
        &mut program,
        libc::SYS_socket,
        OFFSET_ARG0_LOW,
        DENIED_SOCKET_FAMILIES,
    );
    refuse_values(
        &mut program,
        libc::SYS_fcntl,
        OFFSET_ARG1_LOW,
        DENIED_FCNTL_COMMANDS,
    );
    // `clone` and `unshare`: their flags are the first argument.
    program.push(jump(JUMP_EQUAL, libc::SYS_clone as u32, 1, 0));
    program.push(jump(JUMP_EQUAL, libc::SYS_unshare as u32, 0, 3));
    program.push(statement(LOAD, OFFSET_ARG0_LOW));
    program.push(jump(JUMP_SET, NAMESPACE_FLAGS, 0, 1));
    program.push(statement(RETURN, REFUSE));
    program.push(statement(RETURN, ALLOW));
    program
}

/// Appends: for system call `number`, refuse when the argument at `offset` is one of
/// `values`, else allow; other calls go on past the block (the number is reloaded).
fn refuse_values(program: &mut Vec<sock_filter>, number: c_long, offset: u32, values: &[u32]) {
    let length = u8::try_from(2 * values.len() + 2).expect("a short list");
    program.push(jump(JUMP_EQUAL, number as u32, 0, length));
    program.push(statement(LOAD, offset));
    for &value in values {
        program.push(jump(JUMP_EQUAL, value, 0, 1));
        program.push(statement(RETURN, REFUSE));
    }
    program.push(statement(RETURN, ALLOW));
    program.push(statement(LOAD, OFFSET_NR));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `program` on one `seccomp_data` the way the kernel does, for the instructions
    /// the filter uses.
    fn evaluate(program: &[sock_filter], arch: u32, nr: u32, arg0: u32) -> u32 {
        evaluate_with(program, arch, nr, arg0, 0)
    }

    fn evaluate_with(program: &[sock_filter], arch: u32, nr: u32, arg0: u32, arg1: u32) -> u32 {
        let mut accumulator = 0u32;
        let mut pc = 0usize;
        loop {
            let instruction = program[pc];
            pc += 1;
            match instruction.code {
                LOAD => {
                    accumulator = match instruction.k {
                        OFFSET_NR => nr,
                        OFFSET_ARCH => arch,
                        OFFSET_ARG0_LOW => arg0,
                        OFFSET_ARG1_LOW => arg1,
                        other => panic!("load of offset {other}"),
                    }
                }
                JUMP_EQUAL | JUMP_SET => {
                    let taken = if instruction.code == JUMP_EQUAL {
                        accumulator == instruction.k
                    } else {
                        accumulator & instruction.k != 0
                    };
                    pc += usize::from(if taken {
                        instruction.jt
                    } else {
                        instruction.jf
                    });
                }
                RETURN => return instruction.k,
                other => panic!("unexpected instruction {other:#x}"),
            }
        }
    }

    #[test]
    fn the_filter_refuses_what_it_lists_and_allows_the_rest() {
        let program = filter();
        let run = |nr: c_long, arg0: u32| evaluate(&program, AUDIT_ARCH, nr as u32, arg0);
        for &number in DENIED {
            assert_eq!(run(number, 0), REFUSE, "syscall {number}");
        }
        assert_eq!(run(libc::SYS_clone3, 0), NOT_IMPLEMENTED);
        for number in [
            libc::SYS_read,
            libc::SYS_write,
            libc::SYS_execve,
            libc::SYS_getpid,
        ] {
            assert_eq!(run(number, 0), ALLOW, "syscall {number}");
        }
        let fork_flags = (libc::CLONE_CHILD_SETTID | libc::CLONE_CHILD_CLEARTID) as u32;
        assert_eq!(
            run(libc::SYS_clone, fork_flags | libc::SIGCHLD as u32),
            ALLOW
        );
        assert_eq!(run(libc::SYS_clone, libc::CLONE_NEWUSER as u32), REFUSE);
        assert_eq!(run(libc::SYS_unshare, libc::CLONE_NEWNET as u32), REFUSE);
        assert_eq!(run(libc::SYS_unshare, libc::CLONE_FILES as u32), ALLOW);
        assert_eq!(run(libc::SYS_socket, libc::AF_VSOCK as u32), REFUSE);
        assert_eq!(run(libc::SYS_socket, libc::AF_INET as u32), ALLOW);
        assert_eq!(run(libc::SYS_socket, libc::AF_UNIX as u32), ALLOW);
        let fcntl = |command: libc::c_int| {
            evaluate_with(
                &program,
                AUDIT_ARCH,
                libc::SYS_fcntl as u32,
                3,
                command as u32,
            )
        };
        assert_eq!(fcntl(libc::F_SETLEASE), REFUSE);
        assert_eq!(fcntl(libc::F_NOTIFY), REFUSE);
        assert_eq!(fcntl(libc::F_GETFL), ALLOW);
        assert_eq!(fcntl(libc::F_SETLK), ALLOW);
        // Past the blocks, the number is the call's again.
        assert_eq!(run(libc::SYS_io_uring_setup, 0), REFUSE);
        assert_eq!(run(libc::SYS_clone, libc::CLONE_NEWNET as u32), REFUSE);
        assert_eq!(
            evaluate(&program, 0x4000_0003, libc::SYS_read as u32, 0),
            REFUSE,
            "another architecture's ABI"
        );
        if X32_SYSCALL_BIT != 0 {
            let x32_read = X32_SYSCALL_BIT | libc::SYS_read as u32;
            assert_eq!(evaluate(&program, AUDIT_ARCH, x32_read, 0), REFUSE);
        }
    }
}
