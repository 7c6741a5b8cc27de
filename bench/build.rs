//! Records which tidekv tree the harness was built from (`git describe --always --dirty`), so a
//! report names the code it measured even if the tree moves on before the run.

use std::process::Command;

fn main() {
    // Rebuild (and so re-describe) whenever tidekv's sources or the repository's HEAD change.
    println!("cargo:rerun-if-changed=../crates/tidekv");
    println!("cargo:rerun-if-changed=../.git/HEAD");
    println!("cargo:rerun-if-changed=../.git/index");
    let describe = Command::new("git")
        .args(["describe", "--always", "--dirty"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=TIDEKV_GIT_DESCRIBE={describe}");
}
