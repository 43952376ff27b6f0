//! The async-std adapter's spawners on a real async-std runtime: `Send` tasks from any
//! thread, `!Send` tasks on the current one. Blocking closures and timeouts, alike on every
//! adapter, are the adapter suite's, in `tests/`. Events are ordered with channels, never
//! with sleeps.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::{
    cell::RefCell,
    future::pending,
    rc::Rc,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use async_std::{channel, task::block_on};
use errgroup_async_std::{
    LocalSpawner, Spawner,
    errgroup::{CancelReason, ErrGroup, Timed},
};

/// A timeout that a test must never reach.
const LONG: Duration = Duration::from_secs(60);

/// Counts drops: proves that every one of several futures was dropped.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn spawn_and_wait_runs_every_task() {
    block_on(async {
        let ran = Arc::new(AtomicUsize::new(0));
        let group = errgroup_async_std::group::<()>();
        for _ in 0..100 {
            let ran = ran.clone();
            let handle = group.handle();
            group
                .try_spawn(async move {
                    // A task spawns a sibling into its own group.
                    let inner = ran.clone();
                    handle
                        .try_spawn(async move {
                            inner.fetch_add(1, Ordering::SeqCst);
                            Ok(())
                        })
                        .unwrap();
                    ran.fetch_add(1, Ordering::SeqCst);
                    Ok(())
                })
                .unwrap();
        }
        assert_eq!(group.await, Ok(()));
        assert_eq!(ran.load(Ordering::SeqCst), 200);
    });
}

#[test]
fn spawner_works_outside_block_on() {
    let group = ErrGroup::builder().collect().spawner(Spawner::new());
    for n in 0..10u32 {
        group.try_spawn(async move { Ok::<u32, ()>(n) }).unwrap();
    }
    assert_eq!(block_on(group.wait()), Ok((0..10).collect::<Vec<_>>()));
}

#[test]
fn first_error_cancels_siblings_and_drops_their_futures() {
    const SIBLINGS: usize = 8;
    block_on(async {
        let group = errgroup_async_std::group::<&str>();
        let token = group.token();
        let dropped = Arc::new(AtomicUsize::new(0));
        let (started_tx, started) = channel::unbounded();
        for _ in 0..SIBLINGS {
            let guard = DropCount(dropped.clone());
            let started_tx = started_tx.clone();
            group
                .try_spawn(async move {
                    let _guard = guard;
                    started_tx.send(()).await.unwrap();
                    pending().await
                })
                .unwrap();
        }
        // Every sibling is running (and waiting forever) before the failure.
        for _ in 0..SIBLINGS {
            started.recv().await.unwrap();
        }
        group.try_spawn(async { Err("boom") }).unwrap();
        assert_eq!(group.await, Err("boom"));
        assert_eq!(dropped.load(Ordering::SeqCst), SIBLINGS);
        assert_eq!(token.reason(), Some(CancelReason::Error));
    });
}

#[test]
fn local_spawner_runs_not_send_tasks() {
    block_on(async {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let group = errgroup_async_std::local_group::<()>();
        for n in 0..3 {
            let seen = Rc::clone(&seen);
            let handle = group.handle();
            group
                .try_spawn(async move {
                    seen.borrow_mut().push(n);
                    // A local task spawns a `!Send` sibling on the same thread.
                    let seen = Rc::clone(&seen);
                    handle
                        .try_spawn(async move {
                            seen.borrow_mut().push(n + 10);
                            Ok(())
                        })
                        .unwrap();
                    Ok(())
                })
                .unwrap();
        }
        assert_eq!(group.await, Ok(()));
        let mut seen = seen.take();
        seen.sort_unstable();
        assert_eq!(seen, [0, 1, 2, 10, 11, 12]);
    });
}

#[test]
fn local_group_first_error_drops_not_send_siblings() {
    block_on(async {
        let group = ErrGroup::builder().collect().local_spawner(LocalSpawner::new());
        let dropped = Rc::new(RefCell::new(false));
        struct Flag(Rc<RefCell<bool>>);
        impl Drop for Flag {
            fn drop(&mut self) {
                *self.0.borrow_mut() = true;
            }
        }
        let flag = Flag(Rc::clone(&dropped));
        group
            .try_spawn(async move {
                let _flag = flag;
                pending::<Result<u32, &str>>().await
            })
            .unwrap();
        group.try_spawn(async { Err("local failure") }).unwrap();
        assert_eq!(group.wait_timeout(LONG).await, Timed::Finished(Err("local failure")));
        assert!(*dropped.borrow(), "the pending sibling was dropped");
    });
}
