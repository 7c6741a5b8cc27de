//! [`Shared`]: what every connection of one server sees — the store, the settings that
//! `CONFIG SET` can change, the clients (`CLIENT LIST`, `CLIENT KILL`), counters for `INFO`, and
//! the shutdown signal.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use tidekv::Store;
use tokio::sync::{watch, Notify};

use crate::config::ServerConfig;
use crate::cursors::ScanCursors;

/// Locks a mutex, going on if a thread panicked while holding it (the data is plain counters
/// and names; a half-made update is harmless).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The state of one server, shared by its connections.
pub(crate) struct Shared {
    pub(crate) store: Store,
    /// The settings; `CONFIG SET` changes the ones that can change while running.
    pub(crate) config: Mutex<ServerConfig>,
    /// The port actually bound (the configured one may be 0).
    pub(crate) port: u16,
    pub(crate) clients: Clients,
    pub(crate) stats: Counters,
    pub(crate) cursors: ScanCursors,
    pub(crate) started: Instant,
    /// Unix seconds of the last successful `SAVE` / `BGSAVE` (or of the start).
    pub(crate) last_save: AtomicI64,
    /// A `BGSAVE` is running (`INFO persistence`'s `rdb_bgsave_in_progress`); one at a time.
    pub(crate) bgsave_running: AtomicBool,
    /// Whether the last `BGSAVE` succeeded (`rdb_last_bgsave_status`).
    pub(crate) last_bgsave_ok: AtomicBool,
    /// Set to `true` once the server is shutting down.
    pub(crate) shutdown: watch::Sender<bool>,
    /// The flusher replies wait for, with `durability = sync`.
    pub(crate) sync_barrier: Option<Arc<crate::durability::SyncBarrier>>,
    /// Per-command counters and the slow log.
    pub(crate) observe: Observe,
}

/// What the server records about the commands it runs (`crate::observe`).
pub(crate) struct Observe {
    pub(crate) commands: crate::observe::CommandStats,
    pub(crate) slowlog: crate::observe::SlowLog,
    /// `slowlog-log-slower-than` and `slowlog-max-len`, copied out of the settings (and again by
    /// `CONFIG SET`) so that each command reads them without taking the settings' lock.
    pub(crate) slower_than: AtomicI64,
    pub(crate) slowlog_max_len: AtomicU64,
}

impl Observe {
    /// Copies the slow log's settings out of `config`.
    pub(crate) fn follow(&self, config: &ServerConfig) {
        self.slower_than
            .store(config.slowlog_log_slower_than, Ordering::Relaxed);
        self.slowlog_max_len
            .store(config.slowlog_max_len, Ordering::Relaxed);
    }
}

impl Shared {
    pub(crate) fn new(
        store: Store,
        config: ServerConfig,
        port: u16,
        sync_barrier: Option<Arc<crate::durability::SyncBarrier>>,
    ) -> Shared {
        let (slower_than, slowlog_max_len) =
            (config.slowlog_log_slower_than, config.slowlog_max_len);
        Shared {
            sync_barrier,
            store,
            config: Mutex::new(config),
            port,
            clients: Clients::default(),
            stats: Counters::default(),
            cursors: ScanCursors::default(),
            started: Instant::now(),
            last_save: AtomicI64::new(unix_seconds()),
            bgsave_running: AtomicBool::new(false),
            last_bgsave_ok: AtomicBool::new(true),
            shutdown: watch::channel(false).0,
            observe: Observe {
                commands: crate::observe::CommandStats::new(
                    crate::command::table::all()
                        .into_iter()
                        .map(|spec| spec.name),
                ),
                slowlog: crate::observe::SlowLog::default(),
                slower_than: AtomicI64::new(slower_than),
                slowlog_max_len: AtomicU64::new(slowlog_max_len),
            },
        }
    }

    /// A copy of the current settings.
    pub(crate) fn settings(&self) -> ServerConfig {
        lock(&self.config).clone()
    }

    /// Starts shutting the server down: stop accepting, end every connection.
    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }
}

/// Counters reported by `INFO stats`.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) connections_received: AtomicU64,
    pub(crate) commands_processed: AtomicU64,
    pub(crate) rejected_connections: AtomicU64,
    pub(crate) output_limit_disconnections: AtomicU64,
    pub(crate) blocked_clients: AtomicUsize,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// What `CLIENT LIST` shows of a connection, kept up to date by the connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClientInfo {
    pub(crate) name: Option<Bytes>,
    pub(crate) lib_name: Option<Bytes>,
    pub(crate) lib_ver: Option<Bytes>,
    pub(crate) db: u32,
    /// Borrowed for a command, owned only for `container|subcommand` names.
    pub(crate) last_command: std::borrow::Cow<'static, str>,
    pub(crate) resp: u8,
    pub(crate) in_multi: bool,
    /// Commands queued since `MULTI` (`CLIENT LIST`'s `multi=`).
    pub(crate) queued: usize,
    pub(crate) blocked: bool,
}

/// One connection as the registry sees it.
pub(crate) struct ClientHandle {
    pub(crate) id: u64,
    pub(crate) addr: SocketAddr,
    pub(crate) local_addr: SocketAddr,
    pub(crate) connected: Instant,
    pub(crate) last_active: Mutex<Instant>,
    pub(crate) info: Mutex<ClientInfo>,
    /// Notified by `CLIENT KILL`: the connection closes.
    pub(crate) kill: Notify,
}

/// The connected clients, by id.
#[derive(Default)]
pub(crate) struct Clients {
    next_id: AtomicU64,
    by_id: Mutex<BTreeMap<u64, Arc<ClientHandle>>>,
}

impl Clients {
    /// Registers a new connection, or `None` if `max` are connected already.
    pub(crate) fn register(
        &self,
        addr: SocketAddr,
        local_addr: SocketAddr,
        max: usize,
    ) -> Option<Arc<ClientHandle>> {
        let mut clients = lock(&self.by_id);
        if clients.len() >= max {
            return None;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let now = Instant::now();
        let handle = Arc::new(ClientHandle {
            id,
            addr,
            local_addr,
            connected: now,
            last_active: Mutex::new(now),
            info: Mutex::new(ClientInfo::default()),
            kill: Notify::new(),
        });
        clients.insert(id, Arc::clone(&handle));
        Some(handle)
    }

    pub(crate) fn unregister(&self, id: u64) {
        lock(&self.by_id).remove(&id);
    }

    pub(crate) fn count(&self) -> usize {
        lock(&self.by_id).len()
    }

    /// Every client, in id order.
    pub(crate) fn all(&self) -> Vec<Arc<ClientHandle>> {
        lock(&self.by_id).values().cloned().collect()
    }
}

/// Now, in Unix seconds.
pub(crate) fn unix_seconds() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
