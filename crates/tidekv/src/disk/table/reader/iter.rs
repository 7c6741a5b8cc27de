//! Iterating over a table's entries in key order, from the start or from a seek, checking as it
//! goes that each data block ends at the key its index entry names and that keys keep increasing
//! across blocks.

use std::sync::Arc;

use bytes::Bytes;

use super::index_source::Segment;
use super::Inner;
use crate::disk::table::block::BlockIter;
use crate::error::{Error, Result};

/// The entries of a table in key order, from the start or from a seek. Yields `Err` once if a
/// block turns out to be damaged, then nothing.
///
/// Invariants:
/// 1. `current` is the block at number `next_block - 1` of `segment`, or `None`.
/// 2. `yielded` says whether the current block has yielded an entry; with the block iterator's
///    last decoded key, the iterator checks that each block ends exactly at its index key and
///    that keys keep increasing across blocks (without keeping a copy of each key).
/// 3. `segment` is `None` before the first seek or step, and after the last segment.
#[derive(Debug)]
pub(crate) struct TableIter {
    table: Arc<Inner>,
    segment: Option<Segment>,
    /// Whether `segment` was set (by a seek, or by the first step).
    started: bool,
    next_block: usize,
    current: Option<BlockIter>,
    yielded: bool,
    /// An error found by `seek`, reported by the next call to `next`.
    pending: Option<Error>,
    done: bool,
}

impl TableIter {
    /// An iterator positioned before the table's first entry.
    pub(super) fn new(table: Arc<Inner>) -> TableIter {
        TableIter {
            table,
            segment: None,
            started: false,
            next_block: 0,
            current: None,
            yielded: false,
            pending: None,
            done: false,
        }
    }

    /// Moves to the first entry with key `>= target`.
    pub(crate) fn seek(&mut self, target: &[u8]) {
        self.current = None;
        self.yielded = false;
        self.pending = None;
        self.done = false;
        self.started = true;
        self.segment = match self.table.segment_for(target) {
            Ok(segment) => segment,
            Err(e) => {
                // Reported by the next call to `next`.
                self.pending = Some(e);
                return;
            }
        };
        let blocks = match &self.segment {
            Some(segment) => self.table.blocks_of(segment),
            None => {
                self.done = true;
                return;
            }
        };
        let blocks = match blocks {
            Ok(blocks) => blocks,
            Err(e) => {
                self.pending = Some(e);
                return;
            }
        };
        let at = blocks.first_ending_at_or_after(target);
        self.next_block = at;
        let Some(entry) = blocks.get(at) else {
            // Only a whole index ends before a key its segment was chosen for.
            self.done = true;
            return;
        };
        self.next_block = at + 1;
        let sought = self.table.read_block(entry.handle).and_then(|block| {
            block
                .seek(target)
                .map_err(|why| self.table.corrupt(entry.handle.offset, why))
        });
        match sought {
            Ok(iter) => self.current = Some(iter),
            // Reported by the next call to `next`.
            Err(e) => self.pending = Some(e),
        }
    }

    fn step(&mut self) -> Result<Option<(Bytes, Bytes)>> {
        if !self.started {
            self.started = true;
            self.segment = self.table.segment_for(&[])?;
            self.next_block = 0;
        }
        loop {
            let Some(segment) = &self.segment else {
                return Ok(None);
            };
            let blocks = self.table.blocks_of(segment)?;
            let block_index = self.next_block.wrapping_sub(1);
            let offset = || blocks.get(block_index).map_or(0, |e| e.handle.offset);
            if let Some(iter) = self.current.as_mut() {
                match iter.next() {
                    Some(Ok((key, value))) => {
                        if !self.yielded {
                            // The first key of a block must follow the previous block's last key.
                            let prev = match block_index.checked_sub(1) {
                                Some(prev) => blocks.get(prev).map(|p| p.last_key),
                                None => self.table.key_before(segment),
                            };
                            if prev.is_some_and(|p| key.as_ref() <= p) {
                                return Err(self.table.corrupt(
                                    offset(),
                                    "data block starts at or before the previous block's last key"
                                        .into(),
                                ));
                            }
                        }
                        self.yielded = true;
                        return Ok(Some((key, value)));
                    }
                    Some(Err(why)) => return Err(self.table.corrupt(offset(), why)),
                    None => {
                        let expected = blocks.get(block_index).map(|e| e.last_key);
                        if !self.yielded || iter.last_key() != expected {
                            return Err(self.table.corrupt(
                                offset(),
                                "data block does not end at the last key its index entry names"
                                    .into(),
                            ));
                        }
                        self.current = None;
                        self.yielded = false;
                    }
                }
            }
            let Some(entry) = blocks.get(self.next_block) else {
                // Past this segment's last block: on to the next segment's first.
                self.segment = self.table.next_segment(segment)?;
                self.next_block = 0;
                continue;
            };
            let block = self.table.read_block(entry.handle)?;
            self.current = Some(block.iter());
            self.next_block += 1;
        }
    }
}

impl Iterator for TableIter {
    type Item = Result<(Bytes, Bytes)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if let Some(e) = self.pending.take() {
            self.done = true;
            return Some(Err(e));
        }
        match self.step() {
            Ok(Some(entry)) => Some(Ok(entry)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
