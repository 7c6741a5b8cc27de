//! The prefix-scan workloads (`fresh-scan-N`, `compact-scan-N`): scans that each return N keys,
//! on a store right after a random fill or after a full compaction.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};

use super::{
    cache_counters, filled, loaded_with, put_cache_delta, secs, Report, RunSpec, Watchdog,
};
use crate::data::{self, Rng, Values, KEY_LEN};
use crate::engines::Kv;

/// The prefix-scan workloads: name, keys each scan returns, and whether the store is compacted
/// (and reopened, its cache warmed) first; otherwise it is scanned right after a random fill,
/// as a user has it (memtable, level 0 and several levels populated, compactions running).
pub const PREFIX_SCANS: [(&str, u64, bool); 8] = [
    ("fresh-scan-1", 1, false),
    ("fresh-scan-10", 10, false),
    ("fresh-scan-100", 100, false),
    ("fresh-scan-1000", 1000, false),
    ("compact-scan-1", 1, true),
    ("compact-scan-10", 10, true),
    ("compact-scan-100", 100, true),
    ("compact-scan-1000", 1000, true),
];

/// Prepares the store for scan `i` of [`PREFIX_SCANS`] and runs its scans.
pub(super) fn prefix_scan(
    spec: &RunSpec<'_>,
    dog: &Watchdog,
    order: &[[u8; KEY_LEN]],
    values: &Values,
    i: usize,
    report: &mut Report,
) -> Result<()> {
    let (_, size, compacted) = *PREFIX_SCANS.get(i).context("no such scan")?;
    let kv = if compacted {
        loaded_with(spec, dog, order, values, true)?
    } else {
        filled(spec, dog, order, values)?
    };
    scans(spec, dog, &kv, size, report)
}

/// A prefix scan returning `size` keys (1, 10, 100 or 1,000), `min(keys / size, 100,000)`
/// times, at random places: the prefix is the first 16, 15, 12 or 11 bytes of a random key (see
/// `data.rs`: those are shared by exactly 1, 10, 100 or 1,000 consecutive keys).
fn scans(
    spec: &RunSpec<'_>,
    dog: &Watchdog,
    kv: &Arc<dyn Kv>,
    size: u64,
    report: &mut Report,
) -> Result<()> {
    let len = match size {
        1 => KEY_LEN,
        10 => KEY_LEN - 1,
        100 => data::PREFIX_LEN,
        1000 => data::PREFIX_LEN - 1,
        other => bail!("no prefix returns {other} keys"),
    };
    let scans = (spec.keys / size).clamp(1, 100_000);
    let mut rng = Rng::new(spec.seed ^ 0x5CA ^ size);
    let picks: Vec<([u8; KEY_LEN], u64)> = (0..scans)
        .map(|_| {
            let i = rng.below(spec.keys);
            let first = i - i % size;
            (data::key(i), size.min(spec.keys - first))
        })
        .collect();
    let cache_before = cache_counters(&**kv);
    dog.phase("prefix scans", Some(kv));
    let start = Instant::now();
    let mut entries = 0u64;
    for (i, (key, expected)) in picks.iter().enumerate() {
        let (n, _bytes) = kv.scan_prefix(&key[..len])?;
        ensure!(
            n == *expected,
            "a scan of {:?} returned {n} entries, expected {expected}",
            String::from_utf8_lossy(&key[..len])
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
