//! The adapter suite: what every adapter crate provides through `errgroup`'s runtime traits
//! — blocking closures on its pool, timeouts on its timer, for groups of every mode — one
//! body per guarantee, generic over an [`Adapter`], instantiated by [`adapter_suite!`] for
//! tokio (multi-thread and current-thread), smol and async-std.
//!
//! Nothing here sleeps to order events: gates and channels order them. Timeouts run on the
//! adapter's real clock, with short durations on tasks that never finish, so a test waits
//! for about its timeout and never depends on how fast the machine is.
//!
//! [`adapter_suite!`]: crate::adapter_suite

use std::{
    future::{Future, pending},
    panic::AssertUnwindSafe,
    pin::pin,
    rc::Rc,
    sync::mpsc,
    task::{Context, Poll, Waker},
    time::Duration,
};

use errgroup::{
    BlockingPool, CancelReason, Elapsed, ErrGroup, LocalSpawn, Outcome, Panicked, Policy, Rejected,
    Spawn, Timed, Timer,
};
use futures_util::FutureExt;

use crate::support::{Gate, Payload, Tally};

/// A runtime reached through its adapter crate: its spawners (which are also its timer
/// and its blocking pool) and how to run a future on it.
pub trait Adapter: 'static {
    /// The spawner for `Send` tasks.
    type Spawner: Spawn + Timer<Sleep: Send> + BlockingPool + Clone + Send + Sync + 'static;
    /// The spawner for `!Send` tasks on the current thread.
    type Local: LocalSpawn + Timer + BlockingPool + Clone + 'static;

    /// A spawner onto the runtime.
    fn spawner() -> Self::Spawner;

    /// Runs `future` to completion on the runtime, from the calling thread.
    fn block_on<F: Future>(future: F) -> F::Output;

    /// A spawner onto this thread's local executor.
    fn local_spawner() -> Self::Local;

    /// Runs `future` to completion on this thread, with the local executor running.
    fn block_on_local<F: Future>(future: F) -> F::Output;
}

/// A short timeout for groups whose tasks never finish.
const SHORT: Duration = Duration::from_millis(20);
/// A timeout no test reaches.
const LONG: Duration = Duration::from_secs(600);

/// A task that never finishes; its drop adds one to `dropped`.
async fn forever<T>(dropped: Tally) -> Result<T, &'static str> {
    let _dropped = dropped.on_drop();
    pending().await
}

/// Blocking closures' values take their tasks' places among async tasks' values, spawned
/// from the group or from a handle inside a task.
pub fn blocking_values_in_spawn_order_next_to_async_tasks<A: Adapter>() {
    A::block_on(async {
        let group = ErrGroup::builder().collect().spawner(A::spawner());
        group.spawn_blocking(|| Ok::<u64, String>(1)).unwrap();
        group.try_spawn(async { Ok(2) }).unwrap();
        let handle = group.handle();
        group
            .try_spawn(async move {
                handle.spawn_blocking(|| Ok(4)).unwrap();
                Ok(3)
            })
            .unwrap();
        assert_eq!(group.await, Ok(vec![1, 2, 3, 4]));
    });
}

/// A blocking closure's error is the group's, and cancels the other tasks.
pub fn blocking_error_is_the_groups_error_and_cancels_siblings<A: Adapter>() {
    A::block_on(async {
        let (started, dropped) = (Gate::new(), Tally::new());
        let group = ErrGroup::new(A::spawner());
        let token = group.token();
        let (running, on_drop) = (started.clone(), dropped.clone());
        group
            .try_spawn(async move {
                running.open();
                forever::<()>(on_drop).await
            })
            .unwrap();
        started.opened().await;
        group.spawn_blocking(|| Err("blocking failed")).unwrap();
        assert_eq!(group.await, Err("blocking failed"));
        assert_eq!(dropped.get(), 1);
        assert_eq!(token.reason(), Some(CancelReason::Error));
    });
}

/// A blocking closure's panic is the group's: re-raised at `wait` with its own payload.
pub fn blocking_panic_is_reraised_with_its_payload<A: Adapter>() {
    A::block_on(async {
        let group = ErrGroup::<(), _>::new(A::spawner());
        let token = group.token();
        group.spawn_blocking(|| std::panic::panic_any(Payload(7))).unwrap();
        let payload = AssertUnwindSafe(group.wait()).catch_unwind().await.unwrap_err();
        assert_eq!(payload.downcast_ref::<Payload>(), Some(&Payload(7)));
        assert_eq!(token.reason(), Some(CancelReason::Panic));
    });
}

