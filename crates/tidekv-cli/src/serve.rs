//! `tidekv serve`: the flags, the config file, logging, the runtime and the signals around
//! [`tidekv_server::Server`].

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use tidekv_server::{DurabilityMode, EngineKind, LogFormat, ServerConfig};

/// `tidekv serve`'s flags. Each overrides the config file, which overrides the defaults.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  tidekv serve                                  # disk engine, data in ./tidekv-data, 127.0.0.1:6379
  tidekv serve --engine memory --port 7000
  tidekv serve --durability sync --dir /var/lib/tidekv
  tidekv serve --bind 0.0.0.0 --requirepass s3cret
  tidekv serve --config tidekv.toml             # keys as the flags, in kebab case: port = 7000

Then: redis-cli -p 6379 SET greeting hello")]
pub(crate) struct ServeArgs {
    /// A TOML file of settings (`port = 6380`, `engine = "memory"`, `requirepass = "…"`).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// TCP port to listen on (0 picks a free one) [default: 6379].
    #[arg(long)]
    port: Option<u16>,
    /// Address to listen on. A non-loopback address needs --requirepass or
    /// --protected-mode no [default: 127.0.0.1].
    #[arg(long, value_name = "ADDR")]
    bind: Option<IpAddr>,
    /// Where the data lives: `disk` (an LSM tree in --dir) or `memory` (saved to --dir/dump.tkv
    /// by SAVE, BGSAVE and shutdown) [default: disk].
    #[arg(long, value_enum)]
    engine: Option<Engine>,
    /// The data directory [default: ./tidekv-data].
    #[arg(long, value_name = "PATH")]
    dir: Option<PathBuf>,
    /// The password clients must send with AUTH (or HELLO … AUTH).
    #[arg(long, value_name = "PW")]
    requirepass: Option<String>,
    /// When a write is durable: `sync` replies only after fsync (fsyncs shared across clients,
    /// Redis `appendfsync always`); `periodic` fsyncs every --sync-interval-ms (`everysec`);
    /// `buffered` leaves it to the OS (`no`). A crash of the process never loses an
    /// acknowledged write in any mode; the modes differ on power loss [default: periodic].
    #[arg(long, value_enum)]
    durability: Option<Durability>,
    /// The interval of periodic durability, in milliseconds [default: 1000].
    #[arg(long, value_name = "MS")]
    sync_interval_ms: Option<u64>,
    /// `no` allows a non-loopback --bind without a password [default: yes].
    #[arg(long, value_name = "yes|no", value_parser = yes_no)]
    protected_mode: Option<bool>,
    /// Connections served at once [default: 10000].
    #[arg(long, value_name = "N")]
    maxclients: Option<usize>,
    /// Close connections idle this many seconds; 0 never [default: 0].
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<u64>,
    /// TCP keepalive interval in seconds; 0 off [default: 300].
    #[arg(long, value_name = "SECONDS")]
    tcp_keepalive: Option<u64>,
    /// Largest argument a client may send, in bytes [default: 536870912].
    #[arg(long, value_name = "BYTES")]
    proto_max_bulk_len: Option<u64>,
    /// Disconnect a client whose unsent replies exceed this many bytes; 0 no limit
    /// [default: 268435456].
    #[arg(long, value_name = "BYTES")]
    client_output_limit: Option<u64>,
    /// Number of keyspaces SELECT can reach [default: 16].
    #[arg(long, value_name = "N")]
    databases: Option<u32>,
    /// Block cache of the disk engine in MiB; 0 the engine's default [default: 0].
    #[arg(long, value_name = "MIB")]
    cache_mb: Option<u64>,
    /// Log filter: error, warn, info, debug, trace, or a tracing filter [default: info].
    #[arg(long, value_name = "FILTER")]
    log_level: Option<String>,
    /// Where `SAVE DIR name` / `BGSAVE DIR name` put checkpoints; clients name one, never a
    /// path [default: <dir>.checkpoints, beside --dir].
    #[arg(long, value_name = "PATH")]
    checkpoint_dir: Option<std::path::PathBuf>,
    /// Serve Prometheus metrics at http://ADDR/metrics (port 0 picks one; the second line of
    /// the output says which) [default: off].
    #[arg(long, value_name = "ADDR")]
    metrics: Option<std::net::SocketAddr>,
    /// The log's format on stderr: `text`, or `json` (one object per line) [default: text].
    #[arg(long, value_enum)]
    log_format: Option<LogFormatArg>,
    /// Log commands taking at least this many microseconds (SLOWLOG); -1 none, 0 all
    /// [default: 10000].
    #[arg(long, value_name = "MICROS", allow_negative_numbers = true)]
    slowlog_log_slower_than: Option<i64>,
    /// Entries the slow log keeps [default: 128].
    #[arg(long, value_name = "N")]
    slowlog_max_len: Option<u64>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormatArg {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Engine {
    Disk,
    Memory,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Durability {
    Sync,
    Periodic,
    Buffered,
}

fn yes_no(text: &str) -> Result<bool, String> {
    match text {
        "yes" => Ok(true),
        "no" => Ok(false),
        other => Err(format!("expected yes or no, not {other:?}")),
    }
}

impl ServeArgs {
    /// The settings: defaults, then the config file, then the flags.
    fn settings(self) -> Result<ServerConfig, String> {
        let mut c = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                ServerConfig::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => ServerConfig::default(),
        };
        macro_rules! take {
            ($($field:ident),*) => {$(
                if let Some(v) = self.$field { c.$field = v; }
            )*};
        }
        take!(
            port,
            bind,
            dir,
            sync_interval_ms,
            protected_mode,
            maxclients,
            timeout,
            tcp_keepalive,
            proto_max_bulk_len,
            client_output_limit,
            databases,
            cache_mb,
            log_level,
            slowlog_log_slower_than,
            slowlog_max_len
        );
        if let Some(addr) = self.metrics {
            c.metrics = Some(addr);
        }
        if let Some(format) = self.log_format {
            c.log_format = match format {
                LogFormatArg::Text => LogFormat::Text,
                LogFormatArg::Json => LogFormat::Json,
            };
        }
        if let Some(pw) = self.requirepass {
            c.requirepass = Some(pw);
        }
        if let Some(root) = self.checkpoint_dir {
            c.checkpoint_dir = Some(root);
        }
        if let Some(engine) = self.engine {
            c.engine = match engine {
                Engine::Disk => EngineKind::Disk,
                Engine::Memory => EngineKind::Memory,
            };
        }
        if let Some(d) = self.durability {
            c.durability = match d {
                Durability::Sync => DurabilityMode::Sync,
                Durability::Periodic => DurabilityMode::Periodic,
                Durability::Buffered => DurabilityMode::Buffered,
            };
        }
        Ok(c)
    }
}

/// Runs the server until SIGINT, SIGTERM or `SHUTDOWN`.
pub(crate) fn serve(args: ServeArgs) -> Result<(), String> {
    let config = args.settings()?;
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log_level)
        .map_err(|e| format!("bad --log-level {:?}: {e}", config.log_level))?;
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs.init(),
    }
    raise_open_file_limit(config.maxclients as u64 + 128);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("tidekv-serve")
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let engine = config.engine;
        let dir = config.dir.clone();
        let server = tidekv_server::Server::bind(config)
            .await
            .map_err(|e| e.to_string())?;
        let addr = server.local_addr().map_err(|e| e.to_string())?;
        tracing::info!(
            "tidekv {} serving {} on {addr} ({:?} engine, data in {})",
            env!("CARGO_PKG_VERSION"),
            "RESP2/RESP3",
            engine,
            dir.display()
        );
        // The line scripts and tests wait for; the port is the one actually bound. The metrics
        // line, if any, goes in the same write: nothing is printed on stdout after it.
        let metrics = server
            .metrics_addr()
            .map(|m| format!("tidekv: metrics at http://{m}/metrics\n"))
            .unwrap_or_default();
        print!("tidekv: ready to accept connections on {addr}\n{metrics}");
        let _ = std::io::Write::flush(&mut std::io::stdout());
        server.run(stop_signal()).await.map_err(|e| e.to_string())
    })
}

/// Raises the soft limit on open files toward `wanted` (up to the hard limit), as Redis does for
/// `maxclients`: each client is a descriptor. Clients beyond what the system allows are refused
/// at accept, with a warning in the log.
fn raise_open_file_limit(wanted: u64) {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    let hard = limit.maximum.unwrap_or(u64::MAX);
    if limit.current.is_some_and(|current| current < wanted) {
        limit.current = Some(wanted.min(hard));
        if let Err(e) = setrlimit(Resource::Nofile, limit) {
            tracing::warn!("cannot raise the open-file limit to {wanted}: {e}");
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
    tracing::info!("signal received: shutting down");
}
