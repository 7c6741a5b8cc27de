//! Tests of `block.rs`: round trips, seeks, and malformed input that must be an error, never a
//! panic.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::disk::table::block_builder::BlockBuilder;

type Entries = Vec<(Vec<u8>, Vec<u8>)>;

fn build(entries: &[(Vec<u8>, Vec<u8>)], interval: usize) -> Block {
    let mut b = BlockBuilder::new(interval);
    for (k, v) in entries {
        b.add(k, v).unwrap();
    }
    Block::new(Bytes::from(b.finish())).unwrap()
}

fn collect(iter: BlockIter) -> Entries {
    iter.map(|e| e.map(|(k, v)| (k.to_vec(), v.to_vec())))
        .collect::<Result<_, _>>()
        .unwrap()
}

fn entries(pairs: &[(&[u8], &[u8])]) -> Entries {
    pairs
        .iter()
        .map(|(k, v)| (k.to_vec(), v.to_vec()))
        .collect()
}

/// Keys with empty values, 0x00 and 0xFF bytes, the empty key and a long shared prefix.
fn awkward() -> Entries {
    let long = vec![b'p'; 300];
    let mut out = entries(&[
        (b"", b"empty key"),
        (b"\x00", b""),
        (b"\x00\x00", b"\xff"),
        (b"\x00\xff", b""),
        (b"a", b"1"),
    ]);
    for i in 0u8..40 {
        let mut k = long.clone();
        k.push(i);
        out.push((k, vec![i; i as usize]));
    }
    out.push((vec![0xFF], b"last-but-one".to_vec()));
    out.push((vec![0xFF, 0xFF, 0xFF], Vec::new()));
    out
}

#[test]
fn entries_round_trip_with_restart_intervals_1_and_16() {
    for interval in [1, 2, 16] {
        let e = awkward();
        let block = build(&e, interval);
        assert_eq!(block.restart_count(), e.len().div_ceil(interval));
        assert_eq!(collect(block.iter()), e, "interval {interval}");
    }
}

#[test]
fn a_single_entry_block_round_trips() {
    let e = entries(&[(b"only", b"")]);
    let block = build(&e, 16);
    assert_eq!(collect(block.iter()), e);
    assert_eq!(collect(block.seek(b"").unwrap()), e);
    assert_eq!(collect(block.seek(b"only").unwrap()), e);
    assert!(collect(block.seek(b"only\x00").unwrap()).is_empty());
}

#[test]
fn an_empty_block_has_no_entries_and_seeks_to_nothing() {
    let block = build(&[], 16);
    assert_eq!(block.restart_count(), 0);
    assert!(collect(block.iter()).is_empty());
    assert!(collect(block.seek(b"x").unwrap()).is_empty());
}

#[test]
fn seek_lands_on_the_first_key_at_or_after_the_target() {
    let e: Entries = (0u32..100)
        .map(|i| {
            (
                format!("key{:03}", i * 2).into_bytes(),
                i.to_le_bytes().to_vec(),
            )
        })
        .collect();
    for interval in [1, 3, 16] {
        let block = build(&e, interval);
        let first = |target: &[u8]| {
            block
                .seek(target)
                .unwrap()
                .next()
                .map(|r| r.unwrap().0.to_vec())
        };
        // Before the first key, exactly on keys (restart points and not), between keys, after
        // the last key.
        assert_eq!(first(b""), Some(b"key000".to_vec()));
        assert_eq!(first(b"a"), Some(b"key000".to_vec()));
        assert_eq!(first(b"key000"), Some(b"key000".to_vec()));
        assert_eq!(first(b"key096"), Some(b"key096".to_vec()));
        assert_eq!(first(b"key098"), Some(b"key098".to_vec()));
        assert_eq!(first(b"key097"), Some(b"key098".to_vec()));
        assert_eq!(first(b"key0970"), Some(b"key098".to_vec()));
        assert_eq!(first(b"key198"), Some(b"key198".to_vec()));
        assert_eq!(first(b"key1980"), None);
        assert_eq!(first(b"z"), None);
        // A seek continues in order to the end.
        assert_eq!(collect(block.seek(b"key150").unwrap()), e[75..].to_vec());
    }
}

