//! Crash safety with real processes: a child writes with `Durability::Sync`, printing each
//! acknowledged write; the parent kills it with SIGKILL at a random moment, reopens the store and
//! checks that every acknowledged write is there with its value, that no write appears
//! half-done (each batch is all there or not at all), and that values are never torn. Repeated
//! many times on one directory, so kills land during flushes, compactions and log switches.
//!
//! The child is this same test binary, re-run with `TIDEKV_CRASH_CHILD` set and `--ignored`: the
//! child entry points are ignored tests, so a normal run does not list them as passing tests that
//! check nothing (and they return at once if run without the variable).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tidekv::{Config, Durability, Error, Store, WriteBatch};

const CHILD_ENV: &str = "TIDEKV_CRASH_CHILD";
const DIR_ENV: &str = "TIDEKV_CRASH_DIR";
const BASE_ENV: &str = "TIDEKV_CRASH_BASE";

fn config(dir: &Path) -> Config {
    Config::disk(dir)
        .durability(Durability::Sync)
        .memtable_size(16 * 1024)
        .table_size(16 * 1024)
        .l0_compaction_trigger(2)
        .level_base_size(32 * 1024)
        .level_size_ratio(4)
}

fn value(i: u64) -> String {
    format!("value-{i}-{}", "v".repeat((i % 97) as usize))
}

fn spawn_child(test: &str, mode: &str, dir: &Path, base: u64) -> Child {
    Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            test,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, mode)
        .env(DIR_ENV, dir)
        .env(BASE_ENV, base.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the child")
}

/// Child: writes single keys and three-key batches forever, printing `ack N` after each returns.
#[test]
#[ignore = "run only as a child process of the crash tests"]
fn child_writer() {
    if std::env::var(CHILD_ENV).as_deref() != Ok("write") {
        return;
    }
    let dir = std::env::var(DIR_ENV).expect("dir");
    let base: u64 = std::env::var(BASE_ENV)
        .expect("base")
        .parse()
        .expect("base");
    let store = Store::open(config(Path::new(&dir))).expect("child open");
    let mut out = std::io::stdout().lock();
    for i in base.. {
        if i % 5 == 0 {
            let mut batch = WriteBatch::new();
            for part in ["a", "b", "c"] {
                batch
                    .insert(format!("batch{i}{part}"), value(i))
                    .expect("batch insert");
            }
            store.apply_batch(batch).expect("apply_batch");
        } else {
            store
                .insert(format!("key{i}").as_str(), value(i).as_str())
                .expect("insert");
        }
        writeln!(out, "ack {i}").expect("stdout");
        out.flush().expect("stdout");
    }
}

/// Child: opens the store, says so, and holds it until its stdin closes.
#[test]
#[ignore = "run only as a child process of the crash tests"]
fn child_holder() {
    if std::env::var(CHILD_ENV).as_deref() != Ok("hold") {
        return;
    }
    let dir = std::env::var(DIR_ENV).expect("dir");
    let store = Store::open(config(Path::new(&dir))).expect("child open");
    // Straight to the process's stdout: `println!` would be captured by the test harness.
    let mut out = std::io::stdout().lock();
    writeln!(out, "open").expect("stdout");
    out.flush().expect("stdout");
    drop(out);
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    drop(store);
}

/// A small deterministic generator, so a failure can be replayed from the printed seed.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let rounds: u64 = std::env::var("TIDEKV_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(12);
    let mut seed = 0x9E37_79B9_7F4A_7C15 ^ u64::from(std::process::id());
    println!("seed {seed:#x}");
    let mut acked: BTreeSet<u64> = BTreeSet::new();
    for round in 0..rounds {
        let base = round * 1_000_000;
        let mut child = spawn_child("child_writer", "write", dir.path(), base);
        let stdout = child.stdout.take().expect("child stdout");
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                // The harness prints "test child_writer ... " without a newline before the first.
                .filter_map(|l| l.rsplit("ack ").next().and_then(|n| n.parse::<u64>().ok()))
                .collect::<Vec<u64>>()
        });
        std::thread::sleep(Duration::from_millis(30 + next(&mut seed) % 200));
        child.kill().expect("SIGKILL the child");
        let _ = child.wait();
        let round_acks = reader.join().expect("reader");
        acked.extend(&round_acks);

        let store = Store::open(config(dir.path()))
            .unwrap_or_else(|e| panic!("round {round}: reopen after SIGKILL: {e}"));
        for &i in &acked {
            if i % 5 == 0 {
                for part in ["a", "b", "c"] {
                    let got = store.get(format!("batch{i}{part}").as_str()).unwrap();
                    assert_eq!(
                        got.as_deref(),
                        Some(value(i).as_bytes()),
                        "round {round}: batch {i}{part}"
                    );
                }
            } else {
                let got = store.get(format!("key{i}").as_str()).unwrap();
                assert_eq!(
                    got.as_deref(),
                    Some(value(i).as_bytes()),
                    "round {round}: key {i}"
                );
            }
        }
        // Whatever else is there (written but killed before its ack) is whole.
        for entry in store.scan_prefix("").unwrap() {
            let (k, v) = entry.unwrap();
            let k = String::from_utf8(k.to_vec()).unwrap();
            let i: u64 = k
                .trim_start_matches("batch")
                .trim_start_matches("key")
                .trim_end_matches(['a', 'b', 'c'])
                .parse()
                .unwrap_or_else(|_| panic!("unexpected key {k}"));
            assert_eq!(
                v.as_ref(),
                value(i).as_bytes(),
                "round {round}: torn value under {k}"
            );
            if k.starts_with("batch") {
                for part in ["a", "b", "c"] {
                    assert!(
                        store
                            .contains_key(format!("batch{i}{part}").as_str())
                            .unwrap(),
                        "round {round}: half of batch {i} survived"
                    );
                }
            }
        }
        println!(
            "round {round}: {} acks, {} total",
            round_acks.len(),
            acked.len()
        );
        store.close().unwrap();
    }
    assert!(
        acked.len() as u64 > rounds,
        "the children acknowledged almost nothing"
    );
}

#[test]
fn a_store_open_in_another_process_is_locked() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_child("child_holder", "hold", dir.path(), 0);
    // The child's lines arrive through a channel, so waiting for them is bounded: a child that
    // hangs before printing fails the test instead of hanging it.
    let stdout = child.stdout.take().expect("stdout");
    let (line_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if line_tx.send(line).is_err() {
                return;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            // The harness prints "test child_holder ... " without a newline before it.
            Ok(Ok(line)) if line.ends_with("open") => break,
            Ok(Ok(_)) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the child never opened the store (no \"open\" line within 60 s)");
            }
            Ok(Err(_)) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the child exited before opening the store");
            }
        }
    }
    match Store::open(config(dir.path())) {
        Err(Error::Locked { .. }) => {}
        other => panic!("expected Locked while another process holds the store, got {other:?}"),
    }
    drop(child.stdin.take());
    child.wait().expect("child exits");
    Store::open(config(dir.path())).expect("open once the other process is gone");
}
