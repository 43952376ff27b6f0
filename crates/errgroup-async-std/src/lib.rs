//! [`errgroup`] for async-std: spawners, blocking tasks and timeouts.
//!
//! **async-std is discontinued upstream** ([RUSTSEC-2025-0052]): it gets no more fixes.
//! This adapter stays, thin, for programs that still run on it. New code should use
//! [`errgroup-smol`](https://docs.rs/errgroup-smol) instead: async-std already runs on
//! smol's building blocks (`async-executor`, `async-io`, `blocking`), and the smol adapter
//! has the same groups, blocking tasks and timeouts. For a program on [`group`], the move
//! is two lines, plus smol's `block_on` where you used async-std's (`!Send` tasks go on a
//! smol `LocalExecutor` you run yourself, `errgroup_smol::LocalSpawner::new(executor)`,
//! where [`local_group`] used async-std's):
//!
//! ```diff
//!  # Cargo.toml
//! -errgroup-async-std = "0.1"
//! +errgroup-smol = "0.1"
//!
//!  // your code
//! -let group = errgroup_async_std::group();
//! +let group = errgroup_smol::group();
//! ```
//!
//! [RUSTSEC-2025-0052]: https://rustsec.org/advisories/RUSTSEC-2025-0052
//!
//! This crate holds no group logic of its own: the [`ErrGroup`] is [`errgroup`]'s, and
//! this crate implements `errgroup`'s runtime traits for async-std
//! ([`Spawn`] or [`LocalSpawn`], [`Timer`], [`BlockingPool`]).
//!
//! - [`group`] makes a [`Group`] whose tasks run on async-std's global executor
//!   ([`Spawner`]); [`local_group`] makes a [`LocalGroup`] whose `!Send` tasks run on the
//!   current thread ([`LocalSpawner`]).
//! - `group.spawn_blocking(closure)` runs a blocking closure as a task of the group, on
//!   async-std's blocking thread pool.
//! - `group.wait_timeout(duration)` and `group.wait_deadline(instant)` wait for a group no
//!   longer than a duration or an instant, on async-std's timer (the clock starts at the
//!   call); when time runs out, the group is cancelled and its tasks are dropped.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//!
//! use errgroup_async_std::errgroup::Timed;
//!
//! async_std::task::block_on(async {
//!     let group = errgroup_async_std::group();
//!     for n in 1..=3u64 {
//!         let task = async move { if n == 2 { Err(format!("task {n} failed")) } else { Ok(()) } };
//!         if group.try_spawn(task).is_err() {
//!             break; // task 2 already failed and cancelled the group: stop feeding it
//!         }
//!     }
//!     // The first error cancels the other tasks and is what the group returns.
//!     assert_eq!(group.await, Err("task 2 failed".to_string()));
//!
//!     // Results in spawn order, blocking work included, and a bound on the wait.
//!     let group = errgroup_async_std::errgroup::ErrGroup::builder()
//!         .collect()
//!         .spawner(errgroup_async_std::Spawner::new());
//!     group.try_spawn(async { Ok::<u64, String>(1) }).unwrap();
//!     group.spawn_blocking(|| Ok((1..=10).sum())).unwrap();
//!     let outcome = group.wait_timeout(Duration::from_secs(60)).await;
//!     assert_eq!(outcome, Timed::Finished(Ok(vec![1, 55])));
//! });
//! ```
//!
//! # Features
//!
//! - `hyper` (off by default): [`Spawner`] and [`LocalSpawner`] implement hyper's
//!   `rt::Executor`, so hyper's connection tasks run on the executor the group spawns on.
//!
//! The crate turns on async-std's `default` feature (which gates
//! `task::spawn`, `task::spawn_blocking` and `task::sleep`) and its `unstable` feature
//! (which gates `task::spawn_local`, and pulls in `async-process`).
//!
//! # Runtime support
//!
//! async-std's global executor starts its threads on first use: there is no runtime to
//! build or enter, and none that shuts down under a group: a task is dropped only by the
//! group (cancelled) or at process exit. Should a task be dropped by its executor before
//! it finishes, the group counts it **lost**, never a success: `wait` re-raises it as a
//! panic naming the task, or returns `Err(Interrupted::Lost)` with
//! [`interruptions_as_errors`](errgroup::Builder::interruptions_as_errors) (the outcome
//! table is in [`errgroup`]'s docs). A [`LocalSpawner`]'s tasks are dropped with their
//! thread's executor. [`Spawner`] works from any thread; [`LocalSpawner`] needs the thread to
//! run async-std's executor (see its docs). async-std is discontinued upstream; prefer
//! `errgroup-smol`.
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "hyper")]
mod executor;

use core::{future::Future, time::Duration};
use std::time::Instant;

use async_std::task::{self, JoinHandle};
pub use errgroup;
use errgroup::{
    BlockingPool, Discard, ErrGroup, LocalSpawn, Spawn, SpawnError, Spawned, SpawnedLocal, Timer,
};

