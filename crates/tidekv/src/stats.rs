//! What a store reports about itself.

/// A point-in-time report on a store, from [`crate::Store::stats`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Stats {
    /// Live keys in all keyspaces.
    pub keys: u64,
    /// Bytes of live keys and values in all keyspaces (payload only, no index overhead).
    pub bytes: u64,
    /// Usage of each non-empty keyspace.
    pub keyspaces: Vec<KeyspaceStats>,
    /// Details only one backend has.
    pub backend: BackendStats,
}

/// Usage of one keyspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyspaceStats {
    /// Keyspace number.
    pub id: u32,
    /// Live keys.
    pub keys: u64,
    /// Bytes of keys and values.
    pub bytes: u64,
}

/// Per-backend detail.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum BackendStats {
    /// The in-memory backend.
    Memory(MemoryStats),
}

/// Detail of the in-memory backend.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemoryStats {
    /// Number of shards per keyspace.
    pub shards: usize,
    /// Keys currently carrying an expiry (including expired ones not yet reclaimed).
    pub keys_with_expiry: u64,
    /// Expired keys reclaimed so far, by the sweeper or by reads that found them expired.
    pub expired_reclaimed: u64,
    /// Sweeper passes run so far.
    pub sweeper_runs: u64,
    /// Pre-images kept for live scans and snapshot saves (0 when none is alive).
    pub view_history_entries: u64,
    /// Snapshot file this store loads on open and saves on flush/close, if any.
    pub snapshot_path: Option<std::path::PathBuf>,
}
