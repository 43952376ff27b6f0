//! Why a group or a spawner refused a task, and why a limit was refused: the errors of the
//! spawning path. A refused task comes back inside its error whenever it was not dropped.

use core::fmt;

use crate::token::Cause;

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
    /// ```
    /// use errgroup::{SpawnError, SpawnErrorKind};
    ///
    /// fn worth_retrying(error: &SpawnError) -> bool {
    ///     match error.kind() {
    ///         SpawnErrorKind::Shutdown => false,
    ///         _ => true, // the kinds are non-exhaustive
    ///     }
    /// }
    /// assert!(!worth_retrying(&SpawnError::shutdown()));
    /// assert!(worth_retrying(&SpawnError::new("queue full")));
    /// ```
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

/// A group refused a task, and handed it back: what `try_spawn` returns when it cannot
/// spawn. The future comes back never polled, except when the spawner refused it (it was
/// dropped by then). A cancelled group says why it was cancelled ([`Cause`]: which task
/// failed, and how).
///
/// To give up rather than fall back, turn it into a [`Refused`], the same reason without
/// the future, which `?` carries into any error type (`anyhow::Error` included) whatever
/// the task borrows: `group.try_spawn(task).map_err(Rejected::into_refused)?`.
///
/// # Examples
///
/// ```
/// use errgroup::{CancelReason, ErrGroup, Rejected};
///
/// let group = ErrGroup::<(), _>::inline();
/// group.cancel();
/// let rejected = group.try_spawn(async { Ok(()) }).unwrap_err();
/// assert_eq!(rejected.to_string(), "task refused: the group is cancelled (cancelled explicitly)");
/// let Rejected::Cancelled(_future, cause) = rejected else { unreachable!() };
/// assert_eq!(cause.reason(), CancelReason::Explicit);
/// ```
#[non_exhaustive]
pub enum Rejected<F> {
    /// The group's limit of active tasks is reached (`try_spawn` only).
    Full(F),
    /// The group is cancelled, for this cause.
    Cancelled(F, Cause),
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
    /// assert!(matches!(mapped, Rejected::Cancelled("the work, handed back", _)));
    /// ```
    pub fn map<G>(self, f: impl FnOnce(F) -> G) -> Rejected<G> {
        match self {
            Self::Full(future) => Rejected::Full(f(future)),
            Self::Cancelled(future, cause) => Rejected::Cancelled(f(future), cause),
            Self::Closed(future) => Rejected::Closed(f(future)),
            Self::Spawner(error) => Rejected::Spawner(error),
        }
    }

    /// The future that was refused, if it was handed back.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::inline();
    /// group.limit(1).unwrap();
    /// group.try_spawn(async { Ok(()) }).unwrap();
    /// let rejected = group.try_spawn(async { Ok(()) }).unwrap_err(); // full
    /// let _future = rejected.into_future().expect("handed back");
    /// ```
    pub fn into_future(self) -> Option<F> {
        match self {
            Self::Full(future) | Self::Cancelled(future, _) | Self::Closed(future) => Some(future),
            Self::Spawner(_) => None,
        }
    }

