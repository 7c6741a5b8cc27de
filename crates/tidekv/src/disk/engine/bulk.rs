//! Whole-keyspace writes: `clear`, one atomic write. (Whole-store loads: `load.rs`.)

use std::ops::Bound;

use super::Inner;
use crate::disk::cell::Cell;
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
}
