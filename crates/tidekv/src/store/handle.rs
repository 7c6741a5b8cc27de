//! The store handle: opening, keyspaces, closing, and the checks every call shares.

use std::fmt;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::clock::Clock;
use crate::config::{Backend, Config};
use crate::engine::{Capabilities, Engine};
use crate::error::Result;
use crate::memory::MemoryEngine;
use crate::remote::RemoteEngine;
use crate::stats::{KeyspaceStats, Stats};
use crate::store::keyspace::Keyspace;
use crate::store::waiters::Waiters;

/// A key-value store: strings, typed values, expiry, lists, scans, batches and snapshots, over the
/// backend chosen in its [`Config`].
///
/// `Store` is cheap to clone (an `Arc` inside) and can be shared between threads. It holds the
/// whole-store operations (open, close, flush, snapshots, `clear_all`, `swap_keyspaces`, `stats`)
/// and dereferences to the [`Keyspace`] handle of keyspace 0, so every per-key operation works on
/// it directly; [`Store::keyspace`] makes handles on the others. Clones and keyspace handles share
/// the same data and the same open/closed state.
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
    /// Keyspace 0, which the store's per-key methods work on (through `Deref`).
    default: Keyspace,
}

impl Deref for Store {
    type Target = Keyspace;

    fn deref(&self) -> &Keyspace {
        &self.default
    }
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
            .field("keyspaces", &self.shared.keyspaces)
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
            Backend::Remote(options) => (
                Box::new(RemoteEngine::open(
                    options,
                    config.keyspaces,
                    Arc::clone(&config.clock),
                )?),
                None,
            ),
        };
        let engine: Box<dyn Engine> = if config.is_read_only() {
            Box::new(crate::engine::ReadOnlyEngine { inner: engine })
        } else {
            engine
        };
        // A Cluster has one database, whatever the config asked.
        let keyspaces = if engine.capabilities().single_keyspace {
            1
        } else {
            config.keyspaces
        };
        let store = Store {
            default: Keyspace {
                shared: Arc::new(Shared {
                    engine,
                    clock: config.clock,
                    max_key_size: config.max_key_size,
                    max_value_size: config.max_value_size,
                    keyspaces,
                    closed: AtomicBool::new(false),
                    waiters: Waiters::default(),
                    snapshot_path,
                    persist_lock: Mutex::new(()),
                }),
                ks: 0,
            },
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

    /// A handle on keyspace `id` of the same store (Redis `SELECT id`): a separate namespace
    /// with every per-key operation. Keyspace 0 is the default, the one `Store` itself works on.
    /// Whole-store operations (`close`, `flush`, snapshots, `clear_all`, `swap_keyspaces`,
    /// `stats`) are on [`Store`] only, so a keyspace handle cannot replace or close what other
    /// keyspaces hold by mistake.
    ///
    /// ```
    /// # use tidekv::{Config, Store};
    /// let store = Store::open(Config::memory())?;
    /// let other = store.keyspace(1)?;
    /// other.insert("k", "in keyspace 1")?;
    /// assert_eq!(store.get("k")?, None);
    /// # Ok::<(), tidekv::Error>(())
    /// ```
    pub fn keyspace(&self, id: u32) -> Result<Keyspace> {
        Ok(Keyspace {
            shared: Arc::clone(&self.shared),
            ks: self.checked_keyspace(id)?,
        })
    }

    /// What this store's backend can promise: point-in-time scans, crash safety, and so on.
    pub fn capabilities(&self) -> Capabilities {
        self.shared.engine.capabilities()
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

    /// A report on the whole store: keys, keys with an expiry and (on `memory`) bytes per
    /// keyspace, and backend detail.
    ///
    /// Cost: no walk of the keys on any backend. `memory` keeps its counts as the store changes;
    /// `disk` reads each keyspace's tally and the due part of its expiry index, as
    /// [`Store::len`] does (a few blocks per keyspace, so the time grows with the number of
    /// keyspaces, not of keys), and does not count bytes per keyspace (its sizes are in
    /// [`crate::DiskStats`]: tables per level, memtables); `remote` asks the server
    /// (`INFO keyspace`).
    pub fn stats(&self) -> Result<Stats> {
        self.check_open()?;
        let keyspaces: Vec<KeyspaceStats> =
            self.shared.engine.keyspace_usage(self.shared.keyspaces)?;
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
