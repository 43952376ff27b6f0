//! Scenario `inline`: an inline group (`ErrGroup::inline()`, tasks run inside its own
//! future, no executor) against `FuturesUnordered` polled in one task, both inside
//! `futures_executor::block_on`. Each iteration, inside `block_on` as README shows, makes
//! the group, spawns (pushes) `n` trivial tasks returning `Ok(())` and `.await`s it (drains
//! the set, first error wins).
//!
//! Scenario `inline_yield`: the same, with every task pending once (it yields, waking
//! itself) before it finishes, as real tasks are at least once: this measures the wake-up
//! path of each side, not only spawn and completion.
//!
//! Profile one peer without criterion, e.g. under `valgrind --tool=callgrind`:
//! `ERRGROUP_BENCH_PROFILE=errgroup` (or `futures_unordered`; or `errgroup_threads`, the
//! tasks spawned from a second thread through a feeder while the group runs), `ERRGROUP_BENCH_RUNS`
//! (default 10), `ERRGROUP_BENCH_TASKS` (default 100000), `ERRGROUP_BENCH_YIELD=1` for
//! the yielding tasks.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::{
    future::Future,
    hint::black_box,
    pin::Pin,
    sync::atomic::{AtomicUsize, Ordering},
    task::{Context, Poll},
    time::Duration,
};

use criterion::{BenchmarkId, Criterion, Throughput};
use errgroup::ErrGroup;
use futures_util::{TryStreamExt, stream::FuturesUnordered};

const SIZES: [usize; 2] = [10_000, 100_000];

/// Pending once: wakes its own task, then finishes on the next poll.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A trivial task that counts itself, optionally yielding once first.
async fn task(ran: &AtomicUsize, yields: bool) -> Result<(), ()> {
    if yields {
        YieldOnce(false).await;
    }
    ran.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// README's shape: inside `block_on`, make the group, `try_spawn` each task, `.await` it.
fn errgroup_run(n: usize, yields: bool, ran: &AtomicUsize) {
    futures_executor::block_on(async {
        let group = ErrGroup::inline();
        for _ in 0..n {
            group.try_spawn(task(ran, yields)).unwrap();
        }
        group.await.unwrap();
    });
}

/// The same with a `FuturesUnordered`: push each task, drain it.
fn futures_unordered_run(n: usize, yields: bool, ran: &AtomicUsize) {
    futures_executor::block_on(async {
        let mut set = FuturesUnordered::new();
        for _ in 0..n {
            set.push(task(ran, yields));
        }
        // First error wins: `try_next` stops at it.
        while let Some(()) = set.try_next().await.unwrap() {}
    });
}

/// An inline group fed from another thread: a feeder (which keeps the group open) moves
/// to a second thread and spawns the `n` tasks there through its handle, while this thread
/// drives the group in `block_on`. Profiled only (the per-task count of a spawn from
/// another thread into an inline group).
fn errgroup_threads_run(n: usize, yields: bool, ran: &AtomicUsize) {
    let group = ErrGroup::inline();
    let feeder = group.feeder();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            for _ in 0..n {
                if feeder.try_spawn(task(ran, yields)).is_err() {
                    unreachable!("an unlimited, uncancelled group refused a task");
                }
            }
            // Dropping the feeder lets the group finish once its tasks have.
        });
        futures_executor::block_on(group.wait()).unwrap();
    });
}

/// One peer: runs `n` tasks (yielding once each or not), counting them in `ran`.
type Run = fn(usize, bool, &AtomicUsize);

fn scenario(c: &mut Criterion, id: &str, yields: bool) {
    let mut group = c.benchmark_group(id);
    group.sample_size(20).warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    for n in SIZES {
        group.throughput(Throughput::Elements(n as u64));
        for &(peer, run) in &PEERS[..2] {
            let ran = AtomicUsize::new(0);
            let mut iterations = 0;
            group.bench_function(BenchmarkId::new(peer, n), |b| {
                b.iter(|| {
                    run(black_box(n), yields, &ran);
                    iterations += 1;
                });
            });
            // Every task of every iteration ran.
            assert_eq!(ran.load(Ordering::Relaxed), iterations * n, "{id}/{peer}/{n}");
        }
    }
    group.finish();
}

fn inline(c: &mut Criterion) {
    scenario(c, "inline", false);
    scenario(c, "inline_yield", true);
}

/// The peers, by name.
/// The peers, by name; the ones after the first two are profiled only.
const PEERS: [(&str, Run); 3] = [
    ("errgroup", errgroup_run),
    ("futures_unordered", futures_unordered_run),
    ("errgroup_threads", errgroup_threads_run),
];

/// Runs one peer `runs` times for a profiler (see the module docs).
fn profile(run: Run, runs: u64) {
    let tasks = std::env::var("ERRGROUP_BENCH_TASKS")
        .map_or(100_000, |n| n.parse().expect("ERRGROUP_BENCH_TASKS: a number of tasks"));
    let yields = std::env::var("ERRGROUP_BENCH_YIELD").is_ok_and(|value| value == "1");
    let ran = AtomicUsize::new(0);
    for _ in 0..runs {
        run(tasks, yields, &ran);
    }
    assert_eq!(ran.load(Ordering::Relaxed), tasks * runs as usize);
}

fn main() {
    if let Some((run, runs)) = errgroup_benches::profile_request(&PEERS) {
        profile(run, runs);
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    inline(&mut c);
    c.final_summary();
}
