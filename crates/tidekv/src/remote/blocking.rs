//! Blocking pops on the server: `BLMPOP` / `BLMOVE` on a dedicated connection per waiter.
//!
//! The server queues blocked clients in arrival order and hands each element to one of them,
//! whoever pushed it (this store, another process, `redis-cli`). A blocked command holds its
//! connection until it is answered, so each waiter takes a dedicated connection (from the pool)
//! with no response timeout; a wait with a timeout is bounded by the server's own timeout plus
//! the configured response timeout, so a dead server cannot hang it. On a Cluster, a pop whose
//! slot moves to another node follows it there (`MOVED`), keeping its deadline.
//!
//! **Nothing is lost to a waiter that leaves.** A dropped future (or a store that closes) does
//! not just drop the connection: the server may have popped an element for it a moment before.
//! It sends `CLIENT UNBLOCK` for the waiter's connection from another connection, then reads the
//! blocked command's answer: nil, or the elements it was served, which go back to the end of the
//! list they came from (a move's element is already in its destination).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use redis::{Cmd, Value};

use crate::engine::{BlockingOp, End, Popped};
use crate::error::{Error, Result};
use crate::remote::connections::{Conns, Dedicated};
use crate::remote::engine::{backoff, bytes_of, list_of, RemoteEngine, Repeat};
use crate::remote::errors::{from_redis, is_slot_moving, Expected};
use crate::remote::slots::common_slot;

/// A blocking pop that waits up to `timeout` (`None`: for ever; zero: not at all).
pub(crate) fn server_pop(
    engine: &RemoteEngine,
    ks: u32,
    keys: &[Bytes],
    op: &BlockingOp,
    timeout: Option<Duration>,
) -> Result<Popped> {
    engine.check_writable()?;
    let slot = slot_of(engine, keys, op)?;
    if timeout == Some(Duration::ZERO) {
        // Redis reads a zero timeout as "for ever": a pop that must not wait is LMPOP / LMOVE.
        let reply: Value =
            engine.query_as(ks, Repeat::Never, Expected::List, command(keys, op, None))?;
        return decode(keys, op, reply);
    }
    let _in_flight = InFlight::new(engine);
    let waiting = wait(
        engine.clone(),
        ks,
        slot,
        keys.to_vec(),
        op.clone(),
        timeout,
        None,
    );
    engine.bridge.run(waiting)?
}

/// The end a pop takes from; `None` for a move.
pub(super) fn op_end(op: &BlockingOp) -> Option<End> {
    match op {
        BlockingOp::Pop { end, .. } => Some(*end),
        BlockingOp::Move { .. } => None,
    }
}

/// Pushes popped elements back to the end they came from, in reverse, so that the list reads as
/// before the pop. A move's element is in its destination: nothing to do.
pub(super) async fn give_back(
    engine: &RemoteEngine,
    ks: u32,
    end: Option<End>,
    (key, values): (Bytes, Vec<Bytes>),
) {
    let Some(end) = end else {
        return;
    };
    let mut push = redis::cmd(match end {
        End::Front => "LPUSH",
        End::Back => "RPUSH",
    });
    push.arg(key.as_ref());
    for value in values.iter().rev() {
        push.arg(value.as_ref());
    }
    if let Ok(mut shared) = engine.conns.shared(ks, &engine.options).await {
        let _ = push.query_async::<Value>(&mut shared).await;
    }
}

/// The one slot of a Cluster pop's keys (a move's destination included).
pub(super) fn slot_of(
    engine: &RemoteEngine,
    keys: &[Bytes],
    op: &BlockingOp,
) -> Result<Option<u16>> {
    if !engine.conns.is_cluster() {
        return Ok(Some(0));
    }
    let to = match op {
        BlockingOp::Move { to, .. } => Some(to.as_ref()),
        BlockingOp::Pop { .. } => None,
    };
    common_slot(keys.iter().map(|k| k.as_ref()).chain(to))
}

/// How many times one pop follows its slot to another node before it returns the error.
const MAX_REDIRECTS: u32 = 16;

