//! Clients that misbehave, and the limits that protect the others: AUTH before anything,
//! `maxclients`, the idle `timeout`, the output limit for a client that never reads, protected
//! mode, and idle or slow connections beside a busy one.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use support::{info_field, raise_open_file_limit, ServerProcess};

fn request(stream: &mut TcpStream, line: &str) -> String {
    stream.write_all(line.as_bytes()).unwrap();
    let mut buf = [0u8; 512];
    let n = stream.read(&mut buf).unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// Whether the server closes `stream` within `within`.
fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn with_a_password_every_command_but_auth_is_refused_until_auth() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &["--requirepass", "s3cret"]);
    let mut s = TcpStream::connect(server.addr).unwrap();
    assert_eq!(
        request(&mut s, "GET k\r\n"),
        "-NOAUTH Authentication required.\r\n"
    );
    assert_eq!(
        request(&mut s, "SET k v\r\n"),
        "-NOAUTH Authentication required.\r\n"
    );
    assert_eq!(
        request(&mut s, "AUTH wrong\r\n"),
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
    assert_eq!(request(&mut s, "AUTH s3cret\r\n"), "+OK\r\n");
    assert_eq!(request(&mut s, "SET k v\r\n"), "+OK\r\n");
    assert_eq!(request(&mut s, "GET k\r\n"), "$1\r\nv\r\n");
}

#[test]
fn a_client_past_maxclients_is_told_and_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &["--maxclients", "2"]);
    let mut first = TcpStream::connect(server.addr).unwrap();
    let mut second = TcpStream::connect(server.addr).unwrap();
    assert_eq!(request(&mut first, "PING\r\n"), "+PONG\r\n");
    assert_eq!(request(&mut second, "PING\r\n"), "+PONG\r\n");
    let mut third = TcpStream::connect(server.addr).unwrap();
    third
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reply = String::new();
    let _ = third.read_to_string(&mut reply);
    assert_eq!(reply, "-ERR max number of clients reached\r\n");
    // The two admitted clients are unaffected, and a slot frees when one leaves.
    assert_eq!(request(&mut first, "PING\r\n"), "+PONG\r\n");
    drop(second);
    let mut admitted = None;
    for _ in 0..100 {
        let mut again = TcpStream::connect(server.addr).unwrap();
        if request(&mut again, "PING\r\n") == "+PONG\r\n" {
            admitted = Some(again);
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        admitted.is_some(),
        "the freed slot was never given to a new client"
    );
}

#[test]
fn an_idle_client_is_closed_after_the_timeout_but_a_blocked_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &["--timeout", "1"]);
    let mut idle = TcpStream::connect(server.addr).unwrap();
    assert_eq!(request(&mut idle, "PING\r\n"), "+PONG\r\n");
    let mut blocked = TcpStream::connect(server.addr).unwrap();
    blocked.write_all(b"BLPOP nothing 2.5\r\n").unwrap();
    let started = Instant::now();
    assert!(
        closed_within(&mut idle, Duration::from_secs(5)),
        "idle client kept open"
    );
    blocked
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 16];
    let n = blocked.read(&mut buf).unwrap();
    assert_eq!(
        &buf[..n],
        b"*-1\r\n",
        "the blocked client was closed before its timeout"
    );
    assert!(started.elapsed() >= Duration::from_secs(2));
}

#[test]
fn a_client_that_never_reads_is_cut_off_at_its_output_limit() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(
        dir.path(),
        &["--engine", "memory", "--client-output-limit", "1048576"],
    );
    let mut admin = server.connect();
    let big = "x".repeat(100 * 1024);
    let _: () = redis::cmd("SET")
        .arg("big")
        .arg(&big)
        .query(&mut admin)
        .unwrap();
    let mut hog = TcpStream::connect(server.addr).unwrap();
    let pipeline = "GET big\r\n".repeat(200);
    hog.write_all(pipeline.as_bytes()).unwrap();
    // The hog never reads; the server must drop it rather than buffer 20 MB of replies.
    let mut dropped = 0;
    for _ in 0..500 {
        dropped = info_field(&mut admin, "client_output_buffer_limit_disconnections");
        if dropped == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(dropped, 1, "the non-reading client was not disconnected");
    assert_eq!(info_field(&mut admin, "connected_clients"), 1);
}

#[test]
fn protected_mode_refuses_an_open_address_without_a_password() {
    // The check runs before anything is bound.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tidekv"))
        .args(["serve", "--bind", "0.0.0.0", "--port", "0", "--dir"])
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("without a password"), "stderr: {err}");
}

#[test]
fn idle_and_slow_clients_do_not_stop_a_busy_one() {
    raise_open_file_limit(4096);
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &["--engine", "memory"]);
    let mut busy = server.connect();
    let latencies = |label: &str, con: &mut redis::Connection| {
        let mut samples: Vec<Duration> = (0..2000)
            .map(|i| {
                let t = Instant::now();
                let _: () = redis::cmd("SET").arg("k").arg(i).query(con).unwrap();
                t.elapsed()
            })
            .collect();
        samples.sort();
        eprintln!(
            "{label}: SET p50 {:?} p99 {:?} max {:?}",
            samples[1000], samples[1980], samples[1999]
        );
    };
    latencies("alone", &mut busy);
    let idle: Vec<TcpStream> = (0..1000)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    // Slow senders: each has sent half a command and stalls.
    let slow: Vec<TcpStream> = (0..100)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr).unwrap();
            s.write_all(b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$5\r\nhel")
                .unwrap();
            s
        })
        .collect();
    latencies("beside 1000 idle and 100 stalled senders", &mut busy);
    assert_eq!(info_field(&mut busy, "connected_clients"), 1101);
    // The stalled commands complete when the rest arrives.
    for mut s in slow {
        s.write_all(b"lo\r\n").unwrap();
        let mut buf = [0u8; 5];
        s.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"+OK\r\n");
    }
    drop(idle);
}
