//! A graceful shutdown, in one call: tell every task to stop, let them run for a grace
//! period on a runtime's [`Timer`], drop what is left, and report what happened to each.
//!
//! The group's state does the work ([`Shared::begin_shutdown`] and [`Shared::abort`]); this
//! module is the waiting form that drives it: a [`Shutdown`] future, started now
//! ([`ErrGroup::shutdown`]) or when a trigger fires ([`ErrGroup::shutdown_when`]), which
//! resolves with a [`ShutdownReport`].
//!
//! [`Shared::begin_shutdown`]: crate::shared::Shared::begin_shutdown
//! [`Shared::abort`]: crate::shared::Shared::abort

use alloc::vec::Vec;
use core::{
    fmt,
    future::Future,
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use pin_project_lite::pin_project;

use crate::{
    group::ErrGroup,
    id::TaskInfo,
    mode::{Mode, WithSpawner},
    outcome::Outcome,
    results::{Collect, Discard, Results},
    rt::Timer,
    shared::Shared,
    timeout::Deadline,
    token::CancelReason,
    wait::{Owner, Waiting},
};

/// One task in a [`ShutdownReport`]: which task, how it ended, and whether it was still
/// running when the graceful stop began.
///
/// # Examples
///
/// See also [`ErrGroup::shutdown`].
///
/// ```
/// use errgroup::{ErrGroup, Outcome, TaskReport};
/// # use core::time::Duration;
/// # #[derive(Clone, Copy)]
/// # struct Expired; // a timer whose sleeps have all ended
/// # impl errgroup::Timer for Expired {
/// #     type Instant = u64;
/// #     type Sleep = core::future::Ready<()>;
/// #     fn now(&self) -> u64 { 0 }
/// #     fn checked_add(&self, at: u64, d: Duration) -> Option<u64> {
/// #         at.checked_add(d.as_secs())
/// #     }
/// #     fn sleep_until(&self, _: u64) -> Self::Sleep { core::future::ready(()) }
/// # }
///
/// let mut group = ErrGroup::builder().collect().inline();
/// group.task().name("flush").try_spawn(async { Ok::<_, ()>("flushed") }).unwrap();
/// let report = futures_executor::block_on(group.shutdown_on(Expired, Duration::from_secs(5)));
/// let flush: &TaskReport<_, _> = &report.tasks[0];
/// assert_eq!(flush.task.name(), Some("flush"));
/// assert!(flush.in_flight); // it was running when the stop began,
/// assert!(matches!(flush.outcome, Outcome::Succeeded("flushed"))); // and finished in time
/// assert!(!flush.aborted());
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct TaskReport<T, E> {
    /// The task: its id, and its name if it has one. A task that ended before the stop
    /// began is named only if it failed (its error, panic or loss names it).
    pub task: TaskInfo,
    /// How it ended. A task dropped at the end of the grace period is
    /// [`Outcome::Cancelled`], for the reason the group was cancelled
    /// ([`CancelReason::Shutdown`] unless it was cancelled before the shutdown).
    pub outcome: Outcome<T, E>,
    /// Whether it was running when the graceful stop began: then its outcome says whether
    /// it stopped within the grace period (it finished, failed or panicked) or was
    /// aborted at its end (cancelled).
    pub in_flight: bool,
}

impl<T, E> TaskReport<T, E> {
    /// Whether the task was still running at the end of the grace period, and was dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    /// # use core::time::Duration;
    /// # #[derive(Clone, Copy)]
    /// # struct Expired; // a timer whose sleeps have all ended
    /// # impl errgroup::Timer for Expired {
    /// #     type Instant = u64;
    /// #     type Sleep = core::future::Ready<()>;
    /// #     fn now(&self) -> u64 { 0 }
    /// #     fn checked_add(&self, at: u64, d: Duration) -> Option<u64> {
    /// #         at.checked_add(d.as_secs())
    /// #     }
    /// #     fn sleep_until(&self, _: u64) -> Self::Sleep { core::future::ready(()) }
    /// # }
    ///
    /// let group = ErrGroup::<(), _>::builder().collect().inline();
    /// group.try_spawn(async { Ok(()) }).unwrap();
    /// group.try_spawn(std::future::pending()).unwrap(); // never finishes
    /// let report = futures_executor::block_on(group.shutdown_on(Expired, Duration::from_secs(5)));
    /// let aborted: Vec<bool> = report.tasks.iter().map(|task| task.aborted()).collect();
    /// assert_eq!(aborted, [false, true]);
    /// ```
    pub const fn aborted(&self) -> bool {
        self.in_flight && matches!(self.outcome, Outcome::Cancelled(_))
    }
}

/// What a graceful shutdown found: the group's tasks, in spawn order, each with its
/// outcome. What a [`Shutdown`] resolves to.
///
/// A collecting group ([`Collect`]) reports every task it ran. A discarding group
/// ([`Discard`], the default), which keeps no record of its tasks, reports the tasks in
/// flight when the stop began and every failure (the first error, and any later one kept);
/// a task that had finished before the stop is not there.
///
/// # Examples
///
/// See also [`ErrGroup::shutdown`].
///
/// ```
/// use errgroup::{CancelReason, ErrGroup, Outcome};
/// # use core::time::Duration;
/// # #[derive(Clone, Copy)]
/// # struct Expired; // a timer whose sleeps have all ended
/// # impl errgroup::Timer for Expired {
/// #     type Instant = u64;
/// #     type Sleep = core::future::Ready<()>;
/// #     fn now(&self) -> u64 { 0 }
/// #     fn checked_add(&self, at: u64, d: Duration) -> Option<u64> {
/// #         at.checked_add(d.as_secs())
/// #     }
/// #     fn sleep_until(&self, _: u64) -> Self::Sleep { core::future::ready(()) }
/// # }
///
/// let mut group = ErrGroup::builder().collect().inline();
/// group.try_spawn(async { Ok::<_, ()>(1) }).unwrap();
/// group.task().name("idle").try_spawn(std::future::pending()).unwrap();
/// let report = futures_executor::block_on(group.shutdown_on(Expired, Duration::from_secs(5)));
/// assert!(report.grace_expired); // a task was still running at its end
/// assert!(matches!(report.tasks[0].outcome, Outcome::Succeeded(1)));
/// assert_eq!(report.tasks[1].task.name(), Some("idle"));
/// assert!(matches!(report.tasks[1].outcome, Outcome::Cancelled(CancelReason::Shutdown)));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct ShutdownReport<T, E> {
    /// The tasks, in spawn order: every one the group ran if it collects its values;
    /// otherwise those in flight when the stop began, and those that failed.
    pub tasks: Vec<TaskReport<T, E>>,
    /// Whether the grace period ran out with tasks still running (they were dropped).
    pub grace_expired: bool,
}

