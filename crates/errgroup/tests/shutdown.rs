//! Graceful shutdown, per-task cooperative mode and shields, polled by hand: spawned tasks
//! on a recording spawner, a timer whose one sleep fires when the test says, counting
//! wakers. What each phase does to a task — polled during the grace period, woken and
//! dropped at its end — is observed step by step; no executor, no sleeps.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

mod support;

use std::{
    future::{Future, pending},
    pin::{Pin, pin},
    sync::{Arc, Mutex},
    task::{Context, Poll, Waker},
    time::Duration,
};

use errgroup::{
    CancelReason, Collect, ErrGroup, Outcome, Policy, Rejected, Shield, Spawned, Timer,
};
use support::{Counted, DiscardingSpawner, Gate, RecordingSpawner, yield_now};

/// A timer whose sleeps all end when the test fires it.
#[derive(Clone, Default)]
struct ManualTimer(Arc<Mutex<(bool, Option<Waker>)>>);

impl ManualTimer {
    fn fire(&self) {
        let mut state = self.0.lock().unwrap();
        state.0 = true;
        if let Some(waker) = state.1.take() {
            waker.wake();
        }
    }
}

struct ManualSleep(ManualTimer);

impl Future for ManualSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = (self.0).0.lock().unwrap();
        if state.0 {
            return Poll::Ready(());
        }
        state.1 = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Timer for ManualTimer {
    type Instant = u64;
    type Sleep = ManualSleep;

    fn now(&self) -> u64 {
        0
    }

    fn checked_add(&self, instant: u64, _: Duration) -> Option<u64> {
        Some(instant)
    }

    fn sleep_until(&self, _: u64) -> ManualSleep {
        ManualSleep(self.clone())
    }
}

type Group = ErrGroup<u32, Spawned<RecordingSpawner>, Collect<u32>>;

fn collecting(spawner: &RecordingSpawner) -> Group {
    ErrGroup::builder().collect().spawner(spawner.clone())
}

#[test]
fn a_task_runs_through_the_grace_period_and_is_woken_and_dropped_at_its_end() {
    let (spawner, timer, gate) = (RecordingSpawner::default(), ManualTimer::default(), Gate::new());
    let group = collecting(&spawner);
    let handle = group.handle();
    group.task().name("idle").try_spawn(gate.future()).unwrap();
    assert!(!spawner.poll(0), "pending, and registered for a cancellation");

    let waiter = Counted::new();
    let mut shutdown = Box::pin(group.shutdown_on(timer.clone(), Duration::from_secs(1)));
    assert!(waiter.poll(&mut shutdown).is_pending());
    assert_eq!(handle.token().reason(), Some(CancelReason::Shutdown), "told at once");
    assert_eq!(spawner.wakes(0), 0, "the grace period does not wake the tasks");
    assert!(!spawner.poll(0), "polled during the grace period, not dropped");
    assert_eq!((gate.polls(), gate.dropped()), (2, false));
    match handle.try_spawn(async { Ok(1) }) {
        Err(Rejected::Cancelled(_, cause)) => assert_eq!(cause.reason(), CancelReason::Shutdown),
        other => panic!("a spawn during the grace period: {other:?}"),
    }

    timer.fire();
    assert_eq!(waiter.wakes(), 1, "the timer wakes the shutdown");
    assert!(waiter.poll(&mut shutdown).is_pending(), "the task is not dropped yet");
    assert_eq!(spawner.wakes(0), 1, "the end of the grace period wakes the task");
    assert!(spawner.poll(0), "and it aborts");
    assert_eq!((gate.polls(), gate.dropped()), (2, true), "dropped, not polled again");
    let Poll::Ready(report) = waiter.poll(&mut shutdown) else { panic!("the group is idle") };
    assert!(report.grace_expired);
    let task = &report.tasks[0];
    assert_eq!((task.task.name(), task.in_flight, task.aborted()), (Some("idle"), true, true));
    assert!(format!("{report:?}").contains("Cancelled(Shutdown)"), "{report:?}");
}

