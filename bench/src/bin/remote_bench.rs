//! tidekv's remote backend against the `redis` crate used directly, on the same server, in one run.
//!
//! For each of redis-server and valkey-server (started here, no persistence, pinned to core 0 when
//! `taskset` exists), three contenders run the same workloads from the same threads:
//!
//! - `tidekv`: `Store::open(Config::remote(url))` and the `Store` API;
//! - `raw-mux`: the `redis` crate's multiplexed `ConnectionManager`, shared by the threads, each
//!   call driven with `block_on` on a 2-worker tokio runtime (what the backend does inside);
//! - `raw-sync`: the crate's blocking `Connection`, one per thread.
//!
//! Workloads (keys of 16 bytes, values of 100): `get` and `insert` of random keys, `mget10` and
//! `mset10`, `pushpop` (RPUSH then LPOP on the thread's own list), `mix` (90 % get, 10 % insert).
//! Rounds alternate the contenders' order; the report gives each one's median ops/s and the
//! median over rounds of each round's tidekv ÷ raw-mux and tidekv ÷ raw-sync (above 1: tidekv is
//! faster).
//!
//! ```sh
//! cd bench && CARGO_TARGET_DIR=target cargo build --release --bin remote-bench
//! taskset -c 1 ./target/release/remote-bench --valkey-server PATH > results-remote-$(date +%F).md
//! ```

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Parser;
use redis::aio::ConnectionManager;
use tidekv::{Config, Store};

#[derive(Parser, Debug)]
#[command(about = "tidekv's remote backend against the redis crate used directly")]
struct Args {
    /// Operations per thread per workload and contender.
    #[arg(long, default_value_t = 20_000)]
    ops: usize,
    /// Client threads.
    #[arg(long, default_value_t = 8)]
    threads: usize,
    /// Rounds (the report gives medians).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Keys preloaded for the reads.
    #[arg(long, default_value_t = 100_000)]
    keys: usize,
    /// The valkey-server binary (skipped when not given).
    #[arg(long)]
    valkey_server: Option<String>,
    /// The redis-server binary.
    #[arg(long, default_value = "redis-server")]
    redis_server: String,
    /// Workloads to run.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "get,insert,mget10,mset10,pushpop,mix"
    )]
    workloads: Vec<String>,
}

const CONTENDERS: [&str; 3] = ["tidekv", "raw-mux", "raw-sync"];

fn key(i: usize) -> Vec<u8> {
    format!("{:016}", i % 10_000_000).into_bytes()
}

fn value() -> Vec<u8> {
    vec![b'v'; 100]
}

/// A small xorshift, so the threads pick keys without a shared generator.
struct Rng(u64);
impl Rng {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % below as u64) as usize
    }
}

/// One contender's handle, shared by the threads.
enum Client {
    Tidekv(Store),
    Mux(tokio::runtime::Handle, ConnectionManager),
    Sync(redis::Client),
}

fn op(
    client: &Client,
    sync: &mut Option<redis::Connection>,
    workload: &str,
    rng: &mut Rng,
    keys: usize,
    thread: usize,
) -> Result<()> {
    let v = value();
    let k = key(rng.next(keys));
    let ten: Vec<Vec<u8>> = if workload.starts_with('m') && workload != "mix" {
        (0..10).map(|_| key(rng.next(keys))).collect()
    } else {
        Vec::new()
    };
    let list = format!("list:{thread}");
    let write = workload == "insert" || (workload == "mix" && rng.next(10) == 0);
    match client {
        Client::Tidekv(store) => match workload {
            "get" | "mix" if !write => drop(store.get(&k)?),
            "insert" | "mix" => store.insert(&k, v.as_slice())?,
            "mget10" => drop(store.get_many(&ten)?),
            "mset10" => store.insert_many(ten.iter().map(|k| (k, v.as_slice())))?,
            "pushpop" => {
                store.push_back(&list, v.as_slice())?;
                drop(store.pop_front(&list)?);
            }
            other => bail!("unknown workload {other}"),
        },
        Client::Mux(handle, manager) => {
            let mut c = manager.clone();
            let cmds = commands(workload, write, &k, &v, &ten, &list);
            handle.block_on(async move {
                for cmd in cmds {
                    cmd.query_async::<redis::Value>(&mut c).await?;
                }
                Ok::<_, redis::RedisError>(())
            })?;
        }
        Client::Sync(redis_client) => {
            if sync.is_none() {
                *sync = Some(redis_client.get_connection()?);
            }
            let c = sync.as_mut().context("a connection")?;
            for cmd in commands(workload, write, &k, &v, &ten, &list) {
                cmd.query::<redis::Value>(c)?;
            }
        }
    }
    Ok(())
}

