//! Turns the runs into Markdown: throughput medians and ratios, the insert workload's memory,
//! disk and write-amplification figures, per-round numbers, and every failure verbatim.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::engines::EngineKind;
use crate::harness::{Outcome, Plan, Run};
use crate::workloads::{Workload, PREFIX_SCANS};

type Metric = fn(&HashMap<String, f64>) -> Option<f64>;

fn get(r: &HashMap<String, f64>, name: &str) -> Option<f64> {
    r.get(name).copied()
}

/// The rows of the throughput table: label, unit, workload, metric.
fn rows() -> Vec<(&'static str, &'static str, Workload, Metric)> {
    let mut rows = FIXED_ROWS.to_vec();
    for (i, (name, _, _)) in PREFIX_SCANS.iter().enumerate() {
        let rate: Metric = |r| Some(get(r, "ops")? / get(r, "secs")?);
        rows.push((name, "scans/s", Workload::PrefixScan(i), rate));
    }
    rows
}

const FIXED_ROWS: [(&str, &str, Workload, Metric); 7] = [
    ("insert", "ops/s", Workload::Insert, |r| {
        Some(get(r, "ops")? / get(r, "secs")?)
    }),
    (
        "insert, incl. flush + memtables to tables",
        "ops/s",
        Workload::Insert,
        |r| {
            Some(
                get(r, "ops")? / (get(r, "secs")? + get(r, "flush_secs")? + get(r, "finish_secs")?),
            )
        },
    ),
    ("get", "ops/s", Workload::Get, |r| {
        Some(get(r, "ops")? / get(r, "secs")?)
    }),
    ("scan", "scans/s", Workload::Scan, |r| {
        Some(get(r, "ops")? / get(r, "secs")?)
    }),
    ("scan", "entries/s", Workload::Scan, |r| {
        Some(get(r, "entries")? / get(r, "secs")?)
    }),
    ("mix 80/20", "ops/s", Workload::Mix, |r| {
        Some(get(r, "ops")? / get(r, "secs")?)
    }),
    ("sync2 (2 threads)", "ops/s", Workload::Sync2, |r| {
        Some(get(r, "ops")? / get(r, "secs")?)
    }),
];

fn median(mut xs: Vec<f64>) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    Some(if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    })
}

fn done(runs: &[Run], workload: Workload, engine: EngineKind) -> Vec<(u32, &HashMap<String, f64>)> {
    runs.iter()
        .filter(|r| r.workload == workload && r.engine == engine)
        .filter_map(|r| match &r.outcome {
            Outcome::Done(m) => Some((r.round, m)),
            Outcome::Failed { .. } => None,
        })
        .collect()
}

fn values(runs: &[Run], workload: Workload, engine: EngineKind, metric: Metric) -> Vec<(u32, f64)> {
    done(runs, workload, engine)
        .into_iter()
        .filter_map(|(round, m)| Some((round, metric(m)?)))
        .collect()
}

fn fmt_rate(x: Option<f64>) -> String {
    match x {
        None => "failed".into(),
        Some(x) if x >= 1e6 => format!("{:.2} M", x / 1e6),
        Some(x) if x >= 1e3 => format!("{:.1} k", x / 1e3),
        Some(x) => format!("{x:.0}"),
    }
}

fn mib(bytes: Option<f64>) -> String {
    bytes.map_or("–".into(), |b| format!("{:.1}", b / (1024.0 * 1024.0)))
}

fn ratio(x: Option<f64>) -> String {
    x.map_or("–".into(), |x| format!("{x:.2}"))
}

