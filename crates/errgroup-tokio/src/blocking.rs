//! [`SpawnBlocking`]: blocking closures as tasks of a group, on tokio's blocking pool.

use alloc::sync::Arc;
use core::{
    fmt,
    pin::Pin,
    task::{Context, Poll, ready},
};
use std::sync::{Mutex, PoisonError};

use errgroup::{GroupHandle, Rejected, Results, Spawned};
use tokio::task::JoinHandle;

use crate::Spawner;

/// Runs blocking closures as tasks of a group, on tokio's blocking thread pool
/// ([`tokio::task::spawn_blocking`]). Implemented for the [`GroupHandle`] of a
/// [`Group`](crate::Group); a group derefs to its handle, so `group.spawn_blocking(f)`
/// works. Sealed.
///
/// The closure counts as one task of the group from the moment `spawn_blocking` returns
/// `Ok`, and takes a slot of the group's limit like any task. It is handed to the blocking
/// pool when the group first polls its task. Its `Ok` value is the task's value (kept in
/// spawn order by a collecting group), its error is the group's error, and a panic in it
/// is the group's panic: re-raised at `wait` with the original payload, or turned into an
/// error by [`panics_as_errors`](errgroup::Builder::panics_as_errors).
///
/// # Cancellation
///
/// A closure that has not started when its group is cancelled (or dropped) never runs,
/// even if it is already queued on the blocking pool: it is dropped, with what it
/// captured, before `wait` returns. Tokio cannot interrupt a closure that has started: it
/// runs to completion on its thread, unobserved (see
/// [`spawn_blocking`](Self::spawn_blocking)'s `# Cancel safety`). A closure that must stop
/// early can watch the group's [`token`](GroupHandle::token) (`is_cancelled()`).
///
/// # Examples
///
/// ```
/// use errgroup_tokio::{SpawnBlocking, Spawner, errgroup::ErrGroup};
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// runtime.block_on(async {
///     let group = ErrGroup::builder().collect().spawner(Spawner::current());
///     for n in 1..=3u64 {
///         // Heavy, synchronous work off the async threads.
///         group.spawn_blocking(move || Ok::<u64, String>((1..=n).product())).unwrap();
///     }
///     assert_eq!(group.await, Ok(vec![1, 2, 6]));
/// });
/// ```
pub trait SpawnBlocking: crate::sealed::Sealed {
    /// What a closure returns on success: the group's task value (`()` unless it collects).
    type Value;
    /// The group's error type.
    type Error;

    /// Spawns the blocking closure `f` as a task of the group, if the group has room,
    /// without waiting (as `try_spawn` does for a future).
    ///
    /// When this returns `Ok`, the closure is counted in the group: it will run on the
    /// blocking pool, unless the group is cancelled before it starts, in which case it is
    /// dropped, never run.
    ///
    /// # Examples
    ///
    /// See [`SpawnBlocking`].
    ///
    /// # Errors
    ///
    /// The closure is handed back, never run, inside [`Rejected::Full`] when the group's
    /// limit is reached, [`Rejected::Cancelled`] when the group is cancelled and
    /// [`Rejected::Closed`] when it has finished.
    ///
    /// ```
    /// use errgroup_tokio::{SpawnBlocking, errgroup::Rejected};
    ///
    /// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// runtime.block_on(async {
    ///     let group = errgroup_tokio::group::<()>();
    ///     group.cancel();
    ///     let Err(Rejected::Cancelled(closure)) = group.spawn_blocking(|| Ok(())) else {
    ///         unreachable!()
    ///     };
    ///     assert_eq!(closure(), Ok(())); // run it here instead
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// When the group is cancelled (by an error, a panic, [`cancel`](GroupHandle::cancel), its
    /// parent or a timeout) or dropped, a closure that had not started never runs, whether
    /// or not its task had handed it to the blocking pool: it is dropped, with everything it
    /// captured, by the time the group's `wait` returns. (A job left on the pool's queue
    /// finds the closure gone when its turn comes, and does nothing.) A closure that had
    /// already started cannot be interrupted: it runs to completion on its thread, its
    /// outcome (value, error or panic) is discarded, and `wait` does not wait for it.
    ///
    /// A [`cooperative`](errgroup::Builder::cooperative) group drops no task when
    /// cancelled, so there a queued closure still runs, and `wait` waits for it: a closure
    /// that should not start late checks the group's token first.
    fn spawn_blocking<F>(&self, f: F) -> Result<(), Rejected<F>>
    where
        F: FnOnce() -> Result<Self::Value, Self::Error> + Send + 'static;
}

