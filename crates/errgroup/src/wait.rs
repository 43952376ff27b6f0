//! Driving a group to its end, and every way of waiting for it: [`Wait`] (`.await` on a
//! group), [`WaitAll`], [`WaitOutcomes`], [`Race`], [`WaitUntil`] and the [`Completions`]
//! stream; and [`InlineSpawning`], the inline group's `spawn`, which drives its tasks while
//! it waits for a slot.
//!
//! Each holds the group's [`Owner`]: its handle and its mode's driver (the tasks an inline
//! group runs itself). The waiter registers its waker once per poll, in the group's shared
//! state, before it looks at the state word: any task finishing, any task spawned through
//! a handle and any cancellation after that wakes it.

use core::{
    fmt,
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use alloc::vec::Vec;
use event_listener::EventListener;
use futures_core::{FusedFuture, FusedStream};

use crate::{
    error::Refused,
    handle::{GroupHandle, SpawnOrigin, leave_slot_queue, poll_spawn},
    id::{Label, TaskId},
    mode::{Inline, InlineTasks, Launch, Mode, SendTasks},
    outcome::{Outcome, TaskError, Timed, TimedOutcome},
    results::{Collect, FirstOk, Results},
    shared::Shared,
    task::TaskKind,
    token::CancelReason,
    wakers::ABORT,
};

/// What a group owns itself, apart from what it shares: its handle, and its mode's
/// driver (the tasks an inline group runs in its own futures). Dropped unwaited, it
/// cancels the group and drops every task the driver holds.
pub(crate) struct Owner<E, M: Mode, R: Results> {
    pub(crate) handle: GroupHandle<E, M, R>,
    driver: M::Driver,
    /// Whether the driver has polled each of its tasks once since the group was cancelled,
    /// so that the tasks the cancellation drops abort (inline mode).
    swept: bool,
}

impl<E, M: Mode, R: Results> Owner<E, M, R> {
    pub(crate) fn new(handle: GroupHandle<E, M, R>) -> Self {
        Self { handle, driver: M::Driver::default(), swept: false }
    }

    pub(crate) fn shared(&self) -> &Shared<E, R> {
        &self.handle.shared
    }
}

impl<E, M: Mode, R: Results> Drop for Owner<E, M, R> {
    fn drop(&mut self) {
        let shared = &self.handle.shared;
        if !shared.state.load().is_closed() {
            // Never waited (or the wait was dropped): the tasks it owns are cancelled, and
            // the ones it runs itself (inline) are dropped now, cooperative or not, queued
            // ones included; tasks spawned through a handle from now on are dropped too.
            shared.cancel(CancelReason::Dropped);
            if shared.in_grace() {
                // A graceful stop nobody waits for any more: its grace is over.
                shared.abort(CancelReason::Dropped);
            }
            M::close(&mut self.driver, &self.handle.mode);
        }
    }
}

impl<E, M: Mode, R: Results> fmt::Debug for Owner<E, M, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared().fmt(f)
    }
}

