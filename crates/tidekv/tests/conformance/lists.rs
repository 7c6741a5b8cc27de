//! Lists: both ends, ranges, wrong-type errors.

use super::{Backend, Ctx};
use bytes::Bytes;
use tidekv::Error;

fn strs(items: &[Bytes]) -> Vec<String> {
    items
        .iter()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect()
}

pub fn push_pop_both_ends(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert_eq!(s.push_back("q", "b").unwrap(), 1);
    assert_eq!(s.push_back("q", "c").unwrap(), 2);
    assert_eq!(s.push_front("q", "a").unwrap(), 3);
    assert_eq!(s.list_len("q").unwrap(), 3);
    assert_eq!(s.pop_front("q").unwrap().as_deref(), Some(&b"a"[..]));
    assert_eq!(s.pop_back("q").unwrap().as_deref(), Some(&b"c"[..]));
    assert_eq!(s.pop_back("q").unwrap().as_deref(), Some(&b"b"[..]));
    assert_eq!(s.pop_back("q").unwrap(), None);
    assert_eq!(s.pop_front("missing").unwrap(), None);
    assert_eq!(s.list_len("missing").unwrap(), 0);
    // Typed and binary elements.
    s.push_back("t", 42).unwrap();
    s.push_back("t", vec![0u8, 255]).unwrap();
    assert_eq!(s.pop_front("t").unwrap().as_deref(), Some(&b"42"[..]));
    assert_eq!(s.pop_front("t").unwrap().as_deref(), Some(&[0u8, 255][..]));
}

pub fn push_all_keeps_order(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert_eq!(s.push_back_all("q", ["a", "b", "c"]).unwrap(), 3);
    assert_eq!(s.push_front_all("q", ["z", "y"]).unwrap(), 5);
    assert_eq!(
        strs(&s.list_range("q", 0, -1).unwrap()),
        ["y", "z", "a", "b", "c"]
    );
    assert!(matches!(
        s.push_back_all("q", Vec::<&str>::new()),
        Err(Error::InvalidArgument { .. })
    ));
    // A queue of many items keeps FIFO order.
    for i in 0..1000 {
        s.push_back("fifo", i).unwrap();
    }
    for i in 0..1000 {
        assert_eq!(
            s.pop_front("fifo").unwrap(),
            Some(Bytes::from(i.to_string()))
        );
    }
}

pub fn list_range_follows_lrange_rules(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.push_back_all("q", ["a", "b", "c", "d", "e"]).unwrap();
    assert_eq!(
        strs(&s.list_range("q", 0, -1).unwrap()),
        ["a", "b", "c", "d", "e"]
    );
    assert_eq!(strs(&s.list_range("q", 1, 2).unwrap()), ["b", "c"]);
    assert_eq!(strs(&s.list_range("q", -2, -1).unwrap()), ["d", "e"]);
    assert_eq!(
        strs(&s.list_range("q", -100, 100).unwrap()),
        ["a", "b", "c", "d", "e"]
    );
    assert!(s.list_range("q", 3, 1).unwrap().is_empty());
    assert!(s.list_range("q", 5, 9).unwrap().is_empty());
    assert!(s.list_range("q", 0, -6).unwrap().is_empty());
    assert!(s.list_range("missing", 0, -1).unwrap().is_empty());
    assert_eq!(s.list_len("q").unwrap(), 5, "list_range does not consume");
}

pub fn empty_list_is_deleted(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.push_back("q", "only").unwrap();
    assert!(s.contains_key("q").unwrap());
    s.pop_front("q").unwrap();
    assert!(!s.contains_key("q").unwrap());
    assert_eq!(s.len().unwrap(), 0);
    // The key is free for a string now.
    s.insert("q", "string").unwrap();
    assert_eq!(s.get("q").unwrap().as_deref(), Some(&b"string"[..]));
}

pub fn list_ops_on_strings_are_wrong_type(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("k", "v").unwrap();
    assert!(matches!(
        s.push_back("k", "x"),
        Err(Error::WrongType { .. })
    ));
    assert!(matches!(
        s.push_front("k", "x"),
        Err(Error::WrongType { .. })
    ));
    assert!(matches!(s.pop_back("k"), Err(Error::WrongType { .. })));
    assert!(matches!(s.pop_front("k"), Err(Error::WrongType { .. })));
    assert!(matches!(s.list_len("k"), Err(Error::WrongType { .. })));
    assert!(matches!(
        s.list_range("k", 0, -1),
        Err(Error::WrongType { .. })
    ));
    assert_eq!(
        s.get("k").unwrap().as_deref(),
        Some(&b"v"[..]),
        "nothing changed"
    );
}

pub fn string_ops_on_lists_are_wrong_type(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.push_back("q", "x").unwrap();
    assert!(matches!(s.get("q"), Err(Error::WrongType { .. })));
    assert!(matches!(s.get_as::<i64>("q"), Err(Error::WrongType { .. })));
    assert!(matches!(s.take("q"), Err(Error::WrongType { .. })));
    assert!(matches!(s.incr_by("q", 1), Err(Error::WrongType { .. })));
    assert!(matches!(s.get_many(["q"]), Err(Error::WrongType { .. })));
    assert_eq!(s.list_len("q").unwrap(), 1, "nothing changed");
    let msg = s.get("q").unwrap_err().to_string();
    assert!(msg.contains("list"), "{msg}");
}

pub fn insert_replaces_a_list(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.push_back_all("k", ["a", "b"]).unwrap();
    s.insert("k", "now a string").unwrap();
    assert_eq!(s.get("k").unwrap().as_deref(), Some(&b"now a string"[..]));
    assert!(s.remove("k").unwrap());
    s.push_back("k2", "x").unwrap();
    assert!(s.remove("k2").unwrap(), "remove deletes a list");
    assert_eq!(s.len().unwrap(), 0);
}
