//! Salvaging a damaged store ([`crate::repair_store`]): verify every file, then, over an
//! [`OverlayFs`] of the store (so nothing in it changes), leave out what is damaged — a fresh
//! manifest naming only the tables that verified, the first damaged log cut at its damage and the
//! logs after it removed — open the engine on that view, and copy its dump into the new store.
//! Reusing the open and the dump means lists, expiry and deletions come out exactly as the
//! engine reads them everywhere else.

use std::path::Path;
use std::sync::Arc;

use crate::clock::SystemClock;
use crate::config::DiskOptions;
use crate::disk::engine::{fold, open_with_fs};
use crate::disk::file_name::{parse_table, parse_wal};
use crate::disk::fs::{Fs, OverlayFs, StdFs};
use crate::disk::table::cache::BlockCache;
use crate::disk::table::metadata_budget::MetadataBudget;
use crate::disk::table::reader::TableReader;
use crate::disk::version::edit::{Garbage, TableMeta, VersionEdit};
use crate::disk::version::manifest::{self, ManifestWriter};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::repair::{Dropped, RepairReport};
use crate::verify::{Finding, StoreFile};
use crate::{Config, Record, Store};

/// Keys per `put_records` call into the new store.
const BATCH: usize = 1000;

pub(crate) fn repair(
    from: &Path,
    into: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<RepairReport> {
    check_new(into)?;
    let base: Arc<dyn Fs> = Arc::new(StdFs);
    let checked = super::verify::verify_on(Arc::clone(&base), from, progress)?;
    let fs = Arc::new(OverlayFs::new(base));
    let mut report = RepairReport {
        from: from.to_path_buf(),
        into: into.to_path_buf(),
        ..RepairReport::default()
    };
    let drop = |report: &mut RepairReport, path: &Path, what: String| {
        report.dropped.push(Dropped {
            path: path.to_path_buf(),
            what,
        });
    };
    let finding_of = |kind: StoreFile| {
        checked
            .files
            .iter()
            .filter(move |f| f.kind == kind)
            .map(|f| (f.path.clone(), f.finding.clone()))
    };
    let sound_manifest = finding_of(StoreFile::Current)
        .chain(finding_of(StoreFile::Manifest))
        .all(|(_, f)| f == Finding::Sound)
        && finding_of(StoreFile::Manifest).count() == 1;

    // The tables: the manifest's that verified, or (manifest damaged) every one that verified.
    let mut tables: Vec<TableMeta> = Vec::new();
    let (log_number, features) = if sound_manifest {
        let recovered = manifest::recover(fs.as_ref(), from)?
            .ok_or_else(|| Error::invalid("path", "the store has no manifest"))?;
        let folded = fold(&recovered.edits, from)?;
        for (path, finding) in finding_of(StoreFile::Table) {
            let number = parse_table(&path).unwrap_or(0);
            let Some(meta) = folded.tables.get(&number) else {
                continue; // an orphan: no version needs it
            };
            match finding {
                Finding::Sound => tables.push(meta.clone()),
                Finding::Damaged { offset, reason } => drop(
                    &mut report,
                    &path,
                    format!(
                        "damaged at offset {offset} ({reason}): its {} entries",
                        meta.entries
                    ),
                ),
                Finding::Missing => drop(&mut report, &path, "missing".into()),
                _ => {}
            }
        }
        (folded.log_number, folded.features)
    } else {
        report.manifest_rebuilt = true;
        for (path, finding) in finding_of(StoreFile::Table) {
            match finding {
                Finding::Sound | Finding::Orphan => tables.push(meta_of(fs.as_ref(), &path)?),
                Finding::Damaged { offset, reason } => {
                    drop(
                        &mut report,
                        &path,
                        format!("damaged at offset {offset} ({reason})"),
                    );
                }
                _ => {}
            }
        }
        // Every log is replayed, and key counts are made again from the tables.
        (0, 0)
    };
    report.tables_kept = tables.len() as u64;

    // The logs: a prefix of them, cut at the first damage.
    let mut cut = false;
    for (path, finding) in finding_of(StoreFile::Log) {
        let io = |e| Error::io(format!("leaving out {}", path.display()), e);
        if cut {
            fs.remove(&path).map_err(io)?;
            drop(
                &mut report,
                &path,
                "every record: an earlier log was cut".into(),
            );
        } else if let Finding::Damaged { offset, reason } = finding {
            fs.truncate(&path, offset).map_err(io)?;
            drop(
                &mut report,
                &path,
                format!("the records from offset {offset} ({reason})"),
            );
            cut = true;
        } else {
            report.logs_kept += 1;
        }
    }

    // A manifest naming exactly what is kept, in the view.
    let top = fs
        .list(from)
        .map_err(|e| Error::io(format!("listing {}", from.display()), e))?
        .iter()
        .filter_map(|p| parse_table(p).or_else(|| parse_wal(p)))
        .max()
        .unwrap_or(0);
    let last_sequence = tables.iter().map(|t| seq_of(&t.largest)).max().unwrap_or(0);
    let edit = VersionEdit {
        added: tables,
        log_number: Some(log_number),
        next_file: Some(top + 2),
        last_sequence: Some(last_sequence),
        features: Some(features),
        ..VersionEdit::default()
    };
    ManifestWriter::create(fs.as_ref(), from, top + 1, &edit)?;

    let mut options = DiskOptions::new(from.to_path_buf());
    options.read_only = true;
    let engine = open_with_fs(fs, &options, Arc::new(SystemClock))?;
    let copied = copy_into(&engine, into);
    let closed = engine.close();
    report.keys = copied?;
    closed?;
    Ok(report)
}

/// `into` must be new, or an empty directory.
fn check_new(into: &Path) -> Result<()> {
    let empty = match std::fs::read_dir(into) {
        Ok(mut entries) => entries.next().is_none(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => return Err(Error::io(format!("reading {}", into.display()), e)),
    };
    if !empty {
        return Err(Error::invalid(
            "repair target",
            format!("{} is not empty; repair writes a new store", into.display()),
        ));
    }
    Ok(())
}

/// A table's manifest entry, from its properties (a manifest rebuilt: level 0).
fn meta_of(fs: &dyn Fs, path: &Path) -> Result<TableMeta> {
    let number = parse_table(path).unwrap_or(0);
    let budget = MetadataBudget::new(BlockCache::new(1 << 20), usize::MAX);
    let reader = TableReader::open(fs, path, number, budget)?;
    let info = reader.info();
    Ok(TableMeta {
        level: 0,
        number,
        size: info.size,
        entries: info.entries,
        smallest: info.smallest.clone(),
        largest: info.largest.clone(),
        garbage: Garbage::default(),
    })
}

/// The sequence number of an internal key (0 if it has none).
fn seq_of(internal: &[u8]) -> u64 {
    crate::disk::key::split_seq(internal).map_or(0, |(_, seq)| seq)
}

/// Streams `engine`'s dump into a new store in `into`; the keys written.
fn copy_into(engine: &dyn Engine, into: &Path) -> Result<u64> {
    if into.exists() && std::fs::metadata(into).is_ok_and(|m| !m.is_dir()) {
        return Err(Error::invalid("repair target", "is a file"));
    }
    let store = Store::open(Config::disk(into).keyspaces(crate::MAX_KEYSPACES))?;
    let mut batch: Vec<Record> = Vec::with_capacity(BATCH);
    let mut keys = 0u64;
    let written = (|| {
        for record in engine.dump()? {
            let record = record?;
            if batch.len() >= BATCH || batch.first().is_some_and(|r| r.keyspace != record.keyspace)
            {
                keys += batch.len() as u64;
                store.put_records(std::mem::take(&mut batch))?;
            }
            batch.push(record);
        }
        keys += batch.len() as u64;
        store.put_records(batch)
    })();
    let closed = store.close();
    written?;
    closed?;
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_that_holds_anything_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x"), b"mine").unwrap();
        let err = check_new(dir.path()).unwrap_err();
        assert!(err.to_string().contains("not empty"), "{err}");
        assert!(check_new(&dir.path().join("new")).is_ok());
    }
}
