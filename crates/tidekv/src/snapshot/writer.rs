//! Streams a dump into the snapshot format: at most one chunk (64 KiB, or one oversized value) is in
//! memory at a time, never a second copy of the store.

use std::io::Write;

use bytes::Bytes;

use crate::engine::{Record, StoredValue};
use crate::error::{Error, Result};
use crate::snapshot::format::{
    encode_chunk_header, encode_header, encode_record, record_len, RawRecord, CHUNK_END,
    CHUNK_RECORDS, CHUNK_TARGET,
};

/// Writes a snapshot to `out`; `io_err` turns an I/O failure into the caller's error.
pub(crate) struct SnapshotWriter<W: Write> {
    out: W,
    payload: Vec<u8>,
    records: u64,
    io_err: fn(std::io::Error) -> Error,
}

impl<W: Write> SnapshotWriter<W> {
    pub(crate) fn new(
        mut out: W,
        created_ms: u64,
        io_err: fn(std::io::Error) -> Error,
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
                    // An item that would take a non-empty batch past half a chunk starts the next
                    // batch, so an items record is small or holds one (possibly huge) item.
                    if !batch.is_empty() && batch_bytes + item.len() + 4 > CHUNK_TARGET / 2 {
                        self.push(&RawRecord::ListItems(std::mem::take(&mut batch)))?;
                        batch_bytes = 0;
                    }
                    batch_bytes += item.len() + 4;
                    batch.push(item);
                }
                if !batch.is_empty() {
                    self.push(&RawRecord::ListItems(batch))?;
                }
                Ok(())
            }
        }
    }

    /// Adds a record to the open chunk. Invariant: a chunk's payload is at most `CHUNK_TARGET`
    /// bytes, or exactly one record (then at most one maximum key and value plus framing, which is
    /// below `MAX_CHUNK_PAYLOAD`, the bound readers enforce).
    fn push(&mut self, record: &RawRecord) -> Result<()> {
        if !self.payload.is_empty() && self.payload.len() + record_len(record) > CHUNK_TARGET {
            self.flush_chunk()?;
        }
        encode_record(&mut self.payload, record)
            .map_err(|why| Error::invalid("snapshot record", why))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::format::{decode_records, CHUNK_HEADER_LEN, HEADER_LEN};

    fn string(key: &str, value_len: usize) -> Record {
        Record {
            keyspace: 0,
            key: Bytes::copy_from_slice(key.as_bytes()),
            value: StoredValue::String(Bytes::from(vec![7u8; value_len])),
            expires_at: None,
        }
    }

    /// Every chunk's payload is at most `CHUNK_TARGET` bytes or holds exactly one record.
    #[test]
    fn a_record_that_does_not_fit_starts_a_new_chunk() {
        let mut writer = SnapshotWriter::new(Vec::new(), 0, |e| Error::io("test", e)).unwrap();
        // Fill the first chunk to one byte under the target, then add a record far larger.
        let filler = CHUNK_TARGET - 1 - (1 + 4 + 8 + 4 + 1 + 4);
        writer.add(string("f", filler)).unwrap();
        writer.add(string("big", 1 << 20)).unwrap();
        writer.add(string("small", 10)).unwrap();
        let list = Record {
            keyspace: 0,
            key: Bytes::from_static(b"list"),
            value: StoredValue::List((0..5_000).map(|i| Bytes::from(vec![i as u8; 40])).collect()),
            expires_at: None,
        };
        writer.add(list).unwrap();
        let (bytes, count) = writer.finish().unwrap();
        assert_eq!(count, 4);
        let mut at = HEADER_LEN;
        let mut chunks = 0;
        while at < bytes.len() {
            let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
            let payload =
                Bytes::copy_from_slice(&bytes[at + CHUNK_HEADER_LEN..at + CHUNK_HEADER_LEN + len]);
            if bytes[at] == CHUNK_RECORDS {
                let records = decode_records(&payload).unwrap();
                assert!(
                    len <= CHUNK_TARGET || records.len() == 1,
                    "chunk {chunks}: {len} bytes in {} records",
                    records.len()
                );
            }
            at += CHUNK_HEADER_LEN + len;
            chunks += 1;
        }
        assert!(chunks >= 4, "filler, big record, rest, end: {chunks}");
    }
}
