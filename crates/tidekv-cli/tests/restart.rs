//! Restarts of `tidekv serve`: a kill -9 during a write load loses no acknowledged write, and a
//! SIGTERM drains and closes so the next start sees everything.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::ServerProcess;

/// Writers on several connections SET and RPUSH, recording what was acknowledged, until the
/// server is killed with SIGKILL; after a restart on the same directory every acknowledged
/// write is there.
fn acknowledged_writes_survive_kill_9(durability: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(dir.path(), &["--durability", durability]);
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let mut con = server.connect();
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut acked = Vec::new();
                for i in 0u64.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let key = format!("w{w}:k{i}");
                    let set: redis::RedisResult<()> =
                        redis::cmd("SET").arg(&key).arg(i).query(&mut con);
                    let push: redis::RedisResult<i64> = redis::cmd("RPUSH")
                        .arg(format!("w{w}:list"))
                        .arg(i)
                        .query(&mut con);
                    match (set, push) {
                        (Ok(()), Ok(len)) => acked.push((key, i, len)),
                        // The kill: what was not acknowledged may or may not be there.
                        _ => break,
                    }
                }
                acked
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    server.kill_9();
    stop.store(true, Ordering::Relaxed);
    let acked: Vec<Vec<(String, u64, i64)>> =
        writers.into_iter().map(|w| w.join().unwrap()).collect();
    let total: usize = acked.iter().map(Vec::len).sum();
    assert!(
        total > 100,
        "only {total} writes were acknowledged before the kill"
    );

    let restarted = ServerProcess::start(dir.path(), &["--durability", durability]);
    let mut con = restarted.connect();
    for (w, writes) in acked.iter().enumerate() {
        for (key, value, _) in writes {
            let got: Option<u64> = redis::cmd("GET").arg(key).query(&mut con).unwrap();
            assert_eq!(
                got,
                Some(*value),
                "acknowledged SET {key} lost after kill -9"
            );
        }
        if let Some((_, _, len)) = writes.last() {
            let list_len: i64 = redis::cmd("LLEN")
                .arg(format!("w{w}:list"))
                .query(&mut con)
                .unwrap();
            assert!(
                list_len >= *len,
                "list w{w}:list has {list_len} elements, {len} were acknowledged"
            );
            let first: Vec<u64> = redis::cmd("LRANGE")
                .arg(format!("w{w}:list"))
                .arg(0)
                .arg(len - 1)
                .query(&mut con)
                .unwrap();
            let expected: Vec<u64> = (0..*len as u64).collect();
            assert_eq!(first, expected, "w{w}:list lost or reordered pushes");
        }
    }
}

#[test]
fn kill_9_during_sync_writes_loses_no_acknowledged_write() {
    acknowledged_writes_survive_kill_9("sync");
}

#[test]
fn kill_9_during_periodic_writes_loses_no_acknowledged_write() {
    // A process crash (not a power loss) loses nothing in any durability mode: the log record
    // reaches the OS before the reply.
    acknowledged_writes_survive_kill_9("periodic");
}

#[test]
fn sigterm_closes_the_memory_engine_so_a_restart_sees_every_write() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(dir.path(), &["--engine", "memory"]);
    let mut con = server.connect();
    for i in 0..1000 {
        let _: () = redis::cmd("SET")
            .arg(format!("k{i}"))
            .arg(i)
            .query(&mut con)
            .unwrap();
    }
    let _: () = redis::cmd("RPUSH")
        .arg("queue")
        .arg(&["a", "b"])
        .query(&mut con)
        .unwrap();
    server.terminate();

    let restarted = ServerProcess::start(dir.path(), &["--engine", "memory"]);
    let mut con = restarted.connect();
    let size: i64 = redis::cmd("DBSIZE").query(&mut con).unwrap();
    assert_eq!(size, 1001);
    let queue: Vec<String> = redis::cmd("LRANGE")
        .arg("queue")
        .arg(0)
        .arg(-1)
        .query(&mut con)
        .unwrap();
    assert_eq!(queue, ["a", "b"]);
}

#[test]
fn shutdown_command_stops_the_server_and_the_data_stays() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(dir.path(), &[]);
    let mut con = server.connect();
    let _: () = redis::cmd("SET")
        .arg("kept")
        .arg("yes")
        .query(&mut con)
        .unwrap();
    // SHUTDOWN closes the connection without a reply, as in Redis.
    let reply: redis::RedisResult<()> = redis::cmd("SHUTDOWN").query(&mut con);
    assert!(reply.is_err(), "SHUTDOWN replied {reply:?}");
    let exit = server.child.wait().unwrap();
    assert!(exit.success(), "{exit}");

    let restarted = ServerProcess::start(dir.path(), &[]);
    let mut con = restarted.connect();
    let kept: Option<String> = redis::cmd("GET").arg("kept").query(&mut con).unwrap();
    assert_eq!(kept.as_deref(), Some("yes"));
}

#[test]
fn a_second_server_on_the_same_directory_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let _first = ServerProcess::start(dir.path(), &[]);
    let second = std::process::Command::new(env!("CARGO_BIN_EXE_tidekv"))
        .args(["serve", "--port", "0", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("locked"), "stderr: {err}");
}
