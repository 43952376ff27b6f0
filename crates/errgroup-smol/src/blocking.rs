//! Blocking closures as tasks of a group, on smol's blocking thread pool.

use alloc::sync::Arc;
use core::{
    pin::Pin,
    task::{Context, Poll, ready},
};
use std::sync::{Mutex, PoisonError};

use errgroup::{GroupHandle, Rejected, Results, Spawned, SpawnedLocal};
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
/// ([`smol::unblock`], from the `blocking` crate). Implemented for the [`GroupHandle`]s of groups
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
    /// # Cancel safety
    ///
    /// When the group is cancelled (by an error, a panic,
    /// [`cancel`](errgroup::GroupHandle::cancel), its parent or a timeout) or dropped, a closure
    /// that had not started never runs, whether or not its task had handed it to the
    /// blocking pool: it is dropped, with everything it captured, by the time the group's
    /// `wait` returns. (A job left on the pool's queue is cancelled and does nothing when
    /// its turn comes.) A thread cannot be interrupted: a closure that had already started
    /// runs to completion on its thread, its outcome (value, error or panic) is discarded,
    /// and `wait` does not wait for it.
    ///
    /// A [`cooperative`](errgroup::Builder::cooperative) group drops no task when
    /// cancelled, so there a queued closure still runs, and `wait` waits for it: a closure
    /// that should not start late checks the group's token first.
    ///
    /// # Blocking
    ///
    /// This call does not block. The closure runs on the `blocking` crate's thread pool,
    /// which starts threads as needed, up to `BLOCKING_MAX_THREADS` (500 by default).
    fn spawn_blocking<F>(&self, f: F) -> Result<(), Rejected<F>>
    where
        F: FnOnce() -> Result<R::Value, E> + Send + 'static;
}

impl<E, S, R> sealed::Sealed for GroupHandle<E, Spawned<S>, R>
where
    S: sealed::SmolSpawner,
    R: Results,
{
}

impl<E, S, R> SpawnBlocking<E, R> for GroupHandle<E, Spawned<S>, R>
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

impl<E, R: Results> sealed::Sealed for GroupHandle<E, SpawnedLocal<LocalSpawner>, R> {}

impl<E, R> SpawnBlocking<E, R> for GroupHandle<E, SpawnedLocal<LocalSpawner>, R>
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
/// refused task can hand it back untouched), then the [`Slot`] it was moved to and the
/// pool's [`Task`] for the job that runs it, unless this task is dropped first.
struct Blocking<F, T> {
    closure: Option<F>,
    running: Option<Running<F, T>>,
}

/// A handed-over closure and the job that may run it. Dropping it drops the closure if the
/// job has not taken it yet (and cancels the job), so the closure never runs.
struct Running<F, T> {
    /// Held for its `Drop`, which is what keeps a cancelled closure from running.
    _slot: Slot<F>,
    job: Task<Option<T>>,
}

impl<F, T> Blocking<F, T> {
    fn new(closure: F) -> Self {
        Self { closure: Some(closure), running: None }
    }
}

// Nothing is structurally pinned: the closure is only moved, `Slot` is an `Arc` and
// `Task` is `Unpin`.
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
                let slot = Slot::new(closure);
                let job = smol::unblock(slot.job());
                this.running.insert(Running { _slot: slot, job })
            }
        };
        // The pool catches a panic in the closure, and this poll resumes it with its
        // original payload: the group catches it there like any task's panic.
        let outcome = ready!(Pin::new(&mut running.job).poll(cx));
        // Only dropping `running` empties the slot, and it is alive until here.
        Poll::Ready(outcome.expect("errgroup-smol: a blocking closure vanished from its slot"))
    }
}

/// A refused task was never polled: its closure is still there to hand back.
fn hand_back<F, T>(rejected: Rejected<Blocking<F, T>>) -> Rejected<F> {
    rejected.map(|task| task.closure.expect("errgroup-smol: a refused task is never polled"))
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
