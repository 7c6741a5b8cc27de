//! [`Fs`] for [`MemFs`]: every operation is counted, checked against the machine's power and the
//! armed trigger, then applied to the in-memory tree.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::mem_fs::{already_exists, injected, missing, Fault, MemFile, MemFs, State};
use super::mem_fs_handles::{MemLock, MemReader, MemWriter};
use super::{FileKind, FileLock, Fs, RandomAccessFile, WritableFile};

impl State {
    /// Moves every file, directory and ghost under `from` to the same place under `to`. Each
    /// file keeps whether its entry is durable: a directory's entries move with it.
    pub(super) fn move_tree(&mut self, from: &Path, to: &Path) {
        let moved = |path: &Path| path.strip_prefix(from).ok().map(|rest| to.join(rest));
        let files: Vec<PathBuf> = self
            .files
            .keys()
            .filter(|p| p.starts_with(from))
            .cloned()
            .collect();
        for path in files {
            if let (Some(file), Some(new)) = (self.files.remove(&path), moved(&path)) {
                self.files.insert(new, file);
            }
        }
        let dirs: Vec<PathBuf> = self
            .dirs
            .iter()
            .filter(|p| p.starts_with(from))
            .cloned()
            .collect();
        for dir in dirs {
            self.dirs.remove(&dir);
            if let Some(new) = moved(&dir) {
                self.dirs.insert(new);
            }
        }
        for (path, _) in self.ghosts.iter_mut() {
            if let Some(new) = moved(path) {
                *path = new;
            }
        }
    }
}

