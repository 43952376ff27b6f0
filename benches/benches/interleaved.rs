//! Spawn and wait the way README tells a user to write it, timed interleaved: the headline
//! ratios of BENCHMARKS.md.
//!
//! Every tokio row runs inside a task of the runtime (`tokio::spawn`ed from `block_on`, as a
//! server's handler runs): `errgroup_tokio::group()`, `try_spawn` of the user's task `n`
//! times, then `.await` on the group, timed as a whole. The floor is the same loop with
//! `tokio::spawn` of the same task and a countdown that the last task signals. Every inline
//! row runs inside `futures_executor::block_on`: `ErrGroup::inline()`, `try_spawn` `n`
//! times, `.await`; against a `FuturesUnordered` pushed and drained the same way.
//!
//! **Why interleaved.** Criterion times one peer for seconds, then the next: a drift of this
//! shared machine's speed between the two windows goes into their ratio, and so does the
//! heap each peer leaves to itself. Here each round runs every variant once, starting one
//! further along each round ([`errgroup_benches::interleave`]); a ratio is taken within
//! each round, and the median over rounds is reported. An A/A row (`floor_again`, the floor
//! run twice per round) shows the method's own noise.
//!
//! **The user's task.** `trivial`: `async { Ok::<(), &str>(()) }` (1 byte); `16`, `100`,
//! `128`, `1000`, `1024`: an `async move` block holding a payload, exactly that many bytes
//! (checked). The tokio cell each side lands in, for each size, is the `memory` bench's
//! `task_size` scenario (this bench keeps the system allocator, uncounted, so as not to
//! time a counter).
//!
//! Variants, per runtime flavor (current-thread; multi-thread with 2 workers):
//! - `errgroup/<size>` against `floor/<size>`;
//! - `floor_padded/trivial`: the floor with 24 bytes more in its future, so that its cell is
//!   256 bytes as errgroup's trivial task's is: what the cell class costs by itself;
//! - `floor_counted/<size>`: the floor of a group that does not know `n` in advance, as no
//!   group does: each spawn counts itself in (`fetch_add`) and the waiter holds a unit of
//!   its own while it spawns; `errgroup_vs_counted/100` is `errgroup/100` against it;
//! - `errgroup_block_on/trivial`: the tuned shape the suite used before, the loop directly in
//!   `Runtime::block_on` instead of inside a task;
//! - `joinset/trivial`, `tasktracker/trivial` (+ a `CancellationToken`), as in the spawn
//!   bench.
//!
//! Under `cargo bench -- --test` (CI's smoke run) it runs one round of 1,000 tasks.
//!
//! Profile one tokio variant alone: `ERRGROUP_BENCH_PROFILE=<variant>` (see [`profile`]).
//!
//! Run: `cargo bench -p errgroup-benches --bench interleaved` (`ERRGROUP_BENCH_ROUNDS`,
//! default 30; `ERRGROUP_BENCH_TASKS`, default 10000; `ERRGROUP_BENCH_FLAVOR`:
//! `current_thread`, `multi_thread` or `inline` for one of them, all three by default).
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::{
    future::Future,
    hint::black_box,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Instant,
};

use futures_util::StreamExt;
use tokio::{runtime::Runtime, sync::Notify, task::JoinSet};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

// ---- the user's tasks --------------------------------------------------------------------

type Error = &'static str;

/// The user's task: `async move` holding `PAD` bytes, `PAD + 1` bytes in all (its state
/// byte); `PAD = 0` is the trivial `async { Ok(()) }` (1 byte).
fn task<const PAD: usize>() -> impl Future<Output = Result<(), Error>> + Send + 'static {
    let payload = [0u8; PAD];
    async move {
        black_box(&payload);
        Ok(())
    }
}

/// The sizes, as `(label, PAD)`.
const SIZES_PADS: [(&str, usize); 6] =
    [("trivial", 0), ("16", 15), ("100", 99), ("128", 127), ("1000", 999), ("1024", 1023)];

// ---- tokio shapes ------------------------------------------------------------------------

/// README's shape.
async fn errgroup<const PAD: usize>(n: usize) {
    let group = errgroup_tokio::group::<Error>();
    for _ in 0..n {
        if group.try_spawn(task::<PAD>()).is_err() {
            unreachable!("an unlimited group refused a task");
        }
    }
    group.await.expect("no task fails");
}

