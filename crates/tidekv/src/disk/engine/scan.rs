//! Scans, dumps and counts: what a reader at one sequence number sees, built on [`Merge`].

use std::ops::Bound;

use bytes::{Buf, Bytes};

use super::lists::list_items;
use super::merge::{all_sources, Merge};
use super::view::{decode_cell, decode_stored, split_stored, user_prefix, View};
use super::Inner;
use crate::disk::cell::Cell;
use crate::disk::key::{decode_prefix, Space, SEQ_LEN};
use crate::disk::version::set::prefix_of;
use crate::engine::random;
use crate::engine::{
    is_empty_range, EngineDump, EngineScan, KeyRange, Record, ScanValue, StoredValue,
};
use crate::error::Result;

/// The live cell of each key, in key order, as a view sees it: for each key the newest version
/// at or below the view's sequence number, skipped if it is a tombstone or expired.
pub(crate) struct Visible {
    merge: Merge,
    seq: u64,
    now: u64,
    /// The prefix whose visible version was already decided (if `has_decided`): its older
    /// versions are skipped. Copied into a reused buffer rather than held as a slice of the
    /// entry: a slice would cost two atomic reference-count changes per key.
    decided: Vec<u8>,
    has_decided: bool,
}

impl Visible {
    /// Everything `view` sees from internal key `start` on.
    pub(crate) fn new(view: &View, start: &[u8]) -> Result<Visible> {
        Visible::bounded(view, start, Bound::Unbounded)
    }

    /// What `view` sees from internal key `start` up to `end` (the merge may stop there; a caller
    /// still checks its own bound).
    pub(crate) fn bounded(view: &View, start: &[u8], end: Bound<&[u8]>) -> Result<Visible> {
        Ok(Visible {
            merge: Merge::new(all_sources(&view.sources, start, end)?)?,
            seq: view.seq,
            now: view.now,
            decided: Vec::new(),
            has_decided: false,
        })
    }

    /// The next `(prefix, live cell)`.
    pub(crate) fn next_cell(&mut self) -> Result<Option<(Bytes, Cell)>> {
        while let Some((mut key, value)) = self.merge.next_entry()? {
            let (prefix, seq) = split_stored(&key)?;
            if (self.has_decided && self.decided == prefix) || seq > self.seq {
                continue;
            }
            self.decided.clear();
            self.decided.extend_from_slice(prefix);
            self.has_decided = true;
            // The entry's key is owned here: cut off its sequence number in place.
            key.truncate(prefix.len());
            let cell = decode_cell(value)?;
            if !cell.is_dead(self.now) {
                return Ok(Some((key, cell)));
            }
        }
        Ok(None)
    }
}

/// A lazy scan of one keyspace's user keys over a range.
struct KeyScan {
    visible: Visible,
    /// Stop before a prefix this large (or larger, when `inclusive` is false).
    upper: Vec<u8>,
    inclusive: bool,
    /// A lower bound that is excluded: skip this prefix.
    skip: Option<Vec<u8>>,
}

impl Step for KeyScan {
    type Item = (Bytes, ScanValue);

    fn step(&mut self) -> Result<Option<(Bytes, ScanValue)>> {
        while let Some((prefix, cell)) = self.visible.next_cell()? {
            let beyond = if self.inclusive {
                prefix.as_ref() > self.upper.as_slice()
            } else {
                prefix.as_ref() >= self.upper.as_slice()
            };
            if beyond {
                return Ok(None);
            }
            if self.skip.as_deref() == Some(prefix.as_ref()) {
                continue;
            }
            let key = user_key(prefix)?;
            match cell {
                Cell::Str { value, .. } => return Ok(Some((key, ScanValue::String(value)))),
                Cell::List(_) => return Ok(Some((key, ScanValue::List))),
                Cell::Tombstone | Cell::Item(_) => {}
            }
        }
        Ok(None)
    }
}

/// A fallible, step-at-a-time source of items.
trait Step {
    type Item;
    fn step(&mut self) -> Result<Option<Self::Item>>;
}

/// An iterator over a [`Step`]: after the end or an error it yields nothing more.
struct Fused<S> {
    steps: S,
    done: bool,
}

