//! The shutdown suite: graceful shutdown, per-task cancellation modes and shields, on
//! every adapter's runtime (its spawner, its local spawner, and an inline group on its
//! timer). Instantiated with the adapter suite by [`adapter_suite!`](crate::adapter_suite).
//!
//! Nothing here sleeps to order events. A grace period that must not run out is one no
//! test reaches (ten minutes); one that must run out is short, and only tasks that never
//! finish wait for it. What happens *within* a grace period is ordered by the group's
//! token, gates and tallies.

use std::{
    future::{Future, pending},
    rc::Rc,
    time::Duration,
};

use futures_util::FutureExt;

use errgroup::{CancelReason, CancelToken, ErrGroup, Outcome, Policy, Shield, ShutdownReport};

use crate::{
    adapter::Adapter,
    support::{Gate, Tally, until},
};

/// A grace period that runs out, for tasks that never finish.
const SHORT: Duration = Duration::from_millis(20);
/// A grace period no test waits out.
const LONG: Duration = Duration::from_secs(600);

/// A task that stops when told: waits for `token`, then returns `value`.
async fn stops_when_told<T>(token: CancelToken, value: T) -> Result<T, &'static str> {
    token.cancelled().await;
    Ok(value)
}

/// A task that never finishes; its drop adds one to `dropped`, polled or not.
fn idle<T>(dropped: Tally) -> impl Future<Output = Result<T, &'static str>> + Send {
    let dropped = dropped.on_drop();
    async move {
        let _dropped = dropped;
        pending().await
    }
}

/// The names of a report's tasks, in spawn order, and which of them were aborted.
fn aborted<T, E>(report: &ShutdownReport<T, E>) -> Vec<Option<&str>> {
    report.aborted().map(|task| task.name()).collect()
}

/// Asserts what a shutdown of two tasks reported: `told` stopped within the grace period
/// with its value, `idle` was dropped at its end, and nothing else happened.
fn assert_told_and_idle(report: ShutdownReport<u32, &str>, dropped: &Tally) {
    assert!(report.grace_expired, "{report:?}");
    assert!(report.tasks.iter().all(|task| task.in_flight), "{report:?}");
    assert!(matches!(report.tasks[0].outcome, Outcome::Succeeded(1)), "{report:?}");
    assert!(
        matches!(report.tasks[1].outcome, Outcome::Cancelled(CancelReason::Shutdown)),
        "{report:?}"
    );
    assert_eq!(aborted(&report), [Some("idle")]);
    assert_eq!(dropped.get(), 1, "the idle task's future was dropped");
    assert_eq!(report.into_values(), [Some(1), None]);
}

/// Tasks told to stop finish within the grace period and report their values in spawn
/// order, none dropped, and the shutdown ends as soon as they have (it does not wait the
/// grace period out); in a spawned, a local and an inline group.
pub fn tasks_that_stop_within_the_grace_period_report_their_values<A: Adapter>() {
    A::block_on(async {
        let group = ErrGroup::builder().collect().spawner(A::spawner());
        for n in 0..3u32 {
            group
                .task()
                .name(format!("worker {n}"))
                .try_spawn(stops_when_told(group.token(), n))
                .unwrap();
        }
        let report = group.shutdown(LONG).await;
        assert!(!report.grace_expired, "{report:?}");
        assert!(report.tasks.iter().all(|task| task.in_flight && !task.aborted()));
        let names: Vec<_> = report.tasks.iter().map(|task| task.task.name()).collect();
        assert_eq!(names, [Some("worker 0"), Some("worker 1"), Some("worker 2")]);
        assert_eq!(report.into_values(), [Some(0), Some(1), Some(2)]);

        let mut group = ErrGroup::builder().collect().inline();
        let token = group.token();
        group.task().name("inline").try_spawn(stops_when_told(token, 7u32)).unwrap();
        let report = group.shutdown_on(A::spawner(), LONG).await;
        assert!(!report.grace_expired);
        assert_eq!(report.into_values(), [Some(7)]);
    });
    A::block_on_local(async {
        let group = ErrGroup::builder().collect().local_spawner(A::local_spawner());
        let not_send = Rc::new(5u32);
        let token = group.token();
        group
            .try_spawn(async move {
                token.cancelled().await;
                Ok::<_, &str>(*not_send)
            })
            .unwrap();
        let report = group.shutdown(LONG).await;
        assert_eq!(report.into_values(), [Some(5)]);
    });
}

