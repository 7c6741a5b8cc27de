//! tidekv's memory backend against the concurrent hash maps dashmap 6 and papaya: throughput of
//! get/insert mixes at several key counts and thread counts, and resident bytes per key.
//! See `bench/README.md` ("memory-bench").

mod bytes_per_key;
mod chart;
#[path = "../../charts.rs"]
#[allow(dead_code)] // Only the ratio bars are drawn here.
mod charts;
mod contenders;
#[path = "../../data.rs"]
#[allow(dead_code)] // The disk harness's dataset; only its SplitMix64 generator is used here.
mod data;
mod dataset;
#[path = "../../lock_versions.rs"]
mod lock_versions;
mod proc_status;
mod report;
mod throughput;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{ensure, Context, Result};
use clap::{Parser, Subcommand};

use lock_versions::locked_version;

use contenders::{ContenderKind, Loaded};
use dataset::{Dataset, Workload};
use proc_status::Memory;
use throughput::Plan;

/// The throughput mode's contenders; the first is the one the ratios are about.
const THROUGHPUT_CONTENDERS: [ContenderKind; 3] = [
    ContenderKind::Tidekv,
    ContenderKind::Dashmap,
    ContenderKind::Papaya,
];

#[derive(Parser, Debug)]
#[command(
    about = "tidekv's memory backend against dashmap and papaya: interleaved throughput rounds, \
             or bytes per key; Markdown report on stdout, progress on stderr"
)]
struct Cli {
    /// Key counts, comma-separated [default: 100000,1000000,10000000; with --bytes-per-key,
    /// 10000000].
    #[arg(long, value_delimiter = ',')]
    keys: Vec<u64>,
    /// Counted rounds per workload and thread count (one more, uncounted, warms up first).
    #[arg(long, default_value_t = 11)]
    rounds: usize,
    /// Operations per thread in one burst of one contender.
    #[arg(long, default_value_t = 200_000)]
    burst: u64,
    /// Thread counts, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    threads: Vec<usize>,
    /// Workloads, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "get,insert,mixed_90_10,mixed_50_50"
    )]
    workloads: Vec<Workload>,
    /// Where to write the charts (SVG): `ratios.svg` for throughput, `bytes-per-key-N.svg` for
    /// bytes per key; none if not given.
    #[arg(long)]
    charts: Option<PathBuf>,
    /// Measure resident bytes per key (one child process per contender) instead of throughput.
    #[arg(long)]
    bytes_per_key: bool,
    #[command(subcommand)]
    child: Option<ChildCommand>,
}

