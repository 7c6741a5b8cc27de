//! What a running `tidekv serve` tells about itself: the Prometheus endpoint (scraped over HTTP,
//! each family checked against the commands the test sent), `SLOWLOG`, `INFO commandstats` and
//! JSON logs.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A server started with `args`, its address, its metrics address, and its stderr.
struct Served {
    child: Child,
    addr: SocketAddr,
    metrics: Option<SocketAddr>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &std::path::Path, args: &[&str], stderr: Stdio) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tidekv"))
        .args(["serve", "--port", "0", "--dir"])
        .arg(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr = line.trim().rsplit(' ').next().unwrap().parse().unwrap();
    let metrics = args.contains(&"--metrics").then(|| {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let url = line.trim().rsplit(' ').next().unwrap();
        url.trim_start_matches("http://")
            .trim_end_matches("/metrics")
            .parse()
            .unwrap()
    });
    Served {
        child,
        addr,
        metrics,
    }
}

fn connect(addr: SocketAddr) -> redis::Connection {
    redis::Client::open(format!("redis://{addr}/"))
        .unwrap()
        .get_connection_with_timeout(Duration::from_secs(5))
        .unwrap()
}

/// `GET path` on `addr`: the status line and the body.
fn http_get(addr: SocketAddr, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: test\r\nAccept: */*\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_string(), body.to_string())
}

/// The value of the sample `name{labels}` (or `name` alone) in a scrape.
fn sample(scrape: &str, series: &str) -> f64 {
    scrape
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {series} in:\n{scrape}"))
        .parse()
        .unwrap()
}

#[test]
fn a_scrape_of_the_metrics_endpoint_counts_what_the_server_did() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(
        dir.path(),
        &["--log-level", "warn", "--metrics", "127.0.0.1:0"],
        Stdio::null(),
    );
    let metrics = served.metrics.unwrap();
    let mut con = connect(served.addr);
    for i in 0..3 {
        let _: () = redis::cmd("SET")
            .arg(format!("k{i}"))
            .arg(i)
            .query(&mut con)
            .unwrap();
    }
    let _: () = redis::cmd("SET")
        .arg("word")
        .arg("abc")
        .query(&mut con)
        .unwrap();
    let failed: redis::RedisResult<i64> = redis::cmd("INCR").arg("word").query(&mut con);
    assert!(failed.is_err());
    let wrong_arity: redis::RedisResult<()> = redis::cmd("GET").query(&mut con);
    assert!(wrong_arity.is_err());
    // A client blocked in BLPOP while the scrape runs.
    let mut blocked = connect(served.addr);
    let waiter = std::thread::spawn(move || {
        let _: Option<(String, String)> = redis::cmd("BLPOP")
            .arg("queue")
            .arg(0)
            .query(&mut blocked)
            .unwrap();
    });
    support::wait_blocked(&mut con, 1);

    let (status, scrape) = http_get(metrics, "/metrics");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(sample(&scrape, "tidekv_commands_total{cmd=\"set\"}"), 4.0);
    assert_eq!(
        sample(&scrape, "tidekv_command_errors_total{cmd=\"incr\"}"),
        1.0
    );
    assert_eq!(
        sample(&scrape, "tidekv_commands_rejected_total{cmd=\"get\"}"),
        1.0
    );
    assert_eq!(
        sample(
            &scrape,
            "tidekv_command_duration_seconds_count{cmd=\"set\"}"
        ),
        4.0
    );
    assert_eq!(
        sample(
            &scrape,
            "tidekv_command_duration_seconds_bucket{cmd=\"set\",le=\"+Inf\"}"
        ),
        4.0
    );
    // Buckets are cumulative.
    let buckets: Vec<f64> = scrape
        .lines()
        .filter(|l| l.starts_with("tidekv_command_duration_seconds_bucket{cmd=\"set\""))
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(buckets.len(), 17);
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{buckets:?}");
    assert_eq!(sample(&scrape, "tidekv_blocked_clients"), 1.0);
    assert_eq!(sample(&scrape, "tidekv_connected_clients"), 2.0);
    assert_eq!(sample(&scrape, "tidekv_keys{db=\"0\"}"), 4.0);
    assert!(sample(&scrape, "tidekv_memory_bytes{budget=\"memtable\"}") > 0.0);
    assert!(sample(&scrape, "tidekv_block_cache_capacity_bytes") > 0.0);
    assert!(sample(&scrape, "tidekv_wal_bytes_written_total") > 0.0);
    assert!(scrape.contains("# TYPE tidekv_wal_bytes_per_sync gauge"));
    for family in [
        "tidekv_wal_syncs_total",
        "tidekv_compactions_total",
        "tidekv_write_stalls_total",
        "tidekv_block_cache_hits_total",
    ] {
        assert!(
            scrape.contains(&format!("# TYPE {family} counter")),
            "{family}"
        );
    }
    let (status, _) = http_get(metrics, "/other");
    assert_eq!(status, "HTTP/1.1 404 Not Found");

    let _: () = redis::cmd("RPUSH")
        .arg("queue")
        .arg("x")
        .query(&mut con)
        .unwrap();
    waiter.join().unwrap();
}

#[test]
fn the_slow_log_keeps_slow_commands_as_configured() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(
        dir.path(),
        &[
            "--log-level",
            "warn",
            "--slowlog-log-slower-than",
            "0",
            "--slowlog-max-len",
            "3",
        ],
        Stdio::null(),
    );
    let mut con = connect(served.addr);
    let _: () = redis::cmd("CLIENT")
        .arg("SETNAME")
        .arg("tester")
        .query(&mut con)
        .unwrap();
    // What the client library sent on connecting goes; the RESET itself is logged.
    let _: () = redis::cmd("SLOWLOG").arg("RESET").query(&mut con).unwrap();
    let _: () = redis::cmd("SET")
        .arg("a")
        .arg("x".repeat(200))
        .query(&mut con)
        .unwrap();
    let len: i64 = redis::cmd("SLOWLOG").arg("LEN").query(&mut con).unwrap();
    assert_eq!(len, 2, "SLOWLOG RESET and SET, each at least 0 µs");
    let entries: Vec<redis::Value> = redis::cmd("SLOWLOG")
        .arg("GET")
        .arg(1)
        .query(&mut con)
        .unwrap();
    let redis::Value::Array(entry) = &entries[0] else {
        panic!("{entries:?}")
    };
    let text = |v: &redis::Value| match v {
        redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        other => panic!("{other:?}"),
    };
    let redis::Value::Array(args) = &entry[3] else {
        panic!("{entry:?}")
    };
    // The newest: SLOWLOG LEN itself (logged once it ran), then SET, whose value was cut.
    assert_eq!(
        args.iter().map(text).collect::<Vec<_>>(),
        ["SLOWLOG", "LEN"]
    );
    assert_eq!(text(&entry[5]), "tester");
    let all: Vec<redis::Value> = redis::cmd("SLOWLOG")
        .arg("GET")
        .arg(-1)
        .query(&mut con)
        .unwrap();
    assert_eq!(all.len(), 3, "slowlog-max-len 3");
    let redis::Value::Array(set) = &all[2] else {
        panic!()
    };
    let redis::Value::Array(set_args) = &set[3] else {
        panic!()
    };
    assert_eq!(
        text(&set_args[2]),
        format!("{}... (72 more bytes)", "x".repeat(128))
    );

    let _: () = redis::cmd("SLOWLOG").arg("RESET").query(&mut con).unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("slowlog-log-slower-than")
        .arg(-1)
        .query(&mut con)
        .unwrap();
    let _: () = redis::cmd("SET").arg("b").arg("y").query(&mut con).unwrap();
    let len: i64 = redis::cmd("SLOWLOG").arg("LEN").query(&mut con).unwrap();
    assert_eq!(
        len, 1,
        "only the RESET (logged before the threshold changed)"
    );
    let setting: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("slowlog-log-slower-than")
        .query(&mut con)
        .unwrap();
    assert_eq!(setting, ["slowlog-log-slower-than", "-1"]);
    let bad: redis::RedisResult<Vec<redis::Value>> =
        redis::cmd("SLOWLOG").arg("GET").arg(-2).query(&mut con);
    assert!(bad
        .unwrap_err()
        .to_string()
        .contains("count should be greater than or equal to -1"));
}

#[test]
fn info_commandstats_counts_calls_until_resetstat() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), &["--log-level", "warn"], Stdio::null());
    let mut con = connect(served.addr);
    for _ in 0..3 {
        let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
    }
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut con)
        .unwrap();
    let line = info
        .lines()
        .find(|l| l.starts_with("cmdstat_set:"))
        .unwrap();
    assert!(line.starts_with("cmdstat_set:calls=3,usec="), "{line}");
    assert!(line.ends_with(",rejected_calls=0,failed_calls=0"), "{line}");
    let default: String = redis::cmd("INFO").query(&mut con).unwrap();
    assert!(!default.contains("cmdstat_"), "not in the default sections");
    let _: () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query(&mut con)
        .unwrap();
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut con)
        .unwrap();
    assert!(!info.contains("cmdstat_set:"), "{info}");
}

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut served = serve(
        dir.path(),
        &["--log-level", "info", "--log-format", "json"],
        Stdio::piped(),
    );
    let stderr = served.child.stderr.take().unwrap();
    let line = BufReader::new(stderr).lines().next().unwrap().unwrap();
    let log: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(log["level"], "INFO", "{line}");
    assert!(
        log["fields"]["message"]
            .as_str()
            .unwrap()
            .contains("serving"),
        "{line}"
    );
}
