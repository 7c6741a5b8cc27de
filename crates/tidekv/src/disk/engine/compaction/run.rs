//! Running one compaction: merge the input tables, keep what [`Retention`] keeps, write the
//! output level's tables, and swap inputs for outputs in one manifest edit.
//!
//! The merge runs without the version lock, so flushes go on meanwhile (they only add level-0
//! tables newer than anything in the job). Inputs are marked obsolete once the new version is
//! installed; their files go when the last reader or iterator holding them is done.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::pick::{choose, choose_whole_level, Pick, PickOptions, TableSummary};
use crate::disk::engine::edits::Retire;
use crate::disk::engine::merge::{table_sources, Merge};
use crate::disk::engine::table_output::{Retention, TableSink};
use crate::disk::engine::Inner;
use crate::disk::version::edit::VersionEdit;
use crate::disk::version::set::{TableFile, Version, LEVELS};
use crate::error::{Error, Result};

/// A compaction looks at `stopping` once per this many entries, so `close` never waits for a
/// long merge to finish.
const STOP_CHECK_EVERY: u64 = 4096;

pub(super) fn summaries(version: &Version) -> Vec<Vec<TableSummary>> {
    version
        .levels
        .iter()
        .map(|tables| {
            tables
                .iter()
                .map(|t| {
                    // The ranges without their sequence trailers, as slices of the stored keys.
                    let (lo, hi) = t.key_range();
                    TableSummary {
                        number: t.meta.number,
                        size: t.meta.size,
                        lo: t.meta.smallest.slice(..lo.len()),
                        hi: t.meta.largest.slice(..hi.len()),
                        entries: t.meta.entries,
                        garbage: t.meta.garbage,
                    }
                })
                .collect()
        })
        .collect()
}

impl Inner {
    pub(crate) fn pick_options(&self) -> PickOptions {
        PickOptions {
            l0_trigger: self.options.l0_compaction_trigger,
            base_size: self.options.level_base_size,
            ratio: self.options.level_size_ratio,
        }
    }

    /// Runs one compaction if any level needs one; `false` if none does (or the store is
    /// closing).
    pub(crate) fn compact_once(&self) -> Result<bool> {
        self.hook("compact_once:start");
        let _one_at_a_time = self.compaction.lock();
        if self.lifecycle.stopping.load(Ordering::Acquire) {
            return Ok(false);
        }
        let (pick, version) = {
            let versions = self.versions.lock();
            let version = Arc::clone(&self.current().version);
            match choose(
                &summaries(&version),
                &versions.cursors,
                &self.pick_options(),
            ) {
                Some(pick) => (pick, version),
                None => return Ok(false),
            }
        };
        match self.run_pick(pick, &version) {
            // `close` stopped it; nothing was installed.
            Err(Error::Closed) => Ok(false),
            other => other.map(|()| true),
        }
    }

    /// Flushes every memtable, then compacts each level whole into the next, top to bottom: every
    /// key ends up in the last level, with overwritten versions, tombstones, expired entries and
    /// dead list elements gone (`Store::compact`).
    ///
    /// The compaction lock is taken per level, not for the whole run, so background compactions
    /// keep level 0 from filling up (and writes from stalling) while a long one runs. A `close`
    /// meanwhile stops it between (or inside) steps with `Error::Closed`; `close` waits for it.
    pub(crate) fn compact_all(&self) -> Result<()> {
        let _job = self.lifecycle.jobs.read();
        self.check_not_stopping()?;
        // Expired keys stay (in their keyspace's count) until deleted: delete them first.
        self.sweep_all_expired()?;
        self.flush_memtables()?;
        for level in 0..LEVELS - 1 {
            self.hook("compact_all:before_step");
            let _one_at_a_time = self.compaction.lock();
            self.check_not_stopping()?;
            let version = Arc::clone(&self.current().version);
            if let Some(pick) = choose_whole_level(&summaries(&version), level) {
                self.run_pick(pick, &version)?;
            }
        }
        Ok(())
    }

    /// Compacts all of `level` into the next level (one step of [`Inner::compact_all`]).
    #[cfg(test)]
    pub(crate) fn compact_level(&self, level: usize) -> Result<()> {
        let _one_at_a_time = self.compaction.lock();
        let version = Arc::clone(&self.current().version);
        if let Some(pick) = choose_whole_level(&summaries(&version), level) {
            self.run_pick(pick, &version)?;
        }
        Ok(())
    }

