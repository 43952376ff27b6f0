//! loom model of the wait-group counter: under every interleaving, the count reaches zero
//! exactly once per round of work, the `done` that reaches it (or a `count` that reads
//! zero) sees every worker's writes, a refused `add` leaves the count intact, and a
//! `count_acq_rel` that reads work pending is seen by the `done` that reaches zero.
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

use errgroup_core::{CountError, Counter};
use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::thread;

/// Records which outcome each model run produced, so that the test can assert every
/// interesting interleaving was actually explored.
fn record(seen: &Mutex<BTreeSet<&'static str>>, outcome: &'static str) {
    seen.lock().unwrap().insert(outcome);
}

#[test]
fn counter_reaches_zero_exactly_once_under_concurrent_done() {
    static SEEN: Mutex<BTreeSet<&str>> = Mutex::new(BTreeSet::new());
    loom::model(|| {
        let counter = Arc::new(Counter::new());
        // Each worker writes its own cell before `done`; whoever sees zero reads both.
        let cells = Arc::new([UnsafeCell::new(0), UnsafeCell::new(0)]);
        counter.add(2).unwrap();
        let workers: Vec<_> = (0..2)
            .map(|i| {
                let (counter, cells) = (counter.clone(), cells.clone());
                thread::spawn(move || {
                    // SAFETY: cell `i` is written only by worker `i`, and read only after
                    // the counter proves (acquire) that every worker's `done` happened.
                    cells[i].with_mut(|p| unsafe { *p = i + 1 });
                    if counter.done().unwrap() {
                        // SAFETY: the count reached zero in this thread's acquire RMW, so
                        // both workers' writes happen-before these reads.
                        let sum: usize = cells.iter().map(|c| c.with(|p| unsafe { *p })).sum();
                        assert_eq!(sum, 3);
                        Some(i)
                    } else {
                        None
                    }
                })
            })
            .collect();
        let zeroes: Vec<usize> = workers.into_iter().filter_map(|w| w.join().unwrap()).collect();
        assert_eq!(zeroes.len(), 1, "exactly one done() must see zero");
        record(
            &SEEN,
            if zeroes[0] == 0 { "worker 0 reached zero" } else { "worker 1 reached zero" },
        );
        assert_eq!(counter.count(), 0);
        assert_eq!(counter.done(), Err(CountError::BelowZero));
    });
    let seen = SEEN.lock().unwrap();
    assert!(seen.contains("worker 0 reached zero"), "{seen:?}");
    assert!(seen.contains("worker 1 reached zero"), "{seen:?}");
}

#[test]
fn count_reading_zero_sees_every_workers_writes() {
    static SEEN: Mutex<BTreeSet<&str>> = Mutex::new(BTreeSet::new());
    loom::model(|| {
        let counter = Arc::new(Counter::new());
        let cell = Arc::new(UnsafeCell::new(0));
        counter.add(1).unwrap();
        // The worker is spawned before the waiter (see the note at the top).
        let worker = {
            let (counter, cell) = (counter.clone(), cell.clone());
            thread::spawn(move || {
                // SAFETY: read by the waiter only after it observes zero with an acquire
                // load that pairs with this thread's release `done`.
                cell.with_mut(|p| unsafe { *p = 42 });
                counter.done().unwrap();
            })
        };
        let waiter = thread::spawn(move || {
            if counter.count() == 0 {
                // SAFETY: see above.
                assert_eq!(cell.with(|p| unsafe { *p }), 42);
                "waiter saw zero"
            } else {
                "waiter saw work pending"
            }
        });
        worker.join().unwrap();
        record(&SEEN, waiter.join().unwrap());
    });
    let seen = SEEN.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
}

#[test]
fn refused_add_never_disturbs_concurrent_done() {
    static SEEN: Mutex<BTreeSet<&str>> = Mutex::new(BTreeSet::new());
    loom::model(|| {
        let counter = Arc::new(Counter::new());
        counter.add(2).unwrap();
        // A refused `add` only loads, so it is spawned last (see the note at the top).
        let finisher = {
            let counter = counter.clone();
            thread::spawn(move || counter.done().unwrap())
        };
        let adder = {
            let counter = counter.clone();
            thread::spawn(move || counter.add(usize::MAX))
        };
        let added = adder.join().unwrap();
        assert!(!finisher.join().unwrap(), "one unit is still outstanding");
        match added {
            Err(CountError::Overflow { count: 2, .. }) => record(&SEEN, "refused at 2"),
            Err(CountError::Overflow { count: 1, .. }) => record(&SEEN, "refused at 1"),
            other => panic!("add(usize::MAX) must be refused, got {other:?}"),
        }
        assert_eq!(counter.count(), 1);
        assert_eq!(counter.done(), Ok(true));
    });
    let seen = SEEN.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
}

