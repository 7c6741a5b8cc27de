//! Opening a store written before key counts existed, or before they counted keys with an
//! expiry.
//!
//! - Without [`FEATURE_KEY_COUNTS`]: one walk of the store writes every keyspace's tally and
//!   the expiry index.
//! - With it but without [`FEATURE_EXPIRY_COUNTS`] (8-byte count entries, `tally.rs`): one walk
//!   of the expiry index alone counts each keyspace's keys with an expiry, and every keyspace's
//!   tally is written again with that number.
//!
//! Then a manifest edit marks the store as keeping both; from then on every record keeps them
//! (`key_count.rs`).
//!
//! Crash safety: the result is one log record of absolute tallies (and index entries), synced
//! before the edit. A crash before the edit leaves a store that is upgraded again on the next
//! open; the record it may have left is harmless, because the upgrade writes the same absolute
//! tallies and index entries again. A test cuts the power at every file operation of an
//! upgrading open, for both kinds.
//!
//! Limit: the first kind's record holds an index entry per key with an expiry (about 40 bytes
//! each), so a store with more than some 20 million of them exceeds the 1 GiB record limit and
//! refuses to open with that error; it must be dumped by the build that wrote it and loaded by
//! this one.

use std::collections::BTreeMap;

use super::edits::Retire;
use super::key_count::{
    count_in, count_prefix, index_marker, index_of, index_start, keyspace_of, next_indexed_keyspace,
};
use super::scan::Visible;
use super::tally::Tally;
use super::view::View;
use super::Inner;
use crate::config::MAX_KEYSPACES;
use crate::disk::key::Space;
use crate::disk::version::edit::{VersionEdit, FEATURE_EXPIRY_COUNTS, FEATURE_KEY_COUNTS};
use crate::error::Result;

impl Inner {
    /// Whether the store keeps key counts of the current kind (no upgrade is due).
    pub(crate) fn key_counts_current(&self) -> bool {
        let features = self.current().version.features;
        features & FEATURE_KEY_COUNTS != 0 && features & FEATURE_EXPIRY_COUNTS != 0
    }

    /// Upgrades a store without full tallies (see the module docs); nothing if it has them.
    /// Runs on open, after the log replay and before the background threads start.
    pub(crate) fn upgrade_key_counts(&self) -> Result<()> {
        let features = self.current().version.features;
        if features & FEATURE_KEY_COUNTS == 0 {
            self.count_by_walking_the_store()?;
        } else if features & FEATURE_EXPIRY_COUNTS == 0 {
            self.count_by_walking_the_index()?;
        } else {
            return Ok(());
        }
        self.sync_all()?;
        {
            // Whatever the resolver holds is part of what was counted.
            let mut writer = self.writer.lock();
            self.settle_counts(&mut writer)?;
            writer.counts.clear();
        }
        let mut versions = self.versions.lock();
        let edit = VersionEdit {
            features: Some(features | FEATURE_KEY_COUNTS | FEATURE_EXPIRY_COUNTS),
            ..VersionEdit::default()
        };
        self.commit_edit(&mut versions, edit, &[], Retire::Nothing)?;
        Ok(())
    }

    /// The first kind: tallies and index entries from every stored string and list.
    fn count_by_walking_the_store(&self) -> Result<()> {
        // At time 0 nothing is expired: the walk sees every stored string and list, as the
        // counts must.
        let view = View {
            now: 0,
            ..self.view()
        };
        let mut tallies: BTreeMap<u32, Tally> = BTreeMap::new();
        let mut index = Vec::new();
        let mut keys = Visible::new(&view, b"")?;
        while let Some((prefix, cell)) = keys.next_cell()? {
            if prefix.get(4) != Some(&(Space::User as u8)) {
                continue;
            }
            let expires_at = cell.expires_at();
            *tallies.entry(keyspace_of(&prefix)?).or_default() += Tally {
                keys: 1,
                expiring: i64::from(expires_at.is_some()),
            };
            if let Some(at) = expires_at {
                index.push(index_of(&prefix, at)?);
            }
        }
        self.write(|txn| {
            for entry in index {
                txn.set(entry, index_marker());
            }
            for (&ks, &tally) in &tallies {
                txn.set(count_prefix(ks), Tally::cell(ks, tally)?);
            }
            Ok(())
        })?;
        Ok(())
    }

