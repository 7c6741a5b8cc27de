//! The conformance suite: one set of scenarios that every backend must pass unchanged.
//!
//! A backend's test file implements [`Backend`] and calls [`conformance_suite!`], which expands to
//! one `#[test]` per scenario. Time moves through [`Ctx::advance`], never through sleeps: backends
//! with an injectable clock move a [`tidekv::ManualClock`].

#![allow(dead_code)]

pub mod batches;
pub mod blocking;
pub mod expiry;
pub mod keyspaces;
pub mod lifecycle;
pub mod limits;
pub mod lists;
pub mod scans;
pub mod snapshots;
pub mod strings;
pub mod typed;

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use tidekv::{Config, ManualClock, Store};

/// How a backend opens a fresh, empty store for one scenario.
pub trait Backend {
    /// A config for a new empty store, plus anything that must live as long as it (a temp dir).
    fn config(&self) -> (Config, Box<dyn Any>);
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

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
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

/// Expands to one `#[test]` per conformance scenario, each run on `$backend`.
#[macro_export]
macro_rules! conformance_suite {
    ($backend:expr) => {
        $crate::conformance_suite!(@cases $backend;
            strings::insert_get_overwrite,
            strings::empty_and_binary_keys_and_values,
            strings::take_returns_and_removes,
            strings::remove_and_contains_key,
            strings::len_and_is_empty_are_exact,
            strings::keys_lists_every_kind_sorted,
            strings::incr_by_counts_and_rejects_non_integers,
            strings::incr_by_overflow_changes_nothing,
            typed::integers_floats_bools_round_trip,
            typed::strings_bytes_and_json_round_trip,
            typed::wrong_type_reads_are_errors,
            typed::numbers_are_decimal_text,
            expiry::ttl_hides_key_at_expiry,
            expiry::expire_ttl_persist,
            expiry::insert_clears_ttl_and_incr_keeps_it,
            expiry::expired_keys_are_not_counted_or_scanned,
            expiry::zero_ttl_is_rejected_and_zero_expire_removes,
            expiry::expired_key_can_be_reused_as_another_kind,
            lists::push_pop_both_ends,
            lists::push_all_keeps_order,
            lists::list_range_follows_lrange_rules,
            lists::empty_list_is_deleted,
            lists::list_ops_on_strings_are_wrong_type,
            lists::string_ops_on_lists_are_wrong_type,
            lists::insert_replaces_a_list,
            blocking::blocking_pop_returns_at_once_when_data_is_there,
            blocking::blocking_pop_times_out,
            blocking::blocking_pop_is_woken_by_a_push_from_another_thread,
            blocking::blocking_pop_watches_several_keys,
            blocking::blocking_pop_back_takes_the_tail,
            blocking::blocking_pop_is_woken_by_close,
            blocking::blocking_pop_is_woken_by_a_batch_push,
            scans::prefix_scan_is_sorted_and_bounded,
            scans::prefix_scan_handles_ff_and_empty_prefixes,
            scans::range_bounds_are_respected,
            scans::scans_skip_lists_but_keys_include_them,
            scans::scan_is_a_point_in_time_view,
            scans::scan_is_lazy_over_many_keys,
            batches::get_many_insert_many_remove_many,
            batches::write_batch_applies_everything,
            batches::failing_batch_changes_nothing,
            batches::invalid_batch_is_rejected_before_writing,
            batches::readers_never_see_half_a_batch,
            snapshots::snapshot_round_trips_every_kind,
            snapshots::snapshot_keeps_ttls_and_drops_expired,
            snapshots::load_replaces_contents,
            snapshots::truncated_snapshot_is_corruption_and_changes_nothing,
            snapshots::corrupted_snapshot_is_corruption_and_changes_nothing,
            snapshots::snapshot_of_a_large_list_and_value,
            limits::key_size_limit,
            limits::value_size_limit,
            limits::default_limits_are_64k_keys_and_512m_values,
            keyspaces::keyspaces_are_separate,
            keyspaces::keyspace_out_of_range_is_rejected,
            keyspaces::clear_empties_one_keyspace,
            lifecycle::every_call_after_close_is_closed,
            lifecycle::stats_count_keys_and_bytes,
            lifecycle::flush_succeeds,
        );
    };
    (@cases $backend:expr; $($module:ident :: $case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                conformance::$module::$case(&$backend);
            }
        )*
    };
}
