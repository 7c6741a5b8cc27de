//! Size limits: at the limit is accepted, one byte over is a typed error that changes nothing.

use super::{Backend, Ctx};
use tidekv::{Error, MAX_KEY_SIZE, MAX_VALUE_SIZE};

/// Whether `r` is the size-limit error for `what` (`key` or `value`).
fn is_invalid(r: tidekv::Result<impl std::fmt::Debug>, what: &str) -> bool {
    matches!(r, Err(Error::TooLarge { what: w, .. }) if w == what)
}

pub fn key_size_limit(b: &dyn Backend) {
    let ctx = Ctx::with(b, |c| c.max_key_size(1024));
    let s = &ctx.store;
    let at = vec![b'k'; 1024];
    let over = vec![b'k'; 1025];
    s.insert(&at, "ok").unwrap();
    assert_eq!(s.get(&at).unwrap().as_deref(), Some(&b"ok"[..]));
    assert!(is_invalid(s.insert(&over, "v"), "key"));
    assert!(is_invalid(s.get(&over), "key"));
    assert!(is_invalid(s.push_back(&over, "v"), "key"));
    assert!(is_invalid(s.incr_by(&over, 1), "key"));
    assert!(is_invalid(s.get_many([&over]), "key"));
    assert!(is_invalid(s.scan_prefix(&over), "key"));
    assert_eq!(s.len().unwrap(), 1);
    let msg = s.insert(&over, "v").unwrap_err().to_string();
    assert!(msg.contains("1025") && msg.contains("1024"), "{msg}");
}

pub fn value_size_limit(b: &dyn Backend) {
    let ctx = Ctx::with(b, |c| c.max_value_size(4096));
    let s = &ctx.store;
    let at = vec![1u8; 4096];
    let over = vec![1u8; 4097];
    s.insert("at", at.clone()).unwrap();
    assert_eq!(s.get("at").unwrap().map(|v| v.len()), Some(4096));
    assert!(is_invalid(s.insert("over", over.clone()), "value"));
    assert!(is_invalid(
        s.insert_with_ttl("over", over.clone(), std::time::Duration::from_secs(1)),
        "value"
    ));
    assert!(is_invalid(s.push_back("q", over.clone()), "value"));
    assert!(is_invalid(
        s.push_back_all("q", [at.clone(), over.clone()]),
        "value"
    ));
    assert_eq!(s.get("over").unwrap(), None);
    assert_eq!(
        s.list_len("q").unwrap(),
        0,
        "a rejected multi-push adds nothing"
    );
}

pub fn default_limits_are_64k_keys_and_512m_values(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert_eq!(MAX_KEY_SIZE, 65_536);
    assert_eq!(MAX_VALUE_SIZE, 536_870_912);
    let key_at = vec![b'k'; MAX_KEY_SIZE];
    s.insert(&key_at, "v").unwrap();
    assert!(is_invalid(
        s.insert(vec![b'k'; MAX_KEY_SIZE + 1], "v"),
        "key"
    ));
    // One byte over the value limit is refused before it is copied or stored (zeroed pages are
    // allocated lazily, so this costs no real memory).
    assert!(is_invalid(
        s.insert("big", vec![0u8; MAX_VALUE_SIZE + 1]),
        "value"
    ));
    assert_eq!(s.len().unwrap(), 1);
}
