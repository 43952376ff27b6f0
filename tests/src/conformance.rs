//! The conformance bodies: one per documented guarantee, named after it, generic over the
//! [`Executor`] they run on. [`conformance_suite!`](crate::conformance_suite) turns them into
//! tests.
//!
//! No body sleeps to order events: tasks wait at [`Gate`]s, on [`Tally`] counts, or until
//! the group's active count says the tasks they wait for are gone. Every body asserts
//! outcomes and counts, so each can fail.

use std::{
    panic::{AssertUnwindSafe, catch_unwind},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    thread,
};

use errgroup::{
    CancelReason, CancelToken, Discard, ErrGroup, GroupHandle, Interrupted, Outcome, Policy,
    Refused, Rejected, Spawn, SpawnError, TaskError, TaskName, Timed, WaitGroup,
};
use futures_util::{
    FutureExt, StreamExt,
    future::{join, join3, pending},
};

use crate::{
    Control, Executor, RuntimeExecutor,
    support::{
        Concurrency, Failure, Gate, Log, Payload, Tally, Task, count_polls, isolated, task, until,
        yield_now, yield_times,
    },
};

/// The error type most bodies use.
type Error = &'static str;

/// A fail-fast group on `X` that discards values.
fn fail_fast<X: Executor, E: Send + 'static>() -> ErrGroup<E, X::Mode> {
    X::group(ErrGroup::builder())
}

/// Spawns `task` with `try_spawn`, which must accept it.
#[track_caller]
fn spawn_ok<X: Executor, E: Send + 'static>(handle: &GroupHandle<E, X::Mode>, task: Task<(), E>) {
    if let Err(rejected) = X::try_spawn(handle, task) {
        panic!("the group refused a task: {rejected}");
    }
}

/// A task that waits at `gate`, then succeeds.
fn gated<E: Send + 'static>(gate: &Gate) -> Task<(), E> {
    let gate = gate.clone();
    task(async move {
        gate.opened().await;
        Ok(())
    })
}

/// A task that counts its start in `started`, its drop in `dropped`, then never finishes.
fn forever<E: Send + 'static>(started: &Tally, dropped: &Tally) -> Task<(), E> {
    let (started, guard) = (started.clone(), dropped.on_drop());
    task(async move {
        let _guard = guard;
        started.add();
        pending::<()>().await;
        Ok(())
    })
}

/// What a rejection was, for messages.
fn kind<T, R: std::fmt::Debug>(spawned: &Result<T, R>) -> String {
    match spawned {
        Ok(_) => "accepted".to_owned(),
        Err(rejected) => format!("{rejected:?}"),
    }
}

/// `wait` resolves when every task has finished or been dropped, and not before: while a
/// task is held it stays pending, and when it resolves every future is gone.
pub fn wait_resolves_only_when_every_task_has_finished_or_been_dropped<X: Executor>() {
    // Tasks that finish one at a time.
    let group = fail_fast::<X, Error>();
    let handle = group.handle();
    let gates = Gate::many(3);
    let finished = Tally::new();
    for gate in &gates {
        let (gate, finished) = (gate.clone(), finished.clone());
        spawn_ok::<X, _>(
            &handle,
            task(async move {
                gate.opened().await;
                finished.add();
                Ok(())
            }),
        );
    }
    let resolved = Gate::new();
    let waiting = {
        let (finished, resolved) = (finished.clone(), resolved.clone());
        async move {
            let outcome = group.wait().await;
            assert_eq!(finished.get(), 3, "wait resolved before every task finished");
            resolved.open();
            outcome
        }
    };
    let controller = async {
        for (released, gate) in gates.iter().enumerate() {
            yield_times(5).await;
            assert!(!resolved.is_open(), "wait resolved with {} tasks held", 3 - released);
            gate.open();
            finished.reached(released + 1).await;
        }
    };
    let (outcome, ()) = X::block_on(join(isolated(waiting), controller));
    assert_eq!(outcome, Ok(()));
    assert!(resolved.is_open());
    assert_eq!(handle.active(), 0);

    // Tasks that never finish: `wait` resolves once they have been dropped.
    let group = fail_fast::<X, Error>();
    let handle = group.handle();
    let (started, dropped) = (Tally::new(), Tally::new());
    for _ in 0..3 {
        spawn_ok::<X, _>(&handle, forever(&started, &dropped));
    }
    let resolved = Gate::new();
    let waiting = {
        let (dropped, resolved) = (dropped.clone(), resolved.clone());
        async move {
            let outcome = group.wait().await;
            assert_eq!(dropped.get(), 3, "wait resolved before every cancelled task was dropped");
            resolved.open();
            outcome
        }
    };
    let controller = async {
        started.reached(3).await;
        yield_times(5).await;
        assert!(!resolved.is_open(), "wait resolved while tasks were pending");
        assert_eq!(dropped.get(), 0);
        assert!(handle.cancel());
    };
    let (outcome, ()) = X::block_on(join(isolated(waiting), controller));
    assert_eq!(outcome, Ok(()), "an explicit cancel is not a failure");
    assert_eq!(dropped.get(), 3);
    assert_eq!(handle.active(), 0);
}

/// `wait` yields the first error to arrive (not the first task spawned), and the group's
/// token says an error cancelled it.
pub fn wait_yields_the_first_error<X: Executor>() {
    for use_wait_all in [false, true] {
        let group = fail_fast::<X, Error>();
        let token = group.token();
        // Spawned first, and would fail last: it fails only once the group is cancelled
        // (by then it should have been dropped; either way its error is not the first).
        let late = token.clone();
        spawn_ok::<X, _>(
            &group,
            task(async move {
                late.cancelled().await;
                Err("late")
            }),
        );
        for _ in 0..3 {
            spawn_ok::<X, _>(
                &group,
                task(async {
                    yield_now().await;
                    Ok(())
                }),
            );
        }
        let early = X::try_spawn(&group, task(async { Err("early") })).unwrap();
        if use_wait_all {
            let errors = X::block_on(group.wait_all()).unwrap_err();
            let errors: Vec<_> = errors.into_iter().map(TaskError::into_parts).collect();
            assert!(
                matches!(&errors[..], [(Some(task), "early")] if task.id() == early),
                "{errors:?}"
            );
        } else {
            assert_eq!(X::block_on(group.wait()), Err("early"));
        }
        assert_eq!(token.reason(), Some(CancelReason::Error));
    }

    // Without a failure, `wait` is `Ok` and nothing is cancelled.
    let group = fail_fast::<X, Error>();
    let token = group.token();
    for _ in 0..5 {
        spawn_ok::<X, _>(&group, task(async { Ok(()) }));
    }
    assert_eq!(X::block_on(group.wait()), Ok(()));
    assert_eq!(token.reason(), None);
}

/// The first error cancels the siblings: each is dropped (its drop guard runs before `wait`
/// resolves) and never polled again after the cancellation.
pub fn first_error_cancels_siblings_and_drops_them<X: Executor>() {
    const SIBLINGS: usize = 5;
    let group = fail_fast::<X, Error>();
    let handle = group.handle();
    let (started, dropped, resumed) = (Tally::new(), Tally::new(), Tally::new());
    let never = Gate::new();
    let polls: Vec<Tally> = (0..SIBLINGS).map(|_| Tally::new()).collect();
    for polls in &polls {
        let (started, guard, resumed, never) =
            (started.clone(), dropped.on_drop(), resumed.clone(), never.clone());
        let sibling = count_polls(polls, async move {
            let _guard = guard;
            started.add();
            never.opened().await;
            resumed.add();
            Ok(())
        });
        spawn_ok::<X, _>(&handle, task(sibling));
    }
    let failing = started.clone();
    spawn_ok::<X, _>(
        &handle,
        task(async move {
            failing.reached(SIBLINGS).await;
            Err("boom")
        }),
    );
    let outcome = X::block_on({
        let dropped = dropped.clone();
        async move {
            let outcome = group.wait().await;
            assert_eq!(dropped.get(), SIBLINGS, "wait resolved before the siblings were dropped");
            outcome
        }
    });
    assert_eq!(outcome, Err("boom"));
    assert!(handle.is_cancelled());
    assert_eq!(handle.token().reason(), Some(CancelReason::Error));
    for (index, polls) in polls.iter().enumerate() {
        assert_eq!(polls.get(), 1, "sibling {index} was polled after the group was cancelled");
    }
    // Their futures are gone: opening the gate they waited at resumes nothing.
    never.open();
    assert_eq!(resumed.get(), 0);
    assert_eq!(handle.active(), 0);
}

/// An error that arrives after the group was cancelled (explicitly, or by its parent) is a
/// consequence, not the cause: `wait` returns `Ok`.
pub fn errors_after_cancellation_are_not_the_cause<X: Executor>() {
    // A task cancels its own group, then fails in the same poll.
    let group = fail_fast::<X, Error>();
    let token = group.token();
    let own = group.token();
    spawn_ok::<X, _>(
        &group,
        task(async move {
            assert!(own.cancel());
            Err("after the cancel")
        }),
    );
    assert_eq!(X::block_on(group.wait()), Ok(()));
    assert_eq!(token.reason(), Some(CancelReason::Explicit));

    // Cooperative tasks see the cancellation, then fail; under both policies that report a
    // first error.
    for policy in [Policy::FailFast, Policy::NoCancel] {
        for from_parent in [false, true] {
            let parent = CancelToken::new();
            let group =
                X::group(ErrGroup::builder().policy(policy).cooperative().child_of(&parent));
            let handle = group.handle();
            let started = Tally::new();
            for code in 0..3u32 {
                let (token, started) = (group.token(), started.clone());
                spawn_ok::<X, _>(
                    &handle,
                    task(async move {
                        started.add();
                        token.cancelled().await;
                        Err(code)
                    }),
                );
            }
            let controller = async {
                started.reached(3).await;
                if from_parent {
                    parent.cancel();
                } else {
                    handle.cancel();
                }
            };
            let (outcome, ()) = X::block_on(join(isolated(group.wait()), controller));
            assert_eq!(outcome, Ok(()), "{policy:?}, cancelled by the parent: {from_parent}");
            let expected = if from_parent { CancelReason::Parent } else { CancelReason::Explicit };
            assert_eq!(handle.token().reason(), Some(expected));
        }
    }
}

/// With [`Policy::CollectAll`], every error is kept in order of arrival and the other tasks
/// keep running to the end; nothing is cancelled.
pub fn collect_all_keeps_every_error_in_order_of_arrival_and_siblings_keep_running<X: Executor>()
where
    X::Mode: Send + Sync,
{
    const FAILING: usize = 5;
    let group = X::group(ErrGroup::builder().policy(Policy::CollectAll));
    let handle = group.handle();
    // `gates[code]` lets failing task `code` go; `gates[FAILING]` lets the sibling go. Each
    // failing task opens the previous gate as its future is dropped, and the task let go
    // then waits until that task is counted out (its error stored): errors arrive in the
    // reverse of spawn order, whatever threads the tasks run on.
    let gates = Gate::many(FAILING + 1);
    let sibling_finished = Tally::new();
    // Spawned first, finishes last: after every error arrived.
    {
        let (gate, finished, own) =
            (gates[FAILING].clone(), sibling_finished.clone(), handle.clone());
        spawn_ok::<X, _>(
            &group,
            task(async move {
                gate.opened().await;
                until(|| own.active() <= 1).await;
                assert!(!own.is_cancelled(), "an error cancelled a collect-all group");
                finished.add();
                Ok(())
            }),
        );
    }
    for code in 0..FAILING {
        let gate = gates[code].clone();
        let next = gates[if code == 0 { FAILING } else { code - 1 }].open_on_drop();
        let own = handle.clone();
        spawn_ok::<X, _>(
            &group,
            task(async move {
                let _next = next;
                gate.opened().await;
                until(|| own.active() <= code + 2).await;
                Err(code)
            }),
        );
    }
    gates[FAILING - 1].open();
    let errors = X::block_on(group.wait_all()).unwrap_err();
    let codes: Vec<usize> = errors.iter().map(|error| *error.error()).collect();
    assert_eq!(codes, [4, 3, 2, 1, 0]);
    // Each error comes with its task: spawned in order of its code, after the sibling.
    for error in &errors {
        let task = error.task().expect("a task's error names its task");
        assert_eq!(task.id().index(), error.error() + 1, "{error:?}");
    }
    assert_eq!(sibling_finished.get(), 1, "the sibling did not run to its end");
    assert!(!handle.is_cancelled());

    // `wait` reports the first to arrive.
    let group = X::group(ErrGroup::builder().policy(Policy::CollectAll));
    let first_gone = Gate::new();
    {
        let (gate, own) = (first_gone.clone(), group.handle());
        spawn_ok::<X, _>(
            &group,
            task(async move {
                gate.opened().await;
                until(|| own.active() <= 1).await;
                Err("second")
            }),
        );
    }
    let guard = first_gone.open_on_drop();
    spawn_ok::<X, _>(
        &group,
        task(async move {
            let _guard = guard;
            Err("first")
        }),
    );
    assert_eq!(X::block_on(group.wait()), Err("first"));
}

