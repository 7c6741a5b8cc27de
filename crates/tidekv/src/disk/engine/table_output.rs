//! Writing tables from a stream of entries, for flushes and compactions: which entries to keep
//! ([`Retention`]) and cutting the output into tables ([`TableSink`]).
//!
//! Retention rule (LevelDB's, plus expiry and list elements). Let `S` be the sequence number the
//! job reads at: the visible sequence number when it started (iterators hold their own sources,
//! so no reader older than that reads this job's output), lowered to the durable one so that the
//! job never decides on writes a power cut can take back (`Inner::retention_view`). For each key,
//! newest version first:
//! 1. A version is dropped if a newer version of the same key is at or below `S`: every reader
//!    sees that newer one instead.
//! 2. A version above `S` is kept.
//! 3. A tombstone (at or below `S`) is dropped if no older table can hold the key (the output is
//!    the key's base level); otherwise it is kept to hide what is below. An expired version is
//!    kept: it is still in its keyspace's key count until the expiry sweeper deletes it with a
//!    tombstone (`key_count.rs`).
//! 4. A list element (or its tombstone) at or below `S` is dropped if the list's metadata as of
//!    `S` does not name it: its list was deleted, overwritten or popped past it, and list versions
//!    are never reused, so no reader at or after `S` can reach it.

use std::sync::Arc;

use bytes::Bytes;

use super::view::{decode_stored, split_stored, user_prefix, View};
use super::Inner;
use crate::disk::cell::{parse_item_suffix, peek, Cell, ListMeta};
use crate::disk::file_name::table_path;
use crate::disk::key::{split_seq, Space};
use crate::disk::table::builder::{TableBuilder, TableOptions};
use crate::disk::version::edit::{Garbage, TableMeta};
use crate::disk::version::set::{find_table, TableFile};
use crate::error::{Error, Result};

/// Decides which entries of one sorted stream survive.
pub(crate) struct Retention {
    /// Reads at the oldest readable sequence number, for list metadata.
    view: View,
    /// The levels that may hold older versions of a key than the stream does, by level number
    /// (level 0's tables overlap; a deeper level's are sorted and disjoint).
    deeper: Vec<(usize, Vec<Arc<TableFile>>)>,
    last_prefix: Vec<u8>,
    /// Sequence number of the previous entry of `last_prefix` (`u64::MAX` before its first).
    last_seq: u64,
    /// The last list looked up: its user prefix and metadata as of `view`.
    list: Option<(Vec<u8>, Option<ListMeta>)>,
}

impl Retention {
    /// Retention for a stream whose older versions may lie in `levels[from..]`.
    pub(crate) fn new(view: View, levels: &[Vec<Arc<TableFile>>], from: usize) -> Self {
        let deeper = levels
            .iter()
            .enumerate()
            .skip(from)
            .filter(|(_, tables)| !tables.is_empty())
            .map(|(level, tables)| (level, tables.clone()))
            .collect();
        Retention {
            view,
            deeper,
            last_prefix: Vec::new(),
            last_seq: u64::MAX,
            list: None,
        }
    }

    /// Whether the entry `(key, value)` is kept; entries must come in internal-key order.
    pub(crate) fn keep(&mut self, key: &[u8], value: &Bytes) -> Result<bool> {
        let (prefix, seq) = split_stored(key)?;
        if prefix != self.last_prefix.as_slice() {
            self.last_prefix.clear();
            self.last_prefix.extend_from_slice(prefix);
            self.last_seq = u64::MAX;
        }
        let shadowed = self.last_seq <= self.view.seq;
        self.last_seq = seq;
        if shadowed {
            return Ok(false);
        }
        if seq > self.view.seq {
            return Ok(true);
        }
        let parts = decode_stored(prefix)?;
        if parts.space == Space::ListItem {
            let Some((version, index)) = parse_item_suffix(parts.suffix) else {
                return Err(Error::corruption(
                    "(stored key)",
                    0,
                    "a list element key without an index",
                ));
            };
            let meta = self.list_meta(parts.ks, &parts.user_key)?;
            if !meta.is_some_and(|m| m.holds(version, index)) {
                return Ok(false);
            }
        }
        if peek(value).0 {
            return Ok(!self.is_base(prefix));
        }
        Ok(true)
    }

    fn list_meta(&mut self, ks: u32, key: &[u8]) -> Result<Option<ListMeta>> {
        let prefix = user_prefix(ks, key);
        if let Some((cached, meta)) = &self.list {
            if *cached == prefix {
                return Ok(*meta);
            }
        }
        // Expired metadata still names its elements: expiry is judged by a clock, and a clock
        // that steps back makes the list live again. Its elements go only once the metadata
        // itself is gone (deleted, overwritten, or dropped at its base level).
        let meta = match self.view.stored_cell(prefix.clone())? {
            Some(Cell::List(meta)) => Some(meta),
            _ => None,
        };
        self.list = Some((prefix, meta));
        Ok(meta)
    }

