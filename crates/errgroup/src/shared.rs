//! The state a group shares with its tasks and handles.
//!
//! Making a group allocates a handful of times (this state, its token, the waker registry
//! and the one listener that relays the token's cancellation to it); spawning a task on an
//! executor allocates nothing of the group's own, and a task that waits takes a reused slot
//! in the registry ([`crate::wakers`]) rather than an allocation, as does a spawn waiting
//! for a free slot.
//!
//! # Invariants
//!
//! - Every task is counted in `state` from the moment it is created
//!   ([`Shared::start`]) until its [`TaskGuard`] is dropped, which happens after the
//!   task's future was dropped and after its outcome (value, error or panic) was stored.
//!   So when the waiter sees the group idle, every outcome is stored and every future is
//!   gone.
//! - The waiter's wake-up is never lost: the waiter registers its waker, then tries
//!   `close_if_idle`; a task brings the count to zero, then wakes the waiter. All four are
//!   read-modify-writes with acquire/release, so either the waiter's attempt sees the
//!   count at zero, or the task's wake sees the registered waker.
//! - A spawn waiting for a free slot is never stranded either: it queues itself in the
//!   registry, announces itself with the state word's `load_acq_rel` and tries again; a
//!   finishing task wakes the front of the queue after its `finish`, and only if it sees
//!   a spawn queued (the ordering argument is in [`crate::wakers`]; errgroup-core's
//!   `loom_state` and `tests/loom_group.rs` model it). A group nobody waits on pays one
//!   relaxed load per finished task. A raised limit wakes every queued spawn after it is
//!   published, and a cancellation (from anywhere) drains the queue.
//! - Every task ends in exactly one outcome, recorded before its guard counts it out (so
//!   the waiter, once it sees the group idle, sees every outcome): it finishes in
//!   [`Task::poll`] (a value, an error, a panic, or an abort because the group was
//!   cancelled), or its future is dropped unfinished, which its `PinnedDrop` turns into
//!   *cancelled* (the group's token was cancelled by then) or *lost* (it was not). A task
//!   dropped by its spawner inside `spawn` hands its count back to its launcher
//!   ([`Shared::launch`]), which knows whether the spawner refused it (no outcome: the
//!   caller gets the error) or accepted it (an outcome as above).
//! - A failure that cannot be the group's first is kept if it is a panic (the first such
//!   one, in `panic`), so `wait` re-raises a panic whatever came before it; tasks that end
//!   unfinished because of a cancellation are counted (`cancelled`), so a group cancelled
//!   from outside can say how many.

#[cfg(feature = "std")]
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::{
    fmt,
    future::Future,
    marker::PhantomData,
    pin::Pin,
    task::{Context, Poll, Waker},
};

use errgroup_core::{ErrorSlot, GroupState, StartError};
use event_listener::EventListener;
use pin_project_lite::pin_project;

use crate::{
    CancelReason, CancelToken, Interrupted, Lost, Outcome,
    error::{Rejected, SpawnError},
    results::Results,
    sync::{AllocArc, Arc, AtomicUsize, AtomicWaker, Lock, Ordering},
    wakers::{NO_SLOT, Relay, TaskWakers},
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
/// assert_eq!(futures_executor::block_on(group.wait_all()), Err(vec!["first", "second"]));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// The first error or panic is the group's, and cancels every other task. The default.
    #[default]
    FailFast,
    /// Every error is kept, in order of arrival, and the other tasks keep running.
    CollectAll,
    /// The first error is kept and nothing is cancelled: Go's plain `errgroup.Group`.
    NoCancel,
}

/// A task's failure, as stored by the group.
pub(crate) enum Failure<E> {
    Error(E),
    /// A panic's payload, with its task's index.
    #[cfg(feature = "std")]
    Panic(usize, Box<dyn core::any::Any + Send>),
    /// Lost, in a group that does not turn interruptions into errors.
    Lost(Lost),
}

