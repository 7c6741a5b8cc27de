//! Snapshots: round trip, TTLs, replace semantics, and corrupt or truncated files.

use std::time::Duration;

use super::{collect, Backend, Ctx};
use tidekv::{Error, Ttl};

/// Fills a store with strings, binary data, lists, TTL keys and several keyspaces.
fn fill(ctx: &Ctx) {
    let s = &ctx.store;
    s.insert("s", "string").unwrap();
    s.insert(b"\x00bin\xff", vec![0u8, 1, 255]).unwrap();
    s.insert("", "empty key").unwrap();
    s.insert("n", 42).unwrap();
    s.push_back_all("q", ["a", "b", "c"]).unwrap();
    s.insert_with_ttl("short", "dies soon", Duration::from_secs(5))
        .unwrap();
    s.insert_with_ttl("long", "lives", Duration::from_secs(3600))
        .unwrap();
    s.keyspace(3)
        .unwrap()
        .insert("other", "keyspace 3")
        .unwrap();
}

fn save(ctx: &Ctx) -> std::path::PathBuf {
    let path = ctx.path("store.snapshot");
    let saved = ctx.store.save_snapshot(&path).unwrap();
    assert_eq!(saved, 8);
    path
}

pub fn snapshot_round_trips_every_kind(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    fill(&ctx);
    let path = save(&ctx);
    let other = Ctx::new(b);
    other.store.load_snapshot(&path).unwrap();
    let s = &other.store;
    assert_eq!(s.get("s").unwrap().as_deref(), Some(&b"string"[..]));
    assert_eq!(
        s.get(b"\x00bin\xff").unwrap().as_deref(),
        Some(&[0u8, 1, 255][..])
    );
    assert_eq!(s.get("").unwrap().as_deref(), Some(&b"empty key"[..]));
    assert_eq!(s.get_as::<i64>("n").unwrap(), Some(42));
    assert_eq!(s.list_range("q", 0, -1).unwrap(), vec!["a", "b", "c"]);
    assert_eq!(
        s.keyspace(3).unwrap().get("other").unwrap().as_deref(),
        Some(&b"keyspace 3"[..])
    );
    assert_eq!(s.len().unwrap(), 7);
    assert_eq!(s.stats().unwrap().keys, 8);
}

pub fn snapshot_keeps_ttls_and_drops_expired(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    fill(&ctx);
    let path = save(&ctx);
    // TTLs are absolute: loading 10 s later, "short" (5 s) is gone and "long" has 3590 s left.
    let later = Ctx::new(b);
    later.advance(Duration::from_secs(10));
    later.store.load_snapshot(&path).unwrap();
    assert_eq!(later.store.get("short").unwrap(), None);
    assert_eq!(
        later.store.ttl("long").unwrap(),
        Some(Ttl::ExpiresIn(Duration::from_secs(3590)))
    );
    assert_eq!(later.store.ttl("s").unwrap(), Some(Ttl::Persistent));
    assert_eq!(later.store.len().unwrap(), 6);
}

pub fn load_replaces_contents(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    fill(&ctx);
    let path = save(&ctx);
    let other = Ctx::new(b);
    other.store.insert("only-here", "x").unwrap();
    other.store.insert("s", "will be replaced").unwrap();
    other.store.keyspace(5).unwrap().insert("ks5", "x").unwrap();
    other.store.load_snapshot(&path).unwrap();
    assert_eq!(other.store.get("only-here").unwrap(), None);
    assert_eq!(
        other.store.get("s").unwrap().as_deref(),
        Some(&b"string"[..])
    );
    assert!(other.store.keyspace(5).unwrap().is_empty().unwrap());
}

/// A store whose contents are known, to check a failed load left it alone.
fn bystander(b: &dyn Backend) -> Ctx {
    let ctx = Ctx::new(b);
    ctx.store.insert("mine", "untouched").unwrap();
    ctx.store.push_back("my-queue", "job").unwrap();
    ctx
}

fn assert_untouched(ctx: &Ctx) {
    assert_eq!(
        ctx.store.get("mine").unwrap().as_deref(),
        Some(&b"untouched"[..])
    );
    assert_eq!(ctx.store.list_len("my-queue").unwrap(), 1);
    assert_eq!(ctx.store.len().unwrap(), 2);
    assert_eq!(collect(ctx.store.keys().unwrap()).len(), 2);
}

