//! What a server does at a moment a test cannot make it reach: expire keys.
//!
//! On a backend whose server's clock judges expiry (remote), a test that moves the store's clock
//! cannot move the server's. After moving it, the test calls [`remove_due_keys`], which removes
//! every key whose deadline has come by the store's clock, as the server would at that time. The
//! deadlines themselves are the backend's work, written, kept and read back by it.

use std::time::Duration;

use tidekv::{Store, Ttl};

/// Removes the keys of every keyspace whose deadline has come, if the server judges expiry.
pub fn remove_due_keys(store: &Store) {
    if store.capabilities().expiry_by_store_clock {
        return;
    }
    for ks in 0.. {
        let Ok(handle) = store.keyspace(ks) else {
            break;
        };
        let Ok(keys) = handle.keys() else {
            break;
        };
        for key in keys {
            let key = key.expect("scan the keys");
            if handle.ttl(&key).expect("read a ttl") == Some(Ttl::ExpiresIn(Duration::ZERO)) {
                handle.remove(&key).expect("remove a due key");
            }
        }
    }
}