/// Drives `group` towards its end: runs inline tasks (or drops them once the group is
/// cancelled), and resolves when the group is idle, closing it in the same atomic step.
fn poll_finished<E, M: Mode, R: Results>(
    group: &mut Owner<E, M, R>,
    cancel_listener: &mut Option<EventListener>,
    cx: &mut Context<'_>,
) -> Poll<()> {
    let Owner { handle, driver, swept } = group;
    let shared = &*handle.shared;
    // Register first: any task finishing, any task spawned through a handle and any
    // cancellation after this point wakes this waker.
    M::register_waiter(&shared.waiter, &handle.mode, cx.waker());
    loop {
        let cancelled = shared.is_cancelled();
        if cancelled && shared.wakers.phase() == ABORT {
            // A grace period is over: every task goes, spared or not.
            M::drop_tasks(driver, &handle.mode);
        } else {
            if cancelled && !*swept {
                // Each task hears of the cancellation once: the ones it drops abort, the
                // spared ones (signalled, shielded, or all of them during a grace
                // period) run on.
                *swept = true;
                M::wake_tasks(driver, &handle.mode);
            }
            M::run_tasks(driver, &handle.mode, cx);
        }
        // An open feeder keeps an uncancelled group from finishing: it may spawn more.
        let held = shared.held_open();
        if !held && shared.state.close_if_idle().is_ok() {
            return Poll::Ready(());
        }
        // This future must hear of a cancellation coming from outside (a parent token, a
        // timeout) by itself when inline tasks are dropped by it, and when a feeder holds
        // the group open (a cancelled group finishes, feeders or not, and with no task
        // left nothing else would wake it). Otherwise spawned tasks hear of it on their
        // own, and their last one wakes this future.
        let must_listen =
            held || (!<M::Kind as TaskKind>::LISTEN && !cancelled && !shared.cooperative);
        if must_listen && shared.token.poll_cancelled(cancel_listener, cx).is_ready() {
            continue;
        }
        return Poll::Pending;
    }
}

/// Drives a group to its end and hands it back, finished: the part every waiting form
/// shares.
pub(crate) struct Waiting<E, M: Mode, R: Results> {
    group: Option<Owner<E, M, R>>,
    cancel_listener: Option<EventListener>,
}

impl<E, M: Mode, R: Results> Waiting<E, M, R> {
    pub(crate) fn new(group: Owner<E, M, R>) -> Self {
        Self { group: Some(group), cancel_listener: None }
    }

    #[track_caller]
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Owner<E, M, R>> {
        let group =
            self.group.as_mut().expect("errgroup: a wait future was polled after it completed");
        if poll_finished(group, &mut self.cancel_listener, cx).is_pending() {
            return Poll::Pending;
        }
        group.shared().report_unawaited();
        Poll::Ready(self.group.take().expect("checked above"))
    }

    pub(crate) fn shared(&self) -> Option<&Shared<E, R>> {
        self.group.as_ref().map(Owner::shared)
    }

    /// Whether it has handed the finished group back: a waiting future built on it has
    /// completed and must not be polled again (`FusedFuture::is_terminated`).
    pub(crate) const fn is_done(&self) -> bool {
        self.group.is_none()
    }
}

impl<E, M: Mode, R: Results> fmt::Debug for Waiting<E, M, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.group {
            Some(group) => group.fmt(f),
            None => f.write_str("completed"),
        }
    }
}

/// Waits for a group to finish, then turns its shared state into an outcome with
/// `finish`. The one body behind [`Wait`], [`WaitAll`] and [`Race`].
struct WaitWith<E, M: Mode, R: Results, O> {
    waiting: Waiting<E, M, R>,
    finish: fn(&Shared<E, R>) -> O,
}

impl<E, M: Mode, R: Results, O> WaitWith<E, M, R, O> {
    fn new(group: Owner<E, M, R>, finish: fn(&Shared<E, R>) -> O) -> Self {
        Self { waiting: Waiting::new(group), finish }
    }

    #[track_caller]
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<O> {
        self.waiting.poll(cx).map(|group| (self.finish)(group.shared()))
    }
}

impl<E, M: Mode, R: Results, O> fmt::Debug for WaitWith<E, M, R, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.waiting.fmt(f)
    }
}

