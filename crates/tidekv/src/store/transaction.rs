//! Transactions: several operations as one atomic step (Redis `MULTI` / `EXEC`, and more).
//!
//! [`Store::transaction`] runs a closure over a [`Transaction`] holding the declared keys: no other
//! call sees them between the closure's reads and its writes, nor a part of its writes, and on
//! disk the whole transaction is one log record. Two failure rules live side by side:
//!
//! - **Each operation is all or nothing.** An operation that fails for its request (a push onto a
//!   string, an increment of a non-number: [`crate::error::Error::is_request_error`]) writes nothing,
//!   and the transaction goes on: collect each result and you have Redis's `EXEC`, where one
//!   command's error does not undo the others.
//! - **A store failure fails the transaction.** An I/O error, corruption or a close met by any
//!   operation undoes everything, even if the closure goes on: the transaction returns that
//!   error and commits nothing.
//! - **The closure is all or nothing.** If it returns an error (`?` on any operation), nothing it
//!   wrote is kept: a [`crate::WriteBatch`]'s rule.

use std::collections::BTreeSet;

use bytes::Bytes;

use crate::engine::{KeyKind, Tx, TxKey};
use crate::error::Result;
use crate::expiry::{ExpireCondition, Expiry};
use crate::ops::keys;
use crate::ops::strings::{self, SetOptions, SetOutcome};
use crate::store::keyspace::Keyspace;
use crate::store::watch::Watch;
use crate::store::Ttl;
use crate::value::{Decode, Encode};

/// The operations of one transaction (see [`Store::transaction`]). Every method works on a
/// declared key of the current keyspace (the store handle's, or the one [`Transaction::select`]
/// chose); touching a key that was not declared is [`crate::error::Error::InvalidArgument`].
pub struct Transaction<'t> {
    tx: &'t mut dyn Tx,
    store: &'t Keyspace,
    ks: u32,
    /// Lists pushed to, whose blocked poppers are woken once the transaction commits.
    pub(crate) pushed: BTreeSet<TxKey>,
    /// The first store failure an operation met: the transaction will not commit.
    failed: Option<crate::error::Error>,
}

