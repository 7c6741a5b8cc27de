//! The bridge between `Store`'s blocking calls and the `redis` crate's async client: a small
//! tokio runtime owned by the engine.
//!
//! A call made outside any runtime drives its future on the calling thread (`block_on`), so a
//! plain `store.get` costs no thread hop: the runtime's workers only run the connections' I/O
//! tasks. A call made from inside a runtime (a user's async code calling the blocking API, which
//! it should do through `spawn_blocking`) cannot `block_on`; its future runs on the engine's
//! runtime and the caller waits on a channel instead.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;
use tokio::runtime::{Handle, Runtime};

use crate::error::{Error, Result};

/// The engine's runtime (see the module docs).
#[derive(Debug)]
pub(crate) struct Bridge {
    /// `None` once closed; every later call is `Error::Closed`.
    runtime: Mutex<Option<Runtime>>,
    /// Set before the runtime is taken: read by every call, without the lock.
    closed: AtomicBool,
    handle: Handle,
}

impl Bridge {
    /// A runtime with two worker threads for the connections' I/O.
    pub(crate) fn new() -> Result<Bridge> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("tidekv-remote")
            .enable_all()
            .build()
            .map_err(|e| Error::io("starting the remote backend's runtime", e))?;
        let handle = runtime.handle().clone();
        Ok(Bridge {
            runtime: Mutex::new(Some(runtime)),
            closed: AtomicBool::new(false),
            handle,
        })
    }

    /// Whether the store closed (every call is `Error::Closed`).
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Runs `future` to completion and returns its output, blocking the calling thread.
    pub(crate) fn run<F>(&self, future: F) -> Result<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        if Handle::try_current().is_err() {
            return Ok(self.handle.block_on(future));
        }
        let (send, receive) = std::sync::mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let _ = send.send(future.await);
        });
        // The task is dropped unfinished only when the runtime shuts down: the store closed.
        receive.recv().map_err(|_| Error::Closed)
    }

    /// Runs `future` as a task of the runtime, detached from the caller (a blocked pop's
    /// future); `Error::Closed` once the runtime has stopped.
    pub(crate) fn spawn<F>(&self, future: F) -> Result<tokio::task::JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        Ok(self.handle.spawn(future))
    }

    /// Stops the runtime without waiting for its tasks (connections close, blocked pops end).
    /// Safe to call from inside an async context, where dropping a runtime would panic.
    pub(crate) fn shut_down(&self) {
        self.closed.store(true, Ordering::Release);
        if let Some(runtime) = self.runtime.lock().take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        self.shut_down();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_from_a_plain_thread_and_from_inside_a_runtime() {
        let bridge = std::sync::Arc::new(Bridge::new().unwrap());
        assert_eq!(bridge.run(async { 1 + 1 }).unwrap(), 2);
        let outer = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let inner = std::sync::Arc::clone(&bridge);
        // `block_on` here would panic ("cannot start a runtime from within a runtime").
        assert_eq!(
            outer
                .block_on(async move { inner.run(async { 3 }) })
                .unwrap(),
            3
        );
        bridge.shut_down();
        assert!(matches!(bridge.run(async { 4 }), Err(Error::Closed)));
    }
}
