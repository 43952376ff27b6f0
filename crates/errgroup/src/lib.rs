//! Runtime-agnostic, `no_std`-friendly task groups: Go's `golang.org/x/sync/errgroup`
//! and `sync.WaitGroup`, done the Rust way.
//!
//! - [`ErrGroup`]: spawn tasks that return `Result`, then wait for all of them. The first
//!   error (or panic) cancels the rest — which are *dropped* at their next `.await`, so
//!   even a task that never checks for cancellation stops — and is what `wait` returns.
//!   Limits with back-pressure ([`GroupHandle::limit`], [`GroupHandle::spawn`]) and a non-blocking
//!   [`GroupHandle::try_spawn`] that hands the task back; results in spawn order or as they
//!   complete; policies for keeping every error or cancelling nothing.
//! - [`CancelToken`]: a cancellation token with a reason and child tokens; every group has
//!   one, and a group can be the child of yours.
//! - [`WaitGroup`]: Go's `sync.WaitGroup` with RAII guards, an async `wait` and a blocking
//!   one.
//!
//! The group never names a runtime: tasks run on your [`Spawn`]er (the `errgroup-tokio`,
//! `errgroup-smol` and `errgroup-async-std` crates provide them), on a [`LocalSpawn`]er for
//! `!Send` tasks, or [`Inline`] inside the group's own future, with no executor at all.
//!
//! # Examples
//!
//! ```
//! use errgroup::ErrGroup;
//!
//! async fn fetch(id: u32) -> Result<String, String> {
//!     if id == 3 { Err(format!("item {id} is missing")) } else { Ok(format!("item {id}")) }
//! }
//!
//! # futures_executor::block_on(async {
//! // Results, in spawn order.
//! let mut group = ErrGroup::builder().collect().inline();
//! for id in [1, 2] {
//!     group.spawn(fetch(id)).await.unwrap();
//! }
//! assert_eq!(group.await, Ok(vec!["item 1".to_string(), "item 2".to_string()]));
//!
//! // At most two at a time; the first error cancels the rest and is what the group
//! // returns. Once it is cancelled, the group refuses new tasks: stop feeding it.
//! let mut group = ErrGroup::inline();
//! group.limit(2).unwrap();
//! for id in 1..=5 {
//!     if group.spawn(async move { fetch(id).await.map(drop) }).await.is_err() {
//!         break;
//!     }
//! }
//! assert_eq!(group.await, Err("item 3 is missing".to_string()));
//! # });
//! ```
//!
//! # Every task accounted for
//!
//! Each spawned task ends in exactly one [`Outcome`], and the group knows which:
//! **succeeded**, **failed**, **panicked**, **cancelled** (dropped by the group: after a
//! failure, a cancel, a race win, a timeout, the group's drop) or **lost** (dropped by its
//! executor before it finished: a runtime shutting down, a spawner that drops tasks).
//! Nothing is lost on the way to the waiter:
//!
//! | a task that ... | `wait`, `.await` | `wait_all` | `race` | `into_stream` | `wait_until`, timer fired | `wait_outcomes` |
//! | --- | --- | --- | --- | --- | --- | --- |
//! | succeeded | its value, in spawn order ([`Collect`]) | as `wait` | the first one wins: `Ok(value)` | `Ok(value)` | `Some(value)` at its position | `Succeeded(value)` at its position |
//! | failed | `Err`: the first error; it cancels the others ([`Policy::FailFast`]) | `Err`: every error the policy kept, in order | kept; `Err(all)` if none won | `Err(error)` | `Err`, if before the timer | `Failed(error)`, every one |
//! | panicked | re-raised, even if an error or a win came first; with [`panics_as_errors`](Builder::panics_as_errors), an error like any other | as `wait` | as `wait` | as `wait` | as `wait` | `Panicked`, not re-raised |
//! | was lost | re-raised as a panic naming it, or [`Interrupted::Lost`] as an error with [`interruptions_as_errors`](Builder::interruptions_as_errors); cancels a fail-fast group | as `wait` | as `wait`, unless a task won | as `wait` | as `wait` | `Lost` |
//! | was cancelled by a failure or a win | nothing of its own: the failure or the win is the group's outcome | | | | | `Cancelled(reason)` |
//! | was cancelled from outside (a parent token, [`GroupHandle::cancel`]) | [`Interrupted::Cancelled`] as an error with `interruptions_as_errors`; otherwise a panic in a collecting group (no complete results), `Ok(())` in a [`Discard`] group | as `wait`, in the `Vec` | `Err` (empty, or the interruption) | the stream ends (with the interruption as its last item, opted in) | `None` at its position | `Cancelled(reason)` |
//!
//! So `wait` never returns `Ok` for a group that lost a task, a collecting group never
//! returns values at positions that are not their tasks', and a panic is never swallowed.
//! A group dropped without being waited for drops every task it still owns (inline ones
//! included, cooperative or queued; a task on an executor inside a [`Shield`]ed section
//! finishes the section first); what it had recorded goes to
//! [`Builder::on_unobserved`] if set, and is never re-raised at the drop.
//!
//! ```
//! use errgroup::{ErrGroup, Interrupted};
//!
//! #[derive(Debug)]
//! enum AppError {
//!     NotFound(u32),
//!     Interrupted(Interrupted),
//! }
//!
//! impl From<Interrupted> for AppError {
//!     fn from(interrupted: Interrupted) -> Self {
//!         AppError::Interrupted(interrupted)
//!     }
//! }
//!
//! async fn fetch(id: u32) -> Result<u32, AppError> {
//!     if id == 0 { Err(AppError::NotFound(id)) } else { Ok(id * 10) }
//! }
//!
//! # futures_executor::block_on(async {
//! let group = ErrGroup::builder().interruptions_as_errors().collect().inline();
//! group.try_spawn(fetch(1)).unwrap();
//! group.try_spawn(std::future::pending()).unwrap();
//! group.cancel();
//! let Err(AppError::Interrupted(Interrupted::Cancelled { unfinished, .. })) = group.await else {
//!     unreachable!()
//! };
//! assert_eq!(unfinished, 2); // inline tasks run inside `wait`: neither had run
//! assert!(matches!(fetch(0).await, Err(AppError::NotFound(0))));
//! # });
//! ```
//!
//! # Spawning: refusals, feeders, time limits
//!
//! - A group that refuses a task says why: [`Rejected`] from `try_spawn` hands the task
//!   back; [`Refused`] from a waiting `spawn` owns nothing of it, so `?` carries it into
//!   any error type, and both name the task whose failure cancelled the group.
//! - A group finishes when its waiter finds no task running. To feed it while its results
//!   are consumed, keep a [`Feeder`]: the group stays open until it is dropped.
//! - A task can have its own time limit ([`TaskBuilder::time_limit`]): past it, the task
//!   fails with [`Elapsed`].
//! - [`CancelToken`] has supervision helpers: [`drop_guard`](CancelToken::drop_guard),
//!   [`run_until_cancelled`](CancelToken::run_until_cancelled),
//!   [`cancel_on_error`](CancelToken::cancel_on_error), and a [weak
//!   handle](CancelToken::downgrade) for bridges to other cancellation systems.
//!
//! # Shutdown
//!
//! [`ErrGroup::shutdown`] stops a group gracefully in one call, where tokio users combine a
//! `CancellationToken`, a `TaskTracker`, a `timeout` and a loop of aborts:
//!
//! | step | tokio and tokio-util, by hand | errgroup |
//! | --- | --- | --- |
//! | tell every task to stop | `token.cancel()`; every task `select!`s on it | `group.shutdown(grace)` cancels the group's token ([`CancelReason::Shutdown`]); **no task is dropped yet** |
//! | take no new task | `tracker.close()` | a spawn is refused ([`Refused::Cancelled`]) |
//! | wait, for the grace period at most | `timeout(grace, tracker.wait())` | the grace period, on the runtime's [`Timer`] |
//! | drop what is left | `abort()` each `JoinHandle` kept (a tracker cannot abort) | every task left is dropped at its end |
//! | learn what happened to each | bookkeeping of one's own | the [`ShutdownReport`]: each task's id, name and [`Outcome`], and whether it was in flight |
//! | start on ctrl-c, or when a task fails | a `select!` over both | [`shutdown_when`](ErrGroup::shutdown_when), [`Policy::FailGracefully`] |
//!
//! Per task, within any group: [`cooperative()`](TaskBuilder::cooperative) makes a task
//! signalled rather than dropped by a cancellation, and a [`Shield`] defers its drop while
//! a critical section runs. What bounds a section: its own end, or the end of a
//! shutdown's grace period, which drops every task left (a plain fail-fast cancel has no
//! deadline). A group dropped unwaited cannot wait: its inline tasks go with it, sections
//! included, and a shielded task on an executor finishes its section there and is dropped
//! right after. An inline group shuts down on a timer it is given
//! ([`shutdown_on`](ErrGroup::shutdown_on)); the `graceful_server` example of
//! errgroup-tokio is a TCP server that stops this way.
//!
//! ```
//! use core::time::Duration;
//! use errgroup::{CancelReason, ErrGroup, Outcome, Timer};
//! # #[derive(Clone, Copy)]
//! # struct Expired;
//! # impl Timer for Expired {
//! #     type Instant = u64;
//! #     type Sleep = core::future::Ready<()>;
//! #     fn now(&self) -> u64 { 0 }
//! #     fn checked_add(&self, i: u64, d: Duration) -> Option<u64> { i.checked_add(d.as_secs()) }
//! #     fn sleep_until(&self, _: u64) -> Self::Sleep { core::future::ready(()) }
//! # }
//!
//! # futures_executor::block_on(async {
//! let mut group = ErrGroup::builder().collect().inline();
//! let token = group.token();
//! group.task().name("flush").try_spawn(async move {
//!     token.cancelled().await; // told to stop: finishes its work
//!     Ok::<_, String>("flushed")
//! }).unwrap();
//! group.task().name("idle").try_spawn(std::future::pending()).unwrap();
//!
//! // `Expired` is a timer whose sleeps have all ended: the grace period is over at once,
//! // once the tasks have been told.
//! let report = group.shutdown_on(Expired, Duration::from_secs(30)).await;
//! assert!(matches!(report.tasks[0].outcome, Outcome::Succeeded("flushed")));
//! assert!(matches!(report.tasks[1].outcome, Outcome::Cancelled(CancelReason::Shutdown)));
//! assert_eq!(report.aborted().map(|task| task.name()).collect::<Vec<_>>(), [Some("idle")]);
//! # });
//! ```
//!
//! # Which task
//!
//! [`try_spawn`](GroupHandle::try_spawn) and [`spawn`](GroupHandle::spawn) return the task's
//! [`TaskId`]: its place in spawn order (a collecting group keeps the value of task `n` at
//! index `n`). Spawn through [`GroupHandle::task`] to give a task a name. A panic
//! ([`Panicked`]) and a loss ([`Lost`]) name their task ([`TaskInfo`]), by id and name:
//! ``task 3 `billing` panicked: …``. An unnamed task pays nothing for names.
//!
//! On request, per task or per group:
//!
//! - **A handle of its own** ([`TaskBuilder::try_spawn_handle`]): a [`TaskHandle`] to await
//!   that task's [`Outcome`] and to [`abort`](TaskHandle::abort) it alone, tokio's
//!   `JoinHandle` for a task that stays in its group. While the handle lives the task's
//!   value, error and panic are the handle's (they do not fail the group); once it is
//!   dropped, the task ends as any other. An abort is neither a failure nor an
//!   interruption of the group.
//! - **Keyed results** ([`Builder::keyed`], [`TaskBuilder::key`]): `(key, value)` pairs in
//!   spawn order, or streamed as they complete; tokio-util's `JoinMap`.
//! - **What is still running** ([`Builder::track_pending`]): [`GroupHandle::pending`] lists
//!   the running tasks, [`GroupHandle::unfinished`] the ones the group dropped (after a
//!   timeout: those still running when it fired), and [`GroupHandle::dump`] prints the group
//!   and the groups nested in it ([`Builder::child_of`], [`Builder::name`]) as a tree.
//! - **`tracing`** (feature): a span per task, events for failures, panics, losses,
//!   cancellations and timeouts.
//!
//! ```
//! # #[cfg(feature = "std")] {
//! use errgroup::{ErrGroup, Panicked};
//!
//! let group = ErrGroup::<Panicked, _>::builder().panics_as_errors().inline();
//! let handle = group.handle();
//! let first = handle.try_spawn(async { Ok(()) }).unwrap();
//! let billing = handle.task().name("billing").try_spawn(async { panic!("no invoices") }).unwrap();
//! assert_eq!((first.index(), billing.index()), (0, 1));
//!
//! let panicked = futures_executor::block_on(group.wait()).unwrap_err();
//! assert_eq!(panicked.task().id(), billing);
//! assert_eq!(panicked.to_string(), "task 1 `billing` panicked: no invoices");
//! # }
//! ```
//!
//! # Features
//!
//! - `std` (default): panics are caught per task and surface at `wait` (re-raised, or as
//!   errors with [`Builder::panics_as_errors`]); [`WaitGroup::wait_blocking`]. Without it
//!   the crate is `#![no_std]` + `alloc`, and a panicking task unwinds (or aborts) through
//!   whatever polls it, as any panic there would: the group cannot catch it.
//! - `tracing` (off by default): a [`tracing`](https://docs.rs/tracing) span per task
//!   (`errgroup.task`, with fields `group`, `group.name`, `task`, `task.name`), entered
//!   around each poll, so the task's own events carry them; an event for each failure
//!   (`WARN`), panic and loss (`ERROR`), cancellation (`DEBUG`, with the reason) and timeout
//!   (`WARN`, with the number of tasks still running), and for a shutdown's start (`INFO`)
//!   and the end of its grace period (`WARN`), each with the tasks still running. Without
//!   it, none of this is compiled.
//! - `critical-section` (needed without `std`; a clear compile error names it if it is
//!   missing): every lock the group takes, its own and event-listener's, is a critical
//!   section of the [`critical-section`](https://docs.rs/critical-section) crate, whose
//!   implementation the final binary provides (cortex-m's `critical-section-single-core`,
//!   embassy's, a HAL's). See [Embedded](#embedded).
//! - `futures-spawn` (off by default): `FuturesSpawner`, a spawner over any futures-rs
//!   executor (`futures::task::Spawn` or `LocalSpawn`: futures-executor's `ThreadPool` and
//!   `LocalPool`, and the executors that implement those traits). It adds no dependency.
//! - `loom` (testing only): with `RUSTFLAGS="--cfg loom"`, the wake-up paths run on loom's
//!   model-checked primitives.
//!
//! On a target without compare-and-swap (thumbv6m, Cortex-M0), the crate takes its atomics
//! from portable-atomic and `Arc` from portable-atomic-util by itself, with no feature to
//! enable; the final binary tells portable-atomic how (its `critical-section` feature, or
//! `--cfg portable_atomic_unsafe_assume_single_core` on a single core), as for
//! `errgroup-core`. There, the `Arc` the API takes (`WaitGroup::enter_owned`,
//! `TaskName::from`) is portable-atomic-util's.
//!
//! # Embedded
//!
//! ```toml
//! errgroup = { version = "0.1", default-features = false, features = ["critical-section"] }
//! ```
//!
//! [`ErrGroup::inline`] and [`ErrGroup::inline_local`] (tasks that are not `Send`) run
//! inside any executor, embassy's included, or under a plain `block_on`; they need a
//! global allocator (one small allocation per task). For a program with no heap at all,
//! `errgroup-core`'s `FixedGroup` keeps `N` tasks of one type in storage the caller
//! provides. Both run on Cortex-M4 and Cortex-M0 boards under QEMU in CI
//! (`tests/embedded`).
//!
//! **From an interrupt handler**, without `std`, you may call any waker the group hands
//! out (an inline task's, the group's), [`CancelToken::cancel`], [`GroupHandle::cancel`],
//! [`WaitGroup::add`] and [`WaitGroup::done`]:
//!
//! - every lock on those paths is a critical section, so the handler never waits for a
//!   lock held by the code it interrupted (a spin lock would deadlock a single core
//!   there); the critical sections are short (a queue push, a flag), and no task is polled
//!   inside one;
//! - an inline task's waker may allocate (it queues the task's key, and the queue grows to
//!   the most tasks ever woken at once, then stays), so the global allocator must be usable
//!   from interrupts; embedded-alloc's is (it takes a critical section);
//! - spawning from an interrupt handler is not supported: spawn from tasks or the main
//!   loop, and let the handler wake them.
//!
//! With `std`, the locks are `std::sync::Mutex`es: wakers may be called from any thread,
//! not from a signal handler.
//!
//! # Comparison
//!
//! - **tokio's `JoinSet`** owns `JoinHandle`s and aborts through the runtime; it has no
//!   notion of a first error, a limit or a cancellation token, and ties you to tokio.
//!   An `ErrGroup` with a tokio spawner does all of that on any runtime.
//! - **tokio-util's `TaskTracker`** waits for tasks but carries no errors and cancels
//!   nothing; pair it with a `CancellationToken` and every task must watch the token. A
//!   group drops its tasks, so cancellation needs no cooperation (or opt into it with
//!   [`Builder::cooperative`]).
//! - **`FuturesUnordered`** runs futures inside one task, as an [`Inline`] group does (with
//!   its own driver: one allocation per task, as there); the group adds the
//!   first-error rule, cancellation, limits, results in spawn order, handles for spawning
//!   from inside tasks, and panic capture.
//! - **Go's `errgroup`** cancels a `Context` and relies on every goroutine to check it;
//!   `SetLimit` panics if changed while goroutines run, and `Go` blocks with no way to give
//!   the work back except `TryGo`. Here cancellation drops tasks, the limit may change at
//!   any time, and [`GroupHandle::try_spawn`] hands the future back.
//!
//! # Runtime support
//!
//! Implement [`Spawn`] (or [`LocalSpawn`]) for your executor's handle: one method. The
//! adapter crates do it for tokio, smol and async-std (async-std is discontinued upstream;
//! prefer smol). [`Inline`] groups need no executor, and work on `no_std` + `alloc`
//! ([Embedded](#embedded)).
#![no_std]
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[cfg(all(loom, not(feature = "loom")))]
compile_error!(
    "`--cfg loom` needs the `loom` feature: RUSTFLAGS=\"--cfg loom\" cargo test -p errgroup --features loom"
);