impl<T, E> ShutdownReport<T, E> {
    /// The values gathered, each at its task's position: `None` for a task that did not
    /// succeed.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    /// # use core::time::Duration;
    /// # #[derive(Clone, Copy)]
    /// # struct Expired; // a timer whose sleeps have all ended
    /// # impl errgroup::Timer for Expired {
    /// #     type Instant = u64;
    /// #     type Sleep = core::future::Ready<()>;
    /// #     fn now(&self) -> u64 { 0 }
    /// #     fn checked_add(&self, at: u64, d: Duration) -> Option<u64> {
    /// #         at.checked_add(d.as_secs())
    /// #     }
    /// #     fn sleep_until(&self, _: u64) -> Self::Sleep { core::future::ready(()) }
    /// # }
    ///
    /// let group = ErrGroup::builder().collect().inline();
    /// group.try_spawn(async { Ok::<u32, ()>(1) }).unwrap();
    /// group.try_spawn(std::future::pending()).unwrap(); // never finishes
    /// group.try_spawn(async { Ok(3) }).unwrap();
    /// let report = futures_executor::block_on(group.shutdown_on(Expired, Duration::from_secs(5)));
    /// assert_eq!(report.into_values(), [Some(1), None, Some(3)]);
    /// ```
    pub fn into_values(self) -> Vec<Option<T>> {
        self.tasks.into_iter().map(|task| task.outcome.succeeded()).collect()
    }

