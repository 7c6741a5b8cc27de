//! Verifying a disk store's files without opening it as a store ([`crate::verify_store`]).
//!
//! Everything runs over an [`OverlayFs`]: the manifest's recovery cuts a torn tail, which here
//! happens in memory, and the directory lock is taken shared. So verification changes nothing
//! and can run beside read-only opens, but not beside a writer (whose compactions would remove
//! files under it).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;

use crate::disk::engine::fold;
use crate::disk::file_name::{current_path, manifest_path, parse_table, parse_wal, table_path};
use crate::disk::fs::{FileKind, Fs, OverlayFs, StdFs};
use crate::disk::key::split_seq;
use crate::disk::table::bloom::bloom_hash;
use crate::disk::table::cache::BlockCache;
use crate::disk::table::metadata_budget::MetadataBudget;
use crate::disk::table::reader::TableReader;
use crate::disk::version::edit::TableMeta;
use crate::disk::version::manifest;
use crate::disk::wal::record::decode_log;
use crate::error::{Error, Result};
use crate::verify::{FileReport, Finding, StoreFile, VerifyReport};

/// Verifies the store in `dir` on the real file system.
pub(crate) fn verify(dir: &Path, progress: &mut dyn FnMut(u64, u64)) -> Result<VerifyReport> {
    verify_on(Arc::new(StdFs), dir, progress)
}

