//! Blocking pops: wait, up to a timeout, for a value to arrive on any of several lists.
//!
//! Waiters register a signal under every key they wait on; every push made through this store
//! fires the signals registered under its key, and `close` fires them all. The protocol that rules
//! out a lost wake-up: a waiter (1) registers and clears its signal, (2) checks that the store is
//! open and tries to pop, (3) sleeps only if the signal has not fired since (1). A push that lands after (2) looked at the list fires the signal after (1), so
//! the sleep in (3) returns at once. Pushing checks a counter first, so it costs one atomic load
//! when nobody waits.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::{Condvar, Mutex};

use crate::engine::End;
use crate::error::{Error, Result};
use crate::store::handle::Store;

#[derive(Default)]
struct Signal {
    fired: Mutex<bool>,
    wake: Condvar,
}

impl Signal {
    fn fire(&self) {
        *self.fired.lock() = true;
        self.wake.notify_all();
    }
}

/// A list a pop waits on: its keyspace and key.
type ListId = (u32, Bytes);

/// Who is waiting on which list.
#[derive(Default)]
pub(crate) struct Waiters {
    count: AtomicUsize,
    by_key: Mutex<HashMap<ListId, Vec<Arc<Signal>>>>,
}

impl Waiters {
    /// Wakes the waiters of one key.
    pub(crate) fn notify(&self, ks: u32, key: &Bytes) {
        if self.count.load(Ordering::SeqCst) == 0 {
            return;
        }
        if let Some(signals) = self.by_key.lock().get(&(ks, key.clone())) {
            signals.iter().for_each(|s| s.fire());
        }
    }

    /// Wakes every waiter (on close, or after a snapshot load replaced every list).
    pub(crate) fn wake_all(&self) {
        for signals in self.by_key.lock().values() {
            signals.iter().for_each(|s| s.fire());
        }
    }

    fn register(&self, ks: u32, keys: &[Bytes]) -> Arc<Signal> {
        let signal = Arc::new(Signal::default());
        let mut by_key = self.by_key.lock();
        for key in keys {
            by_key
                .entry((ks, key.clone()))
                .or_default()
                .push(Arc::clone(&signal));
        }
        self.count.fetch_add(1, Ordering::SeqCst);
        signal
    }

    fn unregister(&self, ks: u32, keys: &[Bytes], signal: &Arc<Signal>) {
        let mut by_key = self.by_key.lock();
        for key in keys {
            let id = (ks, key.clone());
            if let Some(signals) = by_key.get_mut(&id) {
                signals.retain(|s| !Arc::ptr_eq(s, signal));
                if signals.is_empty() {
                    by_key.remove(&id);
                }
            }
        }
        self.count.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Store {
    /// Pops the first element of the first non-empty list among `keys`, waiting up to `timeout` for
    /// one to be pushed (Redis `BLPOP`). Returns `(key, value)`, or `None` on timeout.
    ///
    /// A zero `timeout` tries once without waiting. Any push through any handle of this store wakes
    /// the waiter at once; [`Store::close`] wakes it with [`Error::Closed`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use tidekv::{Config, Store};
    /// let store = Store::open(Config::memory())?;
    /// let producer = store.clone();
    /// let worker = std::thread::spawn(move || store.blocking_pop_front(&["jobs"], Duration::from_secs(5)));
    /// producer.push_back("jobs", "job-1")?;
    /// let (key, job) = worker.join().unwrap()?.expect("a job");
    /// assert_eq!((&key[..], &job[..]), (&b"jobs"[..], &b"job-1"[..]));
    /// # Ok::<(), tidekv::Error>(())
    /// ```
    pub fn blocking_pop_front<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        timeout: Duration,
    ) -> Result<Option<(Bytes, Bytes)>> {
        self.blocking_pop(keys, End::Front, timeout)
    }

    /// Like [`Store::blocking_pop_front`], from the tail (Redis `BRPOP`).
    pub fn blocking_pop_back<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        timeout: Duration,
    ) -> Result<Option<(Bytes, Bytes)>> {
        self.blocking_pop(keys, End::Back, timeout)
    }

    fn blocking_pop<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        end: End,
        timeout: Duration,
    ) -> Result<Option<(Bytes, Bytes)>> {
        if keys.is_empty() {
            return Err(Error::invalid(
                "keys",
                "a blocking pop needs at least one key",
            ));
        }
        let keys: Vec<Bytes> = keys
            .iter()
            .map(|k| self.owned_key(k.as_ref()))
            .collect::<Result<_>>()?;
        if let Some(native) = self
            .shared
            .engine
            .blocking_pop(self.ks, &keys, end, timeout)
        {
            return native;
        }
        let deadline = Instant::now().checked_add(timeout);
        let waiters = &self.shared.waiters;
        let signal = waiters.register(self.ks, &keys);
        let result = self.wait_and_pop(&keys, end, deadline, &signal);
        waiters.unregister(self.ks, &keys, &signal);
        result
    }

    fn wait_and_pop(
        &self,
        keys: &[Bytes],
        end: End,
        deadline: Option<Instant>,
        signal: &Signal,
    ) -> Result<Option<(Bytes, Bytes)>> {
        loop {
            // Clear before checking `closed`: a close (or push) that fires after this line is seen
            // below, one that fired before it is seen by the check or the pop.
            *signal.fired.lock() = false;
            self.check_open()?;
            for key in keys {
                if let Some(value) = self.shared.engine.pop(self.ks, key, end)? {
                    return Ok(Some((key.clone(), value)));
                }
            }
            let mut fired = signal.fired.lock();
            if *fired {
                continue;
            }
            match deadline {
                None => signal.wake.wait(&mut fired),
                Some(deadline) => {
                    if Instant::now() >= deadline {
                        return Ok(None);
                    }
                    signal.wake.wait_until(&mut fired, deadline);
                }
            }
        }
    }
}
