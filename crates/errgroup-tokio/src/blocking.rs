//! [`SpawnBlocking`]: blocking closures as tasks of a group, on tokio's blocking pool.

use core::{
    fmt,
    pin::Pin,
    task::{Context, Poll, ready},
};

use errgroup::{Handle, Rejected, Results, Runtime};
use tokio::task::JoinHandle;

use crate::Spawner;

/// Runs blocking closures as tasks of a group, on tokio's blocking thread pool
/// ([`tokio::task::spawn_blocking`]). Implemented for the [`Handle`] of a
/// [`Group`](crate::Group); a group derefs to its handle, so `group.spawn_blocking(f)`
/// works. Sealed.
///
/// The closure counts as one task of the group from the moment `spawn_blocking` returns
/// `Ok`, and takes a slot of the group's limit like any task. It is handed to the blocking
/// pool when the group first polls its task, so a group cancelled before then never runs
/// it. Its `Ok` value is the task's value (kept in spawn order by a collecting group), its
/// error is the group's error, and a panic in it is the group's panic: re-raised at `wait`
/// with the original payload, or turned into an error by
/// [`panics_as_errors`](errgroup::Builder::panics_as_errors).
///
/// # Cancellation
///
/// Tokio cannot interrupt a blocking closure. A cancelled group stops waiting for it (the
/// task is dropped like any other, and `wait` does not wait for the closure), but the
/// closure itself runs to completion on the blocking pool, and its outcome is dropped. A
/// closure that must stop early can watch the group's [`token`](Handle::token)
/// (`is_cancelled()`).
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
    /// blocking pool, unless the group is cancelled before its task is first polled, in
    /// which case it is dropped, never run.
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
    fn spawn_blocking<F>(&self, f: F) -> Result<(), Rejected<F>>
    where
        F: FnOnce() -> Result<Self::Value, Self::Error> + Send + 'static;
}

impl<E, R: Results> crate::sealed::Sealed for Handle<E, Runtime<Spawner>, R> {}

impl<E, R> SpawnBlocking for Handle<E, Runtime<Spawner>, R>
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

/// A blocking closure as a group's task: holds the closure until first polled, then the
/// `JoinHandle` of its run on the blocking pool.
struct Blocking<F, T> {
    closure: Option<F>,
    running: Option<JoinHandle<T>>,
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

// The closure is only moved, never pinned; `JoinHandle` is `Unpin`.
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
            // The group's task is polled on the spawner's runtime, whose context is current.
            this.running = Some(tokio::task::spawn_blocking(closure));
        }
        let running = this
            .running
            .as_mut()
            .expect("errgroup-tokio: a blocking task polled after it completed");
        let joined = ready!(Pin::new(running).poll(cx));
        this.running = None;
        match joined {
            Ok(outcome) => Poll::Ready(outcome),
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
            (Some(_), _) => "not started",
            (None, Some(_)) => "running",
            (None, None) => "finished",
        };
        f.debug_tuple("Blocking").field(&state).finish()
    }
}
