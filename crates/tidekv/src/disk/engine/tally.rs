//! A keyspace's tally (`key_count.rs`): its count of user keys, and how many of those have an
//! expiry; the same pair is also a change of a tally. Both cover keys whose newest version is a
//! string or a list, live **or expired** (the due part of the expiry index is subtracted when
//! they are read).
//!
//! Stored as the keyspace's count entry (`docs/format/sstable.md`, "Key spaces"): a string cell
//! of 16 bytes, the keys then the keys with an expiry, each a `u64` big-endian; a tombstone or no
//! entry for a keyspace with no keys. A store written before the second number existed (no
//! [`crate::disk::version::edit::FEATURE_EXPIRY_COUNTS`]) has 8-byte entries, which read as
//! "no keys with an expiry": the upgrade on open (`key_count_upgrade.rs`) writes every tally
//! again, exact, before anything reads one.

use std::ops::{Add, AddAssign, Sub};

use bytes::Bytes;

use crate::disk::cell::Cell;
use crate::error::{Error, Result};

/// Keys, and keys with an expiry, of one keyspace (see the module docs). Signed: while
/// deferred writes wait for the resolver, a running tally may fall below its true value
/// (`Writer::counts`); a change is signed anyway.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(crate) keys: i64,
    pub(crate) expiring: i64,
}

impl Tally {
    /// Whether it changes nothing.
    pub(crate) fn is_zero(self) -> bool {
        self == Tally::default()
    }

    /// `self + other`, or `None` if either number overflows.
    pub(crate) fn checked_add(self, other: Tally) -> Option<Tally> {
        Some(Tally {
            keys: self.keys.checked_add(other.keys)?,
            expiring: self.expiring.checked_add(other.expiring)?,
        })
    }

    /// A settled tally as stored: `(keys, keys with an expiry)`. A key count below zero is
    /// corruption (the counts went wrong); the second number is kept within `0..=keys`, since
    /// it only feeds statistics.
    pub(crate) fn settled(self, ks: u32) -> Result<(u64, u64)> {
        let keys = u64::try_from(self.keys).map_err(|_| out_of_range(ks))?;
        let expiring = u64::try_from(self.expiring.max(0)).unwrap_or(0).min(keys);
        Ok((keys, expiring))
    }

    /// The tally of a stored count `(keys, keys with an expiry)`.
    pub(crate) fn stored(ks: u32, keys: u64, expiring: u64) -> Result<Tally> {
        Ok(Tally {
            keys: i64::try_from(keys).map_err(|_| out_of_range(ks))?,
            expiring: i64::try_from(expiring.min(keys)).map_err(|_| out_of_range(ks))?,
        })
    }

    /// The count entry's cell for a settled tally: a tombstone for no keys, so an emptied
    /// keyspace leaves nothing behind.
    pub(crate) fn cell(ks: u32, tally: Tally) -> Result<Cell> {
        let (keys, expiring) = tally.settled(ks)?;
        if keys == 0 {
            return Ok(Cell::Tombstone);
        }
        let mut value = Vec::with_capacity(16);
        value.extend_from_slice(&keys.to_be_bytes());
        value.extend_from_slice(&expiring.to_be_bytes());
        Ok(Cell::Str {
            value: Bytes::from(value),
            expires_at: None,
        })
    }

    /// The tally a count entry's cell holds (see the module docs for 8-byte entries).
    pub(crate) fn from_cell(ks: u32, cell: Cell) -> Result<Tally> {
        let value = match cell {
            Cell::Tombstone => return Ok(Tally::default()),
            Cell::Str { value, .. } => value,
            _ => {
                return Err(Error::corruption(
                    "(key count)",
                    u64::from(ks),
                    "not a count",
                ))
            }
        };
        let number = |at: usize| -> Option<u64> {
            Some(u64::from_be_bytes(value.get(at..at + 8)?.try_into().ok()?))
        };
        match (value.len(), number(0), number(8)) {
            (8, Some(keys), _) => Tally::stored(ks, keys, 0),
            (16, Some(keys), Some(expiring)) => Tally::stored(ks, keys, expiring),
            _ => Err(Error::corruption(
                "(key count)",
                u64::from(ks),
                "a count is neither 8 nor 16 bytes",
            )),
        }
    }
}

fn out_of_range(ks: u32) -> Error {
    Error::corruption(
        "(key count)",
        u64::from(ks),
        format!("keyspace {ks}'s key count left the range 0..2^63"),
    )
}

impl Add for Tally {
    type Output = Tally;
    fn add(self, other: Tally) -> Tally {
        Tally {
            keys: self.keys.wrapping_add(other.keys),
            expiring: self.expiring.wrapping_add(other.expiring),
        }
    }
}

impl AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        *self = *self + other;
    }
}

impl Sub for Tally {
    type Output = Tally;
    fn sub(self, other: Tally) -> Tally {
        Tally {
            keys: self.keys.wrapping_sub(other.keys),
            expiring: self.expiring.wrapping_sub(other.expiring),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tally_round_trips_through_its_cell() {
        let tally = Tally {
            keys: 1 << 40,
            expiring: 12,
        };
        let cell = Tally::cell(3, tally).unwrap();
        assert_eq!(Tally::from_cell(3, cell).unwrap(), tally);
        assert_eq!(
            Tally::cell(3, Tally::default()).unwrap(),
            Cell::Tombstone,
            "no keys: a tombstone"
        );
        assert_eq!(
            Tally::from_cell(3, Cell::Tombstone).unwrap(),
            Tally::default()
        );
    }

    #[test]
    fn an_entry_from_before_expiry_counts_reads_as_keys_only() {
        let cell = Cell::Str {
            value: Bytes::copy_from_slice(&7u64.to_be_bytes()),
            expires_at: None,
        };
        assert_eq!(
            Tally::from_cell(0, cell).unwrap(),
            Tally {
                keys: 7,
                expiring: 0
            }
        );
    }

    #[test]
    fn a_damaged_count_is_corruption() {
        for len in [0, 7, 9, 15, 17, 24] {
            let cell = Cell::Str {
                value: Bytes::from(vec![0u8; len]),
                expires_at: None,
            };
            let err = Tally::from_cell(0, cell).unwrap_err();
            assert!(
                matches!(err, Error::Corruption { .. }),
                "{len} bytes: {err}"
            );
        }
        let negative = Tally {
            keys: -1,
            expiring: 0,
        };
        assert!(negative.settled(0).is_err(), "a count below zero");
    }

    #[test]
    fn keys_with_an_expiry_stay_within_the_keys() {
        let odd = Tally {
            keys: 5,
            expiring: 9,
        };
        assert_eq!(odd.settled(0).unwrap(), (5, 5));
        let below = Tally {
            keys: 5,
            expiring: -2,
        };
        assert_eq!(below.settled(0).unwrap(), (5, 0));
    }
}