/// A countdown the floor's last task signals.
struct Countdown {
    remaining: AtomicUsize,
    done: Notify,
}

pin_project_lite::pin_project! {
    /// The floor's task: the user's task in place (no copy of it: an `async move` block
    /// awaiting a captured future keeps the capture and the awaited copy both, twice the
    /// size), padding (`X`), and the countdown it ticks when it finishes.
    struct Counted<F, X> {
        #[pin]
        user: F,
        countdown: Arc<Countdown>,
        extra: X,
    }
}

impl<F: Future<Output = Result<(), Error>>, X> Future for Counted<F, X> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        let this = self.project();
        let _ = std::task::ready!(this.user.poll(cx));
        black_box(&*this.extra);
        // AcqRel: the last decrement sees every task's effects, the waiter's load sees the
        // last one's.
        if this.countdown.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            // A permit if the waiter is not waiting yet: no lost wake-up.
            this.countdown.done.notify_one();
        }
        std::task::Poll::Ready(())
    }
}

/// `tokio::spawn` of the user's task (with `EXTRA` bytes more in the spawned future) and a
/// countdown.
async fn floor<const PAD: usize, const EXTRA: usize>(n: usize) {
    let countdown = Arc::new(Countdown { remaining: AtomicUsize::new(n), done: Notify::new() });
    for _ in 0..n {
        let countdown = countdown.clone();
        drop(tokio::spawn(Counted { user: task::<PAD>(), countdown, extra: [0u8; EXTRA] }));
    }
    if n > 0 {
        countdown.done.notified().await;
    }
    assert_eq!(countdown.remaining.load(Ordering::Acquire), 0);
}

/// The floor of a group that does not know how many tasks will come, as no group does:
/// each spawn counts itself in (`fetch_add`), and the waiter holds one unit of its own
/// while it spawns, given back after the loop (`WaitGroup`'s pattern). One read-modify-
/// write per task more than [`floor`], whose countdown starts at `n`.
async fn floor_counted<const PAD: usize>(n: usize) {
    let countdown = Arc::new(Countdown { remaining: AtomicUsize::new(1), done: Notify::new() });
    for _ in 0..n {
        // Relaxed: the task's own decrement (AcqRel) orders everything after it.
        countdown.remaining.fetch_add(1, Ordering::Relaxed);
        let countdown = countdown.clone();
        drop(tokio::spawn(Counted { user: task::<PAD>(), countdown, extra: () }));
    }
    if countdown.remaining.fetch_sub(1, Ordering::AcqRel) != 1 {
        countdown.done.notified().await;
    }
    assert_eq!(countdown.remaining.load(Ordering::Acquire), 0);
}

async fn joinset(n: usize) {
    let mut set = JoinSet::new();
    for _ in 0..n {
        set.spawn(task::<0>());
    }
    while let Some(joined) = set.join_next().await {
        joined.expect("no task panics").expect("no task fails");
    }
}

async fn tasktracker(n: usize) {
    let tracker = TaskTracker::new();
    let token = CancellationToken::new();
    for _ in 0..n {
        let token = token.clone();
        drop(tracker.spawn(async move {
            if let Some(Err(_)) = token.run_until_cancelled(task::<0>()).await {
                token.cancel();
            }
        }));
    }
    tracker.close();
    tracker.wait().await;
}

type Body = fn(usize) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// A tokio variant: its name, the name of the variant it is compared with, whether it runs
/// inside a task (README's shape) or directly in `block_on`, and its body.
struct Tokio {
    name: String,
    reference: String,
    in_task: bool,
    body: Body,
}

fn boxed<F: Future<Output = ()> + Send + 'static>(
    future: F,
) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(future)
}

