//! Loom models of `WaitGroup`'s wake-up path: the last `done` racing a waiter that is
//! registering. The waiter must always complete (no lost wake-up), and across the runs of
//! each model both outcomes must occur — "found zero at once" and "was woken" — which
//! proves loom explored both sides of the race.
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

const AT_ONCE: &str = "waiter found zero at once";
const WOKEN: &str = "waiter was woken";

fn builder() -> loom::model::Builder {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder
}

/// Waits asynchronously, reporting whether the first poll was already ready.
fn wait_and_classify(wg: &WaitGroup) -> &'static str {
    let mut wait = wg.wait();
    let mut polls = 0_usize;
    loom::future::block_on(std::future::poll_fn(|cx| {
        polls += 1;
        Pin::new(&mut wait).poll(cx)
    }));
    assert_eq!(wg.count(), 0, "waiter returned with work outstanding");
    if polls == 1 { AT_ONCE } else { WOKEN }
}

fn assert_both_outcomes(seen: &Mutex<BTreeSet<&'static str>>) {
    let seen = seen.lock().unwrap();
    assert!(seen.contains(AT_ONCE), "loom never ran the done first: {seen:?}");
    assert!(seen.contains(WOKEN), "loom never ran the waiter first: {seen:?}");
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
            thread::spawn(move || wait_and_classify(&wg))
        };
        doer.join().unwrap();
        let outcome = waiter.join().unwrap();
        SEEN.lock().unwrap().insert(outcome);
    });
    assert_both_outcomes(&SEEN);
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
            thread::spawn(move || wait_and_classify(&wg))
        };
        for doer in doers {
            doer.join().unwrap();
        }
        let outcome = waiter.join().unwrap();
        SEEN.lock().unwrap().insert(outcome);
    });
    assert_both_outcomes(&SEEN);
}

#[test]
fn last_done_racing_blocking_waiter_never_loses_the_wake_up() {
    // A lost wake-up would park the waiter forever, which loom reports as a deadlock.
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
    });
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
