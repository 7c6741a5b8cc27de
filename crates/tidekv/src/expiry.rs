//! Expiry as a value: what a write does to a key's time to live, and when an `EXPIRE` applies.
//!
//! One rule everywhere: a key whose expiry is now or in the past is gone. `insert_with_ttl(k, v,
//! ZERO)`, `expire(k, ZERO)`, `Expiry::At(a past time)` and Redis's `EXPIRE k 0` all delete the
//! key (the write happens; the key it leaves is already dead).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::clock::ttl_to_ms;

/// What a write does to the key's expiry (Redis's `EX` / `PX` / `EXAT` / `PXAT` / `KEEPTTL` /
/// `PERSIST`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Expiry {
    /// The key never expires; any expiry it had is cleared. What a plain `insert` (Redis `SET`)
    /// does.
    #[default]
    Never,
    /// The key keeps the expiry it had, if any (Redis `KEEPTTL`; for `get_and_expire`, no change).
    Keep,
    /// The key expires this long from now, rounded up to whole milliseconds. Zero means it is
    /// already dead.
    In(Duration),
    /// The key expires at this instant (millisecond precision). An instant not after now means
    /// it is already dead.
    At(SystemTime),
}

impl Expiry {
    /// An absolute expiry in Unix milliseconds (Redis `PXAT`).
    pub fn at_unix_ms(ms: u64) -> Expiry {
        Expiry::At(UNIX_EPOCH + Duration::from_millis(ms))
    }

    /// The absolute Unix ms this expiry gives a key that had `current`, judged at `now` (Unix ms);
    /// `None` means "never expires".
    pub(crate) fn resolve(self, now: u64, current: Option<u64>) -> Option<u64> {
        match self {
            Expiry::Never => None,
            Expiry::Keep => current,
            Expiry::In(ttl) => Some(now.saturating_add(ttl_to_ms(ttl))),
            Expiry::At(at) => Some(unix_ms(at)),
        }
    }
}

/// When an expiry change applies (Redis `EXPIRE`'s `NX` / `XX` / `GT` / `LT`). A key that never
/// expires counts as expiring at infinity for `IfLater` and `IfEarlier`, as in Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExpireCondition {
    /// Always (no flag).
    #[default]
    Always,
    /// Only if the key has no expiry (`NX`).
    IfNone,
    /// Only if the key has an expiry (`XX`).
    IfSome,
    /// Only if the new expiry is later than the current one (`GT`); never for a key without one.
    IfLater,
    /// Only if the new expiry is earlier than the current one (`LT`); always for a key without one.
    IfEarlier,
    /// Only if the key has an expiry and the new one is earlier (`XX` with `LT`).
    IfSomeAndEarlier,
}

impl ExpireCondition {
    /// Whether a key expiring at `current` (`None` = never) takes the expiry `new`.
    pub(crate) fn allows(self, current: Option<u64>, new: Option<u64>) -> bool {
        // NOTE: `None` is "never" for both sides; as a new value it only arises from PERSIST-like
        // calls, which Redis does not combine with these flags, and it compares as infinity.
        let current_or_inf = current.unwrap_or(u64::MAX);
        let new_or_inf = new.unwrap_or(u64::MAX);
        match self {
            ExpireCondition::Always => true,
            ExpireCondition::IfNone => current.is_none(),
            ExpireCondition::IfSome => current.is_some(),
            ExpireCondition::IfLater => current.is_some() && new_or_inf > current_or_inf,
            ExpireCondition::IfEarlier => new_or_inf < current_or_inf,
            ExpireCondition::IfSomeAndEarlier => current.is_some() && new_or_inf < current_or_inf,
        }
    }
}

/// Milliseconds since the Unix epoch of `at`; an instant before 1970 is 0 (long past).
pub(crate) fn unix_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiries_resolve_against_now_and_the_current_one() {
        assert_eq!(Expiry::Never.resolve(1_000, Some(5_000)), None);
        assert_eq!(Expiry::Keep.resolve(1_000, Some(5_000)), Some(5_000));
        assert_eq!(Expiry::Keep.resolve(1_000, None), None);
        assert_eq!(
            Expiry::In(Duration::from_millis(250)).resolve(1_000, None),
            Some(1_250)
        );
        assert_eq!(Expiry::In(Duration::ZERO).resolve(1_000, None), Some(1_000));
        assert_eq!(Expiry::at_unix_ms(7).resolve(1_000, None), Some(7));
        assert_eq!(
            Expiry::At(UNIX_EPOCH - Duration::from_secs(1)).resolve(1_000, None),
            Some(0)
        );
    }

    #[test]
    fn conditions_follow_redis_expire_flags() {
        use ExpireCondition::*;
        // (condition, current, new, applies)
        let cases = [
            (IfNone, None, Some(10), true),
            (IfNone, Some(5), Some(10), false),
            (IfSome, None, Some(10), false),
            (IfSome, Some(5), Some(10), true),
            (IfLater, None, Some(10), false),
            (IfLater, Some(5), Some(10), true),
            (IfLater, Some(10), Some(10), false),
            (IfEarlier, None, Some(10), true),
            (IfEarlier, Some(5), Some(10), false),
            (IfEarlier, Some(10), Some(5), true),
            (IfSomeAndEarlier, None, Some(10), false),
            (IfSomeAndEarlier, Some(5), Some(10), false),
            (IfSomeAndEarlier, Some(10), Some(5), true),
            (Always, Some(10), Some(5), true),
        ];
        for (condition, current, new, applies) in cases {
            assert_eq!(
                condition.allows(current, new),
                applies,
                "{condition:?} {current:?} -> {new:?}"
            );
        }
    }
}