pub fn truncated_snapshot_is_corruption_and_changes_nothing(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    fill(&ctx);
    let path = save(&ctx);
    let bytes = std::fs::read(&path).unwrap();
    let target = bystander(b);
    // Every cut point: inside the header, a chunk header, a payload, the end chunk.
    for cut in [
        0,
        5,
        31,
        32,
        40,
        44,
        bytes.len() / 2,
        bytes.len() - 9,
        bytes.len() - 1,
    ] {
        let cut_path = ctx.path(&format!("cut-{cut}"));
        std::fs::write(&cut_path, &bytes[..cut]).unwrap();
        match target.store.load_snapshot(&cut_path) {
            Err(Error::Corruption { file, .. }) => assert_eq!(file, cut_path),
            other => panic!("cut at {cut}: expected corruption, got {other:?}"),
        }
        assert_untouched(&target);
    }
}

pub fn corrupted_snapshot_is_corruption_and_changes_nothing(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    fill(&ctx);
    let path = save(&ctx);
    let bytes = std::fs::read(&path).unwrap();
    let target = bystander(b);
    // Flip one bit at many offsets across the whole file: every flip must be caught.
    let step = (bytes.len() / 40).max(1);
    for offset in (0..bytes.len()).step_by(step).chain([bytes.len() - 1]) {
        let mut damaged = bytes.clone();
        damaged[offset] ^= 0x10;
        let bad = ctx.path(&format!("flip-{offset}"));
        std::fs::write(&bad, &damaged).unwrap();
        match target.store.load_snapshot(&bad) {
            Err(Error::Corruption { offset: at, .. }) => {
                assert!(
                    at <= offset as u64,
                    "reported offset {at} is past the damage at {offset}"
                )
            }
            other => panic!("flip at {offset}: expected corruption, got {other:?}"),
        }
        assert_untouched(&target);
    }
    // Trailing garbage after the end chunk is corruption too.
    let mut extended = bytes.clone();
    extended.extend_from_slice(b"junk");
    let bad = ctx.path("extended");
    std::fs::write(&bad, &extended).unwrap();
    assert!(matches!(
        target.store.load_snapshot(&bad),
        Err(Error::Corruption { .. })
    ));
    // Not a snapshot at all; a missing file is an I/O error.
    let text = ctx.path("text");
    std::fs::write(&text, b"SET k v\r\n").unwrap();
    let msg = target.store.load_snapshot(&text).unwrap_err().to_string();
    assert!(msg.contains("not a tidekv snapshot"), "{msg}");
    assert!(matches!(
        target.store.load_snapshot(ctx.path("missing")),
        Err(Error::Io { .. })
    ));
    assert_untouched(&target);
}

pub fn snapshot_of_a_large_list_and_value(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let big = vec![7u8; 300 * 1024];
    ctx.store.insert("big", big.clone()).unwrap();
    let items: Vec<String> = (0..20_000).map(|i| format!("item-{i}")).collect();
    ctx.store.push_back_all("long", &items).unwrap();
    let path = ctx.path("big.snapshot");
    assert_eq!(ctx.store.save_snapshot(&path).unwrap(), 2);
    let other = Ctx::new(b);
    other.store.load_snapshot(&path).unwrap();
    assert_eq!(other.store.get("big").unwrap().as_deref(), Some(&big[..]));
    let got = other.store.list_range("long", 0, -1).unwrap();
    assert_eq!(got.len(), items.len());
    assert!(got.iter().zip(&items).all(|(g, i)| g == i.as_bytes()));
}

pub fn a_snapshot_naming_a_keyspace_this_store_lacks_is_refused(b: &dyn Backend) {
    let ctx = Ctx::new(b);
    let s = &ctx.store;
    s.insert("kept", "v").unwrap();
    // A memory store with more keyspaces than any backend here has: keyspace 40.
    let wide = tidekv::Store::open(tidekv::Config::memory().keyspaces(64)).unwrap();
    wide.keyspace(40).unwrap().insert("far", "away").unwrap();
    let path = ctx.path("wide.snapshot");
    wide.save_snapshot(&path).unwrap();
    let Err(Error::InvalidArgument { why, .. }) = s.load_snapshot(&path) else {
        panic!("keyspace 40 does not exist in this store");
    };
    assert!(why.contains("keyspace"), "{why}");
    assert_eq!(s.get("kept").unwrap().as_deref(), Some(&b"v"[..]), "nothing changed");
    assert_eq!(s.len().unwrap(), 1);
}