    /// Whether no deeper table can hold `prefix`.
    fn is_base(&self, prefix: &[u8]) -> bool {
        self.deeper.iter().all(|(level, tables)| {
            if *level == 0 {
                tables.iter().all(|t| {
                    let (lo, hi) = t.key_range();
                    prefix < lo || prefix > hi
                })
            } else {
                find_table(tables, prefix).is_none()
            }
        })
    }
}

/// Writes entries into tables of one level, cutting a new table once one reaches `split_at`
/// bytes — never between two versions of one key, so each key stays in one table per level.
pub(crate) struct TableSink<'a> {
    inner: &'a Inner,
    level: u8,
    split_at: u64,
    /// Whether each table's data blocks go into the block cache as they are written.
    cache_blocks: bool,
    open: Option<(TableBuilder, u64)>,
    /// Garbage counts of the open table.
    garbage: Garbage,
    last_prefix: Vec<u8>,
    done: Vec<TableMeta>,
}

/// Adds one cell to a table's garbage counts.
fn count_garbage(garbage: &mut Garbage, cell: &[u8]) {
    let (tombstone, expires_at) = peek(cell);
    if tombstone {
        garbage.tombstones += 1;
    }
    if let Some(at) = expires_at {
        garbage.expiring += 1;
        garbage.latest_expiry = garbage.latest_expiry.max(at);
    }
}

impl<'a> TableSink<'a> {
    pub(crate) fn new(inner: &'a Inner, level: u8, split_at: u64) -> Self {
        TableSink {
            inner,
            level,
            split_at,
            cache_blocks: false,
            open: None,
            garbage: Garbage::default(),
            last_prefix: Vec::new(),
            done: Vec::new(),
        }
    }

    /// Puts the data blocks of the tables this sink writes into the block cache as they are
    /// written, when `on` (a flush's, `Inner::fills_cache_on_flush`).
    pub(crate) fn caching_blocks(mut self, on: bool) -> Self {
        self.cache_blocks = on;
        self
    }

    pub(crate) fn add(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        let prefix = split_seq(key).map_or(key, |(p, _)| p);
        let new_key = prefix != self.last_prefix.as_slice();
        if new_key {
            if let Some((builder, _)) = &self.open {
                if builder.estimated_size() >= self.split_at {
                    self.finish_open()?;
                }
            }
            self.last_prefix.clear();
            self.last_prefix.extend_from_slice(prefix);
        }
        if self.open.is_none() {
            let number = self.inner.new_file_number();
            let path = table_path(&self.inner.dir, number);
            let file = self
                .inner
                .fs
                .create(&path)
                .map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
            let mut builder = TableBuilder::new(file, self.table_options());
            if self.cache_blocks {
                builder.fill_cache(Arc::clone(&self.inner.cache), number);
            }
            self.open = Some((builder, number));
        }
        count_garbage(&mut self.garbage, value);
        match &mut self.open {
            Some((builder, _)) => builder.add(key, value),
            None => Ok(()),
        }
    }

    fn table_options(&self) -> TableOptions {
        let o = &self.inner.options;
        TableOptions {
            block_size: o.block_size,
            compression: o.compression,
            bloom_bits_per_key: o.bloom_bits_per_key,
            ..TableOptions::default()
        }
    }

    fn finish_open(&mut self) -> Result<()> {
        let Some((builder, number)) = self.open.take() else {
            return Ok(());
        };
        let info = builder.finish()?;
        self.done.push(TableMeta {
            level: self.level,
            number,
            size: info.size,
            entries: info.entries,
            smallest: info.smallest,
            largest: info.largest,
            garbage: std::mem::take(&mut self.garbage),
        });
        Ok(())
    }

    /// Finishes the last table, syncs the directory and opens every table written.
    pub(crate) fn finish(mut self) -> Result<Vec<Arc<TableFile>>> {
        self.finish_open()?;
        let inner = self.inner;
        if !self.done.is_empty() {
            inner
                .fs
                .sync_dir(&inner.dir)
                .map_err(|e| Error::io(format!("syncing directory {}", inner.dir.display()), e))?;
        }
        let metas = std::mem::take(&mut self.done);
        metas
            .into_iter()
            .map(|meta| inner.open_table(meta))
            .collect()
    }
}

impl Drop for TableSink<'_> {
    /// A sink dropped before `finish` (an error) removes what it wrote: those tables are in no
    /// version. (Files it could not remove are deleted as orphans on the next open.)
    fn drop(&mut self) {
        let numbers = self
            .done
            .iter()
            .map(|m| m.number)
            .chain(self.open.as_ref().map(|(_, n)| *n));
        for number in numbers.collect::<Vec<_>>() {
            let _ = self.inner.fs.remove(&table_path(&self.inner.dir, number));
        }
    }
}

impl Inner {
    /// Opens a table a job just wrote (reading its footer, index and filter back checks what was
    /// written), held open in the table cache.
    pub(crate) fn open_table(&self, meta: TableMeta) -> Result<Arc<TableFile>> {
        let table = TableFile::new(meta, &self.dir, &self.tables);
        self.tables.open(&table)?;
        Ok(table)
    }
}