impl<E> Failure<E> {
    /// The reason a fail-fast group is cancelled with when this is its first failure.
    fn cancel_reason(&self) -> CancelReason {
        match self {
            Self::Error(_) => CancelReason::Error,
            #[cfg(feature = "std")]
            Self::Panic(..) => CancelReason::Panic,
            Self::Lost(_) => CancelReason::Lost,
        }
    }
}

/// How a group was configured; fixed at construction.
pub(crate) struct Config<E> {
    pub(crate) policy: Policy,
    pub(crate) cooperative: bool,
    #[cfg(feature = "std")]
    pub(crate) panic_to_error: Option<fn(crate::Panicked) -> E>,
    pub(crate) interrupted_to_error: Option<fn(Interrupted) -> E>,
    /// Told what a group dropped without being waited for had recorded.
    pub(crate) on_unobserved: Option<fn(Outcome<(), E>)>,
}

impl<E> Config<E> {
    pub(crate) const fn new() -> Self {
        Self {
            policy: Policy::FailFast,
            cooperative: false,
            #[cfg(feature = "std")]
            panic_to_error: None,
            interrupted_to_error: None,
            on_unobserved: None,
        }
    }
}

pub(crate) struct Shared<E, R: Results> {
    pub(crate) state: GroupState,
    pub(crate) token: CancelToken,
    /// The group's first failure (the one `wait` reports).
    first: ErrorSlot<Failure<E>>,
    /// The first panic that came after another failure: re-raised all the same.
    #[cfg(feature = "std")]
    panic: ErrorSlot<(usize, Box<dyn core::any::Any + Send>)>,
    /// Every later error, with [`Policy::CollectAll`]. Only failures take this lock.
    later: Lock<Vec<E>>,
    /// How many tasks ended unfinished because the group was cancelled: dropped by it, or
    /// ended with an error that the cancellation made no longer the cause. Only the
    /// cancellation path touches it.
    cancelled: AtomicUsize,
    pub(crate) results: R::Store,
    /// The group's waiter (the `Wait` future, or an inline `spawn` driving tasks).
    pub(crate) waiter: AtomicWaker,
    /// The most tasks that may be active at once; `usize::MAX` for no limit.
    limit: AtomicUsize,
    /// Spawn order: the next task's index.
    next_index: AtomicUsize,
    /// The wakers of pending tasks that run elsewhere, woken when the group is cancelled,
    /// and of spawns waiting for a free slot.
    wakers: AllocArc<TaskWakers>,
    /// The one listener on the token that drains `wakers` on cancellation, from anywhere.
    _relay: Option<EventListener>,
    pub(crate) config: Config<E>,
}

impl<E, R: Results> Shared<E, R> {
    pub(crate) fn new(config: Config<E>, parent: Option<&CancelToken>) -> Self {
        let token = parent.map_or_else(CancelToken::new, CancelToken::child);
        let wakers = AllocArc::new(TaskWakers::default());
        let relay = Waker::from(AllocArc::new(Relay(wakers.clone())));
        let mut relay_listener = None;
        if token.poll_cancelled(&mut relay_listener, &mut Context::from_waker(&relay)).is_ready() {
            wakers.cancel_all();
        }
        Self {
            state: GroupState::new(),
            token,
            first: ErrorSlot::new(),
            #[cfg(feature = "std")]
            panic: ErrorSlot::new(),
            later: Lock::new(Vec::new()),
            cancelled: AtomicUsize::new(0),
            results: R::new_store(),
            waiter: AtomicWaker::new(),
            limit: AtomicUsize::new(usize::MAX),
            next_index: AtomicUsize::new(0),
            wakers,
            _relay: relay_listener,
            config,
        }
    }

