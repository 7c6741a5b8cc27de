//! EXPIRE with NX / XX / GT / LT, EXPIREAT, EXPIRETIME and PERSIST, with Redis 7's answers: a
//! key without expiry counts as expiring at infinity for GT and LT.

use std::time::{Duration, UNIX_EPOCH};

use super::{Backend, Ctx, START_MS};
use tidekv::{ExpireCondition, Expiry, Ttl};

fn secs(n: u64) -> Expiry {
    Expiry::In(Duration::from_secs(n))
}

pub fn expire_conditions_follow_redis_flags(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    use ExpireCondition::*;
    assert!(!s.expire_with("missing", secs(10), Always).unwrap());
    s.insert("k", "v").unwrap();
    assert!(!s.expire_with("k", secs(10), IfSome).unwrap(), "XX without TTL");
    assert!(!s.expire_with("k", secs(10), IfLater).unwrap(), "GT without TTL");
    assert!(s.expire_with("k", secs(10), IfEarlier).unwrap(), "LT without TTL");
    assert!(!s.expire_with("k", secs(20), IfNone).unwrap(), "NX with TTL");
    assert!(!s.expire_with("k", secs(20), IfEarlier).unwrap());
    assert!(s.expire_with("k", secs(20), IfLater).unwrap());
    assert!(!s.expire_with("k", secs(20), IfLater).unwrap(), "GT needs later");
    assert!(s.expire_with("k", secs(5), IfEarlier).unwrap());
    assert!(s.expire_with("k", secs(8), IfSome).unwrap());
    assert_eq!(
        s.ttl("k").unwrap(),
        Some(Ttl::ExpiresIn(Duration::from_secs(8)))
    );
    s.insert("n", "v").unwrap();
    assert!(s.expire_with("n", secs(3), IfNone).unwrap());
}

pub fn expire_in_the_past_deletes_and_reports_it(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("k", "v").unwrap();
    let past = UNIX_EPOCH + Duration::from_millis(START_MS - 1_000);
    assert!(s.expire_at("k", past).unwrap());
    assert!(!s.contains_key("k").unwrap());
    s.push_back("q", "a").unwrap();
    assert!(s.expire("q", Duration::ZERO).unwrap());
    assert_eq!(s.list_len("q").unwrap(), 0);
    // A condition that fails keeps the key even with a past time.
    s.insert("c", "v").unwrap();
    assert!(!s
        .expire_with("c", Expiry::at_unix_ms(1), ExpireCondition::IfSome)
        .unwrap());
    assert!(s.contains_key("c").unwrap());
}

pub fn expires_at_reports_the_deadline(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert_eq!(s.expires_at("k").unwrap(), None);
    s.insert("k", "v").unwrap();
    assert_eq!(s.expires_at("k").unwrap(), Some(Expiry::Never));
    let at = UNIX_EPOCH + Duration::from_millis(START_MS + 90_000);
    assert!(s.expire_at("k", at).unwrap());
    assert_eq!(s.expires_at("k").unwrap(), Some(Expiry::At(at)));
}

pub fn persist_reports_whether_a_ttl_was_removed(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert!(!s.persist("missing").unwrap());
    s.insert("k", "v").unwrap();
    assert!(!s.persist("k").unwrap(), "no TTL to remove");
    s.expire("k", Duration::from_secs(10)).unwrap();
    assert!(s.persist("k").unwrap());
    assert_eq!(s.ttl("k").unwrap(), Some(Ttl::Persistent));
    ctx.advance(Duration::from_secs(11));
    assert!(s.contains_key("k").unwrap(), "it no longer expires");
}