/// The lock-free atomic state this crate is built on, re-exported from `errgroup-core`.
pub use errgroup_core as raw;

// The modules, in layers: a file uses only the files listed before it (`tests/layers.rs`
// checks it), and names what it uses by its defining module, never through this root. A
// task's data goes down the list from `handle`: spawn → mode → task wrapper → shared
// state (the state word) → the waiter in `wait`.
//
// layers:
//   sync         the one facade: atomics, `Arc`, `AtomicWaker`, `Lock` (loom's or core's)
//   id           `TaskId`, `TaskName`, `TaskInfo`: which task
//   token        `CancelToken`, `CancelReason`: cancellation, with a reason and children
//   supervise    `CancelToken`'s drop guard, `run_until_cancelled`, `cancel_on_error`
//   shield       `Shield`, and what a task asks of a cancellation (signalled, shielded)
//   error        `Rejected`, `Refused`, `LimitError`, `SpawnError`: why a task or a limit was refused
//   trace        the `tracing` feature: a span per task, events (no-ops without it)
//   results      `Results`: `Discard`, `Collect`, `FirstOk`, and where values are kept
//   keyed        `WithKey`: a task's value paired with the key it was spawned with
//   panic        `Panicked`: a task's panic as an error value (feature `std`)
//   outcome      `Outcome`, `Lost`, `Interrupted`, `Timed`: how tasks and groups ended
//   task_handle  `TaskHandle`, `AbortHandle`: one task's outcome, and its abort (opt-in)
//   spawn        `Spawn`, `LocalSpawn`: the caller's executor
//   rt           `Timer`, `BlockingPool`: the rest of a runtime, after hyper's `rt`
//   futures_spawn `FuturesSpawner`: `Spawn` over futures-rs executors (feature `futures-spawn`)
//   policy       `Policy`, the failures a group keeps and what becomes of them
//   wakers       the registry of wake-ups owed to pending tasks and waiting spawns
//   pending      the registry of running and unfinished tasks (opt-in), `GroupDump`
//   shared       `Shared`: the state a group shares with its tasks and handles
//   task         the task wrapper: counts a task in and out, records its outcome
//   mode/inline  the inline driver: tasks run inside the group's own futures
//   mode         `Mode`, `Launch`: where tasks run, and how each mode launches one
//   handle       `GroupHandle`: `try_spawn`, `spawn` (`Spawning`), limits, cancel
//   feeder       `Feeder`: a handle that keeps its group open while it lives
//   wait         the group's `Owner`, and every waiting form (`Wait`, `WaitUntil`, ...)
//   group        `ErrGroup`, `Builder`
//   timeout      `wait_timeout`, `wait_deadline` over a `Timer`, for every group
//   shutdown     `shutdown`: a graceful stop over a `Timer`, and its `ShutdownReport`
//   time_limit   a task's own time limit (`TaskBuilder::time_limit`), `Elapsed`
//   blocking     `spawn_blocking` over a `BlockingPool`, for every group (`std`)
//   wait_group   `WaitGroup` (stands alone)
#[cfg(feature = "std")]
mod blocking;
mod error;
mod feeder;
#[cfg(feature = "futures-spawn")]
mod futures_spawn;
mod group;
mod handle;
mod id;
mod keyed;
mod mode;
mod outcome;
#[cfg(feature = "std")]
mod panic;
mod pending;
mod policy;
mod results;
mod rt;
mod shared;
mod shield;
mod shutdown;
mod spawn;
mod supervise;
mod sync;
mod task;
mod task_handle;
mod time_limit;
mod timeout;
mod token;
mod trace;
mod wait;
mod wait_group;
mod wakers;