    /// Counts a new task in and wraps `future` in its [`Task`], or hands `future` back.
    ///
    /// An associated function rather than a `self: &Arc<Self>` method: under loom `Arc` is
    /// loom's, which cannot be a receiver type.
    pub(crate) fn start<F, K: TaskKind>(
        this: &Arc<Self>,
        future: F,
    ) -> Result<Task<F, E, R, K>, Rejected<F>> {
        if this.token.is_cancelled() {
            // The token may have been cancelled from outside (a parent, a timeout): record
            // it in the state word so that no task starts from now on. The state word
            // decides between `Cancelled` and `Closed` (a finished group says `Closed`).
            this.state.cancel();
        }
        // Acquire: pairs with the release in `set_limit`, so a caller that was told about a
        // new limit (by any chain of synchronisation) sees it here.
        let limit = this.limit.load(Ordering::Acquire);
        match this.state.try_start_within(limit) {
            Ok(_) => {}
            Err(StartError::Cancelled) => return Err(Rejected::Cancelled(future)),
            Err(StartError::Closed) => return Err(Rejected::Closed(future)),
            Err(StartError::Full | StartError::TooManyTasks) => return Err(Rejected::Full(future)),
        }
        // Relaxed: the index only has to be unique and increasing per call; it travels
        // inside the task, and names it in its outcome (a panic, a lost task) and its
        // place among the results.
        let index = this.next_index.fetch_add(1, Ordering::Relaxed);
        Ok(Task {
            live: Some(Live { future, waker: Waker::noop().clone() }),
            guard: TaskGuard { shared: this.clone(), index, slot: NO_SLOT },
            _kind: PhantomData,
        })
    }

    /// Hands a started task to a spawner. A task the spawner drops before `spawn` returns
    /// is counted out here, once `spawn` has said what it did: refused it (an error, which
    /// the caller gets, or a panic, which propagates: not an outcome of the group) or
    /// accepted it (then it was lost, or cancelled if the group was cancelled by then).
    #[inline]
    pub(crate) fn launch<F, K: TaskKind>(
        this: &Arc<Self>,
        task: Task<F, E, R, K>,
        spawn: impl FnOnce(Task<F, E, R, K>) -> Result<(), SpawnError>,
    ) -> Result<(), SpawnError> {
        /// Ends the launch even if `spawn` panics (as a refusal: the panic propagates).
        struct Launching<'s, E, R: Results> {
            shared: &'s Shared<E, R>,
            index: usize,
            outer: launching::Mark,
            accepted: bool,
        }

