//! Whole-keyspace and whole-store writes: `clear` and snapshot `load`, each one atomic write.

use std::ops::Bound;

use super::scan::Visible;
use super::view::{decode_stored, user_prefix};
use super::Inner;
use crate::disk::cell::Cell;
use crate::disk::key::Space;
use crate::engine::{Record, StoredValue};
use crate::error::Result;

impl Inner {
    /// Deletes every key of keyspace `ks`: one tombstone per key (a list's elements go with its
    /// metadata), written as one atomic record.
    pub(crate) fn clear(&self, ks: u32) -> Result<()> {
        self.write(|txn| {
            let keys: Vec<bytes::Bytes> = self
                .scan_view(txn.view(), ks, (Bound::Unbounded, Bound::Unbounded))?
                .map(|entry| entry.map(|(key, _)| key))
                .collect::<Result<_>>()?;
            for key in keys {
                txn.set_key(ks, &key, Cell::Tombstone);
            }
            Ok(())
        })
    }

    /// Replaces every keyspace's contents with `records`, atomically: if `records` fails, nothing
    /// is written. Expired records are skipped.
    ///
    /// The whole load is one log record and sits in the memtable until flushed, so a load is
    /// bounded by memory and by the log's 1 GiB record limit.
    pub(crate) fn load(&self, records: &mut dyn Iterator<Item = Result<Record>>) -> Result<()> {
        self.write(|txn| {
            let mut existing = Visible::new(txn.view(), b"")?;
            let mut doomed = Vec::new();
            while let Some((prefix, _)) = existing.next_cell()? {
                let parts = decode_stored(&prefix)?;
                if parts.space == Space::User {
                    doomed.push(prefix);
                }
            }
            for prefix in doomed {
                txn.set(prefix.to_vec(), Cell::Tombstone);
            }
            for record in records {
                let record = record?;
                if record.expires_at.is_some_and(|at| at <= txn.now()) {
                    continue;
                }
                let (ks, key) = (record.keyspace, &record.key);
                match record.value {
                    StoredValue::String(value) => txn.set_key(
                        ks,
                        key,
                        Cell::Str {
                            value,
                            expires_at: record.expires_at,
                        },
                    ),
                    StoredValue::List(items) => {
                        // A list replaces whatever this load put under the key before.
                        txn.set(user_prefix(ks, key), Cell::Tombstone);
                        if !items.is_empty() {
                            txn.push(ks, key, crate::engine::End::Back, &items)?;
                            if let Some(at) = record.expires_at {
                                if let Some(Cell::List(mut meta)) = txn.key(ks, key)? {
                                    meta.expires_at = Some(at);
                                    txn.set_key(ks, key, Cell::List(meta));
                                }
                            }
                        }
                    }
                }
            }
            Ok(())
        })
    }
}
