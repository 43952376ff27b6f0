#!/usr/bin/env python3
"""Medians over runs of the interleaved measurements (the `interleaved` bench and
`first_error`'s interleaved mode), as BENCHMARKS.md quotes them.

Usage: benches/interleaved_report.py RUN_LOG [RUN_LOG ...]

Each RUN_LOG holds one run's output; every line starting with `interleaved ` or
`first_error interleaved ` is one variant's median time and its within-round ratio. For
each variant the script prints the median over runs of both, and the range of the ratio.
"""

import re
import statistics
import sys
from collections import defaultdict

LINE = re.compile(r"^(interleaved|first_error interleaved) (.*?)\s+([\d.]+) (ns/task|ns)\b(.*)$")
RATIO = re.compile(r"([\d.]+)\s*$")


def main():
    logs = sys.argv[1:]
    if not logs:
        sys.exit(__doc__)
    times, ratios, rest = defaultdict(list), defaultdict(list), {}
    for log in logs:
        for line in open(log):
            match = LINE.match(line.strip())
            if not match:
                continue
            key = (match.group(1), match.group(2).strip())
            times[key].append(float(match.group(3)))
            ratio = RATIO.search(match.group(5))
            if ratio:
                ratios[key].append(float(ratio.group(1)))
            rest[key] = re.sub(r"\s+[\d.]+\s*$", "", match.group(5)).strip()
    for key in times:
        kind, name = key
        r = ratios.get(key, [])
        span = f" ({min(r):.2f}–{max(r):.2f})" if len(r) > 1 else ""
        ratio = f"{statistics.median(r):.3f}{span}" if r else ""
        print(f"{kind} {name}: {statistics.median(times[key]):.1f} ns  {rest[key]} {ratio}")


if __name__ == "__main__":
    main()
