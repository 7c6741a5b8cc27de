//! The one seam all disk I/O goes through.
//!
//! The disk engine never calls `std::fs` directly: it uses an [`Fs`]. [`StdFs`] is the real
//! thing; `MemFs` (tests, and the `test-util` feature) keeps files in memory, remembers which
//! bytes were synced, can cut the power (dropping or garbling what was not synced, bringing back
//! removals that were never made durable) and can fail any chosen operation, so tests check
//! durability and error handling without a real power cut.
//!
//! Files are written by appending ([`WritableFile`], plus a [`FileSyncer`] so another thread can
//! fsync while the owner keeps appending) and read by position ([`RandomAccessFile`]). The
//! directory lock is taken through the seam too ([`Fs::lock`]).

#[cfg(any(test, feature = "test-util"))]
mod mem_fs;
#[cfg(any(test, feature = "test-util"))]
mod mem_fs_handles;
#[cfg(any(test, feature = "test-util"))]
mod mem_fs_ops;
#[cfg(any(test, feature = "test-util"))]
mod mem_fs_power;
mod overlay;
mod std_fs;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[cfg(test)]
pub(crate) use mem_fs::Fault;
#[cfg(any(test, feature = "test-util"))]
pub(crate) use mem_fs::{MemFs, Trigger};
#[cfg(test)]
pub(crate) use mem_fs_handles::Gate;
#[cfg(any(test, feature = "test-util"))]
pub(crate) use mem_fs_power::Damage;
pub(crate) use overlay::OverlayFs;
pub(crate) use std_fs::StdFs;

/// What a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    File,
    Dir,
}

/// A lock on a file, held until dropped (see [`Fs::lock`], [`Fs::lock_shared`]).
pub(crate) trait FileLock: Send + Sync + fmt::Debug {}

/// A file opened for appending.
pub(crate) trait WritableFile: Send {
    /// Appends `data` at the end of the file.
    fn append(&mut self, data: &[u8]) -> io::Result<()>;
    /// Makes every byte appended so far survive a crash or power loss.
    fn sync(&mut self) -> io::Result<()>;
    /// Makes the file at least `len` bytes long without moving where appends go; the bytes past
    /// the last append read as zeros. Logs reserve space ahead of their appends so that a sync
    /// of appended bytes does not also have to record a new file size (on ext4 and XFS an
    /// `fdatasync` that changes the size commits the file system's journal; one that only
    /// writes data within the size need not).
    fn reserve(&mut self, len: u64) -> io::Result<()>;
    /// Cuts reserved space off: the file becomes the `len` bytes appended so far (`len` must be
    /// that count). Not synced.
    fn trim(&mut self, len: u64) -> io::Result<()>;
    /// A handle that syncs this same file from another thread while this one keeps appending
    /// (group commit). A sync through it makes durable at least the bytes appended before it was
    /// called.
    fn syncer(&self) -> io::Result<Box<dyn FileSyncer>>;
}

/// Syncs a file on behalf of its [`WritableFile`], from any thread.
pub(crate) trait FileSyncer: Send + Sync {
    /// Makes every byte appended to the file before this call survive a crash or power loss.
    fn sync(&self) -> io::Result<()>;
}

/// A file opened for reading at arbitrary offsets, shared between threads.
///
/// Like an open file descriptor, it keeps reading the file it opened even if that file is
/// removed or renamed afterwards (an SSTable being read while compaction deletes it).
pub(crate) trait RandomAccessFile: Send + Sync + fmt::Debug {
    /// Exactly `len` bytes starting at `offset`. Bytes past the end of the file are an error of
    /// kind [`io::ErrorKind::UnexpectedEof`]. Callers bound `len` (it is allocated up front).
    fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>>;
    /// The file's length in bytes.
    fn len(&self) -> u64;
}

/// The file-system operations the disk engine needs, and no others.
pub(crate) trait Fs: Send + Sync + fmt::Debug {
    /// Creates `path` empty (replacing any file there) for appending.
    fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>>;
    /// Opens an existing `path` for appending at its end.
    #[cfg(test)]
    fn append_to(&self, path: &Path) -> io::Result<Box<dyn WritableFile>>;
    /// Opens an existing `path` for positioned reads.
    fn open_read(&self, path: &Path) -> io::Result<Arc<dyn RandomAccessFile>>;
    /// The whole content of `path`.
    fn read_all(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The length of `path` in bytes.
    fn file_size(&self, path: &Path) -> io::Result<u64>;
    /// Makes every byte of the existing file `path` durable (fdatasync).
    fn sync_file(&self, path: &Path) -> io::Result<()>;
    /// Cuts `path` to `len` bytes and syncs it.
    fn truncate(&self, path: &Path, len: u64) -> io::Result<()>;
    /// Renames `from` to `to`, replacing `to`; atomic.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Renames the directory `from`, with everything in it, to `to`, which must not exist;
    /// atomic. Durable once `to`'s parent directory is synced.
    fn rename_dir(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Gives the file `from` a second name, `to` (which must not exist): one file, two names
    /// (a hard link). Durable once `to`'s directory is synced. Fails across file systems.
    fn hard_link(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Removes a file.
    fn remove(&self, path: &Path) -> io::Result<()>;
    /// The files directly inside `dir`.
    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>>;
    /// Creates `dir` and its parents.
    fn create_dir_all(&self, dir: &Path) -> io::Result<()>;
    /// Makes creations, renames and removals inside `dir` survive a crash.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
    /// Whether `path` is a file or a directory; `None` if nothing is there.
    fn kind(&self, path: &Path) -> io::Result<Option<FileKind>>;
    /// Removes the directory `dir` and everything in it.
    fn remove_dir_all(&self, dir: &Path) -> io::Result<()>;
    /// Takes an exclusive lock on `path` (created if missing) until the returned guard is
    /// dropped. A lock held elsewhere — another process, or another guard in this one — is an
    /// error of kind [`io::ErrorKind::WouldBlock`]; the lock is never waited for.
    fn lock(&self, path: &Path) -> io::Result<Box<dyn FileLock>>;
    /// Takes a shared lock on `path`: any number of shared holders, but none while an exclusive
    /// lock is held, and no exclusive lock while one is (`flock`'s rules). `path` is opened for
    /// reading only, and created only if missing. A conflicting lock is
    /// [`io::ErrorKind::WouldBlock`]; the lock is never waited for.
    fn lock_shared(&self, path: &Path) -> io::Result<Box<dyn FileLock>>;
}