#[test]
fn a_task_that_finishes_in_the_grace_period_ends_the_shutdown_without_waiting_it_out() {
    let (spawner, timer, gate) = (RecordingSpawner::default(), ManualTimer::default(), Gate::new());
    let group = collecting(&spawner);
    group.task().name("flush").try_spawn(gate.future()).unwrap();
    let waiter = Counted::new();
    let mut shutdown = Box::pin(group.shutdown_on(timer, Duration::from_secs(1)));
    assert!(waiter.poll(&mut shutdown).is_pending());
    let debug = format!("{shutdown:?}");
    assert!(debug.contains("stopping: true") && debug.contains("grace_expired: false"), "{debug}");

    gate.open(support::Outcome::Ok(7));
    assert!(spawner.poll(0));
    let Poll::Ready(report) = waiter.poll(&mut shutdown) else { panic!("the group is idle") };
    assert!(!report.grace_expired);
    let task = &report.tasks[0];
    assert!(task.in_flight && !task.aborted());
    assert!(matches!(task.outcome, Outcome::Succeeded(7)));
    assert_eq!(report.into_values(), [Some(7)]);
}

#[test]
fn a_trigger_starts_the_stop_and_a_group_that_finishes_first_needs_none() {
    let (spawner, timer, gate) = (RecordingSpawner::default(), ManualTimer::default(), Gate::new());
    let group = collecting(&spawner);
    let handle = group.handle();
    group.try_spawn(gate.future()).unwrap();
    let trigger = Gate::new();
    let waiter = Counted::new();
    let mut shutdown =
        Box::pin(group.shutdown_when_on(trigger.future(), timer.clone(), Duration::ZERO));
    assert!(waiter.poll(&mut shutdown).is_pending());
    assert!(!handle.is_cancelled(), "nothing is told before the trigger");
    assert!(format!("{shutdown:?}").contains("stopping: false"));
    trigger.open(support::Outcome::Ok(0));
    assert_eq!(waiter.wakes(), 1);
    assert!(waiter.poll(&mut shutdown).is_pending());
    assert_eq!(handle.token().reason(), Some(CancelReason::Shutdown));
    timer.fire();
    assert!(waiter.poll(&mut shutdown).is_pending());
    assert!(spawner.poll(0));
    let Poll::Ready(report) = waiter.poll(&mut shutdown) else { panic!("the group is idle") };
    assert!(report.tasks[0].aborted());

    // Finished before the trigger: no stop, nothing in flight.
    let spawner = RecordingSpawner::default();
    let group = collecting(&spawner);
    group.try_spawn(async { Ok(1) }).unwrap();
    assert!(spawner.poll(0));
    let trigger = pin!(pending::<()>());
    let report = futures_executor::block_on(group.shutdown_when_on(
        trigger,
        ManualTimer::default(),
        Duration::ZERO,
    ));
    assert!(!report.grace_expired && !report.tasks[0].in_flight);
    assert_eq!(report.into_values(), [Some(1)]);
}

#[test]
fn tasks_that_ended_before_the_shutdown_are_not_in_flight_and_keep_their_names() {
    let (spawner, gate) = (RecordingSpawner::default(), Gate::new());
    let group = collecting(&spawner);
    group.task().name("bad").try_spawn(async { panic!("corrupt") }).unwrap();
    group.task().name("sibling").try_spawn(gate.future()).unwrap();
    assert!(!spawner.poll(1), "the sibling waits");
    assert!(spawner.poll(0), "the panic cancels the group");
    assert!(spawner.poll(1), "and the sibling aborts");
    let report =
        futures_executor::block_on(group.shutdown_on(ManualTimer::default(), Duration::ZERO));
    assert!(!report.grace_expired, "nothing was left to stop");
    let [bad, sibling] = &report.tasks[..] else { panic!("two tasks") };
    assert!(matches!(bad.outcome, Outcome::Panicked(_)));
    assert_eq!((bad.task.name(), bad.in_flight), (Some("bad"), false), "named by its panic");
    assert!(matches!(sibling.outcome, Outcome::Cancelled(CancelReason::Panic)));
    assert_eq!(sibling.task.name(), None, "a cancellation does not carry the name");
    assert!(!sibling.in_flight && !sibling.aborted(), "it was dropped before the shutdown");
}

