//! [`Store`]: the one public API over every backend.
//!
//! The store validates every argument before an engine sees it (key and value sizes, TTLs, keyspace
//! numbers), turns typed values into bytes, and implements blocking pops once for all engines.
//! Its methods are grouped by family, one file each.

mod blocking;
mod expiry;
mod handle;
mod lists;
mod multi;
mod persistence;
mod scan;
mod strings;

pub use expiry::Ttl;
pub use handle::Store;
pub use scan::{Keys, Scan};
