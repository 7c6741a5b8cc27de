//! Blocking connections for the blocking API on one server: a call made from a plain thread
//! takes one, writes its command and reads the reply on its own socket, and gives it back.
//!
//! Why: over the shared multiplexed connection every call crosses from the caller's thread to
//! the connection's task on the engine's runtime and back, which halved throughput against the
//! `redis` crate's blocking `Connection` used directly (BENCHMARKS.md, the remote backend). The
//! multiplexed connection stays for callers inside a runtime, for a Cluster (whose client routes
//! by slot and follows `MOVED`), and for calls made while every pooled connection is busy, so a
//! burst of threads never waits for a connection and never opens more than the pool allows.
//!
//! Invariants: at most `limit` connections exist (idle or lent); a connection is given back only
//! after a call that read its whole reply (an I/O error or a timeout may leave a reply in
//! flight, so such a connection is dropped and the next call opens a new one).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use redis::{ConnectionInfo, ConnectionLike, RedisError, RedisResult};

/// The pool (see the module docs).
pub(crate) struct SyncPool {
    /// The server's address, user, password and TLS mode (database 0).
    info: ConnectionInfo,
    /// Idle connections with the keyspace (database) each has selected; `None` once the store
    /// closed (a connection given back then is dropped).
    idle: Mutex<Option<Vec<(u32, redis::Connection)>>>,
    /// Connections that exist, idle or lent.
    open: AtomicUsize,
    limit: usize,
    connect_timeout: Duration,
    response_timeout: Duration,
}

impl SyncPool {
    pub(crate) fn new(
        info: ConnectionInfo,
        limit: usize,
        connect_timeout: Duration,
        response_timeout: Duration,
    ) -> SyncPool {
        SyncPool {
            info,
            idle: Mutex::new(Some(Vec::new())),
            open: AtomicUsize::new(0),
            limit,
            connect_timeout,
            response_timeout,
        }
    }

    /// Runs `call` on a connection to keyspace `ks`; `None` when every connection is lent (the
    /// caller goes over the shared connection instead). Failing to connect is `Some(Err)`.
    pub(crate) fn run<T>(
        &self,
        ks: u32,
        call: impl FnOnce(&mut redis::Connection) -> RedisResult<T>,
    ) -> Option<RedisResult<T>> {
        let mut connection = match self.take(ks)? {
            Ok(connection) => connection,
            Err(e) => return Some(Err(e)),
        };
        let result = call(&mut connection);
        let reusable = connection.is_open() && result.as_ref().err().is_none_or(reply_was_read);
        match self.idle.lock().as_mut() {
            Some(idle) if reusable => idle.push((ks, connection)),
            _ => self.forget(),
        }
        Some(result)
    }

    /// Closes the idle connections, and each lent one as it comes back (the store closed).
    pub(crate) fn close(&self) {
        if let Some(idle) = self.idle.lock().take() {
            self.open.fetch_sub(idle.len(), Ordering::AcqRel);
        }
    }

    /// An idle connection to `ks`, or a new one while fewer than `limit` exist (an idle one to
    /// another keyspace makes room when needed).
    fn take(&self, ks: u32) -> Option<RedisResult<redis::Connection>> {
        {
            let mut guard = self.idle.lock();
            // Closed: the shared connection answers `Error::Closed`.
            let idle = guard.as_mut()?;
            if let Some(at) = idle.iter().rposition(|(db, _)| *db == ks) {
                return Some(Ok(idle.swap_remove(at).1));
            }
            if self.open.load(Ordering::Acquire) >= self.limit {
                // Full: trade an idle connection to another keyspace for a new one, if any.
                idle.pop()?;
                self.open.fetch_sub(1, Ordering::AcqRel);
            }
            // Counted while the lock is held, so that two callers cannot both pass the limit.
            self.open.fetch_add(1, Ordering::AcqRel);
        }
        let connected = self.connect(ks);
        if connected.is_err() {
            self.forget();
        }
        Some(connected)
    }

    fn connect(&self, ks: u32) -> RedisResult<redis::Connection> {
        let mut info = self.info.clone();
        info.redis.db = i64::from(ks);
        let client = redis::Client::open(info)?;
        let connection = client.get_connection_with_timeout(self.connect_timeout)?;
        connection.set_read_timeout(Some(self.response_timeout))?;
        connection.set_write_timeout(Some(self.response_timeout))?;
        Ok(connection)
    }

    /// A lent connection was dropped.
    fn forget(&self) {
        self.open.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Whether the connection read the whole reply before `error`: the server answered with an
/// error, or the reply was not of the type asked for. After an I/O error, a timeout or an
/// unparsable reply the stream's position is unknown.
fn reply_was_read(error: &RedisError) -> bool {
    !(error.is_io_error()
        || error.is_timeout()
        || error.is_connection_dropped()
        || error.is_unrecoverable_error())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io_error(kind: std::io::ErrorKind) -> RedisError {
        RedisError::from(std::io::Error::from(kind))
    }

    #[test]
    fn a_server_error_leaves_the_connection_usable_and_io_trouble_does_not() {
        let server = RedisError::from((redis::ErrorKind::ResponseError, "WRONGTYPE", "x".into()));
        assert!(reply_was_read(&server));
        let conversion = RedisError::from((redis::ErrorKind::TypeError, "not an integer"));
        assert!(reply_was_read(&conversion));
        assert!(!reply_was_read(&io_error(std::io::ErrorKind::WouldBlock)));
        assert!(!reply_was_read(&io_error(std::io::ErrorKind::TimedOut)));
        assert!(!reply_was_read(&io_error(
            std::io::ErrorKind::ConnectionReset
        )));
        let parse = RedisError::from((redis::ErrorKind::ParseError, "bad reply"));
        assert!(!reply_was_read(&parse));
    }

    #[test]
    fn a_server_that_is_not_there_is_an_error_and_frees_its_place() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let info =
            redis::IntoConnectionInfo::into_connection_info(format!("redis://127.0.0.1:{port}"))
                .unwrap();
        let pool = SyncPool::new(info, 1, Duration::from_secs(1), Duration::from_secs(1));
        for _ in 0..3 {
            let result = pool.run(0, |c| redis::cmd("PING").query::<String>(c));
            assert!(matches!(result, Some(Err(ref e)) if e.is_connection_refusal()));
        }
        assert_eq!(pool.open.load(Ordering::Acquire), 0);
    }
}
