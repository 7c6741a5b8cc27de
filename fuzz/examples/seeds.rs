//! Writes the seed corpora in `fuzz/corpus/<target>/` from real files: small disk stores made with
//! the public API (inserts, lists, TTLs, batches, removals, compaction, a snapshot), one abandoned
//! mid-run so its log holds records, the others closed cleanly so they hold tables. Whole files
//! seed the file targets; their blocks and manifest records seed the fragment targets.
//!
//! Run from the repository root (stable is enough):
//! `cargo run --manifest-path fuzz/Cargo.toml --example seeds`
//! It replaces the contents of `fuzz/corpus/` and prints what it wrote.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tidekv::{Compression, Config, Durability, Store, WriteBatch};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const TARGETS: [&str; 8] = [
    "wal_log",
    "log_frames",
    "sstable_block",
    "block_trailer",
    "sstable_table",
    "manifest_edit",
    "manifest_recover",
    "snapshot",
];

fn main() -> Result<()> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let work = std::env::temp_dir().join(format!("tidekv-seeds-{}", std::process::id()));
    for target in TARGETS {
        let dir = corpus.join(target);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
    }
    let seeds = Seeds { corpus };

    // A store abandoned as a crash would leave it: its log holds every write, one record each.
    let crashed = work.join("crashed");
    let store = Store::open(Config::disk(&crashed).durability(Durability::Sync))?;
    write_workload(&store, 12)?;
    tidekv::test_util::crash(&store);
    for (name, bytes) in files(&crashed, |n| n.ends_with(".wal"))? {
        if bytes.len() <= 24 {
            continue;
        }
        seeds.put("wal_log", &format!("crashed-{name}"), &bytes)?;
        seeds.put("log_frames", &format!("crashed-{name}"), &bytes)?;
        let v1 = as_version_1(&bytes);
        seeds.put("wal_log", &format!("crashed-v1-{name}"), &v1)?;
        // `log_frames` selects version 1 with bit 0 of its first byte.
        let mut flagged = v1;
        if let Some(first) = flagged.first_mut() {
            *first |= 1;
        }
        seeds.put("log_frames", &format!("crashed-v1-{name}"), &flagged)?;
    }

    // Stores closed cleanly, one per compression: tables of several small blocks, a manifest
    // with several edits, a snapshot.
    for (label, compression) in [
        ("none", Compression::None),
        ("lz4", Compression::Lz4),
        ("snappy", Compression::Snappy),
        ("zstd", Compression::Zstd(3)),
    ] {
        let dir = work.join(label);
        let config = Config::disk(&dir)
            .durability(Durability::Sync)
            .compression(compression)
            .block_size(256)
            .memtable_size(2048);
        let store = Store::open(config)?;
        write_workload(&store, 40)?;
        store.compact()?;
        write_workload(&store, 8)?;
        let snapshot = work.join(format!("{label}.tkv"));
        store.save_snapshot(&snapshot)?;
        store.close()?;
        seeds.put(
            "snapshot",
            &format!("{label}.tkv"),
            &std::fs::read(&snapshot)?,
        )?;
        for (name, bytes) in files(&dir, |n| n.ends_with(".sst"))? {
            seeds.put("sstable_table", &format!("{label}-{name}"), &bytes)?;
            // Filter, properties, index, then the first data blocks (the rest are alike).
            let blocks = tidekv::fuzzing::table_blocks(&bytes);
            for (i, physical) in blocks.iter().take(5).enumerate() {
                let block = format!("{label}-{name}-block{i}");
                seeds.put("block_trailer", &block, physical)?;
                // Raw blocks are the same whatever the compression: take them once.
                if compression == Compression::None {
                    if let Some(raw) = tidekv::fuzzing::raw_block(physical) {
                        seeds.put("sstable_block", &block, &raw)?;
                    }
                }
            }
        }
        for (name, bytes) in files(&dir, |n| n.starts_with("MANIFEST-"))? {
            seeds.put("manifest_recover", &format!("{label}-{name}"), &bytes)?;
            seeds.put("log_frames", &format!("{label}-{name}"), &bytes)?;
            if compression == Compression::None {
                for (i, edit) in tidekv::fuzzing::log_payloads(&bytes).iter().enumerate() {
                    seeds.put("manifest_edit", &format!("{label}-{name}-edit{i}"), edit)?;
                }
            }
        }
    }
    // The crashed store's manifest (written by its one open) too.
    for (name, bytes) in files(&crashed, |n| n.starts_with("MANIFEST-"))? {
        seeds.put("manifest_recover", &format!("crashed-{name}"), &bytes)?;
    }
    std::fs::remove_dir_all(&work)?;
    Ok(())
}

/// Every kind of write a store logs: strings, binary keys, TTLs, lists, atomic batches, removals,
/// counters, another keyspace. `n` rounds, each adding a few keys.
fn write_workload(store: &Store, n: u32) -> Result<()> {
    for i in 0..n {
        store.insert(
            format!("key:{i:03}"),
            format!("value-{i}-{}", "x".repeat(i as usize % 13)),
        )?;
        if i % 3 == 0 {
            store.insert_with_ttl(format!("ttl:{i}"), "soon", Duration::from_secs(3600))?;
        }
        if i % 4 == 1 {
            store.push_back("queue", format!("job-{i}"))?;
            store.push_front("queue", vec![0u8, 0xFF, i as u8])?;
        }
        if i % 5 == 2 {
            let mut batch = WriteBatch::new();
            batch.insert(format!("batch:{i}:a"), "1");
            batch.insert(format!("batch:{i}:b"), "2");
            batch.remove(format!("key:{:03}", i / 2));
            store.apply_batch(batch)?;
        }
        if i % 7 == 3 {
            store.incr_by("counter", 7)?;
            store.keyspace(3)?.insert([0u8, 1, 0, 0xFF], "binary")?;
        }
        if i % 6 == 5 {
            store.pop_front("queue")?;
        }
    }
    Ok(())
}

/// The files of `dir` whose names pass `keep`, as (name, bytes), sorted by name.
fn files(dir: &Path, keep: impl Fn(&str) -> bool) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path: PathBuf = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if keep(name) {
            out.push((name.to_string(), std::fs::read(&path)?));
        }
    }
    out.sort();
    Ok(out)
}

/// A version-2 log re-framed as version 1 (frames of length, CRC of the length, CRC of the
/// payload), which this build still reads (docs/format/wal.md).
fn as_version_1(log: &[u8]) -> Vec<u8> {
    let mut out = log[..24].to_vec();
    out[8..12].copy_from_slice(&1u32.to_le_bytes());
    let crc = crc32c::crc32c(&out[..20]);
    out[20..24].copy_from_slice(&crc.to_le_bytes());
    for payload in tidekv::fuzzing::log_payloads(log) {
        let len = (payload.len() as u32).to_le_bytes();
        out.extend_from_slice(&len);
        out.extend_from_slice(&crc32c::crc32c(&len).to_le_bytes());
        out.extend_from_slice(&crc32c::crc32c(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
    }
    out
}

struct Seeds {
    corpus: PathBuf,
}

impl Seeds {
    fn put(&self, target: &str, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.corpus.join(target).join(name);
        std::fs::write(&path, bytes)?;
        println!("{:>7} bytes  {}", bytes.len(), path.display());
        Ok(())
    }
}
