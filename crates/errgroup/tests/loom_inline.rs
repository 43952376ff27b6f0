//! Loom models of the inline driver's wake-up paths: a task woken from another thread,
//! first through the group waker (its first poll) and then through a waker of its own;
//! and a task spawned through a handle on another thread while the driver sleeps.
//!
//! The driver runs in loom's `block_on`: a lost wake-up leaves it blocked, which loom
//! reports as a deadlock. Each model records how many times the gated task was polled in
//! every run and asserts that every count occurred, so the model is known to have explored
//! both wake-up paths rather than passing vacuously. Removing the driver's wake-up of
//! itself when a task's own waker fires, or the re-arming of that waker before each poll,
//! makes the first model deadlock.
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p errgroup
//! --features loom --release --test loom_inline`
#![cfg(loom)]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex as StdMutex;
use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering as StdOrdering};
use std::task::{Context, Poll, Waker};

use errgroup::ErrGroup;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;

/// The stage at which a gated task finishes.
const OPEN: usize = 3;

/// A task that finishes once another thread has opened it to [`OPEN`], waking it at each
/// stage. The first wake-up after its first poll goes through the group waker (the poll
/// after it hands the task a waker of its own); later ones go through its own waker, which
/// must be re-armed after each poll.
#[derive(Default)]
struct Gate {
    stage: AtomicUsize,
    waker: Mutex<Option<Waker>>,
    // Plain std: counted for the outcome, invisible to loom.
    polls: StdAtomicUsize,
}

impl Gate {
    /// Opens the gate to `stage` and wakes whoever waits on it.
    fn open(&self, stage: usize) {
        self.stage.store(stage, Ordering::Release);
        let waker = self.waker.lock().unwrap().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

struct GateTask(Arc<Gate>);

impl Future for GateTask {
    type Output = Result<(), ()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let gate = &self.0;
        gate.polls.fetch_add(1, StdOrdering::Relaxed);
        if gate.stage.load(Ordering::Acquire) == OPEN {
            return Poll::Ready(Ok(()));
        }
        *gate.waker.lock().unwrap() = Some(cx.waker().clone());
        // Re-check after registering: an `open` in between took no waker, or took this one.
        if gate.stage.load(Ordering::Acquire) == OPEN { Poll::Ready(Ok(())) } else { Poll::Pending }
    }
}

/// A model bounded to `preemptions` preemptions: the group's own atomics (state word,
/// token, wakers) make the unbounded space too large to finish; loom_group does the same.
fn model(preemptions: usize, body: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(preemptions);
    builder.check(body);
}

fn record(seen: &StdMutex<BTreeSet<usize>>, polls: usize) {
    seen.lock().unwrap().insert(polls);
}

#[test]
fn a_task_woken_from_another_thread_through_either_waker_is_polled_again() {
    static SEEN: StdMutex<BTreeSet<usize>> = StdMutex::new(BTreeSet::new());
    model(5, || {
        let gate = Arc::new(Gate::default());
        let group = ErrGroup::inline();
        group.try_spawn(GateTask(Arc::clone(&gate))).unwrap();
        let opener = {
            let gate = Arc::clone(&gate);
            thread::spawn(move || (1..=OPEN).for_each(|stage| gate.open(stage)))
        };
        assert_eq!(loom::future::block_on(group.wait()), Ok(()));
        opener.join().unwrap();
        record(&SEEN, gate.polls.load(StdOrdering::Relaxed));
    });
    // 1: opened before the first poll; 2: woken once (through the group waker); 3 and 4:
    // then woken once or twice more through the task's own waker.
    let seen = SEEN.lock().unwrap();
    for polls in 1..=OPEN + 1 {
        assert!(seen.contains(&polls), "no run polled the gated task {polls} times: {seen:?}");
    }
}

#[test]
fn a_task_spawned_through_a_handle_on_another_thread_is_run() {
    static SEEN: StdMutex<BTreeSet<usize>> = StdMutex::new(BTreeSet::new());
    model(5, || {
        let gate = Arc::new(Gate::default());
        let ran = Arc::new(AtomicBool::new(false));
        let group = ErrGroup::inline();
        group.try_spawn(GateTask(Arc::clone(&gate))).unwrap();
        let spawner = {
            let (handle, gate, ran) = (group.handle(), Arc::clone(&gate), Arc::clone(&ran));
            thread::spawn(move || {
                handle
                    .try_spawn(async move {
                        ran.store(true, Ordering::Relaxed);
                        Ok(())
                    })
                    .unwrap();
                // Only now may the group finish: the spawned task is counted already.
                gate.open(OPEN);
            })
        };
        assert_eq!(loom::future::block_on(group.wait()), Ok(()));
        assert!(ran.load(Ordering::Relaxed), "wait returned without running the spawned task");
        spawner.join().unwrap();
        record(&SEEN, gate.polls.load(StdOrdering::Relaxed));
    });
    let seen = SEEN.lock().unwrap();
    for polls in 1..=2 {
        assert!(seen.contains(&polls), "no run polled the gated task {polls} times: {seen:?}");
    }
}

/// Counts its drop, outside loom's view.
struct CountDrop(std::sync::Arc<StdAtomicUsize>);

impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, StdOrdering::Relaxed);
    }
}

/// A task spawned through a handle while its group is being dropped on another thread is
/// dropped either way: refused (the future comes back and is dropped), taken by the drop,
/// or pushed after it, into the closed queue, which drops it at once. Without the closed
/// queue, a task pushed after the drop stays there, held by the handle (a leak, and a
/// cycle when the task holds a handle itself); `accepted_and_refused` proves both sides of
/// the race happened across the runs.
#[test]
fn a_task_spawned_while_its_group_is_dropped_is_dropped_too() {
    static SEEN: StdMutex<BTreeSet<usize>> = StdMutex::new(BTreeSet::new());
    model(3, || {
        let dropped = std::sync::Arc::new(StdAtomicUsize::new(0));
        let group = ErrGroup::<(), _>::inline();
        let spawner = {
            let (handle, guard) = (group.handle(), CountDrop(std::sync::Arc::clone(&dropped)));
            thread::spawn(move || {
                let accepted = handle
                    .try_spawn(async move {
                        let _guard = guard;
                        std::future::pending::<Result<(), ()>>().await
                    })
                    .is_ok();
                (accepted, handle)
            })
        };
        drop(group);
        let (accepted, handle) = spawner.join().unwrap();
        assert_eq!(dropped.load(StdOrdering::Relaxed), 1, "the task outlived its group");
        assert_eq!(handle.active(), 0);
        record(&SEEN, usize::from(accepted));
    });
    let seen = SEEN.lock().unwrap();
    assert!(seen.contains(&0) && seen.contains(&1), "accepted_and_refused: {seen:?}");
}