        impl<E, R: Results> Drop for Launching<'_, E, R> {
            #[inline]
            fn drop(&mut self) {
                if let Some(slot) = launching::exit(self.outer) {
                    self.shared.dropped_while_launched(self.index, slot, self.accepted);
                }
            }
        }

        let index = task.guard.index;
        let outer = launching::enter(this, index);
        let mut launch = Launching { shared: this, index, outer, accepted: false };
        let spawned = spawn(task);
        launch.accepted = spawned.is_ok();
        drop(launch);
        spawned
    }

    /// The task at `index` was dropped by its spawner inside `spawn`, which then
    /// `accepted` it (lost, or cancelled) or refused it (no outcome); counts it out.
    #[cold]
    fn dropped_while_launched(&self, index: usize, slot: usize, accepted: bool) {
        if accepted {
            self.ended_unfinished(index);
        }
        self.task_finished(slot);
    }

    pub(crate) fn set_limit(&self, limit: usize) {
        // Release: pairs with the acquire in `start`.
        self.limit.store(limit, Ordering::Release);
        // Waiters retry against the new limit; a raised limit may admit several of them.
        // A spawn queued after this sees the new limit when it tries again: the queue's
        // lock orders it after the store.
        self.wakers.wake_spawns();
    }

    pub(crate) fn limit(&self) -> Option<usize> {
        // Relaxed: a snapshot for the caller.
        let limit = self.limit.load(Ordering::Relaxed);
        (limit != usize::MAX).then_some(limit)
    }

    /// Queues a spawn for a free slot and announces it to finishing tasks; the caller
    /// tries `start` again after this. `false`: the group is cancelled.
    pub(crate) fn queue_for_slot(&self, ticket: &mut Option<usize>, waker: &Waker) -> bool {
        if self.wakers.queue_spawn(ticket, waker).is_err() {
            return false;
        }
        // After queueing, before the caller's next try: see `crate::wakers`.
        self.state.load_acq_rel();
        true
    }

    /// The spawn holding `ticket` stops waiting: see [`TaskWakers::leave_queue`].
    pub(crate) fn leave_slot_queue(&self, ticket: usize, started: bool) {
        self.wakers.leave_queue(ticket, started);
    }

    /// Cancels the group: no task starts any more, and (unless cooperative) every task is
    /// dropped at its next wake-up, which cancelling the token arranges.
    pub(crate) fn cancel(&self, reason: CancelReason) -> bool {
        self.state.cancel();
        let first = self.token.cancel_with(reason);
        // An inline driver drops its tasks when woken; a spawned group's waiter is woken by
        // its last task.
        // A `spawn` waiting for a slot is woken by the token's relay, which drains the
        // registry, and gets its future back.
        self.waiter.wake();
        first
    }

    /// Records a task's failure according to the policy, and wakes the waiter, which may
    /// be streaming outcomes as they arrive.
    pub(crate) fn fail(&self, failure: Failure<E>) {
        self.record_failure(failure);
        self.waiter.wake();
    }

    fn record_failure(&self, failure: Failure<E>) {
        let reason = failure.cancel_reason();
        let failure = self.convert(failure);
        match self.config.policy {
            Policy::FailFast | Policy::NoCancel => {
                if reason == CancelReason::Error && self.token.is_cancelled() {
                    // The group was cancelled before this error: it is a consequence, not
                    // the cause, and is not reported; the task counts as cancelled. A
                    // panic is a bug, and a lost task a loss, never a consequence: they
                    // are kept (a `Drop` panicking while its task is aborted, say).
                    self.cancelled.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                match self.first.try_set(failure) {
                    Ok(()) if self.config.policy == Policy::FailFast => {
                        self.cancel(reason);
                    }
                    Ok(()) => {}
                    // Only the first error is reported; a panic is never lost.
                    Err(failure) => self.keep_panic(failure),
                }
            }
            Policy::CollectAll => {
                if let Err(failure) = self.first.try_set(failure) {
                    match failure {
                        Failure::Error(error) => self.later.with(|later| later.push(error)),
                        other => self.keep_panic(other),
                    }
                }
            }
        }
    }

    /// A failure that could not be the group's first: a panic is kept to be re-raised all
    /// the same (the first such panic; the panic hook reported the others when they
    /// happened). A later error or lost task is dropped: `wait` reports a failure anyway.
    fn keep_panic(&self, failure: Failure<E>) {
        #[cfg(feature = "std")]
        if let Failure::Panic(index, payload) = failure {
            let _ = self.panic.try_set((index, payload));
        }
        #[cfg(not(feature = "std"))]
        drop(failure);
    }

    /// Turns a panic or a lost task into an error value, if the group asked for it.
    fn convert(&self, failure: Failure<E>) -> Failure<E> {
        match failure {
            #[cfg(feature = "std")]
            Failure::Panic(index, payload) => match self.config.panic_to_error {
                Some(convert) => Failure::Error(convert(crate::Panicked::new(index, payload))),
                None => Failure::Panic(index, payload),
            },
            Failure::Lost(lost) => match self.config.interrupted_to_error {
                Some(convert) => Failure::Error(convert(Interrupted::Lost(lost))),
                None => Failure::Lost(lost),
            },
            Failure::Error(error) => Failure::Error(error),
        }
    }

    /// A task ended without finishing (its future was dropped unfinished): cancelled if
    /// the group was cancelled by then, otherwise lost.
    fn ended_unfinished(&self, index: usize) {
        if self.token.is_cancelled() {
            self.task_cancelled();
        } else {
            self.fail(Failure::Lost(Lost::new(index)));
        }
    }

    /// A task was dropped unfinished because the group was cancelled.
    fn task_cancelled(&self) {
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

    /// The error a failure is reported as: a lost task the group does not turn into an
    /// error is re-raised as a panic naming it.
    #[track_caller]
    fn into_error(failure: Failure<E>) -> E {
        match failure {
            Failure::Error(error) => error,
            Failure::Lost(lost) => panic!(
                "errgroup: {lost} (a runtime shutting down, or a spawner that drops tasks); \
                 `Builder::interruptions_as_errors` makes this an error instead of a panic"
            ),
            #[cfg(feature = "std")]
            Failure::Panic(_, payload) => std::panic::resume_unwind(payload),
        }
    }

    /// The group was cancelled from outside while tasks were unfinished (and no task
    /// failed): how many, and why.
    fn interruption(&self) -> Option<Interrupted> {
        let unfinished = self.cancelled.load(Ordering::Relaxed);
        (unfinished > 0).then(|| Interrupted::Cancelled {
            reason: self.token.reason().unwrap_or(CancelReason::Explicit),
            unfinished,
        })
    }

    /// With no task failed: an interruption as the group's error, if it asked for that;
    /// re-raised as a panic in a group that keeps values (it has no complete results);
    /// nothing in a group that keeps none.
    #[track_caller]
    fn interrupted_error(&self) -> Option<E> {
        let interrupted = self.interruption()?;
        match self.config.interrupted_to_error {
            Some(convert) => Some(convert(interrupted)),
            None if R::KEEPS_VALUES => panic!(
                "errgroup: {interrupted}, so it has no complete results to return; \
                 `Builder::interruptions_as_errors` makes this an error, and `wait_until` \
                 keeps the values that did arrive"
            ),
            None => None,
        }
    }

    /// Takes the group's outcome once it has finished: the first failure (a panic is
    /// re-raised here), an interruption, or the results.
    #[track_caller]
    pub(crate) fn outcome(&self) -> Result<R::Output, E> {
        if let Some(failure) = self.take_first() {
            return Err(Self::into_error(failure));
        }
        match self.interrupted_error() {
            Some(error) => Err(error),
            None => Ok(R::output(&self.results)),
        }
    }

    /// The outcome of a group its waiter stopped (a timer): the first failure, or every
    /// value that did arrive, at its task's position.
    #[track_caller]
    pub(crate) fn outcome_partial(&self) -> Result<R::Partial, E> {
        match self.take_first() {
            Some(failure) => Err(Self::into_error(failure)),
            // Relaxed: the group is idle and closed; every start happened before.
            None => Ok(R::partial(&self.results, self.next_index.load(Ordering::Relaxed))),
        }
    }

    /// The next failure for a stream of outcomes: the first failure while the group runs,
    /// then (`finished`) every later error and an interruption.
    #[track_caller]
    pub(crate) fn take_error(&self) -> Option<E> {
        self.take_first().map(Self::into_error)
    }

    /// The errors kept after the first one ([`Policy::CollectAll`]), then an
    /// interruption turned into an error, if the group had no failure.
    pub(crate) fn take_later_errors(&self, failed: bool) -> Vec<E> {
        let mut later = self.later.with(core::mem::take);
        if !failed {
            if let Some(interrupted) = self.interruption() {
                later.extend(self.config.interrupted_to_error.map(|convert| convert(interrupted)));
            }
        }
        later
    }

    /// Like [`outcome`](Self::outcome), with every error kept by the policy.
    #[track_caller]
    pub(crate) fn outcome_all(&self) -> Result<R::Output, Vec<E>> {
        self.outcome().map_err(|first| {
            let mut all = self.later.with(core::mem::take);
            all.insert(0, first);
            all
        })
    }

    /// The decided race: the winner's value (losers' errors are dropped), or every error.
    /// A panic is re-raised even if some task won: a panic is a bug, never a loss.
    #[track_caller]
    pub(crate) fn race_outcome<T>(&self) -> Result<T, Vec<E>>
    where
        R: Results<Output = Option<T>>,
    {
        let first = self.take_first();
        if let Some(value) = R::output(&self.results) {
            return Ok(value);
        }
        let mut errors = self.later.with(core::mem::take);
        match first {
            Some(failure) => errors.insert(0, Self::into_error(failure)),
            None => errors.extend(self.interrupted_error()),
        }
        Err(errors)
    }

    /// A task is gone: counts it out, gives back its registry slot (`NO_SLOT` if it never
    /// waited), and wakes a spawn queued for the slot it freed and, if it was the last
    /// task, the waiter.
    fn task_finished(&self, slot: usize) {
        // Every task is counted in exactly once (`start`) and out exactly once: its one
        // `TaskGuard`, made only by a successful `start`, is not `Clone` and does this in
        // its `Drop` (or hands it to its launcher, which does it instead). So this cannot
        // fail; if it ever did, the counts would be wrong and the group could finish
        // early, so it is a bug to stop at, never to go on from.
        let now = self.state.finish().expect("errgroup: bug: a task was counted out twice");
        // After the `finish`: a spawn queued for a slot must see it free when woken.
        self.wakers.task_finished(slot);
        if now.is_idle() {
            self.waiter.wake();
        }
    }
}

impl<E, R: Results> Drop for Shared<E, R> {
    /// The last reference is gone (the group, its handles, every task). If nobody waited
    /// for the group to the end, what it recorded goes to the `on_unobserved` callback.
    fn drop(&mut self) {
        if self.state.load().is_closed() {
            return; // a waiting form finished and took the outcome
        }
        let Some(report) = self.config.on_unobserved else {
            return;
        };
        let first = self.first.take();
        #[cfg(feature = "std")]
        let panic = self.panic.take();
        let later = self.later.with(core::mem::take);
        let failures = first.into_iter().map(|failure| match failure {
            Failure::Error(error) => Outcome::Failed(error),
            Failure::Lost(lost) => Outcome::Lost(lost),
            #[cfg(feature = "std")]
            Failure::Panic(index, payload) => {
                Outcome::Panicked(crate::Panicked::new(index, payload))
            }
        });
        failures.chain(later.into_iter().map(Outcome::Failed)).for_each(report);
        #[cfg(feature = "std")]
        if let Some((index, payload)) = panic {
            report(Outcome::Panicked(crate::Panicked::new(index, payload)));
        }
    }
}

impl<E, R: Results> fmt::Debug for Shared<E, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let now = self.state.load();
        f.debug_struct("Group")
            .field("active", &now.active())
            .field("cancelled", &(now.is_cancelled() || self.token.is_cancelled()))
            .field("finished", &now.is_closed())
            .field("limit", &self.limit())
            .field("policy", &self.config.policy)
            .finish_non_exhaustive()
    }
}

