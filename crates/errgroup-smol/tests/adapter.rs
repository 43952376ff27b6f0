//! The smol adapter on each of smol's executors: the global one, a shared `Executor` (run
//! by a thread of its own, or by `block_on`), and a `LocalExecutor` with `!Send` tasks;
//! blocking closures and timeouts on an executor of one's own. What every adapter does
//! alike is the adapter suite's, in `tests/`.
//!
//! Events are ordered with channels, never with sleeps. The timeout tests wait for real
//! time (a few tens of milliseconds): smol has no paused clock.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::{
    cell::RefCell,
    future::pending,
    rc::Rc,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    thread,
    time::Duration,
};

use errgroup::{CancelReason, Collect, ErrGroup, Spawn, Spawned, Timed};
use errgroup_smol::{ExecutorSpawner, Group, LocalGroup, LocalSpawner, Spawner};
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
// Blocking closures on an executor of one's own (the adapter suite in `tests/` has the rest).

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

// ---------------------------------------------------------------------------------------
// Timeouts (the adapter suite in `tests/` has the rest).

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
