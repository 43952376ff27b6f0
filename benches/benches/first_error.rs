//! Scenario `first_error`: how fast the first error stops 10 000 pending tasks and reaches
//! the waiter, on a tokio multi-thread runtime with 2 workers.
//!
//! Each iteration spawns 10 000 tasks that never finish by themselves (each holds a drop
//! guard that counts its future dropped), waits until every one of them has been polled once
//! (so each is really parked, waker registered), then spawns one task that fails. The
//! number reported is the time from that task's `return Err(..)` (an `Instant` taken just
//! before it returns) to the waiter having its result, with all 10 000 futures dropped: one
//! "element" is one failure, so criterion's throughput line is failures per second, and its
//! time line is the latency of one failure, not a per-task cost. Spawning the 10 000 tasks
//! and parking them is not timed (`iter_custom`).
//!
//! Peers, one after the other in the same process:
//! - `errgroup`: a default (fail-fast) group on the runtime; the pending tasks are plain
//!   `std::future::pending()` futures, since the group aborts them itself. Waiter: `wait`.
//! - `errgroup_cooperative`: the same group made `cooperative()`: the pending tasks wait on
//!   the group's token (`token.cancelled().await`) and return when it is cancelled, so the
//!   group drops nothing; what the cooperative mode costs a first error.
//! - `joinset`: tokio's `JoinSet`; the waiter loops on `join_next`, calls `abort_all` on the
//!   first `Err` and drains the rest.
//! - `tasktracker`: tokio-util's `TaskTracker` plus a `CancellationToken`; the pending tasks
//!   run under `token.run_until_cancelled`, the failing task stores its error in a shared
//!   slot and cancels the token; waiter: `close()` then `wait()`.
//!
//! - `abort_floor`: the physical floor, no group: raw tokio tasks aborted through their
//!   `AbortHandle`s by the failing task, and a countdown of dropped futures that the waiter
//!   awaits after taking the error from the failing task's `JoinHandle`.
//! - `abort_floor_padded`: the same with 40 bytes more in each pending future, so that
//!   tokio's cell for it is 256 bytes, as errgroup's is: what the cell class costs.
//! - `joinset_padded`: `joinset` with 40 bytes more in each pending future (errgroup's
//!   cell class), to tell the cell's part of the ratio from the rest.
//! - `wake_floor`: the floor of stopping tasks through their wakers, as a group that works
//!   on any executor must (it has no runtime's abort): each pending task keeps its waker in
//!   a `Mutex<Vec<Waker>>`, the failing task sets a flag and wakes them all, and each woken
//!   task sees the flag and returns.
//!
//! After each iteration the bench asserts that the waiter got the error and that all
//! 10 000 pending futures had been dropped when it got it.
//!
//! Interleaved: with `ERRGROUP_BENCH_INTERLEAVE=<rounds>`, the binary skips criterion and
//! runs every peer once per round in a rotating order, printing each peer's median latency
//! and the median within-round ratio of errgroup to it (the ratios BENCHMARKS.md quotes:
//! criterion's one-peer-after-another windows carry the machine's drift into a ratio).
//!
//! Profiling: with `ERRGROUP_BENCH_PROFILE=<peer>` set (and optionally
//! `ERRGROUP_BENCH_RUNS=<n>`, default 10), the binary skips criterion and runs that peer's
//! iteration `n` times (setup included), for `valgrind --tool=callgrind` or `perf`; with
//! `n = 1` and `--zero-before='*Probe::fail*'`, callgrind counts only what follows the
//! failure.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std program

use std::{
    future::pending,
    pin::Pin,
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicUsize, Ordering::SeqCst},
    },
    time::{Duration, Instant},
};

use criterion::{BenchmarkId, Criterion, Throughput};
use tokio::{runtime::Runtime, sync::Notify, task::JoinSet};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

/// The tasks left pending when the error arrives.
const PENDING: usize = 10_000;