    /// The tasks dropped at the end of the grace period.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    /// # use core::time::Duration;
    /// # #[derive(Clone, Copy)]
    /// # struct Expired; // a timer whose sleeps have all ended
    /// # impl errgroup::Timer for Expired {
    /// #     type Instant = u64;
    /// #     type Sleep = core::future::Ready<()>;
    /// #     fn now(&self) -> u64 { 0 }
    /// #     fn checked_add(&self, at: u64, d: Duration) -> Option<u64> {
    /// #         at.checked_add(d.as_secs())
    /// #     }
    /// #     fn sleep_until(&self, _: u64) -> Self::Sleep { core::future::ready(()) }
    /// # }
    ///
    /// let mut group = ErrGroup::<(), _>::builder().collect().inline();
    /// group.task().name("flush").try_spawn(async { Ok(()) }).unwrap();
    /// group.task().name("idle").try_spawn(std::future::pending()).unwrap();
    /// let report = futures_executor::block_on(group.shutdown_on(Expired, Duration::from_secs(5)));
    /// let aborted: Vec<_> = report.aborted().map(|task| task.name()).collect();
    /// assert_eq!(aborted, [Some("idle")]);
    /// ```
    pub fn aborted(&self) -> impl Iterator<Item = &TaskInfo> {
        self.tasks.iter().filter(|task| task.aborted()).map(|task| &task.task)
    }
}

/// The results of a group that a shutdown can report on: [`Collect`] (every task, in
/// spawn order) and [`Discard`] (the tasks in flight when the stop began, and every
/// failure: such a group keeps no record of the tasks that had finished). Sealed, with
/// [`Results`]; `pub` only so that the shutdown methods' bounds can name it.
///
/// # Examples
///
/// ```
/// use errgroup::{Collect, Discard, Reported};
///
/// fn can_shut_down<R: Reported>() {}
/// can_shut_down::<Discard>();
/// can_shut_down::<Collect<u32>>();
/// // Not a race (`FirstOk`): its first success ends it.
/// ```
pub trait Reported: Results + Sized {
    #[doc(hidden)]
    /// The report of a finished group.
    fn report<E>(shared: &Shared<E, Self>, grace_expired: bool) -> ShutdownReport<Self::Value, E>;
}

impl<T> Reported for Collect<T> {
    fn report<E>(shared: &Shared<E, Self>, grace_expired: bool) -> ShutdownReport<T, E> {
        let (stopped, _) = shared.stopped();
        let mut in_flight = stopped.into_iter().peekable();
        let tasks = shared
            .outcomes()
            .into_iter()
            .map(|(task, outcome)| {
                let stopped = in_flight.next_if(|stopped| stopped.id() == task.id());
                let in_flight = stopped.is_some();
                TaskReport { task: stopped.unwrap_or(task), outcome, in_flight }
            })
            .collect();
        ShutdownReport { tasks, grace_expired }
    }
}

impl Reported for Discard {
    fn report<E>(shared: &Shared<E, Self>, grace_expired: bool) -> ShutdownReport<(), E> {
        let (stopped, cancelled) = shared.stopped();
        let reason = shared.token.reason().unwrap_or(CancelReason::Explicit);
        let mut in_flight = stopped.into_iter().peekable();
        let mut failures = shared.failures().into_iter().peekable();
        let mut tasks = Vec::new();
        // Both in spawn order: merged, a task in both once (in flight, with its failure).
        loop {
            let next_failure = failures.peek().map(|(task, _)| task.id().index());
            let next_in_flight = in_flight.peek().map(|task| task.id().index());
            let report = match (next_in_flight, next_failure) {
                (None, None) => break,
                (Some(stopped), failed) if failed.is_none_or(|failed| stopped <= failed) => {
                    let task = in_flight.next().expect("peeked");
                    let outcome = if failed == Some(stopped) {
                        failures.next().expect("peeked").1
                    } else if cancelled.binary_search(&stopped).is_ok() {
                        Outcome::Cancelled(reason)
                    } else {
                        Outcome::Succeeded(())
                    };
                    TaskReport { task, outcome, in_flight: true }
                }
                _ => {
                    let (task, outcome) = failures.next().expect("peeked");
                    TaskReport { task, outcome, in_flight: false }
                }
            };
            tasks.push(report);
        }
        ShutdownReport { tasks, grace_expired }
    }
}

