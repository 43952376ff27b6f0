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
    CancelReason, CancelToken, Rejected,
    lock::Lock,
    results::Results,
    sync::{Arc, AtomicUsize, AtomicWaker, Ordering},
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
    #[cfg(feature = "std")]
    Panic(Box<dyn core::any::Any + Send>),
}

/// How a group was configured; fixed at construction.
pub(crate) struct Config<E> {
    pub(crate) policy: Policy,
    pub(crate) cooperative: bool,
    #[cfg(feature = "std")]
    pub(crate) panic_to_error: Option<fn(crate::Panicked) -> E>,
    #[cfg(not(feature = "std"))]
    pub(crate) panic_to_error: Option<core::marker::PhantomData<fn() -> E>>,
}

pub(crate) struct Shared<E, R: Results> {
    pub(crate) state: GroupState,
    pub(crate) token: CancelToken,
    /// The group's first failure (the one `wait` reports).
    first: ErrorSlot<Failure<E>>,
    /// Every later error, with [`Policy::CollectAll`]. Only failures take this lock.
    later: Lock<Vec<E>>,
    pub(crate) results: R::Store,
    /// The group's waiter (the `Wait` future, or an inline `spawn` driving tasks).
    pub(crate) waiter: AtomicWaker,
    /// The most tasks that may be active at once; `usize::MAX` for no limit.
    limit: AtomicUsize,
    /// Spawn order: the next task's index.
    next_index: AtomicUsize,
    /// The wakers of pending tasks that run elsewhere, woken when the group is cancelled,
    /// and of spawns waiting for a free slot.
    wakers: alloc::sync::Arc<TaskWakers>,
    /// The one listener on the token that drains `wakers` on cancellation, from anywhere.
    _relay: Option<EventListener>,
    pub(crate) config: Config<E>,
}