/// The error of the failing task.
#[derive(Debug, PartialEq, Eq)]
struct Failed;

/// What one iteration shares with its tasks.
#[derive(Default)]
struct Probe {
    /// Pending tasks polled at least once.
    started: AtomicUsize,
    /// Notified by the last pending task to start.
    all_started: Notify,
    /// Notified when the last pending future is dropped (the floor's countdown).
    all_dropped: Notify,
    /// Pending futures dropped.
    dropped: AtomicUsize,
    /// When the failing task returned its error.
    failed_at: OnceLock<Instant>,
    /// The error, for the `tasktracker` peer, which has no channel of its own for it.
    error: Mutex<Option<Failed>>,
}

impl Probe {
    /// Records the failure's instant and returns the error: call it as the task's last act.
    /// Never inlined, so that a profiler can start counting here
    /// (`valgrind --tool=callgrind --zero-before='*Probe::fail*'`).
    #[inline(never)]
    fn fail(&self) -> Failed {
        self.failed_at.set(Instant::now()).expect("one failure per iteration");
        Failed
    }

    /// Checks the iteration's outcome, seen by the waiter at `end`, and returns the latency
    /// from the failure to `end`.
    fn finish(&self, end: Instant, outcome: Result<(), Failed>) -> Duration {
        // First of all: every pending future must be gone by the time the waiter has the
        // outcome.
        assert_eq!(self.dropped.load(SeqCst), PENDING, "every pending future was dropped");
        assert_eq!(outcome, Err(Failed), "the waiter got the error");
        end - *self.failed_at.get().expect("the failing task ran")
    }
}

/// Held by a pending task from its first poll: counts the task started, and its future
/// dropped when it goes.
struct DropGuard(Arc<Probe>);

impl DropGuard {
    fn start(probe: Arc<Probe>) -> Self {
        if probe.started.fetch_add(1, SeqCst) + 1 == PENDING {
            // `notify_one` keeps a permit if the waiter is not waiting yet: nothing lost.
            probe.all_started.notify_one();
        }
        Self(probe)
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if self.0.dropped.fetch_add(1, SeqCst) + 1 == PENDING {
            self.0.all_dropped.notify_one();
        }
    }
}

async fn errgroup_once(probe: Arc<Probe>) -> Duration {
    let group = errgroup_tokio::group::<Failed>();
    for _ in 0..PENDING {
        let probe = probe.clone();
        let task = async move {
            let _guard = DropGuard::start(probe);
            pending::<Result<(), Failed>>().await
        };
        group.try_spawn(task).expect("no limit, not cancelled");
    }
    probe.all_started.notified().await;
    let failing = probe.clone();
    group.try_spawn(async move { Err(failing.fail()) }).expect("not cancelled yet");
    let outcome = group.wait().await;
    probe.finish(Instant::now(), outcome)
}

/// The same with a cooperative group: nothing is dropped by the group; each pending task
/// waits on the group's token and returns when it is cancelled (its guard then drops).
async fn errgroup_cooperative_once(probe: Arc<Probe>) -> Duration {
    let group = errgroup::ErrGroup::<Failed, _>::builder()
        .cooperative()
        .spawner(errgroup_tokio::Spawner::current());
    let token = group.token();
    for _ in 0..PENDING {
        let (probe, token) = (probe.clone(), token.clone());
        let task = async move {
            let _guard = DropGuard::start(probe);
            token.cancelled().await;
            Ok(())
        };
        group.try_spawn(task).expect("no limit, not cancelled");
    }
    probe.all_started.notified().await;
    let failing = probe.clone();
    group.try_spawn(async move { Err(failing.fail()) }).expect("not cancelled yet");
    let outcome = group.wait().await;
    probe.finish(Instant::now(), outcome)
}

