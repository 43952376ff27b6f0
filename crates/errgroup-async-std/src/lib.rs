//! [`errgroup`] for async-std: spawners, blocking tasks and timeouts.
//!
//! **async-std is discontinued upstream** ([RUSTSEC-2025-0052]): it gets no more fixes.
//! This adapter stays, thin, for programs that still run on it. New code should use
//! [`errgroup-smol`](https://docs.rs/errgroup-smol) instead: async-std already runs on
//! smol's building blocks (`async-executor`, `async-io`, `blocking`), and the smol adapter
//! offers the same API.
//!
//! [RUSTSEC-2025-0052]: https://rustsec.org/advisories/RUSTSEC-2025-0052
//!
//! This crate holds no group logic of its own: the [`ErrGroup`] is [`errgroup`]'s, and
//! this crate only says where its tasks run and which timer it waits with.
//!
//! - [`group`] makes a [`Group`] whose tasks run on async-std's global executor
//!   ([`Spawner`]); [`local_group`] makes a [`LocalGroup`] whose `!Send` tasks run on the
//!   current thread ([`LocalSpawner`]).
//! - [`SpawnBlocking::spawn_blocking`] runs a blocking closure as a task of the group, on
//!   async-std's blocking thread pool.
//! - [`WaitTimeout::wait_timeout`] and [`WaitTimeout::wait_deadline`] wait for a group no
//!   longer than a duration or an instant, on async-std's timer; when time runs out, the
//!   group is cancelled and its tasks are dropped.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//!
//! use errgroup_async_std::{SpawnBlocking, WaitTimeout, errgroup::Timed};
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
//! None of its own. It turns on async-std's `default` feature (which gates
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

extern crate alloc;

use alloc::sync::Arc;
use core::{
    fmt,
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
    time::Duration,
};
use std::{
    sync::{Mutex, PoisonError},
    time::Instant,
};

