//! [`errgroup`] for smol: spawners for smol's global executor, for an [`Executor`] and
//! for a [`LocalExecutor`], blocking closures as tasks, and timeouts on smol's timer.
//!
//! This crate holds no group logic of its own — that is all in [`errgroup`]: it
//! implements `errgroup`'s runtime traits for smol ([`Spawn`](errgroup::Spawn) or
//! [`LocalSpawn`](errgroup::LocalSpawn), [`Timer`](errgroup::Timer) on smol's timer,
//! [`BlockingPool`](errgroup::BlockingPool) on its blocking pool) and offers constructors.
//! So a group on any of its spawners has `group.wait_timeout(duration)`,
//! `group.wait_deadline(instant)` and `group.spawn_blocking(closure)`, with no trait to
//! import.
//!
//! - [`group`] (or [`ErrGroup::new`]`(`[`Spawner`]`)`): a fail-fast [`Group`] on the
//!   global executor, [`smol::spawn`]'s.
//! - [`ExecutorSpawner`]: tasks on an `Arc<`[`Executor`]`>` you run yourself.
//! - [`LocalSpawner`] and [`LocalGroup`]: `!Send` tasks on an `Rc<`[`LocalExecutor`]`>`.
//!
//! [`ErrGroup::new`]: errgroup::ErrGroup::new
//! [`Executor`]: smol::Executor
//! [`LocalExecutor`]: smol::LocalExecutor
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//!
//! use errgroup::{ErrGroup, Timed};
//! use errgroup_smol::Spawner;
//!
//! async fn fetch(id: u32) -> Result<u32, String> {
//!     if id == 3 { Err(format!("item {id} is missing")) } else { Ok(id * 10) }
//! }
//!
//! smol::block_on(async {
//!     // Fail fast on the global executor: the first error cancels the rest.
//!     let group = errgroup_smol::group();
//!     for id in 1..=5 {
//!         if group.try_spawn(async move { fetch(id).await.map(drop) }).is_err() {
//!             break; // cancelled: stop feeding it
//!         }
//!     }
//!     assert_eq!(group.await, Err("item 3 is missing".to_string()));
//!
//!     // Results in spawn order, blocking work on the blocking pool, and a timeout.
//!     let group = ErrGroup::builder().collect().spawner(Spawner);
//!     group.try_spawn(fetch(1)).unwrap();
//!     group.spawn_blocking(|| Ok(std::iter::repeat_n(1, 20).sum())).unwrap();
//!     let outcome = group.wait_timeout(Duration::from_secs(60)).await;
//!     assert_eq!(outcome, Timed::Finished(Ok(vec![10, 20])));
//! });
//! ```
//!
//! # Features
//!
//! - `hyper` (off by default): the spawners implement hyper's `rt::Executor`, so hyper's
//!   connection tasks run on the executor the group spawns on.
//!
//! The crate always needs `std` (smol does), and enables `errgroup`'s `std` feature, so
//! panics in tasks are caught and re-raised at `wait`.
//!
//! # Runtime support
//!
//! Notes on smol that matter to a group:
//!
//! - **The global executor is single-threaded by default**: [`smol::spawn`] runs tasks on
//!   `SMOL_THREADS` background threads, one unless that variable says otherwise. A task
//!   that blocks its thread stalls every other task there; give blocking work to
//!   `group.spawn_blocking`.
//! - **Executors you own must be run.** [`ExecutorSpawner`] and [`LocalSpawner`] only
//!   spawn: until something runs the executor (`executor.run(group.wait())` is the usual
//!   way), the tasks do not run and `wait` does not resolve. The spawner holds the
//!   executor (an `Arc` or `Rc`), so the group and its handles keep it alive; a task that
//!   holds a handle and is never run keeps it alive too.
//! - **Executors never refuse a task**, so [`Rejected::Spawner`](errgroup::Rejected) does
//!   not come from this crate's spawners.
//! - **Tasks are detached**: the group, not a `smol::Task` handle, owns them. On the global
//!   executor a task is never dropped at process exit; `wait` (or dropping the group,
//!   which cancels it) is what ends them.
//! - **Runtime shutdown**: an `Executor` that is dropped drops the tasks it still holds.
//!   The group counts each one **lost**, never a success: it cancels a fail-fast group,
//!   and `wait` re-raises it as a panic naming the task, or returns `Err(Interrupted::Lost)`
//!   with [`interruptions_as_errors`](errgroup::Builder::interruptions_as_errors) (the
//!   outcome table is in [`errgroup`]'s docs). The spawners of this crate hold their
//!   executor, so it lives as long as the group or a handle does.
//! - **Timers** are `async-io`'s: they fire under any executor (the `async-io` reactor
//!   thread drives them when no `block_on` does). There is no paused or mocked clock, so
//!   timeouts take real time.
//! - **Blocking closures cannot be interrupted**: a cancelled group stops waiting for a
//!   running closure, which then finishes on its thread unobserved. A closure that has not
//!   started by then never runs, even if it is queued on the blocking pool.
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

