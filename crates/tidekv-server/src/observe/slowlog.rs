//! The slow log (`SLOWLOG`): the commands that took at least `slowlog-log-slower-than`
//! microseconds, newest first, at most `slowlog-max-len` of them. As in Redis, an entry keeps at
//! most 32 arguments (the last saying how many more there were) and 128 bytes of each (with how
//! many more bytes), so a huge command does not make a huge log.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use bytes::Bytes;

use crate::shared::lock;

/// Arguments an entry keeps.
const MAX_ARGS: usize = 32;
/// Bytes of an argument an entry keeps.
const MAX_ARG_BYTES: usize = 128;

/// One slow command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SlowEntry {
    pub(crate) id: u64,
    /// Unix seconds when it was logged.
    pub(crate) at: i64,
    pub(crate) micros: u64,
    pub(crate) args: Vec<Bytes>,
    pub(crate) client_addr: String,
    pub(crate) client_name: Bytes,
}

/// The log.
#[derive(Default)]
pub(crate) struct SlowLog {
    entries: Mutex<VecDeque<SlowEntry>>,
    next_id: AtomicU64,
}

impl SlowLog {
    /// Logs a command that took `micros` if that is at least `threshold` (a negative threshold
    /// logs nothing, 0 everything), keeping the newest `max_len` entries.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record(
        &self,
        threshold: i64,
        max_len: usize,
        micros: u64,
        args: &[Bytes],
        client_addr: String,
        client_name: Bytes,
    ) {
        if threshold < 0 || micros < threshold.unsigned_abs() {
            return;
        }
        let entry = SlowEntry {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            at: crate::shared::unix_seconds(),
            micros,
            args: clipped(args),
            client_addr,
            client_name,
        };
        let mut entries = lock(&self.entries);
        entries.push_front(entry);
        entries.truncate(max_len);
    }

    /// The newest `count` entries (all of them for `None`), newest first.
    pub(crate) fn get(&self, count: Option<usize>) -> Vec<SlowEntry> {
        let entries = lock(&self.entries);
        entries
            .iter()
            .take(count.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    pub(crate) fn len(&self) -> usize {
        lock(&self.entries).len()
    }

    pub(crate) fn reset(&self) {
        lock(&self.entries).clear();
    }
}

/// `args` cut as the module docs say.
fn clipped(args: &[Bytes]) -> Vec<Bytes> {
    let kept = if args.len() > MAX_ARGS {
        MAX_ARGS - 1
    } else {
        args.len()
    };
    let mut out: Vec<Bytes> = args
        .iter()
        .take(kept)
        .map(|arg| match arg.get(..MAX_ARG_BYTES) {
            Some(head) if arg.len() > MAX_ARG_BYTES => {
                let mut cut = head.to_vec();
                cut.extend_from_slice(
                    format!("... ({} more bytes)", arg.len() - MAX_ARG_BYTES).as_bytes(),
                );
                Bytes::from(cut)
            }
            _ => arg.clone(),
        })
        .collect();
    if args.len() > MAX_ARGS {
        out.push(Bytes::from(format!(
            "... ({} more arguments)",
            args.len() - kept
        )));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(slow: &SlowLog, threshold: i64, micros: u64, args: &[&str]) {
        let args: Vec<Bytes> = args.iter().map(|a| Bytes::from(a.to_string())).collect();
        slow.record(
            threshold,
            3,
            micros,
            &args,
            "127.0.0.1:1".into(),
            Bytes::new(),
        );
    }

    #[test]
    fn only_commands_at_the_threshold_or_slower_are_kept_newest_first_up_to_the_limit() {
        let slow = SlowLog::default();
        log(&slow, 100, 99, &["get", "fast"]);
        log(&slow, -1, 1_000_000, &["get", "off"]);
        for i in 0..5 {
            log(&slow, 100, 100 + i, &["set", &format!("k{i}")]);
        }
        assert_eq!(slow.len(), 3);
        let newest = slow.get(Some(1));
        assert_eq!(newest[0].args[1], "k4");
        assert_eq!(newest[0].micros, 104);
        assert_eq!(slow.get(None).len(), 3);
        slow.reset();
        assert_eq!(slow.len(), 0);
    }

    #[test]
    fn long_commands_are_cut_as_redis_cuts_them() {
        let mut args = vec![Bytes::from("x".repeat(200))];
        args.extend((0..40).map(|i| Bytes::from(i.to_string())));
        let cut = clipped(&args);
        assert_eq!(cut.len(), 32);
        assert_eq!(cut[0].len(), 128 + "... (72 more bytes)".len());
        assert!(cut[0].ends_with(b"... (72 more bytes)"));
        assert_eq!(cut[31], "... (10 more arguments)");
    }
}
