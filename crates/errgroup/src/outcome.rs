//! How a task ends, and how a group that did not run every task to its end says so.

use core::fmt;

use crate::{id::TaskInfo, results::Results, token::CancelReason};

/// How one task of a group ended: exactly one of these, for every task that was spawned.
///
/// | outcome | what `wait` makes of it |
/// | --- | --- |
/// | [`Succeeded`](Self::Succeeded) | its value is kept (or discarded) by the group's [`Results`](crate::Results) |
/// | [`Failed`](Self::Failed) | an error: the group's first one is what `wait` returns |
/// | [`Panicked`](Self::Panicked) | re-raised at `wait`, even if an error came first; an error with [`panics_as_errors`](crate::Builder::panics_as_errors) |
/// | [`Cancelled`](Self::Cancelled) | dropped by the group (after a failure, a cancel, a race win, a timeout, the group's drop) |
/// | [`Lost`](Self::Lost) | dropped by its executor before it finished: re-raised at `wait`; an error with [`interruptions_as_errors`](crate::Builder::interruptions_as_errors) |
///
/// The crate docs have the whole table, per waiting form. New outcomes may be added.
///
/// # Examples
///
/// A group that is dropped without being waited for hands what nobody saw to the callback
/// set with [`Builder::on_unobserved`](crate::Builder::on_unobserved):
///
/// ```
/// use std::{cell::RefCell, pin::Pin, rc::Rc, sync::Mutex};
/// use errgroup::{ErrGroup, LocalSpawn, Outcome, SpawnError};
///
/// static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
///
/// fn report(outcome: Outcome<(), String>) {
///     if let Outcome::Failed(error) = outcome {
///         SEEN.lock().unwrap().push(error);
///     }
/// }
///
/// /// Keeps tasks to be run later, on this thread.
/// #[derive(Clone, Default)]
/// struct Deferred(Rc<RefCell<Vec<Pin<Box<dyn Future<Output = ()>>>>>>);
///
/// impl LocalSpawn for Deferred {
///     fn spawn_local<F: Future<Output = ()> + 'static>(&self, task: F) -> Result<(), SpawnError> {
///         self.0.borrow_mut().push(Box::pin(task));
///         Ok(())
///     }
/// }
///
/// let spawner = Deferred::default();
/// let group = ErrGroup::builder().on_unobserved(report).local_spawner(spawner.clone());
/// group.try_spawn(async { Err("nobody waited for this".to_string()) }).unwrap();
/// for task in spawner.0.borrow_mut().drain(..) {
///     futures_executor::block_on(task); // the task fails
/// }
/// drop(group); // without waiting
/// assert_eq!(*SEEN.lock().unwrap(), ["nobody waited for this"]);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome<T, E> {
    /// The task returned `Ok`.
    Succeeded(T),
    /// The task returned `Err`.
    Failed(E),
    /// The task panicked.
    #[cfg(feature = "std")]
    Panicked(crate::panic::Panicked),
    /// The group dropped the task before it finished, for this reason.
    Cancelled(CancelReason),
    /// The task's executor dropped it before it finished, without the group having
    /// cancelled it.
    Lost(Lost),
}

impl<T, E> Outcome<T, E> {
    /// The task's value, if it succeeded (as [`Result::ok`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::Outcome;
    ///
    /// assert_eq!(Outcome::<_, ()>::Succeeded(3).succeeded(), Some(3));
    /// assert_eq!(Outcome::<u8, _>::Failed("no").succeeded(), None);
    /// ```
    pub fn succeeded(self) -> Option<T> {
        match self {
            Self::Succeeded(value) => Some(value),
            _ => None,
        }
    }

