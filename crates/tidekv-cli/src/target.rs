//! Where a command's data is: a store directory (opened by the command itself) or a running
//! server (`--url`). The error texts say what to do, not just what failed.

use std::path::{Path, PathBuf};

use clap::Args;
use tidekv::{Config, Error, Store};

/// `--dir PATH` or `--url URL`: exactly one; and the keyspace.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct Target {
    /// A disk store's directory, not in use by another process (a server serving it holds its
    /// lock: use --url).
    #[arg(long, value_name = "PATH")]
    pub(crate) dir: Option<PathBuf>,
    /// A running server: redis://[:password@]host:port[/db] (tidekv serve, Redis or Valkey).
    #[arg(long, value_name = "URL")]
    pub(crate) url: Option<String>,
}

/// The keyspace a key command works in (`SELECT`'s database).
#[derive(Debug, Args)]
pub(crate) struct Keyspace {
    /// The keyspace (database) number [default: 0].
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) db: u32,
}

/// Opens the store the target names: a directory read-only unless the command writes, a server
/// through the remote backend.
pub(crate) fn open_store(target: &Target, writes: bool) -> Result<Store, String> {
    match (&target.dir, &target.url) {
        (Some(dir), _) => open_dir(dir, !writes),
        (None, Some(url)) => {
            Store::open(Config::remote(url.as_str())).map_err(|e| format!("{url}: {e}"))
        }
        (None, None) => Err("give --dir or --url".into()),
    }
}

/// Opens the disk store in `dir` for this command. A directory that is not a store is refused
/// (opening would make it one), as is a store another process holds.
pub(crate) fn open_dir(dir: &Path, read_only: bool) -> Result<Store, String> {
    if !dir.join("CURRENT").is_file() {
        return Err(format!(
            "{} is not a tidekv store (it has no CURRENT file)",
            dir.display()
        ));
    }
    // Every keyspace a store may hold (a server may have been started with more than 16).
    let config = Config::disk(dir)
        .read_only(read_only)
        .keyspaces(tidekv::MAX_KEYSPACES);
    Store::open(config).map_err(|e| {
        opening_failed(
            dir,
            e,
            "reach the store through the server with --url redis://HOST:PORT",
        )
    })
}

/// Why opening the store in `dir` failed; for a lock, what to do instead (`instead`).
pub(crate) fn opening_failed(dir: &Path, e: Error, instead: &str) -> String {
    match e {
        Error::Locked { .. } => format!(
            "{} is in use by another process (a running `tidekv serve`?); stop it, or {instead}",
            dir.display()
        ),
        other => format!("opening {}: {other}", dir.display()),
    }
}

/// A connection to the server at `url`, with a clear error if it cannot be reached.
pub(crate) fn connect(url: &str) -> Result<redis::Connection, String> {
    let client = redis::Client::open(url).map_err(|e| format!("{url} is not a server URL: {e}"))?;
    client
        .get_connection_with_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| format!("cannot reach {url}: {e}"))
}
