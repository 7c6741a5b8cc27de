//! Loading a snapshot (`Store::load_snapshot`): stream the records into a scratch store, then swap
//! its tables in for everything this store holds with one manifest edit.
//!
//! Why a scratch store: a load replaces the whole store and must be all or nothing, at any size.
//! As one log record it would be bounded by memory and by the record size limit; as many records it
//! would not be atomic. Written into a private store in a scratch directory (`NNNNNN.load`), the
//! records are sorted, deduplicated and compacted by the LSM machinery itself, in bounded memory
//! (a memtable at a time), whatever order the snapshot holds them in. Then:
//!
//! 1. the scratch store is compacted into its last level and closed (its tables are synced);
//! 2. under the compaction lock and the writer lock, this store's memtable is frozen behind a
//!    synced log switch, the scratch tables are renamed into this directory under fresh numbers
//!    and the directory is synced;
//! 3. **commit point**: one manifest edit removes every table, adds the scratch tables to the
//!    last level and moves the log number past every log that holds writes from before the load;
//! 4. the new sources are installed (an empty memtable, no frozen ones), old tables go when their
//!    readers are done, old logs are removed, and so is the scratch directory.
//!
//! A failure or a crash before step 3 leaves this store exactly as it was: the renamed tables are
//! orphans and the scratch directory is removed on the next open. After step 3 the store is the
//! snapshot. Writes that raced with the load were acknowledged before its commit point, and the load
//! replaces them — as if they had come just before it.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;

use super::edits::Retire;
use super::{open_with_fs, DiskEngine, Inner};
use crate::disk::cell::Cell;
use crate::disk::file_name::{load_dir_path, parse_wal, table_path};
use crate::disk::version::edit::VersionEdit;
use crate::disk::version::set::{TableFile, LEVELS};
use crate::engine::{End, Record, StoredValue};
use crate::error::{Error, Result};

/// Bytes of records written to the scratch store per log record (and at most a quarter of the
/// record size limit): large enough that a record's fixed costs vanish, small enough that no
/// snapshot, however large, comes near the limit.
const BATCH_BYTES: usize = 1 << 20;

/// Bookkeeping bytes counted per op on top of its key and value, so many tiny records still make a
/// batch stay below the record limit.
const OP_OVERHEAD: usize = 64;

impl Inner {
    /// Replaces every keyspace's contents with `records`, atomically: if `records` fails (or the
    /// store is closed meanwhile), nothing changes. Expired records are skipped.
    pub(crate) fn load(&self, records: &mut dyn Iterator<Item = Result<Record>>) -> Result<()> {
        let _job = self.lifecycle.jobs.read();
        self.check_not_stopping()?;
        self.check_healthy()?;
        let scratch_dir = load_dir_path(&self.dir, self.new_file_number());
        let result = self.load_through(&scratch_dir, records);
        // The tables were moved in, or the load failed: what is left is garbage either way (and
        // the next open removes it if this fails).
        let _ = self.fs.remove_dir_all(&scratch_dir);
        result
    }

    fn load_through(
        &self,
        scratch_dir: &Path,
        records: &mut dyn Iterator<Item = Result<Record>>,
    ) -> Result<()> {
        let scratch = self.open_scratch(scratch_dir)?;
        let filled = self.fill(&scratch, records).and_then(|()| {
            scratch.inner.compact_all()?;
            let sources = scratch.inner.current();
            let tables = sources.version.levels[LEVELS - 1].clone();
            let elsewhere = sources.version.levels[..LEVELS - 1]
                .iter()
                .any(|level| !level.is_empty());
            if elsewhere || !sources.mem.is_empty() || !sources.imms.is_empty() {
                return Err(Error::invalid(
                    "snapshot",
                    "the scratch store did not compact into one level",
                ));
            }
            Ok((tables, scratch.inner.writer.lock().last_seq))
        });
        let closed = crate::engine::Engine::close(&scratch);
        let (tables, last_seq) = filled?;
        closed?;
        self.adopt(&tables, last_seq)
    }

