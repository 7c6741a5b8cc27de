//! Disk-backend behaviour the conformance suite cannot see: flushes and compactions really run
//! and lose nothing, reopening, the directory lock, `truncate`, `compact` reclaiming space, and
//! damaged files reported as corruption naming the file.

use std::collections::BTreeMap;
use std::path::Path;

use tidekv::{BackendStats, Config, DiskStats, Durability, Error, Store};

fn tiny(path: &Path) -> Config {
    Config::disk(path)
        .durability(Durability::Buffered)
        .memtable_size(8 * 1024)
        .block_size(512)
        .block_cache_size(64 * 1024)
        .table_size(16 * 1024)
        .l0_compaction_trigger(2)
        .level_base_size(32 * 1024)
        .level_size_ratio(4)
}

fn disk_stats(store: &Store) -> DiskStats {
    match store.stats().expect("stats").backend {
        BackendStats::Disk(stats) => *stats,
        other => panic!("not disk stats: {other:?}"),
    }
}

fn key(i: u32) -> String {
    format!("key{:06}", (i.wrapping_mul(2_654_435_761)) % 1_000_000)
}

/// Writes, overwrites and deletes, keeping the expected contents in a map.
fn churn(store: &Store, rounds: u32) -> BTreeMap<String, String> {
    let mut expected = BTreeMap::new();
    for round in 0..rounds {
        for i in 0..2_000 {
            let k = key(i);
            if (i + round) % 7 == 0 {
                store.remove(k.as_str()).expect("remove");
                expected.remove(&k);
            } else {
                let v = format!("value-{round}-{i}-{}", "x".repeat((i % 50) as usize));
                store.insert(k.as_str(), v.as_str()).expect("insert");
                expected.insert(k, v);
            }
        }
    }
    expected
}

fn assert_contents(store: &Store, expected: &BTreeMap<String, String>) {
    for (k, v) in expected {
        assert_eq!(
            store.get(k.as_str()).expect("get").as_deref(),
            Some(v.as_bytes()),
            "{k}"
        );
    }
    let scanned: Vec<(String, String)> = store
        .scan_prefix("")
        .expect("scan")
        .map(|e| {
            let (k, v) = e.expect("scan entry");
            (
                String::from_utf8(k.to_vec()).expect("utf8"),
                String::from_utf8(v.to_vec()).expect("utf8"),
            )
        })
        .collect();
    let wanted: Vec<(String, String)> = expected.clone().into_iter().collect();
    assert_eq!(scanned, wanted);
    assert_eq!(store.len().expect("len"), expected.len());
}

#[test]
fn flushes_and_compactions_run_and_lose_nothing_across_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(tiny(dir.path())).unwrap();
    let expected = churn(&store, 6);
    assert_contents(&store, &expected);
    let stats = disk_stats(&store);
    assert!(stats.flushes > 5, "flushes: {}", stats.flushes);
    assert!(
        stats.compactions + stats.trivial_moves > 0,
        "no compaction ran: {stats:?}"
    );
    assert!(
        stats.levels.iter().skip(1).any(|l| l.tables > 0),
        "{stats:?}"
    );
    assert!(stats.write_amplification > 1.0);
    assert!(stats.block_cache_hits > 0 && stats.block_cache_misses > 0);
    // Dropped without close: the log is replayed on open.
    drop(store);
    let store = Store::open(tiny(dir.path())).unwrap();
    assert_contents(&store, &expected);
    store.close().unwrap();
    let store = Store::open(tiny(dir.path())).unwrap();
    assert_contents(&store, &expected);
    assert_eq!(
        disk_stats(&store).memtable_entries,
        0,
        "close flushed everything"
    );
}

#[test]
fn a_second_open_is_locked_until_close_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(tiny(dir.path())).unwrap();
    store.insert("k", "v").unwrap();
    let before: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    match Store::open(tiny(dir.path()).truncate(true)) {
        Err(Error::Locked { path }) => assert_eq!(path, dir.path()),
        other => panic!("expected Locked, got {other:?}"),
    }
    let after: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(before, after);
    assert_eq!(store.get("k").unwrap().as_deref(), Some(&b"v"[..]));
    store.close().unwrap();
    let again = Store::open(tiny(dir.path())).unwrap();
    assert_eq!(again.get("k").unwrap().as_deref(), Some(&b"v"[..]));
}