impl Keyspace {
    /// Runs `body` as one atomic transaction over `keys` of this handle's keyspace, and returns
    /// what it returned. See the module docs of [`Transaction`] for the failure rules.
    ///
    /// `body` may run more than once (a backend with optimistic concurrency retries it), so it
    /// must not have effects outside the transaction.
    ///
    /// ```
    /// use tidekv::{Config, Store};
    /// let store = Store::open(Config::memory())?;
    /// store.insert("from", 100)?;
    /// // A transfer: both changes or neither.
    /// store.transaction(["from", "to"], |t| {
    ///     let balance = t.get_as::<i64>("from")?.unwrap_or(0);
    ///     if balance >= 30 {
    ///         t.incr_by("from", -30)?;
    ///         t.incr_by("to", 30)?;
    ///     }
    ///     Ok(())
    /// })?;
    /// assert_eq!(store.get_as::<i64>("to")?, Some(30));
    /// // EXEC's rule: one failing operation does not undo the others.
    /// store.insert("word", "abc")?;
    /// let results = store.transaction(["word", "n"], |t| {
    ///     Ok((t.incr_by("word", 1), t.incr_by("n", 1)))
    /// })?;
    /// assert!(results.0.is_err());
    /// assert_eq!(results.1?, 1);
    /// # Ok::<(), tidekv::Error>(())
    /// ```
    pub fn transaction<K: AsRef<[u8]>, T>(
        &self,
        keys: impl IntoIterator<Item = K>,
        body: impl FnMut(&mut Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let ks = self.ks;
        self.transaction_across(keys.into_iter().map(|k| (ks, k)), body)
    }

    /// [`Store::transaction`] over keys of any keyspaces, as `(keyspace, key)` pairs (a server's
    /// `EXEC` after a `SELECT` inside `MULTI`).
    pub fn transaction_across<K: AsRef<[u8]>, T>(
        &self,
        keys: impl IntoIterator<Item = (u32, K)>,
        body: impl FnMut(&mut Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let declared = self.declare(keys)?;
        let out = self.run_transaction(declared, None, body)?;
        out.ok_or_else(|| crate::error::Error::invalid("transaction", "aborted without a watch"))
    }

    /// Runs `body` as [`Store::transaction_across`] does, unless a key of `watch` changed since
    /// it was watched (Redis `WATCH` … `EXEC`): then nothing runs and the answer is `None`.
    ///
    /// A watched key has changed if any write changed it (a set, a removal, a push or pop, a new
    /// expiry, a rename onto or away from it, a clear or load of its keyspace) or if it expired
    /// meanwhile. The check and the body are one atomic step: no change can slip between them.
    ///
    /// ```
    /// use tidekv::{Config, Store};
    /// let store = Store::open(Config::memory())?;
    /// store.insert("balance", 100)?;
    /// let watch = store.watch(["balance"])?;
    /// let seen = store.get_as::<i64>("balance")?.unwrap_or(0);
    /// store.insert("balance", 5)?; // another client's write
    /// let done = store.transaction_watched(&watch, [(0, "balance")], |t| {
    ///     t.insert("balance", seen - 30)
    /// })?;
    /// assert_eq!(done, None, "the watched key changed: nothing was written");
    /// assert_eq!(store.get_as::<i64>("balance")?, Some(5));
    /// # Ok::<(), tidekv::Error>(())
    /// ```
    pub fn transaction_watched<K: AsRef<[u8]>, T>(
        &self,
        watch: &Watch,
        keys: impl IntoIterator<Item = (u32, K)>,
        body: impl FnMut(&mut Transaction<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        watch.check_store(self)?;
        let mut declared = self.declare(keys)?;
        declared.extend(watch.keys().map(|(ks, key)| (ks, key.clone())));
        self.run_transaction(declared, Some(watch), body)
    }

    fn declare<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = (u32, K)>,
    ) -> Result<Vec<TxKey>> {
        keys.into_iter()
            .map(|(ks, key)| Ok((self.checked_keyspace(ks)?, self.owned_key(key.as_ref())?)))
            .collect()
    }

    /// The one transaction runner: checks `watch` inside the transaction, runs `body`, and wakes
    /// the blocked pops of the lists it pushed to once it has committed.
    fn run_transaction<T>(
        &self,
        declared: Vec<TxKey>,
        watch: Option<&Watch>,
        mut body: impl FnMut(&mut Transaction<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut pushed = BTreeSet::new();
        let mut run = |tx: &mut dyn Tx, pushed: &mut BTreeSet<TxKey>| {
            if watch.is_some_and(|w| w.changed(tx.now())) {
                return Ok(None);
            }
            let mut t = Transaction {
                tx,
                store: self,
                ks: self.ks,
                pushed: BTreeSet::new(),
                failed: None,
            };
            let out = body(&mut t)?;
            if let Some(failed) = t.failed.take() {
                return Err(failed);
            }
            *pushed = std::mem::take(&mut t.pushed);
            Ok(Some(out))
        };
        let out = match watch.and_then(|w| w.server.as_ref()) {
            // The server keeps the watch (remote): one try, and a change it saw is an abort.
            Some(server) => {
                self.check_open()?;
                let mut out = None;
                let committed =
                    self.shared
                        .engine
                        .transact_watched(server, &declared, &mut |tx| {
                            out = run(tx, &mut pushed)?;
                            Ok(())
                        })?;
                if committed {
                    out
                } else {
                    None
                }
            }
            None => self.atomic(&declared, |tx| run(tx, &mut pushed))?,
        };
        for (ks, key) in &pushed {
            self.serve(*ks, key);
        }
        Ok(out)
    }
}

impl Transaction<'_> {
    /// Runs one operation so that, if it fails, it leaves nothing behind.
    /// A store failure (not a request error) is kept: the transaction then commits nothing,
    /// and later operations fail at once with it.
    fn op<T>(&mut self, run: impl FnOnce(&mut dyn Tx, u32) -> Result<T>) -> Result<T> {
        if let Some(failed) = &self.failed {
            return Err(failed.duplicate());
        }
        let mark = self.tx.savepoint();
        let out = run(&mut *self.tx, self.ks);
        if let Err(e) = &out {
            self.tx.rollback_to(mark);
            if !e.is_request_error() {
                self.failed = Some(e.duplicate());
            }
        }
        out
    }

    fn key<'k>(&self, key: &'k [u8]) -> Result<&'k [u8]> {
        self.store.check_key(key)?;
        Ok(key)
    }

