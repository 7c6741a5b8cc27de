//! A remote blocking pop as a future that holds no thread (`Store::pop_when_ready` on the remote
//! backend): the wait of `blocking.rs` run as a task of the engine's runtime, and what dropping
//! the future does.

use bytes::Bytes;

use crate::engine::{BlockingOp, End, Popped, ServerPop};
use crate::error::{Error, Result};
use crate::remote::blocking::{give_back, op_end, slot_of, wait, InFlight};
use crate::remote::engine::RemoteEngine;

/// A blocking pop waiting for ever, as a task of the engine's runtime (see the module docs).
pub(crate) fn server_pop_future(
    engine: &RemoteEngine,
    ks: u32,
    keys: Vec<Bytes>,
    op: BlockingOp,
) -> Result<ServerPop> {
    engine.check_writable()?;
    let slot = slot_of(engine, &keys, &op)?;
    let (cancel, cancelled) = tokio::sync::oneshot::channel();
    let (answer, answered) = tokio::sync::oneshot::channel();
    let (finished, done) = std::sync::mpsc::sync_channel(1);
    let waiting = wait(
        engine.clone(),
        ks,
        slot,
        keys,
        op.clone(),
        None,
        Some(cancelled),
    );
    let owner = engine.clone();
    let end = op_end(&op);
    let in_flight = InFlight::new(engine);
    engine.bridge.spawn(async move {
        // Counted until the answer is handed over: `close` waits for that.
        let _in_flight = in_flight;
        let result = waiting.await;
        // The future was dropped after the server served it: the elements go back.
        if let Err(Ok(Some(popped))) = answer.send(result) {
            give_back(&owner, ks, end, popped).await;
        }
        let _ = finished.send(());
    })?;
    Ok(Box::pin(PopTask {
        answered,
        cancel: Some(cancel),
        done,
        engine: engine.clone(),
        ks,
        end,
    }))
}

/// The future of [`server_pop_future`]. Dropping it ends the task's wait (`CLIENT UNBLOCK`) and
/// returns once the task has given back anything the server handed it (as on the other
/// backends, where a dropped pop gives its elements back before the drop returns); an answer
/// already sent to it and not read goes back to its list too.
struct PopTask {
    answered: tokio::sync::oneshot::Receiver<Result<Popped>>,
    cancel: Option<tokio::sync::oneshot::Sender<()>>,
    /// Signalled when the task has finished, giving back included.
    done: std::sync::mpsc::Receiver<()>,
    engine: RemoteEngine,
    ks: u32,
    /// The end a pop took its elements from; `None` for a move (its element is in place).
    end: Option<End>,
}

impl std::future::Future for PopTask {
    type Output = Result<(Bytes, Vec<Bytes>)>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.answered)
            .poll(cx)
            .map(|answer| match answer {
                Ok(Ok(Some(popped))) => Ok(popped),
                // A pop with no timeout ends only with elements, an error or a close.
                Ok(Ok(None)) | Err(_) => Err(Error::Closed),
                Ok(Err(e)) => Err(e),
            })
    }
}

impl Drop for PopTask {
    fn drop(&mut self) {
        drop(self.cancel.take());
        self.answered.close();
        if let Ok(Ok(Some(popped))) = self.answered.try_recv() {
            let (engine, ks, end) = (self.engine.clone(), self.ks, self.end);
            let _ = self
                .engine
                .bridge
                .run(async move { give_back(&engine, ks, end, popped).await });
        }
        // Bounded: the task's unblocking is bounded by the response timeout.
        let _ = self
            .done
            .recv_timeout(self.engine.options.response_timeout * 2);
    }
}
