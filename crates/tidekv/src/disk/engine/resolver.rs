//! The resolver thread: looks up batches of pending keys (`pending_keys.rs`) off the writer's
//! path, and hands their count changes back when the counts are needed.
//!
//! The writer hands over a batch once it holds [`RESOLVE_BATCH`] keys (one lock and one wake-up
//! per batch, not per write). [`Inner::settle_counts`] — called under the writer lock by
//! whatever needs exact counts or a complete expiry index — hands over the rest, waits until
//! the resolver is idle, and folds what it found into `Writer::counts`. The resolver never
//! takes the writer lock, so waiting for it under that lock cannot deadlock.

use std::collections::BTreeMap;

use parking_lot::{Condvar, Mutex};

use super::active_keys::ActiveKeys;
use super::pending_keys::PendingKeys;
use super::record_account::apply_delta;
use super::tally::Tally;
use super::{Inner, Writer};
use crate::error::Result;

/// Pending keys that make the writer hand a batch over: enough to overlap many cache misses
/// and make the hand-over rare, few enough that `len` waits little.
pub(crate) const RESOLVE_BATCH: usize = 1024;

/// See the module docs.
pub(crate) struct Resolver {
    state: Mutex<ResolverState>,
    /// Woken when a batch is queued, when one is done, and at shutdown.
    changed: Condvar,
}

#[derive(Default)]
struct ResolverState {
    /// Batches handed over, oldest first.
    queue: Vec<PendingKeys>,
    /// Whether a batch is being worked on (it left the queue).
    busy: bool,
    /// Count changes found and not yet folded into `Writer::counts`, by keyspace.
    deltas: BTreeMap<u32, Tally>,
    /// The same by record: `(record's last sequence number, keyspace, change)`.
    changes: Vec<(u64, u32, Tally)>,
    /// Emptied batches, kept for their allocations.
    spare: Vec<PendingKeys>,
    /// The filter of the active memtable's keys (`active_keys.rs`); whoever resolves a batch
    /// holds it meanwhile.
    active: ActiveKeys,
    /// Set when a batch failed: the thread leaves the queue to `settle_counts` until it has
    /// resolved it.
    paused: bool,
    /// Set at shutdown: the thread ends after the batch it is on.
    stopping: bool,
}

impl Resolver {
    /// A resolver for a store whose memtables have a budget of `memtable_size` bytes.
    pub(crate) fn new(memtable_size: usize) -> Self {
        Resolver {
            state: Mutex::new(ResolverState {
                active: ActiveKeys::new(memtable_size),
                ..ResolverState::default()
            }),
            changed: Condvar::new(),
        }
    }

    /// Queues `pending` (leaving an empty batch in its place).
    fn hand_over(&self, pending: &mut PendingKeys) {
        let mut state = self.state.lock();
        let empty = state.spare.pop().unwrap_or_default();
        let batch = std::mem::replace(pending, empty);
        state.queue.push(batch);
        self.changed.notify_all();
    }

    /// Ends the thread after the batch it is on.
    pub(crate) fn stop(&self) {
        self.state.lock().stopping = true;
        self.changed.notify_all();
    }
}

impl Inner {
    /// Hands `writer`'s pending keys to the resolver if there are enough (the write path).
    pub(crate) fn hand_over_full_batch(&self, writer: &mut Writer) {
        if writer.pending.len() >= RESOLVE_BATCH {
            self.resolver.hand_over(&mut writer.pending);
        }
    }

    /// Lets the resolver work off every write deferred so far while the writer lock is free, so
    /// that writers go on meanwhile: hands the writer's pending keys over (a brief hold of the
    /// lock), then waits until the resolver has nothing queued or in hand. Their index entries
    /// are then in the memtable, and a [`Inner::settle_counts`] right after has only the writes
    /// since to resolve under the lock: a few, instead of up to a batch's table lookups (tens
    /// of milliseconds when the keys are overwrites of keys in uncached tables). Returns early
    /// when the resolver paused on a failed batch or is stopping: `settle_counts` then does the
    /// rest, and reports the error.
    pub(crate) fn drain_resolver(&self) {
        {
            let mut writer = self.writer.lock();
            if !writer.pending.is_empty() {
                self.resolver.hand_over(&mut writer.pending);
            }
        }
        let mut state = self.resolver.state.lock();
        while (state.busy || !state.queue.is_empty()) && !state.paused && !state.stopping {
            self.hook("drain_resolver:wait");
            self.resolver.changed.wait(&mut state);
        }
    }

