//! The task wrapper: what a group spawns around each of its futures. It counts the task in
//! and out of the group, stores its outcome, and arranges its own wake-up on cancellation.
//!
//! # Invariants
//!
//! - Every task is counted in the group's state word from the moment it is created
//!   ([`start`]) until its [`TaskGuard`] is dropped, which happens after the task's future
//!   was dropped and after its outcome (value, error or panic) was stored. So when the
//!   waiter sees the group idle, every outcome is stored and every future is gone.
//! - Every task ends in exactly one outcome, recorded before its guard counts it out: it
//!   finishes in [`Task::poll`] (a value, an error, a panic, or an abort because the group
//!   was cancelled), or its future is dropped unfinished, which its `PinnedDrop` turns into
//!   *cancelled* (the group's token was cancelled by then) or *lost* (it was not). A task
//!   dropped by its spawner inside `spawn` hands its count back to its launcher
//!   ([`launch`]), which knows whether the spawner refused it (no outcome: the caller gets
//!   the error) or accepted it (an outcome as above).
//! - A task that runs on an executor records its waker in the group's registry when it
//!   goes pending (once per new waker), so a cancellation wakes it and it drops its future
//!   at once; the registry refuses it once drained, and the task aborts instead of waiting.

use core::{
    future::Future,
    marker::PhantomData,
    pin::Pin,
    task::{Context, Poll, Waker},
};

use errgroup_core::StartError;
use pin_project_lite::pin_project;

use crate::{
    error::{Rejected, SpawnError},
    id::{Label, TaskId, TaskInfo},
    outcome::TaskError,
    policy::Failure,
    results::Results,
    shared::Shared,
    sync::Arc,
    token::{CancelReason, Cause},
    trace::Span,
    wakers::NO_SLOT,
};

/// Counts a new task in and wraps `future` in its [`Task`], named by `label`, or hands
/// `future` back.
pub(crate) fn start<F, E, R: Results, K: TaskKind, L: Label>(
    shared: &Arc<Shared<E, R>>,
    future: F,
    label: L,
) -> Result<Task<F, E, R, K, L>, Rejected<F>> {
    match shared.try_start() {
        Ok(index) => {
            if L::SPARABLE {
                shared.wakers.note_spared();
            }
            if let Some(pending) = shared.pending() {
                pending.started(index, label.name());
            }
            Ok(Task {
                live: Some(Live { future, waker: Waker::noop().clone() }),
                guard: TaskGuard {
                    shared: shared.clone(),
                    index,
                    slot: NO_SLOT,
                    span: shared.trace.task(index, &label),
                    label,
                },
                _kind: PhantomData,
            })
        }
        Err(StartError::Cancelled) => Err(Rejected::Cancelled(future, shared.refusal_cause())),
        Err(StartError::Closed) => Err(Rejected::Closed(future)),
        Err(StartError::Full | StartError::TooManyTasks) => Err(Rejected::Full(future)),
        // A reason a later errgroup-core may add: refused for good, as the safe reading
        // (a waiting spawn must not wait for a slot that may never come).
        Err(_) => Err(Rejected::Closed(future)),
    }
}

/// Hands a started task to a spawner. A task the spawner drops before `spawn` returns
/// is counted out here, once `spawn` has said what it did: refused it (an error, which
/// the caller gets, or a panic, which propagates: not an outcome of the group) or
/// accepted it (then it was lost, or cancelled if the group was cancelled by then).
/// Returns the task's id.
#[inline]
pub(crate) fn launch<F, E, R: Results, K: TaskKind, L: Label>(
    shared: &Arc<Shared<E, R>>,
    task: Task<F, E, R, K, L>,
    spawn: impl FnOnce(Task<F, E, R, K, L>) -> Result<(), SpawnError>,
) -> Result<TaskId, SpawnError> {
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
            if let Some((slot, name)) = launching::exit(self.outer) {
                let task = TaskInfo::new(TaskId::new(self.index), name);
                dropped_while_launched(self.shared, task, slot, self.accepted);
            }
        }
    }

    let index = task.guard.index;
    let outer = launching::enter(shared, index);
    let mut launch = Launching { shared, index, outer, accepted: false };
    let spawned = spawn(task);
    launch.accepted = spawned.is_ok();
    drop(launch);
    spawned.map(|()| TaskId::new(index))
}

/// The `task` was dropped by its spawner inside `spawn`, which then `accepted` it (lost,
/// or cancelled) or refused it (no outcome); counts it out.
#[cold]
fn dropped_while_launched<E, R: Results>(
    shared: &Shared<E, R>,
    task: TaskInfo,
    slot: usize,
    accepted: bool,
) {
    if !accepted {
        // Refused: never a task of the group, though it had an index.
        shared.failures.task_refused(task.id().index());
    } else if shared.ended_unfinished(|| task.clone()) {
        shared.trace.lost_in_spawn(&task);
    }
    shared.task_finished(slot);
}