/// A task still running at the end of the grace period is dropped and reported aborted
/// (`Cancelled(Shutdown)`), next to a sibling that stopped in time; in a spawned, a local
/// and an inline group. A task that ended before the shutdown is not in flight.
pub fn tasks_that_overrun_the_grace_period_are_dropped_and_reported<A: Adapter>() {
    A::block_on(async {
        let dropped = Tally::new();
        let group = ErrGroup::builder().collect().spawner(A::spawner());
        group.task().name("told").try_spawn(stops_when_told(group.token(), 1u32)).unwrap();
        group.task().name("idle").try_spawn(idle(dropped.clone())).unwrap();
        assert_told_and_idle(group.shutdown(SHORT).await, &dropped);

        let dropped = Tally::new();
        let mut group = ErrGroup::builder().collect().inline();
        let token = group.token();
        group.task().name("told").try_spawn(stops_when_told(token, 1u32)).unwrap();
        group.task().name("idle").try_spawn(idle(dropped.clone())).unwrap();
        assert_told_and_idle(group.shutdown_on(A::spawner(), SHORT).await, &dropped);

        // A task that finished before the shutdown began was not in flight.
        let group = ErrGroup::builder().collect().spawner(A::spawner());
        group.try_spawn(async { Ok::<_, &str>(0u32) }).unwrap();
        let handle = group.handle();
        until(|| handle.active() == 0).await;
        group.task().name("idle").try_spawn(idle(Tally::new())).unwrap();
        let report = group.shutdown(SHORT).await;
        assert!(!report.tasks[0].in_flight && report.tasks[1].in_flight, "{report:?}");
        assert_eq!(aborted(&report), [Some("idle")]);
    });
    A::block_on_local(async {
        let dropped = Tally::new();
        let group = ErrGroup::builder().collect().local_spawner(A::local_spawner());
        group.task().name("told").try_spawn(stops_when_told(group.token(), 1u32)).unwrap();
        group.task().name("idle").try_spawn(idle(dropped.clone())).unwrap();
        assert_told_and_idle(group.shutdown(SHORT).await, &dropped);
    });
}

/// A shielded section is not dropped when the group is cancelled: it runs to its end (it
/// sees the cancellation from inside), and the task is dropped right after it; a plain
/// sibling is dropped at once. In a spawned and an inline group.
pub fn a_shielded_section_runs_to_its_end_through_a_cancellation<A: Adapter>() {
    async fn shielded(
        shield: Shield,
        token: CancelToken,
        entered: Gate,
        finished: Tally,
        dropped: Tally,
    ) -> Result<u32, &'static str> {
        let _dropped = dropped.on_drop();
        shield
            .protect(async {
                entered.open();
                token.cancelled().await; // still running after the cancellation
                finished.add();
            })
            .await;
        pending().await // not shielded: dropped here
    }
    async fn fails_once(entered: Gate) -> Result<u32, &'static str> {
        entered.opened().await;
        Err("boom")
    }
    // The same body for a spawned and an inline group (their `task()` borrow differently).
    macro_rules! section_through_a_cancel {
        ($group:expr) => {{
            let (finished, dropped, entered) = (Tally::new(), Tally::new(), Gate::new());
            #[allow(unused_mut)]
            let mut group = $group;
            let shield = Shield::new();
            let token = group.token();
            let section =
                shielded(shield.clone(), token, entered.clone(), finished.clone(), dropped.clone());
            group.task().shield(&shield).try_spawn(section).unwrap();
            group.try_spawn(fails_once(entered)).unwrap();
            let outcomes = group.wait_outcomes().await;
            assert!(
                matches!(outcomes[0].1, Outcome::Cancelled(CancelReason::Error)),
                "{outcomes:?}"
            );
            assert!(matches!(outcomes[1].1, Outcome::Failed("boom")), "{outcomes:?}");
            assert_eq!((finished.get(), dropped.get()), (1, 1), "the section ran to its end");
            assert!(!shield.is_active());
        }};
    }
    A::block_on(async {
        section_through_a_cancel!(ErrGroup::builder().collect().spawner(A::spawner()));
        section_through_a_cancel!(ErrGroup::builder().collect().inline());
    });
}

