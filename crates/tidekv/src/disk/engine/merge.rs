//! Merging iteration over every source of a [`SuperVersion`]: the active and frozen memtables,
//! each L0 table, and one concatenating iterator per deeper level. The merge yields every stored
//! entry (all versions, tombstones included) in internal-key order; [`super::scan::Visible`] turns
//! that into what a reader at one sequence number sees.
//!
//! Every source is owned and lazy: a memtable is read through a cursor that owns a share of its
//! skip list (one search, then one load per entry), a table block by block, and a level opens its
//! next table only when the previous one is exhausted. An iterator holds the `Arc`s of its
//! sources, so flushes and compactions can replace them meanwhile.
//!
//! A bounded merge (a scan of a key range) takes only what can hold keys of its range: tables
//! whose keys all lie outside it are left out, and memtable cursors stop at its end. A short scan
//! so pays for the sources its range touches, not for every table of the store.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::ops::Bound;
use std::sync::Arc;

use bytes::Bytes;

use super::SuperVersion;
use crate::disk::memtable::{Cursor, Memtable};
use crate::disk::table::reader::TableIter;
use crate::disk::version::set::TableFile;
use crate::error::Result;

/// An internal key and its cell bytes.
pub(crate) type Entry = (Bytes, Bytes);

/// One ordered stream of entries.
pub(crate) trait Source: Send {
    fn next_entry(&mut self) -> Result<Option<Entry>>;
}

/// Entries a memtable source reads ahead at first: a short scan copies few it will not use.
const MEM_FIRST_BATCH: usize = 8;
/// Entries it reads ahead at most (doubling each time).
const MEM_BATCH: usize = 128;

/// One memtable from a start key, up to `upper`, read ahead in batches from a cursor.
///
/// Why batches, when a cursor steps with one load: the nodes lie scattered in memory, so each
/// step misses the CPU cache. Walking several in a row lets the processor overlap one node's miss
/// with the work on the one before (its key compared, its handles cloned); one step per merge
/// call, between other sources' work, left every miss to wait alone (5 % slower on 100-key scans
/// of a store right after a fill, A/B in BENCHMARKS.md).
struct MemSource {
    cursor: Cursor,
    upper: Bound<Bytes>,
    batch: VecDeque<Entry>,
    next_batch: usize,
    done: bool,
}

impl MemSource {
    fn read_ahead(&mut self) {
        for _ in 0..self.next_batch {
            let Some(at) = self.cursor.entry() else {
                self.done = true;
                return;
            };
            let key = at.key().bytes();
            let below_upper = match &self.upper {
                Bound::Unbounded => true,
                Bound::Included(upper) => key <= upper,
                Bound::Excluded(upper) => key < upper,
            };
            if !below_upper {
                self.done = true;
                return;
            }
            self.batch.push_back((key.clone(), at.value().clone()));
            self.cursor.advance();
        }
        self.next_batch = (self.next_batch * 2).min(MEM_BATCH);
    }
}

impl Source for MemSource {
    fn next_entry(&mut self) -> Result<Option<Entry>> {
        if self.batch.is_empty() && !self.done {
            self.read_ahead();
        }
        Ok(self.batch.pop_front())
    }
}

struct TableSource(TableIter);

impl Source for TableSource {
    fn next_entry(&mut self) -> Result<Option<Entry>> {
        self.0.next().transpose()
    }
}

/// The tables of one level `>= 1`, in key order, opened one after another.
struct LevelSource {
    tables: Vec<Arc<TableFile>>,
    next: usize,
    current: Option<TableIter>,
    /// Where the first table's iterator starts.
    start: Option<Bytes>,
}

impl Source for LevelSource {
    fn next_entry(&mut self) -> Result<Option<Entry>> {
        loop {
            if let Some(iter) = self.current.as_mut() {
                match iter.next() {
                    Some(entry) => return entry.map(Some),
                    None => self.current = None,
                }
            }
            let Some(table) = self.tables.get(self.next) else {
                return Ok(None);
            };
            self.next += 1;
            let start = self.start.take();
            self.current = Some(table.with_reader(|reader| {
                Ok(match start {
                    Some(start) => reader.seek(&start),
                    None => reader.iter(),
                })
            })?);
        }
    }
}

/// Sources over `tables`, starting at internal key `start`. Each level-0 table is opened now;
/// a deeper level opens its tables one after another.
pub(crate) fn table_sources(
    levels: &[Vec<Arc<TableFile>>],
    start: &[u8],
) -> Result<Vec<Box<dyn Source>>> {
    bounded_table_sources(levels, start, Bound::Unbounded)
}

/// [`table_sources`] over the tables that may hold internal keys from `start` up to `end`.
fn bounded_table_sources(
    levels: &[Vec<Arc<TableFile>>],
    start: &[u8],
    end: Bound<&[u8]>,
) -> Result<Vec<Box<dyn Source>>> {
    // Whether a table whose smallest key is `smallest` begins past `end`.
    let past_end = |smallest: &[u8]| match end {
        Bound::Included(end) => smallest > end,
        Bound::Excluded(end) => smallest >= end,
        Bound::Unbounded => false,
    };
    let mut sources: Vec<Box<dyn Source>> = Vec::new();
    for (level, tables) in levels.iter().enumerate() {
        if level == 0 {
            for table in tables {
                if table.meta.largest.as_ref() < start || past_end(&table.meta.smallest) {
                    continue;
                }
                let iter = table.with_reader(|reader| Ok(reader.seek(start)))?;
                sources.push(Box::new(TableSource(iter)));
            }
        } else {
            // A level's tables are sorted and disjoint: the overlapping ones are one run.
            let first = tables.partition_point(|t| t.meta.largest.as_ref() < start);
            let last = first + tables[first..].partition_point(|t| !past_end(&t.meta.smallest));
            if first < last {
                sources.push(Box::new(LevelSource {
                    tables: tables[first..last].to_vec(),
                    next: 0,
                    current: None,
                    start: Some(Bytes::copy_from_slice(start)),
                }));
            }
        }
    }
    Ok(sources)
}

