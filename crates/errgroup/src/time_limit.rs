//! Per-task time limits: [`TaskBuilder::time_limit`] (and `time_limit_on` a given
//! [`Timer`]) wraps a task in [`TimeLimit`], which fails it with [`Elapsed`] once it runs
//! past its limit. Written once over the runtime's [`Timer`], so it works on every
//! runtime, and in inline groups.

use core::{
    fmt,
    future::Future,
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use pin_project_lite::pin_project;

use crate::{
    error::Rejected,
    group::ErrGroup,
    handle::{GroupHandle, Spawning, TaskBuilder},
    id::{Label, TaskId},
    mode::{Inline, InlineTasks, Launch, Mode, WithSpawner},
    results::Results,
    rt::Timer,
    wait::InlineSpawning,
};

/// A task ran past its time limit ([`TaskBuilder::time_limit`]): the error it fails with,
/// through the group's error type's `From<Elapsed>` (`anyhow::Error` has one). Under
/// [`Policy::FailFast`](crate::Policy::FailFast) it cancels the group, as any failure does;
/// the task's id and name come with it wherever its error goes (`wait_all`,
/// `wait_outcomes`, the group's cause).
///
/// # Examples
///
/// See also [`TaskBuilder::time_limit_on`].
///
/// ```
/// use errgroup::{Elapsed, ErrGroup};
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
/// // `Expired` is a timer whose sleeps have all ended: every limit has passed.
/// let mut group = ErrGroup::<anyhow::Error, _>::inline();
/// let task = group.task().time_limit_on(Expired, Duration::from_secs(2));
/// task.try_spawn(std::future::pending()).unwrap(); // never finishes
/// let error = futures_executor::block_on(group.wait()).unwrap_err();
/// assert_eq!(error.to_string(), "the task ran past its time limit of 2s");
/// assert_eq!(error.downcast_ref::<Elapsed>().map(Elapsed::limit), Some(Duration::from_secs(2)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Elapsed {
    limit: Duration,
}

impl Elapsed {
    /// The limit the task ran past.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{Elapsed, ErrGroup};
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
    /// // `Expired` is a timer whose sleeps have all ended: every limit has passed.
    /// let mut group = ErrGroup::<Elapsed, _>::inline();
    /// let task = group.task().time_limit_on(Expired, Duration::from_millis(250));
    /// task.try_spawn(std::future::pending()).unwrap(); // never finishes
    /// let elapsed = futures_executor::block_on(group.wait()).unwrap_err();
    /// assert_eq!(elapsed.limit(), Duration::from_millis(250));
    /// ```
    pub const fn limit(&self) -> Duration {
        self.limit
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the task ran past its time limit of {:?}", self.limit)
    }
}

impl core::error::Error for Elapsed {}

pin_project! {
    /// A task with a time limit: the task's future, and a timer started at its first poll.
    /// Made by [`TaskBuilder::time_limit`]'s spawns; its output is the task's, or
    /// `Err(E::from(Elapsed))` once the limit has passed (the task's future is dropped with
    /// it, when the group drops the finished task).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{Elapsed, ErrGroup, future::TimeLimit};
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
    /// let mut group = ErrGroup::<Elapsed, _>::inline();
    /// group.cancel(); // refuses new tasks
    /// let task = group.task().time_limit_on(Expired, Duration::from_secs(1));
    /// let rejected = task.try_spawn(std::future::pending()).unwrap_err();
    /// // The refused task comes back in its `TimeLimit`, a future that keeps the limit.
    /// let limited: TimeLimit<_, Expired> = rejected.into_future().unwrap();
    /// let elapsed = futures_executor::block_on(limited).unwrap_err();
    /// assert_eq!(elapsed.limit(), Duration::from_secs(1));
    /// ```
    #[must_use = "futures do nothing unless polled"]
    pub struct TimeLimit<F, T: Timer> {
        #[pin]
        future: F,
        timer: T,
        limit: Duration,
        // Set at the first poll: a spawn that waited for a slot does not count that wait.
        #[pin]
        sleep: Option<T::Sleep>,
        // The limit is past what the timer's clock can represent: no limit.
        unbounded: bool,
    }
}

