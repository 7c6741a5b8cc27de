//! `tidekv checkpoint` end to end through the binary: from a store directory, through a running
//! server (`SAVE DIR` / `BGSAVE DIR`, also under a write load), and every refusal — a locked
//! store, a directory that is not a store, a target that exists, a name that is a path, an
//! unreachable server.

mod support;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{tidekv, ServerProcess};
use tidekv::{Config, Store};

/// `tidekv checkpoint --dir SRC DST`.
fn checkpoint_dir(src: &Path, dst: &Path) -> support::Run {
    tidekv(&[
        "checkpoint".as_ref(),
        "--dir".as_ref(),
        src.as_os_str(),
        dst.as_os_str(),
    ])
}

fn store_with_data(dir: &Path) {
    let store = Store::open(Config::disk(dir).memtable_size(16 << 10)).unwrap();
    for i in 0..2000u32 {
        store
            .insert(format!("key{i:05}"), format!("value {i}"))
            .unwrap();
    }
    store.push_back("jobs", "first").unwrap();
    store.close().unwrap();
}

#[test]
fn a_checkpoint_of_a_store_directory_opens_with_its_data() {
    let root = tempfile::tempdir().unwrap();
    let (src, dst) = (root.path().join("data"), root.path().join("backup"));
    store_with_data(&src);
    let run = checkpoint_dir(&src, &dst);
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stdout.contains("files linked"), "{}", run.stdout);
    let copy = Store::open(Config::disk(&dst)).unwrap();
    assert_eq!(copy.len().unwrap(), 2001);
    assert_eq!(
        copy.get_as::<String>("key01999").unwrap().as_deref(),
        Some("value 1999")
    );
    assert_eq!(copy.list_len("jobs").unwrap(), 1);
}

#[test]
fn bad_sources_and_targets_are_refused_with_what_to_do() {
    let root = tempfile::tempdir().unwrap();
    let src = root.path().join("data");
    store_with_data(&src);

    // A store another process (here, this one) holds.
    let held = Store::open(Config::disk(&src)).unwrap();
    let dst = root.path().join("backup");
    let locked = checkpoint_dir(&src, &dst);
    assert_eq!(locked.code, Some(1));
    assert!(
        locked.stderr.contains("in use by another process"),
        "{}",
        locked.stderr
    );
    assert!(locked.stderr.contains("--url"), "{}", locked.stderr);
    assert!(!dst.exists());
    held.close().unwrap();

    // A directory that is not a store is not made one.
    let plain = root.path().join("photos");
    std::fs::create_dir(&plain).unwrap();
    std::fs::write(plain.join("cat.jpg"), b"meow").unwrap();
    let not_store = checkpoint_dir(&plain, &dst);
    assert_eq!(not_store.code, Some(1));
    assert!(
        not_store.stderr.contains("not a tidekv store"),
        "{}",
        not_store.stderr
    );
    assert_eq!(std::fs::read_dir(&plain).unwrap().count(), 1);

    // A target that exists is left alone.
    std::fs::create_dir(&dst).unwrap();
    std::fs::write(dst.join("keep"), b"mine").unwrap();
    let exists = checkpoint_dir(&src, &dst);
    assert_eq!(exists.code, Some(1));
    assert!(
        exists.stderr.contains("already exists"),
        "{}",
        exists.stderr
    );
    assert_eq!(std::fs::read(dst.join("keep")).unwrap(), b"mine");

    // Neither or both of --dir and --url is a usage error (clap's exit code 2).
    let neither = tidekv(&["checkpoint", "x"]);
    assert_eq!(neither.code, Some(2), "{}", neither.stderr);

    // A server that is not there.
    let unreachable = tidekv(&["checkpoint", "--url", "redis://127.0.0.1:1/", "x"]);
    assert_eq!(unreachable.code, Some(1));
    assert!(
        unreachable
            .stderr
            .contains("cannot reach redis://127.0.0.1:1/"),
        "{}",
        unreachable.stderr
    );
}

