//! Making a version edit durable, and starting a new manifest when the current one grows large.

use super::{Inner, VersionState};
use crate::disk::file_name::manifest_path;
use crate::disk::version::edit::VersionEdit;
use crate::disk::version::manifest::ManifestWriter;
use crate::disk::version::set::Version;
use crate::error::Result;

/// A manifest larger than this is replaced by a fresh one holding one snapshot edit, so that
/// manifests (and the time to read them on open) stay small however long a store runs.
const MAX_MANIFEST_BYTES: u64 = 4 << 20;

impl Inner {
    /// Appends and syncs `edit`, whose result is `next`. Must be called with the version lock held
    /// (`versions`) and before `next` is installed.
    pub(crate) fn log_edit(
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