impl<S: Step> Iterator for Fused<S> {
    type Item = Result<S::Item>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.steps.step().transpose();
        self.done = !matches!(item, Some(Ok(_)));
        item
    }
}

/// The start of keyspace `ks`'s user keys, and the start of what follows them.
fn keyspace_bounds(ks: u32) -> (Vec<u8>, Vec<u8>) {
    let mut start = ks.to_be_bytes().to_vec();
    start.push(Space::User as u8);
    let mut end = ks.to_be_bytes().to_vec();
    end.push(Space::ListItem as u8);
    (start, end)
}

/// The user key of a user-space prefix (`ks | space | escaped key | 00 01`). A key without zero
/// bytes is stored unescaped, so it is the prefix itself with its ends cut off, in place: no copy
/// and no reference-count change, the common case.
fn user_key(mut prefix: Bytes) -> Result<Bytes> {
    const HEAD: usize = 5;
    if prefix.len() >= HEAD + 2
        && prefix.ends_with(&[0x00, 0x01])
        && !prefix
            .get(HEAD..prefix.len() - 2)
            .unwrap_or_default()
            .contains(&0)
    {
        prefix.truncate(prefix.len() - 2);
        prefix.advance(HEAD);
        return Ok(prefix);
    }
    decode_stored(&prefix).map(|parts| Bytes::from(parts.user_key))
}