impl<F, T: Timer> TimeLimit<F, T> {
    fn new(future: F, timer: T, limit: Duration) -> Self {
        Self { future, timer, limit, sleep: None, unbounded: false }
    }
}

impl<F, T, V, E> Future for TimeLimit<F, T>
where
    F: Future<Output = Result<V, E>>,
    T: Timer,
    E: From<Elapsed>,
{
    type Output = Result<V, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<V, E>> {
        let mut this = self.project();
        if this.sleep.is_none() && !*this.unbounded {
            match this.timer.checked_add(this.timer.now(), *this.limit) {
                Some(deadline) => this.sleep.set(Some(this.timer.sleep_until(deadline))),
                None => *this.unbounded = true,
            }
        }
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(output);
        }
        let expired = this.sleep.as_pin_mut().is_some_and(|sleep| sleep.poll(cx).is_ready());
        if expired {
            return Poll::Ready(Err(E::from(Elapsed { limit: *this.limit })));
        }
        Poll::Pending
    }
}

impl<F, T: Timer> fmt::Debug for TimeLimit<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeLimit")
            .field("limit", &self.limit)
            .field("started", &self.sleep.is_some())
            .finish_non_exhaustive()
    }
}

/// A task about to be spawned with a time limit: made by [`TaskBuilder::time_limit`] or
/// [`TaskBuilder::time_limit_on`]. Its spawns wrap the task in a [`TimeLimit`].
///
/// # Examples
///
/// ```
/// use errgroup::{Elapsed, ErrGroup, LimitedTask};
/// # use core::time::Duration;
/// # #[derive(Clone, Copy)]
/// # struct Frozen; // a timer whose sleeps never end
/// # impl errgroup::Timer for Frozen {
/// #     type Instant = u64;
/// #     type Sleep = core::future::Pending<()>;
/// #     fn now(&self) -> u64 { 0 }
/// #     fn checked_add(&self, at: u64, d: Duration) -> Option<u64> {
/// #         at.checked_add(d.as_secs())
/// #     }
/// #     fn sleep_until(&self, _: u64) -> Self::Sleep { core::future::pending() }
/// # }
///
/// // `Frozen` is a timer whose sleeps never end: no limit is ever reached.
/// let mut group = ErrGroup::<Elapsed, _>::builder().collect().inline();
/// let limit = Duration::from_secs(5);
/// let task: LimitedTask<_, _, Frozen> = group.task().time_limit_on(Frozen, limit);
/// task.try_spawn(async { Ok("pong") }).unwrap();
/// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec!["pong"]));
/// ```
#[must_use = "a task builder spawns nothing until `try_spawn` or `spawn` is called"]
pub struct LimitedTask<G, L: Label, T> {
    builder: TaskBuilder<G, L>,
    timer: T,
    limit: Duration,
}

