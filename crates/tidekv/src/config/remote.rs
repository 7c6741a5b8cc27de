//! Options of the remote backend (Valkey / Redis) and the `Config` setters that change them.

use std::path::PathBuf;
use std::time::Duration;

use super::{Backend, Config};
use crate::error::{Error, Result};

/// Whether the remote deployment is one server or a Cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Topology {
    /// Asked of the server at open (`INFO cluster`): what [`Config::remote`] does.
    Detect,
    /// A Cluster, reached through any of its seed nodes ([`Config::remote_cluster`]).
    Cluster,
}

/// Options of the remote backend.
#[derive(Debug, Clone)]
pub(crate) struct RemoteOptions {
    /// `redis://` / `rediss://` URLs: one server, or the seed nodes of a Cluster.
    pub(crate) urls: Vec<String>,
    pub(crate) topology: Topology,
    /// Blocking connections lent to calls on one server, and idle dedicated connections kept
    /// for transactions and blocking pops.
    pub(crate) pool_size: usize,
    pub(crate) connect_timeout: Duration,
    pub(crate) response_timeout: Duration,
    /// Extra attempts for calls that are safe to repeat.
    pub(crate) retries: u32,
    /// The wait before the first retry; each later one doubles it, up to one second.
    pub(crate) retry_backoff: Duration,
    /// Keys a sorted scan holds in memory before it spills a sorted run to a temporary file.
    pub(crate) sort_buffer_keys: usize,
    /// Added to every expiry time sent (`test_util::remote_server_clock_lead`); zero otherwise.
    pub(crate) server_clock_lead: Duration,
    /// A PEM file of the CA certificates that sign the servers' certificates, instead of the
    /// system's roots.
    pub(crate) tls_ca_file: Option<PathBuf>,
    /// PEM files of a client certificate and its key, for servers that ask for one
    /// (`tls-auth-clients yes`).
    pub(crate) tls_client_cert: Option<(PathBuf, PathBuf)>,
}

impl RemoteOptions {
    fn new(urls: Vec<String>, topology: Topology) -> Self {
        RemoteOptions {
            urls,
            topology,
            pool_size: 8,
            connect_timeout: Duration::from_secs(5),
            response_timeout: Duration::from_secs(5),
            retries: 3,
            retry_backoff: Duration::from_millis(50),
            sort_buffer_keys: 100_000,
            server_clock_lead: Duration::ZERO,
            tls_ca_file: None,
            tls_client_cert: None,
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.urls.is_empty() {
            return Err(Error::invalid(
                "url",
                "a remote store needs at least one URL",
            ));
        }
        for url in &self.urls {
            let info = redis::IntoConnectionInfo::into_connection_info(url.as_str())
                .map_err(|e| Error::invalid("url", format!("{url:?}: {e}")))?;
            if info.redis.db != 0 {
                return Err(Error::invalid(
                    "url",
                    format!(
                        "{url:?} names database {}: keyspace n of the store is database n, so \
                         give the server's address only and use `store.keyspace(n)`",
                        info.redis.db
                    ),
                ));
            }
        }
        if self.pool_size == 0 {
            return Err(Error::invalid("pool_size", "must be at least 1"));
        }
        if self.connect_timeout.is_zero() || self.response_timeout.is_zero() {
            return Err(Error::invalid("timeout", "must be greater than zero"));
        }
        if self.sort_buffer_keys == 0 {
            return Err(Error::invalid("sort_buffer_keys", "must be at least 1"));
        }
        let certificates = self.tls_ca_file.is_some() || self.tls_client_cert.is_some();
        if certificates && self.urls.iter().any(|url| !is_tls_url(url)) {
            return Err(Error::invalid(
                "tls",
                "certificate files are for TLS: give `rediss://` (or `valkeys://`) URLs",
            ));
        }
        Ok(())
    }
}

/// Whether `url` asks for TLS.
fn is_tls_url(url: &str) -> bool {
    let scheme = url.split("://").next().unwrap_or_default();
    scheme.eq_ignore_ascii_case("rediss") || scheme.eq_ignore_ascii_case("valkeys")
}

impl Config {
    /// A store on a Valkey or Redis deployment (7.0 or newer), reached at `url`:
    /// `redis://[user:password@]host:port`, `rediss://…` for TLS (`valkey://` and `valkeys://`
    /// too). Whether it is one server
    /// or a Cluster is asked of the server when the store opens; for a Cluster, `url` is any of
    /// its nodes (see [`Config::remote_cluster`] to give several).
    ///
    /// The same API as the other backends, with the differences [`crate::Capabilities`] lists
    /// (scans do not see one point in time; the server's clock judges expiry; a Cluster has one
    /// keyspace). `docs/backends.md` maps each call onto the commands it sends.
    ///
    /// ```no_run
    /// use tidekv::{Config, Store};
    /// let store = Store::open(Config::remote("redis://127.0.0.1:6379"))?;
    /// store.insert("greeting", "hello")?;
    /// # Ok::<(), tidekv::Error>(())
    /// ```
    pub fn remote(url: impl Into<String>) -> Self {
        Config::with_backend(Backend::Remote(RemoteOptions::new(
            vec![url.into()],
            Topology::Detect,
        )))
    }