pin_project! {
    /// A group's graceful shutdown: returned by [`ErrGroup::shutdown`],
    /// [`ErrGroup::shutdown_on`], [`ErrGroup::shutdown_when`] and
    /// [`ErrGroup::shutdown_when_on`].
    ///
    /// # Examples
    ///
    /// See also [`ErrGroup::shutdown`].
    ///
    /// ```
    /// use errgroup::ErrGroup;
    /// # use core::time::Duration;
    /// # #[derive(Clone, Copy)]
    /// # struct Expired; // a timer whose sleeps have all ended
    /// # impl errgroup::Timer for Expired {
    /// #     type Instant = u64;
    /// #     type Sleep = core::future::Ready<()>;
    /// #     fn now(&self) -> u64 { 0 }
    /// #     fn checked_add(&self, at: u64, d: Duration) -> Option<u64> {
    /// #         at.checked_add(d.as_secs())
    /// #     }
    /// #     fn sleep_until(&self, _: u64) -> Self::Sleep { core::future::ready(()) }
    /// # }
    ///
    /// let group = ErrGroup::<(), _>::inline();
    /// group.try_spawn(std::future::pending()).unwrap(); // never finishes
    /// let shutdown = group.shutdown_on(Expired, Duration::from_secs(5)); // the stop begins here
    /// let report = futures_executor::block_on(shutdown);
    /// assert_eq!(report.aborted().count(), 1);
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping it drops the group: the grace period ends there, and every task left is
    /// dropped (see [`Shield`](crate::Shield) for a task on an executor).
    #[must_use = "futures do nothing unless awaited"]
    pub struct Shutdown<E, M: Mode, R: Results, G, Tm: Timer> {
        waiting: Waiting<E, M, R>,
        // The trigger, until it fires; `None` once the stop has begun.
        #[pin]
        trigger: Option<G>,
        timer: Tm,
        grace: Duration,
        // The end of the grace period, once the stop has begun.
        #[pin]
        deadline: Option<Deadline<Tm::Sleep>>,
        grace_expired: bool,
    }
}

impl<E, M: Mode, R: Results, G, Tm: Timer> Shutdown<E, M, R, G, Tm> {
    fn new(group: Owner<E, M, R>, trigger: Option<G>, timer: Tm, grace: Duration) -> Self {
        let waiting = Waiting::new(group);
        // Started now, the clock starts at the call.
        let deadline = trigger.is_none().then(|| begin(&waiting, &timer, grace));
        Self { waiting, trigger, timer, grace, deadline, grace_expired: false }
    }
}

/// Starts the stop (unless a failure has, under `Policy::FailGracefully`), and returns the
/// end of its grace period.
fn begin<E, M: Mode, R: Results, Tm: Timer>(
    waiting: &Waiting<E, M, R>,
    timer: &Tm,
    grace: Duration,
) -> Deadline<Tm::Sleep> {
    if let Some(shared) = waiting.shared() {
        if !shared.in_grace() {
            shared.trace.shutting_down(shared.state.load().active());
            shared.begin_shutdown(CancelReason::Shutdown);
        }
    }
    Deadline::after(timer, grace)
}

/// Terminated once it has returned its report.
impl<E, M: Mode, R: Reported, G: Future, Tm: Timer> futures_core::FusedFuture
    for Shutdown<E, M, R, G, Tm>
{
    fn is_terminated(&self) -> bool {
        self.waiting.is_done()
    }
}

impl<E, M: Mode, R: Reported, G: Future, Tm: Timer> Future for Shutdown<E, M, R, G, Tm> {
    type Output = ShutdownReport<R::Value, E>;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            if let Poll::Ready(group) = this.waiting.poll(cx) {
                return Poll::Ready(R::report(group.shared(), *this.grace_expired));
            }
            if let Some(deadline) = this.deadline.as_mut().as_pin_mut() {
                if *this.grace_expired || deadline.poll(cx).is_pending() {
                    return Poll::Pending;
                }
                // The grace period is over: the tasks left go now.
                *this.grace_expired = true;
                if let Some(shared) = this.waiting.shared() {
                    shared.trace.grace_expired(shared.state.load().active());
                    shared.abort(CancelReason::Shutdown);
                }
                continue;
            }
            let triggered = this
                .trigger
                .as_mut()
                .as_pin_mut()
                .is_some_and(|trigger| trigger.poll(cx).is_ready());
            let failed = this.waiting.shared().is_some_and(Shared::in_grace);
            if !triggered && !failed {
                return Poll::Pending;
            }
            this.trigger.set(None);
            this.deadline.set(Some(begin(this.waiting, this.timer, *this.grace)));
        }
    }
}

