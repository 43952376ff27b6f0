//! The spawners: smol's global executor, a shared `Executor`, a `LocalExecutor`; each
//! with smol's timer and blocking pool.

use alloc::{rc::Rc, sync::Arc};
use core::time::Duration;
use std::time::Instant;

use errgroup::{BlockingPool, LocalSpawn, Spawn, SpawnError, Timer};
use smol::{Executor, LocalExecutor, Task};

/// Spawns a group's tasks on smol's global executor, as [`smol::spawn`] does: detached,
/// on the executor's background threads (one unless `SMOL_THREADS` says more).
///
/// The global executor never refuses a task, so spawning through it never fails with
/// [`Rejected::Spawner`](errgroup::Rejected::Spawner).
///
/// # Examples
///
/// ```
/// use errgroup::ErrGroup;
/// use errgroup_smol::Spawner;
///
/// let group = ErrGroup::new(Spawner); // the same as errgroup_smol::group()
/// group.try_spawn(async { Ok::<(), ()>(()) }).unwrap();
/// assert_eq!(smol::block_on(group.wait()), Ok(()));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Spawner;

impl Spawn for Spawner {
    fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        smol::spawn(task).detach();
        Ok(())
    }
}

/// Spawns a group's tasks on an [`Executor`] you own and run (on one thread or many, with
/// `executor.run(..)`).
///
/// The group only spawns: something must drive the executor, or the tasks never run and
/// `wait` never resolves. The spawner holds the executor, so the group and its handles
/// keep it alive. An executor never refuses a task.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
///
/// use errgroup::ErrGroup;
/// use errgroup_smol::ExecutorSpawner;
///
/// let executor = Arc::new(smol::Executor::new());
/// let group = ErrGroup::new(ExecutorSpawner::from(executor.clone()));
/// for n in 0..3u32 {
///     group.try_spawn(async move { if n < 10 { Ok(()) } else { Err(n) } }).unwrap();
/// }
/// // Drive the executor until the group is done.
/// assert_eq!(smol::block_on(executor.run(group.wait())), Ok(()));
/// ```
#[derive(Clone, Debug)]
pub struct ExecutorSpawner(Arc<Executor<'static>>);

impl ExecutorSpawner {
    /// A spawner onto `executor`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let spawner = errgroup_smol::ExecutorSpawner::new(Arc::new(smol::Executor::new()));
    /// assert!(spawner.executor().is_empty());
    /// ```
    pub fn new(executor: Arc<Executor<'static>>) -> Self {
        Self(executor)
    }

    /// The executor this spawner spawns onto.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use errgroup::ErrGroup;
    /// use errgroup_smol::ExecutorSpawner;
    ///
    /// let spawner = ExecutorSpawner::new(Arc::new(smol::Executor::new()));
    /// let executor = spawner.executor().clone(); // to run it
    /// let group = ErrGroup::new(spawner);
    /// group.try_spawn(async { Ok::<(), ()>(()) }).unwrap();
    /// assert!(!executor.is_empty()); // spawned, not run yet
    /// assert_eq!(smol::block_on(executor.run(group.wait())), Ok(()));
    /// ```
    pub fn executor(&self) -> &Arc<Executor<'static>> {
        &self.0
    }
}

impl From<Arc<Executor<'static>>> for ExecutorSpawner {
    fn from(executor: Arc<Executor<'static>>) -> Self {
        Self(executor)
    }
}

impl Spawn for ExecutorSpawner {
    fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.0.spawn(task).detach();
        Ok(())
    }
}

/// Spawns a group's `!Send` tasks on a [`LocalExecutor`] on this thread.
///
/// As with [`ExecutorSpawner`], something must run the executor (`local.run(..)`,
/// typically around the group's `wait`), the spawner keeps it alive, and it never refuses
/// a task.
///
/// # Examples
///
/// ```
/// use std::{cell::Cell, rc::Rc};
///
/// use errgroup::ErrGroup;
/// use errgroup_smol::{LocalGroup, LocalSpawner};
///
/// let local = Rc::new(smol::LocalExecutor::new());
/// let group: LocalGroup<()> = ErrGroup::builder().local_spawner(LocalSpawner::from(local.clone()));
/// let sum = Rc::new(Cell::new(0)); // not Send: fine on a local executor
/// for n in 1..=3 {
///     let sum = sum.clone();
///     group.try_spawn(async move { Ok(sum.set(sum.get() + n)) }).unwrap();
/// }
/// smol::block_on(local.run(group.wait())).unwrap();
/// assert_eq!(sum.get(), 6);
/// ```
#[derive(Clone, Debug)]
pub struct LocalSpawner(Rc<LocalExecutor<'static>>);

impl LocalSpawner {
    /// A spawner onto `executor`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let spawner = errgroup_smol::LocalSpawner::new(Rc::new(smol::LocalExecutor::new()));
    /// assert!(spawner.executor().is_empty());
    /// ```
    pub fn new(executor: Rc<LocalExecutor<'static>>) -> Self {
        Self(executor)
    }

    /// The executor this spawner spawns onto.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// use errgroup::ErrGroup;
    /// use errgroup_smol::{LocalGroup, LocalSpawner};
    ///
    /// let spawner = LocalSpawner::new(Rc::new(smol::LocalExecutor::new()));
    /// let local = spawner.executor().clone(); // to run it
    /// let group: LocalGroup<()> = ErrGroup::builder().local_spawner(spawner);
    /// group.try_spawn(async { Ok(()) }).unwrap();
    /// assert!(!local.is_empty()); // spawned, not run yet
    /// assert_eq!(smol::block_on(local.run(group.wait())), Ok(()));
    /// ```
    pub fn executor(&self) -> &Rc<LocalExecutor<'static>> {
        &self.0
    }
}

impl From<Rc<LocalExecutor<'static>>> for LocalSpawner {
    fn from(executor: Rc<LocalExecutor<'static>>) -> Self {
        Self(executor)
    }
}

impl LocalSpawn for LocalSpawner {
    fn spawn_local<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + 'static,
    {
        self.0.spawn(task).detach();
        Ok(())
    }
}

/// Every spawner of this crate has smol's timer ([`smol::Timer`], from `async-io`: it fires
/// under any executor, driven by the `async-io` reactor) and its blocking pool
/// ([`smol::unblock`], from `blocking`: threads started as needed, up to
/// `BLOCKING_MAX_THREADS`, 500 by default).
macro_rules! smol_runtime {
    ($($spawner:ty),*) => {$(
        impl Timer for $spawner {
            type Instant = Instant;
            type Sleep = smol::Timer;

            fn now(&self) -> Instant {
                Instant::now()
            }

            fn checked_add(&self, instant: Instant, duration: Duration) -> Option<Instant> {
                instant.checked_add(duration)
            }

            fn sleep_until(&self, deadline: Instant) -> smol::Timer {
                smol::Timer::at(deadline)
            }
        }

        impl BlockingPool for $spawner {
            type Job<T: Send + 'static> = Task<T>;

            fn spawn_blocking<T, F>(&self, job: F) -> Task<T>
            where
                F: FnOnce() -> T + Send + 'static,
                T: Send + 'static,
            {
                smol::unblock(job)
            }

            /// The pool never drops a job unrun.
            fn joined<T: Send + 'static>(output: T) -> Option<T> {
                Some(output)
            }
        }
    )*};
}

smol_runtime!(Spawner, ExecutorSpawner, LocalSpawner);
