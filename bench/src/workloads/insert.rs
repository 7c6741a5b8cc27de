//! The `insert` workload: a random fill of an empty store, then what it cost in memory, disk
//! and bytes written.

use std::time::Instant;

use anyhow::Result;

use super::{load, open, secs, Report, RunSpec, Watchdog};
use crate::data::{Values, KEY_LEN, VALUE_LEN};
use crate::engines::WriteMode;
use crate::proc_stats::{self, Io};

/// `insert`: random-order inserts of every key into an empty store, buffered writes.
/// Then `flush` (fsync) and `finish` (memtables to tables), timed apart; then peak memory,
/// bytes written (from `/proc/self/io`) and bytes left on disk.
pub(super) fn insert(
    spec: &RunSpec<'_>,
    dog: &Watchdog,
    order: &[[u8; KEY_LEN]],
    values: &Values,
    report: &mut Report,
) -> Result<()> {
    let io_before = Io::read()?;
    dog.phase("open", None);
    let kv = open(spec, WriteMode::Buffered)?;
    dog.phase("insert", Some(&kv));
    let start = Instant::now();
    load(dog, &*kv, order, values)?;
    report.put("ops", spec.keys as f64);
    report.put("secs", secs(start));

    dog.phase("flush", Some(&kv));
    let start = Instant::now();
    kv.flush()?;
    report.put("flush_secs", secs(start));
    report.put("load_peak_rss_kib", proc_stats::peak_rss_kib()? as f64);

    if let Some(stats) = kv.tidekv_stats() {
        report.put("tidekv_wa_before_close", stats.write_amplification);
        report.put("tidekv_user_bytes", stats.user_bytes_written as f64);
        report.put("tidekv_wal_bytes", stats.wal_bytes_written as f64);
        report.put("tidekv_flush_bytes", stats.flush_bytes_written as f64);
        report.put(
            "tidekv_compaction_bytes",
            stats.compaction_bytes_written as f64,
        );
        report.put("tidekv_flushes", stats.flushes as f64);
        report.put("tidekv_compactions", stats.compactions as f64);
        report.put("tidekv_write_stalls", stats.write_stalls as f64);
        report.put(
            "tidekv_write_stall_ms",
            stats.write_stall_micros as f64 / 1000.0,
        );
        for level in &stats.levels {
            if level.tables > 0 && level.level < 8 {
                const NAMES: [&str; 8] = [
                    "tidekv_l0_tables",
                    "tidekv_l1_tables",
                    "tidekv_l2_tables",
                    "tidekv_l3_tables",
                    "tidekv_l4_tables",
                    "tidekv_l5_tables",
                    "tidekv_l6_tables",
                    "tidekv_l7_tables",
                ];
                report.put(NAMES[level.level as usize], level.tables as f64);
            }
        }
    }

    dog.phase("finish (memtables to tables, close)", Some(&kv));
    let start = Instant::now();
    kv.finish()?;
    drop(kv);
    report.put("finish_secs", secs(start));

    let io = Io::read()?.since(io_before);
    let user_bytes = spec.keys * (KEY_LEN + VALUE_LEN) as u64;
    report.put("user_bytes", user_bytes as f64);
    report.put("write_bytes", io.write_bytes as f64);
    report.put("cancelled_write_bytes", io.cancelled_write_bytes as f64);
    report.put("wchar", io.wchar as f64);
    let disk = proc_stats::dir_size(spec.dir)?;
    report.put("disk_bytes", disk.apparent as f64);
    report.put("disk_allocated_bytes", disk.allocated as f64);
    Ok(())
}