/// A group whose tasks run on async-std's global executor. Made by [`group`], or by
/// `ErrGroup::builder()...spawner(Spawner::new())` for other policies and results.
///
/// # Examples
///
/// ```
/// use errgroup_async_std::{Group, Spawner, errgroup::{Collect, ErrGroup}};
///
/// let group: Group<String, Collect<u32>> =
///     ErrGroup::builder().collect().spawner(Spawner::new());
/// group.try_spawn(async { Ok(7) }).unwrap();
/// assert_eq!(async_std::task::block_on(group.wait()), Ok(vec![7]));
/// ```
pub type Group<E, R = Discard> = ErrGroup<E, Spawned<Spawner>, R>;

/// A group whose `!Send` tasks run on the current thread's async-std executor. Made by
/// [`local_group`], or by `ErrGroup::builder()...local_spawner(LocalSpawner::new())`.
///
/// A local group is neither `Send` nor `Sync`, and nor are its handles: each task goes to
/// the executor of the thread that spawns it, so the group stays on the thread that made
/// it. (A group moved to another thread would spawn its tasks where its `wait` never runs
/// them.)
///
/// # Examples
///
/// ```
/// use errgroup_async_std::{LocalGroup, LocalSpawner, errgroup::{Collect, ErrGroup}};
///
/// let group: LocalGroup<String, Collect<u32>> =
///     ErrGroup::builder().collect().local_spawner(LocalSpawner::new());
/// group.try_spawn(async { Ok(7) }).unwrap();
/// assert_eq!(async_std::task::block_on(group.wait()), Ok(vec![7]));
/// ```
///
/// Sending a local group to another thread does not compile:
///
/// ```compile_fail
/// let group = errgroup_async_std::local_group::<()>();
/// std::thread::spawn(move || drop(group));
/// ```
pub type LocalGroup<E, R = Discard> = ErrGroup<E, SpawnedLocal<LocalSpawner>, R>;

/// A handle to a [`Group`]: what [`ErrGroup::handle`] returns, to move into a task that
/// spawns siblings. `R` as for [`Group`].
///
/// # Examples
///
/// ```
/// use errgroup_async_std::{Group, GroupHandle};
///
/// async_std::task::block_on(async {
///     let group: Group<String> = errgroup_async_std::group();
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
/// use errgroup_async_std::{LocalGroup, LocalGroupHandle};
///
/// fn handle_of<E>(group: &LocalGroup<E>) -> LocalGroupHandle<E> {
///     group.handle()
/// }
/// let group: LocalGroup<()> = errgroup_async_std::local_group();
/// let _handle = handle_of(&group);
/// ```
pub type LocalGroupHandle<E, R = Discard> = errgroup::GroupHandle<E, SpawnedLocal<LocalSpawner>, R>;

/// A fail-fast group whose tasks run on async-std's global executor: the first error or
/// panic cancels the other tasks and is what `wait` returns.
///
/// `E` is the tasks' error type, inferred from them. Name it when nothing else does (a task
/// that uses `?` inside an `async` block leaves it open): `group::<anyhow::Error>()`. The
/// group's and its handle's types are [`Group`] and [`GroupHandle`].
///
/// # Examples
///
/// ```
/// async_std::task::block_on(async {
///     let group = errgroup_async_std::group();
///     group.try_spawn(async { Ok::<(), &str>(()) }).unwrap();
///     group.try_spawn(async { Err("no") }).unwrap();
///     assert_eq!(group.await, Err("no"));
/// });
/// ```
pub fn group<E>() -> Group<E> {
    ErrGroup::new(Spawner::new())
}

/// A fail-fast group whose `!Send` tasks run on the current thread (see [`LocalSpawner`]
/// for what that thread must do).
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// async_std::task::block_on(async {
///     let group = errgroup_async_std::local_group();
///     let name = Rc::new("config.toml"); // not Send
///     group.try_spawn(async move { Err(format!("{name} is missing")) }).unwrap();
///     assert_eq!(group.await, Err("config.toml is missing".to_string()));
/// });
/// ```
pub fn local_group<E>() -> LocalGroup<E> {
    ErrGroup::builder().local_spawner(LocalSpawner::new())
}

/// Spawns a group's tasks on async-std's global executor, with `async_std::task::spawn`.
///
/// The task's `JoinHandle` is dropped at once, which in async-std detaches the task: it
/// runs to completion (or until the group drops it) without anyone holding a handle. The
/// executor's threads start on first use, so this works from any thread, inside
/// `async_std::task::block_on` or not.
///
/// # Examples
///
/// ```
/// use errgroup_async_std::{Spawner, errgroup::ErrGroup};
///
/// let group = ErrGroup::new(Spawner::new()); // the same as errgroup_async_std::group()
/// group.try_spawn(async { Ok::<(), ()>(()) }).unwrap();
/// assert_eq!(async_std::task::block_on(group.wait()), Ok(()));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Spawner(());

