//! The report's tables on the insert workload (memory, disk, write amplification) and its
//! details (tidekv's own counters, fsyncs per write, the log an open found, what a crash lost).

use std::collections::HashMap;
use std::fmt::Write as _;

use super::{done, get, median, mib, ratio};
use crate::engines::EngineKind;
use crate::harness::{Plan, Run};
use crate::workloads::{Workload, SYNC_THREADS};

pub(super) fn insert_table(w: &mut String, plan: &Plan, runs: &[Run]) {
    let _ = writeln!(
        w,
        "\n## Insert workload: memory, disk, write amplification\n"
    );
    let _ = writeln!(
        w,
        "Each engine loads the keys in its own child process. Peak RSS is `VmHWM` after the \
         inserts and the flush, and again at the end, after the memtables are written out and the \
         store closed; the harness's own data (keys, value pool) is the baseline, \
         measured before the engine opens. \
         Disk is the directory's files after the final flush and close: their lengths, and the \
         blocks allocated to them (fjall's journal is a sparse 64 MiB file that stays after its \
         memtable is flushed). Write amplification \
         divides bytes written by the process (`/proc/self/io`, all threads, same method for both) \
         by user bytes = keys × 116.\n"
    );
    let _ = writeln!(
        w,
        "| engine | peak RSS after load MiB | peak RSS at end MiB | of which harness baseline MiB | disk after close MiB (length) | disk after close MiB (allocated) | WA write_bytes | WA write_bytes − cancelled | WA wchar | WA tidekv stats (before close) |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &engine in &plan.engines {
        let d = done(runs, Workload::Insert, engine);
        let med = |f: &dyn Fn(&HashMap<String, f64>) -> Option<f64>| -> Option<f64> {
            median(d.iter().filter_map(|(_, m)| f(m)).collect())
        };
        let load_peak = med(&|m| Some(get(m, "load_peak_rss_kib")? * 1024.0));
        let peak = med(&|m| Some(get(m, "peak_rss_kib")? * 1024.0));
        let base = med(&|m| Some(get(m, "baseline_rss_kib")? * 1024.0));
        let disk = med(&|m| get(m, "disk_bytes"));
        let allocated = med(&|m| get(m, "disk_allocated_bytes"));
        let wa_wb = med(&|m| Some(get(m, "write_bytes")? / get(m, "user_bytes")?));
        let wa_net = med(&|m| {
            Some(
                (get(m, "write_bytes")? - get(m, "cancelled_write_bytes")?) / get(m, "user_bytes")?,
            )
        });
        let wa_wchar = med(&|m| Some(get(m, "wchar")? / get(m, "user_bytes")?));
        let wa_stats = med(&|m| get(m, "tidekv_wa_before_close"));
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            engine.name(),
            mib(load_peak),
            mib(peak),
            mib(base),
            mib(disk),
            mib(allocated),
            ratio(wa_wb),
            ratio(wa_net),
            ratio(wa_wchar),
            ratio(wa_stats)
        );
    }
}

pub(super) fn details(w: &mut String, plan: &Plan, runs: &[Run]) {
    let _ = writeln!(w, "\n## Details (medians over rounds)\n");
    let pick = |workload: Workload, name: &str| -> Option<f64> {
        median(
            done(runs, workload, EngineKind::Tidekv)
                .iter()
                .filter_map(|(_, m)| get(m, name))
                .collect(),
        )
    };
    if plan.workloads.contains(&Workload::Insert) {
        let names = [
            "flush_secs",
            "finish_secs",
            "tidekv_flushes",
            "tidekv_compactions",
            "tidekv_write_stalls",
            "tidekv_write_stall_ms",
            "tidekv_l0_tables",
            "tidekv_l1_tables",
            "tidekv_l2_tables",
            "tidekv_wal_bytes",
            "tidekv_flush_bytes",
            "tidekv_compaction_bytes",
            "tidekv_user_bytes",
        ];
        let parts: Vec<String> = names
            .iter()
            .filter_map(|n| Some(format!("{n}={}", pick(Workload::Insert, n)?)))
            .collect();
        let _ = writeln!(w, "- tidekv insert: {}", parts.join(", "));
        for &peer in plan.engines.iter().filter(|&&e| e != EngineKind::Tidekv) {
            let d = done(runs, Workload::Insert, peer);
            let f = |n: &str| median(d.iter().filter_map(|(_, m)| get(m, n)).collect());
            if let (Some(flush), Some(finish)) = (f("flush_secs"), f("finish_secs")) {
                let _ = writeln!(
                    w,
                    "- {} insert: flush_secs={flush}, finish_secs={finish}",
                    peer.name()
                );
            }
        }
    }
    for workload in [Workload::Get, Workload::Scan] {
        if let (Some(h), Some(m)) = (
            pick(workload, "tidekv_cache_hits"),
            pick(workload, "tidekv_cache_misses"),
        ) {
            let _ = writeln!(
                w,
                "- tidekv {}: block cache hits {h}, misses {m} during the timed phase",
                workload.name()
            );
        }
    }
    for (i, threads) in SYNC_THREADS.iter().enumerate() {
        if let (Some(ops), Some(syncs)) = (
            pick(Workload::Sync(i), "ops"),
            pick(Workload::Sync(i), "tidekv_log_syncs"),
        ) {
            let _ = writeln!(
                w,
                "- tidekv sync-{threads}: {syncs} log fsyncs for {ops} writes ({:.2} writes per \
                 fsync)",
                ops / syncs
            );
        }
    }
    for &engine in &plan.engines {
        let d = done(runs, Workload::Mix50, engine);
        let f = |n: &str| median(d.iter().filter_map(|(_, m)| get(m, n)).collect());
        if let (Some(user), Some(written), Some(mix_user), Some(mix_written)) = (
            f("user_bytes"),
            f("write_bytes"),
            f("mix_user_bytes"),
            f("mix_write_bytes"),
        ) {
            let _ = writeln!(
                w,
                "- {} mix-50: write amplification {:.2} over the whole run ({} MiB written for \
                 {} MiB of inserts), {:.2} over the mix and close",
                engine.name(),
                written / user,
                mib(Some(written)),
                mib(Some(user)),
                mix_written / mix_user
            );
        }
    }
    for workload in [Workload::OpenAfterClose, Workload::OpenAfterCrash] {
        for &engine in &plan.engines {
            let rounds: Vec<String> = done(runs, workload, engine)
                .iter()
                .filter_map(|(round, m)| {
                    Some(format!(
                        "round {round}: {:.3} s with {} MiB of log",
                        get(m, "open_secs")?,
                        mib(get(m, "log_allocated_at_open"))
                    ))
                })
                .collect();
            if !rounds.is_empty() {
                let _ = writeln!(
                    w,
                    "- {} {}: open time and the log it found: {}",
                    engine.name(),
                    workload.name(),
                    rounds.join("; ")
                );
            }
        }
    }
    for &engine in &plan.engines {
        let d = done(runs, Workload::OpenAfterCrash, engine);
        let f = |n: &str| median(d.iter().filter_map(|(_, m)| get(m, n)).collect());
        if let (Some(missing), Some(checked)) = (f("missing_after_crash"), f("checked_after_crash"))
        {
            let _ = writeln!(
                w,
                "- {} open-after-crash: {missing} of the last {checked} acknowledged writes \
                 missing after the reopen",
                engine.name()
            );
        }
    }
}
