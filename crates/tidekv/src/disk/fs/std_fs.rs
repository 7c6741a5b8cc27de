//! [`Fs`] over the operating system's file system.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{FileKind, FileLock, FileSyncer, Fs, RandomAccessFile, WritableFile};

/// The real file system.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct StdFs;

/// A file being appended to.
struct StdFile(File);

impl WritableFile for StdFile {
    fn append(&mut self, data: &[u8]) -> io::Result<()> {
        self.0.write_all(data)
    }

    fn sync(&mut self) -> io::Result<()> {
        // Data (and the size, which fdatasync includes) is what a log needs; not the mtime.
        self.0.sync_data()
    }

    fn reserve(&mut self, len: u64) -> io::Result<()> {
        // `set_len` leaves the file position, where the next append writes, where it was. The
        // new space is a hole: nothing is written now, and it reads as zeros.
        if len > self.0.metadata()?.len() {
            self.0.set_len(len)?;
        }
        Ok(())
    }

    fn trim(&mut self, len: u64) -> io::Result<()> {
        self.0.set_len(len)
    }

    fn syncer(&self) -> io::Result<Box<dyn FileSyncer>> {
        // A duplicated descriptor shares the open file: fdatasync through it flushes what the
        // owner wrote through the original.
        Ok(Box::new(StdSyncer(self.0.try_clone()?)))
    }
}

/// A duplicate of a [`StdFile`]'s descriptor, used only to sync.
struct StdSyncer(File);

impl FileSyncer for StdSyncer {
    fn sync(&self) -> io::Result<()> {
        self.0.sync_data()
    }
}

/// A file opened for positioned reads (`pread`, so concurrent readers need no lock).
#[derive(Debug)]
struct StdReadFile {
    file: File,
    /// The length when opened: the files read this way (tables) are immutable.
    len: u64,
}

impl RandomAccessFile for StdReadFile {
    fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        // No file is longer than `i64::MAX` (`pread` refuses larger offsets as invalid input).
        let in_range = u64::try_from(len)
            .ok()
            .and_then(|len| offset.checked_add(len))
            .is_some_and(|end| end <= i64::MAX as u64);
        if !in_range {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("read of {len} bytes at {offset} runs past the end of the file"),
            ));
        }
        let mut buf = vec![0; len];
        // `read_exact_at` reports a read past the end as `UnexpectedEof`.
        self.file.read_exact_at(&mut buf, offset)?;
        Ok(buf)
    }

    fn len(&self) -> u64 {
        self.len
    }
}

impl Fs for StdFs {
    fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        Ok(Box::new(StdFile(file)))
    }

    #[cfg(test)]
    fn append_to(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        Ok(Box::new(StdFile(
            OpenOptions::new().append(true).open(path)?,
        )))
    }

    fn open_read(&self, path: &Path) -> io::Result<Arc<dyn RandomAccessFile>> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(Arc::new(StdReadFile { file, len }))
    }

    fn read_all(&self, path: &Path) -> io::Result<Vec<u8>> {
        fs::read(path)
    }

    fn file_size(&self, path: &Path) -> io::Result<u64> {
        Ok(fs::metadata(path)?.len())
    }

    fn sync_file(&self, path: &Path) -> io::Result<()> {
        OpenOptions::new().write(true).open(path)?.sync_data()
    }

    fn truncate(&self, path: &Path, len: u64) -> io::Result<()> {
        let file = OpenOptions::new().write(true).open(path)?;
        file.set_len(len)?;
        file.sync_all()
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    fn rename_dir(&self, from: &Path, to: &Path) -> io::Result<()> {
        // rename(2) would also replace an empty directory at `to`; the contract says `to` is new.
        if fs::symlink_metadata(to).is_ok() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} already exists", to.display()),
            ));
        }
        fs::rename(from, to)
    }

    fn hard_link(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::hard_link(from, to)
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        fs::read_dir(dir)?
            .map(|entry| entry.map(|e| e.path()))
            .collect()
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        fs::create_dir_all(dir)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        File::open(dir)?.sync_all()
    }

    fn kind(&self, path: &Path) -> io::Result<Option<FileKind>> {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => Ok(Some(FileKind::Dir)),
            Ok(_) => Ok(Some(FileKind::File)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn remove_dir_all(&self, dir: &Path) -> io::Result<()> {
        fs::remove_dir_all(dir)
    }

    fn lock(&self, path: &Path) -> io::Result<Box<dyn FileLock>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        // `flock`: released by the kernel when the descriptor closes, so a process that dies
        // never leaves a stale lock behind.
        held(path, file.try_lock(), file)
    }

    fn lock_shared(&self, path: &Path) -> io::Result<Box<dyn FileLock>> {
        // Read-only where the file exists: a read-only open may look at a store it cannot write
        // (another user's, a backup on read-only media).
        let file = match File::open(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)?,
            opened => opened?,
        };
        held(path, file.try_lock_shared(), file)
    }
}