impl Inner {
    /// A live key of `ks` drawn from `seed`. A span is chosen among the tables and memtables
    /// holding keys of `ks`, weighted by their entries. In a table, a data block is chosen
    /// through its index (blocks hold about the same bytes) and a key within it by skipping a
    /// random number of keys after the previous block's last key; in a memtable, a key among the
    /// first 256 of the span. The first live key of the keyspace stands in when the walk runs
    /// past the end. Cost: a seek and at most a block's worth of keys, whatever the store's size.
    pub(crate) fn random_key(&self, ks: u32, seed: u64) -> Result<Option<Bytes>> {
        let view = self.view();
        let (ks_start, ks_end) = keyspace_bounds(ks);
        let in_keyspace = |internal: &[u8]| {
            let prefix = prefix_of(internal);
            prefix >= ks_start.as_slice() && prefix < ks_end.as_slice()
        };
        let user_of = |internal: &[u8]| {
            decode_prefix(prefix_of(internal)).map(|parts| Bytes::from(parts.user_key))
        };
        enum Span<'a> {
            Table(&'a std::sync::Arc<crate::disk::version::set::TableFile>),
            Mem(Bytes, u64),
        }
        let mut spans: Vec<(u64, Span<'_>)> = Vec::new();
        for table in view.sources.version.tables() {
            let (lo, hi) = (
                prefix_of(&table.meta.smallest),
                prefix_of(&table.meta.largest),
            );
            if hi >= ks_start.as_slice() && lo < ks_end.as_slice() {
                spans.push((table.meta.entries.max(1), Span::Table(table)));
            }
        }
        let mems =
            std::iter::once(&view.sources.mem).chain(view.sources.imms.iter().map(|(m, _)| m));
        for mem in mems {
            if let Some(first) = mem.first_in(&ks_start, &ks_end) {
                let len = mem.len().max(1) as u64;
                spans.push((len, Span::Mem(user_of(&first).unwrap_or_default(), len)));
            }
        }
        let total: u64 = spans.iter().map(|(weight, _)| weight).sum();
        if total == 0 {
            return Ok(None);
        }
        let (mut left, pick, skip) = (
            random::mix(seed) % total,
            random::mix(seed ^ 0x5EED),
            random::mix(seed ^ 0x5C1B),
        );
        let mut start = Bound::Unbounded;
        let mut steps = 0usize;
        for (weight, span) in &spans {
            if left >= *weight {
                left -= weight;
                continue;
            }
            match span {
                Span::Table(table) => {
                    let (prev, blocks) = table.with_reader(|reader| reader.pick_block(pick))?;
                    let blocks = blocks.max(1);
                    if let Some(prev) = prev.filter(|k: &Bytes| in_keyspace(k)) {
                        if let Some(user) = user_of(&prev) {
                            start = Bound::Excluded(user);
                        }
                    }
                    let per_block = (table.meta.entries / blocks as u64).max(1);
                    steps = usize::try_from(skip % per_block).unwrap_or(0);
                }
                Span::Mem(first, len) => {
                    start = Bound::Included(first.clone());
                    steps = usize::try_from(skip % (*len).min(256)).unwrap_or(0);
                }
            }
            break;
        }
        if let Some(entry) = self
            .scan_view(&view, ks, (start, Bound::Unbounded))?
            .nth(steps)
        {
            return entry.map(|(key, _)| Some(key));
        }
        self.scan_view(&view, ks, (Bound::Unbounded, Bound::Unbounded))?
            .next()
            .transpose()
            .map(|found| found.map(|(key, _)| key))
    }

    pub(crate) fn scan_view(&self, view: &View, ks: u32, range: KeyRange) -> Result<EngineScan> {
        let (lower, upper) = range;
        let (ks_start, ks_end) = keyspace_bounds(ks);
        let (start, skip) = match &lower {
            Bound::Unbounded => (ks_start, None),
            Bound::Included(k) => (user_prefix(ks, k), None),
            Bound::Excluded(k) => {
                let prefix = user_prefix(ks, k);
                (prefix.clone(), Some(prefix))
            }
        };
        let (upper_key, inclusive) = match &upper {
            Bound::Unbounded => (ks_end, false),
            Bound::Included(k) => (user_prefix(ks, k), true),
            Bound::Excluded(k) => (user_prefix(ks, k), false),
        };
        // The internal keys the scan can reach. Identifying prefixes are prefix-free (each user
        // key ends with `0x00 0x01`, which no escaped key contains), so every version of the
        // upper key lies below it followed by 0xFF bytes, and every key below it below it.
        let last_version;
        let end = if inclusive {
            last_version = [upper_key.as_slice(), &[0xFF; SEQ_LEN]].concat();
            Bound::Included(last_version.as_slice())
        } else {
            Bound::Excluded(upper_key.as_slice())
        };
        Ok(Box::new(Fused {
            steps: KeyScan {
                visible: Visible::bounded(view, &start, end)?,
                upper: upper_key,
                inclusive,
                skip,
            },
            done: is_empty_range(&lower, &upper),
        }))
    }

    pub(crate) fn scan(&self, ks: u32, range: KeyRange) -> Result<EngineScan> {
        self.scan_view(&self.view(), ks, range)
    }

    pub(crate) fn dump(&self) -> Result<EngineDump> {
        let view = self.view();
        Ok(Box::new(Fused {
            steps: Dump {
                visible: Visible::new(&view, b"")?,
                view,
            },
            done: false,
        }))
    }
}

/// Every live key of every keyspace, lists with their elements.
struct Dump {
    visible: Visible,
    view: View,
}

impl Step for Dump {
    type Item = Record;

    fn step(&mut self) -> Result<Option<Record>> {
        while let Some((prefix, cell)) = self.visible.next_cell()? {
            let parts = decode_stored(&prefix)?;
            if parts.space != Space::User {
                continue;
            }
            let value = match &cell {
                Cell::Str { value, .. } => StoredValue::String(value.clone()),
                Cell::List(meta) => {
                    StoredValue::List(list_items(&self.view, parts.ks, &parts.user_key, meta)?)
                }
                Cell::Tombstone | Cell::Item(_) => continue,
            };
            return Ok(Some(Record {
                keyspace: parts.ks,
                key: Bytes::from(parts.user_key),
                value,
                expires_at: cell.expires_at(),
            }));
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_keys_come_back_whole_with_or_without_zero_bytes() {
        for key in [
            &b""[..],
            b"a",
            b"user:1",
            b"\x00",
            b"a\x00b",
            b"\x00\x01",
            b"\xff\x00",
        ] {
            let prefix = Bytes::from(user_prefix(3, key));
            assert_eq!(user_key(prefix).unwrap().as_ref(), key, "{key:?}");
        }
    }
}