/// The whole report.
pub fn markdown(plan: &Plan, runs: &[Run], command: &str, header: &str) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "{header}");
    let _ = writeln!(w, "Command: `{command}`\n");
    let _ = writeln!(
        w,
        "{} keys of 16 bytes, 100-byte values; {} round(s), medians over rounds; block cache {} MiB \
         on both; sync2: {} writes.\n",
        plan.keys, plan.rounds, plan.cache_mib, plan.sync_ops
    );

    let has_both = plan.engines.len() == 2;
    let _ = writeln!(w, "## Throughput\n");
    let _ = writeln!(
        w,
        "| workload | unit | tidekv | fjall | tidekv / fjall | per-round ratio min–max |"
    );
    let _ = writeln!(w, "|---|---|---:|---:|---:|---:|");
    for (label, unit, workload, metric) in rows() {
        if !plan.workloads.contains(&workload) {
            continue;
        }
        let t = values(runs, workload, EngineKind::Tidekv, metric);
        let f = values(runs, workload, EngineKind::Fjall, metric);
        let tm = median(t.iter().map(|x| x.1).collect());
        let fm = median(f.iter().map(|x| x.1).collect());
        let per_round: Vec<f64> = t
            .iter()
            .filter_map(|&(round, tv)| Some(tv / f.iter().find(|x| x.0 == round)?.1))
            .collect();
        let spread = match (
            per_round.iter().copied().reduce(f64::min),
            per_round.iter().copied().reduce(f64::max),
        ) {
            (Some(lo), Some(hi)) if has_both => format!("{lo:.2}–{hi:.2}"),
            _ => "–".into(),
        };
        let r = match (tm, fm) {
            (Some(a), Some(b)) => Some(a / b),
            _ => None,
        };
        let _ = writeln!(
            w,
            "| {label} | {unit} | {} | {} | **{}** | {spread} |",
            fmt_rate(tm),
            fmt_rate(fm),
            ratio(r)
        );
    }

    if plan.workloads.contains(&Workload::Insert) {
        insert_table(w, plan, runs);
    }
    details(w, plan, runs);
    per_round(w, plan, runs);
    failures(w, runs);
    out
}

fn insert_table(w: &mut String, plan: &Plan, runs: &[Run]) {
    let _ = writeln!(
        w,
        "\n## Insert workload: memory, disk, write amplification\n"
    );
    let _ = writeln!(
        w,
        "Each engine loads the keys in its own child process. Peak RSS is `VmHWM` after the \
         inserts and the flush, and again at the end, after the memtables are written out and the \
         store closed (tidekv's end figure also holds the block-cache fill of one `stats()` call, \
         which reads the whole store); the harness's own data (keys, value pool) is the baseline, \
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

fn details(w: &mut String, plan: &Plan, runs: &[Run]) {
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
        let d = done(runs, Workload::Insert, EngineKind::Fjall);
        let f = |n: &str| median(d.iter().filter_map(|(_, m)| get(m, n)).collect());
        if let (Some(flush), Some(finish)) = (f("flush_secs"), f("finish_secs")) {
            let _ = writeln!(
                w,
                "- fjall insert: flush_secs={flush}, finish_secs={finish}"
            );
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
    if let (Some(ops), Some(syncs)) = (
        pick(Workload::Sync2, "ops"),
        pick(Workload::Sync2, "tidekv_log_syncs"),
    ) {
        let _ = writeln!(
            w,
            "- tidekv sync2: {syncs} log fsyncs for {ops} writes ({:.2} writes per fsync)",
            ops / syncs
        );
    }
}

fn per_round(w: &mut String, plan: &Plan, runs: &[Run]) {
    let _ = writeln!(w, "\n## Per round (ops/s; scans/s for scan)\n");
    let mut head = String::from("| workload | engine |");
    let mut rule = String::from("|---|---|");
    for r in 0..plan.rounds {
        head.push_str(&format!(" round {} |", r + 1));
        rule.push_str("---:|");
    }
    let _ = writeln!(w, "{head}\n{rule}");
    for &workload in &plan.workloads {
        for &engine in &plan.engines {
            let mut line = format!("| {} | {} |", workload.name(), engine.name());
            for round in 0..plan.rounds {
                let cell = runs
                    .iter()
                    .find(|r| r.round == round && r.workload == workload && r.engine == engine)
                    .map(|r| match &r.outcome {
                        Outcome::Done(m) => fmt_rate(Some(
                            get(m, "ops").unwrap_or(0.0) / get(m, "secs").unwrap_or(f64::NAN),
                        )),
                        Outcome::Failed { .. } => "FAILED".into(),
                    })
                    .unwrap_or_default();
                line.push_str(&format!(" {cell} |"));
            }
            let _ = writeln!(w, "{line}");
        }
    }
}

fn failures(w: &mut String, runs: &[Run]) {
    let failed: Vec<&Run> = runs
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed { .. }))
        .collect();
    if failed.is_empty() {
        return;
    }
    let _ = writeln!(w, "\n## Failures\n");
    for run in failed {
        if let Outcome::Failed {
            status,
            stderr,
            wall_secs,
        } = &run.outcome
        {
            let lines: Vec<&str> = stderr.lines().collect();
            let tail = &lines[lines.len().saturating_sub(80)..];
            let _ = writeln!(
                w,
                "### round {} {} {}: {status} after {wall_secs:.1} s\n\n```\n{}\n```\n",
                run.round + 1,
                run.workload.name(),
                run.engine.name(),
                tail.join("\n")
            );
        }
    }
}
