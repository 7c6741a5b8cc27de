//! The `mix-50` workload: a random fill, then as many operations again, each a read (50 %) or an
//! overwrite (50 %) of a random existing key, then the store closed; what it cost in bytes
//! written.
//!
//! Write amplification is bytes the process sent to storage (`/proc/self/io` `write_bytes`, all
//! threads, the same method for every engine) divided by user bytes (key + value of every
//! insert). It is measured over the whole life of the store (open, fill, mix, close) and over the
//! mix and close alone: the fill leaves each engine a different compaction debt, which the
//! second figure charges to the mix.

use anyhow::Result;

use super::{filled, mix, Report, RunSpec, Watchdog};
use crate::data::{Values, KEY_LEN, VALUE_LEN};
use crate::proc_stats::Io;

pub(super) fn mix_50(
    spec: &RunSpec<'_>,
    dog: &Watchdog,
    order: &[[u8; KEY_LEN]],
    values: &Values,
    report: &mut Report,
) -> Result<()> {
    let io_start = Io::read()?;
    let kv = filled(spec, dog, order, values)?;
    let io_mix = Io::read()?;
    // The operations are generated before the mix is timed; their memory is the harness's.
    mix(spec, dog, &kv, values, 50, report)?;
    let writes = report.get("writes").unwrap_or(0.0) as u64;
    dog.phase("finish (memtables to tables, close)", Some(&kv));
    kv.finish()?;
    drop(kv);
    let end = Io::read()?;
    let pair = (KEY_LEN + VALUE_LEN) as u64;
    report.put("user_bytes", ((spec.keys + writes) * pair) as f64);
    report.put("write_bytes", end.since(io_start).write_bytes as f64);
    report.put("mix_user_bytes", (writes * pair) as f64);
    report.put("mix_write_bytes", end.since(io_mix).write_bytes as f64);
    Ok(())
}
