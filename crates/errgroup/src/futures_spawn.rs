//! The bridge to futures-rs executors (feature `futures-spawn`): a spawner over any
//! [`futures::task::Spawn`] or [`futures::task::LocalSpawn`] executor, such as
//! futures-executor's `ThreadPool` and `LocalPool`.
//!
//! [`futures::task::Spawn`]: futures_util::task::Spawn
//! [`futures::task::LocalSpawn`]: futures_util::task::LocalSpawn

use alloc::boxed::Box;
use core::future::Future;

use futures_util::task::{FutureObj, LocalFutureObj};

use crate::{
    error::SpawnError,
    spawn::{LocalSpawn, Spawn},
};

/// A spawner over a futures-rs executor: any [`futures::task::Spawn`] (for `Send` tasks)
/// or [`futures::task::LocalSpawn`] (for `!Send` tasks), such as futures-executor's
/// `ThreadPool`, or the spawner of a `LocalPool`.
///
/// futures-rs executors take their tasks boxed ([`FutureObj`]), so each task costs one
/// allocation more than on a runtime that takes generic futures. A refusal (futures-rs
/// executors refuse only when shut down) comes back to the caller of the group's `spawn`
/// as [`SpawnError::shutdown`], with the task dropped and the group's counts right.
///
/// [`futures::task::Spawn`]: futures_util::task::Spawn
/// [`futures::task::LocalSpawn`]: futures_util::task::LocalSpawn
///
/// # Examples
///
/// A group on futures-executor's `ThreadPool`:
///
/// ```
/// use errgroup::{ErrGroup, FuturesSpawner};
/// use futures_executor::ThreadPool;
///
/// let pool = ThreadPool::new().unwrap();
/// let group = ErrGroup::builder().collect().spawner(FuturesSpawner::new(pool));
/// for n in 1..=3u32 {
///     group.try_spawn(async move { Ok::<_, String>(n * 10) }).unwrap();
/// }
/// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![10, 20, 30]));
/// ```
///
/// `!Send` tasks on a `LocalPool`, which runs them when it is run:
///
/// ```
/// use std::rc::Rc;
///
/// use errgroup::{ErrGroup, FuturesSpawner};
/// use futures_executor::LocalPool;
///
/// let mut pool = LocalPool::new();
/// let group = ErrGroup::builder().collect().local_spawner(FuturesSpawner::new(pool.spawner()));
/// let shared = Rc::new(7); // not `Send`
/// group.try_spawn(async move { Ok::<_, ()>(*shared * 6) }).unwrap();
/// assert_eq!(pool.run_until(group.wait()), Ok(vec![42]));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct FuturesSpawner<S>(S);

impl<S> FuturesSpawner<S> {
    /// A spawner that hands the group's tasks to `executor`.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, FuturesSpawner};
    ///
    /// let pool = futures_executor::ThreadPool::new().unwrap();
    /// let group = ErrGroup::new(FuturesSpawner::new(pool));
    /// group.try_spawn(async { Ok::<(), ()>(()) }).unwrap();
    /// assert_eq!(futures_executor::block_on(group.wait()), Ok(()));
    /// ```
    pub const fn new(executor: S) -> Self {
        Self(executor)
    }

    /// The executor it spawns on.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::FuturesSpawner;
    /// use futures_util::task::SpawnExt;
    ///
    /// let spawner = FuturesSpawner::new(futures_executor::ThreadPool::new().unwrap());
    /// // The executor is still yours to spawn on directly.
    /// let (sender, receiver) = futures_channel::oneshot::channel();
    /// spawner.executor().spawn(async move { sender.send(1 + 1).unwrap() }).unwrap();
    /// assert_eq!(futures_executor::block_on(receiver), Ok(2));
    /// ```
    pub const fn executor(&self) -> &S {
        &self.0
    }

    /// The executor, back.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::FuturesSpawner;
    /// use futures_executor::LocalPool;
    ///
    /// let pool = LocalPool::new();
    /// let spawner = FuturesSpawner::new(pool.spawner());
    /// let _local_spawner: futures_executor::LocalSpawner = spawner.into_inner();
    /// ```
    pub fn into_inner(self) -> S {
        self.0
    }
}

impl<S: futures_util::task::Spawn> Spawn for FuturesSpawner<S> {
    /// Boxes `task` into a [`FutureObj`] and hands it to the executor.
    fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.0.spawn_obj(FutureObj::new(Box::new(task))).map_err(|_| SpawnError::shutdown())
    }
}

impl<S: futures_util::task::LocalSpawn> LocalSpawn for FuturesSpawner<S> {
    /// Boxes `task` into a [`LocalFutureObj`] and hands it to the executor.
    fn spawn_local<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + 'static,
    {
        self.0
            .spawn_local_obj(LocalFutureObj::new(Box::new(task)))
            .map_err(|_| SpawnError::shutdown())
    }
}
