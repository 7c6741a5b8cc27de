//! `tidekv migrate FROM TO`: every key of one store written into another — any two of a disk
//! store, a snapshot file, a server, a Cluster — keeping types and TTLs, streaming, in atomic
//! batches; `--verify` then reads the source again and compares every key with the destination.

use std::fmt::Write as _;
use std::time::Instant;

use clap::Args;
use tidekv::{Record, Store, StoredValue, Ttl};

use crate::interrupt::Interrupt;
use crate::keys::Printed;
use crate::location::Location;
use crate::progress::{Progress, Unit};
use crate::records::{now_ms, BatchWriter};

/// Exit status of `migrate --verify` when the two sides differ.
pub(crate) const DIFFERENT: u8 = 4;

/// How far a migrated TTL's deadline may be from the source's (clocks read at different times).
const TTL_SLACK_MS: u64 = 2_000;

/// `tidekv migrate`.
#[derive(Debug, Args)]
#[command(
    after_help = "FROM and TO are each a disk store's directory, a snapshot file (*.tkv: \
what a memory store saves), a server URL (redis://, rediss://, valkey://), or a Cluster \
(cluster:redis://host:port,redis://host:port). The source is read at one point in time where it \
can be (not on a server) and never changed; each key is replaced whole in the destination, so a \
migration run again, after Ctrl-C or a failure, finishes the job. Keys that expired on the way \
are left out.

Exit status: 0 done (and, with --verify, equal), 4 --verify found differences, 1 an error.

Examples:
  tidekv migrate ./tidekv-data redis://10.0.0.5:6379 --verify     # outgrowing one machine
  tidekv migrate ./tidekv-data cluster:redis://10.0.0.5:7000,redis://10.0.0.6:7000
  tidekv migrate redis://127.0.0.1:6379 ./tidekv-data              # and back
  tidekv migrate dump.tkv ./tidekv-data"
)]
pub(crate) struct MigrateArgs {
    /// Where the keys are.
    from: String,
    /// Where they go.
    to: String,
    /// Then read the source again and compare every key (type, value, TTL) with the destination.
    #[arg(long)]
    verify: bool,
    /// Only compare (as --verify does), writing nothing.
    #[arg(long, conflicts_with = "verify")]
    compare_only: bool,
    /// Keys per atomic batch (1 on a Cluster).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    batch: usize,
}

pub(crate) fn run(args: MigrateArgs) -> Result<Printed, String> {
    let (from, to) = (Location::parse(&args.from)?, Location::parse(&args.to)?);
    let source = from.open_source()?;
    let destination = match if args.compare_only {
        to.open_source()
    } else {
        to.open_destination()
    } {
        Ok(store) => store,
        Err(e) => {
            let _ = source.close();
            return Err(e);
        }
    };
    let started = Instant::now();
    let copied = if args.compare_only {
        Ok(None)
    } else {
        copy(&source, &destination, args.batch).map(Some)
    };
    let checked = match (&copied, args.verify || args.compare_only) {
        (Ok(_), true) => Some(compare(&source, &destination)),
        _ => None,
    };
    let _ = source.close();
    let finished = if args.compare_only {
        destination.close().map_err(|e| e.to_string())
    } else {
        to.finish(destination)
    };
    let copied = copied?;
    finished?;
    let mut out = String::new();
    if let Some(keys) = copied {
        let _ = writeln!(
            out,
            "migrated {keys} keys from {from} to {to} in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let mut status = 0;
    if let Some(checked) = checked {
        let (compared, differences) = checked?;
        if differences.is_empty() {
            let _ = writeln!(
                out,
                "verified {compared} keys: the destination holds each as the source does"
            );
        } else {
            status = DIFFERENT;
            let _ = writeln!(
                out,
                "verified {compared} keys: {} differ",
                differences.len()
            );
            for difference in differences.iter().take(20) {
                let _ = writeln!(out, "  {difference}");
            }
        }
    }
    Ok(Printed {
        out: out.into_bytes(),
        status,
    })
}

/// Streams every record of `source` into `destination`; the keys written.
fn copy(source: &Store, destination: &Store, batch: usize) -> Result<u64, String> {
    let interrupt = Interrupt::listen();
    let total = source.stats().map(|s| s.keys).ok();
    let mut progress = Progress::new("migrate", Unit::Keys, total);
    let mut writer = BatchWriter::new(destination, batch);
    let again = "the destination holds whole keys only; run the same migrate again to finish";
    let result = (|| {
        for record in source
            .dump()
            .map_err(|e| format!("reading the source: {e}"))?
        {
            let record = record.map_err(|e| format!("reading the source: {e}"))?;
            if record.expires_at.is_some_and(|at| at <= now_ms()) {
                continue;
            }
            let line = record;
            if writer.full_for(&line) {
                if interrupt.pressed() {
                    return Err(format!(
                        "stopped by Ctrl-C after {} keys; {again}",
                        writer.written
                    ));
                }
                writer
                    .commit()
                    .map_err(|e| format!("writing: {e}; {again}"))?;
                progress.set(writer.written);
            }
            writer
                .add(line)
                .map_err(|e| format!("writing: {e}; {again}"))?;
        }
        writer
            .commit()
            .map_err(|e| format!("writing: {e}; {again}"))?;
        Ok(writer.written)
    })();
    progress.finish();
    result
}

/// Reads the source again and compares each key with the destination: how many keys were
/// compared, and a line per difference.
fn compare(source: &Store, destination: &Store) -> Result<(u64, Vec<String>), String> {
    let mut differences = Vec::new();
    let mut compared = 0u64;
    let mut progress = Progress::new("verify", Unit::Keys, source.stats().map(|s| s.keys).ok());
    for record in source.dump().map_err(|e| e.to_string())? {
        let record = record.map_err(|e| e.to_string())?;
        if record.expires_at.is_some_and(|at| at <= now_ms()) {
            continue;
        }
        if let Some(difference) = differs(destination, &record).map_err(|e| e.to_string())? {
            differences.push(difference);
        }
        compared += 1;
        progress.set(compared);
    }
    progress.finish();
    Ok((compared, differences))
}

/// How the destination's copy of `record` differs from it, if it does.
fn differs(destination: &Store, record: &Record) -> tidekv::Result<Option<String>> {
    let ks = destination.keyspace(record.keyspace)?;
    let key = &record.key;
    let name = format!("db {} key {}", record.keyspace, crate::keys::quoted(key));
    let same_value = match &record.value {
        StoredValue::String(value) => match ks.type_of(key)? {
            Some(tidekv::KeyKind::List) => false,
            Some(_) => ks.get(key)?.as_ref() == Some(value),
            None => return Ok(Some(format!("{name}: missing"))),
        },
        StoredValue::List(items) => match ks.type_of(key)? {
            Some(tidekv::KeyKind::List) => ks.list_range(key, 0, -1)? == *items,
            Some(_) => false,
            None => return Ok(Some(format!("{name}: missing"))),
        },
    };
    if !same_value {
        return Ok(Some(format!("{name}: another value or type")));
    }
    let now = now_ms();
    let deadline = match ks.ttl(key)? {
        None => return Ok(Some(format!("{name}: missing"))),
        Some(Ttl::Persistent) => None,
        Some(Ttl::ExpiresIn(left)) => {
            Some(now + u64::try_from(left.as_millis()).unwrap_or(u64::MAX))
        }
    };
    let close = match (record.expires_at, deadline) {
        (None, None) => true,
        (Some(a), Some(b)) => a.abs_diff(b) <= TTL_SLACK_MS,
        _ => false,
    };
    Ok((!close).then(|| format!("{name}: another TTL")))
}
