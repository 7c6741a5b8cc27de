//! The model test (`tests/model/`) on the remote backend: `redis-server` 7 and `valkey-server` 9,
//! each as one server. (The model's keys are in different hash slots and its renames, moves and
//! batches are atomic calls on several of them, which a Cluster refuses; the Cluster runs the
//! conformance suite and `remote_cluster.rs`.)
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
    model::run_with_cases(128, |clock| {
        lease.running.flush_all();
        Store::open(lease.config_for_manual_clock().clock(Arc::new(clock)))
            .expect("open a remote store")
    });
}

#[test]
fn redis_server_matches_the_model() {
    matches_the_model(Deployment::RedisServer);
}

#[test]
fn valkey_server_matches_the_model() {
    matches_the_model(Deployment::ValkeyServer);
}
