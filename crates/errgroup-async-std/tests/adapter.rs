//! The async-std adapter: spawners, blocking tasks and timeouts on a real async-std
//! runtime. Events are ordered with channels, never with sleeps; the only real waits are
//! the short timeouts that the timeout tests are about.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::{
    any::Any,
    cell::RefCell,
    future::pending,
    panic::{AssertUnwindSafe, catch_unwind},
    rc::Rc,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
        mpsc,
    },
    time::{Duration, Instant},
};

use async_std::{
    channel::{self, Sender},
    task::block_on,
};
use errgroup_async_std::{
    LocalSpawner, SpawnBlocking, Spawner, WaitTimeout,
    errgroup::{CancelReason, ErrGroup, Panicked, Rejected, Timed},
};

/// A short real timeout, for the tests whose subject is a timeout.
const SHORT: Duration = Duration::from_millis(50);
/// A timeout that a test must never reach.
const LONG: Duration = Duration::from_secs(60);

/// Signals on `tx` when dropped: proves a task's future was dropped, and when.
struct DropSignal(Sender<()>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        // Unbounded: never full. The receiver may be gone already; that is fine.
        let _ = self.0.try_send(());
    }
}

/// Counts drops: proves that every one of several futures was dropped.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[derive(Debug, PartialEq)]
struct Payload(u32);

