//! [`ServerConfig`]: every setting of `tidekv serve`, from flags or a TOML file
//! (`docs/server.md` lists them), and the checks made before the server starts.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// Which engine holds the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// The LSM tree in `dir` (the default).
    #[default]
    Disk,
    /// In memory; `SAVE`, `BGSAVE` and shutdown write a snapshot to `dir/dump.tkv`, loaded at
    /// start.
    Memory,
}

/// When a write reaches stable storage (the disk engine; see [`tidekv::Durability`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DurabilityMode {
    /// A reply is sent only once its write is fsynced; fsyncs are shared by all connections
    /// (Redis `appendfsync always`).
    Sync,
    /// The log is fsynced every `sync-interval-ms` (Redis `appendfsync everysec`). The default.
    #[default]
    Periodic,
    /// The operating system decides when, but for a background fsync per 4 MiB of log (Redis
    /// `appendfsync no`).
    Buffered,
}

/// How the server writes its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Lines for people. The default.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The settings of a server. Defaults are Redis's where Redis has the setting.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServerConfig {
    /// The address to listen on. Default `127.0.0.1`.
    pub bind: IpAddr,
    /// The TCP port; 0 picks a free one. Default 6379.
    pub port: u16,
    /// The engine. Default disk.
    pub engine: EngineKind,
    /// Where the data lives. Default `./tidekv-data`.
    pub dir: PathBuf,
    /// The password clients must give (`AUTH`), if any.
    pub requirepass: Option<String>,
    /// When writes become durable (disk engine). Default periodic.
    pub durability: DurabilityMode,
    /// The interval of `periodic` durability, in milliseconds. Default 1000.
    pub sync_interval_ms: u64,
    /// Refuse to start on a non-loopback address without a password. Default on.
    pub protected_mode: bool,
    /// Connections served at once; one more is told so and closed. Default 10,000.
    pub maxclients: usize,
    /// Close a connection idle for this many seconds (0: never). Blocked clients are not idle.
    pub timeout: u64,
    /// TCP keepalive interval in seconds (0: off). Default 300.
    pub tcp_keepalive: u64,
    /// The largest argument a client may send, in bytes. Default 512 MiB.
    pub proto_max_bulk_len: u64,
    /// A client whose unsent replies exceed this many bytes is disconnected (0: no limit).
    /// Default 256 MiB.
    pub client_output_limit: u64,
    /// How many keyspaces `SELECT` can reach. Default 16.
    pub databases: u32,
    /// The block cache of the disk engine, in MiB (0: the engine's default).
    pub cache_mb: u64,
    /// The log filter (`error`, `warn`, `info`, `debug`, `trace`, or a tracing filter).
    pub log_level: String,
    /// Where `SAVE DIR name` and `BGSAVE DIR name` write checkpoints (`<dir>.checkpoints` if
    /// unset). A client names a checkpoint, never a path: it cannot write elsewhere.
    pub checkpoint_dir: Option<PathBuf>,
    /// Log commands that take at least this many microseconds (`SLOWLOG`); negative: none, 0:
    /// every command. Default 10000 (Redis's).
    pub slowlog_log_slower_than: i64,
    /// Entries the slow log keeps. Default 128 (Redis's).
    pub slowlog_max_len: u64,
    /// Serve Prometheus metrics over HTTP at this address (`/metrics`). Default none.
    pub metrics: Option<std::net::SocketAddr>,
    /// The log's format. Default text.
    pub log_format: LogFormat,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 6379,
            engine: EngineKind::Disk,
            dir: PathBuf::from("tidekv-data"),
            requirepass: None,
            durability: DurabilityMode::Periodic,
            sync_interval_ms: 1000,
            protected_mode: true,
            maxclients: 10_000,
            timeout: 0,
            tcp_keepalive: 300,
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_output_limit: 256 * 1024 * 1024,
            databases: 16,
            cache_mb: 0,
            log_level: "info".to_string(),
            checkpoint_dir: None,
            slowlog_log_slower_than: 10_000,
            slowlog_max_len: 128,
            metrics: None,
            log_format: LogFormat::Text,
        }
    }
}

