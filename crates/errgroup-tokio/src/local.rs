//! [`LocalSpawner`]: a group's `!Send` tasks on a tokio `LocalSet`, with the current
//! runtime's timer and blocking pool.

use errgroup::{LocalSpawn, SpawnError};

/// Runs a group's `!Send` tasks on the current thread's tokio
/// [`LocalSet`](tokio::task::LocalSet), with [`tokio::task::spawn_local`].
///
/// The spawner holds nothing: each spawn goes to the `LocalSet` whose context the caller
/// is in — one being run (`LocalSet::run_until`, `LocalSet::block_on`, or awaiting the
/// `LocalSet`) or entered (`LocalSet::enter`). Tasks run when that `LocalSet` is driven,
/// so await the group's `wait` inside it. A `LocalSet` dropped with tasks left drops
/// them; the group counts each one **lost**, never a success.
///
/// It is also the group's [`Timer`](errgroup::Timer) and
/// [`BlockingPool`](errgroup::BlockingPool): those of the runtime the caller is in
/// (`wait_timeout` and `spawn_blocking` are called inside it, as spawning is).
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use errgroup_tokio::{LocalSpawner, errgroup::ErrGroup};
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let local = tokio::task::LocalSet::new();
/// local.block_on(&runtime, async {
///     let group = ErrGroup::builder().local_spawner(LocalSpawner::new());
///     let shared = Rc::new(21); // not `Send`
///     let twice = shared.clone();
///     group
///         .try_spawn(async move {
///             assert_eq!(*twice * 2, 42);
///             Ok::<(), ()>(())
///         })
///         .unwrap();
///     group.await.unwrap();
///     assert_eq!(Rc::strong_count(&shared), 1);
/// });
/// ```
///
/// # Panics
///
/// Spawning (`try_spawn`, `spawn`) outside the context of a `LocalSet` panics inside
/// tokio, with the message "`spawn_local` called from outside of a `task::LocalSet` or
/// `runtime::LocalRuntime`". Tokio has no public way to ask whether the current thread is
/// in a `LocalSet`, so the spawner cannot turn this into a
/// [`SpawnError`]. The group's counts stay right: the task was dropped while unwinding,
/// and counted out.
#[derive(Clone, Copy, Debug, Default)]
pub struct LocalSpawner {
    _private: (),
}

impl LocalSpawner {
    /// A spawner for whichever `LocalSet` the spawning code runs in.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_tokio::{LocalSpawner, errgroup::ErrGroup};
    ///
    /// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// tokio::task::LocalSet::new().block_on(&runtime, async {
    ///     let group = ErrGroup::builder().collect().local_spawner(LocalSpawner::new());
    ///     for n in 1..=3u32 {
    ///         group.try_spawn(async move { Ok::<u32, ()>(n * 10) }).unwrap();
    ///     }
    ///     assert_eq!(group.await, Ok(vec![10, 20, 30]));
    /// });
    /// ```
    pub const fn new() -> Self {
        Self { _private: () }
    }
}

impl LocalSpawn for LocalSpawner {
    /// Spawns `task` with [`tokio::task::spawn_local`], detaching it.
    ///
    /// # Panics
    ///
    /// Outside the context of a `LocalSet` (see [`LocalSpawner`]).
    #[track_caller]
    fn spawn_local<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + 'static,
    {
        drop(tokio::task::spawn_local(task));
        Ok(())
    }
}

impl LocalSpawner {
    /// The runtime its timer and blocking pool are on: the caller's.
    fn runtime(&self) -> Option<&tokio::runtime::Handle> {
        None
    }
}

crate::runtime::tokio_runtime!(LocalSpawner);
