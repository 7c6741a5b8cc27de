//! Tests of the memtable's skip list (`skiplist.rs`) against `BTreeMap`, under concurrent
//! readers, and for what it frees. Small enough to run under Miri:
//! `cargo +nightly miri test -p tidekv --lib memtable::skiplist_tests`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use proptest::prelude::*;

use super::skiplist::{Cursor, Entry, SkipList};
use crate::disk::head_key::HeadKey;

fn key(bytes: &[u8]) -> HeadKey {
    HeadKey::new(Bytes::copy_from_slice(bytes))
}

fn walk(list: &SkipList) -> Vec<(Vec<u8>, Vec<u8>)> {
    std::iter::successors(list.first(), |n| n.next())
        .map(|n| (n.key().bytes().to_vec(), n.value().to_vec()))
        .collect()
}

fn found(node: Option<Entry<'_>>) -> Option<Vec<u8>> {
    node.map(|n| n.key().bytes().to_vec())
}

/// Keys that share prefixes, run past the inline head and end in zeros.
fn keys() -> impl Strategy<Value = BTreeSet<Vec<u8>>> {
    prop::collection::btree_set(
        prop::collection::vec(prop_oneof![Just(0u8), Just(1u8), Just(0xFF)], 0..30),
        0..60,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]

    #[test]
    fn holds_what_a_btreemap_holds_in_its_order(
        keys in keys(),
        order in any::<u64>(),
        probes in prop::collection::vec(prop::collection::vec(0u8..3, 0..30), 0..20),
    ) {
        let mut shuffled: Vec<Vec<u8>> = keys.iter().cloned().collect();
        // A cheap, seeded shuffle: the insert order must not matter.
        let mut state = order | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let list = SkipList::default();
        let mut model = BTreeMap::new();
        // Every third key again, after the others: a replacing insert.
        let again: Vec<Vec<u8>> = shuffled.iter().step_by(3).cloned().collect();
        shuffled.extend(again);
        for (i, k) in shuffled.iter().enumerate() {
            let value = format!("v{i}").into_bytes();
            let node = list.insert(key(k), Bytes::from(value.clone()));
            prop_assert_eq!(&node.key().bytes()[..], &k[..]);
            model.insert(k.clone(), value);
        }
        prop_assert_eq!(list.len(), model.len());
        prop_assert_eq!(walk(&list), model.clone().into_iter().collect::<Vec<_>>());
        for probe in probes {
            let probe: Vec<u8> = probe.into_iter().map(|b| [0, 1, 0xFF][b as usize]).collect();
            let expected = model.range(probe.clone()..).next().map(|(k, _)| k.clone());
            prop_assert_eq!(found(list.seek(&key(&probe))), expected.clone());
            prop_assert_eq!(found(list.seek_bytes(&probe)), expected);
        }
    }
}

#[test]
fn an_empty_list_has_nothing_to_find() {
    let list = SkipList::default();
    assert_eq!(list.len(), 0);
    assert!(list.first().is_none());
    assert!(list.seek_bytes(b"").is_none());
    assert!(list.seek(&key(b"a")).is_none());
}

/// Readers running beside the writer always see a sorted list of inserted entries, each key
/// once, and find every key whose insert had returned before they looked: a node is whole
/// before it is reachable, and a replacing insert (the second pass) never shows both entries.
#[test]
fn readers_beside_the_writer_see_sorted_whole_entries_and_every_finished_insert() {
    let n: u64 = if cfg!(miri) { 60 } else { 20_000 };
    let list = Arc::new(SkipList::default());
    let done = Arc::new(AtomicUsize::new(0));
    // Key i's value is i in decimal; inserted in a scrambled order, then all again.
    let once = (0..n).map(|i| (i * 7_919) % n);
    let order: Vec<u64> = once.clone().chain(once).collect();
    let name = |i: u64| format!("key{:08}", i * 2_654_435_761 % 1_000_003).into_bytes();
    std::thread::scope(|s| {
        for _ in 0..2 {
            let (list, done, order) = (Arc::clone(&list), Arc::clone(&done), &order);
            s.spawn(move || loop {
                let finished = done.load(Ordering::Acquire);
                let seen = walk(&list);
                assert!(
                    seen.windows(2).all(|w| w[0].0 < w[1].0),
                    "out of order, or a key twice"
                );
                for (k, v) in &seen {
                    let i: u64 = std::str::from_utf8(v).unwrap().parse().unwrap();
                    assert_eq!(k, &name(i), "a torn entry");
                }
                for &i in order.iter().take(finished) {
                    let got = list.seek_bytes(&name(i)).map(|node| node.value().clone());
                    assert_eq!(
                        got,
                        Some(Bytes::from(i.to_string())),
                        "a finished insert missing"
                    );
                }
                if finished == order.len() {
                    break;
                }
            });
        }
        for (at, &i) in order.iter().enumerate() {
            list.insert(
                HeadKey::new(Bytes::from(name(i))),
                Bytes::from(i.to_string()),
            );
            done.store(at + 1, Ordering::Release);
        }
    });
    assert_eq!(list.len() as u64, n);
}

