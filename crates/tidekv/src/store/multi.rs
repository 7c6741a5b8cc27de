//! Many keys at once: multi-get, atomic multi-insert and multi-remove, and write batches.

use bytes::Bytes;

use crate::batch::{Op, PendingOp, WriteBatch};
use crate::engine::{Native, TxKey};
use crate::error::{Error, Result};
use crate::ops::batch::{self, key_of};
use crate::store::keyspace::Keyspace;
use crate::value::Encode;

impl Keyspace {
    /// The string values of `keys`, in order, read at one point in time (never half a batch).
    pub fn get_many<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<Vec<Option<Bytes>>> {
        let keys = keys
            .into_iter()
            .map(|k| self.owned_key(k.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        self.shared.engine.get_many(self.ks, &keys)
    }

    /// Sets every `(key, value)` pair, atomically: all are applied or, if any argument is bad,
    /// none (unlike a loop of inserts, a failure leaves nothing half-done).
    pub fn insert_many<K: AsRef<[u8]>, V: Encode>(
        &self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<()> {
        let mut checked = Vec::new();
        for (k, v) in pairs {
            let key = self.owned_key(k.as_ref())?;
            checked.push((key, self.checked_value(v)?));
        }
        if checked.is_empty() {
            return self.check_open();
        }
        if let Some(reply) = self.native(&Native::InsertMany { pairs: &checked }) {
            return reply?.unit();
        }
        let mut batch = WriteBatch::new();
        for (k, v) in checked {
            batch.insert(k, v);
        }
        self.apply_batch(batch)
    }

    /// Removes every key in `keys` (of any kind), atomically; returns how many existed.
    pub fn remove_many<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<usize> {
        let keys = keys
            .into_iter()
            .map(|k| self.owned_key(k.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        if keys.is_empty() {
            self.check_open()?;
            return Ok(0);
        }
        if let Some(reply) = self.native(&Native::RemoveMany { keys: &keys }) {
            return Ok(usize::try_from(reply?.int()?).unwrap_or(0));
        }
        let keys: Vec<_> = keys.into_iter().map(|key| (self.ks, key)).collect();
        let removed = self.atomic(&keys, |tx| {
            let mut removed = 0;
            for (ks, key) in &keys {
                removed += usize::from(tx.remove(*ks, key)?);
            }
            Ok(removed)
        })?;
        Ok(removed)
    }

    /// Applies every operation of `batch` atomically: all or nothing, and no reader (get, get_many,
    /// scan, snapshot) sees part of it. Arguments are checked first; an op that fails while applying
    /// (a push onto a string key, say) rolls the whole batch back and returns its error.
    pub fn apply_batch(&self, batch: WriteBatch) -> Result<()> {
        self.check_open()?;
        let mut ops = Vec::with_capacity(batch.ops.len());
        for pending in batch.ops {
            let op = match pending {
                PendingOp::Op(op) => op,
                PendingOp::Unencodable(why) => return Err(Error::invalid("value", why)),
                PendingOp::PutWithTtl { key, value, ttl } => Op::Put {
                    key,
                    value,
                    expires_at: Some(self.expiry_time(ttl)),
                },
                PendingOp::ExpireIn { key, ttl } => Op::Expire {
                    key,
                    expires_at: Some(self.expiry_time(ttl)),
                },
            };
            self.check_op(&op)?;
            ops.push(op);
        }
        if ops.is_empty() {
            return Ok(());
        }
        let keys: Vec<TxKey> = ops.iter().map(|op| (self.ks, key_of(op).clone())).collect();
        let ks = self.ks;
        self.atomic(&keys, |tx| {
            ops.iter().try_for_each(|op| batch::apply(tx, ks, op))
        })?;
        for op in &ops {
            if let Op::Push { key, .. } = op {
                self.serve(self.ks, key);
            }
        }
        Ok(())
    }

    fn check_op(&self, op: &Op) -> Result<()> {
        match op {
            Op::Put { key, value, .. } => {
                self.check_key(key)?;
                self.check_value(value)
            }
            Op::Push { key, values, .. } => {
                self.check_key(key)?;
                values.iter().try_for_each(|v| self.check_value(v))
            }
            Op::Remove { key } | Op::IncrBy { key, .. } | Op::Expire { key, .. } => {
                self.check_key(key)
            }
        }
    }
}
