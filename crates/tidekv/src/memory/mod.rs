//! The in-memory backend.
//!
//! Each keyspace is split into shards by a hash of the key (pluggable, see
//! [`crate::ShardHasher`]). A shard is one `RwLock` over three indexes:
//! - a persistent hash map (HAMT) from key to entry, for point operations;
//! - a persistent ordered set of keys, for sorted scans, touched only when a key is created or
//!   removed;
//! - a time-ordered set of `(expires_at, key)`, so the expiry sweeper touches only due keys.
//!
//! Both persistent structures clone in O(1), so a consistent view of a keyspace (for a scan, a
//! dump or a snapshot) costs one read-lock round over the shards and never blocks writers after.
//! Readers of a shard never block each other; writers to different shards never contend.

mod batch;
mod bulk;
mod engine;
mod entry;
mod keyspace;
mod lists;
mod shard;
mod sweeper;
mod view;

pub(crate) use engine::MemoryEngine;
