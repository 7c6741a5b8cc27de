//! # tidekv
//!
//! A key-value store with one API over three backends, behind the same [`Store`]: `memory`
//! (sharded, TTL, snapshots), `disk` (an LSM tree: WAL, memtables, SSTables, leveled compaction)
//! and `remote` (Valkey or Redis, one server or a Cluster: [`Config::remote`]).
//!
//! - Strings and typed values (integers, `f64`, `bool`, `String`, bytes, serde types via [`Json`]).
//! - Conditional and derived writes, each atomic on every backend: [`Store::set`] with
//!   [`SetOptions`], [`Store::compare_and_swap`], [`Store::append`], [`Store::incr_by_float`],
//!   [`Store::rename`], [`Store::move_to_keyspace`].
//! - Expiry as a value ([`Expiry`]) with passive and active reclamation: [`Store::insert_with_ttl`],
//!   [`Store::expire_with`].
//! - Lists usable as job queues, with blocking pops and reliable moves: [`Store::push_back`],
//!   [`Store::blocking_pop_front`], [`Store::list_move`].
//! - Transactions (Redis `MULTI` / `EXEC`): [`Store::transaction`].
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
mod checkpoint;
mod clock;
mod codec;
mod config;
mod disk;
mod engine;
mod error;
mod expiry;
mod formats;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod glob;
mod memory;
mod number;
mod ops;
mod remote;
mod repair;
mod snapshot;
mod stats;
mod store;
#[cfg(feature = "test-util")]
pub mod test_util;
mod value;
mod verify;
mod watch;

pub use batch::WriteBatch;
/// The `bytes` crate, whose [`Bytes`] every read returns.
pub use bytes;
pub use bytes::Bytes;
pub use checkpoint::CheckpointReport;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    Compression, Config, Durability, ShardHasher, MAX_KEYSPACES, MAX_KEY_SIZE, MAX_VALUE_SIZE,
};
pub use engine::{Capabilities, KeyKind, Record, StoredValue};
pub use error::{Error, Result};
pub use expiry::{ExpireCondition, Expiry};
pub use formats::{format_versions, FormatVersion};
pub use ops::{ListInsert, SetCondition, SetOptions, SetOutcome, Side};
pub use repair::{repair_store, Dropped, RepairReport};
pub use stats::{
    BackendStats, DiskStats, KeyspaceStats, LevelStats, MemoryStats, RemoteStats, Stats,
};
pub use store::{
    BlockedPop, CompareAndSwap, Keys, Keyspace, ListEnd, Scan, ScanCursor, ScanOptions, ScanPage,
    Store, Transaction, Ttl, Watch,
};
pub use value::{Decode, Encode, Json};
pub use verify::{verify_store, FileReport, Finding, StoreFile, VerifyReport};
