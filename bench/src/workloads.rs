//! The workloads, as run inside one child process against one engine in one fresh directory.
//!
//! Every workload prints one `RESULT name=value ...` line on stdout; the parent parses it.
//! Timed sections hold only store calls (keys and values are precomputed).

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Result};

use crate::data::{self, Rng, Values, GROUP, KEY_LEN};
use crate::engines::{self, EngineKind, Kv, WriteMode};
use crate::proc_stats;

mod insert;
mod latency;
mod prefix_scan;
mod reopen;
mod sync_writes;
mod watchdog;
mod write_amp;

use self::insert::insert;
use self::latency::latency;
use self::prefix_scan::prefix_scan;
pub use self::prefix_scan::PREFIX_SCANS;
pub use self::reopen::load_and_abort;
use self::reopen::{open_after_close, open_after_crash};
use self::sync_writes::sync_writes;
pub use self::sync_writes::SYNC_THREADS;
use self::watchdog::Watchdog;
use self::write_amp::mix_50;

/// One workload (see the README of the harness, `bench/README.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    Insert,
    Get,
    /// `get` on the store right after the fill: no close, no reopen, no warm-up.
    FreshGet,
    Scan,
    Mix,
    /// A fill, then reads and overwrites half and half; write amplification (`write_amp.rs`).
    Mix50,
    /// Durable writes from `SYNC_THREADS[i]` threads.
    Sync(usize),
    /// Time to open a store, and to read from it, after a clean close.
    OpenAfterClose,
    /// The same after the process that filled it was killed (`abort`) without closing it.
    OpenAfterCrash,
    /// Latencies of paced reads and writes through a long run (`latency.rs`).
    Latency,
    /// One of [`PREFIX_SCANS`], by index.
    PrefixScan(usize),
}

impl Workload {
    pub const ALL: [Workload; 21] = [
        Workload::Insert,
        Workload::Get,
        Workload::FreshGet,
        Workload::Scan,
        Workload::Mix,
        Workload::Mix50,
        Workload::Sync(0),
        Workload::Sync(1),
        Workload::Sync(2),
        Workload::Sync(3),
        Workload::OpenAfterClose,
        Workload::OpenAfterCrash,
        Workload::Latency,
        Workload::PrefixScan(0),
        Workload::PrefixScan(1),
        Workload::PrefixScan(2),
        Workload::PrefixScan(3),
        Workload::PrefixScan(4),
        Workload::PrefixScan(5),
        Workload::PrefixScan(6),
        Workload::PrefixScan(7),
    ];

    pub fn name(self) -> &'static str {
        match self {
            Workload::Insert => "insert",
            Workload::Get => "get",
            Workload::FreshGet => "fresh-get",
            Workload::Scan => "scan",
            Workload::Mix => "mix",
            Workload::Mix50 => "mix-50",
            Workload::Sync(i) => ["sync-1", "sync-2", "sync-8", "sync-32"]
                .get(i)
                .copied()
                .unwrap_or("?"),
            Workload::OpenAfterClose => "open-after-close",
            Workload::OpenAfterCrash => "open-after-crash",
            Workload::Latency => "latency",
            Workload::PrefixScan(i) => PREFIX_SCANS.get(i).map_or("?", |s| s.0),
        }
    }
}

impl FromStr for Workload {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        // The name the 2-thread series had before there were others.
        let s = if s == "sync2" { "sync-2" } else { s };
        Workload::ALL
            .into_iter()
            .find(|w| w.name() == s)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "unknown workload {s:?} (insert, get, fresh-get, scan, mix, mix-50, sync-{{1,2,8,32}}, \
                     open-after-close, open-after-crash, latency, fresh-scan-{{1,10,100,1000}}, \
                     compact-scan-{{1,10,100,1000}})"
                )
            })
    }
}

/// Everything one child run needs.
#[derive(Debug, Clone)]
pub struct RunSpec<'a> {
    pub engine: EngineKind,
    pub workload: Workload,
    pub keys: u64,
    pub sync_ops: u64,
    pub cache_bytes: u64,
    pub dir: &'a Path,
    pub timeout: Duration,
    pub seed: u64,
    /// `latency`: operations per second of each of its two threads, and how long it runs.
    pub op_rate: u64,
    pub latency_run: Duration,
    /// `latency`: where its per-second series goes (for the charts), if anywhere.
    pub series_dir: Option<&'a Path>,
}

