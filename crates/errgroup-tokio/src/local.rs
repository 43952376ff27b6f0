//! [`LocalSpawner`]: a group's `!Send` tasks on a tokio `LocalSet`, with the current
//! runtime's timer and blocking pool.

use core::time::Duration;

use errgroup::{BlockingPool, LocalSpawn, SpawnError, Timer};
use tokio::{
    task::{JoinError, JoinHandle},
    time::{Instant, Sleep},
};

/// Runs a group's `!Send` tasks on the current thread's tokio
/// [`LocalSet`](tokio::task::LocalSet), with [`tokio::task::spawn_local`].
///
/// The spawner holds nothing: each spawn goes to the `LocalSet` whose context the caller
/// is in — one being run (`LocalSet::run_until`, `LocalSet::block_on`, or awaiting the
/// `LocalSet`) or entered (`LocalSet::enter`). Tasks run when that `LocalSet` is driven,
/// so await the group's `wait` inside it. A `LocalSet` dropped with tasks left drops
/// them; the group counts each one **lost**, never a success.
///
/// It is also the group's [`Timer`] and [`BlockingPool`]: those of the runtime the caller
/// is in (`wait_timeout` and `spawn_blocking` are called inside it, as spawning is).
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
    /// See [`LocalSpawner`].
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

impl Timer for LocalSpawner {
    type Instant = Instant;
    type Sleep = Sleep;

    fn now(&self) -> Instant {
        Instant::now()
    }

    fn checked_add(&self, instant: Instant, duration: Duration) -> Option<Instant> {
        instant.checked_add(duration)
    }

    /// A [`Sleep`] on the current runtime.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or on one built without `enable_time`, with tokio's
    /// message.
    #[track_caller]
    fn sleep_until(&self, deadline: Instant) -> Sleep {
        tokio::time::sleep_until(deadline)
    }
}

impl BlockingPool for LocalSpawner {
    type Job<T: Send + 'static> = JoinHandle<T>;

    /// Runs `job` on the current runtime's blocking threads
    /// ([`tokio::task::spawn_blocking`]).
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, with tokio's message.
    #[track_caller]
    fn spawn_blocking<T, F>(&self, job: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        tokio::task::spawn_blocking(job)
    }

    /// `None` when the runtime shut down before the job started.
    fn joined<T: Send + 'static>(output: Result<T, JoinError>) -> Option<T> {
        output.ok()
    }
}