/// The guard of a lock attempt on `file`.
fn held(
    path: &Path,
    attempt: Result<(), TryLockError>,
    file: File,
) -> io::Result<Box<dyn FileLock>> {
    match attempt {
        Ok(()) => Ok(Box::new(StdLock { file })),
        Err(TryLockError::WouldBlock) => Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            format!("{} is locked", path.display()),
        )),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// A held `flock`, released when dropped.
#[derive(Debug)]
struct StdLock {
    file: File,
}

impl FileLock for StdLock {}

impl Drop for StdLock {
    fn drop(&mut self) {
        // An explicit unlock, not just the close of this descriptor: a lock belongs to the open
        // file, which a process forked meanwhile (by any thread of this program, before its
        // `exec`) shares; closing only our descriptor would leave the store locked until it
        // execs or exits, and for good if it never does.
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positioned_reads_see_the_file_and_refuse_to_run_past_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t");
        let mut file = StdFs.create(&path).unwrap();
        file.append(b"hello, world").unwrap();
        file.sync().unwrap();
        assert_eq!(StdFs.file_size(&path).unwrap(), 12);
        let read = StdFs.open_read(&path).unwrap();
        assert_eq!(read.len(), 12);
        assert_eq!(read.read_at(7, 5).unwrap(), b"world");
        assert_eq!(read.read_at(12, 0).unwrap(), b"");
        for (offset, len) in [(10, 3), (13, 1), (u64::MAX, 1)] {
            let past = read.read_at(offset, len).unwrap_err();
            assert_eq!(past.kind(), io::ErrorKind::UnexpectedEof, "{offset} {len}");
        }
        // An open file stays readable after its name is removed.
        StdFs.remove(&path).unwrap();
        assert_eq!(read.read_at(0, 5).unwrap(), b"hello");
    }

    #[test]
    fn reserve_grows_the_file_without_moving_appends_and_trim_cuts_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let mut file = StdFs.create(&path).unwrap();
        file.append(b"abc").unwrap();
        file.reserve(100).unwrap();
        assert_eq!(StdFs.file_size(&path).unwrap(), 100);
        file.append(b"de").unwrap();
        file.reserve(50).unwrap(); // never shrinks
        let mut expected = b"abcde".to_vec();
        expected.resize(100, 0);
        assert_eq!(StdFs.read_all(&path).unwrap(), expected);
        file.trim(5).unwrap();
        file.append(b"f").unwrap();
        assert_eq!(StdFs.read_all(&path).unwrap(), b"abcdef");
    }

    /// Appends from the owning handle while another thread syncs through a syncer: every byte is
    /// kept. (Only the bytes are checked; whether a sync reaches the disk is not observable here.)
    #[test]
    fn appends_while_another_thread_syncs_through_a_syncer_keep_every_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let mut file = StdFs.create(&path).unwrap();
        let syncer = file.syncer().unwrap();
        let syncing = std::thread::spawn(move || {
            for _ in 0..20 {
                syncer.sync().unwrap();
            }
        });
        for i in 0..200u32 {
            file.append(&i.to_le_bytes()).unwrap();
        }
        syncing.join().unwrap();
        file.sync().unwrap();
        assert_eq!(StdFs.read_all(&path).unwrap().len(), 800);
    }
}
