//! [`MemFs`]: an in-memory [`Fs`] that models a crash and injects faults, for tests.
//!
//! Model: a name in a directory points at an *inode* holding the file's bytes and the length that
//! has been synced. Open handles hold the inode, as a file descriptor does: they keep working after
//! the name is removed or renamed, and `put` or `create` on the name gives it a new inode without
//! touching the old one. [`MemFs::crash`] cuts every file back to its synced length (what a power
//! cut keeps of appended data) and forgets files whose creation or rename was never made durable by
//! `sync_dir`. A [`Fault`] makes the next matching operation fail with an I/O error, once.
//!
//! Lock order: the file system's state, then an inode.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;

use super::{FileSyncer, Fs, RandomAccessFile, WritableFile};

/// An operation [`MemFs`] can be told to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// The next append fails after writing this many of its bytes (a short write).
    Append { after: usize },
    /// The next file sync fails (through a [`WritableFile`] or a [`FileSyncer`]).
    Sync,
    /// The next rename fails.
    Rename,
    /// The next [`RandomAccessFile::read_at`] fails.
    Read,
}

/// A file's content, shared by its directory entry and every handle open on it.
#[derive(Debug, Default)]
struct Inode {
    data: Vec<u8>,
    /// Bytes `..synced` survive a crash.
    synced: usize,
}

type InodeRef = Arc<Mutex<Inode>>;

/// A directory entry.
#[derive(Debug, Default)]
struct MemFile {
    inode: InodeRef,
    /// Whether the directory entry survives a crash (set by `sync_dir` of its parent).
    durable_entry: bool,
    /// What this name held before a rename replaced it; a crash before the directory is synced
    /// brings it back (the rename is lost, the old file is not).
    replaced: Option<Box<MemFile>>,
}

#[derive(Debug, Default)]
struct State {
    files: BTreeMap<PathBuf, MemFile>,
    fault: Option<Fault>,
}

impl State {
    fn inode(&self, path: &Path) -> io::Result<InodeRef> {
        self.files
            .get(path)
            .map(|f| Arc::clone(&f.inode))
            .ok_or_else(|| missing(path))
    }

    /// Consumes the pending fault if it is `fault`.
    fn take_fault(&mut self, fault: Fault) -> bool {
        let hit = self.fault == Some(fault);
        if hit {
            self.fault = None;
        }
        hit
    }
}

/// An in-memory file system shared by its clones.
#[derive(Debug, Default, Clone)]
pub(crate) struct MemFs {
    state: Arc<Mutex<State>>,
}

fn injected() -> io::Error {
    io::Error::other("injected fault")
}

fn missing(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{} does not exist", path.display()),
    )
}

impl MemFs {
    /// An empty file system.
    pub(crate) fn new() -> Self {
        MemFs::default()
    }

    /// Makes the next matching operation fail.
    pub(crate) fn inject(&self, fault: Fault) {
        self.state.lock().fault = Some(fault);
    }

    /// Loses everything a power cut would: unsynced bytes, and files whose directory entry was
    /// never synced.
    pub(crate) fn crash(&self) {
        let mut state = self.state.lock();
        let files = std::mem::take(&mut state.files);
        for (path, file) in files {
            let survivor = if file.durable_entry {
                Some(file)
            } else {
                file.replaced.map(|old| *old)
            };
            if let Some(mut file) = survivor {
                let mut inode = file.inode.lock();
                let synced = inode.synced;
                inode.data.truncate(synced);
                drop(inode);
                file.replaced = None;
                state.files.insert(path, file);
            }
        }
        state.fault = None;
    }

    /// Overwrites byte `offset` of `path` (to model media corruption); open handles see it.
    pub(crate) fn corrupt(&self, path: &Path, offset: usize, value: u8) {
        if let Ok(inode) = self.state.lock().inode(path) {
            if let Some(byte) = inode.lock().data.get_mut(offset) {
                *byte = value;
            }
        }
    }

    /// Replaces the content of `path` outright (synced and durable), as a new file: handles open
    /// on the old one keep reading the old bytes.
    pub(crate) fn put(&self, path: &Path, data: Vec<u8>) {
        let synced = data.len();
        self.state.lock().files.insert(
            path.to_path_buf(),
            MemFile {
                inode: Arc::new(Mutex::new(Inode { data, synced })),
                durable_entry: true,
                replaced: None,
            },
        );
    }

    /// Marks every byte of `inode` synced, unless a [`Fault::Sync`] is pending.
    fn sync_inode(&self, inode: &InodeRef) -> io::Result<()> {
        if self.state.lock().take_fault(Fault::Sync) {
            return Err(injected());
        }
        let mut inode = inode.lock();
        inode.synced = inode.data.len();
        Ok(())
    }
}

/// A [`WritableFile`] on a [`MemFs`] inode.
struct MemWriter {
    fs: MemFs,
    inode: InodeRef,
}

