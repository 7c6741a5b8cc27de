//! [`Config::read_only`]: opening a disk store to look at it without changing it.

use super::Config;

impl Config {
    /// Opens the disk store without changing a byte of its directory (disk backend). Default
    /// `false`.
    ///
    /// - Every call that would write (`insert`, `remove`, `push_back`, `compact`,
    ///   `load_snapshot`, `checkpoint`, …) is [`crate::Error::ReadOnly`], and changes nothing.
    /// - The directory lock is taken *shared*: read-only opens share a store, while a writer (a
    ///   `tidekv serve`, a read-write open) and a read-only open exclude each other with
    ///   [`crate::Error::Locked`].
    /// - The logs are replayed into memory, as any open does; what a read-write open would write
    ///   (a new log and manifest, a table of the replayed writes) stays in memory, and nothing
    ///   is compacted. A torn log tail is left on disk (a read-write open cuts it).
    /// - A directory that is not a store is refused: a read-only open creates nothing.
    ///
    /// What `tidekv get --dir` and the other inspection commands use.
    ///
    /// ```
    /// use tidekv::{Config, Error, Store};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = Store::open(Config::disk(dir.path()))?;
    /// store.insert("greeting", "hello")?;
    /// store.close()?;
    /// let reader = Store::open(Config::disk(dir.path()).read_only(true))?;
    /// assert_eq!(reader.get("greeting")?.as_deref(), Some(&b"hello"[..]));
    /// assert!(matches!(reader.insert("greeting", "bye"), Err(Error::ReadOnly { .. })));
    /// # Ok::<(), tidekv::Error>(())
    /// ```
    pub fn read_only(mut self, read_only: bool) -> Self {
        if let Some(d) = self.disk_options("read_only") {
            d.read_only = read_only;
        }
        self
    }

    /// Whether [`Config::read_only`] is set.
    pub(crate) fn is_read_only(&self) -> bool {
        matches!(&self.backend, super::Backend::Disk(d) if d.read_only)
    }
}
