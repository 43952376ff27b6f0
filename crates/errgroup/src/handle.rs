//! [`GroupHandle`]: where a group's spawning methods live (a group derefs to its handle), and
//! the [`Spawning`] future of a spawn that waits for a free slot.
//!
//! The spawn path goes down from here: `try_spawn` asks the group's mode to launch the
//! future ([`Launch`]), which wraps it in its task ([`crate::task`]) and counts it in the
//! group's state word ([`crate::shared`]); a full group queues the spawn in the group's
//! wake-up registry ([`crate::wakers`]) until a finishing task frees a slot.

use alloc::vec::Vec;
use core::{
    fmt,
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use crate::{
    error::{LimitError, Refused, Rejected},
    id::{Label, TaskId, TaskInfo, TaskName},
    keyed::WithKey,
    mode::{Launch, Mode},
    pending::{GroupDump, Pending},
    results::{Discard, Results},
    shared::Shared,
    shield::{Controlled, IntoControlled, Shield},
    sync::Arc,
    task_handle::{self, Handled, TaskHandle, Unlaunched},
    token::{CancelReason, CancelToken, Cause},
};

/// A cloneable handle to a group, for spawning from inside its tasks, cancelling it, or
/// looking at it. It does not keep the group from finishing: once the group has finished
/// (its `wait` resolved), spawning through a handle is refused with [`Rejected::Closed`].
/// To feed a group from outside while it is being waited for, use a
/// [`Feeder`](crate::Feeder), which keeps it open.
///
/// # Examples
///
/// ```
/// use errgroup::ErrGroup;
///
/// let group = ErrGroup::builder().collect().inline();
/// let handle = group.handle();
/// group
///     .try_spawn(async move {
///         // A task spawns a sibling into its own group.
///         handle.try_spawn(async { Ok::<u32, ()>(2) }).unwrap();
///         Ok(1)
///     })
///     .unwrap();
/// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![1, 2]));
/// ```
pub struct GroupHandle<E, M: Mode, R: Results = Discard> {
    pub(crate) shared: Arc<Shared<E, R>>,
    pub(crate) mode: M,
}

impl<E, M: Mode, R: Results> Clone for GroupHandle<E, M, R> {
    fn clone(&self) -> Self {
        Self { shared: self.shared.clone(), mode: self.mode.clone() }
    }
}

impl<E, M: Mode, R: Results> fmt::Debug for GroupHandle<E, M, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.fmt(f)
    }
}

impl<E, M: Mode, R: Results> GroupHandle<E, M, R> {
    pub(crate) fn new(shared: Arc<Shared<E, R>>, mode: M) -> Self {
        Self { shared, mode }
    }

    /// Spawns `future` as a task of the group if the group has room, without waiting, and
    /// returns its [`TaskId`]. To name the task, spawn it through [`task`](Self::task).
    ///
    /// When this returns `Ok`, the task is counted in the group and will be polled (or
    /// dropped, if the group is cancelled first). The future returns `Result<R::Value, E>`,
    /// and is what the group's mode can run ([`Launch`]): `Send + 'static` on a
    /// [`Spawned`](crate::Spawned) group, `'static` on a
    /// [`SpawnedLocal`](crate::SpawnedLocal) one, `Send` and borrowing for `'a` on an
    /// [`Inline`](crate::Inline) one.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Rejected};
    ///
    /// let group = ErrGroup::<(), _>::inline();
    /// let id = group.try_spawn(async { Ok(()) }).unwrap();
    /// assert_eq!(id.index(), 0);
    /// group.cancel();
    /// let Err(Rejected::Cancelled(_future, _cause)) = group.try_spawn(async { Ok(()) }) else {
    ///     panic!()
    /// };
    /// ```
    ///
    /// # Errors
    ///
    /// The future is handed back, never run, inside [`Rejected::Full`] when the limit is
    /// reached, [`Rejected::Cancelled`] (with the group's [`Cause`]) when the group is
    /// cancelled and [`Rejected::Closed`] when it has finished. [`Rejected::Spawner`] when the
    /// spawner refused the task, which it dropped; the group's counts stay right.
    ///
    /// Because the future comes back, the error is only as `'static`, `Send` and `Sync` as
    /// the future: to give up with `?` (into `anyhow::Error`, say), drop the future first
    /// with [`Rejected::into_refused`]: `group.try_spawn(task).map_err(Rejected::into_refused)?`.
    pub fn try_spawn<F>(&self, future: F) -> Result<TaskId, Rejected<F>>
    where
        F: Future<Output = Result<R::Value, E>>,
        M: Launch<F, E, R>,
    {
        self.mode.launch(&self.shared, future, ())
    }

