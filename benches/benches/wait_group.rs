#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
//! WaitGroup `add(1)` / `done()` pairs: what registering and finishing one unit of work
//! costs when nobody is waiting, against the other ways to count outstanding work.
//!
//! Scenarios (criterion groups) and peers (function ids); parameter = `k`, the pairs each
//! thread does per iteration:
//!
//! - `wait_group_one_thread`: one thread does `k` pairs per iteration;
//!   `Throughput::Elements(k)`, so criterion reports time per pair. Every pair takes the
//!   count from 0 to 1 and back to 0, so every `done` is the last one.
//! - `wait_group_two_threads`: two threads, started together by a `Barrier`, each do
//!   `iters * k` pairs on the same counter at once (`iter_custom`: the clock runs from the
//!   barrier until both have finished; spawning and joining are outside it);
//!   `Throughput::Elements(2 * k)`, so criterion reports wall time per pair, both threads'
//!   pairs counted.
//! - `wait_group_held_one_thread`, `wait_group_held_two_threads`: the same, with one unit
//!   already held for the whole run (a worker that holds a unit while it adds more; many
//!   tasks outstanding), so the count goes 1 → 2 → 1 and no `done` is the last: the shape
//!   of real use. (crossbeam's base handle always holds one, so its rows are this shape in
//!   every group.)
//!
//! Peers:
//! - `errgroup`: `errgroup::WaitGroup`, `add(1)` then `done()` (checked: never wraps, `done`
//!   says whether it reached zero and wakes waiters if there are any);
//! - `raw`: the honest floor, what a wait group semantically must do: a cache-padded
//!   `AtomicUsize`, `fetch_add(1, Relaxed)` then `fetch_sub(1, AcqRel)` testing for zero,
//!   no overflow or underflow check and no waiters (`black_box` so none of it is optimised
//!   away);
//! - `raw_checked`: the same pair with the checks a counter's contract asks (it never
//!   wraps, a `done` below zero is detected): each operation's previous value is read and
//!   compared, so x86-64 needs `lock xadd` where `raw` gets `lock inc` / `lock dec`; the
//!   floor for any checked counter;
//! - `crossbeam`: `crossbeam_utils::sync::WaitGroup`, where `clone` is the add and `drop`
//!   is the done (a base handle is kept, so its count never reaches zero);
//! - `mutex_condvar`: a `Mutex<usize>` and a `Condvar`: lock, +1; lock, -1 and
//!   `notify_all` at zero.
//!
//! Each peer's loop is an `#[inline(never)]` function (`*_pairs`), so that
//! `valgrind --tool=callgrind` can count the instructions of exactly `k` pairs. After
//! timing, every benchmark asserts (in its routine, so only when it runs) that its counter
//! is back to zero and that pairs ran.
//!
//! Run: `cargo bench -p errgroup-benches --bench wait_group` (filter with e.g.
//! `-- wait_group_one_thread/errgroup`). With `ERRGROUP_BENCH_INTERLEAVE=<rounds>`, the
//! binary skips criterion and times every shape's peers interleaved instead (each round
//! runs each peer once; ratios within a round), as BENCHMARKS.md quotes them.

