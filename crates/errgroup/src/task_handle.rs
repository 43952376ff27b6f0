//! [`TaskHandle`] and [`AbortHandle`]: one task's outcome, and its abort, for a task spawned
//! with a handle ([`TaskBuilder::try_spawn_handle`](crate::TaskBuilder::try_spawn_handle)).
//!
//! Such a task runs inside a [`Handled`] future, which the group spawns like any other. The
//! handle and the task share one [`Link`]: a small lock over where the task's outcome goes.
//! Whichever of "the task ended" and "the handle was dropped" comes first under that lock
//! decides, so the outcome is counted once:
//!
//! - the task ended first: its outcome waits in the link for the handle (and is dropped
//!   with the handle if nobody reads it, as any unread value is);
//! - the handle was dropped first: the task is detached, and ends as a task without a
//!   handle does (its error fails the group, its panic is the group's panic).
//!
//! Tasks spawned without a handle never touch this file.

use core::{
    fmt,
    future::Future,
    pin::Pin,
    task::{Context, Poll, Waker},
};

use pin_project_lite::pin_project;

use crate::{
    id::{TaskId, TaskInfo},
    outcome::{Lost, Outcome},
    sync::{AllocArc, Lock},
    token::{CancelReason, CancelToken},
};

/// A panic's payload.
#[cfg(feature = "std")]
type Payload = alloc::boxed::Box<dyn core::any::Any + Send>;

/// How a task with a handle ended, before its handle turns it into an [`Outcome`] (which
/// names the task: the handle knows its id and name, the task does not need to).
enum Ended<T, E> {
    Value(T),
    Error(E),
    #[cfg(feature = "std")]
    Panic(Payload),
    Cancelled(CancelReason),
    Lost,
}

impl<T, E> Ended<T, E> {
    /// What kind of end, for a trace event.
    const fn kind(&self) -> &'static str {
        match self {
            Self::Value(_) => "succeeded",
            Self::Error(_) => "failed",
            #[cfg(feature = "std")]
            Self::Panic(_) => "panicked",
            Self::Cancelled(_) => "cancelled",
            Self::Lost => "lost",
        }
    }
}

/// Where a task's outcome goes: to its handle, or (once the handle is dropped) to the group.
struct State<T, E> {
    /// The outcome, once the task ended and until the handle takes it.
    ended: Option<Ended<T, E>>,
    /// The handle's waker, while it waits.
    handle_waker: Option<Waker>,
    /// The handle was dropped: the task is detached.
    detached: bool,
    /// The handle has taken the outcome, or it was dropped with the handle.
    taken: bool,
    /// The task has ended (whether its outcome went to the handle or to the group).
    finished: bool,
    /// The task was asked to stop.
    aborted: bool,
    /// The task's waker, to wake it for an abort.
    task_waker: Option<Waker>,
}

/// What a task with a handle and its handles share.
struct Link<T, E> {
    state: Lock<State<T, E>>,
}

impl<T, E> Link<T, E> {
    /// Hands the task's outcome to the handle; `Err` gives it back if the handle is gone.
    ///
    /// No waker is woken or dropped, and no outcome dropped, under the lock: each may run
    /// code that takes this lock again (an executor dropping a task that aborts this one).
    fn finish(&self, ended: Ended<T, E>) -> Result<(), Ended<T, E>> {
        let (handed, handle_waker, task_waker) = self.state.with(|state| {
            state.finished = true;
            let task_waker = state.task_waker.take();
            if state.detached {
                return (Err(ended), None, task_waker);
            }
            state.ended = Some(ended);
            (Ok(()), state.handle_waker.take(), task_waker)
        });
        drop(task_waker);
        if let Some(waker) = handle_waker {
            waker.wake();
        }
        handed
    }

