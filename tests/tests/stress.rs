//! Stress: a million tasks with random outcomes — success, error, panic, or pending until
//! the group is cancelled — on inline mode, tokio multi-thread and smol, with and without a
//! limit. Nothing is lost (every error and panic is accounted for), nothing leaks (every
//! future is dropped, counted by guards), nothing hangs (a deadline turns a hang into a
//! failure). Sizes shrink under Miri.
//!
//! Policy: collect-all with panics as errors, so that every failure comes back from
//! `wait_all`. A last "closer" task waits until every task that can finish has finished,
//! then cancels the group, which drops the pending ones. Under a limit, pending tasks would
//! hold their slots for good, so limited runs plan tasks that yield a few times instead.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering::Relaxed},
        mpsc,
    },
    time::Duration,
};

use errgroup::{ErrGroup, Panicked, Policy, TaskError};

const TASKS: usize = if cfg!(miri) { 200 } else { 1_000_000 };
const LIMIT: usize = 64;
const DEADLINE: Duration = Duration::from_secs(600);

#[derive(Debug)]
enum Failure {
    Failed,
    Panicked,
}

impl From<Panicked> for Failure {
    fn from(_: Panicked) -> Self {
        Self::Panicked
    }
}

/// What each task does, decided by a small deterministic generator.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Plan {
    Succeed,
    Fail,
    Panic,
    /// Pending until the group is cancelled (unlimited runs).
    Pend,
    /// Yields three times, then succeeds (limited runs, in place of `Pend`).
    Yield,
}

fn plans(count: usize, seed: u64, limited: bool) -> Vec<Plan> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            // xorshift64: deterministic, and mixes the outcomes well enough.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            match state % 4 {
                0 => Plan::Succeed,
                1 => Plan::Fail,
                2 => Plan::Panic,
                _ if limited => Plan::Yield,
                _ => Plan::Pend,
            }
        })
        .collect()
}

/// Counters shared by the tasks of one run.
#[derive(Default)]
struct Counters {
    dropped: AtomicUsize,
    succeeded: AtomicUsize,
    /// Tasks that returned, or are about to panic: every task that will end by itself.
    finished: AtomicUsize,
}

/// Counts its task's future as dropped, whatever way it ended.
struct Guard(Arc<Counters>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.dropped.fetch_add(1, Relaxed);
    }
}

type Task = Pin<Box<dyn Future<Output = Result<(), Failure>> + Send>>;

fn task(plan: Plan, counters: Arc<Counters>) -> Task {
    // Made before the future is first polled: a task aborted before its first poll (the
    // group cancelled while it waited in the executor's queue) still counts its drop.
    let guard = Guard(counters.clone());
    Box::pin(async move {
        let guard = guard;
        let outcome = match plan {
            Plan::Succeed => Ok(()),
            Plan::Fail => Err(Failure::Failed),
            Plan::Panic => {
                counters.finished.fetch_add(1, Relaxed);
                std::panic::panic_any(7u8)
            }
            Plan::Pend => std::future::pending().await,
            Plan::Yield => {
                for _ in 0..3 {
                    yield_now().await;
                }
                Ok(())
            }
        };
        if outcome.is_ok() {
            counters.succeeded.fetch_add(1, Relaxed);
        }
        counters.finished.fetch_add(1, Relaxed);
        drop(guard);
        outcome
    })
}

/// The closer: once every task that can finish has (`finishing` of them), cancels the
/// group so that the pending ones are dropped.
fn closer(finishing: usize, counters: Arc<Counters>, cancel: impl Fn() + Send + 'static) -> Task {
    Box::pin(async move {
        while counters.finished.load(Relaxed) < finishing {
            yield_now().await;
        }
        cancel();
        Ok(())
    })
}

fn check(plans: &[Plan], counters: &Counters, errors: Vec<TaskError<Failure>>) {
    let count = |wanted| plans.iter().filter(|&&plan| plan == wanted).count();
    // Ids are spawn order, so each error names the task whose plan made it.
    for error in &errors {
        let task = error.task().expect("a task's error names its task");
        let expected = match error.error() {
            Failure::Failed => Plan::Fail,
            Failure::Panicked => Plan::Panic,
        };
        assert_eq!(plans[task.id().index()], expected, "{task} reported the wrong error");
    }
    let errors: Vec<Failure> = errors.into_iter().map(TaskError::into_error).collect();
    let failed = errors.iter().filter(|error| matches!(error, Failure::Failed)).count();
    let panicked = errors.iter().filter(|error| matches!(error, Failure::Panicked)).count();
    assert_eq!(failed, count(Plan::Fail), "every error is accounted for");
    assert_eq!(panicked, count(Plan::Panic), "every panic is accounted for");
    assert_eq!(
        counters.succeeded.load(Relaxed),
        count(Plan::Succeed) + count(Plan::Yield),
        "every success ran"
    );
    assert_eq!(counters.dropped.load(Relaxed), plans.len(), "every future was dropped");
}

/// The part every mode shares: spawn the plans (waiting for slots under a limit), add the
/// closer, wait for everything, check the tally.
macro_rules! stress {
    ($group:ident, $plans:expr) => {{
        let plans: &[Plan] = $plans;
        let counters = Arc::new(Counters::default());
        let finishing = plans.iter().filter(|&&plan| plan != Plan::Pend).count();
        for &plan in plans {
            $group.spawn(task(plan, counters.clone())).await.expect("the group accepts every task");
        }
        let handle = $group.handle();
        let closer = closer(finishing, counters.clone(), move || {
            handle.cancel();
        });
        $group.spawn(closer).await.expect("room for the closer");
        let errors = $group.wait_all().await.err().unwrap_or_default();
        check(plans, &counters, errors);
    }};
}

