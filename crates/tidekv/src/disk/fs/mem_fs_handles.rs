//! The handles a [`MemFs`] hands out — writers, syncers, readers, locks — and the gate tests use
//! to hold a caller at a chosen point. Each checks, on every call, that its machine still has
//! power (see `mem_fs.rs`).

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use super::mem_fs::{injected, Fault, InodeRef, MemFs};
use super::{FileLock, FileSyncer, RandomAccessFile, WritableFile};

/// Where [`MemFs::gate_creates`] and [`MemFs::gate_syncs`] hold callers: how many arrived, and whether it is open.
#[cfg(test)]
#[derive(Debug, Default)]
pub(crate) struct Gate {
    state: parking_lot::Mutex<(usize, bool)>,
    changed: parking_lot::Condvar,
}

#[cfg(test)]
impl Gate {
    /// Waits until a caller has arrived at the gate; `false` if none did within `limit`.
    pub(crate) fn wait_for_arrival(&self, limit: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + limit;
        let mut state = self.state.lock();
        while state.0 == 0 {
            if self.changed.wait_until(&mut state, deadline).timed_out() {
                return state.0 > 0;
            }
        }
        true
    }

    /// Arrives at the gate and waits until it is open.
    pub(crate) fn pass(&self) {
        let mut state = self.state.lock();
        state.0 += 1;
        self.changed.notify_all();
        while !state.1 {
            self.changed.wait(&mut state);
        }
    }

    /// Lets every waiting and later caller through.
    pub(crate) fn open(&self) {
        self.state.lock().1 = true;
        self.changed.notify_all();
    }
}

/// A [`WritableFile`] on a [`MemFs`] inode.
pub(super) struct MemWriter {
    pub(super) fs: MemFs,
    pub(super) inode: InodeRef,
}

impl WritableFile for MemWriter {
    fn append(&mut self, data: &[u8]) -> io::Result<()> {
        let mut state = self.fs.enter(false)?;
        let mut inode = self.inode.lock();
        if let Some(Fault::Append { after }) = state.fault {
            state.fault = None;
            inode
                .data
                .extend_from_slice(data.get(..after.min(data.len())).unwrap_or_default());
            return Err(injected());
        }
        drop(state);
        inode.data.extend_from_slice(data);
        Ok(())
    }

    fn sync(&mut self) -> io::Result<()> {
        self.fs.sync_inode(&self.inode)
    }

    fn reserve(&mut self, len: u64) -> io::Result<()> {
        let _state = self.fs.enter(false)?;
        let mut inode = self.inode.lock();
        inode.reserved = inode
            .reserved
            .max(usize::try_from(len).unwrap_or(usize::MAX));
        Ok(())
    }

    fn trim(&mut self, len: u64) -> io::Result<()> {
        let _state = self.fs.enter(false)?;
        let mut inode = self.inode.lock();
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if len != inode.data.len() {
            return Err(io::Error::other(format!(
                "trim to {len} bytes of a file with {} appended",
                inode.data.len()
            )));
        }
        inode.cut(len);
        Ok(())
    }

    fn syncer(&self) -> io::Result<Box<dyn FileSyncer>> {
        drop(self.fs.enter(false)?);
        Ok(Box::new(MemSyncer {
            fs: self.fs.clone(),
            inode: Arc::clone(&self.inode),
        }))
    }
}

/// A [`FileSyncer`] on a [`MemFs`] inode: marks the bytes present when called as synced.
pub(super) struct MemSyncer {
    pub(super) fs: MemFs,
    pub(super) inode: InodeRef,
}

impl FileSyncer for MemSyncer {
    fn sync(&self) -> io::Result<()> {
        self.fs.sync_inode(&self.inode)
    }
}

/// A [`RandomAccessFile`] on a [`MemFs`] inode: reads its current bytes.
pub(super) struct MemReader {
    pub(super) fs: MemFs,
    pub(super) inode: InodeRef,
    pub(super) path: PathBuf,
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
        // Held through the read (see `MemFs::sync_inode`).
        let mut state = self.fs.enter(false)?;
        if state.take_fault(Fault::Read) {
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
            .and_then(|range| inode.read(range))
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "read of {len} bytes at {offset} runs past the end of {} ({} bytes)",
                        self.path.display(),
                        inode.len()
                    ),
                )
            })
    }

    fn len(&self) -> u64 {
        self.inode.lock().len() as u64
    }
}

/// A held lock of a [`MemFs`].
#[derive(Debug)]
pub(super) struct MemLock {
    pub(super) fs: MemFs,
    pub(super) path: PathBuf,
    pub(super) id: u64,
}

impl FileLock for MemLock {}

impl Drop for MemLock {
    fn drop(&mut self) {
        // A power cut released every lock; a guard of the dead machine must not release a lock
        // the next one took.
        let mut state = self.fs.state.lock();
        if let Some((_, holders)) = state.locks.get_mut(&self.path) {
            if holders.remove(&self.id) && holders.is_empty() {
                state.locks.remove(&self.path);
            }
        }
    }
}
