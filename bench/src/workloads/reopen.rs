//! The open-time workloads: how long a filled store takes to open, and to answer its first
//! reads, after a clean close (`open-after-close`) and after the process that filled it died
//! without closing it (`open-after-crash`), which leaves a log to replay.

use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use super::{filled, load, open, secs, Report, RunSpec, Watchdog};
use crate::data::{self, Rng, Values, KEY_LEN};
use crate::engines::WriteMode;
use crate::proc_stats;

/// Point reads timed after the open, at random keys: the first reads of a store pay for what
/// its open left for later (index and filter loads, table opens).
const FIRST_READS: u64 = 1_000;

/// `open-after-close`: load every key, close cleanly, then time the open and the first reads.
pub(super) fn open_after_close(
    spec: &RunSpec<'_>,
    dog: &Watchdog,
    order: &[[u8; KEY_LEN]],
    values: &Values,
    report: &mut Report,
) -> Result<()> {
    let kv = filled(spec, dog, order, values)?;
    dog.phase("close", Some(&kv));
    kv.finish()?;
    drop(kv);
    // The parent's `sync` between runs is not there between these steps: write back now, so
    // the timed open does not compete with the writeback of the load.
    Command::new("sync").status().context("running sync")?;
    timed_open(spec, dog, report)
}

/// `open-after-crash`: a child process loads every key with buffered writes (each handed to
/// the OS before it returns) and aborts without closing; then this process times the open and
/// the first reads, and counts the loaded keys it cannot find among the last ones written.
pub(super) fn open_after_crash(
    spec: &RunSpec<'_>,
    dog: &Watchdog,
    report: &mut Report,
) -> Result<()> {
    dog.phase("load in a child that aborts", None);
    let exe = std::env::current_exe().context("finding the harness binary")?;
    let status = Command::new(exe)
        .arg("load-and-abort")
        .args(["--engine", spec.engine.name()])
        .args(["--workload", "open-after-crash"])
        .args(["--keys", &spec.keys.to_string()])
        .args(["--sync-ops", &spec.sync_ops.to_string()])
        .args(["--cache-mib", &(spec.cache_bytes >> 20).to_string()])
        .args(["--timeout", &spec.timeout.as_secs().to_string()])
        .args(["--seed", &spec.seed.to_string()])
        .arg("--dir")
        .arg(spec.dir)
        .status()
        .context("running the loading child")?;
    if status.success() || status.code().is_some() {
        bail!("the loading child was meant to abort, it exited with {status}");
    }
    Command::new("sync").status().context("running sync")?;
    timed_open(spec, dog, report)?;

    // Every write was acknowledged before the abort: the last ones (in the log, not yet in a
    // table) must all be there.
    let kv = open(spec, WriteMode::Buffered)?;
    let order = data::shuffled_keys(spec.keys, spec.seed);
    let tail = &order[order.len().saturating_sub(10_000)..];
    let mut missing = 0u64;
    for key in tail {
        if kv.get(key)?.is_none() {
            missing += 1;
        }
    }
    report.put("missing_after_crash", missing as f64);
    report.put("checked_after_crash", tail.len() as f64);
    Ok(())
}

/// The child side of `open-after-crash`: load, then die without closing anything.
pub fn load_and_abort(spec: &RunSpec<'_>) -> Result<()> {
    let dog = Watchdog::start(spec.timeout);
    let order = data::shuffled_keys(spec.keys, spec.seed);
    let values = Values::new(spec.seed);
    let kv = open(spec, WriteMode::Buffered)?;
    load(&dog, &*kv, &order, &values)?;
    std::process::abort();
}

fn timed_open(spec: &RunSpec<'_>, dog: &Watchdog, report: &mut Report) -> Result<()> {
    let mut rng = Rng::new(spec.seed ^ 0x0FE7);
    let reads: Vec<[u8; KEY_LEN]> = (0..FIRST_READS)
        .map(|_| data::key(rng.below(spec.keys)))
        .collect();
    // What the open has to replay: the log files' blocks (fjall's journal and tidekv's log are
    // sparse ahead of their writes, so the length would overstate them).
    if let Some(suffix) = spec.engine.log_suffix() {
        let log = proc_stats::files_size(spec.dir, suffix)?;
        report.put("log_allocated_at_open", log.allocated as f64);
    }
    dog.phase("timed open", None);
    let start = Instant::now();
    let kv = open(spec, WriteMode::Buffered)?;
    let open_secs = secs(start);
    dog.phase("first reads", Some(&kv));
    let mut found = 0u64;
    for key in &reads {
        found += u64::from(kv.get(key)?.is_some());
    }
    let total_secs = secs(start);
    report.put("open_secs", open_secs);
    report.put("first_reads_secs", total_secs - open_secs);
    report.put("ops", 1.0);
    report.put("secs", total_secs);
    report.put("first_reads_found", found as f64);
    dog.phase("close", Some(&kv));
    kv.finish()?;
    Ok(())
}
