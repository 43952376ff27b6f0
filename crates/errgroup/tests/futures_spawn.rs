//! The futures-rs bridge (feature `futures-spawn`): groups on futures-executor's
//! `ThreadPool` and `LocalPool` through `FuturesSpawner`, and what a refusal by a shut-down
//! executor does (the caller gets it back, the task is dropped, no count is left behind).
//! The conformance suite also runs every body on `FuturesSpawner<ThreadPool>`.
#![cfg(feature = "futures-spawn")]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::{
    rc::Rc,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering::Relaxed},
    },
};

use errgroup::{ErrGroup, FuturesSpawner, Rejected, SpawnErrorKind};
use futures_executor::{LocalPool, ThreadPool};

/// Counts its drops.
struct Dropped(Arc<AtomicUsize>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.fetch_add(1, Relaxed);
    }
}

/// Spawns a task that counts its drop on `group`, whose executor is shut down: the refusal
/// comes back to the caller (`SpawnErrorKind::Shutdown`), the task was dropped, and no
/// count is left behind (the group is empty, and its wait resolves).
macro_rules! assert_refused {
    ($group:expr) => {{
        let group = $group;
        let drops = Arc::new(AtomicUsize::new(0));
        let guard = Dropped(drops.clone());
        let rejected = group
            .try_spawn(async move {
                let _guard = guard;
                Ok(())
            })
            .unwrap_err();
        let Rejected::Spawner(error) = rejected else { panic!("expected the spawner's refusal") };
        assert_eq!(error.kind(), SpawnErrorKind::Shutdown);
        assert_eq!(drops.load(Relaxed), 1, "the refused task was dropped");
        assert_eq!(group.active(), 0, "the refusal left no count behind");
        assert_eq!(futures_executor::block_on(group.wait()), Ok(()));
    }};
}

#[test]
fn a_group_on_a_thread_pool_fails_fast() {
    let pool = ThreadPool::builder().pool_size(2).create().unwrap();
    let group = ErrGroup::new(FuturesSpawner::new(pool));
    let (release, released) = futures_channel::oneshot::channel::<()>();
    // Pending until the group is cancelled by the failure below, which drops it.
    group.try_spawn(async move { released.await.map_err(|_| "never released") }).unwrap();
    group.try_spawn(async { Err("the first error") }).unwrap();
    assert_eq!(futures_executor::block_on(group.wait()), Err("the first error"));
    drop(release);
}

#[test]
fn local_tasks_run_when_the_local_pool_runs() {
    let mut pool = LocalPool::new();
    let group = ErrGroup::builder().collect().local_spawner(FuturesSpawner::new(pool.spawner()));
    for n in 1..=3 {
        let not_send = Rc::new(n);
        group.try_spawn(async move { Ok::<_, ()>(*not_send * 2) }).unwrap();
    }
    assert_eq!(pool.run_until(group.wait()), Ok(vec![2, 4, 6]));
}

#[test]
fn a_shut_down_local_pool_refuses_back_to_the_caller_and_drops_the_task() {
    let pool = LocalPool::new();
    let spawner = pool.spawner();
    drop(pool); // its spawner now refuses every task
    assert_refused!(ErrGroup::<(), _>::builder().local_spawner(FuturesSpawner::new(spawner)));
}

/// A futures-rs executor that is shut down: it refuses every `Send` task.
#[derive(Clone)]
struct ShutDown;

impl futures_util::task::Spawn for ShutDown {
    fn spawn_obj(
        &self,
        _: futures_util::task::FutureObj<'static, ()>,
    ) -> Result<(), futures_util::task::SpawnError> {
        Err(futures_util::task::SpawnError::shutdown())
    }
}

#[test]
fn a_shut_down_executor_refuses_send_tasks_back_to_the_caller() {
    assert_refused!(ErrGroup::<(), _>::new(FuturesSpawner::new(ShutDown)));
}

#[test]
fn a_refused_spawn_carries_into_anyhow_with_question_mark() {
    fn run() -> anyhow::Result<()> {
        let pool = LocalPool::new();
        let spawner = pool.spawner();
        drop(pool);
        let group =
            ErrGroup::<anyhow::Error, _>::builder().local_spawner(FuturesSpawner::new(spawner));
        group.try_spawn(async { Ok(()) }).map_err(Rejected::into_refused)?;
        Ok(())
    }
    let error = run().unwrap_err();
    assert!(error.to_string().contains("shut down"), "{error}");
}

#[test]
fn a_task_its_local_pool_drops_unfinished_is_lost_never_ok() {
    let mut pool = LocalPool::new();
    let group = ErrGroup::<anyhow::Error, _>::builder()
        .interruptions_as_errors()
        .local_spawner(FuturesSpawner::new(pool.spawner()));
    let (_release, released) = futures_channel::oneshot::channel::<()>();
    let id = group.try_spawn(async move { released.await.map_err(anyhow::Error::from) }).unwrap();
    pool.run_until_stalled(); // the task runs, and waits
    drop(pool); // and is dropped with its executor, unfinished
    let error = futures_executor::block_on(group.wait()).unwrap_err();
    let Some(errgroup::Interrupted::Lost(lost)) = error.downcast_ref() else {
        panic!("expected a lost task, got {error}")
    };
    assert_eq!(lost.task().id(), id);
}