    /// The task's value or its error, as `wait` would give them: a panic is re-raised,
    /// and a task that did not finish (cancelled, aborted or lost) is the error
    /// `E::from(`[`Interrupted`]`)`. What `?` wants from a [`TaskHandle`](crate::TaskHandle):
    /// `handle.await.into_result()?` (with `anyhow`, or an error type with a
    /// `From<Interrupted>`).
    ///
    /// # Errors
    ///
    /// The task's error, or its interruption.
    ///
    /// # Panics
    ///
    /// Re-raises the task's panic, with its original payload.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, Interrupted, Outcome};
    ///
    /// fn value(outcome: Outcome<u8, anyhow::Error>) -> anyhow::Result<u8> {
    ///     let value = outcome.into_result()?;
    ///     Ok(value)
    /// }
    /// assert_eq!(value(Outcome::Succeeded(7)).unwrap(), 7);
    /// let aborted = value(Outcome::Cancelled(CancelReason::Aborted)).unwrap_err();
    /// assert_eq!(aborted.to_string(), "the task was aborted through its handle");
    /// assert!(matches!(
    ///     aborted.downcast_ref::<Interrupted>(),
    ///     Some(Interrupted::Cancelled { reason: CancelReason::Aborted, unfinished: 1 })
    /// ));
    /// ```
    pub fn into_result(self) -> Result<T, E>
    where
        E: From<Interrupted>,
    {
        match self {
            Self::Succeeded(value) => Ok(value),
            Self::Failed(error) => Err(error),
            #[cfg(feature = "std")]
            Self::Panicked(panicked) => std::panic::resume_unwind(panicked.into_payload()),
            Self::Cancelled(reason) => Err(Interrupted::Cancelled { reason, unfinished: 1 }.into()),
            Self::Lost(lost) => Err(Interrupted::Lost(lost).into()),
        }
    }
}

/// A task was lost: its executor dropped it before it finished, and the group had not
/// cancelled it. A runtime shutting down with tasks pending does this, and so does a
/// spawner that accepts a task and then drops it unrun.
///
/// A lost task is never a success. By default `wait` re-raises it as a panic with this
/// message; with [`Builder::interruptions_as_errors`](crate::Builder::interruptions_as_errors)
/// it is an error ([`Interrupted::Lost`]). Either way it cancels its siblings in a
/// fail-fast group, like any failure.
///
/// # Examples
///
/// ```
/// use errgroup::{ErrGroup, Interrupted, Spawn, SpawnError};
///
/// /// Accepts every task, and drops it.
/// #[derive(Clone)]
/// struct Discarding;
///
/// impl Spawn for Discarding {
///     fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) -> Result<(), SpawnError> {
///         drop(task);
///         Ok(())
///     }
/// }
///
/// let group = ErrGroup::<Interrupted, _>::builder()
///     .interruptions_as_errors()
///     .spawner(Discarding);
/// group.try_spawn(async { Ok(()) }).unwrap();
/// let Err(Interrupted::Lost(lost)) = futures_executor::block_on(group.wait()) else {
///     unreachable!()
/// };
/// assert_eq!(lost.task().id().index(), 0);
/// assert_eq!(
///     lost.to_string(),
///     "task 0 was lost: its executor dropped it before it finished"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Lost {
    task: TaskInfo,
}

impl Lost {
    pub(crate) const fn new(task: TaskInfo) -> Self {
        Self { task }
    }

    /// Which task was lost: its id (its position in spawn order) and its name, if it has
    /// one.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Interrupted, Spawn, SpawnError};
    ///
    /// # #[derive(Clone)]
    /// # struct Discarding; // accepts every task, and drops it
    /// # impl Spawn for Discarding {
    /// #     fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    /// #     where
    /// #         F: Future<Output = ()> + Send + 'static,
    /// #     {
    /// #         drop(task);
    /// #         Ok(())
    /// #     }
    /// # }
    /// // `Discarding` is a spawner that drops every task it is given.
    /// let group =
    ///     ErrGroup::<Interrupted, _>::builder().interruptions_as_errors().spawner(Discarding);
    /// group.task().name("upload").try_spawn(async { Ok(()) }).unwrap();
    /// let Err(Interrupted::Lost(lost)) = futures_executor::block_on(group.wait()) else {
    ///     unreachable!()
    /// };
    /// assert_eq!(lost.task().id().index(), 0);
    /// assert_eq!(lost.task().name(), Some("upload"));
    /// ```
    pub const fn task(&self) -> &TaskInfo {
        &self.task
    }
}

impl fmt::Display for Lost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} was lost: its executor dropped it before it finished", self.task)
    }
}

impl core::error::Error for Lost {}

