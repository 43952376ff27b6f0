//! A group cancelled while its blocking closures wait in a full blocking pool: the
//! closures that had not started never run, and what they captured is dropped by the time
//! `wait` returns.
//!
//! A test binary of its own, with no test harness: the `blocking` crate (smol's blocking
//! pool) reads `BLOCKING_MAX_THREADS` once, at first use, so `main` runs the binary again
//! with it set. Events are ordered with channels, a barrier and the executor's own
//! ticks, never with sleeps; a watchdog fails the test if it runs past its deadline.
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

use errgroup::ErrGroup;
use errgroup_smol::ExecutorSpawner;
use smol::Executor;

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
    let wanted = [("BLOCKING_MAX_THREADS", POOL.to_string())];
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

/// Polls the tasks of `executor` until none is ready: every task spawned onto it before
/// the call has then been polled at least once.
fn run_ready_tasks(executor: &Executor<'_>) {
    while executor.try_tick() {}
}

/// Returns once every job queued on the blocking pool before the call has finished: one
/// job per pool thread, meeting at a barrier, can only all run once the pool (first in,
/// first out) has finished everything ahead of them.
fn blocking_pool_drained() {
    let barrier = Arc::new(Barrier::new(POOL));
    let probes: Vec<_> = (0..POOL)
        .map(|_| {
            let barrier = barrier.clone();
            smol::unblock(move || {
                barrier.wait();
            })
        })
        .collect();
    smol::block_on(async {
        for probe in probes {
            probe.await;
        }
    });
}

fn cancelled_group_never_runs_queued_blocking_closures_and_drops_them_before_wait_returns() {
    // The group's tasks run on an executor this thread ticks: it knows when they were
    // polled, and so when their closures were handed to the pool.
    let executor = Arc::new(Executor::new());
    let group = ErrGroup::new(ExecutorSpawner::from(executor.clone()));

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
    run_ready_tasks(&executor);
    for _ in 0..POOL {
        started_rx.recv().unwrap();
    }

    // Queue more behind them: polling their tasks hands each closure to the pool.
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
    run_ready_tasks(&executor);
    assert_eq!(dropped.load(Ordering::SeqCst), 0);

    group.cancel();
    // What a cancelled group returns is the group's business; this test is about the
    // closures.
    let _outcome = smol::block_on(executor.run(group.wait()));
    assert_eq!(dropped.load(Ordering::SeqCst), QUEUED, "a queued closure outlived `wait`");
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    assert_eq!(held_finished.load(Ordering::SeqCst), 0, "`wait` waited for a held closure");

    // The held closures run to completion, once each; the queued ones never run.
    drop(releases);
    blocking_pool_drained();
    assert_eq!(held_finished.load(Ordering::SeqCst), POOL);
    assert_eq!(ran.load(Ordering::SeqCst), 0, "a closure of a cancelled group ran");
}
