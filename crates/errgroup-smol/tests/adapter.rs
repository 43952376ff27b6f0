//! The smol adapter on each of smol's executors: the global one, a shared `Executor` (run
//! by a thread of its own, or by `block_on`), and a `LocalExecutor` with `!Send` tasks;
//! blocking closures; timeouts on smol's timer.
//!
//! Events are ordered with channels, never with sleeps. The timeout tests wait for real
//! time (a few tens of milliseconds): smol has no paused clock.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::{
    cell::RefCell,
    future::pending,
    panic::{AssertUnwindSafe, catch_unwind},
    rc::Rc,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

use errgroup::{CancelReason, Collect, ErrGroup, Panicked, Rejected, Spawn, Spawned, Timed};
use errgroup_smol::{
    ExecutorSpawner, Group, LocalGroup, LocalSpawner, SpawnBlocking, Spawner, WaitTimeout,
};
use smol::{Executor, LocalExecutor, channel};

/// Long enough that the tasks it is meant to outlive are well under way, short enough to
/// keep the suite quick.
const TIMEOUT: Duration = Duration::from_millis(50);

/// How many siblings the cancellation tests start before the failing task.
const SIBLINGS: usize = 8;

/// Counts the drop guards dropped: a task's future holds one, so a dropped future shows.
#[derive(Clone, Default)]
struct Drops(Arc<AtomicUsize>);

