//! tidekv's resident memory against the keys loaded, for one configuration preset per process:
//! does the disk backend stay inside its configured budgets (memtables, block cache, table
//! metadata) as the store grows to 10M and 100M keys?
//!
//! `rss-curve run --preset P --keys N --csv F` fills a fresh store (`Config::disk` with the
//! preset applied, `Durability::Buffered`) with `N` keys of 16 bytes and 100-byte values (the
//! dataset of `tidekv-bench`, `data.rs`) in a random order, and writes a CSV row with the
//! process's resident set (`VmRSS`) at `--points` evenly spaced checkpoints. After the fill it
//! reads `--reads` random keys (every one must be found) and adds a row, so the block cache and
//! the table metadata of reads count too. The keys are not held in memory: key `i` of the fill
//! is key number `(i × M) mod 10^14` of the dataset, for a constant `M` prime to `10^14`, a
//! bijection, so the fill has no duplicates and is spread over the key space.
//!
//! `rss-curve plot --svg F CSV...` draws one line per CSV (resident MiB against millions of keys)
//! with the harness's chart code.

#[path = "../charts.rs"]
#[allow(dead_code)] // Only the line chart is drawn here.
mod charts;
#[path = "../data.rs"]
#[allow(dead_code)] // The shared dataset module also serves `tidekv-bench`'s workloads.
mod data;

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};
use clap::{Parser, Subcommand};
use tidekv::{BackendStats, Config, Durability, Store};

use data::{Rng, Values};

/// The process allocates through this when built with `--features mimalloc` (BENCHMARKS.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The process allocates through this when built with `--features jemalloc` (BENCHMARKS.md).
#[cfg(all(feature = "jemalloc", not(feature = "mimalloc")))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The allocator of this build, for the CSV's label.
const ALLOCATOR: &str = if cfg!(feature = "mimalloc") {
    "mimalloc"
} else if cfg!(feature = "jemalloc") {
    "jemalloc"
} else {
    "glibc"
};

#[derive(Parser, Debug)]
#[command(about = "tidekv's resident memory against keys loaded, per configuration preset")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Fills one fresh store and writes its memory curve as CSV.
    Run {
        /// `default`, `low-memory` or `high-performance`.
        #[arg(long)]
        preset: String,
        /// Keys to load.
        #[arg(long, default_value_t = 10_000_000)]
        keys: u64,
        /// Checkpoints during the fill.
        #[arg(long, default_value_t = 20)]
        points: u64,
        /// Random point reads after the fill.
        #[arg(long, default_value_t = 1_000_000)]
        reads: u64,
        /// Parent of the fresh store directory (default: the system temp dir).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Where the CSV goes.
        #[arg(long)]
        csv: PathBuf,
        /// Turn off `cache_flushed_blocks` (flushes put the blocks they write in the block cache),
        /// to see what it costs in memory.
        #[arg(long)]
        no_cache_flushed_blocks: bool,
    },
    /// Draws the CSVs of several runs as one chart.
    Plot {
        /// The SVG to write.
        #[arg(long)]
        svg: PathBuf,
        /// CSVs written by `run`.
        csvs: Vec<PathBuf>,
    },
}

/// Key numbers below this fit the dataset's 16-digit keys (`data::key`).
const KEY_SPACE: u128 = 100_000_000_000_000;
/// Odd and not a multiple of 5, so prime to `KEY_SPACE`: `i ↦ i × SPREAD mod KEY_SPACE` is a
/// bijection of `0..KEY_SPACE`.
const SPREAD: u128 = 6_364_136_223_846_793;

fn key_number(i: u64) -> u64 {
    // Below KEY_SPACE < 2^64 by construction.
    (u128::from(i) * SPREAD % KEY_SPACE) as u64
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Run {
            preset,
            keys,
            points,
            reads,
            dir,
            csv,
            no_cache_flushed_blocks,
        } => run(
            &preset,
            !no_cache_flushed_blocks,
            keys,
            points,
            reads,
            dir.as_deref(),
            &csv,
        ),
        Command::Plot { svg, csvs } => plot(&svg, &csvs),
    }
}

fn config(preset: &str, dir: &Path) -> Result<Config> {
    let config = Config::disk(dir).durability(Durability::Buffered);
    Ok(match preset {
        "default" => config,
        "low-memory" => config.low_memory(),
        "high-performance" => config.high_performance(),
        other => bail!("unknown preset {other:?} (default, low-memory, high-performance)"),
    })
}

