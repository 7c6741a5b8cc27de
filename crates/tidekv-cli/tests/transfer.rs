//! `tidekv export`, `import` and `migrate` end to end through the binary: JSON lines and
//! snapshots that round-trip every type, binary bytes and TTLs; an import stopped by a bad line
//! or by Ctrl-C that says how far it got and resumes from there; migrations between a disk
//! store, a snapshot file, a tidekv server, a redis-server, a valkey-server and a Redis Cluster,
//! each checked by `--verify` and by reading the destination directly.

mod support;

#[allow(dead_code)]
#[path = "../../tidekv/tests/remote/servers.rs"]
mod servers;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::{tidekv, ServerProcess};
use tidekv::{Config, Store, Ttl};

/// A store with strings (one binary), a list, a TTL, and a key in keyspace 2.
fn fill(store: &Store) {
    store.insert("greeting", "hello").unwrap();
    store.insert("binary", vec![0u8, 0xff, b'"']).unwrap();
    store.push_back("jobs", "a").unwrap();
    store.push_back("jobs", "b").unwrap();
    store
        .insert_with_ttl("session", "s", Duration::from_secs(600))
        .unwrap();
    store
        .keyspace(2)
        .unwrap()
        .insert("other", "db two")
        .unwrap();
    for i in 0..200u32 {
        store.insert(format!("n{i:03}"), i.to_string()).unwrap();
    }
}

fn disk_store(dir: &Path) {
    let store = Store::open(Config::disk(dir)).unwrap();
    fill(&store);
    store.close().unwrap();
}

/// Checks that `store` holds what `fill` wrote.
fn check(store: &Store, what: &str) {
    assert_eq!(
        store.get_as::<String>("greeting").unwrap().as_deref(),
        Some("hello"),
        "{what}"
    );
    assert_eq!(
        store.get("binary").unwrap().as_deref(),
        Some(&[0u8, 0xff, b'"'][..]),
        "{what}"
    );
    assert_eq!(
        store.list_range_as::<String>("jobs", 0, -1).unwrap(),
        ["a", "b"],
        "{what}"
    );
    match store.ttl("session").unwrap() {
        Some(Ttl::ExpiresIn(left)) => assert!(left > Duration::from_secs(590), "{what}: {left:?}"),
        other => panic!("{what}: session TTL {other:?}"),
    }
    assert_eq!(store.get_as::<u32>("n199").unwrap(), Some(199), "{what}");
    assert_eq!(store.len().unwrap(), 204, "{what}");
}

