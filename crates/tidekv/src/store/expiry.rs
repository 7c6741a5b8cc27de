//! Expiry: values that disappear after a time to live.

use std::time::{Duration, SystemTime};

use crate::clock::ttl_to_ms;
use crate::engine::{KeyExpiry, Native};
use crate::error::Result;
use crate::expiry::{ExpireCondition, Expiry};
use crate::ops::keys;
use crate::ops::strings::SetOptions;
use crate::store::keyspace::Keyspace;
use crate::value::Encode;

/// How long a key has left to live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// The key never expires.
    Persistent,
    /// The key expires after this long (rounded down to whole milliseconds).
    ExpiresIn(Duration),
}

impl Ttl {
    /// What a key expiring at `expires_at` (absolute Unix ms, `None` = never) has left at `now`.
    pub(crate) fn at(expires_at: Option<u64>, now: u64) -> Ttl {
        match expires_at {
            None => Ttl::Persistent,
            Some(at) => Ttl::ExpiresIn(Duration::from_millis(at.saturating_sub(now))),
        }
    }
}

impl Keyspace {
    /// Sets `key` to `value`, to expire `ttl` from now (Redis `SET key value PX ttl`).
    ///
    /// The key is invisible to every call from the moment it expires. A zero `ttl` follows the one
    /// rule of [`Expiry`]: the key is dead at once, so this deletes it.
    pub fn insert_with_ttl(
        &self,
        key: impl AsRef<[u8]>,
        value: impl Encode,
        ttl: Duration,
    ) -> Result<()> {
        let options = SetOptions {
            expiry: Expiry::In(ttl),
            ..SetOptions::default()
        };
        self.set(key, value, options).map(drop)
    }

    /// Makes an existing `key` expire `ttl` from now; `false` if the key does not exist.
    /// A zero `ttl` removes the key at once (Redis `EXPIRE key 0`).
    pub fn expire(&self, key: impl AsRef<[u8]>, ttl: Duration) -> Result<bool> {
        self.expire_with(key, Expiry::In(ttl), ExpireCondition::Always)
    }

    /// Makes an existing `key` expire at `at`; `false` if the key does not exist. A time not after
    /// now removes the key (Redis `PEXPIREAT`).
    pub fn expire_at(&self, key: impl AsRef<[u8]>, at: SystemTime) -> Result<bool> {
        self.expire_with(key, Expiry::At(at), ExpireCondition::Always)
    }

    /// Changes the expiry of an existing `key` as `expiry` says, if `condition` holds (Redis
    /// `EXPIRE` / `PEXPIREAT` … with `NX` / `XX` / `GT` / `LT`). Returns whether it changed:
    /// `false` for a missing key or a condition that does not hold. An expiry not after now
    /// deletes the key (and returns `true`).
    pub fn expire_with(
        &self,
        key: impl AsRef<[u8]>,
        expiry: Expiry,
        condition: ExpireCondition,
    ) -> Result<bool> {
        let key = key.as_ref();
        self.check_key(key)?;
        let now = self.shared.clock.now_ms();
        if let Expiry::In(_) | Expiry::At(_) = expiry {
            match expiry.resolve(now, None) {
                // A deadline already past deletes the key: the transaction path says how.
                Some(at) if at > now => {
                    if let Some(reply) = self.native(&Native::Expire { key, at, condition }) {
                        return reply?.bool();
                    }
                }
                _ => {}
            }
        }
        self.atomic_on(key, |tx, ks, key| {
            keys::expire(tx, ks, key, expiry, condition)
        })
    }

    /// How long `key` has left: `None` if it does not exist.
    pub fn ttl(&self, key: impl AsRef<[u8]>) -> Result<Option<Ttl>> {
        let key = key.as_ref();
        self.check_key(key)?;
        let now = self.shared.clock.now_ms();
        Ok(match self.shared.engine.expiry(self.ks, key)? {
            KeyExpiry::Missing => None,
            KeyExpiry::Persistent => Some(Ttl::Persistent),
            KeyExpiry::At(at) => Some(Ttl::at(Some(at), now)),
        })
    }

    /// When `key` expires: `None` if it does not exist, [`Expiry::Never`] if it never does,
    /// otherwise [`Expiry::At`] (Redis `PEXPIRETIME`).
    pub fn expires_at(&self, key: impl AsRef<[u8]>) -> Result<Option<Expiry>> {
        let key = key.as_ref();
        self.check_key(key)?;
        Ok(match self.shared.engine.expiry(self.ks, key)? {
            KeyExpiry::Missing => None,
            KeyExpiry::Persistent => Some(Expiry::Never),
            KeyExpiry::At(at) => Some(Expiry::at_unix_ms(at)),
        })
    }

    /// Removes the expiry of `key`; whether there was one to remove (`false` for a missing key
    /// or a key that never expires, as Redis `PERSIST` answers).
    pub fn persist(&self, key: impl AsRef<[u8]>) -> Result<bool> {
        let key = key.as_ref();
        self.check_key(key)?;
        if let Some(reply) = self.native(&Native::Persist { key }) {
            return reply?.bool();
        }
        self.atomic_on(key, |tx, ks, key| keys::persist(tx, ks, key))
    }

    /// The absolute expiry time of a TTL starting now. Zero is now: the key is dead at once.
    pub(crate) fn expiry_time(&self, ttl: Duration) -> u64 {
        self.shared.clock.now_ms().saturating_add(ttl_to_ms(ttl))
    }
}