impl Drops {
    fn guard(&self) -> DropGuard {
        DropGuard(self.0.clone())
    }

    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

struct DropGuard(Arc<AtomicUsize>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A panic payload that no `panic!` makes: finding it again proves it is the original.
#[derive(Debug, PartialEq)]
struct Payload(u32);

#[derive(Debug)]
enum Error {
    Panicked(Panicked),
}

impl From<Panicked> for Error {
    fn from(panicked: Panicked) -> Self {
        Error::Panicked(panicked)
    }
}

// ---------------------------------------------------------------------------------------
// The same bodies, on every `Send` spawner.

/// Spawns a few tasks that each report on a channel, and collects their values in spawn
/// order.
async fn spawn_and_wait_on<S: Spawn + Clone>(spawner: S) {
    let group = ErrGroup::builder().collect().spawner(spawner);
    let (ran_tx, ran_rx) = channel::unbounded();
    for n in 0..10u32 {
        let ran = ran_tx.clone();
        group
            .try_spawn(async move {
                ran.send(n).await.unwrap();
                Ok::<u32, ()>(n * 2)
            })
            .unwrap();
    }
    assert_eq!(group.wait().await, Ok((0..10).map(|n| n * 2).collect::<Vec<_>>()));
    drop(ran_tx);
    let mut ran = Vec::new();
    while let Ok(n) = ran_rx.recv().await {
        ran.push(n);
    }
    ran.sort_unstable();
    assert_eq!(ran, (0..10).collect::<Vec<_>>());
}

/// Starts siblings that never finish, waits until each has started, then fails one task:
/// the group returns that error, and every sibling's future was dropped by then.
async fn first_error_cancels_siblings_on<S: Spawn + Clone>(spawner: S) {
    let group: ErrGroup<&str, Spawned<S>> = ErrGroup::new(spawner);
    let token = group.token();
    let drops = Drops::default();
    let (started_tx, started_rx) = channel::unbounded();
    for _ in 0..SIBLINGS {
        let guard = drops.guard();
        let started = started_tx.clone();
        group
            .try_spawn(async move {
                let _guard = guard;
                started.send(()).await.unwrap();
                pending::<()>().await;
                Ok(())
            })
            .unwrap();
    }
    for _ in 0..SIBLINGS {
        started_rx.recv().await.unwrap();
    }
    group.try_spawn(async { Err("first") }).unwrap();
    assert_eq!(group.wait().await, Err("first"));
    assert_eq!(drops.count(), SIBLINGS, "every sibling was dropped before wait resolved");
    assert_eq!(token.reason(), Some(CancelReason::Error));
}

/// Runs an executor on a thread of its own until the returned sender is dropped.
fn run_on_thread(
    executor: &Arc<Executor<'static>>,
) -> (channel::Sender<()>, thread::JoinHandle<()>) {
    let (stop_tx, stop_rx) = channel::bounded::<()>(1);
    let executor = executor.clone();
    let runner = thread::spawn(move || {
        smol::block_on(executor.run(async move {
            let _ = stop_rx.recv().await;
        }));
    });
    (stop_tx, runner)
}

// ---------------------------------------------------------------------------------------
// The global executor.

#[test]
fn global_executor_spawns_and_waits() {
    smol::block_on(spawn_and_wait_on(Spawner));
}

#[test]
fn global_executor_first_error_cancels_siblings() {
    smol::block_on(first_error_cancels_siblings_on(Spawner));
}

#[test]
fn group_is_fail_fast_on_the_global_executor() {
    let group: Group<&str> = errgroup_smol::group();
    group.try_spawn(async { Ok(()) }).unwrap();
    group.try_spawn(async { Err("boom") }).unwrap();
    assert_eq!(smol::block_on(group.wait()), Err("boom"));
}

#[test]
fn handles_spawn_siblings_from_tasks_on_the_global_executor() {
    let group = ErrGroup::builder().collect().spawner(Spawner);
    let handle = group.handle();
    group
        .try_spawn(async move {
            handle.try_spawn(async { Ok::<u32, ()>(2) }).unwrap();
            Ok(1)
        })
        .unwrap();
    let mut values = smol::block_on(group.wait()).unwrap();
    values.sort_unstable();
    assert_eq!(values, vec![1, 2]);
}

// ---------------------------------------------------------------------------------------
// A shared `Executor`.

#[test]
fn executor_run_by_a_thread_spawns_and_waits() {
    let executor = Arc::new(Executor::new());
    let (stop, runner) = run_on_thread(&executor);
    smol::block_on(spawn_and_wait_on(ExecutorSpawner::from(executor.clone())));
    drop(stop);
    runner.join().unwrap();
}

#[test]
fn executor_run_by_a_thread_first_error_cancels_siblings() {
    let executor = Arc::new(Executor::new());
    let (stop, runner) = run_on_thread(&executor);
    smol::block_on(first_error_cancels_siblings_on(ExecutorSpawner::from(executor.clone())));
    drop(stop);
    runner.join().unwrap();
}

#[test]
fn executor_run_by_block_on_spawns_and_waits() {
    let executor = Arc::new(Executor::new());
    let spawner = ExecutorSpawner::from(executor.clone());
    smol::block_on(executor.run(spawn_and_wait_on(spawner)));
}

#[test]
fn executor_run_by_block_on_first_error_cancels_siblings() {
    let executor = Arc::new(Executor::new());
    let spawner = ExecutorSpawner::new(executor.clone());
    assert!(Arc::ptr_eq(spawner.executor(), &executor));
    smol::block_on(executor.run(first_error_cancels_siblings_on(spawner)));
}

#[test]
fn executor_tasks_wait_until_the_executor_is_run() {
    let executor = Arc::new(Executor::new());
    let group = ErrGroup::builder().collect().spawner(ExecutorSpawner::from(executor.clone()));
    for n in 0..3u32 {
        group.try_spawn(async move { Ok::<u32, ()>(n) }).unwrap();
    }
    // Spawned, counted, not run: nothing runs the executor yet.
    assert_eq!(group.active(), 3);
    assert!(!executor.is_empty());
    assert_eq!(smol::block_on(executor.run(group.wait())), Ok(vec![0, 1, 2]));
    assert!(executor.is_empty());
}

// ---------------------------------------------------------------------------------------
// A `LocalExecutor`, with `!Send` tasks.

#[test]
fn local_executor_runs_not_send_tasks() {
    let local = Rc::new(LocalExecutor::new());
    let group: LocalGroup<(), Collect<usize>> =
        ErrGroup::builder().collect().local_spawner(LocalSpawner::from(local.clone()));
    let seen = Rc::new(RefCell::new(Vec::new())); // not Send
    for n in 0..5 {
        let seen = seen.clone();
        group
            .try_spawn(async move {
                seen.borrow_mut().push(n);
                Ok(n)
            })
            .unwrap();
    }
    assert_eq!(smol::block_on(local.run(group.wait())), Ok(vec![0, 1, 2, 3, 4]));
    let mut seen = seen.take();
    seen.sort_unstable();
    assert_eq!(seen, vec![0, 1, 2, 3, 4]);
}

#[test]
fn local_executor_first_error_cancels_siblings() {
    let local = Rc::new(LocalExecutor::new());
    let spawner = LocalSpawner::new(local.clone());
    assert!(Rc::ptr_eq(spawner.executor(), &local));
    let group: LocalGroup<&str> = ErrGroup::builder().local_spawner(spawner);
    let token = group.token();
    let dropped = Rc::new(RefCell::new(0)); // the drop count, !Send on purpose
    struct LocalGuard(Rc<RefCell<usize>>);
    impl Drop for LocalGuard {
        fn drop(&mut self) {
            *self.0.borrow_mut() += 1;
        }
    }
    let (started_tx, started_rx) = channel::unbounded();
    for _ in 0..SIBLINGS {
        let guard = LocalGuard(dropped.clone());
        let started = started_tx.clone();
        group
            .try_spawn(async move {
                let _guard = guard;
                started.send(()).await.unwrap();
                pending::<()>().await;
                Ok(())
            })
            .unwrap();
    }
    let outcome = smol::block_on(local.run(async {
        for _ in 0..SIBLINGS {
            started_rx.recv().await.unwrap();
        }
        group.try_spawn(async { Err("first") }).unwrap();
        group.wait().await
    }));
    assert_eq!(outcome, Err("first"));
    assert_eq!(*dropped.borrow(), SIBLINGS);
    assert_eq!(token.reason(), Some(CancelReason::Error));
}

// ---------------------------------------------------------------------------------------
// Blocking closures.

#[test]
fn spawn_blocking_values_and_errors_are_the_groups() {
    let group = ErrGroup::builder().collect().spawner(Spawner);
    group.spawn_blocking(|| Ok::<u32, &str>(1)).unwrap();
    group.try_spawn(async { Ok(2) }).unwrap();
    group.spawn_blocking(|| Ok(3)).unwrap();
    assert_eq!(smol::block_on(group.wait()), Ok(vec![1, 2, 3]));

    let group = errgroup_smol::group();
    let token = group.token();
    group.spawn_blocking(|| Err("blocking failed")).unwrap();
    assert_eq!(smol::block_on(group.wait()), Err("blocking failed"));
    assert_eq!(token.reason(), Some(CancelReason::Error));
}

#[test]
fn spawn_blocking_on_an_executor_and_a_local_executor() {
    let executor = Arc::new(Executor::new());
    let group = ErrGroup::builder().collect().spawner(ExecutorSpawner::from(executor.clone()));
    group.spawn_blocking(|| Ok::<u32, ()>(7)).unwrap();
    assert_eq!(smol::block_on(executor.run(group.wait())), Ok(vec![7]));

    let local = Rc::new(LocalExecutor::new());
    let group = ErrGroup::builder().collect().local_spawner(LocalSpawner::from(local.clone()));
    group.spawn_blocking(|| Ok::<u32, ()>(8)).unwrap();
    assert_eq!(smol::block_on(local.run(group.wait())), Ok(vec![8]));
}

#[test]
fn spawn_blocking_panic_is_reraised_at_wait_with_the_original_payload() {
    let group: Group<()> = errgroup_smol::group();
    let token = group.token();
    let drops = Drops::default();
    let guard = drops.guard();
    group
        .try_spawn(async move {
            let _guard = guard;
            pending::<()>().await;
            Ok(())
        })
        .unwrap();
    group.spawn_blocking(|| std::panic::panic_any(Payload(7))).unwrap();
    let payload = catch_unwind(AssertUnwindSafe(|| smol::block_on(group.wait()))).unwrap_err();
    assert_eq!(payload.downcast_ref::<Payload>(), Some(&Payload(7)));
    assert_eq!(drops.count(), 1, "the panic cancelled the sibling");
    assert_eq!(token.reason(), Some(CancelReason::Panic));
}

#[test]
fn spawn_blocking_panic_becomes_an_error_with_panics_as_errors() {
    let group = ErrGroup::builder().panics_as_errors().spawner(Spawner);
    group.spawn_blocking(|| Ok::<(), Error>(())).unwrap();
    group.spawn_blocking(|| -> Result<(), Error> { panic!("disk on fire") }).unwrap();
    match smol::block_on(group.wait()) {
        Err(Error::Panicked(panicked)) => {
            assert_eq!(panicked.message(), Some("disk on fire"));
            assert_eq!(panicked.task(), 1);
        }
        other => panic!("expected the panic as an error, got {other:?}"),
    }
}

#[test]
fn spawn_blocking_into_a_cancelled_group_hands_the_closure_back() {
    let group = ErrGroup::builder().collect().spawner(Spawner);
    group.cancel();
    let Err(Rejected::Cancelled(closure)) = group.spawn_blocking(|| Ok::<u32, Error>(42)) else {
        panic!("a cancelled group must refuse the closure");
    };
    assert_eq!(closure().unwrap(), 42, "the very closure came back, not run");
    assert!(matches!(smol::block_on(group.wait()), Ok(values) if values.is_empty()));
}

#[test]
fn spawn_blocking_into_a_full_or_finished_group_hands_the_closure_back() {
    let group = ErrGroup::builder().collect().spawner(Spawner);
    let handle = group.handle();
    group.limit(1).unwrap();
    let (release_tx, release_rx) = channel::bounded::<()>(1);
    group
        .spawn_blocking(move || {
            release_rx.recv_blocking().unwrap();
            Ok::<u32, Error>(1)
        })
        .unwrap();
    let Err(Rejected::Full(closure)) = group.spawn_blocking(|| Ok(2)) else {
        panic!("a full group must refuse the closure");
    };
    assert_eq!(closure().unwrap(), 2);
    release_tx.send_blocking(()).unwrap();
    assert_eq!(smol::block_on(group.wait()).unwrap(), vec![1]);

    let Err(Rejected::Closed(closure)) = handle.spawn_blocking(|| Ok(3)) else {
        panic!("a finished group must refuse the closure");
    };
    assert_eq!(closure().unwrap(), 3);
}

#[test]
fn spawn_blocking_cancelled_group_stops_waiting_and_the_closure_runs_to_completion() {
    let group = errgroup_smol::group::<()>();
    let (started_tx, started_rx) = channel::bounded::<()>(1);
    let (release_tx, release_rx) = channel::bounded::<()>(1);
    let (finished_tx, finished_rx) = channel::bounded::<()>(1);
    group
        .spawn_blocking(move || {
            started_tx.send_blocking(()).unwrap();
            release_rx.recv_blocking().unwrap();
            finished_tx.send_blocking(()).unwrap();
            Ok(())
        })
        .unwrap();
    smol::block_on(started_rx.recv()).unwrap();
    group.cancel();
    // The closure is still blocked; the group does not wait for it.
    assert_eq!(smol::block_on(group.wait()), Ok(()));
    assert!(finished_rx.is_empty());
    release_tx.send_blocking(()).unwrap();
    smol::block_on(finished_rx.recv()).expect("the closure ran to completion");
}

// ---------------------------------------------------------------------------------------
// Timeouts.

#[test]
fn wait_timeout_on_a_never_ending_task_times_out_and_drops_it() {
    let group: Group<()> = errgroup_smol::group();
    let token = group.token();
    let drops = Drops::default();
    let guard = drops.guard();
    group
        .try_spawn(async move {
            let _guard = guard;
            pending::<()>().await;
            Ok(())
        })
        .unwrap();
    let start = Instant::now();
    let outcome = smol::block_on(group.wait_timeout(TIMEOUT));
    let elapsed = start.elapsed();
    assert_eq!(outcome, Timed::TimedOut(Ok(())));
    assert_eq!(drops.count(), 1, "the task's future was dropped");
    assert_eq!(token.reason(), Some(CancelReason::Timeout));
    assert!(elapsed >= TIMEOUT, "timed out early, after {elapsed:?}");
}

#[test]
fn wait_timeout_finishes_before_the_timer() {
    let group = errgroup_smol::group::<&str>();
    let token = group.token();
    group.try_spawn(async { Ok(()) }).unwrap();
    let outcome = smol::block_on(group.wait_timeout(Duration::from_secs(3600)));
    assert_eq!(outcome, Timed::Finished(Ok(())));
    assert_eq!(token.reason(), None);

    let group = errgroup_smol::group();
    group.try_spawn(async { Err("early") }).unwrap();
    assert_eq!(smol::block_on(group.wait_timeout(Duration::MAX)), Timed::Finished(Err("early")));
}

#[test]
fn collecting_group_times_out_with_the_partial_results() {
    let group = ErrGroup::builder().collect().spawner(Spawner);
    let drops = Drops::default();
    group.limit(1).unwrap();
    smol::block_on(async {
        group.spawn(async { Ok::<u32, ()>(1) }).await.unwrap();
        // Waits for the first task's slot: once it is free, its value is stored.
        group.spawn(async { Ok(2) }).await.unwrap();
        let guard = drops.guard();
        group
            .spawn(async move {
                let _guard = guard;
                pending::<()>().await;
                Ok(3)
            })
            .await
            .unwrap();
    });
    let outcome = smol::block_on(group.wait_timeout(TIMEOUT));
    assert_eq!(outcome, Timed::TimedOut(Ok(vec![Some(1), Some(2), None])));
    assert_eq!(drops.count(), 1);
}

#[test]
fn wait_deadline_times_out() {
    let group = errgroup_smol::group::<()>();
    let token = group.token();
    group.try_spawn(pending()).unwrap();
    let deadline = Instant::now() + TIMEOUT;
    assert_eq!(smol::block_on(group.wait_deadline(deadline)), Timed::TimedOut(Ok(())));
    assert!(Instant::now() >= deadline);
    assert_eq!(token.reason(), Some(CancelReason::Timeout));
}

#[test]
fn wait_deadline_already_past_cancels_at_the_first_poll() {
    let group = errgroup_smol::group::<()>();
    group.try_spawn(pending()).unwrap();
    let outcome = smol::block_on(group.wait_deadline(Instant::now()));
    assert_eq!(outcome, Timed::TimedOut(Ok(())));
}

#[test]
fn wait_deadline_finishes_before_the_deadline() {
    let group = errgroup_smol::group::<()>();
    group.try_spawn(async { Ok(()) }).unwrap();
    let deadline = Instant::now() + Duration::from_secs(3600);
    assert_eq!(smol::block_on(group.wait_deadline(deadline)), Timed::Finished(Ok(())));
}

#[test]
fn wait_timeout_works_in_every_mode() {
    // Local.
    let local = Rc::new(LocalExecutor::new());
    let group: LocalGroup<()> =
        ErrGroup::builder().local_spawner(LocalSpawner::from(local.clone()));
    let not_send = Rc::new(());
    group
        .try_spawn(async move {
            let _not_send = not_send;
            pending::<()>().await;
            Ok(())
        })
        .unwrap();
    let outcome = smol::block_on(local.run(group.wait_timeout(TIMEOUT)));
    assert_eq!(outcome, Timed::TimedOut(Ok(())));

    // Inline: no executor at all, smol's timer still fires.
    let group = ErrGroup::builder().collect().inline();
    group.try_spawn(async { Ok::<u32, ()>(1) }).unwrap();
    group.try_spawn(pending()).unwrap();
    let outcome = smol::block_on(group.wait_timeout(TIMEOUT));
    assert_eq!(outcome, Timed::TimedOut(Ok(vec![Some(1), None])));
}

#[test]
fn wait_timeout_future_is_send_for_send_groups() {
    let group = errgroup_smol::group::<()>();
    group.try_spawn(pending()).unwrap();
    // Spawned on the global executor: compiles only if the future is `Send + 'static`.
    let outcome = smol::block_on(smol::spawn(group.wait_timeout(TIMEOUT)));
    assert_eq!(outcome, Timed::TimedOut(Ok(())));
}

/// The public types are `Send + Sync` where smol's are, and `Clone + Debug`.
#[test]
fn spawners_are_clone_debug_and_send_where_smol_is() {
    fn send_sync<T: Send + Sync + Clone + std::fmt::Debug>(_: &T) {}
    fn debug<T: Clone + std::fmt::Debug>(_: &T) {}
    send_sync(&Spawner);
    send_sync(&ExecutorSpawner::from(Arc::new(Executor::new())));
    debug(&LocalSpawner::from(Rc::new(LocalExecutor::new())));
    assert_eq!(format!("{Spawner:?}"), "Spawner");
    assert!(
        format!("{:?}", ExecutorSpawner::from(Arc::new(Executor::new())))
            .starts_with("ExecutorSpawner(")
    );
}