    /// Records where to wake the task for an abort; `true` if it was aborted.
    fn watch(&self, waker: &Waker) -> bool {
        let (aborted, replaced) = self.state.with(|state| {
            let replaced = match &state.task_waker {
                _ if state.aborted => None,
                Some(known) if known.will_wake(waker) => None,
                _ => state.task_waker.replace(waker.clone()),
            };
            (state.aborted, replaced)
        });
        drop(replaced); // after the lock (see `finish`)
        aborted
    }

    /// Asks the task to stop, unless it has ended.
    fn abort(&self) {
        let waker = self.state.with(|state| {
            if state.finished || state.aborted {
                return None;
            }
            state.aborted = true;
            state.task_waker.take()
        });
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn is_finished(&self) -> bool {
        self.state.with(|state| state.finished)
    }
}

/// What [`AbortHandle`] needs of a link, whatever its task's output type.
trait Abort: Send + Sync {
    fn abort(&self);
    fn is_finished(&self) -> bool;
}

impl<T: Send, E: Send> Abort for Link<T, E> {
    fn abort(&self) {
        Link::abort(self);
    }

    fn is_finished(&self) -> bool {
        Link::is_finished(self)
    }
}

#[cfg(not(target_has_atomic = "ptr"))]
impl<T: Send, E: Send> Abort for AllocArc<Link<T, E>> {
    fn abort(&self) {
        Link::abort(self);
    }

    fn is_finished(&self) -> bool {
        Link::is_finished(self)
    }
}

/// A new link, its task's half and the handle's half (which is told the task's id later).
pub(crate) fn link<F, T, E>(future: F, token: CancelToken) -> (Handled<F, T, E>, Unlaunched<T, E>) {
    let link = AllocArc::new(Link {
        state: Lock::new(State {
            ended: None,
            handle_waker: None,
            detached: false,
            taken: false,
            finished: false,
            aborted: false,
            task_waker: None,
        }),
    });
    let end = End { link: link.clone(), token, done: false };
    (Handled { future: Some(future), end }, Unlaunched { link })
}

/// The handle's half of a link, before its task has an id.
pub(crate) struct Unlaunched<T, E> {
    link: AllocArc<Link<T, E>>,
}

impl<T, E> Unlaunched<T, E> {
    /// The handle of the task `task`, launched.
    pub(crate) fn launched(self, task: TaskInfo) -> TaskHandle<T, E> {
        TaskHandle { link: self.link, task }
    }
}

pin_project! {
    /// A task spawned with a [`TaskHandle`], as its group runs it: the task's future, and
    /// the link to its handle. It appears only in the bounds of
    /// [`TaskBuilder::try_spawn_handle`](crate::TaskBuilder::try_spawn_handle) and
    /// [`spawn_handle`](crate::TaskBuilder::spawn_handle), which wrap the future in it.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{future::Handled, Discard, ErrGroup, Launch};
    ///
    /// // A function generic over the mode names it in its bound.
    /// fn fetch_with_handle<M>(group: &errgroup::GroupHandle<String, M>) -> errgroup::TaskHandle<u32, String>
    /// where
    ///     M: Launch<Handled<std::future::Ready<Result<u32, String>>, u32, String>, String, Discard>,
    /// {
    ///     group.task().try_spawn_handle(std::future::ready(Ok(7))).unwrap()
    /// }
    ///
    /// let group = ErrGroup::inline();
    /// let handle = fetch_with_handle(&group.handle());
    /// futures_executor::block_on(group.wait()).unwrap();
    /// assert_eq!(futures_executor::block_on(handle).succeeded(), Some(7));
    /// ```
    #[must_use = "futures do nothing unless polled"]
    pub struct Handled<F, T, E> {
        // `None` once the task ended: dropped before its handle hears of it.
        #[pin]
        future: Option<F>,
        end: End<T, E>,
    }
}

impl<F, T, E> Handled<F, T, E> {
    /// The task's future, for a spawn that was refused.
    pub(crate) fn into_future(self) -> F {
        let Self { future, mut end } = self;
        end.done = true; // never run: nobody is told anything
        drop(end);
        future.expect("a refused task was never polled")
    }
}

/// The task's end of the link: tells the handle how the task ended if it is dropped
/// unfinished.
struct End<T, E> {
    link: AllocArc<Link<T, E>>,
    /// The group's token: a task dropped unfinished was cancelled if it is cancelled,
    /// otherwise lost.
    token: CancelToken,
    /// The outcome went to the handle (or back to the group).
    done: bool,
}

impl<T, E> Drop for End<T, E> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        // Dropped unfinished. A detached task's loss is the group's (its task wrapper
        // records it, as for every task), so a refused hand-over is dropped here.
        let ended = match self.token.reason() {
            Some(reason) => Ended::Cancelled(reason),
            None => Ended::Lost,
        };
        let _ = self.link.finish(ended);
    }
}

