//! A group cancelled while its blocking closures wait in a full blocking pool: the
//! closures that had not started never run, and what they captured is dropped by the time
//! `wait` returns.
//!
//! A test binary of its own, with no test harness: async-std sizes its blocking pool from
//! `BLOCKING_MAX_THREADS`, and its executor from `ASYNC_STD_THREAD_COUNT`, once, at first
//! use, so `main` runs the binary again with both set. Events are ordered with
//! channels, a barrier and the executor's order, never with sleeps; a watchdog fails the
//! test if it runs past its deadline.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::{
    sync::{
        Arc, Barrier,
        atomic::{AtomicUsize, Ordering},
        mpsc,
    },
    thread,
    time::Duration,
};

use async_std::task;

/// Threads in the blocking pool: all of them held busy by the test.
const POOL: usize = 2;
/// Closures queued behind the held ones.
const QUEUED: usize = 6;
/// Past this, the watchdog fails the test rather than let it hang.
const DEADLINE: Duration = Duration::from_secs(30);

const NAME: &str =
    "cancelled_group_never_runs_queued_blocking_closures_and_drops_them_before_wait_returns";

fn main() {
    // The pool reads its size from the environment once, at first use. Rather than set it
    // in this process (`set_var`, which is `unsafe`), run this binary again with it set.
    let wanted =
        [("BLOCKING_MAX_THREADS", POOL.to_string()), ("ASYNC_STD_THREAD_COUNT", "1".to_string())];
    if wanted
        .iter()
        .any(|(name, value)| std::env::var(name).ok().as_deref() != Some(value.as_str()))
    {
        let status = std::process::Command::new(std::env::current_exe().expect("this binary"))
            .args(std::env::args().skip(1))
            .envs(wanted.iter().map(|(name, value)| (*name, value.as_str())))
            .status()
            .expect("the test binary runs again");
        std::process::exit(status.code().unwrap_or(101));
    }
    if std::env::args().any(|arg| arg == "--list") {
        println!("{NAME}: test");
        return;
    }
    thread::spawn(|| {
        thread::sleep(DEADLINE);
        eprintln!("test {NAME} ran past its deadline of {DEADLINE:?}");
        std::process::exit(101);
    });
    println!("\nrunning 1 test");
    cancelled_group_never_runs_queued_blocking_closures_and_drops_them_before_wait_returns();
    println!("test {NAME} ... ok\n\ntest result: ok. 1 passed; 0 failed\n");
}

/// Counts its drop: a closure's capture, whose drop shows the closure was dropped.
struct DropGuard(Arc<AtomicUsize>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Returns once async-std's executor has polled every task spawned before the call: its
/// one thread takes tasks first in, first out, so a task spawned now runs after them.
fn executor_caught_up() {
    task::block_on(task::spawn(async {}));
}

/// Returns once every job queued on the blocking pool before the call has finished: one
/// job per pool thread, meeting at a barrier, can only all run once the pool (first in,
/// first out) has finished everything ahead of them.
fn blocking_pool_drained() {
    let barrier = Arc::new(Barrier::new(POOL));
    let probes: Vec<_> = (0..POOL)
        .map(|_| {
            let barrier = barrier.clone();
            task::spawn_blocking(move || {
                barrier.wait();
            })
        })
        .collect();
    task::block_on(async {
        for probe in probes {
            probe.await;
        }
    });
}

fn cancelled_group_never_runs_queued_blocking_closures_and_drops_them_before_wait_returns() {
    let group = errgroup_async_std::group();

    // Fill the pool: each held closure signals that it started, then blocks.
    let (started_tx, started_rx) = mpsc::channel();
    let held_finished = Arc::new(AtomicUsize::new(0));
    let mut releases = Vec::new();
    for _ in 0..POOL {
        let (release_tx, release_rx) = mpsc::channel::<()>();
        releases.push(release_tx);
        let (started_tx, held_finished) = (started_tx.clone(), held_finished.clone());
        group
            .spawn_blocking(move || {
                started_tx.send(()).unwrap();
                // Released by a send, or by the test dropping the sender if it fails.
                let _ = release_rx.recv();
                held_finished.fetch_add(1, Ordering::SeqCst);
                Err("too late to count")
            })
            .unwrap();
    }
    for _ in 0..POOL {
        started_rx.recv().unwrap();
    }

    // Queue more behind them. Polling their tasks hands each closure to async-std's
    // `spawn_blocking`, itself a task that gives the job to the pool when polled: once the
    // executor has caught up twice, every closure waits in the pool's queue.
    let dropped = Arc::new(AtomicUsize::new(0));
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..QUEUED {
        let (guard, ran) = (DropGuard(dropped.clone()), ran.clone());
        group
            .spawn_blocking(move || {
                let _guard = guard;
                ran.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
            .unwrap();
    }
    executor_caught_up();
    executor_caught_up();
    assert_eq!(dropped.load(Ordering::SeqCst), 0);

    group.cancel();
    // What a cancelled group returns is the group's business; this test is about the
    // closures.
    let _outcome = task::block_on(group.wait());
    assert_eq!(dropped.load(Ordering::SeqCst), QUEUED, "a queued closure outlived `wait`");
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    assert_eq!(held_finished.load(Ordering::SeqCst), 0, "`wait` waited for a held closure");

    // The held closures run to completion, once each; the queued ones never run.
    drop(releases);
    blocking_pool_drained();
    assert_eq!(held_finished.load(Ordering::SeqCst), POOL);
    assert_eq!(ran.load(Ordering::SeqCst), 0, "a closure of a cancelled group ran");
}