#[test]
fn add_racing_done_never_reports_zero_early() {
    static SEEN: Mutex<BTreeSet<&str>> = Mutex::new(BTreeSet::new());
    loom::model(|| {
        let counter = Arc::new(Counter::new());
        counter.add(1).unwrap();
        // A worker that spawns a sub-task: it adds one for the sub-task before it is done
        // itself, so the count cannot reach zero while the sub-task is outstanding.
        let worker = {
            let counter = counter.clone();
            thread::spawn(move || {
                counter.add(1).unwrap();
                let sub_task = {
                    let counter = counter.clone();
                    thread::spawn(move || counter.done().unwrap())
                };
                let worker_done = counter.done().unwrap();
                (worker_done, sub_task.join().unwrap())
            })
        };
        let (worker_done, sub_task_done) = worker.join().unwrap();
        assert!(sub_task_done ^ worker_done, "exactly one done() reaches zero");
        record(&SEEN, if worker_done { "worker was last" } else { "sub-task was last" });
    });
    let seen = SEEN.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
}

#[test]
fn count_acq_rel_reading_work_pending_is_seen_by_the_last_done() {
    // A waiter announces itself (a relaxed store), then re-reads the count with
    // `count_acq_rel`. Either it reads zero, or the `done` that reaches zero sees the
    // announcement: never both "waiter saw work pending" and "done missed the waiter",
    // which would be a lost wake-up in a wait group.
    static SEEN: Mutex<BTreeSet<&str>> = Mutex::new(BTreeSet::new());
    loom::model(|| {
        let counter = Arc::new(Counter::new());
        let announced = Arc::new(AtomicBool::new(false));
        counter.add(1).unwrap();
        // The `done`-er writes first, so it is spawned first (see the note at the top).
        let doer = {
            let (counter, announced) = (counter.clone(), announced.clone());
            thread::spawn(move || {
                assert!(counter.done().unwrap());
                announced.load(Ordering::Relaxed)
            })
        };
        let waiter = thread::spawn(move || {
            announced.store(true, Ordering::Relaxed);
            counter.count_acq_rel()
        });
        let done_saw_waiter = doer.join().unwrap();
        let waiter_saw = waiter.join().unwrap();
        assert!(
            waiter_saw == 0 || done_saw_waiter,
            "the waiter read {waiter_saw} but the last done missed its announcement"
        );
        record(
            &SEEN,
            match (waiter_saw, done_saw_waiter) {
                (0, false) => "waiter read zero, done missed it",
                (0, true) => "waiter read zero, done saw it",
                (_, true) => "waiter read work pending, done saw it",
                (_, false) => unreachable!(),
            },
        );
    });
    let seen = SEEN.lock().unwrap();
    assert_eq!(seen.len(), 3, "{seen:?}");
}

#[test]
fn a_refused_fast_add_takes_itself_back_while_a_done_races_it() {
    static SEEN: Mutex<BTreeSet<&str>> = Mutex::new(BTreeSet::new());
    loom::model(|| {
        let counter = Arc::new(Counter::new());
        counter.add(Counter::MAX).unwrap();
        let finisher = {
            let counter = counter.clone();
            thread::spawn(move || counter.done())
        };
        let adder = {
            let counter = counter.clone();
            thread::spawn(move || counter.add(1))
        };
        let added = adder.join().unwrap();
        assert_eq!(finisher.join().unwrap(), Ok(false), "the count stays far above zero");
        match added {
            Ok(count) => {
                assert_eq!(count, Counter::MAX, "after the done, the add fits");
                assert_eq!(counter.count(), Counter::MAX);
                record(&SEEN, "done first: the add fits");
            }
            Err(CountError::Overflow { count, add: 1 }) => {
                assert_eq!(count, Counter::MAX, "refused from the count it found");
                assert_eq!(counter.count(), Counter::MAX - 1, "and taken back");
                record(&SEEN, "add first: refused and taken back");
            }
            other => panic!("unexpected {other:?}"),
        }
    });
    let seen = SEEN.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
}

