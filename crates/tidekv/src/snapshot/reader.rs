//! Reads a snapshot back as a stream of records, checking every checksum, length and the end marker.

use std::collections::VecDeque;
use std::io::{ErrorKind, Read};
use std::path::PathBuf;

use bytes::Bytes;

use crate::engine::{Record, StoredValue};
use crate::error::{Error, Result};
use crate::snapshot::format::{
    chunk_crc_ok, decode_chunk_header, decode_header, decode_records, RawRecord, CHUNK_END,
    CHUNK_HEADER_LEN, HEADER_LEN,
};

/// The payload buffer a chunk starts with: the writer's chunks are about 64 KiB.
const INITIAL_PAYLOAD_CAPACITY: usize = 128 * 1024;

/// An iterator of the records of a snapshot. After the first error it yields nothing more.
pub(crate) struct SnapshotReader<R: Read> {
    input: R,
    path: PathBuf,
    /// Offset of the next unread byte of the file.
    offset: u64,
    pending: VecDeque<(u64, RawRecord)>,
    /// A list whose head was read and whose items are still arriving.
    open_list: Option<(Record, u64)>,
    records: u64,
    done: bool,
}

impl<R: Read> SnapshotReader<R> {
    /// Reads and checks the header.
    pub(crate) fn new(mut input: R, path: PathBuf) -> Result<Self> {
        let mut header = [0u8; HEADER_LEN];
        let got = read_full(&mut input, &mut header)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        decode_header(header.get(..got).unwrap_or_default())
            .map_err(|why| Error::corruption(&path, 0, why))?;
        Ok(SnapshotReader {
            input,
            path,
            offset: HEADER_LEN as u64,
            pending: VecDeque::new(),
            open_list: None,
            records: 0,
            done: false,
        })
    }

    fn corrupt(&self, offset: u64, why: impl std::fmt::Display) -> Error {
        Error::corruption(&self.path, offset, why)
    }

    /// Reads the next chunk into `pending`; `Ok(false)` after the end chunk.
    fn next_chunk(&mut self) -> Result<bool> {
        let at = self.offset;
        let mut header = [0u8; CHUNK_HEADER_LEN];
        let got = read_full(&mut self.input, &mut header).map_err(|e| self.io(e))?;
        if got < CHUNK_HEADER_LEN {
            return Err(self.corrupt(at, "truncated: the file ends before its end chunk"));
        }
        let (kind, len, crc) = decode_chunk_header(&header).map_err(|why| self.corrupt(at, why))?;
        // The length is not checked yet (the checksum covers the payload too), so the buffer
        // grows with the bytes that actually arrive: a damaged length in a small file costs
        // nothing, not a 512 MiB allocation (found by fuzzing).
        let mut payload = Vec::with_capacity((len as usize).min(INITIAL_PAYLOAD_CAPACITY));
        let got = (&mut self.input)
            .take(u64::from(len))
            .read_to_end(&mut payload)
            .map_err(|e| self.io(e))?;
        if got < len as usize {
            return Err(self.corrupt(at, format!("truncated chunk: {got} of {len} payload bytes")));
        }
        if !chunk_crc_ok(&header, &payload, crc) {
            return Err(self.corrupt(at, "chunk checksum mismatch"));
        }
        self.offset += (CHUNK_HEADER_LEN + payload.len()) as u64;
        if kind == CHUNK_END {
            return self.finish(at, &payload).map(|()| false);
        }
        let payload = Bytes::from(payload);
        let body = at + CHUNK_HEADER_LEN as u64;
        let records =
            decode_records(&payload).map_err(|(pos, why)| self.corrupt(body + pos as u64, why))?;
        self.pending.extend(records.into_iter().map(|r| (at, r)));
        Ok(true)
    }

    fn finish(&mut self, at: u64, payload: &[u8]) -> Result<()> {
        let count: [u8; 8] = payload
            .try_into()
            .map_err(|_| self.corrupt(at, "end chunk of the wrong size"))?;
        let count = u64::from_le_bytes(count);
        if self.open_list.is_some() {
            return Err(self.corrupt(at, "a list's items are missing before the end chunk"));
        }
        if count != self.records {
            return Err(self.corrupt(
                at,
                format!(
                    "end chunk counts {count} keys but {} were read",
                    self.records
                ),
            ));
        }
        let mut extra = [0u8; 1];
        if read_full(&mut self.input, &mut extra).map_err(|e| self.io(e))? != 0 {
            return Err(self.corrupt(self.offset, "bytes after the end chunk"));
        }
        Ok(())
    }

    fn io(&self, e: std::io::Error) -> Error {
        Error::io(format!("reading {}", self.path.display()), e)
    }

    /// Turns the next raw records into one whole `Record`, reading chunks as needed.
    fn next_record(&mut self) -> Result<Option<Record>> {
        loop {
            let Some((at, raw)) = self.pending.pop_front() else {
                if self.next_chunk()? {
                    continue;
                }
                return Ok(None);
            };
            match (raw, self.open_list.take()) {
                (
                    RawRecord::String {
                        keyspace,
                        expires_at,
                        key,
                        value,
                    },
                    None,
                ) => {
                    self.records += 1;
                    return Ok(Some(Record {
                        keyspace,
                        key,
                        value: StoredValue::String(value),
                        expires_at,
                    }));
                }
                (
                    RawRecord::ListHead {
                        keyspace,
                        expires_at,
                        key,
                        items,
                    },
                    None,
                ) => {
                    let record = Record {
                        keyspace,
                        key,
                        value: StoredValue::List(Vec::new()),
                        expires_at,
                    };
                    self.open_list = Some((record, items));
                }
                (RawRecord::ListItems(items), Some((mut record, expected))) => {
                    if let StoredValue::List(list) = &mut record.value {
                        list.extend(items);
                        let have = list.len() as u64;
                        if have > expected {
                            return Err(self.corrupt(
                                at,
                                format!("list has {have} items, its head says {expected}"),
                            ));
                        }
                        if have == expected {
                            self.records += 1;
                            return Ok(Some(record));
                        }
                    }
                    self.open_list = Some((record, expected));
                }
                (RawRecord::ListItems(_), None) => {
                    return Err(self.corrupt(at, "list items without a list head"))
                }
                (_, Some(_)) => return Err(self.corrupt(at, "a list's items are missing")),
            }
        }
    }
}

impl<R: Read> Iterator for SnapshotReader<R> {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = self.next_record();
        if !matches!(next, Ok(Some(_))) {
            self.done = true;
        }
        next.transpose()
    }
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|r| !r.is_empty()) {
        match input.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
