//! The connections to a deployment, all made by the `redis` crate.
//!
//! - **Shared**: every plain call goes over one multiplexed connection that many callers use at
//!   once. On one server that is a `ConnectionManager` per keyspace (a connection is bound to
//!   one database; the manager reconnects after a failure), made when the keyspace is first used.
//!   On a Cluster it is the crate's `ClusterConnection`, which routes each command to the node of
//!   its slot, splits multi-key commands by slot, and follows `MOVED` and `ASK`.
//! - **Blocking**: on one server, a call from a plain thread takes a blocking connection of its
//!   own for its round trip (`sync_pool.rs`), and falls back to the shared one when all are lent.
//! - **Dedicated**: a transaction (its `WATCH` state is per connection) and a blocking pop (a
//!   `BLPOP` holds its connection until it is answered) each take a connection of their own to
//!   the one server, or to the Cluster node that owns their keys' slot, from a small pool.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use redis::aio::{
    ConnectionLike, ConnectionManager, ConnectionManagerConfig, MultiplexedConnection,
};
use redis::cluster_async::ClusterConnection;
use redis::{AsyncConnectionConfig, Cmd, ConnectionInfo, IntoConnectionInfo, RedisFuture, Value};

use crate::config::{RemoteOptions, Topology};
use crate::error::{Error, Result};
use crate::remote::addresses::{address, with_address};
use crate::remote::slots::SlotMap;
use crate::remote::sync_pool::SyncPool;
use crate::remote::tls;

/// One of the shared connections (see the module docs); cheap to clone.
#[derive(Clone)]
pub(crate) enum Shared {
    Server(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Shared {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Shared::Server(c) => c.req_packed_command(cmd),
            Shared::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Shared::Server(c) => c.req_packed_commands(pipeline, offset, count),
            Shared::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Shared::Server(c) => c.get_db(),
            Shared::Cluster(c) => c.get_db(),
        }
    }
}

/// A connection of one caller's own (see the module docs).
pub(crate) struct Dedicated {
    pub(crate) connection: MultiplexedConnection,
    /// The node it is connected to (`host:port`); empty on one server.
    pub(crate) node: String,
    /// The database it has selected.
    pub(crate) db: u32,
    /// Whether it answers without a response timeout (a blocking pop's).
    pub(crate) unbounded: bool,
    /// Its `CLIENT ID`, once asked (to unblock a blocking pop from another connection).
    pub(crate) client_id: Option<i64>,
}

enum Deployment {
    Server {
        info: ConnectionInfo,
        by_keyspace: Vec<tokio::sync::OnceCell<ConnectionManager>>,
        /// Blocking connections for calls from plain threads (`remote/sync_pool.rs`).
        blocking: Box<SyncPool>,
    },
    Cluster {
        /// The first seed's address, user, password and TLS mode, for dedicated connections.
        seed: ConnectionInfo,
        connection: ClusterConnection,
        slots: SlotMap,
    },
}

/// Every connection of one remote store.
pub(crate) struct Connections {
    deployment: Deployment,
    idle: Mutex<Vec<Dedicated>>,
    pool_size: usize,
    connect_timeout: Duration,
    response_timeout: Duration,
}