/// With [`Policy::NoCancel`] (Go's plain group), `wait` returns the first error, the other
/// tasks keep running, and the group still accepts new tasks.
pub fn no_cancel_records_first_error_and_cancels_nothing<X: Executor>()
where
    X::Mode: Send + Sync,
{
    let group = X::group(ErrGroup::builder().policy(Policy::NoCancel));
    let handle = group.handle();
    // A fails first; B fails once A is counted out; C succeeds once B is, then spawns D.
    let (start, first_gone, second_gone) = (Gate::new(), Gate::new(), Gate::new());
    let (completed, late_ran) = (Tally::new(), Tally::new());
    {
        let (gate, guard) = (start.clone(), first_gone.open_on_drop());
        spawn_ok::<X, _>(
            &group,
            task(async move {
                let _guard = guard;
                gate.opened().await;
                Err("first")
            }),
        );
    }
    {
        let (gate, guard, own) = (first_gone.clone(), second_gone.open_on_drop(), handle.clone());
        spawn_ok::<X, _>(
            &group,
            task(async move {
                let _guard = guard;
                gate.opened().await;
                until(|| own.active() <= 2).await;
                Err("second")
            }),
        );
    }
    {
        let (gate, own, completed, late_ran) =
            (second_gone.clone(), handle.clone(), completed.clone(), late_ran.clone());
        spawn_ok::<X, _>(
            &group,
            task(async move {
                gate.opened().await;
                until(|| own.active() <= 1).await;
                assert!(!own.is_cancelled(), "an error cancelled a no-cancel group");
                let late = task(async move {
                    late_ran.add();
                    Ok(())
                });
                if let Err(rejected) = X::try_spawn(&own, late) {
                    panic!("a no-cancel group refused a task after an error: {rejected}");
                }
                completed.add();
                Ok(())
            }),
        );
    }
    start.open();
    assert_eq!(X::block_on(group.wait()), Err("first"));
    assert_eq!(completed.get(), 1);
    assert_eq!(late_ran.get(), 1);
    assert!(!handle.is_cancelled());
    assert_eq!(handle.token().reason(), None);
}

/// A cooperative group is cancelled like any other, but its tasks are not dropped: they see
/// the token, clean up and finish, and `wait` waits for them.
pub fn cooperative_tasks_get_the_token_and_are_not_dropped<X: Executor>() {
    const TASKS: usize = 4;
    let group = X::group(ErrGroup::builder().cooperative());
    let (started, cleaned, dropped) = (Tally::new(), Tally::new(), Tally::new());
    for _ in 0..TASKS {
        let (token, started, cleaned, guard) =
            (group.token(), started.clone(), cleaned.clone(), dropped.on_drop());
        spawn_ok::<X, _>(
            &group,
            task(async move {
                let _guard = guard;
                started.add();
                token.cancelled().await;
                assert_eq!(token.reason(), Some(CancelReason::Error));
                // Cleaning up takes a few more awaits: a non-cooperative group would drop
                // the task at the first.
                yield_times(3).await;
                cleaned.add();
                Ok(())
            }),
        );
    }
    let failing = started.clone();
    spawn_ok::<X, _>(
        &group,
        task(async move {
            failing.reached(TASKS).await;
            Err("boom")
        }),
    );
    let outcome = X::block_on({
        let cleaned = cleaned.clone();
        async move {
            let outcome = group.wait().await;
            assert_eq!(cleaned.get(), TASKS, "wait resolved before the tasks cleaned up");
            outcome
        }
    });
    assert_eq!(outcome, Err("boom"));
    assert_eq!(cleaned.get(), TASKS, "a cooperative task was dropped");
    assert_eq!(dropped.get(), TASKS);
}

/// In a default (dropping) group, a task spawned `cooperative()` is signalled, not
/// dropped: it sees the token, cleans up over a few awaits and finishes, and `wait` waits
/// for it; its plain siblings are dropped at once.
pub fn a_cooperative_task_in_a_default_group_is_signalled_not_dropped<X: Executor>() {
    let group = fail_fast::<X, Error>();
    let (started, cleaned, plain_dropped) = (Tally::new(), Tally::new(), Tally::new());
    let (token, told_started, told_cleaned) = (group.token(), started.clone(), cleaned.clone());
    let told = task(async move {
        told_started.add();
        token.cancelled().await;
        // A dropping task would be dropped at the first of these.
        yield_times(3).await;
        told_cleaned.add();
        Ok(())
    });
    X::try_spawn_controlled(&group, &Control::Cooperative, told).expect("room");
    spawn_ok::<X, _>(&group, forever(&started, &plain_dropped));
    let failing = started.clone();
    spawn_ok::<X, _>(
        &group,
        task(async move {
            failing.reached(2).await;
            Err("boom")
        }),
    );
    assert_eq!(X::block_on(group.wait()), Err("boom"));
    assert_eq!(cleaned.get(), 1, "the cooperative task was dropped");
    assert_eq!(plain_dropped.get(), 1);
}

/// A cancellation does not drop a task inside a shielded section: the section sees the
/// cancellation and runs to its end, and the task is dropped right after it, before
/// `wait` resolves.
pub fn a_shielded_section_is_not_dropped_by_a_cancellation<X: Executor>() {
    let group = fail_fast::<X, Error>();
    let shield = errgroup::Shield::new();
    let (entered, finished, dropped) = (Gate::new(), Tally::new(), Tally::new());
    let (section, token, opened, done, guard) =
        (shield.clone(), group.token(), entered.clone(), finished.clone(), dropped.on_drop());
    let shielded = task(async move {
        let _guard = guard;
        section
            .protect(async {
                opened.open();
                token.cancelled().await;
                yield_times(3).await;
                done.add();
            })
            .await;
        pending::<()>().await; // not shielded: dropped here
        Ok(())
    });
    X::try_spawn_controlled(&group, &Control::Shielded(shield.clone()), shielded).expect("room");
    spawn_ok::<X, _>(
        &group,
        task(async move {
            entered.opened().await;
            Err("boom")
        }),
    );
    assert_eq!(X::block_on(group.wait()), Err("boom"));
    assert_eq!((finished.get(), dropped.get()), (1, 1));
    assert!(!shield.is_active());
}

/// Under `limit(n)`, at most `n` tasks are ever active at once, and `n` are reached.
pub fn limit_never_exceeds_n_running_tasks<X: Executor>() {
    const LIMIT: usize = 3;
    const TASKS: usize = 24;
    let mut group = fail_fast::<X, Error>();
    group.limit(LIMIT).unwrap();
    assert_eq!(group.current_limit(), Some(LIMIT));
    let meter = Concurrency::new();
    let (entered, finished) = (Tally::new(), Tally::new());
    let outcome = X::block_on(async {
        for _ in 0..TASKS {
            let (meter, entered, finished) = (meter.clone(), entered.clone(), finished.clone());
            let counted = task(async move {
                let _inside = meter.enter();
                entered.add();
                // The first `LIMIT` tasks wait for each other, so the limit is reached.
                entered.reached(LIMIT).await;
                yield_times(5).await;
                finished.add();
                Ok(())
            });
            let spawned = X::spawn_driving(&mut group, counted).await;
            assert!(spawned.is_ok(), "spawn failed: {}", kind(&spawned));
            assert!(group.active() <= LIMIT, "{} tasks active", group.active());
        }
        group.wait().await
    });
    assert_eq!(outcome, Ok(()));
    assert_eq!(finished.get(), TASKS);
    assert_eq!(meter.max(), LIMIT, "the most tasks running at once");
    assert_eq!(meter.now(), 0);
}

/// `spawn` on a full group waits until a task finishes, then spawns; without a limit it is
/// ready at once.
pub fn spawn_applies_back_pressure<X: Executor>() {
    let unlimited = fail_fast::<X, Error>();
    assert_eq!(
        X::spawn(&unlimited, task(async { Ok(()) })).now_or_never().map(|spawned| spawned.is_ok()),
        Some(true),
        "spawn without a limit must be ready at once"
    );
    assert_eq!(X::block_on(unlimited.wait()), Ok(()));

    let mut group = fail_fast::<X, Error>();
    let handle = group.handle();
    group.limit(2).unwrap();
    let gates = Gate::many(3);
    let log = Log::new();
    for (index, gate) in gates.iter().enumerate().take(2) {
        let (gate, log) = (gate.clone(), log.clone());
        spawn_ok::<X, _>(
            &handle,
            task(async move {
                gate.opened().await;
                log.push(format!("{index} done"));
                Ok(())
            }),
        );
    }
    let third = {
        let (gate, log) = (gates[2].clone(), log.clone());
        task(async move {
            log.push("2 started");
            gate.opened().await;
            Ok(())
        })
    };
    let spawned = Gate::new();
    let spawning = isolated(async {
        let outcome = X::spawn_driving(&mut group, third).await;
        spawned.open();
        outcome
    });
    let controller = async {
        yield_times(10).await;
        assert!(!spawned.is_open(), "spawn resolved while the group was full");
        assert_eq!(handle.active(), 2);
        gates[0].open();
    };
    let (outcome, ()) = X::block_on(join(spawning, controller));
    assert!(outcome.is_ok(), "spawn failed: {}", kind(&outcome));
    assert_eq!(handle.active(), 2, "task 0 finished, tasks 1 and 2 held");
    gates[1].open();
    gates[2].open();
    assert_eq!(X::block_on(group.wait()), Ok(()));
    let events = log.events();
    let done = events.iter().position(|event| event == "0 done");
    let started = events.iter().position(|event| event == "2 started");
    assert!(done < started && done.is_some(), "the third task started early: {events:?}");
}

/// `try_spawn` on a full group never waits: it hands the future back, unpolled and intact,
/// so the caller can fall back (here: run it itself).
pub fn try_spawn_hands_the_future_back_when_full<X: Executor>() {
    let group = fail_fast::<X, Error>();
    group.limit(1).unwrap();
    let gate = Gate::new();
    spawn_ok::<X, _>(&group, gated(&gate));
    let (polls, ran) = (Tally::new(), Tally::new());
    let counted = {
        let ran = ran.clone();
        task(count_polls(&polls, async move {
            ran.add();
            Ok(())
        }))
    };
    let future = match X::try_spawn(&group, counted) {
        Err(Rejected::Full(future)) => future,
        other => panic!("expected Full, got {}", kind(&other)),
    };
    assert_eq!(polls.get(), 0, "the handed-back future was polled");
    assert_eq!(group.active(), 1);
    assert_eq!(X::block_on(future), Ok(()));
    assert_eq!(ran.get(), 1);

    let rejected = X::try_spawn(&group, task(async { Ok(()) })).unwrap_err();
    assert_eq!(rejected.to_string(), "task refused: the group's limit of active tasks is reached");
    assert!(rejected.into_future().is_some());
    assert_eq!(group.active(), 1, "refused tasks are not counted");

    gate.open();
    assert_eq!(X::block_on(group.wait()), Ok(()));
}