/// `JoinSet` + `abort_all` + drain; with `PAD` bytes more in each pending future
/// (`joinset_padded`: 40, so that tokio's cell for it is the 256 bytes errgroup's take).
async fn joinset_once<const PAD: usize>(probe: Arc<Probe>) -> Duration {
    let mut set = JoinSet::new();
    for _ in 0..PENDING {
        let probe = probe.clone();
        let pad = [0u8; PAD];
        set.spawn(async move {
            let _guard = DropGuard::start(probe);
            std::hint::black_box(&pad);
            pending::<Result<(), Failed>>().await
        });
    }
    probe.all_started.notified().await;
    let failing = probe.clone();
    set.spawn(async move { Err(failing.fail()) });
    let mut outcome = Ok(());
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(Err(error)) => {
                assert!(outcome.is_ok(), "only one task fails");
                outcome = Err(error);
                set.abort_all();
            }
            Ok(Ok(())) => unreachable!("the pending tasks never finish by themselves"),
            Err(error) => assert!(error.is_cancelled(), "aborted, not panicked"),
        }
    }
    probe.finish(Instant::now(), outcome)
}

async fn tasktracker_once(probe: Arc<Probe>) -> Duration {
    let tracker = TaskTracker::new();
    let token = CancellationToken::new();
    for _ in 0..PENDING {
        let probe = probe.clone();
        let token = token.clone();
        tracker.spawn(async move {
            let _guard = DropGuard::start(probe);
            token.run_until_cancelled(pending::<()>()).await;
        });
    }
    probe.all_started.notified().await;
    let failing = probe.clone();
    let canceller = token.clone();
    tracker.spawn(async move {
        let error = failing.fail();
        failing.error.lock().expect("not poisoned").get_or_insert(error);
        canceller.cancel();
    });
    tracker.close();
    tracker.wait().await;
    let end = Instant::now();
    let outcome = probe.error.lock().expect("not poisoned").take().map_or(Ok(()), Err);
    probe.finish(end, outcome)
}

/// The physical floor: what it costs tokio to stop 10 000 tasks and tell a waiter, with no
/// group at all. Raw `tokio::spawn`ed tasks, each aborted through its `AbortHandle` by the
/// failing task right after its failure; the waiter takes the error from the failing
/// task's `JoinHandle`, then waits for the countdown of dropped futures to reach zero.
///
/// With `PAD` bytes more in each pending future (`abort_floor_padded`: 40, the size of
/// errgroup's wrapper around a task's future), tokio puts each task in the 256-byte cell
/// class that errgroup's tasks land in, where the plain floor's fit in 128: what the cell
/// class alone costs.
async fn abort_floor_once<const PAD: usize>(probe: Arc<Probe>) -> Duration {
    let handles: Vec<_> = (0..PENDING)
        .map(|_| {
            let probe = probe.clone();
            let pad = [0u8; PAD];
            tokio::spawn(async move {
                let _guard = DropGuard::start(probe);
                std::hint::black_box(&pad);
                pending::<()>().await;
            })
            .abort_handle()
        })
        .collect();
    probe.all_started.notified().await;
    let failing = probe.clone();
    let failed = tokio::spawn(async move {
        let error = failing.fail();
        for handle in &handles {
            handle.abort();
        }
        error
    });
    let error = failed.await.expect("the failing task ran");
    probe.all_dropped.notified().await;
    probe.finish(Instant::now(), Err(error))
}