macro_rules! wait_future {
    (
        $(#[$attr:meta])*
        $name:ident<E, M, $param:ident $(: $bound:path)?>, results $results:ty
        => $output:ty, $finish:expr
    ) => {
        $(#[$attr])*
        #[must_use = "futures do nothing unless awaited"]
        pub struct $name<E, M: Mode, $param $(: $bound)?> {
            inner: WaitWith<E, M, $results, $output>,
        }

        impl<E, M: Mode, $param $(: $bound)?> $name<E, M, $param> {
            pub(crate) fn new(group: Owner<E, M, $results>) -> Self {
                Self { inner: WaitWith::new(group, $finish) }
            }
        }

        // Nothing is structurally pinned: the group and the listener move freely.
        impl<E, M: Mode, $param $(: $bound)?> Unpin for $name<E, M, $param> {}

        impl<E, M: Mode, $param $(: $bound)?> Future for $name<E, M, $param> {
            type Output = $output;

            #[track_caller]
            fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                self.inner.poll(cx)
            }
        }

        /// Terminated once it has returned the group's outcome.
        impl<E, M: Mode, $param $(: $bound)?> FusedFuture for $name<E, M, $param> {
            fn is_terminated(&self) -> bool {
                self.inner.waiting.is_done()
            }
        }

        impl<E, M: Mode, $param $(: $bound)?> fmt::Debug for $name<E, M, $param> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.inner).finish()
            }
        }
    };
}

wait_future! {
    /// Resolves when every task of a group has finished or been dropped, with the group's
    /// first error or its results. Returned by [`ErrGroup::wait`](crate::ErrGroup::wait) and `.await` on a group.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{Discard, ErrGroup, Inline, future::Wait};
    ///
    /// let group = ErrGroup::inline();
    /// group.try_spawn(async { Err::<(), _>("no") }).unwrap();
    /// let wait: Wait<&str, Inline<'_>, Discard> = group.wait();
    /// assert_eq!(futures_executor::block_on(wait), Err("no"));
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping it drops the group, which cancels the remaining tasks.
    Wait<E, M, R: Results>, results R => Result<R::Output, E>, Shared::outcome
}

wait_future! {
    /// Like [`Wait`], with every error the group's policy kept. Returned by
    /// [`ErrGroup::wait_all`](crate::ErrGroup::wait_all).
    ///
    /// # Examples
    ///
    /// See also [`Policy`](crate::Policy).
    ///
    /// ```
    /// use errgroup::{Discard, ErrGroup, Inline, Policy, future::WaitAll};
    ///
    /// let group = ErrGroup::builder().policy(Policy::CollectAll).inline();
    /// group.try_spawn(async { Err::<(), _>("disk full") }).unwrap();
    /// group.try_spawn(async { Err("no route") }).unwrap();
    /// let wait: WaitAll<&str, Inline<'_>, Discard> = group.wait_all();
    /// let errors = futures_executor::block_on(wait).unwrap_err();
    /// assert_eq!(errors.len(), 2); // every error, where `wait` returns the first
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping it drops the group, which cancels the remaining tasks.
    WaitAll<E, M, R: Results>, results R => Result<R::Output, Vec<TaskError<E>>>, Shared::outcome_all
}

wait_future! {
    /// Resolves with every task's outcome, in spawn order. Returned by
    /// [`ErrGroup::wait_outcomes`](crate::ErrGroup::wait_outcomes), which says what each
    /// outcome means.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Inline, Outcome, future::WaitOutcomes};
    ///
    /// let group = ErrGroup::builder().collect().inline();
    /// group.try_spawn(async { Ok(1) }).unwrap();
    /// group.try_spawn(async { Err("no route") }).unwrap();
    /// let wait: WaitOutcomes<&str, Inline<'_>, u32> = group.wait_outcomes();
    /// let outcomes = futures_executor::block_on(wait);
    /// assert!(matches!(outcomes[0].1, Outcome::Succeeded(1)));
    /// assert!(matches!(outcomes[1].1, Outcome::Failed("no route")));
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping it drops the group, which cancels the remaining tasks.
    WaitOutcomes<E, M, T>, results Collect<T> => Vec<(TaskId, Outcome<T, E>)>, Shared::outcomes_by_id
}

