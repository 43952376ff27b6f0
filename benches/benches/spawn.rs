#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
//! Spawn and wait: the cost per task of starting `n` trivial tasks (each returns
//! `Ok(())`) and waiting for all of them, group construction included. Every peer runs as
//! README tells a user to: inside a task of the runtime (`errgroup_benches::in_task`: a
//! `tokio::spawn`ed task, as a server's handler is; on smol, a task of the executor).
//!
//! Scenarios (criterion groups) and peers (function ids), parameter = tasks per iteration:
//!
//! - `spawn_tokio_multi` (multi-thread runtime, exactly 2 workers) and
//!   `spawn_tokio_current` (current-thread runtime):
//!   - `errgroup`: `errgroup_tokio::group()`, `try_spawn` each (what a hot loop with no
//!     limit calls: synchronous, no `.await`), `.await` the group;
//!   - `floor`: `tokio::spawn` each, an `Arc` with an atomic countdown and a `Notify`
//!     (the last task calls `notify_one`, which stores a permit: no lost wake-up); the
//!     least a waiter can do, carrying no error;
//!   - `joinset`: `JoinSet::spawn` each, `join_next` until `None`, checking each result;
//!   - `tasktracker`: tokio-util `TaskTracker`, each task made cancellable with a clone of
//!     a `CancellationToken` (`run_until_cancelled`, cancel on error), `close`, `wait`;
//!   - `mpsc`: no library: `tokio::spawn` each, send its `Result` into an unbounded
//!     `tokio::sync::mpsc` channel, receive `n` results, the first error wins.
//! - `spawn_smol`: one `smol::Executor` driven by 2 threads (as the tokio multi-thread
//!   runtime has 2 workers), each peer inside a task of it; the same executor serves both
//!   peers, so only the group differs:
//!   - `errgroup`: errgroup-smol's `ExecutorSpawner` on that executor, `try_spawn` each,
//!     `.await` the group;
//!   - `smol_tasks`: `Executor::spawn` each, the `Task`s in a `Vec`, await each.
//!
//! The timed iteration is exactly the pattern; before timing each benchmark runs it once
//! with tasks that count themselves, and asserts that all `n` tasks ran.
//!
//! Run: `cargo bench -p errgroup-benches --bench spawn` (filter with e.g.
//! `-- spawn_tokio_current/errgroup/10000`).
//!
//! Profile one tokio peer without criterion, e.g. under `valgrind --tool=callgrind`:
//! `ERRGROUP_BENCH_PROFILE=errgroup` (or `floor`, `joinset`, `tasktracker`, `mpsc`; or
//! `errgroup_named` and `errgroup_named_shared`, errgroup's tasks named with a
//! `&'static str` and with one `Arc<str>` shared by every task: what a name costs;
//! `errgroup_handles`, every task with a `TaskHandle`, each awaited; `errgroup_tracked`, a
//! group that tracks its running tasks; for the per-task counts of BENCHMARKS.md:
//! `errgroup_yield`, `floor_yield`, `joinset_yield`, `tasktracker_yield`, every task pending
//! once; `errgroup_cooperative_yield`, a cooperative group whose tasks wait on its token
//! while pending once; `errgroup_limited`, `limit(64)` and `spawn(..).await`),
//! `ERRGROUP_BENCH_RUNS` (default 10), `ERRGROUP_BENCH_FLAVOR=current_thread` or
//! `multi_thread` (the default), `ERRGROUP_BENCH_TASKS` (default 100000).

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    thread,
    time::Duration,
};

use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, measurement::WallTime,
};
use errgroup_smol::{ExecutorSpawner, errgroup::ErrGroup};
use tokio::{
    runtime::Runtime,
    sync::{Notify, mpsc},
    task::JoinSet,
};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

/// Task counts per iteration.
const SIZES: [usize; 2] = [10_000, 100_000];

/// The tasks' error type (never produced).
type Error = &'static str;

/// Tasks run with `COUNT = true` (outside timing) add themselves here.
static RAN: AtomicUsize = AtomicUsize::new(0);

