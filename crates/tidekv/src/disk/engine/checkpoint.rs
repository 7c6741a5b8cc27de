//! A checkpoint of the disk engine: a copy of the live store in a new directory that opens as a
//! store, holding every write made before the call (`Store::checkpoint`).
//!
//! It holds what a crash at one instant would leave, minus any torn tail:
//! 1. **Pin**, under the writer lock and then the version lock (the order every other path takes
//!    them in): the current version, the manifest's log number, every log at or above it opened
//!    for reading, and the length of the active log. A write appends its whole record under the
//!    writer lock before it is acknowledged, so every write acknowledged before the call lies in
//!    those bytes, and the active log is cut at a record boundary. The version's [`TableFile`]s
//!    keep its table files (a table's file is deleted only when its last handle drops), and an
//!    open log keeps reading after a flush removes its name. The locks are held for a directory
//!    listing and a few opens, not for the copying: writes, flushes and compactions go on.
//! 2. **Copy**, into the temporary directory (`crate::checkpoint`): each table hard linked (tables
//!    never change once written; copied where the file system cannot link), each log copied up to
//!    its pinned length, all synced; then a manifest naming exactly the pinned version and log
//!    number, and `CURRENT`.
//! 3. **Name**: the directory is synced, renamed into place and its parent synced.
//!
//! Opening the checkpoint replays its logs over its tables as any open after a crash does.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::Inner;
use crate::checkpoint::{self, CheckpointReport};
use crate::disk::file_name::{parse_wal, table_path, wal_path};
use crate::disk::fs::{Fs, RandomAccessFile};
use crate::disk::version::edit::VersionEdit;
use crate::disk::version::manifest::ManifestWriter;
use crate::disk::version::set::{TableFile, Version};
use crate::error::{Error, Result};

/// Bytes read and written per step of a copy.
const COPY_CHUNK: u64 = 1 << 20;

/// What step 1 pins.
struct Pinned {
    version: Arc<Version>,
    log_number: u64,
    /// Logs at or above `log_number`, oldest first: number, open file, bytes to copy.
    logs: Vec<(u64, Arc<dyn RandomAccessFile>, u64)>,
    last_seq: u64,
    next_file: u64,
}

impl Inner {
    /// Writes a checkpoint of the store into the new directory `dir` (see the module docs).
    pub(crate) fn checkpoint(&self, dir: &Path) -> Result<CheckpointReport> {
        // `close` waits for this to finish, and stops it at its next check.
        let _job = self.lifecycle.jobs.read();
        self.check_not_stopping()?;
        if dir.starts_with(&self.dir) {
            return Err(Error::invalid(
                "checkpoint directory",
                format!(
                    "{} is inside the store's own directory {}",
                    dir.display(),
                    self.dir.display()
                ),
            ));
        }
        let tmp = checkpoint::begin(self.fs.as_ref(), dir)?;
        let written = self
            .write_checkpoint(&tmp)
            .and_then(|report| checkpoint::finish(self.fs.as_ref(), &tmp, dir).map(|()| report));
        match written {
            Ok(report) => Ok(CheckpointReport {
                dir: dir.to_path_buf(),
                ..report
            }),
            Err(e) => {
                checkpoint::abandon(self.fs.as_ref(), &tmp);
                Err(e)
            }
        }
    }

    /// Step 1 of the module docs.
    fn pin(&self) -> Result<Pinned> {
        let writer = self.writer.lock();
        let versions = self.versions.lock();
        let current = self.current();
        let files = self
            .fs
            .list(&self.dir)
            .map_err(|e| Error::io(format!("listing {}", self.dir.display()), e))?;
        let mut numbers: Vec<u64> = files
            .iter()
            .filter_map(|p| parse_wal(p))
            .filter(|&n| n >= versions.log_number)
            .collect();
        numbers.sort_unstable();
        let mut logs = Vec::with_capacity(numbers.len());
        for number in numbers {
            let path = wal_path(&self.dir, number);
            let file = self
                .fs
                .open_read(&path)
                .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
            // Older logs are complete (trimmed and synced before a newer one was created);
            // the active one may have space reserved past its last record.
            let len = if number == current.mem_log {
                writer.wal.len()
            } else {
                file.len()
            };
            logs.push((number, file, len));
        }
        Ok(Pinned {
            version: Arc::clone(&current.version),
            log_number: versions.log_number,
            logs,
            last_seq: writer.last_seq,
            next_file: self.next_file.load(Ordering::Relaxed),
        })
    }

    /// Steps 1 and 2 of the module docs, into `tmp`.
    fn write_checkpoint(&self, tmp: &Path) -> Result<CheckpointReport> {
        let pinned = self.pin()?;
        let mut report = CheckpointReport::default();
        for table in pinned.version.tables() {
            self.check_not_stopping()?;
            self.place_table(table, tmp, &mut report)?;
        }
        for (number, file, len) in &pinned.logs {
            self.check_not_stopping()?;
            copy(
                self.fs.as_ref(),
                file.as_ref(),
                *len,
                &wal_path(tmp, *number),
            )?;
            report.files_copied += 1;
            report.bytes_copied += len;
        }
        let snapshot = VersionEdit {
            log_number: Some(pinned.log_number),
            next_file: Some(pinned.next_file + 1),
            last_sequence: Some(pinned.last_seq),
            ..pinned.version.snapshot_edit()
        };
        ManifestWriter::create(self.fs.as_ref(), tmp, pinned.next_file, &snapshot)?;
        Ok(report)
    }

    /// Links `table` into `tmp`, or copies it where the file system cannot link it.
    fn place_table(
        &self,
        table: &Arc<TableFile>,
        tmp: &Path,
        report: &mut CheckpointReport,
    ) -> Result<()> {
        let to = table_path(tmp, table.meta.number);
        let from = table.path();
        match self.fs.hard_link(from, &to) {
            Ok(()) => {
                report.files_linked += 1;
                report.bytes_linked += table.meta.size;
                return Ok(());
            }
            // Never copy onto a name that exists: it may be a link to the store's own file, and
            // creating the copy would truncate it. (The temporary directory starts empty, and a
            // version names each table once, so this does not happen.)
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(Error::io(format!("linking {}", to.display()), e))
            }
            // Another device, or a file system without links: copy instead.
            Err(_) => {}
        }
        let file = self
            .fs
            .open_read(from)
            .map_err(|e| Error::io(format!("opening {}", from.display()), e))?;
        copy(self.fs.as_ref(), file.as_ref(), table.meta.size, &to)?;
        report.files_copied += 1;
        report.bytes_copied += table.meta.size;
        Ok(())
    }
}

/// Copies the first `len` bytes of `from` into a new file `to`, synced.
fn copy(fs: &dyn Fs, from: &dyn RandomAccessFile, len: u64, to: &Path) -> Result<()> {
    let io = |what: &str, e| Error::io(format!("{what} {}", to.display()), e);
    let mut out = fs.create(to).map_err(|e| io("creating", e))?;
    let mut offset = 0;
    while offset < len {
        let step = (len - offset).min(COPY_CHUNK);
        // `step` is at most `COPY_CHUNK`, which fits any usize this crate builds for.
        let bytes = from
            .read_at(offset, step as usize)
            .map_err(|e| io("reading the source of", e))?;
        out.append(&bytes).map_err(|e| io("writing", e))?;
        offset += step;
    }
    out.sync().map_err(|e| io("syncing", e))
}