/// A floor that stops its tasks the way a group must when it cannot abort them: each
/// pending task keeps its waker in a shared `Mutex<Vec<Waker>>`; the failing task sets a
/// flag, takes the wakers and wakes each; a woken task sees the flag and returns.
async fn wake_floor_once(probe: Arc<Probe>) -> Duration {
    use std::{
        sync::atomic::AtomicBool,
        task::{Poll, Waker},
    };
    #[derive(Default)]
    struct Stop {
        stopped: AtomicBool,
        wakers: Mutex<Vec<Waker>>,
    }
    let stop = Arc::new(Stop::default());
    for _ in 0..PENDING {
        let (probe, stop) = (probe.clone(), stop.clone());
        drop(tokio::spawn(async move {
            let _guard = DropGuard::start(probe);
            std::future::poll_fn(|cx| {
                if stop.stopped.load(SeqCst) {
                    return Poll::Ready(());
                }
                stop.wakers.lock().expect("not poisoned").push(cx.waker().clone());
                Poll::Pending
            })
            .await;
        }));
    }
    probe.all_started.notified().await;
    let failing = probe.clone();
    let failed = tokio::spawn(async move {
        let error = failing.fail();
        stop.stopped.store(true, SeqCst);
        for waker in std::mem::take(&mut *stop.wakers.lock().expect("not poisoned")) {
            waker.wake();
        }
        error
    });
    let error = failed.await.expect("the failing task ran");
    probe.all_dropped.notified().await;
    probe.finish(Instant::now(), Err(error))
}

/// One iteration of a peer: returns the latency from the failure to the waiter's result.
type Once = fn(Arc<Probe>) -> Pin<Box<dyn Future<Output = Duration> + Send>>;

/// The peers, ours first.
const PEERS: [(&str, Once); 8] = [
    ("errgroup", |probe| Box::pin(errgroup_once(probe))),
    ("errgroup_cooperative", |probe| Box::pin(errgroup_cooperative_once(probe))),
    ("joinset", |probe| Box::pin(joinset_once::<0>(probe))),
    ("tasktracker", |probe| Box::pin(tasktracker_once(probe))),
    ("abort_floor", |probe| Box::pin(abort_floor_once::<0>(probe))),
    ("abort_floor_padded", |probe| Box::pin(abort_floor_once::<40>(probe))),
    ("wake_floor", |probe| Box::pin(wake_floor_once(probe))),
    ("joinset_padded", |probe| Box::pin(joinset_once::<40>(probe))),
];

/// Runs `once` `iters` times on `runtime`, each inside a task of the runtime as README
/// shows (`errgroup_benches::in_task`), and sums the latencies it reports.
fn run(runtime: &Runtime, iters: u64, once: Once) -> Duration {
    (0..iters).map(|_| errgroup_benches::in_task(runtime, once(Arc::default()))).sum()
}

fn first_error(c: &mut Criterion) {
    let runtime = errgroup_benches::two_worker_runtime();
    let mut group = c.benchmark_group("first_error");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(1));
    for (peer, once) in PEERS {
        group.bench_function(BenchmarkId::new(peer, PENDING), |b| {
            b.iter_custom(|iters| run(&runtime, iters, once));
        });
    }
    group.finish();
}

/// `ERRGROUP_BENCH_INTERLEAVE=<rounds>`: every peer once per round, in a rotating order
/// ([`errgroup_benches::interleave`]), and each peer's median latency and median ratio to
/// `errgroup` within a round, instead of criterion's one peer after another.
fn interleaved(rounds: usize) {
    let runtime = errgroup_benches::two_worker_runtime();
    let samples = errgroup_benches::interleave(rounds, 2, PEERS.len(), |peer| {
        run(&runtime, 1, PEERS[peer].1).as_nanos() as f64
    });
    for (peer, (name, _)) in PEERS.iter().enumerate() {
        println!(
            "first_error interleaved {name:<22} {:>12.0} ns  errgroup ÷ {name}: {:.3}",
            errgroup_benches::median(&samples[peer]),
            errgroup_benches::median_ratio(&samples[0], &samples[peer]),
        );
    }
}

fn main() {
    if let Ok(rounds) = std::env::var("ERRGROUP_BENCH_INTERLEAVE") {
        interleaved(rounds.parse().expect("ERRGROUP_BENCH_INTERLEAVE: a number of rounds"));
        return;
    }
    // A profiler's run of one peer: see `errgroup_benches::profile_request`.
    if let Some((once, runs)) = errgroup_benches::profile_request(&PEERS) {
        run(&errgroup_benches::two_worker_runtime(), runs, once);
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    first_error(&mut criterion);
    criterion.final_summary();
}
