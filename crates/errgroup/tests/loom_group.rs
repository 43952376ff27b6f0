//! Loom models of `ErrGroup`'s wake-up paths in `Spawned` mode: the last task finishing
//! against the waiter registering, a cancellation against a pending task, the first error
//! cancelling a pending sibling, a task's value and writes reaching the waiter, a spawn
//! refused by a cancel in progress, the last feeder closing against the waiter, a parent
//! cancel ending a wait that a feeder holds open, and the end of a graceful shutdown's
//! grace period reaching a pending task (a plain one, and a cooperative one a cancel
//! spared).
//!
//! Each task runs on its own loom thread ([`LoomThreads`]). The waiter must always
//! complete (a lost wake-up leaves a thread blocked, which loom reports as a deadlock), and
//! every model records which side of each race won in every run: after `check`, it asserts
//! that each side occurred, which proves loom explored the race instead of passing
//! vacuously.
//!
//! loom's `block_on` may wake up once spuriously, so "woken" is judged by a waker that
//! counts its wake-ups, not by the number of polls; a run that finished at a spurious
//! re-poll is recorded as such, and not counted as either side.
//!
//! Every racing party runs on a spawned thread (the main thread only sets up and joins),
//! and the finishers and cancellers are spawned before the waiter: loom 0.7 fails to
//! explore interleavings when a spawned thread starts with an atomic load racing the main
//! thread (tokio-rs/loom#392).
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p errgroup
//! --features loom --release --test loom_group`
#![cfg(loom)]
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use errgroup::{ErrGroup, Results, Spawn, SpawnError, Spawned};
use loom::thread::{self, JoinHandle};

/// How often each outcome occurred across the runs of one model.
type Seen = Mutex<BTreeMap<&'static str, usize>>;

const WAITER_AT_ONCE: &str = "waiter found the group finished at its first poll";
const WAITER_WOKEN: &str = "waiter was woken";
const WAITER_SPURIOUS: &str = "waiter found the group finished at a spurious re-poll";
const ABORTED_UNPOLLED: &str = "pending task aborted before its future was polled";
const ABORTED_REGISTERING: &str = "pending task saw the cancel while registering its listener";
const ABORTED_WOKEN: &str = "pending task was woken by the cancel";
const ABORTED_SPURIOUS: &str = "pending task saw the cancel at a spurious re-poll";

/// A model builder: `None` explores every interleaving, `Some(n)` those with at most `n`
/// preemptions (set here, whatever `LOOM_MAX_PREEMPTIONS` says, to keep each model's
/// runtime known).
fn builder(preemption_bound: Option<usize>) -> loom::model::Builder {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = preemption_bound;
    builder
}

fn record(seen: &Seen, outcome: &'static str) {
    *seen.lock().unwrap().entry(outcome).or_default() += 1;
}

/// Asserts that every `expected` outcome occurred in some run, and prints them all (shown
/// with `--nocapture`).
#[track_caller]
fn assert_seen(seen: &Seen, expected: &[&'static str]) {
    let seen = seen.lock().unwrap();
    println!("runs per outcome: {seen:#?}");
    for outcome in expected {
        assert!(seen.contains_key(outcome), "loom never produced {outcome:?}; seen: {seen:#?}");
    }
}

/// A spawner that runs each task on its own loom thread, driven by `block_on`. It keeps
/// the join handles, so the model can join the task threads and learn how each task ran.
#[derive(Clone, Default)]
struct LoomThreads {
    // A std mutex, invisible to loom: only the main thread touches it, and never while
    // another loom operation is in progress.
    tasks: Arc<Mutex<Vec<JoinHandle<Run>>>>,
}

impl Spawn for LoomThreads {
    fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let handle = thread::spawn(move || block_on_counting(task).1);
        self.tasks.lock().unwrap().push(handle);
        Ok(())
    }
}

impl LoomThreads {
    /// Joins every task thread; returns how each task's `block_on` went, in spawn order.
    fn join(&self) -> Vec<Run> {
        let tasks = core::mem::take(&mut *self.tasks.lock().unwrap());
        tasks.into_iter().map(|task| task.join().unwrap()).collect()
    }
}