impl<E, M: Mode, R: Results, G, Tm: Timer> fmt::Debug for Shutdown<E, M, R, G, Tm> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shutdown")
            .field("group", &self.waiting)
            .field("stopping", &self.deadline.is_some())
            .field("grace", &self.grace)
            .field("grace_expired", &self.grace_expired)
            .finish()
    }
}

/// The trigger of a shutdown that starts at once ([`ErrGroup::shutdown`],
/// [`ErrGroup::shutdown_on`]): none.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use errgroup::{Discard, ErrGroup, Inline, Timer, future::{Deadline, Now, Shutdown}};
///
/// # #[allow(dead_code)]
/// fn stop<'a, T: Timer>(group: ErrGroup<(), Inline<'a>>, timer: T) -> Shutdown<(), Inline<'a>, Discard, Now, T> {
///     group.shutdown_on(timer, Duration::from_secs(5))
/// }
/// # let _ = core::marker::PhantomData::<Deadline<()>>;
/// ```
pub type Now = core::future::Ready<()>;

impl<E, M: Mode, R: Reported> ErrGroup<E, M, R> {
    /// Shuts the group down gracefully, on `timer`: [`shutdown`](Self::shutdown) for a
    /// group of any mode, an inline one included.
    ///
    /// # Examples
    ///
    /// See also [`shutdown`](Self::shutdown), and [`Timer`] for a timer of one's own.
    ///
    /// ```
    /// use errgroup::ErrGroup;
    /// # use core::time::Duration;
    /// # #[derive(Clone, Copy)]
    /// # struct Expired; // a timer whose sleeps have all ended
    /// # impl errgroup::Timer for Expired {
    /// #     type Instant = u64;
    /// #     type Sleep = core::future::Ready<()>;
    /// #     fn now(&self) -> u64 { 0 }
    /// #     fn checked_add(&self, at: u64, d: Duration) -> Option<u64> {
    /// #         at.checked_add(d.as_secs())
    /// #     }
    /// #     fn sleep_until(&self, _: u64) -> Self::Sleep { core::future::ready(()) }
    /// # }
    ///
    /// // `Expired` is a timer whose sleeps have all ended: the grace period is over as soon as
    /// // the tasks have been told to stop.
    /// let group = ErrGroup::builder().collect().inline();
    /// let token = group.token();
    /// group.try_spawn(async move {
    ///     token.cancelled().await; // told to stop: finishes its work
    ///     Ok::<_, ()>("flushed")
    /// }).unwrap();
    /// group.try_spawn(std::future::pending()).unwrap(); // never finishes
    /// let shutdown = group.shutdown_on(Expired, Duration::from_secs(30));
    /// let report = futures_executor::block_on(shutdown);
    /// assert!(report.grace_expired);
    /// assert_eq!(report.into_values(), [Some("flushed"), None]);
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, and every task left (see [`Shutdown`]).
    pub fn shutdown_on<Tm: Timer>(self, timer: Tm, grace: Duration) -> Shutdown<E, M, R, Now, Tm> {
        Shutdown::new(self.owner, None, timer, grace)
    }

    /// Waits for the group like [`wait_outcomes`](Self::wait_outcomes) until `trigger`
    /// completes (a ctrl-c, a message), then shuts it down gracefully as
    /// [`shutdown`](Self::shutdown) does, with a grace period of `grace` on `timer` from
    /// then: [`shutdown_when`](Self::shutdown_when) for a group of any mode. Under [`Policy::FailGracefully`](crate::Policy::FailGracefully) a task's
    /// failure starts the same stop, and its grace period. A group that finishes first
    /// resolves without a stop.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use errgroup::{ErrGroup, Policy, Timer};
    /// # #[derive(Clone, Copy)]
    /// # struct Expired;
    /// # impl Timer for Expired {
    /// #     type Instant = u64;
    /// #     type Sleep = core::future::Ready<()>;
    /// #     fn now(&self) -> u64 { 0 }
    /// #     fn checked_add(&self, i: u64, d: Duration) -> Option<u64> { i.checked_add(d.as_secs()) }
    /// #     fn sleep_until(&self, _: u64) -> Self::Sleep { core::future::ready(()) }
    /// # }
    ///
    /// // `Expired` is a timer whose sleeps end at once: no grace at all.
    /// let mut group = ErrGroup::builder().policy(Policy::FailGracefully).collect().inline();
    /// group.task().name("server").try_spawn(std::future::pending::<Result<(), &str>>()).unwrap();
    /// group.task().name("config").try_spawn(async { Err("bad config") }).unwrap();
    /// let ctrl_c = std::future::pending::<()>(); // never pressed
    /// let report = futures_executor::block_on(group.shutdown_when_on(ctrl_c, Expired, Duration::from_secs(5)));
    /// let aborted: Vec<_> = report.aborted().map(|task| task.name()).collect();
    /// assert_eq!(aborted, [Some("server")]);
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, and every task left (see [`Shutdown`]).
    pub fn shutdown_when_on<G: Future, Tm: Timer>(
        self,
        trigger: G,
        timer: Tm,
        grace: Duration,
    ) -> Shutdown<E, M, R, G, Tm> {
        Shutdown::new(self.owner, Some(trigger), timer, grace)
    }
}