use std::{
    hint::black_box,
    sync::{
        Barrier, Condvar, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

use criterion::{BenchmarkId, Criterion, Throughput};
use crossbeam_utils::CachePadded;

/// Pairs per thread per iteration.
const K: usize = 1000;

/// One of the ways to count outstanding work, shared by reference between threads.
trait Peer: Sync {
    /// Criterion function id.
    const NAME: &'static str;
    /// Does `k` add/done pairs.
    fn pairs(&self, k: usize);
    /// Asserts the count is back where it started.
    fn assert_idle(&self);
}

/// An `errgroup::WaitGroup` holding `held` units for the whole run.
struct ErrgroupPeer(errgroup::WaitGroup, usize);

impl ErrgroupPeer {
    fn new(held: usize) -> Self {
        let wg = errgroup::WaitGroup::new();
        wg.add(held);
        Self(wg, held)
    }
}

impl Peer for ErrgroupPeer {
    const NAME: &'static str = "errgroup";
    fn pairs(&self, k: usize) {
        errgroup_pairs(&self.0, k);
    }
    fn assert_idle(&self) {
        assert_eq!(self.0.count(), self.1);
    }
}

#[inline(never)]
fn errgroup_pairs(wg: &errgroup::WaitGroup, k: usize) {
    for _ in 0..k {
        let wg = black_box(wg);
        wg.add(1);
        wg.done();
    }
}

/// A cache-padded atomic starting at `held`; with `CHECKED`, the pair reads each previous
/// value back and checks it ([`raw_checked_pairs`]).
struct RawPeer<const CHECKED: bool>(CachePadded<AtomicUsize>, usize);

impl<const CHECKED: bool> RawPeer<CHECKED> {
    fn new(held: usize) -> Self {
        Self(CachePadded::new(AtomicUsize::new(held)), held)
    }
}

impl<const CHECKED: bool> Peer for RawPeer<CHECKED> {
    const NAME: &'static str = if CHECKED { "raw_checked" } else { "raw" };
    fn pairs(&self, k: usize) {
        if CHECKED {
            raw_checked_pairs(&self.0, k);
        } else {
            raw_pairs(&self.0, k);
        }
    }
    fn assert_idle(&self) {
        assert_eq!(self.0.load(Ordering::Acquire), self.1);
    }
}

#[inline(never)]
fn raw_pairs(count: &AtomicUsize, k: usize) {
    for _ in 0..k {
        let count = black_box(count);
        // Relaxed add, AcqRel done: the orderings a wait group needs (see errgroup-core's
        // `Counter`), nothing more.
        count.fetch_add(1, Ordering::Relaxed);
        black_box(count.fetch_sub(1, Ordering::AcqRel) == 1);
    }
}

/// The raw pair with the checks the contract asks of a counter (it never wraps, and a
/// `done` below zero is detected): each operation's previous value is read back and
/// compared, so x86-64 needs `lock xadd` where the unchecked pair gets away with
/// `lock inc` / `lock dec`. The floor for any checked counter.
#[inline(never)]
fn raw_checked_pairs(count: &AtomicUsize, k: usize) {
    for _ in 0..k {
        let count = black_box(count);
        let before = count.fetch_add(1, Ordering::Relaxed);
        assert!(before < usize::MAX / 4, "the count passed its bound");
        let before = count.fetch_sub(1, Ordering::AcqRel);
        assert!(before != 0, "done below zero");
        black_box(before == 1);
    }
}

struct CrossbeamPeer(crossbeam_utils::sync::WaitGroup);

impl Peer for CrossbeamPeer {
    const NAME: &'static str = "crossbeam";
    fn pairs(&self, k: usize) {
        crossbeam_pairs(&self.0, k);
    }
    fn assert_idle(&self) {
        // The only handle left is the base one; waiting on a clone of it would block, so
        // check the count through its `Debug` output instead.
        assert_eq!(format!("{:?}", self.0), "WaitGroup { count: 1 }");
    }
}

#[inline(never)]
fn crossbeam_pairs(wg: &crossbeam_utils::sync::WaitGroup, k: usize) {
    for _ in 0..k {
        let handle = black_box(wg.clone());
        drop(handle);
    }
}

struct MutexCondvarPeer {
    count: Mutex<usize>,
    zero: Condvar,
    held: usize,
}

impl MutexCondvarPeer {
    fn new(held: usize) -> Self {
        Self { count: Mutex::new(held), zero: Condvar::new(), held }
    }
}

impl Peer for MutexCondvarPeer {
    const NAME: &'static str = "mutex_condvar";
    fn pairs(&self, k: usize) {
        mutex_condvar_pairs(self, k);
    }
    fn assert_idle(&self) {
        assert_eq!(*self.count.lock().unwrap(), self.held);
    }
}

#[inline(never)]
fn mutex_condvar_pairs(peer: &MutexCondvarPeer, k: usize) {
    for _ in 0..k {
        let peer = black_box(peer);
        *peer.count.lock().unwrap() += 1;
        let mut count = peer.count.lock().unwrap();
        *count -= 1;
        if *count == 0 {
            peer.zero.notify_all();
        }
    }
}

fn one_thread<P: Peer>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    peer: P,
) {
    group.bench_function(BenchmarkId::new(P::NAME, K), |b| {
        let mut pairs = 0_usize;
        b.iter(|| {
            peer.pairs(K);
            pairs += K;
        });
        assert!(pairs > 0, "{}: no pairs ran", P::NAME);
        peer.assert_idle();
    });
}

fn two_threads<P: Peer>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    peer: P,
) {
    group.bench_function(BenchmarkId::new(P::NAME, K), |b| {
        let mut pairs = 0_usize;
        b.iter_custom(|iters| {
            let per_thread = K * usize::try_from(iters).expect("iteration count fits usize");
            pairs += 2 * per_thread;
            run_two_threads(&peer, per_thread)
        });
        assert!(pairs > 0, "{}: no pairs ran", P::NAME);
        peer.assert_idle();
    });
}

fn peers_one_thread(c: &mut Criterion, name: &str, held: usize) {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(K as u64));
    one_thread(&mut group, ErrgroupPeer::new(held));
    one_thread(&mut group, RawPeer::<false>::new(held));
    one_thread(&mut group, RawPeer::<true>::new(held));
    one_thread(&mut group, CrossbeamPeer(crossbeam_utils::sync::WaitGroup::new()));
    one_thread(&mut group, MutexCondvarPeer::new(held));
    group.finish();
}

