//! The test's own sockets on the host, which an episode must not reach, and what reached
//! them.

use std::io::ErrorKind;
use std::net::{TcpListener, UdpSocket};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener};
use std::path::PathBuf;

use super::leftovers::Mark;

/// A TCP listener, a UDP socket and an abstract unix listener of the test on the host's
/// loopback, and optionally a unix socket file; none of them blocking.
pub struct Listeners {
    pub tcp: TcpListener,
    udp: UdpSocket,
    unix: UnixListener,
    name: String,
    file: Option<(UnixListener, PathBuf)>,
}

impl Listeners {
    pub fn open(mark: &Mark, file: Option<PathBuf>) -> Self {
        let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let name = format!("another-harness-isolation-{}", mark.tag);
        let address = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let unix = UnixListener::bind_addr(&address).unwrap();
        tcp.set_nonblocking(true).unwrap();
        udp.set_nonblocking(true).unwrap();
        unix.set_nonblocking(true).unwrap();
        let file = file.map(|path| {
            let listener = UnixListener::bind(&path).unwrap();
            listener.set_nonblocking(true).unwrap();
            (listener, path)
        });
        Self {
            tcp,
            udp,
            unix,
            name,
            file,
        }
    }

    /// The probe's arguments for all of them.
    pub fn probe_args(&self) -> String {
        let mut args = format!(
            "tcp={} udp={} unix={}",
            self.tcp.local_addr().unwrap().port(),
            self.udp.local_addr().unwrap().port(),
            self.name
        );
        if let Some((_, path)) = &self.file {
            args.push_str(&format!(" unixpath={}", path.display()));
        }
        args
    }

    /// What reached them. A loopback TCP handshake, a datagram and a unix connection are
    /// queued before the sender's call returns, so once the prober has ended this is final.
    pub fn received(&self) -> Vec<String> {
        let mut got = Vec::new();
        if let Ok((_, from)) = self.tcp.accept() {
            got.push(format!("a TCP connection from {from}"));
        }
        let mut buffer = [0_u8; 64];
        match self.udp.recv_from(&mut buffer) {
            Ok((len, from)) => got.push(format!("a UDP datagram of {len} bytes from {from}")),
            Err(error) => assert_eq!(error.kind(), ErrorKind::WouldBlock, "{error}"),
        }
        if self.unix.accept().is_ok() {
            got.push("an abstract unix socket connection".to_owned());
        }
        if let Some((listener, path)) = &self.file
            && listener.accept().is_ok()
        {
            got.push(format!(
                "a connection to the socket file {}",
                path.display()
            ));
        }
        got
    }
}

/// A port free on the host's loopback for TCP and UDP, as far as this test can tell.
pub fn free_port() -> u16 {
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = tcp.local_addr().unwrap().port();
    UdpSocket::bind(("127.0.0.1", port)).unwrap();
    port
}