/// Counts its task out of the group when dropped, whatever way the task ends, and gives
/// back its wake-up slot.
struct TaskGuard<E, R: Results> {
    shared: Arc<Shared<E, R>>,
    index: usize,
    /// The task's slot in the group's waker registry once it has waited, else `NO_SLOT`;
    /// `HANDED_BACK` once its launcher took over counting it out.
    slot: usize,
}

/// A task dropped by its spawner inside `spawn` leaves counting it out to its launcher,
/// which knows whether the spawner refused it (see [`launching`]).
const HANDED_BACK: usize = usize::MAX - 1;

impl<E, R: Results> Drop for TaskGuard<E, R> {
    fn drop(&mut self) {
        if self.slot != HANDED_BACK {
            self.shared.task_finished(self.slot);
        }
    }
}

/// Where a task runs, as a type: whether it must arrange its own wake-up on cancellation.
pub(crate) trait TaskKind {
    /// The task runs on an executor, not inside the group's future, so unless the group is
    /// cooperative it must arrange its own wake-up on cancellation.
    const LISTEN: bool;
}

/// A task handed to an executor.
pub(crate) enum OnExecutor {}

impl TaskKind for OnExecutor {
    const LISTEN: bool = true;
}

/// A task run by the group's own future (inline mode), which drops it on cancellation.
pub(crate) enum InGroup {}

