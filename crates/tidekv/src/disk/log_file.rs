//! Appending framed records to a log file (the write-ahead log and the manifest).
//!
//! After a failed append or sync the log is poisoned and refuses everything: a failed append may
//! have left part of a record in the file, and a failed fsync may have dropped pages the kernel
//! already reported written. Going on would put acknowledged records after damage that recovery
//! must treat as corruption. The engine then stops accepting writes instead of pretending.

use std::path::{Path, PathBuf};

use crate::disk::fs::{FileSyncer, Fs, WritableFile};
use crate::error::{Error, Result};

/// An open log being appended to.
pub(crate) struct LogFile {
    file: Box<dyn WritableFile>,
    path: PathBuf,
    len: u64,
    poisoned: bool,
}

impl LogFile {
    /// Creates `path` holding `header`, synced, with its directory entry synced too.
    pub(crate) fn create(fs: &dyn Fs, path: &Path, header: &[u8]) -> Result<LogFile> {
        let io = |what: &str, e| Error::io(format!("{what} {}", path.display()), e);
        let mut file = fs.create(path).map_err(|e| io("creating", e))?;
        file.append(header).map_err(|e| io("writing", e))?;
        file.sync().map_err(|e| io("syncing", e))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        fs.sync_dir(dir)
            .map_err(|e| io("syncing the directory of", e))?;
        Ok(LogFile {
            file,
            path: path.to_path_buf(),
            len: header.len() as u64,
            poisoned: false,
        })
    }

    /// Continues an existing log that recovery found valid up to `len` bytes.
    #[cfg(test)]
    pub(crate) fn resume(fs: &dyn Fs, path: &Path, len: u64) -> Result<LogFile> {
        let file = fs
            .append_to(path)
            .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        Ok(LogFile {
            file,
            path: path.to_path_buf(),
            len,
            poisoned: false,
        })
    }

    /// Appends framed bytes (not yet synced); returns the log's length after them.
    pub(crate) fn append(&mut self, framed: &[u8]) -> Result<u64> {
        self.check()?;
        if let Err(e) = self.file.append(framed) {
            self.poisoned = true;
            return Err(Error::io(
                format!("appending to {}", self.path.display()),
                e,
            ));
        }
        self.len += framed.len() as u64;
        Ok(self.len)
    }

    /// Makes everything appended so far durable.
    pub(crate) fn sync(&mut self) -> Result<()> {
        self.check()?;
        self.file.sync().map_err(|e| {
            self.poisoned = true;
            Error::io(format!("syncing {}", self.path.display()), e)
        })
    }

    /// A handle that fsyncs this log from another thread while appends go on (group commit).
    /// A failure through it must be treated like a failed [`LogFile::sync`]: the caller stops
    /// writing to this log.
    pub(crate) fn syncer(&self) -> Result<Box<dyn FileSyncer>> {
        self.check()?;
        self.file.syncer().map_err(|e| {
            Error::io(
                format!("opening a sync handle on {}", self.path.display()),
                e,
            )
        })
    }

    /// Bytes in the log, header included.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// `Err` once an append or sync of this log has failed (see the type's docs).
    pub(crate) fn check(&self) -> Result<()> {
        if self.poisoned {
            return Err(Error::io(
                format!("writing {}", self.path.display()),
                std::io::Error::other(
                    "an earlier write or sync of this log failed; the store refuses writes until reopened",
                ),
            ));
        }
        Ok(())
    }
}