/// Counts the drops of the values it owns.
struct Owner(Arc<AtomicUsize>, Vec<u8>);

impl AsRef<[u8]> for Owner {
    fn as_ref(&self) -> &[u8] {
        &self.1
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn dropping_the_list_drops_every_key_and_value_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let n = if cfg!(miri) { 50 } else { 5_000 };
    let list = SkipList::default();
    for i in 0..n {
        let k = Bytes::from_owner(Owner(Arc::clone(&drops), format!("k{i:05}").into_bytes()));
        let v = Bytes::from_owner(Owner(Arc::clone(&drops), vec![b'v'; i % 300]));
        list.insert(HeadKey::new(k), v);
    }
    // Replacing inserts: the replaced entries are unreachable, and still dropped.
    let replaced = n / 10;
    for i in 0..replaced {
        let k = Bytes::from_owner(Owner(Arc::clone(&drops), format!("k{i:05}").into_bytes()));
        let v = Bytes::from_owner(Owner(Arc::clone(&drops), b"new".to_vec()));
        list.insert(HeadKey::new(k), v);
    }
    assert_eq!(list.len(), n);
    assert_eq!(drops.load(Ordering::Relaxed), 0);
    let kept = list.seek_bytes(b"k00003").map(|n| n.value().clone());
    assert_eq!(kept.as_deref(), Some(&b"new"[..]));
    drop(list);
    // The value still held keeps its owner alive; everything else is gone, once.
    let all = 2 * (n + replaced);
    assert_eq!(drops.load(Ordering::Relaxed), all - 1);
    drop(kept);
    assert_eq!(drops.load(Ordering::Relaxed), all);
}

/// A cursor owns its share of the list: it reads on after every other handle is gone, and a
/// node replaced under it stays readable and leads on into the list (through the links it had:
/// a replaced node still names the nodes that followed it then, which the engine allows because
/// only entries newer than any open scan are inserted, or entries rewritten in place).
#[test]
fn a_cursor_outlives_other_handles_and_survives_replacement() {
    let list = Arc::new(SkipList::default());
    for i in (0..40u8).rev() {
        list.insert(key(&[b'k', i]), Bytes::from(vec![i]));
    }
    let mut cursor = Cursor::seek_bytes(Arc::clone(&list), &[b'k', 10]);
    // Replace the entry the cursor stands on, and the one after it.
    list.insert(key(&[b'k', 10]), Bytes::from_static(b"new"));
    list.insert(key(&[b'k', 11]), Bytes::from_static(b"new"));
    drop(list);
    let mut seen = Vec::new();
    while let Some(at) = cursor.entry() {
        seen.push((at.key().bytes().to_vec(), at.value().to_vec()));
        cursor.advance();
    }
    let keys: Vec<Vec<u8>> = seen.iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(keys, (10..40u8).map(|i| vec![b'k', i]).collect::<Vec<_>>());
    // The cursor stood on the old node of `k10`, whose link still names the old `k11`; from
    // `k12` on the list is as it is.
    assert_eq!(seen[0].1, vec![10]);
    assert_eq!(seen[1].1, vec![11]);
    assert_eq!(seen[2].1, vec![12]);
}