    /// Runs `pick`, chosen on `version`. The caller holds the compaction lock.
    pub(super) fn run_pick(&self, pick: Pick, version: &Arc<Version>) -> Result<()> {
        let find = |level: usize, numbers: &[u64]| -> Vec<Arc<TableFile>> {
            version.levels[level]
                .iter()
                .filter(|t| numbers.contains(&t.meta.number))
                .cloned()
                .collect()
        };
        let inputs = find(pick.level, &pick.inputs);
        let next = find(pick.level + 1, &pick.next_inputs);
        let out_level = pick.level + 1;
        let out_level_u8 =
            u8::try_from(out_level).map_err(|_| Error::invalid("level", "too deep"))?;
        let outputs: Vec<Arc<TableFile>> = if pick.trivial_move {
            self.counters.trivial_moves.fetch_add(1, Ordering::Relaxed);
            inputs.iter().map(|t| t.moved_to(out_level_u8)).collect()
        } else {
            self.merge_tables(&inputs, &next, out_level, version)?
        };
        let read: u64 = inputs.iter().chain(&next).map(|t| t.meta.size).sum();
        let written: u64 = outputs.iter().map(|t| t.meta.size).sum();

        let mut versions = self.versions.lock();
        // A store that is closing must not change: its lock is about to be released, and another
        // open may read the directory. The outputs go with their handles.
        if let Err(closed) = self.check_not_stopping() {
            if !pick.trivial_move {
                outputs.iter().for_each(|t| t.mark_obsolete());
            }
            return Err(closed);
        }
        let edit = VersionEdit {
            removed: inputs
                .iter()
                .chain(&next)
                .map(|t| (t.meta.level, t.meta.number))
                .collect(),
            ..VersionEdit::default()
        };
        self.commit_edit(&mut versions, edit, &outputs, Retire::Nothing)?;
        if let Some(last) = inputs
            .iter()
            .max_by(|a, b| a.key_range().1.cmp(b.key_range().1))
        {
            let hi = last.key_range().1;
            versions.cursors[pick.level] = Some(last.meta.largest.slice(..hi.len()));
        }
        drop(versions);
        if !pick.trivial_move {
            for table in inputs.iter().chain(&next) {
                table.mark_obsolete();
            }
            self.counters.compactions.fetch_add(1, Ordering::Relaxed);
            self.counters
                .compaction_bytes_read
                .fetch_add(read, Ordering::Relaxed);
            self.counters
                .compaction_bytes_written
                .fetch_add(written, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Merges `inputs` (level n) and `next` (level n + 1) into new tables of `out_level`.
    fn merge_tables(
        &self,
        inputs: &[Arc<TableFile>],
        next: &[Arc<TableFile>],
        out_level: usize,
        version: &Version,
    ) -> Result<Vec<Arc<TableFile>>> {
        // Level-0 inputs overlap, so each is its own source; the inputs of a deeper level are
        // sorted and disjoint, so they are one concatenated source that opens one table at a
        // time (a whole-level step of `Store::compact` may take hundreds of tables: opening them
        // all at once could exhaust the process's file descriptors). The next level likewise.
        let levels = if out_level == 1 {
            vec![inputs.to_vec(), next.to_vec()]
        } else {
            vec![Vec::new(), inputs.to_vec(), next.to_vec()]
        };
        let mut merge = Merge::new(table_sources(&levels, b"")?)?;
        let mut retention = Retention::new(self.retention_view(), &version.levels, out_level + 1);
        let level = u8::try_from(out_level).map_err(|_| Error::invalid("level", "too deep"))?;
        let mut sink = TableSink::new(self, level, self.options.table_size);
        let mut entries = 0u64;
        while let Some((key, value)) = merge.next_entry()? {
            entries += 1;
            if entries.is_multiple_of(STOP_CHECK_EVERY) {
                // The sink removes what it wrote when dropped by this early return.
                self.check_not_stopping()?;
            }
            if retention.keep(&key, &value)? {
                sink.add(&key, &value)?;
            }
        }
        sink.finish()
    }
}
