//! tidekv (disk backend) against fjall: interleaved throughput runs, peak memory, bytes on disk
//! and write amplification. See `bench/README.md`.

mod data;
mod engines;
mod harness;
mod proc_stats;
mod report;
mod workloads;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

use engines::EngineKind;
use workloads::Workload;

/// fjall's version, from this crate's lock file.
const LOCK_FILE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"));

#[derive(Parser, Debug)]
#[command(about = "tidekv (disk) against fjall, interleaved rounds, Markdown report on stdout")]
struct Cli {
    /// Keys in the dataset (16-byte keys, 100-byte values).
    #[arg(long, default_value_t = 1_000_000)]
    keys: u64,
    /// Rounds; each runs every workload on tidekv then fjall. The report gives medians.
    #[arg(long, default_value_t = 3)]
    rounds: u32,
    /// Workloads to run, comma-separated: insert, get, scan, mix, sync2, and the prefix scans
    /// fresh-scan-N and compact-scan-N for N in 1, 10, 100, 1000.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "insert,get,scan,mix,sync2"
    )]
    workloads: Vec<Workload>,
    /// Engines to run, comma-separated (one alone is useful under `perf`).
    #[arg(long, value_delimiter = ',', default_value = "tidekv,fjall")]
    engines: Vec<EngineKind>,
    /// Parent of the fresh temp directories (default: the system temp dir).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Total writes of the sync2 workload (split over 2 threads).
    #[arg(long, default_value_t = 20_000)]
    sync_ops: u64,
    /// Block cache of both engines, in MiB.
    #[arg(long, default_value_t = 256)]
    cache_mib: u64,
    /// Seconds one run (one workload, one engine, one round) may take before it is stopped and
    /// reported with the engine's stats.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    #[command(subcommand)]
    child: Option<ChildCommand>,
}

#[derive(Subcommand, Debug)]
enum ChildCommand {
    /// Internal: one run in a child process.
    #[command(hide = true)]
    Child(ChildArgs),
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
}

/// Both engines allocate through this when built with `--features mimalloc`.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.child {
        Some(ChildCommand::Child(args)) => child(args),
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

fn child(args: &ChildArgs) -> Result<()> {
    let spec = workloads::RunSpec {
        engine: args.engine,
        workload: args.workload,
        keys: args.keys,
        sync_ops: args.sync_ops,
        cache_bytes: args.cache_mib << 20,
        dir: &args.dir,
        timeout: Duration::from_secs(args.timeout),
        seed: args.seed,
    };
    let report = workloads::run(&spec)?;
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
    };
    let command: Vec<String> = std::env::args().collect();
    let runs = harness::run_all(&plan)?;
    print!(
        "{}",
        report::markdown(&plan, &runs, &command.join(" "), &header())
    );
    Ok(())
}

fn header() -> String {
    let fjall = LOCK_FILE
        .split("[[package]]")
        .find(|p| p.contains("name = \"fjall\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = ")))
        .unwrap_or("?")
        .trim_matches('"')
        .to_string();
    let git = env!("TIDEKV_GIT_DESCRIBE");
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    format!(
        "# tidekv (disk) vs fjall {fjall}\n\ntidekv built from `{git}`; {cores} cores; release build \
         (thin LTO).\n"
    )
}