use async_std::task::{self, JoinHandle};
pub use errgroup;
use errgroup::{
    Discard, ErrGroup, GroupHandle, LocalSpawn, Mode, Rejected, Results, Spawn, SpawnError,
    Spawned, SpawnedLocal, TimedOutcome,
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
/// See [`LocalSpawner`].
///
/// Sending a local group to another thread does not compile:
///
/// ```compile_fail
/// let group = errgroup_async_std::local_group::<()>();
/// std::thread::spawn(move || drop(group));
/// ```
pub type LocalGroup<E, R = Discard> = ErrGroup<E, SpawnedLocal<LocalSpawner>, R>;

/// A fail-fast group whose tasks run on async-std's global executor: the first error or
/// panic cancels the other tasks and is what `wait` returns.
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
/// See [`LocalSpawner`].
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
    /// See [`Spawner`].
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
    /// See [`LocalSpawner`].
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

mod sealed {
    pub trait Sealed {}
}

impl<E, R: Results> sealed::Sealed for GroupHandle<E, Spawned<Spawner>, R> {}

/// Runs blocking closures as tasks of a group, on async-std's blocking thread pool
/// (`async_std::task::spawn_blocking`). Implemented for the [`GroupHandle`] of a [`Group`];
/// a group derefs to its handle, so `group.spawn_blocking(f)` works. Sealed.
///
/// # Examples
///
/// ```
/// use errgroup_async_std::SpawnBlocking;
///
/// async_std::task::block_on(async {
///     let group = errgroup_async_std::group();
///     group.spawn_blocking(|| std::fs::metadata(".").map(drop)).unwrap();
///     group.await.unwrap();
/// });
/// ```
pub trait SpawnBlocking<E, R: Results = Discard>: sealed::Sealed {
    /// Spawns `f` as a task of the group: it runs on async-std's blocking thread pool, and
    /// the group waits for it like for any task.
    ///
    /// Its `Ok` value is the task's result (collected in spawn order by a collecting
    /// group), its error is the group's error (the first one cancels the other tasks), and
    /// a panic inside it is the group's panic, with the original payload: re-raised at
    /// `wait`, or turned into an error with `panics_as_errors`.
    ///
    /// Like `try_spawn`, it never waits: with the group's limit reached it hands `f` back.
    /// The closure is handed to the blocking pool when the task is first polled on the
    /// executor; a group cancelled before the closure starts drops it unrun.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_async_std::{SpawnBlocking, errgroup::Rejected};
    ///
    /// async_std::task::block_on(async {
    ///     let group = errgroup_async_std::group::<String>();
    ///     group.spawn_blocking(|| Err("the disk is full".to_string())).unwrap();
    ///     let handle = group.handle();
    ///     assert_eq!(group.await, Err("the disk is full".to_string()));
    ///
    ///     // The group has finished: it refuses more work and hands the closure back.
    ///     let Err(Rejected::Closed(f)) = handle.spawn_blocking(|| Ok(())) else {
    ///         unreachable!()
    ///     };
    ///     assert_eq!(f(), Ok(()));
    /// });
    /// ```
    ///
    /// # Errors
    ///
    /// The closure is handed back, never run, inside [`Rejected::Full`] when the limit is
    /// reached, [`Rejected::Cancelled`] when the group is cancelled and
    /// [`Rejected::Closed`] when it has finished. [`Rejected::Spawner`] if async-std
    /// refused the task (the closure was dropped).
    ///
    /// # Cancel safety
    ///
    /// When the group is cancelled (by an error, a panic,
    /// [`cancel`](errgroup::GroupHandle::cancel), its parent or a timeout) or dropped, a closure
    /// that had not started never runs, whether or not its task had handed it to the
    /// blocking pool: it is dropped, with everything it captured, by the time the group's
    /// `wait` returns. (async-std cannot take back a job it was given: a job left on its
    /// pool finds the closure gone when its turn comes, and does nothing.) A blocking
    /// closure that had already started cannot be interrupted: it runs to completion on its
    /// thread, its outcome (value, error or panic) is discarded, and `wait` does not wait
    /// for it.
    ///
    /// A [`cooperative`](errgroup::Builder::cooperative) group drops no task when
    /// cancelled, so there a queued closure still runs, and `wait` waits for it: a closure
    /// that should not start late checks the group's token first.
    ///
    /// # Blocking
    ///
    /// The closure may block as long as it likes: it runs on async-std's blocking pool,
    /// which grows as needed, never on the async executor's threads.
    fn spawn_blocking<F>(&self, f: F) -> Result<(), Rejected<F>>
    where
        F: FnOnce() -> Result<R::Value, E> + Send + 'static;
}

impl<E, R> SpawnBlocking<E, R> for GroupHandle<E, Spawned<Spawner>, R>
where
    E: Send + 'static,
    R: Results + 'static,
    R::Value: Send + 'static,
    R::Store: Send + Sync,
{
    fn spawn_blocking<F>(&self, f: F) -> Result<(), Rejected<F>>
    where
        F: FnOnce() -> Result<R::Value, E> + Send + 'static,
    {
        self.try_spawn(Blocking::new(f)).map_err(|rejected| rejected.map(Blocking::into_closure))
    }
}

/// A blocking closure as a task: holds the closure until first polled, then the [`Slot`]
/// it was moved to and the `JoinHandle` of the job that runs it on async-std's blocking
/// pool, unless this task is dropped first. A rejected task was never polled, so its
/// closure is still here to hand back.
///
/// A panic in the closure needs no handling here: async-std's `JoinHandle` re-raises it,
/// with its original payload, when polled, and the group catches it per task.
struct Blocking<F, T> {
    closure: Option<F>,
    running: Option<Running<F, T>>,
}

/// A handed-over closure and the job that may run it. Dropping it drops the closure if the
/// job has not taken it yet, so the job, which async-std detaches when its `JoinHandle` is
/// dropped, finds it gone and does not run it.
struct Running<F, T> {
    /// Held for its `Drop`, which is what keeps a cancelled closure from running.
    _slot: Slot<F>,
    job: JoinHandle<Option<T>>,
}

impl<F, T> Blocking<F, T> {
    fn new(closure: F) -> Self {
        Self { closure: Some(closure), running: None }
    }

    fn into_closure(self) -> F {
        self.closure.expect("a rejected task was never polled, so it still holds its closure")
    }
}

// Nothing is structurally pinned: the closure is moved out, `Slot` is an `Arc` and
// `JoinHandle` is `Unpin`.
impl<F, T> Unpin for Blocking<F, T> {}

impl<F, T> Future for Blocking<F, T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = &mut *self;
        if let Some(closure) = this.closure.take() {
            let slot = Slot::new(closure);
            let job = task::spawn_blocking(slot.job());
            this.running = Some(Running { _slot: slot, job });
        }
        let running = this.running.as_mut().expect("a blocking task polled after it completed");
        let outcome = ready!(Pin::new(&mut running.job).poll(cx));
        this.running = None;
        // Only dropping `running` empties the slot, and it was alive until the job ended.
        Poll::Ready(outcome.expect("a blocking closure vanished from its slot"))
    }
}

impl<F, T> fmt::Debug for Blocking<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blocking").field("started", &self.closure.is_none()).finish()
    }
}

/// A closure shared by a group's task and the pool job meant to run it: whichever takes it
/// first decides its fate. The job takes it to run it; the task, dropped by its group
/// before the job started, takes it to drop it then and there, so that it never runs and
/// what it captured does not wait for the pool to reach the job.
struct Slot<F>(Arc<Mutex<Option<F>>>);

impl<F> Slot<F> {
    fn new(closure: F) -> Self {
        Self(Arc::new(Mutex::new(Some(closure))))
    }

    /// The job for the pool: runs the closure if it is still in the slot.
    fn job<T>(&self) -> impl FnOnce() -> Option<T> + Send + 'static
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let slot = Arc::clone(&self.0);
        // Taken out first: the closure runs (and may panic) with the lock released.
        move || take(&slot).map(|closure| closure())
    }
}