impl WritableFile for MemWriter {
    fn append(&mut self, data: &[u8]) -> io::Result<()> {
        let mut state = self.fs.state.lock();
        let mut inode = self.inode.lock();
        if let Some(Fault::Append { after }) = state.fault {
            state.fault = None;
            inode
                .data
                .extend_from_slice(data.get(..after.min(data.len())).unwrap_or_default());
            return Err(injected());
        }
        inode.data.extend_from_slice(data);
        Ok(())
    }

    fn sync(&mut self) -> io::Result<()> {
        self.fs.sync_inode(&self.inode)
    }

    fn syncer(&self) -> io::Result<Box<dyn FileSyncer>> {
        Ok(Box::new(MemSyncer {
            fs: self.fs.clone(),
            inode: Arc::clone(&self.inode),
        }))
    }
}

/// A [`FileSyncer`] on a [`MemFs`] inode: marks the bytes present when called as synced.
struct MemSyncer {
    fs: MemFs,
    inode: InodeRef,
}

impl FileSyncer for MemSyncer {
    fn sync(&self) -> io::Result<()> {
        self.fs.sync_inode(&self.inode)
    }
}

/// A [`RandomAccessFile`] on a [`MemFs`] inode: reads its current bytes.
struct MemReader {
    fs: MemFs,
    inode: InodeRef,
    path: PathBuf,
}

impl fmt::Debug for MemReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemReader")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl RandomAccessFile for MemReader {
    fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        if self.fs.state.lock().take_fault(Fault::Read) {
            return Err(injected());
        }
        if len == 0 {
            // As `pread` of nothing: no bytes are past the end.
            return Ok(Vec::new());
        }
        let inode = self.inode.lock();
        usize::try_from(offset)
            .ok()
            .and_then(|start| Some(start..start.checked_add(len)?))
            .and_then(|range| inode.data.get(range))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "read of {len} bytes at {offset} runs past the end of {} ({} bytes)",
                        self.path.display(),
                        inode.data.len()
                    ),
                )
            })
    }

    fn len(&self) -> u64 {
        self.inode.lock().data.len() as u64
    }
}

impl Fs for MemFs {
    fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        let file = MemFile::default();
        let inode = Arc::clone(&file.inode);
        self.state.lock().files.insert(path.to_path_buf(), file);
        Ok(Box::new(MemWriter {
            fs: self.clone(),
            inode,
        }))
    }

    #[cfg(test)]
    fn append_to(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        let inode = self.state.lock().inode(path)?;
        Ok(Box::new(MemWriter {
            fs: self.clone(),
            inode,
        }))
    }

    fn open_read(&self, path: &Path) -> io::Result<Arc<dyn RandomAccessFile>> {
        let inode = self.state.lock().inode(path)?;
        Ok(Arc::new(MemReader {
            fs: self.clone(),
            inode,
            path: path.to_path_buf(),
        }))
    }

    fn read_all(&self, path: &Path) -> io::Result<Vec<u8>> {
        let inode = self.state.lock().inode(path)?;
        let data = inode.lock().data.clone();
        Ok(data)
    }

    fn file_size(&self, path: &Path) -> io::Result<u64> {
        let inode = self.state.lock().inode(path)?;
        let len = inode.lock().data.len() as u64;
        Ok(len)
    }

    fn truncate(&self, path: &Path, len: u64) -> io::Result<()> {
        let inode = self.state.lock().inode(path)?;
        let mut inode = inode.lock();
        inode
            .data
            .truncate(usize::try_from(len).unwrap_or(usize::MAX));
        inode.synced = inode.data.len();
        Ok(())
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut state = self.state.lock();
        if state.take_fault(Fault::Rename) {
            return Err(injected());
        }
        let mut file = state.files.remove(from).ok_or_else(|| missing(from))?;
        // The new name is durable only once its directory is synced; until then a crash brings
        // back what the name held before.
        file.durable_entry = false;
        file.replaced = state
            .files
            .remove(to)
            .filter(|old| old.durable_entry)
            .map(Box::new);
        state.files.insert(to.to_path_buf(), file);
        Ok(())
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        self.state
            .lock()
            .files
            .remove(path)
            .map(|_| ())
            .ok_or_else(|| missing(path))
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        Ok(self
            .state
            .lock()
            .files
            .keys()
            .filter(|p| p.parent() == Some(dir))
            .cloned()
            .collect())
    }

    fn create_dir_all(&self, _dir: &Path) -> io::Result<()> {
        Ok(())
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        for (path, file) in self.state.lock().files.iter_mut() {
            if path.parent() == Some(dir) {
                file.durable_entry = true;
                file.replaced = None;
            }
        }
        Ok(())
    }
}

#[path = "mem_fs_tests.rs"]
mod tests;