pub use error::{LimitError, Refused, Rejected, SpawnError, SpawnErrorKind};
pub use feeder::Feeder;
#[cfg(feature = "futures-spawn")]
pub use futures_spawn::FuturesSpawner;
pub use group::{Builder, ErrGroup};
pub use handle::{GroupHandle, KeyedTask, TaskBuilder};
pub use id::{TaskId, TaskInfo, TaskName};
pub use mode::{
    Inline, InlineLocal, InlineTasks, Launch, LocalTasks, Mode, SendTasks, Spawned, SpawnedLocal,
    WithSpawner,
};
pub use outcome::{Interrupted, Lost, Outcome, TaskError, Timed, TimedOutcome};
#[cfg(feature = "std")]
pub use panic::Panicked;
pub use pending::GroupDump;
pub use policy::Policy;
pub use results::{Collect, Discard, FirstOk, Results};
#[cfg(feature = "std")]
pub use rt::BlockingPool;
pub use rt::Timer;
pub use shield::Shield;
pub use shutdown::{Reported, ShutdownReport, TaskReport};
pub use spawn::{LocalSpawn, Spawn};
pub use supervise::CancelOnDrop;
pub use task_handle::{AbortHandle, TaskHandle};
pub use time_limit::{Elapsed, LimitedTask};
pub use token::{CancelReason, CancelToken, Cause, WeakCancelToken};
pub use wait_group::{WaitGroup, WaitGuard, WaitGuardOwned};

