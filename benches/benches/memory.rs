//! Scenario `memory`: heap bytes, measured with `stats_alloc` as the global allocator (live
//! bytes = allocated - deallocated, whole process). A plain `main` that prints one line per
//! measurement, `memory <scenario> <peer> <value>`, plus the difference to the scenario's
//! reference peer:
//!
//! - `pending_tokio`: bytes per pending task with 100k tasks that never finish until
//!   cancelled, on a tokio current-thread runtime: `errgroup` against `floor`
//!   (`tokio::spawn` + a countdown on drop + `Notify`; cancelled by shutting the runtime
//!   down, so it carries no cancellation state at all), `joinset`, `tasktracker` (+ a
//!   `CancellationToken` each task watches) and `mpsc` (each task holds a `Sender`; the
//!   waiter waits for the channel to close; + a token). Every peer runs the same pending
//!   future ([`Forever`]); the difference is what each peer wraps around it.
//! - `pending_inline`: the same for an inline group against `FuturesUnordered`, polled once
//!   so that every task is pending.
//! - `finished_tokio`, `finished_inline`: bytes the heap grew by while 1,000,000 tasks ran
//!   one after another in discard mode (spawn one, let it finish, repeat), after a warm-up
//!   of 1,000; the budget is 4 KiB.
//!
//! - `task_size`: bytes per pending tokio task, errgroup against a bare `tokio::spawn`, for
//!   user futures of 1, 16, 100, 128, 1,000 and 1,024 bytes (the interleaved bench's
//!   sizes): which tokio cell each lands in (the floor's bytes less tokio's own 10.5 per
//!   task; errgroup's less those and its registry slot's 21).
//!
//! Run with `cargo bench -p errgroup-benches --bench memory`. Counts are deterministic up
//! to the allocator's behaviour (no timing involved).
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::{
    alloc::System,
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    task::{Context, Poll},
};

use errgroup::ErrGroup;
use futures_util::{StreamExt, stream::FuturesUnordered};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};
use tokio::sync::{Notify, mpsc};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The live heap bytes of the whole process. `stats_alloc` already counts a `realloc`'s
/// growth in `bytes_allocated` (and its shrinking in `bytes_deallocated`);
/// `bytes_reallocated` is the same amount again, so it is not added.
fn live() -> isize {
    let stats = ALLOCATOR.stats();
    stats.bytes_allocated as isize - stats.bytes_deallocated as isize
}

const PENDING: usize = 100_000;
const FINISHED: usize = 1_000_000;
const WARM_UP: usize = 1_000;
const BUDGET: isize = 4 * 1024;

/// Pending tasks polled at least once.
static STARTED: AtomicUsize = AtomicUsize::new(0);
/// Pending tasks dropped.
static DROPPED: AtomicUsize = AtomicUsize::new(0);

/// The pending task every peer runs: a fixed-size payload, counted when first polled and
/// when dropped; never finishes.
struct Forever<const S: usize = 48> {
    _payload: [u8; S],
    started: bool,
    _counted: Dropped,
}

struct Dropped;

impl Drop for Dropped {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

fn forever() -> Forever {
    sized()
}

/// [`Forever`] with a payload of `S` bytes.
fn sized<const S: usize>() -> Forever<S> {
    Forever { _payload: [0; S], started: false, _counted: Dropped }
}

impl<const S: usize> Future for Forever<S> {
    type Output = Result<(), ()>;

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), ()>> {
        if !self.started {
            self.started = true;
            STARTED.fetch_add(1, Ordering::Relaxed);
        }
        Poll::Pending
    }
}

/// Runs `body` on a fresh current-thread runtime (built and dropped outside the
/// measurement), checking that every pending task was started and dropped.
fn on_tokio(peer: &str, body: impl AsyncFnOnce() -> isize) -> isize {
    STARTED.store(0, Ordering::Relaxed);
    DROPPED.store(0, Ordering::Relaxed);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let bytes = runtime.block_on(body());
    drop(runtime);
    assert_eq!(STARTED.load(Ordering::Relaxed), PENDING, "{peer}: not every task started");
    assert_eq!(DROPPED.load(Ordering::Relaxed), PENDING, "{peer}: not every task dropped");
    bytes
}