impl TaskKind for InGroup {
    const LISTEN: bool = false;
}

pin_project! {
    /// A task as handed to the spawner: the user's future plus the group's bookkeeping, in
    /// one value (no extra allocation).
    ///
    /// Field order matters: the user's future is dropped before the guard counts the task
    /// out, so a group that looks finished has dropped every future.
    ///
    /// Every task ends in exactly one outcome: it finishes in `poll` (succeeded, failed,
    /// panicked, or aborted because the group was cancelled), or it is dropped unfinished
    /// (`PinnedDrop`: cancelled if the group was cancelled by then, otherwise lost).
    pub(crate) struct Task<F, E, R: Results, K: TaskKind> {
        // `None` once the future has completed or been dropped. The `Option`'s tag lives in
        // the waker's niche, so the future and the waker cost no tag of their own.
        #[pin]
        live: Option<Live<F>>,
        guard: TaskGuard<E, R>,
        // `fn() -> K`: only a marker, it does not make the task `!Send` or `!Sync`.
        _kind: PhantomData<fn() -> K>,
    }

    impl<F, E, R: Results, K: TaskKind> PinnedDrop for Task<F, E, R, K> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if this.live.is_none() {
                return; // finished in `poll`, outcome recorded
            }
            let guard = this.guard;
            if launching::hand_back(&guard.shared, guard.index, guard.slot) {
                guard.slot = HANDED_BACK;
            } else {
                guard.shared.ended_unfinished(guard.index);
            }
            drop_future(this.live, &guard.shared, guard.index);
        }
    }
}

