//! The `latency` workload: operation latencies through a long mixed load while the store
//! flushes and compacts, the figure behind "write stalls".
//!
//! The store is filled with every key (random order, buffered writes, no reopen: memtables,
//! level 0 and several levels populated, compactions owed), then one writer thread and one
//! reader thread each run `--op-rate` operations per second for `--latency-secs` seconds: the
//! writer overwrites random keys with new values, the reader reads random keys (all present).
//! Both are paced by a schedule, and an operation's latency runs from its **scheduled** start,
//! not from when the thread got to it: an operation stuck behind a stall makes the ones queued
//! behind it late too, as a client with a request rate would see (no coordinated omission).
//! Latencies go into an HDR histogram per thread (microseconds, 3 significant digits) for the
//! whole run and one per second for the time series.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use hdrhistogram::Histogram;

use super::{filled, Report, RunSpec, Watchdog};
use crate::data::{self, Rng, Values, KEY_LEN};

/// Latencies over this count as a stall in the report.
const STALL: Duration = Duration::from_millis(100);

/// One thread's latencies: the whole run, and per second.
struct Latencies {
    all: Histogram<u64>,
    second: Histogram<u64>,
    /// `(count, p99 µs, max µs)` of each second of the run.
    series: Vec<(u64, u64, u64)>,
    stalls: u64,
}

impl Latencies {
    fn new() -> Result<Self> {
        Ok(Latencies {
            all: Histogram::new_with_bounds(1, 600_000_000, 3)?,
            second: Histogram::new_with_bounds(1, 600_000_000, 3)?,
            series: Vec::new(),
            stalls: 0,
        })
    }

    fn record(&mut self, latency: Duration) {
        let us = (latency.as_micros() as u64).clamp(1, 600_000_000);
        self.all.saturating_record(us);
        self.second.saturating_record(us);
        self.stalls += u64::from(latency > STALL);
    }

    /// Closes the current second of the series.
    fn tick(&mut self) {
        let h = &mut self.second;
        self.series
            .push((h.len(), h.value_at_quantile(0.99), h.max()));
        h.reset();
    }

    fn put(&self, report: &mut Report, who: &'static [&'static str; 6]) {
        let h = &self.all;
        report.put(who[0], h.value_at_quantile(0.5) as f64);
        report.put(who[1], h.value_at_quantile(0.99) as f64);
        report.put(who[2], h.value_at_quantile(0.999) as f64);
        report.put(who[3], h.max() as f64);
        report.put(who[4], h.len() as f64);
        report.put(who[5], self.stalls as f64);
    }
}

const WRITE_NAMES: [&str; 6] = [
    "write_p50_us",
    "write_p99_us",
    "write_p999_us",
    "write_max_us",
    "writes",
    "write_stalls",
];
const READ_NAMES: [&str; 6] = [
    "read_p50_us",
    "read_p99_us",
    "read_p999_us",
    "read_max_us",
    "reads",
    "read_stalls",
];

/// Fills the store, then runs the paced writer and reader (see the module docs).
pub(super) fn latency(
    spec: &RunSpec<'_>,
    dog: &Watchdog,
    order: &[[u8; KEY_LEN]],
    values: &Values,
    report: &mut Report,
) -> Result<()> {
    let kv = filled(spec, dog, order, values)?;

    dog.phase("paced reads and writes", Some(&kv));
    let interval = Duration::from_secs_f64(1.0 / spec.op_rate.max(1) as f64);
    let start = Instant::now();
    let end = start + spec.latency_run;
    let done = AtomicU64::new(0);
    let (writes, reads) = std::thread::scope(|scope| -> Result<(Latencies, Latencies)> {
        let writer = scope.spawn(|| {
            let mut rng = Rng::new(spec.seed ^ 0x3217E);
            paced(start, end, interval, &done, dog, |n| {
                let i = rng.below(spec.keys);
                kv.insert(&data::key(i), values.get(i, n + 1))
            })
        });
        let reader = scope.spawn(|| {
            let mut rng = Rng::new(spec.seed ^ 0x4EAD);
            paced(start, end, interval, &done, dog, |_| {
                let key = data::key(rng.below(spec.keys));
                match kv.get(&key)? {
                    Some(_) => Ok(()),
                    None => bail!("key {} is missing", String::from_utf8_lossy(&key)),
                }
            })
        });
        let join = |h: std::thread::ScopedJoinHandle<'_, Result<Latencies>>, who: &str| {
            h.join()
                .map_err(|_| anyhow::anyhow!("the {who} thread panicked"))?
        };
        Ok((join(writer, "writer")?, join(reader, "reader")?))
    })?;
    let secs = start.elapsed().as_secs_f64();

    writes.put(report, &WRITE_NAMES);
    reads.put(report, &READ_NAMES);
    report.put("ops", (writes.all.len() + reads.all.len()) as f64);
    report.put("secs", secs);
    if let Some(dir) = spec.series_dir {
        write_series(dir, spec, &writes, &reads)?;
    }
    dog.phase("finish", Some(&kv));
    kv.finish()?;
    Ok(())
}

/// Runs `op` on the schedule `start + k × interval` until `end`, timing each from its slot.
fn paced(
    start: Instant,
    end: Instant,
    interval: Duration,
    done: &AtomicU64,
    dog: &Watchdog,
    mut op: impl FnMut(u64) -> Result<()>,
) -> Result<Latencies> {
    let mut latencies = Latencies::new()?;
    let mut next_second = start + Duration::from_secs(1);
    let mut n = 0u64;
    loop {
        let slot = start + interval.mul_f64(n as f64);
        if slot >= end {
            break;
        }
        while slot >= next_second {
            latencies.tick();
            next_second += Duration::from_secs(1);
        }
        let now = Instant::now();
        if slot > now {
            std::thread::sleep(slot - now);
        }
        op(n)?;
        latencies.record(slot.elapsed());
        n += 1;
        dog.tick(done.fetch_add(1, Ordering::Relaxed));
    }
    latencies.tick();
    Ok(latencies)
}

/// `latency-ENGINE-SEED.csv` in `dir`: one line per second of the run.
fn write_series(
    dir: &std::path::Path,
    spec: &RunSpec<'_>,
    writes: &Latencies,
    reads: &Latencies,
) -> Result<()> {
    let path = dir.join(format!("latency-{}-{}.csv", spec.engine.name(), spec.seed));
    let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = BufWriter::new(file);
    writeln!(
        out,
        "second,writes,write_p99_us,write_max_us,reads,read_p99_us,read_max_us"
    )?;
    for (s, (w, r)) in writes.series.iter().zip(&reads.series).enumerate() {
        writeln!(out, "{s},{},{},{},{},{},{}", w.0, w.1, w.2, r.0, r.1, r.2)?;
    }
    out.flush()?;
    Ok(())
}
