//! Atomic write batches.

use std::time::Duration;

use bytes::Bytes;

use crate::engine::End;
use crate::value::Encode;

/// A group of writes applied all together or not at all, and never seen half-done by a reader.
///
/// Build it, then hand it to [`crate::Store::apply_batch`]. Every builder method chains and none
/// fails: arguments (sizes, and values that could not be encoded) are checked when the batch is
/// applied, before anything is written, and one bad argument rejects the whole batch.
///
/// ```
/// use tidekv::{Config, Store, WriteBatch};
///
/// let store = Store::open(Config::memory())?;
/// let mut batch = WriteBatch::new();
/// batch.insert("account:a", 50).insert("account:b", 150).remove("pending:1");
/// store.apply_batch(batch)?;
/// assert_eq!(store.get_as::<i64>("account:b")?, Some(150));
/// # Ok::<(), tidekv::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct WriteBatch {
    pub(crate) ops: Vec<PendingOp>,
}

/// One operation of a [`WriteBatch`], with absolute expiry times.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    /// Set a string value, replacing a value of any kind; `expires_at` is absolute Unix ms.
    Put {
        /// The key.
        key: Bytes,
        /// The value.
        value: Bytes,
        /// When it expires, if ever.
        expires_at: Option<u64>,
    },
    /// Delete a key of any kind.
    Remove {
        /// The key.
        key: Bytes,
    },
    /// Push values onto a list, creating it if missing.
    Push {
        /// The key.
        key: Bytes,
        /// Which end.
        end: End,
        /// Values in push order.
        values: Vec<Bytes>,
    },
    /// Add to an integer counter, creating it at 0 if missing.
    IncrBy {
        /// The key.
        key: Bytes,
        /// The amount.
        delta: i64,
    },
    /// Set (`Some`) or clear (`None`) the expiry of an existing key.
    Expire {
        /// The key.
        key: Bytes,
        /// Absolute Unix ms, or `None` to persist.
        expires_at: Option<u64>,
    },
}

/// An op whose TTL is still relative: it becomes absolute when the batch is applied.
#[derive(Debug, Clone)]
pub(crate) enum PendingOp {
    Op(Op),
    /// A value that could not be encoded: the batch fails with this when applied.
    Unencodable(String),
    PutWithTtl {
        key: Bytes,
        value: Bytes,
        ttl: Duration,
    },
    ExpireIn {
        key: Bytes,
        ttl: Duration,
    },
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        WriteBatch::default()
    }

    /// Number of operations in the batch.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether the batch has no operations.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Sets `key` to `value`, clearing any expiry.
    pub fn insert(&mut self, key: impl AsRef<[u8]>, value: impl Encode) -> &mut Self {
        let pending = match value.encode() {
            Ok(value) => PendingOp::Op(Op::Put {
                key: Bytes::copy_from_slice(key.as_ref()),
                value,
                expires_at: None,
            }),
            Err(e) => PendingOp::Unencodable(e.to_string()),
        };
        self.ops.push(pending);
        self
    }

    /// Sets `key` to `value`, expiring `ttl` after the batch is applied.
    pub fn insert_with_ttl(
        &mut self,
        key: impl AsRef<[u8]>,
        value: impl Encode,
        ttl: Duration,
    ) -> &mut Self {
        let pending = match value.encode() {
            Ok(value) => PendingOp::PutWithTtl {
                key: Bytes::copy_from_slice(key.as_ref()),
                value,
                ttl,
            },
            Err(e) => PendingOp::Unencodable(e.to_string()),
        };
        self.ops.push(pending);
        self
    }

    /// Removes `key` (of any kind).
    pub fn remove(&mut self, key: impl AsRef<[u8]>) -> &mut Self {
        self.ops.push(PendingOp::Op(Op::Remove {
            key: Bytes::copy_from_slice(key.as_ref()),
        }));
        self
    }

    /// Appends `value` to the list at `key`.
    pub fn push_back(&mut self, key: impl AsRef<[u8]>, value: impl Encode) -> &mut Self {
        self.push(key, End::Back, value)
    }

    /// Prepends `value` to the list at `key`.
    pub fn push_front(&mut self, key: impl AsRef<[u8]>, value: impl Encode) -> &mut Self {
        self.push(key, End::Front, value)
    }

    /// Adds `delta` to the counter at `key`.
    pub fn incr_by(&mut self, key: impl AsRef<[u8]>, delta: i64) -> &mut Self {
        self.ops.push(PendingOp::Op(Op::IncrBy {
            key: Bytes::copy_from_slice(key.as_ref()),
            delta,
        }));
        self
    }

    /// Makes an existing `key` expire `ttl` after the batch is applied (no-op if it is missing).
    pub fn expire(&mut self, key: impl AsRef<[u8]>, ttl: Duration) -> &mut Self {
        self.ops.push(PendingOp::ExpireIn {
            key: Bytes::copy_from_slice(key.as_ref()),
            ttl,
        });
        self
    }

    fn push(&mut self, key: impl AsRef<[u8]>, end: End, value: impl Encode) -> &mut Self {
        let pending = match value.encode() {
            Ok(value) => PendingOp::Op(Op::Push {
                key: Bytes::copy_from_slice(key.as_ref()),
                end,
                values: vec![value],
            }),
            Err(e) => PendingOp::Unencodable(e.to_string()),
        };
        self.ops.push(pending);
        self
    }
}
