//! Appending framed records to a log file (the write-ahead log and the manifest).
//!
//! Each record is sealed with its file's number and a *witness*: how many bytes of the file a
//! completed fsync had made durable when the record was appended (`log_frame.rs`, and the
//! recovery rule in `docs/format/wal.md`). The log tracks that length as syncs complete, through
//! its own `sync` or through a [`LogSyncer`] running on another thread (group commit).
//!
//! A log may reserve space ahead of its appends (the write-ahead log does, `reserve_ahead`): its
//! file is then longer than its records, the rest zeros, so that the fsync of a record does not
//! also have to record a new file size. Recovery cuts zeros after the last record off the newest
//! log, and [`LogFile::complete`] trims them before a newer log exists, so that every older log
//! ends at its last record (`docs/format/wal.md`).
//!
//! After a failed append or sync the log is poisoned and refuses everything — appends, syncs and
//! syncs through a [`LogSyncer`] alike: a failed append may have left part of a record in the
//! file, and after a failed fsync the kernel may have dropped pages it had reported written, so a
//! later fsync that "succeeds" proves nothing about them (the PostgreSQL fsync lesson). Going on
//! would acknowledge records behind damage. The engine stops accepting writes instead.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crate::disk::file_name::creating_path;
use crate::disk::fs::{FileSyncer, Fs, WritableFile};
use crate::disk::log_frame;
use crate::error::{Error, Result};

/// What a log shares with its syncers.
#[derive(Debug)]
struct Shared {
    path: PathBuf,
    poisoned: AtomicBool,
    /// Bytes known durable: the length covered by the last completed sync.
    durable: AtomicU64,
}

impl Shared {
    fn check(&self) -> Result<()> {
        if self.poisoned.load(Ordering::Acquire) {
            return Err(Error::io(
                format!("writing {}", self.path.display()),
                std::io::Error::other(
                    "an earlier write or sync of this log failed; the store refuses writes until \
                     reopened",
                ),
            ));
        }
        Ok(())
    }

    /// Runs `sync`, which covers `len` bytes; poisons the log if it fails.
    fn sync_through(&self, len: u64, sync: impl FnOnce() -> std::io::Result<()>) -> Result<()> {
        self.check()?;
        match sync() {
            Ok(()) => {
                self.durable.fetch_max(len, Ordering::AcqRel);
                Ok(())
            }
            Err(e) => {
                self.poisoned.store(true, Ordering::Release);
                Err(Error::io(format!("syncing {}", self.path.display()), e))
            }
        }
    }
}

/// An open log being appended to.
pub(crate) struct LogFile {
    file: Box<dyn WritableFile>,
    number: u64,
    len: u64,
    /// The file's length: `len`, or more while space is reserved ahead of the appends.
    reserved: u64,
    /// How far past an append that outgrows `reserved` to reserve (0: never).
    reserve_ahead: u64,
    /// The largest record payload accepted.
    max_record: u32,
    shared: Arc<Shared>,
}

/// Syncs a [`LogFile`] from another thread while appends go on.
pub(crate) struct LogSyncer {
    syncer: Box<dyn FileSyncer>,
    shared: Arc<Shared>,
}

impl LogSyncer {
    /// Makes durable every byte appended before this call; `len` is the log's length when the
    /// caller read it (under the lock that orders appends), which the sync then covers.
    pub(crate) fn sync_through(&self, len: u64) -> Result<()> {
        self.shared.sync_through(len, || self.syncer.sync())
    }
}