/// Verifies the store in `dir` on `base`.
pub(crate) fn verify_on(
    base: Arc<dyn Fs>,
    dir: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyReport> {
    let io = |what: &str, path: &Path, e| Error::io(format!("{what} {}", path.display()), e);
    let current = current_path(dir);
    if base
        .kind(&current)
        .map_err(|e| io("inspecting", &current, e))?
        != Some(FileKind::File)
    {
        return Err(Error::invalid(
            "path",
            format!(
                "{} is not a tidekv store (it has no CURRENT file)",
                dir.display()
            ),
        ));
    }
    let fs = OverlayFs::new(base);
    let _lock = crate::disk::engine::DirLock::acquire(&fs, dir)?;
    let mut files = fs.list(dir).map_err(|e| io("listing", dir, e))?;
    files.sort();
    let size = |path: &Path| fs.file_size(path).unwrap_or(0);
    let total: u64 = files
        .iter()
        .filter(|p| parse_table(p).is_some() || parse_wal(p).is_some())
        .map(|p| size(p))
        .sum();
    let mut done = 0;
    let mut report = VerifyReport {
        dir: dir.to_path_buf(),
        files: Vec::new(),
    };
    let file = |path: PathBuf, kind, bytes, entries, finding| FileReport {
        path,
        kind,
        bytes,
        entries,
        finding,
    };

    // CURRENT and the manifest it names.
    let (named, log_number) = match manifest::recover(&fs, dir) {
        Ok(Some(recovered)) => {
            let path = manifest_path(dir, recovered.number);
            report.files.push(file(
                current.clone(),
                StoreFile::Current,
                size(&current),
                1,
                Finding::Sound,
            ));
            let entries = recovered.edits.len() as u64;
            match fold(&recovered.edits, &path) {
                Ok(folded) => {
                    report.files.push(file(
                        path.clone(),
                        StoreFile::Manifest,
                        size(&path),
                        entries,
                        Finding::Sound,
                    ));
                    (Some(folded.tables), folded.log_number)
                }
                Err(e) => {
                    report.files.push(file(
                        path.clone(),
                        StoreFile::Manifest,
                        size(&path),
                        entries,
                        damage(e)?,
                    ));
                    (None, 0)
                }
            }
        }
        Ok(None) => (None, 0),
        Err(Error::Corruption {
            file: at,
            offset,
            reason,
        }) => {
            let kind = if at == current {
                StoreFile::Current
            } else {
                StoreFile::Manifest
            };
            let bytes = size(&at);
            report.files.push(file(
                at,
                kind,
                bytes,
                0,
                Finding::Damaged { offset, reason },
            ));
            (None, 0)
        }
        Err(other) => return Err(other),
    };

    // Tables: every one in the directory, and every one the manifest names.
    let cache = BlockCache::new(8 << 20);
    let budget = MetadataBudget::new(cache, usize::MAX);
    for path in files.iter().filter(|p| parse_table(p).is_some()) {
        let number = parse_table(path).unwrap_or(0);
        let meta = named.as_ref().and_then(|n| n.get(&number));
        let (entries, mut finding) = check_table(&fs, path, number, meta, &budget)?;
        if finding == Finding::Sound && named.is_some() && meta.is_none() {
            finding = Finding::Orphan;
        }
        let bytes = size(path);
        done += bytes;
        report.files.push(file(
            path.clone(),
            StoreFile::Table,
            bytes,
            entries,
            finding,
        ));
        progress(done, total);
    }
    for number in named.iter().flat_map(|n| n.keys()) {
        let path = table_path(dir, *number);
        if !files.contains(&path) {
            report
                .files
                .push(file(path, StoreFile::Table, 0, 0, Finding::Missing));
        }
    }

    // The logs still needed; only the newest may end in a torn tail.
    let logs: Vec<&PathBuf> = files
        .iter()
        .filter(|p| parse_wal(p).is_some_and(|n| n >= log_number))
        .collect();
    for (i, path) in logs.iter().enumerate() {
        let number = parse_wal(path).unwrap_or(0);
        let bytes = Bytes::from(fs.read_all(path).map_err(|e| io("reading", path, e))?);
        let (entries, finding) = match decode_log(&bytes, number, i + 1 == logs.len()) {
            Ok(contents) => {
                let tail = bytes.get(contents.valid_len..).unwrap_or_default();
                let finding = match contents.torn_at {
                    // Zeros past the last record are space the log had reserved, not a write.
                    Some((at, _)) if tail.iter().any(|&b| b != 0) => {
                        Finding::TornTail { offset: at as u64 }
                    }
                    _ => Finding::Sound,
                };
                (contents.records.len() as u64, finding)
            }
            Err(bad) => (
                0,
                Finding::Damaged {
                    offset: bad.offset as u64,
                    reason: bad.reason,
                },
            ),
        };
        done += bytes.len() as u64;
        report.files.push(file(
            (*path).clone(),
            StoreFile::Log,
            bytes.len() as u64,
            entries,
            finding,
        ));
        progress(done, total);
    }
    Ok(report)
}

/// A corruption as a finding; any other error ends verification.
fn damage(e: Error) -> Result<Finding> {
    match e {
        Error::Corruption { offset, reason, .. } => Ok(Finding::Damaged { offset, reason }),
        other => Err(other),
    }
}

/// Reads every block of a table and checks it against its properties, its filter and the
/// manifest's entry for it. Returns the entries read and what was found.
fn check_table(
    fs: &dyn Fs,
    path: &Path,
    number: u64,
    meta: Option<&TableMeta>,
    budget: &Arc<MetadataBudget>,
) -> Result<(u64, Finding)> {
    let size = fs
        .file_size(path)
        .map_err(|e| Error::io(format!("reading the size of {}", path.display()), e))?;
    if let Some(meta) = meta.filter(|m| m.size != size) {
        let reason = format!("is {size} bytes, but the manifest says {}", meta.size);
        return Ok((
            0,
            Finding::Damaged {
                offset: size,
                reason,
            },
        ));
    }
    let reader = match TableReader::open(fs, path, number, Arc::clone(budget)) {
        Ok(reader) => reader,
        Err(e) => return Ok((0, damage(e)?)),
    };
    let info = reader.info().clone();
    let mut entries = 0u64;
    let (mut first, mut last): (Option<Bytes>, Option<Bytes>) = (None, None);
    let mut seqs = (u64::MAX, 0u64);
    for entry in reader.iter() {
        let key = match entry {
            Ok((key, _)) => key,
            Err(e) => return Ok((entries, damage(e)?)),
        };
        let Some((prefix, seq)) = split_seq(&key) else {
            let reason = format!("entry {entries} has a {}-byte key, too short", key.len());
            return Ok((entries, Finding::Damaged { offset: 0, reason }));
        };
        match reader.may_contain_hash(bloom_hash(prefix)) {
            Ok(true) => {}
            Ok(false) => {
                let reason = format!("the filter does not admit entry {entries}'s key");
                return Ok((
                    entries,
                    Finding::Damaged {
                        offset: info.size,
                        reason,
                    },
                ));
            }
            Err(e) => return Ok((entries, damage(e)?)),
        }
        seqs = (seqs.0.min(seq), seqs.1.max(seq));
        first.get_or_insert_with(|| key.clone());
        last = Some(key);
        entries += 1;
    }
    let mismatch = if entries != info.entries {
        Some(format!(
            "holds {entries} entries, its properties say {}",
            info.entries
        ))
    } else if first.as_ref() != Some(&info.smallest) || last.as_ref() != Some(&info.largest) {
        Some("its first or last key is not the one its properties name".to_string())
    } else if seqs.0 < info.min_seq || seqs.1 > info.max_seq {
        Some("a sequence number lies outside the range its properties name".to_string())
    } else if meta.is_some_and(|m| m.entries != entries) {
        Some(format!(
            "holds {entries} entries, the manifest says {}",
            meta.map_or(0, |m| m.entries)
        ))
    } else {
        None
    };
    Ok((
        entries,
        match mismatch {
            Some(reason) => Finding::Damaged { offset: 0, reason },
            None => Finding::Sound,
        },
    ))
}
