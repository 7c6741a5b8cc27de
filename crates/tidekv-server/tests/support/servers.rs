//! The two servers a differential test talks to: a real `redis-server` 7.0 child process, and a
//! tidekv [`Server`] run in-process on its own tokio runtime. Both listen on 127.0.0.1 only, on
//! a free port, and stop when dropped.

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::Duration;

use tempfile::TempDir;
use tidekv_server::{EngineKind, Server, ServerConfig};

use super::resp::Client;

/// A `redis-server` child process, killed on drop.
pub struct RedisServer {
    child: Child,
    pub addr: SocketAddr,
    _dir: TempDir,
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().unwrap().port()
}

/// Fails the test (never skips it) when `redis-server` is not installed.
fn redis_server_binary() -> &'static str {
    let found = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "redis-server is not on PATH: the differential tests compare tidekv with a real Redis \
         7.0; scripts/test.sh installs it (apt-get install redis-server)"
    );
    "redis-server"
}

impl RedisServer {
    /// Starts `redis-server` without persistence; `extra` are more `--name value` settings.
    pub fn start(extra: &[&str]) -> RedisServer {
        let binary = redis_server_binary();
        for _attempt in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let port = free_port();
            let mut child = Command::new(binary)
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
                .arg("--dir")
                .arg(dir.path())
                .args(extra)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("start redis-server");
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            if wait_until_ready(&mut child) {
                return RedisServer {
                    child,
                    addr,
                    _dir: dir,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("redis-server did not start on a free port in five attempts");
    }
}

/// Waits for redis-server's own "Ready to accept connections" log line; false if it exited
/// first (its port was taken). Waiting for the line, not for the port to answer, matters: tests
/// run in parallel, and another test's server may have taken the port the moment it was free,
/// which would answer a connection in this one's place.
fn wait_until_ready(child: &mut Child) -> bool {
    use std::io::{BufRead, BufReader};
    let Some(stdout) = child.stdout.take() else {
        return false;
    };
    let mut lines = BufReader::new(stdout);
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line) {
            Ok(0) | Err(_) => return false,
            Ok(_) if line.contains("Ready to accept connections") => break,
            Ok(_) => {}
        }
    }
    // Keep reading its log so that redis-server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut lines, &mut sink);
    });
    true
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tidekv server running in this process, stopped (and its store closed) on drop.
pub struct TidekvServer {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    _dir: TempDir,
}

impl TidekvServer {
    /// Starts a server on `engine` in a fresh directory; `configure` changes more settings.
    pub fn start(engine: EngineKind, configure: impl FnOnce(&mut ServerConfig)) -> TidekvServer {
        let dir = tempfile::tempdir().unwrap();
        let mut config = ServerConfig {
            port: 0,
            engine,
            dir: dir.path().join("data"),
            ..ServerConfig::default()
        };
        configure(&mut config);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (bound, addr) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let server = Server::bind(config).await.expect("bind the tidekv server");
                bound.send(server.local_addr().unwrap()).unwrap();
                server
                    .run(async {
                        let _ = stopped.await;
                    })
                    .await
                    .expect("the tidekv server stops cleanly");
            });
        });
        let addr = addr
            .recv_timeout(Duration::from_secs(30))
            .expect("the tidekv server binds");
        TidekvServer {
            addr,
            stop: Some(stop),
            thread: Some(thread),
            _dir: dir,
        }
    }
}

impl Drop for TidekvServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let result = thread.join();
            if !std::thread::panicking() {
                result.expect("the tidekv server thread");
            }
        }
    }
}

/// A connection to `addr`.
pub fn connect(addr: SocketAddr) -> Client {
    Client::connect(addr)
}