/// A group did not run every task to its end, and no task failed: a task was lost, or the
/// group was cancelled from outside (its parent token, [`GroupHandle::cancel`](crate::GroupHandle::cancel))
/// while tasks were unfinished.
///
/// What `wait` does then depends on the group:
///
/// - With [`Builder::interruptions_as_errors`](crate::Builder::interruptions_as_errors)
///   (`E: From<Interrupted>`), `wait` returns it as the group's error.
/// - Otherwise a lost task is re-raised as a panic naming it, and so is a cancelled
///   *collecting* group (it has no complete results to return, and a shorter `Vec` would
///   put values at positions that are not their tasks'). A cancelled group that keeps no
///   values ([`Discard`](crate::Discard)) returns `Ok(())`: every task that ran to its end
///   succeeded, the others were dropped because you (or the parent you chose) asked for
///   it, and there is nothing else to return. The group's token says why.
///
/// To keep the values that did arrive when a group may be stopped from outside, wait with
/// [`ErrGroup::wait_until`](crate::ErrGroup::wait_until): its
/// [`Timed::TimedOut`](crate::Timed::TimedOut) holds each value at its task's position.
///
/// # Examples
///
/// ```
/// use errgroup::{CancelReason, ErrGroup, Interrupted};
///
/// let group = ErrGroup::<Interrupted, _>::builder()
///     .interruptions_as_errors()
///     .collect::<u32>()
///     .inline();
/// group.try_spawn(std::future::pending()).unwrap();
/// group.cancel();
/// let error = futures_executor::block_on(group.wait()).unwrap_err();
/// assert_eq!(error, Interrupted::Cancelled { reason: CancelReason::Explicit, unfinished: 1 });
/// assert_eq!(
///     error.to_string(),
///     "the group was cancelled (cancelled explicitly) with 1 task unfinished"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Interrupted {
    /// A task was lost (the first one, if several were).
    Lost(Lost),
    /// The group was cancelled from outside while tasks were unfinished.
    Cancelled {
        /// Why the group was cancelled.
        reason: CancelReason,
        /// How many tasks it dropped before they finished.
        unfinished: usize,
    },
}

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Lost(lost) => lost.fmt(f),
            // One task's own outcome (`Outcome::into_result`), not the group's.
            Self::Cancelled { reason: CancelReason::Aborted, .. } => CancelReason::Aborted.fmt(f),
            Self::Cancelled { reason, unfinished } => {
                let tasks = if *unfinished == 1 { "task" } else { "tasks" };
                write!(f, "the group was cancelled ({reason}) with {unfinished} {tasks} unfinished")
            }
        }
    }
}

impl core::error::Error for Interrupted {}

impl From<Lost> for Interrupted {
    fn from(lost: Lost) -> Self {
        Self::Lost(lost)
    }
}

/// Whether a group finished before its timer
/// ([`ErrGroup::wait_until`](crate::ErrGroup::wait_until)).
///
/// `O` is the group's outcome (what `wait` returns); `P` what a group stopped by the timer
/// returns: the same for a group that discards values, and each value at its task's
/// position for a collecting one.
///
/// Exhaustive on purpose, unlike the crate's errors and outcomes: like `Poll`, it answers
/// one yes-or-no question (did the group finish in time?), so a `match` on it needs no
/// wildcard arm; anything more a group could report goes into `O` and `P`.
///
/// # Examples
///
/// ```
/// use errgroup::Timed;
///
/// let outcome: Timed<Result<(), ()>> = Timed::TimedOut(Ok(()));
/// assert!(outcome.is_timed_out());
/// assert_eq!(outcome.into_inner(), Ok(()));
///
/// let collected: Timed<Result<Vec<u32>, ()>, Result<Vec<Option<u32>>, ()>> =
///     Timed::TimedOut(Ok(vec![Some(1), None]));
/// assert_eq!(collected.timed_out(), Some(Ok(vec![Some(1), None])));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Timed<O, P = O> {
    /// The group finished before the timer: its outcome.
    Finished(O),
    /// The timer fired first: the group was cancelled, and this is what it returned once
    /// its tasks were dropped (an error that came before the timer, or the values that
    /// did arrive, each at its task's position).
    TimedOut(P),
}

