//! What a backend can promise, declared rather than signalled through odd return values.

/// What the store's backend can promise ([`crate::Store::capabilities`]). Code that must run on
/// every backend checks these instead of guessing from the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// The backend's name: `memory`, `disk` or `remote`.
    pub backend: &'static str,
    /// Scans, dumps and snapshots read one point in time (writes made while they run are not
    /// seen).
    pub point_in_time_scans: bool,
    /// An acknowledged write survives a crash of the process, as the configured
    /// [`crate::config::Durability`] says (disk); otherwise a crash loses what was not saved.
    pub survives_crashes: bool,
    /// Data survives a restart that went through `flush` or `close` (disk; memory with a
    /// snapshot path).
    pub survives_restarts: bool,
    /// [`crate::Store::compact`] reclaims space held by old and deleted data.
    pub compaction: bool,
    /// Only this process changes the data, so blocked pops and watches see every write. A
    /// backend shared with other processes serves those through its server instead.
    pub exclusive: bool,
    /// The store's [`crate::Clock`] decides when keys expire, so a test's
    /// [`crate::ManualClock`] moves expiry. On `remote` the server's clock does: the store's
    /// clock only sets the absolute times written.
    pub expiry_by_store_clock: bool,
    /// [`crate::Store::len`] never counts an expired key. On `remote` it is `DBSIZE`, which counts
    /// expired keys until the server reclaims them.
    pub exact_len: bool,
    /// The backend has keyspace 0 only (a Redis Cluster has one database): any other
    /// [`crate::Store::keyspace`] is an error.
    pub single_keyspace: bool,
    /// [`crate::Store::incr_by_float`] adds in `f64` and reads only decimal text. On `remote`
    /// the server adds (`INCRBYFLOAT`, in `long double`): `0.1` added three times reads `0.3`
    /// rather than `0.30000000000000004`, and hexadecimal text is a number. A result beyond
    /// `f64` is [`crate::Error::NotFinite`] everywhere.
    pub f64_float_increments: bool,
    /// [`crate::Store::stats`] counts the bytes of each keyspace's keys and values (memory). The
    /// disk backend does not (it would make every overwrite read the old value's size), nor does
    /// a server per database: both report 0.
    pub counts_bytes: bool,
}
