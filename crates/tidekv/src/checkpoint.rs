//! Checkpoints ([`crate::Store::checkpoint`]): what one reports, and the directory rules every
//! backend's checkpoint follows.
//!
//! A checkpoint is built in a temporary directory beside its target (`<name>.checkpoint-tmp`),
//! every file and that directory synced, then renamed to the target and the parent synced. So a
//! crash leaves either no target or a whole checkpoint, never a part of one; a temporary directory
//! that a crash left behind is removed by the next checkpoint to the same target. RocksDB's
//! checkpoints work the same way.

use std::path::{Path, PathBuf};

use crate::disk::fs::{FileKind, Fs};
use crate::error::{Error, Result};

/// What [`crate::Store::checkpoint`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckpointReport {
    /// The checkpoint's directory.
    pub dir: PathBuf,
    /// Files that share their data with the store through a hard link (the disk backend's
    /// tables, which never change once written): no bytes were copied for them.
    pub files_linked: u64,
    /// The bytes of the linked files.
    pub bytes_linked: u64,
    /// Files copied: the disk backend's logs (up to the last write made before the call), tables
    /// the file system could not link (another device), a memory store's snapshot.
    pub files_copied: u64,
    /// The bytes of the copied files.
    pub bytes_copied: u64,
}

/// The temporary directory a checkpoint into `dir` is built in.
pub(crate) fn temporary_dir(dir: &Path) -> PathBuf {
    let mut name = dir
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".checkpoint-tmp");
    dir.with_file_name(name)
}

/// Checks that `dir` can take a checkpoint and makes its temporary directory, empty; returns it.
/// `dir` must be new: a checkpoint never replaces or mixes into an existing directory.
pub(crate) fn begin(fs: &dyn Fs, dir: &Path) -> Result<PathBuf> {
    if dir.file_name().is_none() {
        return Err(Error::invalid(
            "checkpoint directory",
            format!("{} does not name a directory to create", dir.display()),
        ));
    }
    let io = |what: &str, path: &Path, e| Error::io(format!("{what} {}", path.display()), e);
    if fs
        .kind(dir)
        .map_err(|e| io("inspecting", dir, e))?
        .is_some()
    {
        return Err(Error::invalid(
            "checkpoint directory",
            format!(
                "{} already exists; a checkpoint goes into a new directory",
                dir.display()
            ),
        ));
    }
    let tmp = temporary_dir(dir);
    match fs.kind(&tmp).map_err(|e| io("inspecting", &tmp, e))? {
        // What a checkpoint that crashed left: never a store, never renamed into place.
        Some(FileKind::Dir) => fs
            .remove_dir_all(&tmp)
            .map_err(|e| io("removing the unfinished checkpoint", &tmp, e))?,
        Some(FileKind::File) => {
            return Err(Error::invalid(
                "checkpoint directory",
                format!("{} is a file, in the way of the checkpoint", tmp.display()),
            ))
        }
        None => {}
    }
    fs.create_dir_all(&tmp)
        .map_err(|e| io("creating", &tmp, e))?;
    Ok(tmp)
}

/// Makes the checkpoint in `tmp` (every file in it synced) durable and gives it its name.
pub(crate) fn finish(fs: &dyn Fs, tmp: &Path, dir: &Path) -> Result<()> {
    let io = |what: &str, path: &Path, e| Error::io(format!("{what} {}", path.display()), e);
    fs.sync_dir(tmp).map_err(|e| io("syncing", tmp, e))?;
    fs.rename_dir(tmp, dir)
        .map_err(|e| io("naming the checkpoint", dir, e))?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs.sync_dir(parent).map_err(|e| io("syncing", parent, e))
}

/// Removes what a failed checkpoint wrote (best effort: the next checkpoint to the same target
/// removes it too).
pub(crate) fn abandon(fs: &dyn Fs, tmp: &Path) {
    let _ = fs.remove_dir_all(tmp);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::fs::MemFs;

    #[test]
    fn the_temporary_directory_sits_beside_the_target() {
        assert_eq!(
            temporary_dir(Path::new("/b/nightly")),
            PathBuf::from("/b/nightly.checkpoint-tmp")
        );
    }

    #[test]
    fn an_existing_target_is_refused_and_a_leftover_temporary_directory_is_cleared() {
        let fs = MemFs::new();
        fs.create_dir_all(Path::new("/b/taken")).unwrap();
        let taken = begin(&fs, Path::new("/b/taken")).unwrap_err();
        assert!(taken.to_string().contains("already exists"), "{taken}");

        fs.put(
            Path::new("/b/new.checkpoint-tmp/000001.sst"),
            b"old".to_vec(),
        );
        let tmp = begin(&fs, Path::new("/b/new")).unwrap();
        assert!(fs.list(&tmp).unwrap().is_empty());
        finish(&fs, &tmp, Path::new("/b/new")).unwrap();
        assert_eq!(fs.kind(Path::new("/b/new")).unwrap(), Some(FileKind::Dir));
        assert_eq!(fs.kind(&tmp).unwrap(), None);
    }
}
