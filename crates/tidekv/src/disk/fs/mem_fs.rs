//! [`MemFs`]: an in-memory [`Fs`] that models power cuts and injects faults, for tests.
//!
//! Model: a name in a directory points at an *inode* holding the file's bytes and the length that
//! has been synced. Open handles hold the inode, as a file descriptor does: they keep working after
//! the name is removed or renamed, and `put` or `create` on the name gives it a new inode without
//! touching the old one. A creation, rename or removal becomes durable only when its directory is
//! synced; until then a power cut undoes it. `mem_fs_power.rs` says what a power cut keeps.
//!
//! Faults: a [`Fault`] makes the next matching operation fail once; a [`Trigger`] fails the n-th
//! operation of any kind, or cuts the power instead of the n-th operation (or the n-th sync).
//!
//! Machines and reboots: a `MemFs` made by [`MemFs::bound`] belongs to the machine as it is now.
//! After a power cut every operation through it, or through a file handle or lock it made, fails
//! ("the power is off"): the store that was running is dead, as a real process would be, and can
//! neither write nor delete anything the next open relies on. An unbound `MemFs` (what
//! [`MemFs::new`] returns) works across cuts; unit tests use it to drive a store by hand.
//!
//! Lock order: the file system's state, then an inode.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;

#[cfg(test)]
use super::mem_fs_handles::Gate;
use super::mem_fs_power::Damage;

/// An operation [`MemFs`] can be told to fail, once (unit tests inject them).
#[cfg_attr(not(test), allow(dead_code))]
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

/// Something the file system does on its own when an operation count is reached. Counts start
/// when the trigger is set; the first operation after that is number 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// The n-th operation of any kind fails with an I/O error and changes nothing; later ones
    /// succeed.
    FailOp(u64),
    /// The power is cut instead of the n-th operation of any kind, which fails.
    CutAtOp(u64, Damage),
    /// The power is cut instead of the n-th sync (of a file or a directory), which fails.
    CutAtSync(u64, Damage),
}

/// A file's content, shared by its directory entry and every handle open on it.
#[derive(Debug, Default)]
pub(super) struct Inode {
    pub(super) data: Vec<u8>,
    /// Bytes `..synced` survive a power cut.
    pub(super) synced: usize,
    /// Set by a failed sync: the dirty pages it was writing are gone (Linux marks them clean
    /// after an fsync error), so no later sync can make bytes from here on durable.
    pub(super) lost_from: Option<usize>,
    /// The file's length when it is longer than `data`: the bytes past `data` are space reserved
    /// ahead of the appends (`WritableFile::reserve`) and read as zeros; 0 if none.
    pub(super) reserved: usize,
    /// `reserved` as of the last sync: what a power cut leaves of it.
    pub(super) reserved_synced: usize,
}

impl Inode {
    /// The file's length: its bytes, or its reserved space if that reaches further.
    pub(super) fn len(&self) -> usize {
        self.data.len().max(self.reserved)
    }

    /// Bytes `range` of the file (reserved space reading as zeros); `None` past its end.
    pub(super) fn read(&self, range: std::ops::Range<usize>) -> Option<Vec<u8>> {
        if range.end > self.len() || range.start > range.end {
            return None;
        }
        let mut out = self
            .data
            .get(range.start.min(self.data.len())..range.end.min(self.data.len()))?
            .to_vec();
        out.resize(range.len(), 0);
        Some(out)
    }

    /// Cuts the file to `len` bytes, its reserved space included.
    pub(super) fn cut(&mut self, len: usize) {
        self.data.truncate(len);
        self.reserved = self.reserved.min(len);
    }
}

pub(super) type InodeRef = Arc<Mutex<Inode>>;

/// A directory entry.
#[derive(Debug, Default)]
pub(super) struct MemFile {
    pub(super) inode: InodeRef,
    /// Whether the directory entry survives a power cut (set by `sync_dir` of its parent).
    pub(super) durable_entry: bool,
    /// What this name held before a rename replaced it; a cut before the directory is synced
    /// brings it back (the rename is lost, the old file is not).
    pub(super) replaced: Option<Box<MemFile>>,
}