    /// Switches the keyspace later operations work on (Redis `SELECT` inside `MULTI`).
    pub fn select(&mut self, keyspace: u32) -> Result<()> {
        self.ks = self.store.checked_keyspace(keyspace)?;
        Ok(())
    }

    /// The keyspace operations work on.
    pub fn keyspace_id(&self) -> u32 {
        self.ks
    }

    /// [`Store::get`] inside the transaction (it sees the transaction's own writes).
    pub fn get(&mut self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        let key = self.key(key.as_ref())?;
        self.op(|tx, ks| tx.get(ks, key))
    }

    /// [`Store::get_as`] inside the transaction.
    pub fn get_as<T: Decode>(&mut self, key: impl AsRef<[u8]>) -> Result<Option<T>> {
        self.get(key)?.map(T::decode).transpose()
    }

    /// [`Store::contains_key`] inside the transaction.
    pub fn contains_key(&mut self, key: impl AsRef<[u8]>) -> Result<bool> {
        Ok(self.type_of(key)?.is_some())
    }

    /// [`Store::type_of`] inside the transaction.
    pub fn type_of(&mut self, key: impl AsRef<[u8]>) -> Result<Option<KeyKind>> {
        let key = self.key(key.as_ref())?;
        self.op(|tx, ks| Ok(tx.info(ks, key)?.map(|i| i.kind)))
    }

    /// [`Store::ttl`] inside the transaction.
    pub fn ttl(&mut self, key: impl AsRef<[u8]>) -> Result<Option<Ttl>> {
        let key = self.key(key.as_ref())?;
        self.op(|tx, ks| {
            let now = tx.now();
            Ok(tx.info(ks, key)?.map(|i| Ttl::at(i.expires_at, now)))
        })
    }

    /// [`Store::insert`] inside the transaction.
    pub fn insert(&mut self, key: impl AsRef<[u8]>, value: impl Encode) -> Result<()> {
        self.set(key, value, SetOptions::default()).map(drop)
    }

    /// [`Store::set`] inside the transaction.
    pub fn set(
        &mut self,
        key: impl AsRef<[u8]>,
        value: impl Encode,
        options: SetOptions,
    ) -> Result<SetOutcome> {
        let key = self.key(key.as_ref())?;
        let value = self.store.checked_value(value)?;
        self.op(|tx, ks| strings::set(tx, ks, key, value, options))
    }

    /// [`Store::take`] inside the transaction.
    pub fn take(&mut self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        let key = self.key(key.as_ref())?;
        self.op(|tx, ks| strings::take(tx, ks, key))
    }

    /// [`Store::remove`] inside the transaction.
    pub fn remove(&mut self, key: impl AsRef<[u8]>) -> Result<bool> {
        let key = self.key(key.as_ref())?;
        self.op(|tx, ks| tx.remove(ks, key))
    }

    /// [`Store::incr_by`] inside the transaction.
    pub fn incr_by(&mut self, key: impl AsRef<[u8]>, delta: i64) -> Result<i64> {
        let key = self.key(key.as_ref())?;
        self.op(|tx, ks| strings::incr_by(tx, ks, key, delta))
    }

    /// [`Store::incr_by_float`] inside the transaction.
    pub fn incr_by_float(&mut self, key: impl AsRef<[u8]>, delta: f64) -> Result<f64> {
        let key = self.key(key.as_ref())?;
        self.op(|tx, ks| strings::incr_by_float(tx, ks, key, delta))
    }

