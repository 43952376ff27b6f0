//! What is tokio's own in the tokio adapter, on multi-thread and current-thread runtimes
//! and on a `LocalSet`: spawning from a handle or the current runtime, a blocking pool
//! filled up, timeouts on a paused clock, local tasks, runtime shutdown, misuse. What every
//! adapter does alike (blocking closures, timeouts) is the adapter suite's, in `tests/`.
//! No test sleeps to order events: channels order them, and timeouts run on a paused clock.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::{
    any::Any,
    cell::Cell,
    future::pending,
    panic::AssertUnwindSafe,
    rc::Rc,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use errgroup_tokio::{
    Group, LocalGroup, LocalSpawner, Spawner,
    errgroup::{CancelReason, ErrGroup, Interrupted, Timed},
};
use tokio::{
    sync::{mpsc, oneshot},
    task::LocalSet,
    time::Instant,
};

/// Counts its drop: proves a task's future (or a closure) was dropped.
struct DropGuard(Arc<AtomicUsize>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn drops() -> (Arc<AtomicUsize>, impl Fn() -> DropGuard) {
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    (count, move || DropGuard(counter.clone()))
}

fn message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("<not a string>")
}

// ---- compile-time checks ----

const _: () = {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    #[allow(dead_code)]
    fn matrix() {
        send_sync::<Spawner>();
        send_sync::<LocalSpawner>();
        send::<Group<String>>();
    }
};

// ---- spawn and wait ----

