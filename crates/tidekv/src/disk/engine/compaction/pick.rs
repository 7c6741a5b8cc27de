//! Choosing the next compaction: a pure function of the table set, so the policy is tested
//! without files and the worker that runs a job knows nothing of policy.
//!
//! Policy (leveled, as LevelDB and RocksDB): each level has a score — level 0 its table count over
//! `l0_trigger`, level `n >= 1` its bytes over its target (`base_size * ratio^(n-1)`). The level
//! with the highest score of at least 1 is compacted into the next: all of level 0, or one table of
//! a deeper level, taken round-robin after the last key compacted out of that level so that every
//! part of the key space is rewritten in turn. The tables of the next level that overlap the
//! inputs join the job. With none overlapping, the table is moved down without rewriting it
//! (except into the last level, where only a rewrite drops tombstones).
//! The last level is never compacted out of.
//!
//! When no level needs compaction, level 0 if its tables together are at least
//! [`GARBAGE_SHARE`] tombstones (by the counts recorded when they were written), or else a table
//! of level 1 or deeper that is, is compacted on its — into the next level, or, in the last level, rewritten in place — so deleted data is
//! reclaimed even where size-driven compaction never reaches. Expired entries are not garbage
//! to a compaction: they stay until the expiry sweeper deletes them with tombstones (they are in
//! their keyspace's key count until then, `key_count.rs`), and those tombstones are.

use bytes::Bytes;

use crate::disk::version::edit::Garbage;

/// A table at least this share tombstones is rewritten even when no level is over its size.
pub(crate) const GARBAGE_SHARE: f64 = 0.5;

/// What `choose` needs of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableSummary {
    pub(crate) number: u64,
    pub(crate) size: u64,
    /// Smallest and largest key prefix (internal keys without sequence numbers).
    pub(crate) lo: Bytes,
    pub(crate) hi: Bytes,
    /// Entries in the table, and how many are (or will be) garbage.
    pub(crate) entries: u64,
    pub(crate) garbage: Garbage,
}

/// The knobs of the policy.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PickOptions {
    pub(crate) l0_trigger: usize,
    pub(crate) base_size: u64,
    pub(crate) ratio: u64,
}

/// A compaction to run: tables of `level` (`inputs`) and of `level + 1` (`next_inputs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pick {
    pub(crate) level: usize,
    pub(crate) inputs: Vec<u64>,
    pub(crate) next_inputs: Vec<u64>,
    /// The single input can move to `level + 1` as it is.
    pub(crate) trivial_move: bool,
}

/// The target size of level `level >= 1`.
pub(crate) fn level_target(level: usize, options: &PickOptions) -> u64 {
    let mut target = options.base_size;
    for _ in 1..level {
        target = target.saturating_mul(options.ratio);
    }
    target
}

/// Each level's score; a level with a score of at least 1 needs compaction.
pub(crate) fn scores(levels: &[Vec<TableSummary>], options: &PickOptions) -> Vec<f64> {
    levels
        .iter()
        .enumerate()
        .map(|(level, tables)| {
            if level + 1 == levels.len() {
                0.0
            } else if level == 0 {
                tables.len() as f64 / options.l0_trigger as f64
            } else {
                let bytes: u64 = tables.iter().map(|t| t.size).sum();
                bytes as f64 / level_target(level, options) as f64
            }
        })
        .collect()
}

