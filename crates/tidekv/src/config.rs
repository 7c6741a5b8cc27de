//! How a store is opened: the backend and every tunable, as a consuming builder.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};

/// The largest key tidekv accepts: 64 KiB.
pub const MAX_KEY_SIZE: usize = 64 * 1024;
/// The largest value (or list element) tidekv accepts: 512 MiB, as in Redis.
pub const MAX_VALUE_SIZE: usize = 512 * 1024 * 1024;
/// The largest number of keyspaces a store can have.
pub const MAX_KEYSPACES: u32 = 65_536;

/// A function that spreads keys over the shards of the memory backend.
///
/// It must be deterministic (the same key always gives the same number) and safe to call from many
/// threads. Any `u64` is valid: tidekv reduces it modulo the shard count, so a bad hasher can only
/// make shards uneven, never cause a wrong answer.
pub type ShardHasher = Arc<dyn Fn(&[u8]) -> u64 + Send + Sync>;

/// Options of the in-memory backend.
#[derive(Clone)]
pub(crate) struct MemoryOptions {
    pub(crate) shards: usize,
    pub(crate) hasher: Option<ShardHasher>,
    pub(crate) sweep_interval: Duration,
    pub(crate) sweep_batch: usize,
    pub(crate) snapshot_path: Option<PathBuf>,
}

impl Default for MemoryOptions {
    fn default() -> Self {
        MemoryOptions {
            shards: 64,
            hasher: None,
            sweep_interval: Duration::from_millis(100),
            sweep_batch: 256,
            snapshot_path: None,
        }
    }
}

#[derive(Clone)]
pub(crate) enum Backend {
    Memory(MemoryOptions),
}

/// Everything needed to open a [`crate::Store`].
///
/// `Config` is a consuming builder: start from a backend constructor, chain setters, pass it to
/// [`crate::Store::open`].
///
/// ```
/// use tidekv::{Config, Store};
///
/// let store = Store::open(Config::memory().shards(16))?;
/// store.insert("greeting", "hello")?;
/// # Ok::<(), tidekv::Error>(())
/// ```
#[derive(Clone)]
pub struct Config {
    pub(crate) backend: Backend,
    pub(crate) max_key_size: usize,
    pub(crate) max_value_size: usize,
    pub(crate) keyspaces: u32,
    pub(crate) clock: Arc<dyn Clock>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Config");
        match &self.backend {
            Backend::Memory(m) => d
                .field("backend", &"memory")
                .field("shards", &m.shards)
                .field("custom_hasher", &m.hasher.is_some())
                .field("sweep_interval", &m.sweep_interval)
                .field("snapshot_path", &m.snapshot_path),
        };
        d.field("max_key_size", &self.max_key_size)
            .field("max_value_size", &self.max_value_size)
            .field("keyspaces", &self.keyspaces)
            .field("clock", &self.clock)
            .finish()
    }
}

impl Config {
    /// An in-memory store: sharded, with TTLs and optional snapshot persistence.
    pub fn memory() -> Self {
        Config {
            backend: Backend::Memory(MemoryOptions::default()),
            max_key_size: MAX_KEY_SIZE,
            max_value_size: MAX_VALUE_SIZE,
            keyspaces: 16,
            clock: Arc::new(SystemClock),
        }
    }

    /// Preset for small machines: fewer shards and a slower expiry sweeper.
    ///
    /// Memory backend: 8 shards, sweep every 250 ms.
    pub fn low_memory(mut self) -> Self {
        if let Some(m) = self.memory_options() {
            m.shards = 8;
            m.sweep_interval = Duration::from_millis(250);
        }
        self
    }

    /// Preset for many cores and heavy write concurrency: more shards, a more eager sweeper.
    ///
    /// Memory backend: 256 shards, sweep every 50 ms.
    pub fn high_performance(mut self) -> Self {
        if let Some(m) = self.memory_options() {
            m.shards = 256;
            m.sweep_interval = Duration::from_millis(50);
        }
        self
    }

    /// Number of shards of the memory backend. Default 64.
    ///
    /// Writers to different shards never contend; more shards cost a little memory (one lock and
    /// three small indexes each) and make every sorted scan merge more streams. Must be 1..=65536.
    pub fn shards(mut self, shards: usize) -> Self {
        if let Some(m) = self.memory_options() {
            m.shards = shards;
        }
        self
    }