/// How a `block_on` went: how often the future was polled, and how often its waker was
/// woken. loom's `block_on` may wake up spuriously (once), so a second poll alone does
/// not prove a wake-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    polls: usize,
    wakes: usize,
}

/// Forwards to `block_on`'s waker, counting the wake-ups.
///
/// Here and in [`Probe`], the atomics are std's, invisible to loom (which runs every model
/// thread on one OS thread, so `SeqCst` just reads the latest value): they record what
/// happened without adding a synchronisation edge that could hide a missing one in the
/// group.
struct CountingWaker {
    inner: Waker,
    wakes: AtomicUsize,
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        self.inner.wake_by_ref();
    }
}

/// `loom::future::block_on`, recording how it went.
fn block_on_counting<F: Future>(future: F) -> (F::Output, Run) {
    let mut future = pin!(future);
    let mut polls = 0_usize;
    let mut counting: Option<(Arc<CountingWaker>, Waker)> = None;
    let output = loom::future::block_on(std::future::poll_fn(|cx| {
        let (_, waker) = counting.get_or_insert_with(|| {
            let counter =
                Arc::new(CountingWaker { inner: cx.waker().clone(), wakes: AtomicUsize::new(0) });
            (Arc::clone(&counter), Waker::from(counter))
        });
        polls += 1;
        future.as_mut().poll(&mut Context::from_waker(waker))
    }));
    let wakes = counting.map_or(0, |(counter, _)| counter.wakes.load(Ordering::SeqCst));
    (output, Run { polls, wakes })
}

/// A value a task writes and the waiter reads, both *relaxed*: the read is only sure to
/// see the write if the group orders them (the task's finish happens-before `wait`
/// returning); otherwise loom lets the read return the stale 0 in some run, and the model
/// fails. (No `unsafe`: loom explores the values a relaxed load may return.)
struct Written(loom::sync::atomic::AtomicU32);

type Group<E, R> = ErrGroup<E, Spawned<LoomThreads>, R>;

/// Waits for `group` on this (loom) thread: returns its outcome and whether the first poll
/// found it finished or the waiter had to be woken.
fn wait_and_classify<E, R: Results>(group: Group<E, R>) -> (Result<R::Output, E>, &'static str) {
    let handle = group.handle();
    let (outcome, run) = block_on_counting(group.wait());
    assert_eq!(handle.active(), 0, "the waiter returned with a task still counted");
    let waiter_saw = match run {
        Run { polls: 1, .. } => WAITER_AT_ONCE,
        Run { wakes: 1.., .. } => WAITER_WOKEN,
        Run { wakes: 0, .. } => WAITER_SPURIOUS,
    };
    (outcome, waiter_saw)
}

/// What a pending task's future observed: how often it was polled, and whether it was
/// dropped (std atomics: see [`CountingWaker`]).
#[derive(Default)]
struct Probe {
    polls: AtomicUsize,
    dropped: AtomicBool,
}

impl Probe {
    fn polls(&self) -> usize {
        self.polls.load(Ordering::SeqCst)
    }

    fn dropped(&self) -> bool {
        self.dropped.load(Ordering::SeqCst)
    }
}

/// A task's future that never completes by itself: only a cancellation ends it, by
/// dropping it.
struct PendingForever(Arc<Probe>);

impl Future for PendingForever {
    type Output = Result<(), &'static str>;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.polls.fetch_add(1, Ordering::SeqCst);
        Poll::Pending
    }
}

impl Drop for PendingForever {
    fn drop(&mut self) {
        self.0.dropped.store(true, Ordering::SeqCst);
    }
}

/// How a cancelled pending task ended, from its task's run and its future's polls.
fn classify_aborted(task: Run, probe: &Probe) -> &'static str {
    match (task, probe.polls()) {
        (Run { polls: 1, .. }, 0) => ABORTED_UNPOLLED,
        (Run { polls: 1, .. }, 1) => ABORTED_REGISTERING,
        (Run { wakes: 1.., .. }, _) => ABORTED_WOKEN,
        (Run { wakes: 0, .. }, _) => ABORTED_SPURIOUS,
    }
}