    /// Drops the future and keeps the reason: a [`Refused`], which is `Send + Sync +
    /// 'static` whatever the future is, so `?` carries it into `anyhow::Error` or any
    /// error type with a `From<Refused>`. (`Refused` also has a `From<Rejected<F>>`.)
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Inline, Rejected};
    ///
    /// async fn fetch(client: &str) -> Result<usize, anyhow::Error> {
    ///     Ok(client.len())
    /// }
    ///
    /// // The task borrows `client` for as long as the group may run it.
    /// fn start<'a>(group: &ErrGroup<anyhow::Error, Inline<'a>>, client: &'a str) -> anyhow::Result<()> {
    ///     group.try_spawn(async move { fetch(client).await.map(drop) }).map_err(Rejected::into_refused)?;
    ///     Ok(())
    /// }
    ///
    /// let client = String::from("client");
    /// let group = ErrGroup::inline();
    /// start(&group, &client).unwrap();
    /// group.cancel();
    /// let error = start(&group, &client).unwrap_err();
    /// assert_eq!(error.to_string(), "task refused: the group is cancelled (cancelled explicitly)");
    /// ```
    ///
    /// Without it, `?` on a refusal that holds a borrowing task does not compile: the
    /// `Rejected` would have to outlive the borrow, to be an `anyhow::Error`.
    ///
    /// ```compile_fail
    /// use errgroup::{ErrGroup, Inline};
    ///
    /// fn start<'a>(group: &ErrGroup<anyhow::Error, Inline<'a>>, client: &'a str) -> anyhow::Result<()> {
    ///     group.try_spawn(async move { Ok(drop(client)) })?;
    ///     Ok(())
    /// }
    /// ```
    pub fn into_refused(self) -> Refused {
        match self {
            Self::Full(_) => Refused::Full,
            Self::Cancelled(_, cause) => Refused::Cancelled(cause),
            Self::Closed(_) => Refused::Closed,
            Self::Spawner(error) => Refused::Spawner(error),
        }
    }
}

impl<F> fmt::Debug for Rejected<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("Full(..)"),
            Self::Cancelled(_, cause) => write!(f, "Cancelled(.., {cause:?})"),
            Self::Closed(_) => f.write_str("Closed(..)"),
            Self::Spawner(error) => f.debug_tuple("Spawner").field(error).finish(),
        }
    }
}

impl<F> fmt::Display for Rejected<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => Refused::Full.fmt(f),
            Self::Cancelled(_, cause) => write_cancelled(f, cause),
            Self::Closed(_) => Refused::Closed.fmt(f),
            Self::Spawner(error) => write!(f, "task refused: {error}"),
        }
    }
}

impl<F> core::error::Error for Rejected<F> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Spawner(error) => Some(error),
            _ => None,
        }
    }
}