/// The end of a shutdown's grace period bounds a shield: a section that never ends is
/// dropped there, and its task reported aborted; in a spawned and an inline group.
pub fn the_grace_period_bounds_a_shielded_section<A: Adapter>() {
    async fn stuck_in_section(shield: Shield, dropped: Tally) -> Result<u32, &'static str> {
        let _dropped = dropped.on_drop();
        shield.protect(pending::<()>()).await;
        Ok(0)
    }
    A::block_on(async {
        let dropped = Tally::new();
        let group = ErrGroup::builder().collect().spawner(A::spawner());
        let shield = Shield::new();
        let task = stuck_in_section(shield.clone(), dropped.clone());
        group.task().name("stuck").shield(&shield).try_spawn(task).unwrap();
        let report = group.shutdown(SHORT).await;
        assert_eq!(aborted(&report), [Some("stuck")]);
        assert_eq!(dropped.get(), 1);
        assert!(!shield.is_active(), "the section was dropped");

        let dropped = Tally::new();
        let mut group = ErrGroup::builder().collect().inline();
        let shield = Shield::new();
        let task = stuck_in_section(shield.clone(), dropped.clone());
        group.task().name("stuck").shield(&shield).try_spawn(task).unwrap();
        let report = group.shutdown_on(A::spawner(), SHORT).await;
        assert_eq!(aborted(&report), [Some("stuck")]);
        assert_eq!(dropped.get(), 1);
    });
}

/// In a default (dropping) group, a task spawned `cooperative()` is signalled, not
/// dropped, by a sibling's failure: it sees the token and returns its value, while a
/// plain sibling is dropped; in a spawned, a local and an inline group.
pub fn a_cooperative_task_is_signalled_in_a_default_group<A: Adapter>() {
    fn check(outcomes: &[(errgroup::TaskId, Outcome<u32, &str>)], dropped: &Tally) {
        assert!(matches!(outcomes[0].1, Outcome::Succeeded(1)), "{outcomes:?}");
        assert!(matches!(outcomes[1].1, Outcome::Cancelled(CancelReason::Error)), "{outcomes:?}");
        assert!(matches!(outcomes[2].1, Outcome::Failed("boom")), "{outcomes:?}");
        assert_eq!(dropped.get(), 1, "the plain sibling was dropped");
    }
    A::block_on(async {
        let dropped = Tally::new();
        let group = ErrGroup::builder().collect().spawner(A::spawner());
        group.task().cooperative().try_spawn(stops_when_told(group.token(), 1)).unwrap();
        group.try_spawn(idle(dropped.clone())).unwrap();
        group.try_spawn(async { Err("boom") }).unwrap();
        check(&group.wait_outcomes().await, &dropped);

        let dropped = Tally::new();
        let mut group = ErrGroup::builder().collect().inline();
        let token = group.token();
        group.task().name("told").cooperative().try_spawn(stops_when_told(token, 1)).unwrap();
        group.try_spawn(idle(dropped.clone())).unwrap();
        group.try_spawn(async { Err("boom") }).unwrap();
        check(&group.wait_outcomes().await, &dropped);
    });
    A::block_on_local(async {
        let dropped = Tally::new();
        let group = ErrGroup::builder().collect().local_spawner(A::local_spawner());
        group.task().cooperative().try_spawn(stops_when_told(group.token(), 1)).unwrap();
        group.try_spawn(idle(dropped.clone())).unwrap();
        group.try_spawn(async { Err("boom") }).unwrap();
        check(&group.wait_outcomes().await, &dropped);
    });
}