#[test]
fn last_task_finishing_against_waiter_registering() {
    static SEEN: Seen = Mutex::new(BTreeMap::new());
    builder(None).check(|| {
        let spawner = LoomThreads::default();
        let group: Group<(), _> = ErrGroup::new(spawner.clone());
        // Spawns the task's thread: the finisher, before the waiter.
        group.try_spawn(async { Ok(()) }).unwrap();
        let waiter = thread::spawn(move || wait_and_classify(group));
        let (outcome, waiter_saw) = waiter.join().unwrap();
        assert_eq!(outcome, Ok(()));
        assert_eq!(spawner.join()[0].polls, 1, "a ready task is polled once");
        record(&SEEN, waiter_saw);
    });
    assert_seen(&SEEN, &[WAITER_AT_ONCE, WAITER_WOKEN]);
}

#[test]
fn cancel_against_task_finishing() {
    static SEEN: Seen = Mutex::new(BTreeMap::new());
    static SEEN_WAITER: Seen = Mutex::new(BTreeMap::new());
    builder(Some(2)).check(|| {
        let spawner = LoomThreads::default();
        let group: Group<&'static str, _> = ErrGroup::new(spawner.clone());
        let probe = Arc::new(Probe::default());
        group.try_spawn(PendingForever(Arc::clone(&probe))).unwrap();
        let canceller = {
            let handle = group.handle();
            thread::spawn(move || assert!(handle.cancel(), "only this thread cancels"))
        };
        let waiter = {
            let probe = Arc::clone(&probe);
            thread::spawn(move || {
                let (outcome, waiter_saw) = wait_and_classify(group);
                assert!(probe.dropped(), "wait returned before the task's future was dropped");
                (outcome, waiter_saw)
            })
        };
        canceller.join().unwrap();
        let (outcome, waiter_saw) = waiter.join().unwrap();
        assert_eq!(outcome, Ok(()), "a cancel without a failure is not an error");
        let [task] = spawner.join()[..] else { panic!("one task was spawned") };
        record(&SEEN, classify_aborted(task, &probe));
        record(&SEEN_WAITER, waiter_saw);
    });
    assert_seen(&SEEN, &[ABORTED_UNPOLLED, ABORTED_REGISTERING, ABORTED_WOKEN]);
    assert_seen(&SEEN_WAITER, &[WAITER_AT_ONCE, WAITER_WOKEN]);
}

#[test]
fn first_error_cancels_pending_sibling() {
    static SEEN: Seen = Mutex::new(BTreeMap::new());
    static SEEN_WAITER: Seen = Mutex::new(BTreeMap::new());
    builder(Some(2)).check(|| {
        let spawner = LoomThreads::default();
        let group: Group<&'static str, _> = ErrGroup::new(spawner.clone());
        let probe = Arc::new(Probe::default());
        // The pending sibling first, then the failing task: both before the waiter.
        group.try_spawn(PendingForever(Arc::clone(&probe))).unwrap();
        group.try_spawn(async { Err("a failed") }).unwrap();
        let waiter = {
            let probe = Arc::clone(&probe);
            thread::spawn(move || {
                let (outcome, waiter_saw) = wait_and_classify(group);
                assert!(probe.dropped(), "wait returned before the sibling's future was dropped");
                (outcome, waiter_saw)
            })
        };
        let (outcome, waiter_saw) = waiter.join().unwrap();
        assert_eq!(outcome, Err("a failed"));
        let [sibling, failing] = spawner.join()[..] else { panic!("two tasks were spawned") };
        assert_eq!(failing.polls, 1, "a task that fails at once is polled once");
        record(&SEEN, classify_aborted(sibling, &probe));
        record(&SEEN_WAITER, waiter_saw);
    });
    assert_seen(&SEEN, &[ABORTED_UNPOLLED, ABORTED_REGISTERING, ABORTED_WOKEN]);
    assert_seen(&SEEN_WAITER, &[WAITER_AT_ONCE, WAITER_WOKEN]);
}

