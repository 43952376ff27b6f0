//! The caller's spawner: how a group hands its tasks to an executor.

use core::{fmt, future::Future};

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

/// An executor refused a task.
///
/// It says why in a [`SpawnErrorKind`] (for code) and a reason (for people).
///
/// # Examples
///
/// ```
/// use errgroup::{SpawnError, SpawnErrorKind};
///
/// let error = SpawnError::shutdown();
/// assert!(error.is_shutdown());
/// assert_eq!(error.kind(), SpawnErrorKind::Shutdown);
/// assert_eq!(error.to_string(), "the spawner refused the task: the executor is shut down");
///
/// // A refusal for another reason is never mistaken for a shutdown, whatever it says.
/// assert!(!SpawnError::new("the executor is shut down").is_shutdown());
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SpawnError {
    kind: SpawnErrorKind,
    reason: &'static str,
}

/// Why an executor refused a task, as [`SpawnError::kind`] tells it.
///
/// # Examples
///
/// ```
/// use errgroup::{SpawnError, SpawnErrorKind};
///
/// assert_eq!(SpawnError::new("queue full").kind(), SpawnErrorKind::Other);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SpawnErrorKind {
    /// The executor is shut down, or shutting down: it runs no new task.
    Shutdown,
    /// Any other reason; [`SpawnError::reason`] says which.
    Other,
}

impl SpawnError {
    /// The executor is shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(errgroup::SpawnError::shutdown().is_shutdown());
    /// ```
    pub const fn shutdown() -> Self {
        Self { kind: SpawnErrorKind::Shutdown, reason: "the executor is shut down" }
    }

    /// The executor refused the task for `reason` (kind [`SpawnErrorKind::Other`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let error = errgroup::SpawnError::new("queue full");
    /// assert_eq!(error.reason(), "queue full");
    /// ```
    pub const fn new(reason: &'static str) -> Self {
        Self { kind: SpawnErrorKind::Other, reason }
    }

    /// Why the executor refused, for code to act on.
    ///
    /// # Examples
    ///
    /// See [`SpawnError`].
    pub const fn kind(&self) -> SpawnErrorKind {
        self.kind
    }

    /// Whether the executor refused because it is shut down: [`kind`](Self::kind) is
    /// [`SpawnErrorKind::Shutdown`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!errgroup::SpawnError::new("queue full").is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        self.kind == SpawnErrorKind::Shutdown
    }

    /// Why the executor refused, for people.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(errgroup::SpawnError::shutdown().reason(), "the executor is shut down");
    /// ```
    pub const fn reason(&self) -> &'static str {
        self.reason
    }
}

impl fmt::Debug for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpawnError")
            .field("kind", &self.kind)
            .field("reason", &self.reason)
            .finish()
    }
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the spawner refused the task: {}", self.reason)
    }
}

impl core::error::Error for SpawnError {}
