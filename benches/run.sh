#!/usr/bin/env bash
# Runs the whole benchmark suite RUNS times (default 3) and prints the BENCHMARKS.md table:
# criterion's median per benchmark, ratios to errgroup within each run, medians over runs;
# then the interleaved measurements' medians over runs (benches/interleaved_report.py) and
# each run's memory lines.
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
    # The interleaved measurements: first error, WaitGroup, and spawn + wait with 100k tasks.
    ERRGROUP_BENCH_INTERLEAVE=60 cargo bench -p errgroup-benches --bench first_error 2>&1 |
        tee -a "$out/run-$run.log" >&2
    ERRGROUP_BENCH_INTERLEAVE=30 cargo bench -p errgroup-benches --bench wait_group 2>&1 |
        tee -a "$out/run-$run.log" >&2
    ERRGROUP_BENCH_TASKS=100000 ERRGROUP_BENCH_ROUNDS=8 ERRGROUP_BENCH_FLAVOR=current_thread \
        cargo bench -p errgroup-benches --bench interleaved 2>&1 | tee -a "$out/run-$run.log" >&2
done

python3 benches/report.py "$out"/criterion-*
echo
echo "interleaved (medians over runs; the ratio's range in brackets):"
python3 benches/interleaved_report.py "$out"/run-*.log
echo
echo "memory (bytes; one block per run):"
grep -h '^memory ' "$out"/run-*.log
