//! Cursor scans (Redis `SCAN`): every key of every kind, each once, in pages; MATCH and TYPE
//! filters; the guarantee across writes, clears and compactions between pages.

use std::collections::BTreeSet;

use bytes::Bytes;

use super::{Backend, Ctx};
use tidekv::{KeyKind, ScanCursor, ScanOptions, Store};

/// Every key a full iteration returns, in order, and how many pages it took.
fn iterate(s: &Store, options: &ScanOptions, between_pages: &mut dyn FnMut(usize)) -> (Vec<Bytes>, usize) {
    let (mut cursor, mut keys, mut pages) = (ScanCursor::start(), Vec::new(), 0);
    loop {
        let page = s.scan_keys(&cursor, options).unwrap();
        pages += 1;
        keys.extend(page.keys);
        match page.next {
            Some(next) => cursor = next,
            None => return (keys, pages),
        }
        between_pages(pages);
    }
}

pub fn a_cursor_scan_returns_every_key_once_in_pages(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let mut expected = BTreeSet::new();
    for i in 0..120 {
        let key = format!("k{i:03}");
        if i % 3 == 0 {
            s.push_back(&key, "x").unwrap();
        } else {
            s.insert(&key, i).unwrap();
        }
        expected.insert(Bytes::from(key));
    }
    let options = ScanOptions {
        count: 7,
        ..ScanOptions::default()
    };
    let (keys, pages) = iterate(s, &options, &mut |_| {});
    assert_eq!(keys, expected.iter().cloned().collect::<Vec<_>>(), "each key once, sorted");
    assert_eq!(pages, 120usize.div_ceil(7));
    let empty = s.keyspace(5).unwrap();
    let page = empty.scan_keys(&ScanCursor::start(), &options).unwrap();
    assert_eq!((page.keys.len(), page.next), (0, None));
}

pub fn cursor_scan_filters_by_pattern_and_kind(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    for i in 0..30 {
        s.insert(format!("user:{i}"), i).unwrap();
        s.insert(format!("order:{i}"), i).unwrap();
    }
    s.push_back("user:queue", "x").unwrap();
    let users = ScanOptions {
        pattern: Some("user:*".into()),
        count: 4,
        ..ScanOptions::default()
    };
    let (keys, pages) = iterate(s, &users, &mut |_| {});
    assert_eq!(keys.len(), 31);
    assert!(keys.iter().all(|k| k.starts_with(b"user:")));
    assert_eq!(pages, 31usize.div_ceil(4), "the literal head narrows the walk");
    let lists = ScanOptions {
        kind: Some(KeyKind::List),
        count: 1000,
        ..ScanOptions::default()
    };
    assert_eq!(iterate(s, &lists, &mut |_| {}).0, vec![Bytes::from("user:queue")]);
    let ones = ScanOptions {
        pattern: Some("*:1?".into()),
        kind: Some(KeyKind::String),
        count: 1000,
    };
    let (keys, _) = iterate(s, &ones, &mut |_| {});
    assert_eq!(keys.len(), 20, "order:10..19 and user:10..19");
    // A page may hold no match yet still go on.
    let rare = ScanOptions {
        pattern: Some("*29".into()),
        count: 2,
        ..ScanOptions::default()
    };
    let (keys, pages) = iterate(s, &rare, &mut |_| {});
    assert_eq!(keys, vec![Bytes::from("order:29"), Bytes::from("user:29")]);
    assert!(pages > 10);
}

pub fn cursor_scan_keeps_its_guarantee_across_writes(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    let stable: BTreeSet<Bytes> = (0..200).map(|i| Bytes::from(format!("stable:{i:03}"))).collect();
    for key in &stable {
        s.insert(key, "v").unwrap();
    }
    for i in 0..100 {
        s.insert(format!("doomed:{i:03}"), "v").unwrap();
    }
    let options = ScanOptions {
        count: 9,
        ..ScanOptions::default()
    };
    let (keys, _) = iterate(s, &options, &mut |page| {
        // Between pages: new keys everywhere, removals of others, overwrites, a flush and a
        // compaction (on disk this moves every key between memtables and tables).
        for j in 0..5 {
            s.insert(format!("new:{page}:{j}"), "n").unwrap();
            s.insert(format!("a-new:{page}:{j}"), "n").unwrap();
            s.insert(format!("zz-new:{page}:{j}"), "n").unwrap();
        }
        s.remove(format!("doomed:{:03}", page * 3)).unwrap();
        s.insert(format!("stable:{:03}", (page * 7) % 200), "overwritten").unwrap();
        if page % 5 == 0 {
            s.flush().unwrap();
            s.compact().unwrap();
        }
    });
    let returned: BTreeSet<Bytes> = keys.iter().cloned().collect();
    assert_eq!(returned.len(), keys.len(), "no key twice");
    let missing: Vec<_> = stable.difference(&returned).collect();
    assert!(missing.is_empty(), "keys present throughout were skipped: {missing:?}");
}
