//! Appending write records to a write-ahead log (a [`LogFile`] of WAL records).

use std::path::Path;
use std::sync::Arc;

use crate::disk::file_name::wal_path;
use crate::disk::fs::Fs;
use crate::disk::log_file::{LogFile, LogSyncer};
use crate::disk::wal::record::{encode_header, encode_record_in, EntryRef};
use crate::error::{Error, Result};

/// Space a log reserves past its last record whenever an append outgrows its file: an fsync
/// then records a new file size once per mebibyte of log, not once per write (`log_file.rs`).
/// What recovery reads past the last record is at most this much.
pub(crate) const RESERVE_AHEAD: u64 = 1 << 20;

/// An open write-ahead log being appended to; poisoned after any failed append or sync.
pub(crate) struct WalWriter {
    log: LogFile,
    /// The record being encoded, kept to reuse its allocation.
    buffer: Vec<u8>,
    /// The sync handle, once asked for.
    syncer: Option<Arc<LogSyncer>>,
    /// The log's length when a background fsync was last asked for (see [`Self::writeback_due`]).
    writeback_from: u64,
}

impl WalWriter {
    /// Creates log `number` in `dir` with its header, synced, its directory entry synced too.
    /// Records over `max_record` bytes are refused.
    pub(crate) fn create(
        fs: &dyn Fs,
        dir: &Path,
        number: u64,
        max_record: u32,
    ) -> Result<WalWriter> {
        let header = encode_header(number);
        let path = wal_path(dir, number);
        let log = LogFile::create(fs, &path, number, &header, max_record, RESERVE_AHEAD)?;
        let writeback_from = log.len();
        Ok(WalWriter {
            log,
            buffer: Vec::new(),
            syncer: None,
            writeback_from,
        })
    }

    /// Continues an existing log that recovery found valid up to `len` bytes.
    #[cfg(test)]
    pub(crate) fn resume(fs: &dyn Fs, path: &Path, number: u64, len: u64) -> Result<WalWriter> {
        Ok(WalWriter {
            log: LogFile::resume(fs, path, number, len)?,
            buffer: Vec::new(),
            syncer: None,
            writeback_from: len,
        })
    }

    /// Appends one record (not yet synced); returns the log's length after it.
    #[cfg(test)]
    pub(crate) fn append(&mut self, record: &crate::disk::wal::record::WalRecord) -> Result<u64> {
        let entries = record.entries.iter().map(|e| e.borrowed());
        self.append_entries(record.first_seq, entries)
    }

    /// Appends the record whose entry `i` is the `i`-th of `entries`, with sequence number
    /// `first_seq + i` (not yet synced); returns the log's length after it.
    pub(crate) fn append_entries<'a>(
        &mut self,
        first_seq: u64,
        entries: impl ExactSizeIterator<Item = EntryRef<'a>>,
    ) -> Result<u64> {
        encode_record_in(&mut self.buffer, first_seq, entries)
            .map_err(|why| Error::invalid("write", why))?;
        self.log.append_record(&mut self.buffer)
    }

    /// Makes every record appended so far durable.
    #[cfg(test)]
    pub(crate) fn sync(&mut self) -> Result<()> {
        self.log.sync()
    }

    /// Trims the space reserved past the last record and syncs: the log is whole and durable,
    /// as a log must be once a newer one exists.
    pub(crate) fn complete(&mut self) -> Result<()> {
        self.log.complete()
    }

    /// A handle that fsyncs this log from another thread (see [`LogFile::syncer`]). Made once
    /// per log and shared: group commit asks for it on every sync.
    pub(crate) fn syncer(&mut self) -> Result<Arc<LogSyncer>> {
        self.log.check()?;
        if let Some(syncer) = &self.syncer {
            return Ok(Arc::clone(syncer));
        }
        let syncer = Arc::new(self.log.syncer()?);
        self.syncer = Some(Arc::clone(&syncer));
        Ok(syncer)
    }

    /// Whether the log has grown by `every` bytes (0: never) since this last answered yes, or
    /// since the log was created: time to ask for a background fsync (`Config::wal_sync_bytes`).
    pub(crate) fn writeback_due(&mut self, every: u64) -> bool {
        let len = self.len();
        if every == 0 || len - self.writeback_from < every {
            return false;
        }
        self.writeback_from = len;
        true
    }

    /// Bytes in the log, header included.
    pub(crate) fn len(&self) -> u64 {
        self.log.len()
    }
}
