//! Blocking pops (Redis `BLPOP`, `BRPOP`, `BLMPOP`, `BLMOVE`): wait for an element to arrive on
//! any of several lists, served in arrival order, each element to exactly one caller. How waiting
//! calls are queued and served is in `waiters.rs`.
//!
//! Two forms: a call that blocks its thread up to a timeout, and a [`BlockedPop`] future that
//! holds no thread while it waits (a server with thousands of blocked clients uses it, with its
//! runtime's timer; dropping the future cancels the wait without losing an element).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::engine::{End, KeyKind};
use crate::error::{Error, Result};
use crate::ops::lists;
use crate::store::blocked_pop::{BlockedPop, LocalPop, PopState};
use crate::store::keyspace::Keyspace;
use crate::store::list_edits::ListEnd;
use crate::store::waiters::{BlockingOp, Served, Slot, SlotState, Turn, Waiters};

impl Keyspace {
    /// Pops the first element of the first non-empty list among `keys`, waiting for one to be
    /// pushed (Redis `BLPOP`). Returns `(key, value)`, or `None` if `timeout` passed first.
    ///
    /// `timeout`: `None` waits for ever (Redis's `BLPOP … 0`); `Some(Duration::ZERO)` does not
    /// wait. Calls blocked on a list are served in the order they arrived, and each element goes
    /// to exactly one of them. [`Store::close`] ends the wait with [`Error::Closed`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use tidekv::{Config, Store};
    /// let store = Store::open(Config::memory())?;
    /// let producer = store.clone();
    /// let worker = std::thread::spawn(move || store.blocking_pop_front(&["jobs"], None));
    /// producer.push_back("jobs", "job-1")?;
    /// let (key, job) = worker.join().unwrap()?.expect("a job");
    /// assert_eq!((&key[..], &job[..]), (&b"jobs"[..], &b"job-1"[..]));
    /// # Ok::<(), tidekv::Error>(())
    /// ```
    pub fn blocking_pop_front<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        timeout: Option<Duration>,
    ) -> Result<Option<(Bytes, Bytes)>> {
        self.blocking_pop_one(keys, End::Front, timeout)
    }

    /// Like [`Store::blocking_pop_front`], from the tail (Redis `BRPOP`).
    pub fn blocking_pop_back<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        timeout: Option<Duration>,
    ) -> Result<Option<(Bytes, Bytes)>> {
        self.blocking_pop_one(keys, End::Back, timeout)
    }

    /// Pops up to `count` elements from one end of the first non-empty list among `keys`,
    /// waiting as [`Store::blocking_pop_front`] does (Redis `BLMPOP`). Returns the list's key and
    /// the elements in pop order.
    pub fn blocking_pop_many<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        end: ListEnd,
        count: usize,
        timeout: Option<Duration>,
    ) -> Result<Option<(Bytes, Vec<Bytes>)>> {
        if count == 0 {
            return Err(Error::invalid("count", "must be at least 1"));
        }
        let op = BlockingOp::Pop {
            end: end.into(),
            count: count as u64,
        };
        let served = self.block(keys, op, timeout)?;
        Ok(served.map(|s| (s.key, s.values)))
    }

    /// Moves an element from one end of `from` to one end of `to`, waiting for `from` to have
    /// one as [`Store::blocking_pop_front`] does (Redis `BLMOVE`, `BRPOPLPUSH`). Returns the
    /// element. A `to` that holds a string is [`Error::WrongType`] when the element arrives, and
    /// the element stays in `from`.
    pub fn blocking_list_move(
        &self,
        from: impl AsRef<[u8]>,
        to: impl AsRef<[u8]>,
        from_end: ListEnd,
        to_end: ListEnd,
        timeout: Option<Duration>,
    ) -> Result<Option<Bytes>> {
        let op = BlockingOp::Move {
            to: self.owned_key(to.as_ref())?,
            from_end: from_end.into(),
            to_end: to_end.into(),
        };
        let served = self.block(&[from], op, timeout)?;
        Ok(served.and_then(|s| s.values.into_iter().next()))
    }

    /// A future for a pop from the first non-empty list among `keys` (up to `count` elements from
    /// `end`), holding no thread while it waits: Redis's `BLPOP` / `BRPOP` / `BLMPOP` for an async
    /// server. It waits for ever; put a timeout around it with your runtime's timer. Dropping it
    /// cancels the wait; an element that reached it at that moment goes back to its list.
    pub fn pop_when_ready<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        end: ListEnd,
        count: usize,
    ) -> Result<BlockedPop> {
        if count == 0 {
            return Err(Error::invalid("count", "must be at least 1"));
        }
        let op = BlockingOp::Pop {
            end: end.into(),
            count: count as u64,
        };
        self.start_blocking(keys, op)
    }

    /// A future for [`Store::blocking_list_move`] (Redis `BLMOVE`), as [`Store::pop_when_ready`].
    pub fn move_when_ready(
        &self,
        from: impl AsRef<[u8]>,
        to: impl AsRef<[u8]>,
        from_end: ListEnd,
        to_end: ListEnd,
    ) -> Result<BlockedPop> {
        let op = BlockingOp::Move {
            to: self.owned_key(to.as_ref())?,
            from_end: from_end.into(),
            to_end: to_end.into(),
        };
        self.start_blocking(&[from], op)
    }

    fn blocking_pop_one<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        end: End,
        timeout: Option<Duration>,
    ) -> Result<Option<(Bytes, Bytes)>> {
        let op = BlockingOp::Pop { end, count: 1 };
        let served = self.block(keys, op, timeout)?;
        Ok(served.and_then(|s| Some((s.key, s.values.into_iter().next()?))))
    }

    /// The keys of a blocking call, checked.
    fn blocking_keys<K: AsRef<[u8]>>(&self, keys: &[K]) -> Result<Vec<Bytes>> {
        self.check_open()?;
        if keys.is_empty() {
            return Err(Error::invalid(
                "keys",
                "a blocking pop needs at least one key",
            ));
        }
        keys.iter().map(|k| self.owned_key(k.as_ref())).collect()
    }

    /// Queues a blocked call and serves its lists once (it may be answered at once).
    fn start_blocking<K: AsRef<[u8]>>(&self, keys: &[K], op: BlockingOp) -> Result<BlockedPop> {
        self.start_blocking_on(self.blocking_keys(keys)?, op)
    }

    /// [`Keyspace::start_blocking`] on checked keys.
    fn start_blocking_on(&self, keys: Vec<Bytes>, op: BlockingOp) -> Result<BlockedPop> {
        if let Some(waiting) =
            self.shared
                .engine
                .server_pop_future(self.ks, keys.clone(), op.clone())
        {
            // The server waits (remote): other clients' pushes serve it too.
            return Ok(BlockedPop {
                state: PopState::Server(waiting?),
            });
        }
        // Redis's check: the keys are looked at in order up to the first list, and one that
        // holds a string is WRONGTYPE at once.
        for key in &keys {
            match self.shared.engine.kind(self.ks, key)? {
                Some(KeyKind::List) => break,
                Some(KeyKind::String) => return Err(crate::engine::string_is_not_a_list()),
                None => {}
            }
        }
        let slot = Slot::new(self.ks, keys, op);
        self.shared.waiters.enqueue(&slot);
        let pending = BlockedPop {
            state: PopState::Local(LocalPop {
                store: self.clone(),
                slot: Arc::clone(&slot),
                finished: false,
            }),
        };
        // Closed after queueing: `close` answers queued calls, so a close before this check is
        // seen here and one after it answers the slot.
        if let Err(e) = self.check_open() {
            drop(pending);
            return Err(e);
        }
        for key in &slot.keys {
            self.serve(slot.ks, key);
        }
        Ok(pending)
    }

    /// Blocks the calling thread on a queued call up to `timeout`.
    fn block<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        op: BlockingOp,
        timeout: Option<Duration>,
    ) -> Result<Option<Served>> {
        let named = self.blocking_keys(keys)?;
        if let Some(answer) = self.shared.engine.server_pop(self.ks, &named, &op, timeout) {
            // The server waits (remote).
            return Ok(answer?.map(|(key, values)| Served { key, values }));
        }
        let pending = self.start_blocking_on(named, op)?;
        let PopState::Local(mut pending) = pending.into_state() else {
            return Err(Error::invalid(
                "blocking pop",
                "the engine waits on its server",
            ));
        };
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let slot = Arc::clone(&pending.slot);
        let mut state = slot.state.lock();
        loop {
            if let SlotState::Done(_) = &*state {
                let SlotState::Done(answer) = std::mem::replace(&mut *state, SlotState::Taken)
                else {
                    continue;
                };
                drop(state);
                pending.finish();
                return answer.map(Some);
            }
            let timed_out = match (timeout, deadline) {
                (None, _) => {
                    slot.changed.wait(&mut state);
                    false
                }
                (Some(_), Some(deadline)) => {
                    slot.changed.wait_until(&mut state, deadline).timed_out()
                }
                // A timeout too long for the clock: wait for ever.
                (Some(_), None) => {
                    slot.changed.wait(&mut state);
                    false
                }
            };
            if timed_out && !matches!(*state, SlotState::Done(_)) {
                drop(state);
                let answer = slot.give_up();
                pending.finish();
                return answer.transpose();
            }
        }
    }

    /// [`Keyspace::serve`] for a borrowed key: the key is copied only when some call waits, so
    /// a push nobody waits for allocates nothing here.
    pub(crate) fn serve_borrowed(&self, ks: u32, key: &[u8]) {
        if self.shared.waiters.any() {
            self.serve(ks, &Bytes::copy_from_slice(key));
        }
    }

    /// Serves the calls blocked on list `key`, oldest first, while it has elements.
    pub(crate) fn serve(&self, ks: u32, key: &Bytes) {
        let waiters: &Waiters = &self.shared.waiters;
        if !waiters.any() {
            return;
        }
        let mut moved_to = Vec::new();
        loop {
            if !waiters.begin_serving(ks, key) {
                break;
            }
            while let Turn::Serve(slot) = waiters.next_to_serve(ks, key) {
                let is_pop = matches!(slot.op, BlockingOp::Pop { .. });
                match self.pop_for(&slot, key) {
                    Ok(Some(served)) => {
                        if let BlockingOp::Move { to, .. } = &slot.op {
                            moved_to.push(to.clone());
                        }
                        Waiters::answer(&slot, Ok(served));
                    }
                    // The list is empty (someone popped first), or a pop's list holds a string
                    // now: the call keeps waiting, first in line, as in Redis.
                    Ok(None) => {
                        Waiters::unclaim(&slot);
                        break;
                    }
                    Err(Error::WrongType { .. }) if is_pop => {
                        Waiters::unclaim(&slot);
                        break;
                    }
                    // A move onto a string, a closed store, an I/O error: the call gets it.
                    Err(e) => Waiters::answer(&slot, Err(e)),
                }
            }
            if !waiters.end_serving(ks, key) {
                break;
            }
        }
        for to in moved_to {
            self.serve(ks, &to);
        }
    }

    /// Serves every list some call waits on in the keyspaces `wanted` picks (after a load or a
    /// swap, which can fill many lists at once).
    pub(crate) fn serve_waited_lists(&self, wanted: impl Fn(u32) -> bool) {
        for (ks, key) in self.shared.waiters.lists() {
            if wanted(ks) {
                self.serve(ks, &key);
            }
        }
    }

    /// Pops for a claimed call from list `key`.
    fn pop_for(&self, slot: &Slot, key: &Bytes) -> Result<Option<Served>> {
        let values = match &slot.op {
            BlockingOp::Pop { end, count } => {
                let tx_key = (slot.ks, key.clone());
                self.atomic(std::slice::from_ref(&tx_key), |tx| {
                    lists::pop_many(tx, slot.ks, key, *end, *count)
                })?
            }
            BlockingOp::Move {
                to,
                from_end,
                to_end,
            } => {
                let declared = [(slot.ks, key.clone()), (slot.ks, to.clone())];
                let moved = self.atomic(&declared, |tx| {
                    lists::move_element(tx, slot.ks, key, to, *from_end, *to_end)
                })?;
                moved.into_iter().collect()
            }
        };
        Ok((!values.is_empty()).then(|| Served {
            key: key.clone(),
            values,
        }))
    }

    /// Gives elements an abandoned call was served back to the head (or tail) they came from.
    pub(super) fn give_back(&self, slot: &Slot, served: Served) {
        let BlockingOp::Pop { end, .. } = slot.op else {
            // A move's element is in its destination list: nothing is lost.
            return;
        };
        // Pushed back in reverse, so the list reads as before the pop.
        let values: Vec<Bytes> = served.values.into_iter().rev().collect();
        let tx_key = (slot.ks, served.key.clone());
        let pushed = self.atomic(std::slice::from_ref(&tx_key), |tx| {
            tx.list_push(slot.ks, &served.key, end, &values)
        });
        if pushed.is_ok() {
            self.serve(slot.ks, &served.key);
        }
    }
}