/// With `panics_as_errors`, a blocking closure's panic is an error naming its task.
pub fn blocking_panic_becomes_an_error_with_panics_as_errors<A: Adapter>() {
    A::block_on(async {
        let group = ErrGroup::builder().panics_as_errors().spawner(A::spawner());
        group.try_spawn(async { Ok::<(), Panicked>(()) }).unwrap();
        let id = group.spawn_blocking(|| panic!("blocking boom")).unwrap();
        let panicked = group.await.unwrap_err();
        assert_eq!(panicked.message(), Some("blocking boom"));
        assert_eq!((panicked.task().id(), id.index()), (id, 1));

        // A named closure is named in its panic, on the runtime's pool or another one.
        for on_pool in [false, true] {
            let spawner = A::spawner();
            let group =
                ErrGroup::<Panicked, _>::builder().panics_as_errors().spawner(spawner.clone());
            let task = group.task().name("hash");
            let id = if on_pool {
                task.spawn_blocking_on(&spawner, || panic!("bad block")).map_err(drop)
            } else {
                task.spawn_blocking(|| panic!("bad block")).map_err(drop)
            };
            let id = id.expect("the group takes the closure");
            let panicked = group.await.unwrap_err();
            assert_eq!((panicked.task().id(), panicked.task().name()), (id, Some("hash")));
        }
    });
}

/// A refused closure comes back untouched: from a full, a cancelled and a finished group.
pub fn refused_blocking_closures_are_handed_back<A: Adapter>() {
    A::block_on(async {
        let group = ErrGroup::<(), _>::new(A::spawner());
        group.limit(1).unwrap();
        let (release, released) = mpsc::channel::<()>();
        group.spawn_blocking(move || released.recv().map_err(drop)).unwrap();
        let dropped = Tally::new();
        let on_drop = dropped.on_drop();
        match group.spawn_blocking(move || {
            let _on_drop = on_drop;
            Ok(())
        }) {
            Err(Rejected::Full(closure)) => drop(closure),
            other => panic!("expected Rejected::Full, got {other:?}"),
        }
        assert_eq!(dropped.get(), 1, "the refused closure was handed back, then dropped");
        release.send(()).unwrap();
        let handle = group.handle();
        assert_eq!(group.await, Ok(()));
        assert!(matches!(handle.spawn_blocking(|| Ok(())), Err(Rejected::Closed(_))));

        let group = ErrGroup::<(), _>::new(A::spawner());
        group.cancel();
        match group.spawn_blocking(|| Ok(())) {
            Err(Rejected::Cancelled(closure, _)) => assert_eq!(closure(), Ok(())),
            other => panic!("expected Rejected::Cancelled, got {other:?}"),
        }
        assert_eq!(group.active(), 0);
    });
}

/// A group cancelled while its blocking closure runs stops waiting for it; the closure
/// runs to completion on its thread, and its outcome is discarded.
pub fn a_cancelled_group_stops_waiting_while_its_closure_runs_to_completion<A: Adapter>() {
    A::block_on(async {
        let group = ErrGroup::new(A::spawner());
        let (started, release, finished) = (Gate::new(), Gate::new(), Gate::new());
        let (running, released, done) = (started.clone(), release.clone(), finished.clone());
        group
            .spawn_blocking(move || {
                running.open();
                futures_executor::block_on(released.opened());
                done.open();
                Err("too late to count")
            })
            .unwrap();
        started.opened().await;
        group.try_spawn(async { Err("boom") }).unwrap();
        assert_eq!(group.await, Err("boom"), "resolved while the closure is still blocked");
        assert!(!finished.is_open());
        release.open();
        finished.opened().await;
    });
}

/// A closure whose group is cancelled before its task first runs never runs, and is
/// dropped by the time `wait` returns. (On the local executor, a task runs only when the
/// test yields, so the order is certain.)
pub fn a_closure_cancelled_before_it_started_never_runs<A: Adapter>() {
    A::block_on_local(async {
        let (ran, dropped) = (Tally::new(), Tally::new());
        let group = ErrGroup::<(), _>::builder().local_spawner(A::local_spawner());
        let (runs, on_drop) = (ran.clone(), dropped.on_drop());
        group
            .spawn_blocking(move || {
                let _on_drop = on_drop;
                runs.add();
                Ok(())
            })
            .unwrap();
        group.cancel();
        assert_eq!(group.await, Ok(()));
        assert_eq!(ran.get(), 0);
        assert_eq!(dropped.get(), 1);
    });
}