/// The named futures (and the stream) returned by this crate's async methods.
///
/// # Examples
///
/// Named, a future can be a field, or what a function returns:
///
/// ```
/// use errgroup::{Collect, ErrGroup, Inline, future::Wait};
///
/// /// A batch started now, and collected later.
/// struct Batch<'a> {
///     results: Wait<String, Inline<'a>, Collect<u32>>,
/// }
///
/// let group = ErrGroup::builder().collect().inline();
/// for n in 1..=3 {
///     group.try_spawn(async move { Ok(n * n) }).unwrap();
/// }
/// let batch = Batch { results: group.wait() };
/// assert_eq!(futures_executor::block_on(batch.results), Ok(vec![1, 4, 9]));
/// ```
pub mod future {
    #[cfg(feature = "std")]
    pub use crate::blocking::Blocking;
    pub use crate::handle::{Spawning, SpawningHandle};
    pub use crate::keyed::WithKey;
    pub use crate::shield::Protected;
    pub use crate::shutdown::{Now, Shutdown};
    pub use crate::supervise::{CancelOnError, RunUntilCancelled};
    pub use crate::task_handle::Handled;
    pub use crate::time_limit::TimeLimit;
    pub use crate::timeout::Deadline;
    pub use crate::token::{Cancelled, CancelledOwned, Ended};
    pub use crate::wait::{
        Completions, InlineSpawning, Race, TaskCompletions, Wait, WaitAll, WaitOutcomes, WaitUntil,
    };
    pub use crate::wait_group::WaitGroupWait;
}

/// The README shown on crates.io, its examples compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
