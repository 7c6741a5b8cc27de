//! The store handle: opening, keyspaces, closing, and the checks every call shares.

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;

use crate::clock::Clock;
use crate::config::{Backend, Config};
use crate::engine::{Capabilities, Engine, Tx, TxKey};
use crate::error::{Error, Result};
use crate::memory::MemoryEngine;
use crate::stats::{KeyspaceStats, Stats};
use crate::store::waiters::Waiters;

/// A key-value store: strings, typed values, expiry, lists, scans, batches and snapshots, over the
/// backend chosen in its [`Config`].
///
/// `Store` is cheap to clone (an `Arc` inside) and can be shared between threads. Each handle works
/// on one keyspace (0 unless made by [`Store::keyspace`]); clones and keyspace handles share the same
/// data and the same open/closed state.
///
/// ```
/// use std::time::Duration;
/// use tidekv::{Config, Store};
///
/// let store = Store::open(Config::memory())?;
/// store.insert("user:1:name", "Ada")?;
/// store.insert_with_ttl("session:9", "token", Duration::from_secs(60))?;
/// assert_eq!(store.get_as::<String>("user:1:name")?.as_deref(), Some("Ada"));
/// assert_eq!(store.incr_by("visits", 1)?, 1);
/// store.push_back("jobs", "resize:42")?;
/// assert_eq!(store.pop_front("jobs")?.as_deref(), Some(&b"resize:42"[..]));
/// store.close()?;
/// # Ok::<(), tidekv::Error>(())
/// ```
#[derive(Clone)]
pub struct Store {
    pub(crate) shared: Arc<Shared>,
    pub(crate) ks: u32,
}

/// What every handle of one store shares.
pub(crate) struct Shared {
    pub(crate) engine: Box<dyn Engine>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) max_key_size: usize,
    pub(crate) max_value_size: usize,
    pub(crate) keyspaces: u32,
    pub(crate) closed: AtomicBool,
    pub(crate) waiters: Waiters,
    /// The snapshot file a persistent memory store saves on flush and close.
    pub(crate) snapshot_path: Option<PathBuf>,
    /// Serializes `close` and snapshot saves so that two never interleave.
    pub(crate) persist_lock: Mutex<()>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("engine", &self.shared.engine)
            .field("keyspace", &self.ks)
            .field("closed", &self.shared.closed.load(Ordering::Relaxed))
            .finish()
    }
}

impl Store {
    /// Opens a store as `config` says.
    ///
    /// For a memory store with a [`Config::snapshot_path`], an existing snapshot file is loaded; a
    /// corrupt one is an [`Error::Corruption`] and nothing is opened.
    pub fn open(config: Config) -> Result<Store> {
        config.validate()?;
        let (engine, snapshot_path): (Box<dyn Engine>, _) = match &config.backend {
            Backend::Memory(options) => (
                Box::new(MemoryEngine::open(
                    options,
                    config.keyspaces,
                    Arc::clone(&config.clock),
                )?),
                options.snapshot_path.clone(),
            ),
            Backend::Disk(options) => (
                Box::new(crate::disk::open(options, Arc::clone(&config.clock))?),
                None,
            ),
        };
        let store = Store {
            shared: Arc::new(Shared {
                engine,
                clock: config.clock,
                max_key_size: config.max_key_size,
                max_value_size: config.max_value_size,
                keyspaces: config.keyspaces,
                closed: AtomicBool::new(false),
                waiters: Waiters::default(),
                snapshot_path,
                persist_lock: Mutex::new(()),
            }),
            ks: 0,
        };
        if let Some(path) = &store.shared.snapshot_path {
            if path.exists() {
                if let Err(e) = store.load_snapshot(path) {
                    // A store that failed to open must not save on drop: that would overwrite the
                    // file it could not read, the user's only copy of the data.
                    store.shared.closed.store(true, Ordering::SeqCst);
                    let _ = store.shared.engine.close();
                    return Err(e);
                }
            }
        }
        Ok(store)
    }

