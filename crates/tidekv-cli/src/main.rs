//! `tidekv`: the command-line tool for tidekv stores.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tidekv::{Config, Store};

mod serve;

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
        Command::Serve(args) => serve::serve(*args).map_err(|e| format!("serve: {e}")),
        other => run(other).map_err(|e| e.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tidekv: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The commands that work on the library directly.
fn run(command: Command) -> tidekv::Result<()> {
    match command {
        Command::Version => {
            println!("tidekv {}", env!("CARGO_PKG_VERSION"));
            for f in tidekv::format_versions() {
                println!(
                    "{} format: writes version {}, reads {}..={} ({})",
                    f.name,
                    f.writes,
                    f.reads.start(),
                    f.reads.end(),
                    f.spec
                );
            }
            Ok(())
        }
        Command::Snapshot(SnapshotCommand::Verify { path }) => verify_snapshot(&path),
        Command::Serve(_) => Err(tidekv::Error::invalid("command", "serve runs on its own")),
    }
}

/// Loads the snapshot into a scratch memory store, which checks every chunk, and reports counts.
fn verify_snapshot(path: &std::path::Path) -> tidekv::Result<()> {
    let store = Store::open(Config::memory().keyspaces(tidekv::MAX_KEYSPACES))?;
    store.load_snapshot(path)?;
    let stats = store.stats()?;
    println!("{}: ok", path.display());
    println!("live keys: {} ({} bytes)", stats.keys, stats.bytes);
    for ks in &stats.keyspaces {
        println!("  keyspace {}: {} keys, {} bytes", ks.id, ks.keys, ks.bytes);
    }
    store.close()
}
