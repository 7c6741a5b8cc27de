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
    s.keyspace(15).unwrap().clear_all().unwrap();
    for ks in [0, 1, 15] {
        let handle = s.keyspace(ks).unwrap();
        assert_eq!(handle.len().unwrap(), 0, "keyspace {ks}");
        assert_eq!(handle.list_len("q").unwrap(), 0);
    }
    s.insert("after", "v").unwrap();
    assert_eq!(s.len().unwrap(), 1, "the store goes on working");
}
