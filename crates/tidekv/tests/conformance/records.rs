//! `Store::put_records` (what import and migration write) and `Store::dump`: each key replaced
//! whole, whatever it held; writing the same records again changes nothing; bad groups refused
//! with nothing changed. Keys share a hash tag, so a Cluster runs it too.

use std::time::Duration;

use super::{Backend, Ctx};
use tidekv::{Bytes, Error, KeyKind, Record, StoredValue, Ttl};

fn record(key: &str, value: StoredValue, expires_at: Option<u64>) -> Record {
    Record {
        keyspace: 0,
        key: Bytes::from(key.to_owned()),
        value,
        expires_at,
    }
}

fn list(items: &[&str]) -> StoredValue {
    StoredValue::List(items.iter().map(|i| Bytes::from(i.to_string())).collect())
}

pub fn put_records_replace_each_key_whole(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.push_back_all("{r}list", ["old1", "old2"]).unwrap();
    s.insert("{r}str", "old").unwrap();
    s.insert_with_ttl("{r}ttl", "x", Duration::from_secs(3600)).unwrap();
    // The store's own deadline for an hour from now, from its dump.
    let deadline = s
        .dump()
        .unwrap()
        .map(Result::unwrap)
        .find(|r| r.key == "{r}ttl")
        .and_then(|r| r.expires_at)
        .unwrap();
    let records = vec![
        record("{r}list", list(&["new"]), None),
        record("{r}str", list(&["was a string"]), Some(deadline)),
        record("{r}ttl", StoredValue::String(Bytes::from("y")), None),
        record("{r}new", StoredValue::String(Bytes::from("n")), None),
    ];
    for round in 0..2 {
        s.put_records(records.clone()).unwrap();
        assert_eq!(s.list_range_as::<String>("{r}list", 0, -1).unwrap(), ["new"], "{round}");
        assert_eq!(s.type_of("{r}str").unwrap(), Some(KeyKind::List));
        assert!(matches!(s.ttl("{r}str").unwrap(), Some(Ttl::ExpiresIn(_))));
        assert_eq!(s.get_as::<String>("{r}ttl").unwrap().as_deref(), Some("y"));
        assert_eq!(s.ttl("{r}ttl").unwrap(), Some(Ttl::Persistent));
        assert_eq!(s.get_as::<String>("{r}new").unwrap().as_deref(), Some("n"));
        assert_eq!(s.len().unwrap(), 4);
    }
    // What a dump gives back, put again, is the same store.
    let dumped: Vec<Record> = s.dump().unwrap().map(Result::unwrap).collect();
    s.put_records(dumped.clone()).unwrap();
    let again: Vec<Record> = s.dump().unwrap().map(Result::unwrap).collect();
    assert_eq!(again, dumped);
}

pub fn put_records_refuses_a_bad_group_and_changes_nothing(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("{r}a", "kept").unwrap();
    let mut other = record("{r}b", StoredValue::String(Bytes::from("v")), None);
    other.keyspace = 1;
    let mixed = s
        .put_records(vec![record("{r}a", StoredValue::String(Bytes::from("x")), None), other])
        .unwrap_err();
    assert!(matches!(mixed, Error::InvalidArgument { .. }), "{mixed}");
    let empty = s
        .put_records(vec![
            record("{r}a", StoredValue::String(Bytes::from("x")), None),
            record("{r}c", list(&[]), None),
        ])
        .unwrap_err();
    assert!(matches!(empty, Error::InvalidArgument { .. }), "{empty}");
    assert_eq!(s.get_as::<String>("{r}a").unwrap().as_deref(), Some("kept"));
    assert_eq!(s.len().unwrap(), 1);
    // An expired record is left out.
    s.put_records(vec![record("{r}gone", StoredValue::String(Bytes::from("v")), Some(1))])
        .unwrap();
    assert_eq!(s.get("{r}gone").unwrap(), None);
}
