//! [`Store`] and [`Keyspace`]: the one public API over every backend. A `Store` holds the
//! whole-store operations and dereferences to the `Keyspace` of keyspace 0, which holds the
//! per-key ones.
//!
//! The store validates every argument before an engine sees it (key and value sizes, TTLs, keyspace
//! numbers), turns typed values into bytes, and implements blocking pops once for all engines.
//! Its methods are grouped by family, one file each.

mod blocked_pop;
mod blocking;
mod cursor_scan;
mod expiry;
mod handle;
mod keys;
mod keyspace;
mod list_edits;
mod lists;
mod multi;
mod persistence;
mod scan;
mod snapshot_file;
mod string_edits;
mod strings;
mod transaction;
mod transaction_lists;
mod typed;
mod waiters;
mod watch;

pub use blocked_pop::BlockedPop;
pub use cursor_scan::{ScanCursor, ScanOptions, ScanPage};
pub use expiry::Ttl;
pub use handle::Store;
pub use keyspace::Keyspace;
pub use list_edits::ListEnd;
pub(crate) use scan::prefix_end;
pub use scan::{Keys, Scan};
pub use string_edits::CompareAndSwap;
pub use transaction::Transaction;
pub use watch::Watch;
