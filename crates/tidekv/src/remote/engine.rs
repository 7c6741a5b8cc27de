//! The remote engine: its state, opening, and the plumbing every call shares (running a
//! command, retrying what is safe to repeat, translating expiry times between clocks).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use redis::{Cmd, FromRedisValue, ScriptInvocation, Value};

use crate::clock::Clock;
use crate::config::RemoteOptions;
use crate::error::{Error, Result};
use crate::remote::bridge::Bridge;
use crate::remote::connections::{Connections, Conns};
use crate::remote::errors::{from_redis, is_transient, Expected};
use crate::watch::WatchRegistry;

/// Whether a call may be sent again after its connection failed (see [`crate::Config::retries`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Running it twice is the same as once, reply included (reads, plain `SET`, `PEXPIREAT`).
    Safe,
    /// It may have run before the connection broke: its error is returned.
    Never,
}

/// A store on a Valkey or Redis deployment (see the module docs of `crate::remote`): a cheap
/// handle, so that a lazy scan can keep the engine after the call that made it returned.
#[derive(Debug, Clone)]
pub(crate) struct RemoteEngine {
    inner: Arc<Remote>,
}

impl std::ops::Deref for RemoteEngine {
    type Target = Remote;

    fn deref(&self) -> &Remote {
        &self.inner
    }
}

/// The remote engine's state.
#[derive(Debug)]
pub(crate) struct Remote {
    pub(crate) bridge: Bridge,
    pub(crate) conns: Conns,
    pub(crate) options: Arc<RemoteOptions>,
    pub(crate) clock: Arc<dyn Clock>,
    /// The store's clock minus the server's, in ms, measured at open: expiry times are kept in
    /// the store's clock and sent in the server's (see [`RemoteEngine::store_ms_to_server`]).
    offset_ms: i64,
    pub(crate) keyspaces: u32,
    pub(crate) watches: Arc<WatchRegistry>,
    sealed: AtomicBool,
    /// Set when the store closes: blocked pops give back what reached them and end.
    pub(crate) closing: tokio::sync::watch::Sender<bool>,
    /// Blocked pops running now (`remote/blocking.rs`).
    pub(crate) pops_in_flight: Arc<std::sync::atomic::AtomicUsize>,
}

impl RemoteEngine {
    /// Connects, learns whether the deployment is a Cluster, checks that it has the keyspaces
    /// asked for, and measures the clock offset. A server that does not answer is an
    /// [`Error::Remote`] after the connect timeout, with nothing left running.
    pub(crate) fn open(
        options: &RemoteOptions,
        keyspaces: u32,
        clock: Arc<dyn Clock>,
    ) -> Result<RemoteEngine> {
        crate::remote::tls::install_provider();
        let bridge = Bridge::new()?;
        let options = Arc::new(options.clone());
        let opened = {
            let options = Arc::clone(&options);
            bridge.run(async move { Connections::open(&options, keyspaces).await })?
        };
        let conns = match opened {
            Ok(conns) => Arc::new(conns),
            Err(e) => {
                bridge.shut_down();
                return Err(e);
            }
        };
        let keyspaces = if conns.is_cluster() { 1 } else { keyspaces };
        let mut engine = Remote {
            bridge,
            conns,
            options,
            clock,
            offset_ms: 0,
            keyspaces,
            watches: Arc::default(),
            sealed: AtomicBool::new(false),
            closing: tokio::sync::watch::Sender::new(false),
            pops_in_flight: Arc::default(),
        };
        let checked = engine
            .measure_clock()
            .and_then(|()| engine.check_keyspaces());
        if let Err(e) = checked {
            engine.bridge.shut_down();
            return Err(e);
        }
        Ok(RemoteEngine {
            inner: Arc::new(engine),
        })
    }
}