impl<O, P> Timed<O, P> {
    /// Whether the timer fired first.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    /// use futures_executor::block_on;
    ///
    /// let group = ErrGroup::<(), _>::inline();
    /// group.try_spawn(std::future::pending()).unwrap(); // never finishes
    /// let outcome = block_on(group.wait_until(async {})); // a timer that has fired already
    /// assert!(outcome.is_timed_out());
    ///
    /// let group = ErrGroup::<(), _>::inline();
    /// group.try_spawn(async { Ok(()) }).unwrap();
    /// let outcome = block_on(group.wait_until(std::future::pending())); // one that never fires
    /// assert!(!outcome.is_timed_out());
    /// ```
    pub fn is_timed_out(&self) -> bool {
        matches!(self, Self::TimedOut(_))
    }

    /// The outcome, if the group finished before the timer.
    ///
    /// # Examples
    ///
    /// ```
    /// let outcome: errgroup::Timed<u8> = errgroup::Timed::Finished(1);
    /// assert_eq!(outcome.finished(), Some(1));
    /// ```
    pub fn finished(self) -> Option<O> {
        match self {
            Self::Finished(outcome) => Some(outcome),
            Self::TimedOut(_) => None,
        }
    }

    /// What the group returned, if the timer fired first.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let group = ErrGroup::builder().collect().inline();
    /// group.try_spawn(async { Ok::<u32, ()>(1) }).unwrap();
    /// group.try_spawn(std::future::pending()).unwrap(); // never finishes
    /// let outcome = futures_executor::block_on(group.wait_until(async {})); // fired already
    /// // The values that did arrive, each at its task's position.
    /// assert_eq!(outcome.timed_out(), Some(Ok(vec![Some(1), None])));
    /// ```
    pub fn timed_out(self) -> Option<P> {
        match self {
            Self::Finished(_) => None,
            Self::TimedOut(partial) => Some(partial),
        }
    }
}

impl<O> Timed<O> {
    /// The group's outcome, either way (when both are of one type: a group that discards
    /// values).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let group = ErrGroup::inline();
    /// group.try_spawn(async { Err::<(), _>("boom") }).unwrap();
    /// group.try_spawn(std::future::pending()).unwrap(); // cancelled by the failure
    /// let outcome = futures_executor::block_on(group.wait_until(std::future::pending()));
    /// // Finished or timed out, a discarding group's outcome is a `Result<(), E>`.
    /// assert_eq!(outcome.into_inner(), Err("boom"));
    /// ```
    pub fn into_inner(self) -> O {
        match self {
            Self::Finished(outcome) | Self::TimedOut(outcome) => outcome,
        }
    }
}

/// What [`ErrGroup::wait_until`](crate::ErrGroup::wait_until) (and `wait_timeout`,
/// `wait_deadline`) returns for a group with error type `E` and results `R`.
///
/// # Examples
///
/// ```
/// use errgroup::{Collect, TimedOutcome};
///
/// let outcome: TimedOutcome<(), Collect<u8>> = errgroup::Timed::Finished(Ok(vec![1]));
/// assert!(!outcome.is_timed_out());
/// ```
pub type TimedOutcome<E, R> =
    Timed<Result<<R as Results>::Output, E>, Result<<R as Results>::Partial, E>>;

/// A task's error, with the task it came from: what [`wait_all`](crate::ErrGroup::wait_all)
/// and [`race`](crate::ErrGroup::race) return for each error they keep, so that a report
/// can say which task failed. Its message is ``task 3 `billing` failed: <the error>``; for
/// an error the group made from a panic or a lost task
/// ([`panics_as_errors`](crate::Builder::panics_as_errors),
/// [`interruptions_as_errors`](crate::Builder::interruptions_as_errors)), whose own message
/// names the task already, it is the error's message alone.
///
/// The task is `None` only for the error that stands for a group cancelled from outside
/// ([`Interrupted::Cancelled`], with
/// [`interruptions_as_errors`](crate::Builder::interruptions_as_errors)): no task caused it.
///
/// # Examples
///
/// ```
/// use errgroup::{ErrGroup, Policy};
///
/// let mut group = ErrGroup::builder().policy(Policy::CollectAll).inline();
/// group.task().name("billing").try_spawn(async { Err("card declined") }).unwrap();
/// group.try_spawn(async { Ok(()) }).unwrap();
/// group.try_spawn(async { Err("no stock") }).unwrap();
/// let errors = futures_executor::block_on(group.wait_all()).unwrap_err();
/// let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
/// assert_eq!(shown, ["task 0 `billing` failed: card declined", "task 2 failed: no stock"]);
/// assert_eq!(errors[1].task().map(|task| task.id().index()), Some(2));
/// assert_eq!(errors.into_iter().map(|error| error.into_error()).collect::<Vec<_>>(), [
///     "card declined",
///     "no stock"
/// ]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaskError<E> {
    task: Option<TaskInfo>,
    error: E,
    /// The group made the error from a panic or a loss: its message names the task.
    named: bool,
}

