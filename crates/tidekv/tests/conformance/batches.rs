//! Multi-key operations and atomic batches.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use super::{collect, Backend, Ctx};
use tidekv::{Error, Ttl, WriteBatch};

pub fn get_many_insert_many_remove_many(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert_many([("a", "1"), ("b", "2"), ("c", "3")]).unwrap();
    let got = s.get_many(["c", "missing", "a"]).unwrap();
    assert_eq!(got[0].as_deref(), Some(&b"3"[..]));
    assert_eq!(got[1], None);
    assert_eq!(got[2].as_deref(), Some(&b"1"[..]));
    assert!(s.get_many(Vec::<&str>::new()).unwrap().is_empty());
    s.push_back("list", "x").unwrap();
    assert_eq!(s.remove_many(["a", "missing", "c", "list"]).unwrap(), 3);
    assert_eq!(s.len().unwrap(), 1);
    // Duplicate keys in one call are counted once.
    assert_eq!(s.remove_many(["b", "b"]).unwrap(), 1);
}

pub fn write_batch_applies_everything(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("gone", "x").unwrap();
    s.insert("counter", 10).unwrap();
    let mut batch = WriteBatch::new();
    batch
        .insert("a", "1")
        .insert_with_ttl("t", "temp", Duration::from_secs(5))
        .remove("gone")
        .push_back("q", "x")
        .push_front("q", "w")
        .incr_by("counter", 5)
        .expire("a", Duration::from_secs(60));
    assert_eq!(batch.len(), 7);
    s.apply_batch(batch).unwrap();
    assert_eq!(s.get("a").unwrap().as_deref(), Some(&b"1"[..]));
    assert_eq!(
        s.ttl("a").unwrap(),
        Some(Ttl::ExpiresIn(Duration::from_secs(60)))
    );
    assert_eq!(
        s.ttl("t").unwrap(),
        Some(Ttl::ExpiresIn(Duration::from_secs(5)))
    );
    assert_eq!(s.get("gone").unwrap(), None);
    assert_eq!(s.list_range("q", 0, -1).unwrap(), vec!["w", "x"]);
    assert_eq!(s.get_as::<i64>("counter").unwrap(), Some(15));
    s.apply_batch(WriteBatch::new()).unwrap();
}

pub fn failing_batch_changes_nothing(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("s", "a string").unwrap();
    s.insert("keep", "before").unwrap();
    s.push_back("q", "one").unwrap();
    let mut batch = WriteBatch::new();
    batch
        .insert("keep", "after")
        .insert("new", "value")
        .push_back("q", "two")
        .remove("q")
        .push_back("s", "fails: s is a string");
    assert!(matches!(s.apply_batch(batch), Err(Error::WrongType { .. })));
    assert_eq!(s.get("keep").unwrap().as_deref(), Some(&b"before"[..]));
    assert_eq!(s.get("new").unwrap(), None);
    assert_eq!(s.list_range("q", 0, -1).unwrap(), vec!["one"]);
    assert_eq!(s.get("s").unwrap().as_deref(), Some(&b"a string"[..]));
    assert_eq!(s.len().unwrap(), 3);
    let mut batch = WriteBatch::new();
    batch.incr_by("x", 1).incr_by("s", 1);
    assert!(s.apply_batch(batch).is_err());
    assert_eq!(s.get("x").unwrap(), None, "the first incr was rolled back");
}

pub fn invalid_batch_is_rejected_before_writing(b: &dyn Backend) {
    let ctx = Ctx::with(b, |c| c.max_key_size(8).max_value_size(8));
    let s = &ctx.store;
    let mut batch = WriteBatch::new();
    batch
        .insert("ok", "ok")
        .insert("a key that is too long", "v");
    assert!(matches!(
        s.apply_batch(batch),
        Err(Error::TooLarge { what: "key", .. })
    ));
    let mut batch = WriteBatch::new();
    batch
        .insert("ok", "ok")
        .push_back("q", "value too long");
    assert!(matches!(
        s.apply_batch(batch),
        Err(Error::TooLarge { what: "value", .. })
    ));
    assert!(s
        .insert_many([("fine", "v"), ("too long value", "vvvvvvvvvvvv")])
        .is_err());
    assert_eq!(
        s.len().unwrap(),
        0,
        "nothing from any rejected batch was written"
    );
}

pub fn readers_never_see_half_a_batch(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let keys: Vec<String> = (0..16).map(|i| format!("acct:{i:02}")).collect();
    ctx.store
        .insert_many(keys.iter().map(|k| (k.as_str(), 0)))
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, keys, stop) = (ctx.store.clone(), keys.clone(), Arc::clone(&stop));
        thread::spawn(move || {
            let mut generation = 0i64;
            while !stop.load(Ordering::Relaxed) && generation < 2_000 {
                generation += 1;
                let mut batch = WriteBatch::new();
                for k in &keys {
                    batch.insert(k, generation);
                }
                store.apply_batch(batch).unwrap();
            }
        })
    };
    let mut observations = 0;
    for round in 0..300 {
        let values: Vec<i64> = if round % 2 == 0 {
            ctx.store
                .get_many(&keys)
                .unwrap()
                .into_iter()
                .map(|v| std::str::from_utf8(&v.unwrap()).unwrap().parse().unwrap())
                .collect()
        } else {
            collect(ctx.store.scan_prefix("acct:").unwrap())
                .into_iter()
                .map(|(_, v)| std::str::from_utf8(&v).unwrap().parse().unwrap())
                .collect()
        };
        assert_eq!(values.len(), keys.len());
        assert!(
            values.iter().all(|v| *v == values[0]),
            "saw a half-applied batch: {values:?}"
        );
        observations += 1;
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    assert_eq!(observations, 300);
}

pub fn a_value_that_cannot_be_encoded_fails_the_batch_at_apply(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    // JSON object keys must be strings: this map cannot be serialized.
    let unencodable: std::collections::BTreeMap<Vec<u8>, i32> = [(vec![1u8], 1)].into();
    let mut batch = WriteBatch::new();
    batch
        .insert("fine", "v")
        .insert("bad", tidekv::Json(unencodable))
        .push_back("q", "x");
    assert_eq!(batch.len(), 3, "the builder chains without failing");
    assert!(matches!(
        s.apply_batch(batch),
        Err(Error::InvalidArgument { what: "value", .. })
    ));
    assert!(s.is_empty().unwrap(), "nothing of the batch was written");
}