pin_project! {
    /// The part of a task that lives only while its future does.
    struct Live<F> {
        #[pin]
        future: F,
        // The waker last recorded in the group's registry, to skip recording it again; a
        // no-op waker (which no executor's waker will-wake) until the first one.
        waker: Waker,
    }
}

impl<F, E, R, K> Future for Task<F, E, R, K>
where
    F: Future<Output = Result<R::Value, E>>,
    R: Results,
    K: TaskKind,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        let guard = &mut *this.guard;
        let shared = &guard.shared;
        let index = guard.index;
        let Some(live) = this.live.as_mut().as_pin_mut() else {
            return Poll::Ready(());
        };
        if !shared.config.cooperative && shared.token.is_cancelled() {
            // Aborted: never polled again.
            shared.task_cancelled();
            drop_future(this.live, shared, index);
            return Poll::Ready(());
        }
        let live = live.project();
        match poll_catching(live.future, cx) {
            Ok(Poll::Ready(Ok(value))) => {
                R::store(&shared.results, index, value);
                if R::CANCEL_ON_VALUE {
                    shared.cancel(CancelReason::Won);
                } else if R::WAKE_ON_VALUE {
                    shared.waiter.wake();
                }
            }
            Ok(Poll::Ready(Err(error))) => shared.fail(Failure::Error(error)),
            Ok(Poll::Pending) => {
                if K::LISTEN && !shared.config.cooperative && !live.waker.will_wake(cx.waker()) {
                    // Record where to wake this task on cancellation. Refused: the group
                    // was cancelled meanwhile, so abort now instead of waiting.
                    if shared.wakers.register(&mut guard.slot, cx.waker()).is_err() {
                        shared.task_cancelled();
                        drop_future(this.live, shared, index);
                        return Poll::Ready(());
                    }
                    live.waker.clone_from(cx.waker());
                }
                return Poll::Pending;
            }
            #[cfg(feature = "std")]
            Err(payload) => shared.fail(Failure::Panic(index, payload)),
        }
        drop_future(this.live, shared, index);
        Poll::Ready(())
    }
}

impl<F, E, R: Results, K: TaskKind> fmt::Debug for Task<F, E, R, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("index", &self.guard.index)
            .field("done", &self.live.is_none())
            .finish_non_exhaustive()
    }
}

/// Polls the user's future; with `std`, a panic is caught and returned as its payload.
#[cfg(feature = "std")]
fn poll_catching<F: Future>(
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Result<Poll<F::Output>, Box<dyn core::any::Any + Send>> {
    // AssertUnwindSafe: after a panic the future is never polled again, only dropped, and
    // the group's own state is updated with atomics that a panic cannot leave half-done.
    std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| future.poll(cx)))
}

