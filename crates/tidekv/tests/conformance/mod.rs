//! The conformance suite: one set of scenarios that every backend must pass unchanged.
//!
//! A backend's test file implements [`Backend`] and calls [`conformance_suite!`], which expands to
//! one `#[test]` per scenario. A scenario is any `pub fn NAME(b: &dyn Backend)` in a file of this
//! directory: `build.rs` finds them, so adding one is writing the function (names are unique
//! across files, as they become the test names). Time moves through [`Ctx::advance`], never
//! through sleeps: backends with an injectable clock move a [`tidekv::ManualClock`].

#![allow(dead_code)]

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use tidekv::{Config, ManualClock, Store};

#[path = "../support/due_keys.rs"]
mod due_keys;

/// How a backend opens a fresh, empty store for one scenario.
pub trait Backend {
    /// A config for a new empty store, plus anything that must live as long as it (a temp dir).
    fn config(&self) -> (Config, Box<dyn Any>);

    /// Scenarios this backend does not run, each with the capability it lacks. Every entry
    /// must name a scenario (a test checks it) and be listed in `docs/backends.md`.
    fn skips(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }
}

/// Why `backend` skips `scenario`, if it does.
pub fn skipped(backend: &dyn Backend, scenario: &str) -> Option<&'static str> {
    backend
        .skips()
        .iter()
        .find(|(name, _)| *name == scenario)
        .map(|(_, why)| *why)
}

/// One scenario's store, its clock, and the resources behind it.
pub struct Ctx {
    pub store: Store,
    pub clock: ManualClock,
    pub dir: tempfile::TempDir,
    _keep: Box<dyn Any>,
}

/// Start time of every scenario's clock: 2026-01-01T00:00:00Z.
pub const START_MS: u64 = 1_767_225_600_000;

impl Ctx {
    pub fn new(backend: &dyn Backend) -> Ctx {
        Ctx::with(backend, |c| c)
    }

    /// Opens a store after letting the scenario adjust the config (limits, keyspaces).
    pub fn with(backend: &dyn Backend, adjust: impl FnOnce(Config) -> Config) -> Ctx {
        let clock = ManualClock::new(START_MS);
        let (config, keep) = backend.config();
        let config = adjust(config.clock(Arc::new(clock.clone())));
        let store = Store::open(config).expect("open a fresh store");
        Ctx {
            store,
            clock,
            dir: tempfile::tempdir().expect("temp dir"),
            _keep: keep,
        }
    }

    /// Moves the scenario's clock (and, where the server's clock judges expiry, does what the
    /// server would do at the new time: see `tests/support/due_keys.rs`).
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
        due_keys::remove_due_keys(&self.store);
    }

    /// A path inside this scenario's private temp dir.
    pub fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }
}

/// Collects a fallible iterator, failing the test on the first error.
pub fn collect<T>(iter: impl Iterator<Item = tidekv::Result<T>>) -> Vec<T> {
    iter.collect::<tidekv::Result<Vec<T>>>().expect("iteration")
}

/// Keys as byte vectors, for comparing against expectations.
pub fn keys_of(pairs: &[(bytes::Bytes, bytes::Bytes)]) -> Vec<Vec<u8>> {
    pairs.iter().map(|(k, _)| k.to_vec()).collect()
}

// The scenario files as modules, and the list of scenarios, found by `build.rs`: every
// `pub fn NAME(b: &dyn Backend)` of a file here.
include!(concat!(env!("OUT_DIR"), "/conformance_scenarios.rs"));
pub(crate) use for_each_scenario;

/// Expands to one `#[test]` per conformance scenario, each run on `$backend`.
#[macro_export]
macro_rules! conformance_suite {
    ($backend:expr) => {
        $crate::conformance::for_each_scenario!(conformance_suite, $backend);
    };
    (@cases $backend:expr; $($module:ident :: $case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                if let Some(why) = conformance::skipped(&$backend, stringify!($case)) {
                    eprintln!("skipped on this backend: {why}");
                    return;
                }
                conformance::$module::$case(&$backend);
            }
        )*

        #[test]
        fn skip_list_names_only_real_scenarios() {
            let scenarios = [$(stringify!($case)),*];
            for (name, _) in conformance::Backend::skips(&$backend) {
                assert!(scenarios.contains(name), "skip list names no scenario: {name}");
            }
        }
    };
}