fn peers_two_threads(c: &mut Criterion, name: &str, held: usize) {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(2 * K as u64));
    two_threads(&mut group, ErrgroupPeer::new(held));
    two_threads(&mut group, RawPeer::<false>::new(held));
    two_threads(&mut group, RawPeer::<true>::new(held));
    two_threads(&mut group, CrossbeamPeer(crossbeam_utils::sync::WaitGroup::new()));
    two_threads(&mut group, MutexCondvarPeer::new(held));
    group.finish();
}

/// Nanoseconds per pair of one run of `k` pairs on one thread.
fn time_one_thread<P: Peer>(peer: &P, k: usize) -> f64 {
    let start = Instant::now();
    peer.pairs(k);
    start.elapsed().as_nanos() as f64 / k as f64
}

/// Nanoseconds per pair (both threads' pairs counted) of [`run_two_threads`].
fn time_two_threads<P: Peer>(peer: &P, k: usize) -> f64 {
    run_two_threads(peer, k).as_nanos() as f64 / (2 * k) as f64
}

/// Two threads doing `k` pairs each at once, timed from the barrier that starts them
/// until both are done.
fn run_two_threads<P: Peer>(peer: &P, k: usize) -> Duration {
    let start = Barrier::new(3);
    thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    peer.pairs(k);
                })
            })
            .collect();
        start.wait();
        let began = Instant::now();
        for worker in workers {
            worker.join().unwrap();
        }
        began.elapsed()
    })
}

/// `ERRGROUP_BENCH_INTERLEAVE=<rounds>`: every shape's peers timed in one interleaved loop
/// ([`errgroup_benches::interleave`]), 100 batches of `K` pairs a run, and each peer's
/// median and median within-round ratio to `raw` (the ratios BENCHMARKS.md quotes).
fn interleaved(rounds: usize) {
    let k = 100 * K;
    for (shape, held, threads) in [
        ("wait_group_one_thread", 0, 1),
        ("wait_group_two_threads", 0, 2),
        ("wait_group_held_one_thread", 1, 1),
        ("wait_group_held_two_threads", 1, 2),
    ] {
        let (errgroup, raw) = (ErrgroupPeer::new(held), RawPeer::<false>::new(held));
        let checked = RawPeer::<true>::new(held);
        let crossbeam = CrossbeamPeer(crossbeam_utils::sync::WaitGroup::new());
        let mutex = MutexCondvarPeer::new(held);
        let time = |peer: usize| match (peer, threads) {
            (0, 1) => time_one_thread(&errgroup, k),
            (1, 1) => time_one_thread(&raw, k),
            (2, 1) => time_one_thread(&crossbeam, k),
            (3, 1) => time_one_thread(&mutex, k),
            (4, 1) => time_one_thread(&checked, k),
            (0, _) => time_two_threads(&errgroup, k),
            (1, _) => time_two_threads(&raw, k),
            (2, _) => time_two_threads(&crossbeam, k),
            (3, _) => time_two_threads(&mutex, k),
            _ => time_two_threads(&checked, k),
        };
        let samples = errgroup_benches::interleave(rounds, 2, 5, time);
        let names = ["errgroup", "raw", "crossbeam", "mutex_condvar", "raw_checked"];
        for (i, name) in names.iter().enumerate() {
            println!(
                "interleaved {shape} {name:<14} {:>7.1} ns/task  ÷ raw {:.3}",
                errgroup_benches::median(&samples[i]),
                errgroup_benches::median_ratio(&samples[i], &samples[1]),
            );
        }
        println!(
            "interleaved {shape} errgroup_vs_checked {:>7.1} ns/task  ÷ raw_checked {:.3}",
            errgroup_benches::median(&samples[0]),
            errgroup_benches::median_ratio(&samples[0], &samples[4]),
        );
        errgroup.assert_idle();
        raw.assert_idle();
        mutex.assert_idle();
        checked.assert_idle();
    }
}

fn main() {
    if let Ok(rounds) = std::env::var("ERRGROUP_BENCH_INTERLEAVE") {
        interleaved(rounds.parse().expect("ERRGROUP_BENCH_INTERLEAVE: a number of rounds"));
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    peers_one_thread(&mut c, "wait_group_one_thread", 0);
    peers_two_threads(&mut c, "wait_group_two_threads", 0);
    peers_one_thread(&mut c, "wait_group_held_one_thread", 1);
    peers_two_threads(&mut c, "wait_group_held_two_threads", 1);
    c.final_summary();
}
