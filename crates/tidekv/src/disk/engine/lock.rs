//! The directory lock: one process (and one open store) per directory.
//!
//! `LOCK` in the store's directory is held with an exclusive lock (`flock` on a real file system,
//! through [`Fs::lock`]) for the engine's life. The operating system releases it when the process
//! dies, so a crash never leaves a stale lock behind. A second open — from another process or
//! from this one — finds it held and fails with [`Error::Locked`] before reading or changing
//! anything.

use std::path::Path;

use crate::disk::fs::{FileLock, Fs};
use crate::error::{Error, Result};

/// The name of the lock file in a store's directory.
pub(crate) const LOCK_FILE: &str = "LOCK";

/// Holds the lock until dropped.
#[derive(Debug)]
pub(crate) struct DirLock {
    _guard: Box<dyn FileLock>,
}

impl DirLock {
    pub(crate) fn acquire(fs: &dyn Fs, dir: &Path) -> Result<DirLock> {
        let path = dir.join(LOCK_FILE);
        match fs.lock(&path) {
            Ok(guard) => Ok(DirLock { _guard: guard }),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Err(Error::Locked {
                path: dir.to_path_buf(),
            }),
            Err(e) => Err(Error::io(format!("locking {}", path.display()), e)),
        }
    }
}