/// The limit may change while tasks run: raising it admits waiting spawns at once, lowering
/// it stops nothing and makes new tasks wait, removing it admits everyone, and `limit(0)`
/// is refused.
pub fn changing_the_limit_while_tasks_run_is_well_defined<X: Executor>() {
    let mut group = fail_fast::<X, Error>();
    let handle = group.handle();
    let gates = Gate::many(6);
    let dropped = Tally::new();
    let held = |index: usize| {
        let (gate, guard) = (gates[index].clone(), dropped.on_drop());
        task(async move {
            let _guard = guard;
            gate.opened().await;
            Ok(())
        })
    };
    handle.limit(1).unwrap();
    spawn_ok::<X, _>(&handle, held(0));

    // Raising the limit admits the waiting spawns.
    let (b_spawned, c_spawned) = (Gate::new(), Gate::new());
    let spawn_b = async {
        let outcome = X::spawn(&handle, held(1)).await;
        b_spawned.open();
        outcome
    };
    let spawn_c = async {
        let outcome = X::spawn(&handle, held(2)).await;
        c_spawned.open();
        outcome
    };
    let raise = async {
        yield_times(5).await;
        assert!(!b_spawned.is_open() && !c_spawned.is_open(), "spawned past the limit");
        handle.limit(3).unwrap();
    };
    let (b, c, ()) = X::block_on(join3(isolated(spawn_b), isolated(spawn_c), raise));
    assert!(b.is_ok() && c.is_ok(), "raising the limit did not admit: {} {}", kind(&b), kind(&c));
    assert_eq!(handle.active(), 3);

    // Lowering it below the active count stops nothing; new tasks wait until the count is
    // below the new limit.
    handle.limit(1).unwrap();
    assert_eq!(handle.current_limit(), Some(1));
    assert_eq!(handle.active(), 3);
    assert_eq!(dropped.get(), 0, "lowering the limit dropped a task");
    assert!(matches!(X::try_spawn(&handle, held(3)), Err(Rejected::Full(_))));
    let d_spawned = Gate::new();
    let spawn_d = async {
        let outcome = X::spawn_driving(&mut group, held(3)).await;
        d_spawned.open();
        outcome
    };
    let lower = async {
        for (index, remaining) in [(0, 2), (1, 1)] {
            gates[index].open();
            until(|| handle.active() <= remaining).await;
            yield_times(5).await;
            assert!(!d_spawned.is_open(), "spawned with {remaining} active under limit 1");
        }
        gates[2].open();
    };
    let (d, ()) = X::block_on(join(isolated(spawn_d), lower));
    assert!(d.is_ok(), "spawn failed: {}", kind(&d));
    assert_eq!(handle.active(), 1);
    assert_eq!(dropped.get(), 4, "tasks 0..=2 finished, and the refused task 3 was dropped");

    // Removing the limit admits a waiting spawn.
    let e_spawned = Gate::new();
    let spawn_e = async {
        let outcome = X::spawn(&handle, held(4)).await;
        e_spawned.open();
        outcome
    };
    let remove = async {
        yield_times(5).await;
        assert!(!e_spawned.is_open(), "spawned past the limit");
        handle.remove_limit();
    };
    let (e, ()) = X::block_on(join(isolated(spawn_e), remove));
    assert!(e.is_ok(), "removing the limit did not admit: {}", kind(&e));
    assert_eq!(handle.current_limit(), None);
    assert_eq!(handle.active(), 2);

    // `limit(0)` is an error and changes nothing.
    assert!(handle.limit(0).is_err());
    assert_eq!(handle.current_limit(), None);
    spawn_ok::<X, _>(&handle, held(5));

    for gate in &gates {
        gate.open();
    }
    assert_eq!(X::block_on(group.wait()), Ok(()));
    assert_eq!(dropped.get(), 7);
}

/// Spawning into a cancelled group (by `cancel`, by a failure, or by its parent; with
/// `try_spawn`, `spawn`, or a `spawn` already waiting for a slot) hands the future back
/// unrun.
pub fn spawning_into_a_cancelled_group_returns_the_future_unrun<X: Executor>() {
    // Cancelled explicitly.
    let group = fail_fast::<X, Error>();
    assert!(group.cancel());
    assert!(!group.cancel(), "only the first cancel reports that it cancelled");
    let (polls, ran) = (Tally::new(), Tally::new());
    let counted = {
        let ran = ran.clone();
        task(count_polls(&polls, async move {
            ran.add();
            Ok(())
        }))
    };
    let future = match X::try_spawn(&group, counted) {
        Err(Rejected::Cancelled(future, _)) => future,
        other => panic!("expected Cancelled, got {}", kind(&other)),
    };
    assert_eq!(polls.get(), 0, "a refused future was polled");
    assert_eq!(X::block_on(future), Ok(()), "the future came back intact");
    assert_eq!(ran.get(), 1);
    let spawned = X::block_on(X::spawn(&group, task(async { Ok(()) })));
    assert!(matches!(spawned, Err(Refused::Cancelled(_))), "spawn: {}", kind(&spawned));
    assert_eq!(group.active(), 0);
    assert_eq!(X::block_on(group.wait()), Ok(()));

    // Cancelled by a failure (a cooperative sibling keeps the group from finishing).
    let group = X::group(ErrGroup::builder().cooperative());
    let handle = group.handle();
    let hold = Gate::new();
    spawn_ok::<X, _>(&group, gated(&hold));
    spawn_ok::<X, _>(&group, task(async { Err("boom") }));
    let controller = async {
        until(|| handle.is_cancelled()).await;
        let spawned = X::try_spawn(&handle, task(async { Ok(()) }));
        hold.open();
        spawned
    };
    let (outcome, spawned) = X::block_on(join(isolated(group.wait()), controller));
    assert_eq!(outcome, Err("boom"));
    assert!(
        matches!(spawned, Err(Rejected::Cancelled(_, _))),
        "after a failure: {}",
        kind(&spawned)
    );

    // A spawn waiting for a slot when the group is cancelled gets its future back at once,
    // without waiting for a slot that may never free up (cooperative tasks keep theirs).
    for from_parent in [false, true] {
        let parent = CancelToken::new();
        let mut group = X::group(ErrGroup::<Error, _>::builder().cooperative().child_of(&parent));
        let handle = group.handle();
        group.limit(1).unwrap();
        let hold = Gate::new();
        spawn_ok::<X, _>(&group, gated(&hold));
        let polls = Tally::new();
        let waiting = task(count_polls(&polls, async { Ok(()) }));
        let resolved = Gate::new();
        let spawning = async {
            let spawned = X::spawn_driving(&mut group, waiting).await;
            resolved.open();
            spawned
        };
        let controller = async {
            yield_times(5).await;
            assert!(!resolved.is_open(), "spawned past the limit");
            if from_parent {
                parent.cancel();
            } else {
                handle.cancel();
            }
            for _ in 0..20 {
                if resolved.is_open() {
                    break;
                }
                yield_now().await;
            }
            let promptly = resolved.is_open();
            // Let the held task finish either way, so that a late answer cannot hang us.
            hold.open();
            promptly
        };
        let (spawned, promptly) = X::block_on(join(isolated(spawning), controller));
        assert!(
            matches!(spawned, Err(Refused::Cancelled(_))),
            "waiting spawn, cancelled by the parent: {from_parent}: {}",
            kind(&spawned)
        );
        assert_eq!(polls.get(), 0);
        assert!(
            promptly,
            "a spawn waiting for a slot was not told of the cancellation (by the parent: \
             {from_parent}) until a slot freed up"
        );
        assert_eq!(X::block_on(group.wait()), Ok(()));
    }
}

/// Once `wait` has resolved, spawning through a handle kept from the group is refused with
/// `Closed`, and the future comes back unrun.
pub fn spawning_into_a_finished_group_returns_closed<X: Executor>() {
    let group = fail_fast::<X, Error>();
    let handle = group.handle();
    spawn_ok::<X, _>(&group, task(async { Ok(()) }));
    assert_eq!(X::block_on(group.wait()), Ok(()));

    let (polls, ran, dropped) = (Tally::new(), Tally::new(), Tally::new());
    let counted = {
        let (ran, guard) = (ran.clone(), dropped.on_drop());
        task(count_polls(&polls, async move {
            let _guard = guard;
            ran.add();
            Ok(())
        }))
    };
    let rejected = match X::try_spawn(&handle, counted) {
        Err(rejected @ Rejected::Closed(_)) => rejected,
        other => panic!("expected Closed, got {}", kind(&other)),
    };
    assert_eq!(rejected.to_string(), "task refused: the group has finished");
    let future = rejected.into_future().expect("the future is handed back");
    assert_eq!((polls.get(), ran.get(), dropped.get()), (0, 0, 0), "the refused future ran");
    assert_eq!(X::block_on(future), Ok(()));
    assert_eq!((ran.get(), dropped.get()), (1, 1));

    let spawned = X::block_on(X::spawn(&handle, task(async { Ok(()) })));
    assert!(matches!(spawned, Err(Refused::Closed)), "spawn: {}", kind(&spawned));
    assert_eq!(handle.active(), 0);
    assert!(!handle.is_cancelled(), "a group that finished cleanly is not cancelled");
}

/// A handle of a group that failed (and was cancelled by it) and then finished gets
/// `Closed`, not `Cancelled`: a finished group says so, whatever happened before.
pub fn a_failed_then_finished_group_refuses_with_closed<X: Executor>() {
    let group = fail_fast::<X, Error>();
    let handle = group.handle();
    spawn_ok::<X, _>(&group, task(async { Err("failed") }));
    assert_eq!(X::block_on(group.wait()), Err("failed"));
    assert!(handle.is_cancelled());
    let refused = X::try_spawn(&handle, task(async { Ok(()) }));
    assert!(matches!(refused, Err(Rejected::Closed(_))), "try_spawn: {}", kind(&refused));
    let refused = X::block_on(X::spawn(&handle, task(async { Ok(()) })));
    assert!(matches!(refused, Err(Refused::Closed)), "spawn: {}", kind(&refused));
}

/// A task whose future holds `guard` until the group drops it: after its outcome is
/// recorded (a guard inside an `async` body is dropped when the body returns, before).
fn holding<T: Send + 'static, E: Send + 'static, G: Send + 'static>(
    guard: G,
    task: Task<T, E>,
) -> Task<T, E> {
    let mut task = task;
    let mut guard = Some(guard);
    crate::support::task(std::future::poll_fn(move |cx| {
        let _ = &mut guard; // held, and dropped with the future
        task.as_mut().poll(cx)
    }))
}

/// A task that fails, holding a gate that opens when its future is dropped: after its
/// error is recorded.
fn fails_then_opens(gate: &Gate) -> Task<u32, Error> {
    holding(gate.open_on_drop(), task(async { Err("first") }))
}

/// A task that panics with `Payload(7)` once `gate` opens.
fn panics_after(gate: &Gate) -> Task<u32, Error> {
    let gate = gate.clone();
    task(async move {
        gate.opened().await;
        std::panic::panic_any(Payload(7))
    })
}