#[test]
fn truncate_starts_empty() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(tiny(dir.path())).unwrap();
    churn(&store, 2);
    store.close().unwrap();
    let store = Store::open(tiny(dir.path()).truncate(true)).unwrap();
    assert_eq!(store.len().unwrap(), 0);
    assert!(store.get(key(1).as_str()).unwrap().is_none());
}

#[test]
fn compact_reclaims_deleted_lists_expired_keys_and_tombstones() {
    let dir = tempfile::tempdir().unwrap();
    let clock = tidekv::ManualClock::new(1_700_000_000_000);
    let store = Store::open(tiny(dir.path()).clock(std::sync::Arc::new(clock.clone()))).unwrap();
    for l in 0..20 {
        let list = format!("list{l}");
        for i in 0..200 {
            store
                .push_back(list.as_str(), format!("item-{i:04}-{}", "y".repeat(40)))
                .unwrap();
        }
    }
    for i in 0..2_000 {
        store
            .insert_with_ttl(
                format!("ttl{i}").as_str(),
                "z".repeat(60),
                std::time::Duration::from_secs(10),
            )
            .unwrap();
    }
    store.insert("keep", "kept").unwrap();
    store.push_back("kept-list", "a").unwrap();
    store.compact().unwrap();
    let full: u64 = disk_stats(&store).levels.iter().map(|l| l.bytes).sum();
    for l in 0..20 {
        store.remove(format!("list{l}").as_str()).unwrap();
    }
    clock.advance(std::time::Duration::from_secs(11));
    store.compact().unwrap();
    let stats = disk_stats(&store);
    let left: u64 = stats.levels.iter().map(|l| l.bytes).sum();
    let entries: u64 = stats.levels.iter().map(|l| l.entries).sum();
    assert!(
        left * 20 < full,
        "only {full} -> {left} bytes reclaimed: {stats:?}"
    );
    assert_eq!(
        entries, 4,
        "keep, kept-list, its element and the keyspace's key count remain: {stats:?}"
    );
    assert_eq!(store.get("keep").unwrap().as_deref(), Some(&b"kept"[..]));
    assert_eq!(store.list_range("kept-list", 0, -1).unwrap().len(), 1);
    assert_eq!(store.len().unwrap(), 2);
}

/// Flips one byte in the middle of `path`'s contents, not counting trailing zeros (a log's space
/// reserved ahead of its appends, which holds no record).
fn flip_middle(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let written = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let at = written / 2;
    bytes[at] ^= 0x10;
    std::fs::write(path, bytes).unwrap();
}

fn files_ending(dir: &Path, suffix: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.to_string_lossy().ends_with(suffix)
                || p.file_name().unwrap().to_string_lossy().starts_with(suffix)
        })
        .collect();
    files.sort();
    files
}

fn corruption_file(result: tidekv::Result<Store>) -> std::path::PathBuf {
    match result {
        Err(Error::Corruption { file, .. }) => file,
        Err(other) => panic!("expected corruption, got {other}"),
        Ok(_) => panic!("expected corruption, the store opened"),
    }
}

#[test]
fn a_flipped_bit_in_a_table_is_corruption_naming_it_never_a_wrong_value() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(tiny(dir.path()).block_cache_size(0)).unwrap();
    let expected = churn(&store, 1);
    store.close().unwrap();
    let table = files_ending(dir.path(), ".sst").pop().expect("a table");
    flip_middle(&table);
    let store = Store::open(tiny(dir.path()).block_cache_size(0)).unwrap();
    let mut corrupt = 0;
    for (k, v) in &expected {
        match store.get(k.as_str()) {
            Ok(got) => assert_eq!(got.as_deref(), Some(v.as_bytes()), "a wrong value for {k}"),
            Err(Error::Corruption { file, .. }) => {
                assert_eq!(file, table);
                corrupt += 1;
            }
            Err(other) => panic!("{other}"),
        }
    }
    assert!(corrupt > 0, "the damaged block was never read");
}

