//! Reads one raw (decompressed) SSTable data block: iteration in key order and seeks. The layout
//! is written by [`super::block_builder`] and specified in `docs/format/sstable.md` ("Data block").
//!
//! Blocks come from disk and may be damaged in ways the block checksum did not catch (a bug, or a
//! file written by something else). Every malformed block gives an error, never a panic, an
//! out-of-bounds read or an endless loop: each step of an iterator consumes at least 3 bytes or
//! stops.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};

use crate::disk::table::block_builder::get_varint32;

/// A validated raw data block. Cheap to clone: the bytes and the restart array are shared.
///
/// Invariants (checked by [`Block::new`]):
/// 1. `data_end + 4 * restarts.len() + 4 == raw.len()`.
/// 2. `restarts` is strictly increasing and every offset is `< data_end`.
/// 3. `restarts` is empty exactly when `data_end == 0`; otherwise `restarts[0] == 0`.
/// 4. The entries' headers chain from offset 0 exactly to `data_end`, and every restart offset is
///    the start of one: a seek, which decodes from a restart point, never starts mid-entry.
///
/// What `new` does not check (key order, a whole key at each restart point) is checked by the
/// iterator as it goes.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    raw: Bytes,
    data_end: usize,
    restarts: Arc<[u32]>,
}

impl Block {
    /// Checks the restart array of a raw block.
    pub(crate) fn new(raw: Bytes) -> Result<Block, String> {
        Block::validate(raw).map_err(|why| format!("corrupt data block: {why}"))
    }

    fn validate(raw: Bytes) -> Result<Block, String> {
        let len = raw.len();
        let count_at = len
            .checked_sub(4)
            .ok_or_else(|| format!("block of {len} bytes is too short for a restart count"))?;
        let count = read_u32(&raw, count_at)? as usize;
        let data_end = count
            .checked_mul(4)
            .and_then(|array| count_at.checked_sub(array))
            .ok_or_else(|| format!("restart count {count} does not fit a block of {len} bytes"))?;
        let restarts = (0..count)
            .map(|i| read_u32(&raw, data_end + 4 * i))
            .collect::<Result<Arc<[u32]>, String>>()?;
        match restarts.first() {
            None if data_end > 0 => {
                return Err(format!(
                    "block has {data_end} bytes of entries but no restart points"
                ))
            }
            Some(&first) if first != 0 => {
                return Err(format!("first restart offset is {first}, not 0"))
            }
            _ => {}
        }
        for pair in restarts.windows(2) {
            if let [a, b] = pair {
                if a >= b {
                    return Err(format!("restart offsets not increasing: {a} then {b}"));
                }
            }
        }
        if let Some(&last) = restarts.last() {
            if last as usize >= data_end {
                return Err(format!(
                    "restart offset {last} is past the entries, which end at {data_end}"
                ));
            }
        }
        check_entry_boundaries(&raw, data_end, &restarts)?;
        Ok(Block {
            raw,
            data_end,
            restarts,
        })
    }

    /// The number of restart points (0 for an empty block).
    #[cfg(test)]
    pub(crate) fn restart_count(&self) -> usize {
        self.restarts.len()
    }

    /// An iterator over every entry, in key order.
    pub(crate) fn iter(&self) -> BlockIter {
        BlockIter::at_restart(self.clone(), 0)
    }

    /// An iterator whose first item is the first entry with key `>= target` (none if every key is
    /// smaller).
    pub(crate) fn seek(&self, target: &[u8]) -> Result<BlockIter, String> {
        let (mut iter, found) = self.cursor_at(target)?;
        if let Some(entry) = found {
            iter.peeked = Some(iter.materialize(&entry));
        }
        Ok(iter)
    }

    /// Calls `found` with the first entry whose key is `>= target` (the key borrowed for the call,
    /// so a point lookup copies no key) and returns what it returned; `None` if every key is
    /// smaller.
    pub(crate) fn find<R>(
        &self,
        target: &[u8],
        found: impl FnOnce(&[u8], Bytes) -> R,
    ) -> Result<Option<R>, String> {
        let (iter, entry) = self.cursor_at(target)?;
        Ok(entry.map(|entry| {
            let value = iter.block.raw.slice(entry.value_at..entry.end);
            found(&iter.key, value)
        }))
    }