/// The task under test: trivial, `Ok(())`. Counts itself only in the checking run.
async fn work<const COUNT: bool>() -> Result<(), Error> {
    if COUNT {
        // Relaxed: read after the waiter synchronised with every task's end.
        RAN.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

// ---- tokio peers -------------------------------------------------------------------------

fn tokio_errgroup<const COUNT: bool>(rt: &Runtime, n: usize) {
    tokio_errgroup_of(rt, n, work::<COUNT>);
}

/// A group of `n` tasks made by `task` (a function item: no pointer in the task).
fn tokio_errgroup_of<T, F>(rt: &Runtime, n: usize, task: T)
where
    T: Fn() -> F + Send + 'static,
    F: Future<Output = Result<(), Error>> + Send + 'static,
{
    errgroup_benches::in_task(rt, async move {
        let group = errgroup_tokio::group::<Error>();
        for _ in 0..n {
            if group.try_spawn(task()).is_err() {
                unreachable!("an unlimited, uncancelled group refused a task");
            }
        }
        assert_eq!(group.await, Ok(()));
    });
}

/// As [`tokio_errgroup`], every task named: with a `&'static str` (`SHARED = false`), or
/// with one `Arc<str>` name that every task shares (`SHARED = true`, one reference count
/// per task). Profiled only (what a name costs), not compared.
fn tokio_errgroup_named<const SHARED: bool>(rt: &Runtime, n: usize) {
    errgroup_benches::in_task(rt, async move {
        let group = errgroup_tokio::group::<Error>();
        let shared: Arc<str> = Arc::from("worker");
        for _ in 0..n {
            let name = if SHARED {
                errgroup::TaskName::from(shared.clone())
            } else {
                errgroup::TaskName::from("worker")
            };
            if group.task().name(name).try_spawn(work::<false>()).is_err() {
                unreachable!("an unlimited, uncancelled group refused a task");
            }
        }
        assert_eq!(group.await, Ok(()));
    });
}

/// Every task with a handle of its own (`try_spawn_handle`), each handle awaited after the
/// group: what a per-task handle costs.
fn tokio_errgroup_handles(rt: &Runtime, n: usize) {
    errgroup_benches::in_task(rt, async move {
        let group = errgroup_tokio::group::<Error>();
        let mut handles = Vec::with_capacity(n);
        for _ in 0..n {
            match group.task().try_spawn_handle(work::<false>()) {
                Ok(handle) => handles.push(handle),
                Err(_) => unreachable!("an unlimited, uncancelled group refused a task"),
            }
        }
        assert_eq!(group.await, Ok(()));
        for handle in handles {
            assert!(matches!(handle.await, errgroup::Outcome::Succeeded(())));
        }
    });
}

/// A group that tracks its running tasks (`track_pending`): what the registry costs.
fn tokio_errgroup_tracked(rt: &Runtime, n: usize) {
    errgroup_benches::in_task(rt, async move {
        let group = errgroup::ErrGroup::<Error, _>::builder()
            .track_pending()
            .spawner(errgroup_tokio::Spawner::current());
        for _ in 0..n {
            if group.try_spawn(work::<false>()).is_err() {
                unreachable!("an unlimited, uncancelled group refused a task");
            }
        }
        assert_eq!(group.await, Ok(()));
    });
}

/// The counted shapes' task that is pending once: it yields to the runtime (waking
/// itself), then returns `Ok(())`.
async fn yielding() -> Result<(), Error> {
    tokio::task::yield_now().await;
    Ok(())
}

/// [`tokio_errgroup`] with every task pending once ([`yielding`]): a task that waits
/// records its waker in the group's registry. Profiled only (the per-task count).
fn tokio_errgroup_yield(rt: &Runtime, n: usize) {
    tokio_errgroup_of(rt, n, yielding);
}

/// A cooperative group whose every task waits on the group's token while it works
/// (pending once, as [`yielding`]): `select` of `token.cancelled()` and the work. Profiled
/// only (the per-task count of cooperative mode).
fn tokio_errgroup_cooperative_yield(rt: &Runtime, n: usize) {
    use futures_util::future::{Either, select};
    errgroup_benches::in_task(rt, async move {
        let group = errgroup::ErrGroup::<Error, _>::builder()
            .cooperative()
            .spawner(errgroup_tokio::Spawner::current());
        let token = group.token();
        for _ in 0..n {
            let token = token.clone();
            let task = async move {
                let cancelled = std::pin::pin!(token.cancelled());
                match select(cancelled, std::pin::pin!(yielding())).await {
                    Either::Left(_) => Err("cancelled"),
                    Either::Right((done, _)) => done,
                }
            };
            if group.try_spawn(task).is_err() {
                unreachable!("an unlimited, uncancelled group refused a task");
            }
        }
        assert_eq!(group.await, Ok(()));
    });
}

/// A group limited to 64 running tasks, each spawned with `spawn(..).await` (README's
/// back-pressure), trivial tasks. Profiled only (the per-task count of the limited path).
fn tokio_errgroup_limited(rt: &Runtime, n: usize) {
    errgroup_benches::in_task(rt, async move {
        let group = errgroup_tokio::group::<Error>();
        group.limit(64).expect("a limit above zero");
        for _ in 0..n {
            group.spawn(work::<false>()).await.expect("an uncancelled group takes it");
        }
        assert_eq!(group.await, Ok(()));
    });
}

/// [`tokio_floor`] with every task pending once.
fn tokio_floor_yield(rt: &Runtime, n: usize) {
    tokio_floor_of(rt, n, yielding);
}

/// [`tokio_joinset`] with every task pending once.
fn tokio_joinset_yield(rt: &Runtime, n: usize) {
    tokio_joinset_of(rt, n, yielding);
}

/// [`tokio_tasktracker`] with every task pending once, waiting on the token meanwhile.
fn tokio_tasktracker_yield(rt: &Runtime, n: usize) {
    tokio_tasktracker_of(rt, n, yielding);
}

/// A countdown the last task signals.
struct Countdown {
    remaining: AtomicUsize,
    done: Notify,
}

fn tokio_floor<const COUNT: bool>(rt: &Runtime, n: usize) {
    tokio_floor_of(rt, n, work::<COUNT>);
}

fn tokio_floor_of<T, F>(rt: &Runtime, n: usize, task: T)
where
    T: Fn() -> F + Copy + Send + 'static,
    F: Future<Output = Result<(), Error>> + Send + 'static,
{
    errgroup_benches::in_task(rt, async move {
        let countdown = Arc::new(Countdown { remaining: AtomicUsize::new(n), done: Notify::new() });
        for _ in 0..n {
            let countdown = countdown.clone();
            drop(tokio::spawn(async move {
                let _ = task().await;
                // AcqRel: the last decrement sees every task's effects, and the waiter's
                // acquire load below sees the last one's.
                if countdown.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
                    // Stores a permit if the waiter is not waiting yet: no lost wake-up.
                    countdown.done.notify_one();
                }
            }));
        }
        if n > 0 {
            countdown.done.notified().await;
        }
        assert_eq!(countdown.remaining.load(Ordering::Acquire), 0);
    });
}

fn tokio_joinset<const COUNT: bool>(rt: &Runtime, n: usize) {
    tokio_joinset_of(rt, n, work::<COUNT>);
}

fn tokio_joinset_of<T, F>(rt: &Runtime, n: usize, task: T)
where
    T: Fn() -> F + Copy + Send + 'static,
    F: Future<Output = Result<(), Error>> + Send + 'static,
{
    errgroup_benches::in_task(rt, async move {
        let mut set = JoinSet::new();
        for _ in 0..n {
            set.spawn(task());
        }
        let mut joined = 0;
        let mut first_error = None;
        while let Some(joined_task) = set.join_next().await {
            joined += 1;
            if let Err(error) = joined_task.expect("a task panicked or was cancelled") {
                first_error.get_or_insert(error);
            }
        }
        assert_eq!((joined, first_error), (n, None));
    });
}

fn tokio_tasktracker<const COUNT: bool>(rt: &Runtime, n: usize) {
    tokio_tasktracker_of(rt, n, work::<COUNT>);
}

fn tokio_tasktracker_of<T, F>(rt: &Runtime, n: usize, task: T)
where
    T: Fn() -> F + Copy + Send + 'static,
    F: Future<Output = Result<(), Error>> + Send + 'static,
{
    errgroup_benches::in_task(rt, async move {
        let tracker = TaskTracker::new();
        let token = CancellationToken::new();
        for _ in 0..n {
            let token = token.clone();
            drop(tracker.spawn(async move {
                // Cancellable, and cancels the siblings on error (the error itself is not
                // carried to the waiter: that would take one more shared slot).
                if let Some(Err(_)) = token.run_until_cancelled(task()).await {
                    token.cancel();
                }
            }));
        }
        tracker.close();
        tracker.wait().await;
        assert!(!token.is_cancelled());
    });
}

fn tokio_mpsc<const COUNT: bool>(rt: &Runtime, n: usize) {
    errgroup_benches::in_task(rt, async move {
        let (tx, mut rx) = mpsc::unbounded_channel();
        for _ in 0..n {
            let tx = tx.clone();
            drop(tokio::spawn(async move {
                let _ = tx.send(work::<COUNT>().await);
            }));
        }
        drop(tx);
        let mut received = 0;
        let mut first_error = None;
        while let Some(outcome) = rx.recv().await {
            received += 1;
            if let Err(error) = outcome {
                first_error.get_or_insert(error);
            }
        }
        assert_eq!((received, first_error), (n, None));
    });
}

// ---- smol peers --------------------------------------------------------------------------

/// A `smol::Executor` run by 2 threads until dropped.
struct SmolPool {
    executor: Arc<smol::Executor<'static>>,
    stop: Option<smol::channel::Sender<()>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl SmolPool {
    fn new(threads: usize) -> Self {
        let executor = Arc::new(smol::Executor::new());
        let (stop, stopped) = smol::channel::bounded::<()>(1);
        let threads = (0..threads)
            .map(|i| {
                let executor = executor.clone();
                let stopped = stopped.clone();
                thread::Builder::new()
                    .name(format!("smol-worker-{i}"))
                    .spawn(move || {
                        // Runs tasks until the sender is dropped (`recv` then fails).
                        let _ = smol::block_on(executor.run(stopped.recv()));
                    })
                    .expect("spawn a smol worker thread")
            })
            .collect();
        Self { executor, stop: Some(stop), threads }
    }
}

impl SmolPool {
    /// Runs `body` inside a task of the executor (README's shape), waiting for it from
    /// `smol::block_on` on this thread.
    fn in_task(&self, body: impl Future<Output = ()> + Send + 'static) {
        smol::block_on(self.executor.spawn(body));
    }
}

impl Drop for SmolPool {
    fn drop(&mut self) {
        drop(self.stop.take());
        for worker in self.threads.drain(..) {
            worker.join().expect("a smol worker panicked");
        }
    }
}

fn smol_errgroup<const COUNT: bool>(pool: &SmolPool, n: usize) {
    let executor = pool.executor.clone();
    pool.in_task(async move {
        let group = ErrGroup::<Error, _>::new(ExecutorSpawner::new(executor));
        for _ in 0..n {
            if group.try_spawn(work::<COUNT>()).is_err() {
                unreachable!("an unlimited, uncancelled group refused a task");
            }
        }
        assert_eq!(group.await, Ok(()));
    });
}

fn smol_tasks<const COUNT: bool>(pool: &SmolPool, n: usize) {
    let executor = pool.executor.clone();
    pool.in_task(async move {
        let tasks: Vec<smol::Task<Result<(), Error>>> =
            (0..n).map(|_| executor.spawn(work::<COUNT>())).collect();
        let mut first_error = None;
        for task in tasks {
            if let Err(error) = task.await {
                first_error.get_or_insert(error);
            }
        }
        assert_eq!(first_error, None);
    });
}

// ---- harness -----------------------------------------------------------------------------

/// Runs `checked` once outside timing and asserts all `n` tasks ran, then times `timed`.
fn peer(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    n: usize,
    checked: impl Fn(usize),
    timed: impl Fn(usize),
) {
    let before = RAN.load(Ordering::Relaxed);
    checked(n);
    let ran = RAN.load(Ordering::Relaxed) - before;
    assert_eq!(ran, n, "{name}: {ran} of {n} tasks ran");
    group.bench_with_input(BenchmarkId::new(name, n), &n, |b, &n| b.iter(|| timed(n)));
}

fn scenario<'c>(c: &'c mut Criterion, id: &str) -> BenchmarkGroup<'c, WallTime> {
    let mut group = c.benchmark_group(id);
    // One iteration takes milliseconds: flat sampling keeps the run short.
    group.sampling_mode(SamplingMode::Flat);
    group
}