impl<E> TaskError<E> {
    pub(crate) const fn new(task: Option<TaskInfo>, error: E) -> Self {
        Self { task, error, named: false }
    }

    /// An error the group made from `task`'s panic or loss, whose message names the task.
    pub(crate) const fn converted(task: TaskInfo, error: E) -> Self {
        Self { task: Some(task), error, named: true }
    }

    /// The task that failed; `None` for a group cancelled from outside.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Interrupted, Policy};
    /// use futures_executor::block_on;
    ///
    /// let mut group = ErrGroup::builder().policy(Policy::CollectAll).inline();
    /// group.try_spawn(async { Ok(()) }).unwrap();
    /// group.task().name("billing").try_spawn(async { Err("card declined") }).unwrap();
    /// let errors = block_on(group.wait_all()).unwrap_err();
    /// let task = errors[0].task().unwrap();
    /// assert_eq!((task.id().index(), task.name()), (1, Some("billing")));
    ///
    /// // Cancelled from outside: no task caused it.
    /// let group = ErrGroup::<Interrupted, _>::builder().interruptions_as_errors().inline();
    /// group.try_spawn(std::future::pending()).unwrap();
    /// group.cancel();
    /// let errors = block_on(group.wait_all()).unwrap_err();
    /// assert!(errors[0].task().is_none());
    /// ```
    pub const fn task(&self) -> Option<&TaskInfo> {
        self.task.as_ref()
    }

    /// The error.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Policy};
    ///
    /// let group = ErrGroup::builder().policy(Policy::CollectAll).inline();
    /// group.try_spawn(async { Err::<(), _>(404) }).unwrap();
    /// let errors = futures_executor::block_on(group.wait_all()).unwrap_err();
    /// assert_eq!(errors[0].error(), &404);
    /// ```
    pub const fn error(&self) -> &E {
        &self.error
    }

    /// The error, without its task.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Policy, TaskError};
    ///
    /// let group = ErrGroup::builder().policy(Policy::CollectAll).inline();
    /// group.try_spawn(async { Err::<(), _>("card declined") }).unwrap();
    /// group.try_spawn(async { Err("no stock") }).unwrap();
    /// let errors = futures_executor::block_on(group.wait_all()).unwrap_err();
    /// let errors: Vec<&str> = errors.into_iter().map(TaskError::into_error).collect();
    /// assert_eq!(errors, ["card declined", "no stock"]);
    /// ```
    pub fn into_error(self) -> E {
        self.error
    }

    /// The task and the error.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Policy};
    ///
    /// let group = ErrGroup::builder().policy(Policy::CollectAll).inline();
    /// let id = group.try_spawn(async { Err::<(), _>("boom") }).unwrap();
    /// let mut errors = futures_executor::block_on(group.wait_all()).unwrap_err();
    /// let (task, error) = errors.remove(0).into_parts();
    /// assert_eq!((task.map(|task| task.id()), error), (Some(id), "boom"));
    /// ```
    pub fn into_parts(self) -> (Option<TaskInfo>, E) {
        (self.task, self.error)
    }
}

impl<E: fmt::Display> fmt::Display for TaskError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.task {
            Some(task) if !self.named => write!(f, "{task} failed: {}", self.error),
            _ => self.error.fmt(f),
        }
    }
}

/// Its message already holds the error's, so its source is the error's source (not the
/// error itself, whose message would then be shown twice in a chain).
impl<E: core::error::Error> core::error::Error for TaskError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        self.error.source()
    }
}