/// Runs `wait`, which must re-raise `Payload(7)`.
#[track_caller]
fn assert_reraises<T: std::fmt::Debug>(what: &str, wait: impl FnOnce() -> T) {
    match catch_unwind(AssertUnwindSafe(wait)) {
        Err(payload) => assert_eq!(payload.downcast_ref::<Payload>(), Some(&Payload(7)), "{what}"),
        Ok(outcome) => panic!("{what}: the panic was lost, wait returned {outcome:?}"),
    }
}

/// A panic is never lost: when a task panics after another one failed, every waiting form
/// re-raises the panic, under every policy (the group is cooperative here, so that the
/// panicking task runs after the error instead of being dropped by it).
pub fn a_panic_after_an_error_is_never_lost<X: Executor>() {
    for policy in [Policy::FailFast, Policy::CollectAll, Policy::NoCancel] {
        let builder = || ErrGroup::builder().policy(policy).cooperative().collect::<u32>();
        let spawn_pair = |handle: &GroupHandle<Error, X::Mode, errgroup::Collect<u32>>| {
            let gate = Gate::new();
            // The panicking task first: the failing one may cancel the group at once.
            for task in [panics_after(&gate), fails_then_opens(&gate)] {
                assert!(X::try_spawn(handle, task).is_ok());
            }
        };
        let group = X::group(builder());
        spawn_pair(&group);
        assert_reraises(&format!("{policy:?}: wait"), || X::block_on(group.wait()));

        let group = X::group(builder());
        spawn_pair(&group);
        assert_reraises(&format!("{policy:?}: wait_all"), || X::block_on(group.wait_all()));

        let group = X::group(builder());
        spawn_pair(&group);
        assert_reraises(&format!("{policy:?}: wait_until"), || {
            X::block_on(group.wait_until(pending()))
        });

        let group = X::group(builder());
        spawn_pair(&group);
        let mut stream = group.into_stream();
        assert_reraises(&format!("{policy:?}: into_stream"), || {
            X::block_on(async {
                let mut items = Vec::new();
                while let Some(item) = stream.next().await {
                    items.push(item);
                }
                items
            })
        });
    }
    // A race: an error, then a panic, then nobody wins.
    let group = X::group(ErrGroup::builder().cooperative().race::<u32>());
    let gate = Gate::new();
    for task in [panics_after(&gate), fails_then_opens(&gate)] {
        assert!(X::try_spawn(&group, task).is_ok());
    }
    assert_reraises("race", || X::block_on(group.race()));

    // With `panics_as_errors`, the panic is an error like any other, in order of arrival.
    let group =
        X::group(ErrGroup::<Failure, _>::builder().policy(Policy::CollectAll).panics_as_errors());
    let gate = Gate::new();
    let opened = gate.clone();
    spawn_ok::<X, _>(
        &group,
        task(async move {
            opened.opened().await;
            std::panic::panic_any(Payload(7))
        }),
    );
    spawn_ok::<X, _>(&group, holding(gate.open_on_drop(), task(async { Err(Failure::Task(1)) })));
    let errors = X::block_on(group.wait_all()).unwrap_err();
    let tasks: Vec<_> =
        errors.iter().map(|error| error.task().map(|task| task.id().index())).collect();
    assert_eq!(tasks, [Some(1), Some(0)]);
    let errors: Vec<_> = errors.into_iter().map(TaskError::into_error).collect();
    assert!(
        matches!(&errors[..], [Failure::Task(1), Failure::Panicked(panicked)] if panicked.task().id().index() == 0),
        "{errors:?}"
    );
}

/// A panic is never lost to a race's win either: the winner's value is not returned when a
/// task panicked.
pub fn a_panic_after_a_win_is_never_lost<X: Executor>() {
    let group = X::group(ErrGroup::builder().cooperative().race::<u32>());
    let gate = Gate::new();
    assert!(X::try_spawn(&group, panics_after(&gate)).is_ok());
    assert!(X::try_spawn(&group, holding(gate.open_on_drop(), task(async { Ok(1) }))).is_ok());
    assert_reraises("race after a win", || X::block_on(group.race()));
}

/// Five tasks, three of which finish (0, 2, 4) while 1 and 3 never do; returns when the
/// three values are in and the other two have started.
fn five_tasks_two_unfinished<X: Executor, E: Send + 'static>(
    group: &ErrGroup<E, X::Mode, errgroup::Collect<String>>,
) -> (Tally, Tally) {
    let (started, dropped, finished) = (Tally::new(), Tally::new(), Tally::new());
    for n in 0..5u32 {
        let (started, finished, guard) = (started.clone(), finished.clone(), dropped.on_drop());
        let task = task(async move {
            let _guard = guard;
            started.add();
            if n % 2 == 1 {
                pending::<()>().await;
            }
            finished.add();
            Ok(format!("body of {n}"))
        });
        assert!(X::try_spawn(group, task).is_ok(), "task {n} refused");
    }
    (started, dropped)
}

/// Cancels `token` once `started` has counted `n`.
async fn cancel_once(started: &Tally, n: usize, token: &CancelToken) {
    started.reached(n).await;
    token.cancel();
}

/// A collecting group cancelled from outside (its parent token) while tasks were still
/// running never returns a shorter `Vec` as if nothing happened: it reports the
/// interruption (an error with `interruptions_as_errors`, a panic without), and
/// `wait_until` keeps every value that did arrive at its task's position.
pub fn a_collecting_group_cancelled_from_outside_never_returns_a_short_vec<X: Executor>() {
    // Opted in: an error, with the reason and the count.
    let shutdown = CancelToken::new();
    let group = X::group(
        ErrGroup::<anyhow::Error, _>::builder()
            .child_of(&shutdown)
            .interruptions_as_errors()
            .collect::<String>(),
    );
    let (started, dropped) = five_tasks_two_unfinished::<X, _>(&group);
    let stop = cancel_once(&started, 5, &shutdown);
    let (outcome, ()) = X::block_on(join(isolated(group.wait()), stop));
    let error = outcome.unwrap_err();
    assert_eq!(
        error.downcast_ref::<Interrupted>(),
        Some(&Interrupted::Cancelled { reason: CancelReason::Parent, unfinished: 2 }),
        "{error}"
    );
    assert_eq!(dropped.get(), 5);

    // Not opted in: re-raised, naming the reason.
    let shutdown = CancelToken::new();
    let group = X::group(ErrGroup::<Error, _>::builder().child_of(&shutdown).collect::<String>());
    let (started, _) = five_tasks_two_unfinished::<X, _>(&group);
    let stop = cancel_once(&started, 5, &shutdown);
    let payload =
        catch_unwind(AssertUnwindSafe(|| X::block_on(join(isolated(group.wait()), stop))))
            .expect_err("a short Vec must not come back");
    let message = payload.downcast_ref::<String>().expect("a message");
    assert!(
        message.starts_with(
            "errgroup: the group was cancelled (the parent token was cancelled) with 2 tasks unfinished"
        ),
        "{message}"
    );

    // Waited with the shutdown as the timer: every value at its position.
    let shutdown = CancelToken::new();
    let group = X::group(ErrGroup::<Error, _>::builder().child_of(&shutdown).collect::<String>());
    let (started, _) = five_tasks_two_unfinished::<X, _>(&group);
    let stop = cancel_once(&started, 5, &shutdown);
    let (outcome, ()) = X::block_on(join(isolated(group.wait_until(shutdown.cancelled())), stop));
    let body = |n: u32| Some(format!("body of {n}"));
    assert_eq!(outcome, Timed::TimedOut(Ok(vec![body(0), None, body(2), None, body(4)])));
}

/// A group that keeps no values and is cancelled from outside returns `Ok(())` (nothing
/// that could be returned is missing; its token says why), or the interruption as an error
/// when it asked for that. Cancelled with no task unfinished, it is a plain success.
pub fn a_discard_group_cancelled_from_outside<X: Executor>() {
    for opted_in in [false, true] {
        let shutdown = CancelToken::new();
        let builder = ErrGroup::<anyhow::Error, _>::builder().child_of(&shutdown);
        let builder = if opted_in { builder.interruptions_as_errors() } else { builder };
        let group = X::group(builder);
        let token = group.token();
        let (started, dropped) = (Tally::new(), Tally::new());
        spawn_ok::<X, _>(&group, forever(&started, &dropped));
        let stop = cancel_once(&started, 1, &shutdown);
        let (outcome, ()) = X::block_on(join(isolated(group.wait()), stop));
        assert_eq!(token.reason(), Some(CancelReason::Parent));
        assert_eq!(dropped.get(), 1);
        match outcome {
            Ok(()) => assert!(!opted_in),
            Err(error) => {
                assert!(opted_in, "{error}");
                assert_eq!(
                    error.to_string(),
                    "the group was cancelled (the parent token was cancelled) with 1 task unfinished"
                );
            }
        }
    }
    // The only task cancels its group, then succeeds in the same poll: it finished, so
    // nothing was interrupted.
    let group = X::group(ErrGroup::<anyhow::Error, _>::builder().interruptions_as_errors());
    let token = group.token();
    spawn_ok::<X, _>(
        &group,
        task(async move {
            token.cancel();
            Ok(())
        }),
    );
    assert!(X::block_on(group.wait()).is_ok());
}

/// A spawner that refuses tasks while told to, as a shut-down executor would.
#[derive(Clone, Debug)]
struct Refusing<S> {
    inner: S,
    refuse: Arc<AtomicBool>,
}

impl<S: Spawn> Spawn for Refusing<S> {
    fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        if self.refuse.load(Ordering::SeqCst) {
            drop(task);
            Err(SpawnError::shutdown())
        } else {
            self.inner.spawn(task)
        }
    }
}

/// A spawner that refuses a task fails that spawn with [`Rejected::Spawner`]; the task is
/// dropped unrun, the group's counts stay right (no slot is leaked under a limit) and the
/// group still finishes.
pub fn refusing_spawner_fails_the_spawn_without_corrupting_counts<X: RuntimeExecutor>() {
    let refuse = Arc::new(AtomicBool::new(false));
    let group =
        ErrGroup::builder().spawner(Refusing { inner: X::spawner(), refuse: refuse.clone() });
    group.limit(2).unwrap();
    let gates = Gate::many(2);
    let accepted = group.try_spawn(gated::<Error>(&gates[0]));
    assert!(accepted.is_ok());

    refuse.store(true, Ordering::SeqCst);
    let (polls, dropped) = (Tally::new(), Tally::new());
    let refused = |tally: &Tally| {
        let guard = tally.on_drop();
        task(count_polls(&polls, async move {
            let _guard = guard;
            Ok(())
        }))
    };
    match group.try_spawn(refused(&dropped)) {
        Err(Rejected::Spawner(error)) => {
            assert!(error.is_shutdown());
            assert_eq!(
                Rejected::<()>::Spawner(error).to_string(),
                "task refused: the spawner refused the task: the executor is shut down"
            );
        }
        other => panic!("expected Spawner, got {}", kind(&other)),
    }
    let spawned = <X as Executor>::block_on(group.spawn(refused(&dropped)));
    assert!(matches!(spawned, Err(Refused::Spawner(_))), "spawn: {}", kind(&spawned));
    assert_eq!(dropped.get(), 2, "the spawner dropped the refused tasks");
    assert_eq!(polls.get(), 0, "a refused task was polled");
    assert_eq!(group.active(), 1, "a refused task is still counted");
    assert!(!group.is_cancelled());

    // The refused tasks hold no slot: under limit 2, one more task fits, and only one.
    refuse.store(false, Ordering::SeqCst);
    let accepted = group.try_spawn(gated(&gates[1]));
    assert!(accepted.is_ok(), "a refused task leaked a slot: {}", kind(&accepted));
    assert!(matches!(group.try_spawn(task(async { Ok(()) })), Err(Rejected::Full(_))));
    assert_eq!(group.active(), 2);

    let handle = group.handle();
    for gate in &gates {
        gate.open();
    }
    assert_eq!(<X as Executor>::block_on(group.wait()), Ok(()));
    assert_eq!(handle.active(), 0);
}

