//! The report's latency table, and the charts written next to the report.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

use super::{done, get, median, ratio_groups};
use crate::charts::{self, Line};
use crate::engines::EngineKind;
use crate::harness::{Plan, Run};
use crate::workloads::Workload;

/// The seed of round 1, whose latency series the charts draw (`harness.rs` derives seeds from
/// rounds the same way).
const FIRST_ROUND_SEED: u64 = 0x71DE;

/// Percentiles of the `latency` workload per engine, medians over rounds, in milliseconds.
pub(super) fn latency_table(w: &mut String, plan: &Plan, runs: &[Run]) {
    if !plan.workloads.contains(&Workload::Latency) {
        return;
    }
    let _ = writeln!(
        w,
        "\n## Latency through {} s of paced reads and writes ({} ops/s each)\n",
        plan.latency_secs, plan.op_rate
    );
    let _ = writeln!(
        w,
        "Each engine filled with every key, then one writer (overwrites of random keys) and one \
         reader (random keys), each on a fixed schedule; a latency runs from the operation's \
         scheduled start, so a stall also delays the operations queued behind it. Milliseconds, \
         medians over rounds; stalls are operations over 100 ms.\n"
    );
    let _ = writeln!(
        w,
        "| engine | write p50 | p99 | p99.9 | max | write stalls | read p50 | p99 | p99.9 | max | read stalls |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &engine in &plan.engines {
        let d = done(runs, Workload::Latency, engine);
        let med = |name: &str| median(d.iter().filter_map(|(_, m)| get(m, name)).collect());
        let ms = |name: &str| med(name).map_or("–".into(), |us| format!("{:.3}", us / 1000.0));
        let count = |name: &str| med(name).map_or("–".into(), |n| format!("{n:.0}"));
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            engine.name(),
            ms("write_p50_us"),
            ms("write_p99_us"),
            ms("write_p999_us"),
            ms("write_max_us"),
            count("write_stalls"),
            ms("read_p50_us"),
            ms("read_p99_us"),
            ms("read_p999_us"),
            ms("read_max_us"),
            count("read_stalls"),
        );
    }
}

/// Writes `ratios.svg` (tidekv ÷ each peer, per row of the throughput table) and, after a
/// `latency` run, `latency-write.svg` and `latency-read.svg` (per-second p99 and maximum of
/// round 1) into `dir`.
pub fn write_charts(plan: &Plan, runs: &[Run], dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let groups = ratio_groups(plan, runs);
    if !groups.is_empty() {
        let svg = charts::ratio_bars(
            &format!("tidekv ÷ peer, {} keys (above 1: tidekv faster)", plan.keys),
            &groups,
        );
        write(dir, "ratios.svg", &svg)?;
    }
    if !plan.workloads.contains(&Workload::Latency) {
        return Ok(());
    }
    for (what, p99_column, max_column) in [("write", 2, 3), ("read", 5, 6)] {
        let mut lines = Vec::new();
        for (i, &engine) in plan.engines.iter().enumerate() {
            let Some(rows) = read_series(dir, engine)? else {
                continue;
            };
            for (dashed, column, label) in [(false, p99_column, "p99"), (true, max_column, "max")] {
                lines.push(Line {
                    name: format!("{} {label}", engine.name()),
                    dashed,
                    colour: i,
                    points: rows.iter().map(|r| (r[0], r[column] / 1000.0)).collect(),
                });
            }
        }
        let svg = charts::log_lines(
            &format!(
                "{what} latency per second through the mixed load (round 1, {} keys)",
                plan.keys
            ),
            "seconds",
            "milliseconds (log scale)",
            &lines,
        );
        write(dir, &format!("latency-{what}.svg"), &svg)?;
    }
    Ok(())
}

fn write(dir: &Path, name: &str, svg: &str) -> Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, svg).with_context(|| format!("writing {}", path.display()))
}

/// The rows of round 1's latency series of `engine`, as numbers; `None` if it has none.
fn read_series(dir: &Path, engine: EngineKind) -> Result<Option<Vec<Vec<f64>>>> {
    let path = dir.join(format!("latency-{}-{FIRST_ROUND_SEED}.csv", engine.name()));
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let rows = text
        .lines()
        .skip(1)
        .map(|line| {
            line.split(',')
                .map(|v| v.parse::<f64>())
                .collect::<Result<Vec<f64>, _>>()
                .with_context(|| format!("parsing {line:?} in {}", path.display()))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(rows))
}