/// The commands the raw contenders send for one operation: what the backend sends.
fn commands(
    workload: &str,
    write: bool,
    k: &[u8],
    v: &[u8],
    ten: &[Vec<u8>],
    list: &str,
) -> Vec<redis::Cmd> {
    match workload {
        "get" | "mix" if !write => vec![redis::cmd("GET").arg(k).to_owned()],
        "insert" | "mix" => vec![redis::cmd("SET").arg(k).arg(v).to_owned()],
        "mget10" => vec![redis::cmd("MGET").arg(ten).to_owned()],
        "mset10" => {
            let mut cmd = redis::cmd("MSET");
            for key in ten {
                cmd.arg(key).arg(v);
            }
            vec![cmd]
        }
        _ => vec![
            redis::cmd("RPUSH").arg(list).arg(v).to_owned(),
            redis::cmd("LPOP").arg(list).to_owned(),
        ],
    }
}

/// Runs `workload` on `client` from `threads` threads; ops/s.
fn run(client: &Arc<Client>, workload: &str, args: &Args) -> Result<f64> {
    let start = Instant::now();
    let handles: Vec<_> = (0..args.threads)
        .map(|t| {
            let client = Arc::clone(client);
            let workload = workload.to_owned();
            let (ops, keys) = (args.ops, args.keys);
            std::thread::spawn(move || -> Result<()> {
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((t as u64 + 1) * 0x1000_0000_01B3));
                let mut sync = None;
                for _ in 0..ops {
                    op(&client, &mut sync, &workload, &mut rng, keys, t)?;
                }
                Ok(())
            })
        })
        .collect();
    for h in handles {
        h.join()
            .map_err(|_| anyhow::anyhow!("a client thread panicked"))??;
    }
    Ok((args.ops * args.threads) as f64 / start.elapsed().as_secs_f64())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A server process on a free port, killed on drop.
struct Server(Child, u16);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(binary: &str) -> Result<Server> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let dir = tempfile::tempdir()?;
    let pinned = Command::new("taskset").arg("--version").output().is_ok();
    let mut cmd = if pinned {
        let mut c = Command::new("taskset");
        c.args(["-c", "0", binary]);
        c
    } else {
        Command::new(binary)
    };
    let mut child = cmd
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .arg("--dir")
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("start {binary}"))?;
    let out = child.stdout.take().context("server stdout")?;
    let mut lines = BufReader::new(out);
    let mut line = String::new();
    while !line.contains("Ready to accept connections") {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            bail!("{binary} exited before it was ready");
        }
    }
    std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
    std::mem::forget(dir);
    Ok(Server(child, port))
}

fn main() -> Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut servers = vec![("redis-server", args.redis_server.clone())];
    if let Some(valkey) = &args.valkey_server {
        servers.push(("valkey-server", valkey.clone()));
    }
    println!(
        "# tidekv remote backend vs the redis crate, {} threads, {} ops per thread, {} rounds\n",
        args.threads, args.ops, args.rounds
    );
    for (name, binary) in servers {
        let server = start_server(&binary)?;
        let url = format!("redis://127.0.0.1:{}", server.1);
        let version = Command::new(&binary).arg("--version").output()?;
        println!(
            "## {name}: {}\n",
            String::from_utf8_lossy(&version.stdout).trim()
        );
        let store = Store::open(Config::remote(url.clone()))?;
        let v = value();
        for chunk in (0..args.keys).collect::<Vec<_>>().chunks(1_000) {
            store.insert_many(chunk.iter().map(|&i| (key(i), v.as_slice())))?;
        }
        let manager =
            runtime.block_on(ConnectionManager::new(redis::Client::open(url.as_str())?))?;
        let clients: BTreeMap<&str, Arc<Client>> = [
            ("tidekv", Arc::new(Client::Tidekv(store))),
            (
                "raw-mux",
                Arc::new(Client::Mux(runtime.handle().clone(), manager)),
            ),
            (
                "raw-sync",
                Arc::new(Client::Sync(redis::Client::open(url.as_str())?)),
            ),
        ]
        .into_iter()
        .collect();
        println!("| workload | tidekv ops/s | raw-mux ops/s | raw-sync ops/s | tidekv ÷ raw-mux | tidekv ÷ raw-sync |");
        println!("|---|---:|---:|---:|---:|---:|");
        for workload in &args.workloads {
            let mut results: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
            for round in 0..args.rounds {
                for i in 0..CONTENDERS.len() {
                    let contender = CONTENDERS[(i + round) % CONTENDERS.len()];
                    let ops = run(&clients[contender], workload, &args)?;
                    eprintln!("{name} {workload} round {round} {contender}: {ops:.0} ops/s");
                    results.entry(contender).or_default().push(ops);
                }
            }
            let (t, m, s) = (
                median(results["tidekv"].clone()),
                median(results["raw-mux"].clone()),
                median(results["raw-sync"].clone()),
            );
            // Ratios within a round compare runs made seconds apart, which a shared machine's
            // drift between rounds does not reach; the report gives their median.
            let ratio = |peer: &str| {
                median(
                    results["tidekv"]
                        .iter()
                        .zip(&results[peer])
                        .map(|(t, p)| t / p)
                        .collect(),
                )
            };
            println!(
                "| {workload} | {t:.0} | {m:.0} | {s:.0} | {:.2} | {:.2} |",
                ratio("raw-mux"),
                ratio("raw-sync")
            );
        }
        println!();
        drop(server);
    }
    Ok(())
}
