//! The versions of the peers, read from this crate's lock file (shared by the harness binaries).

/// The bench crate's `Cargo.lock`, as built.
const LOCK_FILE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"));

/// A package's version in the lock file (`?` if it is not there).
pub fn locked_version(name: &str) -> String {
    LOCK_FILE
        .split("[[package]]")
        .find(|p| p.contains(&format!("name = \"{name}\"")))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = ")))
        .unwrap_or("?")
        .trim_matches('"')
        .to_string()
}
