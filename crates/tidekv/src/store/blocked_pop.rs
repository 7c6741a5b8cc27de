//! [`BlockedPop`]: a blocking pop as a future that holds no thread, waiting either with the
//! store's in-process waiters (memory, disk) or on the backend's server (remote).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;

use crate::engine::ServerPop;
use crate::error::{Error, Result};
use crate::store::keyspace::Keyspace;
use crate::store::waiters::{Slot, SlotState};

/// A blocked pop waiting without a thread (see [`Store::pop_when_ready`]). Resolves to the list
/// it was served from and the elements, or [`Error::Closed`] when the store closes.
#[must_use = "a blocked pop does nothing unless awaited; dropping it cancels it"]
pub struct BlockedPop {
    pub(super) state: PopState,
}

pub(super) enum PopState {
    /// Queued with the store's in-process waiters.
    Local(LocalPop),
    /// Waited for by the backend's server (remote).
    Server(ServerPop),
    /// Finished and taken apart (`into_state`).
    Gone,
}

pub(super) struct LocalPop {
    pub(super) store: Keyspace,
    pub(super) slot: Arc<Slot>,
    pub(super) finished: bool,
}

impl BlockedPop {
    pub(super) fn into_state(mut self) -> PopState {
        std::mem::replace(&mut self.state, PopState::Gone)
    }
}

impl LocalPop {
    pub(super) fn finish(&mut self) {
        if !self.finished {
            self.finished = true;
            self.store.shared.waiters.dequeue(&self.slot);
        }
    }
}

impl std::fmt::Debug for BlockedPop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.state {
            PopState::Local(pop) => f
                .debug_struct("BlockedPop")
                .field("keys", &pop.slot.keys)
                .finish(),
            PopState::Server(_) => f.debug_struct("BlockedPop").field("on", &"server").finish(),
            PopState::Gone => f.debug_struct("BlockedPop").finish(),
        }
    }
}

impl Future for BlockedPop {
    type Output = Result<(Bytes, Vec<Bytes>)>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.state {
            PopState::Local(pop) => pop.poll(cx),
            PopState::Server(waiting) => waiting.as_mut().poll(cx),
            PopState::Gone => {
                Poll::Ready(Err(Error::invalid("future", "polled after it completed")))
            }
        }
    }
}

impl LocalPop {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(Bytes, Vec<Bytes>)>> {
        let slot = Arc::clone(&self.slot);
        let mut state = slot.state.lock();
        if let SlotState::Done(_) = &*state {
            if let SlotState::Done(answer) = std::mem::replace(&mut *state, SlotState::Taken) {
                drop(state);
                self.finish();
                return Poll::Ready(answer.map(|s| (s.key, s.values)));
            }
        }
        if self.finished {
            return Poll::Ready(Err(Error::invalid("future", "polled after it completed")));
        }
        // The waker is stored under the state lock: an answer set after this poll looked finds
        // it, one set before was seen above.
        *slot.waker.lock() = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for LocalPop {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if let Some(Ok(served)) = self.slot.give_up() {
            self.store.give_back(&self.slot, served);
        }
        self.finish();
    }
}
