#!/usr/bin/env bash
# Round-by-round A/B of one workload's timed phase across builds and engines, with the ratio to a
# peer taken within each round (this machine drifts ±20 % between rounds; a ratio of neighbours
# does not). Prints, per label, the median and minimum time and — for every label but the peer —
# the median and interquartile range of peer time ÷ label time (a throughput ratio: above 1 means
# faster than the peer).
#
#   bench/ab-ratio.sh ROUNDS WORKLOAD label=path/to/tidekv-bench:ENGINE ... [--peer LABEL]
#
# e.g. bench/ab-ratio.sh 24 insert old=/tmp/bench-bb158be:tidekv new=bench/target/release/tidekv-bench:tidekv \
#        fjall=bench/target/release/tidekv-bench:fjall
# The peer is the label `fjall` unless --peer says otherwise. A binary may be a wrapper script
# that sets environment variables first. AB_RAW=FILE keeps the raw "label seconds" lines;
# AB_CACHE_MIB sets the block cache (default 256; 16 makes 1M-key reads uncached).
set -euo pipefail
rounds=$1 workload=$2
shift 2
peer=fjall specs=()
while [ $# -gt 0 ]; do
  if [ "$1" = --peer ]; then peer=$2; shift 2; else specs+=("$1"); shift; fi
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for round in $(seq "$rounds"); do
  for spec in "${specs[@]}"; do
    label=${spec%%=*} rest=${spec#*=}
    bin=${rest%:*} engine=${rest##*:}
    rm -rf "$dir/store" && mkdir -p "$dir/store"
    out=$("$bin" child --engine "$engine" --workload "$workload" --keys 1000000 --sync-ops 20000 \
      --cache-mib "${AB_CACHE_MIB:-256}" --timeout 600 --seed $((29151 + round)) --dir "$dir/store" 2>&1)
    echo "$label $(echo "$out" | tr ' ' '\n' | grep '^secs=' | cut -d= -f2)"
  done
done | tee "${AB_RAW:-/dev/null}" | python3 -c '
import collections, statistics, sys
peer, n = sys.argv[1], int(sys.argv[2])
rows = [line.split() for line in sys.stdin if line.strip()]
times, ratios = collections.defaultdict(list), collections.defaultdict(list)
for i in range(0, len(rows) - len(rows) % n, n):
    got = {label: float(t) for label, t in rows[i:i + n]}
    for label, t in got.items():
        times[label].append(t)
        if label != peer:
            ratios[label].append(got[peer] / t)
print(f"{len(times[peer])} rounds")
for label, t in times.items():
    line = f"{label}: time median {statistics.median(t):.3f} s, min {min(t):.3f} s"
    if label != peer:
        r = sorted(ratios[label]); q = len(r) // 4
        line += f"; {peer} / {label} median {statistics.median(r):.3f}, IQR {r[q]:.3f}-{r[-q - 1]:.3f}"
    print(line)
' "$peer" "${#specs[@]}"
