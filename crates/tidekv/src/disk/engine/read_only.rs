//! Opening a store read-only (`Config::read_only`): the engine runs unchanged over an
//! [`OverlayFs`], which keeps every file the engine writes in memory and takes the directory lock
//! shared, so the store's directory is never changed. `Store::open` refuses the writes
//! themselves (`engine::ReadOnlyEngine`); the background threads that would only make work to
//! throw away — compaction and the expiry sweep — are not started (`worker.rs`).

use std::path::Path;
use std::sync::Arc;

use super::{open_with_fs, DiskEngine};
use crate::clock::Clock;
use crate::config::DiskOptions;
use crate::disk::file_name::current_path;
use crate::disk::fs::{FileKind, Fs, OverlayFs};
use crate::error::{Error, Result};

/// Opens the store in `options.path` on `base` without changing it.
pub(crate) fn open_read_only(
    base: Arc<dyn Fs>,
    options: &DiskOptions,
    clock: Arc<dyn Clock>,
) -> Result<DiskEngine> {
    let dir: &Path = &options.path;
    let current = current_path(dir);
    let kind = base
        .kind(&current)
        .map_err(|e| Error::io(format!("inspecting {}", current.display()), e))?;
    if kind != Some(FileKind::File) {
        return Err(Error::invalid(
            "path",
            format!(
                "{} is not a tidekv store (it has no CURRENT file); a read-only open creates \
                 nothing",
                dir.display()
            ),
        ));
    }
    open_with_fs(Arc::new(OverlayFs::new(base)), options, clock)
}
