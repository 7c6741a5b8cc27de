//! The in-memory backend.
//!
//! Each keyspace is split into shards by a hash of the key (pluggable, see
//! [`crate::ShardHasher`]). A shard is one `RwLock` over three indexes:
//! - a hash map from key to entry, for point operations;
//! - a persistent ordered set of keys, for sorted scans, touched only when a key is created or
//!   removed, and copied in O(1) by a view;
//! - a time-ordered set of `(expires_at, key)`, so the expiry sweeper touches only due keys.
//!
//! A consistent view of a keyspace (for a scan or a snapshot) costs one read-lock round over the
//! shards; afterwards writers change entries in place and keep pre-images for the view
//! (`versions.rs`). Readers of a shard never block each other; writers to different shards never
//! contend.

mod batch;
mod bulk;
mod data;
mod engine;
mod entry;
mod key;
mod key_hash;
mod keyspace;
mod lists;
mod shard;
mod strings;
mod sweeper;
mod tx;
mod versions;
mod view;

pub(crate) use engine::MemoryEngine;