impl Connections {
    /// Connects to the deployment `options` names, asking the server whether it is a Cluster
    /// unless the config said so.
    pub(crate) async fn open(options: &RemoteOptions, keyspaces: u32) -> Result<Connections> {
        let infos: Vec<ConnectionInfo> = options
            .urls
            .iter()
            .map(|u| u.as_str().into_connection_info())
            .collect::<redis::RedisResult<_>>()
            .map_err(|e| Error::invalid("url", e))?;
        let certificates = tls::certificates(options)?;
        let infos = match &certificates {
            Some(certificates) => infos
                .into_iter()
                .map(|info| tls::with_certificates(info, certificates))
                .collect::<Result<Vec<_>>>()?,
            None => infos,
        };
        let first = infos
            .first()
            .cloned()
            .ok_or_else(|| Error::invalid("url", "a remote store needs at least one URL"))?;
        let cluster = match options.topology {
            Topology::Cluster => true,
            Topology::Detect => is_cluster(&first, options).await?,
        };
        let deployment = if cluster {
            let mut builder = redis::cluster::ClusterClientBuilder::new(infos)
                .connection_timeout(options.connect_timeout)
                .response_timeout(options.response_timeout)
                .retries(options.retries)
                .min_retry_wait(duration_ms(options.retry_backoff))
                .max_retry_wait(1_000);
            if let Some(tls) = tls::mode(&first) {
                builder = builder.tls(tls);
            }
            if let Some(certificates) = certificates {
                builder = builder.certs(certificates);
            }
            let client = builder
                .build()
                .map_err(|e| Error::remote(format!("configuring {}", address(&first)), e))?;
            let connection = client
                .get_async_connection()
                .await
                .map_err(|e| Error::remote(format!("connecting to {}", address(&first)), e))?;
            Deployment::Cluster {
                seed: first,
                connection,
                slots: SlotMap::default(),
            }
        } else {
            Deployment::Server {
                blocking: Box::new(SyncPool::new(
                    first.clone(),
                    options.pool_size,
                    options.connect_timeout,
                    options.response_timeout,
                )),
                info: first,
                by_keyspace: (0..keyspaces)
                    .map(|_| tokio::sync::OnceCell::new())
                    .collect(),
            }
        };
        Ok(Connections {
            deployment,
            idle: Mutex::new(Vec::new()),
            pool_size: options.pool_size,
            connect_timeout: options.connect_timeout,
            response_timeout: options.response_timeout,
        })
    }

    /// Whether the deployment is a Cluster.
    pub(crate) fn is_cluster(&self) -> bool {
        matches!(self.deployment, Deployment::Cluster { .. })
    }

    /// The blocking connections of one server; `None` on a Cluster.
    pub(crate) fn blocking(&self) -> Option<&SyncPool> {
        match &self.deployment {
            Deployment::Server { blocking, .. } => Some(blocking),
            Deployment::Cluster { .. } => None,
        }
    }

    /// The address the store was opened on, for messages.
    pub(crate) fn address(&self) -> String {
        match &self.deployment {
            Deployment::Server { info, .. } => address(info),
            Deployment::Cluster { seed, .. } => format!("the Cluster at {}", address(seed)),
        }
    }

    /// The shared connection for keyspace `ks` (made on first use).
    pub(crate) async fn shared(&self, ks: u32, options: &RemoteOptions) -> Result<Shared> {
        match &self.deployment {
            Deployment::Server {
                info, by_keyspace, ..
            } => {
                let cell = usize::try_from(ks)
                    .ok()
                    .and_then(|i| by_keyspace.get(i))
                    .ok_or_else(|| Error::invalid("keyspace", format!("{ks} is out of range")))?;
                let manager = cell
                    .get_or_try_init(|| async {
                        let mut info = info.clone();
                        info.redis.db = i64::from(ks);
                        let client =
                            redis::Client::open(info).map_err(|e| Error::invalid("url", e))?;
                        // One connection attempt per reconnect: the manager's own backoff
                        // starts at a second, and a call on a dead server must fail fast. The
                        // next call reconnects again, and `RemoteEngine::query` retries the
                        // calls that are safe to repeat with the configured backoff.
                        let config = ConnectionManagerConfig::new()
                            .set_connection_timeout(options.connect_timeout)
                            .set_response_timeout(options.response_timeout)
                            .set_number_of_retries(0);
                        ConnectionManager::new_with_config(client, config)
                            .await
                            .map_err(|e| {
                                Error::remote(format!("connecting to {}", self.address()), e)
                            })
                    })
                    .await?;
                Ok(Shared::Server(manager.clone()))
            }
            Deployment::Cluster { connection, .. } if ks == 0 => {
                Ok(Shared::Cluster(connection.clone()))
            }
            Deployment::Cluster { .. } => Err(Error::invalid(
                "keyspace",
                format!("{ks}: a Redis Cluster has one database, keyspace 0"),
            )),
        }
    }