impl<E, R: Results> Shared<E, R> {
    pub(crate) fn new(config: Config<E>, parent: Option<&CancelToken>) -> Self {
        let token = parent.map_or_else(CancelToken::new, CancelToken::child);
        let wakers = alloc::sync::Arc::new(TaskWakers::default());
        let relay = Waker::from(alloc::sync::Arc::new(Relay(wakers.clone())));
        let mut relay_listener = None;
        if token.poll_cancelled(&mut relay_listener, &mut Context::from_waker(&relay)).is_ready() {
            wakers.cancel_all();
        }
        Self {
            state: GroupState::new(),
            token,
            first: ErrorSlot::new(),
            later: Lock::new(Vec::new()),
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
            // it in the state word so that no task starts from now on.
            this.state.cancel();
            return Err(Rejected::Cancelled(future));
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
        // inside the task. Only the results and a panic turned into an error use it: a
        // group that needs neither skips the read-modify-write (its indexes are all 0).
        let index = if R::INDEXED || this.config.panic_to_error.is_some() {
            this.next_index.fetch_add(1, Ordering::Relaxed)
        } else {
            0
        };
        Ok(Task {
            live: Some(Live { future, waker: Waker::noop().clone() }),
            guard: TaskGuard { shared: this.clone(), index, slot: NO_SLOT },
            _kind: PhantomData,
        })
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
    pub(crate) fn fail(&self, index: usize, failure: Failure<E>) {
        self.record_failure(index, failure);
        self.waiter.wake();
    }

    fn record_failure(&self, index: usize, failure: Failure<E>) {
        let panicked = !matches!(failure, Failure::Error(_));
        let failure = self.convert(index, failure);
        let reason = if panicked { CancelReason::Panic } else { CancelReason::Error };
        match self.config.policy {
            Policy::FailFast | Policy::NoCancel => {
                if self.token.is_cancelled() && !panicked {
                    // The group was cancelled before this error: it is a consequence, not
                    // the cause, and is not reported. A panic is a bug, not a consequence:
                    // it is kept if nothing failed before it (a `Drop` panicking while its
                    // task is aborted, say), so that it surfaces at `wait`.
                    return;
                }
                if self.first.try_set(failure).is_ok() && self.config.policy == Policy::FailFast {
                    self.cancel(reason);
                }
            }
            Policy::CollectAll => {
                if let Err(failure) = self.first.try_set(failure) {
                    match failure {
                        Failure::Error(error) => self.later.with(|later| later.push(error)),
                        // Only the first panic is re-raised; later ones were reported by the
                        // panic hook when they happened.
                        #[cfg(feature = "std")]
                        Failure::Panic(_) => {}
                    }
                }
            }
        }
    }

    fn convert(&self, index: usize, failure: Failure<E>) -> Failure<E> {
        match failure {
            #[cfg(feature = "std")]
            Failure::Panic(payload) => match self.config.panic_to_error {
                Some(convert) => Failure::Error(convert(crate::Panicked::new(index, payload))),
                None => Failure::Panic(payload),
            },
            other => {
                let _ = index;
                other
            }
        }
    }

    /// Takes the group's outcome once it has finished: the first failure (a panic is
    /// re-raised here) or the results.
    pub(crate) fn outcome(&self) -> Result<R::Output, E> {
        match self.first.take() {
            None => Ok(R::output(&self.results)),
            Some(Failure::Error(error)) => Err(error),
            #[cfg(feature = "std")]
            Some(Failure::Panic(payload)) => std::panic::resume_unwind(payload),
        }
    }

    /// The first failure, if it arrived and was not taken yet.
    pub(crate) fn take_failure(&self) -> Option<Failure<E>> {
        self.first.take()
    }

    /// The errors kept after the first one ([`Policy::CollectAll`]).
    pub(crate) fn take_later_errors(&self) -> Vec<E> {
        self.later.with(core::mem::take)
    }

    /// Like [`outcome`](Self::outcome), with every error kept by the policy.
    pub(crate) fn outcome_all(&self) -> Result<R::Output, Vec<E>> {
        self.outcome().map_err(|first| {
            let mut all = self.take_later_errors();
            all.insert(0, first);
            all
        })
    }

    /// The decided race: the winner's value (losers' errors are dropped), or every error.
    /// A panic is re-raised even if some task won: a panic is a bug, never a loss.
    pub(crate) fn race_outcome<T>(&self) -> Result<T, Vec<E>>
    where
        R: Results<Output = Option<T>>,
    {
        match self.outcome_all() {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(Vec::new()),
            Err(errors) => match R::output(&self.results) {
                Some(value) => Ok(value),
                None => Err(errors),
            },
        }
    }

    /// A task is gone: counts it out, gives back its registry slot (`NO_SLOT` if it never
    /// waited), and wakes a spawn queued for the slot it freed and, if it was the last
    /// task, the waiter.
    fn task_finished(&self, slot: usize) {
        let now = self.state.finish();
        debug_assert!(now.is_ok(), "a task finished twice");
        // After the `finish`: a spawn queued for a slot must see it free when woken.
        self.wakers.task_finished(slot);
        if now.is_ok_and(|now| now.is_idle()) {
            self.waiter.wake();
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
    /// The task's slot in the group's waker registry once it has waited, else `NO_SLOT`.
    slot: usize,
}

impl<E, R: Results> Drop for TaskGuard<E, R> {
    fn drop(&mut self) {
        self.shared.task_finished(self.slot);
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
    pub(crate) struct Task<F, E, R: Results, K: TaskKind> {
        // `None` once the future has completed or been dropped. The `Option`'s tag lives in
        // the waker's niche, so the future and the waker cost no tag of their own.
        #[pin]
        live: Option<Live<F>>,
        guard: TaskGuard<E, R>,
        // `fn() -> K`: only a marker, it does not make the task `!Send` or `!Sync`.
        _kind: PhantomData<fn() -> K>,
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
            drop_future(this.live, shared, index);
            return Poll::Ready(());
        }
        let live = live.project();
        match poll_catching(live.future, cx) {
            Ok(Poll::Ready(Ok(value))) => {
                R::store(&shared.results, index, value);
                if R::CANCEL_ON_VALUE {
                    shared.cancel(CancelReason::Explicit);
                } else if R::WAKE_ON_VALUE {
                    shared.waiter.wake();
                }
            }
            Ok(Poll::Ready(Err(error))) => shared.fail(index, Failure::Error(error)),
            Ok(Poll::Pending) => {
                if K::LISTEN && !shared.config.cooperative && !live.waker.will_wake(cx.waker()) {
                    // Record where to wake this task on cancellation. Refused: the group
                    // was cancelled meanwhile, so abort now instead of waiting.
                    if shared.wakers.register(&mut guard.slot, cx.waker()).is_err() {
                        drop_future(this.live, shared, index);
                        return Poll::Ready(());
                    }
                    live.waker.clone_from(cx.waker());
                }
                return Poll::Pending;
            }
            #[cfg(feature = "std")]
            Err(payload) => shared.fail(index, Failure::Panic(payload)),
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
            shared.fail(index, Failure::Panic(payload));
        }
    }
    #[cfg(not(feature = "std"))]
    {
        let _ = (shared, index);
        future.set(None);
    }
}
