//! The disk engine's key count (`src/disk/engine/key_count.rs`): `len` reads a count and the due
//! part of the expiry index, not the keyspace, and stays exact across expiry, deletes and the
//! sweeper. (Exactness across every kind of write, restarts and power cuts is the model tests'
//! job: they compare `len` with the model after every step.)

use std::time::Duration;

use tidekv::test_util::SimulatedDisk;
use tidekv::{Config, Durability, ManualClock, Store};

const START_MS: u64 = 1_700_000_000_000;

fn small(disk: &SimulatedDisk, clock: &ManualClock) -> Config {
    disk.config("/db")
        .durability(Durability::Buffered)
        .memtable_size(16 * 1024)
        .block_size(512)
        .block_cache_size(16 * 1024)
        .table_size(32 * 1024)
        .clock(std::sync::Arc::new(clock.clone()))
}

/// File operations (on the simulated disk) that `f` causes, in a store with no background work.
fn operations_of(disk: &SimulatedDisk, f: impl FnOnce()) -> u64 {
    let before = disk.operations();
    f();
    disk.operations() - before
}

#[test]
fn len_reads_a_few_blocks_however_many_keys_there_are() {
    let disk = SimulatedDisk::new();
    let clock = ManualClock::new(START_MS);
    let store = Store::open(small(&disk, &clock)).unwrap();
    for i in 0..20_000u32 {
        store
            .insert(format!("key{i:06}").as_str(), "v".repeat(24))
            .unwrap();
    }
    for i in (0..20_000u32).step_by(4) {
        store.remove(format!("key{i:06}").as_str()).unwrap();
    }
    for i in 0..100u32 {
        let ttl = Duration::from_secs(if i % 2 == 0 { 10 } else { 3600 });
        store
            .insert_with_ttl(format!("ttl{i:03}").as_str(), "t", ttl)
            .unwrap();
    }
    store.compact().unwrap();
    clock.advance(Duration::from_secs(60));
    // A walk of the keyspace reads every block of its tables (hundreds here, with a cache far
    // smaller than the data). `len` reads the count and the due part of the expiry index: a
    // seek in each level.
    let mut len = 0;
    let reads = operations_of(&disk, || len = store.len().unwrap());
    assert_eq!(len, 15_000 + 50);
    let walked = operations_of(&disk, || {
        assert_eq!(store.scan_prefix("").unwrap().count(), 15_050);
    });
    assert!(walked > 100, "the walk read only {walked} blocks: no test");
    assert!(
        reads * 10 < walked,
        "len did {reads} file operations, a walk {walked}"
    );
    // `stats` (Redis `INFO keyspace`) the same way, and it counts the keys with an expiry: the
    // 50 of an hour are live, the 50 of ten seconds are due.
    let mut stats = None;
    let reads = operations_of(&disk, || stats = Some(store.stats().unwrap()));
    let stats = stats.unwrap();
    assert_eq!(
        (
            stats.keys,
            stats.keyspaces[0].keys,
            stats.keyspaces[0].expires
        ),
        (15_050, 15_050, 50)
    );
    assert!(
        reads * 10 < walked,
        "stats did {reads} file operations, a walk {walked}"
    );
    store.close().unwrap();
}

#[test]
fn len_is_exact_while_expired_keys_wait_for_the_sweeper_and_after_it() {
    let disk = SimulatedDisk::new();
    let clock = ManualClock::new(START_MS);
    // A sweeper that never runs on its own: the test decides when keys are deleted.
    let config = small(&disk, &clock).expiry_sweep_interval(Duration::from_secs(3600));
    let store = Store::open(config).unwrap();
    for i in 0..1_000u32 {
        let key = format!("k{i:04}");
        if i % 3 == 0 {
            store.insert(key.as_str(), "forever").unwrap();
        } else {
            store
                .insert_with_ttl(
                    key.as_str(),
                    "soon",
                    Duration::from_secs(5 + u64::from(i % 2)),
                )
                .unwrap();
        }
    }
    assert_eq!(store.len().unwrap(), 1_000);
    clock.advance(Duration::from_secs(5));
    assert_eq!(store.len().unwrap(), 334 + 333, "the 5 s keys are gone");
    clock.advance(Duration::from_secs(1));
    assert_eq!(store.len().unwrap(), 334);
    // Rewriting an expired key (still in the count until swept) counts it once.
    store.insert("k0001", "again").unwrap();
    assert_eq!(store.len().unwrap(), 335);
    // A manual compaction deletes every expired key first; the count stays exact.
    store.compact().unwrap();
    assert_eq!(store.len().unwrap(), 335);
    // The deletes are real: a clock that steps back does not bring the keys back.
    clock.set(START_MS);
    assert_eq!(store.len().unwrap(), 335);
    assert_eq!(store.get("k0002").unwrap(), None);
    store.close().unwrap();
}

/// Blind inserts of keys the active memtable does not hold are counted late, in batches, by the
/// resolver (`src/disk/engine/resolver.rs`): an overwrite of a key that lives in a table must not
/// count it twice, and must take the old version's expiry out of the index (or `len` would drop
/// the key when that time passes). Thousands of writes, so that batches go to the resolver thread
/// while `len` calls settle others midway.
#[test]
fn blind_overwrites_of_keys_in_the_tables_are_counted_once_and_leave_the_index() {
    let disk = SimulatedDisk::new();
    let clock = ManualClock::new(START_MS);
    let config = small(&disk, &clock)
        // Room for several batches of 1,024 pending keys per memtable.
        .memtable_size(4 << 20)
        .expiry_sweep_interval(Duration::from_secs(3600));
    let store = Store::open(config).unwrap();
    let key = |i: u32| format!("key{i:05}");
    for i in 0..6_000u32 {
        store
            .insert_with_ttl(key(i).as_str(), "old", Duration::from_secs(3600))
            .unwrap();
    }
    // The old versions, and their index entries, go to the tables.
    store.compact().unwrap();
    assert_eq!(store.len().unwrap(), 6_000);
    for i in 0..9_000u32 {
        // Overwrites without a TTL (0..6000), then new keys.
        store.insert(key(i).as_str(), "new").unwrap();
        if i % 2_500 == 2_499 {
            assert_eq!(store.len().unwrap(), 6_000.max(i as usize + 1), "after {i}");
        }
    }
    assert_eq!(store.len().unwrap(), 9_000);
    // Past the old expiry: no key expires, since no key has a TTL now.
    clock.advance(Duration::from_secs(7200));
    assert_eq!(store.len().unwrap(), 9_000);
    for i in (0..9_000u32).step_by(3) {
        store.remove(key(i).as_str()).unwrap();
    }
    assert_eq!(store.len().unwrap(), 6_000);
    // And the same after the counts went through a flush and a reopen.
    store.close().unwrap();
    let store = Store::open(small(&disk, &clock).memtable_size(4 << 20)).unwrap();
    assert_eq!(store.len().unwrap(), 6_000);
    assert_eq!(store.scan_prefix("").unwrap().count(), 6_000);
    store.close().unwrap();
}