/// A panicking task's panic is re-raised at `wait` with its original payload, whatever
/// its type.
pub fn panic_is_reraised_at_wait_with_original_payload<X: Executor>() {
    let group = fail_fast::<X, Error>();
    for _ in 0..3 {
        spawn_ok::<X, _>(&group, task(async { Ok(()) }));
    }
    spawn_ok::<X, _>(&group, task(async { std::panic::panic_any(Payload(42)) }));
    let payload = catch_unwind(AssertUnwindSafe(|| X::block_on(group.wait())))
        .expect_err("wait must re-raise the task's panic");
    assert_eq!(payload.downcast_ref::<Payload>(), Some(&Payload(42)));

    let group = fail_fast::<X, Error>();
    let token = group.token();
    spawn_ok::<X, _>(&group, task(async { panic!("disk on fire") }));
    let payload = catch_unwind(AssertUnwindSafe(|| X::block_on(group.wait())))
        .expect_err("wait must re-raise the task's panic");
    assert_eq!(payload.downcast_ref::<&'static str>(), Some(&"disk on fire"));
    assert_eq!(token.reason(), Some(CancelReason::Panic));

    let group = fail_fast::<X, Error>();
    let disk = std::hint::black_box(7);
    spawn_ok::<X, _>(&group, task(async move { std::panic::panic_any(format!("disk {disk}")) }));
    let payload = catch_unwind(AssertUnwindSafe(|| X::block_on(group.wait())))
        .expect_err("wait must re-raise the task's panic");
    assert_eq!(payload.downcast_ref::<String>().map(String::as_str), Some("disk 7"));
}

/// A panic cancels the siblings like an error: they are dropped (never polled again)
/// before `wait` re-raises it.
pub fn panic_cancels_siblings<X: Executor>() {
    const SIBLINGS: usize = 4;
    let group = fail_fast::<X, Error>();
    let handle = group.handle();
    let (started, dropped) = (Tally::new(), Tally::new());
    let polls: Vec<Tally> = (0..SIBLINGS).map(|_| Tally::new()).collect();
    for polls in &polls {
        spawn_ok::<X, _>(&group, task(count_polls(polls, forever(&started, &dropped))));
    }
    let panicking = started.clone();
    spawn_ok::<X, _>(
        &group,
        task(async move {
            panicking.reached(SIBLINGS).await;
            std::panic::panic_any(Payload(7))
        }),
    );
    let payload = catch_unwind(AssertUnwindSafe(|| X::block_on(group.wait())))
        .expect_err("wait must re-raise the task's panic");
    assert_eq!(payload.downcast_ref::<Payload>(), Some(&Payload(7)));
    assert_eq!(dropped.get(), SIBLINGS, "wait re-raised before the siblings were dropped");
    for (index, polls) in polls.iter().enumerate() {
        assert_eq!(polls.get(), 1, "sibling {index} was polled after the panic");
    }
    assert_eq!(handle.token().reason(), Some(CancelReason::Panic));
    assert_eq!(handle.active(), 0);
}

/// With `panics_as_errors`, a panic becomes the group's error, carrying the message and the
/// task's spawn index; it still cancels the siblings, and collect-all keeps it in order.
pub fn panics_as_errors_carry_message_and_task<X: Executor>()
where
    X::Mode: Send + Sync,
{
    let group = X::group(ErrGroup::builder().panics_as_errors());
    let (started, dropped) = (Tally::new(), Tally::new());
    spawn_ok::<X, Failure>(&group, task(async { Ok(()) }));
    spawn_ok::<X, _>(&group, forever(&started, &dropped));
    let panicking = started.clone();
    spawn_ok::<X, _>(
        &group,
        task(async move {
            panicking.reached(1).await;
            panic!("disk {} on fire", 2)
        }),
    );
    let token = group.token();
    match X::block_on(group.wait()) {
        Err(Failure::Panicked(panicked)) => {
            assert_eq!(panicked.message(), Some("disk 2 on fire"));
            assert_eq!(panicked.task().id().index(), 2);
            assert_eq!(panicked.to_string(), "task 2 panicked: disk 2 on fire");
        }
        other => panic!("expected a Panicked error, got {other:?}"),
    }
    assert_eq!(token.reason(), Some(CancelReason::Panic));
    assert_eq!(dropped.get(), 1, "the panic did not cancel the sibling");

    // A payload that is not a string.
    let group = X::group(ErrGroup::builder().panics_as_errors());
    spawn_ok::<X, Failure>(&group, task(async { std::panic::panic_any(Payload(9)) }));
    match X::block_on(group.wait()) {
        Err(Failure::Panicked(panicked)) => {
            assert_eq!(panicked.message(), None);
            assert_eq!(panicked.task().id().index(), 0);
            assert_eq!(panicked.into_payload().downcast_ref::<Payload>(), Some(&Payload(9)));
        }
        other => panic!("expected a Panicked error, got {other:?}"),
    }

    // Collect-all keeps errors and converted panics, in order of arrival.
    let group = X::group(ErrGroup::builder().policy(Policy::CollectAll).panics_as_errors());
    let first_gone = Gate::new();
    {
        let (gate, own) = (first_gone.clone(), group.handle());
        spawn_ok::<X, Failure>(
            &group,
            task(async move {
                gate.opened().await;
                until(|| own.active() <= 1).await;
                panic!("second")
            }),
        );
    }
    let guard = first_gone.open_on_drop();
    spawn_ok::<X, Failure>(
        &group,
        task(async move {
            let _guard = guard;
            Err(Failure::Task(1))
        }),
    );
    match X::block_on(group.wait_all())
        .map_err(|errors| errors.into_iter().map(TaskError::into_error).collect::<Vec<_>>())
    {
        Err(errors) => match errors.as_slice() {
            [Failure::Task(1), Failure::Panicked(panicked)] => {
                assert_eq!(panicked.message(), Some("second"));
                assert_eq!(panicked.task().id().index(), 0);
            }
            other => panic!("expected [Task(1), Panicked], got {other:?}"),
        },
        Ok(()) => panic!("expected errors"),
    }
}

/// A collecting group returns its values in spawn order, whatever order the tasks finish
/// in (here: the reverse).
pub fn ordered_collect_returns_values_in_spawn_order<X: Executor>()
where
    X::Mode: Send + Sync,
{
    const TASKS: usize = 5;
    let group = X::group(ErrGroup::builder().collect::<usize>());
    let handle = group.handle();
    // Task `index` goes once task `index + 1` is counted out: the reverse of spawn order.
    let gates = Gate::many(TASKS);
    let log = Log::new();
    for index in 0..TASKS {
        let (gate, own, log) = (gates[index].clone(), handle.clone(), log.clone());
        let next = index.checked_sub(1).map(|previous| gates[previous].open_on_drop());
        let value = task(async move {
            let _next = next;
            gate.opened().await;
            until(|| own.active() <= index + 1).await;
            log.push(index.to_string());
            Ok::<usize, Error>(index * 10)
        });
        assert!(X::try_spawn(&handle, value).is_ok());
    }
    gates[TASKS - 1].open();
    assert_eq!(X::block_on(group.wait()), Ok(vec![0, 10, 20, 30, 40]));
    assert_eq!(log.events(), ["4", "3", "2", "1", "0"], "completion order");

    let empty = X::group(ErrGroup::<Error, _>::builder().collect::<u32>());
    assert_eq!(X::block_on(empty.wait()), Ok(vec![]));
}

/// `into_stream` yields each value as its task completes, while the others still run; it
/// ends when every task has. Under fail-fast it yields the values that arrived, then the
/// error, then ends, and the other tasks are cancelled.
pub fn as_completed_stream_yields_every_value<X: Executor>() {
    const TASKS: u32 = 5;
    let group = X::group(ErrGroup::builder().collect::<u32>());
    let handle = group.handle();
    let gates = Gate::many(TASKS as usize);
    for (index, gate) in (0..TASKS).zip(&gates) {
        let gate = gate.clone();
        let value = task(async move {
            gate.opened().await;
            Ok::<u32, Error>(index * 10)
        });
        assert!(X::try_spawn(&handle, value).is_ok());
    }
    let mut outcomes = group.into_stream();
    let received = X::block_on(async {
        let mut received = Vec::new();
        // Let one task go at a time, last spawned first: each value must arrive while the
        // tasks spawned before it are still held.
        for gate in gates.iter().rev() {
            gate.open();
            received.push(outcomes.next().await);
        }
        received.push(outcomes.next().await);
        received
    });
    assert_eq!(
        received,
        [Some(Ok(40)), Some(Ok(30)), Some(Ok(20)), Some(Ok(10)), Some(Ok(0)), None]
    );

    // Fail-fast: two values, then the error, then the end; the pending task is dropped.
    let group = X::group(ErrGroup::builder().collect::<u32>());
    let handle = group.handle();
    let (boom, dropped) = (Gate::new(), Tally::new());
    for value in [1, 2] {
        assert!(X::try_spawn(&handle, task(async move { Ok::<u32, Error>(value) })).is_ok());
    }
    let gate = boom.clone();
    let failing = task(async move {
        gate.opened().await;
        Err("boom")
    });
    assert!(X::try_spawn(&handle, failing).is_ok());
    let guard = dropped.on_drop();
    let never = task(async move {
        let _guard = guard;
        pending::<()>().await;
        Ok(0)
    });
    assert!(X::try_spawn(&handle, never).is_ok());
    let mut outcomes = group.into_stream();
    let (mut values, rest) = X::block_on(async {
        let values = [outcomes.next().await, outcomes.next().await];
        boom.open();
        (values, [outcomes.next().await, outcomes.next().await])
    });
    values.sort_unstable();
    assert_eq!(values, [Some(Ok(1)), Some(Ok(2))]);
    assert_eq!(rest, [Some(Err("boom")), None]);
    assert_eq!(dropped.get(), 1);
    assert_eq!(handle.active(), 0);
}

/// Cancelling the parent token cancels the group (reason `Parent`): its tasks are dropped,
/// `wait` returns `Ok`, and new tasks are refused. A group made from a cancelled parent
/// refuses tasks from the start.
pub fn parent_token_cancels_the_group<X: Executor>() {
    const TASKS: usize = 3;
    let parent = CancelToken::new();
    let group = X::group(ErrGroup::builder().child_of(&parent));
    let handle = group.handle();
    let (started, dropped) = (Tally::new(), Tally::new());
    for _ in 0..TASKS {
        spawn_ok::<X, Error>(&handle, forever(&started, &dropped));
    }
    let waiting = {
        let dropped = dropped.clone();
        async move {
            let outcome = group.wait().await;
            assert_eq!(dropped.get(), TASKS, "wait resolved before the tasks were dropped");
            outcome
        }
    };
    let controller = async {
        started.reached(TASKS).await;
        assert!(!handle.is_cancelled());
        assert!(parent.cancel());
    };
    let (outcome, ()) = X::block_on(join(isolated(waiting), controller));
    assert_eq!(outcome, Ok(()));
    assert_eq!(handle.token().reason(), Some(CancelReason::Parent));
    assert!(handle.is_cancelled());
    assert!(X::try_spawn(&handle, task(async { Ok(()) })).is_err());

    let group = X::group(ErrGroup::builder().child_of(&parent));
    assert!(group.is_cancelled());
    let refused = X::try_spawn(&group, task(async { Ok(()) }));
    assert!(matches!(refused, Err(Rejected::Cancelled(_, _))), "{}", kind(&refused));
    assert_eq!(X::block_on(group.wait()), Ok::<(), Error>(()));
}

/// A group's failure, or its own cancel, cancels the group's token but never its parent,
/// nor the parent's other children.
pub fn group_failure_does_not_cancel_parent<X: Executor>() {
    let parent = CancelToken::new();
    let group = X::group(ErrGroup::builder().child_of(&parent));
    let token = group.token();
    spawn_ok::<X, Error>(&group, task(async { Err("boom") }));
    let sibling = X::group(ErrGroup::builder().child_of(&parent));
    assert_eq!(X::block_on(group.wait()), Err("boom"));
    assert_eq!(token.reason(), Some(CancelReason::Error));
    assert!(!parent.is_cancelled(), "a group's failure cancelled its parent");
    assert_eq!(parent.reason(), None);

    assert!(!sibling.is_cancelled(), "a group's failure cancelled a sibling group");
    spawn_ok::<X, Error>(&sibling, task(async { Ok(()) }));
    assert!(sibling.cancel());
    assert!(!parent.is_cancelled(), "a group's cancel cancelled its parent");
    assert_eq!(X::block_on(sibling.wait()), Ok(()));

    let group = X::group(ErrGroup::builder().child_of(&parent));
    spawn_ok::<X, Error>(&group, task(async { Ok(()) }));
    assert_eq!(X::block_on(group.wait()), Ok(()));
}

/// Dropping a group that was never waited (or whose `wait` was dropped) cancels it: its
/// tasks are dropped and new ones are refused.
pub fn dropping_an_unwaited_group_cancels_its_tasks<X: Executor>() {
    const TASKS: usize = 3;
    let group = fail_fast::<X, Error>();
    let handle = group.handle();
    let (started, dropped) = (Tally::new(), Tally::new());
    for _ in 0..TASKS {
        spawn_ok::<X, _>(&handle, forever(&started, &dropped));
    }
    drop(group);
    assert!(handle.is_cancelled());
    assert_eq!(handle.token().reason(), Some(CancelReason::Dropped));
    X::block_on(dropped.reached(TASKS));
    X::block_on(until(|| handle.active() == 0));
    let refused = X::try_spawn(&handle, task(async { Ok(()) }));
    assert!(matches!(refused, Err(Rejected::Cancelled(_, _))), "{}", kind(&refused));

    // A `wait` that was polled, then dropped.
    let group = fail_fast::<X, Error>();
    let handle = group.handle();
    let (started, dropped) = (Tally::new(), Tally::new());
    for _ in 0..TASKS {
        spawn_ok::<X, _>(&handle, forever(&started, &dropped));
    }
    let mut wait = group.wait();
    assert!((&mut wait).now_or_never().is_none());
    drop(wait);
    assert!(handle.is_cancelled());
    X::block_on(dropped.reached(TASKS));
    X::block_on(until(|| handle.active() == 0));
}

const FANOUT: usize = 3;
const DEPTH: u32 = 4;

/// A node of a tree of tasks: spawns `FANOUT` children through its handle until `depth` is 0.
fn node<X: Executor>(
    handle: GroupHandle<Error, X::Mode, Discard>,
    depth: u32,
    nodes: Tally,
    leaves: Tally,
) -> Task<(), Error>
where
    X::Mode: Send + Sync,
{
    task(async move {
        nodes.add();
        if depth == 0 {
            leaves.add();
        } else {
            for _ in 0..FANOUT {
                let child = node::<X>(handle.clone(), depth - 1, nodes.clone(), leaves.clone());
                X::try_spawn(&handle, child).map_err(|_| "a sibling was refused")?;
            }
        }
        yield_now().await;
        Ok(())
    })
}

/// Tasks spawn siblings into their own group through handles; `wait` waits for all of them
/// (a tree of depth 4, fan-out 3: 121 nodes, 81 leaves).
pub fn handles_spawn_siblings_from_inside_tasks<X: Executor>()
where
    X::Mode: Send + Sync,
{
    let group = fail_fast::<X, Error>();
    let (nodes, leaves) = (Tally::new(), Tally::new());
    let root = node::<X>(group.handle(), DEPTH, nodes.clone(), leaves.clone());
    assert!(X::try_spawn(&group, root).is_ok());
    let outcome = X::block_on({
        let (nodes, leaves) = (nodes.clone(), leaves.clone());
        async move {
            let outcome = group.wait().await;
            assert_eq!(leaves.get(), 81, "wait resolved before every leaf ran");
            assert_eq!(nodes.get(), 121);
            outcome
        }
    });
    assert_eq!(outcome, Ok(()));
    let expected_leaves = FANOUT.pow(DEPTH);
    assert_eq!(leaves.get(), expected_leaves);
    assert_eq!(nodes.get(), (0..=DEPTH).map(|level| FANOUT.pow(level)).sum::<usize>());
}

/// Inline groups run tasks that borrow from the caller, shared and mutable.
pub fn inline_tasks_may_borrow() {
    let mut words = vec!["a".to_owned(), "bb".to_owned(), "ccc".to_owned()];
    let total = AtomicUsize::new(0);
    let mut lengths = [0usize; 3];
    {
        let group = ErrGroup::builder().collect::<usize>().inline();
        for word in &words {
            let total = &total;
            let borrowing = async move {
                yield_now().await;
                total.fetch_add(word.len(), Ordering::Relaxed);
                Ok::<usize, ()>(word.len())
            };
            group.try_spawn(borrowing).unwrap();
        }
        assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![1, 2, 3]));

        // Disjoint mutable borrows, through `ErrGroup::spawn` under a limit.
        let mut group = ErrGroup::inline();
        group.limit(1).unwrap();
        futures_executor::block_on(async {
            for (slot, word) in lengths.iter_mut().zip(&words) {
                let writing = async move {
                    yield_now().await;
                    *slot = word.len();
                    Ok::<(), ()>(())
                };
                group.spawn(writing).await.unwrap();
            }
            group.wait().await
        })
        .unwrap();
    }
    assert_eq!(total.into_inner(), 6);
    assert_eq!(lengths, [1, 2, 3]);
    // The borrows ended with the groups.
    words.push("dddd".to_owned());
    assert_eq!(words.len(), 4);
}

