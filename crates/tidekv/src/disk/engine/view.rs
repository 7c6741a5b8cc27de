//! A read view: one set of sources, one sequence number, one instant. Point reads go memtable →
//! frozen memtables (newest first) → tables (L0 newest first, then one table per deeper level);
//! the first version at or below the view's sequence number wins.

use std::sync::Arc;

use bytes::Bytes;

use super::{Inner, SuperVersion};
use crate::disk::cell::Cell;
use crate::disk::key::{decode_prefix, put_prefix, split_seq, KeyParts, Space};
use crate::disk::lookup::LookupKey;
use crate::error::{Error, Result};

/// Sources, sequence number and time of one consistent read.
#[derive(Clone)]
pub(crate) struct View {
    pub(crate) sources: Arc<SuperVersion>,
    pub(crate) seq: u64,
    pub(crate) now: u64,
}

impl SuperVersion {
    /// The newest stored version of `lookup`'s key at or below its snapshot, as
    /// `(seq, cell bytes)`.
    pub(crate) fn get(&self, lookup: &LookupKey) -> Result<Option<(u64, Bytes)>> {
        if let Some(found) = self.mem.get(lookup) {
            return Ok(Some(found));
        }
        for (imm, _) in &self.imms {
            if let Some(found) = imm.get(lookup) {
                return Ok(Some(found));
            }
        }
        self.version.get(lookup)
    }

    /// The newest version at or below `seq` of the key with identifying prefix `prefix` (whose
    /// [`crate::disk::table::bloom::bloom_hash`] is `hash`) in the frozen memtables and the
    /// tables, as cell bytes: what a write to the active memtable replaces when the active
    /// memtable holds no older version.
    ///
    /// The filters are asked first, so for a new key this is a few filter probes and no lookup
    /// key is built; a caller that asked them already uses [`SuperVersion::lookup_outside_active`].
    pub(crate) fn get_outside_active(
        &self,
        prefix: &[u8],
        hash: u64,
        seq: u64,
    ) -> Result<Option<Bytes>> {
        if !self.imms.iter().any(|(imm, _)| imm.may_contain_hash(hash))
            && !self.version.may_hold(prefix, hash)?
        {
            return Ok(None);
        }
        self.lookup_outside_active(&LookupKey::from_prefix(prefix, seq, hash))
    }

    /// [`SuperVersion::get_outside_active`] without asking the filters first (each source
    /// still skips the search its own filter rules out).
    pub(crate) fn lookup_outside_active(&self, lookup: &LookupKey) -> Result<Option<Bytes>> {
        for (imm, _) in &self.imms {
            if let Some((_, found)) = imm.get(lookup) {
                return Ok(Some(found));
            }
        }
        Ok(self.version.get(lookup)?.map(|(_, found)| found))
    }
}

impl Inner {
    /// A view of everything visible now.
    pub(crate) fn view(&self) -> View {
        // The sources and the sequence number are read together, under the lock that installs new
        // sources:
        // - every entry at or below `seq` was in a memtable before `seq` was published, and no
        //   source change can slip between the two reads, so these sources hold it (or the table
        //   it was flushed to);
        // - a flush or compaction drops versions only below the `visible` it read before
        //   installing its output, so sources that include its output come with a `seq` at least
        //   that large, and nothing this view needs was dropped.
        let current = self.current.read();
        let seq = self.visible();
        View {
            sources: Arc::clone(&current),
            seq,
            now: self.now(),
        }
    }
}

impl Inner {
    /// The view a flush or compaction decides what to keep by: everything visible, but read at
    /// no later a sequence number than is durable.
    ///
    /// Retention drops list elements that the metadata it reads no longer names. With
    /// `Periodic` or `Buffered` durability, visible writes may not be durable yet: a pop that a
    /// power cut takes back would leave the element's table rewritten without it while the
    /// metadata naming it comes back — a list with a hole. Reading at the durable sequence number
    /// keeps every element that some durable metadata may still name (and every version above it,
    /// by rule 2), so a job's output is right whatever part of the unsynced tail survives.
    pub(crate) fn retention_view(&self) -> View {
        let mut view = self.view();
        view.seq = view.seq.min(self.group.synced());
        view
    }
}

impl View {
    /// The live cell under `prefix`: `None` if there is none, or it is a tombstone, or expired.
    /// Takes the prefix by value: the lookup key is built in it (see [`LookupKey::new`]).
    pub(crate) fn cell(&self, prefix: Vec<u8>) -> Result<Option<Cell>> {
        let cell = self.stored_cell(prefix)?;
        Ok(cell.filter(|cell| !cell.is_dead(self.now)))
    }

    /// The newest stored cell under `prefix`, whatever it is (a tombstone, or expired).
    pub(crate) fn stored_cell(&self, prefix: Vec<u8>) -> Result<Option<Cell>> {
        match self.sources.get(&LookupKey::new(prefix, self.seq))? {
            Some((_, bytes)) => decode_cell(bytes).map(Some),
            None => Ok(None),
        }
    }

    /// The live cell of user key `key` in keyspace `ks`.
    pub(crate) fn key_cell(&self, ks: u32, key: &[u8]) -> Result<Option<Cell>> {
        self.cell(user_prefix(ks, key))
    }
}

/// The identifying prefix of a user key.
pub(crate) fn user_prefix(ks: u32, key: &[u8]) -> Vec<u8> {
    // `put_prefix` reserves room for the sequence number: reads and writes append it in place.
    let mut prefix = Vec::new();
    put_prefix(&mut prefix, ks, Space::User, key, b"");
    prefix
}

/// Splits a stored internal key into its identifying prefix and sequence number.
pub(crate) fn split_stored(key: &[u8]) -> Result<(&[u8], u64)> {
    split_seq(key).ok_or_else(|| bad_stored_key("a stored key without a sequence number"))
}

/// Decodes the identifying prefix of a stored key.
pub(crate) fn decode_stored(prefix: &[u8]) -> Result<KeyParts<'_>> {
    decode_prefix(prefix).ok_or_else(|| bad_stored_key("an undecodable stored key"))
}

/// Keys in tables passed their block checksum and keys in memtables were encoded by this
/// process, so a key that does not decode means a bug or a table written by another version.
fn bad_stored_key(why: &str) -> Error {
    Error::corruption("(stored key)", 0, why)
}

/// Decodes a stored cell. Cells in tables passed their block checksum and cells in memtables
/// were encoded by this process, so a failure means a bug or a table written by another version.
pub(crate) fn decode_cell(bytes: Bytes) -> Result<Cell> {
    Cell::decode(bytes).map_err(|why| Error::corruption("(stored cell)", 0, why))
}
