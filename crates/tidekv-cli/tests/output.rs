//! What the report commands print, and that a reader that goes away early is not an error.

use std::io::Read;
use std::process::Command;

/// `tidekv version` prints the version and every format.
#[test]
fn version_prints_the_version_and_every_format() {
    let out = Command::new(env!("CARGO_BIN_EXE_tidekv"))
        .arg("version")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!("tidekv {}\n", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    for format in ["snapshot", "wal", "manifest", "sstable"] {
        assert!(
            text.contains(&format!("\n{format} format: writes version ")),
            "{format} missing: {text}"
        );
    }
}

/// `tidekv version | head -0`: the pipe's reader is closed before the command writes, so the
/// write fails with EPIPE (Rust ignores SIGPIPE). The command must end quietly and successfully;
/// `println!` panicked here ("failed printing to stdout: Broken pipe", exit code 101).
#[test]
fn a_closed_pipe_on_stdout_is_not_an_error() {
    let (reader, writer) = std::io::pipe().unwrap();
    // Closed before the child starts, so its first write meets no reader, whatever the timing.
    drop(reader);
    let mut child = Command::new(env!("CARGO_BIN_EXE_tidekv"))
        .arg("version")
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}