    /// Spawns `future` as a task of the group, waiting for a free slot if a limit is set
    /// (back-pressure, like Go's `Group.Go`), and returns its [`TaskId`]. Without a limit
    /// it is ready at once. To name the task, spawn it through [`task`](Self::task).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// # futures_executor::block_on(async {
    /// let mut group = ErrGroup::inline();
    /// group.limit(2).unwrap();
    /// for n in 0..10 {
    ///     // Waits while two tasks are active; an inline group runs its tasks meanwhile.
    ///     group.spawn(async move { { let _ = n; Ok::<(), ()>(()) } }).await.unwrap();
    /// }
    /// group.await.unwrap();
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// [`Refused`] when the group is cancelled (with its [`Cause`]: which task failed, and
    /// how), when it has finished, or when the spawner refused the task: it never reports
    /// [`Refused::Full`], it waits instead. The group is ending, so `future` is dropped
    /// unrun, and the error is `Send + Sync + 'static` whatever `future` borrows: `?`
    /// carries it into `anyhow::Error` or any error type with a `From<Refused>`, and its
    /// message names the task that failed.
    ///
    /// `?` returns the refusal, though, not the task's error, which the group keeps for
    /// `wait`. To return the task's own error, stop feeding the group on a refusal and await
    /// it:
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// # let mut group = errgroup::ErrGroup::inline();
    /// for n in 0..10 {
    ///     if group.spawn(async move { if n == 3 { Err("three") } else { Ok(()) } }).await.is_err() {
    ///         break; // the group failed: `wait` has the error
    ///     }
    /// }
    /// assert_eq!(group.await, Err("three"));
    /// # });
    /// ```
    ///
    /// # Awaiting it
    ///
    /// Unlike tokio's `spawn`, this spawns nothing until it is awaited: it is a future
    /// because it may wait for a slot. A forgotten `.await` is a `must_use` warning, and, in a
    /// debug build with `std`, a report on stderr when the group finishes, naming where the spawn was
    /// made (a spawn future dropped before its first poll, in a group that was not
    /// cancelled). To spawn without waiting, call [`try_spawn`](Self::try_spawn).
    ///
    /// # Fairness and cost
    ///
    /// Spawns that wait are served in arrival order, one per freed slot (a raised limit or a
    /// cancellation wakes them all). Waiting allocates nothing: the spawn queues its waker in the
    /// group, and a task that finishes wakes the first one. A spawn future dropped after it
    /// was woken passes its turn to the next waiting spawn, so no free slot goes unused.
    ///
    /// # Deadlock
    ///
    /// A task that awaits `spawn` holds its own slot while it waits. If every slot is held by
    /// tasks waiting to spawn, none can proceed (Go's `SetLimit` has the same trap). From inside
    /// a task of a limited group, prefer `try_spawn` and handle `Rejected::Full`, or leave room.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it resolves drops `future` unspawned and leaves the queue.
    ///
    /// On an inline group, waiting through a handle relies on the group's `wait` running
    /// the tasks that free the slots; [`ErrGroup::spawn`](crate::ErrGroup::spawn) on the
    /// group itself runs them.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Spawning<'_, E, M, R, F>
    where
        F: Future<Output = Result<R::Value, E>>,
        M: Launch<F, E, R>,
    {
        Spawning::new(self, future, ())
    }

    /// Starts spawning one task with options: a [name](TaskBuilder::name), shown wherever
    /// the task's id is (its panic, its loss, `Debug`). End with
    /// [`try_spawn`](TaskBuilder::try_spawn) or [`spawn`](TaskBuilder::spawn), which do what
    /// the group's own methods do.
    ///
    /// An unnamed task costs nothing for this; a named one carries its [`TaskName`] (two
    /// words, and no allocation for a `&'static str`).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "std")] {
    /// use errgroup::{ErrGroup, Panicked};
    ///
    /// let group = ErrGroup::<Panicked, _>::builder().panics_as_errors().inline();
    /// let handle = group.handle();
    /// handle.task().name("billing").try_spawn(async { panic!("no invoices") }).unwrap();
    /// let panicked = futures_executor::block_on(group.wait()).unwrap_err();
    /// assert_eq!(panicked.to_string(), "task 0 `billing` panicked: no invoices");
    /// # }
    /// ```
    pub fn task(&self) -> TaskBuilder<&Self> {
        TaskBuilder::new(self)
    }

    /// The group's mode: where its tasks run (for a group on a spawner, the spawner; see
    /// [`WithSpawner`](crate::WithSpawner)).
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::inline();
    /// let _mode: &errgroup::Inline<'_> = group.mode();
    /// ```
    pub fn mode(&self) -> &M {
        &self.mode
    }

    /// The group's cancellation token: cancelled when the group is (by a failure, by
    /// [`cancel`](Self::cancel), by its parent or by a timeout), with the reason.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, ErrGroup};
    ///
    /// let group = ErrGroup::inline();
    /// let token = group.token();
    /// group.try_spawn(async { Err::<(), _>("boom") }).unwrap();
    /// let _ = futures_executor::block_on(group.wait());
    /// assert_eq!(token.reason(), Some(CancelReason::Error));
    /// ```
    pub fn token(&self) -> CancelToken {
        self.shared.token.clone()
    }