#[cfg(feature = "hyper")]
mod executor;
mod spawn;

pub use errgroup;
pub use spawn::{ExecutorSpawner, LocalSpawner, Spawner};

use errgroup::{Discard, ErrGroup, Spawned, SpawnedLocal};

/// A group whose tasks run on smol's global executor. `R` is what becomes of the tasks'
/// `Ok` values ([`Discard`] by default).
///
/// # Examples
///
/// ```
/// use errgroup::{Collect, ErrGroup};
/// use errgroup_smol::{Group, Spawner};
///
/// let group: Group<(), Collect<u32>> = ErrGroup::builder().collect().spawner(Spawner);
/// group.try_spawn(async { Ok(7) }).unwrap();
/// assert_eq!(smol::block_on(group.wait()), Ok(vec![7]));
/// ```
pub type Group<E, R = Discard> = ErrGroup<E, Spawned<Spawner>, R>;

/// A group whose `!Send` tasks run on a [`LocalExecutor`](smol::LocalExecutor) on this
/// thread.
///
/// A local group is neither `Send` nor `Sync`, and nor are its handles, so it stays on the
/// thread of its executor.
///
/// # Examples
///
/// See [`LocalSpawner`].
///
/// Sending a local group to another thread does not compile:
///
/// ```compile_fail
/// use std::rc::Rc;
///
/// use errgroup::ErrGroup;
/// use errgroup_smol::{LocalGroup, LocalSpawner};
///
/// let local = Rc::new(smol::LocalExecutor::new());
/// let group: LocalGroup<()> = ErrGroup::builder().local_spawner(LocalSpawner::from(local));
/// std::thread::spawn(move || drop(group));
/// ```
pub type LocalGroup<E, R = Discard> = ErrGroup<E, SpawnedLocal<LocalSpawner>, R>;

/// A handle to a [`Group`]: what [`ErrGroup::handle`] returns, to move into a task that
/// spawns siblings. `R` as for [`Group`].
///
/// # Examples
///
/// ```
/// use errgroup_smol::{Group, GroupHandle};
///
/// smol::block_on(async {
///     let group: Group<String> = errgroup_smol::group();
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
/// use errgroup_smol::{LocalGroup, LocalGroupHandle, errgroup::ErrGroup};
///
/// fn handle_of<E>(group: &LocalGroup<E>) -> LocalGroupHandle<E> {
///     group.handle()
/// }
/// let local = std::rc::Rc::new(smol::LocalExecutor::new());
/// let group: LocalGroup<()> =
///     ErrGroup::builder().local_spawner(errgroup_smol::LocalSpawner::from(local));
/// let _handle = handle_of(&group);
/// ```
pub type LocalGroupHandle<E, R = Discard> = errgroup::GroupHandle<E, SpawnedLocal<LocalSpawner>, R>;

/// A fail-fast group on smol's global executor: the first error or panic cancels the other
/// tasks, and is what `wait` returns.
///
/// `E` is the tasks' error type, inferred from them. Name it when nothing else does (a task
/// that uses `?` inside an `async` block leaves it open): `group::<anyhow::Error>()`. The
/// group's and its handle's types are [`Group`] and [`GroupHandle`].
///
/// # Examples
///
/// ```
/// let group = errgroup_smol::group();
/// group.try_spawn(async { Err::<(), _>("boom") }).unwrap();
/// assert_eq!(smol::block_on(group.wait()), Err("boom"));
/// ```
pub fn group<E>() -> Group<E> {
    ErrGroup::new(Spawner)
}

/// The README shown on crates.io, its examples compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
