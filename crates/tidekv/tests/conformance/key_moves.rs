//! RENAME, RENAMENX, COPY, MOVE and TYPE: a key keeps its kind, its value and its expiry wherever
//! it goes. Expected answers are Redis 7's.

use std::time::Duration;

use super::{Backend, Ctx};
use tidekv::{Error, KeyKind, Ttl};

pub fn rename_moves_value_and_ttl_and_replaces_the_target(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert!(matches!(s.rename("missing", "x"), Err(Error::NoSuchKey)));
    s.insert_with_ttl("a", "va", Duration::from_secs(20)).unwrap();
    s.insert("b", "vb").unwrap();
    s.rename("a", "b").unwrap();
    assert_eq!(s.get("a").unwrap(), None);
    assert_eq!(s.get("b").unwrap().as_deref(), Some(&b"va"[..]));
    assert_eq!(
        s.ttl("b").unwrap(),
        Some(Ttl::ExpiresIn(Duration::from_secs(20)))
    );
    s.rename("b", "b").unwrap();
    assert_eq!(s.get("b").unwrap().as_deref(), Some(&b"va"[..]), "onto itself");
    s.push_back("b2", "x").unwrap();
    s.rename("b", "b2").unwrap();
    assert_eq!(s.type_of("b2").unwrap(), Some(KeyKind::String), "a list is replaced");
    assert_eq!(s.len().unwrap(), 1);
}

pub fn rename_carries_a_whole_list(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let items: Vec<String> = (0..300).map(|i| format!("item-{i}")).collect();
    s.push_back_all("q", &items).unwrap();
    s.pop_front("q").unwrap();
    s.push_front("q", "item-0").unwrap();
    s.expire("q", Duration::from_secs(50)).unwrap();
    s.rename("q", "r").unwrap();
    assert_eq!(s.list_range("r", 0, -1).unwrap(), items);
    assert_eq!(s.list_len("q").unwrap(), 0);
    assert_eq!(
        s.ttl("r").unwrap(),
        Some(Ttl::ExpiresIn(Duration::from_secs(50)))
    );
    // The renamed list works as a list: push, pop, and back again.
    s.push_back("r", "tail").unwrap();
    assert_eq!(s.pop_front("r").unwrap().as_deref(), Some(&b"item-0"[..]));
    s.rename("r", "q").unwrap();
    assert_eq!(s.list_len("q").unwrap(), 300);
    assert_eq!(s.list_index("q", -1).unwrap().as_deref(), Some(&b"tail"[..]));
}

pub fn rename_if_absent_keeps_an_existing_target(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert!(matches!(
        s.rename_if_absent("missing", "x"),
        Err(Error::NoSuchKey)
    ));
    s.insert("a", "va").unwrap();
    s.insert("b", "vb").unwrap();
    assert!(!s.rename_if_absent("a", "b").unwrap());
    assert_eq!(s.get("a").unwrap().as_deref(), Some(&b"va"[..]));
    assert!(!s.rename_if_absent("a", "a").unwrap(), "onto itself: 0");
    assert!(s.rename_if_absent("a", "c").unwrap());
    assert_eq!(s.get("c").unwrap().as_deref(), Some(&b"va"[..]));
    assert!(!s.contains_key("a").unwrap());
}

pub fn copy_duplicates_within_and_across_keyspaces(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert!(!s.copy("missing", "x", false).unwrap());
    s.insert_with_ttl("src", "v", Duration::from_secs(7)).unwrap();
    s.insert("dst", "old").unwrap();
    assert!(!s.copy("src", "dst", false).unwrap());
    assert_eq!(s.get("dst").unwrap().as_deref(), Some(&b"old"[..]));
    assert!(s.copy("src", "dst", true).unwrap());
    assert_eq!(s.get("dst").unwrap().as_deref(), Some(&b"v"[..]));
    assert_eq!(
        s.ttl("dst").unwrap(),
        Some(Ttl::ExpiresIn(Duration::from_secs(7)))
    );
    assert!(matches!(s.copy("src", "src", true), Err(Error::SameObject)));
    s.push_back_all("list", ["a", "b"]).unwrap();
    assert!(s.copy("list", "list2", false).unwrap());
    s.push_back("list2", "c").unwrap();
    assert_eq!(s.list_len("list").unwrap(), 2, "the copy is independent");
    assert!(s.copy_to_keyspace("list", 1, "list", false).unwrap());
    let other = s.keyspace(1).unwrap();
    assert_eq!(other.list_range("list", 0, -1).unwrap(), vec!["a", "b"]);
    assert!(!s.copy_to_keyspace("list", 1, "list", false).unwrap());
    assert!(s.copy_to_keyspace("src", 1, "src", false).unwrap());
    assert!(s.contains_key("src").unwrap(), "the source stays");
    assert!(s.copy_to_keyspace("src", 99, "x", false).is_err());
}

pub fn move_to_keyspace_moves_unless_the_target_has_it(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let other = s.keyspace(2).unwrap();
    assert!(!s.move_to_keyspace("missing", 2).unwrap());
    s.insert_with_ttl("k", "v", Duration::from_secs(30)).unwrap();
    assert!(s.move_to_keyspace("k", 2).unwrap());
    assert_eq!(s.get("k").unwrap(), None);
    assert_eq!(other.get("k").unwrap().as_deref(), Some(&b"v"[..]));
    assert_eq!(
        other.ttl("k").unwrap(),
        Some(Ttl::ExpiresIn(Duration::from_secs(30)))
    );
    s.insert("k", "here").unwrap();
    assert!(!s.move_to_keyspace("k", 2).unwrap(), "the target has it");
    assert_eq!(s.get("k").unwrap().as_deref(), Some(&b"here"[..]));
    assert!(matches!(s.move_to_keyspace("k", 0), Err(Error::SameObject)));
    s.push_back_all("q", ["x", "y"]).unwrap();
    assert!(s.move_to_keyspace("q", 2).unwrap());
    assert_eq!(other.list_range("q", 0, -1).unwrap(), vec!["x", "y"]);
    assert!(s.move_to_keyspace("q", 99).is_err());
}

pub fn type_of_names_the_kind(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    assert_eq!(s.type_of("k").unwrap(), None);
    s.insert("k", "v").unwrap();
    s.push_back("q", "v").unwrap();
    assert_eq!(s.type_of("k").unwrap(), Some(KeyKind::String));
    assert_eq!(s.type_of("q").unwrap(), Some(KeyKind::List));
    assert_eq!(KeyKind::List.redis_name(), "list");
    s.insert_with_ttl("t", "v", Duration::from_secs(1)).unwrap();
    ctx.advance(Duration::from_secs(1));
    assert_eq!(s.type_of("t").unwrap(), None, "expired is none");
}