    /// Why the group was cancelled, in full: the reason, the task that caused it (the one
    /// that failed, panicked, was lost or won), and a message; `None` while it is not
    /// cancelled. Its token's [`cause`](CancelToken::cause).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, ErrGroup};
    ///
    /// let mut group = ErrGroup::<&str, _>::inline();
    /// let handle = group.handle();
    /// group.try_spawn(async { Ok(()) }).unwrap();
    /// group.task().name("inventory").try_spawn(async { Err("no stock") }).unwrap();
    /// assert_eq!(futures_executor::block_on(group.wait()), Err("no stock"));
    /// let cause = handle.cause().unwrap();
    /// assert_eq!(cause.reason(), CancelReason::Error);
    /// assert_eq!(cause.to_string(), "task 1 `inventory` failed");
    /// ```
    pub fn cause(&self) -> Option<Cause> {
        self.shared.token.cause()
    }

    /// The group's name, if it was given one ([`Builder::name`](crate::Builder::name)).
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::inline();
    /// assert_eq!(group.name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.shared.name().map(|name| name.as_str())
    }

    /// The tasks running now, in spawn order, by id and name; `None` unless the group was
    /// built with [`Builder::track_pending`](crate::Builder::track_pending). For a hang:
    /// print it from a watchdog, or from the branch that gave up waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::builder().track_pending().inline();
    /// let handle = group.handle();
    /// handle.task().name("reader").try_spawn(async { Ok(()) }).unwrap();
    /// let pending = handle.pending().unwrap();
    /// assert_eq!(pending[0].to_string(), "task 0 `reader`");
    /// futures_executor::block_on(group.wait()).unwrap();
    /// assert_eq!(handle.pending(), Some(vec![]));
    /// assert_eq!(errgroup::ErrGroup::<(), _>::inline().pending(), None); // not tracked
    /// ```
    pub fn pending(&self) -> Option<Vec<TaskInfo>> {
        self.shared.pending().map(Pending::running)
    }

    /// A snapshot of the group and the groups nested in it (made with
    /// [`Builder::child_of`](crate::Builder::child_of) its token, or a token below it):
    /// names, cancellations with their causes, and, for groups that
    /// [track their tasks](crate::Builder::track_pending), the tasks still running. Prints
    /// as a tree. A group is found through the nearest group above it when it was made: one
    /// whose middle group is gone while it lives is no longer reached from the top.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::builder().name("sync").track_pending().inline();
    /// let handle = group.handle();
    /// handle.task().name("upload").try_spawn(std::future::pending()).unwrap();
    /// let dump = handle.dump();
    /// assert_eq!(dump.name(), Some("sync"));
    /// assert_eq!(dump.to_string(), "group `sync`: 1 running\n└── task 0 `upload`\n");
    /// ```
    ///
    /// Nested groups: see [`GroupDump`].
    pub fn dump(&self) -> GroupDump {
        self.shared.dump()
    }

    /// The tasks the group dropped unfinished because it was cancelled (by a failure, a
    /// cancel, a timeout, a parent), in spawn order: after a timeout, the tasks that were
    /// still running when it fired. `None` unless the group was built with
    /// [`Builder::track_pending`](crate::Builder::track_pending).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let mut group = ErrGroup::<&str, _>::builder().track_pending().inline();
    /// let handle = group.handle();
    /// group.task().name("fetch").try_spawn(std::future::pending()).unwrap();
    /// group.task().name("parse").try_spawn(async { Err("bad input") }).unwrap();
    /// assert_eq!(futures_executor::block_on(group.wait()), Err("bad input"));
    /// // The failure cancelled the group, which dropped `fetch` unfinished.
    /// let unfinished = handle.unfinished().unwrap();
    /// assert_eq!(unfinished.len(), 1);
    /// assert_eq!(unfinished[0].name(), Some("fetch"));
    /// ```
    pub fn unfinished(&self) -> Option<Vec<TaskInfo>> {
        self.shared.pending().map(Pending::unfinished)
    }

    /// Where each [`Feeder`](crate::Feeder) of the group still open was made: what keeps a
    /// group whose tasks are done from finishing. Empty once every feeder is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::inline();
    /// let feeder = group.feeder();
    /// let open = group.open_feeders();
    /// assert_eq!(open.len(), 1);
    /// assert_eq!(open[0].line(), line!() - 3); // where `feeder()` was called
    /// drop(feeder);
    /// assert!(group.open_feeders().is_empty());
    /// ```
    pub fn open_feeders(&self) -> Vec<&'static core::panic::Location<'static>> {
        self.shared.open_feeders()
    }

    /// Cancels the group: no task starts any more, and (unless the group is cooperative)
    /// every running task is dropped at its next wake-up. Returns `true` if this call
    /// cancelled it.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let group = ErrGroup::<(), _>::inline();
    /// assert!(group.cancel());
    /// assert!(!group.cancel());
    /// assert!(group.try_spawn(async { Ok(()) }).is_err());
    /// ```
    pub fn cancel(&self) -> bool {
        self.shared.cancel(CancelReason::Explicit)
    }

    /// Whether the group was cancelled, for any reason.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::inline();
    /// group.cancel();
    /// assert!(group.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.shared.is_cancelled()
    }

    /// How many tasks are active: spawned and neither finished nor dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::inline();
    /// group.try_spawn(async { Ok(()) }).unwrap();
    /// assert_eq!(group.active(), 1);
    /// ```
    pub fn active(&self) -> usize {
        self.shared.state.load().active()
    }

    /// Lets at most `n` tasks be active at once. `spawn` waits for a free slot and
    /// `try_spawn` hands the task back when the group is full.
    ///
    /// The limit may change at any time. Raising it admits waiting spawns at once;
    /// lowering it below the number of active tasks stops nothing: new tasks wait until
    /// the active count falls below the new limit.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Rejected};
    ///
    /// let group = ErrGroup::<(), _>::inline();
    /// group.limit(1).unwrap();
    /// group.try_spawn(async { Ok(()) }).unwrap();
    /// assert!(matches!(group.try_spawn(async { Ok(()) }), Err(Rejected::Full(_))));
    /// assert!(group.limit(0).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`LimitError`] if `n` is zero: no task could ever run. The limit is unchanged.
    pub fn limit(&self, n: usize) -> Result<(), LimitError> {
        if n == 0 {
            return Err(LimitError::new());
        }
        self.shared.set_limit(n);
        Ok(())
    }

    /// Removes the limit: every waiting `spawn` proceeds.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::inline();
    /// group.limit(3).unwrap();
    /// group.remove_limit();
    /// assert_eq!(group.current_limit(), None);
    /// ```
    pub fn remove_limit(&self) {
        self.shared.set_limit(usize::MAX);
    }

    /// The limit in force, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::inline();
    /// group.limit(3).unwrap();
    /// assert_eq!(group.current_limit(), Some(3));
    /// ```
    pub fn current_limit(&self) -> Option<usize> {
        self.shared.limit()
    }
}