impl<E, R: Results> crate::sealed::Sealed for GroupHandle<E, Spawned<Spawner>, R> {}

impl<E, R> SpawnBlocking for GroupHandle<E, Spawned<Spawner>, R>
where
    E: Send + 'static,
    R: Results + 'static,
    R::Value: Send + 'static,
    R::Store: Send + Sync,
{
    type Value = R::Value;
    type Error = E;

    fn spawn_blocking<F>(&self, f: F) -> Result<(), Rejected<F>>
    where
        F: FnOnce() -> Result<R::Value, E> + Send + 'static,
    {
        self.try_spawn(Blocking::new(f)).map_err(|rejected| rejected.map(Blocking::into_closure))
    }
}

/// A blocking closure as a group's task: holds the closure until first polled (so that a
/// refused task hands it back untouched), then the [`Slot`] it was moved to and the
/// `JoinHandle` of the pool job that runs it, unless this task is dropped first.
struct Blocking<F, T> {
    closure: Option<F>,
    running: Option<Running<F, T>>,
}

/// A handed-over closure and the job that may run it. Dropping it drops the closure if the
/// job has not taken it yet, so the job will find it gone and not run it.
struct Running<F, T> {
    /// Held for its `Drop`, which is what keeps a cancelled closure from running.
    _slot: Slot<F>,
    job: JoinHandle<Option<T>>,
}

impl<F, T> Blocking<F, T> {
    fn new(closure: F) -> Self {
        Self { closure: Some(closure), running: None }
    }

    /// The closure of a task the group refused (and so never polled).
    fn into_closure(self) -> F {
        self.closure.expect("errgroup-tokio: a refused blocking task was never polled")
    }
}

// Nothing is structurally pinned: the closure is only moved, `Slot` is an `Arc` and
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
            // The group's task is polled on the spawner's runtime, whose context is current.
            let job = tokio::task::spawn_blocking(slot.job());
            this.running = Some(Running { _slot: slot, job });
        }
        let running = this
            .running
            .as_mut()
            .expect("errgroup-tokio: a blocking task polled after it completed");
        let joined = ready!(Pin::new(&mut running.job).poll(cx));
        this.running = None;
        match joined {
            Ok(Some(outcome)) => Poll::Ready(outcome),
            // Only dropping `running` empties the slot, and it was alive until the job ended.
            Ok(None) => unreachable!("errgroup-tokio: a blocking closure vanished from its slot"),
            Err(error) => match error.try_into_panic() {
                // Re-raised inside the task, so the group's per-task catch records the
                // closure's own payload.
                Ok(payload) => std::panic::resume_unwind(payload),
                // Tokio cancels a blocking task only when its runtime shuts down before
                // the task started; the group's task would have been dropped by then.
                Err(_) => panic!(
                    "errgroup-tokio: a blocking closure was cancelled by its runtime shutting \
                     down before it ran"
                ),
            },
        }
    }
}

impl<F, T> fmt::Debug for Blocking<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match (&self.closure, &self.running) {
            (Some(_), _) => "not handed to the pool",
            (None, Some(_)) => "on the pool",
            (None, None) => "finished",
        };
        f.debug_tuple("Blocking").field(&state).finish()
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
