//! The names of the files in a disk store's directory.

use std::path::{Path, PathBuf};

/// The path of write-ahead log number `n`: `NNNNNN.wal`.
pub(crate) fn wal_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("{n:06}.wal"))
}

/// The log number of a `NNNNNN.wal` path, or `None` for any other file.
pub(crate) fn parse_wal(path: &Path) -> Option<u64> {
    parse_numbered(path, ".wal")
}

/// The path of table `n`: `NNNNNN.sst`.
pub(crate) fn table_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("{n:06}.sst"))
}

/// The number of a table file's name, if it is one.
pub(crate) fn parse_table(path: &Path) -> Option<u64> {
    parse_numbered(path, ".sst")
}

/// The number of a file named `NNNNNN<suffix>`.
fn parse_numbered(path: &Path, suffix: &str) -> Option<u64> {
    parse_digits(path.file_name()?.to_str()?.strip_suffix(suffix)?)
}

/// A file number: one or more decimal digits and nothing else (no sign, no spaces).
fn parse_digits(digits: &str) -> Option<u64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The path of manifest number `n`: `MANIFEST-NNNNNN`.
pub(crate) fn manifest_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("MANIFEST-{n:06}"))
}

/// The manifest number in a `MANIFEST-NNNNNN` name, or `None`.
pub(crate) fn parse_manifest(name: &str) -> Option<u64> {
    parse_digits(name.strip_prefix("MANIFEST-")?)
}

/// The file naming the live manifest.
pub(crate) fn current_path(dir: &Path) -> PathBuf {
    dir.join("CURRENT")
}

/// The scratch directory number `n` (a snapshot being loaded): `NNNNNN.load`.
pub(crate) fn load_dir_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("{n:06}.load"))
}

/// The number of a `NNNNNN.load` scratch directory's path, or `None`.
pub(crate) fn parse_load_dir(path: &Path) -> Option<u64> {
    parse_numbered(path, ".load")
}

/// The name a log (write-ahead log or manifest) has while it is being created: its own name
/// followed by `.tmp`. It gets its own name once its header is durable.
pub(crate) fn creating_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

/// Whether `path` names a log left half created (`NNNNNN.wal.tmp`, `MANIFEST-NNNNNN.tmp`).
pub(crate) fn is_creating(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name.strip_suffix(".tmp")
        .is_some_and(|log| parse_wal(Path::new(log)).is_some() || parse_manifest(log).is_some())
}

/// Whether `name` is one a store's directory holds: the lock, `CURRENT` (and its temporary),
/// manifests, logs, tables and load scratch directories. Anything else is the user's, and the
/// engine never touches it.
pub(crate) fn is_store_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    matches!(name, "LOCK" | "CURRENT" | "CURRENT.tmp")
        || parse_manifest(name).is_some()
        || parse_wal(path).is_some()
        || parse_table(path).is_some()
        || parse_load_dir(path).is_some()
        || is_creating(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wal_names_round_trip() {
        let dir = Path::new("/db");
        assert_eq!(wal_path(dir, 7), Path::new("/db/000007.wal"));
        assert_eq!(parse_wal(&wal_path(dir, 1_234_567)), Some(1_234_567));
        assert_eq!(parse_table(&table_path(dir, 42)), Some(42));
        assert_eq!(parse_table(Path::new("/db/000042.wal")), None);
        for other in [
            "/db/000007.sst",
            "/db/x.wal",
            "/db/.wal",
            "/db/0007.wal.tmp",
            "/db/-1.wal",
        ] {
            assert_eq!(parse_wal(Path::new(other)), None, "{other}");
        }
    }

    #[test]
    fn logs_being_created_have_their_own_name_and_are_told_apart() {
        let creating = creating_path(&wal_path(Path::new("/db"), 7));
        assert_eq!(creating, Path::new("/db/000007.wal.tmp"));
        assert!(is_creating(&creating));
        assert!(is_creating(&creating_path(&manifest_path(
            Path::new("/db"),
            2
        ))));
        assert_eq!(parse_wal(&creating), None, "not a log until it is renamed");
        for other in [
            "/db/CURRENT.tmp",
            "/db/notes.tmp",
            "/db/000007.sst.tmp",
            "/db/x.wal.tmp",
        ] {
            assert!(!is_creating(Path::new(other)), "{other}");
        }
    }

    #[test]
    fn store_files_are_told_from_the_users() {
        let dir = Path::new("/db");
        for ours in [
            dir.join("LOCK"),
            dir.join("CURRENT"),
            dir.join("CURRENT.tmp"),
            dir.join("000004.wal.tmp"),
            dir.join("MANIFEST-000003.tmp"),
            manifest_path(dir, 3),
            wal_path(dir, 4),
            table_path(dir, 5),
            load_dir_path(dir, 6),
        ] {
            assert!(is_store_file(&ours), "{}", ours.display());
        }
        assert_eq!(parse_load_dir(&load_dir_path(dir, 77)), Some(77));
        for theirs in [
            "precious.txt",
            "data",
            "MANIFEST",
            "CURRENT.bak",
            "x.sst",
            ".DS_Store",
        ] {
            assert!(!is_store_file(&dir.join(theirs)), "{theirs}");
        }
    }
}
