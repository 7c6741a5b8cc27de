//! [`Server`]: binds the listening socket, opens the store, accepts clients up to `maxclients`,
//! and on shutdown (a signal, `SHUTDOWN`, or the caller's future) stops accepting, lets every
//! connection finish the commands it is running, closes the store — which makes every
//! acknowledged write durable — and returns.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::config::ServerConfig;
use crate::shared::{lock, Counters, Shared};

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A setting cannot be used.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The store could not be opened or closed.
    #[error("the store: {0}")]
    Store(#[from] tidekv::Error),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// How long connections get to finish their commands once the server stops.
const DRAIN: Duration = Duration::from_secs(5);

/// A server with its socket bound and its store open, ready to [`Server::run`].
pub struct Server {
    listener: TcpListener,
    shared: Arc<Shared>,
    /// The Prometheus endpoint, when `metrics` is set.
    metrics: Option<crate::observe::MetricsEndpoint>,
}

impl Server {
    /// Checks `config`, opens its store and binds its address (port 0 picks a free port).
    /// Must be called inside a tokio runtime.
    pub async fn bind(config: ServerConfig) -> Result<Server, ServeError> {
        let (listener, port) = listen(&config).await?;
        if config.engine == crate::config::EngineKind::Memory {
            std::fs::create_dir_all(&config.dir)
                .map_err(|e| tidekv::Error::io(format!("creating {}", config.dir.display()), e))?;
        }
        let store_config = config.store_config();
        let store = tokio::task::spawn_blocking(move || tidekv::Store::open(store_config))
            .await
            .map_err(|e| tidekv::Error::io("opening the store", std::io::Error::other(e)))??;
        Server::serving(listener, store, config, port)?
            .with_metrics()
            .await
    }

    /// Binds `config`'s address to serve `store`, a store the caller opened (its own tuning, a
    /// simulated disk in tests); `config`'s `engine` and `dir` are then not used. With
    /// `durability = sync`, open the store with [`tidekv::Durability::Buffered`]: the server
    /// flushes before each batch of replies itself.
    pub async fn bind_store(
        config: ServerConfig,
        store: tidekv::Store,
    ) -> Result<Server, ServeError> {
        let (listener, port) = listen(&config).await?;
        Server::serving(listener, store, config, port)?
            .with_metrics()
            .await
    }

    fn serving(
        listener: TcpListener,
        store: tidekv::Store,
        config: ServerConfig,
        port: u16,
    ) -> Result<Server, ServeError> {
        let barrier = match config.durability {
            crate::config::DurabilityMode::Sync => Some(
                crate::durability::SyncBarrier::start(store.clone())
                    .map_err(|e| tidekv::Error::io("starting the fsync thread", e))?,
            ),
            _ => None,
        };
        Ok(Server {
            listener,
            shared: Arc::new(Shared::new(store, config, port, barrier)),
            metrics: None,
        })
    }

    /// Binds the metrics endpoint `config` names, if any (see [`Server::bind`]).
    async fn with_metrics(mut self) -> Result<Server, ServeError> {
        let Some(addr) = lock(&self.shared.config).metrics else {
            return Ok(self);
        };
        let endpoint = crate::observe::MetricsEndpoint::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        self.metrics = Some(endpoint);
        Ok(self)
    }

    /// The address of the metrics endpoint, if it serves one.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|m| m.local_addr().ok())
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves clients until `stop` completes or a client sends `SHUTDOWN`; then drains the
    /// connections and closes the store.
    pub async fn run(self, stop: impl Future<Output = ()>) -> Result<(), ServeError> {
        let Server {
            listener,
            shared,
            metrics,
        } = self;
        let scrapes = metrics.map(|m| tokio::spawn(m.serve(Arc::clone(&shared))));
        let mut shutdown = shared.shutdown.subscribe();
        let mut connections = JoinSet::new();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, addr)) => admit(&shared, &mut connections, stream, addr).await,
                    Err(e) => {
                        // Out of descriptors and the like: wait a moment instead of spinning.
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                () = &mut stop => break,
                _ = shutdown.changed() => break,
            }
        }
        tracing::info!("shutting down: {} connections to drain", connections.len());
        if let Some(scrapes) = scrapes {
            scrapes.abort();
        }
        shared.begin_shutdown();
        drop(listener);
        let drained = tokio::time::timeout(DRAIN, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            connections.abort_all();
        }
        if let Some(barrier) = &shared.sync_barrier {
            barrier.stop();
        }
        let store = shared.store.clone();
        tokio::task::spawn_blocking(move || store.close())
            .await
            .map_err(|e| tidekv::Error::io("closing the store", std::io::Error::other(e)))??;
        tracing::info!("store closed; bye");
        Ok(())
    }
}

/// Checks `config` and binds its address; the listener and the port it got.
async fn listen(config: &ServerConfig) -> Result<(TcpListener, u16), ServeError> {
    config.validate()?;
    let addr = SocketAddr::new(config.bind, config.port);
    let bind_error = |source| ServeError::Bind { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
    let port = listener.local_addr().map_err(bind_error)?.port();
    Ok((listener, port))
}

/// Registers and starts a connection, or tells the client the server is full.
async fn admit(
    shared: &Arc<Shared>,
    connections: &mut JoinSet<()>,
    mut stream: TcpStream,
    addr: SocketAddr,
) {
    Counters::add(&shared.stats.connections_received, 1);
    let settings = shared.settings();
    let local = stream.local_addr().unwrap_or(addr);
    let Some(client) = shared.clients.register(addr, local, settings.maxclients) else {
        Counters::add(&shared.stats.rejected_connections, 1);
        let _ = stream
            .write_all(b"-ERR max number of clients reached\r\n")
            .await;
        return;
    };
    let _ = stream.set_nodelay(true);
    if settings.tcp_keepalive > 0 {
        let keepalive =
            socket2::TcpKeepalive::new().with_time(Duration::from_secs(settings.tcp_keepalive));
        let _ = socket2::SockRef::from(&stream).set_tcp_keepalive(&keepalive);
    }
    connections.spawn(crate::connection::serve(Arc::clone(shared), stream, client));
}
