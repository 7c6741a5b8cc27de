//! `tidekv stats`, `verify` and `compact` end to end through the binary, on real store
//! directories and a running server: what each prints (as text and as JSON), the exit statuses
//! a script relies on, a corrupt table found with its offset, and a store in use refused.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{on_dir, tidekv, ServerProcess};
use tidekv::{Config, Store};

/// A closed store of 3,000 keys in several tables, 300 of them then removed.
fn store(dir: &Path) {
    let store = Store::open(Config::disk(dir).memtable_size(16 << 10)).unwrap();
    for i in 0..3000u32 {
        store
            .insert(format!("key{i:05}"), format!("value {i}"))
            .unwrap();
    }
    for i in 0..300u32 {
        store.remove(format!("key{i:05}")).unwrap();
    }
    store.close().unwrap();
}

fn tables(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sst"))
        .collect();
    found.sort();
    found
}

#[test]
fn stats_of_a_directory_as_a_table_and_as_json() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    store(&dir);
    let text = on_dir("stats", &dir, &[]);
    assert!(text.ok, "{}", text.stderr);
    assert!(
        text.stdout.starts_with("keys                 2700"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("memory by budget"), "{}", text.stdout);
    assert!(text.stdout.contains("block cache"), "{}", text.stdout);

    let json = on_dir("stats", &dir, &["--json"]);
    let stats: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(stats["keys"], 2700);
    let levels = stats["backend"]["disk"]["levels"].as_array().unwrap();
    let tables: u64 = levels.iter().map(|l| l["tables"].as_u64().unwrap()).sum();
    assert_eq!(tables, self::tables(&dir).len() as u64);
}

#[test]
fn stats_of_a_running_server_is_its_info() {
    let root = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(&root.path().join("data"), &[]);
    let mut con = server.connect();
    let _: () = redis::cmd("SET").arg("a").arg("1").query(&mut con).unwrap();
    let json = tidekv(&["stats", "--url", &server.url(), "--json"]);
    assert!(json.ok, "{}", json.stderr);
    let info: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(info["tidekv"]["store_keys"], "1");
    assert_eq!(info["tidekv"]["store_engine"], "disk");
    let text = tidekv(&["stats", "--url", &server.url()]);
    assert!(text.stdout.contains("store_keys"), "{}", text.stdout);
}

#[test]
fn verify_finds_a_corrupt_table_with_its_offset_and_exits_4() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    store(&dir);
    let sound = on_dir("verify", &dir, &[]);
    assert_eq!(sound.code, Some(0), "{}{}", sound.stdout, sound.stderr);
    assert!(
        sound.stdout.trim_end().ends_with("sound"),
        "{}",
        sound.stdout
    );

    let table = tables(&dir).remove(0);
    let mut bytes = std::fs::read(&table).unwrap();
    bytes[40] ^= 0x01;
    std::fs::write(&table, bytes).unwrap();
    let damaged = on_dir("verify", &dir, &[]);
    assert_eq!(
        damaged.code,
        Some(4),
        "{}{}",
        damaged.stdout,
        damaged.stderr
    );
    let name = table.file_name().unwrap().to_str().unwrap();
    let line = damaged
        .stdout
        .lines()
        .find(|l| l.starts_with(name))
        .unwrap();
    assert!(line.contains("DAMAGED at offset 0"), "{line}");
    assert!(
        damaged.stdout.contains("1 damaged or missing"),
        "{}",
        damaged.stdout
    );

    let json = on_dir("verify", &dir, &["--json"]);
    assert_eq!(json.code, Some(4));
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["sound"], false);
    let bad: Vec<&Value> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["finding"] == "damaged")
        .collect();
    assert_eq!(bad.len(), 1, "{report}");
    assert_eq!(bad[0]["offset"], 0);
    assert!(bad[0]["path"].as_str().unwrap().ends_with(name));
}

#[test]
fn verify_and_compact_refuse_a_store_in_use() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    store(&dir);
    let held = Store::open(Config::disk(&dir)).unwrap();
    let verify = on_dir("verify", &dir, &[]);
    assert_eq!(verify.code, Some(1));
    assert!(
        verify.stderr.contains("tidekv checkpoint --url"),
        "{}",
        verify.stderr
    );
    let compact = on_dir("compact", &dir, &[]);
    assert_eq!(compact.code, Some(1));
    assert!(
        compact.stderr.contains("in use by another process"),
        "{}",
        compact.stderr
    );
    held.close().unwrap();
    let none = tidekv(&["verify", "--dir", root.path().to_str().unwrap()]);
    assert_eq!(none.code, Some(1));
    assert!(
        none.stderr.contains("not a tidekv store"),
        "{}",
        none.stderr
    );
}

