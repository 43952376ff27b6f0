//! loom model of the group state word: the last task finishing races `cancel` and
//! `close`. Under every interleaving exactly one party observes the group become closed
//! and idle (so a waiter is never left sleeping and never woken twice), exactly one
//! `cancel` is the canceller, no task starts after a flag is set, and whoever sees the
//! group idle sees every task's writes.
//!
//! Loom 0.7 misses interleavings when a spawned thread's first access to an atomic is a
//! load racing the main thread (tokio-rs/loom#392), and our compare-and-swap loops start
//! with a load. The models therefore run every racing party on a spawned thread, spawn
//! the parties that write before those that only read, and record the outcome of every
//! run: each test asserts that every interesting outcome occurred, so a model that
//! stopped exploring fails instead of passing vacuously.
#![cfg(loom)]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // tests run on std

use std::collections::BTreeSet;
use std::sync::Mutex;

use errgroup_core::{GroupState, StartError};
use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::thread;

fn record(seen: &Mutex<BTreeSet<&'static str>>, outcome: &'static str) {
    seen.lock().unwrap().insert(outcome);
}

#[test]
fn last_task_finishing_against_close() {
    static SEEN: Mutex<BTreeSet<&str>> = Mutex::new(BTreeSet::new());
    loom::model(|| {
        let state = Arc::new(GroupState::new());
        let result = Arc::new(UnsafeCell::new(0));
        state.try_start().unwrap();
        let task = {
            let (state, result) = (state.clone(), result.clone());
            thread::spawn(move || {
                // SAFETY: read only by whoever observes the group closed and idle, which
                // happens after this task's release `finish`.
                result.with_mut(|p| unsafe { *p = 7 });
                let after = state.finish().unwrap();
                after.is_idle() && after.is_closed()
            })
        };
        let closed = state.close();
        let closer_completes = closed.is_idle();
        if closer_completes {
            // SAFETY: the close's acquire saw the count at zero, after the task's release.
            assert_eq!(result.with(|p| unsafe { *p }), 7);
        }
        let finisher_completes = task.join().unwrap();
        assert!(
            closer_completes ^ finisher_completes,
            "exactly one side must see closed-and-idle (closer: {closer_completes}, finisher: {finisher_completes})"
        );
        record(&SEEN, if closer_completes { "close completed" } else { "finish completed" });
    });
    let seen = SEEN.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
}

#[test]
fn last_task_finishing_against_cancel_and_close() {
    static SEEN: Mutex<BTreeSet<&str>> = Mutex::new(BTreeSet::new());
    loom::model(|| {
        let state = Arc::new(GroupState::new());
        state.try_start().unwrap();
        state.try_start().unwrap();
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let state = state.clone();
                thread::spawn(move || {
                    let cancelled_here = state.cancel();
                    let after = state.finish().unwrap();
                    (cancelled_here, after)
                })
            })
            .collect();
        let closed = state.close();
        let ends: Vec<_> = tasks.into_iter().map(|t| t.join().unwrap()).collect();
        let cancellers = ends.iter().filter(|(first, _)| *first).count();
        assert_eq!(cancellers, 1, "exactly one cancel() sets the flag");
        let idle_finishes = ends.iter().filter(|(_, after)| after.is_idle()).count();
        assert_eq!(idle_finishes, 1, "exactly one finish() sees the count reach zero");
        let last = ends.iter().find(|(_, after)| after.is_idle()).unwrap().1;
        assert!(last.is_cancelled(), "the last task always sees the cancel made before it");
        let completions = usize::from(closed.is_idle())
            + ends.iter().filter(|(_, after)| after.is_idle() && after.is_closed()).count();
        assert_eq!(completions, 1, "exactly one party observes closed-and-idle");
        record(&SEEN, if closed.is_idle() { "close completed" } else { "finish completed" });
        record(
            &SEEN,
            if closed.is_cancelled() { "closed after cancel" } else { "closed before cancel" },
        );
        let end = state.load();
        assert!(end.is_idle() && end.is_cancelled() && end.is_closed());
    });
    let seen = SEEN.lock().unwrap();
    assert_eq!(seen.len(), 4, "{seen:?}");
}