impl<F, T, E> Future for Handled<F, T, E>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<(), E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), E>> {
        let mut this = self.project();
        let ended = if this.end.link.watch(cx.waker()) {
            // Aborted: the future is dropped before the handle hears of it.
            match catching(|| this.future.set(None)) {
                Ok(()) => Ended::Cancelled(CancelReason::Aborted),
                #[cfg(feature = "std")]
                Err(payload) => Ended::Panic(payload),
            }
        } else {
            let Some(future) = this.future.as_mut().as_pin_mut() else {
                return Poll::Ready(Ok(())); // ended; its group polls it no more
            };
            match catching(|| future.poll(cx)) {
                Ok(Poll::Pending) => return Poll::Pending,
                Ok(Poll::Ready(Ok(value))) => Ended::Value(value),
                Ok(Poll::Ready(Err(error))) => Ended::Error(error),
                #[cfg(feature = "std")]
                Err(payload) => Ended::Panic(payload),
            }
        };
        this.end.done = true;
        let kind = ended.kind();
        match this.end.link.finish(ended) {
            Ok(()) => {
                crate::trace::handed_to_handle(kind);
                Poll::Ready(Ok(()))
            }
            // Detached: the group gets what it gets from a task without a handle.
            Err(Ended::Error(error)) => Poll::Ready(Err(error)),
            #[cfg(feature = "std")]
            Err(Ended::Panic(payload)) => std::panic::resume_unwind(payload),
            Err(Ended::Value(_) | Ended::Cancelled(_) | Ended::Lost) => Poll::Ready(Ok(())),
        }
    }
}

/// Runs `f`; with `std`, a panic is caught and returned as its payload.
#[cfg(feature = "std")]
fn catching<R>(f: impl FnOnce() -> R) -> Result<R, Payload> {
    // AssertUnwindSafe: after a panic the future is never polled again.
    std::panic::catch_unwind(core::panic::AssertUnwindSafe(f))
}

#[cfg(not(feature = "std"))]
fn catching<R>(f: impl FnOnce() -> R) -> Result<R, core::convert::Infallible> {
    Ok(f())
}