#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) files: BTreeMap<PathBuf, MemFile>,
    /// Directories made by `create_dir_all` (a directory is also implied by any path under it).
    pub(super) dirs: BTreeSet<PathBuf>,
    /// Durable entries whose removal (or rename away) is not durable yet: a cut brings them back.
    pub(super) ghosts: Vec<(PathBuf, MemFile)>,
    /// Directory renames (`from`, `to`) not yet durable (`to`'s parent not synced since): a cut
    /// undoes them, newest first.
    pub(super) dir_renames: Vec<(PathBuf, PathBuf)>,
    /// Held locks: path, whether it is held shared, and the ids of the guards holding it.
    pub(super) locks: BTreeMap<PathBuf, (bool, BTreeSet<u64>)>,
    pub(super) next_lock: u64,
    pub(super) fault: Option<Fault>,
    /// Creations of files whose name ends with this suffix wait until the gate opens (tests of
    /// races: "hold the compaction here while `close` runs").
    #[cfg(test)]
    pub(super) gate: Option<(String, Arc<Gate>)>,
    /// File syncs wait here once started, before marking anything synced (see
    /// [`MemFs::gate_syncs`]).
    #[cfg(test)]
    pub(super) sync_gate: Option<Arc<Gate>>,
    /// The trigger, with the operation and sync counts when it was set.
    trigger: Option<(Trigger, u64, u64)>,
    ops: u64,
    syncs: u64,
    /// Bumped by every power cut: handles of an older machine are dead.
    pub(super) epoch: u64,
}

impl State {
    pub(super) fn inode(&self, path: &Path) -> io::Result<InodeRef> {
        self.files
            .get(path)
            .map(|f| Arc::clone(&f.inode))
            .ok_or_else(|| missing(path))
    }

    /// Consumes the pending fault if it is `fault`.
    pub(super) fn take_fault(&mut self, fault: Fault) -> bool {
        let hit = self.fault == Some(fault);
        if hit {
            self.fault = None;
        }
        hit
    }

    /// Forgets the armed trigger and any pending fault.
    pub(super) fn disarm(&mut self) {
        self.trigger = None;
        self.fault = None;
    }

    /// Starts one operation for a caller of machine `epoch` (`None`: any machine): counts it and
    /// fires the trigger if it is due.
    fn enter(&mut self, epoch: Option<u64>, sync: bool) -> io::Result<()> {
        if epoch.is_some_and(|e| e != self.epoch) {
            return Err(power_off());
        }
        self.ops += 1;
        self.syncs += u64::from(sync);
        let Some((trigger, ops_at, syncs_at)) = self.trigger else {
            return Ok(());
        };
        let (op, sync_n) = (self.ops - ops_at, self.syncs - syncs_at);
        match trigger {
            Trigger::FailOp(n) if op == n => {
                self.trigger = None;
                Err(injected())
            }
            Trigger::CutAtOp(n, damage) if op == n => {
                self.power_cut(damage);
                Err(power_off())
            }
            Trigger::CutAtSync(n, damage) if sync && sync_n == n => {
                self.power_cut(damage);
                Err(power_off())
            }
            _ => Ok(()),
        }
    }

    /// Removes the entry at `path`, keeping what a power cut would bring back.
    pub(super) fn unlink(&mut self, path: &Path) -> Option<MemFile> {
        let mut file = self.files.remove(path)?;
        let ghost = if file.durable_entry {
            Some(MemFile {
                inode: Arc::clone(&file.inode),
                durable_entry: true,
                replaced: None,
            })
        } else {
            file.replaced.take().map(|old| *old)
        };
        if let Some(ghost) = ghost {
            self.ghosts.push((path.to_path_buf(), ghost));
        }
        Some(file)
    }

    pub(super) fn is_dir(&self, path: &Path) -> bool {
        self.dirs.contains(path)
            || self.dirs.iter().any(|d| d.starts_with(path) && d != path)
            || self.files.keys().any(|f| f.starts_with(path) && f != path)
    }
}

/// An in-memory file system shared by its clones.
#[derive(Debug, Default, Clone)]
pub(crate) struct MemFs {
    pub(super) state: Arc<Mutex<State>>,
    /// The machine this handle belongs to; `None`: every machine (see the module docs).
    pub(super) epoch: Option<u64>,
}

pub(super) fn injected() -> io::Error {
    io::Error::other(INJECTED)
}