/// A `WaitGroup`'s `wait` resolves once every guard has been dropped, on whatever threads,
/// and not before.
pub fn waitgroup_wait_resolves_after_all_guards_drop<X: Executor>() {
    const THREADS: usize = 4;
    let wait_group = Arc::new(WaitGroup::new());
    let gates = Gate::many(THREADS);
    let finished = Tally::new();
    let threads: Vec<_> = gates
        .iter()
        .map(|gate| {
            let (guard, gate, finished) =
                (wait_group.enter_owned(), gate.clone(), finished.clone());
            thread::spawn(move || {
                futures_executor::block_on(gate.opened());
                finished.add();
                drop(guard);
            })
        })
        .collect();
    assert_eq!(wait_group.count(), THREADS);
    assert!(wait_group.wait().now_or_never().is_none());
    for (released, gate) in gates.iter().enumerate().take(THREADS - 1) {
        gate.open();
        let remaining = THREADS - released - 1;
        X::block_on(until(|| wait_group.count() == remaining));
        assert!(
            wait_group.wait().now_or_never().is_none(),
            "wait resolved with {remaining} guards alive"
        );
    }
    let waiting = async {
        wait_group.wait().await;
        assert_eq!(finished.get(), THREADS, "wait resolved before every guard was dropped");
    };
    let release = async {
        yield_times(3).await;
        gates[THREADS - 1].open();
    };
    X::block_on(join(isolated(waiting), release));
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(wait_group.count(), 0);
    assert!(wait_group.wait().now_or_never().is_some());
    wait_group.wait_blocking();

    // Borrowed guards on scoped threads.
    let wait_group = WaitGroup::new();
    let gate = Gate::new();
    thread::scope(|scope| {
        for _ in 0..THREADS {
            let (guard, gate) = (wait_group.enter(), gate.clone());
            scope.spawn(move || {
                futures_executor::block_on(gate.opened());
                drop(guard);
            });
        }
        assert_eq!(wait_group.count(), THREADS);
        gate.open();
        X::block_on(wait_group.wait());
        assert_eq!(wait_group.count(), 0);
    });
}