/// Under `Policy::FailGracefully` a failure starts the graceful stop that `shutdown_when`
/// would have started on its trigger: the told task finishes, the idle one is dropped at
/// the end of the grace period, and the failure is in the report; a trigger starts it
/// the same way.
pub fn a_failure_starts_the_graceful_stop_under_fail_gracefully<A: Adapter>() {
    A::block_on(async {
        let dropped = Tally::new();
        let group =
            ErrGroup::builder().policy(Policy::FailGracefully).collect().spawner(A::spawner());
        let token = group.token();
        group.task().name("told").try_spawn(stops_when_told(group.token(), 1u32)).unwrap();
        group.task().name("idle").try_spawn(idle(dropped.clone())).unwrap();
        group.task().name("config").try_spawn(async { Err("bad config") }).unwrap();
        let report = group.shutdown_when(pending::<()>(), SHORT).await;
        assert!(report.grace_expired);
        assert!(matches!(report.tasks[0].outcome, Outcome::Succeeded(1)), "{report:?}");
        assert!(matches!(report.tasks[2].outcome, Outcome::Failed("bad config")), "{report:?}");
        assert_eq!(aborted(&report), [Some("idle")]);
        assert_eq!(dropped.get(), 1);
        assert_eq!(token.cause().unwrap().to_string(), "task 2 `config` failed");

        // The trigger: a gate opened by a task of the group.
        let trigger = Gate::new();
        let group = ErrGroup::builder().collect().spawner(A::spawner());
        group.task().name("told").try_spawn(stops_when_told(group.token(), 1u32)).unwrap();
        let opens = trigger.clone();
        group
            .try_spawn(async move {
                opens.open();
                Ok(2)
            })
            .unwrap();
        let report = group.shutdown_when(trigger.opened(), LONG).await;
        assert_eq!(report.into_values(), [Some(1), Some(2)]);
    });
}

/// A drop guard cancels its token, and a group that is the token's child with it.
pub fn a_drop_guard_cancels_the_group_below_it<A: Adapter>() {
    A::block_on(async {
        let parent = CancelToken::new();
        let guard = parent.drop_guard();
        let group = ErrGroup::<&str, _>::builder().child_of(&parent).spawner(A::spawner());
        let dropped = Tally::new();
        group.try_spawn(idle(dropped.clone())).unwrap();
        drop(guard);
        assert_eq!(parent.reason(), Some(CancelReason::Explicit));
        assert!(group.token().is_cancelled());
        assert_eq!(group.await, Ok(()));
        assert_eq!(dropped.get(), 1);
    });
}

/// Dropping a group that is shutting down ends its grace period: every task left is
/// dropped, spawned and inline alike.
pub fn dropping_a_shutdown_drops_what_is_left<A: Adapter>() {
    A::block_on(async {
        let dropped = Tally::new();
        let group = ErrGroup::builder().collect().spawner(A::spawner());
        group.try_spawn(idle::<u32>(dropped.clone())).unwrap();
        let mut shutdown = Box::pin(group.shutdown(LONG));
        assert!(shutdown.as_mut().now_or_never().is_none());
        drop(shutdown);
        dropped.reached(1).await;

        let dropped = Tally::new();
        let group = ErrGroup::builder().collect().inline();
        group.try_spawn(idle::<u32>(dropped.clone())).unwrap();
        let mut shutdown = Box::pin(group.shutdown_on(A::spawner(), LONG));
        assert!(shutdown.as_mut().now_or_never().is_none());
        drop(shutdown);
        assert_eq!(dropped.get(), 1);
    });
}