    /// A private store in `dir` on this store's file system, for nobody else.
    fn open_scratch(&self, dir: &Path) -> Result<DiskEngine> {
        let mut options = self.options.clone();
        options.path = dir.to_path_buf();
        options.truncate = false;
        // Durability comes from the tables synced by its compaction, not from its log.
        options.durability = crate::config::Durability::Buffered;
        options.block_cache_size = options.block_cache_size.min(4 << 20);
        open_with_fs(Arc::clone(&self.fs), &options, Arc::clone(&self.clock))
    }

    /// Writes `records` into `scratch` in batches of bounded size.
    fn fill(
        &self,
        scratch: &DiskEngine,
        records: &mut dyn Iterator<Item = Result<Record>>,
    ) -> Result<()> {
        let limit = BATCH_BYTES.min(self.options.max_record_bytes as usize / 4);
        let mut batch = Batch {
            scratch,
            ks: 0,
            ops: Vec::new(),
            bytes: 0,
            limit,
        };
        for record in records {
            let record = record?;
            if record.expires_at.is_some_and(|at| at <= self.now()) {
                continue;
            }
            if record.keyspace != batch.ks {
                batch.write()?;
                batch.ks = record.keyspace;
                self.check_not_stopping()?;
            }
            let key = record.key;
            match record.value {
                StoredValue::String(value) => {
                    let size = key.len() + value.len();
                    batch.push(
                        LoadOp::Put {
                            key,
                            value,
                            expires_at: record.expires_at,
                        },
                        size,
                    )?;
                }
                StoredValue::List(items) => {
                    // A list replaces whatever the snapshot put under the key before.
                    batch.push(LoadOp::Remove { key: key.clone() }, key.len())?;
                    let mut chunk: Vec<Bytes> = Vec::new();
                    let mut chunk_bytes = 0;
                    for item in items {
                        chunk_bytes += item.len() + OP_OVERHEAD;
                        chunk.push(item);
                        if chunk_bytes >= limit / 2 {
                            let values = std::mem::take(&mut chunk);
                            batch.push_list(&key, values, chunk_bytes)?;
                            chunk_bytes = 0;
                        }
                    }
                    if !chunk.is_empty() {
                        batch.push_list(&key, chunk, chunk_bytes)?;
                    }
                    if let Some(at) = record.expires_at {
                        batch.push(
                            LoadOp::Expire {
                                key: key.clone(),
                                expires_at: at,
                            },
                            key.len(),
                        )?;
                    }
                }
            }
            if batch.bytes >= limit {
                batch.write()?;
                self.check_not_stopping()?;
            }
        }
        batch.write()
    }

