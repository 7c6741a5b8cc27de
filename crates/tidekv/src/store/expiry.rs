//! Expiry: values that disappear after a time to live.

use std::time::Duration;

use crate::clock::ttl_to_ms;
use crate::engine::KeyExpiry;
use crate::error::{Error, Result};
use crate::store::handle::Store;
use crate::value::Encode;

/// How long a key has left to live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// The key never expires.
    Persistent,
    /// The key expires after this long (rounded down to whole milliseconds).
    ExpiresIn(Duration),
}

impl Store {
    /// Sets `key` to `value`, to expire `ttl` from now (Redis `SET key value PX ttl`).
    ///
    /// The key is invisible to every call from the moment it expires. A zero `ttl` is
    /// [`Error::InvalidArgument`]: a value that is dead on arrival is almost always a bug.
    pub fn insert_with_ttl(
        &self,
        key: impl AsRef<[u8]>,
        value: impl Encode,
        ttl: Duration,
    ) -> Result<()> {
        let key = self.owned_key(key.as_ref())?;
        let value = value.encode()?;
        self.check_value(&value)?;
        let at = self.expiry_time(ttl)?;
        self.shared.engine.put(self.ks, key, value, Some(at))
    }

    /// Makes an existing `key` expire `ttl` from now; `false` if the key does not exist.
    /// A zero `ttl` removes the key at once (Redis `EXPIRE key 0`).
    pub fn expire(&self, key: impl AsRef<[u8]>, ttl: Duration) -> Result<bool> {
        let key = key.as_ref();
        self.check_key(key)?;
        let at = self.shared.clock.now_ms().saturating_add(ttl_to_ms(ttl));
        self.shared.engine.set_expiry(self.ks, key, Some(at))
    }

    /// How long `key` has left: `None` if it does not exist.
    pub fn ttl(&self, key: impl AsRef<[u8]>) -> Result<Option<Ttl>> {
        let key = key.as_ref();
        self.check_key(key)?;
        Ok(match self.shared.engine.expiry(self.ks, key)? {
            KeyExpiry::Missing => None,
            KeyExpiry::Persistent => Some(Ttl::Persistent),
            KeyExpiry::At(at) => {
                let left = at.saturating_sub(self.shared.clock.now_ms());
                Some(Ttl::ExpiresIn(Duration::from_millis(left)))
            }
        })
    }

    /// Removes the expiry of `key`; `false` if the key does not exist.
    pub fn persist(&self, key: impl AsRef<[u8]>) -> Result<bool> {
        let key = key.as_ref();
        self.check_key(key)?;
        self.shared.engine.set_expiry(self.ks, key, None)
    }

    /// The absolute expiry time of a TTL starting now; zero is rejected.
    pub(crate) fn expiry_time(&self, ttl: Duration) -> Result<u64> {
        if ttl.is_zero() {
            return Err(Error::invalid("ttl", "must be greater than zero"));
        }
        Ok(self.shared.clock.now_ms().saturating_add(ttl_to_ms(ttl)))
    }
}