    /// An iterator that has just decoded the first entry with key `>= target` (returned with it),
    /// or has passed every entry. Binary search over the restart points' whole keys, then a linear
    /// scan from the last restart point whose key is below `target`.
    fn cursor_at(&self, target: &[u8]) -> Result<(BlockIter, Option<EntryBounds>), String> {
        // Invariant: restart `left` has a key < target, or is restart 0; every restart after
        // `right` has a key >= target.
        let mut left = 0;
        let mut right = self.restarts.len().saturating_sub(1);
        while left < right {
            let mid = left + (right - left).div_ceil(2);
            let key = self
                .restart_key(mid)
                .map_err(|why| format!("corrupt data block: {why}"))?;
            if key < target {
                left = mid;
            } else {
                right = mid - 1;
            }
        }
        let mut iter = BlockIter::at_restart(self.clone(), left);
        // Step with `advance`, which compares in the iterator's key buffer: only the entry found
        // is turned into `Bytes`, so a seek allocates nothing per entry it passes.
        loop {
            match iter.advance() {
                Ok(Some(_)) if iter.key.as_slice() < target => {}
                Ok(found) => return Ok((iter, found)),
                Err(why) => return Err(format!("corrupt data block: {why}")),
            }
        }
    }

    /// The whole key written at restart point `index`.
    fn restart_key(&self, index: usize) -> Result<&[u8], String> {
        let offset = self.restart_offset(index)?;
        let entry = decode_entry(&self.raw, offset, self.data_end)?;
        if entry.shared != 0 {
            return Err(format!(
                "entry at restart offset {offset} shares {} bytes with a previous key",
                entry.shared
            ));
        }
        Ok(self
            .raw
            .get(entry.key_at..entry.value_at)
            .unwrap_or_default())
    }

    fn restart_offset(&self, index: usize) -> Result<usize, String> {
        self.restarts
            .get(index)
            .map(|&o| o as usize)
            .ok_or_else(|| format!("restart point {index} does not exist"))
    }
}

/// Entries of a [`Block`] in key order, from a restart point or a seek position. Yields
/// `Err` once if the block turns out to be malformed, then nothing.
///
/// Invariants:
/// 1. If `has_prev`, `key` is the whole key of the entry that ends at `offset`.
/// 2. `next_restart` indexes the first restart offset `>= offset`; the entry there must be whole.
#[derive(Debug)]
pub(crate) struct BlockIter {
    block: Block,
    offset: usize,
    key: Vec<u8>,
    /// Whether `key` holds the previous entry's key (false until this iterator decodes one).
    has_prev: bool,
    next_restart: usize,
    /// The entry `seek` found, handed out first.
    peeked: Option<(Bytes, Bytes)>,
    done: bool,
    /// Where prefix-compressed keys are copied out to (see `materialize`).
    keys_out: BytesMut,
}

/// Bytes of key copies carved from one allocation: one `malloc` for ~30 keys, not one per key;
/// a held key keeps up to this much alive.
const KEYS_OUT: usize = 1024;

impl BlockIter {
    fn at_restart(block: Block, index: usize) -> BlockIter {
        let offset = block
            .restarts
            .get(index)
            .map_or(block.data_end, |&o| o as usize);
        BlockIter {
            block,
            offset,
            key: Vec::new(),
            has_prev: false,
            next_restart: index,
            peeked: None,
            done: false,
            keys_out: BytesMut::new(),
        }
    }

    /// The key of the entry decoded last (`None` before the first).
    pub(crate) fn last_key(&self) -> Option<&[u8]> {
        self.has_prev.then_some(self.key.as_slice())
    }

