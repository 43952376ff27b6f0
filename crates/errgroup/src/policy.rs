//! What a group does with its tasks' failures: the [`Policy`], the conversions a group
//! asked for (panics and interruptions into its error type), and the failures it keeps
//! until a waiting form takes them.
//!
//! # Invariants
//!
//! - The first failure is the group's ([`Failures::record`]); under
//!   [`Policy::FailFast`] it cancels the group, with a reason naming what it was. An
//!   error that arrives after a cancellation is its consequence, not its cause: it is not
//!   kept, and its task counts as cancelled.
//! - A panic is never lost: one that cannot be the first failure is kept apart (the first
//!   such one) and re-raised by every waiting form, whatever came before it.
//! - Tasks that ended unfinished because of a cancellation are counted, so a group
//!   cancelled from outside can say how many ([`Interrupted::Cancelled`]).
//! - Everything here is written by tasks (any thread) and read once, by the waiter, after
//!   the group's state word says it is idle: the state word's acquire/release orders the
//!   writes before the reads, so the relaxed counter needs nothing of its own.

#[cfg(feature = "std")]
use alloc::boxed::Box;
use alloc::vec::Vec;

use errgroup_core::ErrorSlot;

use alloc::string::String;

use crate::id::{TaskId, TaskInfo};
use crate::{
    outcome::{Interrupted, Lost, Outcome, TaskError},
    results::Results,
    sync::{AtomicBool, AtomicUsize, Lock, Ordering},
    token::{CancelReason, Cause},
};

/// What a group does when a task fails.
///
/// # Examples
///
/// ```
/// use errgroup::{ErrGroup, Policy};
///
/// let group = ErrGroup::builder().policy(Policy::CollectAll).inline();
/// group.try_spawn(async { Err::<(), _>("first") }).unwrap();
/// group.try_spawn(async { Err::<(), _>("second") }).unwrap();
/// let errors = futures_executor::block_on(group.wait_all()).unwrap_err();
/// let errors: Vec<_> = errors.into_iter().map(|error| error.into_error()).collect();
/// assert_eq!(errors, ["first", "second"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Policy {
    /// The first error or panic is the group's, and cancels every other task. The default.
    #[default]
    FailFast,
    /// Every error is kept, in order of arrival, and the other tasks keep running.
    CollectAll,
    /// The first error is kept and nothing is cancelled: Go's plain `errgroup.Group`.
    NoCancel,
    /// The first error or panic is the group's, as with `FailFast`, but it starts a
    /// **graceful stop** instead of dropping the other tasks: the group's token is
    /// cancelled (with the failure as its cause), so they are told to stop, and no new
    /// task starts, but none is dropped. A [`shutdown_when`](crate::ErrGroup::shutdown_when)
    /// wait starts its grace period then, and drops the tasks still running at its end;
    /// any other waiting form waits for them to stop by themselves.
    ///
    /// ```
    /// use errgroup::{ErrGroup, Outcome, Policy};
    ///
    /// let group = ErrGroup::builder().policy(Policy::FailGracefully).collect().inline();
    /// let token = group.token().clone();
    /// group.try_spawn(async move {
    ///     token.cancelled().await; // told, and finishes its work
    ///     Ok("flushed")
    /// }).unwrap();
    /// group.try_spawn(async { Err("boom") }).unwrap();
    /// let outcomes = futures_executor::block_on(group.wait_outcomes());
    /// assert!(matches!(outcomes[0].1, Outcome::Succeeded("flushed")));
    /// assert!(matches!(outcomes[1].1, Outcome::Failed("boom")));
    /// ```
    FailGracefully,
}

/// A panic's payload.
#[cfg(feature = "std")]
pub(crate) type Payload = Box<dyn core::any::Any + Send>;

/// A task's failure, as stored by the group, with the task.
pub(crate) enum Failure<E> {
    Error(TaskError<E>),
    /// A panic's payload, with its task.
    #[cfg(feature = "std")]
    Panic(TaskInfo, Payload),
    /// Lost, in a group that does not turn interruptions into errors.
    Lost(Lost),
}

impl<E> Failure<E> {
    /// The reason a fail-fast group is cancelled with when this is its first failure.
    fn cancel_reason(&self) -> CancelReason {
        match self {
            Self::Error(..) => CancelReason::Error,
            #[cfg(feature = "std")]
            Self::Panic(..) => CancelReason::Panic,
            Self::Lost(_) => CancelReason::Lost,
        }
    }

