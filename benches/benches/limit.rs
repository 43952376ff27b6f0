//! Scenario `limit64`: at most 64 tasks at once over 10 000 tasks that each yield ten times
//! (`tokio::task::yield_now()`), on a tokio multi-thread runtime with 2 workers. The
//! spawning loop and the final wait run inside a task of the runtime, as README shows
//! (`errgroup_benches::in_task`); the number is the time per task.
//!
//! Peers, one after the other in the same process:
//! - `errgroup`: a default group with `limit(64)`; `spawn(task).await` for each task (it
//!   waits for a free slot), then `wait`.
//! - `tokio_semaphore`: hand-rolled with `Arc<tokio::sync::Semaphore>` of 64 permits:
//!   `acquire_owned().await`, then `tokio::spawn` with the permit moved into the task. The
//!   wait for the end is the cheapest correct one: take all 64 permits back
//!   (`acquire_many(64)`); since every task holds its permit until it ends, holding them all
//!   means every task has ended. No `JoinHandle` is kept, so nothing per task but the
//!   permit (and, unlike a group, a panicking task goes unnoticed).
//! - `async_lock_semaphore`: the same with `async_lock::Semaphore::acquire_arc`, waiting for
//!   the end by acquiring its 64 permits one by one.
//!
//! Before each peer is timed, one untimed run with counters checks that every task ran to
//! its end and that no more than 64 ran at once; the timed runs carry no counters.
//!
//! Profiling: with `ERRGROUP_BENCH_PROFILE=<peer>` set (and optionally
//! `ERRGROUP_BENCH_RUNS=<n>`, default 10, and `ERRGROUP_BENCH_FLAVOR=current_thread`), the
//! binary skips criterion and runs that peer `n` times, for `valgrind --tool=callgrind` or
//! `perf`. Under valgrind, whose threads take turns, the multi-thread runtime rarely makes a
//! spawn wait for a slot; the current-thread runtime makes every spawn past the 64th wait.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std program

use std::{
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering::SeqCst},
    },
    time::Duration,
};

use criterion::{BenchmarkId, Criterion, Throughput};

/// Tasks per iteration.
const TASKS: usize = 10_000;
/// The most tasks active at once.
const LIMIT: usize = 64;
/// `yield_now` calls per task.
const YIELDS: usize = 10;

/// The counters of a checked run.
#[derive(Default)]
struct Probe {
    running: AtomicUsize,
    max_running: AtomicUsize,
    completed: AtomicUsize,
}

impl Probe {
    fn check(&self, peer: &str) {
        assert_eq!(self.completed.load(SeqCst), TASKS, "{peer}: every task ran to its end");
        assert_eq!(self.running.load(SeqCst), 0, "{peer}: no task is still running");
        let max = self.max_running.load(SeqCst);
        assert!((1..=LIMIT).contains(&max), "{peer}: {max} tasks ran at once, limit {LIMIT}");
    }
}

/// Counts a task running while it lives.
struct Running(Arc<Probe>);

impl Running {
    fn enter(probe: Arc<Probe>) -> Self {
        let now = probe.running.fetch_add(1, SeqCst) + 1;
        probe.max_running.fetch_max(now, SeqCst);
        Self(probe)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, SeqCst);
    }
}

/// One task's work: yield ten times. With a probe, counted while it runs.
async fn work(probe: Option<Arc<Probe>>) {
    let running = probe.map(Running::enter);
    for _ in 0..YIELDS {
        tokio::task::yield_now().await;
    }
    if let Some(running) = running {
        running.0.completed.fetch_add(1, SeqCst);
    }
}

async fn errgroup_run(probe: Option<Arc<Probe>>) {
    let group = errgroup_tokio::group::<()>();
    group.limit(LIMIT).expect("a non-zero limit");
    for _ in 0..TASKS {
        let probe = probe.clone();
        let task = async move {
            work(probe).await;
            Ok(())
        };
        group.spawn(task).await.expect("never cancelled");
    }
    group.wait().await.expect("no task fails");
}

async fn tokio_semaphore_run(probe: Option<Arc<Probe>>) {
    let semaphore = Arc::new(tokio::sync::Semaphore::new(LIMIT));
    for _ in 0..TASKS {
        let permit = semaphore.clone().acquire_owned().await.expect("never closed");
        let probe = probe.clone();
        drop(tokio::spawn(async move {
            let _permit = permit;
            work(probe).await;
        }));
    }
    // Each task holds its permit until it ends: with all of them back, every task ended.
    let all = u32::try_from(LIMIT).expect("a small limit");
    drop(semaphore.acquire_many(all).await.expect("never closed"));
}

async fn async_lock_semaphore_run(probe: Option<Arc<Probe>>) {
    let semaphore = Arc::new(async_lock::Semaphore::new(LIMIT));
    for _ in 0..TASKS {
        let permit = semaphore.acquire_arc().await;
        let probe = probe.clone();
        drop(tokio::spawn(async move {
            let _permit = permit;
            work(probe).await;
        }));
    }
    // As above, one permit at a time (async-lock has no `acquire_many`).
    let mut all = Vec::with_capacity(LIMIT);
    for _ in 0..LIMIT {
        all.push(semaphore.acquire_arc().await);
    }
}

type Run = fn(Option<Arc<Probe>>) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// The peers, ours first.
const PEERS: [(&str, Run); 3] = [
    ("errgroup", |probe| Box::pin(errgroup_run(probe))),
    ("tokio_semaphore", |probe| Box::pin(tokio_semaphore_run(probe))),
    ("async_lock_semaphore", |probe| Box::pin(async_lock_semaphore_run(probe))),
];

fn limit64(c: &mut Criterion) {
    let runtime = errgroup_benches::two_worker_runtime();
    let mut group = c.benchmark_group("limit64");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(TASKS as u64));
    for (peer, run) in PEERS {
        let probe = Arc::new(Probe::default());
        errgroup_benches::in_task(&runtime, run(Some(probe.clone())));
        probe.check(peer);
        group.bench_function(BenchmarkId::new(peer, TASKS), |b| {
            b.iter(|| errgroup_benches::in_task(&runtime, run(None)));
        });
    }
    group.finish();
}

/// Runs one peer `runs` times, for a profiler (see `errgroup_benches::profile_request`), on the benched
/// runtime or, with `ERRGROUP_BENCH_FLAVOR=current_thread`, on a current-thread runtime
/// (deterministic: every spawn past the 64th waits for a slot).
fn profile(run: Run, runs: u64) {
    let runtime = errgroup_benches::profile_runtime();
    for _ in 0..runs {
        errgroup_benches::in_task(&runtime, run(None));
    }
}

fn main() {
    if let Some((run, runs)) = errgroup_benches::profile_request(&PEERS) {
        profile(run, runs);
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    limit64(&mut criterion);
    criterion.final_summary();
}