/// The handle of one task of a group, spawned with
/// [`TaskBuilder::try_spawn_handle`](crate::TaskBuilder::try_spawn_handle) or
/// [`spawn_handle`](crate::TaskBuilder::spawn_handle): a future of the task's
/// [`Outcome`], and a way to [`abort`](Self::abort) that task alone. tokio's `JoinHandle`,
/// for a task that stays in its group.
///
/// **Where the task's outcome goes.** While the handle is alive, to the handle only: the
/// task's value, its error and its panic are the handle's, and an error or a panic does not
/// fail the group or cancel its siblings. The group still counts the task: `wait` waits for
/// it, and a group that cancels it (after a sibling's failure, a cancel, a timeout) ends it
/// as any of its tasks, the handle seeing [`Outcome::Cancelled`] with the group's reason. A
/// task its executor loses is lost for the group too ([`Outcome::Lost`] here as well: the
/// executor failed the group, not the task; if the group is cancelled at that very moment,
/// the handle and the group may name it differently, lost or cancelled, each once). Once the handle is dropped before the task
/// ended, the task is detached: it ends as a task spawned without a handle does (its error
/// is the group's, its value is dropped). Dropping the handle after the task ended drops its
/// unread outcome, as dropping any value does.
///
/// **Abort** ([`abort`](Self::abort), [`AbortHandle::abort`]) drops the task's future at its
/// next poll (it is woken for it), whatever the group's mode; the handle then resolves to
/// [`Outcome::Cancelled`]`(`[`CancelReason::Aborted`]`)`. An abort is not a cancellation of
/// the group: the siblings keep running, and `wait` counts the aborted task as neither a
/// failure nor an interruption.
///
/// In an [`Inline`](crate::Inline) group the task runs only while the group is awaited, so
/// await the handle alongside the group (or after it), never alone before it.
///
/// [`Outcome::into_result`] turns what it resolves to into a `Result` for `?`:
/// `handle.await.into_result()?`.
///
/// It panics if polled again after it resolved (as most futures may); in a looping
/// `select!`, `.fuse()` it or keep it in an `Option`.
///
/// # Cancel safety
///
/// Awaiting it is cancel safe while the handle lives: a `select!` that drops the
/// `.await` and keeps the handle loses nothing. Dropping the handle itself detaches the
/// task (above).
///
/// # Examples
///
/// ```
/// # futures_executor::block_on(async {
/// use errgroup::{CancelReason, ErrGroup, Outcome};
///
/// let group = ErrGroup::<String, _>::inline();
/// let handle = group.handle();
/// let slow = handle.task().name("slow").try_spawn_handle(std::future::pending::<Result<(), _>>()).unwrap();
/// let config = handle.task().try_spawn_handle(async { Ok::<_, String>("config") }).unwrap();
/// let broken = handle.task().try_spawn_handle(async { Err::<(), _>("broken".to_string()) }).unwrap();
/// handle.try_spawn(async { Ok(()) }).unwrap(); // a task without a handle
///
/// slow.abort(); // only this task: its siblings run on
/// assert_eq!(slow.task().name(), Some("slow"));
/// group.await.unwrap(); // the error went to its handle, not to the group
///
/// assert!(matches!(slow.await, Outcome::Cancelled(CancelReason::Aborted)));
/// assert_eq!(config.await.succeeded(), Some("config"));
/// assert!(matches!(broken.await, Outcome::Failed(e) if e == "broken"));
/// # });
/// ```
#[must_use = "dropping a task's handle detaches the task: its outcome goes to the group"]
pub struct TaskHandle<T, E> {
    link: AllocArc<Link<T, E>>,
    task: TaskInfo,
}

impl<T, E> TaskHandle<T, E> {
    /// The task's id.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::inline();
    /// group.try_spawn(async { Ok(()) }).unwrap();
    /// let handle = group.handle().task().try_spawn_handle(async { Ok::<_, ()>(1) }).unwrap();
    /// assert_eq!(handle.id().index(), 1);
    /// ```
    pub const fn id(&self) -> TaskId {
        self.task.id()
    }

    /// The task: its id and its name, if it has one.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::inline();
    /// let handle = group.handle().task().name("index").try_spawn_handle(async { Ok::<_, ()>(1) }).unwrap();
    /// assert_eq!(handle.task().to_string(), "task 0 `index`");
    /// ```
    pub const fn task(&self) -> &TaskInfo {
        &self.task
    }