    /// [`Store::append`] inside the transaction.
    pub fn append(&mut self, key: impl AsRef<[u8]>, suffix: impl AsRef<[u8]>) -> Result<usize> {
        let key = self.key(key.as_ref())?;
        let max = self.store.shared.max_value_size;
        let len = self.op(|tx, ks| strings::append(tx, ks, key, suffix.as_ref(), max))?;
        Ok(usize::try_from(len).unwrap_or(usize::MAX))
    }

    /// [`Store::set_range`] inside the transaction.
    pub fn set_range(
        &mut self,
        key: impl AsRef<[u8]>,
        offset: usize,
        patch: impl AsRef<[u8]>,
    ) -> Result<usize> {
        let key = self.key(key.as_ref())?;
        let max = self.store.shared.max_value_size;
        let len =
            self.op(|tx, ks| strings::set_range(tx, ks, key, offset as u64, patch.as_ref(), max))?;
        Ok(usize::try_from(len).unwrap_or(usize::MAX))
    }

    /// [`Store::get_and_expire`] inside the transaction.
    pub fn get_and_expire(
        &mut self,
        key: impl AsRef<[u8]>,
        expiry: Expiry,
    ) -> Result<Option<Bytes>> {
        let key = self.key(key.as_ref())?;
        self.op(|tx, ks| strings::get_and_expire(tx, ks, key, expiry))
    }

    /// [`Store::expire_with`] inside the transaction.
    pub fn expire_with(
        &mut self,
        key: impl AsRef<[u8]>,
        expiry: Expiry,
        condition: ExpireCondition,
    ) -> Result<bool> {
        let key = self.key(key.as_ref())?;
        self.op(|tx, ks| keys::expire(tx, ks, key, expiry, condition))
    }

    /// [`Store::persist`] inside the transaction.
    pub fn persist(&mut self, key: impl AsRef<[u8]>) -> Result<bool> {
        let key = self.key(key.as_ref())?;
        self.op(|tx, ks| keys::persist(tx, ks, key))
    }

    /// [`Store::rename`] (`only_if_absent` false) or [`Store::rename_if_absent`] (true) inside
    /// the transaction.
    pub fn rename(
        &mut self,
        from: impl AsRef<[u8]>,
        to: impl AsRef<[u8]>,
        only_if_absent: bool,
    ) -> Result<bool> {
        let (from, to) = (self.key(from.as_ref())?, self.key(to.as_ref())?);
        self.op(|tx, ks| keys::rename(tx, ks, from, to, only_if_absent))
    }

    /// [`Store::copy_to_keyspace`] inside the transaction.
    pub fn copy_to_keyspace(
        &mut self,
        from: impl AsRef<[u8]>,
        keyspace: u32,
        to: impl AsRef<[u8]>,
        replace: bool,
    ) -> Result<bool> {
        let (from, to) = (self.key(from.as_ref())?, self.key(to.as_ref())?);
        let target = self.store.checked_keyspace(keyspace)?;
        self.op(|tx, ks| keys::copy(tx, (ks, from), (target, to), replace))
    }

    /// [`Store::move_to_keyspace`] inside the transaction.
    pub fn move_to_keyspace(&mut self, key: impl AsRef<[u8]>, keyspace: u32) -> Result<bool> {
        let key = self.key(key.as_ref())?;
        let target = self.store.checked_keyspace(keyspace)?;
        self.op(|tx, ks| keys::move_key(tx, ks, key, target))
    }

    /// Records a push onto `key` of the current keyspace, for the waiters woken on commit.
    pub(crate) fn pushed_to(&mut self, key: &[u8]) {
        self.pushed.insert((self.ks, Bytes::copy_from_slice(key)));
    }

    /// The transaction's engine view and keyspace, for the list operations (`transaction_lists.rs`).
    pub(crate) fn run<T>(&mut self, run: impl FnOnce(&mut dyn Tx, u32) -> Result<T>) -> Result<T> {
        self.op(run)
    }

    /// The store, for argument checks.
    pub(crate) fn store(&self) -> &Keyspace {
        self.store
    }
}

#[cfg(test)]
#[path = "transaction_tests.rs"]
mod tests;
