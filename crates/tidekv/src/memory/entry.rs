//! One stored key's value and expiry, in the memory backend.

use std::num::NonZeroU64;
use std::sync::Arc;

use bytes::Bytes;

use crate::clock::Clock;
use crate::engine::{End, KeyKind, ScanValue, StoredValue};
use crate::error::Result;

/// What a key holds. Both variants clone in O(1) (a reference count), which is what makes keeping a
/// pre-image for a live view cheap.
#[derive(Clone, Debug)]
pub(crate) enum Value {
    Str(Bytes),
    /// A persistent RRB vector: O(1) amortized push and pop at both ends, O(1) clone. Behind an
    /// `Arc` so that an entry stays small: entries sit inline in the hash table's buckets, and
    /// smaller buckets mean fewer cache misses on every lookup.
    List(Arc<List>),
}

/// A list's elements and their total size, kept so that removing or replacing a list is O(1)
/// rather than a walk over its elements under the shard lock.
#[derive(Clone, Debug, Default)]
pub(crate) struct List {
    pub(crate) items: imbl::Vector<Bytes>,
    /// Sum of the elements' lengths.
    pub(crate) bytes: u64,
}

impl List {
    pub(crate) fn push(&mut self, end: End, value: Bytes) {
        self.bytes += value.len() as u64;
        match end {
            End::Front => self.items.push_front(value),
            End::Back => self.items.push_back(value),
        }
    }

    pub(crate) fn pop(&mut self, end: End) -> Option<Bytes> {
        let popped = match end {
            End::Front => self.items.pop_front(),
            End::Back => self.items.pop_back(),
        }?;
        self.bytes -= popped.len() as u64;
        Some(popped)
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }
}

impl FromIterator<Bytes> for List {
    fn from_iter<I: IntoIterator<Item = Bytes>>(items: I) -> Self {
        let mut list = List::default();
        for item in items {
            list.push(End::Back, item);
        }
        list
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) value: Value,
    /// Absolute Unix milliseconds; the entry is dead from this instant on. Packed in 8 bytes
    /// through the non-zero niche (an instant of 0 is stored as 1: both are long past).
    expiry: Option<NonZeroU64>,
    /// The shard version of the last change to this entry (see `shard.rs`); set by the shard.
    pub(crate) version: u64,
}

impl Entry {
    pub(crate) fn string(value: Bytes, expires_at: Option<u64>) -> Self {
        Entry {
            value: Value::Str(value),
            expiry: pack(expires_at),
            version: 0,
        }
    }

    /// A list entry with no expiry.
    pub(crate) fn list(list: List) -> Self {
        Entry {
            value: Value::List(Arc::new(list)),
            expiry: None,
            version: 0,
        }
    }

    /// When the entry expires, in absolute Unix ms.
    pub(crate) fn expires_at(&self) -> Option<u64> {
        self.expiry.map(NonZeroU64::get)
    }

    pub(crate) fn set_expires_at(&mut self, expires_at: Option<u64>) {
        self.expiry = pack(expires_at);
    }

    /// Whether the entry is dead at time `now` (Unix ms).
    pub(crate) fn is_expired_at(&self, now: u64) -> bool {
        self.expires_at().is_some_and(|at| at <= now)
    }

    /// Whether the entry is dead now; reads the clock only if the entry has an expiry.
    pub(crate) fn is_expired(&self, clock: &dyn Clock) -> bool {
        self.expires_at().is_some_and(|at| at <= clock.now_ms())
    }

    /// Payload bytes of the value (not counting the key).
    pub(crate) fn value_bytes(&self) -> u64 {
        match &self.value {
            Value::Str(b) => b.len() as u64,
            Value::List(list) => list.bytes,
        }
    }

    /// The string value, or `WrongType` for a list.
    pub(crate) fn as_str(&self) -> Result<&Bytes> {
        match &self.value {
            Value::Str(b) => Ok(b),
            Value::List(_) => Err(list_is_not_a_string()),
        }
    }

    /// What the entry holds.
    pub(crate) fn kind(&self) -> KeyKind {
        match &self.value {
            Value::Str(_) => KeyKind::String,
            Value::List(_) => KeyKind::List,
        }
    }

    /// The list value, or `WrongType` for a string.
    pub(crate) fn as_list(&self) -> Result<&Arc<List>> {
        match &self.value {
            Value::List(list) => Ok(list),
            Value::Str(_) => Err(string_is_not_a_list()),
        }
    }

    pub(crate) fn to_scan_value(&self) -> ScanValue {
        match &self.value {
            Value::Str(b) => ScanValue::String(b.clone()),
            Value::List(_) => ScanValue::List,
        }
    }

    pub(crate) fn to_stored_value(&self) -> StoredValue {
        match &self.value {
            Value::Str(b) => StoredValue::String(b.clone()),
            Value::List(list) => StoredValue::List(list.items.iter().cloned().collect()),
        }
    }

    pub(crate) fn from_stored(value: StoredValue, expires_at: Option<u64>) -> Self {
        let value = match value {
            StoredValue::String(b) => Value::Str(b),
            StoredValue::List(items) => Value::List(Arc::new(List::from_iter(items))),
        };
        Entry {
            value,
            expiry: pack(expires_at),
            version: 0,
        }
    }
}

fn pack(expires_at: Option<u64>) -> Option<NonZeroU64> {
    expires_at.map(|at| NonZeroU64::new(at).unwrap_or(NonZeroU64::MIN))
}

pub(crate) use crate::engine::{list_is_not_a_string, string_is_not_a_list};
