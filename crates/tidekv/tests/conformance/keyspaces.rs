//! Keyspaces: separate namespaces of one store.

use super::{Backend, Ctx};
use tidekv::Error;

pub fn keyspaces_are_separate(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let zero = &ctx.store;
    let one = zero.keyspace(1).unwrap();
    assert_eq!(zero.keyspace_id(), 0);
    assert_eq!(one.keyspace_id(), 1);
    zero.insert("k", "zero").unwrap();
    one.insert("k", "one").unwrap();
    one.push_back("q", "x").unwrap();
    assert_eq!(zero.get("k").unwrap().as_deref(), Some(&b"zero"[..]));
    assert_eq!(one.get("k").unwrap().as_deref(), Some(&b"one"[..]));
    assert_eq!(zero.len().unwrap(), 1);
    assert_eq!(one.len().unwrap(), 2);
    assert_eq!(zero.list_len("q").unwrap(), 0);
    let stats = zero.stats().unwrap();
    assert_eq!(stats.keys, 3);
    assert_eq!(stats.keyspaces.len(), 2);
    // Same data through another handle to the same keyspace.
    assert_eq!(
        zero.keyspace(1).unwrap().get("k").unwrap().as_deref(),
        Some(&b"one"[..])
    );
}

pub fn keyspace_out_of_range_is_rejected(b: &dyn Backend) {
    let ctx = Ctx::with(b, |c| c.keyspaces(4));
    assert!(ctx.store.keyspace(3).is_ok());
    assert!(matches!(
        ctx.store.keyspace(4),
        Err(Error::InvalidArgument {
            what: "keyspace",
            ..
        })
    ));
}

pub fn clear_empties_one_keyspace(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let one = ctx.store.keyspace(1).unwrap();
    ctx.store.insert("a", "1").unwrap();
    one.insert("b", "2").unwrap();
    one.push_back("q", "x").unwrap();
    one.clear().unwrap();
    assert!(one.is_empty().unwrap());
    assert_eq!(one.get("b").unwrap(), None);
    assert_eq!(ctx.store.get("a").unwrap().as_deref(), Some(&b"1"[..]));
    one.insert("b", "again").unwrap();
    assert_eq!(one.len().unwrap(), 1);
}

pub fn clear_all_empties_every_keyspace(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    for ks in [0, 1, 15] {
        let handle = s.keyspace(ks).unwrap();
        handle.insert("k", "v").unwrap();
        handle.push_back("q", "x").unwrap();
    }
    s.clear_all().unwrap();
    for ks in [0, 1, 15] {
        let handle = s.keyspace(ks).unwrap();
        assert_eq!(handle.len().unwrap(), 0, "keyspace {ks}");
        assert_eq!(handle.list_len("q").unwrap(), 0);
    }
    s.insert("after", "v").unwrap();
    assert_eq!(s.len().unwrap(), 1, "the store goes on working");
}

pub fn swap_keyspaces_exchanges_every_key(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let zero = &ctx.store;
    let one = zero.keyspace(1).unwrap();
    zero.insert("only-in-0", "a").unwrap();
    zero.insert("both", "from 0").unwrap();
    zero.push_back_all("q", ["x", "y"]).unwrap();
    one.insert_with_ttl("both", "from 1", std::time::Duration::from_secs(30))
        .unwrap();
    one.push_back("list-1", "z").unwrap();
    let watch = zero.watch(["both"]).unwrap();
    zero.swap_keyspaces(0, 1).unwrap();
    assert_eq!(zero.get("both").unwrap().as_deref(), Some(&b"from 1"[..]));
    assert_eq!(
        zero.ttl("both").unwrap(),
        Some(tidekv::Ttl::ExpiresIn(std::time::Duration::from_secs(30))),
        "expiries go with their keys"
    );
    assert_eq!(zero.list_range("list-1", 0, -1).unwrap(), vec!["z"]);
    assert_eq!(zero.get("only-in-0").unwrap(), None);
    assert_eq!(zero.len().unwrap(), 2);
    assert_eq!(one.get("only-in-0").unwrap().as_deref(), Some(&b"a"[..]));
    assert_eq!(one.get("both").unwrap().as_deref(), Some(&b"from 0"[..]));
    assert_eq!(one.ttl("both").unwrap(), Some(tidekv::Ttl::Persistent));
    assert_eq!(one.list_range("q", 0, -1).unwrap(), vec!["x", "y"]);
    assert_eq!(one.len().unwrap(), 3);
    assert!(
        zero.transaction_watched(&watch, [(0, "both")], |t| t.insert("both", "w"))
            .unwrap()
            .is_none(),
        "a swap changes the watched keys of both keyspaces"
    );
    // Swapping back restores both; a keyspace with itself, or an empty one, works too.
    zero.swap_keyspaces(1, 0).unwrap();
    assert_eq!(zero.get("only-in-0").unwrap().as_deref(), Some(&b"a"[..]));
    zero.swap_keyspaces(0, 0).unwrap();
    zero.swap_keyspaces(0, 7).unwrap();
    assert!(zero.is_empty().unwrap());
    assert_eq!(zero.keyspace(7).unwrap().len().unwrap(), 3);
    assert!(zero.swap_keyspaces(0, 99).is_err());
}

pub fn swap_keyspaces_serves_a_blocked_pop(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    ctx.store.keyspace(1).unwrap().push_back("jobs", "j").unwrap();
    // Asleep in its pop on keyspace 0 before the swap brings the list there.
    let waiter = super::blocking::Waiter::start(&ctx.store, |s| s.blocking_pop_front(&["jobs"], None));
    ctx.store.swap_keyspaces(0, 1).unwrap();
    let got = waiter.woken_by("swap").unwrap();
    assert_eq!(got.map(|(_, v)| v), Some("j".into()));
}

pub fn random_key_returns_live_keys_spread_over_the_keyspace(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert_eq!(s.random_key().unwrap(), None);
    s.insert("only", "v").unwrap();
    assert_eq!(s.random_key().unwrap().as_deref(), Some(&b"only"[..]));
    s.remove("only").unwrap();
    let mut live = std::collections::BTreeSet::new();
    for i in 0..300 {
        let key = format!("user:{i:04}");
        if i % 10 == 0 {
            s.push_back(&key, "x").unwrap();
        } else {
            s.insert(&key, i).unwrap();
        }
        live.insert(bytes::Bytes::from(key));
    }
    // Expired and removed keys are never picked.
    for i in 0..100 {
        s.insert_with_ttl(format!("temp:{i:03}"), "t", std::time::Duration::from_secs(1))
            .unwrap();
    }
    ctx.advance(std::time::Duration::from_secs(2));
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..600 {
        let key = s.random_key().unwrap().expect("a key");
        assert!(live.contains(&key), "picked a key that is not live: {key:?}");
        seen.insert(key);
    }
    assert!(
        seen.len() >= 100,
        "600 picks hit only {} of 300 keys: not spread over the keyspace",
        seen.len()
    );
    assert_eq!(s.keyspace(3).unwrap().random_key().unwrap(), None);
}