/// Yields until every spawned task has been polled once.
async fn until_started() {
    while STARTED.load(Ordering::Relaxed) < PENDING {
        tokio::task::yield_now().await;
    }
}

fn pending_tokio() -> Vec<(&'static str, isize)> {
    let errgroup = errgroup_pending::<48>();

    let floor = on_tokio("floor", async || {
        let before = live();
        let remaining = Arc::new((AtomicUsize::new(PENDING), Notify::new()));
        struct Countdown(Arc<(AtomicUsize, Notify)>);
        impl Drop for Countdown {
            fn drop(&mut self) {
                if self.0.0.fetch_sub(1, Ordering::AcqRel) == 1 {
                    self.0.1.notify_one();
                }
            }
        }
        for _ in 0..PENDING {
            let countdown = Countdown(remaining.clone());
            tokio::spawn(async move {
                let _countdown = countdown;
                forever().await
            });
        }
        until_started().await;
        live() - before
        // Cancelled by the runtime's shutdown, which drops every task.
    });

    let joinset = on_tokio("joinset", async || {
        let before = live();
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..PENDING {
            set.spawn(forever());
        }
        until_started().await;
        let bytes = live() - before;
        set.shutdown().await;
        bytes
    });

    let tasktracker = on_tokio("tasktracker", async || {
        let before = live();
        let tracker = TaskTracker::new();
        let token = CancellationToken::new();
        for _ in 0..PENDING {
            let token = token.clone();
            tracker.spawn(async move { token.run_until_cancelled(forever()).await });
        }
        until_started().await;
        let bytes = live() - before;
        token.cancel();
        tracker.close();
        tracker.wait().await;
        bytes
    });

    let mpsc = on_tokio("mpsc", async || {
        let before = live();
        let (done, mut all_done) = mpsc::channel::<()>(1);
        let token = CancellationToken::new();
        for _ in 0..PENDING {
            let (done, token) = (done.clone(), token.clone());
            tokio::spawn(async move {
                let _done = done;
                token.run_until_cancelled(forever()).await
            });
        }
        drop(done);
        until_started().await;
        let bytes = live() - before;
        token.cancel();
        assert!(all_done.recv().await.is_none());
        bytes
    });

    vec![
        ("errgroup", errgroup),
        ("floor", floor),
        ("joinset", joinset),
        ("tasktracker", tasktracker),
        ("mpsc", mpsc),
    ]
}

/// Polls `future` once, with a waker that does nothing.
fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(std::task::Waker::noop()))
}

fn pending_inline() -> Vec<(&'static str, isize)> {
    STARTED.store(0, Ordering::Relaxed);
    DROPPED.store(0, Ordering::Relaxed);
    let before = live();
    let group = ErrGroup::inline();
    for _ in 0..PENDING {
        group.try_spawn(forever()).unwrap();
    }
    let mut wait = group.wait();
    assert!(poll_once(&mut wait).is_pending());
    let errgroup = live() - before;
    assert_eq!(STARTED.load(Ordering::Relaxed), PENDING, "errgroup: not every task started");
    drop(wait); // cancels the group, which drops its tasks
    assert_eq!(DROPPED.load(Ordering::Relaxed), PENDING, "errgroup: not every task dropped");

    STARTED.store(0, Ordering::Relaxed);
    DROPPED.store(0, Ordering::Relaxed);
    let before = live();
    let mut set = FuturesUnordered::new();
    for _ in 0..PENDING {
        set.push(forever());
    }
    assert!(poll_once(&mut set.next()).is_pending());
    let futures_unordered = live() - before;
    assert_eq!(
        STARTED.load(Ordering::Relaxed),
        PENDING,
        "futures_unordered: not every task started"
    );
    drop(set);
    assert_eq!(
        DROPPED.load(Ordering::Relaxed),
        PENDING,
        "futures_unordered: not every task dropped"
    );

    vec![("errgroup", errgroup), ("futures_unordered", futures_unordered)]
}