/// `wait_timeout` on a task that never finishes: times out after the duration on the
/// runtime's clock, drops the task, and says why.
pub fn wait_timeout_times_out_and_drops_the_task<A: Adapter>() {
    A::block_on(async {
        let dropped = Tally::new();
        let spawner = A::spawner();
        let group = ErrGroup::<&str, _>::new(spawner.clone());
        let token = group.token();
        group.try_spawn(forever(dropped.clone())).unwrap();
        let start = spawner.now();
        assert_eq!(group.wait_timeout(SHORT).await, Timed::TimedOut(Ok(())));
        assert!(spawner.now() >= spawner.checked_add(start, SHORT).unwrap());
        assert_eq!(dropped.get(), 1);
        assert_eq!(token.reason(), Some(CancelReason::Timeout));
    });
}

/// A group that finishes before its timer is `Finished`, with its outcome.
pub fn wait_timeout_reports_a_group_that_finished_in_time<A: Adapter>() {
    A::block_on(async {
        let group = ErrGroup::new(A::spawner());
        group.try_spawn(async { Err("boom") }).unwrap();
        assert_eq!(group.wait_timeout(LONG).await, Timed::Finished(Err("boom")));
        let group = ErrGroup::builder().collect().spawner(A::spawner());
        group.try_spawn(async { Ok::<_, ()>("done") }).unwrap();
        let spawner = A::spawner();
        let deadline = spawner.checked_add(spawner.now(), LONG).unwrap();
        assert_eq!(group.wait_deadline(deadline).await, Timed::Finished(Ok(vec!["done"])));
    });
}

/// A collecting group stopped by its timer keeps the values that arrived, each at its
/// task's position.
pub fn a_collecting_group_times_out_with_its_values_in_place<A: Adapter>() {
    A::block_on(async {
        let dropped = Tally::new();
        let group = ErrGroup::builder().collect().spawner(A::spawner());
        group.try_spawn(async { Ok::<u32, &str>(1) }).unwrap();
        group.try_spawn(forever(dropped.clone())).unwrap();
        group.try_spawn(async { Ok(3) }).unwrap();
        let outcome = group.wait_timeout(SHORT).await;
        assert_eq!(outcome, Timed::TimedOut(Ok(vec![Some(1), None, Some(3)])));
        assert_eq!(dropped.get(), 1);
    });
}

/// `wait_deadline` times out at the deadline; one already past cancels at once.
pub fn wait_deadline_times_out_at_the_deadline<A: Adapter>() {
    A::block_on(async {
        let spawner = A::spawner();
        let group = ErrGroup::<&str, _>::new(spawner.clone());
        group.try_spawn(forever(Tally::new())).unwrap();
        let deadline = spawner.checked_add(spawner.now(), SHORT).unwrap();
        assert_eq!(group.wait_deadline(deadline).await, Timed::TimedOut(Ok(())));
        assert!(spawner.now() >= deadline);

        let group = ErrGroup::<&str, _>::new(spawner.clone());
        group.try_spawn(forever(Tally::new())).unwrap();
        assert_eq!(group.wait_deadline(deadline).await, Timed::TimedOut(Ok(())));
    });
}

/// The clock of `wait_timeout` starts when it is called, not when its future is first
/// polled: once the duration has passed on the runtime's clock, the first poll times out.
/// (An inline group drops its tasks inside that poll, so it resolves there.)
pub fn the_timeout_clock_starts_at_the_call<A: Adapter>() {
    A::block_on(async {
        let spawner = A::spawner();
        let group = ErrGroup::<&str, _>::inline();
        group.try_spawn(forever(Tally::new())).unwrap();
        let start = spawner.now();
        let mut wait = pin!(group.wait_timeout_on(&spawner, SHORT));
        let end = spawner.checked_add(start, SHORT).unwrap();
        // Wait for the clock itself, without polling the group.
        let timer = spawner.sleep_until(end);
        timer.await;
        let first = wait.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        assert_eq!(first, Poll::Ready(Timed::TimedOut(Ok(()))));
    });
}

/// A local group has blocking closures and timeouts too, on the same runtime.
pub fn a_local_group_has_blocking_closures_and_timeouts<A: Adapter>() {
    A::block_on_local(async {
        let group = ErrGroup::builder().collect().local_spawner(A::local_spawner());
        let not_send = Rc::new(5);
        group.try_spawn(async move { Ok::<i32, &str>(*not_send) }).unwrap();
        group.spawn_blocking(|| Ok(6)).unwrap();
        assert_eq!(group.await, Ok(vec![5, 6]));

        let dropped = Tally::new();
        let group = ErrGroup::builder().collect().local_spawner(A::local_spawner());
        let not_send = Rc::new(5);
        group.try_spawn(async move { Ok::<i32, &str>(*not_send) }).unwrap();
        group.try_spawn(forever(dropped.clone())).unwrap();
        assert_eq!(group.wait_timeout(SHORT).await, Timed::TimedOut(Ok(vec![Some(5), None])));
        assert_eq!(dropped.get(), 1);
    });
}

