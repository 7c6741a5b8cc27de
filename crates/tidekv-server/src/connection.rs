//! One client connection: read what the client sends, run each whole command, and send the
//! replies — all replies of a pipelined batch in one write where the socket takes them.
//!
//! The loop never blocks a runtime thread on the client: reads and writes wait on readiness,
//! and a blocking pop (`BLPOP` …) waits on the store's future, so a connection costs a task and
//! its buffers, not a thread. Like Redis it keeps reading (and running commands) while replies
//! are still unsent, and a client whose unsent replies exceed `client-output-limit` — one that
//! sends but never reads — is disconnected, which bounds the memory each connection can hold.
//!
//! With `durability = sync`, replies wait for a durability barrier: after running what a client
//! sent, and before sending any reply, the connection flushes the store if it holds a write not
//! yet fsynced ([`tidekv::Store::has_unflushed_writes`]). So a pipeline of writes pays one fsync,
//! not one each; concurrent connections' flushes share fsyncs (the engine's group commit); and,
//! as with Redis's `appendfsync always`, no reply — not even a read's — leaves before every write
//! it could have seen is durable. The flushes run on one thread of their own
//! (`durability.rs`); a connection waiting for one holds no thread.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::command::blocking::{BlockOp, BlockRequest};
use crate::command::fail::Fail;
use crate::resp::{Limits, Protocol, ProtocolError, Reply, RequestParser};
use crate::session::{Outcome, Session};
use crate::shared::{lock, ClientHandle, Counters, Shared};

/// How much a read asks for at a time.
const READ_CHUNK: usize = 16 * 1024;
/// While a client is blocked, what it sends is only buffered, up to this much.
const MAX_BUFFERED_WHILE_BLOCKED: usize = 1024 * 1024;
/// How long a closing connection may take to send its last replies.
const FINAL_FLUSH: Duration = Duration::from_secs(1);

type Served = tidekv::Result<Option<(Bytes, Vec<Bytes>)>>;

/// A blocked command: what it asked for and the wait for it.
struct Blocked {
    request: BlockRequest,
    wait: Pin<Box<dyn Future<Output = Served> + Send>>,
    _counted: BlockedCount,
}

/// Counts a client in `INFO`'s `blocked_clients` and `CLIENT LIST`'s `b` flag for as long as it
/// lives, however the wait ends (served, timed out, client gone, server stopping).
struct BlockedCount {
    shared: Arc<Shared>,
    client: Arc<ClientHandle>,
}

impl BlockedCount {
    fn new(shared: &Arc<Shared>, client: &Arc<ClientHandle>) -> Self {
        shared.stats.blocked_clients.fetch_add(1, Ordering::Relaxed);
        lock(&client.info).blocked = true;
        BlockedCount {
            shared: Arc::clone(shared),
            client: Arc::clone(client),
        }
    }
}

impl Drop for BlockedCount {
    fn drop(&mut self) {
        self.shared
            .stats
            .blocked_clients
            .fetch_sub(1, Ordering::Relaxed);
        lock(&self.client.info).blocked = false;
    }
}

/// What running the buffered commands left to do.
enum Step {
    /// Everything buffered ran (or the session is closing).
    Ran,
    /// A command waits for a list.
    Block(Blocked),
    /// The client's unsent replies passed the limit.
    OverLimit,
    /// The client broke the protocol; the error reply is in the output.
    Broken,
}

/// Serves one client until it leaves, is killed, breaks the protocol, or the server stops.
pub(crate) async fn serve(shared: Arc<Shared>, stream: TcpStream, client: Arc<ClientHandle>) {
    let id = client.id;
    match Session::new(Arc::clone(&shared), client) {
        Ok(session) => {
            let settings = shared.settings();
            let mut connection = Connection {
                parser: RequestParser::new(Limits {
                    max_bulk_len: settings.proto_max_bulk_len,
                    ..Limits::default()
                }),
                output_limit: settings.client_output_limit,
                idle_timeout: (settings.timeout > 0).then(|| Duration::from_secs(settings.timeout)),
                stream,
                input: BytesMut::with_capacity(READ_CHUNK),
                output: BytesMut::new(),
                session,
            };
            if let Err(e) = connection.run().await {
                tracing::debug!("client {id}: {e}");
            }
        }
        Err(fail) => tracing::warn!("client {id} refused: {}", fail.0),
    }
    shared.clients.unregister(id);
}

