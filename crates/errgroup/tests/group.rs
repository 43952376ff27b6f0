//! Poll-level tests of `ErrGroup`: no runtime, no sleeps. Tasks go to a recording spawner
//! and the test polls them (and the group's `wait`) one step at a time, so every
//! interleaving a test names is the one that happens. One test per documented guarantee.
#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::needless_range_loop,
    clippy::manual_async_fn
)]

mod support;

use std::{
    panic::{AssertUnwindSafe, catch_unwind},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering::SeqCst},
    },
    task::Poll,
};

use errgroup::{
    CancelReason, CancelToken, ErrGroup, GroupHandle, Panicked, Policy, Refused, Rejected, Spawned,
    future::Wait,
};
use futures_executor::block_on;
use support::{
    Counted, DiscardingSpawner, Dropping, Expired, Gate, GateFuture, Outcome, PanickingSpawner,
    PanicsOnDrop, PollOnceThenDropSpawner, RecordingSpawner, RefusingSpawner, quiet_panics,
    yield_now,
};

type Group = ErrGroup<u32, Spawned<RecordingSpawner>, errgroup::Collect<u32>>;

fn recording_group() -> (Group, RecordingSpawner) {
    let spawner = RecordingSpawner::default();
    (ErrGroup::builder().collect().spawner(spawner.clone()), spawner)
}

/// Every error of a waiting form that keeps them all, as `(task index, error)`.
fn with_tasks<T, E>(
    outcome: Result<T, Vec<errgroup::TaskError<E>>>,
) -> Result<T, Vec<(Option<usize>, E)>> {
    outcome.map_err(|errors| {
        errors
            .into_iter()
            .map(|error| {
                let (task, error) = error.into_parts();
                (task.map(|task| task.id().index()), error)
            })
            .collect()
    })
}

fn spawn_gates<R>(group: &ErrGroup<u32, Spawned<RecordingSpawner>, R>, n: usize) -> Vec<Gate>
where
    R: errgroup::Results<Value = u32> + 'static,
    R::Store: Send + Sync,
{
    (0..n)
        .map(|_| {
            let gate = Gate::new();
            group.try_spawn(gate.future()).unwrap();
            gate
        })
        .collect()
}

#[test]
fn wait_resolves_only_when_every_task_has_finished_or_been_dropped() {
    let (group, spawner) = recording_group();
    let gates = spawn_gates(&group, 3);
    let waiter = Counted::new();
    let mut wait = group.wait();
    assert!(waiter.poll(&mut wait).is_pending());

    gates[0].open(Outcome::Ok(1));
    assert!(spawner.poll(0));
    assert!(waiter.poll(&mut wait).is_pending(), "two tasks remain");

    gates[1].open(Outcome::Ok(2));
    assert!(spawner.poll(1));
    assert!(waiter.poll(&mut wait).is_pending(), "one task remains");

    let wakes_before = waiter.wakes();
    gates[2].open(Outcome::Ok(3));
    assert!(spawner.poll(2));
    assert!(waiter.wakes() > wakes_before, "the last task wakes the waiter");
    assert_eq!(waiter.poll(&mut wait), Poll::Ready(Ok(vec![1, 2, 3])));
}

#[test]
fn a_task_its_executor_drops_unfinished_is_lost_cancels_its_siblings_and_is_reraised() {
    quiet_panics();
    let (group, spawner) = recording_group();
    let token = group.token();
    let gates = spawn_gates(&group, 3);
    let waiter = Counted::new();
    let mut wait = group.wait();
    assert!(waiter.poll(&mut wait).is_pending());
    gates[0].open(Outcome::Ok(1));
    assert!(spawner.poll(0));

    spawner.drop_task(1); // an executor dropped it unfinished
    assert!(gates[1].dropped());
    assert_eq!(token.reason(), Some(CancelReason::Lost), "a loss is a failure");
    assert!(waiter.poll(&mut wait).is_pending(), "one task remains");

    gates[2].open(Outcome::Ok(3));
    assert!(spawner.poll(2));
    assert_eq!(gates[2].polls(), 0, "cancelled by the loss before it ran");
    let message = panic_message(|| waiter.poll(&mut wait));
    assert!(
        message
            .starts_with("errgroup: task 1 was lost: its executor dropped it before it finished"),
        "{message}"
    );
}

