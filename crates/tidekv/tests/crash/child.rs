//! The child processes: the variables that tell the test binary it runs as a child, how a child
//! prints its lines, and how the parent spawns one, reads its lines and kills it.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Mutex, MutexGuard};
use std::time::Duration;

use super::workload::Rng;

/// The child's role, `write` or `hold` (unset in the parent).
pub const CHILD_ENV: &str = "TIDEKV_CRASH_CHILD";
/// The store's directory.
pub const DIR_ENV: &str = "TIDEKV_CRASH_DIR";
/// The durability mode: `sync`, `periodic` or `buffered`.
pub const MODE_ENV: &str = "TIDEKV_CRASH_MODE";
/// The seed of the round's workload.
pub const SEED_ENV: &str = "TIDEKV_CRASH_WORKLOAD_SEED";
/// The round's number (it tags the values the workload writes).
pub const ROUND_ENV: &str = "TIDEKV_CRASH_ROUND";

/// How long the parent waits for a child to say it opened the store before calling it hung.
pub const OPEN_BOUND: Duration = Duration::from_secs(60);

/// The variable `name`, which the parent sets for its child.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

/// Prints `line` on the child's stdout, where the parent reads it.
pub fn say(out: &mut impl Write, line: &str) {
    // One write per line, and lines are far below PIPE_BUF: the parent never reads half of one.
    out.write_all(format!("{line}\n").as_bytes())
        .and_then(|()| out.flush())
        .expect("stdout");
}

/// Held while this process has a store open, and while it spawns a child.
///
/// NOTE: no longer needed for correctness. It was a workaround for a library bug: an `flock`
/// belongs to the open file, which a child forked (by any test thread) while a store is open
/// shares until it execs, and `close()` released the lock only by closing its descriptor, so a
/// closed store stayed locked until the child exec'd, which on a loaded machine could outlast the
/// next open. The lock is now released with an explicit unlock when the store closes (or is
/// dropped), which frees it for every process sharing the file;
/// `close_releases_the_lock_even_while_a_forked_process_shares_its_descriptor` is the regression
/// test. It is kept because it is cheap (a spawn, and the parent's reopen and check, are short)
/// and keeps the crash rounds about crash recovery: should the unlock regress, that regression
/// test fails by name rather than a crash round failing now and then with `Locked`.
static FORK_GUARD: Mutex<()> = Mutex::new(());

pub fn fork_guard() -> MutexGuard<'static, ()> {
    FORK_GUARD
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn spawn_child(test: &str, role: &str, dir: &Path, extra: &[(&str, String)]) -> Child {
    // `spawn` returns once the child has exec'd, and with it dropped every inherited descriptor.
    let _guard = fork_guard();
    Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            test,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, role)
        .env(DIR_ENV, dir)
        .envs(extra.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the child")
}

/// The complete lines of `stdout`; `opened` gets a message when one ends with `open`. A last
/// line without its newline is dropped: its call counts as in flight.
pub fn read_lines(stdout: impl Read, opened: mpsc::Sender<()>) -> Vec<String> {
    let mut reader = BufReader::new(stdout);
    let mut lines = Vec::new();
    loop {
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return lines,
            Ok(_) if line.last() != Some(&b'\n') => return lines,
            Ok(_) => {
                let line = String::from_utf8_lossy(&line).trim_end().to_string();
                // The harness prints "test child_writer ... " without a newline before it.
                if line.ends_with("open") {
                    let _ = opened.send(());
                }
                lines.push(line);
            }
        }
    }
}

/// Runs one child for round `round` and kills it; returns its complete output lines, and whether
/// it was killed during its start-up.
pub fn kill_a_child(
    dir: &Path,
    mode: &str,
    seed: u64,
    round: u64,
    rng: &mut Rng,
) -> (Vec<String>, bool) {
    let extra = [
        (MODE_ENV, mode.to_string()),
        (SEED_ENV, seed.to_string()),
        (ROUND_ENV, round.to_string()),
    ];
    let mut child = spawn_child("child_writer", "write", dir, &extra);
    let stdout = child.stdout.take().expect("child stdout");
    let mut stderr = child.stderr.take().expect("child stderr");
    let (opened_tx, opened) = mpsc::channel();
    let reader = std::thread::spawn(move || read_lines(stdout, opened_tx));
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let during_start_up = rng.below(4) == 0;
    if during_start_up {
        // Anywhere from before the open to the first writes: often inside the open's recovery.
        std::thread::sleep(Duration::from_millis(rng.below(40)));
    } else {
        match opened.recv_timeout(OPEN_BOUND) {
            Ok(()) => {}
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{mode} round {round}: the child never opened the store ({e:?} within {} s): {}",
                    OPEN_BOUND.as_secs(),
                    errors.join().unwrap_or_default()
                );
            }
        }
        std::thread::sleep(Duration::from_millis(5 + rng.below(200)));
    }
    child.kill().expect("SIGKILL the child");
    let status = child.wait().expect("wait for the child");
    let lines = reader.join().expect("the stdout reader");
    let errors = errors.join().unwrap_or_default();
    assert_eq!(
        status.signal(),
        Some(9),
        "{mode} round {round}: the child ended by itself ({status}) before the kill:\n{errors}"
    );
    (lines, during_start_up)
}