impl Fs for MemFs {
    fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        #[cfg(test)]
        self.wait_at_gate(path);
        let mut state = self.enter(false)?;
        let file = MemFile::default();
        let inode = Arc::clone(&file.inode);
        // The old file under this name, if durable, comes back if this creation is lost.
        let old = state.unlink(path);
        drop(old);
        state.files.insert(path.to_path_buf(), file);
        Ok(Box::new(MemWriter {
            fs: self.clone(),
            inode,
        }))
    }

    #[cfg(test)]
    fn append_to(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        let inode = self.enter(false)?.inode(path)?;
        Ok(Box::new(MemWriter {
            fs: self.clone(),
            inode,
        }))
    }

    fn open_read(&self, path: &Path) -> io::Result<Arc<dyn RandomAccessFile>> {
        let inode = self.enter(false)?.inode(path)?;
        Ok(Arc::new(MemReader {
            fs: self.clone(),
            inode,
            path: path.to_path_buf(),
        }))
    }

    fn read_all(&self, path: &Path) -> io::Result<Vec<u8>> {
        // The state lock is held through the read (see `MemFs::sync_inode`): a read that began
        // before a power cut does not see what the cut left.
        let state = self.enter(false)?;
        let inode = state.inode(path)?;
        let inode = inode.lock();
        Ok(inode.read(0..inode.len()).unwrap_or_default())
    }

    fn file_size(&self, path: &Path) -> io::Result<u64> {
        let state = self.enter(false)?;
        let len = state.inode(path)?.lock().len() as u64;
        Ok(len)
    }

    fn sync_file(&self, path: &Path) -> io::Result<()> {
        let inode = self.state.lock().inode(path)?;
        self.sync_inode(&inode)
    }

    fn truncate(&self, path: &Path, len: u64) -> io::Result<()> {
        // Held to the end: a cut falls wholly before or after the truncation.
        let state = self.enter(true)?;
        let inode = state.inode(path)?;
        let mut inode = inode.lock();
        inode.cut(usize::try_from(len).unwrap_or(usize::MAX));
        let len = inode.data.len();
        inode.synced = inode.lost_from.map_or(len, |at| at.min(len));
        inode.reserved_synced = inode.reserved;
        Ok(())
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut state = self.enter(false)?;
        if state.take_fault(Fault::Rename) {
            return Err(injected());
        }
        let moved = state.unlink(from).ok_or_else(|| missing(from))?;
        // The new name is durable only once its directory is synced; until then a power cut
        // brings back what the name held before (and the old name, through its ghost).
        let replaced = state.files.remove(to).and_then(|old| {
            if old.durable_entry {
                Some(Box::new(old))
            } else {
                old.replaced
            }
        });
        state.files.insert(
            to.to_path_buf(),
            MemFile {
                inode: moved.inode,
                durable_entry: false,
                replaced,
            },
        );
        Ok(())
    }

    fn rename_dir(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut state = self.enter(false)?;
        if !state.is_dir(from) {
            return Err(missing(from));
        }
        if state.files.contains_key(to) || state.is_dir(to) {
            return Err(already_exists(to));
        }
        state.move_tree(from, to);
        state
            .dir_renames
            .push((from.to_path_buf(), to.to_path_buf()));
        Ok(())
    }

    fn hard_link(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut state = self.enter(false)?;
        let inode = state.inode(from)?;
        if state.files.contains_key(to) || state.is_dir(to) {
            return Err(already_exists(to));
        }
        // The second name shares the inode, as a hard link does; it is durable once its
        // directory is synced.
        state.files.insert(
            to.to_path_buf(),
            MemFile {
                inode,
                durable_entry: false,
                replaced: None,
            },
        );
        Ok(())
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        let mut state = self.enter(false)?;
        state.unlink(path).map(|_| ()).ok_or_else(|| missing(path))
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let state = self.enter(false)?;
        let mut children: BTreeSet<PathBuf> = BTreeSet::new();
        for path in state.files.keys().chain(state.dirs.iter()) {
            // The child of `dir` on the way to `path`, if `path` lies under `dir`.
            if let Ok(rest) = path.strip_prefix(dir) {
                if let Some(first) = rest.components().next() {
                    children.insert(dir.join(first));
                }
            }
        }
        Ok(children.into_iter().collect())
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        let mut state = self.enter(false)?;
        if state.files.contains_key(dir) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} is a file", dir.display()),
            ));
        }
        state.dirs.insert(dir.to_path_buf());
        Ok(())
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        let mut state = self.enter(true)?;
        state.dir_renames.retain(|(_, to)| to.parent() != Some(dir));
        for (path, file) in state.files.iter_mut() {
            if path.parent() == Some(dir) {
                file.durable_entry = true;
                file.replaced = None;
            }
        }
        state.ghosts.retain(|(path, _)| path.parent() != Some(dir));
        Ok(())
    }

    fn kind(&self, path: &Path) -> io::Result<Option<FileKind>> {
        let state = self.enter(false)?;
        Ok(if state.files.contains_key(path) {
            Some(FileKind::File)
        } else if state.is_dir(path) {
            Some(FileKind::Dir)
        } else {
            None
        })
    }

    fn remove_dir_all(&self, dir: &Path) -> io::Result<()> {
        // Modelled as immediate and durable: the engine removes only scratch directories this way.
        let mut state = self.enter(false)?;
        state.files.retain(|path, _| !path.starts_with(dir));
        state.ghosts.retain(|(path, _)| !path.starts_with(dir));
        state.dirs.retain(|path| !path.starts_with(dir));
        Ok(())
    }

    fn lock(&self, path: &Path) -> io::Result<Box<dyn FileLock>> {
        self.take_lock(path, false)
    }

    fn lock_shared(&self, path: &Path) -> io::Result<Box<dyn FileLock>> {
        self.take_lock(path, true)
    }
}

impl MemFs {
    /// `flock`'s rules: any number of shared holders, or one exclusive one.
    fn take_lock(&self, path: &Path, shared: bool) -> io::Result<Box<dyn FileLock>> {
        let mut state = self.enter(false)?;
        state.next_lock += 1;
        let id = state.next_lock;
        match state.locks.get_mut(path) {
            Some((true, holders)) if shared => {
                holders.insert(id);
            }
            Some(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!("{} is locked", path.display()),
                ))
            }
            None => {
                state
                    .locks
                    .insert(path.to_path_buf(), (shared, BTreeSet::from([id])));
            }
        }
        if !state.files.contains_key(path) {
            state.files.insert(path.to_path_buf(), MemFile::default());
        }
        Ok(Box::new(MemLock {
            fs: self.clone(),
            path: path.to_path_buf(),
            id,
        }))
    }
}
