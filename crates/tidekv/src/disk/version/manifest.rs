//! The manifest file and `CURRENT`: how version edits are made durable and found again on open.
//! Format: `docs/format/manifest.md`.
//!
//! Protocol (the correctness argument): a new manifest is written and synced *completely* — header
//! and a first edit describing the whole version — before `CURRENT` names it, and `CURRENT` is
//! replaced by write-temp, fsync, rename, fsync-directory. So after a crash `CURRENT` names either
//! the old manifest (still complete) or the new one (complete), never a torn name or a half-written
//! manifest. Every later edit is appended and synced before the change it describes is used, so a
//! torn tail can only be an edit whose change was never used: recovery cuts it off.

use std::io::ErrorKind;
use std::path::Path;

use bytes::Bytes;

use crate::disk::file_name::{current_path, manifest_path, parse_manifest};
use crate::disk::fs::Fs;
use crate::disk::log_file::LogFile;
use crate::disk::log_frame::{self, HEADER_LEN};
use crate::disk::version::edit::VersionEdit;
use crate::error::{Error, Result};

/// `TIDEKVMF`: the first 8 bytes of every manifest.
pub(crate) const MAGIC: [u8; 8] = *b"TIDEKVMF";

/// The live manifest, being appended to.
pub(crate) struct ManifestWriter {
    log: LogFile,
    number: u64,
}

/// An edit's record, unsealed (the log seals it as it appends it).
fn framed(edit: &VersionEdit) -> Result<Vec<u8>> {
    let mut out = log_frame::begin();
    edit.encode(&mut out)
        .map_err(|why| Error::invalid("version edit", why))?;
    Ok(out)
}

impl ManifestWriter {
    /// Writes manifest `number` holding `snapshot` (an edit describing the whole version), syncs
    /// it, then points `CURRENT` at it.
    pub(crate) fn create(
        fs: &dyn Fs,
        dir: &Path,
        number: u64,
        snapshot: &VersionEdit,
    ) -> Result<Self> {
        let path = manifest_path(dir, number);
        let header = log_frame::encode_header(&MAGIC, number);
        let log = LogFile::create(fs, &path, number, &header, log_frame::MAX_PAYLOAD, 0)?;
        let mut manifest = ManifestWriter { log, number };
        manifest.log(snapshot)?;
        set_current(fs, dir, number)?;
        Ok(manifest)
    }

    /// Continues the manifest that recovery found valid up to `len` bytes.
    #[cfg(test)]
    pub(crate) fn resume(fs: &dyn Fs, dir: &Path, number: u64, len: u64) -> Result<Self> {
        let log = LogFile::resume(fs, &manifest_path(dir, number), number, len)?;
        Ok(ManifestWriter { log, number })
    }

    /// Appends `edit` and syncs it, then appends and syncs a *witness*: an empty edit whose
    /// synced-length field covers `edit`. When this returns, the edit survives a crash, and damage
    /// to it later is corruption rather than a torn tail: the caller is about to act on it in
    /// ways that cannot be undone (delete logs, replace tables), so losing it silently would lose
    /// data (`docs/format/manifest.md`).
    pub(crate) fn log(&mut self, edit: &VersionEdit) -> Result<()> {
        self.log.append_record(&mut framed(edit)?)?;
        self.log.sync()?;
        self.log
            .append_record(&mut framed(&VersionEdit::default())?)?;
        self.log.sync()
    }

    pub(crate) fn number(&self) -> u64 {
        self.number
    }

    /// Bytes in the manifest: the engine starts a new one when it grows large.
    pub(crate) fn len(&self) -> u64 {
        self.log.len()
    }
}

/// Points `CURRENT` at manifest `number`: write-temp, fsync, rename, fsync the directory.
fn set_current(fs: &dyn Fs, dir: &Path, number: u64) -> Result<()> {
    let tmp = dir.join("CURRENT.tmp");
    let io = |what: &str, e| Error::io(format!("{what} {}", tmp.display()), e);
    let mut file = fs.create(&tmp).map_err(|e| io("creating", e))?;
    file.append(format!("MANIFEST-{number:06}\n").as_bytes())
        .map_err(|e| io("writing", e))?;
    file.sync().map_err(|e| io("syncing", e))?;
    drop(file);
    let current = current_path(dir);
    fs.rename(&tmp, &current).map_err(|e| {
        Error::io(
            format!("renaming {} to {}", tmp.display(), current.display()),
            e,
        )
    })?;
    fs.sync_dir(dir)
        .map_err(|e| Error::io(format!("syncing directory {}", dir.display()), e))
}