#[test]
fn data_published_before_finish_is_visible_to_the_waiter() {
    static SEEN: Seen = Mutex::new(BTreeMap::new());
    builder(None).check(|| {
        let spawner = LoomThreads::default();
        let group: Group<(), _> = ErrGroup::builder().collect::<u32>().spawner(spawner.clone());
        // The waiter's relaxed read sees the task's relaxed write only if the group orders
        // them; loom tries every value the read could return.
        let written = loom::sync::Arc::new(Written(loom::sync::atomic::AtomicU32::new(0)));
        {
            let written = loom::sync::Arc::clone(&written);
            group
                .try_spawn(async move {
                    written.0.store(11, Ordering::Relaxed);
                    Ok(7)
                })
                .unwrap();
        }
        let waiter = thread::spawn(move || {
            let (outcome, waiter_saw) = wait_and_classify(group);
            let seen = written.0.load(Ordering::Relaxed);
            (outcome, seen, waiter_saw)
        });
        let (outcome, written_seen, waiter_saw) = waiter.join().unwrap();
        assert_eq!(outcome, Ok(vec![7]), "the task's value reaches the waiter");
        assert_eq!(written_seen, 11, "the task's write reaches the waiter");
        assert_eq!(spawner.join()[0].polls, 1);
        record(&SEEN, waiter_saw);
    });
    assert_seen(&SEEN, &[WAITER_AT_ONCE, WAITER_WOKEN]);
}

#[test]
fn writes_before_finish_are_visible_to_the_waiter() {
    // As above without `Collect`: its queue synchronises the task with the waiter by
    // itself, which would hide a missing release on the group's own path (the task's
    // `finish`, the waiter's `close_if_idle`).
    static SEEN: Seen = Mutex::new(BTreeMap::new());
    builder(None).check(|| {
        let spawner = LoomThreads::default();
        let group: Group<(), _> = ErrGroup::new(spawner.clone());
        let written = loom::sync::Arc::new(Written(loom::sync::atomic::AtomicU32::new(0)));
        {
            let written = loom::sync::Arc::clone(&written);
            group
                .try_spawn(async move {
                    written.0.store(11, Ordering::Relaxed);
                    Ok(())
                })
                .unwrap();
        }
        let waiter = thread::spawn(move || {
            let (outcome, waiter_saw) = wait_and_classify(group);
            let seen = written.0.load(Ordering::Relaxed);
            (outcome, seen, waiter_saw)
        });
        let (outcome, written_seen, waiter_saw) = waiter.join().unwrap();
        assert_eq!(outcome, Ok(()));
        assert_eq!(written_seen, 11, "the task's write reaches the waiter");
        assert_eq!(spawner.join()[0].polls, 1);
        record(&SEEN, waiter_saw);
    });
    assert_seen(&SEEN, &[WAITER_AT_ONCE, WAITER_WOKEN]);
}

const SPAWNED_AT_ONCE: &str = "spawn found a free slot at its first poll";
const SPAWN_WOKEN: &str = "spawn queued for a slot and was woken by the finishing task";
const SPAWN_SPURIOUS: &str = "spawn found a free slot at a spurious re-poll";

/// A spawn waiting for a slot against the task that frees it: a group with a limit of 1
/// whose one task finishes on its thread while another thread spawns. The spawn either
/// finds the slot free (at its first try, or at the second, after queueing and announcing
/// itself) or is woken by the finishing task; a lost wake-up deadlocks the model.
#[test]
fn spawn_waiting_for_a_slot_against_the_task_freeing_it() {
    static SEEN: Seen = Mutex::new(BTreeMap::new());
    builder(Some(3)).check(|| {
        let spawner = LoomThreads::default();
        let group: Group<(), _> = ErrGroup::new(spawner.clone());
        group.limit(1).unwrap();
        group.try_spawn(async { Ok(()) }).unwrap();
        let spawning = {
            let handle = group.handle();
            thread::spawn(move || block_on_counting(handle.spawn(async { Ok(()) })))
        };
        let (spawned, run) = spawning.join().unwrap();
        assert!(spawned.is_ok(), "the spawn gets the slot");
        assert_eq!(spawner.join().len(), 2, "both tasks ran");
        loom::future::block_on(group.wait()).unwrap();
        record(
            &SEEN,
            match run {
                Run { polls: 1, .. } => SPAWNED_AT_ONCE,
                Run { wakes: 0, .. } => SPAWN_SPURIOUS,
                _ => SPAWN_WOKEN,
            },
        );
    });
    assert_seen(&SEEN, &[SPAWNED_AT_ONCE, SPAWN_WOKEN]);
}