/// What a run reports: `name=value` pairs.
#[derive(Debug, Default)]
pub struct Report(Vec<(&'static str, f64)>);

impl Report {
    fn put(&mut self, name: &'static str, value: impl Into<f64>) {
        self.0.push((name, value.into()));
    }

    fn get(&self, name: &str) -> Option<f64> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    pub fn line(&self) -> String {
        let mut line = String::from("RESULT");
        for (name, value) in &self.0 {
            line.push_str(&format!(" {name}={value}"));
        }
        line
    }
}

/// Runs one workload and returns its report.
pub fn run(spec: &RunSpec<'_>) -> Result<Report> {
    ensure!(spec.keys > 0, "--keys must be > 0");
    // `--timeout` bounds the preparation of a latency run; its paced part comes on top.
    let dog = match spec.workload {
        Workload::Latency => Watchdog::start(spec.timeout + spec.latency_run),
        _ => Watchdog::start(spec.timeout),
    };
    dog.phase("generating data", None);
    let load_order = data::shuffled_keys(spec.keys, spec.seed);
    let values = Values::new(spec.seed);
    let mut report = Report::default();
    report.put("baseline_rss_kib", proc_stats::peak_rss_kib()? as f64);
    match spec.workload {
        Workload::Insert => insert(spec, &dog, &load_order, &values, &mut report)?,
        Workload::Get => {
            let kv = loaded(spec, &dog, &load_order, &values)?;
            get(spec, &dog, &kv, &mut report)?;
        }
        Workload::FreshGet => {
            let kv = filled(spec, &dog, &load_order, &values)?;
            get(spec, &dog, &kv, &mut report)?;
        }
        Workload::Scan => {
            let kv = loaded(spec, &dog, &load_order, &values)?;
            scan(spec, &dog, &kv, &mut report)?;
        }
        Workload::Mix => {
            let kv = loaded(spec, &dog, &load_order, &values)?;
            mix(spec, &dog, &kv, &values, 20, &mut report)?;
        }
        Workload::Mix50 => mix_50(spec, &dog, &load_order, &values, &mut report)?,
        Workload::Sync(i) => {
            let threads = SYNC_THREADS.get(i).copied().unwrap_or(1);
            sync_writes(spec, &dog, &load_order, &values, threads, &mut report)?;
        }
        Workload::OpenAfterClose => {
            open_after_close(spec, &dog, &load_order, &values, &mut report)?;
        }
        Workload::OpenAfterCrash => open_after_crash(spec, &dog, &mut report)?,
        Workload::Latency => latency(spec, &dog, &load_order, &values, &mut report)?,
        Workload::PrefixScan(i) => {
            prefix_scan(spec, &dog, &load_order, &values, i, &mut report)?;
        }
    }
    report.put("peak_rss_kib", proc_stats::peak_rss_kib()? as f64);
    Ok(report)
}

fn open(spec: &RunSpec<'_>, mode: WriteMode) -> Result<Arc<dyn Kv>> {
    Ok(Arc::from(engines::open(
        spec.engine,
        spec.dir,
        mode,
        spec.cache_bytes,
    )?))
}

/// A fresh store (buffered writes) holding every key of `order`, as a user has it right after a
/// random fill: nothing flushed or compacted on purpose.
fn filled(
    spec: &RunSpec<'_>,
    dog: &Watchdog,
    order: &[[u8; KEY_LEN]],
    values: &Values,
) -> Result<Arc<dyn Kv>> {
    dog.phase("open", None);
    let kv = open(spec, WriteMode::Buffered)?;
    dog.phase("load", Some(&kv));
    load(dog, &*kv, order, values)?;
    Ok(kv)
}

fn load(dog: &Watchdog, kv: &dyn Kv, order: &[[u8; KEY_LEN]], values: &Values) -> Result<()> {
    for (i, key) in order.iter().enumerate() {
        kv.insert(key, values.get(i as u64, 0))?;
        dog.tick(i as u64);
    }
    Ok(())
}

fn secs(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

/// Loads every key (random order), writes everything out as tables and reopens, then reads every
/// key once in key order (untimed) so the block cache is warm and every key is known to be there.
fn loaded(
    spec: &RunSpec<'_>,
    dog: &Watchdog,
    order: &[[u8; KEY_LEN]],
    values: &Values,
) -> Result<Arc<dyn Kv>> {
    loaded_with(spec, dog, order, values, false)
}

/// [`loaded`], with a full compaction before the reopen when `compact` is set.
fn loaded_with(
    spec: &RunSpec<'_>,
    dog: &Watchdog,
    order: &[[u8; KEY_LEN]],
    values: &Values,
    compact: bool,
) -> Result<Arc<dyn Kv>> {
    let kv = filled(spec, dog, order, values)?;
    if compact {
        dog.phase("compaction after load", Some(&kv));
        kv.compact()?;
    }
    dog.phase("finish after load", Some(&kv));
    kv.finish()?;
    drop(kv);
    dog.phase("reopen", None);
    let kv = open(spec, WriteMode::Buffered)?;
    dog.phase("warm-up reads", Some(&kv));
    for i in 0..spec.keys {
        let key = data::key(i);
        if kv.get(&key)?.is_none() {
            bail!(
                "warm-up: key {} (number {i}) is missing after load and reopen",
                String::from_utf8_lossy(&key)
            );
        }
        dog.tick(i);
    }
    Ok(kv)
}

fn cache_counters(kv: &dyn Kv) -> Option<(u64, u64)> {
    kv.tidekv_stats()
        .map(|s| (s.block_cache_hits, s.block_cache_misses))
}

fn put_cache_delta(report: &mut Report, kv: &dyn Kv, before: Option<(u64, u64)>) {
    if let (Some((h0, m0)), Some((h1, m1))) = (before, cache_counters(kv)) {
        report.put("tidekv_cache_hits", (h1 - h0) as f64);
        report.put("tidekv_cache_misses", (m1 - m0) as f64);
    }
}

/// `get`: `keys` random point reads of existing keys, warm cache.
fn get(spec: &RunSpec<'_>, dog: &Watchdog, kv: &Arc<dyn Kv>, report: &mut Report) -> Result<()> {
    let mut rng = Rng::new(spec.seed ^ 0x6E7);
    let reads: Vec<[u8; KEY_LEN]> = (0..spec.keys)
        .map(|_| data::key(rng.below(spec.keys)))
        .collect();
    let cache_before = cache_counters(&**kv);
    dog.phase("get", Some(kv));
    let start = Instant::now();
    let mut found_bytes = 0u64;
    for (i, key) in reads.iter().enumerate() {
        match kv.get(key)? {
            Some(len) => found_bytes += len as u64,
            None => bail!("get: key {} is missing", String::from_utf8_lossy(key)),
        }
        dog.tick(i as u64);
    }
    report.put("secs", secs(start));
    report.put("ops", spec.keys as f64);
    report.put("value_bytes", found_bytes as f64);
    put_cache_delta(report, &**kv, cache_before);
    Ok(())
}

/// `scan`: `max(keys / 100, 1)` prefix scans of random 12-byte groups, 100 entries each.
fn scan(spec: &RunSpec<'_>, dog: &Watchdog, kv: &Arc<dyn Kv>, report: &mut Report) -> Result<()> {
    let groups = spec.keys.div_ceil(GROUP);
    let scans = (spec.keys / GROUP).max(1);
    let mut rng = Rng::new(spec.seed ^ 0x5CA);
    let picks: Vec<u64> = (0..scans).map(|_| rng.below(groups)).collect();
    let cache_before = cache_counters(&**kv);
    dog.phase("scan", Some(kv));
    let start = Instant::now();
    let mut entries = 0u64;
    for (i, &group) in picks.iter().enumerate() {
        let (n, _bytes) = kv.scan_prefix(&data::prefix(group))?;
        let expected = GROUP.min(spec.keys - group * GROUP);
        ensure!(
            n == expected,
            "scan of group {group} returned {n} entries, expected {expected}"
        );
        entries += n;
        dog.tick(i as u64);
    }
    report.put("secs", secs(start));
    report.put("ops", scans as f64);
    report.put("entries", entries as f64);
    put_cache_delta(report, &**kv, cache_before);
    Ok(())
}

/// `mix`: `keys` operations, each an overwrite (`write_percent` %) or a read of a random existing
/// key.
fn mix(
    spec: &RunSpec<'_>,
    dog: &Watchdog,
    kv: &Arc<dyn Kv>,
    values: &Values,
    write_percent: u64,
    report: &mut Report,
) -> Result<()> {
    let mut rng = Rng::new(spec.seed ^ 0x313);
    // (key number, is a write)
    let ops: Vec<(u64, bool)> = (0..spec.keys)
        .map(|_| (rng.below(spec.keys), rng.below(100) < write_percent))
        .collect();
    let keys: Vec<[u8; KEY_LEN]> = ops.iter().map(|&(i, _)| data::key(i)).collect();
    dog.phase("mix", Some(kv));
    let start = Instant::now();
    let mut writes = 0u64;
    for (n, (&(i, write), key)) in ops.iter().zip(&keys).enumerate() {
        if write {
            kv.insert(key, values.get(i, n as u64 + 1))?;
            writes += 1;
        } else if kv.get(key)?.is_none() {
            bail!("mix: key {} is missing", String::from_utf8_lossy(key));
        }
        dog.tick(n as u64);
    }
    report.put("secs", secs(start));
    report.put("ops", spec.keys as f64);
    report.put("writes", writes as f64);
    Ok(())
}