    /// Makes `writer.counts` and the expiry index complete: hands over what is pending, waits
    /// for the batch the resolver is working on, resolves whatever is still queued here (the
    /// caller holds the writer lock, so nothing new is queued meanwhile), and folds the
    /// findings into `writer.counts`.
    ///
    /// A failed lookup leaves its batch queued and fails this call only: the records are in
    /// the log, and the next call (a `len`, a rotation) tries again, so a transient read error
    /// costs no write and no count.
    pub(crate) fn settle_counts(&self, writer: &mut Writer) -> Result<()> {
        if !writer.pending.is_empty() {
            self.resolver.hand_over(&mut writer.pending);
        }
        let sources = self.current();
        let (mut deltas, mut changes) = {
            let mut state = self.resolver.state.lock();
            while state.busy {
                self.resolver.changed.wait(&mut state);
            }
            let mut queue = std::mem::take(&mut state.queue);
            let mut active = std::mem::take(&mut state.active);
            let mut deltas = std::mem::take(&mut state.deltas);
            let mut changes = std::mem::take(&mut state.changes);
            let mut resolved = 0;
            let result = queue.iter().try_for_each(|batch| {
                // Each batch into its own maps, so that a failed one adds nothing.
                let (mut batch_deltas, mut batch_changes) = (BTreeMap::new(), Vec::new());
                batch.resolve(
                    &sources,
                    &mut active,
                    self.visible(),
                    &mut batch_deltas,
                    &mut batch_changes,
                )?;
                for (ks, delta) in batch_deltas {
                    *deltas.entry(ks).or_default() += delta;
                }
                changes.append(&mut batch_changes);
                resolved += 1;
                Ok(())
            });
            state.active = active;
            if let Err(e) = result {
                // Keep what is known, and the batches still to do, for the next try. A failed
                // batch's index entries may be in already: inserting them again replaces them
                // with the same cells.
                state.deltas = deltas;
                state.changes = changes;
                state.queue = queue.split_off(resolved);
                return Err(e);
            }
            for mut batch in queue {
                batch.clear();
                state.spare.push(batch);
            }
            state.paused = false;
            self.resolver.changed.notify_all();
            (deltas, changes)
        };
        // No rotation since these writes (it would have settled first): a keyspace the writer
        // has no count for has an exact count entry in the tree.
        for (ks, delta) in std::mem::take(&mut deltas) {
            apply_delta(&sources, &mut writer.counts, ks, delta, writer.last_seq)?;
        }
        writer.count_changes.append(&mut changes);
        Ok(())
    }

    /// The resolver thread's body.
    pub(crate) fn resolve_loop(&self) {
        let mut deltas = BTreeMap::new();
        let mut changes = Vec::new();
        loop {
            let (batch, mut active) = {
                let mut state = self.resolver.state.lock();
                loop {
                    // A close settles before it stops the threads, so what is left is only
                    // after a simulated crash or a failure: the log replay redoes it.
                    if state.stopping {
                        return;
                    }
                    if !state.queue.is_empty() && !state.paused {
                        break;
                    }
                    self.resolver.changed.wait(&mut state);
                }
                state.busy = true;
                (state.queue.remove(0), std::mem::take(&mut state.active))
            };
            self.hook("resolve:batch");
            // The active memtable is the one these writes went to: a rotation settles first.
            let result = batch.resolve(
                &self.current(),
                &mut active,
                self.visible(),
                &mut deltas,
                &mut changes,
            );
            let mut state = self.resolver.state.lock();
            state.busy = false;
            state.active = active;
            match result {
                Ok(()) => {
                    for (ks, delta) in std::mem::take(&mut deltas) {
                        *state.deltas.entry(ks).or_default() += delta;
                    }
                    state.changes.append(&mut changes);
                    let mut batch = batch;
                    batch.clear();
                    state.spare.push(batch);
                }
                Err(_) => {
                    // Leave the batch (and its partial findings) to `settle_counts`, which
                    // retries and reports the error; pause until it has.
                    deltas.clear();
                    changes.clear();
                    state.queue.insert(0, batch);
                    state.paused = true;
                }
            }
            self.resolver.changed.notify_all();
        }
    }
}