const HANDLE_TOOK_IT: &str = "the task ended first: its error was its handle's";
const DETACHED: &str = "the handle was dropped first: the error was the group's";

/// A task with a handle fails while its handle is dropped: the error goes to exactly one
/// place (the handle, which drops it unread, or the group), and the group never waits
/// forever for it.
#[test]
fn a_handle_dropped_while_its_task_fails_counts_the_error_once() {
    static SEEN: Seen = Mutex::new(BTreeMap::new());
    builder(Some(3)).check(|| {
        let spawner = LoomThreads::default();
        let group: Group<u32, _> = ErrGroup::new(spawner.clone());
        let handle = group.task().try_spawn_handle(async { Err::<(), u32>(7) }).unwrap();
        let dropper = thread::spawn(move || drop(handle));
        let waiter = thread::spawn(move || wait_and_classify(group).0);
        dropper.join().unwrap();
        let outcome = waiter.join().unwrap();
        spawner.join();
        record(
            &SEEN,
            match outcome {
                Ok(()) => HANDLE_TOOK_IT,
                Err(7) => DETACHED,
                Err(other) => panic!("an error no task returned: {other}"),
            },
        );
    });
    assert_seen(&SEEN, &[HANDLE_TOOK_IT, DETACHED]);
}

const FINISHED_FIRST: &str = "the task finished before the abort";
const ABORTED_FIRST: &str = "the abort came before the task's poll";

/// An abort races the task's only poll: the handle gets one outcome, the value or the
/// abort, and the group ends without a failure either way.
#[test]
fn an_abort_racing_the_task_gives_its_handle_one_outcome() {
    static SEEN: Seen = Mutex::new(BTreeMap::new());
    builder(Some(3)).check(|| {
        let spawner = LoomThreads::default();
        let group: Group<u32, _> = ErrGroup::new(spawner.clone());
        let handle = group.task().try_spawn_handle(async { Ok::<_, u32>(1) }).unwrap();
        let abort = handle.abort_handle();
        let aborter = thread::spawn(move || abort.abort());
        let waiter = thread::spawn(move || wait_and_classify(group).0);
        aborter.join().unwrap();
        assert_eq!(waiter.join().unwrap(), Ok(()));
        spawner.join();
        assert!(handle.is_finished());
        record(
            &SEEN,
            match loom::future::block_on(handle) {
                errgroup::Outcome::Succeeded(1) => FINISHED_FIRST,
                errgroup::Outcome::Cancelled(errgroup::CancelReason::Aborted) => ABORTED_FIRST,
                other => panic!("{other:?}"),
            },
        );
    });
    assert_seen(&SEEN, &[FINISHED_FIRST, ABORTED_FIRST]);
}

const SPAWNED_BEFORE: &str = "the spawn came before the cancel";
const REFUSED_WITH_CAUSE: &str = "the spawn was refused, with the cancel's cause";

/// A spawn races a cancel: it is accepted, or refused with the cause of the cancel in
/// progress (the start gate is shut only after the token holds its cause), never with a
/// cause missing.
#[test]
fn a_spawn_refused_by_a_cancel_in_progress_has_its_cause() {
    static SEEN: Seen = Mutex::new(BTreeMap::new());
    builder(Some(3)).check(|| {
        let spawner = LoomThreads::default();
        let group: Group<u32, _> = ErrGroup::new(spawner.clone());
        let canceller = {
            let handle = group.handle();
            thread::spawn(move || assert!(handle.cancel()))
        };
        let spawning = {
            let handle = group.handle();
            thread::spawn(move || match handle.try_spawn(async { Ok(()) }) {
                Ok(_) => SPAWNED_BEFORE,
                Err(errgroup::Rejected::Cancelled(_, cause)) => {
                    assert_eq!(cause.reason(), errgroup::CancelReason::Explicit);
                    REFUSED_WITH_CAUSE
                }
                Err(other) => panic!("{other:?}"),
            })
        };
        canceller.join().unwrap();
        let saw = spawning.join().unwrap();
        assert_eq!(loom::future::block_on(group.wait()), Ok(()));
        spawner.join();
        record(&SEEN, saw);
    });
    assert_seen(&SEEN, &[SPAWNED_BEFORE, REFUSED_WITH_CAUSE]);
}

