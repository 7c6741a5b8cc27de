//! What a backend can promise, declared rather than signalled through odd return values.

/// What the store's backend can promise ([`crate::Store::capabilities`]). Code that must run on
/// every backend checks these instead of guessing from the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// The backend's name: `memory` or `disk`.
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
}
