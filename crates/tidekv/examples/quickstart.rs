//! A tour of every tidekv feature, printing what each step does: the disk backend (an LSM tree) in
//! `./quickstart-data/store`, and the memory backend for a snapshot copy.
//!
//! Run it with `cargo run --release -p tidekv --example quickstart`. Each run starts from an empty
//! `./quickstart-data` (it deletes what an earlier run left there), so every run prints the same.

use std::path::Path;
use std::thread;
use std::time::Duration;

use tidekv::{BackendStats, Bytes, Config, Durability, Json, Store, Ttl, WriteBatch};

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct User {
    name: String,
    languages: Vec<String>,
}

fn main() -> tidekv::Result<()> {
    let data_dir = Path::new("quickstart-data");
    if data_dir.exists() {
        std::fs::remove_dir_all(data_dir)
            .map_err(|e| tidekv::Error::io("removing the last run's quickstart-data", e))?;
    }
    std::fs::create_dir_all(data_dir)
        .map_err(|e| tidekv::Error::io("creating quickstart-data", e))?;
    let store_dir = data_dir.join("store");

    step("open a disk store (write-ahead log, memtable, SSTables, compaction)");
    let store = Store::open(Config::disk(&store_dir).durability(Durability::Sync))?;
    println!("  opened {}", store_dir.display());

    step("strings: insert, get, take, remove, contains_key, len");
    store.insert("greeting", "hello, world")?;
    println!("  get(greeting) = {}", text(store.get("greeting")?));
    store.insert("to-take", "taken once")?;
    println!(
        "  take(to-take) = {}, then {}",
        text(store.take("to-take")?),
        text(store.take("to-take")?)
    );
    println!(
        "  remove(greeting) = {}, contains_key = {}",
        store.remove("greeting")?,
        store.contains_key("greeting")?
    );

    step("typed values: i64, f64, bool, String, bytes and serde types (as JSON)");
    store.insert("answer", 42)?;
    store.insert("ratio", 2.5)?;
    store.insert("enabled", true)?;
    store.insert("raw", vec![0u8, 159, 255])?;
    let user = User {
        name: "Ada".into(),
        languages: vec!["Rust".into(), "Analytical Engine".into()],
    };
    store.insert("user:ada", Json(&user))?;
    println!(
        "  answer = {}, ratio = {}, enabled = {}, raw = {:?}",
        store.get_as::<i64>("answer")?.unwrap_or_default(),
        store.get_as::<f64>("ratio")?.unwrap_or_default(),
        store.get_as::<bool>("enabled")?.unwrap_or_default(),
        store.get_as::<Vec<u8>>("raw")?.unwrap_or_default()
    );
    let Json(back) = store
        .get_as::<Json<User>>("user:ada")?
        .unwrap_or(Json(User {
            name: String::new(),
            languages: vec![],
        }));
    println!(
        "  user:ada = {} who knows {} (stored as {})",
        back.name,
        back.languages.join(" and "),
        text(store.get("user:ada")?)
    );
    match store.get_as::<i64>("user:ada") {
        Err(e) => println!("  reading user:ada as i64 is an error: {e}"),
        Ok(_) => println!("  unexpected: user:ada read as an i64"),
    }

    step("atomic counters: incr_by (decimal text, so Redis INCR works on the same key)");
    store.insert("visits", 10)?;
    println!("  incr_by(visits, 5) = {}", store.incr_by("visits", 5)?);

    step("expiry: insert_with_ttl, expire, ttl, persist");
    store.insert_with_ttl("session", "token", Duration::from_millis(200))?;
    if let Some(Ttl::ExpiresIn(left)) = store.ttl("session")? {
        println!("  ttl(session) = {} ms", left.as_millis());
    }
    store.insert("keep", "me")?;
    store.expire("keep", Duration::from_secs(60))?;
    store.persist("keep")?;
    println!(
        "  keep never expires after persist: {}",
        store.ttl("keep")? == Some(Ttl::Persistent)
    );
    thread::sleep(Duration::from_millis(250));
    println!(
        "  after 250 ms, get(session) = {}",
        text(store.get("session")?)
    );

    step("lists as job queues: push_back, pop_front, list_len, list_range");
    store.push_back_all("jobs", ["resize:1", "resize:2", "email:7"])?;
    store.push_front("jobs", "urgent:0")?;
    println!(
        "  list_range(jobs, 0, -1) = {}",
        texts(store.list_range("jobs", 0, -1)?)
    );
    println!(
        "  pop_front = {}, pop_back = {}, list_len = {}",
        text(store.pop_front("jobs")?),
        text(store.pop_back("jobs")?),
        store.list_len("jobs")?
    );

    step("blocking pops: a worker waits on two queues; a producer thread pushes");
    let worker = store.clone();
    let handle = thread::spawn(move || {
        worker.blocking_pop_front(&["high", "low"], Some(Duration::from_secs(5)))
    });
    thread::sleep(Duration::from_millis(50));
    store.push_back("low", "background job")?;
    let got = handle
        .join()
        .map_err(|_| tidekv::Error::invalid("worker", "panicked"))??;
    if let Some((queue, job)) = got {
        println!(
            "  worker got {} from {}",
            text(Some(job)),
            text(Some(queue))
        );
    }
    let timed_out = store
        .blocking_pop_front(&["empty"], Some(Duration::from_millis(20)))?
        .is_none();
    println!("  an empty queue times out after 20 ms: {timed_out}");

    step("sorted, lazy, point-in-time scans: scan_prefix and range");
    store.insert_many([
        ("user:3", "Cy"),
        ("user:1", "Ann"),
        ("user:2", "Bo"),
        ("order:9", ".."),
    ])?;
    let scan = store.scan_prefix("user:")?;
    store.insert("user:0", "added after the scan started")?;
    for item in scan {
        let (k, v) = item?;
        println!(
            "  {} = {}",
            String::from_utf8_lossy(&k),
            String::from_utf8_lossy(&v)
        );
    }
    let in_range: Vec<String> = store
        .range("user:1".."user:3")?
        .map(|r| r.map(|(k, _)| String::from_utf8_lossy(&k).into_owned()))
        .collect::<Result<_, _>>()?;
    println!("  range(user:1..user:3) keys = {}", in_range.join(", "));

    step("batches: get_many, insert_many, remove_many and an atomic WriteBatch");
    let many: Vec<String> = store
        .get_many(["user:1", "nobody", "user:2"])?
        .into_iter()
        .map(text)
        .collect();
    println!("  get_many(user:1, nobody, user:2) = {}", many.join(", "));
    let mut batch = WriteBatch::new();
    batch
        .insert("account:a", 50)
        .insert("account:b", 150)
        .push_back("audit", "moved 50 from a to b");
    store.apply_batch(batch)?;
    let mut bad = WriteBatch::new();
    bad.insert("account:a", 0)
        .push_back("account:b", "not a list");
    if let Err(e) = store.apply_batch(bad) {
        println!("  a batch with a bad op fails whole: {e}");
    }
    println!(
        "  account:a is still {}",
        store.get_as::<i64>("account:a")?.unwrap_or_default()
    );
    println!(
        "  remove_many(order:9, nobody) = {}",
        store.remove_many(["order:9", "nobody"])?
    );

    step("keyspaces (Redis SELECT): separate namespaces in one store");
    let cache = store.keyspace(1)?;
    cache.insert("greeting", "hello from keyspace 1")?;
    println!(
        "  keyspace 1 len = {}, keyspace 0 has greeting: {}",
        cache.len()?,
        store.contains_key("greeting")?
    );

    step("snapshots: save_snapshot / load_snapshot into a memory store");
    let copy_path = data_dir.join("copy.tkv");
    let saved = store.save_snapshot(&copy_path)?;
    let copy = Store::open(Config::memory())?;
    copy.load_snapshot(&copy_path)?;
    println!(
        "  saved {saved} keys to {}; the copy has {} keys in keyspace 0",
        copy_path.display(),
        copy.len()?
    );

    step("stats");
    let stats = store.stats()?;
    let per_keyspace: Vec<String> = stats
        .keyspaces
        .iter()
        .map(|k| format!("keyspace {}: {} keys", k.id, k.keys))
        .collect();
    println!(
        "  {} keys, {} bytes ({})",
        stats.keys,
        stats.bytes,
        per_keyspace.join("; ")
    );
    if let BackendStats::Disk(d) = &stats.backend {
        println!(
            "  disk: memtable={}B tables per level={:?} cache hits/misses={}/{} log syncs={} write amplification={:.2}",
            d.memtable_bytes,
            d.levels.iter().map(|l| l.tables).collect::<Vec<_>>(),
            d.block_cache_hits,
            d.block_cache_misses,
            d.log_syncs,
            d.write_amplification
        );
    }

    step("compact: rewrite every level into the last, dropping dead data");
    store.compact()?;

    step("close: flushes the memtable to a table; every later call is Error::Closed");
    store.close()?;
    if let Err(e) = store.get("answer") {
        println!("  get after close: {e}");
    }
    println!(
        "\nDone. The store is in {}; `tidekv serve` serves such a store over the Redis protocol.",
        store_dir.display()
    );
    Ok(())
}

/// A value as text, or `(none)`.
fn text(value: Option<Bytes>) -> String {
    match value {
        Some(v) => String::from_utf8_lossy(&v).into_owned(),
        None => "(none)".to_string(),
    }
}

/// Values as comma-separated text.
fn texts(values: Vec<Bytes>) -> String {
    values
        .into_iter()
        .map(|v| text(Some(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn step(what: &str) {
    println!("\n== {what}");
}