fn tokio_scenario(c: &mut Criterion, id: &str, rt: &Runtime) {
    let mut group = scenario(c, id);
    for n in SIZES {
        group.throughput(Throughput::Elements(n as u64));
        peer(
            &mut group,
            "errgroup",
            n,
            |n| tokio_errgroup::<true>(rt, n),
            |n| {
                tokio_errgroup::<false>(rt, n);
            },
        );
        peer(
            &mut group,
            "floor",
            n,
            |n| tokio_floor::<true>(rt, n),
            |n| tokio_floor::<false>(rt, n),
        );
        peer(
            &mut group,
            "joinset",
            n,
            |n| tokio_joinset::<true>(rt, n),
            |n| {
                tokio_joinset::<false>(rt, n);
            },
        );
        peer(
            &mut group,
            "tasktracker",
            n,
            |n| tokio_tasktracker::<true>(rt, n),
            |n| {
                tokio_tasktracker::<false>(rt, n);
            },
        );
        peer(&mut group, "mpsc", n, |n| tokio_mpsc::<true>(rt, n), |n| tokio_mpsc::<false>(rt, n));
    }
    group.finish();
}

fn spawn_tokio_multi(c: &mut Criterion) {
    tokio_scenario(c, "spawn_tokio_multi", &errgroup_benches::two_worker_runtime());
}