/// The last feeder closes while the waiter of a group with no task waits: the waiter
/// always finishes (a lost wake-up would leave it blocked, which loom reports), having
/// found the feeder closed at its first poll or been woken by the close.
#[test]
fn the_last_feeder_closing_against_the_waiter() {
    static SEEN: Seen = Mutex::new(BTreeMap::new());
    builder(Some(3)).check(|| {
        let spawner = LoomThreads::default();
        let group: Group<u32, _> = ErrGroup::new(spawner.clone());
        let feeder = group.feeder();
        let closer = thread::spawn(move || feeder.close());
        let waiter = thread::spawn(move || wait_and_classify(group));
        closer.join().unwrap();
        let (outcome, waiter_saw) = waiter.join().unwrap();
        assert_eq!(outcome, Ok(()));
        assert!(spawner.join().is_empty());
        record(&SEEN, waiter_saw);
    });
    assert_seen(&SEEN, &[WAITER_AT_ONCE, WAITER_WOKEN]);
}

/// A group held open by a feeder, with no task, is cancelled from outside (its parent
/// token) while its waiter waits: the waiter always finishes, though no task is left to
/// wake it.
#[test]
fn a_parent_cancel_ends_a_wait_held_open_by_a_feeder() {
    static SEEN: Seen = Mutex::new(BTreeMap::new());
    builder(Some(3)).check(|| {
        let spawner = LoomThreads::default();
        let parent = errgroup::CancelToken::new();
        let group: Group<u32, _> = ErrGroup::builder().child_of(&parent).spawner(spawner.clone());
        let feeder = group.feeder();
        let canceller = thread::spawn(move || assert!(parent.cancel()));
        let waiter = thread::spawn(move || wait_and_classify(group));
        canceller.join().unwrap();
        let (outcome, waiter_saw) = waiter.join().unwrap();
        assert_eq!(outcome, Ok(()));
        drop(feeder);
        record(&SEEN, waiter_saw);
    });
    assert_seen(&SEEN, &[WAITER_AT_ONCE, WAITER_WOKEN]);
}

/// A timer whose sleeps have all ended: a grace period on it is over at its first poll.
struct Expired;

impl errgroup::Timer for Expired {
    type Instant = u64;
    type Sleep = std::future::Ready<()>;

    fn now(&self) -> u64 {
        0
    }

    fn checked_add(&self, instant: u64, _: core::time::Duration) -> Option<u64> {
        Some(instant)
    }

    fn sleep_until(&self, _: u64) -> Self::Sleep {
        std::future::ready(())
    }
}

/// A graceful shutdown whose grace period ends at once, against a pending task on its
/// own thread: however the task's poll and registration interleave with the stop (the
/// token cancelled with nothing dropped) and then the abort, the task is dropped, the
/// shutdown finishes (a lost wake-up would block it), and the report says it was aborted.
#[test]
fn the_end_of_a_grace_period_against_a_pending_task() {
    static SEEN: Seen = Mutex::new(BTreeMap::new());
    builder(Some(2)).check(|| {
        let spawner = LoomThreads::default();
        let group: Group<&'static str, errgroup::Collect<()>> =
            ErrGroup::builder().collect().spawner(spawner.clone());
        let probe = Arc::new(Probe::default());
        group.try_spawn(PendingForever(Arc::clone(&probe))).unwrap();
        let waiter = {
            let probe = Arc::clone(&probe);
            thread::spawn(move || {
                let shutdown = group.shutdown_on(Expired, core::time::Duration::ZERO);
                let report = loom::future::block_on(shutdown);
                assert!(probe.dropped(), "the shutdown returned before the task was dropped");
                report
            })
        };
        let report = waiter.join().unwrap();
        assert!(report.grace_expired);
        assert!(report.tasks[0].aborted(), "{report:?}");
        assert!(matches!(
            report.tasks[0].outcome,
            errgroup::Outcome::Cancelled(errgroup::CancelReason::Shutdown)
        ));
        let [task] = spawner.join()[..] else { panic!("one task was spawned") };
        record(&SEEN, classify_aborted(task, &probe));
    });
    assert_seen(&SEEN, &[ABORTED_UNPOLLED, ABORTED_REGISTERING, ABORTED_WOKEN]);
}

