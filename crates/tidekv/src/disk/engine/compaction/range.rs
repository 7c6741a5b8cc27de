//! Compacting one key range of one keyspace (`Keyspace::compact_range`): every level's tables
//! that hold entries of the range are merged into the next level, top to bottom, so the range
//! ends in the last level with its overwritten versions, tombstones and expired entries gone.
//!
//! What else it rewrites: level 0 whole when any of it holds the range, and below that every
//! table overlapping what moves down. A flush writes each keyspace's key count after that
//! keyspace's keys, so a table that came from level 0 reaches past the range to the last
//! keyspace it counted, and the steps below it take the tables in between: with recent writes
//! in level 0, a range compaction rewrites about as much as the store holds from the range on.
//! Tables before the range are left alone; when the range's data is all in deeper levels, only
//! the tables holding it and their overlaps are.
//!
//! The range's keys live in two spaces of the keyspace (`disk/key.rs`): the user keys (strings
//! and list metadata) and the list elements. A table is taken if its key range meets either.
//! Level 0 is taken whole when any of it meets them: its tables overlap each other, and moving
//! only some down would put a newer version below an older one. Below level 0, a level's
//! tables that meet the range are merged with the next level's tables they overlap; the step
//! into the last level takes the last level's overlapping tables (not the whole level).

use std::ops::Bound;
use std::sync::Arc;

use bytes::Bytes;

use super::pick::{Pick, TableSummary};
use super::run::summaries;
use crate::disk::engine::Inner;
use crate::disk::key::{put_escaped, Space};
use crate::disk::version::set::LEVELS;
use crate::error::Result;

/// A closed interval of key prefixes (internal keys without sequence numbers).
type Span = (Bytes, Bytes);

/// The prefix spans holding user keys `lower..upper` of keyspace `ks` and their list elements.
pub(crate) fn spans(ks: u32, lower: Bound<&[u8]>, upper: Bound<&[u8]>) -> Vec<Span> {
    [Space::User, Space::ListItem]
        .into_iter()
        .map(|space| {
            let start = |key: Option<&[u8]>| {
                let mut out = Vec::new();
                out.extend_from_slice(&ks.to_be_bytes());
                out.push(space as u8);
                if let Some(key) = key {
                    put_escaped(&mut out, key);
                }
                out
            };
            let lo = match lower {
                Bound::Included(k) | Bound::Excluded(k) => start(Some(k)),
                Bound::Unbounded => start(None),
            };
            // Every prefix of key `k` in this space starts `esc(k) 00 01`: `esc(k) 00 02` is
            // past them all. Past the space's last key: the next space's first byte.
            let hi = match upper {
                Bound::Included(k) | Bound::Excluded(k) => {
                    let mut out = start(Some(k));
                    out.extend_from_slice(&[0x00, 0x02]);
                    out
                }
                Bound::Unbounded => {
                    let mut out = start(None);
                    if let Some(last) = out.last_mut() {
                        *last += 1;
                    }
                    out
                }
            };
            (Bytes::from(lo), Bytes::from(hi))
        })
        .collect()
}

fn meets(t: &TableSummary, spans: &[Span]) -> bool {
    spans.iter().any(|(lo, hi)| t.lo <= *hi && t.hi >= *lo)
}

/// One step of a range compaction: `level`'s tables that meet `spans` (all of level 0 if any of
/// it does) into the next level, with the next level's tables they overlap. `None` if none meet.
pub(crate) fn choose_range(
    levels: &[Vec<TableSummary>],
    level: usize,
    spans: &[Span],
) -> Option<Pick> {
    let tables = levels.get(level)?;
    let below = levels.get(level + 1)?;
    let inputs: Vec<&TableSummary> = if level == 0 {
        if !tables.iter().any(|t| meets(t, spans)) {
            return None;
        }
        tables.iter().collect()
    } else {
        tables.iter().filter(|t| meets(t, spans)).collect()
    };
    let lo = inputs.iter().map(|t| &t.lo).min()?;
    let hi = inputs.iter().map(|t| &t.hi).max()?;
    let next_inputs: Vec<u64> = below
        .iter()
        .filter(|t| t.lo <= *hi && t.hi >= *lo)
        .map(|t| t.number)
        .collect();
    Some(Pick {
        level,
        inputs: inputs.iter().map(|t| t.number).collect(),
        next_inputs,
        // Merged, not moved: the point is to drop what is dead in the range.
        trivial_move: false,
    })
}