/// Every task gets an id in spawn order, from `try_spawn` and `spawn` alike, and a task's
/// id and name travel with its panic: the error a panic becomes names the task that
/// panicked, even when a sibling spawned later finished first.
pub fn task_ids_follow_spawn_order_and_travel_with_panics<X: Executor>() {
    let group = X::group(ErrGroup::builder().panics_as_errors());
    let handle = group.handle();
    let last_done = Gate::new();
    let first = X::try_spawn(&handle, task::<(), Failure, _>(async { Ok(()) })).unwrap();
    let parser = {
        let last_done = last_done.clone();
        X::try_spawn_named(
            &handle,
            TaskName::from(format!("parser {}", 7)),
            task(async move {
                last_done.opened().await;
                panic!("bad input")
            }),
        )
        .unwrap()
    };
    // The task spawned last finishes before the named one panics.
    let last = X::block_on(X::spawn(
        &handle,
        task(async move {
            last_done.open();
            Ok(())
        }),
    ))
    .unwrap();
    assert_eq!([first.index(), parser.index(), last.index()], [0, 1, 2]);
    assert!(first < parser && parser < last);
    drop(handle);
    match X::block_on(group.wait()) {
        Err(Failure::Panicked(panicked)) => {
            let task = panicked.task();
            assert_eq!((task.id(), task.name()), (parser, Some("parser 7")));
            assert_eq!(panicked.to_string(), "task 1 `parser 7` panicked: bad input");
            let shown = format!("{panicked:?}");
            assert!(shown.contains(r#"Task { id: 1, name: "parser 7" }"#), "{shown}");
        }
        other => panic!("expected a Panicked error, got {other:?}"),
    }

    // An unnamed task is shown by its id alone.
    let group = X::group(ErrGroup::builder().panics_as_errors());
    spawn_ok::<X, Failure>(&group, task(async { Ok(()) }));
    let id = X::try_spawn(&group, task::<(), Failure, _>(async { panic!("boom") })).unwrap();
    match X::block_on(group.wait()) {
        Err(Failure::Panicked(panicked)) => {
            assert_eq!((panicked.task().id(), panicked.task().name()), (id, None));
            assert_eq!(format!("{:?}", panicked.task()), "Task { id: 1 }");
            assert_eq!(panicked.to_string(), "task 1 panicked: boom");
        }
        other => panic!("expected a Panicked error, got {other:?}"),
    }
}

/// A cooperative task cancelled because a sibling failed learns why from its token:
/// which task (id and name), what kind of failure, and the error's message; so does a
/// child group, whose own reason is its parent.
pub fn cooperative_tasks_learn_the_cause_of_the_cancellation<X: Executor>() {
    let group = X::group(ErrGroup::<String, _>::builder().error_messages().cooperative());
    let seen = Arc::new(std::sync::Mutex::new(None));
    let child = ErrGroup::<String, _>::builder().child_of(&group.token()).inline();
    {
        let (token, seen) = (group.token(), seen.clone());
        X::try_spawn_named(
            &group,
            TaskName::from("watcher"),
            task(async move {
                token.cancelled().await;
                *seen.lock().unwrap() = token.cause();
                Ok(())
            }),
        )
        .unwrap();
    }
    let failing = X::try_spawn_named(
        &group,
        TaskName::from("billing"),
        task(async { Err("card declined".to_owned()) }),
    )
    .unwrap();
    let token = group.token();
    assert_eq!(X::block_on(group.wait()), Err("card declined".to_owned()));
    let cause = seen.lock().unwrap().take().expect("the watcher saw the cancellation");
    assert_eq!(cause.reason(), CancelReason::Error);
    let failed = cause.task().expect("a failure names its task");
    assert_eq!((failed.id(), failed.name()), (failing, Some("billing")));
    assert_eq!(cause.message(), Some("card declined"));
    assert_eq!(cause.to_string(), "task 1 `billing` failed: card declined");
    assert_eq!(token.cause(), Some(cause.clone()), "the group's token says the same");
    // The child group's own reason is its parent; its cause is where it started.
    assert_eq!(child.token().reason(), Some(CancelReason::Parent));
    assert_eq!(child.cause(), Some(cause));

    // A panic's cause keeps its message without being asked.
    let group = X::group(ErrGroup::<Error, _>::builder().cooperative());
    let token = group.token();
    spawn_ok::<X, _>(&group, task(async { Ok(()) }));
    let panicking =
        X::try_spawn(&group, task::<(), Error, _>(async { panic!("disk full") })).unwrap();
    let reraised = catch_unwind(AssertUnwindSafe(|| X::block_on(group.wait())));
    assert!(reraised.is_err(), "the panic is re-raised");
    let cause = token.cause().unwrap();
    assert_eq!(
        (cause.reason(), cause.task().map(|task| task.id())),
        (CancelReason::Panic, Some(panicking))
    );
    assert_eq!(cause.to_string(), "task 1 panicked: disk full");

    // Without `error_messages`, the cause names the task, not the message; an explicit
    // cancel has no task.
    let group = fail_fast::<X, Error>();
    let token = group.token();
    let id = X::try_spawn(&group, task::<(), Error, _>(async { Err("nope") })).unwrap();
    assert_eq!(X::block_on(group.wait()), Err("nope"));
    let cause = token.cause().unwrap();
    assert_eq!((cause.task().map(|task| task.id()), cause.message()), (Some(id), None));
    assert_eq!(cause.to_string(), "task 0 failed");
    let group = fail_fast::<X, Error>();
    group.cancel();
    let cause = group.cause().unwrap();
    assert_eq!((cause.reason(), cause.task()), (CancelReason::Explicit, None));
}

/// A stream `with_tasks` gives each value with its task's id and each error with its task
/// (id and name), whatever order the tasks finish in (here: the reverse of spawn order).
pub fn streamed_items_carry_their_task<X: Executor>()
where
    X::Mode: Send + Sync,
{
    use errgroup::TaskId;
    const TASKS: usize = 5;
    let group = X::group(ErrGroup::builder().policy(Policy::CollectAll).collect::<usize>());
    let handle = group.handle();
    let gates = Gate::many(TASKS);
    let mut ids = Vec::new();
    for index in 0..TASKS {
        let (gate, own) = (gates[index].clone(), handle.clone());
        let next = index.checked_sub(1).map(|previous| gates[previous].open_on_drop());
        let value = task(async move {
            let _next = next;
            gate.opened().await;
            until(|| own.active() <= index + 1).await;
            if index == 2 { Err::<usize, Error>("two failed") } else { Ok(index * 10) }
        });
        ids.push(X::try_spawn_named(&handle, TaskName::from(format!("n{index}")), value).unwrap());
    }
    drop(handle);
    gates[TASKS - 1].open();
    let items: Vec<_> = X::block_on(group.into_stream().with_tasks().collect());
    let mut seen: Vec<TaskId> = Vec::new();
    for item in &items {
        match item {
            Ok((id, value)) => {
                assert_eq!(*value, id.index() * 10, "{items:?}");
                seen.push(*id);
            }
            Err(error) => {
                let task = error.task().expect("a task's error names its task");
                assert_eq!(
                    (task.id(), task.name(), *error.error()),
                    (ids[2], Some("n2"), "two failed")
                );
                assert_eq!(error.to_string(), "task 2 `n2` failed: two failed");
                seen.push(task.id());
            }
        }
    }
    seen.sort();
    assert_eq!(seen, ids, "one item per task: {items:?}");
}

/// A task spawned with a handle gives its outcome to the handle: its value, its error and
/// its panic (named by its task) are the handle's, and do not fail the group or cancel its
/// siblings; tasks without a handle beside it are counted as always.
pub fn a_task_with_a_handle_gives_its_outcome_to_the_handle<X: Executor>() {
    let group = X::group(ErrGroup::<String, _>::builder());
    let tally = Tally::new();
    let config = X::try_spawn_handle(&group, None, task(async { Ok("config") })).unwrap();
    let broken = X::try_spawn_handle(
        &group,
        Some(TaskName::from("broken")),
        task(async { Err::<(), _>("disk gone".to_owned()) }),
    )
    .unwrap();
    let panicking = X::try_spawn_handle(
        &group,
        Some(TaskName::from("parser")),
        task(async { panic!("bad input") as Result<u8, String> }),
    )
    .unwrap();
    {
        let tally = tally.clone();
        spawn_ok::<X, _>(
            &group,
            task(async move {
                tally.add();
                Ok(())
            }),
        );
    }
    assert_eq!((config.id().index(), broken.id().index(), panicking.id().index()), (0, 1, 2));
    assert_eq!(broken.task().to_string(), "task 1 `broken`");
    assert_eq!(X::block_on(group.wait()), Ok(()), "the failures went to their handles");
    assert_eq!(tally.get(), 1, "the sibling ran to its end");
    assert!(config.is_finished() && broken.is_finished() && panicking.is_finished());
    assert_eq!(X::block_on(config).succeeded(), Some("config"));
    match X::block_on(broken) {
        Outcome::Failed(error) => assert_eq!(error, "disk gone"),
        other => panic!("expected Failed, got {other:?}"),
    }
    match X::block_on(panicking) {
        Outcome::Panicked(panicked) => {
            assert_eq!(panicked.to_string(), "task 2 `parser` panicked: bad input");
        }
        other => panic!("expected Panicked, got {other:?}"),
    }
}

/// Aborting one task drops its future (its handle resolves only after that, to
/// `Cancelled(Aborted)`), while its siblings keep running and the group ends as if the
/// task had never failed: not an error, not an interruption. An abort after the task ended
/// changes nothing.
pub fn aborting_one_task_leaves_its_siblings_running<X: Executor>() {
    let group = X::group(ErrGroup::<Failure, _>::builder().panics_as_errors());
    let (dropped, finished, gate) = (Tally::new(), Tally::new(), Gate::new());
    let slow = {
        let guard = dropped.on_drop();
        X::try_spawn_handle(
            &group,
            Some(TaskName::from("slow")),
            task(async move {
                let _guard = guard;
                pending::<()>().await;
                Ok(())
            }),
        )
        .unwrap()
    };
    let done = X::try_spawn_handle(&group, None, task(async { Ok(7u32) })).unwrap();
    {
        let (gate, finished) = (gate.clone(), finished.clone());
        spawn_ok::<X, _>(
            &group,
            task(async move {
                gate.opened().await;
                finished.add();
                Ok(())
            }),
        );
    }
    let abort = slow.abort_handle();
    assert_eq!(abort.task().name(), Some("slow"));
    abort.abort();
    abort.abort(); // twice: no different
    assert!(!group.is_cancelled(), "an abort does not cancel the group");
    gate.open();
    let waited = X::block_on(group.wait());
    assert!(waited.is_ok(), "{waited:?}");
    assert_eq!(finished.get(), 1, "the sibling ran to its end");
    assert_eq!(dropped.get(), 1, "the aborted task's future was dropped");
    assert!(abort.is_finished());
    assert!(matches!(X::block_on(slow), Outcome::Cancelled(CancelReason::Aborted)));
    // The task had ended: the abort came too late to change its outcome.
    assert!(X::block_on(poll_fn_ready(&done)));
    done.abort();
    assert_eq!(X::block_on(done).succeeded(), Some(7));
}

/// Whether `handle`'s task has ended (resolves at once).
async fn poll_fn_ready<T, E>(handle: &errgroup::TaskHandle<T, E>) -> bool {
    handle.is_finished()
}

/// A handle dropped before its task ended detaches the task: its error fails the group as
/// any task's does. A task cancelled by its group (a sibling failed) ends as every task of
/// the group does, and its handle says why.
pub fn a_dropped_handle_detaches_its_task_and_group_cancels_reach_handles<X: Executor>() {
    let group = X::group(ErrGroup::<String, _>::builder());
    let gate = Gate::new();
    let detached = {
        let gate = gate.clone();
        X::try_spawn_handle(
            &group,
            None,
            task(async move {
                gate.opened().await;
                Err::<(), _>("nobody holds my handle".to_owned())
            }),
        )
        .unwrap()
    };
    drop(detached);
    gate.open();
    assert_eq!(X::block_on(group.wait()), Err("nobody holds my handle".to_owned()));

    let group = X::group(ErrGroup::<String, _>::builder());
    let watched = X::try_spawn_handle(&group, None, task(pending::<Result<(), String>>())).unwrap();
    let failing = X::try_spawn(&group, task(async { Err("sibling failed".to_owned()) }));
    assert!(failing.is_ok());
    assert_eq!(X::block_on(group.wait()), Err("sibling failed".to_owned()));
    assert!(matches!(X::block_on(watched), Outcome::Cancelled(CancelReason::Error)));
}

/// Tasks spawned with keys come back as `(key, value)` pairs in spawn order, however their
/// completions are ordered (here the reverse of spawn order), and streamed as they complete
/// with their keys.
pub fn keyed_results_come_back_in_spawn_order_under_reversed_completion<X: Executor>() {
    const KEYS: [&str; 3] = ["alpha", "beta", "gamma"];
    let gates = Gate::many(KEYS.len());
    let group = X::group(ErrGroup::<Failure, _>::builder().keyed::<String, usize>());
    for (index, key) in KEYS.into_iter().enumerate() {
        // Task `index` waits for the one spawned after it: the last finishes first.
        let (wait_for, open) = (gates.get(index + 1).cloned(), gates[index].clone());
        let id = X::try_spawn_keyed(
            &group,
            key.to_owned(),
            task(async move {
                if let Some(gate) = wait_for {
                    gate.opened().await;
                }
                open.open();
                Ok(index * 10)
            }),
        )
        .unwrap();
        assert_eq!(id.index(), index);
    }
    let values = X::block_on(group.wait()).unwrap();
    assert_eq!(
        values,
        [("alpha".to_owned(), 0), ("beta".to_owned(), 10), ("gamma".to_owned(), 20)]
    );

    // Streamed: in order of completion (the consumer opens each task's gate in reverse),
    // each with its key.
    let gates = Gate::many(KEYS.len());
    let group = X::group(ErrGroup::<Failure, _>::builder().keyed::<&str, usize>());
    for (index, key) in KEYS.into_iter().enumerate() {
        let gate = gates[index].clone();
        X::try_spawn_keyed(
            &group,
            key,
            task(async move {
                gate.opened().await;
                Ok(index)
            }),
        )
        .unwrap();
    }
    let mut stream = group.into_stream();
    X::block_on(async {
        for index in (0..KEYS.len()).rev() {
            gates[index].open();
            let item = stream.next().await.expect("an item per task").unwrap();
            assert_eq!(item, (KEYS[index], index));
        }
        assert!(stream.next().await.is_none());
    });

    // A refused keyed spawn hands back its key and its future.
    let group = X::group(ErrGroup::<Failure, _>::builder().keyed::<String, u8>());
    group.cancel();
    let refused = X::try_spawn_keyed(&group, "kept".to_owned(), task(async { Ok(1) }));
    let Err(Rejected::Cancelled(refused, _)) = refused else { panic!("a cancelled group refuses") };
    assert_eq!(refused.into_parts().0, "kept");
}

/// `wait_outcomes` returns one outcome per task, in spawn order, with its id: values,
/// every error (the first, the later ones, and one that came after a fail-fast
/// cancellation), panics (as values, not re-raised) and the tasks the group dropped.
pub fn wait_outcomes_returns_every_task_in_spawn_order<X: Executor>() {
    let group = X::group(ErrGroup::<Error, _>::builder().policy(Policy::CollectAll).collect());
    X::try_spawn(&group, task(async { Ok(1) })).unwrap();
    X::try_spawn(&group, task(async { Err("first") })).unwrap();
    X::try_spawn(&group, task(async { std::panic::panic_any(Payload(7)) })).unwrap();
    X::try_spawn(&group, task(async { std::panic::panic_any(Payload(8)) })).unwrap();
    X::try_spawn(&group, task(async { Err("second") })).unwrap();
    X::try_spawn(&group, task(async { Ok(6) })).unwrap();
    let outcomes = X::block_on(group.wait_outcomes());
    let ids: Vec<usize> = outcomes.iter().map(|(id, _)| id.index()).collect();
    assert_eq!(ids, [0, 1, 2, 3, 4, 5]);
    assert!(matches!(outcomes[0].1, Outcome::Succeeded(1)), "{outcomes:?}");
    assert!(matches!(outcomes[1].1, Outcome::Failed("first")), "{outcomes:?}");
    assert!(matches!(outcomes[4].1, Outcome::Failed("second")), "{outcomes:?}");
    assert!(matches!(outcomes[5].1, Outcome::Succeeded(6)), "{outcomes:?}");
    let payloads: Vec<Option<Payload>> = outcomes
        .into_iter()
        .map(|(_, outcome)| match outcome {
            Outcome::Panicked(panicked) => panicked.into_payload().downcast_ref().copied(),
            _ => None,
        })
        .collect();
    assert_eq!(payloads, [None, None, Some(Payload(7)), Some(Payload(8)), None, None]);

    // Fail fast: the error cancels the group, and the task it dropped says why.
    let group = X::group(ErrGroup::<Error, _>::builder().collect::<u32>());
    let started = Tally::new();
    {
        let started = started.clone();
        X::try_spawn(
            &group,
            task(async move {
                started.add();
                std::future::pending().await
            }),
        )
        .unwrap();
    }
    {
        let started = started.clone();
        X::try_spawn(
            &group,
            task(async move {
                started.reached(1).await;
                Err("boom")
            }),
        )
        .unwrap();
    }
    let outcomes = X::block_on(group.wait_outcomes());
    assert!(matches!(outcomes[0].1, Outcome::Cancelled(CancelReason::Error)), "{outcomes:?}");
    assert!(matches!(outcomes[1].1, Outcome::Failed("boom")), "{outcomes:?}");

    // Cooperative: a sibling that fails after the cancellation is not the cause, and
    // `wait` does not report it; its outcome is its error all the same.
    let group = X::group(ErrGroup::<Error, _>::builder().cooperative().collect::<u32>());
    let started = Tally::new();
    for late in [true, false] {
        let (token, started) = (group.token(), started.clone());
        X::try_spawn(
            &group,
            task(async move {
                started.add();
                token.cancelled().await;
                if late { Err("late") } else { Ok(3) }
            }),
        )
        .unwrap();
    }
    {
        let started = started.clone();
        X::try_spawn(
            &group,
            task(async move {
                started.reached(2).await;
                Err("boom")
            }),
        )
        .unwrap();
    }
    let outcomes = X::block_on(group.wait_outcomes());
    assert!(matches!(outcomes[0].1, Outcome::Failed("late")), "{outcomes:?}");
    assert!(matches!(outcomes[1].1, Outcome::Succeeded(3)), "{outcomes:?}");
    assert!(matches!(outcomes[2].1, Outcome::Failed("boom")), "{outcomes:?}");
}

/// A group with a [`Feeder`](errgroup::Feeder) open does not finish while it runs out of
/// tasks: a producer feeds it while its results are streamed, and the stream ends once the
/// feeder is dropped and the tasks are done. A cancelled group finishes, feeders or not.
pub fn a_feeder_keeps_its_group_open_while_its_results_are_consumed<X: Executor>() {
    let group = X::group(ErrGroup::<Error, _>::builder().collect::<u32>());
    let feeder = group.feeder();
    let second = feeder.clone();
    assert_eq!(group.open_feeders().len(), 2);
    let polls = Tally::new();
    let consume = count_polls(&polls, group.into_stream().map(Result::unwrap).collect::<Vec<_>>());
    let produce = async {
        // The stream has looked, and found no task: it must not have ended.
        polls.reached(1).await;
        for n in 1..=3 {
            X::spawn(&feeder, task(async move { Ok(n) })).await.unwrap();
        }
        drop(feeder);
        yield_times(3).await;
        // One feeder is still open: the group still takes tasks.
        X::try_spawn(&second, task(async { Ok(4) })).unwrap();
        let handle = second.handle();
        assert_eq!(handle.open_feeders().len(), 1);
        second.close();
        handle
    };
    let (mut values, handle) = X::block_on(join(isolated(consume), produce));
    values.sort_unstable();
    assert_eq!(values, [1, 2, 3, 4]);
    assert!(handle.open_feeders().is_empty());
    let refused = X::try_spawn(&handle, task(async { Ok(5) }));
    assert!(matches!(refused, Err(Rejected::Closed(_))), "{}", kind(&refused));

    // A cancelled group does not wait for its feeders, and they are refused from then on.
    let group = fail_fast::<X, Error>();
    let feeder = group.feeder();
    spawn_ok::<X, _>(&feeder, task(async { Err("boom") }));
    assert_eq!(X::block_on(group.wait()), Err("boom"));
    let refused = X::try_spawn(&feeder, task(async { Ok(()) }));
    assert!(matches!(refused, Err(Rejected::Closed(_))), "{}", kind(&refused));
    assert_eq!(feeder.open_feeders().len(), 1, "the feeder is still open, and says so");

    // The last feeder closes while the waiter waits with no task: the close wakes it.
    let group = fail_fast::<X, Error>();
    let feeder = group.feeder();
    let second = feeder.clone();
    let controller = async {
        yield_times(3).await;
        drop(feeder);
        yield_times(3).await;
        drop(second);
    };
    let (outcome, ()) = X::block_on(join(isolated(group.wait()), controller));
    assert_eq!(outcome, Ok(()));

    // Cancelled from outside (a parent token) with no task left: the wait ends, though a
    // feeder is open and no task is there to announce the cancellation; cooperative too.
    for cooperative in [false, true] {
        let parent = CancelToken::new();
        let builder = ErrGroup::<Error, _>::builder().child_of(&parent);
        let group = X::group(if cooperative { builder.cooperative() } else { builder });
        let feeder = group.feeder();
        let controller = async {
            yield_times(3).await;
            parent.cancel();
        };
        let (outcome, ()) = X::block_on(join(isolated(group.wait()), controller));
        assert_eq!(outcome, Ok(()), "cooperative: {cooperative}");
        drop(feeder);
    }

    // A forgotten feeder holds an uncancelled group until a timer stops the wait.
    let group = fail_fast::<X, Error>();
    let feeder = group.feeder();
    spawn_ok::<X, _>(&feeder, task(async { Ok(()) }));
    let timed = X::block_on(group.wait_until(yield_times(10)));
    assert!(timed.is_timed_out(), "{timed:?}");
    drop(feeder);
}

/// A group that tracks its tasks lists the ones still running, by id and name, and after
/// its waiter's timer fired, names the ones it dropped unfinished; a named group shows its
/// name. A group that does not track says so (`None`).
pub fn a_tracking_group_names_its_pending_and_unfinished_tasks<X: Executor>() {
    let group = X::group(ErrGroup::<Failure, _>::builder().name("ingest").track_pending());
    let (go, finished, stuck_started) = (Gate::new(), Gate::new(), Gate::new());
    {
        let (go, finished) = (go.clone(), finished.clone());
        X::try_spawn_named(
            &group,
            TaskName::from("quick"),
            task(async move {
                go.opened().await;
                finished.open();
                Ok(())
            }),
        )
        .unwrap();
    }
    {
        let started = stuck_started.clone();
        X::try_spawn_named(
            &group,
            TaskName::from("stuck"),
            task(async move {
                started.open();
                pending::<()>().await;
                Ok(())
            }),
        )
        .unwrap();
    }
    let handle = group.handle();
    assert_eq!(handle.name(), Some("ingest"));
    let shown: Vec<String> = handle.pending().unwrap().iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["task 0 `quick`", "task 1 `stuck`"]);
    assert!(format!("{handle:?}").starts_with(r#"Group { name: "ingest", active: 2"#));
    assert_eq!(handle.unfinished(), Some(vec![]));
    go.open();
    // The "timer" fires once the quick task has finished and the stuck one has started.
    let timer = async move {
        finished.opened().await;
        stuck_started.opened().await;
    };
    let outcome = X::block_on(group.wait_until(timer));
    assert!(outcome.is_timed_out());
    let unfinished = handle.unfinished().unwrap();
    assert_eq!(unfinished.len(), 1, "{unfinished:?}");
    assert_eq!((unfinished[0].id().index(), unfinished[0].name()), (1, Some("stuck")));
    assert_eq!(handle.pending(), Some(vec![]));
    let dump = handle.dump();
    assert_eq!(dump.unfinished(), Some(&unfinished[..]));
    assert_eq!(dump.pending(), Some(&[][..]));
    assert!(dump.to_string().starts_with("group `ingest`: 0 running, 1 dropped unfinished, "));

    let untracked = X::group(ErrGroup::<Failure, _>::builder());
    assert_eq!((untracked.pending(), untracked.unfinished(), untracked.name()), (None, None, None));
}

/// A dump shows a group and the groups nested in it as a tree: a child made from a token
/// below the parent's (not the parent's own) still shows under it, an unnamed untracked
/// child shows as such, a dropped child is gone, and a cancelled group says why.
pub fn a_dump_shows_nested_groups_as_a_tree<X: Executor>() {
    let parent = X::group(ErrGroup::<Failure, _>::builder().name("server").track_pending());
    let gate = Gate::new();
    X::try_spawn_named(&parent, TaskName::from("accept"), gated(&gate)).unwrap();
    let below = parent.token().child(); // a plain token between the groups
    let conn =
        X::group(ErrGroup::<Failure, _>::builder().name("conn 7").track_pending().child_of(&below));
    X::try_spawn_named(&conn, TaskName::from("read"), gated(&gate)).unwrap();
    let plain = X::group(ErrGroup::<Failure, _>::builder().child_of(&parent.token()));
    let gone = X::group(ErrGroup::<Failure, _>::builder().name("gone").child_of(&parent.token()));
    drop(gone);

    let dump = parent.dump();
    assert_eq!(dump.name(), Some("server"));
    let children: Vec<_> = dump.children().iter().map(|child| child.name()).collect();
    assert_eq!(children, [Some("conn 7"), None]);
    let accept: Vec<_> = dump.pending().unwrap().iter().map(|task| task.name()).collect();
    assert_eq!(accept, [Some("accept")]);
    assert_eq!(dump.unfinished(), Some(&[][..]));
    assert_eq!((dump.children()[1].pending(), dump.children()[1].unfinished()), (None, None));
    assert_eq!(
        dump.to_string(),
        "group `server`: 1 running\n\
         ├── task 0 `accept`\n\
         ├── group `conn 7`: 1 running\n\
         │   └── task 0 `read`\n\
         └── group: tasks not tracked\n"
    );
    // Cancelled: the dump says why (its task may or may not have been dropped yet).
    conn.cancel();
    let dump = parent.dump();
    let cause = dump.children()[0].cancelled().expect("conn 7 was cancelled");
    assert_eq!(cause.reason(), CancelReason::Explicit);
    assert!(dump.to_string().contains("group `conn 7`: "), "{dump}");
    assert!(dump.to_string().contains(", cancelled explicitly\n"), "{dump}");
    gate.open();
    X::block_on(conn.wait()).unwrap();
    X::block_on(plain.wait()).unwrap();
    let parent_handle = parent.handle();
    X::block_on(parent.wait()).unwrap();
    assert!(parent_handle.dump().to_string().starts_with("group `server`: 0 running\n"));
}
