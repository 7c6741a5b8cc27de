//! The write path: run a [`Txn`] under the writer lock, append it to the log as one record, insert
//! it into the memtable, then make it visible (after its fsync, with `Durability::Sync`).
//!
//! A full memtable is frozen and a new log started before the next write ("rotation"). If too
//! many frozen memtables wait for their flush, or level 0 has too many tables, the writer waits
//! (a *stall*, counted in stats) until the background threads catch up: memory and read cost stay
//! bounded instead of growing without limit under a write burst.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::MutexGuard;

use super::key_count::Presence;
use super::record_account::{write_counts, RecordAccount};
use super::txn::Txn;
use super::view::View;
use super::{Inner, SuperVersion, Writer};
use crate::config::Durability;
use crate::disk::cell::Cell;
use crate::disk::version::edit::FEATURE_KEY_COUNTS;
use crate::disk::wal::record::{EntryKind, EntryRef};
use crate::disk::wal::writer::WalWriter;
use crate::error::{Error, Result};

/// One write as [`Inner::commit`] takes it.
pub(super) struct Staged<'a> {
    /// The user-key prefix (`view.rs`, `user_prefix`): the internal key without its sequence
    /// number.
    pub(super) prefix: &'a [u8],
    /// The encoded cell, carved from the writer's arena.
    pub(super) stored: Bytes,
    /// Whether the cell is a tombstone (logged as a delete, with no value).
    pub(super) tombstone: bool,
    pub(super) expires_at: Option<u64>,
    /// What the key held before, if the writer read it.
    pub(super) before: Option<Presence>,
}

impl Inner {
    /// Runs `body` as one atomic write and returns what it returned.
    pub(crate) fn write<T>(&self, body: impl FnOnce(&mut Txn) -> Result<T>) -> Result<T> {
        let (mut writer, sources) = self.begin_write()?;
        let view = View {
            sources: Arc::clone(&sources),
            seq: writer.last_seq,
            now: self.now(),
        };
        let mut txn = Txn::new(view, writer.last_seq + 1);
        let out = body(&mut txn)?;
        let (_, writes) = txn.into_parts();
        if writes.is_empty() {
            // The answer (a pop of an empty list, a remove of a missing key) may rest on another
            // writer's record that is appended but not yet durable: the transaction read at
            // `last_seq`. In `Sync` mode no reply may depend on what a power cut can take back,
            // so wait for the sync that covers what was read.
            if self.options.durability == Durability::Sync {
                let seen = writer.last_seq;
                drop(writer);
                self.sync_to(seen)?;
            }
            return Ok(out);
        }
        let arena = &mut writer.arena;
        let mut staged: Vec<Staged<'_>> = writes
            .iter()
            .map(|(prefix, cell, before)| Staged {
                prefix,
                stored: arena.alloc(cell.encoded_len(), |out| cell.encode_into(out)),
                tombstone: *cell == Cell::Tombstone,
                expires_at: cell.expires_at(),
                before: *before,
            })
            .collect();
        let last = self
            .commit(&mut writer, &sources, &mut staged)
            .inspect_err(|e| self.fail_on_io(e))?;
        self.make_visible(writer, last)?;
        Ok(out)
    }

    /// The start of every write: the writer lock, and the sources whose memtable has room
    /// (after a rotation or a stall, see [`Inner::make_room`]).
    pub(super) fn begin_write(&self) -> Result<(MutexGuard<'_, Writer>, Arc<SuperVersion>)> {
        self.check_healthy()?;
        let mut writer = self.writer.lock();
        let sources = self
            .make_room(&mut writer)
            .inspect_err(|e| self.fail_on_io(e))?;
        Ok((writer, sources))
    }

    /// Makes the writes up to `last`, just committed under `writer`, visible: at once, or — in
    /// `Sync` mode — once their fsync is done, waited for without the writer lock.
    pub(super) fn make_visible(&self, writer: MutexGuard<'_, Writer>, last: u64) -> Result<()> {
        if self.options.durability == Durability::Sync {
            drop(writer);
            self.sync_to(last)
        } else {
            self.publish(last);
            Ok(())
        }
    }

