//! Whole-keyspace writes, each one atomic write: `clear` and `swap_keyspaces`. (Whole-store
//! loads: `load.rs`.)

use std::ops::Bound;

use bytes::Bytes;

use super::rmw::DiskTx;
use super::Inner;
use crate::disk::cell::Cell;
use crate::engine::Tx;
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
            self.watches.touch_all(Some(ks));
            Ok(())
        })
    }

    /// Swaps the contents of keyspaces `a` and `b` (Redis `SWAPDB`): every key of each is
    /// rewritten into the other, with its value, kind and expiry, as one atomic record.
    ///
    /// Cost: O(keys of both), and the record must fit the log's record limit (1 GiB by
    /// default) — Redis's `SWAPDB` is O(1); a keyspace map that makes it so on disk is planned.
    pub(crate) fn swap_keyspaces(&self, a: u32, b: u32) -> Result<()> {
        if a == b {
            return Ok(());
        }
        self.write(|txn| {
            let keys_of = |ks: u32| -> Result<Vec<Bytes>> {
                self.scan_view(txn.view(), ks, (Bound::Unbounded, Bound::Unbounded))?
                    .map(|entry| entry.map(|(key, _)| key))
                    .collect()
            };
            let (keys_a, keys_b) = (keys_of(a)?, keys_of(b)?);
            let declared: Vec<(u32, Bytes)> = keys_a
                .iter()
                .chain(&keys_b)
                .flat_map(|k| [(a, k.clone()), (b, k.clone())])
                .collect();
            let mut tx = DiskTx::new(txn, &declared, &self.watches);
            let mut read = |ks: u32, keys: &[Bytes]| -> Result<Vec<_>> {
                let mut values = Vec::with_capacity(keys.len());
                for key in keys {
                    if let Some(value) = tx.read_value(ks, key)? {
                        values.push((key.clone(), value));
                    }
                }
                Ok(values)
            };
            let (values_a, values_b) = (read(a, &keys_a)?, read(b, &keys_b)?);
            for key in &keys_a {
                tx.remove(a, key)?;
            }
            for key in &keys_b {
                tx.remove(b, key)?;
            }
            for (key, (value, expires_at)) in values_a {
                tx.write_value(b, &key, value, expires_at)?;
            }
            for (key, (value, expires_at)) in values_b {
                tx.write_value(a, &key, value, expires_at)?;
            }
            self.watches.touch_all(Some(a));
            self.watches.touch_all(Some(b));
            Ok(())
        })
    }
}
