//! What a simulated power cut keeps of a [`super::MemFs`], and what a sync makes durable
//! (`MemFs::sync_inode`: the "completed sync" of rule 1).
//!
//! The model is what POSIX promises and real file systems do after a power cut, at its worst:
//!
//! 1. Bytes of a file up to its last completed sync are kept exactly.
//! 2. Bytes appended after it are not promised. With [`Damage::LoseUnsynced`] they are gone. With
//!    [`Damage::Garbage`] the file keeps some length between its synced and its written length,
//!    and each 4 KiB page of the unsynced part independently holds what was written, zeros, or
//!    random bytes — pages reach the disk in any order, and a file system may extend a file
//!    before its data lands (stale or zeroed blocks).
//! 3. A creation, rename or removal is kept only if the directory was synced after it: a file
//!    created since is gone, a rename is undone, a removed file comes back.
//! 4. Every lock is released, and every handle of the machine that lost power is dead.
//!
//! [`Damage::ProcessCrash`] is the milder event: the process dies (its handles and locks with
//! it), the operating system keeps every byte and every directory change.

use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;

use super::mem_fs::{injected, is_injected, Fault, Inode, InodeRef, MemFile, MemFs, State};

/// What happens to data that was written but not synced, at a cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Damage {
    /// The process dies; the operating system keeps everything it was given.
    ProcessCrash,
    /// The power goes: unsynced bytes and undurable directory changes are lost.
    LoseUnsynced,
    /// The power goes: unsynced bytes are cut at a random length and garbled page by page, and
    /// undurable directory changes are lost. `seed` makes the damage repeatable.
    Garbage { seed: u64 },
}

/// The page size the garbling works in.
const PAGE: usize = 4096;

impl State {
    /// Cuts the power (or kills the process) as `damage` says.
    pub(super) fn power_cut(&mut self, damage: Damage) {
        self.epoch += 1;
        self.locks.clear();
        self.disarm();
        if damage == Damage::ProcessCrash {
            return;
        }
        let mut rng = Rng::new(match damage {
            Damage::Garbage { seed } => seed,
            _ => 0,
        });
        // Rule 3 for directories: a rename not made durable is undone, newest first.
        for (from, to) in std::mem::take(&mut self.dir_renames).into_iter().rev() {
            self.move_tree(&to, &from);
        }
        let files = std::mem::take(&mut self.files);
        let mut after: BTreeMap<_, MemFile> = BTreeMap::new();
        for (path, file) in files {
            let survivor = if file.durable_entry {
                Some(file)
            } else {
                file.replaced.map(|old| *old)
            };
            if let Some(mut file) = survivor {
                file.replaced = None;
                after.insert(path, file);
            }
        }
        for (path, ghost) in std::mem::take(&mut self.ghosts) {
            after.entry(path).or_insert(ghost);
        }
        // An inode reachable under two names (a rename not yet durable) is damaged once.
        let mut seen: Vec<*const parking_lot::Mutex<Inode>> = Vec::new();
        for file in after.values() {
            let id = Arc::as_ptr(&file.inode);
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            let mut inode = file.inode.lock();
            match damage {
                Damage::Garbage { .. } => garble(&mut inode, &mut rng),
                _ => {
                    let synced = inode.synced;
                    inode.data.truncate(synced);
                }
            }
            inode.synced = inode.data.len();
            inode.lost_from = None;
            // A reservation (or a trim of one) not yet synced is undone; the reserved space
            // reads as zeros whatever happened to the appends inside it.
            inode.reserved = inode.reserved_synced;
        }
        self.files = after;
    }
}

/// Applies rule 2 of the module docs with [`Damage::Garbage`] to one file.
fn garble(inode: &mut Inode, rng: &mut Rng) {
    let written = inode.data.len();
    let synced = inode.synced.min(written);
    if written == synced {
        return;
    }
    let kept = synced + rng.below(written - synced + 1);
    inode.data.truncate(kept);
    let mut page = synced - synced % PAGE;
    while page < kept {
        let (lo, hi) = (page.max(synced), (page + PAGE).min(kept));
        if let Some(bytes) = inode.data.get_mut(lo..hi) {
            match rng.below(3) {
                0 => {}
                1 => bytes.fill(0),
                _ => bytes.iter_mut().for_each(|b| *b = rng.next() as u8),
            }
        }
        page += PAGE;
    }
}

/// xorshift64*: a small repeatable generator (no dependency for a test model).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // splitmix64 spreads small seeds over the whole state (xorshift needs a non-zero one).
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

impl MemFs {
    /// Marks every byte of `inode` written before the sync began synced — or, if the sync fails
    /// by injection, loses the bytes it did not make durable for good: a failed fsync may drop
    /// dirty pages, and a later fsync that "succeeds" does not bring them back (the PostgreSQL
    /// fsync lesson).
    ///
    /// The state lock is held from the start of the sync to its effect, as in every operation:
    /// a power cut (which takes it) then falls wholly before or wholly after the sync. Released
    /// between, a cut could land after the sync began and before it marked the bytes — and the
    /// sync would return `Ok` for bytes the cut had lost, a durability no real disk gives.
    ///
    /// Except at a test's gate ([`MemFs::gate_syncs`]): there the sync waits without the lock,
    /// as a real fsync runs, so appends to the file go on meanwhile (and are not covered). A
    /// power cut while it waits makes it fail instead.
    pub(super) fn sync_inode(&self, inode: &InodeRef) -> io::Result<()> {
        #[allow(unused_mut)] // reassigned only at a test's gate
        let (mut state, failed) = match self.enter(true) {
            Ok(mut state) => {
                let failed = state.take_fault(Fault::Sync).then(injected);
                (state, failed)
            }
            Err(e) if is_injected(&e) => (self.state.lock(), Some(e)),
            Err(e) => return Err(e),
        };
        let (len, reserved) = {
            let inode = inode.lock();
            (inode.data.len(), inode.reserved)
        };
        #[cfg(test)]
        if let Some(gate) = state.sync_gate.clone() {
            let epoch = state.epoch;
            drop(state);
            gate.pass();
            state = self.state.lock();
            if state.epoch != epoch {
                return Err(io::Error::other("the power was cut during the sync"));
            }
        }
        let mut inode = inode.lock();
        if let Some(e) = failed {
            let synced = inode.synced;
            inode.lost_from = Some(inode.lost_from.map_or(synced, |at| at.min(synced)));
            return Err(e);
        }
        // A sync that ran meanwhile may have covered more; a trim meanwhile, less.
        let covered = inode.lost_from.map_or(len, |at| at.min(len));
        inode.synced = inode.synced.max(covered).min(inode.data.len());
        inode.reserved_synced = reserved;
        drop(state);
        Ok(())
    }
}