/// The next compaction, if any level needs one. `cursors[n]` is the largest key compacted out of
/// level `n` last time.
pub(crate) fn choose(
    levels: &[Vec<TableSummary>],
    cursors: &[Option<Bytes>],
    options: &PickOptions,
) -> Option<Pick> {
    let scores = scores(levels, options);
    let scored = scores
        .iter()
        .enumerate()
        .filter(|(_, score)| **score >= 1.0)
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(level, _)| level);
    let level = match scored {
        Some(level) => level,
        // Level 0 is compacted whole (its tables overlap, newest first).
        None if level_zero_is_garbage(levels) => 0,
        None => return choose_garbage(levels),
    };
    let tables = &levels[level];
    let inputs: Vec<&TableSummary> = if level == 0 {
        tables.iter().collect()
    } else {
        let after = cursors.get(level).and_then(Option::as_ref);
        let at = after.map_or(0, |cursor| tables.partition_point(|t| t.lo <= *cursor));
        vec![tables.get(at).or_else(|| tables.first())?]
    };
    let lo = inputs.iter().map(|t| &t.lo).min()?;
    let hi = inputs.iter().map(|t| &t.hi).max()?;
    let next_inputs = overlapping(levels.get(level + 1)?, lo, hi);
    Some(Pick {
        level,
        // Into the last level a table is merged, not moved: only a merge there drops tombstones
        // and expired entries, and the last level is never compacted again.
        trivial_move: inputs.len() == 1 && next_inputs.is_empty() && level + 2 < levels.len(),
        inputs: inputs.iter().map(|t| t.number).collect(),
        next_inputs,
    })
}

/// The share of `table` that a rewrite can drop, as far as its counts tell: its tombstones.
/// (Not its expired entries: a rewrite keeps them, so counting them would pick the same table
/// again and again.)
pub(crate) fn garbage_share(table: &TableSummary) -> f64 {
    if table.entries == 0 {
        return 0.0;
    }
    table.garbage.tombstones as f64 / table.entries as f64
}

/// The numbers of the tables of `tables` whose key range meets `[lo, hi]`.
fn overlapping(tables: &[TableSummary], lo: &Bytes, hi: &Bytes) -> Vec<u64> {
    tables
        .iter()
        .filter(|t| t.lo <= *hi && t.hi >= *lo)
        .map(|t| t.number)
        .collect()
}

/// One step of a full compaction (`Store::compact`): all of `level` into the next level, with
/// the next level's overlapping tables. The step into the last level takes the whole last level,
/// not only what overlaps: dead entries (deleted lists' elements, expired keys) sit in tables no
/// upper level touches. `None` if there is nothing to do at this step.
pub(crate) fn choose_whole_level(levels: &[Vec<TableSummary>], level: usize) -> Option<Pick> {
    let tables = levels.get(level)?;
    let below = levels.get(level + 1)?;
    let last_step = level + 2 == levels.len();
    let inputs: Vec<u64> = tables.iter().map(|t| t.number).collect();
    let next_inputs = match (
        tables.iter().map(|t| &t.lo).min(),
        tables.iter().map(|t| &t.hi).max(),
    ) {
        _ if last_step => below.iter().map(|t| t.number).collect(),
        (Some(lo), Some(hi)) => overlapping(below, lo, hi),
        _ => Vec::new(),
    };
    if inputs.is_empty() && next_inputs.is_empty() {
        return None;
    }
    Some(Pick {
        level,
        // Moving is only safe for tables that do not overlap each other (level >= 1, or a lone
        // level-0 table); and a move keeps tombstones, so the last step merges.
        trivial_move: next_inputs.is_empty() && (level > 0 || inputs.len() == 1) && !last_step,
        inputs,
        next_inputs,
    })
}

/// Whether level 0's tables together are at least [`GARBAGE_SHARE`] tombstones (say, what the
/// expiry sweeper deleted, flushed while the store is otherwise idle).
fn level_zero_is_garbage(levels: &[Vec<TableSummary>]) -> bool {
    let Some(tables) = levels.first() else {
        return false;
    };
    let entries: u64 = tables.iter().map(|t| t.entries).sum();
    let tombstones: u64 = tables.iter().map(|t| t.garbage.tombstones).sum();
    entries > 0 && tombstones as f64 / entries as f64 >= GARBAGE_SHARE
}