    /// The second kind: each keyspace's key count as it is, with its index entries counted.
    fn count_by_walking_the_index(&self) -> Result<()> {
        let view = self.view();
        let mut expiring: BTreeMap<u32, i64> = BTreeMap::new();
        let mut ks = 0u32;
        'keyspaces: loop {
            let mut entries = Visible::new(&view, &index_start(ks))?;
            let next = loop {
                let Some((prefix, _)) = entries.next_cell()? else {
                    break 'keyspaces;
                };
                let at = keyspace_of(&prefix)?;
                if at == ks && prefix.get(4) == Some(&(Space::ExpiryIndex as u8)) {
                    *expiring.entry(ks).or_default() += 1;
                    continue;
                }
                // Past this keyspace's index: on to the next keyspace that has one.
                match next_indexed_keyspace(ks, at) {
                    Some(next) => break next,
                    None => break 'keyspaces,
                }
            };
            ks = next;
        }
        // Every keyspace with keys gets a full tally: those without index entries too, as the
        // log replay may have written their tally from an 8-byte one plus changes.
        let mut tallies = BTreeMap::new();
        {
            let mut writer = self.writer.lock();
            self.settle_counts(&mut writer)?;
            let sources = self.current();
            for ks in 0..MAX_KEYSPACES {
                let keys = match writer.counts.get(&ks) {
                    Some(tally) => tally.keys,
                    None => count_in(&sources, ks, writer.last_seq)?.keys,
                };
                let expiring = expiring.get(&ks).copied().unwrap_or(0);
                if keys != 0 || expiring != 0 {
                    tallies.insert(ks, Tally { keys, expiring });
                }
            }
        }
        self.write(|txn| {
            for (&ks, &tally) in &tallies {
                txn.set(count_prefix(ks), Tally::cell(ks, tally)?);
            }
            Ok(())
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use bytes::Bytes;

    use super::*;
    use crate::config::DiskOptions;
    use crate::disk::cell::Cell;
    use crate::disk::engine::key_count::index_of;
    use crate::disk::engine::test_support::{open_bound, open_on, TEST_NOW};
    use crate::disk::engine::view::user_prefix;
    use crate::disk::fs::{Damage, MemFs, Trigger};
    use crate::engine::{End, Engine};

    /// What an older build left.
    #[derive(Debug, Clone, Copy)]
    enum Legacy {
        /// No count or index entries, no feature bit.
        NoCounts,
        /// 8-byte count entries (keys only) and the index; [`FEATURE_KEY_COUNTS`] alone.
        KeysOnly,
    }

    /// Makes the store look as `legacy` describes, holding `keys`.
    fn forget(inner: &Inner, legacy: Legacy, keys: &[(u32, &str, Option<u64>)]) {
        inner
            .write(|txn| {
                for ks in 0..3u32 {
                    let cell = match legacy {
                        Legacy::NoCounts => Cell::Tombstone,
                        Legacy::KeysOnly => {
                            let n = keys.iter().filter(|k| k.0 == ks).count() as u64;
                            Cell::Str {
                                value: Bytes::copy_from_slice(&n.to_be_bytes()),
                                expires_at: None,
                            }
                        }
                    };
                    txn.set(count_prefix(ks), cell);
                }
                for &(ks, key, at) in keys {
                    if let (Legacy::NoCounts, Some(at)) = (legacy, at) {
                        txn.set(
                            index_of(&user_prefix(ks, key.as_bytes()), at)?,
                            Cell::Tombstone,
                        );
                    }
                }
                Ok(())
            })
            .unwrap();
        // What the writer knows goes too (a close would write it back).
        {
            let mut writer = inner.writer.lock();
            inner.settle_counts(&mut writer).unwrap();
            writer.counts.clear();
        }
        let mut versions = inner.versions.lock();
        let edit = VersionEdit {
            features: Some(match legacy {
                Legacy::NoCounts => 0,
                Legacy::KeysOnly => FEATURE_KEY_COUNTS,
            }),
            ..VersionEdit::default()
        };
        inner
            .commit_edit(&mut versions, edit, &[], Retire::Nothing)
            .unwrap();
    }

    const LATER: u64 = TEST_NOW + 60_000;

    /// (keyspace, key, expiry) of the keys the legacy store holds; keyspace 2's is a list.
    const KEYS: [(u32, &str, Option<u64>); 4] = [
        (0, "plain", None),
        (0, "ttl", Some(LATER)),
        (1, "other", None),
        (2, "list", Some(LATER)),
    ];

    /// Leaves on `fs` a closed store as `legacy` describes, holding [`KEYS`] and then one more
    /// key with an expiry, written by the older build (a `KeysOnly` store writes its keyspace's
    /// tally at the close from the 8-byte count plus that write: wrong in its second number).
    fn legacy_store(fs: &MemFs, options: &DiskOptions, legacy: Legacy) {
        let engine = open_on(fs, options).unwrap();
        for &(ks, key, at) in &KEYS {
            let key = Bytes::copy_from_slice(key.as_bytes());
            if ks == 2 {
                engine
                    .push(ks, &key, End::Back, &[Bytes::from("x")])
                    .unwrap();
                engine
                    .transact(&[(ks, key.clone())], &mut |tx| {
                        tx.set_expiry(ks, &key, at).map(|_| ())
                    })
                    .unwrap();
            } else {
                engine.put(ks, &key, Bytes::from("v"), at).unwrap();
            }
        }
        forget(&engine.inner, legacy, &KEYS);
        if let Legacy::NoCounts = legacy {
            assert_eq!(engine.len(0).unwrap(), 0, "the counts are really gone");
        }
        engine
            .put(0, &Bytes::from("late"), Bytes::from("v"), Some(LATER))
            .unwrap();
        engine.close().unwrap();
    }

    /// `(live keys, live keys with an expiry)` of keyspaces 0, 1 and 2.
    fn tallies(engine: &crate::disk::engine::DiskEngine) -> [(u64, u64); 3] {
        [0, 1, 2].map(|ks| engine.inner.live_tally(ks).unwrap())
    }

    /// Opens the store on `fs` and checks that it keeps full tallies and that they are right,
    /// now and — through the expiry index — once the keys with a TTL have expired.
    fn check_counted(fs: &MemFs, options: &DiskOptions, what: &str) {
        let engine = open_on(fs, options).unwrap_or_else(|e| panic!("{what}: open: {e}"));
        assert_eq!(
            tallies(&engine),
            [(3, 2), (1, 0), (1, 1)],
            "{what}: counted on open"
        );
        assert_eq!(
            engine.inner.current().version.features,
            FEATURE_KEY_COUNTS | FEATURE_EXPIRY_COUNTS,
            "{what}"
        );
        engine.close().unwrap();
        let clock = crate::clock::ManualClock::new(LATER);
        let engine = crate::disk::engine::open_with_fs(
            std::sync::Arc::new(fs.clone()),
            options,
            std::sync::Arc::new(clock),
        )
        .unwrap();
        assert_eq!(
            tallies(&engine),
            [(1, 0), (1, 0), (0, 0)],
            "{what}: the index lets expired keys out of the tallies"
        );
        engine.close().unwrap();
    }

    #[test]
    fn a_store_without_key_counts_gets_them_on_open() {
        let fs = MemFs::new();
        let options = DiskOptions::new(PathBuf::from("/db"));
        legacy_store(&fs, &options, Legacy::NoCounts);
        check_counted(&fs, &options, "a clean upgrade");
    }

    #[test]
    fn a_store_whose_counts_lack_keys_with_an_expiry_gets_them_on_open() {
        let fs = MemFs::new();
        let options = DiskOptions::new(PathBuf::from("/db"));
        legacy_store(&fs, &options, Legacy::KeysOnly);
        check_counted(&fs, &options, "a clean upgrade of 8-byte counts");
    }

    /// The upgrade's crash safety: the power is cut at every file operation of an upgrading
    /// open (the record, its sync, the manifest edit), losing or garbling what was not synced,
    /// or the process dies there; the next open must end with the right tallies and index,
    /// whether it finds the upgrade done, half done or not begun.
    #[test]
    fn a_cut_anywhere_in_the_upgrade_leaves_a_store_that_opens_upgraded_and_right() {
        let options = DiskOptions::new(PathBuf::from("/db"));
        for legacy in [Legacy::NoCounts, Legacy::KeysOnly] {
            let fs = MemFs::new();
            legacy_store(&fs, &options, legacy);
            let before = fs.counts().0;
            let engine = open_bound(&fs, &options).unwrap();
            let open_ops = fs.counts().0 - before;
            drop(engine);
            assert!(
                open_ops > 5,
                "{legacy:?}: an upgrading open took only {open_ops} operations"
            );
            for n in 1..=open_ops + 2 {
                let damage = match n % 3 {
                    0 => Damage::LoseUnsynced,
                    1 => Damage::Garbage { seed: n },
                    _ => Damage::ProcessCrash,
                };
                let fs = MemFs::new();
                legacy_store(&fs, &options, legacy);
                fs.set_trigger(Some(Trigger::CutAtOp(n, damage)));
                if let Ok(engine) = open_bound(&fs, &options) {
                    // The open got past the cut's operation number (or the cut hit a
                    // background thread after it): cut now, so that every case ends in a crash.
                    fs.power_cut(damage);
                    drop(engine);
                }
                fs.set_trigger(None);
                let what = format!("{legacy:?}, cut at operation {n} ({damage:?})");
                check_counted(&fs, &options, &what);
            }
        }
    }
}