    /// A store on a Valkey or Redis Cluster, reached through any of `seed_urls` (the client learns
    /// the rest of the Cluster from the first that answers, and follows `MOVED` and `ASK`
    /// redirections when slots move).
    pub fn remote_cluster<U: Into<String>>(seed_urls: impl IntoIterator<Item = U>) -> Self {
        Config::with_backend(Backend::Remote(RemoteOptions::new(
            seed_urls.into_iter().map(Into::into).collect(),
            Topology::Cluster,
        )))
    }

    /// The remote backend's connection pools (default 8 each). On one server, a blocking call
    /// from a plain thread borrows one of up to this many blocking connections for its round
    /// trip; when all are lent, and for futures, scans and a Cluster, calls share one
    /// multiplexed connection per keyspace (per node on a Cluster). A transaction (it needs
    /// `WATCH` state of its own) and each blocking pop (a `BLPOP` would stall every call behind
    /// it) take a dedicated connection, from up to this many idle ones kept or newly made.
    pub fn pool_size(mut self, connections: usize) -> Self {
        if let Some(r) = self.remote_options("pool_size") {
            r.pool_size = connections;
        }
        self
    }

    /// How long connecting to a remote server may take before the call fails with
    /// [`Error::Remote`] (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        if let Some(r) = self.remote_options("connect_timeout") {
            r.connect_timeout = timeout;
        }
        self
    }

    /// How long a remote server may take to answer a call before it fails with
    /// [`Error::Remote`] (default 5 s). Blocking pops wait their own timeout plus this.
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        if let Some(r) = self.remote_options("response_timeout") {
            r.response_timeout = timeout;
        }
        self
    }

    /// How many times the remote backend retries a call that failed on the connection (default
    /// 3), waiting `backoff` before the first retry and twice as long before each next one (up to
    /// one second). Only calls that are safe to repeat are retried (reads, plain `SET`, `EXPIRE`
    /// to an absolute time): a push, pop or increment whose connection broke may have run, so its
    /// error is returned instead.
    pub fn retries(mut self, retries: u32, backoff: Duration) -> Self {
        if let Some(r) = self.remote_options("retries") {
            r.retries = retries;
            r.retry_backoff = backoff;
        }
        self
    }

    /// Keys a sorted scan of the remote backend holds in memory (default 100,000). `SCAN` returns
    /// keys in no order, so a sorted scan sorts them: beyond this many it writes sorted runs to
    /// temporary files and merges them, so its memory stays bounded on any keyspace.
    pub fn sort_buffer_keys(mut self, keys: usize) -> Self {
        if let Some(r) = self.remote_options("sort_buffer_keys") {
            r.sort_buffer_keys = keys;
        }
        self
    }

    /// Verifies the servers' TLS certificates against the CA certificates in the PEM file at
    /// `path` (a private CA) instead of the system's roots. For `rediss://` URLs.
    pub fn tls_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        if let Some(r) = self.remote_options("tls_ca_file") {
            r.tls_ca_file = Some(path.into());
        }
        self
    }

    /// Presents the client certificate in the PEM file `cert` (with its private key in `key`)
    /// to servers that ask for one (`tls-auth-clients yes`). For `rediss://` URLs.
    pub fn tls_client_cert(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        if let Some(r) = self.remote_options("tls_client_cert") {
            r.tls_client_cert = Some((cert.into(), key.into()));
        }
        self
    }

    /// The remote backend's options; on another backend, `setter` is recorded as misapplied and
    /// `Store::open` refuses the config.
    fn remote_options(&mut self, setter: &'static str) -> Option<&mut RemoteOptions> {
        match &mut self.backend {
            Backend::Remote(r) => Some(r),
            _ => {
                self.misapplied.push((setter, "remote"));
                None
            }
        }
    }
}