fn tokio_variants() -> Vec<Tokio> {
    let sized: [(Body, Body); 6] = [
        (|n| boxed(errgroup::<0>(n)), |n| boxed(floor::<0, 0>(n))),
        (|n| boxed(errgroup::<15>(n)), |n| boxed(floor::<15, 0>(n))),
        (|n| boxed(errgroup::<99>(n)), |n| boxed(floor::<99, 0>(n))),
        (|n| boxed(errgroup::<127>(n)), |n| boxed(floor::<127, 0>(n))),
        (|n| boxed(errgroup::<999>(n)), |n| boxed(floor::<999, 0>(n))),
        (|n| boxed(errgroup::<1023>(n)), |n| boxed(floor::<1023, 0>(n))),
    ];
    let variant = |name: &str, reference: &str, in_task, body| Tokio {
        name: name.to_owned(),
        reference: reference.to_owned(),
        in_task,
        body,
    };
    let mut variants = Vec::new();
    for ((size, _), (errgroup, floor)) in SIZES_PADS.iter().zip(sized) {
        let floor_name = format!("floor/{size}");
        variants.push(variant(&format!("errgroup/{size}"), &floor_name, true, errgroup));
        variants.push(variant(&floor_name, &floor_name, true, floor));
    }
    variants.extend([
        variant("floor_again/trivial", "floor/trivial", true, |n| boxed(floor::<0, 0>(n))),
        variant("floor_padded/trivial", "floor/trivial", true, |n| boxed(floor::<0, 24>(n))),
        variant("floor_counted/trivial", "floor/trivial", true, |n| boxed(floor_counted::<0>(n))),
        variant("floor_counted/100", "floor/100", true, |n| boxed(floor_counted::<99>(n))),
        variant("floor_counted/1000", "floor/1000", true, |n| boxed(floor_counted::<999>(n))),
        variant("errgroup_vs_counted/100", "floor_counted/100", true, |n| boxed(errgroup::<99>(n))),
        variant("errgroup_block_on/trivial", "floor/trivial", false, |n| boxed(errgroup::<0>(n))),
        variant("joinset/trivial", "errgroup/trivial", true, |n| boxed(joinset(n))),
        variant("tasktracker/trivial", "errgroup/trivial", true, |n| boxed(tasktracker(n))),
    ]);
    variants
}

/// One run of a tokio variant; nanoseconds per task.
fn run_tokio(rt: &Runtime, variant: &Tokio, n: usize) -> f64 {
    let (in_task, body) = (variant.in_task, variant.body);
    let start = Instant::now();
    rt.block_on(async move {
        if in_task {
            tokio::spawn(body(n)).await.expect("the body does not panic");
        } else {
            body(n).await;
        }
    });
    start.elapsed().as_nanos() as f64 / n as f64
}

fn tokio_flavor(flavor: &str, rt: &Runtime, rounds: usize, n: usize) {
    let variants = tokio_variants();
    let samples =
        errgroup_benches::interleave(rounds, 2, variants.len(), |i| run_tokio(rt, &variants[i], n));
    let index = |name: &str| variants.iter().position(|v| v.name == name).expect("a variant");
    for (i, variant) in variants.iter().enumerate() {
        let reference = index(&variant.reference);
        println!(
            "interleaved {flavor} n={n} {:<26} {:>7.1} ns/task  ÷ {:<18} {:.3}",
            variant.name,
            errgroup_benches::median(&samples[i]),
            variant.reference,
            errgroup_benches::median_ratio(&samples[i], &samples[reference]),
        );
    }
}

// ---- inline ------------------------------------------------------------------------------

fn inline_errgroup<const PAD: usize>(n: usize) {
    futures_executor::block_on(async {
        let group = errgroup::ErrGroup::inline();
        for _ in 0..n {
            if group.try_spawn(task::<PAD>()).is_err() {
                unreachable!("an unlimited group refused a task");
            }
        }
        group.await.expect("no task fails");
    });
}

fn inline_futures_unordered<const PAD: usize>(n: usize) {
    futures_executor::block_on(async {
        let mut set = futures_util::stream::FuturesUnordered::new();
        for _ in 0..n {
            set.push(task::<PAD>());
        }
        while let Some(result) = set.next().await {
            result.expect("no task fails");
        }
    });
}

/// An inline variant: runs `n` tasks.
type Run = fn(usize);