#[test]
fn a_running_server_checkpoints_by_name_into_its_checkpoint_directory() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let server = ServerProcess::start(&data, &[]);
    let mut con = server.connect();
    for i in 0..500 {
        let _: () = redis::cmd("SET")
            .arg(format!("k{i}"))
            .arg(i)
            .query(&mut con)
            .unwrap();
    }
    let run = tidekv(&["checkpoint", "--url", &server.url(), "nightly"]);
    assert!(run.ok, "{}", run.stderr);
    let written = root.path().join("data.checkpoints/nightly");
    assert!(
        run.stdout.contains(&written.display().to_string()),
        "{}",
        run.stdout
    );

    // BGSAVE DIR runs in the background; INFO says when it is done and how it went.
    let reply: String = redis::cmd("BGSAVE")
        .arg("DIR")
        .arg("second")
        .query(&mut con)
        .unwrap();
    assert_eq!(reply, "Background saving started");
    let mut waited = 0;
    while support::info_field(&mut con, "rdb_bgsave_in_progress") == 1 {
        assert!(waited < 1000, "the background checkpoint never finished");
        std::thread::sleep(Duration::from_millis(10));
        waited += 1;
    }
    let info: String = redis::cmd("INFO")
        .arg("persistence")
        .query(&mut con)
        .unwrap();
    assert!(info.contains("rdb_last_bgsave_status:ok"), "{info}");

    // A name is a name: no paths, no dots up, and an existing checkpoint is not replaced.
    for bad in ["../escape", "/tmp/x", ".hidden", "a/b", ""] {
        let refused: redis::RedisResult<()> =
            redis::cmd("SAVE").arg("DIR").arg(bad).query(&mut con);
        let err = refused.expect_err(bad).to_string();
        assert!(err.contains("invalid checkpoint name"), "{bad}: {err}");
    }
    assert!(!root.path().join("escape").exists());
    let again: redis::RedisResult<()> =
        redis::cmd("SAVE").arg("DIR").arg("nightly").query(&mut con);
    assert!(again.unwrap_err().to_string().contains("already exists"));

    for (name, keys) in [("nightly", 500), ("second", 500)] {
        let copy = Store::open(Config::disk(
            root.path().join("data.checkpoints").join(name),
        ))
        .unwrap();
        assert_eq!(copy.len().unwrap(), keys, "{name}");
        assert_eq!(copy.get_as::<i64>("k499").unwrap(), Some(499), "{name}");
    }
}

/// A writer SETs `k0, k1, …` in order and counts each acknowledged one; a checkpoint taken
/// meanwhile through the server holds every key acknowledged before `SAVE DIR` was sent, and
/// no key without all keys before it.
#[test]
fn a_server_checkpoint_under_a_write_load_holds_a_prefix_of_the_acknowledged_writes() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let server = ServerProcess::start(&data, &["--durability", "sync"]);
    let acked = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (mut con, acked, stop) = (server.connect(), Arc::clone(&acked), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let _: () = redis::cmd("SET")
                    .arg(format!("k{i:07}"))
                    .arg(i)
                    .query(&mut con)
                    .unwrap();
                i += 1;
                acked.store(i, Ordering::Release);
            }
        })
    };
    let mut con = server.connect();
    let mut taken = Vec::new();
    for c in 0..3 {
        let goal = acked.load(Ordering::Acquire) + 300;
        while acked.load(Ordering::Acquire) < goal {
            std::thread::yield_now();
        }
        let before = acked.load(Ordering::Acquire);
        let _: () = redis::cmd("SAVE")
            .arg("DIR")
            .arg(format!("c{c}"))
            .query(&mut con)
            .unwrap();
        taken.push((c, before));
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    for (c, before) in taken {
        let copy = Store::open(Config::disk(
            root.path().join(format!("data.checkpoints/c{c}")),
        ))
        .unwrap();
        let held = copy.len().unwrap() as u64;
        assert!(
            held >= before,
            "checkpoint {c}: {before} acknowledged before it, {held} held"
        );
        for i in 0..held {
            assert_eq!(
                copy.get_as::<u64>(format!("k{i:07}")).unwrap(),
                Some(i),
                "checkpoint {c}: a gap at k{i:07}"
            );
        }
    }
}
