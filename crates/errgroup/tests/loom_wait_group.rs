//! Loom models of `WaitGroup`'s wake-up path: the last `done` racing a waiter that is
//! registering. The waiter must always complete (no lost wake-up), and across the runs of
//! each model every path of the protocol must occur, which proves loom explored every side
//! of the race: the waiter found zero before announcing itself; it announced, and its
//! re-check found zero while the last `done` skipped the notification (it had not seen the
//! announcement, or the waiter had already left); it announced, found zero, and the `done`
//! notified anyway; it slept and was woken; it slept, and a spurious wake-up (loom's
//! `block_on` explores them) let it find zero and leave before the `done` looked for
//! waiters, so nobody needed notifying. The paths are told apart by the waiter's poll
//! count and by
//! `WaitGroup::loom_trace` (announcements, notifications), which exists only under loom.
//!
//! Every racing party runs on a spawned thread and the `done`-er is spawned before the
//! waiter: loom 0.7 fails to explore interleavings when a spawned thread starts with an
//! atomic load racing the main thread (tokio-rs/loom#392).
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p errgroup
//! --features loom --release --test loom_wait_group`
#![cfg(loom)]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use errgroup::WaitGroup;
use loom::thread;

const AT_ONCE: &str = "waiter found zero before announcing";
const RECHECK_SKIPPED: &str = "waiter announced, re-check found zero, done skipped notify";
const RECHECK_NOTIFIED: &str = "waiter announced, re-check found zero, done notified";
const WOKEN: &str = "waiter slept and was woken";
const LEFT_BEFORE_NOTIFY: &str =
    "waiter slept, a spurious wake-up found zero, it left before done looked for waiters";
const ALL: [&str; 5] = [AT_ONCE, RECHECK_SKIPPED, RECHECK_NOTIFIED, WOKEN, LEFT_BEFORE_NOTIFY];

fn builder() -> loom::model::Builder {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder
}

/// Waits asynchronously; returns whether the first poll was already ready.
fn wait_async(wg: &WaitGroup) -> bool {
    let mut wait = wg.wait();
    let mut polls = 0_usize;
    loom::future::block_on(std::future::poll_fn(|cx| {
        polls += 1;
        Pin::new(&mut wait).poll(cx)
    }));
    assert_eq!(wg.count(), 0, "waiter returned with work outstanding");
    polls == 1
}

/// Names the path the protocol took, once every party has finished, and checks that the
/// trace is consistent: only an announced waiter is notified, and a waiter that slept and
/// was not notified was polled again for another reason (a spurious wake-up) and found zero
/// (the waiter itself asserts the count is zero when it returns).
fn classify(wg: &WaitGroup, ready_at_once: bool) -> &'static str {
    let (announced, notified) = wg.loom_trace();
    assert!(announced <= 1 && notified <= 1, "one waiter, one last done: {announced}, {notified}");
    match (ready_at_once, announced, notified) {
        (true, 0, 0) => AT_ONCE,
        (true, 1, 0) => RECHECK_SKIPPED,
        (true, 1, 1) => RECHECK_NOTIFIED,
        (false, 1, 1) => WOKEN,
        (false, 1, 0) => LEFT_BEFORE_NOTIFY,
        other => panic!("impossible path (ready at once, announced, notified) = {other:?}"),
    }
}

fn assert_all_paths(seen: &Mutex<BTreeSet<&'static str>>) {
    let seen = seen.lock().unwrap();
    for path in ALL {
        assert!(seen.contains(path), "loom never took the path {path:?}: {seen:?}");
    }
}

#[test]
fn last_done_racing_async_waiter_never_loses_the_wake_up() {
    static SEEN: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    builder().check(|| {
        let wg = Arc::new(WaitGroup::new());
        wg.add(1);
        let doer = {
            let wg = Arc::clone(&wg);
            thread::spawn(move || wg.done())
        };
        let waiter = {
            let wg = Arc::clone(&wg);
            thread::spawn(move || wait_async(&wg))
        };
        doer.join().unwrap();
        let at_once = waiter.join().unwrap();
        SEEN.lock().unwrap().insert(classify(&wg, at_once));
    });
    assert_all_paths(&SEEN);
}

#[test]
fn last_of_two_dones_racing_async_waiter_never_loses_the_wake_up() {
    static SEEN: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    builder().check(|| {
        let wg = Arc::new(WaitGroup::new());
        let guards = [wg.enter_owned(), wg.enter_owned()];
        let doers = guards.map(|guard| thread::spawn(move || drop(guard)));
        let waiter = {
            let wg = Arc::clone(&wg);
            thread::spawn(move || wait_async(&wg))
        };
        for doer in doers {
            doer.join().unwrap();
        }
        let at_once = waiter.join().unwrap();
        SEEN.lock().unwrap().insert(classify(&wg, at_once));
    });
    assert_all_paths(&SEEN);
}

#[test]
fn last_done_racing_blocking_waiter_never_loses_the_wake_up() {
    // A lost wake-up would park the waiter forever, which loom reports as a deadlock.
    // A blocking waiter has no poll count: the paths are told apart by the trace alone
    // (a waiter that announced and was notified either re-checked zero or slept).
    static SEEN: Mutex<BTreeSet<(usize, usize)>> = Mutex::new(BTreeSet::new());
    builder().check(|| {
        let wg = Arc::new(WaitGroup::new());
        wg.add(1);
        let doer = {
            let wg = Arc::clone(&wg);
            thread::spawn(move || wg.done())
        };
        let waiter = {
            let wg = Arc::clone(&wg);
            thread::spawn(move || {
                wg.wait_blocking();
                assert_eq!(wg.count(), 0, "waiter returned with work outstanding");
            })
        };
        doer.join().unwrap();
        waiter.join().unwrap();
        SEEN.lock().unwrap().insert(wg.loom_trace());
    });
    // (announced, notified): found zero at once; announced and the done skipped the
    // notification; announced and notified.
    let seen = SEEN.lock().unwrap();
    assert_eq!(*seen, BTreeSet::from([(0, 0), (1, 0), (1, 1)]), "{seen:?}");
}

#[test]
fn waiter_sees_the_work_done_before_done() {
    // loom's `UnsafeCell` records each access and fails the model if a read is not ordered
    // after the write: `wait` returning must be an acquire of the worker's `done`.
    builder().check(|| {
        let wg = Arc::new(WaitGroup::new());
        let data = loom::sync::Arc::new(loom::cell::UnsafeCell::new(0_u32));
        let guard = wg.enter_owned();
        let writer = {
            let data = loom::sync::Arc::clone(&data);
            thread::spawn(move || {
                data.with_mut(|_| {});
                drop(guard);
            })
        };
        let reader = {
            let (wg, data) = (Arc::clone(&wg), loom::sync::Arc::clone(&data));
            thread::spawn(move || {
                loom::future::block_on(wg.wait());
                data.with(|_| {});
            })
        };
        writer.join().unwrap();
        reader.join().unwrap();
    });
}