impl LogFile {
    /// Creates log file `number` at `path` holding `header`, synced, with its directory entry
    /// synced too. Records larger than `max_record` bytes are refused. An append that would
    /// outgrow the file reserves `reserve_ahead` bytes past its end (0: none).
    pub(crate) fn create(
        fs: &dyn Fs,
        path: &Path,
        number: u64,
        header: &[u8],
        max_record: u32,
        reserve_ahead: u64,
    ) -> Result<LogFile> {
        let io = |what: &str, e| Error::io(format!("{what} {}", path.display()), e);
        // Written under a temporary name and renamed once its header is durable: a log under its
        // own name always begins with a synced header, so a header that does not read back is
        // damage, never a log that a power cut caught being born. What such a cut leaves is a
        // `.tmp` file, which open removes.
        let creating = creating_path(path);
        let mut file = fs.create(&creating).map_err(|e| io("creating", e))?;
        file.append(header).map_err(|e| io("writing", e))?;
        file.sync().map_err(|e| io("syncing", e))?;
        fs.rename(&creating, path).map_err(|e| io("naming", e))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        fs.sync_dir(dir)
            .map_err(|e| io("syncing the directory of", e))?;
        let len = header.len() as u64;
        Ok(LogFile {
            file,
            number,
            len,
            reserved: len,
            reserve_ahead,
            max_record,
            shared: Arc::new(Shared {
                path: path.to_path_buf(),
                poisoned: AtomicBool::new(false),
                durable: AtomicU64::new(len),
            }),
        })
    }

    /// Continues an existing log that recovery found valid (and durable) up to `len` bytes.
    #[cfg(test)]
    pub(crate) fn resume(fs: &dyn Fs, path: &Path, number: u64, len: u64) -> Result<LogFile> {
        let file = fs
            .append_to(path)
            .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        Ok(LogFile {
            file,
            number,
            len,
            reserved: len,
            reserve_ahead: 0,
            max_record: log_frame::MAX_PAYLOAD,
            shared: Arc::new(Shared {
                path: path.to_path_buf(),
                poisoned: AtomicBool::new(false),
                durable: AtomicU64::new(len),
            }),
        })
    }

    /// Seals the record in `framed` (made by [`log_frame::begin`], payload written after the
    /// frame) with this log's number and witness, and appends it (not yet synced); returns the
    /// log's length after it. A record over the size limit changes nothing.
    pub(crate) fn append_record(&mut self, framed: &mut [u8]) -> Result<u64> {
        self.shared.check()?;
        let durable = self.shared.durable.load(Ordering::Acquire);
        log_frame::seal(framed, self.number, durable, self.max_record)
            .map_err(|why| Error::invalid("write", why))?;
        let end = self.len + framed.len() as u64;
        if self.reserve_ahead > 0 && end > self.reserved {
            let reserved = end + self.reserve_ahead;
            let reserve = self.file.reserve(reserved);
            self.poison_on("reserving space in", reserve)?;
            self.reserved = reserved;
        }
        let append = self.file.append(framed);
        self.poison_on("appending to", append)?;
        self.len = end;
        Ok(self.len)
    }

    /// Trims the reserved space off and syncs: the file ends at its last record and all of it
    /// is durable. Called before a newer log is created (an older log must be whole).
    pub(crate) fn complete(&mut self) -> Result<()> {
        if self.reserved > self.len {
            let trim = self.file.trim(self.len);
            self.poison_on("trimming", trim)?;
            self.reserved = self.len;
        }
        self.sync()
    }

    /// `result`, with the log poisoned if it is an error (see the module docs).
    fn poison_on(&self, what: &str, result: std::io::Result<()>) -> Result<()> {
        result.map_err(|e| {
            self.shared.poisoned.store(true, Ordering::Release);
            Error::io(format!("{what} {}", self.shared.path.display()), e)
        })
    }

    /// Makes everything appended so far durable.
    pub(crate) fn sync(&mut self) -> Result<()> {
        let (len, file) = (self.len, &mut self.file);
        self.shared.sync_through(len, || file.sync())
    }

    /// A handle that fsyncs this log from another thread while appends go on (group commit).
    /// A failure through it poisons this log as a failed [`LogFile::sync`] does.
    pub(crate) fn syncer(&self) -> Result<LogSyncer> {
        self.shared.check()?;
        let syncer = self.file.syncer().map_err(|e| {
            Error::io(
                format!("opening a sync handle on {}", self.shared.path.display()),
                e,
            )
        })?;
        Ok(LogSyncer {
            syncer,
            shared: Arc::clone(&self.shared),
        })
    }

    /// Bytes in the log, header included.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// `Err` once an append or sync of this log has failed (see the module docs).
    pub(crate) fn check(&self) -> Result<()> {
        self.shared.check()
    }
}