    /// A handle on keyspace `id` of the same store: a separate namespace with the whole API
    /// (Redis `SELECT id`). Keyspace 0 is the default.
    ///
    /// ```
    /// # use tidekv::{Config, Store};
    /// let store = Store::open(Config::memory())?;
    /// let other = store.keyspace(1)?;
    /// other.insert("k", "in keyspace 1")?;
    /// assert_eq!(store.get("k")?, None);
    /// # Ok::<(), tidekv::Error>(())
    /// ```
    pub fn keyspace(&self, id: u32) -> Result<Store> {
        Ok(Store {
            shared: Arc::clone(&self.shared),
            ks: self.checked_keyspace(id)?,
        })
    }

    /// `id` if it names a keyspace of this (open) store.
    pub(crate) fn checked_keyspace(&self, id: u32) -> Result<u32> {
        self.check_open()?;
        if id >= self.shared.keyspaces {
            return Err(Error::invalid(
                "keyspace",
                format!(
                    "{id} is not below the configured {} keyspaces",
                    self.shared.keyspaces
                ),
            ));
        }
        Ok(id)
    }

    /// The keyspace this handle works on.
    pub fn keyspace_id(&self) -> u32 {
        self.ks
    }

    /// What this store's backend can promise: point-in-time scans, crash safety, and so on.
    pub fn capabilities(&self) -> Capabilities {
        self.shared.engine.capabilities()
    }

    /// Removes every key of this handle's keyspace (Redis `FLUSHDB`).
    pub fn clear(&self) -> Result<()> {
        self.check_open()?;
        self.shared.engine.clear(self.ks)
    }

    /// A random live key of this keyspace, `None` if it is empty (Redis `RANDOMKEY`).
    ///
    /// Cost and spread:
    /// - memory: a shard chosen by its size, then a uniform position in it: O(keys / shards)
    ///   iterator steps (about 15,000 for a million keys in the default 64 shards); uniform.
    /// - disk: a table or memtable chosen by its entries, a data block through the table's
    ///   index, then a random number of keys within it: a seek and at most a block's worth of
    ///   keys, whatever the store's size. Close to uniform for a table's keys; within a memtable
    ///   the pick is among the first 256 keys of its span.
    pub fn random_key(&self) -> Result<Option<Bytes>> {
        self.check_open()?;
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
            ^ RANDOM_CALLS.fetch_add(0x9E37_79B9, Ordering::Relaxed);
        self.shared.engine.random_key(self.ks, seed)
    }

    /// Swaps the contents of keyspaces `a` and `b`, atomically (Redis `SWAPDB`): every handle on
    /// `a` then sees what `b` held, and the reverse. Watched keys of both count as changed.
    ///
    /// Cost: O(keys of both keyspaces) on memory and disk (Redis's is O(1)); on disk the swap is
    /// one log record, so it is bounded by the record limit.
    pub fn swap_keyspaces(&self, a: u32, b: u32) -> Result<()> {
        let (a, b) = (self.checked_keyspace(a)?, self.checked_keyspace(b)?);
        self.shared.engine.swap_keyspaces(a, b)?;
        // Lists may now be non-empty under keys blocked pops wait on.
        self.serve_waited_lists(|ks| ks == a || ks == b);
        Ok(())
    }

    /// Removes every key of every keyspace (Redis `FLUSHALL`), keyspace by keyspace: a reader may
    /// see keyspace 0 empty while keyspace 1 is not yet.
    pub fn clear_all(&self) -> Result<()> {
        self.check_open()?;
        for ks in 0..self.shared.keyspaces {
            self.shared.engine.clear(ks)?;
        }
        Ok(())
    }

    /// A report on the whole store: keys and bytes per keyspace, and backend detail.
    ///
    /// Cost: on `memory` the counts are kept as the store changes. On `disk` they are exact, and
    /// made by reading every live entry (like [`Store::len`]): the time grows with the store, and
    /// the read passes through the block cache. `DiskStats` itself (memtables, levels, cache,
    /// write amplification) is cheap.
    pub fn stats(&self) -> Result<Stats> {
        self.check_open()?;
        let keyspaces: Vec<KeyspaceStats> = self
            .shared
            .engine
            .keyspace_usage()?
            .into_iter()
            .map(|(id, keys, bytes)| KeyspaceStats { id, keys, bytes })
            .collect();
        Ok(Stats {
            keys: keyspaces.iter().map(|k| k.keys).sum(),
            bytes: keyspaces.iter().map(|k| k.bytes).sum(),
            keyspaces,
            backend: self.shared.engine.stats()?,
        })
    }