/// A source over one memtable from `start`.
pub(crate) fn mem_source(mem: Arc<Memtable>, start: &[u8]) -> Box<dyn Source> {
    bounded_mem_source(mem, start, Bound::Unbounded)
}

/// A source over the entries of one memtable from `start` up to `end`.
fn bounded_mem_source(mem: Arc<Memtable>, start: &[u8], end: Bound<&[u8]>) -> Box<dyn Source> {
    Box::new(MemSource {
        cursor: mem.cursor(start),
        upper: end.map(Bytes::copy_from_slice),
        batch: VecDeque::new(),
        next_batch: MEM_FIRST_BATCH,
        done: false,
    })
}

/// Every source of `sources` that may hold internal keys from `start` up to `end`.
pub(crate) fn all_sources(
    sources: &SuperVersion,
    start: &[u8],
    end: Bound<&[u8]>,
) -> Result<Vec<Box<dyn Source>>> {
    let mut all = vec![bounded_mem_source(Arc::clone(&sources.mem), start, end)];
    for (imm, _) in &sources.imms {
        all.push(bounded_mem_source(Arc::clone(imm), start, end));
    }
    all.extend(bounded_table_sources(&sources.version.levels, start, end)?);
    Ok(all)
}

/// The k-way merge of several sources.
///
/// Invariant: `heads[i]` is source `i`'s next entry; `current`, if any, is the source whose head
/// is the smallest `(key, i)`, and the heap holds `(key, i)` for exactly the other sources whose
/// head is `Some`. The smallest source stays out of the heap while its next key still sorts
/// first, as it does for a run of keys from one table: most steps of a scan then touch no heap
/// and clone no key.
pub(crate) struct Merge {
    sources: Vec<Box<dyn Source>>,
    heads: Vec<Option<Entry>>,
    heap: BinaryHeap<Reverse<(Bytes, usize)>>,
    current: Option<usize>,
}

impl Merge {
    pub(crate) fn new(mut sources: Vec<Box<dyn Source>>) -> Result<Merge> {
        let mut heads = Vec::with_capacity(sources.len());
        let mut heap = BinaryHeap::with_capacity(sources.len());
        for (i, source) in sources.iter_mut().enumerate() {
            let head = source.next_entry()?;
            if let Some((key, _)) = &head {
                heap.push(Reverse((key.clone(), i)));
            }
            heads.push(head);
        }
        let current = heap.pop().map(|Reverse((_, i))| i);
        Ok(Merge {
            sources,
            heads,
            heap,
            current,
        })
    }

    /// The smallest entry of all sources.
    pub(crate) fn next_entry(&mut self) -> Result<Option<Entry>> {
        let Some(i) = self.current else {
            return Ok(None);
        };
        let (Some(head), Some(source)) = (self.heads.get_mut(i), self.sources.get_mut(i)) else {
            return Ok(None);
        };
        let entry = head.take();
        let next = source.next_entry()?;
        // Whether source `i`, with its next key, still comes before every source in the heap
        // (ties go to the lower index, as the heap orders them).
        let still_first = match (&next, self.heap.peek()) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some((key, _)), Some(Reverse((top, j)))) => (key, i) < (top, *j),
        };
        if still_first {
            *head = next;
            return Ok(entry);
        }
        if let Some((key, _)) = &next {
            self.heap.push(Reverse((key.clone(), i)));
        }
        *head = next;
        self.current = self.heap.pop().map(|Reverse((_, j))| j);
        Ok(entry)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A source over a sorted list; values name the source and position, so the test can tell
    /// which of two equal keys came first.
    struct Listed(std::vec::IntoIter<Entry>);

    impl Source for Listed {
        fn next_entry(&mut self) -> Result<Option<Entry>> {
            Ok(self.0.next())
        }
    }

    proptest! {
        /// The merge yields every entry of every source in `(key, source index)` order: equal
        /// keys (which sources may share, e.g. a count entry rewritten at the same sequence
        /// number) come from the lower index first, runs from one source and interleavings
        /// alike.
        #[test]
        fn yields_every_entry_in_key_then_source_order(
            lists in prop::collection::vec(
                prop::collection::btree_set(prop::collection::vec(0u8..4, 0..3), 0..12),
                0..6,
            ),
        ) {
            let mut expected = Vec::new();
            let mut sources: Vec<Box<dyn Source>> = Vec::new();
            for (i, keys) in lists.iter().enumerate() {
                let entries: Vec<Entry> = keys
                    .iter()
                    .map(|k| (Bytes::from(k.clone()), Bytes::from(format!("{i}"))))
                    .collect();
                expected.extend(keys.iter().map(|k| (k.clone(), i)));
                sources.push(Box::new(Listed(entries.into_iter())));
            }
            expected.sort();
            let mut merge = Merge::new(sources).unwrap();
            let mut got = Vec::new();
            while let Some((key, value)) = merge.next_entry().unwrap() {
                let source: usize = std::str::from_utf8(&value).unwrap().parse().unwrap();
                got.push((key.to_vec(), source));
            }
            prop_assert_eq!(got, expected);
            prop_assert!(merge.next_entry().unwrap().is_none());
        }
    }
}
