//! The conformance suite on the remote backend, on each of four deployments started by the test:
//! `redis-server` 7 and `valkey-server` 9, each as one server and as a 3-primary Cluster.
//!
//! A scenario a deployment cannot run is skipped by name, with the capability it lacks; the same
//! list is in `docs/backends.md`.

mod conformance;
mod remote;

use conformance::Backend;
use remote::Deployment;
use tidekv::Config;

/// Scenarios every remote deployment skips, with the capability it lacks.
const SERVER_SKIPS: &[(&str, &str)] = &[(
    "scan_is_a_point_in_time_view",
    "point_in_time_scans: SCAN sees writes made while it runs",
)];

/// Scenarios a Cluster skips besides: it has one database.
/// Why a scenario that uses several keyspaces is skipped.
const KEYSPACES: &str = "single_keyspace: a Cluster has one database";
/// Why a scenario that changes keys of several hash slots in one atomic step is skipped. The
/// same steps with keys in one slot (hash tags) run in remote_cluster.rs.
const ONE_SLOT: &str =
    "an atomic call or a blocking pop on keys of several hash slots is refused on a Cluster \
                        (InvalidArgument naming hash tags)";
const CLUSTER_ONLY_SKIPS: &[(&str, &str)] = &[
    ("a_blocked_pop_on_a_string_key_is_wrong_type", ONE_SLOT),
    ("blocked_pops_are_served_in_arrival_order", ONE_SLOT),
    ("blocking_pop_many_takes_up_to_count", ONE_SLOT),
    ("blocking_pop_watches_several_keys", ONE_SLOT),
    ("a_cursor_scan_returns_every_key_once_in_pages", KEYSPACES),
    ("a_transaction_spans_keyspaces", KEYSPACES),
    ("a_watch_belongs_to_its_store", KEYSPACES),
    ("clear_all_empties_every_keyspace", KEYSPACES),
    ("clear_empties_one_keyspace", KEYSPACES),
    (
        "corrupted_snapshot_is_corruption_and_changes_nothing",
        KEYSPACES,
    ),
    ("every_call_after_close_is_closed", KEYSPACES),
    ("keyspace_out_of_range_is_rejected", KEYSPACES),
    ("keyspaces_are_separate", KEYSPACES),
    ("load_replaces_contents", KEYSPACES),
    ("move_to_keyspace_moves_unless_the_target_has_it", KEYSPACES),
    (
        "random_key_returns_live_keys_spread_over_the_keyspace",
        KEYSPACES,
    ),
    ("snapshot_keeps_ttls_and_drops_expired", KEYSPACES),
    ("snapshot_round_trips_every_kind", KEYSPACES),
    ("stats_count_keys_with_an_expiry", KEYSPACES),
    ("swap_keyspaces_exchanges_every_key", KEYSPACES),
    ("swap_keyspaces_serves_a_blocked_pop", KEYSPACES),
    (
        "truncated_snapshot_is_corruption_and_changes_nothing",
        KEYSPACES,
    ),
    ("a_failing_operation_does_not_undo_the_others", ONE_SLOT),
    ("a_key_created_after_the_watch_aborts", ONE_SLOT),
    ("a_transaction_reads_its_own_writes", ONE_SLOT),
    ("an_error_from_the_closure_undoes_everything", ONE_SLOT),
    ("an_expiry_after_the_watch_aborts", ONE_SLOT),
    ("an_unchanged_watch_lets_the_transaction_run", ONE_SLOT),
    ("blocking_list_move_waits_then_moves", ONE_SLOT),
    ("blocking_pop_is_woken_by_a_batch_push", ONE_SLOT),
    ("blocking_pop_is_woken_by_a_list_move", ONE_SLOT),
    ("blocking_pop_is_woken_by_a_transaction_push", ONE_SLOT),
    ("copy_duplicates_within_and_across_keyspaces", ONE_SLOT),
    (
        "every_kind_of_change_aborts_a_watched_transaction",
        ONE_SLOT,
    ),
    ("failing_batch_changes_nothing", ONE_SLOT),
    ("get_many_insert_many_remove_many", ONE_SLOT),
    ("insert_many_if_absent_is_all_or_nothing", ONE_SLOT),
    ("list_changes_abort_a_watched_transaction", ONE_SLOT),
    ("list_move_pops_and_pushes_atomically", ONE_SLOT),
    ("readers_never_see_half_a_batch", ONE_SLOT),
    ("rename_carries_a_whole_list", ONE_SLOT),
    ("rename_if_absent_keeps_an_existing_target", ONE_SLOT),
    (
        "rename_moves_value_and_ttl_and_replaces_the_target",
        ONE_SLOT,
    ),
    ("scan_is_lazy_over_many_keys", ONE_SLOT),
    ("typed_helpers_for_lists_and_many_keys", ONE_SLOT),
    ("write_batch_applies_everything", ONE_SLOT),
    ("writes_that_change_nothing_do_not_abort", ONE_SLOT),
];

/// Both lists, for a Cluster.
static CLUSTER_SKIPS: std::sync::LazyLock<Vec<(&str, &str)>> =
    std::sync::LazyLock::new(|| [SERVER_SKIPS, CLUSTER_ONLY_SKIPS].concat());

struct Remote(Deployment);

impl Backend for Remote {
    fn config(&self) -> (Config, Box<dyn std::any::Any>) {
        let lease = self.0.lease();
        (lease.config_for_manual_clock(), Box::new(lease))
    }

    fn skips(&self) -> &'static [(&'static str, &'static str)] {
        if self.0.is_cluster() {
            &CLUSTER_SKIPS
        } else {
            SERVER_SKIPS
        }
    }
}

mod redis_server {
    use super::*;
    conformance_suite!(Remote(Deployment::RedisServer));
}

mod valkey_server {
    use super::*;
    conformance_suite!(Remote(Deployment::ValkeyServer));
}

mod redis_cluster {
    use super::*;
    conformance_suite!(Remote(Deployment::RedisCluster));
}

mod valkey_cluster {
    use super::*;
    conformance_suite!(Remote(Deployment::ValkeyCluster));
}
