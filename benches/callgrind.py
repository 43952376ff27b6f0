#!/usr/bin/env python3
"""Instructions and lock-prefixed read-modify-writes per task, counted by callgrind.

    python3 benches/callgrind.py [SHAPE ...]
    python3 benches/callgrind.py --split [SHAPE ...]

Builds the bench binaries once, statically linked and not position-independent (so that
the addresses callgrind reports are the ones `objdump` prints, the C library's included),
with one codegen unit (so that inlining follows the code, not the crate's partition), in
`target/callgrind`. Then, for each shape, runs the bench's profile mode
(`ERRGROUP_BENCH_PROFILE`, see each bench's docs) under `valgrind --tool=callgrind` twice,
with 1 and with 3 runs of the shape: the difference, divided by the tasks of two runs, is
the cost per task with the process's start-up and the runtime's construction taken out.

A lock-prefixed read-modify-write is an instruction with the `lock` prefix, or an `xchg`
with a memory operand (locked without the prefix): every atomic `fetch_*`, `swap` and
`compare_exchange` on x86-64, and the uncontended half of every mutex. They are counted
from callgrind's per-instruction counts (`--dump-instr=yes`) and the disassembly.

Callgrind runs one thread at a time, so counts on a multi-thread runtime depend on how
its threads happened to interleave (they vary by over 1% run to run); the current-thread
and inline shapes are deterministic to a few instructions.

With `--split`, each lock-prefixed RMW is placed by the inline chain of its instruction
(`addr2line -i`; see `PLACES`): on the task's own lines, on lines the whole group shares,
or on tokio's runtime-wide lines; and mutex acquisitions (the compare-and-swap of a
`Mutex::lock`) are counted apart. `CALLGRIND_SPLIT_VERBOSE=1` prints every site.

Prints a Markdown table. Needs valgrind, objdump and the static C library (libc6-dev).
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = "x86_64-unknown-linux-gnu"
TARGET_DIR = os.path.join(ROOT, "target", "callgrind")

# shape: (bench, tasks per run, environment)
SHAPES = {
    "spawn_current": ("spawn", 100_000, {"ERRGROUP_BENCH_PROFILE": "errgroup",
                                         "ERRGROUP_BENCH_FLAVOR": "current_thread",
                                         "ERRGROUP_BENCH_TASKS": "100000"}),
    "spawn_current_floor": ("spawn", 100_000, {"ERRGROUP_BENCH_PROFILE": "floor",
                                               "ERRGROUP_BENCH_FLAVOR": "current_thread",
                                               "ERRGROUP_BENCH_TASKS": "100000"}),
    "spawn_current_named": ("spawn", 100_000, {"ERRGROUP_BENCH_PROFILE": "errgroup_named",
                                               "ERRGROUP_BENCH_FLAVOR": "current_thread",
                                               "ERRGROUP_BENCH_TASKS": "100000"}),
    "spawn_current_named_shared": ("spawn", 100_000,
                                   {"ERRGROUP_BENCH_PROFILE": "errgroup_named_shared",
                                    "ERRGROUP_BENCH_FLAVOR": "current_thread",
                                    "ERRGROUP_BENCH_TASKS": "100000"}),
    "spawn_current_handles": ("spawn", 100_000,
                              {"ERRGROUP_BENCH_PROFILE": "errgroup_handles",
                               "ERRGROUP_BENCH_FLAVOR": "current_thread",
                               "ERRGROUP_BENCH_TASKS": "100000"}),
    "spawn_current_tracked": ("spawn", 100_000,
                              {"ERRGROUP_BENCH_PROFILE": "errgroup_tracked",
                               "ERRGROUP_BENCH_FLAVOR": "current_thread",
                               "ERRGROUP_BENCH_TASKS": "100000"}),
    "spawn_current_joinset": ("spawn", 100_000, {"ERRGROUP_BENCH_PROFILE": "joinset",
                                                 "ERRGROUP_BENCH_FLAVOR": "current_thread",
                                                 "ERRGROUP_BENCH_TASKS": "100000"}),
    "spawn_current_tasktracker": ("spawn", 100_000,
                                  {"ERRGROUP_BENCH_PROFILE": "tasktracker",
                                   "ERRGROUP_BENCH_FLAVOR": "current_thread",
                                   "ERRGROUP_BENCH_TASKS": "100000"}),
    "inline": ("inline", 100_000, {"ERRGROUP_BENCH_PROFILE": "errgroup",
                                   "ERRGROUP_BENCH_TASKS": "100000"}),
    "inline_yield": ("inline", 100_000, {"ERRGROUP_BENCH_PROFILE": "errgroup",
                                         "ERRGROUP_BENCH_TASKS": "100000",
                                         "ERRGROUP_BENCH_YIELD": "1"}),
    "limit64_current": ("limit", 10_000, {"ERRGROUP_BENCH_PROFILE": "errgroup",
                                          "ERRGROUP_BENCH_FLAVOR": "current_thread"}),
    "spawn_multi": ("spawn", 100_000, {"ERRGROUP_BENCH_PROFILE": "errgroup",
                                       "ERRGROUP_BENCH_FLAVOR": "multi_thread",
                                       "ERRGROUP_BENCH_TASKS": "100000"}),
    "limit64_multi": ("limit", 10_000, {"ERRGROUP_BENCH_PROFILE": "errgroup",
                                        "ERRGROUP_BENCH_FLAVOR": "multi_thread"}),
}
# The per-task counts of BENCHMARKS.md (current-thread): every task pending once, and the
# limited and cooperative paths.
for _peer in ("errgroup_yield", "errgroup_cooperative_yield", "errgroup_limited", "floor_yield",
              "joinset_yield", "tasktracker_yield"):
    SHAPES[f"spawn_current_{_peer}"] = ("spawn", 100_000, {
        "ERRGROUP_BENCH_PROFILE": _peer,
        "ERRGROUP_BENCH_FLAVOR": "current_thread",
        "ERRGROUP_BENCH_TASKS": "100000"})
SHAPES["inline_threads"] = ("inline", 100_000, {"ERRGROUP_BENCH_PROFILE": "errgroup_threads",
                                                "ERRGROUP_BENCH_TASKS": "100000"})

# The interleaved bench's tokio variants, alone on a current-thread runtime: README's shape
# with the user's task of each size, and its floor.
for _size in ("trivial", "16", "100", "128", "1000", "1024"):
    for _peer in ("errgroup", "floor"):
        SHAPES[f"sized_{_peer}_{_size}"] = ("interleaved", 100_000, {
            "ERRGROUP_BENCH_PROFILE": f"{_peer}/{_size}",
            "ERRGROUP_BENCH_FLAVOR": "current_thread",
            "ERRGROUP_BENCH_TASKS": "100000"})
for _size in ("trivial", "128"):
    for _peer in ("errgroup", "futures_unordered"):
        SHAPES[f"sized_inline_{_peer}_{_size}"] = ("interleaved", 100_000, {
            "ERRGROUP_BENCH_PROFILE": f"inline_{_peer}/{_size}",
            "ERRGROUP_BENCH_TASKS": "100000"})
DEFAULT = ["spawn_current", "spawn_current_floor", "inline", "inline_yield",
           "limit64_current", "spawn_multi", "limit64_multi"]


def build(benches):
    """Builds the benches and returns {bench name: executable path}."""
    # One codegen unit: which generic functions get inlined into which then follows the
    # code, not how cargo happened to split the crate (with the default 16 units, a
    # change elsewhere in a crate moved the user's future out of line in the task's poll
    # and cost 5% in one shape, with no change to the code on that path).
    env = dict(os.environ,
               CARGO_TARGET_DIR=TARGET_DIR,
               CARGO_PROFILE_BENCH_CODEGEN_UNITS="1",
               RUSTFLAGS="-C relocation-model=static -C target-feature=+crt-static")
    args = ["cargo", "bench", "-p", "errgroup-benches", "--no-run", "--target", TARGET,
            "--message-format=json"]
    for bench in benches:
        args += ["--bench", bench]
    out = subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE,
                         text=True).stdout
    found = {}
    for line in out.splitlines():
        message = json.loads(line)
        target = message.get("target", {})
        if message.get("reason") == "compiler-artifact" and "bench" in target.get("kind", []):
            found[target["name"]] = message["executable"]
    missing = set(benches) - set(found)
    if missing:
        sys.exit(f"callgrind.py: no executable for {sorted(missing)}")
    return found


def locked_addresses(executable):
    """The addresses of the executable's lock-prefixed read-modify-writes."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", executable], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    locked = set()
    for line in out.splitlines():
        match = re.match(r"\s+([0-9a-f]+):\s+(\S+)\s*(.*)", line)
        if not match:
            continue
        mnemonic, operands = match.group(2), match.group(3)
        if mnemonic == "lock" or (mnemonic.startswith("xchg") and "(" in operands):
            locked.add(int(match.group(1), 16))
    return locked