/// A setting that cannot be used; the text says which and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl ServerConfig {
    /// Reads a TOML config file's text: keys as in `tidekv serve --help`, in kebab case
    /// (`port = 6380`, `requirepass = "…"`, `durability = "sync"`).
    pub fn from_toml(text: &str) -> Result<ServerConfig, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError(format!("bad config file: {e}")))
    }

    /// Checks the settings together, as the server does before it starts.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.protected_mode && !self.bind.is_loopback() && self.requirepass.is_none() {
            return Err(ConfigError(format!(
                "refusing to listen on {} without a password: set requirepass, or turn \
                 protected mode off (protected-mode = false) if the network is trusted",
                self.bind
            )));
        }
        if self.databases == 0 || self.databases > tidekv::MAX_KEYSPACES {
            return Err(ConfigError(format!(
                "databases must be 1..={}, not {}",
                tidekv::MAX_KEYSPACES,
                self.databases
            )));
        }
        if self.maxclients == 0 {
            return Err(ConfigError("maxclients must be at least 1".into()));
        }
        if self.proto_max_bulk_len < 1024 * 1024 {
            return Err(ConfigError(
                "proto-max-bulk-len must be at least 1048576 (1 MiB)".into(),
            ));
        }
        if self.durability == DurabilityMode::Periodic && self.sync_interval_ms == 0 {
            return Err(ConfigError("sync-interval-ms must be at least 1".into()));
        }
        Ok(())
    }

    /// The store configuration these settings describe.
    pub fn store_config(&self) -> tidekv::Config {
        match self.engine {
            EngineKind::Disk => {
                let durability = match self.durability {
                    // The server makes writes durable itself, one flush per batch of replies,
                    // before it sends them (see `connection.rs`): a pipeline pays one fsync.
                    DurabilityMode::Sync => tidekv::Durability::Buffered,
                    DurabilityMode::Periodic => {
                        tidekv::Durability::Periodic(Duration::from_millis(self.sync_interval_ms))
                    }
                    DurabilityMode::Buffered => tidekv::Durability::Buffered,
                };
                let mut config = tidekv::Config::disk(&self.dir)
                    .durability(durability)
                    .keyspaces(self.databases);
                if self.cache_mb > 0 {
                    let bytes = usize::try_from(self.cache_mb.saturating_mul(1024 * 1024));
                    config = config.block_cache_size(bytes.unwrap_or(usize::MAX));
                }
                config
            }
            EngineKind::Memory => tidekv::Config::memory()
                .keyspaces(self.databases)
                .snapshot_path(self.snapshot_path()),
        }
    }

    /// The directory checkpoints go into: `checkpoint-dir`, or `<dir>.checkpoints` beside the
    /// data directory (on the same file system, as a disk checkpoint's hard links need).
    pub fn checkpoint_root(&self) -> PathBuf {
        self.checkpoint_dir.clone().unwrap_or_else(|| {
            let mut name = self
                .dir
                .file_name()
                .map(|n| n.to_os_string())
                .unwrap_or_default();
            name.push(".checkpoints");
            self.dir.with_file_name(name)
        })
    }

    /// Where the memory engine's snapshot lives (`SAVE`, `BGSAVE`).
    pub fn snapshot_path(&self) -> PathBuf {
        self.dir.join("dump.tkv")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_file_sets_what_it_names_and_leaves_the_rest() {
        let config = ServerConfig::from_toml(
            "port = 7000\nengine = \"memory\"\ndurability = \"sync\"\nrequirepass = \"pw\"\n",
        )
        .unwrap();
        assert_eq!(config.port, 7000);
        assert_eq!(config.engine, EngineKind::Memory);
        assert_eq!(config.durability, DurabilityMode::Sync);
        assert_eq!(config.requirepass.as_deref(), Some("pw"));
        assert_eq!(config.maxclients, 10_000);
    }

    #[test]
    fn an_unknown_or_mistyped_setting_is_refused() {
        let unknown = ServerConfig::from_toml("prot = 7000\n").unwrap_err();
        assert!(unknown.0.contains("prot"), "{unknown}");
        assert!(ServerConfig::from_toml("port = \"x\"\n").is_err());
        assert!(ServerConfig::from_toml("durability = \"sometimes\"\n").is_err());
    }

    #[test]
    fn protected_mode_refuses_an_open_address_without_a_password() {
        let open = ServerConfig {
            bind: IpAddr::from([0, 0, 0, 0]),
            ..ServerConfig::default()
        };
        assert!(open
            .validate()
            .unwrap_err()
            .0
            .contains("without a password"));
        let with_password = ServerConfig {
            requirepass: Some("pw".into()),
            ..open.clone()
        };
        assert!(with_password.validate().is_ok());
        let unprotected = ServerConfig {
            protected_mode: false,
            ..open
        };
        assert!(unprotected.validate().is_ok());
        assert!(ServerConfig::default().validate().is_ok());
    }
}
