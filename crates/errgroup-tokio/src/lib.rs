//! [`errgroup`] for tokio: task groups whose tasks run on a tokio runtime.
//!
//! A thin adapter. The group itself — first error cancels the rest, limits, results,
//! panics, cancellation tokens, timeouts, blocking closures — is [`errgroup::ErrGroup`];
//! this crate implements `errgroup`'s runtime traits for tokio ([`Spawn`](errgroup::Spawn)
//! or [`LocalSpawn`](errgroup::LocalSpawn), [`Timer`](errgroup::Timer),
//! [`BlockingPool`](errgroup::BlockingPool)) and offers constructors:
//!
//! - [`Spawner`]: tasks on a runtime [`Handle`](tokio::runtime::Handle) (multi-thread or
//!   current-thread), tokio's timer and blocking pool. [`group()`] makes a fail-fast
//!   [`Group`] on the current runtime; for other settings, `ErrGroup::builder()` ...
//!   `.spawner(Spawner::current())`.
//! - [`LocalSpawner`]: `!Send` tasks on a [`LocalSet`](tokio::task::LocalSet);
//!   [`local_group()`] makes a [`LocalGroup`].
//!
//! So a group on either has `group.wait_timeout(duration)`, `group.wait_deadline(instant)`
//! (on tokio's clock, paused or not) and `group.spawn_blocking(closure)`, with no trait to
//! import.
//!
//! Coming from `JoinSet`, `TaskTracker`, Go's `errgroup` or `FuturesUnordered`: the guide
//! [`coming_from`] maps each idiom to errgroup.
//!
//! # Examples
//!
//! ```
//! use core::time::Duration;
//! use errgroup_tokio::{Spawner, errgroup::{ErrGroup, Timed}};
//!
//! async fn fetch(id: u32) -> Result<String, String> {
//!     if id == 3 { Err(format!("item {id} is missing")) } else { Ok(format!("item {id}")) }
//! }
//!
//! let runtime = tokio::runtime::Builder::new_multi_thread()
//!     .worker_threads(2)
//!     .enable_time()
//!     .build()
//!     .unwrap();
//! runtime.block_on(async {
//!     // Fail fast: the first error cancels the other tasks and is what `wait` returns.
//!     let group = errgroup_tokio::group();
//!     for id in 1..=5 {
//!         if group.spawn(async move { fetch(id).await.map(drop) }).await.is_err() {
//!             break; // cancelled: stop feeding it
//!         }
//!     }
//!     assert_eq!(group.await, Err("item 3 is missing".to_string()));
//!
//!     // Results in spawn order, async and blocking tasks side by side, at most a second.
//!     let group = ErrGroup::builder().collect().spawner(Spawner::current());
//!     group.try_spawn(fetch(1)).unwrap();
//!     group.spawn_blocking(|| Ok("computed".to_string())).unwrap();
//!     let outcome = group.wait_timeout(Duration::from_secs(1)).await;
//!     assert_eq!(outcome, Timed::Finished(Ok(vec!["item 1".into(), "computed".into()])));
//! });
//! ```
//!
//! A task's own time limit runs on tokio's timer too (here a paused clock, which jumps to
//! the next timer when every task waits):
//!
//! ```
//! use std::time::Duration;
//! use errgroup_tokio::errgroup::Elapsed;
//!
//! let runtime = tokio::runtime::Builder::new_current_thread()
//!     .enable_time()
//!     .start_paused(true)
//!     .build()
//!     .unwrap();
//! runtime.block_on(async {
//!     let group = errgroup_tokio::group::<anyhow::Error>();
//!     group
//!         .task()
//!         .name("slow")
//!         .time_limit(Duration::from_secs(5))
//!         .try_spawn(std::future::pending())
//!         .unwrap();
//!     let error = group.await.unwrap_err();
//!     assert_eq!(error.downcast_ref::<Elapsed>().unwrap().limit(), Duration::from_secs(5));
//! });
//! ```
//!
//! # Features
//!
//! - `tokio-util` (off by default): `CancellationTokenExt::to_cancel_token` and
//!   `CancelTokenExt::to_cancellation_token`, bridges between tokio-util's
//!   `CancellationToken` and errgroup's [`CancelToken`](errgroup::CancelToken), both ways:
//!   `ErrGroup::builder().child_of(&shutdown.to_cancel_token())` stops a group when an
//!   application's shutdown token fires.
//! - `hyper` (off by default): [`Spawner`] and [`LocalSpawner`] implement hyper's
//!   `rt::Executor`, so hyper's connection tasks run on the runtime the group spawns on:
//!   `http2::Builder::new(Spawner::current())`.
//!
//! The crate enables tokio's `rt` (spawning, `LocalSet`, the blocking pool) and `time`
//! (the timer for timeouts) features, nothing else; build your runtime with the flavour
//! you like (`rt-multi-thread` is yours to enable).
//!
//! # Runtime notes
//!
//! - [`Spawner::current`] and [`group()`] must be called inside a runtime;
//!   [`Spawner::from`] a [`Handle`](tokio::runtime::Handle) works from anywhere, and so do
//!   its group's timeouts (on a runtime built with `enable_time`). A [`LocalGroup`]'s
//!   timeouts are made inside the current runtime.
//! - A runtime that shuts down drops its tasks: the group counts each one **lost**, never a
//!   success, and `wait` says so (a panic naming the task, or `Err(Interrupted::Lost)`
//!   with `interruptions_as_errors`; see [`Spawner`] and the outcome table in
//!   [`errgroup`]'s docs). Keep the runtime alive until `wait` resolves.
//! - A cancelled group drops its tasks, and its blocking closures that have not started
//!   (they never run), but cannot stop a blocking closure that is already running: it
//!   finishes on the blocking pool, unobserved (see
//!   [`GroupHandle::spawn_blocking`](errgroup::GroupHandle::spawn_blocking)).
//! - A [`LocalGroup`] spawns into the `LocalSet` the spawning code runs in, and panics
//!   outside one (tokio offers no way to check beforehand; see [`LocalSpawner`]).
//! - Compared with tokio's `JoinSet`, a group needs no `JoinHandle`s: it counts its tasks
//!   itself, carries the first error, cancels the rest by dropping them, limits
//!   concurrency, and catches panics per task.
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "tokio-util")]
mod cancellation;
#[doc = include_str!("coming_from.md")]
pub mod coming_from {}
#[cfg(feature = "hyper")]
mod executor;
mod local;
mod runtime;
mod spawner;

