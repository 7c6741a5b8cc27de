//! Options of the in-memory backend and the `Config` setters that change them.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::{Backend, Config};

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

impl Config {
    /// Number of shards of the memory backend. Default 64.
    ///
    /// Writers to different shards never contend; more shards cost a little memory (one lock and
    /// three small indexes each) and make every sorted scan merge more streams. Must be 1..=65536.
    pub fn shards(mut self, shards: usize) -> Self {
        if let Some(m) = self.memory_options("shards") {
            m.shards = shards;
        }
        self
    }

    /// Replaces the function that picks a key's shard (memory backend). Default: XXH3-64.
    ///
    /// See [`ShardHasher`] for what the function must guarantee.
    pub fn shard_hasher(mut self, hasher: ShardHasher) -> Self {
        if let Some(m) = self.memory_options("shard_hasher") {
            m.hasher = Some(hasher);
        }
        self
    }

    /// How often the background sweeper deletes expired keys (memory and disk backends).
    /// Default 100 ms.
    ///
    /// Expired keys are invisible at once whatever this is, and `len` never counts them; the
    /// interval only bounds how long they keep using memory or disk space. Shorter costs more
    /// wake-ups; each wake-up touches only keys that are due (on disk, each batch of due keys is
    /// one write).
    pub fn expiry_sweep_interval(mut self, interval: Duration) -> Self {
        match &mut self.backend {
            Backend::Memory(m) => m.sweep_interval = interval,
            Backend::Disk(d) => d.expiry_sweep_interval = interval,
            // The server reclaims expired keys itself.
            Backend::Remote(_) => self
                .misapplied
                .push(("expiry_sweep_interval", "memory or disk")),
        }
        self
    }

    /// Makes a memory store persistent: load this snapshot file on open (if it exists) and save it
    /// on [`crate::Store::flush`] and [`crate::Store::close`]. Default: none (nothing is saved).
    ///
    /// Meant for local development: data survives restarts that go through `flush` or `close`, not
    /// a crash. Use the disk backend when every write must be durable.
    pub fn snapshot_path(mut self, path: impl AsRef<Path>) -> Self {
        if let Some(m) = self.memory_options("snapshot_path") {
            m.snapshot_path = Some(path.as_ref().to_path_buf());
        }
        self
    }

    /// The memory backend's options, if this is a memory config.
    /// The memory backend's options; on another backend, `setter` is recorded as misapplied and
    /// `Store::open` refuses the config.
    fn memory_options(&mut self, setter: &'static str) -> Option<&mut MemoryOptions> {
        match &mut self.backend {
            Backend::Memory(m) => Some(m),
            _ => {
                self.misapplied.push((setter, "memory"));
                None
            }
        }
    }
}