#[test]
fn fail_gracefully_tells_the_siblings_and_drops_none_of_them() {
    let (spawner, gate) = (RecordingSpawner::default(), Gate::new());
    let group: Group =
        ErrGroup::builder().policy(Policy::FailGracefully).collect().spawner(spawner.clone());
    let token = group.token();
    group.try_spawn(gate.future()).unwrap();
    group.try_spawn(async { Err(5) }).unwrap();
    assert!(!spawner.poll(0));
    assert!(spawner.poll(1), "the failure");
    assert_eq!(token.reason(), Some(CancelReason::Error), "the siblings are told");
    assert_eq!(spawner.wakes(0), 0, "but not woken to be dropped");
    assert!(!spawner.poll(0) && !gate.dropped(), "a graceful stop drops nothing");
    gate.open(support::Outcome::Ok(3));
    assert!(spawner.poll(0));
    let outcomes = futures_executor::block_on(group.wait_outcomes());
    assert!(matches!(outcomes[0].1, Outcome::Succeeded(3)), "{outcomes:?}");
    assert!(matches!(outcomes[1].1, Outcome::Failed(5)), "{outcomes:?}");
}

#[test]
fn a_shield_defers_the_drop_until_its_section_ends_and_then_wakes_the_task() {
    let (spawner, gate) = (RecordingSpawner::default(), Gate::new());
    let group: ErrGroup<u32, _> = ErrGroup::new(spawner.clone());
    let handle = group.handle();
    let shield = Shield::new();
    let section = shield.protect(gate.future());
    assert_eq!(format!("{section:?}"), "Protected { running: false, .. }");
    let after = Gate::new();
    let after_section = after.future();
    group
        .task()
        .shield(&shield)
        .try_spawn(async move {
            section.await?;
            after_section.await.map(drop)
        })
        .unwrap();
    assert!(!spawner.poll(0));
    assert_eq!(format!("{shield:?}"), "Shield { active: true }");
    assert!(handle.cancel());
    assert_eq!(spawner.wakes(0), 1, "woken by the cancel");
    assert!(!spawner.poll(0), "spared: inside its section");
    assert_eq!(gate.polls(), 2);
    gate.open(support::Outcome::Ok(1));
    assert_eq!(spawner.wakes(0), 2);
    // The section ends and the rest of the task goes pending. Then the task is dropped:
    // in that same poll if it registers a new waker (it then looks at the token again, as
    // a waker that does not `will_wake` its clones makes it do: Miri's), or else at the
    // poll the section's end asked for.
    let dropped_at_once = spawner.poll(0);
    if !dropped_at_once {
        assert_eq!(spawner.wakes(0), 3, "the section's end woke the task");
        assert!(spawner.poll(0), "dropped now");
    }
    assert_eq!(after.polls(), 1, "the rest of the task ran until it went pending");
    assert!(after.dropped() && !shield.is_active());
    assert_eq!(futures_executor::block_on(group.wait()), Ok(()));
}

#[test]
fn outside_a_section_a_shielded_task_is_dropped_as_any_other() {
    let spawner = RecordingSpawner::default();
    let group: ErrGroup<u32, _> = ErrGroup::new(spawner.clone());
    let shield = Shield::new();
    let gate = Gate::new();
    group.task().shield(&shield).try_spawn(unit(gate.future())).unwrap();
    assert!(!spawner.poll(0));
    assert!(group.handle().cancel());
    assert!(spawner.poll(0), "not in a section: aborted");
    assert!(gate.dropped());
    // A section that ended before a cancellation asks nothing of it.
    let section = pin!(shield.protect(async { yield_now().await }));
    let waker = Counted::new();
    let mut section = section;
    assert!(waker.poll(&mut section).is_pending());
    assert!(shield.is_active());
    assert!(waker.poll(&mut section).is_ready());
    assert!(!shield.is_active());
    assert_eq!(waker.wakes(), 1, "only its own yield woke it");
}

/// A gate's future, as a task of a discarding group.
async fn unit(future: support::GateFuture) -> Result<(), u32> {
    future.await.map(drop)
}