/// A group dropped unwaited cannot wait for a shielded section: an inline group drops it
/// with itself; a task on an executor finishes the section (its executor keeps polling
/// it) and is dropped right after.
pub fn a_group_dropped_unwaited_and_a_shielded_section<A: Adapter>() {
    async fn section(
        shield: Shield,
        open: Gate,
        entered: Gate,
        finished: Tally,
        dropped: Tally,
    ) -> Result<(), &'static str> {
        let _dropped = dropped.on_drop();
        shield
            .protect(async {
                entered.open();
                open.opened().await;
                finished.add();
            })
            .await;
        pending().await
    }
    A::block_on(async {
        let (open, entered, finished, dropped) =
            (Gate::new(), Gate::new(), Tally::new(), Tally::new());
        let group = ErrGroup::<&str, _>::new(A::spawner());
        let shield = Shield::new();
        let task = section(
            shield.clone(),
            open.clone(),
            entered.clone(),
            finished.clone(),
            dropped.clone(),
        );
        group.task().shield(&shield).try_spawn(task).unwrap();
        entered.opened().await;
        drop(group);
        assert_eq!(dropped.get(), 0, "not dropped inside its section");
        open.open();
        dropped.reached(1).await;
        assert_eq!(finished.get(), 1, "the section ran to its end first");

        let (open, entered, finished, dropped) =
            (Gate::new(), Gate::new(), Tally::new(), Tally::new());
        let mut group = ErrGroup::<&str, _>::inline();
        let shield = Shield::new();
        let task = section(
            shield.clone(),
            open.clone(),
            entered.clone(),
            finished.clone(),
            dropped.clone(),
        );
        group.task().shield(&shield).try_spawn(task).unwrap();
        let mut waiting = Box::pin(group.wait());
        assert!(waiting.as_mut().now_or_never().is_none());
        assert!(entered.is_open());
        drop(waiting);
        assert_eq!(
            (finished.get(), dropped.get()),
            (0, 1),
            "dropped with its group, inside the section"
        );
    });
}

/// A discarding group, the default (`errgroup_tokio::group()`, say), shuts down the same
/// way; its report lists the tasks in flight when the stop began (stopped in time, or
/// aborted) and every failure, and nothing of the tasks that had finished before.
pub fn a_discarding_group_reports_its_tasks_in_flight_and_its_failures<A: Adapter>() {
    A::block_on(async {
        let group = ErrGroup::<&str, _>::new(A::spawner());
        group.task().name("done").try_spawn(async { Ok(()) }).unwrap();
        let handle = group.handle();
        until(|| handle.active() == 0).await;
        let token = group.token();
        group
            .task()
            .name("told")
            .try_spawn(async move {
                token.cancelled().await;
                Err("stopped uncleanly")
            })
            .unwrap();
        let dropped = Tally::new();
        group.task().name("idle").try_spawn(idle(dropped.clone())).unwrap();
        group.task().name("quits").try_spawn(stops_when_told(group.token(), ())).unwrap();
        let report = group.shutdown(SHORT).await;
        let names: Vec<_> = report.tasks.iter().map(|task| task.task.name()).collect();
        assert_eq!(names, [Some("told"), Some("idle"), Some("quits")], "{report:?}");
        assert!(report.tasks.iter().all(|task| task.in_flight));
        assert!(matches!(report.tasks[0].outcome, Outcome::Failed("stopped uncleanly")));
        assert!(matches!(report.tasks[1].outcome, Outcome::Cancelled(CancelReason::Shutdown)));
        assert!(matches!(report.tasks[2].outcome, Outcome::Succeeded(())));
        assert_eq!(aborted(&report), [Some("idle")]);
        assert_eq!(dropped.get(), 1);

        // A failure before the stop is reported too, not in flight.
        let group = ErrGroup::<&str, _>::new(A::spawner());
        group.task().name("config").try_spawn(async { Err("bad config") }).unwrap();
        let handle = group.handle();
        until(|| handle.active() == 0).await;
        let report = group.shutdown(SHORT).await;
        assert!(!report.grace_expired);
        let [config] = &report.tasks[..] else { panic!("{report:?}") };
        assert_eq!((config.task.name(), config.in_flight), (Some("config"), false));
        assert!(matches!(config.outcome, Outcome::Failed("bad config")));
    });
}