    /// The next entry as borrowed `(key, value)`, with no allocation, for a caller that copies
    /// out what it keeps; `None` at the end. Only for an iterator from [`Block::iter`].
    pub(crate) fn next_slices(&mut self) -> Result<Option<KeyValue<'_>>, String> {
        let Some(entry) = self.advance()? else {
            return Ok(None);
        };
        let value = self.block.raw.get(entry.value_at..entry.end);
        Ok(Some((&self.key, value.unwrap_or_default())))
    }

    fn next_entry(&mut self) -> Result<Option<(Bytes, Bytes)>, String> {
        Ok(self.advance()?.map(|entry| self.materialize(&entry)))
    }

    /// Decodes the next entry into `key` (checking it against the block's invariants) and returns
    /// where its parts lie; `None` at the end of the block.
    fn advance(&mut self) -> Result<Option<EntryBounds>, String> {
        let at = self.offset;
        let data_end = self.block.data_end;
        if at >= data_end {
            return Ok(None);
        }
        let at_restart = match self.block.restarts.get(self.next_restart) {
            Some(&r) if (r as usize) < at => {
                return Err(format!(
                    "restart offset {r} falls inside the entry that ends at {at}"
                ))
            }
            Some(&r) => r as usize == at,
            None => false,
        };
        let entry = decode_entry(&self.block.raw, at, data_end)?;
        if at_restart && entry.shared != 0 {
            return Err(format!(
                "entry at restart offset {at} shares {} bytes with a previous key",
                entry.shared
            ));
        }
        if entry.shared > self.key.len() {
            return Err(format!(
                "entry at offset {at} shares {} bytes of a {}-byte previous key",
                entry.shared,
                self.key.len()
            ));
        }
        let unshared = self
            .block
            .raw
            .get(entry.key_at..entry.value_at)
            .unwrap_or_default();
        // Keys must increase. Both keys start with the same `shared` bytes, so compare what follows.
        // An iterator starts at a restart point, so `has_prev` is false only at a restart point.
        if self.has_prev && unshared <= self.key.get(entry.shared..).unwrap_or_default() {
            return Err(format!("entry at offset {at} is out of key order"));
        }
        if at_restart {
            self.next_restart += 1;
        }
        self.key.truncate(entry.shared);
        self.key.extend_from_slice(unshared);
        self.offset = entry.end;
        self.has_prev = true;
        Ok(Some(entry))
    }

    /// The entry `advance` just decoded as `(key, value)`. A whole key (shared with nothing) is
    /// a slice of the block; a prefix-compressed one is copied out of the key buffer, into
    /// `keys_out`.
    fn materialize(&mut self, entry: &EntryBounds) -> (Bytes, Bytes) {
        let raw = &self.block.raw;
        let key = if entry.shared == 0 {
            raw.slice(entry.key_at..entry.value_at)
        } else {
            if self.keys_out.capacity() < self.key.len() {
                self.keys_out = BytesMut::with_capacity(KEYS_OUT.max(self.key.len()));
            }
            self.keys_out.extend_from_slice(&self.key);
            self.keys_out.split().freeze()
        };
        (key, raw.slice(entry.value_at..entry.end))
    }
}

impl Iterator for BlockIter {
    type Item = Result<(Bytes, Bytes), String>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(entry) = self.peeked.take() {
            return Some(Ok(entry));
        }
        if self.done {
            return None;
        }
        match self.next_entry() {
            Ok(Some(entry)) => Some(Ok(entry)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(why) => {
                self.done = true;
                Some(Err(format!("corrupt data block: {why}")))
            }
        }
    }
}

/// An entry's key and value, borrowed.
pub(crate) type KeyValue<'a> = (&'a [u8], &'a [u8]);

/// Where the parts of one entry lie in the raw block.
struct EntryBounds {
    shared: usize,
    key_at: usize,
    value_at: usize,
    end: usize,
}

/// Decodes the entry header at `at`; every part must end by `data_end`.
/// Invariant 4 of [`Block`]: walks the entry headers from offset 0 and checks that they end at
/// `data_end` and that each restart offset is the start of an entry. Found by fuzzing: a restart
/// offset inside the last entry passed every scan, and a seek through it decoded the middle of a
/// value as an entry the block does not hold.
fn check_entry_boundaries(raw: &[u8], data_end: usize, restarts: &[u32]) -> Result<(), String> {
    let mut restarts = restarts.iter().map(|&r| r as usize).peekable();
    let mut at = 0;
    while at < data_end {
        while let Some(&r) = restarts.peek() {
            if r > at {
                break;
            }
            if r < at {
                return Err(format!("restart offset {r} falls inside an entry"));
            }
            restarts.next();
        }
        at = decode_entry(raw, at, data_end)?.end;
    }
    match restarts.next() {
        Some(r) => Err(format!("restart offset {r} falls inside the last entry")),
        None => Ok(()),
    }
}

fn decode_entry(raw: &[u8], at: usize, data_end: usize) -> Result<EntryBounds, String> {
    let data = raw.get(..data_end).unwrap_or_default();
    let mut pos = at;
    let shared = get_varint32(data, &mut pos)? as usize;
    let unshared = get_varint32(data, &mut pos)? as usize;
    let value_len = get_varint32(data, &mut pos)? as usize;
    let key_at = pos;
    let value_at = key_at
        .checked_add(unshared)
        .filter(|&v| v <= data_end)
        .ok_or_else(|| format!("key of entry at offset {at} runs past the entries"))?;
    let end = value_at
        .checked_add(value_len)
        .filter(|&v| v <= data_end)
        .ok_or_else(|| format!("value of entry at offset {at} runs past the entries"))?;
    Ok(EntryBounds {
        shared,
        key_at,
        value_at,
        end,
    })
}

fn read_u32(raw: &[u8], at: usize) -> Result<u32, String> {
    raw.get(at..at + 4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| format!("u32 at offset {at} runs past the block"))
}

#[cfg(test)]
#[path = "block_tests.rs"]
mod tests;
