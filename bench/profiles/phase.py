#!/usr/bin/env python3
"""Where one phase of a profiled bench run spends its samples.

    perf script -i DATA -F comm,tid,time,period,ip,sym | python3 phase.py PHASE_REGEX [MIN_PERCENT [LABEL=REGEX ...]]

The bench records the whole child run (load, flush, close, stats), so `perf report` percentages
are of everything. This script keeps only one phase: the thread with the most samples whose call
chain matches PHASE_REGEX, between the first and the last such sample. The regex is matched
against the chain written leaf first, one frame per line (so `(?s)a.*b` means "a called, directly
or not, from b"). All of that thread's samples in the window count, including those whose call
chain perf could not unwind past a libc function (write(2), memcpy, malloc): those chains stop in
libc and would be missed by a filter on the call chain, although the thread was inside the phase
when they were taken.

For every function, it prints the share of the window's samples (weighted by period) whose call
chain contains it ("children", once per sample) and where it is the leaf ("self"). Rows below
MIN_PERCENT (default 2) are left out. Each LABEL=REGEX adds a line: the share of the window's
samples whose call chain matches REGEX, matched like PHASE_REGEX (for example `(?m)^malloc$`: a
frame named exactly `malloc`; `(?s)^memcmp.*search`: leaf `memcmp` called from a `search` frame).
"""
import re
import sys
from collections import Counter, defaultdict

phase_re = re.compile(sys.argv[1])
min_pct = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
groups = [arg.split("=", 1) for arg in sys.argv[3:]]


def samples(lines):
    head, frames = None, []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if head is not None:
                yield head, frames
            head, frames = None, []
        elif head is None:
            # "<comm> <tid> <time>: <period>"; comm may contain spaces, so read from the right
            f = line.split()
            head = (f[-3], float(f[-2].rstrip(":")), int(f[-1]))
        else:
            parts = line.strip().split(None, 1)  # "<ip> <symbol>"
            frames.append(parts[1] if len(parts) > 1 else parts[0])
    if head is not None:
        yield head, frames


def in_phase(frames):
    return phase_re.search("\n".join(frames)) is not None


all_samples = list(samples(sys.stdin))
hits = Counter(h[0] for h, fr in all_samples if in_phase(fr))
if not hits:
    sys.exit(f"no call chain matches {sys.argv[1]!r}")
tid = hits.most_common(1)[0][0]
times = [h[1] for h, fr in all_samples if h[0] == tid and in_phase(fr)]
t0, t1 = min(times), max(times)
window = [(h, fr) for h, fr in all_samples if h[0] == tid and t0 <= h[1] <= t1]

total = sum(h[2] for h, _ in all_samples)
in_window = sum(h[2] for h, _ in window)
matched = sum(h[2] for h, fr in window if in_phase(fr))
children, selfs = defaultdict(int), defaultdict(int)
for h, fr in window:
    for sym in set(fr):
        children[sym] += h[2]
    if fr:
        selfs[fr[0]] += h[2]

print(f"phase: {sys.argv[1]}; thread {tid}, {t1 - t0:.3f} s; {len(window)} samples, "
      f"{100 * in_window / total:.1f} % of the recording's samples")
print(f"{100 * matched / in_window:.1f} % of the window's samples match PHASE_REGEX; the rest are "
      "samples whose stack perf could not unwind that far (most stop in libc)")
for label, regex in groups:
    g = re.compile(regex)
    w = sum(h[2] for h, fr in window if g.search("\n".join(fr)))
    print(f"group {label} ({regex}): {100 * w / in_window:.1f} %")
print(f"{'children':>9} {'self':>7}  function (percent of the window's samples)")
for sym, w in sorted(children.items(), key=lambda kv: (-kv[1], kv[0])):
    if 100 * w / in_window < min_pct:
        break
    print(f"{100 * w / in_window:8.1f}% {100 * selfs.get(sym, 0) / in_window:6.1f}%  {sym}")