impl<G, L: Label> TaskBuilder<G, L> {
    /// Gives the task a time limit on `timer`: if it has not finished `limit` after its
    /// first poll, it fails with [`Elapsed`] (converted into the group's error type) and is
    /// dropped. Time spent waiting for a slot does not count. For a group on an adapter's
    /// spawner, [`time_limit`](Self::time_limit) takes the spawner's timer.
    ///
    /// # Examples
    ///
    /// An inline group, on a timer of the caller's (here, one whose sleeps never end, and
    /// one whose sleeps end at once):
    ///
    /// ```
    /// # use core::{future::{Ready, Pending}, time::Duration};
    /// use errgroup::{Elapsed, ErrGroup, Outcome, Policy};
    ///
    /// # #[derive(Clone)]
    /// # struct Frozen; // its sleeps never end
    /// # impl errgroup::Timer for Frozen {
    /// #     type Instant = u64;
    /// #     type Sleep = Pending<()>;
    /// #     fn now(&self) -> u64 { 0 }
    /// #     fn checked_add(&self, at: u64, d: Duration) -> Option<u64> {
    /// #         at.checked_add(d.as_secs())
    /// #     }
    /// #     fn sleep_until(&self, _: u64) -> Pending<()> { core::future::pending() }
    /// # }
    /// # #[derive(Clone)]
    /// # struct Expired; // its sleeps end at once
    /// # impl errgroup::Timer for Expired {
    /// #     type Instant = u64;
    /// #     type Sleep = Ready<()>;
    /// #     fn now(&self) -> u64 { 0 }
    /// #     fn checked_add(&self, at: u64, d: Duration) -> Option<u64> {
    /// #         at.checked_add(d.as_secs())
    /// #     }
    /// #     fn sleep_until(&self, _: u64) -> Ready<()> { core::future::ready(()) }
    /// # }
    /// #[derive(Debug, PartialEq)]
    /// enum Error { Elapsed(Elapsed), Failed }
    ///
    /// impl From<Elapsed> for Error {
    ///     fn from(elapsed: Elapsed) -> Self { Error::Elapsed(elapsed) }
    /// }
    ///
    /// let mut group = ErrGroup::builder().policy(Policy::CollectAll).collect().inline();
    /// let limit = Duration::from_secs(1);
    /// group.task().time_limit_on(Frozen, limit).try_spawn(async { Ok(1) }).unwrap();
    /// group.task().time_limit_on(Expired, limit).try_spawn(std::future::pending()).unwrap();
    /// group.task().time_limit_on(Frozen, limit).try_spawn(async { Err(Error::Failed) }).unwrap();
    /// let outcomes = futures_executor::block_on(group.wait_outcomes());
    /// assert!(matches!(outcomes[0].1, Outcome::Succeeded(1)));
    /// // The overrun, told apart from the task's own failure.
    /// let Outcome::Failed(Error::Elapsed(elapsed)) = &outcomes[1].1 else { panic!() };
    /// assert_eq!(elapsed.limit(), limit);
    /// assert_eq!(elapsed.to_string(), "the task ran past its time limit of 1s");
    /// assert!(matches!(outcomes[2].1, Outcome::Failed(Error::Failed)));
    /// ```
    pub fn time_limit_on<T: Timer>(self, timer: T, limit: Duration) -> LimitedTask<G, L, T> {
        LimitedTask { builder: self, timer, limit }
    }
}

impl<'h, E, M, R, L> TaskBuilder<&'h GroupHandle<E, M, R>, L>
where
    M: WithSpawner,
    M::Spawner: Timer + Clone,
    R: Results,
    L: Label,
{
    /// Gives the task a time limit on the group's spawner's timer (the adapters' spawners
    /// are timers), as [`time_limit_on`](Self::time_limit_on) does.
    ///
    /// # Examples
    ///
    /// See also [`time_limit_on`](Self::time_limit_on); errgroup-tokio's crate docs have one on
    /// a runtime.
    ///
    /// ```
    /// use errgroup::{Elapsed, ErrGroup};
    /// use futures_executor::ThreadPool;
    /// # use core::time::Duration;
    /// # #[derive(Clone)]
    /// # struct Pool(ThreadPool); // spawns on a thread pool; its sleeps have all ended
    /// # impl errgroup::Spawn for Pool {
    /// #     fn spawn<F>(&self, task: F) -> Result<(), errgroup::SpawnError>
    /// #     where
    /// #         F: Future<Output = ()> + Send + 'static,
    /// #     {
    /// #         self.0.spawn_ok(task);
    /// #         Ok(())
    /// #     }
    /// # }
    /// # impl errgroup::Timer for Pool {
    /// #     type Instant = u64;
    /// #     type Sleep = core::future::Ready<()>;
    /// #     fn now(&self) -> u64 { 0 }
    /// #     fn checked_add(&self, at: u64, d: Duration) -> Option<u64> {
    /// #         at.checked_add(d.as_secs())
    /// #     }
    /// #     fn sleep_until(&self, _: u64) -> Self::Sleep { core::future::ready(()) }
    /// # }
    ///
    /// // `Pool` spawns on a thread pool, and is a `Timer` whose sleeps have all ended: every
    /// // limit has passed.
    /// let group = ErrGroup::new(Pool(ThreadPool::new().unwrap()));
    /// let limit = Duration::from_secs(1);
    /// group.task().time_limit(limit).try_spawn(std::future::pending()).unwrap(); // never finishes
    /// let elapsed: Elapsed = futures_executor::block_on(group.wait()).unwrap_err();
    /// assert_eq!(elapsed.limit(), limit);
    /// ```
    pub fn time_limit(
        self,
        limit: Duration,
    ) -> LimitedTask<&'h GroupHandle<E, M, R>, L, M::Spawner> {
        let (group, label) = self.into_parts();
        let timer = group.mode().spawner().clone();
        TaskBuilder::labelled(group, label).time_limit_on(timer, limit)
    }
}