#[test]
fn a_discarding_group_reports_its_tasks_in_flight_and_every_failure_in_spawn_order() {
    let spawner = RecordingSpawner::default();
    let (quits, fails, idle) = (Gate::new(), Gate::new(), Gate::new());
    let group: ErrGroup<u32, _> =
        ErrGroup::builder().policy(Policy::CollectAll).spawner(spawner.clone());
    group.task().name("done").try_spawn(async { Ok(()) }).unwrap();
    group.task().name("quits").try_spawn(unit(quits.future())).unwrap();
    group.task().name("failed early").try_spawn(async { Err(1) }).unwrap();
    group.task().name("fails").try_spawn(unit(fails.future())).unwrap();
    group.task().name("idle").try_spawn(unit(idle.future())).unwrap();
    for task in 0..5 {
        spawner.poll(task);
    }
    let timer = ManualTimer::default();
    let waiter = Counted::new();
    let mut shutdown = Box::pin(group.shutdown_on(timer.clone(), Duration::from_secs(1)));
    assert!(waiter.poll(&mut shutdown).is_pending());
    quits.open(support::Outcome::Ok(0));
    fails.open(support::Outcome::Err(4));
    assert!(spawner.poll(1) && spawner.poll(3));
    timer.fire();
    assert!(waiter.poll(&mut shutdown).is_pending());
    assert!(spawner.poll(4));
    let Poll::Ready(report) = waiter.poll(&mut shutdown) else { panic!("the group is idle") };
    let seen: Vec<_> = report
        .tasks
        .iter()
        .map(|task| (task.task.id().index(), task.task.name(), task.in_flight, task.aborted()))
        .collect();
    assert_eq!(
        seen,
        [
            (1, Some("quits"), true, false),
            (2, Some("failed early"), false, false),
            (3, Some("fails"), true, false),
            (4, Some("idle"), true, true),
        ],
        "{report:?}"
    );
    assert!(matches!(report.tasks[0].outcome, Outcome::Succeeded(())));
    assert!(matches!(report.tasks[1].outcome, Outcome::Failed(1)));
    assert!(matches!(report.tasks[2].outcome, Outcome::Failed(4)));
    assert!(matches!(report.tasks[3].outcome, Outcome::Cancelled(CancelReason::Shutdown)));
}

#[test]
fn a_signalled_or_shielded_task_keeps_its_name_when_its_spawner_loses_it() {
    let group = ErrGroup::<u32, _>::builder()
        .policy(Policy::CollectAll)
        .collect::<u32>()
        .spawner(DiscardingSpawner);
    let shield = Shield::new();
    group.task().cooperative().name("signalled").try_spawn(async { Ok(1) }).unwrap();
    group.task().name("shielded").shield(&shield).try_spawn(async { Ok(2) }).unwrap();
    let outcomes = futures_executor::block_on(group.wait_outcomes());
    let names: Vec<_> = outcomes
        .iter()
        .map(|(_, outcome)| match outcome {
            Outcome::Lost(lost) => lost.task().name(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, [Some("signalled"), Some("shielded")]);
}

#[test]
fn a_task_a_cancel_spared_is_still_woken_and_dropped_at_the_end_of_a_grace_period() {
    let (spawner, timer, gate) = (RecordingSpawner::default(), ManualTimer::default(), Gate::new());
    let group = collecting(&spawner);
    let handle = group.handle();
    group.task().name("signalled").cooperative().try_spawn(gate.future()).unwrap();
    assert!(!spawner.poll(0), "pending, and registered");
    assert!(handle.cancel());
    assert_eq!(spawner.wakes(0), 1, "told");
    assert!(!spawner.poll(0), "spared: it runs on");

    // The cancel left it registered: the end of a grace period still reaches it.
    let waiter = Counted::new();
    let mut shutdown = Box::pin(group.shutdown_on(timer.clone(), Duration::ZERO));
    assert!(waiter.poll(&mut shutdown).is_pending());
    timer.fire();
    assert!(waiter.poll(&mut shutdown).is_pending());
    assert_eq!(spawner.wakes(0), 2, "woken by the end of the grace period");
    assert!(spawner.poll(0) && gate.dropped());
    let Poll::Ready(report) = waiter.poll(&mut shutdown) else { panic!("the group is idle") };
    assert!(matches!(report.tasks[0].outcome, Outcome::Cancelled(CancelReason::Explicit)));
    assert!(report.tasks[0].aborted());
}