fn payload_of(panic: Box<dyn Any + Send>) -> Payload {
    *panic.downcast::<Payload>().expect("the original payload")
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
fn spawn_blocking_ok_values_are_collected_in_spawn_order() {
    block_on(async {
        let group = ErrGroup::builder().collect().spawner(Spawner::new());
        group.spawn_blocking(|| Ok::<u32, ()>(1)).unwrap();
        group.try_spawn(async { Ok(2) }).unwrap();
        group.spawn_blocking(|| Ok(3)).unwrap();
        assert_eq!(group.await, Ok(vec![1, 2, 3]));
    });
}

#[test]
fn spawn_blocking_error_is_the_groups_error_and_cancels_siblings() {
    block_on(async {
        let group = errgroup_async_std::group::<String>();
        let (dropped_tx, dropped) = channel::unbounded();
        let (started_tx, started) = channel::unbounded();
        let guard = DropSignal(dropped_tx);
        group
            .try_spawn(async move {
                let _guard = guard;
                started_tx.send(()).await.unwrap();
                pending().await
            })
            .unwrap();
        started.recv().await.unwrap();
        group.spawn_blocking(|| Err("blocking work failed".to_string())).unwrap();
        assert_eq!(group.await, Err("blocking work failed".to_string()));
        assert_eq!(dropped.try_recv(), Ok(()), "the sibling was dropped before wait resolved");
    });
}

#[test]
fn spawn_blocking_panic_is_reraised_with_its_original_payload() {
    let group = errgroup_async_std::group::<()>();
    group.spawn_blocking(|| std::panic::panic_any(Payload(7))).unwrap();
    let panic = catch_unwind(AssertUnwindSafe(|| block_on(group.wait())))
        .expect_err("wait re-raises the closure's panic");
    assert_eq!(payload_of(panic), Payload(7));
}

#[test]
fn spawn_blocking_panic_becomes_the_groups_error_with_panics_as_errors() {
    block_on(async {
        let group = ErrGroup::builder().panics_as_errors().spawner(Spawner::new());
        group.try_spawn(async { Ok::<(), Panicked>(()) }).unwrap();
        group.spawn_blocking(|| panic!("disk on fire")).unwrap();
        let panicked = group.await.expect_err("the panic is the group's error");
        assert_eq!(panicked.message(), Some("disk on fire"));
        assert_eq!(panicked.task(), 1);

        let group = ErrGroup::builder().panics_as_errors().spawner(Spawner::new());
        group
            .spawn_blocking(|| -> Result<(), Panicked> { std::panic::panic_any(Payload(9)) })
            .unwrap();
        let panicked = group.await.expect_err("the panic is the group's error");
        assert_eq!(payload_of(panicked.into_payload()), Payload(9));
    });
}

#[test]
fn spawn_blocking_into_a_cancelled_group_hands_the_closure_back() {
    let ran = Arc::new(AtomicBool::new(false));
    let group = errgroup_async_std::group::<()>();
    group.cancel();
    let flag = ran.clone();
    let closure = move || {
        flag.store(true, Ordering::SeqCst);
        Ok(())
    };
    let Err(Rejected::Cancelled(closure)) = group.spawn_blocking(closure) else {
        panic!("a cancelled group refuses the closure and hands it back");
    };
    assert!(!ran.load(Ordering::SeqCst), "the closure was not run");
    assert_eq!(closure(), Ok(()));
    assert!(ran.load(Ordering::SeqCst), "it is the caller's own closure");
    assert_eq!(block_on(group.wait()), Ok(()));
}

#[test]
fn spawn_blocking_into_a_full_group_hands_the_closure_back() {
    block_on(async {
        let group = errgroup_async_std::group::<()>();
        group.limit(1).unwrap();
        group.try_spawn(pending()).unwrap();
        let Err(Rejected::Full(closure)) = group.spawn_blocking(|| Err(())) else {
            panic!("a full group refuses the closure and hands it back");
        };
        assert_eq!(closure(), Err(()));
        group.cancel();
        assert_eq!(group.await, Ok(()));
    });
}

#[test]
fn cancelled_group_stops_waiting_while_the_blocking_closure_runs_to_completion() {
    block_on(async {
        let (started_tx, started) = channel::unbounded();
        let (go_tx, go) = mpsc::channel::<()>();
        let (done_tx, done) = channel::unbounded();
        let group = errgroup_async_std::group::<()>();
        group
            .spawn_blocking(move || {
                started_tx.send_blocking(()).unwrap();
                go.recv().unwrap();
                done_tx.send_blocking(()).unwrap();
                Ok(())
            })
            .unwrap();
        started.recv().await.unwrap();
        group.cancel();
        // The closure is still blocked on `go`, and the group finishes anyway.
        assert_eq!(group.await, Ok(()));
        assert!(done.try_recv().is_err(), "the closure has not finished yet");
        go_tx.send(()).unwrap();
        done.recv().await.expect("the closure ran to completion");
    });
}

#[test]
fn wait_timeout_on_a_never_ending_task_times_out_and_drops_it() {
    block_on(async {
        let group = errgroup_async_std::group::<()>();
        let token = group.token();
        let (dropped_tx, dropped) = channel::unbounded();
        let guard = DropSignal(dropped_tx);
        group
            .try_spawn(async move {
                let _guard = guard;
                pending().await
            })
            .unwrap();
        let started = Instant::now();
        assert_eq!(group.wait_timeout(SHORT).await, Timed::TimedOut(Ok(())));
        assert!(started.elapsed() >= SHORT, "it waited for the timeout");
        assert_eq!(dropped.try_recv(), Ok(()), "the task's future was dropped");
        assert_eq!(token.reason(), Some(CancelReason::Timeout));
    });
}

#[test]
fn wait_timeout_reports_a_group_that_finishes_in_time() {
    block_on(async {
        let group = errgroup_async_std::group::<&str>();
        group.try_spawn(async { Ok(()) }).unwrap();
        assert_eq!(group.wait_timeout(LONG).await, Timed::Finished(Ok(())));

        let group = errgroup_async_std::group::<&str>();
        group.try_spawn(async { Err("no") }).unwrap();
        assert_eq!(group.wait_timeout(LONG).await, Timed::Finished(Err("no")));
    });
}

#[test]
fn collecting_group_times_out_with_partial_results() {
    block_on(async {
        let group = ErrGroup::builder().collect().spawner(Spawner::new());
        let (finished_tx, finished) = channel::unbounded();
        for n in [1u32, 2] {
            let guard = DropSignal(finished_tx.clone());
            group
                .try_spawn(async move {
                    let _guard = guard;
                    Ok::<u32, ()>(n)
                })
                .unwrap();
        }
        group.try_spawn(pending()).unwrap();
        // A task's value is stored before its future is dropped: both values are in.
        finished.recv().await.unwrap();
        finished.recv().await.unwrap();
        assert_eq!(
            group.wait_timeout(SHORT).await,
            Timed::TimedOut(Ok(vec![Some(1), Some(2), None]))
        );
    });
}

#[test]
fn wait_deadline_times_out_at_the_deadline() {
    block_on(async {
        let group = errgroup_async_std::group::<()>();
        let (dropped_tx, dropped) = channel::unbounded();
        let guard = DropSignal(dropped_tx);
        group
            .try_spawn(async move {
                let _guard = guard;
                pending().await
            })
            .unwrap();
        let deadline = Instant::now() + SHORT;
        assert_eq!(group.wait_deadline(deadline).await, Timed::TimedOut(Ok(())));
        assert!(Instant::now() >= deadline, "it waited until the deadline");
        assert_eq!(dropped.try_recv(), Ok(()));
    });
}

#[test]
fn wait_deadline_reports_a_group_that_finishes_in_time() {
    block_on(async {
        let group = errgroup_async_std::group::<()>();
        group.try_spawn(async { Ok(()) }).unwrap();
        let deadline = Instant::now() + LONG;
        assert_eq!(group.wait_deadline(deadline).await, Timed::Finished(Ok(())));
    });
}

#[test]
fn wait_deadline_in_the_past_cancels_at_once() {
    block_on(async {
        let group = errgroup_async_std::group::<()>();
        let token = group.token();
        group.try_spawn(pending()).unwrap();
        let past = Instant::now();
        assert_eq!(group.wait_deadline(past).await, Timed::TimedOut(Ok(())));
        assert_eq!(token.reason(), Some(CancelReason::Timeout));
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

#[test]
fn wait_timeout_future_of_a_send_group_is_send() {
    fn assert_send<T: Send>(value: T) -> T {
        value
    }
    let group = errgroup_async_std::group::<String>();
    group.try_spawn(async { Ok(()) }).unwrap();
    // Runs on the global executor: the future must be `Send`.
    let outcome = block_on(async_std::task::spawn(assert_send(group.wait_timeout(LONG))));
    assert_eq!(outcome, Timed::Finished(Ok(())));
}