struct Connection {
    stream: TcpStream,
    input: BytesMut,
    output: BytesMut,
    parser: RequestParser,
    session: Session,
    output_limit: u64,
    idle_timeout: Option<Duration>,
}

impl Connection {
    async fn run(&mut self) -> std::io::Result<()> {
        let shared = Arc::clone(&self.session.shared);
        let client = Arc::clone(&self.session.client);
        let mut shutdown: watch::Receiver<bool> = shared.shutdown.subscribe();
        let mut blocked: Option<Blocked> = None;
        let mut last_read = Instant::now();
        loop {
            if blocked.is_none() {
                match self.run_buffered() {
                    Step::Ran => {}
                    Step::Block(b) => blocked = Some(b),
                    Step::OverLimit => {
                        Counters::add(&shared.stats.output_limit_disconnections, 1);
                        tracing::info!(
                            "client {} disconnected: {} bytes of unsent replies are over the \
                             client-output-limit",
                            client.id,
                            self.output.len()
                        );
                        return Ok(());
                    }
                    Step::Broken => {
                        self.session.close = true;
                    }
                }
            }
            self.durability_barrier().await;
            self.write_ready()?;
            if self.session.close && (self.output.is_empty() || self.session.silent) {
                return Ok(());
            }
            let reading = !self.session.close
                && (blocked.is_none() || self.input.len() < MAX_BUFFERED_WHILE_BLOCKED);
            let idle_deadline = match (&blocked, self.idle_timeout) {
                (None, Some(timeout)) if self.output.is_empty() => Some(last_read + timeout),
                _ => None,
            };
            tokio::select! {
                ready = self.stream.readable(), if reading => {
                    ready?;
                    if !self.read_ready()? {
                        return Ok(());
                    }
                    last_read = Instant::now();
                    *lock(&client.last_active) = last_read;
                }
                ready = self.stream.writable(), if !self.output.is_empty() => ready?,
                served = wait_blocked(&mut blocked), if blocked.is_some() => {
                    if let Some(b) = blocked.take() {
                        let reply = match served {
                            Ok(served) => b.request.reply(served),
                            Err(e) => Fail::from(e).into_reply(),
                        };
                        self.encode(&reply);
                    }
                }
                () = client.kill.notified() => return Ok(()),
                _ = shutdown.changed() => {
                    drop(blocked.take());
                    self.durability_barrier().await;
                    let _ = tokio::time::timeout(FINAL_FLUSH, self.flush()).await;
                    return Ok(());
                }
                () = sleep_until(idle_deadline), if idle_deadline.is_some() => {
                    tracing::debug!("client {} closed after its idle timeout", client.id);
                    return Ok(());
                }
            }
        }
    }

    /// In `sync` durability, makes every write the pending replies could report durable before
    /// they are sent. `false` if the flush failed: the replies are replaced by the error (none of
    /// them may claim a write that was not made durable) and the connection closes.
    async fn durability_barrier(&mut self) {
        let shared = &self.session.shared;
        let Some(barrier) = &shared.sync_barrier else {
            return;
        };
        if self.output.is_empty() || !shared.store.has_unflushed_writes() {
            return;
        }
        // Only now, with a flush to wait for, is the handle worth cloning (the wait outlives the
        // borrow of the session).
        let barrier = Arc::clone(barrier);
        let epoch = barrier.request();
        if let Err(e) = barrier.wait(epoch).await {
            tracing::error!("fsync before replying failed: {e}");
            self.output.clear();
            self.encode(&Reply::Error(
                format!("ERR the write may not be durable: fsync failed: {e}").into(),
            ));
            self.session.close = true;
        }
    }

