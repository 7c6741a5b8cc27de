//! Starting `tidekv serve` (the real binary) for a test: on a free loopback port, in a
//! temporary or given directory, killed when the handle drops.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `tidekv serve`.
pub struct ServerProcess {
    pub child: Child,
    pub addr: SocketAddr,
    pub dir: PathBuf,
}

impl ServerProcess {
    /// Starts `tidekv serve --port 0 --dir DIR ARGS…` and waits for its ready line.
    pub fn start(dir: &Path, args: &[&str]) -> ServerProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tidekv"))
            .arg("serve")
            .args(["--port", "0", "--log-level", "warn", "--dir"])
            .arg(dir)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tidekv serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the ready line");
        let addr = line
            .trim()
            .rsplit(' ')
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no ready line from tidekv serve, got {line:?}"));
        ServerProcess {
            child,
            addr,
            dir: dir.to_path_buf(),
        }
    }

    pub fn url(&self) -> String {
        format!("redis://{}/", self.addr)
    }

    pub fn port(&self) -> String {
        self.addr.port().to_string()
    }

    /// A synchronous client connection.
    pub fn connect(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .expect("client")
            .get_connection_with_timeout(Duration::from_secs(5))
            .expect("connect")
    }

    /// Kills the process with SIGKILL: no shutdown code runs.
    pub fn kill_9(&mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reap");
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn terminate(&mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success());
        let exit = self.child.wait().expect("wait");
        assert!(
            exit.success(),
            "tidekv serve exited with {exit} after SIGTERM"
        );
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A field of `INFO`'s text, as a number.
pub fn info_field(con: &mut redis::Connection, field: &str) -> i64 {
    let info: String = redis::cmd("INFO").query(con).expect("INFO");
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("INFO has no {field}"))
}

/// Waits (up to 10 s) until `INFO`'s `blocked_clients` is `n`: the precondition of a test
/// about blocked clients, not a retry of what it checks.
pub fn wait_blocked(con: &mut redis::Connection, n: i64) {
    for _ in 0..1000 {
        if info_field(con, "blocked_clients") == n {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("blocked_clients never reached {n}");
}

/// Raises this process's soft open-file limit to `wanted` (a test with a thousand sockets).
pub fn raise_open_file_limit(wanted: u64) {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    let hard = limit.maximum.unwrap_or(u64::MAX);
    if limit.current.is_some_and(|c| c < wanted) {
        limit.current = Some(wanted.min(hard));
        setrlimit(Resource::Nofile, limit).unwrap();
    }
}

/// What a run of the `tidekv` binary printed and how it ended.
pub struct Run {
    pub ok: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `tidekv ARGS…` to its end.
pub fn tidekv<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_tidekv"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run tidekv");
    Run {
        ok: out.status.success(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `tidekv COMMAND --dir DIR REST…`.
pub fn on_dir<'a>(command: &'a str, dir: &'a Path, rest: &[&'a str]) -> Run {
    let mut args = vec![command, "--dir", dir.to_str().expect("a UTF-8 path")];
    args.extend_from_slice(rest);
    tidekv(&args)
}