#[test]
fn a_done_below_zero_racing_an_add_and_a_done_leaves_a_consistent_count() {
    // Two `done`s for one `add`: one of them is a misuse. Whichever is refused (or both,
    // when each finds the other's refusal not yet taken back), the count ends as the
    // accepted calls say, and an accepted `done` is the one that reached zero.
    static SEEN: Mutex<BTreeSet<&str>> = Mutex::new(BTreeSet::new());
    loom::model(|| {
        let counter = Arc::new(Counter::new());
        let stray = {
            let counter = counter.clone();
            thread::spawn(move || counter.done())
        };
        let worker = {
            let counter = counter.clone();
            thread::spawn(move || {
                let added = counter.add(1);
                (added, counter.done())
            })
        };
        let stray = stray.join().unwrap();
        let (added, worker) = worker.join().unwrap();
        assert!(added.is_ok(), "a small add is never refused here: {added:?}");
        let accepted = [stray, worker].iter().filter(|done| done.is_ok()).count();
        for done in [stray, worker] {
            assert!(matches!(done, Ok(true) | Err(CountError::BelowZero)), "{done:?}");
        }
        assert!(accepted <= 1, "two dones were accepted for one add");
        assert_eq!(counter.count(), 1 - accepted, "the count is what the accepted calls say");
        record(
            &SEEN,
            match (stray.is_ok(), worker.is_ok()) {
                (true, false) => "the stray done took the unit",
                (false, true) => "the worker's done took it",
                (false, false) => "both refused: each found the other's refusal",
                (true, true) => unreachable!(),
            },
        );
    });
    let seen = SEEN.lock().unwrap();
    assert_eq!(seen.len(), 3, "{seen:?}");
}

#[test]
fn a_misuse_racing_a_waiter_never_loses_its_wake_up() {
    // The wait group's protocol on this counter: a waiter announces itself, then re-reads
    // with `count_acq_rel`; the `done` that reaches zero loads the announcement and
    // notifies if it is there; a refused call notifies always (its repair may bring the
    // count to zero). A waiter that read work pending must be notified afterwards.
    static SEEN: Mutex<BTreeSet<&str>> = Mutex::new(BTreeSet::new());
    loom::model(|| {
        let counter = Arc::new(Counter::new());
        let announced = Arc::new(AtomicBool::new(false));
        counter.add(1).unwrap();
        let dones: Vec<_> = (0..2)
            .map(|_| {
                let (counter, announced) = (counter.clone(), announced.clone());
                thread::spawn(move || match counter.done() {
                    Ok(true) => ("reached zero", announced.load(Ordering::Relaxed)),
                    Ok(false) => ("not last", false),
                    Err(_) => ("refused", true),
                })
            })
            .collect();
        let waiter = {
            let (counter, announced) = (counter.clone(), announced.clone());
            thread::spawn(move || {
                announced.store(true, Ordering::Relaxed);
                counter.count_acq_rel()
            })
        };
        let dones: Vec<_> = dones.into_iter().map(|done| done.join().unwrap()).collect();
        let waiter_saw = waiter.join().unwrap();
        let notified = dones.iter().any(|&(_, notifies)| notifies);
        assert!(
            waiter_saw == 0 || notified,
            "the waiter read {waiter_saw} and nobody woke it: {dones:?}"
        );
        assert!(dones.iter().any(|&(what, _)| what == "refused"), "one done is a misuse");
        assert_eq!(counter.count(), 0);
        let last_saw_waiter = dones.iter().any(|&(what, saw)| what == "reached zero" && saw);
        record(
            &SEEN,
            match waiter_saw {
                0 => "waiter read zero",
                1 => {
                    assert!(last_saw_waiter, "read before the last done, which must see it");
                    "waiter read one; the last done saw it"
                }
                _ => {
                    assert!(waiter_saw > Counter::MAX, "only a refusal in flight reads so");
                    "waiter read the refusal below zero; the refusal wakes it"
                }
            },
        );
    });
    let seen = SEEN.lock().unwrap();
    assert_eq!(seen.len(), 3, "{seen:?}");
}
