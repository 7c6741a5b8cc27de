//! The one seam all disk I/O goes through.
//!
//! The disk engine never calls `std::fs` directly: it uses an [`Fs`]. [`StdFs`] is the real
//! thing; `MemFs` (tests only) keeps files in memory, remembers which bytes were synced, can
//! "crash" (dropping what was not), and can fail a chosen operation, so tests check durability and
//! error handling without a real power cut.

#[cfg(test)]
mod mem_fs;
mod std_fs;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

#[cfg(test)]
pub(crate) use mem_fs::{Fault, MemFs};
// TODO(#3): the disk engine opens stores on `StdFs`; until it exists only tests use it.
#[allow(unused_imports)]
pub(crate) use std_fs::StdFs;

/// A file opened for appending.
pub(crate) trait WritableFile: Send {
    /// Appends `data` at the end of the file.
    fn append(&mut self, data: &[u8]) -> io::Result<()>;
    /// Makes every byte appended so far survive a crash or power loss.
    fn sync(&mut self) -> io::Result<()>;
}

/// The file-system operations the disk engine needs, and no others.
pub(crate) trait Fs: Send + Sync + fmt::Debug {
    /// Creates `path` empty (replacing any file there) for appending.
    fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>>;
    /// Opens an existing `path` for appending at its end.
    fn append_to(&self, path: &Path) -> io::Result<Box<dyn WritableFile>>;
    /// The whole content of `path`.
    fn read_all(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Cuts `path` to `len` bytes and syncs it.
    fn truncate(&self, path: &Path, len: u64) -> io::Result<()>;
    /// Renames `from` to `to`, replacing `to`; atomic.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Removes a file.
    fn remove(&self, path: &Path) -> io::Result<()>;
    /// The files directly inside `dir`.
    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>>;
    /// Creates `dir` and its parents.
    fn create_dir_all(&self, dir: &Path) -> io::Result<()>;
    /// Makes creations, renames and removals inside `dir` survive a crash.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
}
