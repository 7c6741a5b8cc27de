//! What a store reports about itself.

/// A point-in-time report on a store, from [`crate::Store::stats`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// Live keys in all keyspaces.
    pub keys: u64,
    /// Bytes of live keys and values in all keyspaces (payload only, no index overhead); 0 on
    /// the disk and remote backends, which do not count them (see [`KeyspaceStats::bytes`]).
    pub bytes: u64,
    /// Usage of each non-empty keyspace.
    pub keyspaces: Vec<KeyspaceStats>,
    /// Details only one backend has.
    pub backend: BackendStats,
}

/// Usage of one keyspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct KeyspaceStats {
    /// Keyspace number.
    pub id: u32,
    /// Live keys.
    pub keys: u64,
    /// Live keys that have an expiry (Redis `INFO keyspace`'s `expires`).
    pub expires: u64,
    /// Bytes of keys and values, on the memory backend. The disk backend does not count them (0):
    /// keeping them exact would make every overwrite and delete read the old value's size, and
    /// measuring them means reading every key; its sizes on disk and in memory are in
    /// [`DiskStats`]. The remote backend does not either (0): a server reports its memory as a
    /// whole ([`RemoteStats::used_memory`]), not per database.
    pub bytes: u64,
}

/// Per-backend detail.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum BackendStats {
    /// The in-memory backend.
    Memory(MemoryStats),
    /// The disk backend (LSM tree).
    Disk(Box<DiskStats>),
    /// The remote backend (Valkey / Redis).
    Remote(RemoteStats),
}

/// Detail of the remote backend, from the servers' `INFO`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct RemoteStats {
    /// The address the store was opened on (without its password).
    pub address: String,
    /// Whether the deployment is a Cluster.
    pub cluster: bool,
    /// Servers answering for the data: 1, or the Cluster's primaries.
    pub primaries: u64,
    /// The first server's `redis_version` (Valkey reports the Redis version it is compatible
    /// with here, and its own as `valkey_version`).
    pub server_version: String,
    /// Memory the servers use, summed over the primaries (`used_memory`).
    pub used_memory: u64,
    /// Clients connected to the servers, summed over the primaries (`connected_clients`).
    pub connected_clients: u64,
    /// Clients blocked in a command (a blocking pop), summed over the primaries
    /// (`blocked_clients`).
    pub blocked_clients: u64,
}

/// Detail of the in-memory backend.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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

/// Detail of the disk backend.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct DiskStats {
    /// The store's directory.
    pub path: std::path::PathBuf,
    /// The configured durability.
    #[serde(serialize_with = "durability_text")]
    pub durability: crate::config::Durability,
    /// Approximate bytes in the active memtable.
    pub memtable_bytes: u64,
    /// Entries (versions and tombstones) in the active memtable.
    pub memtable_entries: u64,
    /// Frozen memtables waiting for their flush.
    pub immutable_memtables: u64,
    /// Approximate bytes in the frozen memtables, counted as `memtable_bytes` is: with it, the
    /// memory all memtables hold (bounded by `memtable_size × (1 + max_immutable_memtables)`).
    pub immutable_memtable_bytes: u64,
    /// Tables, bytes and entries of each level, level 0 first.
    pub levels: Vec<LevelStats>,
    /// Block cache: configured capacity in bytes.
    pub block_cache_capacity: u64,
    /// Block cache: bytes in use.
    pub block_cache_usage: u64,
    /// Block cache: lookups that found their block.
    pub block_cache_hits: u64,
    /// Block cache: lookups that read the block from its file.
    pub block_cache_misses: u64,
    /// Point reads that a table's bloom filter answered without reading a block.
    pub bloom_filter_skips: u64,
    /// Tables held open between reads now (each holds a file descriptor).
    pub open_tables: u64,
    /// The configured bound on `open_tables` (`Config::max_open_files`).
    pub max_open_files: u64,
    /// Tables opened since the store was (first use, or again after the table cache closed them).
    pub table_opens: u64,
    /// Bytes of index and filter held by the open tables, charged to the block cache.
    pub table_metadata_bytes: u64,
    /// Bytes in the write-ahead log being written.
    pub wal_bytes: u64,
    /// Bytes of keys and values written by users (as stored cells), since open.
    pub user_bytes_written: u64,
    /// Bytes appended to write-ahead logs since open.
    pub wal_bytes_written: u64,
    /// Bytes of tables written by flushes since open.
    pub flush_bytes_written: u64,
    /// Bytes of tables read and written by compactions since open.
    pub compaction_bytes_read: u64,
    /// Bytes of tables written by compactions since open.
    pub compaction_bytes_written: u64,
    /// `(log + flush + compaction bytes written) / user bytes written` since open; 0 before the
    /// first write.
    pub write_amplification: f64,
    /// Memtable flushes since open.
    pub flushes: u64,
    /// Compactions that rewrote tables since open.
    pub compactions: u64,
    /// Tables moved to the next level without rewriting since open.
    pub trivial_moves: u64,
    /// Writes that had to wait for flushes or compactions to catch up, since open.
    pub write_stalls: u64,
    /// Total time writers spent stalled, in microseconds.
    pub write_stall_micros: u64,
    /// fsyncs of the write-ahead log (group commits) since open.
    pub log_syncs: u64,
    /// Whether opening the store found a torn record at the end of the newest write-ahead log
    /// (a crash cut an append short) and cut it off. Only writes that were never acknowledged as
    /// durable can be lost this way.
    pub torn_log_tail_cut_on_open: bool,
    /// The newest sequence number readers can see.
    pub visible_sequence: u64,
    /// A background failure that stopped writes, if one happened.
    pub background_error: Option<String>,
}

/// One level of the disk backend's tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct LevelStats {
    /// Level number (0 = freshly flushed, overlapping tables).
    pub level: u32,
    /// Tables in the level.
    pub tables: u64,
    /// Bytes of those tables.
    pub bytes: u64,
    /// Entries (versions and tombstones) in those tables.
    pub entries: u64,
}

/// A durability mode as text in serialized stats: `sync`, `periodic 100ms`, `buffered`.
fn durability_text<S: serde::Serializer>(
    durability: &crate::config::Durability,
    out: S,
) -> Result<S::Ok, S::Error> {
    use crate::config::Durability;
    match durability {
        Durability::Sync => out.serialize_str("sync"),
        Durability::Periodic(every) => {
            out.serialize_str(&format!("periodic {}ms", every.as_millis()))
        }
        Durability::Buffered => out.serialize_str("buffered"),
    }
}
