#!/usr/bin/env bash
# A/B of the insert workload between builds of this harness (say, before and after a change),
# tidekv only, alternating the builds round by round so that the machine's drift hits both alike.
# For each build: the median and minimum of the timed insert phase (the child's `secs`) and of
# the child process's CPU time (user + system, all threads: on 2 cores, background work that
# competes with the writer shows here).
#
#   bench/ab.sh ROUNDS label=path/to/tidekv-bench [label=path/to/other-build ...]
#
# Each label=binary may end in :VAR=value to set an environment variable for that build's runs.
set -euo pipefail
rounds=$1
shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for round in $(seq "$rounds"); do
  for spec in "$@"; do
    label=${spec%%=*}
    rest=${spec#*=}
    bin=${rest%%:*}
    env_var=""
    [ "$rest" != "$bin" ] && env_var=${rest#*:}
    rm -rf "$dir/store" && mkdir -p "$dir/store"
    out=$(env $env_var /usr/bin/time -f "CPU %U %S" "$bin" child --engine tidekv --workload insert \
      --keys 1000000 --sync-ops 20000 --cache-mib 256 --timeout 600 \
      --seed $((29151 + round)) --dir "$dir/store" 2>&1)
    secs=$(echo "$out" | tr ' ' '\n' | grep '^secs=' | cut -d= -f2)
    cpu=$(echo "$out" | grep '^CPU' | awk '{print $2 + $3}')
    echo "$label $secs $cpu"
  done
done | python3 -c '
import collections, statistics, sys
secs, cpu = collections.defaultdict(list), collections.defaultdict(list)
for line in sys.stdin:
    label, s, c = line.split()
    secs[label].append(float(s)); cpu[label].append(float(c))
print("| build | insert s, median | min | CPU s, median | min |")
print("|---|---:|---:|---:|---:|")
for label in secs:
    print(f"| {label} | {statistics.median(secs[label]):.2f} | {min(secs[label]):.2f} | "
          f"{statistics.median(cpu[label]):.2f} | {min(cpu[label]):.2f} |")
'
