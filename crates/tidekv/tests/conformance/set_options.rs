//! SET with its options and the cache helpers built on it: insert-if-absent, get-and-set,
//! get-or-insert, compare-and-swap, GETEX. Expected answers are Redis 7's.

use std::time::Duration;

use super::{Backend, Ctx};
use tidekv::{CompareAndSwap, Error, Expiry, SetCondition, SetOptions, Ttl};

fn opts(condition: SetCondition, expiry: Expiry, get: bool) -> SetOptions {
    SetOptions {
        condition,
        expiry,
        get,
    }
}

pub fn set_nx_and_xx_write_only_when_their_condition_holds(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let nx = opts(SetCondition::IfAbsent, Expiry::Never, false);
    let xx = opts(SetCondition::IfPresent, Expiry::Never, false);
    assert!(!s.set("k", "xx-miss", xx).unwrap().written);
    assert_eq!(s.get("k").unwrap(), None, "XX on a missing key writes nothing");
    assert!(s.set("k", "first", nx).unwrap().written);
    assert!(!s.set("k", "second", nx).unwrap().written);
    assert_eq!(s.get("k").unwrap().as_deref(), Some(&b"first"[..]));
    assert!(s.set("k", "third", xx).unwrap().written);
    assert_eq!(s.get("k").unwrap().as_deref(), Some(&b"third"[..]));
    // A list is a key too: NX fails on it, XX replaces it.
    s.push_back("q", "a").unwrap();
    assert!(!s.set("q", "v", nx).unwrap().written);
    assert!(s.set("q", "v", xx).unwrap().written);
    assert_eq!(s.get("q").unwrap().as_deref(), Some(&b"v"[..]));
}

pub fn set_get_returns_the_old_string_and_refuses_a_list(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let get = opts(SetCondition::Always, Expiry::Never, true);
    let out = s.set("k", "v1", get).unwrap();
    assert_eq!((out.written, out.previous), (true, None));
    let out = s.set("k", "v2", get).unwrap();
    assert_eq!(out.previous.as_deref(), Some(&b"v1"[..]));
    // NX GET on an existing key: not written, the old value returned (Redis 7).
    let nx_get = opts(SetCondition::IfAbsent, Expiry::Never, true);
    let out = s.set("k", "v3", nx_get).unwrap();
    assert!(!out.written);
    assert_eq!(out.previous.as_deref(), Some(&b"v2"[..]));
    assert_eq!(s.get("k").unwrap().as_deref(), Some(&b"v2"[..]));
    s.push_back("q", "a").unwrap();
    assert!(matches!(s.set("q", "v", get), Err(Error::WrongType { .. })));
    assert_eq!(s.list_len("q").unwrap(), 1, "the list is untouched");
    assert!(matches!(
        s.get_and_set("q", "v"),
        Err(Error::WrongType { .. })
    ));
    assert_eq!(s.get_and_set("k", "v4").unwrap().as_deref(), Some(&b"v2"[..]));
    assert_eq!(s.get_and_set("new", "x").unwrap(), None);
    assert_eq!(s.get("new").unwrap().as_deref(), Some(&b"x"[..]));
}

pub fn set_expiry_options_set_keep_or_clear_the_ttl(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let ex = opts(
        SetCondition::Always,
        Expiry::In(Duration::from_secs(10)),
        false,
    );
    s.set("k", "v", ex).unwrap();
    assert_eq!(
        s.ttl("k").unwrap(),
        Some(Ttl::ExpiresIn(Duration::from_secs(10)))
    );
    ctx.advance(Duration::from_secs(4));
    let keep = opts(SetCondition::Always, Expiry::Keep, false);
    s.set("k", "v2", keep).unwrap();
    assert_eq!(
        s.ttl("k").unwrap(),
        Some(Ttl::ExpiresIn(Duration::from_secs(6))),
        "KEEPTTL keeps the deadline"
    );
    s.set("k", "v3", SetOptions::default()).unwrap();
    assert_eq!(
        s.ttl("k").unwrap(),
        Some(Ttl::Persistent),
        "a plain SET clears it"
    );
    let at = opts(
        SetCondition::Always,
        Expiry::at_unix_ms(super::START_MS + 4_000 + 60_000),
        false,
    );
    s.set("k", "v4", at).unwrap();
    assert_eq!(
        s.ttl("k").unwrap(),
        Some(Ttl::ExpiresIn(Duration::from_secs(60)))
    );
    let past = opts(
        SetCondition::Always,
        Expiry::at_unix_ms(super::START_MS - 1),
        false,
    );
    s.set("k", "gone", past).unwrap();
    assert_eq!(s.get("k").unwrap(), None, "a deadline in the past deletes");
    // KEEPTTL on a key without a TTL keeps it persistent.
    s.insert("p", "v").unwrap();
    s.set("p", "v2", keep).unwrap();
    assert_eq!(s.ttl("p").unwrap(), Some(Ttl::Persistent));
}