/// Spawns a task once the group has a free slot. Returned by `GroupHandle::spawn`.
///
/// # Examples
///
/// ```
/// use errgroup::{ErrGroup, future::Spawning};
///
/// let group = ErrGroup::<(), _>::inline();
/// let handle = group.handle();
/// let spawning: Spawning<'_, _, _, _, _> = handle.spawn(async { Ok(()) });
/// futures_executor::block_on(spawning).unwrap(); // no limit: ready at once
/// futures_executor::block_on(group.wait()).unwrap();
/// ```
///
/// # Cancel safety
///
/// Dropping it before it resolves drops the future unspawned.
#[must_use = "the task is not spawned until this is awaited: add `.await`, or call \
              `try_spawn`, which spawns without waiting"]
pub struct Spawning<'h, E, M: Mode, R: Results, F, L: Label = ()> {
    handle: &'h GroupHandle<E, M, R>,
    future: Option<F>,
    /// The task's name, if it has one.
    label: L,
    /// The ticket of this spawn in the group's queue of spawns waiting for a slot.
    ticket: Option<usize>,
    origin: SpawnOrigin,
}

impl<'h, E, M: Mode, R: Results, F, L: Label> Spawning<'h, E, M, R, F, L> {
    #[track_caller]
    fn new(handle: &'h GroupHandle<E, M, R>, future: F, label: L) -> Self {
        Self { handle, future: Some(future), label, ticket: None, origin: SpawnOrigin::here() }
    }
}

/// Where a waiting spawn was made, until its first poll. In debug builds, a spawn future
/// dropped without ever being polled (a forgotten `.await`) is recorded in its group, which
/// reports it when it finishes ([`Shared::report_unawaited`]). Zero-sized in release
/// builds.
pub(crate) struct SpawnOrigin {
    #[cfg(debug_assertions)]
    at: Option<&'static core::panic::Location<'static>>,
}

impl SpawnOrigin {
    #[track_caller]
    pub(crate) fn here() -> Self {
        Self {
            #[cfg(debug_assertions)]
            at: Some(core::panic::Location::caller()),
        }
    }

    /// The spawn was polled: it was awaited (or raced, in a `select!`), not forgotten.
    #[inline]
    pub(crate) fn polled(&mut self) {
        #[cfg(debug_assertions)]
        {
            self.at = None;
        }
    }

    /// The spawn future is dropped: if it was never polled, the group hears of it.
    #[inline]
    pub(crate) fn dropped<E, R: Results>(&mut self, shared: &Shared<E, R>) {
        #[cfg(debug_assertions)]
        if let Some(at) = self.at.take() {
            shared.spawn_unawaited(at);
        }
        #[cfg(not(debug_assertions))]
        let _ = shared;
    }
}

// `F` is only moved, never pinned, until it is handed to the group.
impl<E, M: Mode, R: Results, F, L: Label> Unpin for Spawning<'_, E, M, R, F, L> {}

impl<E, M: Mode, R: Results, F, L: Label> Drop for Spawning<'_, E, M, R, F, L> {
    fn drop(&mut self) {
        leave_slot_queue(&self.handle.shared, &mut self.ticket);
        self.origin.dropped(&self.handle.shared);
    }
}