/// The seek described under the worked example of `docs/format/sstable.md`.
#[test]
fn documented_seek_example() {
    let block = build(
        &entries(&[
            (b"apple", b"red"),
            (b"apricot", b"orange"),
            (b"banana", b""),
            (b"band", b"x"),
        ]),
        2,
    );
    assert_eq!(
        collect(block.seek(b"banc").unwrap()),
        entries(&[(b"band", b"x")])
    );
}

fn raw_block(entries: &[u8], restarts: &[u32]) -> Bytes {
    let mut raw = entries.to_vec();
    for r in restarts {
        raw.extend_from_slice(&r.to_le_bytes());
    }
    raw.extend_from_slice(&(restarts.len() as u32).to_le_bytes());
    Bytes::from(raw)
}

/// The error a malformed block gives: from `Block::new` when the damage is in the entries' layout
/// (checked up front), else from the iterator when it reaches the damage.
fn iter_err(raw: Bytes) -> String {
    let block = match Block::new(raw) {
        Ok(block) => block,
        Err(err) => return err,
    };
    let mut iter = block.iter();
    let err = iter.find_map(Result::err).expect("an error");
    assert!(iter.next().is_none(), "an iterator stops after its error");
    err
}

#[test]
fn a_bad_restart_array_is_refused() {
    let entry = [0u8, 1, 1, b'a', b'1', 0, 1, 1, b'b', b'2'];
    let cases: Vec<(Bytes, &str)> = vec![
        (Bytes::from_static(b"\x00\x00\x00"), "too short"),
        (raw_block(&[], &[0]), "past the entries"),
        (raw_block(&entry, &[]), "no restart points"),
        (raw_block(&entry, &[1]), "not 0"),
        (raw_block(&entry, &[0, 0]), "not increasing"),
        (raw_block(&entry, &[0, 5, 3]), "not increasing"),
        (raw_block(&entry, &[0, 10]), "past the entries"),
        (
            Bytes::from_static(&[0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]),
            "does not fit",
        ),
        (Bytes::from_static(&[2, 0, 0, 0]), "does not fit"),
    ];
    for (raw, why) in cases {
        let err = Block::new(raw.clone()).unwrap_err();
        assert!(err.contains(why), "{raw:?}: {err}");
    }
    assert!(Block::new(raw_block(&entry, &[0, 5])).is_ok());
}

#[test]
fn a_malformed_entry_is_an_error_not_a_panic() {
    let cases: Vec<(Bytes, &str)> = vec![
        // A varint with the continuation bit on its last byte.
        (raw_block(&[0x80], &[0]), "runs past"),
        // A six-byte varint.
        (
            raw_block(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0], &[0]),
            "overflows",
        ),
        (raw_block(&[0, 5, 0, b'a'], &[0]), "key of entry"),
        (raw_block(&[0, 1, 9, b'a', b'v'], &[0]), "value of entry"),
        (
            raw_block(&[0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0], &[0]),
            "key of entry",
        ),
        // The first entry claims a shared prefix.
        (raw_block(&[1, 1, 0, b'a'], &[0]), "shares 1 bytes"),
        // The second shares more than the first key has.
        (
            raw_block(&[0, 1, 0, b'a', 2, 1, 0, b'b'], &[0]),
            "shares 2 bytes of a 1-byte",
        ),
        // A restart point that is not whole.
        (
            raw_block(&[0, 1, 0, b'a', 1, 1, 0, b'b'], &[0, 4]),
            "restart offset 4 shares",
        ),
        // A restart offset inside an entry.
        (
            raw_block(&[0, 2, 0, b'a', b'a', 0, 1, 0, b'b'], &[0, 4]),
            "restart offset 4 falls inside",
        ),
        // Keys out of order, within a restart interval and across one.
        (
            raw_block(&[0, 1, 0, b'b', 0, 1, 0, b'a'], &[0]),
            "out of key order",
        ),
        (
            raw_block(&[0, 1, 0, b'b', 0, 1, 0, b'b'], &[0, 4]),
            "out of key order",
        ),
        (
            raw_block(&[0, 2, 0, b'a', b'b', 1, 0, 0], &[0]),
            "out of key order",
        ),
    ];
    for (raw, why) in cases {
        let err = iter_err(raw.clone());
        assert!(err.contains(why), "{raw:?}: {err}");
        assert!(err.starts_with("corrupt data block"), "{err}");
    }
}

