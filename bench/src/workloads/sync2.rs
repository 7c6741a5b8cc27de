//! The `sync2` workload: durable writes from two threads, which is what group commit is for.

use std::time::Instant;

use anyhow::{bail, ensure, Result};

use super::{open, secs, Report, RunSpec, Watchdog};
use crate::data::{Values, KEY_LEN};
use crate::engines::WriteMode;

/// `sync2`: `sync_ops` inserts into an empty store from 2 threads, each write durable (fsynced)
/// before it returns.
pub(super) fn sync2(
    spec: &RunSpec<'_>,
    dog: &Watchdog,
    order: &[[u8; KEY_LEN]],
    values: &Values,
    report: &mut Report,
) -> Result<()> {
    let per_thread = (spec.sync_ops / 2).min(order.len() as u64 / 2) as usize;
    ensure!(
        per_thread > 0,
        "sync2 needs --keys and --sync-ops of at least 2"
    );
    dog.phase("open", None);
    let kv = open(spec, WriteMode::Sync)?;
    let syncs_before = kv.tidekv_stats().map(|s| s.log_syncs);
    dog.phase("sync2", Some(&kv));
    let start = Instant::now();
    std::thread::scope(|scope| -> Result<()> {
        let workers: Vec<_> = (0..2)
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
                Err(_) => bail!("a sync2 writer thread panicked"),
            }
        }
        Ok(())
    })?;
    report.put("secs", secs(start));
    report.put("ops", (2 * per_thread) as f64);
    if let (Some(before), Some(stats)) = (syncs_before, kv.tidekv_stats()) {
        report.put("tidekv_log_syncs", (stats.log_syncs - before) as f64);
    }
    dog.phase("finish", Some(&kv));
    kv.finish()?;
    Ok(())
}
