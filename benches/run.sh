#!/usr/bin/env bash
# Runs the whole benchmark suite RUNS times (default 3) and prints the BENCHMARKS.md table:
# criterion's median per benchmark, ratios to errgroup within each run, medians over runs;
# then each run's memory lines.
#
#   benches/run.sh [RUNS] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-3}
out=${2:-target/bench-runs}
rm -rf "$out"
mkdir -p "$out"

cargo bench -p errgroup-benches --no-run
for run in $(seq 1 "$runs"); do
    echo "=== run $run of $runs" >&2
    rm -rf target/criterion
    cargo bench -p errgroup-benches 2>&1 | tee "$out/run-$run.log" >&2
    cp -r target/criterion "$out/criterion-$run"
done

python3 benches/report.py "$out"/criterion-*
echo
echo "memory (bytes; one block per run):"
grep -h '^memory ' "$out"/run-*.log