/// Why a group refused a task, without the task: what a waiting `spawn(..).await` returns
/// when it cannot spawn (the group is ending, so it drops the future), and what
/// [`Rejected::into_refused`] makes of a `try_spawn` refusal.
///
/// It is `Send + Sync + 'static` and an error, whatever the task borrowed, so `?` carries
/// it into `anyhow::Error`, `Box<dyn Error + Send + Sync>` or an error type with a
/// `From<Refused>`. A cancelled group says why ([`Cause`]): its message names the task that
/// failed. The error the group itself returns is still at `wait`: in a loop that feeds a
/// group, stop on a refusal and await the group, to return the task's own error rather
/// than the refusal:
///
/// ```
/// use errgroup::ErrGroup;
///
/// async fn fetch(id: u32) -> Result<(), String> {
///     if id == 3 { Err(format!("item {id} is missing")) } else { Ok(()) }
/// }
///
/// # futures_executor::block_on(async {
/// let mut group = ErrGroup::inline();
/// group.limit(2).unwrap();
/// for id in 1..=10 {
///     if group.spawn(fetch(id)).await.is_err() {
///         break; // refused: the group failed, and `wait` has its error
///     }
/// }
/// assert_eq!(group.await, Err("item 3 is missing".to_string()));
/// # });
/// ```
///
/// # Examples
///
/// `?` on a refused spawn, in a function returning `anyhow::Result`:
///
/// ```
/// use errgroup::ErrGroup;
///
/// async fn feed(group: &mut ErrGroup<String, errgroup::Inline<'_>>, ids: &[u32]) -> anyhow::Result<()> {
///     for &id in ids {
///         group.task().name(format!("fetch {id}")).spawn(async move {
///             if id == 2 { Err(format!("item {id} is missing")) } else { Ok(()) }
///         }).await?;
///     }
///     Ok(())
/// }
///
/// # futures_executor::block_on(async {
/// let mut group = ErrGroup::builder().error_messages().inline();
/// group.limit(1).unwrap();
/// let refused = feed(&mut group, &[1, 2, 3, 4]).await.unwrap_err();
/// assert_eq!(
///     refused.to_string(),
///     "task refused: the group is cancelled (task 1 `fetch 2` failed: item 2 is missing)"
/// );
/// assert_eq!(group.await, Err("item 2 is missing".to_string()));
/// # });
/// ```
///
/// It owns nothing of the task, so `?` works for any task: one that borrows from the
/// caller (an inline group), and one that is `Send` but not `Sync` (a spawned one), where
/// a [`Rejected`] holding the future could not be an `anyhow::Error`:
///
/// ```
/// use std::cell::Cell;
/// use errgroup::ErrGroup;
///
/// async fn sizes(client: &str, pages: &[&str]) -> anyhow::Result<Vec<usize>> {
///     let mut group = ErrGroup::builder().collect().inline();
///     group.limit(2)?;
///     for page in pages {
///         // Borrows `client` and `page`.
///         group.spawn(async move { Ok::<_, anyhow::Error>(client.len() + page.len()) }).await?;
///     }
///     group.await
/// }
///
/// # use std::{sync::{Arc, Mutex}, thread::JoinHandle};
/// # /// A thread per task, joined at the end (so that no thread outlives the test).
/// # #[derive(Clone, Default)]
/// # struct Threads(Arc<Mutex<Vec<JoinHandle<()>>>>);
/// # impl errgroup::Spawn for Threads {
/// #     fn spawn<F>(&self, task: F) -> Result<(), errgroup::SpawnError>
/// #     where F: Future<Output = ()> + Send + 'static {
/// #         let thread = std::thread::spawn(move || futures_executor::block_on(task));
/// #         self.0.lock().unwrap().push(thread);
/// #         Ok(())
/// #     }
/// # }
/// async fn counted(spawner: Threads) -> anyhow::Result<()> {
///     let group = ErrGroup::new(spawner);
///     // `Send`, not `Sync`: the `Cell` lives across an `.await`.
///     group.spawn(async {
///         let hits = Cell::new(0);
///         futures_util::future::ready(()).await;
///         hits.set(hits.get() + 1);
///         Ok::<(), anyhow::Error>(())
///     }).await?;
///     group.await
/// }
///
/// # let threads = Threads::default();
/// # futures_executor::block_on(async {
/// assert_eq!(sizes("client", &["a", "bb"]).await.unwrap(), [7, 8]);
/// counted(threads.clone()).await.unwrap();
/// # });
/// # for thread in threads.0.lock().unwrap().drain(..) { thread.join().unwrap(); }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refused {
    /// The group's limit of active tasks is reached (from a `try_spawn`; a waiting spawn
    /// waits instead).
    Full,
    /// The group is cancelled, for this cause.
    Cancelled(Cause),
    /// The group has finished: its `wait` resolved.
    Closed,
    /// The spawner refused the task, and dropped it.
    Spawner(SpawnError),
}

impl Refused {
    /// Why the group was cancelled, if that is why it refused.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, ErrGroup};
    ///
    /// let mut group = ErrGroup::<(), _>::inline();
    /// group.cancel();
    /// let refused = futures_executor::block_on(group.spawn(async { Ok(()) })).unwrap_err();
    /// assert_eq!(refused.cause().map(|cause| cause.reason()), Some(CancelReason::Explicit));
    /// ```
    pub fn cause(&self) -> Option<&Cause> {
        match self {
            Self::Cancelled(cause) => Some(cause),
            _ => None,
        }
    }
}

impl<F> From<Rejected<F>> for Refused {
    fn from(rejected: Rejected<F>) -> Self {
        rejected.into_refused()
    }
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full => f.write_str("task refused: the group's limit of active tasks is reached"),
            Self::Cancelled(cause) => write_cancelled(f, cause),
            Self::Closed => f.write_str("task refused: the group has finished"),
            Self::Spawner(error) => write!(f, "task refused: {error}"),
        }
    }
}

impl core::error::Error for Refused {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Spawner(error) => Some(error),
            _ => None,
        }
    }
}

/// The message of a refusal by a cancelled group: the same for [`Rejected`] and [`Refused`].
fn write_cancelled(f: &mut fmt::Formatter<'_>, cause: &Cause) -> fmt::Result {
    write!(f, "task refused: the group is cancelled ({cause})")
}

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