wait_future! {
    /// Resolves with the first success of a racing group, or every error. Returned by
    /// [`ErrGroup::race`](crate::ErrGroup::race).
    ///
    /// # Examples
    ///
    /// See also [`FirstOk`](crate::FirstOk).
    ///
    /// ```
    /// use errgroup::{ErrGroup, Inline, future::Race};
    ///
    /// let group = ErrGroup::builder().race().inline();
    /// group.try_spawn(async { Err("mirror 1 is down") }).unwrap();
    /// group.try_spawn(async { Ok("mirror 2") }).unwrap();
    /// group.try_spawn(std::future::pending()).unwrap(); // cancelled once a task has won
    /// let race: Race<&str, Inline<'_>, &str> = group.race();
    /// assert_eq!(futures_executor::block_on(race), Ok("mirror 2"));
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping it drops the group, which cancels the remaining tasks.
    Race<E, M, T>, results FirstOk<T> => Result<T, Vec<TaskError<E>>>, Shared::race_outcome
}

/// Spawns a task into an inline group once it has a free slot, running the group's tasks
/// while it waits. Returned by [`ErrGroup::spawn`](crate::ErrGroup::spawn) on an inline group.
///
/// # Examples
///
/// ```
/// use errgroup::ErrGroup;
///
/// # futures_executor::block_on(async {
/// let mut group = ErrGroup::inline();
/// group.limit(1).unwrap();
/// group.spawn(async { Ok::<(), ()>(()) }).await.unwrap();
/// // Full: this runs the first task to free its slot, then spawns.
/// group.spawn(async { Ok(()) }).await.unwrap();
/// group.await.unwrap();
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping it before it resolves drops the future unspawned; the tasks it ran stay in
/// the group, none is lost.
#[must_use = "the task is not spawned until this is awaited: add `.await`, or call \
              `try_spawn`, which spawns without waiting"]
pub struct InlineSpawning<'g, 'a, E, R: Results, F, L: Label = (), K: InlineTasks = SendTasks> {
    group: &'g mut Owner<E, Inline<'a, K>, R>,
    future: Option<F>,
    /// The task's name, if it has one.
    label: L,
    /// The ticket of this spawn in the group's queue of spawns waiting for a slot.
    ticket: Option<usize>,
    origin: SpawnOrigin,
}

impl<'g, 'a, E, R: Results, F, L: Label, K: InlineTasks> InlineSpawning<'g, 'a, E, R, F, L, K> {
    #[track_caller]
    pub(crate) fn new(group: &'g mut Owner<E, Inline<'a, K>, R>, future: F, label: L) -> Self {
        Self { group, future: Some(future), label, ticket: None, origin: SpawnOrigin::here() }
    }
}

impl<E, R: Results, F, L: Label, K: InlineTasks> Unpin for InlineSpawning<'_, '_, E, R, F, L, K> {}

impl<E, R: Results, F, L: Label, K: InlineTasks> Drop for InlineSpawning<'_, '_, E, R, F, L, K> {
    fn drop(&mut self) {
        leave_slot_queue(self.group.shared(), &mut self.ticket);
        self.origin.dropped(self.group.shared());
    }
}

impl<'a, E, R: Results, F, L: Label, K: InlineTasks> Future
    for InlineSpawning<'_, 'a, E, R, F, L, K>
where
    Inline<'a, K>: Launch<F, E, R>,
{
    type Output = Result<TaskId, Refused>;

    #[track_caller]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.origin.polled();
        loop {
            let Owner { handle, driver, .. } = &mut *this.group;
            if let Poll::Ready(done) =
                poll_spawn(handle, &mut this.future, &this.label, &mut this.ticket, cx)
            {
                return Poll::Ready(done);
            }
            // Full: run the tasks, which frees slots. If that made progress, try again.
            Inline::<K>::register_waiter(&handle.shared.waiter, &handle.mode, cx.waker());
            let before = handle.active();
            Inline::<K>::run_tasks(driver, &handle.mode, cx);
            if handle.active() == before {
                return Poll::Pending;
            }
        }
    }
}

impl<E, R: Results, F, L: Label> fmt::Debug for InlineSpawning<'_, '_, E, R, F, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut spawning = f.debug_struct("InlineSpawning");
        spawning.field("done", &self.future.is_none());
        if let Some(name) = self.label.name() {
            spawning.field("name", &name);
        }
        spawning.finish_non_exhaustive()
    }
}

