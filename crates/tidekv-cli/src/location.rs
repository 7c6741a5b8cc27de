//! Where `tidekv migrate` reads and writes: a disk store's directory, a snapshot file (a memory
//! store's data), a server, or a Redis/Valkey Cluster.

use std::path::PathBuf;

use tidekv::{Config, Store};

use crate::target::{open_dir, opening_failed};

/// One end of a migration, as written on the command line.
#[derive(Debug, Clone)]
pub(crate) enum Location {
    /// A disk store's directory.
    Disk(PathBuf),
    /// A snapshot file (`*.tkv`, or any existing file): what a memory store saves.
    Snapshot(PathBuf),
    /// A server: `redis://`, `rediss://`, `valkey://` or `valkeys://`.
    Server(String),
    /// A Cluster: `cluster:` and one or more comma-separated server URLs of its nodes.
    Cluster(Vec<String>),
}

/// `valkey://` and `valkeys://` are `redis://` and `rediss://` to the client library.
fn server_url(text: &str) -> Option<String> {
    for (scheme, as_redis) in [
        ("redis://", "redis://"),
        ("rediss://", "rediss://"),
        ("valkey://", "redis://"),
        ("valkeys://", "rediss://"),
    ] {
        if let Some(rest) = text.strip_prefix(scheme) {
            return Some(format!("{as_redis}{rest}"));
        }
    }
    None
}

impl Location {
    pub(crate) fn parse(text: &str) -> Result<Location, String> {
        if let Some(nodes) = text.strip_prefix("cluster:") {
            let urls = nodes
                .split(',')
                .map(|u| server_url(u.trim()).ok_or_else(|| format!("{u:?} is not a server URL")))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Location::Cluster(urls));
        }
        if let Some(url) = server_url(text) {
            return Ok(Location::Server(url));
        }
        let path = PathBuf::from(text);
        if text.ends_with(".tkv") || path.is_file() {
            return Ok(Location::Snapshot(path));
        }
        Ok(Location::Disk(path))
    }

    /// Opens this location to read from: a directory read-only, a snapshot loaded into memory.
    pub(crate) fn open_source(&self) -> Result<Store, String> {
        match self {
            Location::Disk(dir) => open_dir(dir, true),
            Location::Snapshot(path) => {
                let store = memory()?;
                store
                    .load_snapshot(path)
                    .map_err(|e| format!("reading {}: {e}", path.display()))?;
                Ok(store)
            }
            Location::Server(_) | Location::Cluster(_) => self.open_server(),
        }
    }

    /// Opens this location to write to: a directory (created if missing), a snapshot in memory
    /// (written by [`Location::finish`]), a server.
    pub(crate) fn open_destination(&self) -> Result<Store, String> {
        match self {
            Location::Disk(dir) => {
                let config = Config::disk(dir).keyspaces(tidekv::MAX_KEYSPACES);
                Store::open(config).map_err(|e| {
                    opening_failed(dir, e, "migrate into it through the server's URL instead")
                })
            }
            Location::Snapshot(_) => memory(),
            Location::Server(_) | Location::Cluster(_) => self.open_server(),
        }
    }

    fn open_server(&self) -> Result<Store, String> {
        let config = match self {
            Location::Cluster(urls) => Config::remote_cluster(urls.iter().cloned()),
            Location::Server(url) => Config::remote(url.as_str()),
            _ => return Err("not a server".into()),
        };
        Store::open(config).map_err(|e| format!("{self}: {e}"))
    }

    /// Finishes a destination: a snapshot is written (atomically), then the store is closed.
    pub(crate) fn finish(&self, store: Store) -> Result<(), String> {
        if let Location::Snapshot(path) = self {
            store
                .save_snapshot(path)
                .map_err(|e| format!("writing {}: {e}", path.display()))?;
        }
        store.close().map_err(|e| format!("closing {self}: {e}"))
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Disk(dir) => write!(f, "{}", dir.display()),
            Location::Snapshot(path) => write!(f, "{}", path.display()),
            Location::Server(url) => f.write_str(url),
            Location::Cluster(urls) => write!(f, "cluster:{}", urls.join(",")),
        }
    }
}

/// A memory store that can hold every keyspace a snapshot may name.
fn memory() -> Result<Store, String> {
    Store::open(Config::memory().keyspaces(tidekv::MAX_KEYSPACES)).map_err(|e| e.to_string())
}