#[test]
fn seek_reports_a_damaged_restart_key() {
    // Restart 1 claims a shared prefix: a binary search reaching it must fail, not guess.
    let block = Block::new(raw_block(
        &[0, 1, 0, b'a', 1, 1, 0, b'b', 0, 1, 0, b'c'],
        &[0, 4, 8],
    ))
    .unwrap();
    let err = block.seek(b"b").unwrap_err();
    assert!(err.contains("shares"), "{err}");
}

fn sorted_entries() -> impl Strategy<Value = Entries> {
    // Short keys over a small alphabet so that prefixes are often shared.
    let key = prop::collection::vec(prop::sample::select(vec![0u8, 1, b'a', b'b', 0xFF]), 0..12);
    let value = prop::collection::vec(any::<u8>(), 0..20);
    prop::collection::btree_map(key, value, 0..120).prop_map(|m| m.into_iter().collect())
}

proptest! {
    #[test]
    fn random_sorted_entries_round_trip_and_seek_agrees_with_a_btreemap(
        e in sorted_entries(),
        interval in 1usize..20,
        targets in prop::collection::vec(
            prop::collection::vec(prop::sample::select(vec![0u8, 1, b'a', b'b', 0xFF]), 0..12),
            0..20,
        ),
    ) {
        let block = build(&e, interval);
        prop_assert_eq!(&collect(block.iter()), &e);
        let model: BTreeMap<Vec<u8>, Vec<u8>> = e.iter().cloned().collect();
        for target in targets.iter().chain(e.iter().map(|(k, _)| k)) {
            let expected: Entries = model
                .range(target.clone()..)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            prop_assert_eq!(collect(block.seek(target).unwrap()), expected);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(raw in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(block) = Block::new(Bytes::from(raw)) {
            // Each step consumes bytes or stops, so this ends.
            for entry in block.iter() {
                if entry.is_err() {
                    break;
                }
            }
            let _ = block.seek(b"a").map(|iter| iter.count());
        }
    }

    #[test]
    fn arbitrary_entries_behind_a_plausible_restart_array_never_panic(
        data in prop::collection::vec(any::<u8>(), 0..100),
        restarts in prop::collection::vec(0u32..100, 0..4),
        target in prop::collection::vec(any::<u8>(), 0..4),
    ) {
        let mut restarts = restarts;
        restarts.sort_unstable();
        restarts.dedup();
        if let Some(first) = restarts.first_mut() {
            *first = 0;
        }
        if let Ok(block) = Block::new(raw_block(&data, &restarts)) {
            let _ = block.iter().count();
            let _ = block.seek(&target).map(|iter| iter.count());
        }
    }

    #[test]
    fn damaged_valid_blocks_never_panic(
        e in sorted_entries(),
        interval in 1usize..5,
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut b = BlockBuilder::new(interval);
        for (k, v) in &e {
            b.add(k, v).unwrap();
        }
        let mut raw = b.finish();
        for (at, byte) in flips {
            let i = at.index(raw.len());
            raw[i] ^= byte;
        }
        if let Ok(block) = Block::new(Bytes::from(raw)) {
            let _ = block.iter().count();
            for (k, _) in &e {
                let _ = block.seek(k).map(|iter| iter.count());
            }
        }
    }
}

/// Found by fuzzing (`fuzz/corpus/sstable_block/regression-restart-inside-entry`): one entry `a`
/// whose value holds bytes that decode as two more entries, with restart points inside that
/// value. A scan read only `a`; a seek to `b` decoded from the middle of the value and returned
/// `c` = `C`, an entry the block does not hold. Such a block is refused.
#[test]
fn a_restart_point_inside_an_entry_is_refused() {
    let mut raw = vec![0, 1, 9, b'a'];
    raw.extend([0, 1, 0, b'0', 0, 1, 1, b'c', b'C']);
    for restart in [0u32, 4, 2] {
        raw.extend(restart.to_le_bytes());
    }
    let err = Block::new(Bytes::from(raw)).unwrap_err();
    assert!(err.contains("falls inside"), "{err}");
}
