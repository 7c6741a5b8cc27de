//! Turns the runs into Markdown: throughput medians and ratios, the insert workload's memory,
//! disk and write-amplification figures, per-round numbers, and every failure verbatim.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::charts::BarGroup;
use crate::engines::EngineKind;
use crate::harness::{Outcome, Plan, Run};
use crate::workloads::{Workload, PREFIX_SCANS, SYNC_THREADS};

mod details;
mod latency;

pub use self::latency::write_charts;

type Metric = fn(&HashMap<String, f64>) -> Option<f64>;

fn get(r: &HashMap<String, f64>, name: &str) -> Option<f64> {
    r.get(name).copied()
}

/// Operations per second: the metric of most rows.
fn rate(r: &HashMap<String, f64>) -> Option<f64> {
    Some(get(r, "ops")? / get(r, "secs")?)
}

/// The rows of the throughput table: label, unit, workload, metric.
fn rows() -> Vec<(&'static str, &'static str, Workload, Metric)> {
    let mut rows = FIXED_ROWS.to_vec();
    const SYNC_LABELS: [&str; 4] = [
        "durable writes, 1 thread",
        "durable writes, 2 threads",
        "durable writes, 8 threads",
        "durable writes, 32 threads",
    ];
    for (i, label) in SYNC_LABELS.iter().enumerate().take(SYNC_THREADS.len()) {
        rows.push((label, "ops/s", Workload::Sync(i), rate));
    }
    rows.push(("mix 50/50 after a fill", "ops/s", Workload::Mix50, rate));
    // Lower write amplification is better: the row shows its inverse, so that a ratio above 1
    // means tidekv wrote less, like every other row.
    rows.push((
        "mix 50/50: 1 ÷ write amplification, whole run",
        "user B per B written",
        Workload::Mix50,
        |r| Some(get(r, "user_bytes")? / get(r, "write_bytes")?),
    ));
    rows.push((
        "mix 50/50: 1 ÷ write amplification, mix + close",
        "user B per B written",
        Workload::Mix50,
        |r| Some(get(r, "mix_user_bytes")? / get(r, "mix_write_bytes")?),
    ));
    rows.push((
        "get right after a fill (no reopen)",
        "ops/s",
        Workload::FreshGet,
        rate,
    ));
    let opens: Metric = |r| Some(1.0 / get(r, "open_secs")?);
    let with_reads: Metric = |r| Some(1.0 / get(r, "secs")?);
    rows.push((
        "open after a clean close",
        "opens/s",
        Workload::OpenAfterClose,
        opens,
    ));
    rows.push((
        "open after a clean close + 1,000 reads",
        "per s",
        Workload::OpenAfterClose,
        with_reads,
    ));
    rows.push((
        "open after a crash",
        "opens/s",
        Workload::OpenAfterCrash,
        opens,
    ));
    rows.push((
        "open after a crash + 1,000 reads",
        "per s",
        Workload::OpenAfterCrash,
        with_reads,
    ));
    for (i, (name, _, _)) in PREFIX_SCANS.iter().enumerate() {
        rows.push((name, "scans/s", Workload::PrefixScan(i), rate));
    }
    rows
}

const FIXED_ROWS: [(&str, &str, Workload, Metric); 6] = [
    ("insert", "ops/s", Workload::Insert, rate),
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
    ("get", "ops/s", Workload::Get, rate),
    ("scan", "scans/s", Workload::Scan, rate),
    ("scan", "entries/s", Workload::Scan, |r| {
        Some(get(r, "entries")? / get(r, "secs")?)
    }),
    ("mix 80/20", "ops/s", Workload::Mix, rate),
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
        Some(x) if x < 10.0 => format!("{x:.2}"),
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
         on every engine; sync-N: {} writes.\n",
        plan.keys, plan.rounds, plan.cache_mib, plan.sync_ops
    );

    throughput_table(w, plan, runs);
    if plan.workloads.contains(&Workload::Insert) {
        details::insert_table(w, plan, runs);
    }
    latency::latency_table(w, plan, runs);
    details::details(w, plan, runs);
    per_round(w, plan, runs);
    failures(w, runs);
    out
}

/// The engines of the plan other than tidekv, in order.
fn peers(plan: &Plan) -> Vec<EngineKind> {
    plan.engines
        .iter()
        .copied()
        .filter(|&e| e != EngineKind::Tidekv)
        .collect()
}

/// Each engine's median, and tidekv ÷ each peer: the ratio of the medians, and the min–max of the
/// per-round ratios (peers run right after tidekv in each round).
fn throughput_table(w: &mut String, plan: &Plan, runs: &[Run]) {
    let peers = peers(plan);
    let _ = writeln!(w, "## Throughput\n");
    let mut head = String::from("| workload | unit |");
    let mut rule = String::from("|---|---|");
    for engine in &plan.engines {
        head.push_str(&format!(" {} |", engine.name()));
        rule.push_str("---:|");
    }
    for peer in &peers {
        head.push_str(&format!(" tidekv ÷ {} (per-round min–max) |", peer.name()));
        rule.push_str("---:|");
    }
    let _ = writeln!(w, "{head}\n{rule}");
    for (label, unit, workload, metric) in rows() {
        if !plan.workloads.contains(&workload) {
            continue;
        }
        let mut line = format!("| {label} | {unit} |");
        for &engine in &plan.engines {
            let v = values(runs, workload, engine, metric);
            line.push_str(&format!(
                " {} |",
                fmt_rate(median(v.iter().map(|x| x.1).collect()))
            ));
        }
        let t = values(runs, workload, EngineKind::Tidekv, metric);
        let tm = median(t.iter().map(|x| x.1).collect());
        for &peer in &peers {
            let p = values(runs, workload, peer, metric);
            let pm = median(p.iter().map(|x| x.1).collect());
            let per_round: Vec<f64> = t
                .iter()
                .filter_map(|&(round, tv)| Some(tv / p.iter().find(|x| x.0 == round)?.1))
                .collect();
            let spread = match (
                per_round.iter().copied().reduce(f64::min),
                per_round.iter().copied().reduce(f64::max),
            ) {
                (Some(lo), Some(hi)) => format!(" ({lo:.2}–{hi:.2})"),
                _ => String::new(),
            };
            let r = match (tm, pm) {
                (Some(a), Some(b)) => Some(a / b),
                _ => None,
            };
            line.push_str(&format!(" **{}**{spread} |", ratio(r)));
        }
        let _ = writeln!(w, "{line}");
    }
}

/// tidekv ÷ each peer (ratio of medians) for every row of the throughput table that ran.
fn ratio_groups(plan: &Plan, runs: &[Run]) -> Vec<BarGroup> {
    let peers = peers(plan);
    let med = |workload, engine, metric| {
        median(
            values(runs, workload, engine, metric)
                .iter()
                .map(|x| x.1)
                .collect(),
        )
    };
    rows()
        .into_iter()
        .filter(|row| plan.workloads.contains(&row.2))
        .map(|(label, unit, workload, metric)| {
            let t = med(workload, EngineKind::Tidekv, metric);
            let bars = peers
                .iter()
                .map(|&peer| {
                    let r = match (t, med(workload, peer, metric)) {
                        (Some(a), Some(b)) => Some(a / b),
                        _ => None,
                    };
                    (peer.name().to_string(), r)
                })
                .collect();
            (format!("{label} ({unit})"), bars)
        })
        .collect()
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
