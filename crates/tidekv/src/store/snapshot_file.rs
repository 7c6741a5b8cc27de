//! Saving an engine's contents to a snapshot file, safely: a synced temporary file renamed into
//! place. A leaf of the store module (it needs no `Store`), so the store handle's drop can save
//! without the handle and the persistence methods depending on each other.

use std::fs::{self, File, OpenOptions};
use std::io::BufWriter;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::clock::Clock;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::snapshot::SnapshotWriter;

/// Streams a dump of `engine` to `path` through a synced temporary file and an atomic rename.
///
/// Each save writes its own temporary file (`<name>.<pid>.<n>.tmp`, created exclusively), so two
/// saves to one path never write into the same file: each renames a complete snapshot into place
/// and the last rename wins. The temporary file is removed on every failure.
pub(crate) fn save_to(engine: &dyn Engine, clock: &dyn Clock, path: &Path) -> Result<u64> {
    static SAVES: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "snapshot".to_owned());
    let n = SAVES.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_file_name(format!("{name}.{}.{n}.tmp", std::process::id()));
    let io = |what: &str, e: std::io::Error| Error::io(format!("{what} {}", tmp.display()), e);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| io("creating", e))?;
    let written = (|| {
        let mut writer = SnapshotWriter::new(
            BufWriter::with_capacity(256 * 1024, file),
            clock.now_ms(),
            |e| Error::io("writing a snapshot", e),
        )?;
        for record in engine.dump()? {
            writer.add(record?)?;
        }
        let (out, count) = writer.finish()?;
        let file = out
            .into_inner()
            .map_err(|e| io("writing", e.into_error()))?;
        file.sync_all().map_err(|e| io("syncing", e))?;
        fs::rename(&tmp, path).map_err(|e| io("renaming", e))?;
        Ok(count)
    })();
    match written {
        Ok(count) => {
            sync_parent_dir(path)?;
            Ok(count)
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Syncs the directory holding `path`, so that a rename into it survives power loss.
fn sync_parent_dir(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(format!("syncing directory {}", dir.display()), e))
}
