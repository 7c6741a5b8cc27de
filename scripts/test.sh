#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit/integration/doc tests, a short fuzzing run, and the
# CLI smoke test.
# README's test command. Installs what the tests need if it is missing, so it works on a fresh
# Debian machine that has only a Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }

ensure_rust_components() {
    for component in rustfmt clippy; do
        if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
            say "installing the $component toolchain component"
            rustup component add "$component"
        fi
    done
}

ensure_rust_components

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy --locked -p tidekv --features fuzzing --lib -- -D warnings
cargo clippy --locked -p tidekv-server --features fuzzing --all-targets -- -D warnings

say "cargo test (unit, integration, conformance, model, crash, power-loss, doc tests)"
cargo test --workspace --locked

say "fuzz entry points over the committed seeds (stable)"
cargo test --locked -p tidekv --features fuzzing --lib fuzzing
cargo test --locked -p tidekv-server --features fuzzing --lib fuzzing

say "fuzzing: every target briefly (docs/fuzzing.md)"
if cargo +nightly --version >/dev/null 2>&1; then
    bash scripts/fuzz.sh "${TIDEKV_FUZZ_SECONDS:-10}"
else
    echo "SKIPPED: no nightly toolchain (rustup toolchain install nightly); cargo-fuzz needs one" >&2
fi

say "CLI smoke test"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cargo run -q --locked -p tidekv-cli -- version
cargo run -q --locked -p tidekv-cli -- --help >/dev/null
(cd "$scratch" && cargo run -q --locked --manifest-path "$OLDPWD/Cargo.toml" -p tidekv --example quickstart >/dev/null)
cargo run -q --locked -p tidekv-cli -- snapshot verify "$scratch/tidekv-data/copy.tkv"
if cargo run -q --locked -p tidekv-cli -- snapshot verify Cargo.toml 2>/dev/null; then
    echo "snapshot verify accepted a file that is not a snapshot" >&2
    exit 1
fi
say "all checks passed"