/// The table of level 1 or deeper with the largest garbage share of at least [`GARBAGE_SHARE`].
fn choose_garbage(levels: &[Vec<TableSummary>]) -> Option<Pick> {
    let last = levels.len().checked_sub(1)?;
    let (level, table, _) = levels
        .iter()
        .enumerate()
        .skip(1)
        .flat_map(|(level, tables)| tables.iter().map(move |t| (level, t)))
        .map(|(level, t)| (level, t, garbage_share(t)))
        .filter(|(_, _, share)| *share >= GARBAGE_SHARE)
        .max_by(|a, b| a.2.total_cmp(&b.2))?;
    if level == last {
        // Rewritten in place: merged "from the level above" with no inputs there.
        return Some(Pick {
            level: last - 1,
            inputs: Vec::new(),
            next_inputs: vec![table.number],
            trivial_move: false,
        });
    }
    let next_inputs = overlapping(&levels[level + 1], &table.lo, &table.hi);
    Some(Pick {
        level,
        trivial_move: next_inputs.is_empty() && level + 2 < levels.len(),
        inputs: vec![table.number],
        next_inputs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: PickOptions = PickOptions {
        l0_trigger: 4,
        base_size: 100,
        ratio: 10,
    };

    fn table(number: u64, size: u64, lo: &str, hi: &str) -> TableSummary {
        TableSummary {
            number,
            size,
            lo: Bytes::copy_from_slice(lo.as_bytes()),
            hi: Bytes::copy_from_slice(hi.as_bytes()),
            entries: 100,
            garbage: Garbage::default(),
        }
    }

    fn levels(
        l0: Vec<TableSummary>,
        l1: Vec<TableSummary>,
        l2: Vec<TableSummary>,
    ) -> Vec<Vec<TableSummary>> {
        vec![l0, l1, l2, Vec::new()]
    }

    #[test]
    fn nothing_to_do_below_every_trigger() {
        let l = levels(
            vec![table(9, 10, "a", "z"); 3],
            vec![table(1, 99, "a", "m")],
            vec![table(2, 999, "a", "z")],
        );
        assert_eq!(choose(&l, &[], &OPTIONS), None);
    }

    #[test]
    fn level_zero_at_its_trigger_goes_whole_into_the_overlapping_part_of_level_one() {
        let l = levels(
            vec![
                table(10, 5, "c", "f"),
                table(9, 5, "a", "d"),
                table(8, 5, "e", "g"),
                table(7, 5, "b", "c"),
            ],
            vec![
                table(1, 10, "a", "b"),
                table(2, 10, "h", "k"),
                table(3, 10, "f", "g"),
            ],
            vec![],
        );
        let pick = choose(&l, &[], &OPTIONS).unwrap();
        assert_eq!(pick.level, 0);
        assert_eq!(pick.inputs, vec![10, 9, 8, 7]);
        assert_eq!(pick.next_inputs, vec![1, 3]);
        assert!(!pick.trivial_move);
    }

    #[test]
    fn the_level_furthest_over_its_target_wins_and_tables_are_taken_round_robin() {
        // L1 at 1.5x its target, L2 at 1.2x.
        let l1 = vec![
            table(1, 50, "a", "c"),
            table(2, 50, "d", "f"),
            table(3, 50, "g", "i"),
        ];
        let l2 = vec![table(4, 1200, "e", "h")];
        let l = levels(vec![], l1, l2);
        let first = choose(&l, &[], &OPTIONS).unwrap();
        assert_eq!((first.level, first.inputs.clone()), (1, vec![1]));
        assert!(first.trivial_move, "nothing in L2 overlaps a..c");
        let cursors = vec![None, Some(Bytes::from_static(b"c"))];
        let second = choose(&l, &cursors, &OPTIONS).unwrap();
        assert_eq!((second.inputs, second.next_inputs), (vec![2], vec![4]));
        let cursors = vec![None, Some(Bytes::from_static(b"i"))];
        let wrapped = choose(&l, &cursors, &OPTIONS).unwrap();
        assert_eq!(
            wrapped.inputs,
            vec![1],
            "past the last table it starts over"
        );
    }

    #[test]
    fn a_table_is_merged_not_moved_into_the_last_level() {
        let l = vec![vec![], vec![], vec![table(1, 1500, "a", "b")], vec![]];
        let pick = choose(&l, &[], &OPTIONS).unwrap();
        assert_eq!((pick.level, pick.next_inputs.len()), (2, 0));
        assert!(!pick.trivial_move);
    }

    #[test]
    fn the_last_level_is_never_compacted_and_targets_grow_by_the_ratio() {
        let huge = vec![table(1, u64::MAX / 4, "a", "z")];
        let l = vec![vec![], vec![], huge];
        assert_eq!(choose(&l, &[], &OPTIONS), None);
        assert_eq!(level_target(1, &OPTIONS), 100);
        assert_eq!(level_target(3, &OPTIONS), 10_000);
    }
}

#[cfg(test)]
mod garbage_tests {
    use super::*;

    fn table(number: u64, lo: &str, hi: &str, garbage: Garbage) -> TableSummary {
        TableSummary {
            number,
            size: 10,
            lo: Bytes::copy_from_slice(lo.as_bytes()),
            hi: Bytes::copy_from_slice(hi.as_bytes()),
            entries: 100,
            garbage,
        }
    }

    const OPTIONS: PickOptions = PickOptions {
        l0_trigger: 4,
        base_size: 1 << 30,
        ratio: 10,
    };

    #[test]
    fn a_table_of_expired_entries_is_left_to_the_expiry_sweeper() {
        // A rewrite keeps expired entries (the sweeper deletes them), so picking this table
        // would pick it again after every rewrite, for ever.
        let expiring = Garbage {
            tombstones: 0,
            expiring: 60,
            latest_expiry: 5_000,
        };
        let levels = vec![vec![], vec![], vec![table(7, "a", "c", expiring)]];
        assert_eq!(choose(&levels, &[], &OPTIONS), None);
    }

    #[test]
    fn a_level_zero_of_tombstones_goes_down_whole() {
        let dead = Garbage {
            tombstones: 60,
            ..Garbage::default()
        };
        let levels = vec![
            vec![
                table(8, "a", "c", dead),
                table(9, "b", "d", Garbage::default()),
            ],
            vec![table(3, "c", "e", Garbage::default())],
            vec![],
        ];
        assert_eq!(choose(&levels, &[], &OPTIONS), None, "30% tombstones");
        let levels = vec![
            vec![table(8, "a", "c", dead)],
            vec![table(3, "c", "e", Garbage::default())],
            vec![],
        ];
        let pick = choose(&levels, &[], &OPTIONS).unwrap();
        assert_eq!(
            (pick.level, pick.inputs, pick.next_inputs),
            (0, vec![8], vec![3])
        );
    }

    #[test]
    fn a_last_level_table_of_tombstones_is_rewritten_in_place() {
        let dead = Garbage {
            tombstones: 60,
            ..Garbage::default()
        };
        let levels = vec![vec![], vec![], vec![table(7, "a", "c", dead)]];
        let pick = choose(&levels, &[], &OPTIONS).unwrap();
        assert_eq!(
            pick,
            Pick {
                level: 1,
                inputs: vec![],
                next_inputs: vec![7],
                trivial_move: false
            },
            "the last level is rewritten in place"
        );
    }

    #[test]
    fn tombstone_heavy_tables_go_down_with_what_they_overlap_and_light_ones_stay() {
        let heavy = Garbage {
            tombstones: 70,
            ..Garbage::default()
        };
        let light = Garbage {
            tombstones: 49,
            ..Garbage::default()
        };
        let levels = vec![
            vec![],
            vec![table(1, "a", "c", light), table(2, "d", "f", heavy)],
            vec![table(3, "e", "g", Garbage::default())],
            vec![],
        ];
        let pick = choose(&levels, &[], &OPTIONS).unwrap();
        assert_eq!(
            (pick.level, pick.inputs, pick.next_inputs),
            (1, vec![2], vec![3])
        );
        let levels = vec![vec![], vec![table(1, "a", "c", light)], vec![], vec![]];
        assert_eq!(choose(&levels, &[], &OPTIONS), None);
    }
}
