//! The background thread that reclaims expired keys (active expiry).
//!
//! Reads never return an expired key (passive expiry); the sweeper only frees their memory. Each pass
//! visits every shard, peeks at its soonest expiry under a read lock and, only if that is due, takes
//! the write lock to remove at most `batch` due keys before letting writers in again. A pass costs
//! O(shards) plus the keys it removes: it never scans the whole store.
//!
//! Precision: an expired key's memory is reclaimed at most one sweep interval (plus one pass) after
//! it expires, and sooner if a write or `len` meets it first.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use crate::error::{Error, Result};
use crate::memory::data::MemoryData;

#[derive(Default)]
struct StopSignal {
    stopped: Mutex<bool>,
    wake: Condvar,
}

/// Owns the sweeper thread; stopping (explicitly or on drop) joins it.
pub(crate) struct Sweeper {
    signal: Arc<StopSignal>,
    handle: Mutex<Option<JoinHandle<()>>>,
}

impl Sweeper {
    pub(crate) fn start(data: Arc<MemoryData>, interval: Duration, batch: usize) -> Result<Self> {
        let signal = Arc::new(StopSignal::default());
        let thread_signal = Arc::clone(&signal);
        let handle = std::thread::Builder::new()
            .name("tidekv-expiry".into())
            .spawn(move || run(&data, &thread_signal, interval, batch.max(1)))
            .map_err(|e| Error::io("starting the expiry sweeper thread", e))?;
        Ok(Sweeper {
            signal,
            handle: Mutex::new(Some(handle)),
        })
    }

    /// Stops the thread and waits for it; later calls do nothing.
    pub(crate) fn stop(&self) {
        *self.signal.stopped.lock() = true;
        self.signal.wake.notify_all();
        if let Some(handle) = self.handle.lock().take() {
            // A panicking sweeper has nothing left to clean up; its panic is not ours to re-raise.
            let _ = handle.join();
        }
    }
}

impl Drop for Sweeper {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(data: &MemoryData, signal: &StopSignal, interval: Duration, batch: usize) {
    loop {
        {
            let mut stopped = signal.stopped.lock();
            if !*stopped {
                signal.wake.wait_for(&mut stopped, interval);
            }
            if *stopped {
                return;
            }
        }
        sweep_once(data, batch);
    }
}

/// One pass over every shard of every keyspace in use.
pub(crate) fn sweep_once(data: &MemoryData, batch: usize) {
    let now = data.clock.now_ms();
    for (_, shards) in data.existing_keyspaces() {
        for shard in shards.iter() {
            while shard.state.read().next_expiry().is_some_and(|at| at <= now) {
                if shard.state.write().reap_due(now, batch) < batch {
                    break;
                }
            }
        }
    }
    data.sweeper_runs.fetch_add(1, Ordering::Relaxed);
}
