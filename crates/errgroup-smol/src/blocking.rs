//! Blocking closures as tasks of a group, on smol's blocking thread pool.

use core::{
    pin::Pin,
    task::{Context, Poll},
};

use errgroup::{Handle, LocalRuntime, Rejected, Results, Runtime};
use smol::Task;

use crate::{ExecutorSpawner, LocalSpawner, Spawner};

mod sealed {
    pub trait Sealed {}

    /// The `Send` spawners of this crate.
    pub trait SmolSpawner: errgroup::Spawn + Clone {}
}

impl sealed::SmolSpawner for Spawner {}
impl sealed::SmolSpawner for ExecutorSpawner {}

/// Runs a blocking closure as a task of the group, on smol's blocking thread pool
/// ([`smol::unblock`], from the `blocking` crate). Implemented for the [`Handle`]s of groups
/// on this crate's spawners; since a group derefs to its handle, `group.spawn_blocking(f)`
/// works. Sealed.
///
/// # Examples
///
/// ```
/// use errgroup::ErrGroup;
/// use errgroup_smol::{SpawnBlocking, Spawner};
///
/// let group = ErrGroup::builder().collect().spawner(Spawner);
/// group.spawn_blocking(|| std::fs::metadata(".").map(|meta| meta.is_dir())).unwrap();
/// group.spawn_blocking(|| Ok(true)).unwrap();
/// assert_eq!(smol::block_on(group.wait()).unwrap(), vec![true, true]);
/// ```
pub trait SpawnBlocking<E, R: Results>: sealed::Sealed {
    /// Spawns `f` as a task of the group, to run on smol's blocking thread pool, without
    /// waiting.
    ///
    /// When this returns `Ok`, the closure counts as a task of the group: its `Ok` value is
    /// the group's to keep (or discard), its error is the group's error (and cancels the
    /// group under [`Policy::FailFast`](errgroup::Policy::FailFast)), and a panic in it is
    /// the group's panic, re-raised at `wait` with the original payload (or turned into an
    /// error by [`Builder::panics_as_errors`](errgroup::Builder::panics_as_errors)).
    ///
    /// A thread cannot be interrupted: when the group is cancelled, it stops waiting for the
    /// closure, which runs to completion on its thread if it had started (its outcome is
    /// discarded) and never runs if it had not. `wait` does not wait for a closure that is
    /// still running after the group was cancelled.
    ///
    /// # Examples
    ///
    /// See [`SpawnBlocking`].
    ///
    /// # Errors
    ///
    /// The closure is handed back, never run, inside [`Rejected::Full`] when the group's
    /// limit is reached (this never waits for a slot), [`Rejected::Cancelled`] when the group
    /// is cancelled and [`Rejected::Closed`] when it has finished; the executors of this
    /// crate never refuse a task, so [`Rejected::Spawner`] does not happen.
    ///
    /// # Blocking
    ///
    /// This call does not block. The closure runs on the `blocking` crate's thread pool,
    /// which starts threads as needed, up to `BLOCKING_MAX_THREADS` (500 by default).
    fn spawn_blocking<F>(&self, f: F) -> Result<(), Rejected<F>>
    where
        F: FnOnce() -> Result<R::Value, E> + Send + 'static;
}

impl<E, S, R> sealed::Sealed for Handle<E, Runtime<S>, R>
where
    S: sealed::SmolSpawner,
    R: Results,
{
}

impl<E, S, R> SpawnBlocking<E, R> for Handle<E, Runtime<S>, R>
where
    E: Send + 'static,
    S: sealed::SmolSpawner,
    R: Results + 'static,
    R::Value: Send + 'static,
    R::Store: Send + Sync,
{
    fn spawn_blocking<F>(&self, f: F) -> Result<(), Rejected<F>>
    where
        F: FnOnce() -> Result<R::Value, E> + Send + 'static,
    {
        self.try_spawn(Blocking::new(f)).map_err(hand_back)
    }
}

impl<E, R: Results> sealed::Sealed for Handle<E, LocalRuntime<LocalSpawner>, R> {}

impl<E, R> SpawnBlocking<E, R> for Handle<E, LocalRuntime<LocalSpawner>, R>
where
    E: Send + 'static,
    R: Results + 'static,
    R::Value: Send + 'static,
{
    fn spawn_blocking<F>(&self, f: F) -> Result<(), Rejected<F>>
    where
        F: FnOnce() -> Result<R::Value, E> + Send + 'static,
    {
        self.try_spawn(Blocking::new(f)).map_err(hand_back)
    }
}

/// The task a blocking closure becomes: the closure until it is first polled (so that a
/// refused task can hand it back untouched), then the pool's [`Task`] running it.
struct Blocking<F, T> {
    closure: Option<F>,
    running: Option<Task<T>>,
}

impl<F, T> Blocking<F, T> {
    fn new(closure: F) -> Self {
        Self { closure: Some(closure), running: None }
    }
}

// Nothing is structurally pinned: the closure is only moved, and `Task` is `Unpin`.
impl<F, T> Unpin for Blocking<F, T> {}

impl<F, T> Future for Blocking<F, T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = &mut *self;
        let running = match &mut this.running {
            Some(running) => running,
            None => {
                let closure =
                    this.closure.take().expect("errgroup-smol: blocking task polled twice");
                this.running.insert(smol::unblock(closure))
            }
        };
        // The pool catches a panic in the closure, and this poll resumes it with its
        // original payload: the group catches it there like any task's panic.
        Pin::new(running).poll(cx)
    }
}

/// A refused task was never polled: its closure is still there to hand back.
fn hand_back<F, T>(rejected: Rejected<Blocking<F, T>>) -> Rejected<F> {
    rejected.map(|task| task.closure.expect("errgroup-smol: a refused task is never polled"))
}
