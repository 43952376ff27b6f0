//! `FusedFuture` and `FusedStream`: each waiting future, the shutdown future, a task's
//! handle and the completion streams say they are terminated exactly once they have
//! returned their outcome, so `select!` loops and `select_next_some` skip them from then on.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

mod support;

use core::time::Duration;

use errgroup::{ErrGroup, Outcome};
use futures_core::{FusedFuture, FusedStream};
use futures_executor::block_on;
use futures_util::StreamExt;
use support::Expired;

/// Polls `future` to completion, checking that it says it is not terminated before and
/// says it is after.
fn run_fused<F: FusedFuture + Unpin>(mut future: F) -> F::Output {
    assert!(!future.is_terminated(), "terminated before it completed");
    let output = block_on(&mut future);
    assert!(future.is_terminated(), "not terminated after it completed");
    output
}

#[test]
fn wait_is_terminated_once_it_returns() {
    let group = ErrGroup::builder().collect().inline();
    group.try_spawn(async { Ok::<_, ()>(1) }).unwrap();
    assert_eq!(run_fused(group.wait()), Ok(vec![1]));
}

#[test]
fn wait_all_wait_outcomes_and_race_are_terminated_once_they_return() {
    let group = ErrGroup::builder().inline();
    group.try_spawn(async { Err::<(), _>("no") }).unwrap();
    assert_eq!(run_fused(group.wait_all()).unwrap_err().len(), 1);

    let group = ErrGroup::builder().collect().inline();
    group.try_spawn(async { Ok::<_, ()>(2) }).unwrap();
    let outcomes = run_fused(group.wait_outcomes());
    assert!(matches!(outcomes[0].1, Outcome::Succeeded(2)));

    let group = ErrGroup::builder().race().inline();
    group.try_spawn(async { Ok::<_, ()>(3) }).unwrap();
    assert_eq!(run_fused(group.race()), Ok(3));
}

#[test]
fn a_bounded_wait_is_terminated_once_it_returns() {
    let group = ErrGroup::<(), _>::inline();
    group.try_spawn(async { Ok(()) }).unwrap();
    let outcome = run_fused(group.wait_until(core::future::pending::<()>()));
    assert!(!outcome.is_timed_out());
}

#[test]
fn shutdown_is_terminated_once_it_reports() {
    let group = ErrGroup::builder().collect().inline();
    group.try_spawn(async { Ok::<_, ()>(1) }).unwrap();
    let report = run_fused(group.shutdown_on(Expired, Duration::from_secs(1)));
    assert!(matches!(report.tasks[0].outcome, Outcome::Succeeded(1)));
}

#[test]
fn a_task_handle_is_terminated_once_it_returns_the_outcome() {
    let group = ErrGroup::<(), _>::inline();
    let mut handle = group.handle().task().try_spawn_handle(async { Ok(5) }).unwrap();
    block_on(group.wait()).unwrap();
    // `&mut TaskHandle`, as a `select!` loop holds it.
    assert!(matches!(run_fused(&mut handle), Outcome::Succeeded(5)));
    assert!(handle.is_terminated());
}

#[test]
fn completions_are_terminated_once_they_end() {
    let group = ErrGroup::builder().collect().inline();
    for n in 1..=3 {
        group.try_spawn(async move { Ok::<_, ()>(n) }).unwrap();
    }
    let mut stream = group.into_stream();
    assert!(!stream.is_terminated());
    // `select_next_some` takes only a `FusedStream`.
    let mut sum = 0;
    for _ in 0..3 {
        sum += block_on(stream.select_next_some()).unwrap();
    }
    assert!(!stream.is_terminated(), "not terminated before it yields `None`");
    assert_eq!(block_on(stream.next()), None);
    assert!(stream.is_terminated());
    assert_eq!(block_on(stream.next()), None, "it yields `None` again");
    assert_eq!(sum, 6);

    let group = ErrGroup::builder().collect().inline();
    group.try_spawn(async { Err::<u32, _>("no") }).unwrap();
    let mut stream = group.into_stream().with_tasks();
    assert!(!stream.is_terminated());
    let items: Vec<_> = block_on((&mut stream).collect());
    assert_eq!(items.len(), 1);
    assert!(stream.is_terminated());
}

#[test]
fn a_fused_wait_in_a_select_loop_is_polled_once() {
    // The shape `select!` expands to: skip the branch once it is terminated.
    let group = ErrGroup::<(), _>::inline();
    group.try_spawn(async { Ok(()) }).unwrap();
    let mut wait = group.wait();
    let mut finished = 0;
    for _ in 0..3 {
        if !wait.is_terminated() && block_on(&mut wait).is_ok() {
            finished += 1;
        }
    }
    assert_eq!(finished, 1);
}