async fn collect_in_spawn_order() {
    let group = ErrGroup::builder().collect().spawner(Spawner::current());
    for n in 0..20u32 {
        group.spawn(async move { Ok::<u32, ()>(n * 2) }).await.unwrap();
    }
    assert_eq!(group.await, Ok((0..20).map(|n| n * 2).collect::<Vec<_>>()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread_spawn_and_wait_collects_in_spawn_order() {
    collect_in_spawn_order().await;
}

#[tokio::test]
async fn current_thread_spawn_and_wait_collects_in_spawn_order() {
    collect_in_spawn_order().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_runs_on_the_current_runtime_and_tasks_spawn_siblings() {
    let group = errgroup_tokio::group::<String>();
    let handle = group.handle();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sibling_tx = tx.clone();
    group
        .try_spawn(async move {
            handle
                .try_spawn(async move {
                    sibling_tx.send("sibling").unwrap();
                    Ok(())
                })
                .unwrap();
            tx.send("parent").unwrap();
            Ok(())
        })
        .unwrap();
    assert_eq!(group.await, Ok(()));
    let mut seen = vec![rx.recv().await.unwrap(), rx.recv().await.unwrap()];
    seen.sort_unstable();
    assert_eq!(seen, ["parent", "sibling"]);
}

#[test]
fn spawner_from_handle_works_outside_the_runtime() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let spawner = Spawner::from(runtime.handle().clone());
    assert_eq!(spawner.handle().id(), runtime.handle().id());
    let group = ErrGroup::builder().collect().spawner(spawner);
    for n in 1..=3u8 {
        group.try_spawn(async move { Ok::<u8, ()>(n) }).unwrap();
    }
    assert_eq!(runtime.block_on(group.wait()), Ok(vec![1, 2, 3]));
}

// ---- first error cancels siblings ----

async fn first_error_cancels_siblings() {
    const SIBLINGS: usize = 8;
    let (dropped, new_guard) = drops();
    let group = errgroup_tokio::group();
    let token = group.token();
    let (started_tx, mut started_rx) = mpsc::unbounded_channel();
    for _ in 0..SIBLINGS {
        let guard = new_guard();
        let started_tx = started_tx.clone();
        group
            .try_spawn(async move {
                let _guard = guard;
                started_tx.send(()).unwrap();
                pending::<Result<(), &str>>().await // never checks for cancellation
            })
            .unwrap();
    }
    for _ in 0..SIBLINGS {
        started_rx.recv().await.unwrap();
    }
    group.try_spawn(async { Err("boom") }).unwrap();
    assert_eq!(group.await, Err("boom"));
    // When `wait` resolves, every sibling's future has been dropped.
    assert_eq!(dropped.load(Ordering::SeqCst), SIBLINGS);
    assert_eq!(token.reason(), Some(CancelReason::Error));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread_first_error_cancels_siblings() {
    first_error_cancels_siblings().await;
}

#[tokio::test]
async fn current_thread_first_error_cancels_siblings() {
    first_error_cancels_siblings().await;
}

#[tokio::test]
async fn local_set_first_error_cancels_siblings() {
    LocalSet::new()
        .run_until(async {
            let (dropped, new_guard) = drops();
            let group: LocalGroup<&str> = errgroup_tokio::local_group();
            let (started_tx, started_rx) = oneshot::channel();
            let guard = new_guard();
            group
                .try_spawn(async move {
                    let _guard = guard;
                    started_tx.send(()).unwrap();
                    pending().await
                })
                .unwrap();
            started_rx.await.unwrap();
            group.try_spawn(async { Err("boom") }).unwrap();
            assert_eq!(group.await, Err("boom"));
            assert_eq!(dropped.load(Ordering::SeqCst), 1);
        })
        .await;
}

// ---- spawn_blocking ----

/// Threads in the blocking pool of the pool-filling test: all of them held busy.
const POOL: usize = 2;
/// Closures queued behind the held ones in that test.
const QUEUED: usize = 6;
/// Bounds the pool-filling test: it fails rather than hangs if a closure is lost.
const DEADLINE: Duration = Duration::from_secs(30);

/// Runs `body` on a current-thread runtime whose blocking pool has [`POOL`] threads.
/// `body` gets a way to wait until the runtime has run out of ready tasks: on a
/// current-thread runtime, `on_thread_park` runs only when no task is ready to be polled.
fn on_small_blocking_pool<F: Future<Output = ()>>(body: impl FnOnce(Idle) -> F) {
    let idle = Idle::default();
    let on_park = idle.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(POOL)
        .enable_time()
        .on_thread_park(move || {
            on_park.parks.fetch_add(1, Ordering::SeqCst);
            on_park.parked.notify_one();
        })
        .build()
        .unwrap();
    runtime.block_on(async {
        tokio::time::timeout(DEADLINE, body(idle)).await.expect("the test ran past its deadline");
    });
}

/// Counts the runtime's parks (see [`on_small_blocking_pool`]).
#[derive(Clone, Default)]
struct Idle {
    parks: Arc<AtomicUsize>,
    parked: Arc<tokio::sync::Notify>,
}

impl Idle {
    /// Resolves once the runtime has parked after this call: by then every task that was
    /// ready when it was called has been polled.
    async fn after_ready_tasks(&self) {
        let parks = self.parks.load(Ordering::SeqCst);
        while self.parks.load(Ordering::SeqCst) == parks {
            self.parked.notified().await;
        }
    }
}

/// Resolves once every job queued on the blocking pool before this call has finished: one
/// job per pool thread, meeting at a barrier, can only all run once the pool (first in,
/// first out) has finished everything ahead of them.
async fn blocking_pool_drained() {
    let barrier = Arc::new(std::sync::Barrier::new(POOL));
    let probes: Vec<_> = (0..POOL)
        .map(|_| {
            let barrier = barrier.clone();
            tokio::task::spawn_blocking(move || {
                barrier.wait();
            })
        })
        .collect();
    for probe in probes {
        probe.await.unwrap();
    }
}

#[test]
fn cancelled_group_never_runs_queued_blocking_closures_and_drops_them_before_wait_returns() {
    on_small_blocking_pool(|idle| async move {
        let group = errgroup_tokio::group::<&str>();
        // Fill the pool: each held closure signals that it started, then blocks.
        let (started_tx, mut started_rx) = mpsc::unbounded_channel();
        let held_finished = Arc::new(AtomicUsize::new(0));
        let mut releases = Vec::new();
        for _ in 0..POOL {
            let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
            releases.push(release_tx);
            let (started_tx, held_finished) = (started_tx.clone(), held_finished.clone());
            group
                .spawn_blocking(move || {
                    started_tx.send(()).unwrap();
                    // Released by a send, or by the test dropping the sender if it fails.
                    let _ = release_rx.recv();
                    held_finished.fetch_add(1, Ordering::SeqCst);
                    Err("too late to count")
                })
                .unwrap();
        }
        for _ in 0..POOL {
            started_rx.recv().await.unwrap();
        }

        // Queue more behind them, and let the runtime hand every one to the pool.
        let (dropped, new_guard) = drops();
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..QUEUED {
            let (guard, ran) = (new_guard(), ran.clone());
            group
                .spawn_blocking(move || {
                    let _guard = guard;
                    ran.fetch_add(1, Ordering::SeqCst);
                    Ok(())
                })
                .unwrap();
        }
        idle.after_ready_tasks().await;
        assert_eq!(dropped.load(Ordering::SeqCst), 0);

        group.cancel();
        // What a cancelled group returns is the group's business; this test is about the
        // closures.
        let _outcome = group.wait().await;
        assert_eq!(dropped.load(Ordering::SeqCst), QUEUED, "a queued closure outlived `wait`");
        assert_eq!(ran.load(Ordering::SeqCst), 0);
        assert_eq!(held_finished.load(Ordering::SeqCst), 0, "`wait` waited for a held closure");

        // The held closures run to completion, once each; the queued ones never run.
        drop(releases);
        blocking_pool_drained().await;
        assert_eq!(held_finished.load(Ordering::SeqCst), POOL);
        assert_eq!(ran.load(Ordering::SeqCst), 0, "a closure of a cancelled group ran");
    });
}

// ---- timeouts ----

#[tokio::test(start_paused = true)]
async fn wait_timeout_on_a_never_ending_task_times_out_and_drops_it() {
    let (dropped, new_guard) = drops();
    let group = errgroup_tokio::group::<()>();
    let token = group.token();
    let guard = new_guard();
    group
        .try_spawn(async move {
            let _guard = guard;
            pending().await
        })
        .unwrap();
    let start = Instant::now();
    assert_eq!(group.wait_timeout(Duration::from_secs(60)).await, Timed::TimedOut(Ok(())));
    assert_eq!(start.elapsed(), Duration::from_secs(60)); // virtual time, no real sleep
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    assert_eq!(token.reason(), Some(CancelReason::Timeout));
}

#[tokio::test(start_paused = true)]
async fn wait_deadline_times_out_at_the_deadline() {
    let (dropped, new_guard) = drops();
    let group = errgroup_tokio::group::<()>();
    let guard = new_guard();
    group
        .try_spawn(async move {
            let _guard = guard;
            pending().await
        })
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    assert_eq!(group.wait_deadline(deadline).await, Timed::TimedOut(Ok(())));
    assert_eq!(Instant::now(), deadline);
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn wait_deadline_already_past_cancels_an_unfinished_group() {
    let group = errgroup_tokio::group::<()>();
    group.try_spawn(pending()).unwrap();
    let deadline = Instant::now();
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(group.wait_deadline(deadline).await, Timed::TimedOut(Ok(())));
}

// ---- local tasks ----

#[tokio::test]
async fn local_spawner_runs_not_send_tasks() {
    let total = Rc::new(Cell::new(0));
    LocalSet::new()
        .run_until(async {
            let group = errgroup_tokio::local_group::<()>();
            let handle = group.handle();
            for n in 1..=4 {
                let total = total.clone();
                group
                    .try_spawn(async move {
                        total.set(total.get() + n);
                        Ok(())
                    })
                    .unwrap();
            }
            let total_in_sibling = total.clone();
            group
                .try_spawn(async move {
                    // A local task spawns a `!Send` sibling through its handle.
                    handle
                        .try_spawn(async move {
                            total_in_sibling.set(total_in_sibling.get() + 100);
                            Ok(())
                        })
                        .unwrap();
                    Ok(())
                })
                .unwrap();
            group.await.unwrap();
        })
        .await;
    assert_eq!(total.get(), 110);
    assert_eq!(Rc::strong_count(&total), 1);
}

#[test]
fn local_spawner_works_inside_an_entered_local_set() {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let local = LocalSet::new();
    let group = {
        let _entered = local.enter();
        let group = ErrGroup::builder().collect().local_spawner(LocalSpawner::new());
        let value = Rc::new("local");
        group.try_spawn(async move { Ok::<_, ()>(*value) }).unwrap();
        group
    };
    assert_eq!(local.block_on(&runtime, group.wait()), Ok(vec!["local"]));
}

// ---- misuse ----

#[test]
fn spawner_current_outside_a_runtime_panics_with_a_clear_message() {
    assert!(Spawner::try_current().is_none());
    let payload = std::panic::catch_unwind(Spawner::current).unwrap_err();
    assert_eq!(
        message(&*payload),
        "errgroup-tokio: `Spawner::current()` called outside of a tokio runtime; call it from \
         inside one, or make the spawner from a runtime handle with `Spawner::from(handle)`"
    );
    let payload = std::panic::catch_unwind(errgroup_tokio::group::<()>).unwrap_err();
    assert!(message(&*payload).starts_with("errgroup-tokio: `Spawner::current()`"));
}

#[tokio::test]
async fn local_spawn_outside_a_local_set_panics_and_keeps_the_counts_right() {
    let (dropped, new_guard) = drops();
    let group = errgroup_tokio::local_group::<()>();
    let guard = new_guard();
    let payload = std::panic::catch_unwind(AssertUnwindSafe(|| {
        group.try_spawn(async move {
            let _guard = guard;
            Ok(())
        })
    }))
    .unwrap_err();
    assert_eq!(
        message(&*payload),
        "`spawn_local` called from outside of a `task::LocalSet` or `runtime::LocalRuntime`"
    );
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    assert_eq!(group.active(), 0);
    assert_eq!(group.await, Ok(()));
}

#[test]
fn runtime_shutdown_loses_pending_tasks_and_wait_says_so() {
    let (dropped, new_guard) = drops();
    let doomed = tokio::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    let group = ErrGroup::<Interrupted, _>::builder()
        .interruptions_as_errors()
        .collect::<u32>()
        .spawner(Spawner::from(doomed.handle().clone()));
    let token = group.token();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    for n in 0..3u32 {
        let (guard, started_tx) = (new_guard(), started_tx.clone());
        group
            .task()
            .name(format!("worker {n}"))
            .try_spawn(async move {
                let _guard = guard;
                started_tx.send(()).unwrap();
                if n == 1 { Ok(n) } else { pending().await }
            })
            .unwrap();
    }
    for _ in 0..3 {
        started_rx.recv().unwrap();
    }
    drop(doomed);
    assert_eq!(dropped.load(Ordering::SeqCst), 3);
    assert_eq!(group.active(), 0);
    assert_eq!(token.reason(), Some(CancelReason::Lost), "a loss cancels the group");
    let other = tokio::runtime::Builder::new_current_thread().build().unwrap();
    // Not `Ok(vec![1])`: two tasks never finished.
    let outcome = other.block_on(group.wait());
    assert!(
        matches!(&outcome, Err(Interrupted::Lost(lost))
            if lost.task().id().index() != 1
                && lost.task().name() == Some(&*format!("worker {}", lost.task().id()))),
        "{outcome:?}"
    );
}

#[test]
fn spawning_onto_a_shut_down_runtime_loses_the_task_and_wait_reraises_it() {
    let (dropped, new_guard) = drops();
    let doomed = tokio::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    let spawner = Spawner::from(doomed.handle().clone());
    drop(doomed);
    let group = ErrGroup::<(), _>::new(spawner);
    // Accepted, then dropped by tokio unpolled: the group knows it was lost.
    let guard = new_guard();
    group
        .try_spawn(async move {
            let _guard = guard;
            Ok(())
        })
        .unwrap();
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    assert_eq!(group.active(), 0);
    let other = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let payload =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| other.block_on(group.wait())))
            .unwrap_err();
    let message = payload.downcast::<String>().unwrap();
    assert!(message.starts_with("errgroup: task 0 was lost"), "{message}");
}

#[test]
fn a_current_thread_runtime_shut_down_with_tasks_pending_loses_them() {
    let (dropped, new_guard) = drops();
    let doomed = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let group = ErrGroup::<Interrupted, _>::builder()
        .interruptions_as_errors()
        .spawner(Spawner::from(doomed.handle().clone()));
    for _ in 0..3 {
        let guard = new_guard();
        group
            .try_spawn(async move {
                let _guard = guard;
                pending().await
            })
            .unwrap();
    }
    // Run the tasks until they all wait, then shut the runtime down under them.
    doomed.block_on(async {
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
    });
    drop(doomed);
    assert_eq!(dropped.load(Ordering::SeqCst), 3);
    assert_eq!(group.active(), 0);
    let other = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert!(matches!(other.block_on(group.wait()), Err(Interrupted::Lost(_))));
}