    /// Replaces the function that picks a key's shard (memory backend). Default: XXH3-64.
    ///
    /// See [`ShardHasher`] for what the function must guarantee.
    pub fn shard_hasher(mut self, hasher: ShardHasher) -> Self {
        if let Some(m) = self.memory_options() {
            m.hasher = Some(hasher);
        }
        self
    }

    /// How often the memory backend's background sweeper reclaims expired keys. Default 100 ms.
    ///
    /// Expired keys are invisible at once whatever this is; the interval only bounds how long their
    /// memory stays in use. Shorter costs more wake-ups; each wake-up touches only keys that are due.
    pub fn expiry_sweep_interval(mut self, interval: Duration) -> Self {
        if let Some(m) = self.memory_options() {
            m.sweep_interval = interval;
        }
        self
    }

    /// Makes a memory store persistent: load this snapshot file on open (if it exists) and save it
    /// on [`crate::Store::flush`] and [`crate::Store::close`]. Default: none (nothing is saved).
    ///
    /// Meant for local development: data survives restarts that go through `flush` or `close`, not
    /// a crash. Use the disk backend when every write must be durable.
    pub fn snapshot_path(mut self, path: impl AsRef<Path>) -> Self {
        if let Some(m) = self.memory_options() {
            m.snapshot_path = Some(path.as_ref().to_path_buf());
        }
        self
    }

    /// The largest key accepted, in bytes. Default and maximum: [`MAX_KEY_SIZE`] (64 KiB).
    pub fn max_key_size(mut self, bytes: usize) -> Self {
        self.max_key_size = bytes;
        self
    }

    /// The largest value or list element accepted, in bytes. Default and maximum:
    /// [`MAX_VALUE_SIZE`] (512 MiB).
    pub fn max_value_size(mut self, bytes: usize) -> Self {
        self.max_value_size = bytes;
        self
    }

    /// Number of keyspaces (Redis `SELECT 0..n-1`). Default 16, maximum [`MAX_KEYSPACES`].
    pub fn keyspaces(mut self, count: u32) -> Self {
        self.keyspaces = count;
        self
    }

    /// The clock used for every expiry decision. Default: [`SystemClock`].
    ///
    /// Tests inject a [`crate::ManualClock`] to move time without sleeping.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The memory backend's options, if this is a memory config.
    fn memory_options(&mut self) -> Option<&mut MemoryOptions> {
        match &mut self.backend {
            Backend::Memory(m) => Some(m),
        }
    }

    /// Checks every option; `Store::open` calls this first so that a bad option changes nothing.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.max_key_size == 0 || self.max_key_size > MAX_KEY_SIZE {
            return Err(Error::invalid(
                "max_key_size",
                format!("{} is outside 1..={MAX_KEY_SIZE}", self.max_key_size),
            ));
        }
        if self.max_value_size > MAX_VALUE_SIZE {
            return Err(Error::invalid(
                "max_value_size",
                format!("{} is over {MAX_VALUE_SIZE}", self.max_value_size),
            ));
        }
        if self.keyspaces == 0 || self.keyspaces > MAX_KEYSPACES {
            return Err(Error::invalid(
                "keyspaces",
                format!("{} is outside 1..={MAX_KEYSPACES}", self.keyspaces),
            ));
        }
        match &self.backend {
            Backend::Memory(m) => {
                if m.shards == 0 || m.shards > 65_536 {
                    return Err(Error::invalid(
                        "shards",
                        format!("{} is outside 1..=65536", m.shards),
                    ));
                }
                if m.sweep_interval.is_zero() {
                    return Err(Error::invalid(
                        "expiry_sweep_interval",
                        "must be greater than zero",
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_options_are_rejected() {
        assert!(Config::memory().validate().is_ok());
        assert!(Config::memory().shards(0).validate().is_err());
        assert!(Config::memory().keyspaces(0).validate().is_err());
        assert!(Config::memory()
            .max_key_size(MAX_KEY_SIZE + 1)
            .validate()
            .is_err());
        assert!(Config::memory()
            .max_value_size(MAX_VALUE_SIZE + 1)
            .validate()
            .is_err());
        assert!(Config::memory()
            .expiry_sweep_interval(Duration::ZERO)
            .validate()
            .is_err());
    }
}