#[derive(Subcommand, Debug)]
enum ChildCommand {
    /// Internal: one contender's bytes-per-key measurement.
    #[command(hide = true)]
    ChildBytesPerKey {
        #[arg(long)]
        contender: ContenderKind,
        #[arg(long)]
        keys: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.child {
        Some(ChildCommand::ChildBytesPerKey { contender, keys }) => {
            bytes_per_key::child(contender, keys)
        }
        None if cli.bytes_per_key => run_bytes_per_key(&cli),
        None => run_throughput(&cli),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("memory-bench failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_throughput(cli: &Cli) -> Result<()> {
    let key_counts = key_counts(cli, &[100_000, 1_000_000, 10_000_000])?;
    ensure!(cli.rounds >= 1, "--rounds must be at least 1");
    ensure!(cli.burst >= 1, "--burst must be at least 1");
    ensure!(
        cli.threads.iter().all(|&t| t >= 1),
        "--threads must be at least 1"
    );
    let plan = Plan {
        workloads: cli.workloads.clone(),
        threads: cli.threads.clone(),
        rounds: cli.rounds,
        burst: cli.burst,
    };
    println!("{}", header());
    println!(
        "Throughput: {} counted rounds (after 1 warm-up round) of {} ops per thread per \
         contender, contender order rotated every round. M ops/s are medians over rounds; a ratio \
         is the median of the per-round ratios (min–max in brackets); \"better peer\" is the faster \
         of dashmap and papaya in each round. Keys 16 B, values 100 B, uniform random keys; \
         `insert` overwrites existing keys. All three store values made by \
         `Bytes::copy_from_slice`, so the first read of a freshly written value allocates once (the \
         `bytes` crate promotes it to a shared buffer), in every contender alike.\n",
        cli.rounds, cli.burst
    );
    let mut tables = Vec::new();
    for &key_count in &key_counts {
        let key_count = key_count as usize;
        eprintln!("{key_count} keys: building the dataset");
        let data = Dataset::new(key_count);
        let mut loaded = Vec::new();
        for kind in THROUGHPUT_CONTENDERS {
            let (before, started) = (Memory::now()?, Instant::now());
            loaded.push(Loaded::new(kind, &data)?);
            let after = Memory::now()?;
            let grown = after.rss_kib.saturating_sub(before.rss_kib);
            eprintln!(
                "  loaded {} in {:.1} s: RSS +{} MiB ({:.0} B per key), now {} MiB",
                kind.name(),
                started.elapsed().as_secs_f64(),
                grown / 1024,
                (grown * 1024) as f64 / key_count as f64,
                after.rss_kib / 1024
            );
        }
        let cells = throughput::measure(&plan, &data, &loaded)?;
        println!(
            "{}",
            report::throughput_table(key_count, &THROUGHPUT_CONTENDERS, &cells)
        );
        tables.push((key_count, cells));
        // `loaded` and `data` go out of scope here, before the next key count is built.
    }
    if let Some(dir) = &cli.charts {
        let svg = chart::throughput(&THROUGHPUT_CONTENDERS, &tables);
        write_chart(dir, "ratios.svg", &svg)?;
    }
    Ok(())
}

/// Writes one chart into `dir` (created if missing) and says where on stdout.
fn write_chart(dir: &Path, name: &str, svg: &str) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(name);
    fs::write(&path, svg).with_context(|| format!("writing {}", path.display()))?;
    println!("Chart: `{}`\n", path.display());
    Ok(())
}

fn run_bytes_per_key(cli: &Cli) -> Result<()> {
    let key_counts = key_counts(cli, &[10_000_000])?;
    println!("{}", header());
    println!(
        "Bytes per key: each contender alone in a fresh child process inserts N distinct keys of \
         16 B with 100-byte values; bytes per key = (VmRSS after − VmRSS before the map was \
         created) ÷ N. One run per contender: the figure is deterministic to within a few KiB, so \
         rounds would add nothing. VmHWM − baseline would show a transient peak above the final \
         RSS (such as two tables alive during a resize). Bytes per key depends on where N falls \
         in each map's doubling cycle, so compare contenders at the same N only.\n"
    );
    for &key_count in &key_counts {
        let footprints = bytes_per_key::measure(key_count)?;
        println!("{}", report::bytes_per_key_table(key_count, &footprints));
        if let (Some(dir), Some(svg)) = (&cli.charts, chart::bytes_per_key(key_count, &footprints))
        {
            write_chart(dir, &format!("bytes-per-key-{key_count}.svg"), &svg)?;
        }
    }
    Ok(())
}

/// The key counts asked for, or `default`.
fn key_counts(cli: &Cli, default: &[u64]) -> Result<Vec<u64>> {
    let counts = if cli.keys.is_empty() {
        default.to_vec()
    } else {
        cli.keys.clone()
    };
    ensure!(counts.iter().all(|&k| k >= 1), "--keys must be at least 1");
    Ok(counts)
}

fn header() -> String {
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let git = env!("TIDEKV_GIT_DESCRIBE");
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    format!(
        "# tidekv memory backend vs dashmap {} and papaya {}\n\n\
         Command: `{command}`\n\n\
         tidekv built from `{git}`; bytes {}; {cores} cores; release build (thin LTO). All \
         contenders allocate through the system allocator (glibc malloc); this binary has no \
         mimalloc option.\n",
        locked_version("dashmap"),
        locked_version("papaya"),
        locked_version("bytes"),
    )
}
