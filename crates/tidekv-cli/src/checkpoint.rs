//! `tidekv checkpoint`: a consistent copy of a store that opens as a store, from a store
//! directory (`Store::checkpoint`) or through a running server (`SAVE DIR name`).

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;

use crate::target::{connect, open_dir, Target};

/// `tidekv checkpoint`'s arguments.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  tidekv checkpoint --dir ./tidekv-data /backups/tidekv-2026-12-05
      # a store no process is serving: tables hard linked, logs copied
  tidekv checkpoint --url redis://127.0.0.1:6379 nightly
      # a running server writes <checkpoint-dir>/nightly (default: <its --dir>.checkpoints)

Open a checkpoint as any store: tidekv serve --dir /backups/tidekv-2026-12-05")]
pub(crate) struct CheckpointArgs {
    #[command(flatten)]
    target: Target,
    /// With --dir: the new directory to write (it must not exist). With --url: the name of the
    /// checkpoint inside the server's checkpoint directory.
    to: PathBuf,
}

pub(crate) fn run(args: CheckpointArgs) -> Result<String, String> {
    let mut report = String::new();
    if let Some(url) = &args.target.url {
        let name = args.to.to_str().ok_or("the checkpoint name is not UTF-8")?;
        let mut server = connect(url)?;
        let reply: redis::RedisResult<()> =
            redis::cmd("SAVE").arg("DIR").arg(name).query(&mut server);
        reply.map_err(|e| format!("{url}: SAVE DIR {name}: {e}"))?;
        let root: redis::RedisResult<Vec<String>> = redis::cmd("CONFIG")
            .arg("GET")
            .arg("checkpoint-dir")
            .query(&mut server);
        match root.ok().and_then(|pair| pair.into_iter().nth(1)) {
            Some(root) => {
                let _ = writeln!(report, "checkpoint written to {root}/{name} by {url}");
            }
            None => {
                let _ = writeln!(report, "checkpoint {name} written by {url}");
            }
        }
        return Ok(report);
    }
    let Some(dir) = &args.target.dir else {
        return Err("give --dir or --url".into());
    };
    let store = open_dir(dir, false)?;
    let made = store.checkpoint(&args.to).map_err(|e| {
        format!(
            "checkpoint of {} into {}: {e}",
            dir.display(),
            args.to.display()
        )
    });
    let closed = store
        .close()
        .map_err(|e| format!("closing {}: {e}", dir.display()));
    let made = made?;
    closed?;
    let _ = writeln!(report, "checkpoint written to {}", made.dir.display());
    let _ = writeln!(
        report,
        "  {} files linked ({} bytes), {} files copied ({} bytes)",
        made.files_linked, made.bytes_linked, made.files_copied, made.bytes_copied
    );
    Ok(report)
}