/// A task spawned `cooperative()` is spared by a plain cancel, which wakes the registered
/// tasks without draining the registry; a shutdown racing that cancel then ends its grace
/// period at once. Whichever came first, and however the task's registration interleaves
/// with both, the end of the grace period reaches the task: it is dropped and reported
/// aborted, and the shutdown finishes.
#[test]
fn a_cooperative_task_spared_by_a_cancel_is_dropped_at_the_end_of_the_grace_period() {
    static SEEN: Seen = Mutex::new(BTreeMap::new());
    builder(Some(2)).check(|| {
        let spawner = LoomThreads::default();
        let group: Group<&'static str, errgroup::Collect<()>> =
            ErrGroup::builder().collect().spawner(spawner.clone());
        let probe = Arc::new(Probe::default());
        group.task().cooperative().try_spawn(PendingForever(Arc::clone(&probe))).unwrap();
        let canceller = {
            let handle = group.handle();
            thread::spawn(move || {
                handle.cancel();
            })
        };
        let waiter = {
            let probe = Arc::clone(&probe);
            thread::spawn(move || {
                let report =
                    loom::future::block_on(group.shutdown_on(Expired, core::time::Duration::ZERO));
                assert!(probe.dropped(), "the shutdown returned before the task was dropped");
                report
            })
        };
        canceller.join().unwrap();
        let report = waiter.join().unwrap();
        assert!(report.tasks[0].aborted(), "{report:?}");
        let [task] = spawner.join()[..] else { panic!("one task was spawned") };
        record(&SEEN, classify_aborted(task, &probe));
    });
    assert_seen(&SEEN, &[ABORTED_UNPOLLED, ABORTED_WOKEN]);
}

/// A cooperative task waits on its group's token, whose `cancelled()` futures wait in the
/// group's waker registry (no listener of their own), while another thread cancels the
/// group: the task is woken (or sees the cancel as it registers), finishes, and the group
/// ends. A lost wake-up would leave the task's `block_on` parked forever: loom reports the
/// deadlock.
#[test]
fn a_cooperative_task_waiting_on_the_group_token_against_the_cancel() {
    static SEEN: Seen = Mutex::new(BTreeMap::new());
    builder(Some(2)).check(|| {
        let spawner = LoomThreads::default();
        let group: Group<&'static str, _> =
            ErrGroup::builder().cooperative().spawner(spawner.clone());
        let token = group.token();
        group
            .try_spawn(async move {
                token.cancelled().await;
                Ok(())
            })
            .unwrap();
        let canceller = {
            let handle = group.handle();
            thread::spawn(move || assert!(handle.cancel()))
        };
        let waiter = thread::spawn(move || wait_and_classify(group).0);
        canceller.join().unwrap();
        assert_eq!(waiter.join().unwrap(), Ok(()));
        let [task] = spawner.join()[..] else { panic!("one task was spawned") };
        record(
            &SEEN,
            match task {
                Run { polls: 1, .. } => "the task saw the cancel at its first poll",
                Run { wakes: 0, .. } => "the task saw the cancel at a spurious re-poll",
                _ => "the task was woken through the registry",
            },
        );
    });
    assert_seen(
        &SEEN,
        &["the task saw the cancel at its first poll", "the task was woken through the registry"],
    );
}