/// Counts its task out of the group when dropped, whatever way the task ends, and gives
/// back its wake-up slot.
struct TaskGuard<E, R: Results, L: Label> {
    shared: Arc<Shared<E, R>>,
    /// The task's id.
    index: usize,
    /// The task's slot in the group's waker registry once it has waited, else `NO_SLOT`;
    /// `HANDED_BACK` once its launcher took over counting it out.
    slot: usize,
    /// The task's name, if it has one (`()` if not).
    label: L,
    /// The task's span (zero-sized without the `tracing` feature).
    span: Span,
}

impl<E, R: Results, L: Label> TaskGuard<E, R, L> {
    /// The task, as its outcome names it.
    fn info(&self) -> TaskInfo {
        self.label.info(TaskId::new(self.index))
    }
}

/// A task dropped by its spawner inside `spawn` leaves counting it out to its launcher,
/// which knows whether the spawner refused it (see [`launching`]).
const HANDED_BACK: usize = usize::MAX - 1;

impl<E, R: Results, L: Label> Drop for TaskGuard<E, R, L> {
    fn drop(&mut self) {
        self.shared.task_ending(|| self.info());
        if let Some(pending) = self.shared.pending() {
            pending.ended(self.index);
        }
        if self.slot != HANDED_BACK {
            self.shared.task_finished(self.slot);
        }
    }
}

/// Where a task runs, as a type: whether it must arrange its own wake-up on cancellation.
/// `pub` (with its two kinds) only so that the sealed [`Mode`](crate::Mode) trait can name
/// it; it is not reachable from outside the crate.
pub trait TaskKind {
    /// The task runs on an executor, not inside the group's future, so unless the group is
    /// cooperative it must arrange its own wake-up on cancellation.
    const LISTEN: bool;
}

/// A task handed to an executor.
#[derive(Debug)]
pub enum OnExecutor {}

impl TaskKind for OnExecutor {
    const LISTEN: bool = true;
}

/// A task run by the group's own future (inline mode), which drops it on cancellation.
#[derive(Debug)]
pub enum InGroup {}

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
    pub(crate) struct Task<F, E, R: Results, K: TaskKind, L: Label> {
        // `None` once the future has completed or been dropped. The `Option`'s tag lives in
        // the waker's niche, so the future and the waker cost no tag of their own.
        #[pin]
        live: Option<Live<F>>,
        guard: TaskGuard<E, R, L>,
        // `fn() -> K`: only a marker, it does not make the task `!Send` or `!Sync`.
        _kind: PhantomData<fn() -> K>,
    }

    impl<F, E, R: Results, K: TaskKind, L: Label> PinnedDrop for Task<F, E, R, K, L> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if this.live.is_none() {
                return; // finished in `poll`, outcome recorded
            }
            let guard = this.guard;
            // The future goes first: what it holds (a task handle's link) sees the group as
            // it was when the task was dropped, not as the loss recorded below leaves it.
            let panicked = drop_future(this.live, guard);
            // Handed back with its name, which its launcher needs if the task was accepted.
            let label = &mut guard.label;
            if launching::hand_back(&guard.shared, guard.index, guard.slot, || label.take_name()) {
                guard.slot = HANDED_BACK;
            } else if panicked {
                // Its drop panicked: that is its outcome, recorded.
            } else if guard.shared.ended_unfinished(|| guard.info()) {
                guard.span.lost();
            } else {
                guard.span.cancelled(guard.shared.token.reason());
            }
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

impl<F, E, R: Results, K: TaskKind, L: Label> Task<F, E, R, K, L> {
    /// The task's id.
    pub(crate) const fn id(&self) -> TaskId {
        TaskId::new(self.guard.index)
    }
}

impl<F, E, R, K, L> Future for Task<F, E, R, K, L>
where
    F: Future<Output = Result<R::Value, E>>,
    R: Results,
    K: TaskKind,
    L: Label,
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
        if shared.is_cancelled() && shared.aborts(|| guard.label.spared()) {
            // Aborted: never polled again. A panic in its drop is its outcome instead.
            abort(this.live, guard);
            return Poll::Ready(());
        }
        let live = live.project();
        let polled = {
            let _entered = guard.span.enter();
            poll_catching(live.future, cx)
        };
        match polled {
            Ok(Poll::Ready(Ok(value))) => {
                R::store(&shared.results, index, value);
                if R::CANCEL_ON_VALUE {
                    shared.cancel_for(Ok(Cause::new(CancelReason::Won).with_task(guard.info())));
                } else if R::WAKE_ON_VALUE {
                    shared.waiter.wake();
                }
            }
            Ok(Poll::Ready(Err(error))) => {
                guard.span.failed();
                shared.fail(Failure::Error(TaskError::new(Some(guard.info()), error)));
            }
            Ok(Poll::Pending) => {
                if K::LISTEN && !live.waker.will_wake(cx.waker()) {
                    // Record where to wake this task on cancellation. Refused (the registry
                    // was drained for good), or registered after a cancellation that woke
                    // the others: abort now instead of waiting, unless the task is spared.
                    let registered = shared.wakers.register(&mut guard.slot, cx.waker());
                    // (A drained registry means a cancelled group.)
                    if shared.is_cancelled() && shared.aborts(|| guard.label.spared()) {
                        abort(this.live, guard);
                        return Poll::Ready(());
                    }
                    if registered.is_ok() {
                        live.waker.clone_from(cx.waker());
                    }
                }
                return Poll::Pending;
            }
            #[cfg(feature = "std")]
            Err(payload) => {
                guard.span.panicked(&*payload);
                shared.fail(Failure::Panic(guard.info(), payload));
            }
        }
        // Its outcome is recorded; a panic in its drop is recorded besides (never lost).
        let _ = drop_future(this.live, guard);
        Poll::Ready(())
    }
}