impl Inner {
    /// Compacts keys `lower..upper` of keyspace `ks` into the last level (see the module docs).
    pub(crate) fn compact_range(
        &self,
        ks: u32,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
    ) -> Result<()> {
        let _job = self.lifecycle.jobs.read();
        self.check_not_stopping()?;
        self.sweep_all_expired()?;
        self.flush_memtables()?;
        let spans = spans(ks, lower, upper);
        for level in 0..LEVELS - 1 {
            let _one_at_a_time = self.compaction.lock();
            self.check_not_stopping()?;
            let version = Arc::clone(&self.current().version);
            if let Some(pick) = choose_range(&summaries(&version), level, &spans) {
                self.run_pick(pick, &version)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::key::put_prefix;

    fn prefix(ks: u32, space: Space, key: &[u8], suffix: &[u8]) -> Bytes {
        let mut out = Vec::new();
        put_prefix(&mut out, ks, space, key, suffix);
        Bytes::from(out)
    }

    #[test]
    fn the_spans_hold_every_prefix_of_the_range_and_nothing_of_other_keyspaces() {
        let spans = spans(2, Bound::Included(b"b"), Bound::Included(b"d"));
        let inside = |p: &Bytes| spans.iter().any(|(lo, hi)| lo <= p && p <= hi);
        for key in [&b"b"[..], b"c", b"c\x00x", b"d"] {
            assert!(inside(&prefix(2, Space::User, key, b"")), "{key:?}");
            assert!(
                inside(&prefix(2, Space::ListItem, key, &[7; 16])),
                "{key:?}"
            );
        }
        for outside in [
            prefix(2, Space::User, b"a", b""),
            prefix(2, Space::User, b"e", b""),
            prefix(1, Space::User, b"c", b""),
            prefix(3, Space::User, b"c", b""),
            prefix(2, Space::KeyCount, b"", b""),
        ] {
            assert!(!inside(&outside), "{outside:?}");
        }
        let all = super::spans(2, Bound::Unbounded, Bound::Unbounded);
        let inside_all = |p: &Bytes| all.iter().any(|(lo, hi)| lo <= p && p <= hi);
        assert!(inside_all(&prefix(2, Space::User, b"\xff\xff", b"")));
        assert!(!inside_all(&prefix(3, Space::User, b"", b"")));
    }
}

#[cfg(test)]
mod engine_tests {
    use std::ops::Bound;
    use std::path::PathBuf;

    use bytes::Bytes;

    use super::spans;
    use crate::config::DiskOptions;
    use crate::disk::engine::test_support::open_on;
    use crate::disk::fs::MemFs;
    use crate::disk::key::split_seq;
    use crate::engine::Engine;

    fn options() -> DiskOptions {
        let mut options = DiskOptions::new(PathBuf::from("/db"));
        options.memtable_size = 8 << 10;
        options.table_size = 8 << 10;
        options.level_base_size = 16 << 10;
        options
    }

    #[test]
    fn a_range_compaction_leaves_no_entry_of_the_range_but_the_live_ones() {
        let fs = MemFs::new();
        let engine = open_on(&fs, &options()).unwrap();
        let value = Bytes::from(vec![b'v'; 40]);
        for i in 0..1500u32 {
            engine
                .put(0, format!("a{i:05}").as_bytes(), value.clone(), None)
                .unwrap();
            engine
                .put(1, format!("b{i:05}").as_bytes(), value.clone(), None)
                .unwrap();
        }
        engine.compact().unwrap();
        for i in 0..1500u32 {
            engine.remove(0, format!("a{i:05}").as_bytes()).unwrap();
        }
        // The deletes reach a table: level 0 holds the tombstones of what the last level holds.
        engine.inner.flush_memtables().unwrap();

        engine
            .inner
            .compact_range(0, Bound::Included(b"a"), Bound::Excluded(b"b"))
            .unwrap();

        let spans = spans(0, Bound::Included(b"a"), Bound::Excluded(b"b"));
        let version = engine.inner.current().version.clone();
        for table in version.tables() {
            for entry in table.reader().unwrap().iter() {
                let (key, _) = entry.unwrap();
                let (prefix, _) = split_seq(&key).unwrap();
                let in_range = spans
                    .iter()
                    .any(|(lo, hi)| lo[..] <= *prefix && *prefix <= hi[..]);
                assert!(!in_range, "an entry of the range is left: {key:?}");
            }
        }
        assert_eq!(engine.get(1, b"b01499").unwrap(), Some(value.clone()));
        assert_eq!(engine.get(0, b"a00000").unwrap(), None);
        assert_eq!((engine.len(0).unwrap(), engine.len(1).unwrap()), (0, 1500));
    }
}
