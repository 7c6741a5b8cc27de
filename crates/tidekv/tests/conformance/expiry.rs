//! Expiry: passive (invisible at once) through an injected clock.

use std::time::Duration;

use super::{collect, Backend, Ctx};
use tidekv::Ttl;

const SEC: Duration = Duration::from_secs(1);

pub fn ttl_hides_key_at_expiry(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert_with_ttl("k", "v", 10 * SEC).unwrap();
    ctx.advance(Duration::from_millis(9_999));
    assert_eq!(s.get("k").unwrap().as_deref(), Some(&b"v"[..]));
    ctx.advance(Duration::from_millis(1));
    assert_eq!(s.get("k").unwrap(), None);
    assert!(!s.contains_key("k").unwrap());
    assert_eq!(s.ttl("k").unwrap(), None);
    assert_eq!(s.take("k").unwrap(), None);
    assert!(!s.remove("k").unwrap());
}

pub fn expire_ttl_persist(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert_eq!(s.ttl("k").unwrap(), None);
    assert!(!s.expire("k", SEC).unwrap());
    assert!(!s.persist("k").unwrap());
    s.insert("k", "v").unwrap();
    assert_eq!(s.ttl("k").unwrap(), Some(Ttl::Persistent));
    assert!(s.expire("k", 30 * SEC).unwrap());
    assert_eq!(s.ttl("k").unwrap(), Some(Ttl::ExpiresIn(30 * SEC)));
    ctx.advance(10 * SEC);
    assert_eq!(s.ttl("k").unwrap(), Some(Ttl::ExpiresIn(20 * SEC)));
    assert!(s.persist("k").unwrap());
    assert_eq!(s.ttl("k").unwrap(), Some(Ttl::Persistent));
    ctx.advance(3600 * SEC);
    assert_eq!(s.get("k").unwrap().as_deref(), Some(&b"v"[..]));
    // Lists expire too.
    s.push_back("q", "job").unwrap();
    assert!(s.expire("q", SEC).unwrap());
    ctx.advance(SEC);
    assert_eq!(s.list_len("q").unwrap(), 0);
    assert_eq!(s.pop_front("q").unwrap(), None);
}

pub fn insert_clears_ttl_and_incr_keeps_it(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert_with_ttl("k", "v", 5 * SEC).unwrap();
    s.insert("k", "v2").unwrap();
    assert_eq!(s.ttl("k").unwrap(), Some(Ttl::Persistent));
    s.insert_with_ttl("n", 1, 5 * SEC).unwrap();
    assert_eq!(s.incr_by("n", 1).unwrap(), 2);
    assert_eq!(s.ttl("n").unwrap(), Some(Ttl::ExpiresIn(5 * SEC)));
    s.push_back("q", "a").unwrap();
    s.expire("q", 5 * SEC).unwrap();
    s.push_back("q", "b").unwrap();
    assert_eq!(s.ttl("q").unwrap(), Some(Ttl::ExpiresIn(5 * SEC)));
    ctx.advance(5 * SEC);
    assert_eq!(s.get("n").unwrap(), None);
    assert_eq!(
        s.incr_by("n", 1).unwrap(),
        1,
        "an expired counter restarts at 0"
    );
    assert_eq!(s.ttl("n").unwrap(), Some(Ttl::Persistent));
}

pub fn expired_keys_are_not_counted_or_scanned(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    for i in 0..50 {
        s.insert_with_ttl(format!("tmp:{i:02}"), i, SEC).unwrap();
        s.insert(format!("keep:{i:02}"), i).unwrap();
    }
    s.push_back("tmp:list", "x").unwrap();
    s.expire("tmp:list", SEC).unwrap();
    assert_eq!(s.len().unwrap(), 101);
    ctx.advance(SEC);
    assert_eq!(s.len().unwrap(), 50);
    assert!(collect(s.scan_prefix("tmp:").unwrap()).is_empty());
    assert_eq!(collect(s.keys().unwrap()).len(), 50);
    assert_eq!(collect(s.range::<&str>(..).unwrap()).len(), 50);
    let got = s.get_many(["tmp:01", "keep:01"]).unwrap();
    assert_eq!(got[0], None);
    assert_eq!(got[1].as_deref(), Some(&b"1"[..]));
    assert_eq!(s.stats().unwrap().keys, 50);
}

pub fn zero_ttl_deletes_on_insert_and_on_expire(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("k", "old").unwrap();
    s.insert_with_ttl("k", "v", Duration::ZERO).unwrap();
    assert_eq!(s.get("k").unwrap(), None, "a zero TTL is dead on arrival");
    assert!(!s.contains_key("k").unwrap());
    s.insert("k", "v").unwrap();
    assert!(s.expire("k", Duration::ZERO).unwrap());
    assert_eq!(s.get("k").unwrap(), None);
}

pub fn sub_millisecond_ttls_round_up(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    // The key is alive until a whole millisecond passes.
    s.insert_with_ttl("short", "v", Duration::from_micros(10))
        .unwrap();
    assert!(s.contains_key("short").unwrap());
    ctx.advance(Duration::from_millis(1));
    assert!(!s.contains_key("short").unwrap());
}

pub fn expired_key_can_be_reused_as_another_kind(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert_with_ttl("k", "string", SEC).unwrap();
    ctx.advance(SEC);
    assert_eq!(s.push_back("k", "now a list").unwrap(), 1);
    assert_eq!(s.ttl("k").unwrap(), Some(Ttl::Persistent));
    s.expire("k", SEC).unwrap();
    ctx.advance(SEC);
    assert_eq!(s.incr_by("k", 3).unwrap(), 3);
}