fn builder() -> errgroup::Builder<Failure> {
    ErrGroup::builder().policy(Policy::CollectAll).panics_as_errors()
}

fn silence_expected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<u8>() != Some(&7) {
                previous(info);
            }
        }));
    });
}

fn with_deadline(body: impl FnOnce() + Send + 'static) {
    silence_expected_panics();
    let (done, finished) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        body();
        let _ = done.send(());
    });
    match finished.recv_timeout(DEADLINE) {
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(payload) = thread.join() {
                std::panic::resume_unwind(payload);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("stress run hung past {DEADLINE:?}"),
    }
}

async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if std::mem::replace(&mut yielded, true) {
            std::task::Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await;
}

fn inline(limited: bool) {
    with_deadline(move || {
        let plans = plans(TASKS, 0x5eed_0001, limited);
        futures_executor::block_on(async {
            let mut group = builder().inline();
            if limited {
                group.limit(LIMIT).unwrap();
            }
            stress!(group, &plans);
        });
    });
}

fn tokio_multi_thread(limited: bool) {
    with_deadline(move || {
        let plans = plans(TASKS, 0x5eed_0002, limited);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("build a tokio runtime");
        runtime.block_on(async {
            let group = builder().spawner(errgroup_tokio::Spawner::current());
            if limited {
                group.limit(LIMIT).unwrap();
            }
            stress!(group, &plans);
        });
    });
}

fn smol(limited: bool) {
    with_deadline(move || {
        let plans = plans(TASKS, 0x5eed_0003, limited);
        smol::block_on(async {
            let group = builder().spawner(errgroup_smol::Spawner);
            if limited {
                group.limit(LIMIT).unwrap();
            }
            stress!(group, &plans);
        });
    });
}

#[test]
fn a_million_inline_tasks_lose_and_leak_nothing() {
    inline(false);
}

#[test]
fn a_million_inline_tasks_under_a_limit_lose_and_leak_nothing() {
    inline(true);
}

#[test]
fn a_million_tokio_tasks_lose_and_leak_nothing() {
    tokio_multi_thread(false);
}

#[test]
fn a_million_tokio_tasks_under_a_limit_lose_and_leak_nothing() {
    tokio_multi_thread(true);
}

#[test]
fn a_million_smol_tasks_lose_and_leak_nothing() {
    smol(false);
}

#[test]
fn a_million_smol_tasks_under_a_limit_lose_and_leak_nothing() {
    smol(true);
}

/// Several spawners share one limited group through handles, on tokio's multi-thread
/// runtime, and often give up a spawn that is waiting for a slot (they race it against a
/// yield and drop it if the yield wins, then try again with a new task). This drives the
/// group's queue of waiting spawns through every path at once: queued, woken, served by a
/// spurious poll, dropped while queued, dropped after being woken (handing the wake-up on).
/// Every task must run exactly once, every given-up task must be dropped unrun, and nothing
/// may hang.
#[test]
fn spawners_racing_for_slots_and_giving_up_lose_nothing() {
    const SPAWNERS: usize = 4;
    const PER_SPAWNER: usize = if cfg!(miri) { 50 } else { 50_000 };
    const SMALL_LIMIT: usize = 3;

    #[derive(Default)]
    struct Tally {
        ran: AtomicUsize,
        given_up: AtomicUsize,
        dropped: AtomicUsize,
    }

    /// Counts itself dropped; `ran` when the task ran.
    struct Counted(Arc<Tally>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.dropped.fetch_add(1, Relaxed);
        }
    }

    with_deadline(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("build a tokio runtime");
        let tally = Arc::new(Tally::default());
        runtime.block_on(async {
            let group = ErrGroup::<(), _>::new(errgroup_tokio::Spawner::current());
            group.limit(SMALL_LIMIT).unwrap();
            let spawners: Vec<_> = (0..SPAWNERS)
                .map(|spawner| {
                    let (handle, tally) = (group.handle(), tally.clone());
                    tokio::spawn(async move {
                        let mut seed = 0x9e37_79b9_7f4a_7c15_u64 ^ spawner as u64;
                        for _ in 0..PER_SPAWNER {
                            loop {
                                let counted = Counted(tally.clone());
                                let task = async move {
                                    counted.0.ran.fetch_add(1, Relaxed);
                                    yield_now().await;
                                    drop(counted);
                                    Ok(())
                                };
                                // xorshift: give up about one waiting spawn in three.
                                seed ^= seed << 13;
                                seed ^= seed >> 7;
                                seed ^= seed << 17;
                                let spawning = handle.spawn(task);
                                if seed % 3 != 0 {
                                    spawning.await.expect("never cancelled");
                                    break;
                                }
                                let give_up = std::pin::pin!(yield_now());
                                match futures_util::future::select(spawning, give_up).await {
                                    futures_util::future::Either::Left((spawned, _)) => {
                                        spawned.expect("never cancelled");
                                        break;
                                    }
                                    futures_util::future::Either::Right(((), spawning)) => {
                                        drop(spawning);
                                        tally.given_up.fetch_add(1, Relaxed);
                                    }
                                }
                            }
                        }
                    })
                })
                .collect();
            for spawner in spawners {
                spawner.await.expect("a spawner finished");
            }
            group.wait().await.expect("no task fails");
        });
        let total = SPAWNERS * PER_SPAWNER;
        assert_eq!(tally.ran.load(Relaxed), total, "every spawned task ran exactly once");
        assert_eq!(
            tally.dropped.load(Relaxed),
            total + tally.given_up.load(Relaxed),
            "every task was dropped, run or given up"
        );
        assert!(tally.given_up.load(Relaxed) > 0, "some waiting spawns were given up");
    });
}