/// Drops an aborted task's future and records it as cancelled (or as panicked, if its
/// drop panicked).
#[cold]
fn abort<F, E, R: Results, L: Label>(future: Pin<&mut Option<F>>, guard: &TaskGuard<E, R, L>) {
    if !drop_future(future, guard) {
        guard.shared.task_cancelled(|| guard.info());
        guard.span.cancelled(guard.shared.token.reason());
    }
}

/// Polls the user's future; with `std`, a panic is caught and returned as its payload.
#[cfg(feature = "std")]
fn poll_catching<F: Future>(
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Result<Poll<F::Output>, crate::policy::Payload> {
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
/// Returns `true` if it panicked: for a task dropped unfinished, the panic is then its one
/// outcome (not a cancellation or a loss besides).
fn drop_future<F, E, R: Results, L: Label>(
    mut future: Pin<&mut Option<F>>,
    guard: &TaskGuard<E, R, L>,
) -> bool {
    #[cfg(feature = "std")]
    {
        let result = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| future.set(None)));
        if let Err(payload) = result {
            guard.span.panicked(&*payload);
            guard.shared.fail(Failure::Panic(guard.info(), payload));
            return true;
        }
        false
    }
    #[cfg(not(feature = "std"))]
    {
        let _ = guard;
        future.set(None);
        false
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
    use crate::{id::TaskName, results::Results};

    /// The launch in progress on this thread: `(group address, task index)`; or, once
    /// that task was dropped, `(HANDED_BACK, its registry slot)`; `IDLE` if none. The
    /// name of a task handed back waits in `HANDED_NAME`, touched only then.
    pub(super) type Mark = (usize, usize);

    /// No group lives at address 0.
    const HANDED_BACK: usize = 0;
    /// Nor at address 1 (a group is aligned to a cache line).
    const IDLE: Mark = (1, 0);

    #[cfg(not(loom))]
    std::thread_local! {
        static LAUNCHING: Cell<Mark> = const { Cell::new(IDLE) };
        static HANDED_NAME: Cell<Option<TaskName>> = const { Cell::new(None) };
    }

    #[cfg(loom)]
    loom::thread_local! {
        static LAUNCHING: Cell<Mark> = Cell::new(IDLE);
        static HANDED_NAME: Cell<Option<TaskName>> = Cell::new(None);
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
    /// in which case its launcher counts it out (and gets its registry `slot`, and its
    /// `name`, taken only then).
    pub(super) fn hand_back<E, R: Results>(
        shared: &Shared<E, R>,
        index: usize,
        slot: usize,
        name: impl FnOnce() -> Option<TaskName>,
    ) -> bool {
        // `try_with`: a task dropped while this thread's locals are being destroyed is not
        // being launched.
        let mine = LAUNCHING
            .try_with(|launching| {
                let mine = launching.get() == (group(shared), index);
                if mine {
                    launching.set((HANDED_BACK, slot));
                }
                mine
            })
            .unwrap_or(false);
        if mine {
            HANDED_NAME.with(|handed| handed.set(name()));
        }
        mine
    }

    /// Ends the launch: puts back `outer`, and returns the slot and the name of the task
    /// if it was dropped inside `spawn`.
    #[inline]
    pub(super) fn exit(outer: Mark) -> Option<(usize, Option<TaskName>)> {
        let (group, slot) = LAUNCHING.with(|launching| launching.replace(outer));
        (group == HANDED_BACK).then(|| (slot, HANDED_NAME.with(Cell::take)))
    }
}

/// Without `std` there is no thread-local: a task dropped inside `spawn` counts as lost
/// (or cancelled) whatever `spawn` returns.
#[cfg(not(any(feature = "std", loom)))]
mod launching {
    use super::Shared;
    use crate::{id::TaskName, results::Results};

    /// Nothing to mark.
    pub(super) type Mark = ();

    pub(super) fn enter<E, R: Results>(_: &Shared<E, R>, _: usize) -> Mark {}

    pub(super) fn hand_back<E, R: Results>(
        _: &Shared<E, R>,
        _: usize,
        _: usize,
        _: impl FnOnce() -> Option<TaskName>,
    ) -> bool {
        false
    }

    pub(super) fn exit((): Mark) -> Option<(usize, Option<TaskName>)> {
        None
    }
}
