//! Changing the table set: apply a version edit, make it durable (starting a new manifest when
//! the current one grows large), then install the new sources. Flushes, compactions and open all
//! go through [`Inner::commit_edit`].

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::{Inner, SuperVersion, VersionState};
use crate::disk::file_name::manifest_path;
use crate::disk::memtable::Memtable;
use crate::disk::version::edit::VersionEdit;
use crate::disk::version::manifest::ManifestWriter;
use crate::disk::version::set::{TableFile, Version};
use crate::error::{Error, Result};

/// A manifest larger than this is replaced by a fresh one holding one snapshot edit, so that
/// manifests (and the time to read them on open) stay small however long a store runs.
const MAX_MANIFEST_BYTES: u64 = 4 << 20;

/// Which memtables leave the sources with an edit.
#[derive(Clone, Copy)]
pub(crate) enum Retire<'a> {
    /// None (a compaction, open).
    Nothing,
    /// A frozen memtable whose writes the edit's tables now hold (a flush). If it is no longer a
    /// source — a snapshot load replaced everything meanwhile — the edit is not applied.
    Frozen(&'a Arc<Memtable>),
    /// Every memtable: the edit replaces the whole store (a snapshot load); writes start again
    /// in a fresh memtable on log `log`.
    All { log: u64 },
}

impl Inner {
    /// Makes `edit` current and returns `true`, or returns `false` if `retire` names a frozen
    /// memtable that is gone (nothing changed). `tables` are the tables it adds (written, synced
    /// and opened; the edit's `added` list is filled from them, and its counters from the
    /// engine). The edit is logged durably before the new sources are installed.
    ///
    /// The caller holds the version lock (`versions`), so the version the edit applies to is the
    /// one installed: nothing else changes it meanwhile.
    pub(crate) fn commit_edit(
        &self,
        versions: &mut VersionState,
        mut edit: VersionEdit,
        tables: &[Arc<TableFile>],
        retire: Retire<'_>,
    ) -> Result<bool> {
        if let Retire::Frozen(imm) = retire {
            if !self.current().imms.iter().any(|(m, _)| Arc::ptr_eq(m, imm)) {
                return Ok(false);
            }
        }
        edit.next_file = Some(self.next_file.load(Ordering::Relaxed));
        edit.last_sequence = Some(self.visible());
        edit.added = tables.iter().map(|t| t.meta.clone()).collect();
        let manifest = manifest_path(&self.dir, versions.manifest.number());
        let version = self.current().version.apply(&manifest, &edit, |meta| {
            tables
                .iter()
                .find(|t| t.meta.number == meta.number)
                .cloned()
                .ok_or_else(|| Error::invalid("version edit", "a table it adds was not given"))
        })?;
        self.log_edit(versions, &edit, &version)?;
        if let Some(log_number) = edit.log_number {
            versions.log_number = log_number;
        }
        self.install(|current| match retire {
            Retire::All { log } => SuperVersion {
                mem: Arc::new(current.mem.successor()),
                mem_log: log,
                imms: Vec::new(),
                version: Arc::new(version),
            },
            Retire::Nothing | Retire::Frozen(_) => SuperVersion {
                mem: Arc::clone(&current.mem),
                mem_log: current.mem_log,
                imms: current
                    .imms
                    .iter()
                    .filter(|(m, _)| !matches!(retire, Retire::Frozen(r) if Arc::ptr_eq(m, r)))
                    .cloned()
                    .collect(),
                version: Arc::new(version),
            },
        });
        Ok(true)
    }

    /// Appends and syncs `edit`, whose result is `next`.
    fn log_edit(
        &self,
        versions: &mut VersionState,
        edit: &VersionEdit,
        next: &Version,
    ) -> Result<()> {
        versions.manifest.log(edit)?;
        if versions.manifest.len() < MAX_MANIFEST_BYTES {
            return Ok(());
        }
        let number = self.new_file_number();
        let snapshot = VersionEdit {
            log_number: Some(edit.log_number.unwrap_or(versions.log_number)),
            next_file: Some(self.next_file.load(std::sync::atomic::Ordering::Relaxed)),
            last_sequence: Some(self.visible()),
            ..next.snapshot_edit()
        };
        let old = versions.manifest.number();
        versions.manifest = ManifestWriter::create(self.fs.as_ref(), &self.dir, number, &snapshot)?;
        // `CURRENT` names the new manifest (synced) before the old one goes; a failed removal
        // leaves a file the next open removes.
        let _ = self.fs.remove(&manifest_path(&self.dir, old));
        Ok(())
    }
}
