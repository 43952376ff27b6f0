//! [`Spawner`]: a group's tasks on a tokio runtime, with its timer and blocking pool.

use errgroup::{Spawn, SpawnError};
use tokio::runtime::Handle;

/// Runs a group's tasks on a tokio runtime: a [`Handle`], and [`Handle::spawn`] for each
/// task. Cloning it is cheap (the handle is reference-counted). It is also the group's
/// [`Timer`](errgroup::Timer) (tokio's, so `wait_timeout` follows a paused clock) and
/// [`BlockingPool`](errgroup::BlockingPool) (tokio's blocking threads), on the same
/// runtime.
///
/// A group made with it is a [`Group`](crate::Group): its tasks are `Send + 'static` and
/// run on the runtime's worker threads (or on the thread that drives a current-thread
/// runtime); the group's `wait` may be awaited anywhere.
///
/// # Runtime shutdown
///
/// Tokio drops the tasks of a runtime that shuts down: those still running are dropped at
/// their next `.await`, and a task spawned on a runtime that is already shut down is
/// dropped at once, never polled. The group knows: such a task is **lost** (see
/// [`Lost`](errgroup::Lost)), never a success. It cancels a fail-fast group like any
/// failure, and `wait` re-raises it as a panic naming the task, or returns
/// `Err(Interrupted::Lost)` if the group was built with
/// [`interruptions_as_errors`](errgroup::Builder::interruptions_as_errors). A collecting
/// group never returns a shorter `Vec`. Keep the runtime alive until the group's `wait`
/// has resolved.
///
/// # Examples
///
/// ```
/// use errgroup_tokio::{Spawner, errgroup::ErrGroup};
///
/// let runtime = tokio::runtime::Builder::new_multi_thread().build().unwrap();
/// // From a handle, outside the runtime...
/// let group = ErrGroup::builder().collect().spawner(Spawner::from(runtime.handle().clone()));
/// for n in 1..=3u32 {
///     group.try_spawn(async move { Ok::<u32, ()>(n * 10) }).unwrap();
/// }
/// assert_eq!(runtime.block_on(group.wait()), Ok(vec![10, 20, 30]));
///
/// // ...or the runtime we are in.
/// runtime.block_on(async {
///     let group = ErrGroup::new(Spawner::current());
///     group.try_spawn(async { Err::<(), _>("no") }).unwrap();
///     assert_eq!(group.await, Err("no"));
/// });
/// ```
#[derive(Clone, Debug)]
pub struct Spawner(Handle);

impl Spawner {
    /// A spawner for the runtime this is called from (see [`Handle::current`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_tokio::Spawner;
    ///
    /// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let spawner = runtime.block_on(async { Spawner::current() });
    /// assert_eq!(spawner.handle().id(), runtime.handle().id());
    /// ```
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, with the message "errgroup-tokio: `Spawner::current()`
    /// called outside of a tokio runtime; call it from inside one, or make the spawner
    /// from a runtime handle with `Spawner::from(handle)`". See
    /// [`try_current`](Self::try_current) for a version that does not panic.
    #[track_caller]
    pub fn current() -> Self {
        match Self::try_current() {
            Some(spawner) => spawner,
            None => panic!(
                "errgroup-tokio: `Spawner::current()` called outside of a tokio runtime; call \
                 it from inside one, or make the spawner from a runtime handle with \
                 `Spawner::from(handle)`"
            ),
        }
    }

    /// A spawner for the runtime this is called from, or `None` outside a tokio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_tokio::Spawner;
    ///
    /// assert!(Spawner::try_current().is_none());
    /// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// assert!(runtime.block_on(async { Spawner::try_current() }).is_some());
    /// ```
    pub fn try_current() -> Option<Self> {
        Handle::try_current().ok().map(Self)
    }

    /// The runtime handle the tasks are spawned on.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_tokio::Spawner;
    ///
    /// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let spawner = Spawner::from(runtime.handle().clone());
    /// assert_eq!(spawner.handle().id(), runtime.handle().id());
    /// ```
    pub fn handle(&self) -> &Handle {
        &self.0
    }
}

impl From<Handle> for Spawner {
    fn from(handle: Handle) -> Self {
        Self(handle)
    }
}

impl From<Spawner> for Handle {
    fn from(spawner: Spawner) -> Self {
        spawner.0
    }
}

impl Spawn for Spawner {
    /// Spawns `task` with [`Handle::spawn`], detaching it: the group tracks it, not a
    /// `JoinHandle`. Never refuses a task; on a runtime that is shut down, tokio drops it
    /// (see [`Spawner`]).
    fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(self.0.spawn(task));
        Ok(())
    }
}

impl Spawner {
    /// The runtime its timer and blocking pool are on: its own.
    fn runtime(&self) -> Option<&Handle> {
        Some(&self.0)
    }
}

crate::runtime::tokio_runtime!(Spawner);