fn run(
    preset: &str,
    cache_flushed_blocks: bool,
    keys: u64,
    points: u64,
    reads: u64,
    parent: Option<&Path>,
    csv: &Path,
) -> Result<()> {
    ensure!(keys > 0 && points > 0, "--keys and --points must be > 0");
    ensure!(
        u128::from(keys) <= KEY_SPACE,
        "--keys must be at most 10^14"
    );
    let scratch = match parent {
        Some(p) => tempfile::tempdir_in(p)?,
        None => tempfile::tempdir()?,
    };
    let values = Values::new(1);
    // Each row goes to the file as it is made, so a run stopped early keeps its checkpoints.
    let mut out = fs::File::create(csv).with_context(|| format!("creating {}", csv.display()))?;
    out.write_all(
        b"preset,keys,phase,rss_kib,hwm_kib,secs,memtable_bytes,immutable_memtable_bytes,\
         block_cache_bytes,table_metadata_bytes,open_tables,tables\n",
    )?;
    // The CSV's first column names the line the plot draws (so it holds no comma).
    let label = if cache_flushed_blocks {
        format!("{preset} ({ALLOCATOR})")
    } else {
        format!("{preset} ({ALLOCATOR}; flushed blocks not cached)")
    };
    let start = Instant::now();
    let row = |out: &mut fs::File, store: Option<&Store>, loaded: u64, phase: &str| {
        let (rss, hwm) = (status_kib("VmRSS")?, status_kib("VmHWM")?);
        let secs = start.elapsed().as_secs_f64();
        // The store's own budgets beside the process's resident set (`stats` reads no keys).
        let disk = match store.map(Store::stats).transpose()?.map(|s| s.backend) {
            Some(BackendStats::Disk(d)) => Some(d),
            _ => None,
        };
        let budgets = disk.as_ref().map_or_else(
            || ",,,,,".to_string(),
            |d| {
                format!(
                    "{},{},{},{},{},{}",
                    d.memtable_bytes,
                    d.immutable_memtable_bytes,
                    d.block_cache_usage,
                    d.table_metadata_bytes,
                    d.open_tables,
                    d.levels.iter().map(|l| l.tables).sum::<u64>()
                )
            },
        );
        writeln!(
            out,
            "{label},{loaded},{phase},{rss},{hwm},{secs:.1},{budgets}"
        )?;
        eprintln!(
            "{label}: {loaded} keys ({phase}): RSS {} MiB, peak {} MiB, {secs:.0} s; {budgets}",
            rss / 1024,
            hwm / 1024
        );
        anyhow::Ok(())
    };
    row(&mut out, None, 0, "start")?;
    let store =
        Store::open(config(preset, scratch.path())?.cache_flushed_blocks(cache_flushed_blocks))?;
    row(&mut out, Some(&store), 0, "open")?;
    let every = keys.div_ceil(points);
    for i in 0..keys {
        let n = key_number(i);
        store.insert(data::key(n), values.get(n, 0))?;
        if (i + 1) % every == 0 || i + 1 == keys {
            row(&mut out, Some(&store), i + 1, "fill")?;
        }
    }
    let mut rng = Rng::new(7);
    for _ in 0..reads {
        let n = key_number(rng.below(keys));
        if store.get(data::key(n))?.is_none() {
            bail!("key number {n} is missing after the fill");
        }
    }
    row(&mut out, Some(&store), keys, "after reads")?;
    store.close()?;
    out.sync_all()?;
    Ok(())
}

fn status_kib(field: &str) -> Result<u64> {
    let status = fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("{field} in /proc/self/status"))
}

fn plot(svg: &Path, csvs: &[PathBuf]) -> Result<()> {
    let mut lines = Vec::new();
    for (i, path) in csvs.iter().enumerate() {
        let text =
            fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let mut name = String::new();
        let mut points = Vec::new();
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split(',').collect();
            let [preset, keys, phase, rss, ..] = fields[..] else {
                bail!("{}: bad row {line:?}", path.display());
            };
            name = preset.to_string();
            if phase == "fill" || phase == "open" {
                let keys: f64 = keys.parse()?;
                let rss: f64 = rss.parse()?;
                points.push((keys / 1e6, rss / 1024.0));
            }
        }
        lines.push(charts::Line {
            name,
            dashed: false,
            colour: i,
            points,
        });
    }
    let chart = charts::line_chart(
        "tidekv disk backend: resident memory while loading keys (16 B + 100 B), per preset",
        "keys loaded (millions)",
        "resident set (MiB)",
        &lines,
        charts::YScale::Linear,
    );
    fs::write(svg, chart).with_context(|| format!("writing {}", svg.display()))
}