    /// Runs every whole command in the input, stopping at one that must wait.
    fn run_buffered(&mut self) -> Step {
        loop {
            if self.session.close {
                return Step::Ran;
            }
            if self.output_limit > 0 && self.output.len() as u64 > self.output_limit {
                return Step::OverLimit;
            }
            let args = match self
                .parser
                .next_command(&mut self.input, self.session.authenticated)
            {
                Ok(Some(args)) => args,
                Ok(None) => return Step::Ran,
                Err(e) => return self.broken(&e),
            };
            match self.session.dispatch(args) {
                Outcome::Reply(reply) => {
                    if !self.session.silent {
                        self.encode(&reply);
                    }
                }
                Outcome::Block(request) => match self.start_wait(request) {
                    Ok(blocked) => return Step::Block(blocked),
                    Err(reply) => self.encode(&reply),
                },
            }
        }
    }

    fn broken(&mut self, e: &ProtocolError) -> Step {
        tracing::debug!("client {}: {e}", self.session.client.id);
        self.encode(&Reply::Error(format!("ERR {e}").into()));
        Step::Broken
    }

    /// Starts waiting for a blocking command, or the reply if it cannot wait.
    fn start_wait(&mut self, request: BlockRequest) -> Result<Blocked, Reply> {
        let keyspace = &self.session.keyspace;
        let pop = match &request.op {
            BlockOp::Pop { end, count, .. } => keyspace.pop_when_ready(&request.keys, *end, *count),
            BlockOp::Move {
                to,
                from_end,
                to_end,
            } => match request.keys.first() {
                Some(from) => keyspace.move_when_ready(from, to, *from_end, *to_end),
                None => return Err(Fail::syntax().into_reply()),
            },
        }
        .map_err(|e| Fail::from(e).into_reply())?;
        let deadline = request.timeout.map(|t| tokio::time::Instant::now() + t);
        let wait = Box::pin(async move {
            match deadline {
                Some(deadline) => match tokio::time::timeout_at(deadline, pop).await {
                    Ok(served) => served.map(Some),
                    Err(_) => Ok(None),
                },
                None => pop.await.map(Some),
            }
        });
        Ok(Blocked {
            request,
            wait,
            _counted: BlockedCount::new(&self.session.shared, &self.session.client),
        })
    }

    fn encode(&mut self, reply: &Reply) {
        let protocol: Protocol = self.session.protocol;
        reply.encode(protocol, &mut self.output);
    }

    /// Reads what the socket has; `false` once the client has closed.
    fn read_ready(&mut self) -> std::io::Result<bool> {
        self.input.reserve(READ_CHUNK);
        match self.stream.try_read_buf(&mut self.input) {
            Ok(n) => Ok(n > 0),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(true),
            Err(e) => Err(e),
        }
    }

    /// Writes as much output as the socket takes now.
    fn write_ready(&mut self) -> std::io::Result<()> {
        while !self.output.is_empty() {
            match self.stream.try_write(&self.output) {
                Ok(n) => {
                    let _ = self.output.split_to(n);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        if self.output.is_empty() && self.output.capacity() > 1024 * 1024 {
            // A large reply grew the buffer; give the memory back.
            self.output = BytesMut::new();
        }
        Ok(())
    }

    /// Writes all output, waiting for the socket.
    async fn flush(&mut self) -> std::io::Result<()> {
        while !self.output.is_empty() {
            self.stream.writable().await?;
            self.write_ready()?;
        }
        Ok(())
    }
}

/// The blocked command's wait (never ready if there is none).
async fn wait_blocked(blocked: &mut Option<Blocked>) -> Served {
    match blocked {
        Some(b) => b.wait.as_mut().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}