    /// The cause a fail-fast group is cancelled for when this is its first failure: the
    /// reason, the task, and the message (an error's, by `describe`; a panic's).
    fn cause(&self, describe: Option<fn(&E) -> String>) -> Cause {
        let cause = Cause::new(self.cancel_reason());
        match self {
            Self::Error(error) => {
                let cause = match error.task() {
                    Some(task) => cause.with_task(task.clone()),
                    None => cause,
                };
                match describe {
                    Some(describe) => cause.with_message(describe(error.error())),
                    None => cause,
                }
            }
            #[cfg(feature = "std")]
            Self::Panic(task, payload) => {
                let cause = cause.with_task(task.clone());
                match crate::panic::payload_message(&**payload) {
                    Some(message) => cause.with_message(message),
                    None => cause,
                }
            }
            Self::Lost(lost) => cause.with_task(lost.task().clone()),
        }
    }

    /// The outcome of the task that failed, with its index in spawn order.
    fn into_outcome<T>(self) -> (TaskInfo, Outcome<T, E>) {
        match self {
            Self::Error(error) => {
                let (task, error) = error.into_parts();
                let task = task.expect("errgroup: bug: a recorded error without its task");
                (task, Outcome::Failed(error))
            }
            #[cfg(feature = "std")]
            Self::Panic(task, payload) => {
                (task.clone(), Outcome::Panicked(crate::panic::Panicked::new(task, payload)))
            }
            Self::Lost(lost) => (lost.task().clone(), Outcome::Lost(lost)),
        }
    }

    /// The error a failure is reported as, with its task: a lost task the group does not
    /// turn into an error is re-raised as a panic naming it; so is a panic.
    #[track_caller]
    fn into_task_error(self) -> TaskError<E> {
        match self {
            Self::Error(error) => error,
            Self::Lost(lost) => panic!(
                "errgroup: {lost} (a runtime shutting down, or a spawner that drops tasks); \
                 `Builder::interruptions_as_errors` makes this an error instead of a panic"
            ),
            #[cfg(feature = "std")]
            Self::Panic(_, payload) => std::panic::resume_unwind(payload),
        }
    }
}

/// How a group treats failures; fixed at construction.
pub(crate) struct Rules<E> {
    pub(crate) policy: Policy,
    #[cfg(feature = "std")]
    pub(crate) panic_to_error: Option<fn(crate::panic::Panicked) -> E>,
    pub(crate) interrupted_to_error: Option<fn(Interrupted) -> E>,
    /// What an error's message is, for the cause of the cancellation it starts.
    pub(crate) describe: Option<fn(&E) -> String>,
}

impl<E> Rules<E> {
    pub(crate) const fn new() -> Self {
        Self {
            policy: Policy::FailFast,
            #[cfg(feature = "std")]
            panic_to_error: None,
            interrupted_to_error: None,
            describe: None,
        }
    }

    /// Whether panics become errors.
    pub(crate) fn turns_panics_into_errors(&self) -> bool {
        #[cfg(feature = "std")]
        return self.panic_to_error.is_some();
        #[cfg(not(feature = "std"))]
        false
    }
}

/// The failures a group recorded, until a waiting form takes them.
pub(crate) struct Failures<E> {
    rules: Rules<E>,
    /// The group's first failure (the one `wait` reports).
    first: ErrorSlot<Failure<E>>,
    /// The first panic that came after another failure: re-raised all the same.
    #[cfg(feature = "std")]
    panic: ErrorSlot<(TaskInfo, Payload)>,
    /// Every later error, with its task, with [`Policy::CollectAll`]. Only failures take
    /// this lock.
    later: Lock<Vec<TaskError<E>>>,
    /// Every other failure, for a group that keeps every task's outcome (a collecting
    /// one): the ones `wait` does not report (an error after the cancellation, a second
    /// panic, a second loss), which `wait_outcomes` does. Always empty otherwise.
    rest: Lock<Vec<Failure<E>>>,
    /// The indices of the tasks a spawner refused, for a group that keeps every outcome:
    /// they were never tasks, and `wait_outcomes` leaves them out.
    refused: Lock<Vec<usize>>,
    keeps_every_outcome: bool,
    /// Set when a graceful shutdown begins: from then on every failure is kept (in
    /// `rest`), whatever the group keeps otherwise, for the shutdown's report.
    stopping: AtomicBool,
    /// How many tasks ended unfinished because the group was cancelled: dropped by it, or
    /// ended with an error that the cancellation made no longer the cause. Only the
    /// cancellation path touches it.
    cancelled: AtomicUsize,
}

