//! Blocked pops: who waits on which list, and serving them in arrival order.
//!
//! Each blocked call is a [`Slot`] queued, in arrival order, on every list it waits on. Whoever
//! makes a list non-empty (a push, a move, a transaction) *serves* that list: for the oldest
//! waiting slot it claims the slot, pops on the slot's behalf and hands it the elements. So:
//!
//! - **Arrival order.** A list's queue is served from the front, by one server at a time (a
//!   second server marks the queue to be served again and leaves): the longest-waiting call is
//!   served first, as in Redis.
//! - **Exactly once.** An element is popped only for a claimed slot, and a claimed slot cannot
//!   time out or be cancelled until the server has finished with it: an element is never popped
//!   for a caller that has gone. A slot served and then dropped before its owner read the answer
//!   (an async caller that disconnected at that moment) gives the elements back to the list.
//! - **No lost wake-up.** A slot is queued before its caller serves each of its lists once
//!   itself; a push after the queueing serves it, a push before it left an element that the
//!   caller's own serving finds.
//!
//! Slots have states: `Waiting` → `Claimed` (a server is popping for it) → `Done` (the answer is
//! in) → `Taken` (the owner read it); `Waiting` → `Cancelled` (timeout, drop). Claimed slots go back
//! to `Waiting` if the list turned out empty (another client popped first).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Waker;

use bytes::Bytes;
use parking_lot::{Condvar, Mutex};

use crate::error::{Error, Result};

pub(crate) use crate::engine::BlockingOp;

/// What a served call gets: the list it was served from and the elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Served {
    pub(crate) key: Bytes,
    pub(crate) values: Vec<Bytes>,
}

#[derive(Debug)]
pub(crate) enum SlotState {
    Waiting,
    Claimed,
    Done(Result<Served>),
    Taken,
    Cancelled,
}

/// One blocked call.
#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) ks: u32,
    pub(crate) keys: Vec<Bytes>,
    pub(crate) op: BlockingOp,
    pub(crate) state: Mutex<SlotState>,
    pub(crate) changed: Condvar,
    pub(crate) waker: Mutex<Option<Waker>>,
}

impl Slot {
    pub(crate) fn new(ks: u32, keys: Vec<Bytes>, op: BlockingOp) -> Arc<Slot> {
        Arc::new(Slot {
            ks,
            keys,
            op,
            state: Mutex::new(SlotState::Waiting),
            changed: Condvar::new(),
            waker: Mutex::new(None),
        })
    }

    /// Sets the state and wakes the owner, sync or async.
    fn set(&self, state: SlotState) {
        *self.state.lock() = state;
        self.changed.notify_all();
        if let Some(waker) = self.waker.lock().take() {
            waker.wake();
        }
    }

    /// Claims a waiting slot for serving; `false` if it is not waiting.
    fn claim(&self) -> bool {
        let mut state = self.state.lock();
        if matches!(*state, SlotState::Waiting) {
            *state = SlotState::Claimed;
            true
        } else {
            false
        }
    }

    /// Ends a wait that gave up (a timeout, a drop): cancels a waiting slot, waits out a claim in
    /// progress, and returns an answer that came in meanwhile (it must not be lost).
    pub(crate) fn give_up(&self) -> Option<Result<Served>> {
        let mut state = self.state.lock();
        loop {
            match std::mem::replace(&mut *state, SlotState::Taken) {
                SlotState::Waiting => {
                    *state = SlotState::Cancelled;
                    return None;
                }
                SlotState::Claimed => {
                    *state = SlotState::Claimed;
                    self.changed.wait(&mut state);
                }
                SlotState::Done(answer) => return Some(answer),
                other @ (SlotState::Taken | SlotState::Cancelled) => {
                    *state = other;
                    return None;
                }
            }
        }
    }
}

/// A list's queue of blocked calls, and whether someone is serving it.
#[derive(Debug, Default)]
struct KeyQueue {
    slots: VecDeque<Arc<Slot>>,
    serving: bool,
    /// Set when someone wanted to serve while another was: the server goes round once more.
    again: bool,
}

/// A list blocked calls wait on: its keyspace and key.
type ListId = (u32, Bytes);

/// Every blocked call of a store.
#[derive(Debug, Default)]
pub(crate) struct Waiters {
    /// Queued slots; a push costs one atomic load while this is zero.
    live: AtomicUsize,
    queues: Mutex<HashMap<ListId, KeyQueue>>,
}

