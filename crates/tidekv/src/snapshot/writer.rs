//! Streams a dump into the snapshot format: at most one chunk (64 KiB, or one oversized value) is in
//! memory at a time, never a second copy of the store.

use std::io::Write;

use bytes::Bytes;

use crate::engine::{Record, StoredValue};
use crate::error::Result;
use crate::snapshot::format::{
    encode_chunk_header, encode_header, encode_record, RawRecord, CHUNK_END, CHUNK_RECORDS,
    CHUNK_TARGET,
};

/// Writes a snapshot to `out`; `io_err` turns an I/O failure into the caller's error.
pub(crate) struct SnapshotWriter<W: Write> {
    out: W,
    payload: Vec<u8>,
    records: u64,
    io_err: fn(std::io::Error) -> crate::Error,
}

impl<W: Write> SnapshotWriter<W> {
    pub(crate) fn new(
        mut out: W,
        created_ms: u64,
        io_err: fn(std::io::Error) -> crate::Error,
    ) -> Result<Self> {
        out.write_all(&encode_header(created_ms)).map_err(io_err)?;
        Ok(SnapshotWriter {
            out,
            payload: Vec::with_capacity(CHUNK_TARGET + 1024),
            records: 0,
            io_err,
        })
    }

    /// Adds one key; lists are split into item records so that no chunk grows past the target by
    /// more than one element.
    pub(crate) fn add(&mut self, record: Record) -> Result<()> {
        self.records += 1;
        match record.value {
            StoredValue::String(value) => self.push(&RawRecord::String {
                keyspace: record.keyspace,
                expires_at: record.expires_at,
                key: record.key,
                value,
            }),
            StoredValue::List(items) => {
                self.push(&RawRecord::ListHead {
                    keyspace: record.keyspace,
                    expires_at: record.expires_at,
                    key: record.key,
                    items: items.len() as u64,
                })?;
                let mut batch: Vec<Bytes> = Vec::new();
                let mut batch_bytes = 0;
                for item in items {
                    batch_bytes += item.len() + 4;
                    batch.push(item);
                    if batch_bytes >= CHUNK_TARGET / 2 {
                        self.push(&RawRecord::ListItems(std::mem::take(&mut batch)))?;
                        batch_bytes = 0;
                    }
                }
                if !batch.is_empty() {
                    self.push(&RawRecord::ListItems(batch))?;
                }
                Ok(())
            }
        }
    }

    fn push(&mut self, record: &RawRecord) -> Result<()> {
        encode_record(&mut self.payload, record);
        if self.payload.len() >= CHUNK_TARGET {
            self.flush_chunk()?;
        }
        Ok(())
    }

    fn flush_chunk(&mut self) -> Result<()> {
        if self.payload.is_empty() {
            return Ok(());
        }
        self.write_chunk(CHUNK_RECORDS)?;
        self.payload.clear();
        Ok(())
    }

    fn write_chunk(&mut self, kind: u8) -> Result<()> {
        let header = encode_chunk_header(kind, &self.payload);
        self.out.write_all(&header).map_err(self.io_err)?;
        self.out.write_all(&self.payload).map_err(self.io_err)
    }

    /// Writes the end chunk (with the key count) and returns the inner writer.
    pub(crate) fn finish(mut self) -> Result<(W, u64)> {
        self.flush_chunk()?;
        self.payload.clear();
        self.payload.extend_from_slice(&self.records.to_le_bytes());
        self.write_chunk(CHUNK_END)?;
        self.out.flush().map_err(self.io_err)?;
        Ok((self.out, self.records))
    }
}
