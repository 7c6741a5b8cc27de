//! Registers the conformance scenarios (`tests/conformance/*.rs`) so that adding one is adding one
//! function (or one file): every file there is a module of the suite, and every
//! `pub fn NAME(b: &dyn Backend)` in one becomes a `#[test]` in each backend's test file, through
//! the module declarations and the `for_each_scenario!` macro this writes to `$OUT_DIR`.
//!
//! Only the tests include the generated file; the library does not use it.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn main() {
    let dir = Path::new("tests/conformance");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut scenarios = Vec::new();
    let mut modules = Vec::new();
    let root = env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    if let Ok(entries) = fs::read_dir(dir) {
        let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        for path in files {
            let Some(module) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if module == "mod" || path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let Ok(text) = fs::read_to_string(&path) else {
                continue;
            };
            modules.push(module.to_owned());
            for line in text.lines() {
                let Some(rest) = line.strip_prefix("pub fn ") else {
                    continue;
                };
                if let Some((name, args)) = rest.split_once('(') {
                    if args.starts_with("b: &dyn Backend)") {
                        scenarios.push(format!("{module}::{name}"));
                    }
                }
            }
        }
    }
    let mut out = String::new();
    for module in &modules {
        let _ = writeln!(
            out,
            "#[path = {:?}]\npub mod {module};",
            Path::new(&root).join(dir).join(format!("{module}.rs"))
        );
    }
    out.push_str(
        "/// Calls `$m!` with every conformance scenario, as `module::function` paths.\n\
         macro_rules! for_each_scenario {\n    ($m:ident, $backend:expr) => {\n        $m!(@cases $backend;\n",
    );
    for scenario in &scenarios {
        let _ = writeln!(out, "            {scenario},");
    }
    out.push_str("        );\n    };\n}\n");
    let target = Path::new(&env::var("OUT_DIR").unwrap_or_else(|_| ".".into()))
        .join("conformance_scenarios.rs");
    if let Err(e) = fs::write(&target, out) {
        println!("cargo:warning=cannot write {}: {e}", target.display());
    }
}
