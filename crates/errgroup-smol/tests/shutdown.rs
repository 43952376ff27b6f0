//! A smol `Executor` dropped with a group's tasks pending: the tasks are lost, and the
//! group says so instead of counting them as successes.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
use std::{
    future::pending,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use errgroup_smol::errgroup::{CancelReason, ErrGroup, Interrupted, Spawn, SpawnError};
use smol::Executor;

/// Spawns onto an executor that the test can drop while the group still lives.
#[derive(Clone)]
struct Droppable(Arc<Mutex<Option<Arc<Executor<'static>>>>>);

impl Droppable {
    fn executor(&self) -> Arc<Executor<'static>> {
        self.0.lock().unwrap().clone().expect("not dropped yet")
    }

    fn drop_executor(&self) {
        let executor = self.0.lock().unwrap().take().expect("not dropped yet");
        drop(Arc::into_inner(executor).expect("the only reference"));
    }
}

impl Spawn for Droppable {
    fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        match &*self.0.lock().unwrap() {
            Some(executor) => {
                executor.spawn(task).detach();
                Ok(())
            }
            None => Err(SpawnError::shutdown()),
        }
    }
}

struct CountDrop(Arc<AtomicUsize>);

impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_dropped_executor_loses_its_pending_tasks_and_wait_says_so() {
    let spawner = Droppable(Arc::new(Mutex::new(Some(Arc::new(Executor::new())))));
    let group = ErrGroup::<Interrupted, _>::builder()
        .interruptions_as_errors()
        .collect::<u32>()
        .spawner(spawner.clone());
    let token = group.token();
    let dropped = Arc::new(AtomicUsize::new(0));
    for n in 0..3u32 {
        let guard = CountDrop(dropped.clone());
        group
            .task()
            .name(format!("worker {n}"))
            .try_spawn(async move {
                let _guard = guard;
                if n == 0 { Ok(n) } else { pending().await }
            })
            .unwrap();
    }
    // Run what can run: task 0 finishes, 1 and 2 wait.
    let executor = spawner.executor();
    while executor.try_tick() {}
    drop(executor);
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    assert_eq!(group.active(), 2);

    spawner.drop_executor();
    assert_eq!(dropped.load(Ordering::SeqCst), 3, "the executor dropped the pending tasks");
    assert_eq!(group.active(), 0);
    assert_eq!(token.reason(), Some(CancelReason::Lost));
    // Not `Ok(vec![0])`.
    let outcome = smol::block_on(group.wait());
    assert!(
        matches!(&outcome, Err(Interrupted::Lost(lost))
            if lost.task().id().index() >= 1
                && lost.task().name() == Some(&*format!("worker {}", lost.task().id()))),
        "{outcome:?}"
    );

    // The executor is gone: a new spawn is refused, which is not a loss.
    let group = ErrGroup::<(), _>::new(spawner);
    assert!(group.try_spawn(async { Ok(()) }).is_err());
    assert_eq!(smol::block_on(group.wait()), Ok(()));
}
