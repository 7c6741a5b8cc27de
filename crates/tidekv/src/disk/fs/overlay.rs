//! [`OverlayFs`]: how a read-only open sees a store's directory (`Config::read_only`).
//!
//! Reads come from the directory on the file system below (the *base*). Every creation, append,
//! truncation, rename and removal goes to memory (the *upper* layer) and never reaches the base:
//! the engine runs unchanged over it — it creates a log and a manifest on open, cuts a torn log
//! tail, flushes what it replayed, removes obsolete files — and the store's directory is left
//! exactly as it was, by construction rather than by care at each place the engine writes.
//!
//! A file written here is read back from memory; a base file that was removed or renamed away is
//! hidden; syncs are no-ops (nothing here is meant to outlive the process). The directory lock
//! is taken shared on the base ([`Fs::lock_shared`]), so read-only opens share a store and
//! exclude a writer. Directory renames and hard links (checkpoints) are refused: a read-only
//! store does not make them.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;

use super::{FileKind, FileLock, FileSyncer, Fs, RandomAccessFile, WritableFile};

type Content = Arc<Mutex<Vec<u8>>>;

/// What was written in memory, and which base paths it hides.
#[derive(Debug, Default)]
struct Upper {
    files: BTreeMap<PathBuf, Content>,
    dirs: BTreeSet<PathBuf>,
    /// Base paths removed (or renamed away), with everything under them.
    hidden: BTreeSet<PathBuf>,
}

impl Upper {
    fn hides(&self, path: &Path) -> bool {
        self.hidden.iter().any(|h| path.starts_with(h))
    }
}

/// A copy-on-write view of a directory (see the module docs).
#[derive(Debug)]
pub(crate) struct OverlayFs {
    base: Arc<dyn Fs>,
    upper: Mutex<Upper>,
}

impl OverlayFs {
    pub(crate) fn new(base: Arc<dyn Fs>) -> OverlayFs {
        OverlayFs {
            base,
            upper: Mutex::new(Upper::default()),
        }
    }

    /// The in-memory content of `path`, if it has one.
    fn upper_file(&self, path: &Path) -> Option<Content> {
        self.upper.lock().files.get(path).cloned()
    }

    /// `Err(NotFound)` if `path` is a base path hidden by a removal.
    fn visible(&self, path: &Path) -> io::Result<()> {
        if self.upper.lock().hides(path) {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} does not exist", path.display()),
            ));
        }
        Ok(())
    }

    /// The content of `path` moved into memory (copied from the base on first change).
    fn copy_up(&self, path: &Path) -> io::Result<Content> {
        if let Some(content) = self.upper_file(path) {
            return Ok(content);
        }
        self.visible(path)?;
        let content = Arc::new(Mutex::new(self.base.read_all(path)?));
        self.upper
            .lock()
            .files
            .insert(path.to_path_buf(), Arc::clone(&content));
        Ok(content)
    }
}

fn read_only(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!("{what} is not made by a read-only open"),
    )
}

/// A file written in memory.
struct UpperFile(Content);

impl WritableFile for UpperFile {
    fn append(&mut self, data: &[u8]) -> io::Result<()> {
        self.0.lock().extend_from_slice(data);
        Ok(())
    }
    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn reserve(&mut self, _len: u64) -> io::Result<()> {
        // A reservation only spares a real disk a size update per sync: nothing to spare here.
        Ok(())
    }
    fn trim(&mut self, len: u64) -> io::Result<()> {
        self.0
            .lock()
            .truncate(usize::try_from(len).unwrap_or(usize::MAX));
        Ok(())
    }
    fn syncer(&self) -> io::Result<Box<dyn FileSyncer>> {
        Ok(Box::new(NoSync))
    }
}

struct NoSync;

impl FileSyncer for NoSync {
    fn sync(&self) -> io::Result<()> {
        Ok(())
    }
}

/// Positioned reads of a file written in memory.
#[derive(Debug)]
struct UpperReader(Content);

