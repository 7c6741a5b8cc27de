//! Real clients run a short session against `tidekv serve`: redis-cli (Debian's redis-tools),
//! the `redis` crate on tokio, and redis-py. Each covers strings, TTLs, lists, a blocking pop fed
//! by another connection, and MULTI/EXEC.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::ServerProcess;

/// redis-cli must be installed (scripts/test.sh installs Debian's redis-tools).
fn redis_cli() -> Command {
    let probe = Command::new("redis-cli").arg("--version").output();
    assert!(
        probe.is_ok_and(|o| o.status.success()),
        "redis-cli is missing: scripts/test.sh installs it (Debian package redis-tools)"
    );
    Command::new("redis-cli")
}

#[test]
fn a_redis_cli_session_prints_what_redis_would() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]);
    let script = "SET greeting hello\nGET greeting\nINCR visits\nINCRBY visits 9\n\
                  SET temp x EX 100\nTTL temp\nPERSIST temp\nTTL temp\n\
                  RPUSH jobs a b c\nLRANGE jobs 0 -1\nLPOP jobs\nBLPOP jobs 1\n\
                  MULTI\nSET t 1\nINCR t\nEXEC\nGET missing\nTYPE jobs\nDEL greeting jobs\n";
    let mut cli = redis_cli()
        .args(["-p", &server.port()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    cli.stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = cli.wait_with_output().unwrap();
    assert!(out.status.success());
    let expected = "OK\nhello\n1\n10\nOK\n100\n1\n-1\n3\na\nb\nc\na\njobs\nb\n\
                    OK\nQUEUED\nQUEUED\nOK\n2\n\nlist\n2\n";
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
}

#[test]
fn a_redis_crate_session_on_tokio() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &["--engine", "memory"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = redis::Client::open(server.url()).unwrap();
        let mut con = client.get_multiplexed_async_connection().await.unwrap();
        let mut producer = client.get_multiplexed_async_connection().await.unwrap();

        let _: () = redis::cmd("SET")
            .arg("k")
            .arg("v")
            .query_async(&mut con)
            .await
            .unwrap();
        let v: String = redis::cmd("GET")
            .arg("k")
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!(v, "v");
        let n: i64 = redis::cmd("INCRBY")
            .arg("n")
            .arg(5)
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!(n, 5);
        let _: () = redis::cmd("SET")
            .arg("ttl")
            .arg("x")
            .arg("PX")
            .arg(100_000)
            .query_async(&mut con)
            .await
            .unwrap();
        let pttl: i64 = redis::cmd("PTTL")
            .arg("ttl")
            .query_async(&mut con)
            .await
            .unwrap();
        assert!((99_000..=100_000).contains(&pttl), "PTTL {pttl}");

        let len: i64 = redis::cmd("RPUSH")
            .arg("q")
            .arg(&["1", "2"])
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!(len, 2);
        let items: Vec<String> = redis::cmd("LRANGE")
            .arg("q")
            .arg(0)
            .arg(-1)
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!(items, ["1", "2"]);

        // A blocking pop on its own connection, fed by another.
        let mut blocker = client.get_multiplexed_async_connection().await.unwrap();
        let waiter = tokio::spawn(async move {
            let got: Option<(String, String)> = redis::cmd("BLPOP")
                .arg("empty")
                .arg(5)
                .query_async(&mut blocker)
                .await
                .unwrap();
            got
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        let _: () = redis::cmd("RPUSH")
            .arg("empty")
            .arg("job")
            .query_async(&mut producer)
            .await
            .unwrap();
        let got = waiter.await.unwrap();
        assert_eq!(got, Some(("empty".to_string(), "job".to_string())));

        let (a, b): (i64, i64) = redis::pipe()
            .atomic()
            .cmd("INCR")
            .arg("tx")
            .cmd("INCR")
            .arg("tx")
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!((a, b), (1, 2));
    });
}

/// The Python interpreter with redis-py: `TIDEKV_TEST_PYTHON` (scripts/test.sh makes a venv),
/// else `python3`.
fn python() -> String {
    std::env::var("TIDEKV_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

#[test]
fn a_redis_py_session() {
    let python = python();
    let probe = Command::new(&python).args(["-c", "import redis"]).output();
    assert!(
        probe.is_ok_and(|o| o.status.success()),
        "{python} cannot import redis-py: run scripts/test.sh (it makes a venv with redis-py) \
         or set TIDEKV_TEST_PYTHON to a Python that has it"
    );
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/session.py");
    let out = Command::new(&python)
        .arg(script)
        .arg(server.port())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "redis-py session failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