fn spawn_tokio_current(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("build a tokio current-thread runtime");
    tokio_scenario(c, "spawn_tokio_current", &rt);
}

fn spawn_smol(c: &mut Criterion) {
    let pool = SmolPool::new(2);
    let mut group = scenario(c, "spawn_smol");
    for n in SIZES {
        group.throughput(Throughput::Elements(n as u64));
        peer(
            &mut group,
            "errgroup",
            n,
            |n| smol_errgroup::<true>(&pool, n),
            |n| {
                smol_errgroup::<false>(&pool, n);
            },
        );
        peer(
            &mut group,
            "smol_tasks",
            n,
            |n| smol_tasks::<true>(&pool, n),
            |n| {
                smol_tasks::<false>(&pool, n);
            },
        );
    }
    group.finish();
}

type TokioPeer = fn(&Runtime, usize);

const TOKIO_PEERS: [(&str, TokioPeer); 15] = [
    ("errgroup", tokio_errgroup::<false>),
    ("floor", tokio_floor::<false>),
    ("joinset", tokio_joinset::<false>),
    ("tasktracker", tokio_tasktracker::<false>),
    ("mpsc", tokio_mpsc::<false>),
    ("errgroup_named", tokio_errgroup_named::<false>),
    ("errgroup_named_shared", tokio_errgroup_named::<true>),
    ("errgroup_handles", tokio_errgroup_handles),
    ("errgroup_tracked", tokio_errgroup_tracked),
    ("errgroup_yield", tokio_errgroup_yield),
    ("errgroup_cooperative_yield", tokio_errgroup_cooperative_yield),
    ("errgroup_limited", tokio_errgroup_limited),
    ("floor_yield", tokio_floor_yield),
    ("joinset_yield", tokio_joinset_yield),
    ("tasktracker_yield", tokio_tasktracker_yield),
];

fn profile(run: TokioPeer, runs: u64) {
    let runtime = errgroup_benches::profile_runtime();
    let tasks = std::env::var("ERRGROUP_BENCH_TASKS")
        .map_or(100_000, |n| n.parse().expect("ERRGROUP_BENCH_TASKS: a number of tasks"));
    for _ in 0..runs {
        run(&runtime, tasks);
    }
}

fn main() {
    if let Some((run, runs)) = errgroup_benches::profile_request(&TOKIO_PEERS) {
        profile(run, runs);
        return;
    }
    // As `criterion_group!`/`criterion_main!`, which would add an undocumented `pub fn`.
    let mut criterion = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    spawn_tokio_multi(&mut criterion);
    spawn_tokio_current(&mut criterion);
    spawn_smol(&mut criterion);
    criterion.final_summary();
}