impl<E, M, R> ErrGroup<E, M, R>
where
    M: WithSpawner,
    R: Reported,
    M::Spawner: Timer + Clone,
{
    /// Shuts the group down gracefully: tells every task to stop, lets them run for
    /// `grace` on the timer of the group's runtime, drops what is left, and reports what
    /// happened to each task.
    ///
    /// 1. At this call the group's token is cancelled ([`CancelReason::Shutdown`]): no task
    ///    starts any more, and cooperative code sees it (`token.cancelled()`,
    ///    [`run_until_cancelled`](crate::CancelToken::run_until_cancelled)). Unlike any
    ///    other cancellation, **no task is dropped yet**, whatever its mode.
    /// 2. The tasks run for the grace period. Those that finish in it report their
    ///    outcome as usual.
    /// 3. At its end, every task left is dropped, shielded ([`Shield`](crate::Shield)),
    ///    signalled or cooperative alike, and reported
    ///    [`Outcome::Cancelled`]`(`[`CancelReason::Shutdown`]`)`.
    ///
    /// The [`ShutdownReport`] lists the tasks in spawn order, with their ids, names and
    /// [`Outcome`]s, and marks the ones that were running when the stop began: every task
    /// of a collecting group; for a discarding one (`errgroup_tokio::group()`, say), which
    /// keeps no record of its finished tasks, those in flight and those that failed. What
    /// a waiting form cannot bound, this cannot either: a task blocking inside its
    /// `poll`, or one on an executor nobody runs. A group already cancelled (a fail-fast
    /// failure) has its tasks dropped as that cancellation said.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use errgroup::{CancelReason, ErrGroup, Outcome, Spawn, SpawnError, Timer};
    /// # use std::{sync::Mutex, thread::JoinHandle};
    /// # // Every thread is joined before the example ends (Miri checks that none is left).
    /// # static THREADS: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());
    /// # fn thread(work: impl FnOnce() + Send + 'static) {
    /// #     THREADS.lock().unwrap().push(std::thread::spawn(work));
    /// # }
    /// # #[derive(Clone, Copy)]
    /// # struct Pool;
    /// # impl Spawn for Pool {
    /// #     fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) -> Result<(), SpawnError> {
    /// #         thread(move || futures_executor::block_on(task));
    /// #         Ok(())
    /// #     }
    /// # }
    /// # impl Timer for Pool {
    /// #     type Instant = std::time::Instant;
    /// #     type Sleep = futures_util::future::Map<futures_channel::oneshot::Receiver<()>, fn(Result<(), futures_channel::oneshot::Canceled>)>;
    /// #     fn now(&self) -> Self::Instant { std::time::Instant::now() }
    /// #     fn checked_add(&self, i: Self::Instant, d: Duration) -> Option<Self::Instant> { i.checked_add(d) }
    /// #     fn sleep_until(&self, at: Self::Instant) -> Self::Sleep {
    /// #         use futures_util::FutureExt;
    /// #         let (send, receive) = futures_channel::oneshot::channel();
    /// #         thread(move || { std::thread::sleep(at.saturating_duration_since(std::time::Instant::now())); let _ = send.send(()); });
    /// #         receive.map(drop as fn(_))
    /// #     }
    /// # }
    ///
    /// // `Pool` spawns tasks and is a `Timer` (the adapter crates' spawners are both).
    /// let group = ErrGroup::<(), _>::builder().collect().spawner(Pool);
    /// let token = group.token().clone();
    /// group.task().name("flush").try_spawn(async move {
    ///     token.cancelled().await; // told to stop: finishes its work
    ///     Ok("flushed")
    /// }).unwrap();
    /// group.task().name("idle").try_spawn(std::future::pending()).unwrap();
    ///
    /// let report = futures_executor::block_on(group.shutdown(Duration::from_millis(50)));
    /// assert!(report.grace_expired);
    /// assert!(matches!(report.tasks[0].outcome, Outcome::Succeeded("flushed")));
    /// assert!(matches!(report.tasks[1].outcome, Outcome::Cancelled(CancelReason::Shutdown)));
    /// assert_eq!(report.aborted().map(|task| task.name()).collect::<Vec<_>>(), [Some("idle")]);
    /// assert_eq!(report.into_values(), [Some("flushed"), None]);
    /// # for thread in std::mem::take(&mut *THREADS.lock().unwrap()) { thread.join().unwrap(); }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, and every task left (see [`Shutdown`]).
    pub fn shutdown(self, grace: Duration) -> Shutdown<E, M, R, Now, M::Spawner> {
        let timer = self.owner.handle.mode.spawner().clone();
        Shutdown::new(self.owner, None, timer, grace)
    }

    /// Waits for the group like [`wait_outcomes`](Self::wait_outcomes) until `trigger`
    /// completes (a ctrl-c, a message), then shuts it down gracefully as
    /// [`shutdown`](Self::shutdown) does, with a grace period of `grace` on the timer of
    /// the group's runtime from then. Under
    /// [`Policy::FailGracefully`](crate::Policy::FailGracefully) a task's failure starts
    /// the same stop, and its grace period. A group that finishes first resolves without
    /// a stop.
    ///
    /// # Examples
    ///
    /// See also [`shutdown_when_on`](Self::shutdown_when_on), which takes the timer.
    ///
    /// ```
    /// use errgroup::ErrGroup;
    /// # use core::time::Duration;
    /// # use futures_executor::{LocalPool, LocalSpawner};
    /// # use futures_util::task::SpawnExt;
    /// # #[derive(Clone)]
    /// # struct Local(LocalSpawner); // spawns on a `LocalPool`; its sleeps have all ended
    /// # impl errgroup::Spawn for Local {
    /// #     fn spawn<F>(&self, task: F) -> Result<(), errgroup::SpawnError>
    /// #     where
    /// #         F: Future<Output = ()> + Send + 'static,
    /// #     {
    /// #         self.0.spawn(task).map_err(|_| errgroup::SpawnError::shutdown())
    /// #     }
    /// # }
    /// # impl errgroup::Timer for Local {
    /// #     type Instant = u64;
    /// #     type Sleep = core::future::Ready<()>;
    /// #     fn now(&self) -> u64 { 0 }
    /// #     fn checked_add(&self, at: u64, d: Duration) -> Option<u64> {
    /// #         at.checked_add(d.as_secs())
    /// #     }
    /// #     fn sleep_until(&self, _: u64) -> Self::Sleep { core::future::ready(()) }
    /// # }
    ///
    /// // `Local` spawns on a `LocalPool`, and is a `Timer` whose sleeps have all ended (the
    /// // adapter crates' spawners are timers too).
    /// let mut pool = LocalPool::new();
    /// let group = ErrGroup::builder().collect().spawner(Local(pool.spawner()));
    /// group.try_spawn(async { Ok::<_, ()>("loaded") }).unwrap();
    /// group.task().name("server").try_spawn(std::future::pending()).unwrap();
    /// pool.run_until_stalled(); // the tasks run...
    /// let (ctrl_c, pressed) = futures_channel::oneshot::channel::<()>();
    /// ctrl_c.send(()).unwrap(); // ...until ctrl-c is pressed
    /// let report = pool.run_until(group.shutdown_when(pressed, Duration::from_secs(5)));
    /// let aborted: Vec<_> = report.aborted().map(|task| task.name()).collect();
    /// assert_eq!(aborted, [Some("server")]);
    /// assert_eq!(report.into_values(), [Some("loaded"), None]);
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, and every task left (see [`Shutdown`]).
    pub fn shutdown_when<G: Future>(
        self,
        trigger: G,
        grace: Duration,
    ) -> Shutdown<E, M, R, G, M::Spawner> {
        let timer = self.owner.handle.mode.spawner().clone();
        Shutdown::new(self.owner, Some(trigger), timer, grace)
    }
}
