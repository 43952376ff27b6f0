#!/usr/bin/env python3
"""Turn criterion's output into the table of BENCHMARKS.md.

Usage: benches/report.py RUN_DIR [RUN_DIR ...]

Each RUN_DIR is a copy of `target/criterion` taken after one full `cargo bench` run. For every
benchmark the script takes criterion's median time per iteration, divides it by the
iteration's throughput (tasks or pairs), and prints, per scenario, each peer's ns per element
and its ratio to errgroup. Ratios are computed within each run (errgroup and its peers ran in
the same process, one after another) and the median over runs is quoted, as is the median of
the times.
"""

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def load(run_dir):
    """Map (group, param) -> {peer: ns per element} for one run."""
    out = defaultdict(dict)
    for bench in Path(run_dir).glob("**/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        est = json.loads((bench.parent / "estimates.json").read_text())
        elements = 1
        throughput = meta.get("throughput") or {}
        for key in ("Elements", "Bytes", "BytesDecimal"):
            if key in throughput:
                elements = throughput[key]
        ns = est["median"]["point_estimate"] / elements
        out[(meta["group_id"], meta.get("value_str") or "")][meta["function_id"]] = ns
    return out


def main():
    runs = [load(d) for d in sys.argv[1:]]
    if not runs:
        sys.exit(__doc__)
    keys = sorted({k for run in runs for k in run})
    print(f"{len(runs)} run(s); ns per element: median over runs; ratio = errgroup / peer,")
    print("computed within each run, median over runs (below 1.00: errgroup is cheaper).")
    print()
    print("| scenario | n | peer | ns per element | errgroup / peer |")
    print("|---|---:|---|---:|---:|")
    for key in keys:
        group, param = key
        peers = sorted(
            {p for run in runs for p in run.get(key, {})},
            key=lambda p: (p != "errgroup", p),
        )
        for peer in peers:
            times = [run[key][peer] for run in runs if peer in run.get(key, {})]
            ratios = [
                run[key]["errgroup"] / run[key][peer]
                for run in runs
                if peer in run.get(key, {}) and "errgroup" in run.get(key, {})
            ]
            ratio = f"{statistics.median(ratios):.2f}x" if ratios and peer != "errgroup" else ""
            print(f"| {group} | {param} | {peer} | {statistics.median(times):.1f} | {ratio} |")


if __name__ == "__main__":
    main()