impl<E> Failures<E> {
    pub(crate) fn new(rules: Rules<E>, keeps_every_outcome: bool) -> Self {
        Self {
            rules,
            first: ErrorSlot::new(),
            #[cfg(feature = "std")]
            panic: ErrorSlot::new(),
            later: Lock::new(Vec::new()),
            rest: Lock::new(Vec::new()),
            refused: Lock::new(Vec::new()),
            keeps_every_outcome,
            stopping: AtomicBool::new(false),
            cancelled: AtomicUsize::new(0),
        }
    }

    pub(crate) fn policy(&self) -> Policy {
        self.rules.policy
    }

    /// Records a task's failure according to the policy, given whether the group was
    /// `cancelled` by then. Returns the cause to cancel the group for, if this failure
    /// must cancel it.
    pub(crate) fn record(&self, failure: Failure<E>, cancelled: bool) -> Option<Cause> {
        let reason = failure.cancel_reason();
        match self.rules.policy {
            Policy::FailFast | Policy::FailGracefully | Policy::NoCancel => {
                if reason == CancelReason::Error && cancelled {
                    // The group was cancelled before this error: it is a consequence, not
                    // the cause, and is not reported; the task counts as cancelled. A
                    // panic is a bug, and a lost task a loss, never a consequence: they
                    // are kept (a `Drop` panicking while its task is aborted, say).
                    self.task_cancelled();
                    self.keep_rest(failure);
                    return None;
                }
                // Taken before the failure is converted: its cause is what it was.
                let cause = (self.rules.policy != Policy::NoCancel && !cancelled)
                    .then(|| failure.cause(self.rules.describe));
                match self.first.try_set(self.convert(failure)) {
                    Ok(()) => return cause,
                    // Only the first error is reported; a panic is never lost.
                    Err(failure) => self.keep_panic(failure),
                }
            }
            Policy::CollectAll => {
                if let Err(failure) = self.first.try_set(self.convert(failure)) {
                    match failure {
                        Failure::Error(error) => self.later.with(|later| later.push(error)),
                        other => self.keep_panic(other),
                    }
                }
            }
        }
        None
    }

    /// A failure that could not be the group's first: a panic is kept to be re-raised all
    /// the same (the first such panic; the panic hook reported the others when they
    /// happened). A later error or lost task is dropped: `wait` reports a failure anyway.
    fn keep_panic(&self, failure: Failure<E>) {
        #[cfg(feature = "std")]
        let failure = match failure {
            Failure::Panic(task, payload) => match self.panic.try_set((task, payload)) {
                Ok(()) => return,
                Err((task, payload)) => Failure::Panic(task, payload),
            },
            other => other,
        };
        self.keep_rest(failure);
    }

    /// The spawner refused the task that had `index`, if the group keeps every outcome.
    pub(crate) fn task_refused(&self, index: usize) {
        if self.keeps_every_outcome {
            self.refused.with(|refused| refused.push(index));
        }
    }

    /// From now on, every failure is kept for a shutdown's report.
    pub(crate) fn keep_every_failure(&self) {
        // Relaxed: a failure recorded as the shutdown begins may go either way; the waiter
        // reads the failures only once the group is idle.
        self.stopping.store(true, Ordering::Relaxed);
    }

    /// Whether a shutdown is keeping every failure (and recording the tasks in flight).
    #[inline]
    pub(crate) fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    /// Keeps a failure no other waiting form reports, if the group keeps every outcome
    /// (or a shutdown is under way).
    fn keep_rest(&self, failure: Failure<E>) {
        if self.keeps_every_outcome || self.is_stopping() {
            self.rest.with(|rest| rest.push(failure));
        }
    }

    /// Turns a panic or a lost task into an error value, if the group asked for it.
    fn convert(&self, failure: Failure<E>) -> Failure<E> {
        match failure {
            #[cfg(feature = "std")]
            Failure::Panic(task, payload) => match self.rules.panic_to_error {
                Some(convert) => Failure::Error(TaskError::converted(
                    task.clone(),
                    convert(crate::panic::Panicked::new(task, payload)),
                )),
                None => Failure::Panic(task, payload),
            },
            Failure::Lost(lost) => match self.rules.interrupted_to_error {
                Some(convert) => Failure::Error(TaskError::converted(
                    lost.task().clone(),
                    convert(Interrupted::Lost(lost)),
                )),
                None => Failure::Lost(lost),
            },
            Failure::Error(error) => Failure::Error(error),
        }
    }