impl Remote {
    /// Sets `offset_ms` from the server's `TIME`, taken halfway through the round trip.
    fn measure_clock(&mut self) -> Result<()> {
        let before = self.clock.now_ms();
        let (seconds, micros): (i64, i64) = self.query(0, Repeat::Safe, redis::cmd("TIME"))?;
        let after = self.clock.now_ms();
        let server_ms = seconds.saturating_mul(1000).saturating_add(micros / 1000);
        let store_ms = i64::try_from(before / 2 + after / 2).unwrap_or(i64::MAX);
        let lead = i64::try_from(self.options.server_clock_lead.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms = store_ms.saturating_sub(server_ms).saturating_sub(lead);
        Ok(())
    }

    /// On one server, that database `keyspaces - 1` exists (`databases` in its config).
    fn check_keyspaces(&self) -> Result<()> {
        if self.conns.is_cluster() || self.keyspaces <= 1 {
            return Ok(());
        }
        let last = self.keyspaces - 1;
        match self.query::<Value>(last, Repeat::Safe, redis::cmd("PING")) {
            Ok(_) => Ok(()),
            Err(Error::Remote { cause, .. }) if cause.contains("DB index is out of range") => {
                Err(Error::invalid(
                    "keyspaces",
                    format!(
                        "the server at {} has fewer than {} databases: lower \
                         `Config::keyspaces` or raise the server's `databases`",
                        self.conns.address(),
                        self.keyspaces
                    ),
                ))
            }
            Err(e) => Err(e),
        }
    }

    /// Runs `cmd` on keyspace `ks` (on one server and from a plain thread over a blocking
    /// connection of the pool, else over the shared connection), retrying a transient failure
    /// when `repeat` allows.
    pub(crate) fn query<T: FromRedisValue + Send + 'static>(
        &self,
        ks: u32,
        repeat: Repeat,
        cmd: Cmd,
    ) -> Result<T> {
        self.query_as(ks, repeat, Expected::String, cmd)
    }

    /// [`RemoteEngine::query`] for a command that works on `expected` values, so that a
    /// `WRONGTYPE` says which way it went.
    pub(crate) fn query_as<T: FromRedisValue + Send + 'static>(
        &self,
        ks: u32,
        repeat: Repeat,
        expected: Expected,
        cmd: Cmd,
    ) -> Result<T> {
        if let Some(answer) = self.query_blocking(ks, repeat, expected, &cmd) {
            return answer;
        }
        let conns = Arc::clone(&self.conns);
        let options = Arc::clone(&self.options);
        self.bridge.run(async move {
            let mut attempt = 0;
            loop {
                let mut shared = conns.shared(ks, &options).await?;
                match cmd.query_async::<T>(&mut shared).await {
                    Ok(reply) => return Ok(reply),
                    Err(e) => match retry_after(&options, repeat, attempt, &e) {
                        Some(pause) => tokio::time::sleep(pause).await,
                        None => return Err(from_redis(&e, &command_name(&cmd), expected)),
                    },
                }
                attempt += 1;
            }
        })?
    }

    /// Runs a script of the store's (`EVALSHA`, `EVAL` when the server does not have it yet) on
    /// keyspace `ks` over the shared connection; errors name `command`. Never repeated after a
    /// broken connection: the script may have run.
    pub(crate) fn invoke_script<T: FromRedisValue + Send + 'static>(
        &self,
        ks: u32,
        command: &'static str,
        invocation: ScriptInvocation<'static>,
    ) -> Result<T> {
        let (conns, options) = (Arc::clone(&self.conns), Arc::clone(&self.options));
        self.bridge.run(async move {
            let mut shared = conns.shared(ks, &options).await?;
            invocation
                .invoke_async::<T>(&mut shared)
                .await
                .map_err(|e| from_redis(&e, command, Expected::String))
        })?
    }

    /// [`Remote::query_as`] over a blocking connection of the pool, for a call from a plain
    /// thread on one server; `None` when the shared connection must take it (a Cluster, a call
    /// from inside a runtime, or every pooled connection lent).
    fn query_blocking<T: FromRedisValue>(
        &self,
        ks: u32,
        repeat: Repeat,
        expected: Expected,
        cmd: &Cmd,
    ) -> Option<Result<T>> {
        let pool = self.conns.blocking()?;
        if tokio::runtime::Handle::try_current().is_ok() {
            return None;
        }
        if self.bridge.is_closed() {
            return Some(Err(Error::Closed));
        }
        let mut attempt = 0;
        loop {
            match pool.run(ks, |c| cmd.query::<T>(c))? {
                Ok(reply) => return Some(Ok(reply)),
                Err(e) => match retry_after(&self.options, repeat, attempt, &e) {
                    Some(pause) => std::thread::sleep(pause),
                    None => return Some(Err(from_redis(&e, &command_name(cmd), expected))),
                },
            }
            attempt += 1;
        }
    }

    /// Refuses a write once the store is sealed.
    pub(crate) fn check_writable(&self) -> Result<()> {
        if self.sealed.load(Ordering::SeqCst) {
            return Err(Error::Closed);
        }
        Ok(())
    }

    pub(crate) fn set_sealed(&self, sealed: bool) {
        self.sealed.store(sealed, Ordering::SeqCst);
    }

    /// Ends blocked pops (letting each give back what reached it, for up to the response
    /// timeout) and stops the runtime.
    pub(crate) fn shut_down(&self) {
        self.set_sealed(true);
        self.closing.send_replace(true);
        let deadline = std::time::Instant::now() + self.options.response_timeout;
        while self.pops_in_flight.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(1));
        }
        if let Some(pool) = self.conns.blocking() {
            pool.close();
        }
        self.bridge.shut_down();
    }

    /// Now on the store's clock.
    pub(crate) fn now(&self) -> u64 {
        self.clock.now_ms()
    }

    /// An expiry time on the store's clock as the server's clock reads it (for `PXAT`).
    pub(crate) fn store_ms_to_server(&self, at: u64) -> u64 {
        let at = i64::try_from(at).unwrap_or(i64::MAX);
        u64::try_from(at.saturating_sub(self.offset_ms).max(1)).unwrap_or(1)
    }

    /// A server expiry time (`PEXPIRETIME`) on the store's clock.
    pub(crate) fn server_ms_to_store(&self, at: i64) -> u64 {
        u64::try_from(at.saturating_add(self.offset_ms).max(0)).unwrap_or(0)
    }
}

