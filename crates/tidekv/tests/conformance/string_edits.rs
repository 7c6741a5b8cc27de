//! APPEND, SETRANGE, GETRANGE, STRLEN, INCRBYFLOAT, DECRBY and MSETNX, with the answers Redis 7
//! gives in its documentation's examples, and the edge cases around them.

use std::time::Duration;

use super::{Backend, Ctx};
use tidekv::{Error, Ttl};

pub fn append_creates_extends_and_keeps_the_ttl(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert_eq!(s.append("k", "Hello").unwrap(), 5);
    assert_eq!(s.append("k", " World").unwrap(), 11);
    assert_eq!(s.get("k").unwrap().as_deref(), Some(&b"Hello World"[..]));
    s.expire("k", Duration::from_secs(9)).unwrap();
    assert_eq!(s.append("k", "").unwrap(), 11);
    assert_eq!(
        s.ttl("k").unwrap(),
        Some(Ttl::ExpiresIn(Duration::from_secs(9)))
    );
    s.push_back("q", "a").unwrap();
    assert!(matches!(s.append("q", "x"), Err(Error::WrongType { .. })));
}

pub fn append_and_set_range_refuse_values_over_the_limit(b: &dyn Backend) {
    let ctx = Ctx::with(b, |c| c.max_value_size(16));
    let s = &ctx.store;
    s.insert("k", "0123456789").unwrap();
    assert!(matches!(
        s.append("k", "0123456"),
        Err(Error::TooLarge { what: "value", len: 17, limit: 16 })
    ));
    assert!(matches!(
        s.set_range("k", 16, "x"),
        Err(Error::TooLarge { what: "value", .. })
    ));
    assert!(matches!(
        s.set_range("k", usize::MAX, "x"),
        Err(Error::TooLarge { what: "value", .. })
    ));
    assert_eq!(s.get("k").unwrap().as_deref(), Some(&b"0123456789"[..]));
    assert_eq!(s.append("k", "012345").unwrap(), 16, "at the limit is fine");
}

pub fn set_range_overwrites_and_pads_with_zero_bytes(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("k", "Hello World").unwrap();
    assert_eq!(s.set_range("k", 6, "Redis").unwrap(), 11);
    assert_eq!(s.get("k").unwrap().as_deref(), Some(&b"Hello Redis"[..]));
    assert_eq!(s.set_range("pad", 6, "Redis").unwrap(), 11);
    assert_eq!(
        s.get("pad").unwrap().as_deref(),
        Some(&b"\0\0\0\0\0\0Redis"[..])
    );
    assert_eq!(s.set_range("empty", 3, "").unwrap(), 0);
    assert!(
        !s.contains_key("empty").unwrap(),
        "an empty patch creates no key"
    );
    assert_eq!(s.set_range("k", 0, "").unwrap(), 11);
}

pub fn get_range_and_value_len_follow_redis(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("k", "This is a string").unwrap();
    let range = |a, z| s.get_range("k", a, z).unwrap();
    assert_eq!(range(0, 3), "This");
    assert_eq!(range(-3, -1), "ing");
    assert_eq!(range(0, -1), "This is a string");
    assert_eq!(range(10, 100), "string");
    assert_eq!(range(0, -100), "T");
    assert_eq!(range(-1, -5), "");
    assert_eq!(range(5, 2), "");
    assert_eq!(s.get_range("missing", 0, -1).unwrap(), "");
    assert_eq!(s.value_len("k").unwrap(), 16);
    assert_eq!(s.value_len("missing").unwrap(), 0);
    s.push_back("q", "a").unwrap();
    assert!(matches!(s.value_len("q"), Err(Error::WrongType { .. })));
    assert!(matches!(
        s.get_range("q", 0, 1),
        Err(Error::WrongType { .. })
    ));
}

pub fn incr_by_float_adds_and_stores_plain_text(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("k", "10.50").unwrap();
    assert_eq!(s.incr_by_float("k", 0.1).unwrap(), 10.6);
    assert_eq!(s.get("k").unwrap().as_deref(), Some(&b"10.6"[..]));
    assert_eq!(s.incr_by_float("k", -5.0).unwrap(), 5.6);
    s.insert("e", "5.0e3").unwrap();
    assert_eq!(s.incr_by_float("e", 2.0e2).unwrap(), 5200.0);
    assert_eq!(s.get("e").unwrap().as_deref(), Some(&b"5200"[..]));
    assert_eq!(s.incr_by_float("new", 1.5).unwrap(), 1.5);
    assert_eq!(s.get_as::<f64>("new").unwrap(), Some(1.5));
    assert_eq!(s.incr_by("e", 1).unwrap(), 5201, "integral text stays an integer");
    s.insert("word", "abc").unwrap();
    assert!(matches!(s.incr_by_float("word", 1.0), Err(Error::NotAFloat)));
    assert!(matches!(
        s.incr_by_float("k", f64::NAN),
        Err(Error::NotAFloat)
    ));
    s.insert("big", 1e308).unwrap();
    assert!(matches!(s.incr_by_float("big", 1e308), Err(Error::NotFinite)));
    assert_eq!(s.get_as::<f64>("big").unwrap(), Some(1e308), "unchanged");
    s.expire("k", Duration::from_secs(3)).unwrap();
    s.incr_by_float("k", 1.0).unwrap();
    assert_eq!(
        s.ttl("k").unwrap(),
        Some(Ttl::ExpiresIn(Duration::from_secs(3))),
        "the TTL is kept"
    );
    s.push_back("q", "a").unwrap();
    assert!(matches!(
        s.incr_by_float("q", 1.0),
        Err(Error::WrongType { .. })
    ));
    // Where the arithmetic is the backend's own, as its capabilities say: f64, or the remote
    // server's long double (three tenths read 0.3 there) with hexadecimal text read as a number.
    for _ in 0..3 {
        s.incr_by_float("tenths", 0.1).unwrap();
    }
    s.insert("hex", "0x10").unwrap();
    if s.capabilities().f64_float_increments {
        assert_eq!(s.get("tenths").unwrap().as_deref(), Some(&b"0.30000000000000004"[..]));
        assert!(matches!(s.incr_by_float("hex", 1.0), Err(Error::NotAFloat)));
    } else {
        assert_eq!(s.get("tenths").unwrap().as_deref(), Some(&b"0.3"[..]));
        assert_eq!(s.incr_by_float("hex", 1.0).unwrap(), 17.0);
    }
}

pub fn decr_by_subtracts(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("k", 10).unwrap();
    assert_eq!(s.decr_by("k", 3).unwrap(), 7);
    assert_eq!(s.decr_by("k", -3).unwrap(), 10);
    assert_eq!(s.decr_by("n", 1).unwrap(), -1);
}

pub fn insert_many_if_absent_is_all_or_nothing(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert!(s
        .insert_many_if_absent([("k1", "Hello"), ("k2", "there")])
        .unwrap());
    assert!(!s
        .insert_many_if_absent([("k2", "new"), ("k3", "world")])
        .unwrap());
    assert_eq!(s.get("k3").unwrap(), None, "nothing is written");
    assert_eq!(s.get("k2").unwrap().as_deref(), Some(&b"there"[..]));
    s.push_back("q", "a").unwrap();
    assert!(!s.insert_many_if_absent([("q", "v")]).unwrap());
    assert_eq!(s.list_len("q").unwrap(), 1);
}