    /// A task was dropped unfinished because the group was cancelled.
    pub(crate) fn task_cancelled(&self) {
        // Relaxed: read once the group is idle, after the `finish` that follows this (the
        // waiter's `close_if_idle` acquires it).
        self.cancelled.fetch_add(1, Ordering::Relaxed);
    }

    /// The group's first failure, taken once; `None` if no task failed. A panic is
    /// re-raised here, even if an error came first: a panic is never lost.
    fn take_first(&self) -> Option<Failure<E>> {
        let first = self.first.take();
        #[cfg(feature = "std")]
        {
            if let Some(Failure::Panic(_, payload)) = first {
                std::panic::resume_unwind(payload);
            }
            if let Some((_, payload)) = self.panic.take() {
                std::panic::resume_unwind(payload);
            }
        }
        first
    }

    /// The error a failure is reported as (see [`Failure::into_task_error`]).
    #[track_caller]
    fn into_error(failure: Failure<E>) -> E {
        failure.into_task_error().into_error()
    }

    /// The first failure and every later error, each with its task.
    #[track_caller]
    fn all_errors(&self, first: Failure<E>) -> Vec<TaskError<E>> {
        let mut all = self.later.with(core::mem::take);
        all.insert(0, first.into_task_error());
        all
    }

    /// The group was cancelled from outside (for `reason`) while tasks were unfinished
    /// (and no task failed): how many, and why.
    fn interruption(&self, reason: Option<CancelReason>) -> Option<Interrupted> {
        let unfinished = self.cancelled.load(Ordering::Relaxed);
        (unfinished > 0).then(|| Interrupted::Cancelled {
            reason: reason.unwrap_or(CancelReason::Explicit),
            unfinished,
        })
    }

    /// With no task failed: an interruption as the group's error, if it asked for that;
    /// re-raised as a panic in a group that keeps values (it has no complete results);
    /// nothing in a group that keeps none.
    #[track_caller]
    fn interrupted_error<R: Results>(&self, reason: Option<CancelReason>) -> Option<E> {
        let interrupted = self.interruption(reason)?;
        match self.rules.interrupted_to_error {
            Some(convert) => Some(convert(interrupted)),
            None if R::KEEPS_VALUES => panic!(
                "errgroup: {interrupted}, so it has no complete results to return; \
                 `Builder::interruptions_as_errors` makes this an error, and `wait_until` \
                 keeps the values that did arrive"
            ),
            None => None,
        }
    }

    /// The group's outcome once it has finished, cancelled for `reason` if it was: the
    /// first failure (a panic is re-raised here), an interruption, or the results.
    #[track_caller]
    pub(crate) fn outcome<R: Results>(
        &self,
        results: &R::Store,
        reason: Option<CancelReason>,
    ) -> Result<R::Output, E> {
        if let Some(failure) = self.take_first() {
            return Err(Self::into_error(failure));
        }
        match self.interrupted_error::<R>(reason) {
            Some(error) => Err(error),
            None => Ok(R::output(results)),
        }
    }

    /// The outcome of a group its waiter stopped (a timer), which had started `started`
    /// tasks: the first failure, or every value that did arrive, at its task's position.
    #[track_caller]
    pub(crate) fn outcome_partial<R: Results>(
        &self,
        results: &R::Store,
        started: usize,
    ) -> Result<R::Partial, E> {
        match self.take_first() {
            Some(failure) => Err(Self::into_error(failure)),
            None => Ok(R::partial(results, started)),
        }
    }

    /// Like [`outcome`](Self::outcome), with every error kept by the policy, each with
    /// its task.
    #[track_caller]
    pub(crate) fn outcome_all<R: Results>(
        &self,
        results: &R::Store,
        reason: Option<CancelReason>,
    ) -> Result<R::Output, Vec<TaskError<E>>> {
        if let Some(failure) = self.take_first() {
            return Err(self.all_errors(failure));
        }
        match self.interrupted_error::<R>(reason) {
            Some(error) => Err(alloc::vec![TaskError::new(None, error)]),
            None => Ok(R::output(results)),
        }
    }

    /// The decided race: the winner's value (losers' errors are dropped), or every error.
    /// A panic is re-raised even if some task won: a panic is a bug, never a loss.
    #[track_caller]
    pub(crate) fn race_outcome<T, R: Results<Output = Option<T>>>(
        &self,
        results: &R::Store,
        reason: Option<CancelReason>,
    ) -> Result<T, Vec<TaskError<E>>> {
        let first = self.take_first();
        if let Some(value) = R::output(results) {
            return Ok(value);
        }
        match first {
            Some(failure) => Err(self.all_errors(failure)),
            None => Err(self
                .interrupted_error::<R>(reason)
                .map(|error| TaskError::new(None, error))
                .into_iter()
                .collect()),
        }
    }