def callgrind(executable, env, runs):
    """Runs the executable under callgrind: (instructions, {address: executions})."""
    with tempfile.NamedTemporaryFile(suffix=".callgrind") as out:
        subprocess.run(["valgrind", "--tool=callgrind", "--dump-instr=yes", "--dump-line=no",
                        "--compress-pos=no", "--compress-strings=no",
                        f"--callgrind-out-file={out.name}", executable],
                       env=dict(os.environ, **env, ERRGROUP_BENCH_RUNS=str(runs)),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return parse(out.name)


def parse(path):
    total = 0
    executed = defaultdict(int)
    skip_next = False
    with open(path) as lines:
        for line in lines:
            if line.startswith("calls="):
                skip_next = True  # the next cost line is the call's inclusive cost
                continue
            if line.startswith("0x"):
                if skip_next:
                    skip_next = False
                    continue
                address, cost = line.split()[:2]
                executed[int(address, 16)] += int(cost)
            elif line.startswith(("summary:", "totals:")):
                total = max(total, int(line.split()[1]))
    return total, executed


def per_task(shape, executable, locked):
    _, tasks, env = SHAPES[shape]
    one_total, one = callgrind(executable, env, 1)
    three_total, three = callgrind(executable, env, 3)
    locks_one = sum(count for address, count in one.items() if address in locked)
    locks_three = sum(count for address, count in three.items() if address in locked)
    return ((three_total - one_total) / (2 * tasks),
            (locks_three - locks_one) / (2 * tasks))


def frames(executable, addresses):
    """{address: [function names, innermost first]} from the debug info's inline chains."""
    # One addr2line per address: it prints a function/location pair per inlined frame, with
    # nothing between two addresses' chains, so a batch could not be told apart.
    chains = {}
    for address in sorted(addresses):
        text = subprocess.run(["addr2line", "-f", "-i", "-C", "-e", executable, hex(address)],
                              check=True, stdout=subprocess.PIPE, text=True).stdout
        lines = text.splitlines()
        chains[address] = [lines[i] for i in range(0, len(lines), 2)]
    return chains


# Where a lock-prefixed RMW's cache line lives, told from its inline chain (first match
# wins). `runtime`: tokio's own runtime-wide lines (the task id counter, the runtime
# handle's `Arc`, the owned-tasks list's shard locks and counters, the scheduler's flags):
# the same for every peer on tokio. `task`: lines of one task only (tokio's task header:
# its state and reference count, so also every clone and drop of its waker; JoinSet's
# per-task list entry). `bench`: the bench's own counting. `alloc`: the C allocator's.
# `group`: everything else, the lines every task of one group (or peer) shares: its
# counters, its `Arc`s, its locks.
PLACES = [
    ("bench", ["inline::task::{{closure}}"]),
    # JoinSet's set: its lists' lock and `Arc` (each entry holds one), and an entry's waker,
    # which takes that lock.
    ("group", ["idle_notified_set::ListsInner",
               "idle_notified_set::ListEntry<T> as tokio::util::wake::Wake"]),
    ("alloc", ["malloc", "_int_free", "free"]),
    ("runtime", ["sharded_list", "OwnedTasks", "task::id::Id::next",
                 "current_thread::Handle::spawn", "multi_thread::handle::Handle::",
                 "Arc<tokio::runtime::scheduler", "reset_woken", "park::Inner",
                 "current_thread::Handle as tokio::util::wake::Wake", "scheduler::inject",
                 "multi_thread::idle", "multi_thread::worker"]),
    ("task", ["tokio::runtime::task::state::State", "tokio::runtime::task::waker",
              "idle_notified_set::ListEntry"]),
]


def place(chain):
    """(where the RMW's line lives, whether it takes a mutex) for one inline chain."""
    text = " <- ".join(chain)
    takes_lock = "Mutex>::lock" in text and "compare_exchange" in chain[0]
    for name, keys in PLACES:
        if any(key in text for key in keys):
            return name, takes_lock
    return "group", takes_lock


def split(shape, executable, locked):
    """Lock-prefixed RMWs per task by site: (count, inline chain), largest first."""
    _, tasks, env = SHAPES[shape]
    _, one = callgrind(executable, env, 1)
    _, three = callgrind(executable, env, 3)
    sites = {address: (three.get(address, 0) - one.get(address, 0)) / (2 * tasks)
             for address in locked if three.get(address, 0) != one.get(address, 0)}
    sites = {address: count for address, count in sites.items() if abs(count) >= 0.005}
    chains = frames(executable, sites)
    return sorted(((count, chains[address]) for address, count in sites.items()),
                  key=lambda row: -row[0])


def main():
    if sys.argv[1:2] == ["--split"]:
        shapes = sys.argv[2:] or DEFAULT
        executables = build(sorted({SHAPES[shape][0] for shape in shapes}))
        verbose = os.environ.get("CALLGRIND_SPLIT_VERBOSE") == "1"
        print("| shape | all | task's own lines | group-wide lines | of which mutex "
              "acquisitions | runtime-wide (tokio) | of which mutex acquisitions |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for shape in shapes:
            bench = SHAPES[shape][0]
            sites = split(shape, executables[bench], locked_addresses(executables[bench]))
            total, locks = defaultdict(float), defaultdict(float)
            for count, chain in sites:
                name, takes_lock = place(chain)
                total[name] += count
                if takes_lock:
                    locks[name] += count
                if verbose:
                    print(f"<!-- {count:6.2f} {name:7} {'L' if takes_lock else ' '} "
                          + " <- ".join(chain[:6]) + " -->", file=sys.stderr)
            everything = sum(total[name] for name in ("task", "group", "runtime"))
            print(f"| {shape} | {everything:.2f} | {total['task']:.2f} | {total['group']:.2f} "
                  f"| {locks['group']:.2f} | {total['runtime']:.2f} | {locks['runtime']:.2f} |",
                  flush=True)
        return
    shapes = sys.argv[1:] or DEFAULT
    unknown = [shape for shape in shapes if shape not in SHAPES]
    if unknown:
        sys.exit(f"callgrind.py: unknown shapes {unknown}; known: {sorted(SHAPES)}")
    executables = build(sorted({SHAPES[shape][0] for shape in shapes}))
    locked = {bench: locked_addresses(path) for bench, path in executables.items()}
    print("| shape | instructions per task | lock-prefixed RMWs per task |")
    print("| --- | --- | --- |")
    for shape in shapes:
        bench = SHAPES[shape][0]
        instructions, locks = per_task(shape, executables[bench], locked[bench])
        print(f"| {shape} | {instructions:.1f} | {locks:.2f} |", flush=True)


if __name__ == "__main__":
    main()
