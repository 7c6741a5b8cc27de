//! How a store is opened: the backend and every tunable, as a consuming builder.

mod compression;
mod disk;
mod memory;
mod presets;
mod read_only;
mod remote;

use std::fmt;
use std::sync::Arc;
#[cfg(test)]
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};

pub use compression::Compression;
pub(crate) use disk::DiskOptions;
pub use disk::Durability;
pub(crate) use memory::MemoryOptions;
pub use memory::ShardHasher;
pub(crate) use remote::{RemoteOptions, Topology};

/// The largest key tidekv accepts: 64 KiB.
pub const MAX_KEY_SIZE: usize = 64 * 1024;
/// The largest value (or list element) tidekv accepts: 512 MiB, as in Redis.
pub const MAX_VALUE_SIZE: usize = 512 * 1024 * 1024;
/// The largest number of keyspaces a store can have.
pub const MAX_KEYSPACES: u32 = 65_536;

#[derive(Clone)]
pub(crate) enum Backend {
    Memory(MemoryOptions),
    Disk(DiskOptions),
    Remote(RemoteOptions),
}

/// Everything needed to open a [`crate::Store`].
///
/// `Config` is a consuming builder: start from a backend constructor, chain setters, pass it to
/// [`crate::Store::open`].
///
/// ```
/// use tidekv::{Config, Store};
///
/// let store = Store::open(Config::memory().shards(16))?;
/// store.insert("greeting", "hello")?;
/// # Ok::<(), tidekv::Error>(())
/// ```
#[derive(Clone)]
pub struct Config {
    pub(crate) backend: Backend,
    pub(crate) max_key_size: usize,
    pub(crate) max_value_size: usize,
    pub(crate) keyspaces: u32,
    pub(crate) clock: Arc<dyn Clock>,
    /// Setters called on a config of a backend they do not apply to, with the backend they are
    /// for: `Store::open` refuses such a config rather than ignore the setting.
    pub(crate) misapplied: Vec<(&'static str, &'static str)>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Config");
        match &self.backend {
            Backend::Memory(m) => d
                .field("backend", &"memory")
                .field("shards", &m.shards)
                .field("custom_hasher", &m.hasher.is_some())
                .field("sweep_interval", &m.sweep_interval)
                .field("snapshot_path", &m.snapshot_path),
            Backend::Disk(options) => d.field("backend", &"disk").field("disk", options),
            Backend::Remote(options) => d
                .field("backend", &"remote")
                .field("remote", &redacted(options)),
        };
        d.field("max_key_size", &self.max_key_size)
            .field("max_value_size", &self.max_value_size)
            .field("keyspaces", &self.keyspaces)
            .field("clock", &self.clock)
            .finish()
    }
}

impl Config {
    /// An in-memory store: sharded, with TTLs and optional snapshot persistence.
    pub fn memory() -> Self {
        Config::with_backend(Backend::Memory(MemoryOptions::default()))
    }

    /// `backend` with the settings every backend shares at their defaults.
    pub(super) fn with_backend(backend: Backend) -> Self {
        Config {
            backend,
            max_key_size: MAX_KEY_SIZE,
            max_value_size: MAX_VALUE_SIZE,
            keyspaces: 16,
            clock: Arc::new(SystemClock),
            misapplied: Vec::new(),
        }
    }

    /// The largest key accepted, in bytes. Default and maximum: [`MAX_KEY_SIZE`] (64 KiB).
    pub fn max_key_size(mut self, bytes: usize) -> Self {
        self.max_key_size = bytes;
        self
    }

    /// The largest value or list element accepted, in bytes. Default and maximum:
    /// [`MAX_VALUE_SIZE`] (512 MiB).
    pub fn max_value_size(mut self, bytes: usize) -> Self {
        self.max_value_size = bytes;
        self
    }

    /// Number of keyspaces (Redis `SELECT 0..n-1`). Default 16, maximum [`MAX_KEYSPACES`].
    pub fn keyspaces(mut self, count: u32) -> Self {
        self.keyspaces = count;
        self
    }

    /// The clock used for every expiry decision. Default: [`SystemClock`].
    ///
    /// Tests inject a [`crate::ManualClock`] to move time without sleeping.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The backend's name, as the docs and errors say it.
    pub(crate) fn backend_name(&self) -> &'static str {
        match &self.backend {
            Backend::Memory(_) => "memory",
            Backend::Disk(_) => "disk",
            Backend::Remote(_) => "remote",
        }
    }

    /// Checks every option; `Store::open` calls this first so that a bad option changes nothing.
    pub(crate) fn validate(&self) -> Result<()> {
        if let Some((setter, backend)) = self.misapplied.first() {
            return Err(Error::invalid(
                "config",
                format!(
                    "`{setter}` is a setting of the {backend} backend, and this config is for the {} backend",
                    self.backend_name()
                ),
            ));
        }
        if self.max_key_size == 0 || self.max_key_size > MAX_KEY_SIZE {
            return Err(Error::invalid(
                "max_key_size",
                format!("{} is outside 1..={MAX_KEY_SIZE}", self.max_key_size),
            ));
        }
        if self.max_value_size > MAX_VALUE_SIZE {
            return Err(Error::invalid(
                "max_value_size",
                format!("{} is over {MAX_VALUE_SIZE}", self.max_value_size),
            ));
        }
        if self.keyspaces == 0 || self.keyspaces > MAX_KEYSPACES {
            return Err(Error::invalid(
                "keyspaces",
                format!("{} is outside 1..={MAX_KEYSPACES}", self.keyspaces),
            ));
        }
        match &self.backend {
            Backend::Memory(m) => {
                if m.shards == 0 || m.shards > 65_536 {
                    return Err(Error::invalid(
                        "shards",
                        format!("{} is outside 1..=65536", m.shards),
                    ));
                }
                if m.sweep_interval.is_zero() {
                    return Err(Error::invalid(
                        "expiry_sweep_interval",
                        "must be greater than zero",
                    ));
                }
            }
            Backend::Disk(options) => options.validate()?,
            Backend::Remote(options) => options.validate()?,
        }
        Ok(())
    }
}

/// Remote options as `Debug` shows them: URLs without their passwords.
fn redacted(options: &RemoteOptions) -> RemoteOptions {
    let mut shown = options.clone();
    for url in &mut shown.urls {
        if let Some(mut parsed) = redis::parse_redis_url(url) {
            if parsed.password().is_some() && parsed.set_password(Some("…")).is_ok() {
                *url = parsed.to_string();
            }
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_options_are_rejected() {
        assert!(Config::memory().validate().is_ok());
        assert!(Config::memory().shards(0).validate().is_err());
        assert!(Config::memory().keyspaces(0).validate().is_err());
        assert!(Config::memory()
            .max_key_size(MAX_KEY_SIZE + 1)
            .validate()
            .is_err());
        assert!(Config::memory()
            .max_value_size(MAX_VALUE_SIZE + 1)
            .validate()
            .is_err());
        assert!(Config::memory()
            .expiry_sweep_interval(Duration::ZERO)
            .validate()
            .is_err());
    }
}