    /// Returns once every write committed before the call is visible to readers.
    ///
    /// A write touches watched keys, commits and — except in `Sync` mode — publishes, all under
    /// the writer lock; so once the lock has been taken here, every write that began before is
    /// committed, and visible unless it still waits for its fsync. In `Sync` mode that fsync is
    /// waited for.
    pub(crate) fn settle(&self) -> Result<()> {
        let committed = self.writer.lock().last_seq;
        if self.options.durability == Durability::Sync {
            self.sync_to(committed)?;
        }
        Ok(())
    }

    /// Appends `staged` to the log as one record and inserts it, with its bookkeeping
    /// (`key_count.rs`), into `sources`' memtable (each cell is moved out of `staged`); returns
    /// the last sequence number used.
    ///
    /// Each write's encoded cell is already carved from the writer's entry arena
    /// (`memtable/arena.rs`), and its internal key is carved here: a write allocates nothing
    /// that the memtable keeps.
    pub(super) fn commit(
        &self,
        writer: &mut Writer,
        sources: &SuperVersion,
        staged: &mut [Staged<'_>],
    ) -> Result<u64> {
        let first_seq = writer.last_seq + 1;
        let entries = staged.iter().map(|write| EntryRef {
            kind: if write.tombstone {
                EntryKind::Delete
            } else {
                EntryKind::Put
            },
            key: write.prefix,
            value: if write.tombstone { &[] } else { &write.stored },
            expires_at: write.expires_at,
        });
        let wal_before = writer.wal.len();
        let wal_after = writer.wal.append_entries(first_seq, entries)?;
        self.counters
            .wal_bytes
            .fetch_add(wal_after - wal_before, Ordering::Relaxed);
        self.counters.wal_size.store(wal_after, Ordering::Relaxed);
        if self.options.durability != Durability::Sync
            && writer.wal.writeback_due(self.options.wal_sync_bytes)
        {
            self.request_writeback();
        }
        let last = first_seq + staged.len() as u64 - 1;
        writer.last_seq = last;
        let keep = sources.version.features & FEATURE_KEY_COUNTS != 0;
        let Writer {
            counts,
            count_changes,
            pending,
            arena,
            ..
        } = &mut *writer;
        let mut account = RecordAccount::new(sources, keep, first_seq, last, Some(pending));
        let mut user_bytes = 0;
        for (seq, write) in (first_seq..).zip(staged.iter_mut()) {
            user_bytes += (write.prefix.len() + write.stored.len()) as u64;
            let key = arena.copy_with(write.prefix, &(!seq).to_be_bytes());
            account.insert(key, std::mem::take(&mut write.stored), write.before);
        }
        // The record is in the log: if its bookkeeping cannot be made (a table read failed),
        // the memtable no longer matches the log, so the store stops taking writes; a reopen
        // replays the record and derives the bookkeeping again.
        let visible = self.visible();
        count_changes.retain(|(seq, _, _)| *seq > visible);
        account
            .finish(counts, |ks, delta| count_changes.push((last, ks, delta)))
            .inspect_err(|e| self.fail(e))?;
        self.hand_over_full_batch(writer);
        self.counters
            .user_bytes
            .fetch_add(user_bytes, Ordering::Relaxed);
        Ok(writer.last_seq)
    }

    /// Rotates a full memtable, stalling while the background threads are too far behind; returns
    /// the sources whose memtable has room. Fails with `Closed` once the store is sealed.
    ///
    /// A stalled writer waits *without* the writer lock: group commit (whose leader takes the
    /// lock to find the log's tail), `Store::flush` and `stats` go on meanwhile, and writers that
    /// arrive find the same full memtable and wait too. The condition is re-read under the lock.
    pub(super) fn make_room(
        &self,
        writer: &mut MutexGuard<'_, Writer>,
    ) -> Result<Arc<SuperVersion>> {
        let mut stalled: Option<Instant> = None;
        let result = loop {
            if writer.sealed {
                break Err(Error::Closed);
            }
            let sources = self.current();
            if sources.mem.approximate_size() < self.options.memtable_size {
                break Ok(sources);
            }
            let too_many_frozen = sources.imms.len() >= self.options.max_immutable_memtables;
            let too_many_l0 = sources.version.levels[0].len() >= self.options.l0_stall_trigger;
            if !too_many_frozen && !too_many_l0 {
                break self.rotate(writer).map(|()| self.current());
            }
            if stalled.is_none() {
                stalled = Some(Instant::now());
                self.counters.stalls.fetch_add(1, Ordering::Relaxed);
            }
            let waited = MutexGuard::unlocked(writer, || {
                let mut bg = self.background.state.lock();
                if let Some(why) = &bg.error {
                    return Err(super::background_error(why));
                }
                if bg.shutdown {
                    return Err(Error::Closed);
                }
                self.background.wake.notify_all();
                // A timeout as well as the wake-up: the condition is re-read from the sources.
                self.background
                    .wake
                    .wait_for(&mut bg, Duration::from_millis(10));
                Ok(())
            });
            if let Err(e) = waited {
                break Err(e);
            }
        };
        if let Some(start) = stalled {
            let micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
            self.counters
                .stall_micros
                .fetch_add(micros, Ordering::Relaxed);
        }
        result
    }

    /// Freezes the active memtable and starts a new log for its successor.
    ///
    /// The old log is synced *before* the new one is created: once a newer log exists, an older
    /// one is complete and durable, so recovery can treat any damage in it as corruption and only
    /// the newest log can have a torn tail (`docs/format/wal.md`, "Recovery"). It also means group
    /// commit only ever syncs the newest log, and `Store::flush` only needs that one.
    pub(crate) fn rotate(&self, writer: &mut Writer) -> Result<()> {
        let mem = Arc::clone(&self.current().mem);
        if mem.is_empty() {
            return Ok(());
        }
        // The counts go out with the memtable: every write in it must be counted first.
        self.settle_counts(writer)?;
        write_counts(&writer.counts, &mem, writer.last_seq)?;
        writer.wal.complete()?;
        self.group.mark_synced(writer.last_seq);
        self.publish(writer.last_seq);
        let number = self.new_file_number();
        let wal = WalWriter::create(
            self.fs.as_ref(),
            &self.dir,
            number,
            self.options.max_record_bytes,
        )?;
        self.counters.wal_size.store(wal.len(), Ordering::Relaxed);
        let old = std::mem::replace(&mut writer.wal, wal);
        drop(old);
        // Nothing more goes into `mem` (the writer lock is held until the new memtable is
        // installed): give it its filter before it is frozen.
        mem.seal();
        self.install(|current| {
            let mut imms = Vec::with_capacity(current.imms.len() + 1);
            imms.push((Arc::clone(&current.mem), current.mem_log));
            imms.extend(current.imms.iter().cloned());
            SuperVersion {
                mem: Arc::new(mem.successor()),
                mem_log: number,
                imms,
                version: Arc::clone(&current.version),
            }
        });
        let _bg = self.background.state.lock();
        self.background.wake.notify_all();
        Ok(())
    }

    /// An I/O failure on the write path (a short append, a failed fsync, a log that cannot be
    /// created) stops all later writes: the log may now hold a partial record, or pages the kernel
    /// dropped, and acknowledging later writes after it would put them behind damage that
    /// recovery must treat as corruption. Other errors (a record too large) change nothing.
    pub(super) fn fail_on_io(&self, error: &Error) {
        if matches!(error, Error::Io { .. }) {
            self.fail(error);
        }
    }

    /// Freezes the memtable (for the flush thread) if no write came after sequence number
    /// `seq`: the expiry sweeper's deletes then reach the tables of an idle store.
    pub(crate) fn freeze_if_idle(&self, seq: u64) -> Result<()> {
        let mut writer = self.writer.lock();
        if writer.sealed || writer.last_seq != seq {
            return Ok(());
        }
        self.rotate(&mut writer).inspect_err(|e| self.fail_on_io(e))
    }

    /// Makes every write so far durable (`Store::flush`).
    pub(crate) fn sync_all(&self) -> Result<()> {
        let last = self.writer.lock().last_seq;
        self.sync_to(last)
    }
}