/// A spawn dropped while queued for a slot leaves the queue, and hands on a wake-up it was
/// given.
pub(crate) fn leave_slot_queue<E, R: Results>(shared: &Shared<E, R>, ticket: &mut Option<usize>) {
    if let Some(ticket) = ticket.take() {
        shared.leave_slot_queue(ticket, false);
    }
}

/// One attempt at spawning, shared by [`Spawning`] and the inline group's own `spawn`:
/// launch; if the group is full, queue for a free slot (which a cancellation from anywhere
/// also ends) and launch again, so that a slot freed in between is not missed; if still
/// full, wait.
pub(crate) fn poll_spawn<E, M: Launch<F, E, R>, R: Results, F, L: Label>(
    handle: &GroupHandle<E, M, R>,
    future: &mut Option<F>,
    label: &L,
    ticket: &mut Option<usize>,
    cx: &mut Context<'_>,
) -> Poll<Result<TaskId, Refused>> {
    let mut queued = false;
    loop {
        let task = future.take().expect("errgroup: spawn future polled after it completed");
        match handle.mode.launch(&handle.shared, task, label.clone()) {
            Err(Rejected::Full(task)) => *future = Some(task),
            done => {
                if let Some(ticket) = ticket.take() {
                    handle.shared.leave_slot_queue(ticket, done.is_ok());
                }
                // A refused task is dropped here: the group is ending, and the error can
                // be `'static` whatever the task borrows.
                return Poll::Ready(done.map_err(Rejected::into_refused));
            }
        }
        if queued {
            return Poll::Pending;
        }
        // Refused: the group was cancelled since the launch, and the next one says so.
        queued = handle.shared.queue_for_slot(ticket, cx.waker());
    }
}

impl<E, M: Launch<F, E, R>, R: Results, F, L: Label> Future for Spawning<'_, E, M, R, F, L> {
    type Output = Result<TaskId, Refused>;

    #[track_caller]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.origin.polled();
        poll_spawn(this.handle, &mut this.future, &this.label, &mut this.ticket, cx)
    }
}

impl<E, M: Mode, R: Results, F, L: Label> fmt::Debug for Spawning<'_, E, M, R, F, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut spawning = f.debug_struct("Spawning");
        spawning.field("done", &self.future.is_none());
        if let Some(name) = self.label.name() {
            spawning.field("name", &name);
        }
        spawning.finish_non_exhaustive()
    }
}

/// One task about to be spawned, with options; made by [`GroupHandle::task`] (and, on an
/// inline group, by [`ErrGroup::task`](crate::ErrGroup::task), whose `spawn` runs the
/// group's tasks while it waits). `G` is what it spawns into; `L` is `()` until the task
/// is [named](Self::name).
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
/// group.task().name("billing").try_spawn(async { Ok(()) }).unwrap();
/// let error = futures_executor::block_on(group.wait()).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "task 0 `billing` was lost: its executor dropped it before it finished"
/// );
/// ```
#[must_use = "a task builder spawns nothing until `try_spawn` or `spawn` is called"]
pub struct TaskBuilder<G, L: Label = ()> {
    group: G,
    label: L,
}

impl<G> TaskBuilder<G> {
    pub(crate) const fn new(group: G) -> Self {
        Self { group, label: () }
    }

    /// Names the task: the name is shown wherever its id is ([`TaskInfo`](crate::TaskInfo)
    /// in a [`Panicked`](crate::Panicked) or a [`Lost`](crate::Lost), their messages, and
    /// `Debug`). Takes a `&'static str` (no allocation), a `String`, a `Box<str>` or an
    /// `Arc<str>`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "std")] {
    /// use errgroup::{ErrGroup, Panicked};
    ///
    /// let mut group = ErrGroup::<Panicked, _>::builder().panics_as_errors().inline();
    /// for shard in 0..3 {
    ///     group
    ///         .task()
    ///         .name(format!("shard {shard}"))
    ///         .try_spawn(async move {
    ///             assert_ne!(shard, 2, "corrupt index");
    ///             Ok(())
    ///         })
    ///         .unwrap();
    /// }
    /// let panicked = futures_executor::block_on(group.wait()).unwrap_err();
    /// assert_eq!(panicked.task().name(), Some("shard 2"));
    /// assert!(panicked.to_string().starts_with("task 2 `shard 2` panicked: "));
    /// # }
    /// ```
    pub fn name(self, name: impl Into<TaskName>) -> TaskBuilder<G, TaskName> {
        TaskBuilder { group: self.group, label: name.into() }
    }
}

impl<G, L: Label> TaskBuilder<G, L> {
    /// A builder for `group` with the task's `label` already chosen.
    pub(crate) const fn labelled(group: G, label: L) -> Self {
        Self { group, label }
    }

    /// What it spawns into, and the task's name (`()` if unnamed).
    pub(crate) fn into_parts(self) -> (G, L) {
        (self.group, self.label)
    }