/// Waits on a dedicated connection (see [`wait_once`]), following the keys' slot when a Cluster
/// moves it: the server answers a client blocked on a slot that left it with `MOVED` (and `ASK`
/// or `TRYAGAIN` while the slot moves), and the wait starts again on the slot's new owner with
/// the time already waited taken off its timeout.
pub(super) async fn wait(
    engine: RemoteEngine,
    ks: u32,
    slot: Option<u16>,
    keys: Vec<Bytes>,
    op: BlockingOp,
    timeout: Option<Duration>,
    mut cancelled: Option<tokio::sync::oneshot::Receiver<()>>,
) -> Result<Popped> {
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    let mut redirects = 0;
    loop {
        let left = deadline.map(|d| d.saturating_duration_since(tokio::time::Instant::now()));
        let result = if left.is_some_and(|left| left < Duration::from_millis(1)) {
            // The time ran out while the slot moved: one last look that does not wait.
            pop_now(&engine, ks, &keys, &op).await
        } else {
            wait_once(&engine, ks, slot, &keys, &op, left, &mut cancelled).await
        };
        match result {
            Err(e) if is_slot_moving(&e) && redirects < MAX_REDIRECTS => {
                engine.conns.slots_moved();
                let pause = backoff(&engine.options, redirects);
                redirects += 1;
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = cancel_of(&mut cancelled) => return Err(Error::Closed),
                }
            }
            other => return other,
        }
    }
}

/// `LMPOP` / `LMOVE` over the shared connection (on a Cluster the client follows `MOVED`).
async fn pop_now(
    engine: &RemoteEngine,
    ks: u32,
    keys: &[Bytes],
    op: &BlockingOp,
) -> Result<Popped> {
    let mut shared = engine.conns.shared(ks, &engine.options).await?;
    let reply = command(keys, op, None)
        .query_async::<Value>(&mut shared)
        .await
        .map_err(|e| from_redis(&e, "LMPOP", Expected::List))?;
    decode(keys, op, reply)
}

/// Returns once `cancelled` fires (its sender sent or dropped); never without one.
async fn cancel_of(cancelled: &mut Option<tokio::sync::oneshot::Receiver<()>>) {
    match cancelled.as_mut() {
        Some(receiver) => {
            let _ = receiver.await;
        }
        None => std::future::pending::<()>().await,
    }
}

/// Waits once on a dedicated connection; gives back what reached it if `cancelled` fires or the
/// store closes first.
async fn wait_once(
    engine: &RemoteEngine,
    ks: u32,
    slot: Option<u16>,
    keys: &[Bytes],
    op: &BlockingOp,
    timeout: Option<Duration>,
    cancelled: &mut Option<tokio::sync::oneshot::Receiver<()>>,
) -> Result<Popped> {
    let conns: Conns = Arc::clone(&engine.conns);
    let mut closing = engine.closing.subscribe();
    if *closing.borrow() {
        return Err(Error::Closed);
    }
    let mut dedicated = conns.dedicated(slot, true).await?;
    prepare(engine, &mut dedicated, ks).await?;
    let cmd = command(keys, op, Some(timeout.unwrap_or(Duration::ZERO)));
    let mut connection = dedicated.connection.clone();
    let reply = async move { cmd.query_async::<Value>(&mut connection).await };
    let bound = timeout.map(|t| t + engine.options.response_timeout);
    let reply = bounded(bound, reply);
    tokio::pin!(reply);
    tokio::select! {
        answer = &mut reply => {
            let value = answer?.map_err(|e| from_redis(&e, "BLMPOP", Expected::List))?;
            conns.give_back(dedicated);
            decode(keys, op, value)
        }
        () = closed(&mut closing) => {
            give_back_after_unblock(engine, &dedicated, keys, op, reply).await;
            Err(Error::Closed)
        }
        () = cancel_of(cancelled) => {
            give_back_after_unblock(engine, &dedicated, keys, op, reply).await;
            Err(Error::Closed)
        }
    }
}

/// Returns once the store is closing.
async fn closed(closing: &mut tokio::sync::watch::Receiver<bool>) {
    loop {
        if *closing.borrow_and_update() {
            return;
        }
        if closing.changed().await.is_err() {
            return;
        }
    }
}

/// `reply` bounded by `bound` when there is one.
async fn bounded<F, T>(bound: Option<Duration>, reply: F) -> Result<T>
where
    F: std::future::Future<Output = T>,
{
    match bound {
        Some(bound) => tokio::time::timeout(bound, reply).await.map_err(|_| {
            Error::remote(
                "a blocking pop",
                "the server did not answer within the pop's timeout plus the response timeout",
            )
        }),
        None => Ok(reply.await),
    }
}

/// Selects the keyspace and learns the connection's client id.
async fn prepare(engine: &RemoteEngine, dedicated: &mut Dedicated, ks: u32) -> Result<()> {
    if dedicated.db != ks && !engine.conns.is_cluster() {
        let _: Value = redis::cmd("SELECT")
            .arg(ks)
            .query_async(&mut dedicated.connection)
            .await
            .map_err(|e| Error::remote("SELECT", e))?;
        dedicated.db = ks;
    }
    if dedicated.client_id.is_none() {
        let id: i64 = redis::cmd("CLIENT")
            .arg("ID")
            .query_async(&mut dedicated.connection)
            .await
            .map_err(|e| Error::remote("CLIENT ID", e))?;
        dedicated.client_id = Some(id);
    }
    Ok(())
}