impl<F> Drop for Slot<F> {
    fn drop(&mut self) {
        // Dropped with the lock released: a panicking `Drop` of a capture poisons nothing
        // and is the group's to catch, as for any task's future.
        drop(take(&self.0));
    }
}

/// Takes the closure out of its slot, if it is still there. No user code runs under the
/// lock, so it is never poisoned; a poisoned lock is taken over all the same.
fn take<F>(slot: &Mutex<Option<F>>) -> Option<F> {
    slot.lock().unwrap_or_else(PoisonError::into_inner).take()
}

impl<E, M: Mode, R: Results> sealed::Sealed for ErrGroup<E, M, R> {}

/// Waits for a group no longer than a duration, or until an instant, on async-std's timer.
/// Implemented for every [`ErrGroup`], whatever its mode. Sealed.
///
/// Both are [`ErrGroup::wait_until`] with an async-std timer: when the timer fires first,
/// the group is cancelled (reason [`CancelReason::Timeout`](errgroup::CancelReason)), its
/// tasks are dropped, and the outcome comes back as
/// [`Timed::TimedOut`](errgroup::Timed::TimedOut) — with the values that did arrive, each
/// at its task's position, in a collecting group.
///
/// What a timeout cannot bound (see [`ErrGroup::wait_until`]): a task that blocks inside
/// its `poll`, a task on an executor nobody runs, and a cooperative group's tasks, which
/// run until they see the token. The timer stops the waiting, then the group waits for its
/// tasks to be dropped.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// use errgroup_async_std::{WaitTimeout, errgroup::Timed};
///
/// async_std::task::block_on(async {
///     let group = errgroup_async_std::group::<()>();
///     group.try_spawn(async { Ok(()) }).unwrap();
///     let outcome = group.wait_timeout(Duration::from_secs(60)).await;
///     assert_eq!(outcome, Timed::Finished(Ok(())));
/// });
/// ```
pub trait WaitTimeout<E, R: Results>: sealed::Sealed + Sized {
    /// Waits for every task to finish or be dropped, like `wait`, but no longer than
    /// `timeout` (counted from the first poll of the returned future).
    ///
    /// When it resolves, every task's future has been dropped: it is
    /// [`Timed::Finished`](errgroup::Timed::Finished) with the group's outcome if the group finished in time, and
    /// [`Timed::TimedOut`](errgroup::Timed::TimedOut) if the timer fired first, with the outcome of the cancelled
    /// group: an error that came before the timer, or `Ok` with the values that did
    /// arrive, each at its task's position.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use errgroup_async_std::{WaitTimeout, errgroup::{CancelReason, Timed}};
    ///
    /// async_std::task::block_on(async {
    ///     let group = errgroup_async_std::group::<()>();
    ///     let token = group.token();
    ///     group.try_spawn(std::future::pending()).unwrap(); // never finishes
    ///     let outcome = group.wait_timeout(Duration::from_millis(10)).await;
    ///     assert_eq!(outcome, Timed::TimedOut(Ok(())));
    ///     assert_eq!(token.reason(), Some(CancelReason::Timeout));
    /// });
    /// ```
    ///
    /// # Panics
    ///
    /// Re-raises the first task panic, unless the group turns panics into errors.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, which cancels the remaining tasks.
    fn wait_timeout(self, timeout: Duration) -> impl Future<Output = TimedOutcome<E, R>>;

    /// Waits for every task to finish or be dropped, like `wait`, but not past
    /// `deadline`. The same as [`wait_timeout`](Self::wait_timeout) with the time left
    /// until `deadline` when the returned future is first polled (none if it has passed:
    /// the group is cancelled at once, and whatever it has is the outcome).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// use errgroup_async_std::{WaitTimeout, errgroup::Timed};
    ///
    /// async_std::task::block_on(async {
    ///     let deadline = Instant::now() + Duration::from_secs(60);
    ///     let group = errgroup_async_std::group::<()>();
    ///     group.try_spawn(async { Ok(()) }).unwrap();
    ///     assert_eq!(group.wait_deadline(deadline).await, Timed::Finished(Ok(())));
    /// });
    /// ```
    ///
    /// # Panics
    ///
    /// Re-raises the first task panic, unless the group turns panics into errors.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, which cancels the remaining tasks.
    fn wait_deadline(self, deadline: Instant) -> impl Future<Output = TimedOutcome<E, R>>;
}

impl<E, M: Mode, R: Results> WaitTimeout<E, R> for ErrGroup<E, M, R> {
    fn wait_timeout(self, timeout: Duration) -> impl Future<Output = TimedOutcome<E, R>> {
        self.wait_until(task::sleep(timeout))
    }

    fn wait_deadline(self, deadline: Instant) -> impl Future<Output = TimedOutcome<E, R>> {
        // The time left is measured when the timer is first polled, not now: a future
        // created early and awaited late still stops at `deadline`.
        self.wait_until(async move {
            task::sleep(deadline.saturating_duration_since(Instant::now())).await;
        })
    }
}
