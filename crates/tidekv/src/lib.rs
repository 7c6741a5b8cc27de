//! # tidekv
//!
//! A key-value store with one API over several backends. Today: `memory` (sharded, TTL, snapshots).
//! Planned: `disk` (an LSM tree) and `remote` (Valkey/Redis), behind the same [`Store`].
//!
//! - Strings and typed values (`i64`, `f64`, `bool`, `String`, bytes, serde types via [`Json`]).
//! - Expiry with passive and active reclamation: [`Store::insert_with_ttl`], [`Store::expire`].
//! - Lists usable as job queues, with blocking pops: [`Store::push_back`],
//!   [`Store::blocking_pop_front`].
//! - Sorted, lazy, point-in-time scans: [`Store::scan_prefix`], [`Store::range`].
//! - Atomic batches: [`WriteBatch`], [`Store::insert_many`].
//! - Portable, checksummed snapshots: [`Store::save_snapshot`], [`Store::load_snapshot`].
//! - Keyspaces (Redis `SELECT`): [`Store::keyspace`].
//!
//! ```
//! use tidekv::{Config, Store};
//!
//! let store = Store::open(Config::memory())?;
//! store.insert("name", "tidekv")?;
//! assert_eq!(store.get("name")?.as_deref(), Some(&b"tidekv"[..]));
//! # Ok::<(), tidekv::Error>(())
//! ```
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod batch;
mod clock;
mod codec;
mod config;
mod disk;
pub mod engine;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod memory;
mod snapshot;
mod stats;
mod store;
#[cfg(feature = "test-util")]
pub mod test_util;
mod value;

pub use batch::WriteBatch;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Config, Durability, ShardHasher, MAX_KEYSPACES, MAX_KEY_SIZE, MAX_VALUE_SIZE};
pub use disk::table::compression::Compression;
pub use error::{Error, Result};
pub use stats::{BackendStats, DiskStats, KeyspaceStats, LevelStats, MemoryStats, Stats};
pub use store::{Keys, Scan, Store, Ttl};
pub use value::{Decode, Encode, Json};