const INJECTED: &str = "injected fault";

/// Whether `e` is an injected fault (as opposed to the power being off).
pub(super) fn is_injected(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::Other && e.to_string() == INJECTED
}

pub(super) fn power_off() -> io::Error {
    io::Error::other("the power is off (simulated power cut)")
}

pub(super) fn already_exists(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{} already exists", path.display()),
    )
}

pub(super) fn missing(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{} does not exist", path.display()),
    )
}

impl MemFs {
    /// An empty file system.
    #[cfg(test)]
    pub(crate) fn new() -> Self {
        MemFs::default()
    }

    /// A handle on the same files that dies at the next power cut (see the module docs).
    pub(crate) fn bound(&self) -> MemFs {
        let epoch = self.state.lock().epoch;
        MemFs {
            state: Arc::clone(&self.state),
            epoch: Some(epoch),
        }
    }

    /// Makes the next matching operation fail.
    #[cfg(test)]
    pub(crate) fn inject(&self, fault: Fault) {
        self.state.lock().fault = Some(fault);
    }

    /// Arms `trigger`, counting from now (replacing any armed one); `None` disarms.
    pub(crate) fn set_trigger(&self, trigger: Option<Trigger>) {
        let mut state = self.state.lock();
        let (ops, syncs) = (state.ops, state.syncs);
        state.trigger = trigger.map(|t| (t, ops, syncs));
    }

    /// Operations and syncs done so far.
    pub(crate) fn counts(&self) -> (u64, u64) {
        let state = self.state.lock();
        (state.ops, state.syncs)
    }

    /// Cuts the power now: see `mem_fs_power.rs` for what survives.
    pub(crate) fn power_cut(&self, damage: Damage) {
        self.state.lock().power_cut(damage);
    }

    /// A power cut that keeps exactly what was synced.
    #[cfg(test)]
    pub(crate) fn crash(&self) {
        self.power_cut(Damage::LoseUnsynced);
    }

    /// Overwrites byte `offset` of `path` (to model media corruption); open handles see it.
    #[cfg(test)]
    pub(crate) fn corrupt(&self, path: &Path, offset: usize, value: u8) {
        if let Ok(inode) = self.state.lock().inode(path) {
            if let Some(byte) = inode.lock().data.get_mut(offset) {
                *byte = value;
            }
        }
    }

    /// Replaces the content of `path` outright (synced and durable), as a new file: handles open
    /// on the old one keep reading the old bytes.
    #[cfg(test)]
    pub(crate) fn put(&self, path: &Path, data: Vec<u8>) {
        let synced = data.len();
        self.state.lock().files.insert(
            path.to_path_buf(),
            MemFile {
                inode: Arc::new(Mutex::new(Inode {
                    data,
                    synced,
                    ..Inode::default()
                })),
                durable_entry: true,
                replaced: None,
            },
        );
    }

    /// Makes every later creation of a file whose name ends with `suffix` wait until the
    /// returned gate is opened.
    #[cfg(test)]
    pub(crate) fn gate_creates(&self, suffix: &str) -> Arc<Gate> {
        let gate = Arc::new(Gate::default());
        self.state.lock().gate = Some((suffix.to_string(), Arc::clone(&gate)));
        gate
    }

    /// Makes every later file sync wait, once started and before it marks any byte synced,
    /// until the returned gate is opened: a test can cut the power "during" a sync.
    #[cfg(test)]
    pub(crate) fn gate_syncs(&self) -> Arc<Gate> {
        let gate = Arc::new(Gate::default());
        self.state.lock().sync_gate = Some(Arc::clone(&gate));
        gate
    }

    #[cfg(test)]
    pub(super) fn wait_at_gate(&self, path: &Path) {
        let gate = match &self.state.lock().gate {
            Some((suffix, gate)) if path.to_string_lossy().ends_with(suffix.as_str()) => {
                Arc::clone(gate)
            }
            _ => return,
        };
        gate.pass();
    }

    pub(super) fn enter(&self, sync: bool) -> io::Result<parking_lot::MutexGuard<'_, State>> {
        let mut state = self.state.lock();
        state.enter(self.epoch, sync)?;
        Ok(state)
    }
}

#[cfg(test)]
#[path = "mem_fs_tests.rs"]
mod tests;