#[cfg(not(feature = "std"))]
fn poll_catching<F: Future>(
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Result<Poll<F::Output>, core::convert::Infallible> {
    Ok(future.poll(cx))
}

/// Drops the user's future now. With `std`, a panic in its `Drop` is caught and recorded
/// as the task's panic, so the group's counts stay right and the panic is not lost.
fn drop_future<F, E, R: Results>(
    mut future: Pin<&mut Option<F>>,
    shared: &Shared<E, R>,
    index: usize,
) {
    #[cfg(feature = "std")]
    {
        let result = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| future.set(None)));
        if let Err(payload) = result {
            shared.fail(Failure::Panic(index, payload));
        }
    }
    #[cfg(not(feature = "std"))]
    {
        let _ = (shared, index);
        future.set(None);
    }
}

/// Which task is being handed to a spawner on this thread, so that a task the spawner drops
/// inside `spawn` is told apart from one its executor loses later: the first is a refusal
/// if `spawn` returns an error. A thread-local, so that spawning from several threads at
/// once needs no shared write, and a task dropped on another thread is never taken for
/// one being launched here.
#[cfg(any(feature = "std", loom))]
mod launching {
    use core::cell::Cell;

    use super::Shared;
    use crate::results::Results;

    /// The launch in progress on this thread: `(group address, task index)`; or, once
    /// that task was dropped, `(HANDED_BACK, its registry slot)`; `IDLE` if none.
    pub(super) type Mark = (usize, usize);

    /// No group lives at address 0.
    const HANDED_BACK: usize = 0;
    /// Nor at address 1 (a group is aligned to a cache line).
    const IDLE: Mark = (1, 0);

    #[cfg(not(loom))]
    std::thread_local! {
        static LAUNCHING: Cell<Mark> = const { Cell::new(IDLE) };
    }

    #[cfg(loom)]
    loom::thread_local! {
        static LAUNCHING: Cell<Mark> = Cell::new(IDLE);
    }

    fn group<E, R: Results>(shared: &Shared<E, R>) -> usize {
        core::ptr::from_ref(shared).addr()
    }

    /// Marks the task at `index` of `shared` as being launched; returns the mark to put
    /// back after (a spawner may spawn while spawning).
    #[inline]
    pub(super) fn enter<E, R: Results>(shared: &Shared<E, R>, index: usize) -> Mark {
        LAUNCHING.with(|launching| launching.replace((group(shared), index)))
    }

    /// Called by a task dropped unfinished: `true` if it is being launched on this thread,
    /// in which case its launcher counts it out (and gets its registry `slot`).
    pub(super) fn hand_back<E, R: Results>(
        shared: &Shared<E, R>,
        index: usize,
        slot: usize,
    ) -> bool {
        // `try_with`: a task dropped while this thread's locals are being destroyed is not
        // being launched.
        LAUNCHING
            .try_with(|launching| {
                let mine = launching.get() == (group(shared), index);
                if mine {
                    launching.set((HANDED_BACK, slot));
                }
                mine
            })
            .unwrap_or(false)
    }

    /// Ends the launch: puts back `outer`, and returns the slot of the task if it was
    /// dropped inside `spawn`.
    #[inline]
    pub(super) fn exit(outer: Mark) -> Option<usize> {
        let (group, slot) = LAUNCHING.with(|launching| launching.replace(outer));
        (group == HANDED_BACK).then_some(slot)
    }
}

/// Without `std` there is no thread-local: a task dropped inside `spawn` counts as lost
/// (or cancelled) whatever `spawn` returns.
#[cfg(not(any(feature = "std", loom)))]
mod launching {
    use super::Shared;
    use crate::results::Results;

    /// Nothing to mark.
    pub(super) type Mark = ();

    pub(super) fn enter<E, R: Results>(_: &Shared<E, R>, _: usize) -> Mark {}

    pub(super) fn hand_back<E, R: Results>(_: &Shared<E, R>, _: usize, _: usize) -> bool {
        false
    }

    pub(super) fn exit((): Mark) -> Option<usize> {
        None
    }
}
