//! Helpers for tests of tidekv and of code built on it (feature `test-util`, off by default):
//! a simulated disk that cuts the power and fails chosen operations, and a way to kill a store
//! without closing it.
//!
//! ```
//! use tidekv::test_util::{crash, PowerLoss, SimulatedDisk};
//! use tidekv::{Durability, Store};
//!
//! let disk = SimulatedDisk::new();
//! let store = Store::open(disk.config("/db").durability(Durability::Sync))?;
//! store.insert("synced", "yes")?;
//! disk.cut_power(PowerLoss::Garbage { seed: 7 });
//! crash(&store); // the store that was running is dead; nothing more reaches the disk
//! let store = Store::open(disk.config("/db"))?;
//! assert_eq!(store.get("synced")?.as_deref(), Some(&b"yes"[..]));
//! # Ok::<(), tidekv::Error>(())
//! ```

use std::path::Path;
use std::sync::atomic::Ordering;

use crate::config::{Backend, Config};
use crate::disk::fs::{Damage, MemFs, Trigger};
use crate::store::Store;

/// What a cut keeps of data written but not yet synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PowerLoss {
    /// Only the process dies: the operating system keeps every byte and directory change.
    ProcessCrash,
    /// Unsynced bytes, and creations, renames and removals not made durable, are lost.
    LoseUnsynced,
    /// As `LoseUnsynced` for directory changes; each file's unsynced tail is cut at a random
    /// length and every 4 KiB page of what is left holds the written bytes, zeros or garbage.
    Garbage {
        /// Makes the damage repeatable.
        seed: u64,
    },
}

impl PowerLoss {
    fn damage(self) -> Damage {
        match self {
            PowerLoss::ProcessCrash => Damage::ProcessCrash,
            PowerLoss::LoseUnsynced => Damage::LoseUnsynced,
            PowerLoss::Garbage { seed } => Damage::Garbage { seed },
        }
    }
}

/// An in-memory disk for disk stores in tests: remembers what was synced, and can cut the power
/// or fail an operation chosen by its number. Clones share the same disk.
///
/// A store opened on it ([`SimulatedDisk::config`]) belongs to the machine as it is at open: after
/// a cut, every operation of that store fails, as if its process had died with the power. Open a
/// new store on the same disk to recover.
#[derive(Debug, Clone, Default)]
pub struct SimulatedDisk {
    fs: MemFs,
}

impl SimulatedDisk {
    /// An empty disk.
    pub fn new() -> Self {
        SimulatedDisk::default()
    }

    /// [`Config::disk`] for the directory `path` of this disk.
    pub fn config(&self, path: impl AsRef<Path>) -> Config {
        let mut config = Config::disk(path);
        if let Backend::Disk(options) = &mut config.backend {
            options.simulated = Some(self.fs.clone());
        }
        config
    }

    /// Cuts the power now.
    pub fn cut_power(&self, loss: PowerLoss) {
        self.fs.power_cut(loss.damage());
    }

    /// Makes the `n`-th file-system operation from now (1 = the next) fail with an I/O error.
    /// Every call counts: creating, appending, syncing, reading, listing, renaming, removing.
    pub fn fail_operation(&self, n: u64) {
        self.fs.set_trigger(Some(Trigger::FailOp(n)));
    }

    /// Cuts the power instead of the `n`-th file-system operation from now.
    pub fn cut_power_at_operation(&self, n: u64, loss: PowerLoss) {
        self.fs
            .set_trigger(Some(Trigger::CutAtOp(n, loss.damage())));
    }

    /// Cuts the power instead of the `n`-th sync (of a file or a directory) from now.
    pub fn cut_power_at_sync(&self, n: u64, loss: PowerLoss) {
        self.fs
            .set_trigger(Some(Trigger::CutAtSync(n, loss.damage())));
    }

    /// Disarms a pending failure or cut.
    pub fn disarm(&self) {
        self.fs.set_trigger(None);
    }

    /// File-system operations so far.
    pub fn operations(&self) -> u64 {
        self.fs.counts().0
    }

    /// Syncs (of files and directories) so far.
    pub fn syncs(&self) -> u64 {
        self.fs.counts().1
    }
}

/// Kills `store` as a crash would: every handle gets [`crate::error::Error::Closed`] from now on, its
/// background work stops without flushing anything, its directory lock is released, and nothing
/// is saved. What it had written stays as it is, so the next open recovers through the log.
pub fn crash(store: &Store) {
    let shared = &store.shared;
    shared.closed.store(true, Ordering::SeqCst);
    shared.waiters.close_all();
    shared.engine.abandon();
}

/// A remote config whose store sends every expiry time `lead` later on the server's clock than
/// the store's clock says, and takes it back when it reads one: the store sees exact deadlines,
/// while the server, whose clock a test cannot stop, never expires a key by itself during the
/// test. The test then expires keys as the server would at the store's time (the conformance
/// suite's `Ctx::advance`), and deadlines of a millisecond behave as on a stopped clock.
pub fn remote_server_clock_lead(mut config: Config, lead: std::time::Duration) -> Config {
    if let Backend::Remote(options) = &mut config.backend {
        options.server_clock_lead = lead;
    }
    config
}