#[test]
fn a_spawner_that_accepts_and_discards_loses_the_task_and_the_group_never_says_ok() {
    quiet_panics();
    // Re-raised by default, naming the task.
    let group = ErrGroup::<u32, _>::builder().collect::<u32>().spawner(DiscardingSpawner);
    let token = group.token();
    let gate = Gate::new();
    group.try_spawn(gate.future()).unwrap();
    assert!(gate.dropped() && gate.polls() == 0);
    assert_eq!(token.reason(), Some(CancelReason::Lost));
    assert!(matches!(group.try_spawn(Gate::new().future()), Err(Rejected::Cancelled(_, _))));
    let message = panic_message(|| block_on(group.wait()));
    assert!(message.starts_with("errgroup: task 0 was lost"), "{message}");

    // An error with `interruptions_as_errors`, kept in order with `CollectAll`.
    let group = ErrGroup::<anyhow::Error, _>::builder()
        .policy(Policy::CollectAll)
        .interruptions_as_errors()
        .spawner(DiscardingSpawner);
    group.try_spawn(async { Ok(()) }).unwrap();
    group.try_spawn(async { Ok(()) }).unwrap();
    let errors = block_on(group.wait_all()).unwrap_err();
    let lost: Vec<_> = errors
        .iter()
        .map(|error| match error.error().downcast_ref::<errgroup::Interrupted>() {
            Some(errgroup::Interrupted::Lost(lost)) => lost.task().id().index(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(lost, [0, 1]);

    // `wait_outcomes` reports each loss at its task (a fail-fast group: the second loss
    // comes after the first cancelled the group, and is a loss all the same).
    let group = ErrGroup::<u32, _>::builder().collect::<u32>().spawner(DiscardingSpawner);
    group.try_spawn(Gate::new().future()).unwrap();
    assert!(group.try_spawn(Gate::new().future()).is_err(), "cancelled by the loss");
    let handle = group.handle();
    let outcomes = block_on(group.wait_outcomes());
    assert_eq!(outcomes.len(), 1);
    let errgroup::Outcome::Lost(lost) = &outcomes[0].1 else { panic!("{outcomes:?}") };
    assert_eq!(lost.task().id(), outcomes[0].0);
    assert_eq!(handle.token().reason(), Some(CancelReason::Lost));
    // Two losses before any cancellation reaches the start gate: a no-cancel group.
    let group = ErrGroup::<u32, _>::builder()
        .policy(Policy::NoCancel)
        .collect::<u32>()
        .spawner(DiscardingSpawner);
    group.try_spawn(Gate::new().future()).unwrap();
    group.try_spawn(Gate::new().future()).unwrap();
    let outcomes = block_on(group.wait_outcomes());
    let lost: Vec<_> = outcomes
        .iter()
        .map(|(id, outcome)| match outcome {
            errgroup::Outcome::Lost(lost) if lost.task().id() == *id => id.index(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(lost, [0, 1]);

    // Dropped inside `spawn` after a first poll, and accepted: lost as well.
    let group = ErrGroup::<u32, _>::new(PollOnceThenDropSpawner);
    let gate = Gate::new();
    group.try_spawn(gate.future().map_ok()).unwrap();
    assert!(gate.dropped() && gate.polls() == 1);
    assert_eq!(group.active(), 0);
    let message = panic_message(|| block_on(group.wait()));
    assert!(message.starts_with("errgroup: task 0 was lost"), "{message}");
}

#[test]
fn a_lost_task_keeps_its_id_and_name_on_every_path() {
    quiet_panics();
    // Lost later, by its executor: the panic names it.
    let (group, spawner) = recording_group();
    let gate = Gate::new();
    group.try_spawn(gate.future()).unwrap();
    let id = group.task().name("db").try_spawn(Gate::new().future()).unwrap();
    assert_eq!(id.index(), 1);
    spawner.drop_task(1);
    gate.open(Outcome::Ok(1));
    assert!(spawner.poll(0));
    let message = panic_message(|| block_on(group.wait()));
    assert!(message.starts_with("errgroup: task 1 `db` was lost: its executor"), "{message}");

    // Dropped inside `spawn`, which accepted it (the launcher names it), with a name made
    // at run time and a fixed one.
    let group = ErrGroup::<errgroup::Interrupted, _>::builder()
        .policy(Policy::CollectAll)
        .interruptions_as_errors()
        .spawner(DiscardingSpawner);
    let made = group.task().name(format!("shard {}", 3)).try_spawn(async { Ok(()) }).unwrap();
    let fixed = group.task().name("index").try_spawn(async { Ok(()) }).unwrap();
    let unnamed = group.try_spawn(async { Ok(()) }).unwrap();
    let errors = block_on(group.wait_all()).unwrap_err();
    let lost: Vec<_> = errors
        .iter()
        .map(|error| match error.error() {
            errgroup::Interrupted::Lost(lost) => (lost.task().id(), lost.task().name()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(lost, [(made, Some("shard 3")), (fixed, Some("index")), (unnamed, None)]);
    assert_eq!(
        errors[0].to_string(),
        "task 0 `shard 3` was lost: its executor dropped it before it finished"
    );
    assert!(format!("{:?}", errors[1]).contains(r#"Task { id: 1, name: "index" }"#));

    // Dropped inside `spawn` after a first poll.
    let group = ErrGroup::<u32, _>::new(PollOnceThenDropSpawner);
    group.task().name("poller").try_spawn(Gate::new().future().map_ok()).unwrap();
    let message = panic_message(|| block_on(group.wait()));
    assert!(message.starts_with("errgroup: task 0 `poller` was lost"), "{message}");
}

#[test]
fn a_named_spawn_that_waits_for_a_slot_keeps_its_name() {
    // Through a handle: the spawn queues, shows its name, and spawns once a slot frees.
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::<Panicked, _>::builder().panics_as_errors().spawner(spawner.clone());
    group.limit(1).unwrap();
    let gate = Gate::new();
    let gated = gate.future();
    group.try_spawn(async move { gated.await.map(drop).or(Ok(())) }).unwrap();
    let spawning_task = Counted::new();
    let mut spawning = group.task().name("queued").spawn(async { panic!("after the wait") });
    assert!(spawning_task.poll(&mut spawning).is_pending());
    assert!(format!("{spawning:?}").contains(r#"name: "queued""#), "{spawning:?}");
    gate.open(Outcome::Ok(0));
    assert!(spawner.poll(0));
    let Poll::Ready(Ok(id)) = spawning_task.poll(&mut spawning) else { panic!("not spawned") };
    assert_eq!(id.index(), 1);
    drop(spawning);
    assert!(spawner.poll(1));
    let panicked = block_on(group.wait()).unwrap_err();
    assert_eq!((panicked.task().id(), panicked.task().name()), (id, Some("queued")));

    // Through the inline group itself, which runs its tasks while it waits for a slot.
    let mut group = ErrGroup::<Panicked, _>::builder().panics_as_errors().inline();
    group.limit(1).unwrap();
    block_on(group.task().name("first").spawn(async { Ok(()) })).unwrap();
    let mut spawning = group.task().name("second").spawn(async { panic!("oops") });
    assert!(format!("{spawning:?}").contains(r#"name: "second""#), "{spawning:?}");
    let id = block_on(&mut spawning).unwrap();
    drop(spawning);
    assert_eq!(id.index(), 1);
    let panicked = block_on(group.wait()).unwrap_err();
    assert_eq!(panicked.task().name(), Some("second"));
}

#[test]
fn a_cooperative_inline_group_dropped_with_queued_tasks_drops_them_all() {
    let dropped = Arc::new(AtomicUsize::new(0));
    struct Counts(Arc<AtomicUsize>);
    impl Drop for Counts {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    for cooperative in [false, true] {
        dropped.store(0, SeqCst);
        let builder = ErrGroup::<(), _>::builder();
        let group = if cooperative { builder.cooperative().inline() } else { builder.inline() };
        let handle = group.handle();
        for _ in 0..3 {
            // Each task holds its own group's handle: a cycle, unless the group drops it.
            let (own, counts) = (group.handle(), Counts(dropped.clone()));
            group
                .try_spawn(async move {
                    let _keep = (own, counts);
                    std::future::pending::<Result<(), ()>>().await
                })
                .unwrap();
        }
        drop(group);
        assert_eq!(dropped.load(SeqCst), 3, "cooperative: {cooperative}");
        assert_eq!(handle.active(), 0);
        // A task spawned through a handle after the drop is refused, and dropped unrun.
        let counts = Counts(dropped.clone());
        let refused = handle.try_spawn(async move {
            let _counts = counts;
            Ok(())
        });
        assert!(matches!(refused, Err(Rejected::Cancelled(_, _))));
        drop(refused);
        assert_eq!(dropped.load(SeqCst), 4);
        assert_eq!(handle.token().reason(), Some(CancelReason::Dropped));
    }
}

#[test]
fn a_race_win_and_a_dropped_group_have_reasons_of_their_own() {
    let group = ErrGroup::<(), _>::builder().race::<u32>().inline();
    let token = group.token();
    group.try_spawn(async { Ok(1) }).unwrap();
    group.try_spawn(std::future::pending()).unwrap();
    assert_eq!(block_on(group.race()), Ok(1));
    assert_eq!(token.reason(), Some(CancelReason::Won));

    let group = ErrGroup::<(), _>::inline();
    let token = group.token();
    drop(group);
    assert_eq!(token.reason(), Some(CancelReason::Dropped));
}

#[test]
fn what_a_dropped_group_recorded_goes_to_on_unobserved() {
    quiet_panics();
    static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    fn report(outcome: errgroup::Outcome<(), u32>) {
        let seen = match outcome {
            errgroup::Outcome::Failed(error) => format!("failed {error}"),
            errgroup::Outcome::Panicked(panicked) => format!("panicked: {panicked}"),
            errgroup::Outcome::Lost(lost) => format!("lost: {lost}"),
            other => format!("{other:?}"),
        };
        SEEN.lock().unwrap().push(seen);
    }
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::<u32, _>::builder()
        .policy(Policy::CollectAll)
        .on_unobserved(report)
        .spawner(spawner.clone());
    let gates: Vec<Gate> = (0..3).map(|_| Gate::new()).collect();
    for gate in &gates {
        group.try_spawn(gate.future().map_ok()).unwrap();
    }
    gates[0].open(Outcome::Err(1));
    gates[1].open(Outcome::Panic(2));
    gates[2].open(Outcome::Err(3));
    for index in 0..3 {
        assert!(spawner.poll(index));
    }
    drop(group);
    let mut seen = std::mem::take(&mut *SEEN.lock().unwrap());
    seen.sort();
    assert_eq!(
        seen,
        ["failed 1", "failed 3", "panicked: task 1 panicked with a non-string payload"]
    );

    // A lost task, reported when the group is gone.
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::<u32, _>::builder().on_unobserved(report).spawner(spawner.clone());
    group.try_spawn(Gate::new().future().map_ok()).unwrap();
    spawner.drop_task(0);
    assert!(SEEN.lock().unwrap().is_empty(), "the group is still there to be waited for");
    drop(group);
    assert_eq!(
        std::mem::take(&mut *SEEN.lock().unwrap()),
        ["lost: task 0 was lost: its executor dropped it before it finished"]
    );

    // Waited for: nothing is reported, even what `wait` chose not to return.
    let group =
        ErrGroup::<u32, _>::builder().policy(Policy::CollectAll).on_unobserved(report).inline();
    group.try_spawn(async { Err(1) }).unwrap();
    group.try_spawn(async { Err(2) }).unwrap();
    SEEN.lock().unwrap().clear();
    assert_eq!(block_on(group.wait()), Err(1));
    assert!(SEEN.lock().unwrap().is_empty());
}

/// Runs `f`, which must panic, and returns its panic message.
fn panic_message<T>(f: impl FnOnce() -> T) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).err().expect("it panics");
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload.downcast::<&str>().map(|message| message.to_string()).unwrap(),
    }
}

#[test]
fn wait_on_an_empty_group_is_ready_at_once() {
    let group = ErrGroup::<(), _>::inline();
    assert_eq!(Counted::new().poll(&mut group.wait()), Poll::Ready(Ok(())));
}

#[test]
fn wait_yields_the_first_error() {
    let (group, spawner) = recording_group();
    let gates = spawn_gates(&group, 3);
    gates[1].open(Outcome::Err(11));
    assert!(spawner.poll(1));
    gates[2].open(Outcome::Err(12));
    assert!(spawner.poll(2), "a cancelled task finishes at its next poll");
    assert_eq!(gates[2].polls(), 0, "and is never polled once aborted");
    assert!(spawner.poll(0));
    assert_eq!(block_on(group.wait()), Err(11));
}

#[test]
fn first_error_cancels_siblings_and_arranges_their_wake_up() {
    let (group, spawner) = recording_group();
    let token = group.token();
    let gates = spawn_gates(&group, 3);
    for index in 0..3 {
        assert!(!spawner.poll(index), "every task waits at its gate");
    }
    gates[0].open(Outcome::Err(7));
    assert!(spawner.poll(0));
    assert_eq!(token.reason(), Some(CancelReason::Error));
    for index in 1..3 {
        assert!(spawner.wakes(index) >= 1, "task {index} is woken by the cancellation");
        assert!(spawner.poll(index));
        assert!(gates[index].dropped(), "task {index}'s future is dropped");
        assert_eq!(gates[index].polls(), 1, "task {index} is never polled again");
    }
    assert_eq!(block_on(group.wait()), Err(7));
}

#[test]
fn aborted_task_is_never_polled_again() {
    let (group, spawner) = recording_group();
    let gates = spawn_gates(&group, 1);
    assert!(!spawner.poll(0));
    group.cancel();
    gates[0].open(Outcome::Ok(1)); // too late: the group was cancelled first
    assert!(spawner.poll(0));
    assert_eq!(gates[0].polls(), 1);
    assert!(gates[0].dropped());
    // A collecting group cancelled with a task unfinished has no complete results.
    let message = panic_message(|| block_on(group.wait()));
    assert_eq!(
        message.split(", so").next(),
        Some("errgroup: the group was cancelled (cancelled explicitly) with 1 task unfinished")
    );
}

#[test]
fn errors_after_cancellation_are_not_the_cause() {
    let (group, spawner) = recording_group();
    let gates = spawn_gates(&group, 1);
    assert!(!spawner.poll(0));
    group.cancel();
    assert_eq!(group.token().reason(), Some(CancelReason::Explicit));
    gates[0].open(Outcome::Err(9));
    assert!(spawner.poll(0));
    // Not `Err(9)`: the error came after the cancel. The task counts as cancelled.
    let message = panic_message(|| block_on(group.wait()));
    assert!(
        message.contains("cancelled (cancelled explicitly) with 1 task unfinished"),
        "{message}"
    );
}

#[test]
fn collect_all_keeps_every_error_in_order_of_arrival_and_siblings_keep_running() {
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::builder().policy(Policy::CollectAll).collect().spawner(spawner.clone());
    let gates = spawn_gates(&group, 3);
    for (index, outcome) in [(2, Outcome::Err(2)), (0, Outcome::Err(0)), (1, Outcome::Ok(1))] {
        gates[index].open(outcome);
        assert!(spawner.poll(index));
        assert!(!group.is_cancelled());
    }
    assert_eq!(gates[1].polls(), 1, "the sibling ran to completion");
    // Each error with its task.
    assert_eq!(with_tasks(block_on(group.wait_all())), Err(vec![(Some(2), 2), (Some(0), 0)]));
}

#[test]
fn no_cancel_records_the_first_error_and_cancels_nothing() {
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::builder().policy(Policy::NoCancel).collect().spawner(spawner.clone());
    let gates = spawn_gates(&group, 3);
    for (index, outcome) in [(1, Outcome::Err(1)), (0, Outcome::Err(0)), (2, Outcome::Ok(2))] {
        gates[index].open(outcome);
        assert!(spawner.poll(index));
    }
    assert!(!group.is_cancelled());
    assert!(group.try_spawn(async { Ok(5) }).is_ok(), "still accepting tasks");
    assert!(spawner.poll(3));
    assert_eq!(with_tasks(block_on(group.wait_all())), Err(vec![(Some(1), 1)]));
}

#[test]
fn cooperative_tasks_get_the_token_and_are_not_dropped() {
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::builder().cooperative().spawner(spawner.clone());
    let token = group.token();
    let saw_cancel = Arc::new(AtomicUsize::new(0));
    let seen = saw_cancel.clone();
    group
        .try_spawn(async move {
            token.cancelled().await;
            seen.fetch_add(1, SeqCst);
            Ok::<(), u32>(())
        })
        .unwrap();
    assert!(!spawner.poll(0));
    group.cancel();
    assert!(spawner.wakes(0) >= 1, "the token wakes the task");
    assert!(spawner.poll(0), "it finishes by itself");
    assert_eq!(saw_cancel.load(SeqCst), 1);
    assert_eq!(block_on(group.wait()), Ok(()));
}

#[test]
fn limit_never_exceeds_n_and_try_spawn_hands_the_future_back_when_full() {
    let (group, spawner) = recording_group();
    group.limit(2).unwrap();
    let gates = spawn_gates(&group, 2);
    let extra = Gate::new();
    let Err(Rejected::Full(back)) = group.try_spawn(extra.future()) else {
        panic!("the group is full")
    };
    drop(back);
    assert!(extra.dropped() && extra.polls() == 0, "the refused future was never run");
    assert_eq!(group.active(), 2);
    assert_eq!(spawner.len(), 2);
    gates[0].open(Outcome::Ok(0));
    assert!(spawner.poll(0));
    assert!(group.try_spawn(async { Ok(2) }).is_ok(), "a slot is free again");
    assert_eq!(group.active(), 2);
    gates[1].open(Outcome::Ok(1));
    assert!(spawner.poll(1) && spawner.poll(2));
    assert_eq!(block_on(group.wait()), Ok(vec![0, 1, 2]));
}

#[test]
fn spawn_applies_back_pressure_until_a_slot_is_free() {
    let (group, spawner) = recording_group();
    group.limit(1).unwrap();
    let gates = spawn_gates(&group, 1);
    let spawning_task = Counted::new();
    let mut spawning = group.spawn(async { Ok(1) });
    assert!(spawning_task.poll(&mut spawning).is_pending());
    assert_eq!(spawner.len(), 1, "not spawned while full");
    gates[0].open(Outcome::Ok(0));
    assert!(spawner.poll(0));
    assert!(spawning_task.wakes() >= 1, "the finished task frees the slot and wakes the spawn");
    assert!(matches!(spawning_task.poll(&mut spawning), Poll::Ready(Ok(_))));
    drop(spawning);
    assert!(spawner.poll(1));
    assert_eq!(block_on(group.wait()), Ok(vec![0, 1]));
}

#[test]
fn waiting_spawns_are_woken_one_per_freed_slot_in_arrival_order() {
    let (group, spawner) = recording_group();
    group.limit(1).unwrap();
    let gates = spawn_gates(&group, 1);
    let (first, second) = (Counted::new(), Counted::new());
    let mut spawning_first = group.spawn(async { Ok(1) });
    let mut spawning_second = group.spawn(async { Ok(2) });
    assert!(first.poll(&mut spawning_first).is_pending());
    assert!(second.poll(&mut spawning_second).is_pending());
    gates[0].open(Outcome::Ok(0));
    assert!(spawner.poll(0));
    assert_eq!((first.wakes(), second.wakes()), (1, 0), "one slot, one wake-up, first come");
    assert!(matches!(first.poll(&mut spawning_first), Poll::Ready(Ok(_))));
    drop(spawning_first);
    assert!(spawner.poll(1));
    assert_eq!(second.wakes(), 1, "the next freed slot goes to the next spawn");
    assert!(matches!(second.poll(&mut spawning_second), Poll::Ready(Ok(_))));
    drop(spawning_second);
    assert!(spawner.poll(2));
    assert_eq!(block_on(group.wait()), Ok(vec![0, 1, 2]));
}

#[test]
fn a_woken_spawn_dropped_unspawned_hands_its_slot_to_the_next() {
    let (group, spawner) = recording_group();
    group.limit(1).unwrap();
    let gates = spawn_gates(&group, 1);
    let (first, second) = (Counted::new(), Counted::new());
    let mut spawning_first = group.spawn(async { Ok(1) });
    let mut spawning_second = group.spawn(async { Ok(2) });
    assert!(first.poll(&mut spawning_first).is_pending());
    assert!(second.poll(&mut spawning_second).is_pending());
    gates[0].open(Outcome::Ok(0));
    assert!(spawner.poll(0));
    assert_eq!((first.wakes(), second.wakes()), (1, 0));
    drop(spawning_first); // woken, never polled again: the slot must not go unused
    assert_eq!(second.wakes(), 1, "the dropped spawn's wake-up passed on");
    assert!(matches!(second.poll(&mut spawning_second), Poll::Ready(Ok(_))));
    drop(spawning_second);
    assert!(spawner.poll(1));
    assert_eq!(block_on(group.wait()), Ok(vec![0, 2]));
}

#[test]
fn an_inline_spawn_dropped_while_queued_leaves_the_queue() {
    let mut group = ErrGroup::<u32, _>::inline();
    group.limit(1).unwrap();
    let gate = Gate::new();
    group.try_spawn(gate.future().map_ok()).unwrap();
    let handle = group.handle();
    let (first, second) = (Counted::new(), Counted::new());
    {
        // Full: it runs the gated task (no progress), queues, and is dropped queued.
        let mut spawning = group.spawn(async { Ok(()) });
        assert!(first.poll(&mut spawning).is_pending());
        assert!(format!("{spawning:?}").starts_with("InlineSpawning { done: false"));
    }
    let mut spawning_second = handle.spawn(async { Ok(()) });
    assert!(second.poll(&mut spawning_second).is_pending());
    gate.open(Outcome::Ok(0));
    // The gated task finishes inside `wait`, freeing its slot: the spawn at the front of
    // the queue is woken (then the idle group finishes).
    assert_eq!(block_on(group.wait()), Ok(()));
    // (`first`'s waker also woke as the group's driver: it ran the tasks while it waited.)
    assert_eq!(second.wakes(), 1, "the dropped spawn left the queue: the slot went to this one");
    assert!(matches!(second.poll(&mut spawning_second), Poll::Ready(Err(Refused::Closed))));
}

#[test]
fn a_queued_spawn_dropped_or_served_by_a_spurious_poll_leaves_the_queue() {
    let (group, spawner) = recording_group();
    group.limit(1).unwrap();
    let gates = spawn_gates(&group, 1);
    let (first, second, third) = (Counted::new(), Counted::new(), Counted::new());
    let mut spawning_first = group.spawn(async { Ok(1) });
    let mut spawning_second = group.spawn(async { Ok(2) });
    let mut spawning_third = group.spawn(async { Ok(3) });
    assert!(first.poll(&mut spawning_first).is_pending());
    assert!(second.poll(&mut spawning_second).is_pending());
    assert!(third.poll(&mut spawning_third).is_pending());
    drop(spawning_second); // queued, never woken: just leaves
    gates[0].open(Outcome::Ok(0));
    assert!(spawner.poll(0));
    assert_eq!((first.wakes(), third.wakes()), (1, 0));
    // The third spawn is polled before the woken first one and takes the slot: it leaves
    // the queue; the first finds the group full and queues again.
    assert!(matches!(third.poll(&mut spawning_third), Poll::Ready(Ok(_))));
    drop(spawning_third);
    assert!(first.poll(&mut spawning_first).is_pending());
    assert!(spawner.poll(1));
    assert_eq!(first.wakes(), 2, "queued again, woken by the next freed slot");
    assert!(matches!(first.poll(&mut spawning_first), Poll::Ready(Ok(_))));
    drop(spawning_first);
    assert!(spawner.poll(2));
    assert_eq!(block_on(group.wait()), Ok(vec![0, 3, 1]));
}

#[test]
fn raising_the_limit_admits_waiting_spawns_at_once() {
    let (group, spawner) = recording_group();
    group.limit(1).unwrap();
    let _gates = spawn_gates(&group, 1);
    let waker = Counted::new();
    let mut spawning = group.spawn(async { Ok(1) });
    assert!(waker.poll(&mut spawning).is_pending());
    group.limit(2).unwrap();
    assert!(waker.wakes() >= 1);
    assert!(matches!(waker.poll(&mut spawning), Poll::Ready(Ok(_))));
    assert_eq!(spawner.len(), 2);
    assert_eq!(group.active(), 2);
}

#[test]
fn lowering_the_limit_stops_nothing_and_new_tasks_wait_for_the_new_limit() {
    let (group, spawner) = recording_group();
    let gates = spawn_gates(&group, 3);
    group.limit(1).unwrap();
    assert_eq!(group.active(), 3, "running tasks are not stopped");
    assert!(matches!(group.try_spawn(async { Ok(9) }), Err(Rejected::Full(_))));
    gates[0].open(Outcome::Ok(0));
    gates[1].open(Outcome::Ok(1));
    assert!(spawner.poll(0) && spawner.poll(1));
    assert!(
        matches!(group.try_spawn(async { Ok(9) }), Err(Rejected::Full(_))),
        "1 active, limit 1"
    );
    gates[2].open(Outcome::Ok(2));
    assert!(spawner.poll(2));
    assert!(group.try_spawn(async { Ok(3) }).is_ok());
    assert!(spawner.poll(3));
    assert_eq!(block_on(group.wait()), Ok(vec![0, 1, 2, 3]));
}

#[test]
fn limit_zero_is_an_error_and_changes_nothing() {
    let (group, _) = recording_group();
    group.limit(4).unwrap();
    let error = group.limit(0).unwrap_err();
    assert_eq!(
        error.to_string(),
        "a group's limit must be at least 1: with limit(0) no task could ever run"
    );
    assert_eq!(group.current_limit(), Some(4));
}

#[test]
fn spawning_into_a_cancelled_group_returns_the_future_unrun() {
    let (group, spawner) = recording_group();
    group.cancel();
    let gate = Gate::new();
    let rejected = group.try_spawn(gate.future()).unwrap_err();
    assert_eq!(rejected.to_string(), "task refused: the group is cancelled (cancelled explicitly)");
    let Rejected::Cancelled(future, cause) = rejected else { panic!("expected Cancelled") };
    assert_eq!(cause.reason(), CancelReason::Explicit);
    assert_eq!(gate.polls(), 0);
    drop(future);
    assert_eq!(spawner.len(), 0);
    assert_eq!(group.active(), 0);
    // A waiting spawn drops the future and says why, in an error that owns nothing of it.
    let gate = Gate::new();
    let mut spawning = group.spawn(gate.future());
    let Poll::Ready(Err(refused)) = Counted::new().poll(&mut spawning) else {
        panic!("a cancelled group refuses a waiting spawn at once")
    };
    assert!(gate.dropped() && gate.polls() == 0, "the refused future was dropped unrun");
    assert_eq!(refused, Refused::Cancelled(cause));
    assert_eq!(refused.to_string(), "task refused: the group is cancelled (cancelled explicitly)");
    fn is_an_error_for_anyhow<T: std::error::Error + Send + Sync + 'static>(_: &T) {}
    is_an_error_for_anyhow(&refused);
}

/// A refusal names the failure that cancelled the group: its task and, for a group that
/// keeps error messages, the error's text; `try_spawn`'s refusal becomes the same error.
#[test]
fn a_refusal_names_the_task_whose_failure_cancelled_the_group() {
    let mut group = ErrGroup::<String, _>::builder().error_messages().inline();
    group.task().name("fetch 7").try_spawn(async { Err("timed out".to_owned()) }).unwrap();
    group.limit(1).unwrap();
    // Full: the waiting spawn runs the failing task, which cancels the group.
    let refused = block_on(group.spawn(async { Ok(()) })).unwrap_err();
    let expected = "task refused: the group is cancelled (task 0 `fetch 7` failed: timed out)";
    assert_eq!(refused.to_string(), expected);
    let cause = refused.cause().expect("cancelled");
    assert_eq!(cause.task().map(|task| task.id().index()), Some(0));
    let rejected = group.try_spawn(async { Ok(()) }).unwrap_err();
    assert_eq!(rejected.to_string(), expected);
    assert_eq!(Refused::from(rejected), refused);
    assert_eq!(block_on(group.wait()), Err("timed out".to_owned()));
}

#[test]
fn spawning_into_a_finished_group_returns_closed() {
    let (group, spawner) = recording_group();
    let handle: GroupHandle<u32, Spawned<RecordingSpawner>, errgroup::Collect<u32>> =
        group.handle();
    assert_eq!(block_on(group.wait()), Ok(vec![]));
    let rejected = handle.try_spawn(async { Ok(1) }).unwrap_err();
    assert_eq!(rejected.to_string(), "task refused: the group has finished");
    assert!(matches!(rejected, Rejected::Closed(_)));
    assert_eq!(spawner.len(), 0);
}

#[test]
fn refusing_spawner_fails_the_spawn_without_corrupting_counts() {
    let group = ErrGroup::<u32, _>::new(RefusingSpawner);
    let gate = Gate::new();
    let rejected = group.try_spawn(gate.future().map_ok()).unwrap_err();
    assert_eq!(
        rejected.to_string(),
        "task refused: the spawner refused the task: the executor is shut down"
    );
    assert_eq!(
        std::error::Error::source(&rejected).map(ToString::to_string),
        Some("the spawner refused the task: the executor is shut down".to_owned()),
        "the spawner's error is the refusal's source"
    );
    let refused = errgroup::Refused::from(group.try_spawn(async { Ok(()) }).unwrap_err());
    assert_eq!(
        std::error::Error::source(&refused).map(ToString::to_string),
        Some("the spawner refused the task: the executor is shut down".to_owned())
    );
    assert!(rejected.into_future().is_none(), "the spawner dropped it");
    assert!(gate.dropped() && gate.polls() == 0);
    assert_eq!(group.active(), 0);
    assert!(!group.is_cancelled(), "a refused spawn is the caller's to handle");
    assert_eq!(block_on(group.wait()), Ok(()));
}

#[test]
fn panicking_spawner_does_not_corrupt_counts() {
    quiet_panics();
    let group = ErrGroup::<u32, _>::new(PanickingSpawner);
    let gate = Gate::new();
    let result = catch_unwind(AssertUnwindSafe(|| group.try_spawn(gate.future().map_ok())));
    assert_eq!(*result.unwrap_err().downcast::<&str>().unwrap(), "spawner exploded");
    assert!(gate.dropped());
    assert_eq!(group.active(), 0);
    assert_eq!(block_on(group.wait()), Ok(()));
}

#[test]
fn panic_is_reraised_at_wait_with_original_payload_and_cancels_siblings() {
    quiet_panics();
    let (group, spawner) = recording_group();
    let token = group.token();
    let gates = spawn_gates(&group, 2);
    assert!(!spawner.poll(1));
    gates[0].open(Outcome::Panic(42));
    assert!(spawner.poll(0), "the panic is caught: the task just ends");
    assert_eq!(token.reason(), Some(CancelReason::Panic));
    assert!(spawner.poll(1));
    assert!(gates[1].dropped());
    let payload = catch_unwind(AssertUnwindSafe(|| block_on(group.wait()))).unwrap_err();
    assert_eq!(*payload.downcast::<u32>().unwrap(), 42);
}

#[derive(Debug)]
enum TaskError {
    Failed(u32),
    Panicked(Panicked),
}

impl From<Panicked> for TaskError {
    fn from(panicked: Panicked) -> Self {
        Self::Panicked(panicked)
    }
}

#[test]
fn panics_as_errors_carry_message_and_task() {
    quiet_panics();
    let group = ErrGroup::builder().panics_as_errors().inline();
    group.try_spawn(async { Ok::<(), TaskError>(()) }).unwrap();
    group.try_spawn(async { Err(TaskError::Failed(1)) }).unwrap_or_else(|_| unreachable!());
    let mut group = group;
    drop(group.try_spawn(async { panic!("task exploded") }));
    // Inline tasks run in spawn order: task 1's error comes first.
    match block_on(group.wait()) {
        Err(TaskError::Failed(1)) => {}
        other => panic!("expected task 1's error, got {other:?}"),
    }
    group = ErrGroup::builder().panics_as_errors().inline();
    group.try_spawn(async { panic!("task exploded") }).unwrap_or_else(|_| unreachable!());
    let Err(TaskError::Panicked(panicked)) = block_on(group.wait()) else { panic!() };
    assert_eq!(panicked.message(), Some("task exploded"));
    assert_eq!(panicked.task().id().index(), 0);
    assert_eq!(panicked.to_string(), "task 0 panicked: task exploded");
}

#[test]
fn panicking_drop_of_an_aborted_task_does_not_corrupt_counts_and_surfaces() {
    quiet_panics();
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::<u32, _>::new(spawner.clone());
    group.try_spawn(PanicsOnDrop).unwrap();
    assert!(!spawner.poll(0));
    group.cancel();
    assert!(spawner.poll(0), "the drop's panic is caught while aborting");
    assert_eq!(group.active(), 0);
    let payload = catch_unwind(AssertUnwindSafe(|| block_on(group.wait()))).unwrap_err();
    assert_eq!(*payload.downcast::<&str>().unwrap(), "drop exploded");
}

#[test]
fn ordered_collect_returns_values_in_spawn_order() {
    let (group, spawner) = recording_group();
    let gates = spawn_gates(&group, 4);
    for index in (0..4).rev() {
        gates[index].open(Outcome::Ok(index as u32 * 10));
        assert!(spawner.poll(index));
    }
    assert_eq!(block_on(group.wait()), Ok(vec![0, 10, 20, 30]));
}

#[test]
fn as_completed_stream_yields_values_as_they_complete() {
    use futures_util::StreamExt;
    let (group, spawner) = recording_group();
    let gates = spawn_gates(&group, 3);
    let mut stream = group.into_stream();
    let consumer = Counted::new();
    assert_eq!(consumer.poll(&mut stream.next()), Poll::Pending);
    gates[2].open(Outcome::Ok(2));
    assert!(spawner.poll(2));
    assert!(consumer.wakes() >= 1, "a stored value wakes the stream");
    assert_eq!(consumer.poll(&mut stream.next()), Poll::Ready(Some(Ok(2))));
    gates[0].open(Outcome::Err(0));
    assert!(spawner.poll(0));
    assert_eq!(consumer.poll(&mut stream.next()), Poll::Ready(Some(Err(0))));
    assert!(spawner.poll(1), "the sibling was cancelled by the error");
    assert_eq!(consumer.poll(&mut stream.next()), Poll::Ready(None));
}

#[test]
fn race_first_success_wins_and_cancels_the_rest() {
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::builder().race().spawner(spawner.clone());
    let gates = spawn_gates(&group, 3);
    assert!(!spawner.poll(2));
    gates[0].open(Outcome::Err(0));
    assert!(spawner.poll(0));
    assert!(!group.is_cancelled(), "an error does not end a race");
    gates[1].open(Outcome::Ok(1));
    assert!(spawner.poll(1));
    assert!(group.is_cancelled(), "the winner cancels the rest");
    assert!(spawner.poll(2) && gates[2].dropped());
    assert_eq!(block_on(group.race()), Ok(1));
}

#[test]
fn a_race_is_decided_by_a_task_the_cause_names() {
    let mut group = ErrGroup::<u32, _>::builder().race::<u32>().inline();
    let token = group.token();
    group.task().name("mirror a").try_spawn(std::future::pending()).unwrap();
    let winner = group.task().name("mirror b").try_spawn(async { Ok(2) }).unwrap();
    assert_eq!(block_on(group.race()), Ok(2));
    let cause = token.cause().unwrap();
    assert_eq!(cause.reason(), CancelReason::Won);
    assert_eq!(cause.task().map(|task| (task.id(), task.name())), Some((winner, Some("mirror b"))));
    assert_eq!(cause.to_string(), "task 1 `mirror b` won the race");

    // A timeout has no task.
    let group = ErrGroup::<u32, _>::inline();
    let token = group.token();
    group.try_spawn(std::future::pending()).unwrap();
    assert!(block_on(group.wait_until(async {})).is_timed_out());
    let cause = token.cause().unwrap();
    assert_eq!(
        (cause.reason(), cause.task(), cause.to_string()),
        (CancelReason::Timeout, None, "a timeout expired".to_owned())
    );
}

#[test]
fn a_cause_goes_to_every_descendant_and_the_first_one_sticks() {
    use errgroup::Cause;
    let root = CancelToken::new();
    let grandchild = root.child().child();
    assert_eq!(grandchild.cause(), None);
    assert!(root.cancel_with_cause(Cause::new(CancelReason::Explicit).with_message("deploy")));
    assert!(!root.cancel_with_cause(Cause::new(CancelReason::Timeout).with_message("late")));
    assert!(!root.cancel());
    let expected = Cause::new(CancelReason::Explicit).with_message("deploy");
    assert_eq!(root.cause(), Some(expected.clone()));
    assert_eq!(grandchild.reason(), Some(CancelReason::Parent));
    assert_eq!(grandchild.cause(), Some(expected.clone()), "where it started");
    // A child made after the cancel is cancelled at once, with the same cause.
    assert_eq!(root.child().cause(), Some(expected));
    // A child's own cancel does not reach up; a plain cancel has a bare cause.
    let parent = CancelToken::new();
    let child = parent.child();
    child.cancel_with(CancelReason::Timeout);
    assert_eq!(child.cause(), Some(Cause::new(CancelReason::Timeout)));
    assert_eq!(parent.cause(), None);
}

#[test]
fn race_returns_every_error_when_all_fail() {
    let group = ErrGroup::builder().race::<u32>().inline();
    for error in [3, 1, 2] {
        group.try_spawn(async move { Err::<u32, u32>(error) }).unwrap();
    }
    assert_eq!(
        with_tasks(block_on(group.race())),
        Err(vec![(Some(0), 3), (Some(1), 1), (Some(2), 2)])
    );
}

#[test]
fn parent_token_cancels_the_group_and_group_failure_does_not_cancel_parent() {
    let parent = CancelToken::new();
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::builder().child_of(&parent).spawner(spawner.clone());
    let gate = Gate::new();
    group.try_spawn(gate.future().map_ok()).unwrap();
    assert!(!spawner.poll(0));
    parent.cancel();
    assert_eq!(group.token().reason(), Some(CancelReason::Parent));
    assert!(spawner.wakes(0) >= 1);
    assert!(spawner.poll(0) && gate.dropped());
    assert!(matches!(group.try_spawn(async { Ok(()) }), Err(Rejected::Cancelled(_, _))));
    assert_eq!(block_on(group.wait()), Ok(()));

    let parent = CancelToken::new();
    let group = ErrGroup::builder().child_of(&parent).inline();
    group.try_spawn(async { Err::<(), u32>(1) }).unwrap();
    assert_eq!(block_on(group.wait()), Err(1));
    assert!(!parent.is_cancelled());
}

#[test]
fn dropping_an_unwaited_group_cancels_its_tasks() {
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::<u32, _>::new(spawner.clone());
    let gate = Gate::new();
    group.try_spawn(gate.future().map_ok()).unwrap();
    let token = group.token();
    assert!(!spawner.poll(0));
    drop(group);
    assert!(token.is_cancelled());
    assert!(spawner.wakes(0) >= 1);
    assert!(spawner.poll(0) && gate.dropped());

    // Inline: the tasks live in the group and go with it.
    let group = ErrGroup::<u32, _>::inline();
    let gate = Gate::new();
    group.try_spawn(gate.future().map_ok()).unwrap();
    drop(group);
    assert!(gate.dropped() && gate.polls() == 0);
}

#[test]
fn dropping_the_wait_future_cancels_the_group() {
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::<u32, _>::new(spawner.clone());
    let token = group.token();
    let gate = Gate::new();
    group.try_spawn(gate.future().map_ok()).unwrap();
    let mut wait: Wait<u32, Spawned<RecordingSpawner>, errgroup::Discard> = group.wait();
    assert!(Counted::new().poll(&mut wait).is_pending());
    drop(wait);
    assert!(token.is_cancelled());
    assert!(spawner.poll(0) && gate.dropped());
}

#[test]
fn inline_handles_spawn_siblings_from_inside_tasks() {
    fn fan_out(
        handle: GroupHandle<(), errgroup::Inline<'static>>,
        leaves: Arc<AtomicUsize>,
        depth: u32,
    ) -> impl Future<Output = Result<(), ()>> + Send + 'static {
        async move {
            if depth == 0 {
                leaves.fetch_add(1, SeqCst);
            } else {
                for _ in 0..3 {
                    let child = fan_out(handle.clone(), leaves.clone(), depth - 1);
                    handle.try_spawn(Box::pin(child)).map_err(drop)?;
                }
            }
            Ok(())
        }
    }
    let leaves = Arc::new(AtomicUsize::new(0));
    let group = ErrGroup::inline();
    group.try_spawn(Box::pin(fan_out(group.handle(), leaves.clone(), 4))).unwrap();
    assert_eq!(block_on(group.wait()), Ok(()));
    assert_eq!(leaves.load(SeqCst), 81);
}

#[test]
fn inline_tasks_may_borrow_from_the_caller() {
    let words = vec![String::from("a"), String::from("bb"), String::from("ccc")];
    let total = AtomicUsize::new(0);
    let group = ErrGroup::inline();
    for word in &words {
        let total = &total;
        group
            .try_spawn(async move {
                total.fetch_add(word.len(), SeqCst);
                Ok::<(), ()>(())
            })
            .unwrap();
    }
    assert_eq!(block_on(group.wait()), Ok(()));
    assert_eq!(total.load(SeqCst), 6);
}

#[test]
fn inline_spawn_runs_tasks_while_waiting_for_a_slot() {
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    block_on(async {
        let mut group = ErrGroup::inline();
        group.limit(3).unwrap();
        for _ in 0..20 {
            let (running, most) = (running.clone(), most.clone());
            group
                .spawn(async move {
                    let now = running.fetch_add(1, SeqCst) + 1;
                    most.fetch_max(now, SeqCst);
                    futures_util::future::ready(()).await;
                    yield_now().await;
                    running.fetch_sub(1, SeqCst);
                    Ok::<(), ()>(())
                })
                .await
                .unwrap();
        }
        group.await.unwrap();
    });
    assert_eq!(most.load(SeqCst), 3, "the limit was reached and never exceeded");
}

#[test]
fn inline_group_is_cancelled_from_outside_while_waiting() {
    let parent = CancelToken::new();
    let group = ErrGroup::builder().child_of(&parent).inline();
    let gate = Gate::new();
    group.try_spawn(gate.future().map_ok()).unwrap();
    let waiter = Counted::new();
    let mut wait = group.wait();
    assert!(waiter.poll(&mut wait).is_pending());
    parent.cancel();
    assert!(waiter.wakes() >= 1, "the outside cancellation wakes the inline driver");
    assert_eq!(waiter.poll(&mut wait), Poll::Ready(Ok(())));
    assert!(gate.dropped() && gate.polls() == 1);
}

#[test]
#[should_panic(expected = "errgroup: a wait future was polled after it completed")]
fn polling_wait_after_completion_panics_with_a_clear_message() {
    let mut wait = ErrGroup::<(), _>::inline().wait();
    let waker = Counted::new();
    assert!(waker.poll(&mut wait).is_ready());
    let _ = waker.poll(&mut wait);
}

#[test]
fn debug_shows_active_count_and_cancellation() {
    let (group, _) = recording_group();
    spawn_gates(&group, 2);
    group.cancel();
    let shown = format!("{group:?}");
    assert!(shown.starts_with("Group { active: 2, cancelled: true, finished: false"), "{shown}");
}

/// Every order in which three tasks can end — each succeeding, failing or panicking,
/// in every completion order, with an explicit cancel at every position or none — gives
/// the outcome the rules predict, drops every future, and never polls an aborted task.
#[test]
fn every_order_of_finish_error_panic_and_cancel_across_three_tasks() {
    quiet_panics();
    let kinds = [Outcome::Ok(0), Outcome::Err(0), Outcome::Panic(0)];
    let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    // Under Miri, which is slow, a slice: every outcome mix, two orders, two cancel points.
    let (orders, cancels): (&[[usize; 3]], &[usize]) =
        if cfg!(miri) { (&orders[..2], &[1, 4]) } else { (&orders, &[0, 1, 2, 3, 4]) };
    let mut cases = 0;
    for a in kinds {
        for b in kinds {
            for c in kinds {
                for &order in orders {
                    for &cancel_at in cancels {
                        check_case([a, b, c], order, cancel_at);
                        cases += 1;
                    }
                }
            }
        }
    }
    assert_eq!(cases, 27 * orders.len() * cancels.len());
}

/// `cancel_at` in 0..=3 cancels before that many completions; 4 never cancels.
fn check_case(kinds: [Outcome; 3], order: [usize; 3], cancel_at: usize) {
    let case = format!("{kinds:?} in order {order:?}, cancel at {cancel_at}");
    let (group, spawner) = recording_group();
    let gates = spawn_gates(&group, 3);
    for index in 0..3 {
        assert!(!spawner.poll(index), "{case}");
    }
    let mut cancelled = false;
    let mut expected: Option<Outcome> = None;
    let mut values = Vec::new();
    // Tasks aborted by the explicit cancel, before any failure.
    let mut unfinished = 0;
    for (step, &index) in order.iter().enumerate() {
        if step == cancel_at {
            group.cancel();
            cancelled = true;
        }
        let outcome = match kinds[index] {
            Outcome::Ok(_) => Outcome::Ok(index as u32),
            Outcome::Err(_) => Outcome::Err(index as u32),
            Outcome::Panic(_) => Outcome::Panic(index as u32),
        };
        gates[index].open(outcome);
        assert!(spawner.poll(index), "{case}");
        if cancelled {
            assert_eq!(gates[index].polls(), 1, "{case}: aborted task {index} was polled");
            unfinished += usize::from(expected.is_none());
            continue;
        }
        assert_eq!(gates[index].polls(), 2, "{case}");
        match outcome {
            Outcome::Ok(value) => values.push(value),
            failure => {
                expected = Some(failure);
                cancelled = true;
            }
        }
    }
    for gate in &gates {
        assert!(gate.dropped(), "{case}: a future outlived the group");
    }
    assert_eq!(group.active(), 0, "{case}");
    values.sort_unstable();
    match (expected, catch_unwind(AssertUnwindSafe(|| block_on(group.wait())))) {
        (None, Ok(result)) if unfinished == 0 => assert_eq!(result, Ok(values), "{case}"),
        (None, Err(payload)) if unfinished > 0 => {
            let message = payload.downcast::<String>().unwrap();
            let tasks = if unfinished == 1 { "task" } else { "tasks" };
            let expected = format!("cancelled explicitly) with {unfinished} {tasks} unfinished");
            assert!(message.contains(&expected), "{case}: {message}");
        }
        (Some(Outcome::Err(error)), Ok(result)) => assert_eq!(result, Err(error), "{case}"),
        (Some(Outcome::Panic(id)), Err(payload)) => {
            assert_eq!(*payload.downcast::<u32>().unwrap(), id, "{case}");
        }
        (expected, _) => panic!("{case}: expected {expected:?}"),
    }
}

/// Turns a gate's `Result<u32, u32>` into a discard-mode task's `Result<(), u32>`.
trait MapOk {
    fn map_ok(self) -> impl Future<Output = Result<(), u32>> + Send + 'static;
}

impl MapOk for GateFuture {
    fn map_ok(self) -> impl Future<Output = Result<(), u32>> + Send + 'static {
        async move { self.await.map(drop) }
    }
}

#[test]
fn a_stream_that_failed_reports_no_interruption_after_its_error() {
    use futures_util::StreamExt;
    // The error arrives in the same poll that finishes the group (inline: the stream runs
    // the tasks), and the pending sibling it cancelled is not an interruption.
    let group = ErrGroup::<errgroup::Interrupted, _>::builder()
        .interruptions_as_errors()
        .collect::<u32>()
        .inline();
    let lost = lost_task();
    group.try_spawn(std::future::pending()).unwrap();
    let sent = lost.clone();
    group.try_spawn(async move { Err(errgroup::Interrupted::Lost(sent)) }).unwrap();
    let items: Vec<_> = block_on(group.into_stream().collect());
    assert_eq!(items, [Err(errgroup::Interrupted::Lost(lost))]);

    // Cancelled from outside, with no failure: the interruption is the last item.
    let group = ErrGroup::<errgroup::Interrupted, _>::builder()
        .interruptions_as_errors()
        .collect::<u32>()
        .inline();
    group.try_spawn(async { Ok(1) }).unwrap();
    group.try_spawn(std::future::pending()).unwrap();
    let token = group.token();
    let mut stream = group.into_stream();
    assert_eq!(block_on(stream.next()), Some(Ok(1)));
    token.cancel();
    let interrupted =
        errgroup::Interrupted::Cancelled { reason: CancelReason::Explicit, unfinished: 1 };
    assert_eq!(block_on(stream.next()), Some(Err(interrupted)));
    assert_eq!(block_on(stream.next()), None);
}

#[test]
fn a_stream_with_tasks_ends_with_an_interruption_no_task_caused() {
    use futures_util::StreamExt;
    let group = ErrGroup::<errgroup::Interrupted, _>::builder()
        .interruptions_as_errors()
        .collect::<u32>()
        .inline();
    let first = group.try_spawn(async { Ok(1) }).unwrap();
    group.try_spawn(std::future::pending()).unwrap();
    let token = group.token();
    let mut stream = group.into_stream().with_tasks();
    assert!(format!("{stream:?}").starts_with("TaskCompletions("), "{stream:?}");
    assert_eq!(block_on(stream.next()).map(|item| item.map_err(drop)), Some(Ok((first, 1))));
    token.cancel();
    let Some(Err(interrupted)) = block_on(stream.next()) else { panic!("no interruption") };
    assert_eq!(interrupted.task(), None);
    assert_eq!(
        interrupted.to_string(),
        "the group was cancelled (cancelled explicitly) with 1 task unfinished"
    );
    assert!(block_on(stream.next()).is_none());
}

/// A `Lost` to put in an error, made the only way a user can: by losing a task.
fn lost_task() -> errgroup::Lost {
    let group = ErrGroup::<errgroup::Interrupted, _>::builder()
        .interruptions_as_errors()
        .spawner(DiscardingSpawner);
    group.try_spawn(async { Ok(()) }).unwrap();
    match block_on(group.wait()) {
        Err(errgroup::Interrupted::Lost(lost)) => lost,
        other => panic!("{other:?}"),
    }
}

#[test]
fn timed_says_which_way_the_group_ended() {
    let finished: errgroup::Timed<u8, &str> = errgroup::Timed::Finished(1);
    assert!(!finished.is_timed_out());
    assert_eq!(finished.finished(), Some(1));
    assert_eq!(finished.timed_out(), None);
    let timed_out: errgroup::Timed<u8, &str> = errgroup::Timed::TimedOut("partial");
    assert!(timed_out.is_timed_out());
    assert_eq!(timed_out.finished(), None);
    assert_eq!(timed_out.timed_out(), Some("partial"));
}

#[test]
fn a_race_won_by_the_time_its_timer_fires_keeps_the_winner() {
    let group = ErrGroup::<(), _>::builder().race::<u32>().inline();
    group.try_spawn(async { Ok(7) }).unwrap();
    group.try_spawn(std::future::pending()).unwrap();
    // The timer is ready at once; the race was decided in the same poll.
    let outcome = block_on(group.wait_until(async {}));
    assert_eq!(outcome, errgroup::Timed::TimedOut(Ok(Some(7))));
}

#[test]
fn futures_builders_and_modes_show_their_state_in_debug() {
    let group = ErrGroup::<Panicked, _>::builder().panics_as_errors().collect::<u32>();
    let shown = format!("{group:?}");
    assert!(shown.contains("panics_as_errors: true"), "{shown}");
    assert!(shown.contains("interruptions_as_errors: false"), "{shown}");
    let shown = format!("{:?}", ErrGroup::<u32, _>::builder());
    assert!(shown.contains("panics_as_errors: false"), "{shown}");
    let group = ErrGroup::<u32, _>::builder().policy(Policy::CollectAll).inline();
    let shown = format!("{group:?}");
    assert!(shown.contains("policy: CollectAll"), "{shown}");

    let group = ErrGroup::<(), _>::builder().collect::<u32>().inline();
    group.try_spawn(std::future::pending()).unwrap();
    let wait = group.wait();
    let shown = format!("{wait:?}");
    assert!(shown.starts_with("Wait(Group { active: 1"), "{shown}");

    let group = ErrGroup::<(), _>::builder().collect::<u32>().inline();
    let until = group.wait_until(std::future::pending::<()>());
    let shown = format!("{until:?}");
    assert!(shown.starts_with("WaitUntil { wait: Group { active: 0"), "{shown}");
    assert!(shown.ends_with("timed_out: false }"), "{shown}");

    let group = ErrGroup::<(), _>::inline();
    assert_eq!(format!("{:?}", group.mode()), "Inline { .. }");
    let handle = group.handle();
    assert!(format!("{handle:?}").starts_with("Group { active: 0"), "{handle:?}");
    let spawning = handle.spawn(async { Ok(()) });
    assert!(format!("{spawning:?}").starts_with("Spawning { done: false"), "{spawning:?}");
    drop(spawning);
    handle.cancel();
    let rejected = handle.try_spawn(async { Ok(()) }).unwrap_err();
    assert_eq!(
        format!("{rejected:?}"),
        "Cancelled(.., Cause { reason: Explicit, task: None, message: None })"
    );

    let group = ErrGroup::<(), _>::builder().collect::<u32>().inline();
    let mut stream = group.into_stream();
    assert!(format!("{stream:?}").starts_with("Completions(Group { active: 0"));
    assert_eq!(block_on(futures_util::StreamExt::next(&mut stream)), None);
    assert_eq!(format!("{stream:?}"), "Completions(finished)");
}

#[test]
fn a_spawn_error_says_its_kind_and_reason() {
    use errgroup::{SpawnError, SpawnErrorKind};
    let shutdown = SpawnError::shutdown();
    assert!(shutdown.is_shutdown());
    assert_eq!(shutdown.kind(), SpawnErrorKind::Shutdown);
    assert_eq!(shutdown.reason(), "the executor is shut down");
    let other = SpawnError::new("the executor is shut down");
    assert!(!other.is_shutdown(), "a reason that reads like a shutdown is not one");
    assert_eq!(other.kind(), SpawnErrorKind::Other);
    assert_eq!(SpawnError::new("queue full").reason(), "queue full");
    assert_eq!(
        format!("{other:?}"),
        r#"SpawnError { kind: Other, reason: "the executor is shut down" }"#
    );
}

#[test]
fn a_task_spawned_through_a_handle_wakes_the_waiting_inline_group() {
    let group = ErrGroup::<u32, _>::inline();
    let handle = group.handle();
    let gate = Gate::new();
    group.try_spawn(gate.future().map_ok()).unwrap();
    let waiter = Counted::new();
    let mut wait = group.wait();
    assert!(waiter.poll(&mut wait).is_pending());
    let before = waiter.wakes();
    let sibling = std::thread::spawn(move || handle.try_spawn(async { Ok(()) }).is_ok());
    assert!(sibling.join().unwrap());
    assert!(waiter.wakes() > before, "the push woke the group's waiter");
    assert!(waiter.poll(&mut wait).is_pending(), "the gated task is still there");
    gate.open(Outcome::Ok(0));
    assert!(waiter.poll(&mut wait).is_ready());
}

#[test]
fn an_inline_spawn_that_frees_a_slot_by_running_the_tasks_spawns_in_the_same_poll() {
    let mut group = ErrGroup::<(), _>::inline();
    group.limit(1).unwrap();
    group.try_spawn(async { Ok(()) }).unwrap();
    let waiter = Counted::new();
    // Full: the spawn runs the first task, which frees its slot, and spawns at once.
    let mut spawn = group.spawn(async { Ok(()) });
    assert!(matches!(waiter.poll(&mut spawn), Poll::Ready(Ok(_))));
    drop(spawn);
    assert_eq!(group.active(), 1);
    assert_eq!(block_on(group.wait()), Ok(()));
}

/// Compile-time `Send`/`Sync`/`Unpin` matrix of the public types.
#[test]
fn public_types_are_send_sync_and_unpin_where_promised() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    fn unpin<T: Unpin>() {}
    type G = ErrGroup<u32, Spawned<RecordingSpawner>>;
    send_sync::<G>();
    send_sync::<GroupHandle<u32, Spawned<RecordingSpawner>>>();
    send::<ErrGroup<u32, errgroup::Inline<'static>>>();
    send::<Wait<u32, Spawned<RecordingSpawner>, errgroup::Discard>>();
    unpin::<Wait<u32, Spawned<RecordingSpawner>, errgroup::Discard>>();
    send_sync::<CancelToken>();
    send_sync::<errgroup::WaitGroup>();
    send_sync::<Rejected<GateFuture>>();
    send_sync::<errgroup::SpawnError>();
    send_sync::<Panicked>();
}

use std::future::Future;

#[test]
fn cancelling_a_full_group_wakes_a_waiting_spawn_and_hands_its_future_back() {
    let (group, _spawner) = recording_group();
    group.limit(1).unwrap();
    let _gates = spawn_gates(&group, 1);
    let waker = Counted::new();
    let mut spawning = group.spawn(async { Ok(1) });
    assert!(waker.poll(&mut spawning).is_pending());
    group.cancel();
    assert!(waker.wakes() >= 1, "the cancellation wakes the waiting spawn");
    assert!(matches!(waker.poll(&mut spawning), Poll::Ready(Err(Refused::Cancelled(_)))));
}

#[test]
fn wait_until_reports_finished_when_the_group_beats_the_timer() {
    let (group, spawner) = recording_group();
    let gates = spawn_gates(&group, 1);
    let timer = Gate::new();
    let waker = Counted::new();
    let mut wait = Box::pin(group.wait_until(async move {
        let _ = timer.future().await;
    }));
    assert!(waker.poll(&mut wait).is_pending());
    gates[0].open(Outcome::Ok(5));
    assert!(spawner.poll(0));
    assert_eq!(waker.poll(&mut wait), Poll::Ready(errgroup::Timed::Finished(Ok(vec![5]))));
}

#[test]
fn wait_until_cancels_the_group_when_the_timer_fires_and_keeps_what_arrived() {
    let (group, spawner) = recording_group();
    let token = group.token();
    let gates = spawn_gates(&group, 2);
    let timer = Gate::new();
    let fire = timer.clone();
    let waker = Counted::new();
    let mut wait = Box::pin(group.wait_until(async move {
        let _ = timer.future().await;
    }));
    gates[0].open(Outcome::Ok(1));
    assert!(spawner.poll(0));
    assert!(!spawner.poll(1));
    assert!(waker.poll(&mut wait).is_pending());
    fire.open(Outcome::Ok(0));
    assert!(waker.poll(&mut wait).is_pending(), "cancelled; task 1 still has to be dropped");
    assert_eq!(token.reason(), Some(CancelReason::Timeout));
    assert!(spawner.poll(1) && gates[1].dropped());
    assert_eq!(
        waker.poll(&mut wait),
        Poll::Ready(errgroup::Timed::TimedOut(Ok(vec![Some(1), None])))
    );
}

#[test]
fn parent_cancel_wakes_a_spawn_waiting_for_a_slot_even_in_a_cooperative_group() {
    let parent = CancelToken::new();
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::builder().cooperative().child_of(&parent).spawner(spawner.clone());
    group.limit(1).unwrap();
    let gate = Gate::new();
    group.try_spawn(gate.future().map_ok()).unwrap();
    let waker = Counted::new();
    let mut spawning = group.spawn(async { Ok(()) });
    assert!(waker.poll(&mut spawning).is_pending());
    parent.cancel();
    assert!(waker.wakes() >= 1, "the parent's cancellation wakes the waiting spawn");
    assert!(matches!(waker.poll(&mut spawning), Poll::Ready(Err(Refused::Cancelled(_)))));
}

#[test]
fn a_panicking_waker_does_not_stop_the_others_from_being_woken() {
    quiet_panics();
    struct PanickingWaker;
    impl std::task::Wake for PanickingWaker {
        fn wake(self: Arc<Self>) {
            panic!("task exploded");
        }
    }
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::<u32, _>::new(spawner.clone());
    let first = Gate::new();
    let second = Gate::new();
    group.try_spawn(first.future().map_ok()).unwrap();
    group.try_spawn(second.future().map_ok()).unwrap();
    // Task 0 waits with a waker that panics when woken; task 1 with a normal one.
    let panicking = std::task::Waker::from(Arc::new(PanickingWaker));
    assert!(!spawner.poll_with(0, &panicking));
    assert!(!spawner.poll(1));
    group.cancel(); // must not unwind
    assert!(spawner.wakes(1) >= 1, "the other task is still woken");
    assert!(spawner.poll(0) && spawner.poll(1));
    assert!(first.dropped() && second.dropped());
    assert_eq!(group.active(), 0);
    assert_eq!(block_on(group.wait()), Ok(()));
}

#[test]
fn a_task_spawning_siblings_after_the_group_was_cancelled_is_refused_and_counts_stay_right() {
    let group = ErrGroup::builder().cooperative().inline();
    let handle = group.handle();
    let token = group.token();
    let refused = Arc::new(AtomicUsize::new(0));
    let seen = refused.clone();
    group
        .try_spawn(async move {
            token.cancelled().await;
            match handle.try_spawn(async { Ok::<(), u32>(()) }) {
                Err(Rejected::Cancelled(_, _)) => seen.fetch_add(1, SeqCst),
                other => panic!("expected Cancelled, got {other:?}"),
            };
            Ok(())
        })
        .unwrap();
    group.cancel();
    assert_eq!(block_on(group.wait()), Ok(()));
    assert_eq!(refused.load(SeqCst), 1);
}

#[test]
fn spawners_behind_a_reference_an_arc_or_an_rc_spawn_through_it() {
    use std::{cell::RefCell, future::Future, pin::Pin, rc::Rc};

    use errgroup::{LocalSpawn, SpawnError};

    type LocalTasks = Rc<RefCell<Vec<Pin<Box<dyn Future<Output = ()>>>>>>;

    /// Keeps the `!Send` tasks it is given, to run them on this thread.
    #[derive(Clone, Default)]
    struct LocalRecorder(LocalTasks);

    impl LocalSpawn for LocalRecorder {
        fn spawn_local<F: Future<Output = ()> + 'static>(&self, task: F) -> Result<(), SpawnError> {
            self.0.borrow_mut().push(Box::pin(task));
            Ok(())
        }
    }

    impl LocalRecorder {
        fn run_all(&self) -> usize {
            let tasks: Vec<_> = self.0.borrow_mut().drain(..).collect();
            let ran = tasks.len();
            tasks.into_iter().for_each(block_on);
            ran
        }
    }

    let spawner = RecordingSpawner::default();
    let group = ErrGroup::<u32, _>::new(Arc::new(spawner.clone()));
    group.try_spawn(async { Ok(()) }).unwrap();
    assert_eq!(spawner.len(), 1, "an Arc'd spawner spawns through its spawner");
    assert!(spawner.poll(0));
    assert_eq!(block_on(group.wait()), Ok(()));

    let borrowed = RecordingSpawner::default();
    let group = ErrGroup::<u32, _>::new(&borrowed);
    group.try_spawn(async { Ok(()) }).unwrap();
    assert_eq!(borrowed.len(), 1, "a spawner behind a reference spawns through it");
    assert!(borrowed.poll(0));
    assert_eq!(block_on(group.wait()), Ok(()));

    let local = LocalRecorder::default();
    let group = ErrGroup::<u32, _>::builder().local_spawner(Rc::new(local.clone()));
    group.try_spawn(async { Ok(()) }).unwrap();
    assert_eq!(local.run_all(), 1, "an Rc'd local spawner spawns through its spawner");
    assert_eq!(block_on(group.wait()), Ok(()));

    let borrowed = LocalRecorder::default();
    let group = ErrGroup::<u32, _>::builder().local_spawner(&borrowed);
    group.try_spawn(async { Ok(()) }).unwrap();
    assert_eq!(borrowed.run_all(), 1, "a local spawner behind a reference spawns through it");
    assert_eq!(block_on(group.wait()), Ok(()));
}

#[test]
fn debug_says_a_group_cancelled_by_its_parent_is_cancelled() {
    let parent = CancelToken::new();
    let group = ErrGroup::<(), _>::builder().child_of(&parent).inline();
    assert!(format!("{group:?}").contains("cancelled: false"), "{group:?}");
    parent.cancel();
    // Nothing has looked at the group since: only its token knows.
    assert!(format!("{group:?}").contains("cancelled: true"), "{group:?}");
}

#[test]
fn a_handled_task_its_executor_loses_is_lost_for_the_handle_and_the_group() {
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::<u32, _>::new(spawner.clone());
    let handle = group.task().name("fetch").try_spawn_handle(Gate::new().future()).unwrap();
    spawner.drop_task(0);
    assert!(handle.is_finished());
    match block_on(handle) {
        errgroup::Outcome::Lost(lost) => {
            assert_eq!((lost.task().id().index(), lost.task().name()), (0, Some("fetch")));
        }
        other => panic!("expected Lost, got {other:?}"),
    }
    // The executor failed the group, not the task: the group hears of the loss too.
    let message = panic_message(|| block_on(group.wait()));
    assert!(message.starts_with("errgroup: task 0 `fetch` was lost"), "{message}");
}

#[test]
fn an_abort_wakes_its_pending_task_which_then_drops_its_future() {
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::<u32, _>::new(spawner.clone());
    let dropped = Arc::new(AtomicUsize::new(0));
    let counted = Dropping(dropped.clone());
    let handle = group
        .task()
        .try_spawn_handle(async move {
            let _counted = counted;
            std::future::pending::<Result<(), u32>>().await
        })
        .unwrap();
    assert!(!spawner.poll(0), "pending");
    assert_eq!(spawner.wakes(0), 0);
    assert!(format!("{handle:?}").contains("aborted: false"), "{handle:?}");
    handle.abort();
    assert_eq!(spawner.wakes(0), 1, "the abort woke the task");
    assert!(format!("{handle:?}").contains("aborted: true"), "{handle:?}");
    assert!(!handle.is_finished(), "it ends at its next poll, not before");
    assert_eq!(dropped.load(SeqCst), 0);
    assert!(spawner.poll(0));
    assert_eq!(dropped.load(SeqCst), 1, "its future was dropped by then");
    assert!(matches!(block_on(handle), errgroup::Outcome::Cancelled(CancelReason::Aborted)));
    assert_eq!(block_on(group.wait()), Ok(()));
}

#[test]
fn a_handle_spawn_waits_for_a_slot_and_a_refusal_hands_the_future_back() {
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::<u32, _>::new(spawner.clone());
    group.limit(1).unwrap();
    let gate = Gate::new();
    group.try_spawn(gate.future().map_ok()).unwrap();
    // Full: the future comes back, unrun, and can be spawned again later.
    let Err(Rejected::Full(future)) = group.task().try_spawn_handle(async { Ok::<_, u32>("x") })
    else {
        panic!("the group is full")
    };
    let spawning_task = Counted::new();
    let mut spawning = group.task().name("queued").spawn_handle(future);
    assert!(spawning_task.poll(&mut spawning).is_pending());
    assert!(format!("{spawning:?}").contains(r#"name: "queued""#), "{spawning:?}");
    gate.open(Outcome::Ok(0));
    assert!(spawner.poll(0));
    let Poll::Ready(Ok(handle)) = spawning_task.poll(&mut spawning) else { panic!("not spawned") };
    drop(spawning);
    assert_eq!(handle.task().to_string(), "task 1 `queued`");
    assert!(spawner.poll(1));
    assert_eq!(block_on(handle).succeeded(), Some("x"));
    assert_eq!(block_on(group.wait()), Ok(()));

    // Cancelled, or finished: the future comes back too.
    let group = ErrGroup::<u32, _>::new(spawner.clone());
    group.cancel();
    let refused = group.task().try_spawn_handle(async { Ok::<_, u32>(1) }).unwrap_err();
    assert!(matches!(refused, Rejected::Cancelled(_, _)));
    assert_eq!(block_on(refused.into_future().unwrap()), Ok(1));
    let spawned = block_on(group.task().spawn_handle(async { Ok::<_, u32>(2) }));
    assert!(matches!(spawned, Err(Refused::Cancelled(_))));
}

#[test]
fn a_detached_task_fails_its_group_and_an_unread_outcome_goes_with_its_handle() {
    quiet_panics();
    // Detached before it ran: its panic is the group's.
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::<Panicked, _>::builder().panics_as_errors().spawner(spawner.clone());
    let handle = group.task().name("p").try_spawn_handle(async { panic!("task exploded") });
    drop::<errgroup::TaskHandle<(), Panicked>>(handle.unwrap());
    assert!(spawner.poll(0));
    let panicked = block_on(group.wait()).unwrap_err();
    assert_eq!(panicked.to_string(), "task 0 `p` panicked: task exploded");

    // Ended before the handle was dropped: the error was the handle's, and is dropped with it.
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::<u32, _>::new(spawner.clone());
    let handle = group.task().try_spawn_handle(async { Err::<(), u32>(5) }).unwrap();
    assert!(spawner.poll(0));
    assert!(handle.is_finished());
    drop(handle);
    assert_eq!(block_on(group.wait()), Ok(()));
}

#[test]
fn a_handle_polled_after_its_outcome_panics_and_debug_shows_the_task() {
    let mut group = ErrGroup::<u32, _>::inline();
    let mut handle = group.task().name("once").try_spawn_handle(async { Ok::<_, u32>(1) }).unwrap();
    let abort = handle.abort_handle();
    assert_eq!(
        format!("{abort:?}"),
        r#"AbortHandle { task: Task { id: 0, name: "once" }, finished: false }"#
    );
    block_on(group.wait()).unwrap();
    assert_eq!(block_on(&mut handle).succeeded(), Some(1));
    assert_eq!(
        format!("{handle:?}"),
        r#"TaskHandle { task: Task { id: 0, name: "once" }, finished: true, aborted: false }"#
    );
    let message = panic_message(|| block_on(&mut handle));
    assert_eq!(message, "a TaskHandle was polled after it returned its task's outcome");
    abort.abort(); // too late: nothing happens
    assert!(abort.is_finished());
}

#[test]
fn a_keyed_race_says_which_key_won_and_a_keyed_task_shows_its_key() {
    let mut group = ErrGroup::<&str, _>::builder().race::<(&str, u32)>().inline();
    group.task().key("mirror a").try_spawn(async { Err("down") }).unwrap();
    group.task().key("mirror b").try_spawn(async { Ok(200) }).unwrap();
    group.task().key("mirror c").try_spawn(std::future::pending()).unwrap();
    assert_eq!(block_on(group.race()), Ok(("mirror b", 200)));

    let group = ErrGroup::<(), _>::builder().keyed::<u8, ()>().inline();
    let handle = group.handle();
    let keyed = handle.task().name("n").key(7u8);
    let shown = format!("{keyed:?}");
    assert!(shown.starts_with("KeyedTask { key: 7, task: TaskBuilder {"), "{shown}");
    assert!(shown.contains(r#"name: Some("n")"#), "{shown}");
    let id = keyed.try_spawn(async { Ok(()) }).unwrap();
    drop(handle);
    assert_eq!((id.index(), block_on(group.wait())), (0, Ok(vec![(7, ())])));
}

#[test]
fn a_tracking_group_lists_the_siblings_a_failure_cancelled_and_forgets_refused_tasks() {
    let spawner = RecordingSpawner::default();
    let builder = ErrGroup::<u32, _>::builder().name(String::from("jobs")).track_pending();
    let shown = format!("{builder:?}");
    assert!(shown.ends_with(r#"name: Some("jobs"), track_pending: true }"#), "{shown}");
    let group = builder.spawner(spawner.clone());
    group.task().name("fails").try_spawn(async { Err(1) }).unwrap();
    group.task().name("waits").try_spawn(Gate::new().future().map_ok()).unwrap();
    group.try_spawn(Gate::new().future().map_ok()).unwrap();
    assert!(!spawner.poll(2), "the unnamed task waits");
    assert!(spawner.poll(0), "the first one fails, and cancels the others");
    assert!(spawner.poll(1) && spawner.poll(2));
    let handle = group.handle();
    assert_eq!(block_on(group.wait()), Err(1));
    let unfinished = group_unfinished(&handle);
    assert_eq!(unfinished, [(1, Some("waits".to_owned())), (2, None)]);

    // A task its spawner refused is not left behind as running.
    let group = ErrGroup::<u32, _>::builder().track_pending().spawner(RefusingSpawner);
    assert!(group.try_spawn(async { Ok(()) }).is_err());
    assert_eq!(group.pending(), Some(vec![]));
}

fn group_unfinished<M: errgroup::Mode>(
    group: &GroupHandle<u32, M>,
) -> Vec<(usize, Option<String>)> {
    let unfinished = group.unfinished().unwrap();
    unfinished.iter().map(|task| (task.id().index(), task.name().map(str::to_owned))).collect()
}

#[test]
fn an_outcome_into_a_result_keeps_the_error_names_an_interruption_and_reraises_a_panic() {
    use errgroup::{Interrupted, Outcome};
    #[derive(Debug, PartialEq)]
    enum Error {
        Task(u8),
        Interrupted(Interrupted),
    }
    impl From<Interrupted> for Error {
        fn from(interrupted: Interrupted) -> Self {
            Error::Interrupted(interrupted)
        }
    }
    assert_eq!(Outcome::<u8, Error>::Failed(Error::Task(3)).into_result(), Err(Error::Task(3)));
    let cancelled = Outcome::<u8, Error>::Cancelled(CancelReason::Error).into_result();
    let Err(Error::Interrupted(interrupted)) = cancelled else { panic!("{cancelled:?}") };
    assert_eq!(
        interrupted.to_string(),
        "the group was cancelled (a task failed) with 1 task unfinished"
    );

    // A lost task, through its handle.
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::<Error, _>::new(spawner.clone());
    let handle =
        group.task().try_spawn_handle(std::future::pending::<Result<(), Error>>()).unwrap();
    spawner.drop_task(0);
    let lost = block_on(handle).into_result();
    assert!(matches!(lost, Err(Error::Interrupted(Interrupted::Lost(_)))), "{lost:?}");
    drop(catch_unwind(AssertUnwindSafe(|| block_on(group.wait()))));

    // A panic, re-raised with its payload.
    quiet_panics();
    let group = ErrGroup::<Error, _>::inline();
    let handle =
        group.handle().task().try_spawn_handle(async { std::panic::panic_any(7_u32) }).unwrap();
    block_on(group.wait()).unwrap();
    let outcome: errgroup::Outcome<(), Error> = block_on(handle);
    let payload = catch_unwind(AssertUnwindSafe(|| outcome.into_result())).unwrap_err();
    assert_eq!(payload.downcast_ref::<u32>(), Some(&7));
}

#[test]
fn a_task_whose_drop_panics_when_cancelled_ends_panicked_only() {
    quiet_panics();
    #[derive(Debug)]
    enum Error {
        Panicked(Panicked),
    }
    impl From<Panicked> for Error {
        fn from(panicked: Panicked) -> Self {
            Error::Panicked(panicked)
        }
    }
    let spawner = RecordingSpawner::default();
    let group =
        ErrGroup::<Error, _>::builder().panics_as_errors().track_pending().spawner(spawner.clone());
    group
        .task()
        .name("explodes")
        .try_spawn(async { PanicsOnDrop.await.map_err(|_| unreachable!()) })
        .unwrap();
    let gated = Gate::new().future();
    group
        .task()
        .name("waits")
        .try_spawn(async move { gated.await.map(drop).map_err(|_| unreachable!()) })
        .unwrap();
    assert!(!spawner.poll(0) && !spawner.poll(1));
    let handle = group.handle();
    handle.cancel();
    assert!(spawner.poll(0) && spawner.poll(1), "both aborted at their next poll");
    let Err(Error::Panicked(panicked)) = block_on(group.wait()) else { panic!("the drop's panic") };
    assert_eq!(panicked.to_string(), "task 0 `explodes` panicked: drop exploded");
    let unfinished: Vec<_> =
        handle.unfinished().unwrap().iter().map(|task| task.id().index()).collect();
    assert_eq!(unfinished, [1], "the panicking task is panicked, not also cancelled");
}

#[test]
fn an_abort_handle_still_aborts_a_detached_task() {
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::<u32, _>::new(spawner.clone());
    let handle = group.task().try_spawn_handle(std::future::pending::<Result<(), u32>>()).unwrap();
    let abort = handle.abort_handle();
    drop(handle); // detached
    assert!(!spawner.poll(0));
    assert!(!abort.is_finished());
    abort.abort();
    assert_eq!(spawner.wakes(0), 1);
    assert!(spawner.poll(0));
    assert!(abort.is_finished());
    assert_eq!(block_on(group.wait()), Ok(()), "an aborted task is not a failure");
}

#[test]
fn a_waiting_handle_is_woken_once_and_an_abort_wakes_the_tasks_latest_waker() {
    let spawner = RecordingSpawner::default();
    let group = ErrGroup::<u32, _>::new(spawner.clone());
    let gate = Gate::new();
    let mut handle = group.task().try_spawn_handle(gate.future()).unwrap();
    // The handle waits, registered with the waker of the task awaiting it.
    let awaiting = Counted::new();
    assert!(awaiting.poll(&mut handle).is_pending());
    assert!(awaiting.poll(&mut handle).is_pending(), "a second poll, same waker");
    assert!(!spawner.poll(0));
    gate.open(Outcome::Ok(5));
    assert!(spawner.poll(0));
    assert_eq!(awaiting.wakes(), 1, "the task's end woke the waiting handle");
    assert!(matches!(awaiting.poll(&mut handle), Poll::Ready(errgroup::Outcome::Succeeded(5))));
    // An abort after the end changes nothing, not even the handle's `Debug`.
    handle.abort();
    assert!(format!("{handle:?}").contains("finished: true, aborted: false"), "{handle:?}");

    // A task polled by another waker since (moved between executors' threads, say) is
    // woken for an abort through the newest one.
    let handle = group.task().try_spawn_handle(Gate::new().future()).unwrap();
    assert!(!spawner.poll(1));
    let moved = Counted::new();
    assert!(!spawner.poll_with(1, &moved.waker));
    handle.abort();
    assert_eq!((moved.wakes(), spawner.wakes(1)), (1, 0), "the newest waker is woken");
    assert!(spawner.poll(1));
    drop(handle);
    assert_eq!(block_on(group.wait()), Ok(()));
}

#[test]
fn a_token_cancelled_as_aborted_says_so() {
    let token = CancelToken::new();
    assert!(token.cancel_with(CancelReason::Aborted));
    assert_eq!(token.reason(), Some(CancelReason::Aborted));
    assert_eq!(CancelReason::Aborted.to_string(), "the task was aborted through its handle");
}

/// In a debug build, a spawn future dropped before its first poll (a forgotten `.await`)
/// is reported on stderr when its group finishes, with where it was made; one that was
/// polled is not, and neither is one in a group that ended cancelled. Runs the scenario in
/// a child process, to read its stderr.
#[test]
#[cfg_attr(miri, ignore = "starts a process, which Miri's isolation forbids")]
fn a_spawn_never_awaited_is_reported_when_its_group_finishes_in_debug_builds() {
    const CHILD: &str = "ERRGROUP_TEST_UNAWAITED_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let group = ErrGroup::<(), _>::inline();
        let handle = group.handle();
        handle.limit(1).unwrap();
        let forgotten_line = line!() + 1;
        let forgotten = handle.spawn(async { Ok(()) });
        drop(forgotten);
        drop(handle.task().name("also forgotten").spawn(async { Ok(()) }));
        // Polled once (full: it waits), then dropped: not forgotten.
        handle.try_spawn(async { Ok(()) }).unwrap();
        let mut raced = handle.spawn(async { Ok(()) });
        assert!(Counted::new().poll(&mut raced).is_pending());
        drop(raced);
        block_on(group.wait()).unwrap();
        eprintln!("forgotten at line {forgotten_line}");
        let mut group = ErrGroup::<(), _>::inline();
        let single_line = line!() + 1;
        drop(group.spawn(async { Ok(()) }));
        block_on(group.wait()).unwrap();
        eprintln!("single at line {single_line}");
        // A cancelled group says nothing.
        let mut group = ErrGroup::<(), _>::inline();
        drop(group.spawn(async { Ok(()) }));
        group.cancel();
        block_on(group.wait()).unwrap();
        return;
    }
    let name = "a_spawn_never_awaited_is_reported_when_its_group_finishes_in_debug_builds";
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stderr}");
    let line = stderr
        .lines()
        .find_map(|line| line.strip_prefix("forgotten at line "))
        .expect("the child ran the scenario");
    let reports: Vec<&str> = stderr.lines().filter(|line| line.starts_with("errgroup:")).collect();
    if cfg!(debug_assertions) {
        let expected = format!("errgroup: 2 spawns (the first at {}:{line}:", file!());
        assert_eq!(reports.len(), 2, "{stderr}");
        assert!(reports[0].starts_with(&expected), "{stderr}\n{expected}");
        assert!(reports[0].contains("were dropped without being awaited"), "{stderr}");
        let single = stderr
            .lines()
            .find_map(|line| line.strip_prefix("single at line "))
            .expect("the child ran the scenario");
        let expected = format!("errgroup: the spawn at {}:{single}:", file!());
        assert!(reports[1].starts_with(&expected), "{stderr}\n{expected}");
        assert!(reports[1].contains("was dropped without being awaited, so its task"));
    } else {
        assert_eq!(reports, Vec::<&str>::new(), "reported in a release build");
    }
}

/// A task's name compares, hashes and reads as its text, whatever holds it.
#[test]
fn a_task_name_compares_hashes_and_reads_as_its_text() {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let hash = |value: &dyn Fn(&mut DefaultHasher)| {
        let mut hasher = BuildHasherDefault::<DefaultHasher>::default().build_hasher();
        value(&mut hasher);
        std::hash::Hasher::finish(&hasher)
    };
    let fixed = errgroup::TaskName::from("fetch");
    let owned = errgroup::TaskName::from(String::from("fetch"));
    assert_eq!(fixed, owned);
    assert_ne!(fixed, errgroup::TaskName::from("store"));
    let text: &str = owned.as_ref();
    assert_eq!(text, "fetch");
    assert_eq!(
        hash(&|hasher| std::hash::Hash::hash(&fixed, hasher)),
        hash(&|hasher| std::hash::Hash::hash("fetch", hasher)),
        "hashed as its text"
    );
}

/// A task's error in a chain: its message names the task and holds the error's, so its
/// source is the error's own source, not the error again.
#[test]
fn a_task_error_chains_to_the_source_of_its_error() {
    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("request failed")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
    let group = ErrGroup::builder().policy(Policy::CollectAll).inline();
    group
        .try_spawn(async { Err::<(), _>(Outer(std::io::Error::other("connection reset"))) })
        .unwrap();
    let errors = block_on(group.wait_all()).unwrap_err();
    let source = std::error::Error::source(&errors[0]).expect("the error's source");
    assert_eq!(source.to_string(), "connection reset");
    assert_eq!(errors[0].to_string(), "task 0 failed: request failed");
}

/// A spawn its spawner refused was never a task: `wait_outcomes` leaves it out (its index
/// was taken, so the next task's id skips it).
#[test]
fn wait_outcomes_leaves_out_a_spawn_the_spawner_refused() {
    let group = ErrGroup::<u32, _>::builder().collect::<u32>().spawner(RefusingSpawner);
    assert!(matches!(group.try_spawn(async { Ok(1) }), Err(Rejected::Spawner(_))));
    assert!(!group.is_cancelled());
    assert_eq!(block_on(group.wait_outcomes()).len(), 0);
}

/// A feeder shows where it was made, and its group.
#[test]
fn a_feeder_shows_where_it_was_made() {
    let group = ErrGroup::<(), _>::inline();
    let feeder = group.feeder();
    let shown = format!("{feeder:?}");
    assert!(
        shown.starts_with(&format!("Feeder {{ made_at: Location {{ file: \"{}\"", file!())),
        "{shown}"
    );
    assert!(shown.contains("group: Group { active: 0"), "{shown}");
    assert!(format!("{group:?}").contains("open_feeders: ["), "{group:?}");
}

/// A time limit's error says what the limit was; its builder and its future show theirs.
#[test]
fn a_time_limit_says_what_it_was() {
    let limit = std::time::Duration::from_secs(3);
    let mut group = ErrGroup::<errgroup::Elapsed, _>::inline();
    let builder = group.task().name("slow").time_limit_on(Expired, limit);
    let shown = format!("{builder:?}");
    assert!(shown.starts_with("LimitedTask { limit: 3s, task: TaskBuilder {"), "{shown}");
    builder.try_spawn(std::future::pending()).unwrap();
    let elapsed = block_on(group.wait()).unwrap_err();
    assert_eq!(elapsed.limit(), limit);
    assert_eq!(elapsed.to_string(), "the task ran past its time limit of 3s");

    // A refused time-limited task comes back in its wrapper, which shows its limit.
    let group = ErrGroup::<errgroup::Elapsed, _>::inline();
    group.cancel();
    let refused = group
        .handle()
        .task()
        .time_limit_on(Expired, limit)
        .try_spawn(async { Ok(()) })
        .unwrap_err()
        .into_future()
        .expect("handed back");
    assert_eq!(format!("{refused:?}"), "TimeLimit { limit: 3s, started: false, .. }");
}

/// A group's token waits in the group's registry; when the group ends, the registry is
/// drained, so a wait still pending there is woken and moves to the token itself: a cancel
/// after the group is gone still reaches it, and so does one during the group's life.
#[test]
fn a_wait_on_a_group_token_outlives_the_group() {
    let group = ErrGroup::<(), _>::builder().cooperative().inline();
    let token = group.token();
    let counted = Counted::new();
    let mut wait = Box::pin(token.cancelled());
    assert_eq!(counted.poll(&mut wait), Poll::Pending);
    assert_eq!(block_on(group.wait()), Ok(()));
    assert_eq!(counted.wakes(), 1, "the group's end woke the wait");
    assert_eq!(counted.poll(&mut wait), Poll::Pending, "not cancelled: it waits on");
    assert!(token.cancel());
    assert_eq!(counted.wakes(), 2, "the token woke it, the group being gone");
    assert_eq!(counted.poll(&mut wait), Poll::Ready(()));

    let group = ErrGroup::<(), _>::inline();
    let token = group.token();
    let counted = Counted::new();
    let mut wait = Box::pin(token.cancelled());
    assert_eq!(counted.poll(&mut wait), Poll::Pending);
    assert!(group.cancel());
    assert_eq!(counted.wakes(), 1, "the group's relay woke it");
    assert_eq!(counted.poll(&mut wait), Poll::Ready(()));
    drop(group);
}