/// An inline group uses the adapter's spawner as its timer and its blocking pool.
pub fn an_inline_group_uses_the_adapters_timer_and_pool<A: Adapter>() {
    A::block_on(async {
        let spawner = A::spawner();
        let group = ErrGroup::builder().collect().inline();
        group.spawn_blocking_on(&spawner, || Ok::<u32, &str>(7)).unwrap();
        group.try_spawn(async { Ok(8) }).unwrap();
        assert_eq!(group.wait_timeout_on(&spawner, LONG).await, Timed::Finished(Ok(vec![7, 8])));

        // Through a reference to the runtime, as generic code holding `&impl Timer` has it.
        let by_ref = &spawner;
        let group = ErrGroup::builder().collect().inline();
        group.spawn_blocking_on(&by_ref, || Ok::<u32, &str>(9)).unwrap();
        assert_eq!(group.wait_timeout_on(&by_ref, LONG).await, Timed::Finished(Ok(vec![9])));
        for at_deadline in [false, true] {
            let group = ErrGroup::<&str, _>::builder().collect::<u32>().inline();
            group.try_spawn(std::future::pending()).unwrap();
            let timed = if at_deadline {
                let deadline = Timer::checked_add(&by_ref, Timer::now(&by_ref), SHORT);
                group.wait_deadline_on(&by_ref, deadline.expect("in range")).await
            } else {
                group.wait_timeout_on(&by_ref, SHORT).await
            };
            assert_eq!(timed, Timed::TimedOut(Ok(vec![None])));
        }
    });
}

/// The futures of a `Send` group's timeouts are `Send`, so they can be spawned.
pub fn timeout_futures_of_send_groups_are_send<A: Adapter>() {
    fn is_send<T: Send>(_: &T) {}
    let group = ErrGroup::<(), _>::new(A::spawner());
    let wait = group.wait_timeout(LONG);
    is_send(&wait);
    assert_eq!(A::block_on(wait), Timed::Finished(Ok(())));
}

/// A task's own time limit, on the adapter's timer: a task that overruns it fails with
/// `Elapsed` (its future dropped), one that finishes in time is untouched, and a fail-fast
/// group is cancelled by the overrun as by any failure; in a spawned, a local and an inline
/// group.
pub fn a_task_past_its_time_limit_fails_with_elapsed<A: Adapter>() {
    #[derive(Debug, PartialEq)]
    enum Error {
        Elapsed(Elapsed),
    }
    impl From<Elapsed> for Error {
        fn from(elapsed: Elapsed) -> Self {
            Self::Elapsed(elapsed)
        }
    }
    async fn stuck<T>(dropped: Tally) -> Result<T, Error> {
        let _dropped = dropped.on_drop();
        pending().await
    }
    A::block_on(async {
        let dropped = Tally::new();
        let group = ErrGroup::builder().policy(Policy::CollectAll).collect().spawner(A::spawner());
        group.task().time_limit(SHORT).try_spawn(stuck::<u32>(dropped.clone())).unwrap();
        group.task().name("quick").time_limit(LONG).try_spawn(async { Ok(2) }).unwrap();
        let outcomes = group.wait_outcomes().await;
        assert!(
            matches!(&outcomes[0].1, Outcome::Failed(Error::Elapsed(elapsed)) if elapsed.limit() == SHORT),
            "{outcomes:?}"
        );
        assert!(matches!(outcomes[1].1, Outcome::Succeeded(2)), "{outcomes:?}");
        assert_eq!(dropped.get(), 1, "the overrunning future was dropped");

        // Fail-fast: the overrun cancels the others.
        let group = ErrGroup::<Error, _>::new(A::spawner());
        let token = group.token();
        group.task().name("slow").time_limit(SHORT).try_spawn(stuck::<()>(Tally::new())).unwrap();
        group.try_spawn(stuck::<()>(Tally::new())).unwrap();
        assert_eq!(group.await, Err(Error::Elapsed(elapsed_of(SHORT))));
        assert_eq!(token.cause().unwrap().to_string(), "task 0 `slow` failed");

        // An inline group, on the adapter's timer.
        let spawner = A::spawner();
        let mut group = ErrGroup::<Error, _>::inline();
        group.task().time_limit_on(&spawner, SHORT).try_spawn(stuck::<()>(Tally::new())).unwrap();
        assert_eq!(group.await, Err(Error::Elapsed(elapsed_of(SHORT))));
    });
    A::block_on_local(async {
        let group = ErrGroup::<Error, _>::builder().local_spawner(A::local_spawner());
        let not_send = Rc::new(());
        group
            .task()
            .time_limit(SHORT)
            .try_spawn(async move {
                let _not_send = not_send;
                pending().await
            })
            .unwrap();
        assert_eq!(group.await, Err(Error::Elapsed(elapsed_of(SHORT))));
    });
}