/// Unblocks the waiter's connection from another one and gives back what it was served.
///
/// `CLIENT UNBLOCK` may reach the server before the blocked command itself (they travel on two
/// connections), and then does nothing: it is sent again until the command answers, for up to
/// the response timeout.
async fn give_back_after_unblock<F>(
    engine: &RemoteEngine,
    dedicated: &Dedicated,
    keys: &[Bytes],
    op: &BlockingOp,
    mut reply: std::pin::Pin<&mut F>,
) where
    F: std::future::Future<Output = Result<redis::RedisResult<Value>>>,
{
    let Some(id) = dedicated.client_id else {
        return;
    };
    let unblock = redis::cmd("CLIENT").arg("UNBLOCK").arg(id).to_owned();
    let deadline = tokio::time::Instant::now() + engine.options.response_timeout;
    let answer = loop {
        let _ = engine
            .conns
            .to_node(&dedicated.node, &unblock, &engine.options)
            .await;
        match tokio::time::timeout(Duration::from_millis(20), reply.as_mut()).await {
            Ok(answer) => break answer,
            Err(_) if tokio::time::Instant::now() < deadline => {}
            Err(_) => return,
        }
    };
    let Ok(Ok(value)) = answer else {
        return;
    };
    if let Ok(Some(popped)) = decode(keys, op, value) {
        give_back(engine, dedicated.db, op_end(op), popped).await;
    }
}

/// `BLMPOP` / `BLMOVE` with `timeout` (zero: for ever), or `LMPOP` / `LMOVE` without one.
fn command(keys: &[Bytes], op: &BlockingOp, timeout: Option<Duration>) -> Cmd {
    let side = |end: &End| match end {
        End::Front => "LEFT",
        End::Back => "RIGHT",
    };
    let seconds = timeout.map(|t| {
        // Whole milliseconds, rounded up: a wait is never cut short.
        let ms = t.as_micros().div_ceil(1000);
        format!("{}.{:03}", ms / 1000, ms % 1000)
    });
    match op {
        BlockingOp::Pop { end, count } => {
            let mut cmd = redis::cmd(if seconds.is_some() { "BLMPOP" } else { "LMPOP" });
            if let Some(seconds) = &seconds {
                cmd.arg(seconds);
            }
            cmd.arg(keys.len());
            for key in keys {
                cmd.arg(key.as_ref());
            }
            cmd.arg(side(end)).arg("COUNT").arg(*count);
            cmd
        }
        BlockingOp::Move {
            to,
            from_end,
            to_end,
        } => {
            let from = keys.first().map(|k| k.as_ref()).unwrap_or_default();
            let mut cmd = redis::cmd(if seconds.is_some() { "BLMOVE" } else { "LMOVE" });
            cmd.arg(from)
                .arg(to.as_ref())
                .arg(side(from_end))
                .arg(side(to_end));
            if let Some(seconds) = &seconds {
                cmd.arg(seconds);
            }
            cmd
        }
    }
}

/// `[key, [elements]]` (LMPOP) or the element (LMOVE); nil when nothing was popped.
fn decode(keys: &[Bytes], op: &BlockingOp, reply: Value) -> Result<Popped> {
    match op {
        BlockingOp::Pop { .. } => match reply {
            Value::Nil => Ok(None),
            Value::Array(mut parts) if parts.len() == 2 => {
                let values = list_of(parts.pop().unwrap_or(Value::Nil))?;
                let key = bytes_of(parts.pop().unwrap_or(Value::Nil))?
                    .ok_or_else(|| Error::remote("BLMPOP", "an answer without a key"))?;
                Ok(Some((key, values)))
            }
            other => Err(Error::remote(
                "BLMPOP",
                format!("an answer of an unexpected shape: {other:?}"),
            )),
        },
        BlockingOp::Move { .. } => {
            let from = keys.first().cloned().unwrap_or_default();
            Ok(bytes_of(reply)?.map(|value| (from, vec![value])))
        }
    }
}

/// Counts a blocked pop while it runs, so that `close` lets it give back what reached it.
pub(super) struct InFlight(Arc<std::sync::atomic::AtomicUsize>);

impl InFlight {
    pub(super) fn new(engine: &RemoteEngine) -> InFlight {
        engine.pops_in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(Arc::clone(&engine.pops_in_flight))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