impl<'h, E, M: Mode, R: Results, L: Label, T: Timer> LimitedTask<&'h GroupHandle<E, M, R>, L, T> {
    /// Spawns `future` as the task, with its time limit, as [`TaskBuilder::try_spawn`]
    /// does.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{Elapsed, ErrGroup};
    /// # use core::time::Duration;
    /// # #[derive(Clone, Copy)]
    /// # struct Frozen; // a timer whose sleeps never end
    /// # impl errgroup::Timer for Frozen {
    /// #     type Instant = u64;
    /// #     type Sleep = core::future::Pending<()>;
    /// #     fn now(&self) -> u64 { 0 }
    /// #     fn checked_add(&self, at: u64, d: Duration) -> Option<u64> {
    /// #         at.checked_add(d.as_secs())
    /// #     }
    /// #     fn sleep_until(&self, _: u64) -> Self::Sleep { core::future::pending() }
    /// # }
    ///
    /// // `Frozen` is a timer whose sleeps never end: no limit is ever reached.
    /// let group = ErrGroup::<Elapsed, _>::builder().collect().inline();
    /// let handle = group.handle();
    /// let limited = handle.task().time_limit_on(Frozen, Duration::from_secs(5));
    /// let id = limited.try_spawn(async { Ok(1) }).unwrap();
    /// assert_eq!(id.index(), 0);
    /// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![1]));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GroupHandle::try_spawn`]: the task comes back in its [`TimeLimit`].
    pub fn try_spawn<F>(self, future: F) -> Result<TaskId, Rejected<TimeLimit<F, T>>>
    where
        F: Future<Output = Result<R::Value, E>>,
        E: From<Elapsed>,
        M: Launch<TimeLimit<F, T>, E, R>,
    {
        self.builder.try_spawn(TimeLimit::new(future, self.timer, self.limit))
    }