/// What [`Waiters::next_to_serve`] found.
pub(crate) enum Turn {
    /// Serve this slot (it is claimed).
    Serve(Arc<Slot>),
    /// Nobody is waiting: serving this list is over.
    Done,
}

impl Waiters {
    /// Queues `slot` on each of its lists.
    pub(crate) fn enqueue(&self, slot: &Arc<Slot>) {
        let mut queues = self.queues.lock();
        for key in &slot.keys {
            queues
                .entry((slot.ks, key.clone()))
                .or_default()
                .slots
                .push_back(Arc::clone(slot));
        }
        self.live.fetch_add(1, Ordering::SeqCst);
    }

    /// Removes `slot` from its lists' queues (it is done, cancelled or taken).
    pub(crate) fn dequeue(&self, slot: &Arc<Slot>) {
        let mut queues = self.queues.lock();
        for key in &slot.keys {
            let id = (slot.ks, key.clone());
            if let Some(queue) = queues.get_mut(&id) {
                queue.slots.retain(|s| !Arc::ptr_eq(s, slot));
                if queue.slots.is_empty() && !queue.serving {
                    queues.remove(&id);
                }
            }
        }
        self.live.fetch_sub(1, Ordering::SeqCst);
    }

    /// Whether anyone waits at all.
    pub(crate) fn any(&self) -> bool {
        self.live.load(Ordering::SeqCst) > 0
    }

    /// Starts serving a list; `false` if nobody waits on it, or someone is serving it already
    /// (who will then go round once more).
    pub(crate) fn begin_serving(&self, ks: u32, key: &Bytes) -> bool {
        let mut queues = self.queues.lock();
        let Some(queue) = queues.get_mut(&(ks, key.clone())) else {
            return false;
        };
        if queue.serving {
            queue.again = true;
            return false;
        }
        queue.serving = true;
        queue.again = false;
        true
    }

    /// The oldest waiting slot of a list being served, claimed; cancelled and finished slots
    /// met on the way leave the queue, slots claimed by another list's server keep their place.
    pub(crate) fn next_to_serve(&self, ks: u32, key: &Bytes) -> Turn {
        let mut queues = self.queues.lock();
        let Some(queue) = queues.get_mut(&(ks, key.clone())) else {
            return Turn::Done;
        };
        queue.slots.retain(|s| {
            !matches!(
                *s.state.lock(),
                SlotState::Cancelled | SlotState::Taken | SlotState::Done(_)
            )
        });
        match queue.slots.iter().find(|s| s.claim()) {
            Some(slot) => Turn::Serve(Arc::clone(slot)),
            None => Turn::Done,
        }
    }

    /// Ends serving a list; `true` if someone asked for another round meanwhile.
    pub(crate) fn end_serving(&self, ks: u32, key: &Bytes) -> bool {
        let mut queues = self.queues.lock();
        let id = (ks, key.clone());
        let Some(queue) = queues.get_mut(&id) else {
            return false;
        };
        queue.serving = false;
        if queue.again {
            return true;
        }
        if queue.slots.is_empty() {
            queues.remove(&id);
        }
        false
    }

    /// Answers a claimed slot.
    pub(crate) fn answer(slot: &Slot, answer: Result<Served>) {
        slot.set(SlotState::Done(answer));
    }

    /// Puts a claimed slot back to waiting (its list was empty after all).
    pub(crate) fn unclaim(slot: &Slot) {
        slot.set(SlotState::Waiting);
    }

    /// Answers every waiting call with `Closed` (the store is closing).
    pub(crate) fn close_all(&self) {
        let queues = self.queues.lock();
        for queue in queues.values() {
            for slot in &queue.slots {
                let mut state = slot.state.lock();
                if matches!(*state, SlotState::Waiting) {
                    *state = SlotState::Done(Err(Error::Closed));
                    drop(state);
                    slot.changed.notify_all();
                    if let Some(waker) = slot.waker.lock().take() {
                        waker.wake();
                    }
                }
            }
        }
    }

    /// Every list some call waits on (to serve them all after a snapshot load).
    pub(crate) fn lists(&self) -> Vec<ListId> {
        self.queues.lock().keys().cloned().collect()
    }
}