    /// The next failure for a stream of outcomes: the first failure, once.
    #[track_caller]
    pub(crate) fn take_error(&self) -> Option<TaskError<E>> {
        self.take_first().map(Failure::into_task_error)
    }

    /// The errors kept after the first one ([`Policy::CollectAll`]), then an interruption
    /// (of a group cancelled for `reason`) turned into an error, if the group had no
    /// failure.
    pub(crate) fn take_later_errors(
        &self,
        failed: bool,
        reason: Option<CancelReason>,
    ) -> Vec<TaskError<E>> {
        let mut later = self.later.with(core::mem::take);
        if !failed {
            if let Some(interrupted) = self.interruption(reason) {
                let convert = self.rules.interrupted_to_error;
                later.extend(convert.map(|convert| TaskError::new(None, convert(interrupted))));
            }
        }
        later
    }

    /// Every task's outcome, in spawn order: `values` (each with its task's index) and
    /// every failure kept, at their tasks' positions; every other index of the `started`
    /// was a task dropped by the group's cancellation, for `reason`, or one its spawner
    /// refused (left out: it never was a task). Nothing is re-raised. A failure names its
    /// task; the other outcomes give only its id.
    pub(crate) fn outcomes<T>(
        &self,
        values: impl Iterator<Item = (usize, T)>,
        started: usize,
        reason: Option<CancelReason>,
    ) -> Vec<(TaskInfo, Outcome<T, E>)> {
        /// A task's outcome, with its task if the outcome names it.
        type Named<T, E> = (Option<TaskInfo>, Outcome<T, E>);
        let mut outcomes: Vec<Option<Named<T, E>>> =
            core::iter::repeat_with(|| None).take(started).collect();
        for (index, value) in values {
            outcomes[index] = Some((None, Outcome::Succeeded(value)));
        }
        for (task, outcome) in self.take_all() {
            let index = task.id().index();
            outcomes[index] = Some((Some(task), outcome));
        }
        let mut refused = self.refused.with(core::mem::take);
        refused.sort_unstable();
        // A task with no outcome recorded was dropped unfinished, and not lost (a loss is
        // recorded): the group had been cancelled.
        let reason = reason.unwrap_or(CancelReason::Explicit);
        outcomes
            .into_iter()
            .enumerate()
            .filter(|(index, _)| refused.binary_search(index).is_err())
            .map(|(index, outcome)| {
                let (task, outcome) = outcome.unwrap_or((None, Outcome::Cancelled(reason)));
                (task.unwrap_or_else(|| TaskInfo::new(TaskId::new(index), None)), outcome)
            })
            .collect()
    }

    /// Every failure recorded, with its task, in no particular order; nothing is
    /// re-raised.
    pub(crate) fn take_all<T>(&self) -> Vec<(TaskInfo, Outcome<T, E>)> {
        let later = self.later.with(core::mem::take).into_iter().map(Failure::Error);
        #[cfg(feature = "std")]
        let panic = self.panic.take().map(|(task, payload)| Failure::Panic(task, payload));
        #[cfg(not(feature = "std"))]
        let panic = None;
        let rest = self.rest.with(core::mem::take);
        self.first
            .take()
            .into_iter()
            .chain(later)
            .chain(panic)
            .chain(rest)
            .map(Failure::into_outcome)
            .collect()
    }

    /// Hands every failure nobody took to `report`: for a group dropped without a waiting
    /// form having finished.
    pub(crate) fn report_unobserved(&mut self, report: fn(Outcome<(), E>)) {
        let first = self.first.take();
        #[cfg(feature = "std")]
        let panic = self.panic.take();
        let later = self.later.with(core::mem::take);
        let failures = first.into_iter().map(|failure| match failure {
            Failure::Error(error) => Outcome::Failed(error.into_error()),
            Failure::Lost(lost) => Outcome::Lost(lost),
            #[cfg(feature = "std")]
            Failure::Panic(task, payload) => {
                Outcome::Panicked(crate::panic::Panicked::new(task, payload))
            }
        });
        failures
            .chain(later.into_iter().map(|error| Outcome::Failed(error.into_error())))
            .for_each(report);
        #[cfg(feature = "std")]
        if let Some((task, payload)) = panic {
            report(Outcome::Panicked(crate::panic::Panicked::new(task, payload)));
        }
    }
}