#[cfg(feature = "tokio-util")]
pub use cancellation::{CancelTokenExt, CancellationTokenExt};
pub use errgroup;
pub use local::LocalSpawner;
pub use spawner::Spawner;

use errgroup::{Discard, ErrGroup, Spawned, SpawnedLocal};

/// A group whose tasks run on a tokio runtime: made by [`group()`], or by
/// `ErrGroup::builder()` ... `.spawner(spawner)`.
///
/// # Examples
///
/// ```
/// use errgroup_tokio::{Group, Spawner, errgroup::{Collect, ErrGroup}};
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// runtime.block_on(async {
///     let group: Group<String, Collect<u8>> =
///         ErrGroup::builder().collect().spawner(Spawner::current());
///     group.try_spawn(async { Ok(7) }).unwrap();
///     assert_eq!(group.await, Ok(vec![7]));
/// });
/// ```
pub type Group<E, R = Discard> = ErrGroup<E, Spawned<Spawner>, R>;

/// A group whose `!Send` tasks run on the current thread's tokio
/// [`LocalSet`](tokio::task::LocalSet): made by [`local_group()`], or by
/// `ErrGroup::builder()` ... `.local_spawner(LocalSpawner::new())`.
///
/// A local group is neither `Send` nor `Sync`, and nor are its handles: each task goes to
/// the `LocalSet` of the thread that spawns it, and only that thread's `LocalSet` runs it,
/// so the group stays on the thread that made it. (A group moved to another thread would
/// spawn its tasks where its `wait` never drives them.)
///
/// # Examples
///
/// See [`local_group()`].
///
/// Sending a local group to another thread does not compile:
///
/// ```compile_fail
/// let group = errgroup_tokio::local_group::<()>();
/// std::thread::spawn(move || drop(group));
/// ```
pub type LocalGroup<E, R = Discard> = ErrGroup<E, SpawnedLocal<LocalSpawner>, R>;

