//! RocksDB (the `rocksdb` crate, its bundled C++ library) as a peer.
//!
//! Configured as close to tidekv's defaults as its knobs allow: 64 MiB write buffer (RocksDB's
//! default), 4 KiB blocks, LZ4 on every level, a 10-bit-per-key bloom filter (RocksDB has none
//! by default; without one its point reads of absent keys would be handicapped), an LRU block
//! cache of the harness's size, leveled compaction and 2 background jobs (its defaults).
//! Buffered writes are `put` with `sync = false` — the WAL record is handed to the OS before the
//! call returns, as tidekv's `Durability::Buffered` does; synced writes set `sync = true`
//! (RocksDB then `fdatasync`s the WAL, and groups concurrent writers behind one sync).

use std::path::Path;

use anyhow::{Context, Result};
use rocksdb::{
    BlockBasedOptions, Cache, DBCompressionType, Options, ReadOptions, WriteOptions, DB,
};

use super::{Kv, WriteMode};

pub(super) struct Rocks {
    db: DB,
    write: WriteOptions,
}

impl Rocks {
    pub(super) fn open(dir: &Path, mode: WriteMode, cache_bytes: u64) -> Result<Self> {
        let mut table = BlockBasedOptions::default();
        table.set_block_cache(&Cache::new_lru_cache(usize::try_from(cache_bytes)?));
        table.set_block_size(4096);
        table.set_bloom_filter(10.0, false);
        let mut options = Options::default();
        options.create_if_missing(true);
        options.set_compression_type(DBCompressionType::Lz4);
        options.set_bottommost_compression_type(DBCompressionType::Lz4);
        options.set_block_based_table_factory(&table);
        let db = DB::open(&options, dir)
            .with_context(|| format!("opening rocksdb in {}", dir.display()))?;
        let mut write = WriteOptions::default();
        write.set_sync(mode == WriteMode::Sync);
        Ok(Rocks { db, write })
    }
}

/// The first key after every key that starts with `prefix` (`None`: no such bound, the prefix
/// is all 0xFF bytes).
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

impl Kv for Rocks {
    fn insert(&self, key: &[u8], value: &[u8]) -> Result<()> {
        Ok(self.db.put_opt(key, value, &self.write)?)
    }

    fn get(&self, key: &[u8]) -> Result<Option<usize>> {
        // `get` (not `get_pinned`) copies the value out, as the other engines return an owned
        // value.
        Ok(self.db.get(key)?.map(|v| v.len()))
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<(u64, u64)> {
        let mut read = ReadOptions::default();
        if let Some(end) = prefix_end(prefix) {
            read.set_iterate_upper_bound(end);
        }
        let mut it = self.db.raw_iterator_opt(read);
        it.seek(prefix);
        let (mut n, mut bytes) = (0, 0);
        while let (Some(k), Some(v)) = (it.key(), it.value()) {
            // Copied out, as the other engines hand out owned entries.
            let (k, v) = (k.to_vec(), v.to_vec());
            n += 1;
            bytes += (k.len() + v.len()) as u64;
            it.next();
        }
        it.status()?;
        Ok((n, bytes))
    }

    fn flush(&self) -> Result<()> {
        Ok(self.db.flush_wal(true)?)
    }

    fn finish(&self) -> Result<()> {
        self.db.flush()?;
        Ok(self.db.flush_wal(true)?)
    }

    fn compact(&self) -> Result<()> {
        self.db.flush()?;
        self.db.compact_range::<&[u8], &[u8]>(None, None);
        Ok(())
    }

    fn stats_text(&self) -> String {
        match self.db.property_value("rocksdb.stats") {
            Ok(Some(text)) => text,
            Ok(None) => "rocksdb.stats: none".into(),
            Err(e) => format!("rocksdb.stats failed: {e}"),
        }
    }
}
