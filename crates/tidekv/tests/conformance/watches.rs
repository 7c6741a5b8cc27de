//! WATCH: a watched transaction runs only if no watched key changed or expired since it was
//! watched; writes that change nothing do not count, as in Redis.

use std::time::Duration;

use super::{Backend, Ctx};
use tidekv::{Config, Error, ListEnd, Store};

/// A write another client makes between WATCH and EXEC.
type Change = Box<dyn Fn(&Store)>;

/// Runs a watched transaction that writes `done`; whether it ran.
fn exec(s: &Store, watch: &tidekv::Watch) -> bool {
    s.transaction_watched(watch, [(0, "done")], |t| t.insert("done", "yes"))
        .unwrap()
        .is_some()
}

pub fn an_unchanged_watch_lets_the_transaction_run(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("k", "v").unwrap();
    let watch = s.watch(["k", "missing"]).unwrap();
    s.insert("other", "x").unwrap();
    s.keyspace(1).unwrap().insert("k", "same name, other keyspace").unwrap();
    assert!(exec(s, &watch));
    assert_eq!(s.get("done").unwrap().as_deref(), Some(&b"yes"[..]));
}

pub fn every_kind_of_change_aborts_a_watched_transaction(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let changes: Vec<(&str, Change)> = vec![
        ("set", Box::new(|s| s.insert("k", "new").unwrap())),
        ("remove", Box::new(|s| assert!(s.remove("k").unwrap()))),
        ("incr", Box::new(|s| {
            s.incr_by("k", 1).unwrap();
        })),
        ("expire", Box::new(|s| {
            assert!(s.expire("k", Duration::from_secs(100)).unwrap())
        })),
        ("append", Box::new(|s| {
            s.append("k", "+").unwrap();
        })),
        ("rename away", Box::new(|s| s.rename("k", "k2").unwrap())),
        ("rename onto", Box::new(|s| {
            s.insert("src", "x").unwrap();
            s.rename("src", "k").unwrap()
        })),
        ("transaction", Box::new(|s| {
            s.transaction(["k"], |t| t.insert("k", "t")).unwrap()
        })),
        ("batch", Box::new(|s| s.insert_many([("k", "b")]).unwrap())),
        ("clear", Box::new(|s| s.clear().unwrap())),
        ("move in", Box::new(|s| {
            let one = s.keyspace(1).unwrap();
            one.insert("k", "from 1").unwrap();
            s.remove("k").unwrap();
            assert!(one.move_to_keyspace("k", 0).unwrap());
        })),
    ];
    for (what, change) in changes {
        s.insert("k", 7).unwrap();
        let watch = s.watch(["k"]).unwrap();
        change(s);
        assert!(!exec(s, &watch), "{what}: the transaction must not run");
        assert_eq!(s.get("done").unwrap(), None, "{what}: nothing written");
    }
}

pub fn list_changes_abort_a_watched_transaction(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let changes: Vec<(&str, Change)> = vec![
        ("push", Box::new(|s| {
            s.push_back("q", "x").unwrap();
        })),
        ("pop", Box::new(|s| {
            s.pop_front("q").unwrap().unwrap();
        })),
        ("set", Box::new(|s| s.list_set("q", 0, "y").unwrap())),
        ("trim", Box::new(|s| s.list_trim("q", 0, 0).unwrap())),
        ("move out", Box::new(|s| {
            s.list_move("q", "r", ListEnd::Front, ListEnd::Back).unwrap().unwrap();
        })),
    ];
    for (what, change) in changes {
        s.remove("q").unwrap();
        s.push_back_all("q", ["a", "b"]).unwrap();
        let watch = s.watch(["q"]).unwrap();
        change(s);
        assert!(!exec(s, &watch), "{what}: the transaction must not run");
    }
}

pub fn a_key_created_after_the_watch_aborts(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let watch = s.watch(["k"]).unwrap();
    s.insert("k", "v").unwrap();
    assert!(!exec(s, &watch));
}

pub fn an_expiry_after_the_watch_aborts(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert_with_ttl("k", "v", Duration::from_secs(5)).unwrap();
    let watch = s.watch(["k"]).unwrap();
    ctx.advance(Duration::from_secs(4));
    assert!(exec(s, &watch), "not expired yet");
    s.remove("done").unwrap();
    let watch = s.watch(["k"]).unwrap();
    ctx.advance(Duration::from_secs(2));
    assert!(!exec(s, &watch), "the key expired while watched");
}

pub fn writes_that_change_nothing_do_not_abort(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("k", "v").unwrap();
    let watch = s.watch(["k", "missing", "empty"]).unwrap();
    assert!(!s.remove("missing").unwrap());
    assert_eq!(s.pop_front("empty").unwrap(), None);
    assert!(!s.persist("k").unwrap());
    assert!(!s.expire("missing", Duration::from_secs(1)).unwrap());
    assert!(exec(s, &watch));
}

pub fn a_watch_belongs_to_its_store(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let other = Store::open(Config::memory()).unwrap();
    let watch = other.watch(["k"]).unwrap();
    assert!(matches!(
        ctx.store
            .transaction_watched(&watch, [(0, "k")], |t| t.insert("k", "v")),
        Err(Error::InvalidArgument { what: "watch", .. })
    ));
    let mut watch = ctx.store.watch(["a"]).unwrap();
    ctx.store
        .keyspace(2)
        .unwrap()
        .watch_more(&mut watch, ["b"])
        .unwrap();
    assert_eq!(watch.keys().count(), 2);
    ctx.store.keyspace(2).unwrap().insert("b", "v").unwrap();
    assert!(!exec(&ctx.store, &watch), "a change in keyspace 2");
}