pub fn cache_helpers_insert_if_absent_and_get_or_insert(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert!(s.insert_if_absent("k", "a").unwrap());
    assert!(!s.insert_if_absent("k", "b").unwrap());
    assert_eq!(s.get("k").unwrap().as_deref(), Some(&b"a"[..]));
    let mut calls = 0;
    let got = s
        .get_or_insert_with("k", || {
            calls += 1;
            "c"
        })
        .unwrap();
    assert_eq!((got.as_ref(), calls), (&b"a"[..], 0), "a hit computes nothing");
    let got = s
        .get_or_insert_with("m", || {
            calls += 1;
            "made"
        })
        .unwrap();
    assert_eq!((got.as_ref(), calls), (&b"made"[..], 1));
    assert_eq!(s.get("m").unwrap().as_deref(), Some(&b"made"[..]));
}

pub fn compare_and_swap_changes_only_the_expected_value(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let none: Option<&str> = None;
    assert_eq!(
        s.compare_and_swap("k", none, Some("v1")).unwrap(),
        CompareAndSwap::Swapped
    );
    assert_eq!(
        s.compare_and_swap("k", none, Some("v2")).unwrap(),
        CompareAndSwap::Mismatch(Some("v1".into()))
    );
    assert_eq!(
        s.compare_and_swap("k", Some("other"), Some("v2")).unwrap(),
        CompareAndSwap::Mismatch(Some("v1".into()))
    );
    s.expire("k", Duration::from_secs(30)).unwrap();
    assert_eq!(
        s.compare_and_swap("k", Some("v1"), Some("v2")).unwrap(),
        CompareAndSwap::Swapped
    );
    assert_eq!(s.get("k").unwrap().as_deref(), Some(&b"v2"[..]));
    assert_eq!(
        s.ttl("k").unwrap(),
        Some(Ttl::ExpiresIn(Duration::from_secs(30))),
        "a swap keeps the expiry"
    );
    assert_eq!(
        s.compare_and_swap("k", Some("v2"), None::<&str>).unwrap(),
        CompareAndSwap::Swapped
    );
    assert_eq!(s.get("k").unwrap(), None, "swapping to None removes");
    s.push_back("q", "a").unwrap();
    assert!(matches!(
        s.compare_and_swap("q", none, Some("v")),
        Err(Error::WrongType { .. })
    ));
}

pub fn get_and_expire_changes_only_the_ttl(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert_eq!(
        s.get_and_expire("missing", Expiry::In(Duration::from_secs(1)))
            .unwrap(),
        None
    );
    assert!(!s.contains_key("missing").unwrap());
    s.insert("k", "v").unwrap();
    let got = s
        .get_and_expire("k", Expiry::In(Duration::from_secs(5)))
        .unwrap();
    assert_eq!(got.as_deref(), Some(&b"v"[..]));
    assert_eq!(
        s.ttl("k").unwrap(),
        Some(Ttl::ExpiresIn(Duration::from_secs(5)))
    );
    s.get_and_expire("k", Expiry::Keep).unwrap();
    assert_eq!(
        s.ttl("k").unwrap(),
        Some(Ttl::ExpiresIn(Duration::from_secs(5)))
    );
    s.get_and_expire("k", Expiry::Never).unwrap();
    assert_eq!(s.ttl("k").unwrap(), Some(Ttl::Persistent), "PERSIST");
    let got = s
        .get_and_expire("k", Expiry::In(Duration::ZERO))
        .unwrap();
    assert_eq!(got.as_deref(), Some(&b"v"[..]), "returns the value");
    assert_eq!(s.get("k").unwrap(), None, "then the key is gone");
    s.push_back("q", "a").unwrap();
    assert!(matches!(
        s.get_and_expire("q", Expiry::Never),
        Err(Error::WrongType { .. })
    ));
}
