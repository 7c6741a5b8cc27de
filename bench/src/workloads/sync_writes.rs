//! The `sync-N` workloads: durable writes from N threads (1, 2, 8, 32). One thread shows what a
//! lone writer pays per write (one fsync and nothing more, ideally); more threads show what
//! group commit makes of concurrent writers.

use std::time::Instant;

use anyhow::{bail, ensure, Result};

use super::{open, secs, Report, RunSpec, Watchdog};
use crate::data::{Values, KEY_LEN};
use crate::engines::WriteMode;

/// Writer thread counts of the `sync-N` workloads, by index.
pub const SYNC_THREADS: [usize; 4] = [1, 2, 8, 32];

/// `sync-N`: `sync_ops` inserts into an empty store from `threads` threads, each write durable
/// (fsynced) before it returns.
pub(super) fn sync_writes(
    spec: &RunSpec<'_>,
    dog: &Watchdog,
    order: &[[u8; KEY_LEN]],
    values: &Values,
    threads: usize,
    report: &mut Report,
) -> Result<()> {
    let per_thread = (spec.sync_ops / threads as u64).min(order.len() as u64 / threads as u64);
    let per_thread = per_thread as usize;
    ensure!(
        per_thread > 0,
        "sync-{threads} needs --keys and --sync-ops of at least {threads}"
    );
    dog.phase("open", None);
    let kv = open(spec, WriteMode::Sync)?;
    let syncs_before = kv.tidekv_stats().map(|s| s.log_syncs);
    dog.phase("durable writes", Some(&kv));
    let start = Instant::now();
    std::thread::scope(|scope| -> Result<()> {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let kv = &kv;
                let keys = &order[t * per_thread..(t + 1) * per_thread];
                scope.spawn(move || -> Result<()> {
                    for (i, key) in keys.iter().enumerate() {
                        kv.insert(key, values.get((t * per_thread + i) as u64, 0))?;
                        dog.tick(i as u64);
                    }
                    Ok(())
                })
            })
            .collect();
        for worker in workers {
            match worker.join() {
                Ok(result) => result?,
                Err(_) => bail!("a sync-{threads} writer thread panicked"),
            }
        }
        Ok(())
    })?;
    report.put("secs", secs(start));
    report.put("ops", (threads * per_thread) as f64);
    if let (Some(before), Some(stats)) = (syncs_before, kv.tidekv_stats()) {
        report.put("tidekv_log_syncs", (stats.log_syncs - before) as f64);
    }
    dog.phase("finish", Some(&kv));
    kv.finish()?;
    Ok(())
}