/// The outcomes of a collecting group's tasks, as they complete: each `Ok` value, and the
/// errors the policy kept. Ends when every task has finished or been dropped. Returned by
/// [`ErrGroup::into_stream`](crate::ErrGroup::into_stream).
///
/// With [`Policy::FailFast`](crate::Policy::FailFast) the first error is yielded when it
/// arrives and the other tasks are cancelled; values that arrived before are still
/// yielded. A panic is re-raised from `poll_next`, even if an error came first (unless the
/// group turns panics into errors), and so is a lost task (unless the group turns
/// interruptions into errors). A group cancelled from outside with tasks unfinished ends
/// its stream with `Err(Interrupted::Cancelled)` if it turns interruptions into errors,
/// and otherwise just ends: a stream has no positions to shift, and its items are each
/// task's own.
///
/// To learn which task each item came from, stream [`with_tasks`](Self::with_tasks).
///
/// # Examples
///
/// See also [`ErrGroup::into_stream`](crate::ErrGroup::into_stream).
///
/// ```
/// use errgroup::{ErrGroup, Inline, future::Completions};
/// use futures_util::StreamExt;
///
/// # futures_executor::block_on(async {
/// let group = ErrGroup::builder().collect().inline();
/// group.try_spawn(async { Ok(1) }).unwrap();
/// group.try_spawn(async { Err("no route") }).unwrap();
/// let stream: Completions<&str, Inline<'_>, u32> = group.into_stream();
/// let items: Vec<_> = stream.collect().await;
/// assert_eq!(items, [Ok(1), Err("no route")]);
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping the stream drops the group, which cancels the remaining tasks.
#[must_use = "streams do nothing unless polled"]
pub struct Completions<E, M: Mode, T> {
    waiting: Waiting<E, M, Collect<T>>,
    /// The group once it has finished: its last values are handed out, then `errors`.
    finished: Option<Owner<E, M, Collect<T>>>,
    /// Whether an error was yielded (an interruption is reported only if none was).
    failed: bool,
    errors: alloc::vec::IntoIter<TaskError<E>>,
    /// Whether it has ended (yielded `None`): `FusedStream::is_terminated`.
    ended: bool,
}

impl<E, M: Mode, T> Unpin for Completions<E, M, T> {}

impl<E, M: Mode, T> Completions<E, M, T> {
    pub(crate) fn new(group: Owner<E, M, Collect<T>>) -> Self {
        Self {
            waiting: Waiting::new(group),
            finished: None,
            failed: false,
            errors: Vec::new().into_iter(),
            ended: false,
        }
    }
}

/// One item of a stream of outcomes, with its task: a value with its task's index, or an
/// error with its task.
type Tagged<T, E> = Result<(usize, T), TaskError<E>>;

impl<E, M: Mode, T> Completions<E, M, T> {
    /// Yields each item with the task it came from: `Ok((id, value))`, or a
    /// [`TaskError`] (whose task is `None` only for the interruption of a group cancelled
    /// from outside). The same items, in the same order.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Policy};
    /// use futures_util::StreamExt;
    ///
    /// # futures_executor::block_on(async {
    /// let mut group = ErrGroup::builder().policy(Policy::CollectAll).collect().inline();
    /// let fast = group.task().name("fast").try_spawn(async { Ok::<u32, &str>(1) }).unwrap();
    /// group.task().name("broken").try_spawn(async { Err("no route") }).unwrap();
    /// let items: Vec<_> = group.into_stream().with_tasks().collect().await;
    /// let Ok((id, 1)) = items[0] else { panic!("{items:?}") };
    /// assert_eq!(id, fast);
    /// let Err(error) = &items[1] else { panic!("{items:?}") };
    /// assert_eq!(error.to_string(), "task 1 `broken` failed: no route");
    /// # });
    /// ```
    pub fn with_tasks(self) -> TaskCompletions<E, M, T> {
        TaskCompletions(self)
    }

