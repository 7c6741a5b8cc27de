//! tidekv (disk backend) against fjall, RocksDB and redb: interleaved throughput runs, peak memory, bytes on disk
//! and write amplification. See `bench/README.md`.

mod charts;
mod data;
mod engines;
mod harness;
mod lock_versions;
mod proc_stats;
mod report;
mod workloads;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

use engines::EngineKind;
use lock_versions::locked_version;
use workloads::Workload;

#[derive(Parser, Debug)]
#[command(
    about = "tidekv (disk) against fjall, RocksDB and redb, interleaved rounds, Markdown report on stdout"
)]
struct Cli {
    /// Keys in the dataset (16-byte keys, 100-byte values).
    #[arg(long, default_value_t = 1_000_000)]
    keys: u64,
    /// Rounds; each runs every workload on each engine in turn. The report gives medians.
    #[arg(long, default_value_t = 3)]
    rounds: u32,
    /// Workloads to run, comma-separated: insert, get, fresh-get, scan, mix, mix-50, sync-N for N
    /// writer threads in 1, 2, 8, 32, open-after-close, open-after-crash, latency, and the prefix
    /// scans fresh-scan-N and compact-scan-N for N in 1, 10, 100, 1000.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "insert,get,scan,mix,sync-2"
    )]
    workloads: Vec<Workload>,
    /// Engines to run, comma-separated: tidekv, fjall, rocksdb, redb (one alone is useful under
    /// `perf`).
    #[arg(long, value_delimiter = ',', default_value = "tidekv,fjall")]
    engines: Vec<EngineKind>,
    /// Parent of the fresh temp directories (default: the system temp dir).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Total writes of each sync-N workload (split over its N threads).
    #[arg(long, default_value_t = 20_000)]
    sync_ops: u64,
    /// Block cache of both engines, in MiB.
    #[arg(long, default_value_t = 256)]
    cache_mib: u64,
    /// Seconds one run (one workload, one engine, one round) may take before it is stopped and
    /// reported with the engine's stats.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    /// `latency`: operations per second of its writer thread and of its reader thread.
    #[arg(long, default_value_t = 10_000)]
    op_rate: u64,
    /// `latency`: seconds of paced reads and writes after the fill.
    #[arg(long, default_value_t = 600)]
    latency_secs: u64,
    /// Where to write the charts (SVG) and the latency series (CSV); none if not given.
    #[arg(long)]
    charts: Option<PathBuf>,
    #[command(subcommand)]
    child: Option<ChildCommand>,
}

#[derive(Subcommand, Debug)]
enum ChildCommand {
    /// Internal: one run in a child process.
    #[command(hide = true)]
    Child(ChildArgs),
    /// Internal: the loading process of `open-after-crash`, which aborts once it has loaded.
    #[command(hide = true)]
    LoadAndAbort(ChildArgs),
}

#[derive(Args, Debug)]
struct ChildArgs {
    #[arg(long)]
    engine: EngineKind,
    #[arg(long)]
    workload: Workload,
    #[arg(long)]
    keys: u64,
    #[arg(long)]
    sync_ops: u64,
    #[arg(long)]
    cache_mib: u64,
    #[arg(long)]
    timeout: u64,
    #[arg(long)]
    seed: u64,
    #[arg(long)]
    dir: PathBuf,
    #[arg(long, default_value_t = 10_000)]
    op_rate: u64,
    #[arg(long, default_value_t = 600)]
    latency_secs: u64,
    #[arg(long)]
    series_dir: Option<PathBuf>,
}

/// Both engines allocate through this when built with `--features mimalloc`.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.child {
        Some(ChildCommand::Child(args)) => child(args),
        Some(ChildCommand::LoadAndAbort(args)) => workloads::load_and_abort(&spec(args)),
        None => parent(&cli),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn spec(args: &ChildArgs) -> workloads::RunSpec<'_> {
    workloads::RunSpec {
        engine: args.engine,
        workload: args.workload,
        keys: args.keys,
        sync_ops: args.sync_ops,
        cache_bytes: args.cache_mib << 20,
        dir: &args.dir,
        timeout: Duration::from_secs(args.timeout),
        seed: args.seed,
        op_rate: args.op_rate,
        latency_run: Duration::from_secs(args.latency_secs),
        series_dir: args.series_dir.as_deref(),
    }
}

fn child(args: &ChildArgs) -> Result<()> {
    let report = workloads::run(&spec(args))?;
    println!("{}", report.line());
    Ok(())
}

fn parent(cli: &Cli) -> Result<()> {
    let plan = harness::Plan {
        keys: cli.keys,
        rounds: cli.rounds,
        workloads: cli.workloads.clone(),
        engines: cli.engines.clone(),
        parent_dir: cli.dir.clone().unwrap_or_else(std::env::temp_dir),
        sync_ops: cli.sync_ops,
        cache_mib: cli.cache_mib,
        timeout: Duration::from_secs(cli.timeout),
        op_rate: cli.op_rate,
        latency_secs: cli.latency_secs,
        charts: cli.charts.clone(),
    };
    if let Some(dir) = &plan.charts {
        // The latency runs write their series here before the charts are drawn.
        std::fs::create_dir_all(dir)?;
    }
    let command: Vec<String> = std::env::args().collect();
    let runs = harness::run_all(&plan)?;
    print!(
        "{}",
        report::markdown(&plan, &runs, &command.join(" "), &header())
    );
    if let Some(dir) = &plan.charts {
        report::write_charts(&plan, &runs, dir)?;
    }
    Ok(())
}

fn header() -> String {
    let (fjall, rocksdb, redb) = (
        locked_version("fjall"),
        locked_version("librocksdb-sys"),
        locked_version("redb"),
    );
    let git = env!("TIDEKV_GIT_DESCRIBE");
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    format!(
        "# tidekv (disk) vs fjall {fjall}, RocksDB {rocksdb}, redb {redb}\n\ntidekv built from `{git}`; {cores} cores; release build \
         (thin LTO).\n"
    )
}
