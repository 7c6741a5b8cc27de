//! Group commit: writers that need their log record synced share fsyncs.
//!
//! A writer appends its record under the writer lock, releases the lock, then calls
//! [`Inner::sync_to`] with its sequence number. If no sync is running it becomes the *leader*: it
//! takes the log's syncer and the newest sequence number appended so far, fsyncs without holding
//! any lock (other writers keep appending meanwhile), and publishes everything up to that number.
//! Writers that arrived during the fsync wait; the next one to wake leads the next fsync, which
//! covers all of them. So with `n` concurrent writers there are about `n / (writers per fsync)`
//! fsyncs, not `n`.
//!
//! Invariant: `synced` only grows, and every entry with a sequence number `<= synced` is in a log
//! that has been fsynced (or in a table). A log switch syncs the old log first
//! ([`GroupCommit::mark_synced`]), so a leader holding the new log's syncer never needs the old one.

use parking_lot::{Condvar, Mutex};

use super::Inner;
use crate::error::Result;

#[derive(Debug, Default)]
struct SyncState {
    synced: u64,
    leader: bool,
    failed: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct GroupCommit {
    state: Mutex<SyncState>,
    done: Condvar,
}

impl GroupCommit {
    pub(crate) fn new(synced: u64) -> Self {
        GroupCommit {
            state: Mutex::new(SyncState {
                synced,
                ..SyncState::default()
            }),
            done: Condvar::new(),
        }
    }

    /// The newest sequence number known durable.
    pub(crate) fn synced(&self) -> u64 {
        self.state.lock().synced
    }

    /// Records that everything up to `seq` is durable (a log switch synced the old log).
    pub(crate) fn mark_synced(&self, seq: u64) {
        let mut state = self.state.lock();
        state.synced = state.synced.max(seq);
        self.done.notify_all();
    }
}

impl Inner {
    /// Returns once every entry up to `seq` is durable, leading an fsync if none is running; then
    /// publishes up to what was synced.
    pub(crate) fn sync_to(&self, seq: u64) -> Result<()> {
        let mut state = self.group.state.lock();
        loop {
            if let Some(why) = &state.failed {
                return Err(super::background_error(why));
            }
            if state.synced >= seq {
                drop(state);
                self.publish(seq);
                return Ok(());
            }
            if state.leader {
                self.group.done.wait(&mut state);
                continue;
            }
            state.leader = true;
            drop(state);
            self.hook("sync:leader");
            let result = self
                .sync_target()
                .and_then(|(syncer, target, len)| syncer.sync_through(len).map(|()| target));
            state = self.group.state.lock();
            state.leader = false;
            match result {
                Ok(target) => {
                    self.counters
                        .syncs
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    state.synced = state.synced.max(target);
                    self.publish(target);
                }
                Err(e) => {
                    // After a failed fsync the kernel may have dropped the dirty pages: nothing
                    // written since the last good sync can be trusted to be durable. Refuse writes.
                    state.failed = Some(e.to_string());
                    self.fail(&e);
                }
            }
            self.group.done.notify_all();
        }
    }
}
