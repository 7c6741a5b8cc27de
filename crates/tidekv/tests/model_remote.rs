//! The model test (`tests/model/`) on the remote backend: `redis-server` 7 and `valkey-server` 9,
//! each as one server and as a 3-primary Cluster. On a Cluster the model's keys are in different
//! hash slots, so its renames, list moves, batches and transactions on several of them must be
//! refused with nothing changed, and run like everywhere else when their keys share a slot.
//!
//! Every operation is a round trip, so it runs fewer random sequences than the local backends'
//! model tests (`PROPTEST_CASES` overrides).

mod model;
mod remote;

use std::sync::Arc;

use remote::Deployment;
use tidekv::Store;

fn matches_the_model(deployment: Deployment) {
    let lease = deployment.lease();
    let open = |clock| {
        lease.running.flush_all();
        Store::open(lease.config_for_manual_clock().clock(Arc::new(clock)))
            .expect("open a remote store")
    };
    if deployment.is_cluster() {
        model::run_regressions_on_a_cluster(open);
        model::run_on_a_cluster_with_cases(128, open);
    } else {
        model::run_regressions(open);
        model::run_with_cases(128, open);
    }
}

#[test]
fn redis_server_matches_the_model() {
    matches_the_model(Deployment::RedisServer);
}

#[test]
fn valkey_server_matches_the_model() {
    matches_the_model(Deployment::ValkeyServer);
}

#[test]
fn redis_cluster_matches_the_model() {
    matches_the_model(Deployment::RedisCluster);
}

#[test]
fn valkey_cluster_matches_the_model() {
    matches_the_model(Deployment::ValkeyCluster);
}
