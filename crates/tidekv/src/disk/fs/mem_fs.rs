//! [`MemFs`]: an in-memory [`Fs`] that models a crash and injects faults, for tests.
//!
//! Model: each file has its bytes and the length that has been synced. [`MemFs::crash`] cuts every
//! file back to its synced length (what a power cut keeps of appended data) and forgets files whose
//! creation or rename was never made durable by `sync_dir`. A [`Fault`] makes the next matching
//! operation fail with an I/O error, once.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;

use super::{Fs, WritableFile};

/// An operation [`MemFs`] can be told to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// The next append fails after writing this many of its bytes (a short write).
    Append { after: usize },
    /// The next file sync fails.
    Sync,
    /// The next rename fails.
    Rename,
}

#[derive(Debug, Default, Clone)]
struct MemFile {
    data: Vec<u8>,
    synced: usize,
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
                file.data.truncate(file.synced);
                file.replaced = None;
                state.files.insert(path, file);
            }
        }
        state.fault = None;
    }

    /// Overwrites byte `offset` of `path` (to model media corruption).
    pub(crate) fn corrupt(&self, path: &Path, offset: usize, value: u8) {
        if let Some(byte) = self
            .state
            .lock()
            .files
            .get_mut(path)
            .and_then(|f| f.data.get_mut(offset))
        {
            *byte = value;
        }
    }

    /// Replaces the content of `path` outright (synced and durable).
    pub(crate) fn put(&self, path: &Path, data: Vec<u8>) {
        let synced = data.len();
        self.state.lock().files.insert(
            path.to_path_buf(),
            MemFile {
                data,
                synced,
                durable_entry: true,
                replaced: None,
            },
        );
    }
}

struct MemHandle {
    fs: MemFs,
    path: PathBuf,
}

impl WritableFile for MemHandle {
    fn append(&mut self, data: &[u8]) -> io::Result<()> {
        let mut state = self.fs.state.lock();
        let fault = state.fault;
        let file = state
            .files
            .get_mut(&self.path)
            .ok_or_else(|| missing(&self.path))?;
        if let Some(Fault::Append { after }) = fault {
            file.data
                .extend_from_slice(data.get(..after.min(data.len())).unwrap_or_default());
            state.fault = None;
            return Err(injected());
        }
        file.data.extend_from_slice(data);
        Ok(())
    }

    fn sync(&mut self) -> io::Result<()> {
        let mut state = self.fs.state.lock();
        if state.fault == Some(Fault::Sync) {
            state.fault = None;
            return Err(injected());
        }
        let file = state
            .files
            .get_mut(&self.path)
            .ok_or_else(|| missing(&self.path))?;
        file.synced = file.data.len();
        Ok(())
    }
}

impl Fs for MemFs {
    fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        self.state
            .lock()
            .files
            .insert(path.to_path_buf(), MemFile::default());
        Ok(Box::new(MemHandle {
            fs: self.clone(),
            path: path.to_path_buf(),
        }))
    }

    fn append_to(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        if !self.state.lock().files.contains_key(path) {
            return Err(missing(path));
        }
        Ok(Box::new(MemHandle {
            fs: self.clone(),
            path: path.to_path_buf(),
        }))
    }

    fn read_all(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.state
            .lock()
            .files
            .get(path)
            .map(|f| f.data.clone())
            .ok_or_else(|| missing(path))
    }

    fn truncate(&self, path: &Path, len: u64) -> io::Result<()> {
        let mut state = self.state.lock();
        let file = state.files.get_mut(path).ok_or_else(|| missing(path))?;
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        file.data.truncate(len);
        file.synced = file.data.len();
        Ok(())
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut state = self.state.lock();
        if state.fault == Some(Fault::Rename) {
            state.fault = None;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_keeps_synced_bytes_and_durable_entries_only() {
        let fs = MemFs::new();
        let dir = Path::new("/db");
        let a = dir.join("a");
        let mut file = fs.create(&a).unwrap();
        file.append(b"synced").unwrap();
        file.sync().unwrap();
        fs.sync_dir(dir).unwrap();
        file.append(b"+lost").unwrap();
        let b = dir.join("b");
        fs.create(&b).unwrap().sync().unwrap();
        fs.crash();
        assert_eq!(fs.read_all(&a).unwrap(), b"synced");
        assert!(fs.read_all(&b).is_err(), "b's entry was never made durable");
    }

    #[test]
    fn a_rename_not_yet_made_durable_is_undone_by_a_crash() {
        let fs = MemFs::new();
        let dir = Path::new("/db");
        let (target, tmp) = (dir.join("CURRENT"), dir.join("CURRENT.tmp"));
        fs.put(&target, b"old".to_vec());
        let mut file = fs.create(&tmp).unwrap();
        file.append(b"new").unwrap();
        file.sync().unwrap();
        fs.rename(&tmp, &target).unwrap();
        assert_eq!(fs.read_all(&target).unwrap(), b"new");
        fs.crash();
        assert_eq!(fs.read_all(&target).unwrap(), b"old");
        // Once the directory is synced, the rename survives.
        let mut file = fs.create(&tmp).unwrap();
        file.append(b"new").unwrap();
        file.sync().unwrap();
        fs.rename(&tmp, &target).unwrap();
        fs.sync_dir(dir).unwrap();
        fs.crash();
        assert_eq!(fs.read_all(&target).unwrap(), b"new");
    }

    #[test]
    fn faults_fire_once() {
        let fs = MemFs::new();
        let path = Path::new("/db/f");
        let mut file = fs.create(path).unwrap();
        fs.inject(Fault::Append { after: 2 });
        assert!(file.append(b"abcd").is_err());
        assert_eq!(fs.read_all(path).unwrap(), b"ab", "a short write");
        file.append(b"ef").unwrap();
        fs.inject(Fault::Sync);
        assert!(file.sync().is_err());
        file.sync().unwrap();
    }
}