    /// What it spawns into (for `spawn_blocking`, with `std`).
    #[cfg(feature = "std")]
    pub(crate) const fn group(&self) -> &G {
        &self.group
    }
}

impl<G> TaskBuilder<G, Controlled<()>> {
    /// Names the task, as [`TaskBuilder::name`] does, after
    /// [`cooperative`](TaskBuilder::cooperative) or [`shield`](TaskBuilder::shield).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Shield};
    ///
    /// let mut group = ErrGroup::<(), _>::inline();
    /// let shield = Shield::new();
    /// group.task().shield(&shield).name("flusher").try_spawn(async { Ok(()) }).unwrap();
    /// futures_executor::block_on(group.wait()).unwrap();
    /// ```
    pub fn name(self, name: impl Into<TaskName>) -> TaskBuilder<G, Controlled<TaskName>> {
        TaskBuilder { group: self.group, label: self.label.named(name.into()) }
    }
}

impl<G, L: IntoControlled> TaskBuilder<G, L> {
    /// Makes the task **signalled rather than dropped** when its group is cancelled, as
    /// every task of a [`cooperative`](crate::Builder::cooperative) group is: it runs on
    /// and is expected to watch the group's token ([`GroupHandle::token`](crate::GroupHandle::token))
    /// and return. Its siblings are dropped as usual. The end of a
    /// [`shutdown`](crate::ErrGroup::shutdown)'s grace period drops it all the same.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Outcome};
    ///
    /// # futures_executor::block_on(async {
    /// let mut group = ErrGroup::builder().collect().inline();
    /// let token = group.token().clone();
    /// group.task().name("flusher").cooperative().try_spawn(async move {
    ///     token.cancelled().await; // told, not dropped
    ///     Ok("flushed")
    /// }).unwrap();
    /// group.try_spawn(async { Err("boom") }).unwrap();
    /// let outcomes = group.wait_outcomes().await;
    /// assert!(matches!(outcomes[0].1, Outcome::Succeeded("flushed")));
    /// # });
    /// ```
    pub fn cooperative(self) -> TaskBuilder<G, Controlled<L::Base>> {
        TaskBuilder { group: self.group, label: self.label.into_controlled().cooperative() }
    }

    /// Attaches `shield` to the task: while the task runs a section through
    /// [`shield.protect`](Shield::protect), a cancellation of the group does not drop it.
    /// See [`Shield`] for what bounds a section.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use errgroup::{ErrGroup, Shield};
    /// use futures_channel::oneshot;
    ///
    /// let flushed = AtomicBool::new(false);
    /// let (go, flush) = oneshot::channel::<()>();
    /// let shield = Shield::new();
    /// let mut group = ErrGroup::inline();
    /// group.task().shield(&shield).try_spawn(async {
    ///     shield.protect(async {
    ///         flush.await.unwrap(); // waiting here when the sibling fails: not dropped
    ///         flushed.store(true, Ordering::SeqCst);
    ///     }).await;
    ///     Ok(())
    /// }).unwrap();
    /// group.try_spawn(async { go.send(()).unwrap(); Err("boom") }).unwrap();
    /// assert_eq!(futures_executor::block_on(group.wait()), Err("boom"));
    /// assert!(flushed.load(Ordering::SeqCst));
    /// ```
    ///
    /// More in [`Shield`].
    pub fn shield(self, shield: &Shield) -> TaskBuilder<G, Controlled<L::Base>> {
        TaskBuilder { group: self.group, label: self.label.into_controlled().shield(shield) }
    }
}

impl<G, L: Label> TaskBuilder<G, L> {
    /// Gives the task a key, which comes back paired with its value: in a group built with
    /// [`Builder::keyed`](crate::Builder::keyed), `wait` returns `(key, value)` pairs in
    /// spawn order and [`into_stream`](crate::ErrGroup::into_stream) yields them as they
    /// complete (tokio-util's `JoinMap`); in a race of `(K, T)`, the winner's key says who
    /// won. The task returns only its value.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use errgroup::ErrGroup;
    ///
    /// let group = ErrGroup::<(), _>::builder().keyed::<&str, usize>().inline();
    /// let handle = group.handle();
    /// for url in ["a.example", "bb.example"] {
    ///     handle.task().key(url).try_spawn(async move { Ok(url.len()) }).unwrap();
    /// }
    /// let sizes: HashMap<_, _> = futures_executor::block_on(group.wait()).unwrap().into_iter().collect();
    /// assert_eq!(sizes["bb.example"], 10);
    /// ```
    pub fn key<K>(self, key: K) -> KeyedTask<G, L, K> {
        KeyedTask { builder: self, key }
    }
}

/// A task about to be spawned with a key: made by [`TaskBuilder::key`]. Its value comes
/// back paired with the key.
///
/// # Examples
///
/// ```
/// use errgroup::{ErrGroup, KeyedTask};
///
/// let group = ErrGroup::<(), _>::builder().keyed().inline();
/// let handle = group.handle();
/// let task: KeyedTask<_, _, u32> = handle.task().name("user 17").key(17);
/// task.try_spawn(async { Ok("alice") }).unwrap();
/// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![(17, "alice")]));
/// ```
#[must_use = "a task builder spawns nothing until `try_spawn` or `spawn` is called"]
pub struct KeyedTask<G, L: Label, K> {
    builder: TaskBuilder<G, L>,
    key: K,
}

