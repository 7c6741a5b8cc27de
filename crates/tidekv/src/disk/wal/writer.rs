//! Appending write records to a write-ahead log (a [`LogFile`] of WAL records).

use std::path::Path;

use crate::disk::file_name::wal_path;
use crate::disk::fs::{FileSyncer, Fs};
use crate::disk::log_file::LogFile;
use crate::disk::wal::record::{encode_header, encode_record, WalRecord};
use crate::error::{Error, Result};

/// An open write-ahead log being appended to; poisoned after any failed append or sync.
pub(crate) struct WalWriter {
    log: LogFile,
}

impl WalWriter {
    /// Creates log `number` in `dir` with its header, synced, its directory entry synced too.
    pub(crate) fn create(fs: &dyn Fs, dir: &Path, number: u64) -> Result<WalWriter> {
        let log = LogFile::create(fs, &wal_path(dir, number), &encode_header(number))?;
        Ok(WalWriter { log })
    }

    /// Continues an existing log that recovery found valid up to `len` bytes.
    #[cfg(test)]
    pub(crate) fn resume(fs: &dyn Fs, path: &Path, len: u64) -> Result<WalWriter> {
        Ok(WalWriter {
            log: LogFile::resume(fs, path, len)?,
        })
    }

    /// Appends one record (not yet synced); returns the log's length after it.
    pub(crate) fn append(&mut self, record: &WalRecord) -> Result<u64> {
        let bytes = encode_record(record).map_err(|why| Error::invalid("write", why))?;
        self.log.append(&bytes)
    }

    /// Makes every record appended so far durable.
    pub(crate) fn sync(&mut self) -> Result<()> {
        self.log.sync()
    }

    /// A handle that fsyncs this log from another thread (see [`LogFile::syncer`]).
    pub(crate) fn syncer(&self) -> Result<Box<dyn FileSyncer>> {
        self.log.syncer()
    }

    /// Bytes in the log, header included.
    pub(crate) fn len(&self) -> u64 {
        self.log.len()
    }
}