/// The `Elapsed` a task with time limit `limit` fails with.
fn elapsed_of(limit: Duration) -> Elapsed {
    let mut group = ErrGroup::<Elapsed, _>::inline();
    group
        .task()
        .time_limit_on(Expired, limit)
        .try_spawn(pending())
        .expect("an inline group takes it");
    match futures_executor::block_on(group.wait()) {
        Err(elapsed) => elapsed,
        Ok(()) => unreachable!("its timer has expired"),
    }
}

/// A timer whose sleeps have all ended.
#[derive(Clone, Copy)]
struct Expired;

impl Timer for Expired {
    type Instant = u64;
    type Sleep = std::future::Ready<()>;

    fn now(&self) -> u64 {
        0
    }

    fn checked_add(&self, instant: u64, duration: Duration) -> Option<u64> {
        instant.checked_add(u64::try_from(duration.as_nanos()).ok()?)
    }

    fn sleep_until(&self, _: u64) -> Self::Sleep {
        std::future::ready(())
    }
}

/// Instantiates the adapter suite for one [`Adapter`]: a module of `#[test]`s, one per
/// body, each run under [`run_with_deadline`](crate::run_with_deadline).
///
/// ```text
/// errgroup_tests::adapter_suite!(smol, errgroup_tests::runtimes::Smol);
/// ```
#[macro_export]
macro_rules! adapter_suite {
    ($module:ident, $adapter:ty) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;

            $crate::adapter_suite!(@tests $adapter;
                blocking_values_in_spawn_order_next_to_async_tasks,
                blocking_error_is_the_groups_error_and_cancels_siblings,
                blocking_panic_is_reraised_with_its_payload,
                blocking_panic_becomes_an_error_with_panics_as_errors,
                refused_blocking_closures_are_handed_back,
                a_cancelled_group_stops_waiting_while_its_closure_runs_to_completion,
                a_closure_cancelled_before_it_started_never_runs,
                wait_timeout_times_out_and_drops_the_task,
                wait_timeout_reports_a_group_that_finished_in_time,
                a_collecting_group_times_out_with_its_values_in_place,
                wait_deadline_times_out_at_the_deadline,
                the_timeout_clock_starts_at_the_call,
                a_local_group_has_blocking_closures_and_timeouts,
                an_inline_group_uses_the_adapters_timer_and_pool,
                timeout_futures_of_send_groups_are_send,
                a_task_past_its_time_limit_fails_with_elapsed,
            );
            $crate::adapter_suite!(@shutdown $adapter;
                tasks_that_stop_within_the_grace_period_report_their_values,
                tasks_that_overrun_the_grace_period_are_dropped_and_reported,
                a_shielded_section_runs_to_its_end_through_a_cancellation,
                the_grace_period_bounds_a_shielded_section,
                a_cooperative_task_is_signalled_in_a_default_group,
                a_failure_starts_the_graceful_stop_under_fail_gracefully,
                a_drop_guard_cancels_the_group_below_it,
                dropping_a_shutdown_drops_what_is_left,
                a_group_dropped_unwaited_and_a_shielded_section,
                a_discarding_group_reports_its_tasks_in_flight_and_its_failures,
            );
        }
    };
    (@shutdown $adapter:ty; $($body:ident),* $(,)?) => {
        $(
            #[test]
            fn $body() {
                $crate::run_with_deadline(
                    concat!(module_path!(), "::", stringify!($body)),
                    $crate::shutdown::$body::<$adapter>,
                );
            }
        )*
    };
    (@tests $adapter:ty; $($body:ident),* $(,)?) => {
        $(
            #[test]
            fn $body() {
                $crate::run_with_deadline(
                    concat!(module_path!(), "::", stringify!($body)),
                    $crate::adapter::$body::<$adapter>,
                );
            }
        )*
    };
}
