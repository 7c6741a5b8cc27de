//! The durability barrier of `durability = sync`: one flusher thread makes the store's writes
//! durable for every connection that asks, so that concurrent requests share one fsync.
//!
//! A connection that has replies to send and sees unflushed writes calls
//! [`SyncBarrier::request`], which names the first flush that will *start* after the call, and
//! awaits it ([`SyncBarrier::wait`]) without holding a thread. Every write the connection made
//! (or read) before the request is in the log by then, and a flush that starts later covers it.
//! Requests that arrive while a flush runs all wait for the next one: with `n` connections
//! writing, each fsync serves every one of them that arrived during the previous fsync — Redis's
//! `appendfsync always`, which fsyncs once per event-loop turn for all clients.
//!
//! Invariant: `started` counts flushes begun, and the `done` channel carries the number of the
//! last flush finished; a flush numbered `e` began after every request that was given `e`.

use std::sync::{Arc, Condvar, Mutex};

use tidekv::Store;
use tokio::sync::watch;

use crate::shared::lock;

#[derive(Default)]
struct State {
    /// The newest flush number some connection waits for.
    requested: u64,
    /// Flushes begun.
    started: u64,
    stop: bool,
}

/// What the flusher has finished.
#[derive(Debug, Clone, Default)]
struct Done {
    epoch: u64,
    /// Set for ever once a flush failed: the store refuses writes from then on.
    failure: Option<String>,
}

/// See the module docs.
pub(crate) struct SyncBarrier {
    state: Mutex<State>,
    wake: Condvar,
    done: watch::Sender<Done>,
}

impl SyncBarrier {
    /// Starts the flusher thread for `store`.
    pub(crate) fn start(store: Store) -> std::io::Result<Arc<SyncBarrier>> {
        let barrier = Arc::new(SyncBarrier {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            done: watch::channel(Done::default()).0,
        });
        let flusher = Arc::clone(&barrier);
        std::thread::Builder::new()
            .name("tidekv-fsync".into())
            .spawn(move || flusher.run(&store))?;
        Ok(barrier)
    }

    fn run(&self, store: &Store) {
        loop {
            let epoch = {
                let mut state = lock(&self.state);
                while state.requested <= state.started && !state.stop {
                    state = self
                        .wake
                        .wait(state)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
                if state.requested <= state.started {
                    return;
                }
                state.started += 1;
                state.started
            };
            let result = store.flush();
            self.done.send_modify(|done| {
                done.epoch = epoch;
                if let Err(e) = result {
                    done.failure.get_or_insert_with(|| e.to_string());
                }
            });
        }
    }

    /// The number of the first flush that starts after this call.
    pub(crate) fn request(&self) -> u64 {
        let mut state = lock(&self.state);
        let epoch = state.started + 1;
        state.requested = state.requested.max(epoch);
        self.wake.notify_one();
        epoch
    }

    /// Waits until flush `epoch` has finished; the error if a flush failed.
    pub(crate) async fn wait(&self, epoch: u64) -> Result<(), String> {
        let mut done = self.done.subscribe();
        loop {
            {
                let now = done.borrow_and_update();
                if let Some(failure) = &now.failure {
                    return Err(failure.clone());
                }
                if now.epoch >= epoch {
                    return Ok(());
                }
            }
            if done.changed().await.is_err() {
                return Err("the flusher stopped".into());
            }
        }
    }

    /// Stops the flusher once the flushes already asked for are done.
    pub(crate) fn stop(&self) {
        lock(&self.state).stop = true;
        self.wake.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_is_answered_by_a_flush_that_started_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let config = tidekv::Config::disk(dir.path()).durability(tidekv::Durability::Buffered);
        let store = Store::open(config).unwrap();
        let barrier = SyncBarrier::start(store.clone()).unwrap();
        for i in 0..50 {
            store.insert(format!("k{i}"), "v").unwrap();
            assert!(store.has_unflushed_writes());
            let epoch = barrier.request();
            barrier.wait(epoch).await.unwrap();
            assert!(
                !store.has_unflushed_writes(),
                "round {i}: waited, yet unflushed"
            );
        }
        barrier.stop();
        store.close().unwrap();
    }
}
