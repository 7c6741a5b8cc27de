//! Strings: insert, get, take, remove, contains_key, len, keys, incr_by.

use super::{collect, Backend, Ctx};
use tidekv::Error;

pub fn insert_get_overwrite(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert_eq!(s.get("k").unwrap(), None);
    s.insert("k", "v1").unwrap();
    assert_eq!(s.get("k").unwrap().as_deref(), Some(&b"v1"[..]));
    s.insert("k", "v2").unwrap();
    assert_eq!(s.get("k").unwrap().as_deref(), Some(&b"v2"[..]));
    assert_eq!(s.len().unwrap(), 1);
}

pub fn empty_and_binary_keys_and_values(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let binary_key: &[u8] = b"\x00\xff\xfe\x00k\x80";
    let binary_value: Vec<u8> = (0..=255u8).collect();
    s.insert("", "empty key").unwrap();
    s.insert(binary_key, binary_value.clone()).unwrap();
    s.insert("empty value", "").unwrap();
    assert_eq!(s.get("").unwrap().as_deref(), Some(&b"empty key"[..]));
    assert_eq!(
        s.get(binary_key).unwrap().as_deref(),
        Some(&binary_value[..])
    );
    assert_eq!(s.get("empty value").unwrap().as_deref(), Some(&b""[..]));
    assert!(s.contains_key("empty value").unwrap());
    assert_eq!(s.len().unwrap(), 3);
}

pub fn take_returns_and_removes(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("k", "v").unwrap();
    assert_eq!(s.take("k").unwrap().as_deref(), Some(&b"v"[..]));
    assert_eq!(s.take("k").unwrap(), None);
    assert_eq!(s.get("k").unwrap(), None);
    assert!(s.is_empty().unwrap());
}

pub fn remove_and_contains_key(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert!(!s.remove("k").unwrap());
    s.insert("k", "v").unwrap();
    assert!(s.contains_key("k").unwrap());
    assert!(s.remove("k").unwrap());
    assert!(!s.contains_key("k").unwrap());
    assert!(!s.remove("k").unwrap());
}

pub fn len_and_is_empty_are_exact(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert!(s.is_empty().unwrap());
    for i in 0..500 {
        s.insert(format!("k{i}"), i).unwrap();
    }
    s.push_back("list", "x").unwrap();
    assert_eq!(s.len().unwrap(), 501);
    for i in 0..100 {
        s.remove(format!("k{i}")).unwrap();
    }
    s.insert("k200", "overwrite does not add").unwrap();
    assert_eq!(s.len().unwrap(), 401);
    assert!(!s.is_empty().unwrap());
}

pub fn keys_lists_every_kind_sorted(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("b", "1").unwrap();
    s.push_back("a", "x").unwrap();
    s.insert("c", "3").unwrap();
    s.insert(b"\xff", "high").unwrap();
    let keys: Vec<Vec<u8>> = collect(s.keys().unwrap())
        .into_iter()
        .map(|k| k.to_vec())
        .collect();
    assert_eq!(
        keys,
        vec![
            b"a".to_vec(),
            b"b".to_vec(),
            b"c".to_vec(),
            b"\xff".to_vec()
        ]
    );
}

pub fn incr_by_counts_and_rejects_non_integers(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert_eq!(s.incr_by("n", 5).unwrap(), 5);
    assert_eq!(s.incr_by("n", -7).unwrap(), -2);
    assert_eq!(s.get("n").unwrap().as_deref(), Some(&b"-2"[..]));
    s.insert("n2", 41).unwrap();
    assert_eq!(s.incr_by("n2", 1).unwrap(), 42);
    s.insert("word", "abc").unwrap();
    assert!(matches!(s.incr_by("word", 1), Err(Error::NotAnInteger)));
    assert_eq!(s.get("word").unwrap().as_deref(), Some(&b"abc"[..]));
    s.insert("float", 1.5).unwrap();
    assert!(matches!(s.incr_by("float", 1), Err(Error::NotAnInteger)));
    s.push_back("list", "x").unwrap();
    assert!(matches!(s.incr_by("list", 1), Err(Error::WrongType { .. })));
}

pub fn incr_by_overflow_changes_nothing(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("n", i64::MAX - 1).unwrap();
    assert_eq!(s.incr_by("n", 1).unwrap(), i64::MAX);
    assert!(matches!(s.incr_by("n", 1), Err(Error::Overflow)));
    assert_eq!(s.get_as::<i64>("n").unwrap(), Some(i64::MAX));
    s.insert("m", i64::MIN).unwrap();
    assert!(matches!(s.incr_by("m", -1), Err(Error::Overflow)));
    assert!(matches!(s.decr_by("m", 1), Err(Error::Overflow)));
    assert!(matches!(s.decr_by("zero", i64::MIN), Err(Error::Overflow)));
    assert_eq!(s.get("zero").unwrap(), None);
    assert_eq!(s.get_as::<i64>("m").unwrap(), Some(i64::MIN));
}
