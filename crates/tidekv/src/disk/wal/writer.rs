//! Appending records to a log.
//!
//! After a failed append or sync the writer is poisoned and refuses everything: a failed append may
//! have left part of a record in the file, and a failed fsync may have dropped pages the kernel
//! already reported written. Going on would put acknowledged records after damage that recovery
//! must treat as corruption. The engine then stops accepting writes instead of pretending.

use std::path::{Path, PathBuf};

use crate::disk::file_name::wal_path;
use crate::disk::fs::{Fs, WritableFile};
use crate::disk::wal::record::{encode_header, encode_record, WalRecord, HEADER_LEN};
use crate::error::{Error, Result};

/// An open log being appended to.
pub(crate) struct WalWriter {
    file: Box<dyn WritableFile>,
    path: PathBuf,
    len: u64,
    poisoned: bool,
}

impl WalWriter {
    /// Creates log `number` in `dir` with its header, synced, its directory entry synced too.
    pub(crate) fn create(fs: &dyn Fs, dir: &Path, number: u64) -> Result<WalWriter> {
        let path = wal_path(dir, number);
        let io = |what: &str, e| Error::io(format!("{what} {}", path.display()), e);
        let mut file = fs.create(&path).map_err(|e| io("creating", e))?;
        file.append(&encode_header(number))
            .map_err(|e| io("writing", e))?;
        file.sync().map_err(|e| io("syncing", e))?;
        fs.sync_dir(dir)
            .map_err(|e| io("syncing the directory of", e))?;
        Ok(WalWriter {
            file,
            path,
            len: HEADER_LEN as u64,
            poisoned: false,
        })
    }

    /// Continues an existing log that recovery found valid up to `len` bytes.
    pub(crate) fn resume(fs: &dyn Fs, path: &Path, len: u64) -> Result<WalWriter> {
        let file = fs
            .append_to(path)
            .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        Ok(WalWriter {
            file,
            path: path.to_path_buf(),
            len,
            poisoned: false,
        })
    }

    /// Appends one record (not yet synced); returns the log's length after it.
    pub(crate) fn append(&mut self, record: &WalRecord) -> Result<u64> {
        self.check()?;
        let bytes = encode_record(record).map_err(|why| Error::invalid("write", why))?;
        if let Err(e) = self.file.append(&bytes) {
            self.poisoned = true;
            return Err(Error::io(
                format!("appending to {}", self.path.display()),
                e,
            ));
        }
        self.len += bytes.len() as u64;
        Ok(self.len)
    }

    /// Makes every record appended so far durable.
    pub(crate) fn sync(&mut self) -> Result<()> {
        self.check()?;
        self.file.sync().map_err(|e| {
            self.poisoned = true;
            Error::io(format!("syncing {}", self.path.display()), e)
        })
    }

    /// Bytes in the log, header included.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn check(&self) -> Result<()> {
        if self.poisoned {
            return Err(Error::io(
                format!("writing {}", self.path.display()),
                std::io::Error::other("an earlier write or sync of this log failed; the store refuses writes until reopened"),
            ));
        }
        Ok(())
    }
}