#[test]
fn no_task_starts_after_cancel() {
    static SEEN: Mutex<BTreeSet<&str>> = Mutex::new(BTreeSet::new());
    loom::model(|| {
        let state = Arc::new(GroupState::new());
        let canceller = {
            let state = state.clone();
            thread::spawn(move || assert!(state.cancel()))
        };
        let started = state.try_start();
        canceller.join().unwrap();
        match started {
            Ok(now) => {
                assert_eq!(now.active(), 1);
                assert!(!now.is_cancelled());
                assert!(state.finish().unwrap().is_cancelled());
                record(&SEEN, "started before cancel");
            }
            Err(StartError::Cancelled) => {
                assert!(state.load().is_idle());
                record(&SEEN, "refused after cancel");
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
        assert_eq!(state.try_start(), Err(StartError::Cancelled));
    });
    let seen = SEEN.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
}

#[test]
fn waiter_closing_if_idle_against_a_task_starting_a_sibling() {
    static SEEN: Mutex<BTreeSet<&str>> = Mutex::new(BTreeSet::new());
    loom::model(|| {
        let state = Arc::new(GroupState::new());
        state.try_start().unwrap();
        // The task starts a sibling while it is itself active, then finishes; the sibling
        // finishes on its own thread.
        let task = {
            let state = state.clone();
            thread::spawn(move || {
                state.try_start().expect("an active task can always start a sibling");
                let sibling = {
                    let state = state.clone();
                    thread::spawn(move || state.finish().unwrap())
                };
                let mine = state.finish().unwrap();
                (mine, sibling.join().unwrap())
            })
        };
        let waiter = {
            let state = state.clone();
            thread::spawn(move || state.close_if_idle())
        };
        let (mine, sibling) = task.join().unwrap();
        let closed = waiter.join().unwrap();
        assert!(mine.is_idle() ^ sibling.is_idle(), "exactly one finish empties the group");
        match closed {
            Ok(now) => {
                assert!(now.is_idle());
                assert!(!mine.is_closed() && !sibling.is_closed(), "closed only after both");
                record(&SEEN, "waiter closed after everything finished");
            }
            Err(now) => {
                assert!(now.active() >= 1);
                assert!(state.close_if_idle().is_ok(), "a later attempt succeeds");
                record(&SEEN, "waiter found work and left the group open");
            }
        }
    });
    let seen = SEEN.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
}

/// The slot-waiter protocol `load_acq_rel` exists for: a would-be spawner finds a group
/// with a limit of 1 full, records that it waits (a relaxed store), re-reads the word with
/// `load_acq_rel` and tries again; the active task finishes and then looks for a record
/// (a relaxed load). No interleaving leaves the spawner refused and unrecorded: either its
/// second try sees the freed slot, or the `finish` sees the record and owes it a wake-up.
#[test]
fn finish_against_a_slot_waiter_announcing_itself() {
    use loom::sync::atomic::{AtomicBool, Ordering};

    static SEEN: Mutex<BTreeSet<&str>> = Mutex::new(BTreeSet::new());
    loom::model(|| {
        let state = Arc::new(GroupState::new());
        let waiting = Arc::new(AtomicBool::new(false));
        state.try_start_within(1).unwrap();
        let task = {
            let (state, waiting) = (state.clone(), waiting.clone());
            thread::spawn(move || {
                state.finish().unwrap();
                waiting.load(Ordering::Relaxed)
            })
        };
        let spawner = {
            let (state, waiting) = (state.clone(), waiting.clone());
            thread::spawn(move || {
                if state.try_start_within(1).is_ok() {
                    return "started at once";
                }
                waiting.store(true, Ordering::Relaxed);
                state.load_acq_rel();
                match state.try_start_within(1) {
                    Ok(_) => "started on the second try",
                    Err(StartError::Full) => "waits for a wake-up",
                    Err(other) => panic!("unexpected refusal: {other:?}"),
                }
            })
        };
        let finish_saw_waiter = task.join().unwrap();
        let outcome = spawner.join().unwrap();
        if outcome == "waits for a wake-up" {
            assert!(finish_saw_waiter, "a refused spawner was left without a wake-up");
        }
        record(&SEEN, outcome);
    });
    let seen = SEEN.lock().unwrap();
    assert_eq!(seen.len(), 3, "{seen:?}");
}
