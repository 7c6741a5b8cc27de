//! The store's directory before anything is read: is it a store, a new one, or somebody else's
//! folder; take its lock; and, with `truncate`, empty it of the store's own files.
//!
//! Rules (each one keeps a user's files safe from a mistyped path):
//! 1. A path that is a file is refused ("not a directory"); a missing one is created.
//! 2. A directory holding `CURRENT` is a store. Any other directory must hold nothing but store
//!    files (what a first open that crashed leaves behind); a non-empty directory holding other
//!    files is refused before anything is written into it — not even `LOCK`.
//! 3. The lock is taken before anything is removed, so a store open elsewhere is never touched.
//! 4. `truncate` removes only the store's own files ([`is_store_file`]); a user's file that sits
//!    in a store's directory is left alone.
//! 5. A directory without `CURRENT` that holds tables or logged writes is a damaged store, not a
//!    new one: `CURRENT` is written during the first open, before any write or table exists. It
//!    is refused as corruption rather than opened empty (which would delete the tables as orphans).

use std::path::{Path, PathBuf};

use super::lock::DirLock;
use crate::disk::file_name::{current_path, is_store_file, parse_load_dir, parse_table, parse_wal};
use crate::disk::fs::{FileKind, Fs};
use crate::disk::wal::record::HEADER_LEN;
use crate::error::{Error, Result};

/// Makes `dir` ready to open: checked, locked, truncated if asked. Returns the held lock.
pub(crate) fn prepare(fs: &dyn Fs, dir: &Path, truncate: bool) -> Result<DirLock> {
    let io = |what: &str, e| Error::io(format!("{what} {}", dir.display()), e);
    match fs.kind(dir).map_err(|e| io("inspecting", e))? {
        Some(FileKind::File) => {
            return Err(Error::invalid(
                "path",
                format!("{} is a file, not a directory", dir.display()),
            ))
        }
        Some(FileKind::Dir) => check_not_foreign(fs, dir)?,
        None => fs.create_dir_all(dir).map_err(|e| io("creating", e))?,
    }
    let lock = DirLock::acquire(fs, dir)?;
    let entries = fs.list(dir).map_err(|e| io("listing", e))?;
    if truncate {
        for path in entries.iter().filter(|p| is_store_file(p)) {
            if path.file_name().is_some_and(|n| n == "LOCK") {
                continue;
            }
            let removed = if parse_load_dir(path).is_some() {
                fs.remove_dir_all(path)
            } else {
                fs.remove(path)
            };
            removed
                .map_err(|e| Error::io(format!("truncating: removing {}", path.display()), e))?;
        }
        fs.sync_dir(dir).map_err(|e| io("syncing", e))?;
    } else if !entries.contains(&current_path(dir)) {
        check_no_orphaned_data(fs, dir, &entries)?;
    }
    Ok(lock)
}

/// Rule 2: refuses a directory without `CURRENT` that holds anything but store files.
fn check_not_foreign(fs: &dyn Fs, dir: &Path) -> Result<()> {
    let entries = fs
        .list(dir)
        .map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
    if entries.contains(&current_path(dir)) {
        return Ok(());
    }
    let foreign: Vec<String> = entries
        .iter()
        .filter(|p| !is_store_file(p))
        .filter_map(|p| Some(p.file_name()?.to_string_lossy().into_owned()))
        .collect();
    if foreign.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = foreign.iter().take(3).map(String::as_str).collect();
    Err(Error::invalid(
        "path",
        format!(
            "{} is not a tidekv store and is not empty (it holds {}{}); open an empty or new \
             directory, or an existing store",
            dir.display(),
            shown.join(", "),
            if foreign.len() > shown.len() {
                format!(" and {} more", foreign.len() - shown.len())
            } else {
                String::new()
            }
        ),
    ))
}

/// Rule 5: without `CURRENT`, tables or logs holding writes mean a damaged store.
fn check_no_orphaned_data(fs: &dyn Fs, dir: &Path, entries: &[PathBuf]) -> Result<()> {
    for path in entries {
        let holds_data = if parse_table(path).is_some() {
            true
        } else if parse_wal(path).is_some() {
            let size = fs
                .file_size(path)
                .map_err(|e| Error::io(format!("reading the size of {}", path.display()), e))?;
            size > HEADER_LEN as u64
        } else {
            false
        };
        if holds_data {
            return Err(Error::corruption(
                current_path(dir),
                0,
                format!(
                    "is missing, but {} holds data of a store: refusing to open it as a new, \
                     empty store (restore CURRENT from a backup)",
                    path.display()
                ),
            ));
        }
    }
    Ok(())
}