    /// Whether the task has ended (its outcome may have been taken already).
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let group = errgroup::ErrGroup::<(), _>::inline();
    /// let handle = group.handle().task().try_spawn_handle(async { Ok::<_, ()>(1) }).unwrap();
    /// assert!(!handle.is_finished()); // inline tasks run while the group is awaited
    /// group.await.unwrap();
    /// assert!(handle.is_finished());
    /// # });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.link.is_finished()
    }

    /// Aborts the task: its future is dropped at its next poll, and this handle resolves to
    /// [`Outcome::Cancelled`]`(`[`CancelReason::Aborted`]`)`. Its siblings run on. Does
    /// nothing if the task has already ended.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, ErrGroup, Outcome};
    ///
    /// # futures_executor::block_on(async {
    /// let group = ErrGroup::<(), _>::inline();
    /// let handle = group.handle();
    /// let forever = std::future::pending::<Result<(), ()>>();
    /// let stuck = handle.task().try_spawn_handle(forever).unwrap();
    /// handle.try_spawn(async { Ok(()) }).unwrap();
    /// stuck.abort(); // this task alone: the group is not cancelled
    /// group.await.unwrap();
    /// assert!(!handle.is_cancelled());
    /// assert!(matches!(stuck.await, Outcome::Cancelled(CancelReason::Aborted)));
    /// # });
    /// ```
    pub fn abort(&self) {
        self.link.abort();
    }

    /// A handle that can only abort the task, and does not keep its outcome: any number of
    /// them, of tasks of any output type, in one collection.
    ///
    /// # Examples
    ///
    /// See also [`AbortHandle`], for handles of several output types in one collection.
    ///
    /// ```
    /// use errgroup::{CancelReason, ErrGroup, Outcome};
    ///
    /// # futures_executor::block_on(async {
    /// let group = ErrGroup::<(), _>::inline();
    /// let handle = group.handle();
    /// let forever = std::future::pending::<Result<u8, ()>>();
    /// let slow = handle.task().try_spawn_handle(forever).unwrap();
    /// let abort = slow.abort_handle();
    /// handle.try_spawn(async move {
    ///     abort.abort(); // a sibling gives up on it
    ///     Ok(())
    /// }).unwrap();
    /// group.await.unwrap();
    /// assert!(matches!(slow.await, Outcome::Cancelled(CancelReason::Aborted)));
    /// # });
    /// ```
    pub fn abort_handle(&self) -> AbortHandle
    where
        T: Send + 'static,
        E: Send + 'static,
    {
        #[cfg(target_has_atomic = "ptr")]
        let link = self.link.clone();
        // portable-atomic-util's `Arc` does not coerce to a trait object: erase the link
        // behind a box of its own (targets without compare-and-swap only).
        #[cfg(not(target_has_atomic = "ptr"))]
        let link = AllocArc::from(
            alloc::boxed::Box::new(self.link.clone()) as alloc::boxed::Box<dyn Abort>
        );
        AbortHandle { link, task: self.task.clone() }
    }
}

/// Terminated once it has returned its task's outcome.
impl<T, E> futures_core::FusedFuture for TaskHandle<T, E> {
    fn is_terminated(&self) -> bool {
        self.link.state.with(|state| state.taken)
    }
}

impl<T, E> Future for TaskHandle<T, E> {
    type Output = Outcome<T, E>;

    /// # Panics
    ///
    /// If polled again after it returned the outcome.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome<T, E>> {
        let this = self.get_mut();
        let (ended, replaced) = this.link.state.with(|state| {
            assert!(!state.taken, "a TaskHandle was polled after it returned its task's outcome");
            let ended = state.ended.take();
            let mut replaced = None;
            if ended.is_some() {
                state.taken = true;
            } else if !state.handle_waker.as_ref().is_some_and(|known| known.will_wake(cx.waker()))
            {
                replaced = state.handle_waker.replace(cx.waker().clone());
            }
            (ended, replaced)
        });
        drop(replaced); // after the lock (see `Link::finish`)
        let Some(ended) = ended else { return Poll::Pending };
        Poll::Ready(match ended {
            Ended::Value(value) => Outcome::Succeeded(value),
            Ended::Error(error) => Outcome::Failed(error),
            #[cfg(feature = "std")]
            Ended::Panic(payload) => {
                Outcome::Panicked(crate::panic::Panicked::new(this.task.clone(), payload))
            }
            Ended::Cancelled(reason) => Outcome::Cancelled(reason),
            Ended::Lost => Outcome::Lost(Lost::new(this.task.clone())),
        })
    }
}

