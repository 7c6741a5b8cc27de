//! Cursor scans (Redis `SCAN cursor MATCH pattern COUNT n TYPE t`): a keyspace walked in pages,
//! each call independent, over keys of every kind.
//!
//! The cursor is the last key a page visited, and a page visits the keys after it in key order.
//! That gives Redis's guarantee, and more: a key present for the whole iteration is returned
//! exactly once (Redis: at least once), whatever writes, flushes or compactions happen
//! between the calls, because key order never changes. A key added or removed during the
//! iteration may or may not be returned, as in Redis.

use std::ops::Bound;

use bytes::Bytes;

use crate::engine::{KeyKind, ScanValue};
use crate::error::Result;
use crate::glob::Glob;
use crate::store::keyspace::Keyspace;
use crate::store::scan::prefix_end;

/// Where a cursor scan goes on from (see [`Store::scan_keys`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct ScanCursor {
    after: Option<Bytes>,
}

impl ScanCursor {
    /// The start of a keyspace (Redis cursor `0`).
    pub fn start() -> ScanCursor {
        ScanCursor::default()
    }

    /// The position just after `key`: a cursor a server kept as a key (tidekv's server maps
    /// Redis's numeric cursors onto these).
    pub fn after(key: impl Into<Bytes>) -> ScanCursor {
        ScanCursor {
            after: Some(key.into()),
        }
    }

    /// The key this cursor resumes after, `None` at the start.
    pub fn last_key(&self) -> Option<&Bytes> {
        self.after.as_ref()
    }
}

/// What a cursor scan returns and how much work a page does.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Only keys matching this glob pattern (`MATCH`; Redis's syntax, see [`Store::scan_keys`]).
    pub pattern: Option<Bytes>,
    /// How many keys a page visits (`COUNT`; 0 means Redis's default, 10). Keys filtered out by
    /// the pattern or the kind count as visited, so a page may return fewer keys, or none.
    pub count: usize,
    /// Only keys of this kind (`TYPE`).
    pub kind: Option<KeyKind>,
}

/// One page of a cursor scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanPage {
    /// The keys of this page that pass the filters, in key order.
    pub keys: Vec<Bytes>,
    /// Where the next page starts; `None` when the iteration is complete.
    pub next: Option<ScanCursor>,
}

impl Keyspace {
    /// One page of a cursor scan of this keyspace, from `cursor` (Redis `SCAN`).
    ///
    /// Patterns are Redis's: `*`, `?`, `[abc]`, `[^a-z]`, `\x`; matching takes time bounded by
    /// key length × pattern length, whatever the pattern. A pattern's literal head (`user:` in
    /// `user:*`) narrows the walk to the keys that start with it.
    ///
    /// ```
    /// use tidekv::{Config, ScanCursor, ScanOptions, Store};
    /// let store = Store::open(Config::memory())?;
    /// for i in 0..25 {
    ///     store.insert(format!("user:{i}"), i)?;
    /// }
    /// store.push_back("queue", "job")?;
    /// let options = ScanOptions { pattern: Some("user:*".into()), ..ScanOptions::default() };
    /// let (mut cursor, mut seen) = (ScanCursor::start(), 0);
    /// loop {
    ///     let page = store.scan_keys(&cursor, &options)?;
    ///     seen += page.keys.len();
    ///     match page.next {
    ///         Some(next) => cursor = next,
    ///         None => break,
    ///     }
    /// }
    /// assert_eq!(seen, 25);
    /// # Ok::<(), tidekv::Error>(())
    /// ```
    pub fn scan_keys(&self, cursor: &ScanCursor, options: &ScanOptions) -> Result<ScanPage> {
        self.check_open()?;
        let glob = options
            .pattern
            .as_deref()
            .map(Glob::new)
            .filter(|g| !g.matches_everything());
        let prefix = glob.as_ref().map(Glob::literal_prefix).unwrap_or_default();
        let lower = match &cursor.after {
            Some(after) if after.as_ref() >= prefix.as_slice() => Bound::Excluded(after.clone()),
            _ if prefix.is_empty() => Bound::Unbounded,
            _ => Bound::Included(Bytes::from(prefix.clone())),
        };
        let upper = match prefix_end(&prefix) {
            Some(end) if !prefix.is_empty() => Bound::Excluded(end),
            _ => Bound::Unbounded,
        };
        if let (Bound::Excluded(after), Bound::Excluded(end)) = (&lower, &upper) {
            if after >= end {
                return Ok(ScanPage {
                    keys: Vec::new(),
                    next: None,
                });
            }
        }
        let mut entries = self.shared.engine.scan(self.ks, (lower, upper))?.peekable();
        let budget = if options.count == 0 {
            10
        } else {
            options.count
        };
        let mut keys = Vec::new();
        let mut last = None;
        for _ in 0..budget {
            let Some(entry) = entries.next() else {
                break;
            };
            let (key, value) = entry?;
            let kind = match value {
                ScanValue::String(_) => KeyKind::String,
                ScanValue::List => KeyKind::List,
            };
            if options.kind.is_none_or(|k| k == kind)
                && glob.as_ref().is_none_or(|g| g.matches(&key))
            {
                keys.push(key.clone());
            }
            last = Some(key);
        }
        let next = match (entries.peek(), last) {
            (Some(_), Some(last)) => Some(ScanCursor::after(last)),
            _ => None,
        };
        Ok(ScanPage { keys, next })
    }
}