fn inline(rounds: usize, n: usize) {
    let variants: [(&str, Run, Run); 2] = [
        ("trivial", inline_errgroup::<0>, inline_futures_unordered::<0>),
        ("128", inline_errgroup::<127>, inline_futures_unordered::<127>),
    ];
    let runs: Vec<Run> = variants.iter().flat_map(|&(_, a, b)| [a, b]).collect();
    let time = |run: Run| {
        let start = Instant::now();
        run(n);
        start.elapsed().as_nanos() as f64 / n as f64
    };
    let samples = errgroup_benches::interleave(rounds, 2, runs.len(), |i| time(runs[i]));
    for (k, (size, _, _)) in variants.iter().enumerate() {
        let (ours, theirs) = (&samples[2 * k], &samples[2 * k + 1]);
        println!(
            "interleaved inline n={n} errgroup/{size:<8} {:>7.1} ns/task  futures_unordered {:>7.1} ns/task  ÷ {:.3}",
            errgroup_benches::median(ours),
            errgroup_benches::median(theirs),
            errgroup_benches::median_ratio(ours, theirs),
        );
    }
}

/// `ERRGROUP_BENCH_PROFILE=<variant>` (e.g. `errgroup/100`): runs that tokio variant alone
/// `ERRGROUP_BENCH_RUNS` times (default 10) on the `ERRGROUP_BENCH_FLAVOR` runtime, for a
/// profiler; or an inline one (`inline_errgroup/128`, `inline_futures_unordered/128`, and
/// the same with `trivial`).
fn profile(name: &str, n: usize) {
    let runs = std::env::var("ERRGROUP_BENCH_RUNS")
        .map_or(10, |runs| runs.parse().expect("ERRGROUP_BENCH_RUNS: a number"));
    let inline: [(&str, Run); 4] = [
        ("inline_errgroup/trivial", inline_errgroup::<0>),
        ("inline_errgroup/128", inline_errgroup::<127>),
        ("inline_futures_unordered/trivial", inline_futures_unordered::<0>),
        ("inline_futures_unordered/128", inline_futures_unordered::<127>),
    ];
    if let Some((_, run)) = inline.iter().find(|(variant, _)| *variant == name) {
        for _ in 0..runs {
            run(n);
        }
        return;
    }
    let variants = tokio_variants();
    let Some(variant) = variants.iter().find(|variant| variant.name == name) else {
        panic!("ERRGROUP_BENCH_PROFILE: no variant named {name:?}");
    };
    let rt = errgroup_benches::profile_runtime();
    for _ in 0..runs {
        let _ = run_tokio(&rt, variant, n);
    }
}

fn main() {
    if let Ok(name) = std::env::var("ERRGROUP_BENCH_PROFILE") {
        let n = std::env::var("ERRGROUP_BENCH_TASKS")
            .map_or(10_000, |r| r.parse().expect("ERRGROUP_BENCH_TASKS: a number"));
        profile(&name, n);
        return;
    }
    // `cargo bench -- --test` (CI's smoke run): one round of 1,000 tasks, to check that
    // every variant runs, not to measure.
    let smoke = std::env::args().any(|arg| arg == "--test");
    let rounds = std::env::var("ERRGROUP_BENCH_ROUNDS").map_or(if smoke { 1 } else { 30 }, |r| {
        r.parse().expect("ERRGROUP_BENCH_ROUNDS: a number")
    });
    let n = std::env::var("ERRGROUP_BENCH_TASKS").map_or(if smoke { 1_000 } else { 10_000 }, |r| {
        r.parse().expect("ERRGROUP_BENCH_TASKS: a number")
    });
    for (name, &pad) in SIZES_PADS.iter().map(|(name, pad)| (name, pad)) {
        let size = match pad {
            0 => size_of_val(&task::<0>()),
            15 => size_of_val(&task::<15>()),
            99 => size_of_val(&task::<99>()),
            127 => size_of_val(&task::<127>()),
            999 => size_of_val(&task::<999>()),
            _ => size_of_val(&task::<1023>()),
        };
        assert_eq!(size, pad + 1, "the {name} task's size");
    }
    let only = std::env::var("ERRGROUP_BENCH_FLAVOR").ok();
    let wants = |flavor: &str| only.as_deref().is_none_or(|only| only == flavor);
    if wants("current_thread") {
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        tokio_flavor("current_thread", &rt, rounds, n);
    }
    if wants("multi_thread") {
        tokio_flavor("multi_thread", &errgroup_benches::two_worker_runtime(), rounds, n);
    }
    if wants("inline") {
        inline(rounds, n);
    }
}