fn args(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

#[test]
fn json_lines_and_snapshots_round_trip_every_type() {
    let root = tempfile::tempdir().unwrap();
    let src = root.path().join("src");
    disk_store(&src);
    let (lines, snap) = (root.path().join("keys.jsonl"), root.path().join("keys.tkv"));
    let s = src.to_str().unwrap();
    let out = tidekv(&args(&["export", "--dir", s, lines.to_str().unwrap()]));
    assert!(out.ok, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!("exported 205 keys to {}\n", lines.display())
    );
    let text = std::fs::read_to_string(&lines).unwrap();
    assert_eq!(text.lines().count(), 205);
    assert!(
        text.contains(
            r#"{"db":0,"key":"binary","ttl_ms":null,"type":"string","value":{"hex":"00ff22"}}"#
        ),
        "{text}"
    );
    assert!(text.contains(r#""key":"jobs","ttl_ms":null,"type":"list","value":["a","b"]"#));
    assert!(text.contains(r#"{"db":2,"key":"other""#));
    assert!(tidekv(&args(&["export", "--dir", s, snap.to_str().unwrap()])).ok);

    for (name, file) in [("from-lines", &lines), ("from-snapshot", &snap)] {
        let dst = root.path().join(name);
        let run = tidekv(&args(&[
            "import",
            "--dir",
            dst.to_str().unwrap(),
            file.to_str().unwrap(),
        ]));
        assert!(run.ok, "{name}: {}", run.stderr);
        let store = Store::open(Config::disk(&dst)).unwrap();
        check(&store, name);
        assert_eq!(
            store
                .keyspace(2)
                .unwrap()
                .get_as::<String>("other")
                .unwrap()
                .as_deref(),
            Some("db two")
        );
    }
}

#[test]
fn an_import_stopped_by_a_bad_line_says_how_far_it_got_and_resumes() {
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("in.jsonl");
    let mut text = String::new();
    for i in 1..=10 {
        if i == 7 {
            text.push_str("{\"key\":\"k7\",\"type\":\"string\"}\n");
        } else {
            text.push_str(&format!(
                "{{\"key\":\"k{i}\",\"type\":\"string\",\"value\":\"v{i}\"}}\n"
            ));
        }
    }
    std::fs::write(&file, &text).unwrap();
    let dst = root.path().join("dst");
    let (d, f) = (dst.to_str().unwrap(), file.to_str().unwrap());
    let run = tidekv(&args(&["import", "--dir", d, f, "--batch", "4"]));
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("line 7: no \"value\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("lines up to 6 are imported; resume with --from-line 7"),
        "{}",
        run.stderr
    );
    {
        let store = Store::open(Config::disk(&dst)).unwrap();
        assert_eq!(store.len().unwrap(), 6);
        assert_eq!(store.get("k7").unwrap(), None);
    }
    std::fs::write(
        &file,
        text.replace(
            "\"k7\",\"type\":\"string\"}",
            "\"k7\",\"type\":\"string\",\"value\":\"v7\"}",
        ),
    )
    .unwrap();
    let resumed = tidekv(&args(&["import", "--dir", d, f, "--from-line", "7"]));
    assert!(resumed.ok, "{}", resumed.stderr);
    assert!(
        resumed.stdout.contains("imported 4 keys"),
        "{}",
        resumed.stdout
    );
    let store = Store::open(Config::disk(&dst)).unwrap();
    assert_eq!(store.len().unwrap(), 10);
}

/// The import reads a pipe the test writes: once the server holds the first batches, Ctrl-C,
/// then more lines; the import stops at the next batch boundary and names the line to resume
/// from, and exactly the lines before it are in.
#[test]
fn ctrl_c_stops_an_import_at_a_batch_boundary() {
    let root = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(&root.path().join("data"), &[]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_tidekv"))
        .args(["import", "--url", &server.url(), "-", "--batch", "10"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let line = |i: u32| format!("{{\"key\":\"k{i:04}\",\"type\":\"string\",\"value\":\"{i}\"}}\n");
    for i in 1..=35 {
        input.write_all(line(i).as_bytes()).unwrap();
    }
    input.flush().unwrap();
    let mut con = server.connect();
    let mut waited = 0;
    while redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap() < 30 {
        assert!(waited < 1000, "the first batches never arrived");
        std::thread::sleep(Duration::from_millis(10));
        waited += 1;
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(200));
    for i in 36..=100 {
        // The import may have stopped and closed the pipe already.
        if input.write_all(line(i).as_bytes()).is_err() {
            break;
        }
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("stopped by Ctrl-C"), "{stderr}");
    let held: i64 = redis::cmd("DBSIZE").query(&mut con).unwrap();
    assert!(
        stderr.contains(&format!(
            "lines up to {held} are imported; resume with --from-line {}",
            held + 1
        )),
        "{held}: {stderr}"
    );
    assert!((30..100).contains(&held), "{held}");
    let last: Option<String> = redis::cmd("GET")
        .arg(format!("k{held:04}"))
        .query(&mut con)
        .unwrap();
    let next: Option<String> = redis::cmd("GET")
        .arg(format!("k{:04}", held + 1))
        .query(&mut con)
        .unwrap();
    assert_eq!((last.is_some(), next), (true, None));
}

#[test]
fn migrations_between_every_kind_of_store_keep_every_key() {
    let root = tempfile::tempdir().unwrap();
    let src = root.path().join("src");
    disk_store(&src);
    let s = src.to_str().unwrap().to_owned();
    let migrate = |from: &str, to: &str| {
        let run = tidekv(&args(&["migrate", from, to, "--verify"]));
        assert_eq!(
            run.code,
            Some(0),
            "{from} -> {to}: {}{}",
            run.stdout,
            run.stderr
        );
        assert!(
            run.stdout
                .contains("verified 205 keys: the destination holds each"),
            "{}",
            run.stdout
        );
    };

    // Disk -> snapshot file -> disk.
    let snap = root.path().join("moved.tkv");
    migrate(&s, snap.to_str().unwrap());
    let back = root.path().join("back");
    migrate(snap.to_str().unwrap(), back.to_str().unwrap());
    check(
        &Store::open(Config::disk(&back)).unwrap(),
        "disk from a snapshot",
    );

    // Disk -> a tidekv server, a redis-server and a valkey-server (each read back directly).
    let tidekv_server = ServerProcess::start(&root.path().join("served"), &[]);
    let redis = servers::ServerProcess::start(servers::Flavor::Redis, &[]);
    let valkey = servers::ServerProcess::start(servers::Flavor::Valkey, &[]);
    for url in [tidekv_server.url(), redis.url(), valkey.url()] {
        migrate(&s, &url);
        check(&Store::open(Config::remote(url.as_str())).unwrap(), &url);
        // And back from it.
        let returned = root.path().join(format!(
            "from-{}",
            url.rsplit(':').next().unwrap().trim_end_matches('/')
        ));
        migrate(&url, returned.to_str().unwrap());
        check(&Store::open(Config::disk(&returned)).unwrap(), "returned");
    }

    // A Cluster has one keyspace: keyspace 2 cannot go there, and the migration says so.
    let cluster = servers::Cluster::start(servers::Flavor::Redis);
    let into = format!("cluster:{}", cluster.url());
    let refused = tidekv(&args(&["migrate", &s, &into]));
    assert_eq!(refused.code, Some(1), "{}", refused.stdout);
    assert!(refused.stderr.contains("keyspace"), "{}", refused.stderr);
    let single = root.path().join("single");
    {
        let store = Store::open(Config::disk(&single)).unwrap();
        fill_db0(&store);
        store.close().unwrap();
    }
    migrate_db0(single.to_str().unwrap(), &into);
}

fn fill_db0(store: &Store) {
    store.insert("greeting", "hello").unwrap();
    store.push_back("{q}jobs", "a").unwrap();
    store
        .insert_with_ttl("session", "s", Duration::from_secs(600))
        .unwrap();
    for i in 0..100u32 {
        store.insert(format!("n{i:03}"), i.to_string()).unwrap();
    }
}

fn migrate_db0(from: &str, to: &str) {
    let run = tidekv(&args(&["migrate", from, to, "--verify"]));
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("verified 103 keys"), "{}", run.stdout);
}

#[test]
fn compare_only_reports_a_destination_that_differs() {
    let root = tempfile::tempdir().unwrap();
    let src = root.path().join("src");
    disk_store(&src);
    let server = ServerProcess::start(&root.path().join("served"), &[]);
    let s = src.to_str().unwrap();
    assert!(tidekv(&args(&["migrate", s, &server.url()])).ok);
    let same = tidekv(&args(&["migrate", s, &server.url(), "--compare-only"]));
    assert_eq!(same.code, Some(0), "{}", same.stdout);
    assert!(
        same.stdout.starts_with("verified 205 keys"),
        "{}",
        same.stdout
    );

    // Someone changes the destination afterwards: a value, a TTL, a key.
    let mut con = server.connect();
    let _: () = redis::cmd("SET")
        .arg("greeting")
        .arg("changed")
        .query(&mut con)
        .unwrap();
    let _: () = redis::cmd("PERSIST")
        .arg("session")
        .query(&mut con)
        .unwrap();
    let _: () = redis::cmd("DEL").arg("n007").query(&mut con).unwrap();
    let differ = tidekv(&args(&["migrate", s, &server.url(), "--compare-only"]));
    assert_eq!(differ.code, Some(4), "{}{}", differ.stdout, differ.stderr);
    assert!(
        differ.stdout.contains("verified 205 keys: 3 differ"),
        "{}",
        differ.stdout
    );
    for line in [
        "db 0 key greeting: another value or type",
        "db 0 key session: another TTL",
        "db 0 key n007: missing",
    ] {
        assert!(differ.stdout.contains(line), "{line}: {}", differ.stdout);
    }
    // Nothing was written by the comparison.
    let greeting: String = redis::cmd("GET").arg("greeting").query(&mut con).unwrap();
    assert_eq!(greeting, "changed");
}
