//! The parent side: runs every (round, workload, engine) in its own child process and fresh
//! directory, engines in the order given for each workload of each round, and collects what they
//! report.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::engines::EngineKind;
use crate::workloads::Workload;

/// What the parent passes to every child.
#[derive(Debug, Clone)]
pub struct Plan {
    pub keys: u64,
    pub rounds: u32,
    pub workloads: Vec<Workload>,
    pub engines: Vec<EngineKind>,
    pub parent_dir: PathBuf,
    pub sync_ops: u64,
    pub cache_mib: u64,
    pub timeout: Duration,
    pub op_rate: u64,
    pub latency_secs: u64,
    /// Where the charts and latency series go, if anywhere.
    pub charts: Option<PathBuf>,
}

/// One child's outcome.
#[derive(Debug)]
pub struct Run {
    pub round: u32,
    pub workload: Workload,
    pub engine: EngineKind,
    pub outcome: Outcome,
}

#[derive(Debug)]
pub enum Outcome {
    Done(HashMap<String, f64>),
    Failed {
        status: String,
        stderr: String,
        wall_secs: f64,
    },
}

/// Runs the whole plan; progress goes to stderr.
pub fn run_all(plan: &Plan) -> Result<Vec<Run>> {
    let exe = std::env::current_exe().context("finding the harness binary")?;
    let mut runs = Vec::new();
    for round in 0..plan.rounds {
        for &workload in &plan.workloads {
            for &engine in &plan.engines {
                // Write back the previous run's dirty pages now, so they do not land on this one.
                let _ = Command::new("sync").status();
                eprint!(
                    "round {}/{} {:<6} {:<6} ... ",
                    round + 1,
                    plan.rounds,
                    workload.name(),
                    engine.name()
                );
                let outcome = run_one(&exe, plan, round, workload, engine)?;
                match &outcome {
                    Outcome::Done(r) => eprintln!(
                        "{:>12.0} ops/s",
                        r.get("ops").copied().unwrap_or(0.0)
                            / r.get("secs").copied().unwrap_or(f64::NAN)
                    ),
                    Outcome::Failed { status, .. } => eprintln!("FAILED ({status})"),
                }
                runs.push(Run {
                    round,
                    workload,
                    engine,
                    outcome,
                });
            }
        }
    }
    Ok(runs)
}

fn run_one(
    exe: &Path,
    plan: &Plan,
    round: u32,
    workload: Workload,
    engine: EngineKind,
) -> Result<Outcome> {
    let dir = tempfile::Builder::new()
        .prefix(&format!(
            "tidekv-bench-{}-{}-",
            workload.name(),
            engine.name()
        ))
        .tempdir_in(&plan.parent_dir)
        .with_context(|| format!("creating a temp dir in {}", plan.parent_dir.display()))?;
    let mut child = Command::new(exe)
        .arg("child")
        .args(["--engine", engine.name()])
        .args(["--workload", workload.name()])
        .args(["--keys", &plan.keys.to_string()])
        .args(["--sync-ops", &plan.sync_ops.to_string()])
        .args(["--cache-mib", &plan.cache_mib.to_string()])
        .args(["--timeout", &plan.timeout.as_secs().to_string()])
        .args(["--seed", &(0x71DE + u64::from(round)).to_string()])
        .args(["--op-rate", &plan.op_rate.to_string()])
        .args(["--latency-secs", &plan.latency_secs.to_string()])
        .args(
            plan.charts
                .iter()
                .flat_map(|dir| [std::ffi::OsStr::new("--series-dir"), dir.as_os_str()]),
        )
        .arg("--dir")
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting a child run")?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());

    // The child's own watchdog stops it at `timeout` with a report; this is the backstop.
    let start = Instant::now();
    let mut hard_limit = plan.timeout + Duration::from_secs(60);
    if workload == Workload::Latency {
        hard_limit += Duration::from_secs(plan.latency_secs);
    }
    let status: Option<ExitStatus> = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if start.elapsed() > hard_limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let wall_secs = start.elapsed().as_secs_f64();
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let result = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT"))
        .map(parse_result);
    Ok(match (status, result) {
        (Some(s), Some(r)) if s.success() => Outcome::Done(r),
        (status, _) => Outcome::Failed {
            status: match status {
                Some(s) => s.to_string(),
                None => format!("killed after {wall_secs:.0} s: the child's watchdog did not fire"),
            },
            stderr,
            wall_secs,
        },
    })
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    })
}

fn parse_result(line: &str) -> HashMap<String, f64> {
    line.split_whitespace()
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            Some((name.to_string(), value.parse().ok()?))
        })
        .collect()
}
