//! `tidekv get / set / del / scan / ttl` end to end through the binary, on a store directory and
//! through a running server: values exactly as stored (binary too), exit statuses a script can
//! use, and the refusals — a directory that is not a store, a store a server holds, a keyspace
//! that does not exist, an unreachable server.

mod support;

use support::{on_dir, tidekv, ServerProcess};
use tidekv::{Config, Store};

#[test]
fn keys_of_a_store_directory_are_read_and_written() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    let store = Store::open(Config::disk(&dir)).unwrap();
    store.insert("binary", vec![0u8, 255, b'\n', b'x']).unwrap();
    store.push_back("jobs", "first").unwrap();
    store.push_back("jobs", "second").unwrap();
    store.close().unwrap();

    let set = on_dir("set", &dir, &["greeting", "hello world"]);
    assert!(set.ok, "{}", set.stderr);
    assert_eq!(set.stdout, "OK\n");
    let get = on_dir("get", &dir, &["greeting"]);
    assert_eq!((get.code, get.stdout.as_str()), (Some(0), "hello world\n"));
    let jobs = on_dir("get", &dir, &["jobs"]);
    assert_eq!(jobs.stdout, "first\nsecond\n");

    // Bytes exactly as stored.
    let raw = std::process::Command::new(env!("CARGO_BIN_EXE_tidekv"))
        .args([
            "get",
            "--dir",
            dir.to_str().unwrap(),
            "--no-newline",
            "binary",
        ])
        .output()
        .unwrap();
    assert_eq!(raw.stdout, vec![0u8, 255, b'\n', b'x']);

    let scan = on_dir("scan", &dir, &[]);
    assert_eq!(
        scan.stdout,
        "binary\t\"\\x00\\xff\\nx\"\ngreeting\t\"hello world\"\njobs\t(list of 2)\n"
    );
    let keys = on_dir("scan", &dir, &["--keys-only", "--limit", "2"]);
    assert_eq!(keys.stdout, "binary\ngreeting\n");
    let prefixed = on_dir("scan", &dir, &["gr"]);
    assert_eq!(prefixed.stdout, "greeting\t\"hello world\"\n");

    // TTLs, Redis PTTL's way; a missing key is status 3.
    assert_eq!(on_dir("ttl", &dir, &["greeting"]).stdout, "-1\n");
    assert!(on_dir("set", &dir, &["session", "s", "--ttl-ms", "600000"]).ok);
    let ttl = on_dir("ttl", &dir, &["session"]);
    let left: u64 = ttl.stdout.trim().parse().unwrap();
    assert!(left > 0 && left <= 600_000, "{left}");
    let missing = on_dir("ttl", &dir, &["nothing"]);
    assert_eq!((missing.code, missing.stdout.as_str()), (Some(3), "-2\n"));
    let missing = on_dir("get", &dir, &["nothing"]);
    assert_eq!((missing.code, missing.stdout.as_str()), (Some(3), ""));

    let del = on_dir("del", &dir, &["greeting", "nothing", "jobs"]);
    assert_eq!(del.stdout, "2\n");
    assert_eq!(on_dir("get", &dir, &["greeting"]).code, Some(3));

    // Another keyspace.
    assert!(on_dir("set", &dir, &["--db", "3", "k", "in three"]).ok);
    assert_eq!(on_dir("get", &dir, &["k"]).code, Some(3));
    assert_eq!(
        on_dir("get", &dir, &["--db", "3", "k"]).stdout,
        "in three\n"
    );
}

#[test]
fn bad_targets_say_what_is_wrong() {
    let root = tempfile::tempdir().unwrap();
    let plain = root.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    for command in ["get", "set"] {
        let args: &[&str] = if command == "set" {
            &["k", "v"]
        } else {
            &["k"]
        };
        let run = on_dir(command, &plain, args);
        assert_eq!(run.code, Some(1), "{command}");
        assert!(
            run.stderr.contains("not a tidekv store"),
            "{command}: {}",
            run.stderr
        );
        assert_eq!(
            std::fs::read_dir(&plain).unwrap().count(),
            0,
            "{command} wrote"
        );
    }

    let dir = root.path().join("data");
    let held = Store::open(Config::disk(&dir)).unwrap();
    held.insert("k", "v").unwrap();
    for (command, args) in [
        ("get", vec!["k"]),
        ("set", vec!["k", "w"]),
        ("scan", vec![]),
    ] {
        let run = on_dir(command, &dir, &args);
        assert_eq!(run.code, Some(1), "{command}");
        assert!(
            run.stderr.contains("in use by another process"),
            "{command}: {}",
            run.stderr
        );
    }
    held.close().unwrap();

    let no_keyspace = on_dir("get", &dir, &["--db", "70000", "k"]);
    assert_eq!(no_keyspace.code, Some(1));
    assert!(
        no_keyspace.stderr.contains("keyspace"),
        "{}",
        no_keyspace.stderr
    );

    let unreachable = tidekv(&["get", "--url", "redis://127.0.0.1:1/", "k"]);
    assert_eq!(unreachable.code, Some(1));
    assert!(
        unreachable.stderr.contains("127.0.0.1:1"),
        "{}",
        unreachable.stderr
    );
}

#[test]
fn keys_of_a_running_server_are_read_and_written_through_it() {
    let root = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(&root.path().join("data"), &[]);
    let url = server.url();
    let on_server = |command: &str, rest: &[&str]| {
        let mut args = vec![command, "--url", url.as_str()];
        args.extend_from_slice(rest);
        tidekv(&args)
    };
    assert!(on_server("set", &["greeting", "hello"]).ok);
    let mut con = server.connect();
    let seen: String = redis::cmd("GET").arg("greeting").query(&mut con).unwrap();
    assert_eq!(seen, "hello");
    let _: () = redis::cmd("RPUSH")
        .arg("jobs")
        .arg("a")
        .arg("b")
        .query(&mut con)
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg("s")
        .arg("x")
        .arg("PX")
        .arg(600_000)
        .query(&mut con)
        .unwrap();
    assert_eq!(on_server("get", &["greeting"]).stdout, "hello\n");
    assert_eq!(on_server("get", &["jobs"]).stdout, "a\nb\n");
    assert_eq!(
        on_server("scan", &[]).stdout,
        "greeting\thello\njobs\t(list of 2)\ns\tx\n"
    );
    let left: u64 = on_server("ttl", &["s"]).stdout.trim().parse().unwrap();
    assert!(left > 0 && left <= 600_000);
    assert_eq!(on_server("del", &["greeting", "jobs"]).stdout, "2\n");
    let exists: i64 = redis::cmd("EXISTS")
        .arg("greeting")
        .arg("jobs")
        .query(&mut con)
        .unwrap();
    assert_eq!(exists, 0);
}
