//! A store of hundreds of tables in a process whose open-file limit (`ulimit -n`) is far below
//! the table count: with the default `max_open_files` (half the limit) every key reads back, and
//! scans, writes and compactions work. The same process with `max_open_files` set past the limit
//! fails with "too many open files" — which shows the limit is real in the test.
//!
//! The child is this test binary, re-run with `TIDEKV_FILES_CHILD` set and `--ignored`.

#![cfg(unix)]

use std::path::Path;
use std::process::Command;

use tidekv::{BackendStats, Compression, Config, Store};

const CHILD_ENV: &str = "TIDEKV_FILES_CHILD";
const DIR_ENV: &str = "TIDEKV_FILES_DIR";
const LIMIT_ENV: &str = "TIDEKV_FILES_LIMIT";
const MAX_OPEN_ENV: &str = "TIDEKV_FILES_MAX_OPEN";
const KEYS: u32 = 8_000;
/// The child's open-file limit.
const LIMIT: u64 = 64;

fn config(dir: &Path) -> Config {
    Config::disk(dir)
        .compression(Compression::None)
        .memtable_size(32 << 10)
        .table_size(2 << 10)
        .block_size(512)
        .level_base_size(64 << 10)
}

fn key(i: u32) -> String {
    format!("key{i:06}")
}

fn value(i: u32) -> String {
    format!("value-{i}-{}", "v".repeat((i % 50) as usize))
}

/// Child: lowers its open-file limit, opens the store and uses all of it.
#[test]
#[ignore = "run only as a child process of the open-files test"]
fn child_reader() {
    if std::env::var(CHILD_ENV).as_deref() != Ok("read") {
        return;
    }
    let dir = std::env::var(DIR_ENV).expect("dir");
    let limit: u64 = std::env::var(LIMIT_ENV)
        .expect("limit")
        .parse()
        .expect("limit");
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let hard = getrlimit(Resource::Nofile).maximum;
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(limit),
            maximum: hard,
        },
    )
    .expect("lower the open-file limit");
    let mut config = config(Path::new(&dir));
    if let Ok(max_open) = std::env::var(MAX_OPEN_ENV) {
        config = config.max_open_files(max_open.parse().expect("max open"));
    }
    let result = (|| -> tidekv::Result<u64> {
        let store = Store::open(config)?;
        for i in (0..KEYS).rev() {
            let got = store.get(key(i))?;
            assert_eq!(got.as_deref(), Some(value(i).as_bytes()), "key {i}");
        }
        assert_eq!(store.scan_prefix("key")?.count(), KEYS as usize);
        for i in 0..KEYS / 4 {
            store.insert(key(i), "rewritten")?;
        }
        store.compact()?;
        assert_eq!(store.get(key(0))?.as_deref(), Some(&b"rewritten"[..]));
        let open = match store.stats()?.backend {
            BackendStats::Disk(d) => d.open_tables,
            _ => 0,
        };
        store.close()?;
        Ok(open)
    })();
    match result {
        Ok(open) => println!("child-ok open_tables={open}"),
        Err(e) => println!("child-error {e}"),
    }
}

fn run_child(dir: &Path, max_open: Option<usize>) -> String {
    let mut command = Command::new(std::env::current_exe().expect("the test binary"));
    command
        .args([
            "child_reader",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "read")
        .env(DIR_ENV, dir)
        .env(LIMIT_ENV, LIMIT.to_string());
    if let Some(max_open) = max_open {
        command.env(MAX_OPEN_ENV, max_open.to_string());
    }
    let out = command.output().expect("run the child");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn hundreds_of_tables_under_a_low_open_file_limit() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(config(dir.path())).unwrap();
    for i in 0..KEYS {
        store.insert(key(i), value(i)).unwrap();
    }
    store.compact().unwrap();
    let tables: u64 = match store.stats().unwrap().backend {
        BackendStats::Disk(d) => d.levels.iter().map(|l| l.tables).sum(),
        other => panic!("{other:?}"),
    };
    store.close().unwrap();
    assert!(tables >= 200, "only {tables} tables");
    assert!(
        tables > 3 * LIMIT,
        "the limit must be far below the table count"
    );

    let out = run_child(dir.path(), None);
    let open: u64 = out
        .lines()
        .find_map(|l| l.split("child-ok open_tables=").nth(1))
        .unwrap_or_else(|| panic!("the child failed with the default max_open_files:\n{out}"))
        .trim()
        .parse()
        .unwrap();
    assert!(
        open <= LIMIT / 2,
        "{open} tables open under a limit of {LIMIT}"
    );

    // Past the process's limit, the same work runs out of file descriptors.
    let out = run_child(dir.path(), Some(100_000));
    assert!(
        out.contains("child-error") || out.contains("panicked"),
        "with max_open_files past the limit the child should fail:\n{out}"
    );
    assert!(
        out.to_lowercase().contains("too many open files"),
        "expected EMFILE:\n{out}"
    );
}