impl Spawner {
    /// A spawner for async-std's global executor.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_async_std::{Spawner, errgroup::ErrGroup};
    ///
    /// let group = ErrGroup::builder().collect().spawner(Spawner::new());
    /// for n in 1..=3u32 {
    ///     group.try_spawn(async move { Ok::<u32, ()>(n * n) }).unwrap();
    /// }
    /// assert_eq!(async_std::task::block_on(group.wait()), Ok(vec![1, 4, 9]));
    /// ```
    pub const fn new() -> Self {
        Self(())
    }
}

impl Spawn for Spawner {
    /// Spawns `task` on async-std's global executor and detaches it.
    ///
    /// # Errors
    ///
    /// [`SpawnError`] if async-std refuses the task. (async-std's own `task::spawn` panics
    /// in that case; this goes through `task::Builder`, which reports it.)
    fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        task::Builder::new()
            .spawn(task)
            // Dropping the `JoinHandle` detaches the task; it keeps running.
            .map(drop)
            .map_err(|_| SpawnError::new("async-std could not spawn the task"))
    }
}

/// Spawns a group's `!Send` tasks on the current thread, with
/// `async_std::task::spawn_local` (which async-std gates behind its `unstable` feature).
///
/// # Requirements
///
/// Each task goes to the executor of the thread that spawns it, and runs only while that
/// thread runs async-std's executor:
///
/// - inside `async_std::task::block_on` (the usual way: spawn and wait inside the same
///   `block_on`), or
/// - on one of async-std's own executor threads (spawning from a task of a
///   [`LocalGroup`], or from a task on async-std's global executor).
///
/// A task spawned on a thread that never runs async-std's executor again is never
/// polled, and the group's `wait` never resolves. The group's tasks and its `wait` must
/// therefore run on one thread; they need not be `Send`.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// async_std::task::block_on(async {
///     let group = errgroup_async_std::local_group();
///     let shared = Rc::new(5); // not Send
///     for _ in 0..3 {
///         let shared = Rc::clone(&shared);
///         group.try_spawn(async move { if *shared == 5 { Ok(()) } else { Err(()) } }).unwrap();
///     }
///     assert_eq!(group.await, Ok(()));
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct LocalSpawner(());

impl LocalSpawner {
    /// A spawner for the current thread's async-std executor.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// use errgroup_async_std::{LocalSpawner, errgroup::ErrGroup};
    ///
    /// async_std::task::block_on(async {
    ///     let group = ErrGroup::builder().collect().local_spawner(LocalSpawner::new());
    ///     let word = Rc::new("local"); // not Send
    ///     group.try_spawn(async move { Ok::<usize, ()>(word.len()) }).unwrap();
    ///     assert_eq!(group.await, Ok(vec![5]));
    /// });
    /// ```
    pub const fn new() -> Self {
        Self(())
    }
}

impl LocalSpawn for LocalSpawner {
    /// Spawns `task` on the current thread's async-std executor and detaches it.
    ///
    /// # Errors
    ///
    /// [`SpawnError`] if async-std refuses the task. (async-std's own `task::spawn_local`
    /// panics in that case; this goes through `task::Builder`, which reports it.)
    fn spawn_local<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + 'static,
    {
        task::Builder::new()
            .local(task)
            // Dropping the `JoinHandle` detaches the task; it keeps running.
            .map(drop)
            .map_err(|_| SpawnError::new("async-std could not spawn the local task"))
    }
}

/// Both spawners have async-std's timer (`async-io`'s [`Timer`](async_io::Timer), which
/// async-std runs on; its deadline is fixed when it is made) and its blocking pool
/// (`async_std::task::spawn_blocking`).
macro_rules! async_std_runtime {
    ($($spawner:ty),*) => {$(
        impl Timer for $spawner {
            type Instant = Instant;
            type Sleep = async_io::Timer;

            fn now(&self) -> Instant {
                Instant::now()
            }

            fn checked_add(&self, instant: Instant, duration: Duration) -> Option<Instant> {
                instant.checked_add(duration)
            }

            fn sleep_until(&self, deadline: Instant) -> async_io::Timer {
                async_io::Timer::at(deadline)
            }
        }

        impl BlockingPool for $spawner {
            type Job<T: Send + 'static> = JoinHandle<T>;

            fn spawn_blocking<T, F>(&self, job: F) -> JoinHandle<T>
            where
                F: FnOnce() -> T + Send + 'static,
                T: Send + 'static,
            {
                task::spawn_blocking(job)
            }

            /// The pool never drops a job unrun.
            fn joined<T: Send + 'static>(output: T) -> Option<T> {
                Some(output)
            }
        }
    )*};
}

async_std_runtime!(Spawner, LocalSpawner);

/// The README shown on crates.io, its examples compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
