//! Crash safety with real processes, in every durability mode: a child process runs a workload of
//! inserts, removes, counters (`incr_by`), list pushes and pops, TTL inserts and `expire`, and
//! atomic batches, printing one line per call that returned, with what it returned (the popped
//! value, the counter's new value, the list's new length). The parent kills it with SIGKILL at a
//! random moment, reopens the store and checks every effect of every acknowledged call.
//!
//! No `Durability` mode may lose an acknowledged write when the *process* crashes (each writes
//! the log record to the OS before returning), so the check is the same in `Sync`,
//! `Periodic(100 ms)` and `Buffered`: the parent replays the acknowledged calls on a model (and
//! checks that each returned what the model says — a pop the front element, never one popped
//! before), and the reopened store must hold exactly the model's state, or the model's state
//! plus the one call in flight when the kill came (it may have been written before its line was
//! printed). So an acknowledged remove stays removed, a counter is the sum of its acknowledged
//! increments, a list holds exactly its acknowledged pushes minus its acknowledged pops in FIFO
//! order, a batch is all there or not at all, a TTL is still set (TTLs are hours long, so nothing
//! expires during the test, and each key has its own, so a swap shows), and no value is torn.
//! On a mismatch the message says, per key, which acknowledged effect is missing.
//!
//! Rounds repeat on one directory (`TIDEKV_CRASH_ROUNDS`, default 24 per mode) with 16 KiB
//! memtables and tables, so kills land during flushes, log switches and compactions; one round in
//! four kills the child during its start-up, often in the middle of the open's own recovery.
//! `TIDEKV_CRASH_SEED` replays a run (the seed is printed).
//!
//! The child is this same test binary, re-run with `TIDEKV_CRASH_CHILD` set and `--ignored`: the
//! child entry points are ignored tests, so a normal run does not list them as passing tests that
//! check nothing (and they return at once if run without the variable).

use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tidekv::{Error, Store};

use crash::{
    config, crash_rounds, env, execute, fork_guard, read_lines, say, spawn_child, workload,
    CHILD_ENV, DIR_ENV, MODE_ENV, OPEN_BOUND, ROUND_ENV, SEED_ENV,
};

mod crash;

/// Child: opens the store, says `open`, then runs the round's calls until it is killed,
/// printing `ack <i> <result>` after call `i` returns.
#[test]
#[ignore = "run only as a child process of the crash tests"]
fn child_writer() {
    if std::env::var(CHILD_ENV).as_deref() != Ok("write") {
        return;
    }
    let (dir, mode) = (env(DIR_ENV), env(MODE_ENV));
    let seed: u64 = env(SEED_ENV).parse().expect("seed");
    let round: u64 = env(ROUND_ENV).parse().expect("round");
    let store = Store::open(config(Path::new(&dir), &mode)).expect("child open");
    // Straight to the process's stdout: `println!` would be captured by the test harness.
    let mut out = std::io::stdout().lock();
    say(&mut out, "open");
    for (i, call) in workload(seed, round).enumerate() {
        let result = execute(&store, &call).unwrap_or_else(|e| panic!("call {i} {call:?}: {e}"));
        say(&mut out, &format!("ack {i} {result}"));
    }
}

/// Child: opens the store, says so, and holds it until its stdin closes.
#[test]
#[ignore = "run only as a child process of the crash tests"]
fn child_holder() {
    if std::env::var(CHILD_ENV).as_deref() != Ok("hold") {
        return;
    }
    let store = Store::open(config(Path::new(&env(DIR_ENV)), "sync")).expect("child open");
    let mut out = std::io::stdout().lock();
    say(&mut out, "open");
    drop(out);
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    drop(store);
}

#[test]
fn sync_mode_keeps_every_acknowledged_effect_across_sigkill() {
    crash_rounds("sync");
}

#[test]
fn periodic_mode_keeps_every_acknowledged_effect_across_sigkill() {
    crash_rounds("periodic");
}

#[test]
fn buffered_mode_keeps_every_acknowledged_effect_across_sigkill() {
    crash_rounds("buffered");
}

#[test]
fn a_store_open_in_another_process_is_locked() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_child("child_holder", "hold", dir.path(), &[]);
    // The child's lines arrive through a channel, so waiting for them is bounded: a child that
    // hangs before printing fails the test instead of hanging it.
    let stdout = child.stdout.take().expect("stdout");
    let (opened_tx, opened) = mpsc::channel();
    std::thread::spawn(move || read_lines(stdout, opened_tx));
    let deadline = Instant::now() + OPEN_BOUND;
    if let Err(e) = opened.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the child never opened the store ({e:?} within 60 s)");
    }
    let guard = fork_guard();
    match Store::open(config(dir.path(), "sync")) {
        Err(Error::Locked { .. }) => {}
        other => panic!("expected Locked while another process holds the store, got {other:?}"),
    }
    drop(child.stdin.take());
    child.wait().expect("child exits");
    let store =
        Store::open(config(dir.path(), "sync")).expect("open once the other process is gone");
    store.close().unwrap();
    drop(guard);
}

/// Regression for a library bug found by the crash tests (which spawn children from parallel test
/// threads): `close()` released the directory lock only by closing its descriptor, and an `flock`
/// belongs to the open file, which a process forked while the store was open shares until it
/// execs. Until then the closed store stayed locked: here the child waits in `pre_exec`, as a
/// child of a busy machine may wait to be scheduled, or as a forked worker that never execs
/// would hold it for good. The lock is now released with an explicit unlock.
#[test]
#[allow(unsafe_code)]
fn close_releases_the_lock_even_while_a_forked_process_shares_its_descriptor() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(config(dir.path(), "sync")).unwrap();
    let forker = std::thread::spawn(|| {
        let mut command = Command::new("true");
        // SAFETY: the closure runs in the forked child before `exec` and only sleeps (nanosleep
        // is async-signal-safe): it allocates nothing and takes no lock.
        unsafe {
            command.pre_exec(|| {
                std::thread::sleep(Duration::from_secs(3));
                Ok(())
            });
        }
        command.status()
    });
    // Let the thread fork (if it has not yet, the store is closed first and the test passes
    // without showing anything: the pause cannot make it fail).
    std::thread::sleep(Duration::from_millis(500));
    store.close().unwrap();
    let reopened = Store::open(config(dir.path(), "sync"));
    let _ = forker.join();
    match reopened {
        Ok(store) => store.close().unwrap(),
        Err(e) => panic!("a closed store is still locked while a forked process lives: {e}"),
    }
}
