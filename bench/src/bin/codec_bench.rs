//! tidekv's table codecs against each other on the same data: bytes on disk, write throughput and
//! read throughput for `Compression::None`, `Lz4`, `Snappy` and `Zstd` (levels 1 and 3).
//!
//! Each round runs every codec, in an order that rotates from round to round, in a fresh
//! directory, on the dataset of `tidekv-bench` (16-byte keys, 100-byte values about 2:1
//! compressible, `data.rs`):
//!
//! 1. **write**: every key inserted in a random order (`Durability::Buffered`), then `close`,
//!    which writes the memtables out as tables. Compression happens in flushes and compactions,
//!    on background threads and in `close`; the figure is keys ÷ (inserts + close).
//! 2. **size**: the directory's bytes after the close. The ratio is user bytes (keys × 116)
//!    divided by that: index blocks, filters and table metadata count against every codec alike.
//! 3. **get**: the store reopened with a block cache far smaller than the data (16 MiB by
//!    default; half of it still holds every table's index and filter), then random point reads:
//!    nearly every read misses the cache, reads a block (from the OS page cache) and
//!    decompresses it.
//! 4. **scan**: one scan of the whole store, in key order, with the same small cache.
//!
//! Ratios are against `none` in the same round; the table gives each codec's median over rounds.

#[path = "../data.rs"]
#[allow(dead_code)] // The shared dataset module also serves `tidekv-bench`'s workloads.
mod data;
#[path = "../proc_stats.rs"]
#[allow(dead_code)]
mod proc_stats;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;
use tidekv::{Compression, Config, Durability, Store};

use data::{Rng, Values, KEY_LEN, VALUE_LEN};

#[derive(Parser, Debug)]
#[command(about = "tidekv's table codecs on the same data: size, write and read throughput")]
struct Cli {
    /// Keys in the dataset (16-byte keys, 100-byte values).
    #[arg(long, default_value_t = 1_000_000)]
    keys: u64,
    /// Rounds; each runs every codec. The table gives medians.
    #[arg(long, default_value_t = 3)]
    rounds: u32,
    /// Random point reads per codec and round.
    #[arg(long, default_value_t = 200_000)]
    reads: u64,
    /// Block cache while reading, in MiB: small, so that reads decompress, but large enough that
    /// half of it holds every table's index and filter (below that, tables are closed and
    /// reopened between reads, which would measure the table cache instead of the codec).
    #[arg(long, default_value_t = 16)]
    cache_mib: usize,
    /// Parent of the fresh temp directories (default: the system temp dir).
    #[arg(long)]
    dir: Option<PathBuf>,
}

const CODECS: [(&str, Compression); 5] = [
    ("none", Compression::None),
    ("lz4", Compression::Lz4),
    ("snappy", Compression::Snappy),
    ("zstd level 1", Compression::Zstd(1)),
    ("zstd level 3", Compression::Zstd(3)),
];

/// One codec's figures in one round.
#[derive(Debug, Clone, Copy)]
struct Figures {
    disk_bytes: f64,
    write_ops: f64,
    get_ops: f64,
    scan_entries: f64,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    anyhow::ensure!(
        cli.keys > 0 && cli.reads > 0,
        "--keys and --reads must be > 0"
    );
    let parent = cli.dir.clone().unwrap_or_else(std::env::temp_dir);
    let order = data::shuffled_keys(cli.keys, 1);
    let values = Values::new(1);
    // results[codec][round]
    let mut results: Vec<Vec<Figures>> = vec![Vec::new(); CODECS.len()];
    for round in 0..cli.rounds {
        for step in 0..CODECS.len() {
            let c = (step + round as usize) % CODECS.len();
            let (name, codec) = CODECS[c];
            eprintln!("round {round}: {name}");
            let figures = run(&cli, &parent, codec, &order, &values, u64::from(round))
                .with_context(|| format!("{name}, round {round}"))?;
            results[c].push(figures);
        }
    }
    print_report(&cli, &results);
    Ok(())
}

fn run(
    cli: &Cli,
    parent: &std::path::Path,
    codec: Compression,
    order: &[[u8; KEY_LEN]],
    values: &Values,
    round: u64,
) -> Result<Figures> {
    let dir = tempfile::Builder::new()
        .prefix("tidekv-codec-")
        .tempdir_in(parent)?;
    let config = || {
        Config::disk(dir.path())
            .durability(Durability::Buffered)
            .compression(codec)
    };

    let store = Store::open(config())?;
    let start = Instant::now();
    for (i, key) in order.iter().enumerate() {
        store.insert(key, values.get(i as u64, 0))?;
    }
    store.close()?;
    let write_secs = start.elapsed().as_secs_f64();
    drop(store);
    let disk_bytes = proc_stats::dir_size(dir.path())?.apparent as f64;

    let store = Store::open(config().block_cache_size(cli.cache_mib << 20))?;
    let mut rng = Rng::new(0xC0DE_C000 ^ round);
    let start = Instant::now();
    for _ in 0..cli.reads {
        let key = data::key(rng.below(cli.keys));
        anyhow::ensure!(store.get(key)?.is_some(), "a loaded key is missing");
    }
    let get_secs = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let mut entries = 0u64;
    for entry in store.scan_prefix(b"")? {
        let (k, v) = entry?;
        anyhow::ensure!(k.len() == KEY_LEN && v.len() == VALUE_LEN, "a wrong entry");
        entries += 1;
    }
    let scan_secs = start.elapsed().as_secs_f64();
    anyhow::ensure!(
        entries == cli.keys,
        "scanned {entries} of {} keys",
        cli.keys
    );
    store.close()?;

    Ok(Figures {
        disk_bytes,
        write_ops: cli.keys as f64 / write_secs,
        get_ops: cli.reads as f64 / get_secs,
        scan_entries: entries as f64 / scan_secs,
    })
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

fn print_report(cli: &Cli, results: &[Vec<Figures>]) {
    let command: Vec<String> = std::env::args().collect();
    let user_bytes = (cli.keys * (KEY_LEN + VALUE_LEN) as u64) as f64;
    println!("# tidekv table codecs on the same data\n");
    println!("Command: `{}`\n", command.join(" "));
    println!(
        "{} keys of 16 bytes, 100-byte values (about 2:1 compressible); {} round(s), medians; \
         reads: {} random gets and one full scan per codec and round, {} MiB block cache. \
         Ratios (÷ none) are medians of per-round ratios.\n",
        cli.keys, cli.rounds, cli.reads, cli.cache_mib
    );
    println!(
        "| codec | disk MiB | user bytes ÷ disk | write keys/s | ÷ none | random get/s | ÷ none \
         | scan entries/s | ÷ none |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let none = &results[0];
    for (c, (name, _)) in CODECS.iter().enumerate() {
        let rounds = &results[c];
        let med = |f: fn(&Figures) -> f64| median(rounds.iter().map(f).collect());
        let vs_none = |f: fn(&Figures) -> f64| {
            median(rounds.iter().zip(none).map(|(a, b)| f(a) / f(b)).collect())
        };
        let disk = med(|f| f.disk_bytes);
        println!(
            "| {name} | {:.1} | {:.2} | {:.0} | {:.2} | {:.0} | {:.2} | {:.0} | {:.2} |",
            disk / f64::from(1 << 20),
            user_bytes / disk,
            med(|f| f.write_ops),
            vs_none(|f| f.write_ops),
            med(|f| f.get_ops),
            vs_none(|f| f.get_ops),
            med(|f| f.scan_entries),
            vs_none(|f| f.scan_entries),
        );
    }
}