#[test]
fn a_flipped_bit_in_the_manifest_or_in_a_synced_log_record_is_corruption_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(tiny(dir.path())).unwrap();
    churn(&store, 2);
    store.close().unwrap();
    let manifest = files_ending(dir.path(), "MANIFEST-")
        .pop()
        .expect("a manifest");
    let saved = std::fs::read(&manifest).unwrap();
    flip_middle(&manifest);
    assert_eq!(corruption_file(Store::open(tiny(dir.path()))), manifest);
    std::fs::write(&manifest, saved).unwrap();

    // A log written with every record synced, then left unflushed by a crash: every record but
    // the last is witnessed as durable by the one after it, so damage in the middle is corruption.
    let config = |dir: &Path, durability| tiny(dir).memtable_size(1 << 20).durability(durability);
    let store = Store::open(config(dir.path(), Durability::Sync)).unwrap();
    for i in 0..200 {
        store.insert(key(i).as_str(), "after").unwrap();
    }
    tidekv::test_util::crash(&store);
    drop(store);
    let wal = files_ending(dir.path(), ".wal").pop().expect("a log");
    flip_middle(&wal);
    assert_eq!(corruption_file(Store::open(tiny(dir.path()))), wal);

    // The same damage where nothing after it was ever synced is indistinguishable from a power
    // cut's torn tail: the log is cut there and the writes before it are kept.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(config(dir.path(), Durability::Buffered)).unwrap();
    for i in 0..200 {
        store.insert(key(i).as_str(), "after").unwrap();
    }
    tidekv::test_util::crash(&store);
    drop(store);
    flip_middle(&files_ending(dir.path(), ".wal").pop().expect("a log"));
    let store = Store::open(tiny(dir.path())).unwrap();
    let kept = (0..200)
        .take_while(|&i| store.contains_key(key(i).as_str()).unwrap())
        .count();
    assert!(kept > 0 && kept < 200, "kept {kept} of 200");
    for i in kept as u32..200 {
        assert!(
            !store.contains_key(key(i).as_str()).unwrap(),
            "{i} after the cut"
        );
    }
    assert!(disk_stats(&store).torn_log_tail_cut_on_open);
}

#[test]
fn expired_keys_are_deleted_and_reclaimed_without_being_asked() {
    let dir = tempfile::tempdir().unwrap();
    let clock = tidekv::ManualClock::new(1_700_000_000_000);
    let store = Store::open(tiny(dir.path()).clock(std::sync::Arc::new(clock.clone()))).unwrap();
    for i in 0..3_000 {
        store
            .insert_with_ttl(
                format!("ttl{i:05}").as_str(),
                "z".repeat(40),
                std::time::Duration::from_secs(10),
            )
            .unwrap();
    }
    clock.advance(std::time::Duration::from_secs(11));
    // A few more writes so the last memtable is flushed and level 0 is compacted down.
    for i in 0..300 {
        store
            .insert(format!("live{i:04}").as_str(), "x".repeat(40))
            .unwrap();
    }
    // The expiry sweeper deletes the expired keys and compaction drops what it deleted. Each
    // live key is written once, so once the expired ones are gone exactly 301 entries remain in
    // the memtable and the tables together: the live keys and the keyspace's key count, once
    // its older versions are compacted away too.
    let entries =
        |s: &DiskStats| s.memtable_entries + s.levels.iter().map(|l| l.entries).sum::<u64>();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let stats = disk_stats(&store);
        if entries(&stats) == 301 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "expired entries were never reclaimed: {stats:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(store.len().unwrap(), 300);
}

#[test]
fn has_unflushed_writes_says_whether_flush_has_a_write_to_make_durable() {
    let dir = tempfile::tempdir().unwrap();
    let buffered = Store::open(Config::disk(dir.path()).durability(Durability::Buffered)).unwrap();
    assert!(!buffered.has_unflushed_writes(), "a fresh store");
    buffered.insert("k", "v").unwrap();
    assert!(
        buffered.has_unflushed_writes(),
        "a buffered write before flush"
    );
    buffered.flush().unwrap();
    assert!(!buffered.has_unflushed_writes(), "after flush");
    buffered.close().unwrap();

    let synced = Store::open(Config::disk(dir.path()).durability(Durability::Sync)).unwrap();
    synced.insert("k", "w").unwrap();
    assert!(
        !synced.has_unflushed_writes(),
        "a Sync write returns synced"
    );

    let memory = Store::open(Config::memory()).unwrap();
    memory.insert("k", "v").unwrap();
    assert!(!memory.has_unflushed_writes());
}
