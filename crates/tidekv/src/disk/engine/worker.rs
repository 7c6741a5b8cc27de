//! The background threads: one flushes frozen memtables, one compacts, one deletes expired keys
//! (`key_count.rs`), one looks up the keys of deferred key-count bookkeeping (`resolver.rs`),
//! and outside `Durability::Sync` one syncs the log (every interval with `Periodic`, and each
//! time the log has grown by `wal_sync_bytes`). Each sleeps until there is work or the engine
//! shuts down; a failure is recorded (`Inner::fail`) and stops further writes.

use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::key_count::SWEEP_BATCH;
use super::Inner;
use crate::config::Durability;
use crate::error::{Error, Result};

/// How long an idle worker sleeps before looking for work anyway (a missed wake-up costs at most
/// this).
const IDLE_WAIT: Duration = Duration::from_millis(200);

pub(crate) fn spawn(inner: &Arc<Inner>) -> Result<Vec<JoinHandle<()>>> {
    let mut threads = Vec::new();
    let spawn = |name: &str, body: fn(&Inner)| {
        let inner = Arc::clone(inner);
        thread::Builder::new()
            .name(format!("tidekv-{name}"))
            .spawn(move || body(&inner))
            .map_err(|e| crate::error::Error::io(format!("starting the {name} thread"), e))
    };
    threads.push(spawn("flush", flush_loop)?);
    threads.push(spawn("resolve", Inner::resolve_loop)?);
    if inner.options.read_only {
        // What compaction and the expiry sweep would write stays in memory and is thrown away
        // at close (`read_only.rs`): a read-only open does not do that work.
        return Ok(threads);
    }
    threads.push(spawn("compact", compact_loop)?);
    threads.push(spawn("expiry", expiry_loop)?);
    let writeback = inner.options.wal_sync_bytes > 0;
    match inner.options.durability {
        Durability::Periodic(_) => threads.push(spawn("sync", sync_loop)?),
        Durability::Buffered if writeback => threads.push(spawn("sync", sync_loop)?),
        Durability::Buffered | Durability::Sync => {}
    }
    Ok(threads)
}

fn flush_loop(inner: &Inner) {
    // Flushes drain before shutdown: `close` waits for every frozen memtable to reach a table.
    job_loop(inner, Inner::flush_oldest, true, |inner| {
        !inner.current().imms.is_empty()
    });
}

fn compact_loop(inner: &Inner) {
    job_loop(inner, Inner::compact_once, false, |_| false);
}

/// Runs `job` until shutdown or a failure: again at once while it finds work, otherwise after a
/// wake-up of `background.wake` or [`IDLE_WAIT`]. A `drain` job keeps working after shutdown until it finds
/// nothing; others stop before their next run. `pending` is re-checked under the lock before
/// sleeping, so work that arrived between the job and the sleep is not left waiting.
fn job_loop(
    inner: &Inner,
    job: fn(&Inner) -> Result<bool>,
    drain: bool,
    pending: fn(&Inner) -> bool,
) {
    loop {
        {
            let bg = inner.background.state.lock();
            if (bg.shutdown && (!drain || bg.abandoned)) || bg.error.is_some() {
                return;
            }
        }
        match job(inner) {
            Ok(true) => {
                let _bg = inner.background.state.lock();
                inner.background.wake.notify_all();
                continue;
            }
            Ok(false) => {}
            Err(e) => {
                inner.fail(&e);
                return;
            }
        }
        let mut bg = inner.background.state.lock();
        if bg.shutdown || bg.error.is_some() {
            return;
        }
        if !pending(inner) {
            inner.background.wake.wait_for(&mut bg, IDLE_WAIT);
        }
    }
}

/// Syncs the log every interval (`Periodic`) and whenever a write asks for it because the log has
/// grown by `wal_sync_bytes` (`Inner::request_writeback`). The fsync runs through group commit,
/// without the writer lock: writes go on while it runs.
fn sync_loop(inner: &Inner) {
    let interval = match inner.options.durability {
        Durability::Periodic(interval) => Some(interval),
        Durability::Buffered => None,
        Durability::Sync => return,
    };
    loop {
        {
            let deadline = interval.map(|interval| Instant::now() + interval);
            let mut bg = inner.background.state.lock();
            // Other wake-ups of `background.wake` (flushes, stalls) must not shorten the interval.
            while !bg.shutdown && bg.error.is_none() && !bg.writeback_due {
                match deadline {
                    Some(deadline) if Instant::now() >= deadline => break,
                    Some(deadline) => {
                        inner.background.wake.wait_until(&mut bg, deadline);
                    }
                    None => inner.background.wake.wait(&mut bg),
                }
            }
            if bg.shutdown || bg.error.is_some() {
                return;
            }
            bg.writeback_due = false;
        }
        // A failure is recorded by `sync_to` itself.
        let _ = inner.sync_all();
    }
}

impl Inner {
    /// Wakes the sync thread for a background fsync of the log (`Config::wal_sync_bytes`).
    pub(crate) fn request_writeback(&self) {
        let mut bg = self.background.state.lock();
        bg.writeback_due = true;
        self.background.wake.notify_all();
    }
}

/// Deletes expired keys every sweep interval, and again at once while it finds a full batch.
///
/// Deletes reclaim space only once their tombstones reach the tables: if the store is otherwise
/// idle, the memtable holding them would never fill, so after a sweep that deleted keys, a round
/// that finds no write since freezes it for the flush thread.
fn expiry_loop(inner: &Inner) {
    // The last sequence number after the last sweep that deleted something, until checked.
    let swept_to = std::cell::Cell::new(None);
    every(inner, inner.options.expiry_sweep_interval, |inner| {
        let outcome = inner.sweep_expired().and_then(|(found, deleted)| {
            if deleted > 0 {
                swept_to.set(Some(inner.writer.lock().last_seq));
            } else if let Some(seq) = swept_to.take() {
                inner.freeze_if_idle(seq)?;
            }
            Ok((found, deleted))
        });
        match outcome {
            Ok((found, deleted)) => found == SWEEP_BATCH && deleted > 0,
            // A corrupt index or count stops writes like any background failure. Anything
            // else is left for the next round: closing ends the loop at its next check, and a
            // write failure was recorded by the write path itself.
            Err(e @ Error::Corruption { .. }) => {
                inner.fail(&e);
                false
            }
            Err(_) => false,
        }
    });
}

/// Runs `job` every `interval` until shutdown or a failure; at once again while it returns
/// `true` (more work).
fn every(inner: &Inner, interval: Duration, job: impl Fn(&Inner) -> bool) {
    loop {
        // Other wake-ups of `background.wake` (flushes, stalls) must not shorten the interval.
        let deadline = Instant::now() + interval;
        {
            let mut bg = inner.background.state.lock();
            while !bg.shutdown && bg.error.is_none() && Instant::now() < deadline {
                inner.background.wake.wait_until(&mut bg, deadline);
            }
            if bg.shutdown || bg.error.is_some() {
                return;
            }
        }
        while job(inner) {
            let bg = inner.background.state.lock();
            if bg.shutdown || bg.error.is_some() {
                return;
            }
        }
    }
}
