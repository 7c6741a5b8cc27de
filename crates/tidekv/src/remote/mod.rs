//! The remote backend: a store on Valkey or Redis (7.0 or newer), one server or a Cluster,
//! through the `redis` crate (its multiplexed connection manager, its Cluster client, rustls).
//!
//! Every `Store` call becomes the Redis command with the same meaning (`docs/backends.md` maps
//! them one by one); a read-modify-write with no single command is an optimistic `WATCH` /
//! `MULTI` / `EXEC` transaction (`tx.rs`). What the backend cannot promise is declared in its
//! [`crate::Capabilities`]: scans do not see one point in time, the server's clock judges
//! expiry, `len` is `DBSIZE` (which counts expired keys the server has not reclaimed yet), and a
//! Cluster has one keyspace.
//!
//! Expiry times stay absolute, as everywhere in tidekv: they are sent with `PXAT` / `PEXPIREAT`
//! and read with `PEXPIRETIME`, shifted by the offset between the store's clock and the server's
//! (`TIME`, measured at open). A TTL therefore means the same span on the server whatever the
//! two clocks read.

mod addresses;
mod blocking;
mod bridge;
mod connections;
mod contract;
mod edit_string;
mod engine;
mod errors;
mod incr_float;
mod load;
mod native;
mod native_lists;
mod pop_future;
mod read_key;
mod scan;
mod slots;
mod sorted_keys;
mod stats;
mod sync_pool;
mod tls;
mod tx;
mod tx_view;

pub(crate) use engine::RemoteEngine;