/// What recovery found.
#[derive(Debug)]
pub(crate) struct RecoveredManifest {
    pub(crate) number: u64,
    /// Every edit, oldest first; the first describes a whole version.
    pub(crate) edits: Vec<VersionEdit>,
    /// The manifest's valid length (after a torn tail was cut off). The engine starts a new
    /// manifest on every open; resuming one (tests) needs the length.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) len: u64,
}

/// Finds and reads the live manifest of `dir`; `Ok(None)` if there is no `CURRENT` (a new store).
pub(crate) fn recover(fs: &dyn Fs, dir: &Path) -> Result<Option<RecoveredManifest>> {
    let current = current_path(dir);
    let name = match fs.read_all(&current) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(format!("reading {}", current.display()), e)),
    };
    let number = std::str::from_utf8(&name)
        .ok()
        .and_then(|n| n.strip_suffix('\n'))
        .and_then(parse_manifest)
        .ok_or_else(|| {
            Error::corruption(
                &current,
                0,
                "does not name a manifest (MANIFEST-NNNNNN and a newline)",
            )
        })?;
    let path = manifest_path(dir, number);
    let bytes = match fs.read_all(&path) {
        Ok(bytes) => Bytes::from(bytes),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(Error::corruption(
                &current,
                0,
                format!("names {}, which does not exist", path.display()),
            ))
        }
        Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
    };
    // A manifest is complete before CURRENT names it: its header can never be torn.
    let version = log_frame::decode_header(&bytes, &MAGIC, number, "manifest")
        .map_err(|why| Error::corruption(&path, 0, why))?;
    let log = log_frame::LogId { number, version };
    let frames = log_frame::read_frames(&bytes, HEADER_LEN, true, log)
        .map_err(|bad| Error::corruption(&path, bad.offset as u64, bad.reason))?;
    let mut edits = frames
        .payloads
        .into_iter()
        .map(|(offset, payload)| {
            VersionEdit::decode(payload).map_err(|why| Error::corruption(&path, offset as u64, why))
        })
        .collect::<Result<Vec<_>>>()?;
    // Witness records change nothing.
    edits.retain(|edit| *edit != VersionEdit::default());
    if edits.is_empty() {
        return Err(Error::corruption(
            &path,
            HEADER_LEN as u64,
            "no version edit (the first must describe the whole version)",
        ));
    }
    if frames.torn_at.is_some() {
        fs.truncate(&path, frames.valid_len as u64)
            .map_err(|e| Error::io(format!("cutting the torn tail of {}", path.display()), e))?;
    }
    Ok(Some(RecoveredManifest {
        number,
        edits,
        len: frames.valid_len as u64,
    }))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::disk::fs::{Fault, MemFs};
    use crate::disk::version::edit::TableMeta;

    fn dir() -> PathBuf {
        PathBuf::from("/db")
    }

    fn edit(n: u64) -> VersionEdit {
        VersionEdit {
            next_file: Some(n + 1),
            added: vec![TableMeta {
                garbage: Default::default(),
                level: 0,
                number: n,
                size: 100,
                entries: 3,
                smallest: Bytes::from_static(b"a"),
                largest: Bytes::from_static(b"z"),
            }],
            ..VersionEdit::default()
        }
    }

    #[test]
    fn a_new_directory_has_no_manifest() {
        assert!(recover(&MemFs::new(), &dir()).unwrap().is_none());
    }

    #[test]
    fn edits_survive_a_crash_once_logged() {
        let fs = MemFs::new();
        let mut m = ManifestWriter::create(&fs, &dir(), 1, &edit(10)).unwrap();
        m.log(&edit(11)).unwrap();
        m.log(&edit(12)).unwrap();
        fs.crash();
        let got = recover(&fs, &dir()).unwrap().unwrap();
        assert_eq!(got.number, 1);
        assert_eq!(got.edits, vec![edit(10), edit(11), edit(12)]);
        // Logging can resume where recovery left off.
        let mut m = ManifestWriter::resume(&fs, &dir(), got.number, got.len).unwrap();
        m.log(&edit(13)).unwrap();
        assert_eq!(recover(&fs, &dir()).unwrap().unwrap().edits.len(), 4);
    }

    #[test]
    fn a_failed_switch_keeps_the_old_manifest_and_a_done_one_survives_a_crash() {
        let fs = MemFs::new();
        ManifestWriter::create(&fs, &dir(), 1, &edit(10)).unwrap();
        // The rename of CURRENT fails: the old manifest stays live.
        fs.inject(Fault::Rename);
        assert!(ManifestWriter::create(&fs, &dir(), 2, &edit(20)).is_err());
        assert_eq!(recover(&fs, &dir()).unwrap().unwrap().number, 1);
        // A completed switch makes the new manifest live, across a crash.
        ManifestWriter::create(&fs, &dir(), 3, &edit(30)).unwrap();
        fs.crash();
        let got = recover(&fs, &dir()).unwrap().unwrap();
        assert_eq!((got.number, got.edits), (3, vec![edit(30)]));
    }

    #[test]
    fn a_torn_last_edit_is_cut_off() {
        let fs = MemFs::new();
        let mut m = ManifestWriter::create(&fs, &dir(), 1, &edit(10)).unwrap();
        let good = m.len();
        fs.inject(Fault::Append { after: 7 });
        assert!(m.log(&edit(11)).is_err());
        assert!(m.log(&edit(12)).is_err(), "poisoned after a failed append");
        let got = recover(&fs, &dir()).unwrap().unwrap();
        assert_eq!(got.edits, vec![edit(10)]);
        assert_eq!(got.len, good);
        assert_eq!(
            fs.read_all(&manifest_path(&dir(), 1)).unwrap().len() as u64,
            good
        );
    }

    #[test]
    fn damage_is_corruption_naming_the_file() {
        let fs = MemFs::new();
        let mut m = ManifestWriter::create(&fs, &dir(), 4, &edit(10)).unwrap();
        let second = m.len();
        m.log(&edit(11)).unwrap();
        m.log(&edit(12)).unwrap();
        let path = manifest_path(&dir(), 4);
        fs.corrupt(&path, second as usize + 20, 0x55);
        match recover(&fs, &dir()) {
            Err(Error::Corruption { file, offset, .. }) => {
                assert_eq!((file, offset), (path, second))
            }
            other => panic!("expected corruption, got {other:?}"),
        }
    }

    /// Found by the bit-flip test: damage to the last edit read as a torn tail, so a table that
    /// edit added (and the logs it let the store delete) was lost silently. Each edit is now
    /// followed by a synced witness record, so damage to any edit is corruption; damage to the
    /// last witness is a torn tail that loses nothing.
    #[test]
    fn damage_to_the_last_edit_is_corruption_and_to_its_witness_a_harmless_tail() {
        let fs = MemFs::new();
        let mut m = ManifestWriter::create(&fs, &dir(), 5, &edit(10)).unwrap();
        let last_edit = m.len();
        m.log(&edit(11)).unwrap();
        let path = manifest_path(&dir(), 5);
        let bytes = fs.read_all(&path).unwrap();
        let witness = {
            // The witness is the last record: 20 bytes of frame, no payload.
            bytes.len() - 20
        };
        let mut damaged = bytes.clone();
        damaged[last_edit as usize + 24] ^= 0x08;
        fs.put(&path, damaged);
        match recover(&fs, &dir()) {
            Err(Error::Corruption { offset, .. }) => assert_eq!(offset, last_edit),
            other => panic!("expected corruption, got {other:?}"),
        }
        let mut damaged = bytes;
        damaged[witness + 3] ^= 0x01;
        fs.put(&path, damaged);
        let got = recover(&fs, &dir()).unwrap().unwrap();
        assert_eq!(got.edits, vec![edit(10), edit(11)]);
    }

    #[test]
    fn a_bad_current_is_corruption() {
        let fs = MemFs::new();
        fs.put(&current_path(&dir()), b"garbage\n".to_vec());
        match recover(&fs, &dir()) {
            Err(Error::Corruption { file, .. }) => assert_eq!(file, current_path(&dir())),
            other => panic!("expected corruption, got {other:?}"),
        }
        fs.put(&current_path(&dir()), b"MANIFEST-000009\n".to_vec());
        let err = recover(&fs, &dir()).unwrap_err().to_string();
        assert!(err.contains("does not exist"), "{err}");
    }
}
