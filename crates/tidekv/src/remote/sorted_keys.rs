//! Keys in sorted order, in bounded memory, from a source that gives them in any order (`SCAN`).
//!
//! `SCAN` walks a server's hash table: keys come in no order, and a key may come twice. A sorted
//! scan therefore reads them all before it yields the first. Up to `buffer` keys are held in
//! memory; each time the buffer fills it is sorted and written to an anonymous temporary file as
//! one run, and the runs are merged as the scan is read (an external merge sort). Memory stays
//! O(buffer + runs × one key) on any keyspace; the disk holds the key bytes once.
//!
//! Run file format: for each key in order, its length as 4 little-endian bytes, then the key.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use bytes::Bytes;

use crate::error::{Error, Result};

/// Collects keys, spilling sorted runs when the buffer fills (see the module docs).
pub(crate) struct KeySorter {
    buffer: Vec<Bytes>,
    limit: usize,
    runs: Vec<File>,
}

impl KeySorter {
    /// A sorter holding at most `limit` keys in memory.
    pub(crate) fn new(limit: usize) -> KeySorter {
        KeySorter {
            buffer: Vec::new(),
            limit: limit.max(1),
            runs: Vec::new(),
        }
    }

    /// Adds a key (duplicates are dropped when the keys are read).
    pub(crate) fn push(&mut self, key: Bytes) -> Result<()> {
        self.buffer.push(key);
        if self.buffer.len() >= self.limit {
            self.spill()?;
        }
        Ok(())
    }

    fn spill(&mut self) -> Result<()> {
        sort_dedup(&mut self.buffer);
        let io = |e| {
            Error::io(
                "writing a sorted run of a remote scan to a temporary file",
                e,
            )
        };
        let file = tempfile::tempfile().map_err(io)?;
        let mut out = BufWriter::new(file);
        for key in self.buffer.drain(..) {
            let len = u32::try_from(key.len()).map_err(|_| Error::invalid("key", "over 4 GiB"))?;
            out.write_all(&len.to_le_bytes()).map_err(io)?;
            out.write_all(&key).map_err(io)?;
        }
        let mut file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        self.runs.push(file);
        Ok(())
    }

    /// The keys, sorted, each once.
    pub(crate) fn finish(mut self) -> Result<SortedKeys> {
        sort_dedup(&mut self.buffer);
        let mut sources: Vec<Source> = self
            .runs
            .into_iter()
            .map(|f| Source::Run(BufReader::new(f)))
            .collect();
        sources.push(Source::Memory(self.buffer.into_iter()));
        let mut heap = BinaryHeap::new();
        for (at, source) in sources.iter_mut().enumerate() {
            if let Some(key) = source.next_key()? {
                heap.push(Reverse((key, at)));
            }
        }
        Ok(SortedKeys {
            sources,
            heap,
            last: None,
        })
    }
}

fn sort_dedup(keys: &mut Vec<Bytes>) {
    keys.sort_unstable();
    keys.dedup();
}

enum Source {
    Memory(std::vec::IntoIter<Bytes>),
    Run(BufReader<File>),
}

impl Source {
    fn next_key(&mut self) -> Result<Option<Bytes>> {
        match self {
            Source::Memory(keys) => Ok(keys.next()),
            Source::Run(file) => {
                let io = |e| Error::io("reading a sorted run of a remote scan", e);
                let mut len = [0u8; 4];
                match file.read_exact(&mut len) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
                    Err(e) => return Err(io(e)),
                }
                let mut key = vec![0u8; u32::from_le_bytes(len) as usize];
                file.read_exact(&mut key).map_err(io)?;
                Ok(Some(Bytes::from(key)))
            }
        }
    }
}

/// The merged, sorted, deduplicated keys of a [`KeySorter`].
pub(crate) struct SortedKeys {
    sources: Vec<Source>,
    heap: BinaryHeap<Reverse<(Bytes, usize)>>,
    last: Option<Bytes>,
}

impl Iterator for SortedKeys {
    type Item = Result<Bytes>;

    fn next(&mut self) -> Option<Result<Bytes>> {
        loop {
            let Reverse((key, at)) = self.heap.pop()?;
            match self.sources.get_mut(at).map(Source::next_key) {
                Some(Ok(Some(next))) => self.heap.push(Reverse((next, at))),
                Some(Ok(None)) | None => {}
                Some(Err(e)) => {
                    self.heap.clear();
                    return Some(Err(e));
                }
            }
            if self.last.as_ref() != Some(&key) {
                self.last = Some(key.clone());
                return Some(Ok(key));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(limit: usize, keys: &[&str]) -> Vec<String> {
        let mut sorter = KeySorter::new(limit);
        for key in keys {
            sorter.push(Bytes::copy_from_slice(key.as_bytes())).unwrap();
        }
        sorter
            .finish()
            .unwrap()
            .map(|k| String::from_utf8(k.unwrap().to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn sorts_and_drops_duplicates_in_memory_and_across_spilled_runs() {
        let keys = ["m", "b", "z", "b", "a", "q", "m", "c", "z", "a", "y"];
        let expected = ["a", "b", "c", "m", "q", "y", "z"];
        assert_eq!(sorted(1_000, &keys), expected);
        // Runs of 2 and 3 keys: every duplicate lands in another run than its twin.
        assert_eq!(sorted(2, &keys), expected);
        assert_eq!(sorted(3, &keys), expected);
        assert!(sorted(2, &[]).is_empty());
    }

    #[test]
    fn many_keys_through_many_runs_come_out_in_order() {
        let mut sorter = KeySorter::new(97);
        for i in (0..5_000u32).rev() {
            sorter
                .push(Bytes::from(format!("{:08}", i * 7 % 5_000)))
                .unwrap();
        }
        let out: Vec<Bytes> = sorter.finish().unwrap().map(Result::unwrap).collect();
        assert_eq!(out.len(), 5_000);
        assert!(out.windows(2).all(|w| w[0] < w[1]));
    }
}
