"""Probes of the isolation tests (harness-runtime/tests/isolation.rs): one per argument
`OP=VALUE`, a line of output each, then `probe done`."""
import ctypes, select, socket, sys

def tcp(port):
    with socket.socket() as s:
        s.settimeout(3)
        s.connect(("127.0.0.1", int(port)))
        s.sendall(b"leak")
    return "connected"

def udp(port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"leak", ("127.0.0.1", int(port)))
    return "sent"

def unix(name):
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(3)
        s.connect("\0" + name)
        s.sendall(b"leak")
    return "connected"

def unixpath(path):
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(3)
        s.connect(path)
        s.sendall(b"leak")
    return "connected"

def listen(port):
    """TCP and UDP on `port` until a UDP `stop` (or 120 s); says what else arrived."""
    got = []
    with socket.socket() as tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        tcp.bind(("127.0.0.1", int(port)))
        tcp.listen()
        udp.bind(("127.0.0.1", int(port)))
        print("listening", flush=True)
        while select.select([tcp, udp], [], [], 120)[0]:
            if select.select([tcp], [], [], 0)[0]:
                got.append("tcp from %s:%d" % tcp.accept()[1])
            if select.select([udp], [], [], 0)[0]:
                data = udp.recv(64)
                if data == b"stop":
                    return "stopped, got %r" % got
                got.append("udp %r" % data)
    return "timed out, got %r" % got

def shm(key, size, flags):
    libc = ctypes.CDLL(None, use_errno=True)
    shmid = libc.shmget(ctypes.c_int(int(key)), ctypes.c_size_t(size), ctypes.c_int(flags))
    if shmid < 0:
        raise OSError(ctypes.get_errno(), "shmget")
    return "shmid %d" % shmid

OPS = {
    "tcp": tcp,
    "udp": udp,
    "unix": unix,
    "unixpath": unixpath,
    "listen": listen,
    "shm-create": lambda key: shm(key, 4096, 0o1000 | 0o600),
    "shm-find": lambda key: shm(key, 0, 0),
}
for arg in sys.argv[1:]:
    op, _, value = arg.partition("=")
    try:
        result = "ok " + OPS[op](value)
    except OSError as error:
        result = "failed " + str(error)
    print("probe %s: %s" % (arg, result), flush=True)
print("probe done", flush=True)