/// A task that finishes at once, counted.
async fn quick(ran: &AtomicUsize) -> Result<(), ()> {
    ran.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

fn finished_tokio() -> isize {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    static RAN: AtomicUsize = AtomicUsize::new(0);
    RAN.store(0, Ordering::Relaxed);
    let grew = runtime.block_on(async {
        let group = errgroup_tokio::group::<()>();
        group.limit(1).unwrap();
        let mut before = 0;
        for index in 0..WARM_UP + FINISHED {
            if index == WARM_UP {
                before = live();
            }
            group.spawn(quick(&RAN)).await.unwrap();
        }
        let grew = live() - before;
        group.wait().await.unwrap();
        grew
    });
    assert_eq!(RAN.load(Ordering::Relaxed), WARM_UP + FINISHED);
    grew
}

fn finished_inline() -> isize {
    let ran = AtomicUsize::new(0);
    let grew = futures_executor::block_on(async {
        let mut group = ErrGroup::inline();
        group.limit(1).unwrap();
        let mut before = 0;
        for index in 0..WARM_UP + FINISHED {
            if index == WARM_UP {
                before = live();
            }
            group.spawn(quick(&ran)).await.unwrap();
        }
        let grew = live() - before;
        group.await.unwrap();
        grew
    });
    assert_eq!(ran.load(Ordering::Relaxed), WARM_UP + FINISHED);
    grew
}

/// Heap bytes for `PENDING` pending tasks of `S` bytes of payload in an
/// `errgroup_tokio::group()`, cancelled after the count.
fn errgroup_pending<const S: usize>() -> isize {
    on_tokio("errgroup", async || {
        let before = live();
        let group = errgroup_tokio::group::<()>();
        for _ in 0..PENDING {
            group.try_spawn(sized::<S>()).unwrap();
        }
        until_started().await;
        let bytes = live() - before;
        group.cancel();
        group.wait().await.unwrap();
        bytes
    })
}

/// Heap bytes per pending task on tokio, errgroup against the floor, for a user future of
/// `S` bytes of payload: the task cell each lands in (tokio allocates one cell per task:
/// header, scheduler, the future, trailer), and what errgroup adds around the future.
fn sized_tokio<const S: usize>() -> (isize, isize) {
    let errgroup = errgroup_pending::<S>();
    let floor = on_tokio("floor", async || {
        let before = live();
        for _ in 0..PENDING {
            tokio::spawn(sized::<S>());
        }
        until_started().await;
        live() - before
    });
    (errgroup, floor)
}

fn report_sized<const S: usize>() {
    let (errgroup, floor) = sized_tokio::<S>();
    let per = |bytes: isize| bytes as f64 / PENDING as f64;
    println!(
        "memory task_size {} B future: errgroup {:.1} B/task, floor {:.1} B/task ({:+.1} B)",
        size_of::<Forever<S>>(),
        per(errgroup),
        per(floor),
        per(errgroup) - per(floor)
    );
}

fn report_pending(scenario: &str, reference: &str, rows: &[(&str, isize)]) {
    let (_, base) = rows.iter().find(|(peer, _)| *peer == reference).unwrap();
    let base = *base as f64 / PENDING as f64;
    for (peer, bytes) in rows {
        let per_task = *bytes as f64 / PENDING as f64;
        println!(
            "memory {scenario} {peer} {per_task:.1} B/task ({:+.1} B, {:.2}x vs {reference})",
            per_task - base,
            per_task / base
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; there is nothing to filter.
    println!("pending future: {} bytes", size_of::<Forever>());
    report_pending("pending_tokio", "floor", &pending_tokio());
    report_pending("pending_inline", "futures_unordered", &pending_inline());
    // The interleaved bench's sizes: 1, 16, 100, 128, 1,000 and 1,024 bytes.
    report_sized::<0>();
    report_sized::<15>();
    report_sized::<99>();
    report_sized::<127>();
    report_sized::<999>();
    report_sized::<1023>();
    for (scenario, grew) in
        [("finished_tokio", finished_tokio()), ("finished_inline", finished_inline())]
    {
        println!(
            "memory {scenario} errgroup {grew} B after {FINISHED} tasks (budget {BUDGET} B: {})",
            if grew.abs() <= BUDGET { "ok" } else { "OVER" }
        );
        assert!(grew.abs() <= BUDGET, "{scenario}: the heap grew by {grew} bytes");
    }
}