/// A handle to a [`Group`]: what [`ErrGroup::handle`] returns, to move into a task that
/// spawns siblings. `R` as for [`Group`].
///
/// # Examples
///
/// ```
/// use errgroup_tokio::{Group, GroupHandle};
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// runtime.block_on(async {
///     let group: Group<String> = errgroup_tokio::group();
///     let handle: GroupHandle<String> = group.handle();
///     handle.try_spawn(async { Ok(()) }).unwrap();
///     assert_eq!(group.await, Ok(()));
/// });
/// ```
pub type GroupHandle<E, R = Discard> = errgroup::GroupHandle<E, Spawned<Spawner>, R>;

/// A handle to a [`LocalGroup`], as [`GroupHandle`] is to a [`Group`]; neither `Send` nor
/// `Sync`, as the group is not.
///
/// # Examples
///
/// ```
/// use errgroup_tokio::{LocalGroup, LocalGroupHandle, errgroup::ErrGroup};
///
/// fn handle_of<E>(group: &LocalGroup<E>) -> LocalGroupHandle<E> {
///     group.handle()
/// }
/// let group: LocalGroup<()> = ErrGroup::builder().local_spawner(errgroup_tokio::LocalSpawner::new());
/// let _handle = handle_of(&group);
/// ```
pub type LocalGroupHandle<E, R = Discard> = errgroup::GroupHandle<E, SpawnedLocal<LocalSpawner>, R>;

/// A fail-fast group on the current tokio runtime: `ErrGroup::new(Spawner::current())`.
///
/// `E` is the tasks' error type, inferred from them. Name it when nothing else does: a
/// task that uses `?` inside an `async` block leaves its error type open (Rust infers no
/// error type for `?` there), and so does `group.await?` in a function returning
/// `anyhow::Result`; the compiler then asks for `group::<E>()`. To keep the group or its
/// handle in a struct or pass it to a function, its types are [`Group`] and
/// [`GroupHandle`].
///
/// # Examples
///
/// ```
/// let runtime = tokio::runtime::Builder::new_multi_thread().build().unwrap();
/// runtime.block_on(async {
///     let group = errgroup_tokio::group();
///     group.try_spawn(async { Ok(()) }).unwrap();
///     group.try_spawn(async { Err("boom") }).unwrap();
///     assert_eq!(group.await, Err("boom"));
/// });
/// ```
///
/// With `?` inside the tasks, the error type named once:
///
/// ```
/// async fn fetch(id: u32) -> anyhow::Result<String> {
///     if id == 3 { anyhow::bail!("item {id} is missing") } else { Ok(format!("item {id}")) }
/// }
///
/// async fn crawl() -> anyhow::Result<()> {
///     let group = errgroup_tokio::group::<anyhow::Error>();
///     for id in 0..5 {
///         group.spawn(async move {
///             let page = fetch(id).await?;
///             assert!(page.starts_with("item"));
///             Ok(())
///         })
///         .await?;
///     }
///     group.await
/// }
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let error = runtime.block_on(crawl()).unwrap_err();
/// assert_eq!(error.to_string(), "item 3 is missing");
/// ```
///
/// # Panics
///
/// Outside a tokio runtime, as [`Spawner::current`].
#[track_caller]
pub fn group<E>() -> Group<E> {
    ErrGroup::new(Spawner::current())
}

/// A fail-fast group whose `!Send` tasks run on the current thread's tokio
/// [`LocalSet`](tokio::task::LocalSet).
///
/// Making the group needs no `LocalSet`; spawning into it does, and awaiting it drives
/// nothing by itself: await it inside the `LocalSet` (`run_until`, `block_on`).
///
/// # Examples
///
/// ```
/// use std::{cell::Cell, rc::Rc};
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let local = tokio::task::LocalSet::new();
/// let total = Rc::new(Cell::new(0)); // not `Send`
/// local.block_on(&runtime, async {
///     let group = errgroup_tokio::local_group::<()>();
///     for n in 1..=4 {
///         let total = total.clone();
///         group
///             .try_spawn(async move {
///                 total.set(total.get() + n);
///                 Ok(())
///             })
///             .unwrap();
///     }
///     group.await.unwrap();
/// });
/// assert_eq!(total.get(), 10);
/// ```
///
/// # Panics
///
/// Never here; spawning outside a `LocalSet` panics (see [`LocalSpawner`]).
pub fn local_group<E>() -> LocalGroup<E> {
    ErrGroup::builder().local_spawner(LocalSpawner::new())
}

/// The README shown on crates.io, its examples compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
