#!/usr/bin/env bash
# Fuzzes every decoder of tidekv's stored formats (docs/fuzzing.md).
#
#   bash scripts/fuzz.sh SECONDS [TARGET...]
#
# Installs cargo-fuzz if it is missing, builds every target with `cargo +nightly fuzz build`, then
# runs each target (all of them, or those named) for SECONDS seconds, one after the other, and
# prints the executions and crashes of each. Exits non-zero if any target crashed (a panic, an
# invariant broken, a timeout or running out of memory); the input is kept in
# fuzz/artifacts/<target>/. New inputs a run finds go to fuzz/scratch/<target>/, never into the
# committed seeds in fuzz/corpus/<target>/.
#
# Needs a nightly toolchain (rustup toolchain install nightly) beside stable; without one it says
# so and exits 2. Environment:
#   FUZZ_CARGO_LOCK=FILE  run every cargo command under `flock FILE` (the runs themselves are not)
#   FUZZ_NICE=N           run the fuzzers under `nice -n N` (default 0)
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
    echo "usage: bash scripts/fuzz.sh SECONDS [TARGET...]" >&2
    exit 64
}
[[ $# -ge 1 && "$1" =~ ^[0-9]+$ && "$1" -gt 0 ]] || usage
seconds="$1"
shift

all_targets=(wal_log log_frames sstable_block block_trailer sstable_table manifest_edit
    manifest_recover snapshot resp_requests)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
    [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "unknown target: $t" >&2; usage; }
done

say() { printf '\n==> %s\n' "$*"; }
cargo_locked() {
    if [[ -n "${FUZZ_CARGO_LOCK:-}" ]]; then
        flock "$FUZZ_CARGO_LOCK" "$@"
    else
        "$@"
    fi
}

if ! cargo +nightly --version >/dev/null 2>&1; then
    cat >&2 <<'EOF'
error: `cargo +nightly` is not available. cargo-fuzz needs a nightly Rust toolchain (libFuzzer's
instrumentation uses unstable compiler flags). Install one with `rustup toolchain install nightly`
and run this again. Nothing was fuzzed.
EOF
    exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    say "installing cargo-fuzz"
    cargo_locked cargo install cargo-fuzz --locked
fi

say "building the fuzz targets (nightly, release, debug assertions and overflow checks on)"
(cd fuzz && cargo_locked cargo +nightly fuzz build --release --debug-assertions)
triple="$(rustc +nightly -vV | sed -n 's/^host: //p')"
bin_dir="fuzz/target/$triple/release"

failed=()
summary=()
for t in "${targets[@]}"; do
    say "fuzzing $t for ${seconds}s"
    scratch="fuzz/scratch/$t"
    artifacts="fuzz/artifacts/$t"
    mkdir -p "$scratch" "$artifacts" "fuzz/corpus/$t"
    log="$(mktemp)"
    status=0
    # The scratch corpus comes first: libFuzzer writes what it finds into the first directory.
    nice -n "${FUZZ_NICE:-0}" "$bin_dir/$t" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$scratch" "fuzz/corpus/$t" >"$log" 2>&1 || status=$?
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    crashes=0
    if [[ $status -ne 0 ]]; then
        crashes=1
        failed+=("$t")
        # The report: the panic message, the stack, the input libFuzzer kept.
        grep -E -A40 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" | head -80 >&2 || tail -40 "$log" >&2
    fi
    summary+=("$(printf '%-17s executions %12s   crashes %d' "$t" "${execs:-?}" "$crashes")")
    rm -f "$log"
done

say "summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "crashed: ${failed[*]} (inputs in fuzz/artifacts/<target>/)" >&2
    exit 1
fi
echo "no crashes"