    /// Spawns `future` as the task, with its time limit, waiting for a free slot as
    /// [`TaskBuilder::spawn`] does (the wait does not count against the limit).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{Elapsed, ErrGroup};
    /// # use core::time::Duration;
    /// # #[derive(Clone, Copy)]
    /// # struct Frozen; // a timer whose sleeps never end
    /// # impl errgroup::Timer for Frozen {
    /// #     type Instant = u64;
    /// #     type Sleep = core::future::Pending<()>;
    /// #     fn now(&self) -> u64 { 0 }
    /// #     fn checked_add(&self, at: u64, d: Duration) -> Option<u64> {
    /// #         at.checked_add(d.as_secs())
    /// #     }
    /// #     fn sleep_until(&self, _: u64) -> Self::Sleep { core::future::pending() }
    /// # }
    ///
    /// // `Frozen` is a timer whose sleeps never end: no limit is ever reached.
    /// # futures_executor::block_on(async {
    /// let group = ErrGroup::<Elapsed, _>::builder().collect().inline();
    /// let handle = group.handle();
    /// let limited = handle.task().time_limit_on(Frozen, Duration::from_secs(5));
    /// limited.spawn(async { Ok(2) }).await.unwrap();
    /// assert_eq!(group.await, Ok(vec![2]));
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GroupHandle::spawn`].
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> Spawning<'h, E, M, R, TimeLimit<F, T>, L>
    where
        F: Future<Output = Result<R::Value, E>>,
        E: From<Elapsed>,
        M: Launch<TimeLimit<F, T>, E, R>,
    {
        self.builder.spawn(TimeLimit::new(future, self.timer, self.limit))
    }
}

impl<'g, 'a, E, R: Results, L: Label, T: Timer, K: InlineTasks>
    LimitedTask<&'g mut ErrGroup<E, Inline<'a, K>, R>, L, T>
{
    /// Spawns `future` as the task, with its time limit, as [`TaskBuilder::try_spawn`]
    /// does on an inline group.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{Elapsed, ErrGroup};
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
    /// // `Expired` is a timer whose sleeps have all ended: every limit has passed.
    /// let mut group = ErrGroup::<Elapsed, _>::builder().collect().inline();
    /// let limit = Duration::from_secs(1);
    /// group.task().time_limit_on(Expired, limit).try_spawn(async { Ok(1) }).unwrap(); // in time
    /// group.task().time_limit_on(Expired, limit).try_spawn(std::future::pending()).unwrap();
    /// let elapsed = futures_executor::block_on(group.wait()).unwrap_err();
    /// assert_eq!(elapsed.limit(), limit);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GroupHandle::try_spawn`]: the task comes back in its [`TimeLimit`].
    pub fn try_spawn<F>(self, future: F) -> Result<TaskId, Rejected<TimeLimit<F, T>>>
    where
        F: Future<Output = Result<R::Value, E>>,
        E: From<Elapsed>,
        Inline<'a, K>: Launch<TimeLimit<F, T>, E, R>,
    {
        self.builder.try_spawn(TimeLimit::new(future, self.timer, self.limit))
    }

    /// Spawns `future` as the task, with its time limit, waiting for a free slot and
    /// running the group's tasks meanwhile, as [`ErrGroup::spawn`] does.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{Elapsed, ErrGroup};
    /// # use core::time::Duration;
    /// # #[derive(Clone, Copy)]
    /// # struct Frozen; // a timer whose sleeps never end
    /// # impl errgroup::Timer for Frozen {
    /// #     type Instant = u64;
    /// #     type Sleep = core::future::Pending<()>;
    /// #     fn now(&self) -> u64 { 0 }
    /// #     fn checked_add(&self, at: u64, d: Duration) -> Option<u64> {
    /// #         at.checked_add(d.as_secs())
    /// #     }
    /// #     fn sleep_until(&self, _: u64) -> Self::Sleep { core::future::pending() }
    /// # }
    ///
    /// // `Frozen` is a timer whose sleeps never end: no limit is ever reached.
    /// # futures_executor::block_on(async {
    /// let mut group = ErrGroup::<Elapsed, _>::builder().collect().inline();
    /// group.limit(1).unwrap();
    /// let limit = Duration::from_secs(5);
    /// group.task().time_limit_on(Frozen, limit).spawn(async { Ok(1) }).await.unwrap();
    /// // Full: this runs the first task to free its slot (not counted), then spawns.
    /// group.task().time_limit_on(Frozen, limit).spawn(async { Ok(2) }).await.unwrap();
    /// assert_eq!(group.await, Ok(vec![1, 2]));
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GroupHandle::spawn`].
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> InlineSpawning<'g, 'a, E, R, TimeLimit<F, T>, L, K>
    where
        F: Future<Output = Result<R::Value, E>>,
        E: From<Elapsed>,
        Inline<'a, K>: Launch<TimeLimit<F, T>, E, R>,
    {
        self.builder.spawn(TimeLimit::new(future, self.timer, self.limit))
    }
}

impl<G: fmt::Debug, L: Label, T> fmt::Debug for LimitedTask<G, L, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LimitedTask")
            .field("limit", &self.limit)
            .field("task", &self.builder)
            .finish_non_exhaustive()
    }
}