impl RandomAccessFile for UpperReader {
    fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let data = self.0.lock();
        usize::try_from(offset)
            .ok()
            .and_then(|start| data.get(start..start.checked_add(len)?))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("read of {len} bytes at {offset} runs past the end of the file"),
                )
            })
    }
    fn len(&self) -> u64 {
        self.0.lock().len() as u64
    }
}

impl Fs for OverlayFs {
    fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        let content = Content::default();
        self.upper
            .lock()
            .files
            .insert(path.to_path_buf(), Arc::clone(&content));
        Ok(Box::new(UpperFile(content)))
    }

    #[cfg(test)]
    fn append_to(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        Ok(Box::new(UpperFile(self.copy_up(path)?)))
    }

    fn open_read(&self, path: &Path) -> io::Result<Arc<dyn RandomAccessFile>> {
        if let Some(content) = self.upper_file(path) {
            return Ok(Arc::new(UpperReader(content)));
        }
        self.visible(path)?;
        self.base.open_read(path)
    }

    fn read_all(&self, path: &Path) -> io::Result<Vec<u8>> {
        if let Some(content) = self.upper_file(path) {
            return Ok(content.lock().clone());
        }
        self.visible(path)?;
        self.base.read_all(path)
    }

    fn file_size(&self, path: &Path) -> io::Result<u64> {
        if let Some(content) = self.upper_file(path) {
            return Ok(content.lock().len() as u64);
        }
        self.visible(path)?;
        self.base.file_size(path)
    }

    fn sync_file(&self, path: &Path) -> io::Result<()> {
        // Nothing to make durable, but the file must exist, as for a real sync.
        self.file_size(path).map(|_| ())
    }

    fn truncate(&self, path: &Path, len: u64) -> io::Result<()> {
        let content = self.copy_up(path)?;
        content
            .lock()
            .truncate(usize::try_from(len).unwrap_or(usize::MAX));
        Ok(())
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let content = self.copy_up(from)?;
        let mut upper = self.upper.lock();
        upper.files.remove(from);
        upper.hidden.insert(from.to_path_buf());
        upper.files.insert(to.to_path_buf(), content);
        Ok(())
    }

    fn rename_dir(&self, _from: &Path, _to: &Path) -> io::Result<()> {
        Err(read_only("a directory rename"))
    }

    fn hard_link(&self, _from: &Path, _to: &Path) -> io::Result<()> {
        Err(read_only("a hard link"))
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        let in_upper = self.upper.lock().files.remove(path).is_some();
        let in_base = self.visible(path).is_ok() && self.base.kind(path)?.is_some();
        if !in_upper && !in_base {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} does not exist", path.display()),
            ));
        }
        if in_base {
            self.upper.lock().hidden.insert(path.to_path_buf());
        }
        Ok(())
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let upper = self.upper.lock();
        let mut children: BTreeSet<PathBuf> = match self.base.list(dir) {
            Ok(paths) => paths.into_iter().filter(|p| !upper.hides(p)).collect(),
            Err(e) if e.kind() == io::ErrorKind::NotFound && upper.dirs.contains(dir) => {
                BTreeSet::new()
            }
            Err(e) => return Err(e),
        };
        let written = upper.files.keys().chain(upper.dirs.iter());
        children.extend(written.filter(|p| p.parent() == Some(dir)).cloned());
        Ok(children.into_iter().collect())
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        if self.kind(dir)? != Some(FileKind::Dir) {
            self.upper.lock().dirs.insert(dir.to_path_buf());
        }
        Ok(())
    }

    fn sync_dir(&self, _dir: &Path) -> io::Result<()> {
        Ok(())
    }

    fn kind(&self, path: &Path) -> io::Result<Option<FileKind>> {
        {
            let upper = self.upper.lock();
            if upper.files.contains_key(path) {
                return Ok(Some(FileKind::File));
            }
            if upper.dirs.contains(path) {
                return Ok(Some(FileKind::Dir));
            }
            if upper.hides(path) {
                return Ok(None);
            }
        }
        self.base.kind(path)
    }

    fn remove_dir_all(&self, dir: &Path) -> io::Result<()> {
        let mut upper = self.upper.lock();
        upper.files.retain(|p, _| !p.starts_with(dir));
        upper.dirs.retain(|p| !p.starts_with(dir));
        upper.hidden.insert(dir.to_path_buf());
        Ok(())
    }

    fn lock(&self, path: &Path) -> io::Result<Box<dyn FileLock>> {
        // The engine asks for its usual lock; a read-only open shares the store.
        self.base.lock_shared(path)
    }

    fn lock_shared(&self, path: &Path) -> io::Result<Box<dyn FileLock>> {
        self.base.lock_shared(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::fs::MemFs;

    fn base_with(files: &[(&str, &[u8])]) -> MemFs {
        let base = MemFs::new();
        for (path, data) in files {
            base.put(Path::new(path), data.to_vec());
        }
        base
    }

    #[test]
    fn writes_stay_in_memory_and_the_base_never_changes() {
        let base = base_with(&[("/db/CURRENT", b"MANIFEST-1\n"), ("/db/000002.wal", b"log")]);
        let fs = OverlayFs::new(Arc::new(base.clone()));
        let mut log = fs.create(Path::new("/db/000005.wal")).unwrap();
        log.append(b"new").unwrap();
        fs.truncate(Path::new("/db/000002.wal"), 1).unwrap();
        fs.rename(Path::new("/db/000005.wal"), Path::new("/db/CURRENT"))
            .unwrap();
        fs.remove(Path::new("/db/000002.wal")).unwrap();
        fs.create_dir_all(Path::new("/db/000009.load")).unwrap();

        assert_eq!(fs.read_all(Path::new("/db/CURRENT")).unwrap(), b"new");
        assert_eq!(fs.kind(Path::new("/db/000002.wal")).unwrap(), None);
        assert_eq!(
            fs.list(Path::new("/db")).unwrap(),
            vec![
                PathBuf::from("/db/000009.load"),
                PathBuf::from("/db/CURRENT")
            ]
        );
        // The base is as it was.
        assert_eq!(
            base.read_all(Path::new("/db/CURRENT")).unwrap(),
            b"MANIFEST-1\n"
        );
        assert_eq!(base.read_all(Path::new("/db/000002.wal")).unwrap(), b"log");
        assert_eq!(base.kind(Path::new("/db/000005.wal")).unwrap(), None);
        assert_eq!(base.kind(Path::new("/db/000009.load")).unwrap(), None);
        assert!(fs
            .hard_link(Path::new("/db/CURRENT"), Path::new("/x"))
            .is_err());
    }

    #[test]
    fn reads_of_a_file_written_in_memory_see_its_bytes() {
        let fs = OverlayFs::new(Arc::new(MemFs::new()));
        let mut table = fs.create(Path::new("/db/000007.sst")).unwrap();
        table.append(b"hello, table").unwrap();
        let read = fs.open_read(Path::new("/db/000007.sst")).unwrap();
        assert_eq!(read.len(), 12);
        assert_eq!(read.read_at(7, 5).unwrap(), b"table");
        let past = read.read_at(10, 5).unwrap_err();
        assert_eq!(past.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn the_lock_is_shared_with_readers_and_excludes_a_writer() {
        let base = MemFs::new();
        let fs = OverlayFs::new(Arc::new(base.clone()));
        let lock = Path::new("/db/LOCK");
        let first = fs.lock(lock).unwrap();
        let second = fs.lock(lock).unwrap();
        assert_eq!(
            base.lock(lock).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
        drop((first, second));
        let writer = base.lock(lock).unwrap();
        assert_eq!(fs.lock(lock).unwrap_err().kind(), io::ErrorKind::WouldBlock);
        drop(writer);
    }
}