    /// A value, or the first failure, if one arrived while the group runs.
    #[track_caller]
    fn next_outcome(&mut self) -> Option<Tagged<T, E>> {
        let shared = self.waiting.shared().expect("not finished, so the group is there");
        if let Ok(value) = shared.results.pop() {
            return Some(Ok(value));
        }
        let error = shared.take_error()?;
        self.failed = true;
        Some(Err(error))
    }

    /// The next item, with its task.
    #[track_caller]
    fn poll_tagged(&mut self, cx: &mut Context<'_>) -> Poll<Option<Tagged<T, E>>> {
        let this = self;
        if this.finished.is_none() {
            let group = this.waiting.group.as_ref().expect("not finished, so the group is there");
            // Register before looking, so that an outcome stored after the look wakes us.
            M::register_waiter(&group.shared().waiter, &group.handle.mode, cx.waker());
            if let Some(outcome) = this.next_outcome() {
                return Poll::Ready(Some(outcome));
            }
            let Poll::Ready(group) = this.waiting.poll(cx) else {
                // An inline group stores its tasks' outcomes while it is driven, and wakes
                // nobody for them: look again.
                return match this.next_outcome() {
                    Some(outcome) => Poll::Ready(Some(outcome)),
                    None => Poll::Pending,
                };
            };
            // Finished: every outcome is stored by now. The values left come first, then
            // the first error (if it came last), the later ones and an interruption.
            let mut errors: Vec<TaskError<E>> = group.shared().take_error().into_iter().collect();
            this.failed |= !errors.is_empty();
            errors.extend(group.shared().take_later_errors(this.failed));
            this.errors = errors.into_iter();
            this.finished = Some(group);
        }
        let group = this.finished.as_ref().expect("set above");
        if let Ok(value) = group.shared().results.pop() {
            return Poll::Ready(Some(Ok(value)));
        }
        let next = this.errors.next().map(Err);
        this.ended = next.is_none();
        Poll::Ready(next)
    }
}

/// Terminated once it has yielded `None` (it yields `None` again if polled after that).
impl<E, M: Mode, T> FusedStream for Completions<E, M, T> {
    fn is_terminated(&self) -> bool {
        self.ended
    }
}

/// Terminated once it has yielded `None` (it yields `None` again if polled after that).
impl<E, M: Mode, T> FusedStream for TaskCompletions<E, M, T> {
    fn is_terminated(&self) -> bool {
        self.0.ended
    }
}

impl<E, M: Mode, T> futures_core::Stream for Completions<E, M, T> {
    type Item = Result<T, E>;

    #[track_caller]
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_tagged(cx).map(|item| {
            item.map(|item| item.map(|(_, value)| value).map_err(TaskError::into_error))
        })
    }
}

/// The outcomes of a collecting group's tasks, as they complete, each with its task: made
/// by [`Completions::with_tasks`], which says what it yields.
///
/// # Examples
///
/// ```
/// use errgroup::{ErrGroup, Inline, future::TaskCompletions};
/// use futures_util::StreamExt;
///
/// # futures_executor::block_on(async {
/// let mut group = ErrGroup::builder().collect().inline();
/// let first = group.try_spawn(async { Ok(1) }).unwrap();
/// group.task().name("broken").try_spawn(async { Err("no route") }).unwrap();
/// let stream: TaskCompletions<&str, Inline<'_>, u32> = group.into_stream().with_tasks();
/// let items: Vec<_> = stream.collect().await;
/// assert_eq!(items[0], Ok((first, 1)));
/// let Err(error) = &items[1] else { unreachable!() };
/// assert_eq!(error.task().and_then(|task| task.name()), Some("broken"));
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping the stream drops the group, which cancels the remaining tasks.
#[must_use = "streams do nothing unless polled"]
pub struct TaskCompletions<E, M: Mode, T>(Completions<E, M, T>);

