//! redb (a copy-on-write B-tree in one file) as a peer for point reads and scans.
//!
//! redb has no write-ahead log: each write is a transaction. A buffered write is a transaction
//! committed with `Durability::None` (nothing is written to the file until a later durable
//! commit: weaker than tidekv's `Durability::Buffered`, which hands every write to the OS); a
//! synced write commits with `Durability::Immediate`. Its page cache is the harness's block
//! cache size. No compression (redb has none).

use std::path::Path;

use anyhow::{Context, Result};
use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};

use super::{Kv, WriteMode};

const TABLE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("bench");

pub(super) struct Redb {
    db: Database,
    durability: Durability,
}

impl Redb {
    pub(super) fn open(dir: &Path, mode: WriteMode, cache_bytes: u64) -> Result<Self> {
        let path = dir.join("bench.redb");
        let db = Database::builder()
            .set_cache_size(usize::try_from(cache_bytes)?)
            .create(&path)
            .with_context(|| format!("opening redb at {}", path.display()))?;
        // The table exists before the first read.
        let txn = db.begin_write()?;
        txn.open_table(TABLE)?;
        txn.commit()?;
        let durability = match mode {
            WriteMode::Buffered => Durability::None,
            WriteMode::Sync => Durability::Immediate,
        };
        Ok(Redb { db, durability })
    }

    fn durable_commit(&self) -> Result<()> {
        let mut txn = self.db.begin_write()?;
        txn.set_durability(Durability::Immediate)?;
        txn.commit()?;
        Ok(())
    }
}

impl Kv for Redb {
    fn insert(&self, key: &[u8], value: &[u8]) -> Result<()> {
        let mut txn = self.db.begin_write()?;
        txn.set_durability(self.durability)?;
        txn.open_table(TABLE)?.insert(key, value)?;
        txn.commit()?;
        Ok(())
    }

    fn get(&self, key: &[u8]) -> Result<Option<usize>> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(TABLE)?;
        // Copied out, as the other engines return an owned value.
        let value = table.get(key)?.map(|v| v.value().to_vec());
        Ok(value.map(|v| v.len()))
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<(u64, u64)> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(TABLE)?;
        let (mut n, mut bytes) = (0, 0);
        for entry in table.range(prefix..)? {
            let (k, v) = entry?;
            if !k.value().starts_with(prefix) {
                break;
            }
            let (k, v) = (k.value().to_vec(), v.value().to_vec());
            n += 1;
            bytes += (k.len() + v.len()) as u64;
        }
        Ok((n, bytes))
    }

    fn flush(&self) -> Result<()> {
        self.durable_commit()
    }

    fn finish(&self) -> Result<()> {
        self.durable_commit()
    }

    fn compact(&self) -> Result<()> {
        // A B-tree has nothing to merge; redb's `compact` only returns free pages to the OS.
        self.durable_commit()
    }

    fn stats_text(&self) -> String {
        "redb: no statistics".into()
    }
}
