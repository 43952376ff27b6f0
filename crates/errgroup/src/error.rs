//! Why a group or a spawner refused a task, and why a limit was refused: the errors of the
//! spawning path. A refused task comes back inside its error whenever it was not dropped.

use core::fmt;

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

/// A group refused a task. The future comes back, never polled, except when the
/// spawner refused it (it was dropped by then).
///
/// # Examples
///
/// ```
/// use errgroup::ErrGroup;
///
/// let group = ErrGroup::<(), _>::inline();
/// group.cancel();
/// let rejected = group.try_spawn(async { Ok(()) }).unwrap_err();
/// assert_eq!(rejected.to_string(), "task rejected: the group is cancelled");
/// let _future = rejected.into_future().expect("handed back");
/// ```
pub enum Rejected<F> {
    /// The group's limit of active tasks is reached (`try_spawn` only).
    Full(F),
    /// The group is cancelled.
    Cancelled(F),
    /// The group has finished: its `wait` resolved.
    Closed(F),
    /// The spawner refused the task, and dropped it.
    Spawner(SpawnError),
}

impl<F> Rejected<F> {
    /// Transforms the refused future, keeping the reason: for wrappers that spawn their
    /// own future type and hand back what the caller gave them.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Rejected};
    ///
    /// let group = ErrGroup::<(), _>::inline();
    /// group.cancel();
    /// let rejected = group.try_spawn(async { Ok(()) }).unwrap_err();
    /// let mapped: Rejected<&str> = rejected.map(|_future| "the work, handed back");
    /// assert!(matches!(mapped, Rejected::Cancelled("the work, handed back")));
    /// ```
    pub fn map<G>(self, f: impl FnOnce(F) -> G) -> Rejected<G> {
        match self {
            Self::Full(future) => Rejected::Full(f(future)),
            Self::Cancelled(future) => Rejected::Cancelled(f(future)),
            Self::Closed(future) => Rejected::Closed(f(future)),
            Self::Spawner(error) => Rejected::Spawner(error),
        }
    }

    /// The future that was refused, if it was handed back.
    ///
    /// # Examples
    ///
    /// See [`Rejected`].
    pub fn into_future(self) -> Option<F> {
        match self {
            Self::Full(future) | Self::Cancelled(future) | Self::Closed(future) => Some(future),
            Self::Spawner(_) => None,
        }
    }
}

impl<F> fmt::Debug for Rejected<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("Full(..)"),
            Self::Cancelled(_) => f.write_str("Cancelled(..)"),
            Self::Closed(_) => f.write_str("Closed(..)"),
            Self::Spawner(error) => f.debug_tuple("Spawner").field(error).finish(),
        }
    }
}

impl<F> fmt::Display for Rejected<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => {
                f.write_str("task rejected: the group's limit of active tasks is reached")
            }
            Self::Cancelled(_) => f.write_str("task rejected: the group is cancelled"),
            Self::Closed(_) => f.write_str("task rejected: the group has finished"),
            Self::Spawner(error) => write!(f, "task rejected: {error}"),
        }
    }
}

impl<F> core::error::Error for Rejected<F> {}

/// `limit(0)` was asked for: a group whose limit is zero could never run a task.
///
/// # Examples
///
/// ```
/// let group = errgroup::ErrGroup::<(), _>::inline();
/// let error = group.limit(0).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "a group's limit must be at least 1: with limit(0) no task could ever run"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitError(());

impl LimitError {
    pub(crate) const fn new() -> Self {
        Self(())
    }
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a group's limit must be at least 1: with limit(0) no task could ever run")
    }
}

impl core::error::Error for LimitError {}
