//! Opening a store written before key counts existed (its version lacks
//! [`FEATURE_KEY_COUNTS`]): one walk writes every keyspace's count and expiry index, then a
//! manifest edit marks the store as keeping them. From then on every record keeps them
//! (`key_count.rs`).
//!
//! Crash safety: the walk's result is one log record, synced before the edit. A crash before the edit leaves a store that is upgraded again
//! on the next open; the record it may have left is harmless, because the upgrade writes absolute
//! counts and the same index entries again. A test cuts the power at every file operation of an
//! upgrading open.
//!
//! Limit: the record holds an index entry per key with an expiry (about 40 bytes each), so a
//! store with more than some 20 million of them exceeds the 1 GiB record limit and refuses to
//! open with that error; it must be dumped by the build that wrote it and loaded by this one.

use std::collections::BTreeMap;

use super::edits::Retire;
use super::key_count::{count_cell, count_prefix, index_marker, index_of, keyspace_of};
use super::scan::Visible;
use super::view::View;
use super::Inner;
use crate::disk::key::Space;
use crate::disk::version::edit::{VersionEdit, FEATURE_KEY_COUNTS};
use crate::error::Result;

impl Inner {
    /// Upgrades a store without key counts (see the module docs); nothing if it has them. Runs
    /// on open, before the background threads start.
    pub(crate) fn upgrade_key_counts(&self) -> Result<()> {
        let version = std::sync::Arc::clone(&self.current().version);
        if version.features & FEATURE_KEY_COUNTS != 0 {
            return Ok(());
        }
        // At time 0 nothing is expired: the walk sees every stored string and list, as the
        // counts must.
        let view = View {
            now: 0,
            ..self.view()
        };
        let mut counts: BTreeMap<u32, u64> = BTreeMap::new();
        let mut index = Vec::new();
        let mut keys = Visible::new(&view, b"")?;
        while let Some((prefix, cell)) = keys.next_cell()? {
            if prefix.get(4) != Some(&(Space::User as u8)) {
                continue;
            }
            *counts.entry(keyspace_of(&prefix)?).or_default() += 1;
            if let Some(at) = cell.expires_at() {
                index.push(index_of(&prefix, at)?);
            }
        }
        self.write(|txn| {
            for entry in index {
                txn.set(entry, index_marker());
            }
            for (&ks, &count) in &counts {
                txn.set(count_prefix(ks), count_cell(count));
            }
            Ok(())
        })?;
        self.sync_all()?;
        {
            // Whatever the resolver holds is part of what the walk counted.
            let mut writer = self.writer.lock();
            self.settle_counts(&mut writer)?;
            writer.counts.clear();
        }
        let mut versions = self.versions.lock();
        let edit = VersionEdit {
            features: Some(version.features | FEATURE_KEY_COUNTS),
            ..VersionEdit::default()
        };
        self.commit_edit(&mut versions, edit, &[], Retire::Nothing)?;
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

    /// Makes the store look as a build before key counts left it: no count or index entries,
    /// no feature bit.
    fn forget_key_counts(inner: &Inner, keys: &[(u32, &str, Option<u64>)]) {
        inner
            .write(|txn| {
                for ks in 0..3 {
                    txn.set(count_prefix(ks), Cell::Tombstone);
                }
                for &(ks, key, at) in keys {
                    if let Some(at) = at {
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
            features: Some(0),
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

    /// Leaves on `fs` a closed store as a build before key counts left it, holding [`KEYS`].
    fn legacy_store(fs: &MemFs, options: &DiskOptions) {
        let engine = open_on(fs, options).unwrap();
        for &(ks, key, at) in &KEYS {
            let key = Bytes::copy_from_slice(key.as_bytes());
            if ks == 2 {
                engine
                    .push(ks, key.clone(), End::Back, &[Bytes::from("x")])
                    .unwrap();
                engine
                    .transact(&[(ks, key.clone())], &mut |tx| {
                        tx.set_expiry(ks, &key, at).map(|_| ())
                    })
                    .unwrap();
            } else {
                engine.put(ks, key, Bytes::from("v"), at).unwrap();
            }
        }
        forget_key_counts(&engine.inner, &KEYS);
        assert_eq!(engine.len(0).unwrap(), 0, "the counts are really gone");
        engine.close().unwrap();
    }

    /// Opens the store on `fs` and checks that it keeps counts and that they are right, now
    /// and — through the expiry index — once the keys with a TTL have expired.
    fn check_counted(fs: &MemFs, options: &DiskOptions, what: &str) {
        let engine = open_on(fs, options).unwrap_or_else(|e| panic!("{what}: open: {e}"));
        assert_eq!(
            [0, 1, 2].map(|ks| engine.len(ks).unwrap()),
            [2, 1, 1],
            "{what}: counted on open"
        );
        assert_ne!(
            engine.inner.current().version.features & FEATURE_KEY_COUNTS,
            0,
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
            [0, 1, 2].map(|ks| engine.len(ks).unwrap()),
            [1, 1, 0],
            "{what}: the index lets expired keys out of the counts"
        );
        engine.close().unwrap();
    }

    #[test]
    fn a_store_without_key_counts_gets_them_on_open() {
        let fs = MemFs::new();
        let options = DiskOptions::new(PathBuf::from("/db"));
        legacy_store(&fs, &options);
        check_counted(&fs, &options, "a clean upgrade");
    }

    /// The upgrade's crash safety: the power is cut at every file operation of an upgrading
    /// open (the walk's record, its sync, the manifest edit), losing or garbling what was not
    /// synced, or the process dies there; the next open must end with the right counts and
    /// index, whether it finds the upgrade done, half done or not begun.
    #[test]
    fn a_cut_anywhere_in_the_upgrade_leaves_a_store_that_opens_upgraded_and_right() {
        let options = DiskOptions::new(PathBuf::from("/db"));
        let fs = MemFs::new();
        legacy_store(&fs, &options);
        let before = fs.counts().0;
        let engine = open_bound(&fs, &options).unwrap();
        let open_ops = fs.counts().0 - before;
        drop(engine);
        assert!(
            open_ops > 5,
            "an upgrading open took only {open_ops} operations"
        );
        for n in 1..=open_ops + 2 {
            let damage = match n % 3 {
                0 => Damage::LoseUnsynced,
                1 => Damage::Garbage { seed: n },
                _ => Damage::ProcessCrash,
            };
            let fs = MemFs::new();
            legacy_store(&fs, &options);
            fs.set_trigger(Some(Trigger::CutAtOp(n, damage)));
            if let Ok(engine) = open_bound(&fs, &options) {
                // The open got past the cut's operation number (or the cut hit a background
                // thread after it): cut now, so that every case ends in a crash.
                fs.power_cut(damage);
                drop(engine);
            }
            fs.set_trigger(None);
            check_counted(&fs, &options, &format!("cut at operation {n} ({damage:?})"));
        }
    }
}
