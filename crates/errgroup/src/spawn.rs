//! The caller's spawner: how a group hands its tasks to an executor.

use core::future::Future;

use crate::error::SpawnError;

/// Runs `Send` futures to completion somewhere else: the bridge from a group to an
/// executor. Implement it for your runtime's handle; the adapter crates implement it for
/// tokio, smol and async-std.
///
/// The method is generic over the future, so runtimes that take generic futures get them
/// unboxed: the group adds no allocation of its own to a spawn.
///
/// # Examples
///
/// A spawner that runs every task on a new thread (fine for a demo, not for production):
///
/// ```
/// use core::future::Future;
/// use errgroup::{ErrGroup, Spawn, SpawnError};
///
/// #[derive(Clone)]
/// struct ThreadPerTask;
///
/// impl Spawn for ThreadPerTask {
///     fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
///     where
///         F: Future<Output = ()> + Send + 'static,
///     {
///         std::thread::Builder::new()
///             .spawn(move || futures_executor::block_on(task))
///             .map(drop)
///             .map_err(|_| SpawnError::new("the OS refused to start a thread"))
///     }
/// }
///
/// let group = ErrGroup::new(ThreadPerTask);
/// group.try_spawn(async { Ok::<(), ()>(()) }).unwrap();
/// futures_executor::block_on(group.wait()).unwrap();
/// ```
///
/// # Errors
///
/// [`SpawnError`] if the executor refuses the task (for example, it is shutting down). The
/// task has been dropped by then; the group reports the refusal to the caller of `spawn`
/// and keeps its counts right.
pub trait Spawn {
    /// Starts running `task`. It must eventually be polled to completion or dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{Spawn, SpawnError};
    /// use futures_channel::oneshot;
    ///
    /// #[derive(Clone)]
    /// struct Pool(futures_executor::ThreadPool);
    ///
    /// impl Spawn for Pool {
    ///     fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    ///     where
    ///         F: Future<Output = ()> + Send + 'static,
    ///     {
    ///         self.0.spawn_ok(task);
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let pool = Pool(futures_executor::ThreadPool::new().unwrap());
    /// let (done, ran) = oneshot::channel();
    /// pool.spawn(async move { done.send("ran").unwrap() }).unwrap();
    /// assert_eq!(futures_executor::block_on(ran), Ok("ran"));
    /// ```
    ///
    /// # Errors
    ///
    /// [`SpawnError`] if the task cannot be run; it is dropped.
    fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static;
}

/// Runs `!Send` futures to completion on the current thread's executor (a tokio
/// `LocalSet`, a smol `LocalExecutor`, ...).
///
/// # Examples
///
/// ```
/// use core::future::Future;
/// use std::{cell::RefCell, pin::Pin, rc::Rc};
/// use errgroup::{LocalSpawn, SpawnError};
///
/// /// Collects tasks to be run later on this thread.
/// #[derive(Clone, Default)]
/// struct Deferred(Rc<RefCell<Vec<Pin<Box<dyn Future<Output = ()>>>>>>);
///
/// impl LocalSpawn for Deferred {
///     fn spawn_local<F>(&self, task: F) -> Result<(), SpawnError>
///     where
///         F: Future<Output = ()> + 'static,
///     {
///         self.0.borrow_mut().push(Box::pin(task));
///         Ok(())
///     }
/// }
///
/// let deferred = Deferred::default();
/// deferred.spawn_local(async {}).unwrap();
/// assert_eq!(deferred.0.borrow().len(), 1);
/// ```
///
/// # Errors
///
/// [`SpawnError`] if the executor refuses the task; it is dropped.
pub trait LocalSpawn {
    /// Starts running `task` on this thread. It must eventually be polled to completion or
    /// dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::{cell::{Cell, RefCell}, pin::Pin, rc::Rc};
    /// use errgroup::{LocalSpawn, SpawnError};
    ///
    /// /// Keeps tasks to be run later, on this thread.
    /// #[derive(Default)]
    /// struct Deferred(RefCell<Vec<Pin<Box<dyn Future<Output = ()>>>>>);
    ///
    /// impl LocalSpawn for Deferred {
    ///     fn spawn_local<F>(&self, task: F) -> Result<(), SpawnError>
    ///     where
    ///         F: Future<Output = ()> + 'static,
    ///     {
    ///         self.0.borrow_mut().push(Box::pin(task));
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let deferred = Deferred::default();
    /// let ran = Rc::new(Cell::new(false)); // `Rc`: not `Send`
    /// let flag = Rc::clone(&ran);
    /// deferred.spawn_local(async move { flag.set(true) }).unwrap();
    /// for task in deferred.0.take() {
    ///     futures_executor::block_on(task);
    /// }
    /// assert!(ran.get());
    /// ```
    ///
    /// # Errors
    ///
    /// [`SpawnError`] if the task cannot be run; it is dropped.
    fn spawn_local<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + 'static;
}

impl<S: Spawn + ?Sized> Spawn for &S {
    fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        (**self).spawn(task)
    }
}

impl<S: Spawn + ?Sized> Spawn for crate::sync::AllocArc<S> {
    fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        (**self).spawn(task)
    }
}

impl<S: LocalSpawn + ?Sized> LocalSpawn for &S {
    fn spawn_local<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + 'static,
    {
        (**self).spawn_local(task)
    }
}

impl<S: LocalSpawn + ?Sized> LocalSpawn for alloc::rc::Rc<S> {
    fn spawn_local<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + 'static,
    {
        (**self).spawn_local(task)
    }
}