    /// Steps 2–4 of the module docs: swaps `tables` (closed scratch tables, the whole snapshot,
    /// with sequence numbers up to `last_seq`) in for everything this store holds.
    fn adopt(&self, tables: &[Arc<TableFile>], last_seq: u64) -> Result<()> {
        let _one_at_a_time = self.compaction.lock();
        let mut writer = self.writer.lock();
        if writer.sealed {
            return Err(Error::Closed);
        }
        self.check_not_stopping()?;
        // Every write so far goes into a synced log older than the one writes continue in.
        self.rotate(&mut writer)?;
        let log = self.current().mem_log;
        let mut opened = Vec::with_capacity(tables.len());
        for table in tables {
            let number = self.new_file_number();
            let to = table_path(&self.dir, number);
            let from = table.path();
            self.fs.rename(from, &to).map_err(|e| {
                Error::io(format!("moving {} to {}", from.display(), to.display()), e)
            })?;
            let mut meta = table.meta.clone();
            meta.number = number;
            let adopted = self.open_table(meta);
            match adopted {
                Ok(table) => opened.push(table),
                Err(e) => {
                    opened
                        .iter()
                        .for_each(|t: &Arc<TableFile>| t.mark_obsolete());
                    return Err(e);
                }
            }
        }
        let result = self
            .fs
            .sync_dir(&self.dir)
            .map_err(|e| Error::io(format!("syncing directory {}", self.dir.display()), e))
            .and_then(|()| {
                // Sequence numbers go on above both stores' (loaded versions are older than any
                // later write, and list versions stay unique).
                writer.last_seq = writer.last_seq.max(last_seq);
                // The adopted tables carry their own key counts.
                writer.counts.clear();
                writer.count_changes.clear();
                writer.pending.clear();
                self.publish(writer.last_seq);
                self.watches.touch_all(None);
                let mut versions = self.versions.lock();
                let old: Vec<Arc<TableFile>> = self.current().version.tables().cloned().collect();
                let edit = VersionEdit {
                    removed: old.iter().map(|t| (t.meta.level, t.meta.number)).collect(),
                    log_number: Some(log),
                    ..VersionEdit::default()
                };
                self.commit_edit(&mut versions, edit, &opened, Retire::All { log })?;
                Ok(old)
            });
        let old = match result {
            Ok(old) => old,
            Err(e) => {
                opened.iter().for_each(|t| t.mark_obsolete());
                return Err(e);
            }
        };
        self.group.mark_synced(writer.last_seq);
        drop(writer);
        old.iter().for_each(|t| t.mark_obsolete());
        self.remove_logs_below(log);
        Ok(())
    }

    /// Removes the logs numbered below `log` (best effort: the next open ignores and removes
    /// any that remain, as they are below the manifest's log number).
    fn remove_logs_below(&self, log: u64) {
        if let Ok(files) = self.fs.list(&self.dir) {
            for path in files {
                if parse_wal(&path).is_some_and(|n| n < log) {
                    let _ = self.fs.remove(&path);
                }
            }
        }
    }
}

/// One write of a load into the scratch store.
enum LoadOp {
    Put {
        key: Bytes,
        value: Bytes,
        expires_at: Option<u64>,
    },
    Remove {
        key: Bytes,
    },
    Push {
        key: Bytes,
        values: Vec<Bytes>,
    },
    Expire {
        key: Bytes,
        expires_at: u64,
    },
}

/// Ops for the scratch store, written as one transaction once they pass the limit.
struct Batch<'a> {
    scratch: &'a DiskEngine,
    ks: u32,
    ops: Vec<LoadOp>,
    bytes: usize,
    limit: usize,
}

impl Batch<'_> {
    fn push(&mut self, op: LoadOp, bytes: usize) -> Result<()> {
        self.ops.push(op);
        self.bytes += bytes + OP_OVERHEAD;
        if self.bytes >= self.limit {
            self.write()?;
        }
        Ok(())
    }

    fn push_list(&mut self, key: &Bytes, values: Vec<Bytes>, bytes: usize) -> Result<()> {
        let op = LoadOp::Push {
            key: key.clone(),
            values,
        };
        self.push(op, key.len() + bytes)
    }

    fn write(&mut self) -> Result<()> {
        if self.ops.is_empty() {
            return Ok(());
        }
        let ks = self.ks;
        let ops = &self.ops;
        self.scratch.inner.write(|txn| {
            for op in ops {
                match op {
                    LoadOp::Put {
                        key,
                        value,
                        expires_at,
                    } => txn.set_key(
                        ks,
                        key,
                        Cell::Str {
                            value: value.clone(),
                            expires_at: *expires_at,
                        },
                    ),
                    LoadOp::Remove { key } => {
                        txn.remove(ks, key)?;
                    }
                    LoadOp::Push { key, values } => {
                        txn.push(ks, key, End::Back, values)?;
                    }
                    LoadOp::Expire { key, expires_at } => {
                        txn.set_expiry(ks, key, Some(*expires_at))?;
                    }
                }
            }
            Ok(())
        })?;
        self.ops.clear();
        self.bytes = 0;
        Ok(())
    }
}