impl<E, M: Mode, T> futures_core::Stream for TaskCompletions<E, M, T> {
    type Item = Result<(TaskId, T), TaskError<E>>;

    #[track_caller]
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0
            .poll_tagged(cx)
            .map(|item| item.map(|item| item.map(|(index, value)| (TaskId::new(index), value))))
    }
}

impl<E, M: Mode, T> fmt::Debug for TaskCompletions<E, M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TaskCompletions").field(&self.0).finish()
    }
}

impl<E, M: Mode, T> fmt::Debug for Completions<E, M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.finished {
            None => f.debug_tuple("Completions").field(&self.waiting).finish(),
            Some(_) => f.write_str("Completions(finished)"),
        }
    }
}

pin_project_lite::pin_project! {
    /// Waits for a group, or cancels it when a timer fires first. Returned by
    /// [`ErrGroup::wait_until`](crate::ErrGroup::wait_until).
    ///
    /// # Examples
    ///
    /// See also [`ErrGroup::wait_until`](crate::ErrGroup::wait_until).
    ///
    /// ```
    /// use errgroup::{CancelToken, Discard, ErrGroup, Inline, Timed, future::WaitUntil};
    ///
    /// let shutdown = CancelToken::new();
    /// let group = ErrGroup::<(), _>::inline();
    /// group.try_spawn(std::future::pending()).unwrap(); // never finishes
    /// let wait: WaitUntil<(), Inline<'_>, Discard, _> = group.wait_until(shutdown.cancelled());
    /// shutdown.cancel(); // the "timer" fires
    /// assert_eq!(futures_executor::block_on(wait), Timed::TimedOut(Ok(())));
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping it drops the group, which cancels the remaining tasks.
    #[must_use = "futures do nothing unless awaited"]
    pub struct WaitUntil<E, M: Mode, R: Results, T> {
        waiting: Waiting<E, M, R>,
        #[pin]
        timer: Option<T>,
        timed_out: bool,
    }
}

impl<E, M: Mode, R: Results, T> WaitUntil<E, M, R, T> {
    pub(crate) fn new(group: Owner<E, M, R>, timer: T) -> Self {
        Self { waiting: Waiting::new(group), timer: Some(timer), timed_out: false }
    }
}

impl<E, M: Mode, R: Results, T: Future<Output = ()>> Future for WaitUntil<E, M, R, T> {
    type Output = TimedOutcome<E, R>;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            if let Poll::Ready(group) = this.waiting.poll(cx) {
                // A timer that fired by the time the group finished counts: a group that is
                // a child of the token it is waited on with (`wait_until(token.cancelled())`)
                // finishes *because* it fired, and its values must stay at their positions.
                if let Some(timer) = this.timer.as_mut().as_pin_mut() {
                    *this.timed_out |= timer.poll(cx).is_ready();
                }
                return Poll::Ready(if *this.timed_out {
                    Timed::TimedOut(group.shared().outcome_partial())
                } else {
                    Timed::Finished(group.shared().outcome())
                });
            }
            let Some(timer) = this.timer.as_mut().as_pin_mut() else {
                // Timed out and cancelled: the wait finishes as the tasks are dropped.
                return Poll::Pending;
            };
            if timer.poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.timer.set(None);
            *this.timed_out = true;
            if let Some(shared) = this.waiting.shared() {
                shared.trace.timed_out(shared.state.load().active());
                shared.cancel(CancelReason::Timeout);
            }
        }
    }
}

/// Terminated once it has returned the group's outcome.
impl<E, M: Mode, R: Results, T: Future<Output = ()>> FusedFuture for WaitUntil<E, M, R, T> {
    fn is_terminated(&self) -> bool {
        self.waiting.is_done()
    }
}

impl<E, M: Mode, R: Results, T> fmt::Debug for WaitUntil<E, M, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitUntil")
            .field("wait", &self.waiting)
            .field("timed_out", &self.timed_out)
            .finish()
    }
}