    /// Closes the store for every handle: refuses new writes and waits for those in progress,
    /// saves the snapshot if one is configured, stops background threads, and ends blocked pops
    /// (they return [`Error::Closed`]). It returns once all of that is done. Every later call on
    /// any handle returns [`Error::Closed`], except `close` itself, which is idempotent: a second
    /// call (or one racing the first) returns `Ok` once the store is closed.
    ///
    /// Every write acknowledged before `close` returned is in the saved snapshot. If the save
    /// fails, the store stays open (nothing is lost) and the error is returned: fix the cause
    /// (a full disk, a missing directory) and close again.
    pub fn close(&self) -> Result<()> {
        let _persist = self.shared.persist_lock.lock();
        if self.shared.closed.swap(true, Ordering::SeqCst) {
            // Closed already, or closing: the first close held `persist_lock` until it was done.
            return Ok(());
        }
        self.shared.engine.seal()?;
        if let Some(path) = &self.shared.snapshot_path {
            if let Err(e) = self.write_snapshot(path) {
                self.shared.engine.unseal()?;
                self.shared.closed.store(false, Ordering::SeqCst);
                return Err(e);
            }
        }
        self.shared.waiters.close_all();
        self.shared.engine.close()
    }

    /// Runs `body` as one atomic read-modify-write over `keys` (see `crate::engine::Tx`) and
    /// returns what it returned. `body` may run more than once on a backend that retries.
    pub(crate) fn atomic<T>(
        &self,
        keys: &[TxKey],
        mut body: impl FnMut(&mut dyn Tx) -> Result<T>,
    ) -> Result<T> {
        self.check_open()?;
        let mut out = None;
        self.shared.engine.transact(keys, &mut |tx| {
            out = Some(body(tx)?);
            Ok(())
        })?;
        out.ok_or_else(|| Error::invalid("transaction", "the engine never ran the body"))
    }

    /// Runs `body` as one atomic read-modify-write of `key` in this handle's keyspace; `body`
    /// gets the transaction, the keyspace and the key.
    pub(crate) fn atomic_on<T>(
        &self,
        key: &[u8],
        mut body: impl FnMut(&mut dyn Tx, u32, &[u8]) -> Result<T>,
    ) -> Result<T> {
        let tx_key = self.tx_key(key)?;
        let ks = self.ks;
        self.atomic(std::slice::from_ref(&tx_key), |tx| body(tx, ks, &tx_key.1))
    }

    /// One key of this handle's keyspace, as a transaction declares it.
    pub(crate) fn tx_key(&self, key: &[u8]) -> Result<TxKey> {
        Ok((self.ks, self.owned_key(key)?))
    }

    pub(crate) fn check_open(&self) -> Result<()> {
        if self.shared.closed.load(Ordering::Acquire) {
            return Err(Error::Closed);
        }
        Ok(())
    }

    pub(crate) fn check_key(&self, key: &[u8]) -> Result<()> {
        self.check_open()?;
        check_size("key", key.len(), self.shared.max_key_size)
    }

    pub(crate) fn check_value(&self, value: &[u8]) -> Result<()> {
        check_size("value", value.len(), self.shared.max_value_size)
    }

    /// Checks a key and copies it into shared bytes for an engine that keeps it.
    pub(crate) fn owned_key(&self, key: &[u8]) -> Result<Bytes> {
        self.check_key(key)?;
        Ok(Bytes::copy_from_slice(key))
    }
}

/// Spreads the seeds of `random_key` calls made in the same nanosecond.
static RANDOM_CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// `TooLarge` naming `what` if `len` is over `limit`.
fn check_size(what: &'static str, len: usize, limit: usize) -> Result<()> {
    if len > limit {
        return Err(Error::TooLarge {
            what,
            len: len as u64,
            limit: limit as u64,
        });
    }
    Ok(())
}

impl Drop for Shared {
    fn drop(&mut self) {
        // The last handle is gone without `close`: a persistent memory store still saves (best
        // effort; call `close` to see the error), and the engine stops its threads.
        if !self.closed.swap(true, Ordering::SeqCst) {
            if let Some(path) = &self.snapshot_path {
                let _ = crate::store::snapshot_file::save_to(&*self.engine, &*self.clock, path);
            }
            let _ = self.engine.close();
        }
    }
}
