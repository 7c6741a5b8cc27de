//! Threads hammering one store with mixed operations: nothing is lost, nothing is seen half-done.
//!
//! Generic over how a store is opened: each scenario takes `open: impl Fn() -> Opened` (a store,
//! plus the temporary directory it lives in, removed on drop) and is called from a backend's test
//! file. Loop counts are bounded and there are no long sleeps. A thread that waits on others fails
//! through a [`Watchdog`] when the thing it waits for stops moving for [`STALL_LIMIT`] — a stall,
//! not a slow run: with `Durability::Sync` every write waits for an fsync, and how long thousands
//! of those take depends on the machine's disk.

#![allow(dead_code)]

use std::ops::Deref;
use std::time::{Duration, Instant};

use tidekv::Store;

mod batches;
mod counters;
mod disjoint;
mod queues;
mod transactions;

pub use self::batches::batches_are_never_seen_half_done;
pub use self::counters::concurrent_counters;
pub use self::disjoint::disjoint_writers_leave_an_exact_count;
pub use self::queues::producers_and_consumers;
pub use self::transactions::{
    transactions_are_never_seen_half_done, watched_increments_lose_no_update,
};

/// Declares one `#[test]` per scenario of this module, each opening its store with `$open`
/// (a `fn() -> Opened`).
#[macro_export]
macro_rules! concurrency_suite {
    ($open:expr) => {
        $crate::concurrency_suite!(@cases $open;
            producers_and_consumers,
            concurrent_counters,
            batches_are_never_seen_half_done,
            disjoint_writers_leave_an_exact_count,
            watched_increments_lose_no_update,
            transactions_are_never_seen_half_done,
        );
    };
    (@cases $open:expr; $($scenario:ident),* $(,)?) => {
        $(
            #[test]
            fn $scenario() {
                concurrency::$scenario($open);
            }
        )*
    };
}

/// A store opened for one scenario, with the temporary directory it lives in (if any). Dropping it
/// drops the store first and then removes the directory, so a scenario leaves nothing behind even
/// when it fails.
pub struct Opened {
    // Declared before `_dir`: fields drop in order, and the store must be gone before its
    // directory is removed.
    store: Store,
    _dir: Option<tempfile::TempDir>,
}

impl Opened {
    /// A store that keeps nothing on disk.
    pub fn memory(store: Store) -> Self {
        Opened { store, _dir: None }
    }

    /// A store in `dir`, which is removed when this is dropped.
    pub fn disk(store: Store, dir: tempfile::TempDir) -> Self {
        Opened {
            store,
            _dir: Some(dir),
        }
    }
}

impl Deref for Opened {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.store
    }
}

/// Longest a waiting thread may see no progress before the scenario is declared stuck.
const STALL_LIMIT: Duration = Duration::from_secs(30);

/// Fails a waiting thread when the progress it watches (a counter that only grows while the
/// scenario moves) has not changed for [`STALL_LIMIT`].
struct Watchdog {
    who: String,
    last: u64,
    since: Instant,
}

impl Watchdog {
    fn new(who: String) -> Self {
        Watchdog {
            who,
            last: 0,
            since: Instant::now(),
        }
    }

    fn observe(&mut self, progress: u64) {
        if progress != self.last {
            self.last = progress;
            self.since = Instant::now();
        }
        assert!(
            self.since.elapsed() < STALL_LIMIT,
            "{} is stuck: no progress in {STALL_LIMIT:?} (last seen {})",
            self.who,
            self.last
        );
    }
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}
