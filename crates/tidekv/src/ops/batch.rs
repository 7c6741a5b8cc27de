//! A [`crate::WriteBatch`]'s operations, applied in a transaction. The batch is all or nothing:
//! the first failing operation fails the transaction, and the engine keeps none of its writes.

use crate::batch::Op;
use crate::engine::Tx;
use crate::error::Result;

/// Applies one batch operation.
pub(crate) fn apply(tx: &mut dyn Tx, ks: u32, op: &Op) -> Result<()> {
    match op {
        Op::Put {
            key,
            value,
            expires_at,
        } => tx.put(ks, key, value.clone(), *expires_at),
        Op::Remove { key } => tx.remove(ks, key).map(drop),
        Op::Push { key, end, values } => tx.list_push(ks, key, *end, values).map(drop),
        Op::IncrBy { key, delta } => super::strings::incr_by(tx, ks, key, *delta).map(drop),
        Op::Expire { key, expires_at } => tx.set_expiry(ks, key, *expires_at).map(drop),
    }
}

/// The key an operation writes.
pub(crate) fn key_of(op: &Op) -> &bytes::Bytes {
    match op {
        Op::Put { key, .. }
        | Op::Remove { key }
        | Op::Push { key, .. }
        | Op::IncrBy { key, .. }
        | Op::Expire { key, .. } => key,
    }
}
