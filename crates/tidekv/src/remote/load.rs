//! Loading a snapshot into Valkey / Redis: every keyspace replaced by the records.
//!
//! The records are first copied to an anonymous temporary file in the snapshot format, so that a
//! source that fails half-way (a corrupt snapshot: its checksums are checked as it is read)
//! fails before anything on the server changed, as the engine contract asks. Then each keyspace
//! is emptied (`FLUSHDB`) and the records are written, many at a time on the multiplexed
//! connection, a list with its expiry as one `MULTI` … `EXEC`.
//!
//! A connection failure while writing leaves the server with part of the records: the error
//! says so, and loading again replaces everything.
//!
//! [`put_records`] writes records over what the server holds instead (import, migration): each
//! key replaced whole, the group in one `MULTI` … `EXEC` on one server; on a Cluster, whose
//! transactions cannot span hash slots, one `MULTI` per key. No script is used, so a server
//! without scripting (`tidekv serve`) takes them too.

use std::io::{BufReader, BufWriter, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

use futures_util::future::join_all;
use redis::Value;

use crate::engine::{Record, StoredValue};
use crate::error::{Error, Result};
use crate::remote::engine::RemoteEngine;
use crate::remote::errors::{from_redis, Expected};
use crate::snapshot::{SnapshotReader, SnapshotWriter};

/// Records written per batch of concurrent commands.
const BATCH: usize = 256;

/// Replaces every keyspace with `records` (see the module docs).
pub(crate) fn load(
    engine: &RemoteEngine,
    records: &mut dyn Iterator<Item = Result<Record>>,
) -> Result<()> {
    let io = |e| {
        Error::io(
            "copying a snapshot to a temporary file before loading it",
            e,
        )
    };
    let spool = tempfile::tempfile().map_err(io)?;
    let mut writer = SnapshotWriter::new(BufWriter::new(spool), engine.now(), io)?;
    for record in records {
        writer.add(record?)?;
    }
    let (out, _) = writer.finish()?;
    let mut spool = out.into_inner().map_err(|e| io(e.into_error()))?;
    spool.seek(SeekFrom::Start(0)).map_err(io)?;
    let reader = SnapshotReader::new(BufReader::new(spool), PathBuf::from("(temporary copy)"))?;

    for ks in 0..engine.keyspaces {
        let _: Value = engine.query(
            ks,
            crate::remote::engine::Repeat::Safe,
            redis::cmd("FLUSHDB"),
        )?;
    }
    let now = engine.now();
    let mut batch: Vec<Record> = Vec::with_capacity(BATCH);
    for record in reader {
        let record = record?;
        let empty_list = matches!(&record.value, StoredValue::List(items) if items.is_empty());
        if empty_list || record.expires_at.is_some_and(|at| at <= now) {
            continue;
        }
        if batch
            .last()
            .is_some_and(|last| last.keyspace != record.keyspace)
            || batch.len() >= BATCH
        {
            write_batch(engine, std::mem::take(&mut batch))?;
        }
        batch.push(record);
    }
    write_batch(engine, batch)
}

/// Writes records of one keyspace, concurrently.
fn write_batch(engine: &RemoteEngine, batch: Vec<Record>) -> Result<()> {
    let Some(ks) = batch.first().map(|r| r.keyspace) else {
        return Ok(());
    };
    let pipelines: Vec<redis::Pipeline> =
        batch.iter().map(|r| record_pipeline(engine, r)).collect();
    run_pipelines(engine, ks, pipelines)
        .map_err(|e| Error::remote("loading a snapshot (the server now holds part of it)", e))
}

/// Writes `records` (of one keyspace) over what the server holds (see the module docs).
pub(crate) fn put_records(engine: &RemoteEngine, records: &[Record]) -> Result<()> {
    let Some(ks) = records.first().map(|r| r.keyspace) else {
        return Ok(());
    };
    let pipelines: Vec<redis::Pipeline> = if engine.conns.is_cluster() {
        records
            .iter()
            .map(|r| {
                let mut pipe = redis::pipe();
                pipe.atomic();
                add_record(&mut pipe, engine, r, true);
                pipe
            })
            .collect()
    } else {
        let mut pipe = redis::pipe();
        pipe.atomic();
        records
            .iter()
            .for_each(|r| add_record(&mut pipe, engine, r, true));
        vec![pipe]
    };
    run_pipelines(engine, ks, pipelines)
}

/// Sends `pipelines` concurrently on keyspace `ks`'s shared connection.
fn run_pipelines(engine: &RemoteEngine, ks: u32, pipelines: Vec<redis::Pipeline>) -> Result<()> {
    let conns = Arc::clone(&engine.conns);
    let options = Arc::clone(&engine.options);
    engine.bridge.run(async move {
        let shared = conns.shared(ks, &options).await?;
        let written = join_all(pipelines.iter().map(|pipe| {
            let mut shared = shared.clone();
            async move { pipe.query_async::<()>(&mut shared).await }
        }))
        .await;
        for result in written {
            result.map_err(|e| from_redis(&e, "MULTI", Expected::String))?;
        }
        Ok(())
    })?
}

/// The commands that write one record: `SET … PXAT`, or `RPUSH` and `PEXPIREAT` in one
/// `MULTI`.
fn record_pipeline(engine: &RemoteEngine, record: &Record) -> redis::Pipeline {
    let mut pipe = redis::pipe();
    if matches!(record.value, StoredValue::List(_)) {
        pipe.atomic();
    }
    add_record(&mut pipe, engine, record, false);
    pipe
}

/// Adds the commands that write `record` to `pipe`: `SET … PXAT`, or (after a `DEL` if
/// `replace`) `RPUSH` and `PEXPIREAT`.
fn add_record(pipe: &mut redis::Pipeline, engine: &RemoteEngine, record: &Record, replace: bool) {
    let key = record.key.as_ref();
    let at = record.expires_at.map(|at| engine.store_ms_to_server(at));
    match &record.value {
        StoredValue::String(value) => {
            let set = pipe.cmd("SET").arg(key).arg(value.as_ref());
            if let Some(at) = at {
                set.arg("PXAT").arg(at);
            }
            set.ignore();
        }
        StoredValue::List(items) => {
            if replace {
                pipe.cmd("DEL").arg(key).ignore();
            }
            let push = pipe.cmd("RPUSH").arg(key);
            for item in items {
                push.arg(item.as_ref());
            }
            push.ignore();
            if let Some(at) = at {
                pipe.cmd("PEXPIREAT").arg(key).arg(at).ignore();
            }
        }
    }
}