    /// A dedicated connection to the node that owns `slot` (any slot on one server), from the
    /// pool or new. `unbounded` ones have no response timeout: the caller bounds its own wait.
    pub(crate) async fn dedicated(&self, slot: Option<u16>, unbounded: bool) -> Result<Dedicated> {
        let node = match (&self.deployment, slot) {
            (Deployment::Cluster { slots, .. }, Some(slot)) => {
                slots.node_of(slot, &self.shared_cluster()?).await?
            }
            (Deployment::Cluster { .. }, None) => {
                return Err(Error::invalid(
                    "keys",
                    "a Cluster call on a dedicated connection needs a key",
                ))
            }
            (Deployment::Server { .. }, _) => String::new(),
        };
        {
            let mut idle = self.idle.lock();
            if let Some(at) = idle
                .iter()
                .position(|d| d.node == node && d.unbounded == unbounded)
            {
                return Ok(idle.swap_remove(at));
            }
        }
        let mut info = match &self.deployment {
            Deployment::Server { info, .. } => info.clone(),
            Deployment::Cluster { seed, .. } => with_address(seed, &node)?,
        };
        info.redis.db = 0;
        let client = redis::Client::open(info).map_err(|e| Error::invalid("url", e))?;
        let mut config = AsyncConnectionConfig::new().set_connection_timeout(self.connect_timeout);
        if !unbounded {
            config = config.set_response_timeout(self.response_timeout);
        }
        let connection = client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|e| Error::remote(format!("connecting to {}", self.address()), e))?;
        Ok(Dedicated {
            connection,
            node,
            db: 0,
            unbounded,
            client_id: None,
        })
    }

    /// Returns a dedicated connection in a clean state (no `WATCH`, no `MULTI`) to the pool.
    pub(crate) fn give_back(&self, dedicated: Dedicated) {
        let mut idle = self.idle.lock();
        if idle.len() < self.pool_size {
            idle.push(dedicated);
        }
    }

    /// Sends `cmd` to the node a dedicated connection is on, over a shared connection (on one
    /// server: keyspace 0's).
    pub(crate) async fn to_node(
        &self,
        node: &str,
        cmd: &Cmd,
        options: &RemoteOptions,
    ) -> Result<Value> {
        let mut shared = self.shared(0, options).await?;
        let sent = match (&mut shared, node.rsplit_once(':')) {
            (Shared::Cluster(cluster), Some((host, port))) => {
                let port = port
                    .parse::<u16>()
                    .map_err(|_| Error::remote("routing a call", format!("bad node {node:?}")))?;
                let to = redis::cluster_routing::RoutingInfo::SingleNode(
                    redis::cluster_routing::SingleNodeRoutingInfo::ByAddress {
                        host: host.to_owned(),
                        port,
                    },
                );
                cluster.route_command(cmd, to).await
            }
            (shared, _) => cmd.query_async::<Value>(shared).await,
        };
        sent.map_err(|e| Error::remote(crate::remote::engine::command_name(cmd), e))
    }

    /// Forgets the slot owners after a `MOVED` / `ASK`, so the next dedicated connection asks.
    pub(crate) fn slots_moved(&self) {
        if let Deployment::Cluster { slots, .. } = &self.deployment {
            slots.forget();
        }
        self.idle.lock().clear();
    }

    /// The primaries of the Cluster as `(host, port)`, or `None` on one server.
    pub(crate) async fn primaries(&self) -> Result<Option<Vec<(String, u16)>>> {
        match &self.deployment {
            Deployment::Server { .. } => Ok(None),
            Deployment::Cluster { slots, .. } => {
                Ok(Some(slots.primaries(&self.shared_cluster()?).await?))
            }
        }
    }

    fn shared_cluster(&self) -> Result<Shared> {
        match &self.deployment {
            Deployment::Cluster { connection, .. } => Ok(Shared::Cluster(connection.clone())),
            Deployment::Server { .. } => Err(Error::invalid("deployment", "not a Cluster")),
        }
    }
}

/// Asks the server at `info` whether it runs in Cluster mode (`INFO cluster`).
async fn is_cluster(info: &ConnectionInfo, options: &RemoteOptions) -> Result<bool> {
    let client = redis::Client::open(info.clone()).map_err(|e| Error::invalid("url", e))?;
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(options.connect_timeout)
        .set_response_timeout(options.response_timeout);
    let context = || format!("connecting to {}", address(info));
    let mut connection = client
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .map_err(|e| Error::remote(context(), e))?;
    let text: String = redis::cmd("INFO")
        .arg("cluster")
        .query_async(&mut connection)
        .await
        .map_err(|e| Error::remote(context(), e))?;
    Ok(text.lines().any(|l| l.trim() == "cluster_enabled:1"))
}

fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl std::fmt::Debug for Connections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connections")
            .field("address", &self.address())
            .field("cluster", &self.is_cluster())
            .finish()
    }
}

/// Shared by the engine and the futures it runs.
pub(crate) type Conns = Arc<Connections>;