impl<T, E> Drop for TaskHandle<T, E> {
    fn drop(&mut self) {
        // Taken out of the lock, to be dropped (it may be anything) after it.
        let unread = self.link.state.with(|state| {
            state.detached = true;
            state.taken = true;
            (state.ended.take(), state.handle_waker.take())
        });
        drop(unread); // the outcome (any `T`, `E`) and the waker, after the lock
    }
}

impl<T, E> fmt::Debug for TaskHandle<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (finished, aborted) = self.link.state.with(|state| (state.finished, state.aborted));
        f.debug_struct("TaskHandle")
            .field("task", &self.task)
            .field("finished", &finished)
            .field("aborted", &aborted)
            .finish()
    }
}

/// Aborts one task of a group: made by [`TaskHandle::abort_handle`]. Cloneable, of any
/// task's output type, and it does not keep the task's outcome (its [`TaskHandle`] does).
/// It still aborts the task once the `TaskHandle` is dropped (the task is then detached:
/// aborted, it ends as cancelled, which is neither a failure nor an interruption of the
/// group).
///
/// # Examples
///
/// ```
/// # futures_executor::block_on(async {
/// use errgroup::{CancelReason, ErrGroup, Outcome};
///
/// let group = ErrGroup::<(), _>::inline();
/// let handle = group.handle();
/// let words = handle.task().try_spawn_handle(std::future::pending::<Result<&str, ()>>()).unwrap();
/// let number = handle.task().try_spawn_handle(std::future::pending::<Result<u64, ()>>()).unwrap();
/// let aborts = [words.abort_handle(), number.abort_handle()];
/// for abort in &aborts {
///     abort.abort();
/// }
/// group.await.unwrap();
/// assert!(aborts.iter().all(|abort| abort.is_finished()));
/// assert!(matches!(number.await, Outcome::Cancelled(CancelReason::Aborted)));
/// # drop(words);
/// # });
/// ```
#[derive(Clone)]
pub struct AbortHandle {
    link: AllocArc<dyn Abort>,
    task: TaskInfo,
}

impl AbortHandle {
    /// Aborts the task, as [`TaskHandle::abort`] does.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let group = ErrGroup::<(), _>::inline();
    /// let forever = std::future::pending::<Result<(), ()>>();
    /// let task = group.handle().task().try_spawn_handle(forever).unwrap();
    /// let abort = task.abort_handle();
    /// drop(task); // detached: its outcome would go to the group
    /// abort.abort(); // it still aborts the task
    /// assert_eq!(futures_executor::block_on(group.wait()), Ok(())); // not a failure of the group
    /// assert!(abort.is_finished());
    /// ```
    pub fn abort(&self) {
        self.link.abort();
    }

    /// Whether the task has ended.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let group = ErrGroup::<(), _>::inline();
    /// let task = group.handle().task().try_spawn_handle(async { Ok::<_, ()>(1) }).unwrap();
    /// let abort = task.abort_handle();
    /// assert!(!abort.is_finished()); // inline tasks run while the group is awaited
    /// futures_executor::block_on(group.wait()).unwrap();
    /// assert!(abort.is_finished());
    /// abort.abort(); // too late: does nothing
    /// assert_eq!(futures_executor::block_on(task).succeeded(), Some(1));
    /// ```
    pub fn is_finished(&self) -> bool {
        self.link.is_finished()
    }

    /// The task: its id and its name, if it has one.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::inline();
    /// let handle = group.handle().task().name("sync").try_spawn_handle(async { Ok::<_, ()>(()) }).unwrap();
    /// assert_eq!(handle.abort_handle().task().name(), Some("sync"));
    /// ```
    pub const fn task(&self) -> &TaskInfo {
        &self.task
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("task", &self.task)
            .field("finished", &self.link.is_finished())
            .finish()
    }
}