impl<G, L: Label, K> KeyedTask<G, L, K> {
    /// The builder, and the task's future paired with its key.
    pub(crate) fn with_key<F>(self, future: F) -> (TaskBuilder<G, L>, WithKey<F, K>) {
        (self.builder, WithKey::new(self.key, future))
    }
}

impl<'h, E, M: Mode, R: Results, L: Label, K> KeyedTask<&'h GroupHandle<E, M, R>, L, K> {
    /// Spawns `future` as the task, as [`TaskBuilder::try_spawn`] does; its value will be
    /// paired with the key.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Rejected};
    ///
    /// let group = ErrGroup::<(), _>::builder().keyed().inline();
    /// let handle = group.handle();
    /// handle.limit(1).unwrap();
    /// handle.task().key("a").try_spawn(async { Ok(1) }).unwrap();
    /// // Full: the key comes back with the future, neither used.
    /// let Err(Rejected::Full(refused)) = handle.task().key("b").try_spawn(async { Ok(2) }) else {
    ///     panic!("the group has room")
    /// };
    /// assert_eq!(refused.into_parts().0, "b");
    /// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![("a", 1)]));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GroupHandle::try_spawn`]; the key and the future come back in the [`Rejected`]
    /// ([`WithKey::into_parts`]).
    pub fn try_spawn<F, T>(self, future: F) -> Result<TaskId, Rejected<WithKey<F, K>>>
    where
        R: Results<Value = (K, T)>,
        F: Future<Output = Result<T, E>>,
        M: Launch<WithKey<F, K>, E, R>,
    {
        let (builder, keyed) = self.with_key(future);
        builder.try_spawn(keyed)
    }

