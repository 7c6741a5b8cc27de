//! `tidekv`: the command-line tool for tidekv stores.

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tidekv::{Config, Store};

mod checkpoint;
mod interrupt;
mod keys;
mod location;
mod maintenance;
mod migrate;
mod progress;
mod records;
mod serve;
mod stats;
mod target;
mod transfer;

/// tidekv: a key-value store with one API over memory and disk (LSM) backends.
#[derive(Debug, Parser)]
#[command(name = "tidekv", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve a store over the Redis protocol (redis-cli, nc, any Redis client).
    Serve(Box<serve::ServeArgs>),
    /// Print the tidekv version and the formats this build reads and writes.
    Version,
    /// Work with snapshot files.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
    /// Write a consistent copy of a store that opens as a store (hard links for tables).
    Checkpoint(checkpoint::CheckpointArgs),
    /// Print a key's value (a store directory is opened read-only).
    Get(keys::GetArgs),
    /// Set a key to a string value.
    Set(keys::SetArgs),
    /// Remove keys; prints how many existed.
    Del(keys::DelArgs),
    /// List keys (and values) in key order, optionally under a prefix (read-only).
    Scan(keys::ScanArgs),
    /// Print a key's time to live in milliseconds (read-only).
    Ttl(keys::TtlArgs),
    /// Print what a store reports about itself (keys, memory by budget, levels, …).
    Stats(stats::StatsArgs),
    /// Check every checksum of every file of a disk store; exit status 4 on damage.
    Verify(maintenance::VerifyArgs),
    /// Compact a disk store whole, reclaiming the space of old and deleted data.
    Compact(maintenance::CompactArgs),
    /// Salvage what a damaged disk store's checksums vouch for into a new store.
    Repair(maintenance::RepairArgs),
    /// Write every key to a file: the snapshot format or JSON lines.
    Export(transfer::ExportArgs),
    /// Read keys from a file: JSON lines in atomic, resumable batches, or a snapshot.
    Import(transfer::ImportArgs),
    /// Copy every key from one store to another (disk, snapshot file, server, Cluster).
    Migrate(migrate::MigrateArgs),
}

#[derive(Debug, Subcommand)]
enum SnapshotCommand {
    /// Check every checksum of a snapshot file and print what it holds.
    Verify {
        /// The snapshot file.
        path: PathBuf,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Serve(args) => serve::serve(*args)
            .map_err(|e| format!("serve: {e}"))
            .map(|()| 0),
        Command::Checkpoint(args) => {
            checkpoint::run(args).and_then(|report| emit(report.as_bytes()))
        }
        Command::Get(args) => keys::get(args).and_then(print),
        Command::Set(args) => keys::set(args).and_then(print),
        Command::Del(args) => keys::del(args).and_then(print),
        Command::Scan(args) => keys::scan(args).and_then(print),
        Command::Ttl(args) => keys::ttl(args).and_then(print),
        Command::Stats(args) => stats::run(args).and_then(print),
        Command::Verify(args) => maintenance::verify(args).and_then(print),
        Command::Compact(args) => maintenance::compact(args).and_then(print),
        Command::Repair(args) => maintenance::repair(args).and_then(print),
        Command::Export(args) => transfer::export(args).and_then(print),
        Command::Import(args) => transfer::import(args).and_then(print),
        Command::Migrate(args) => migrate::run(args).and_then(print),
        Command::Version => emit(version().as_bytes()),
        Command::Snapshot(SnapshotCommand::Verify { path }) => verify_snapshot(&path)
            .map_err(|e| e.to_string())
            .and_then(|report| emit(report.as_bytes())),
    };
    match result {
        Ok(status) => ExitCode::from(status),
        Err(e) => {
            eprintln!("tidekv: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes what a key command printed; its status is the exit status.
fn print(printed: keys::Printed) -> Result<u8, String> {
    emit(&printed.out).map(|_| printed.status)
}

/// Writes a command's report to standard output. A reader that has gone away (`tidekv version |
/// head -1`) is not an error: the report was only for it. Rust ignores SIGPIPE, so the write
/// fails with `BrokenPipe` instead of ending the process, and `println!` would panic on it.
fn emit(report: &[u8]) -> Result<u8, String> {
    let mut out = io::stdout().lock();
    match out.write_all(report).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(0),
        written => written
            .map(|()| 0)
            .map_err(|e| format!("writing to standard output: {e}")),
    }
}

/// `tidekv version`: the version and the formats this build reads and writes.
fn version() -> String {
    let mut report = format!("tidekv {}\n", env!("CARGO_PKG_VERSION"));
    for f in tidekv::format_versions() {
        let _ = writeln!(
            report,
            "{} format: writes version {}, reads {}..={} ({})",
            f.name,
            f.writes,
            f.reads.start(),
            f.reads.end(),
            f.spec
        );
    }
    report
}

/// Loads the snapshot into a scratch memory store, which checks every chunk, and reports counts.
fn verify_snapshot(path: &std::path::Path) -> tidekv::Result<String> {
    let mut report = String::new();
    let store = Store::open(Config::memory().keyspaces(tidekv::MAX_KEYSPACES))?;
    store.load_snapshot(path)?;
    let stats = store.stats()?;
    let _ = writeln!(report, "{}: ok", path.display());
    let _ = writeln!(report, "live keys: {} ({} bytes)", stats.keys, stats.bytes);
    for ks in &stats.keyspaces {
        let _ = writeln!(
            report,
            "  keyspace {}: {} keys, {} bytes",
            ks.id, ks.keys, ks.bytes
        );
    }
    store.close()?;
    Ok(report)
}