#[test]
fn compact_moves_everything_to_the_last_level_and_loses_nothing() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    store(&dir);
    let run = on_dir("compact", &dir, &[]);
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stdout.starts_with("compacted"), "{}", run.stdout);
    let json = on_dir("stats", &dir, &["--json"]);
    let stats: Value = serde_json::from_str(&json.stdout).unwrap();
    let levels = stats["backend"]["disk"]["levels"].as_array().unwrap();
    let (last, above) = levels.split_last().unwrap();
    assert!(last["tables"].as_u64().unwrap() > 0);
    assert!(above.iter().all(|l| l["tables"] == 0), "{levels:?}");
    // The removed keys and their tombstones are gone: the entries are the live keys and the
    // store's key-count record.
    assert_eq!(last["entries"].as_u64().unwrap(), 2700 + 1);
    assert_eq!(stats["keys"], 2700);
}

#[test]
fn repair_salvages_the_rest_of_a_store_with_a_corrupt_table() {
    let root = tempfile::tempdir().unwrap();
    let (dir, into) = (root.path().join("data"), root.path().join("repaired"));
    // Small tables, compacted: each last-level table holds one range of keys, numbered in key
    // order.
    let small = Store::open(
        Config::disk(&dir)
            .memtable_size(16 << 10)
            .table_size(16 << 10),
    )
    .unwrap();
    for i in 0..3000u32 {
        small
            .insert(format!("key{i:05}"), format!("value {i}"))
            .unwrap();
    }
    small.compact().unwrap();
    small.close().unwrap();
    let all = tables(&dir);
    assert!(all.len() >= 3, "{all:?}");
    let table = all[0].clone();
    let mut bytes = std::fs::read(&table).unwrap();
    bytes[40] ^= 0x01;
    std::fs::write(&table, bytes).unwrap();
    assert_eq!(on_dir("verify", &dir, &[]).code, Some(4));

    let run = on_dir("repair", &dir, &["--into", into.to_str().unwrap()]);
    assert_eq!(run.code, Some(4), "{}{}", run.stdout, run.stderr);
    let name = table.display().to_string();
    assert!(
        run.stdout
            .contains(&format!("dropped {name}: damaged at offset 0")),
        "{}",
        run.stdout
    );
    let repaired = tidekv(&["verify", "--dir", into.to_str().unwrap()]);
    assert_eq!(repaired.code, Some(0), "{}", repaired.stdout);
    // The first table held the smallest keys; the last key survived.
    let last = tidekv(&["get", "--dir", into.to_str().unwrap(), "key02999"]);
    assert_eq!(last.stdout, "value 2999\n");
    let first = tidekv(&["get", "--dir", into.to_str().unwrap(), "key00000"]);
    assert_eq!(first.code, Some(3), "the damaged table's first key is gone");
    // A second repair into the same place is refused.
    let again = on_dir("repair", &dir, &["--into", into.to_str().unwrap()]);
    assert_eq!(again.code, Some(1));
    assert!(again.stderr.contains("not empty"), "{}", again.stderr);
}

#[test]
fn compact_of_a_key_range_keeps_every_live_key() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    store(&dir);
    let run = on_dir("compact", &dir, &["--from", "key00000", "--to", "key00999"]);
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stdout.contains("(the key range)"), "{}", run.stdout);
    let json = on_dir("stats", &dir, &["--json"]);
    let stats: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(stats["keys"], 2700);
    assert_eq!(on_dir("get", &dir, &["key00299"]).code, Some(3));
    assert_eq!(on_dir("get", &dir, &["key00300"]).stdout, "value 300\n");
    assert_eq!(on_dir("get", &dir, &["key02999"]).stdout, "value 2999\n");
    assert_eq!(on_dir("verify", &dir, &[]).code, Some(0));
    let bad = on_dir("compact", &dir, &["--db", "70000", "--from", "a"]);
    assert_eq!(bad.code, Some(1));
}