    /// Spawns `future` as the task, waiting for a free slot if a limit is set, as
    /// [`TaskBuilder::spawn`] does; its value will be paired with the key.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let group = errgroup::ErrGroup::<(), _>::builder().keyed().inline();
    /// let handle = group.handle();
    /// handle.task().key('b').spawn(async { Ok(2) }).await.unwrap();
    /// handle.task().key('a').spawn(async { Ok(1) }).await.unwrap();
    /// assert_eq!(group.await, Ok(vec![('b', 2), ('a', 1)])); // in spawn order
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GroupHandle::spawn`].
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it resolves drops `future` and its key unspawned.
    #[track_caller]
    pub fn spawn<F, T>(self, future: F) -> Spawning<'h, E, M, R, WithKey<F, K>, L>
    where
        R: Results<Value = (K, T)>,
        F: Future<Output = Result<T, E>>,
        M: Launch<WithKey<F, K>, E, R>,
    {
        let (builder, keyed) = self.with_key(future);
        builder.spawn(keyed)
    }
}

impl<G: fmt::Debug, L: Label, K: fmt::Debug> fmt::Debug for KeyedTask<G, L, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyedTask").field("key", &self.key).field("task", &self.builder).finish()
    }
}

impl<'h, E, M: Mode, R: Results, L: Label> TaskBuilder<&'h GroupHandle<E, M, R>, L> {
    /// Spawns `future` as the task, as [`GroupHandle::try_spawn`] does, and returns its id.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut group = errgroup::ErrGroup::<(), _>::inline();
    /// let id = group.task().name("warm-up").try_spawn(async { Ok(()) }).unwrap();
    /// assert_eq!(id.index(), 0);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GroupHandle::try_spawn`]: the future is handed back inside the [`Rejected`].
    pub fn try_spawn<F>(self, future: F) -> Result<TaskId, Rejected<F>>
    where
        F: Future<Output = Result<R::Value, E>>,
        M: Launch<F, E, R>,
    {
        self.group.mode.launch(&self.group.shared, future, self.label)
    }

    /// Spawns `future` as the task, waiting for a free slot if a limit is set, as
    /// [`GroupHandle::spawn`] does, and returns its id.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let group = errgroup::ErrGroup::<(), _>::inline();
    /// let handle = group.handle();
    /// let id = handle.task().name("flush").spawn(async { Ok(()) }).await.unwrap();
    /// assert_eq!(id.index(), 0);
    /// group.await.unwrap();
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GroupHandle::spawn`].
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it resolves drops `future` unspawned.
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> Spawning<'h, E, M, R, F, L>
    where
        F: Future<Output = Result<R::Value, E>>,
        M: Launch<F, E, R>,
    {
        Spawning::new(self.group, future, self.label)
    }
}

impl<'h, E, M: Mode, L: Label> TaskBuilder<&'h GroupHandle<E, M, Discard>, L> {
    /// Spawns `future` as the task, as [`try_spawn`](Self::try_spawn) does, and returns
    /// its [`TaskHandle`]: a future of the task's [`Outcome`](crate::Outcome), which takes
    /// the task's value and error (they do not go to the group while the handle lives),
    /// and a way to abort this task alone. The task may return any `T`: its value goes to
    /// the handle. Only for groups that discard values (the default): a collecting group
    /// keeps each task's value at its position, which a handle would leave empty.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// use errgroup::ErrGroup;
    ///
    /// let group = ErrGroup::<String, _>::inline();
    /// let handle = group.handle();
    /// let size = handle
    ///     .task()
    ///     .name("size")
    ///     .try_spawn_handle(async { Ok::<usize, String>(42) })
    ///     .unwrap();
    /// let (waited, size) = futures_util::future::join(group.wait(), size).await; // inline: together
    /// waited.unwrap();
    /// assert_eq!(size.succeeded(), Some(42));
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GroupHandle::try_spawn`]: the future is handed back inside the [`Rejected`].
    pub fn try_spawn_handle<F, T>(self, future: F) -> Result<TaskHandle<T, E>, Rejected<F>>
    where
        F: Future<Output = Result<T, E>>,
        M: Launch<Handled<F, T, E>, E, Discard>,
    {
        let (handled, handle) = task_handle::link(future, self.group.token());
        let name = self.label.name();
        match self.group.mode.launch(&self.group.shared, handled, self.label) {
            Ok(id) => Ok(handle.launched(TaskInfo::new(id, name))),
            Err(rejected) => Err(rejected.map(Handled::into_future)),
        }
    }

    /// Spawns `future` as the task, waiting for a free slot if a limit is set, as
    /// [`spawn`](Self::spawn) does, and returns its [`TaskHandle`] (see
    /// [`try_spawn_handle`](Self::try_spawn_handle)).
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// use errgroup::ErrGroup;
    ///
    /// let group = ErrGroup::<(), _>::inline();
    /// let handle = group.handle();
    /// handle.limit(1).unwrap();
    /// let first = handle.task().spawn_handle(async { Ok(1) }).await.unwrap();
    /// assert_eq!(first.id().index(), 0);
    /// let (waited, first) = futures_util::future::join(group.wait(), first).await;
    /// waited.unwrap();
    /// assert_eq!(first.succeeded(), Some(1));
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GroupHandle::spawn`].
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it resolves drops `future` unspawned.
    #[track_caller]
    pub fn spawn_handle<F, T>(self, future: F) -> SpawningHandle<'h, E, M, F, T, L>
    where
        F: Future<Output = Result<T, E>>,
        M: Launch<Handled<F, T, E>, E, Discard>,
    {
        let (handled, handle) = task_handle::link(future, self.group.token());
        let name = self.label.name();
        SpawningHandle {
            spawning: Spawning::new(self.group, handled, self.label),
            handle: Some(handle),
            name,
        }
    }
}

/// Spawns a task with a [`TaskHandle`] once the group has a free slot. Returned by
/// [`TaskBuilder::spawn_handle`].
///
/// # Examples
///
/// ```
/// # futures_executor::block_on(async {
/// use errgroup::{ErrGroup, future::SpawningHandle};
///
/// let group = ErrGroup::<(), _>::inline();
/// let handle = group.handle();
/// let spawning: SpawningHandle<'_, _, _, _, _> = handle.task().spawn_handle(async { Ok("done") });
/// let task = spawning.await.unwrap(); // no limit: ready at once
/// let (waited, outcome) = futures_util::future::join(group.wait(), task).await;
/// waited.unwrap();
/// assert_eq!(outcome.succeeded(), Some("done"));
/// # });
/// ```
///
/// # Cancel safety
///
/// Dropping it before it resolves drops the future unspawned.
#[must_use = "the task is not spawned until this is awaited: add `.await`, or call \
              `try_spawn_handle`, which spawns without waiting"]
pub struct SpawningHandle<'h, E, M: Mode, F, T, L: Label = ()> {
    spawning: Spawning<'h, E, M, Discard, Handled<F, T, E>, L>,
    handle: Option<Unlaunched<T, E>>,
    name: Option<TaskName>,
}

impl<E, M, F, T, L> Future for SpawningHandle<'_, E, M, F, T, L>
where
    M: Launch<Handled<F, T, E>, E, Discard>,
    L: Label,
{
    type Output = Result<TaskHandle<T, E>, Refused>;

    #[track_caller]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let id = core::task::ready!(Pin::new(&mut this.spawning).poll(cx))?;
        let handle = this.handle.take().expect("errgroup: spawn future polled after it completed");
        Poll::Ready(Ok(handle.launched(TaskInfo::new(id, this.name.take()))))
    }
}

impl<E, M: Mode, F, T, L: Label> fmt::Debug for SpawningHandle<'_, E, M, F, T, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SpawningHandle").field(&self.spawning).finish()
    }
}

impl<G: fmt::Debug, L: Label> fmt::Debug for TaskBuilder<G, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskBuilder")
            .field("group", &self.group)
            .field("name", &self.label.name())
            .finish()
    }
}