/// The wait before trying a call again after `error` on try number `attempt` (0-based), or
/// `None` when it must not be tried again: it may have run, the retries are spent, or the error
/// is the server's answer rather than trouble on the way.
fn retry_after(
    options: &RemoteOptions,
    repeat: Repeat,
    attempt: u32,
    error: &redis::RedisError,
) -> Option<Duration> {
    (repeat == Repeat::Safe && attempt < options.retries && is_transient(error))
        .then(|| backoff(options, attempt))
}

/// The wait before retry number `attempt` (0-based): the configured backoff, doubled each time,
/// at most one second.
pub(crate) fn backoff(options: &RemoteOptions, attempt: u32) -> Duration {
    let factor = 1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX);
    options
        .retry_backoff
        .saturating_mul(factor)
        .min(Duration::from_secs(1))
}

/// The command's name, for error messages.
pub(crate) fn command_name(cmd: &Cmd) -> String {
    cmd.args_iter()
        .next()
        .and_then(|arg| match arg {
            redis::Arg::Simple(name) => Some(String::from_utf8_lossy(name).into_owned()),
            redis::Arg::Cursor => None,
        })
        .unwrap_or_else(|| "a command".to_owned())
}

/// A bulk-string reply as `Bytes`, without copying it; nil is `None`.
pub(crate) fn bytes_of(value: Value) -> Result<Option<Bytes>> {
    match value {
        Value::Nil => Ok(None),
        Value::BulkString(b) => Ok(Some(Bytes::from(b))),
        Value::SimpleString(s) => Ok(Some(Bytes::from(s.into_bytes()))),
        other => Err(Error::remote(
            "reading a value",
            format!("the server answered {other:?} where a string was expected"),
        )),
    }
}

/// An array reply of bulk strings as `Bytes`.
pub(crate) fn list_of(value: Value) -> Result<Vec<Bytes>> {
    match value {
        Value::Nil => Ok(Vec::new()),
        Value::Array(items) => items
            .into_iter()
            .map(|item| {
                bytes_of(item)?.ok_or_else(|| Error::remote("reading a list", "a nil element"))
            })
            .collect(),
        other => Err(Error::remote(
            "reading a list",
            format!("the server answered {other:?} where an array was expected"),
        )),
    }
}
