//! Flushing: the oldest frozen memtable becomes a level-0 table, then leaves the sources, in one
//! atomic change (manifest edit first, then the new sources).
//!
//! Order of events, and why it is crash-safe: the table is written and synced, the directory
//! synced, then the manifest edit that adds it and advances `log_number` past the memtable's log
//! is appended and synced; only then is the log deleted. A crash before the edit leaves an orphan
//! table (deleted on open) and the log (replayed); after it, the table is in the version and the
//! log is not needed.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::edits::Retire;
use super::merge::mem_source;
use super::table_output::{Retention, TableSink};
use super::Inner;
use crate::disk::file_name::wal_path;
use crate::disk::version::edit::VersionEdit;
use crate::error::Result;

impl Inner {
    /// Flushes the oldest frozen memtable. Returns `false` if there was none.
    pub(crate) fn flush_oldest(&self) -> Result<bool> {
        let view = self.retention_view();
        let sources = Arc::clone(&view.sources);
        let Some((imm, log)) = sources.imms.last().cloned() else {
            return Ok(false);
        };
        // `rotate` seals what it freezes; the memtable a reopen replayed is sealed here.
        imm.seal();
        // Every table is older than the memtable: all of them may hold older versions.
        let mut retention = Retention::new(view, &sources.version.levels, 0);
        let mut sink =
            TableSink::new(self, 0, u64::MAX).caching_blocks(self.fills_cache_on_flush());
        let mut entries = mem_source(Arc::clone(&imm), b"");
        while let Some((key, value)) = entries.next_entry()? {
            if retention.keep(&key, &value)? {
                sink.add(&key, &value)?;
            }
        }
        let tables = sink.finish()?;
        let written: u64 = tables.iter().map(|t| t.meta.size).sum();

        let mut versions = self.versions.lock();
        let current = self.current();
        // The oldest log still needed: the next frozen memtable's, or the active one's.
        let next_log = current
            .imms
            .iter()
            .rev()
            .map(|(_, n)| *n)
            .find(|&n| n > log)
            .unwrap_or(current.mem_log);
        let edit = VersionEdit {
            log_number: Some(next_log),
            ..VersionEdit::default()
        };
        if !self.commit_edit(&mut versions, edit, &tables, Retire::Frozen(&imm))? {
            // A snapshot load replaced the store (and this memtable) meanwhile.
            tables.iter().for_each(|t| t.mark_obsolete());
            return Ok(true);
        }
        drop(versions);
        // Every write of the log is in a table now. A log that cannot be removed is below
        // `log_number`: the next open ignores it and removes it.
        let _ = self.fs.remove(&wal_path(&self.dir, log));
        self.counters.flushes.fetch_add(1, Ordering::Relaxed);
        self.counters
            .flush_bytes
            .fetch_add(written, Ordering::Relaxed);
        Ok(true)
    }
}
