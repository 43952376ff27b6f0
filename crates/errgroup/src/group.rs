//! `ErrGroup`, its `Builder` and its `Handle`.

use core::{
    fmt,
    future::{Future, IntoFuture},
    marker::PhantomData,
    ops::Deref,
};

use crate::{
    CancelReason, CancelToken, LocalSpawn, Policy, Spawn,
    error::{LimitError, Rejected},
    future::{Spawning, Wait, WaitAll},
    mode::{Inline, LocalRuntime, Mode, Runtime},
    policy::Rules,
    results::{Collect, Discard, FirstOk, Results},
    shared::{Config, Shared},
    sync::Arc,
    task::{self, InGroup, OnExecutor},
};

/// A group of tasks that fail together: Go's `errgroup.Group`, done the Rust way.
///
/// Spawn tasks — futures returning `Result<T, E>` — then [`wait`](Self::wait) (or
/// `.await` the group): it resolves when every task has finished or been dropped, with
/// the first error, or with the results. By default ([`Policy::FailFast`]) the first
/// error or panic cancels the group: every other task is dropped at its next `.await`,
/// whether or not it checks for cancellation, and no task starts any more.
///
/// Tasks run where the group's [`Mode`] says: on a [`Spawn`]er ([`Runtime`]), on a
/// [`LocalSpawn`]er ([`LocalRuntime`]), or [`Inline`] inside the group's own futures,
/// with no executor at all. A group derefs to its [`Handle`], which is where the spawning
/// methods live; clone a handle into a task to spawn siblings.
///
/// Dropping a group that was not waited cancels its tasks.
///
/// # Examples
///
/// ```
/// use errgroup::ErrGroup;
///
/// # futures_executor::block_on(async {
/// let group = ErrGroup::inline();
/// for n in 0..10u32 {
///     group.try_spawn(async move {
///         if n == 7 { Err(format!("task {n} failed")) } else { Ok(()) }
///     })
///     .unwrap();
/// }
/// assert_eq!(group.await, Err("task 7 failed".to_string()));
/// # });
/// ```
pub struct ErrGroup<E, M: Mode, R: Results = Discard> {
    handle: Handle<E, M, R>,
    driver: M::Driver,
}

/// A cloneable handle to a group, for spawning from inside its tasks, cancelling it, or
/// looking at it. It does not keep the group from finishing: once the group has finished
/// (its `wait` resolved), spawning through a handle is refused with [`Rejected::Closed`].
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
pub struct Handle<E, M: Mode, R: Results = Discard> {
    pub(crate) shared: Arc<Shared<E, R>>,
    pub(crate) mode: M,
}

impl<E, M: Mode, R: Results> Clone for Handle<E, M, R> {
    fn clone(&self) -> Self {
        Self { shared: self.shared.clone(), mode: self.mode.clone() }
    }
}

/// Configures a group before it is made: its [`Policy`], cooperative cancellation, a
/// parent token, what becomes of panics and of results, and where tasks run.
///
/// # Examples
///
/// ```
/// use errgroup::{CancelToken, ErrGroup, Policy};
///
/// let shutdown = CancelToken::new();
/// let group = ErrGroup::builder()
///     .policy(Policy::NoCancel)
///     .child_of(&shutdown)
///     .collect()
///     .inline();
/// group.try_spawn(async { Ok::<_, ()>("done") }).unwrap();
/// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec!["done"]));
/// ```
pub struct Builder<E, R: Results = Discard> {
    config: Config<E>,
    parent: Option<CancelToken>,
    results: PhantomData<R>,
}

impl<E, R: Results> fmt::Debug for Builder<E, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("policy", &self.config.rules.policy)
            .field("cooperative", &self.config.cooperative)
            .field("panics_as_errors", &self.config.rules.turns_panics_into_errors())
            .field("interruptions_as_errors", &self.config.rules.interrupted_to_error.is_some())
            .field("on_unobserved", &self.config.on_unobserved.is_some())
            .field("has_parent", &self.parent.is_some())
            .finish()
    }
}

impl<E, R: Results> Builder<E, R> {
    /// What the group does when a task fails; [`Policy::FailFast`] by default.
    ///
    /// # Examples
    ///
    /// See [`Policy`].
    #[must_use]
    pub fn policy(mut self, policy: Policy) -> Self {
        self.config.rules.policy = policy;
        self
    }

    /// Cooperative cancellation: a cancelled group does not drop its tasks; each task
    /// watches the group's [`token`](Handle::token) and stops when it sees fit. `wait`
    /// still waits for every task. New tasks are refused once cancelled, as always.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let group = ErrGroup::builder().cooperative().inline();
    /// let token = group.token();
    /// group
    ///     .try_spawn(async move {
    ///         token.cancelled().await; // clean up, then finish
    ///         Ok::<(), ()>(())
    ///     })
    ///     .unwrap();
    /// group.cancel();
    /// assert_eq!(futures_executor::block_on(group.wait()), Ok(()));
    /// ```
    #[must_use]
    pub fn cooperative(mut self) -> Self {
        self.config.cooperative = true;
        self
    }

    /// Makes the group's token a child of `parent`: cancelling `parent` cancels the group
    /// (reason [`CancelReason::Parent`]); the group's own failure never cancels `parent`.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, CancelToken, ErrGroup};
    ///
    /// let shutdown = CancelToken::new();
    /// let group = ErrGroup::<(), _>::builder().child_of(&shutdown).inline();
    /// shutdown.cancel();
    /// assert_eq!(group.token().reason(), Some(CancelReason::Parent));
    /// ```
    #[must_use]
    pub fn child_of(mut self, parent: &CancelToken) -> Self {
        self.parent = Some(parent.clone());
        self
    }

    /// Turns a panicking task into an error value (`E: From<Panicked>`) instead of
    /// re-raising the panic at `wait`. The panic still counts as the task's failure.
    ///
    /// # Examples
    ///
    /// See [`Panicked`](crate::Panicked).
    #[cfg(feature = "std")]
    #[must_use]
    pub fn panics_as_errors(mut self) -> Self
    where
        E: From<crate::Panicked>,
    {
        self.config.rules.panic_to_error = Some(E::from);
        self
    }

    /// Turns an interruption into an error value (`E: From<Interrupted>`) instead of
    /// re-raising it at `wait`: a task lost by its executor ([`Interrupted::Lost`](crate::Interrupted::Lost)), and a
    /// group cancelled from outside while tasks were unfinished
    /// ([`Interrupted::Cancelled`](crate::Interrupted::Cancelled)). A lost task still counts as the task's failure (it
    /// cancels a fail-fast group). Works as is with `anyhow::Error` and
    /// `Box<dyn Error + Send + Sync>`.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, CancelToken, ErrGroup, Interrupted};
    ///
    /// let shutdown = CancelToken::new();
    /// let group = ErrGroup::<anyhow::Error, _>::builder()
    ///     .child_of(&shutdown)
    ///     .interruptions_as_errors()
    ///     .collect::<u32>()
    ///     .inline();
    /// group.try_spawn(async { Ok(1) }).unwrap();
    /// group.try_spawn(std::future::pending()).unwrap();
    /// shutdown.cancel();
    /// let error = futures_executor::block_on(group.wait()).unwrap_err();
    /// assert_eq!(
    ///     error.downcast_ref::<Interrupted>(),
    ///     Some(&Interrupted::Cancelled { reason: CancelReason::Parent, unfinished: 2 })
    /// );
    /// ```
    #[must_use]
    pub fn interruptions_as_errors(mut self) -> Self
    where
        E: From<crate::Interrupted>,
    {
        self.config.rules.interrupted_to_error = Some(E::from);
        self
    }

    /// Calls `report` with each failure the group recorded and nobody saw, when the group
    /// is dropped without a waiting form having finished (the last of the group, its
    /// handles and its tasks is gone): its first error (and every later one, with
    /// [`Policy::CollectAll`]), a panic, a lost task.
    ///
    /// `report` runs where the last reference is dropped (a task's executor, say), inside
    /// a `Drop`: it should not block, and must not panic.
    ///
    /// Without it, such outcomes are dropped with the group: a panic was printed by the
    /// panic hook when it happened, an error is the caller's to wait for. The group never
    /// re-raises them at its drop: an early return with `?` that drops a group must not
    /// turn into a panic, and a panic postponed to a drop is easy to miss (Go's errgroup
    /// re-raised panics at `Wait` in 2025 and reverted it for that reason).
    ///
    /// # Examples
    ///
    /// See [`Outcome`](crate::Outcome).
    #[must_use]
    pub fn on_unobserved(mut self, report: fn(crate::Outcome<(), E>)) -> Self {
        self.config.on_unobserved = Some(report);
        self
    }

    /// Keeps the tasks' `Ok(T)` values: `wait` returns them in spawn order, and
    /// [`ErrGroup::into_stream`] yields them as they complete.
    ///
    /// # Examples
    ///
    /// See [`Collect`].
    #[must_use]
    pub fn collect<T>(self) -> Builder<E, Collect<T>> {
        Builder { config: self.config, parent: self.parent, results: PhantomData }
    }

    /// Makes the group a race: the first task to succeed wins and cancels the rest;
    /// [`ErrGroup::race`] returns its value, or every error if all fail. Sets
    /// [`Policy::CollectAll`] (a later [`policy`](Self::policy) call overrides it).
    ///
    /// # Examples
    ///
    /// See [`FirstOk`].
    #[must_use]
    pub fn race<T>(self) -> Builder<E, FirstOk<T>> {
        Builder {
            config: Config {
                rules: Rules { policy: Policy::CollectAll, ..self.config.rules },
                ..self.config
            },
            parent: self.parent,
            results: PhantomData,
        }
    }

    /// Makes a group whose tasks run inside its own futures: no executor needed, and
    /// tasks may borrow for `'a`.
    ///
    /// # Examples
    ///
    /// See [`Inline`].
    pub fn inline<'a>(self) -> ErrGroup<E, Inline<'a>, R> {
        self.build(Inline::new())
    }

    /// Makes a group whose tasks run on `spawner`.
    ///
    /// # Examples
    ///
    /// See [`Runtime`].
    pub fn spawner<S: Spawn + Clone>(self, spawner: S) -> ErrGroup<E, Runtime<S>, R> {
        self.build(Runtime(spawner))
    }

    /// Makes a group whose `!Send` tasks run on `spawner`, on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::{cell::RefCell, pin::Pin, rc::Rc};
    /// use errgroup::{ErrGroup, LocalSpawn, SpawnError};
    ///
    /// type Tasks = Rc<RefCell<Vec<Pin<Box<dyn Future<Output = ()>>>>>>;
    ///
    /// #[derive(Clone, Default)]
    /// struct Deferred(Tasks);
    ///
    /// impl LocalSpawn for Deferred {
    ///     fn spawn_local<F: Future<Output = ()> + 'static>(&self, task: F) -> Result<(), SpawnError> {
    ///         self.0.borrow_mut().push(Box::pin(task));
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let spawner = Deferred::default();
    /// let group = ErrGroup::builder().local_spawner(spawner.clone());
    /// let shared = Rc::new(5); // not Send
    /// group.try_spawn(async move { Ok::<(), ()>(assert_eq!(*shared, 5)) }).unwrap();
    /// for task in spawner.0.borrow_mut().drain(..) {
    ///     futures_executor::block_on(task);
    /// }
    /// assert_eq!(futures_executor::block_on(group.wait()), Ok(()));
    /// ```
    pub fn local_spawner<S: LocalSpawn + Clone>(
        self,
        spawner: S,
    ) -> ErrGroup<E, LocalRuntime<S>, R> {
        self.build(LocalRuntime::new(spawner))
    }

    fn build<M: Mode>(self, mode: M) -> ErrGroup<E, M, R> {
        let shared = Arc::new(Shared::new(self.config, self.parent.as_ref()));
        ErrGroup { handle: Handle { shared, mode }, driver: M::Driver::default() }
    }
}

impl<E> ErrGroup<E, Inline<'static>, Discard> {
    /// Starts configuring a group.
    ///
    /// # Examples
    ///
    /// See [`Builder`].
    pub fn builder() -> Builder<E> {
        Builder { config: Config::new(), parent: None, results: PhantomData }
    }
}

impl<'a, E> ErrGroup<E, Inline<'a>, Discard> {
    /// A fail-fast group whose tasks run inside its own futures: no executor needed.
    ///
    /// # Examples
    ///
    /// See [`ErrGroup`].
    pub fn inline() -> Self {
        ErrGroup::builder().inline()
    }
}

impl<E, S: Spawn + Clone> ErrGroup<E, Runtime<S>, Discard> {
    /// A fail-fast group whose tasks run on `spawner`.
    ///
    /// # Examples
    ///
    /// See [`Runtime`].
    pub fn new(spawner: S) -> Self {
        ErrGroup::builder().spawner(spawner)
    }
}

impl<E, M: Mode, R: Results> ErrGroup<E, M, R> {
    /// A handle to this group, for spawning from inside its tasks.
    ///
    /// # Examples
    ///
    /// See [`Handle`].
    pub fn handle(&self) -> Handle<E, M, R> {
        self.handle.clone()
    }

    /// Waits for every task to finish or be dropped, then returns the group's first
    /// failure, or its results.
    ///
    /// When this resolves, every task's future has been dropped and no task can start in
    /// this group any more. Nothing is lost: a panic is re-raised even if an error came
    /// first, a lost task is never a success, and a collecting group never returns fewer
    /// values than tasks. The crate docs have the whole table (outcome → what each waiting
    /// form returns); in short:
    ///
    /// - every task succeeded: `Ok` with the results;
    /// - a task failed: `Err` with the first error (with [`Policy::FailFast`] and
    ///   [`Policy::NoCancel`]: the one that arrived before any cancellation);
    /// - a task panicked: the panic is re-raised here with its original payload, or it is
    ///   an error like any other with [`Builder::panics_as_errors`];
    /// - a task was lost (its executor dropped it unfinished): re-raised as a panic naming
    ///   it, or `Err(Interrupted::Lost)` with [`Builder::interruptions_as_errors`];
    /// - the group was cancelled from outside (its parent token, [`Handle::cancel`]) with
    ///   tasks unfinished and no failure: `Err(Interrupted::Cancelled)` with
    ///   [`Builder::interruptions_as_errors`]; otherwise a collecting group re-raises it as
    ///   a panic (its results are incomplete) and a [`Discard`] group returns `Ok(())`
    ///   (see [`Interrupted`](crate::Interrupted) for why that loses nothing).
    ///
    /// # Examples
    ///
    /// See [`ErrGroup`].
    ///
    /// # Errors
    ///
    /// The first task error, as above.
    ///
    /// # Panics
    ///
    /// Re-raises the first task panic, unless the group turns panics into errors; and a
    /// lost task or an incomplete collecting group, unless it turns interruptions into
    /// errors.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, which cancels its remaining tasks.
    pub fn wait(self) -> Wait<E, M, R> {
        Wait::new(self)
    }

    /// Like [`wait`](Self::wait), but returns every error the policy kept, in order of
    /// arrival: all of them with [`Policy::CollectAll`], the first one otherwise.
    ///
    /// # Examples
    ///
    /// See [`Policy`].
    ///
    /// # Errors
    ///
    /// The errors, never empty.
    ///
    /// # Panics
    ///
    /// As [`wait`](Self::wait).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, which cancels its remaining tasks.
    pub fn wait_all(self) -> WaitAll<E, M, R> {
        WaitAll::new(self)
    }

    /// Waits like [`wait`](Self::wait), but no longer than `timer`: if `timer` resolves
    /// first, the group is cancelled (reason [`CancelReason::Timeout`]), its tasks are
    /// dropped, and the outcome comes back as [`Timed::TimedOut`]: an error that came
    /// before the timer, or every value that did arrive at its task's position (for a
    /// collecting group, a `Vec<Option<T>>` with one entry per task, in spawn order). The
    /// adapter crates build `wait_timeout` and `wait_deadline` on this with their
    /// runtime's timer.
    ///
    /// `timer` can be any future: a shutdown token's `cancelled()`, say, to keep what a
    /// group had when it is stopped (the group may be that token's child: a timer that
    /// has fired by the time the group finishes counts as firing first).
    ///
    /// What it cannot bound: a task that blocks inside its `poll` (the group cannot drop
    /// it until that poll returns), a task on an executor that nobody runs any more, and
    /// a cooperative group's tasks, which run until they see the token. The timer stops
    /// the *waiting*; the group still waits for its tasks to be dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, ErrGroup, Timed};
    ///
    /// let group = ErrGroup::builder().collect().inline();
    /// group.try_spawn(std::future::pending()).unwrap(); // never finishes
    /// group.try_spawn(async { Ok::<u32, ()>(1) }).unwrap();
    /// let token = group.token();
    /// // A timer that has already expired.
    /// let outcome = futures_executor::block_on(group.wait_until(async {}));
    /// assert_eq!(outcome, Timed::TimedOut(Ok(vec![None, Some(1)])));
    /// assert_eq!(token.reason(), Some(CancelReason::Timeout));
    /// ```
    ///
    /// # Panics
    ///
    /// As [`wait`](Self::wait).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, which cancels the remaining tasks.
    pub fn wait_until<T: Future<Output = ()>>(
        self,
        timer: T,
    ) -> crate::future::WaitUntil<E, M, R, T> {
        crate::future::WaitUntil::new(self, timer)
    }

    pub(crate) fn parts(&mut self) -> (&Handle<E, M, R>, &mut M::Driver) {
        (&self.handle, &mut self.driver)
    }
}

impl<E, M: Mode, T> ErrGroup<E, M, Collect<T>> {
    /// Turns the group into a stream of its tasks' outcomes, as they complete.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    /// use futures_util::StreamExt;
    ///
    /// # futures_executor::block_on(async {
    /// let group = ErrGroup::builder().collect().inline();
    /// for n in 1..=3u32 {
    ///     group.try_spawn(async move { Ok::<u32, ()>(n) }).unwrap();
    /// }
    /// let mut sum = 0;
    /// let mut outcomes = group.into_stream();
    /// while let Some(outcome) = outcomes.next().await {
    ///     sum += outcome.unwrap();
    /// }
    /// assert_eq!(sum, 6);
    /// # });
    /// ```
    pub fn into_stream(self) -> crate::future::Completions<E, M, T> {
        crate::future::Completions::new(self)
    }
}

impl<E, M: Mode, T> ErrGroup<E, M, FirstOk<T>> {
    /// Waits for the race to be decided: the first task to succeed wins, and every other
    /// task is cancelled (dropped) before this resolves.
    ///
    /// # Examples
    ///
    /// See [`FirstOk`].
    ///
    /// # Errors
    ///
    /// If no task succeeded: every error, in order of arrival (empty if the group had no
    /// task, or was cancelled before any task finished).
    ///
    /// # Panics
    ///
    /// Re-raises the first task panic, unless the group turns panics into errors.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, which cancels the remaining tasks.
    pub fn race(self) -> crate::future::Race<E, M, T> {
        crate::future::Race::new(self)
    }
}

impl<E, M: Mode, R: Results> Deref for ErrGroup<E, M, R> {
    type Target = Handle<E, M, R>;

    fn deref(&self) -> &Handle<E, M, R> {
        &self.handle
    }
}

impl<E, M: Mode, R: Results> IntoFuture for ErrGroup<E, M, R> {
    type Output = Result<R::Output, E>;
    type IntoFuture = Wait<E, M, R>;

    fn into_future(self) -> Wait<E, M, R> {
        self.wait()
    }
}

impl<E, M: Mode, R: Results> Drop for ErrGroup<E, M, R> {
    fn drop(&mut self) {
        let shared = &self.handle.shared;
        if !shared.state.load().is_closed() {
            // Never waited (or the wait was dropped): the tasks it owns are cancelled, and
            // the ones it runs itself (inline) are dropped now, cooperative or not, queued
            // ones included; tasks spawned through a handle from now on are dropped too.
            shared.cancel(CancelReason::Dropped);
            M::close(&mut self.driver, &self.handle.mode);
        }
    }
}

impl<E, M: Mode, R: Results> fmt::Debug for ErrGroup<E, M, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.handle.shared.fmt(f)
    }
}

impl<E, M: Mode, R: Results> fmt::Debug for Handle<E, M, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.fmt(f)
    }
}

impl<E, M: Mode, R: Results> Handle<E, M, R> {
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

mod launch {
    /// The group's queue of spawns waiting for a free slot, the same for every mode.
    pub trait Sealed {
        /// Queues the caller for a free slot (or updates its waker) and announces it to
        /// finishing tasks; it must then try to start again. `false`: the group is
        /// cancelled, and the next try is refused.
        fn queue_for_slot(&self, ticket: &mut Option<usize>, waker: &core::task::Waker) -> bool;
        /// The spawn holding `ticket` stops waiting, having `started` its task or not.
        fn leave_slot_queue(&self, ticket: usize, started: bool);
    }
}

/// Starting a task in a group without waiting. Implemented by every [`Handle`] for the
/// futures its mode can run; sealed. Used by the [`Spawning`] future.
///
/// # Examples
///
/// ```
/// use errgroup::{ErrGroup, Launch};
///
/// fn can_run<H: Launch<F>, F>(_: &H, _: &F) {}
/// let group = ErrGroup::<(), _>::inline();
/// can_run(&group.handle(), &async { Ok(()) });
/// ```
pub trait Launch<F>: launch::Sealed {
    #[doc(hidden)]
    fn launch(&self, future: F) -> Result<(), Rejected<F>>;
}

impl<E, M: Mode, R: Results> launch::Sealed for Handle<E, M, R> {
    fn queue_for_slot(&self, ticket: &mut Option<usize>, waker: &core::task::Waker) -> bool {
        self.shared.queue_for_slot(ticket, waker)
    }

    fn leave_slot_queue(&self, ticket: usize, started: bool) {
        self.shared.leave_slot_queue(ticket, started);
    }
}

macro_rules! launch_docs {
    () => {
        "Spawns `future` as a task of the group if the group has room, without waiting.

When this returns `Ok`, the task is counted in the group and will be polled (or dropped,
if the group is cancelled first).

# Examples

```
use errgroup::{ErrGroup, Rejected};

let group = ErrGroup::<(), _>::inline();
group.try_spawn(async { Ok(()) }).unwrap();
group.cancel();
let Err(Rejected::Cancelled(_future)) = group.try_spawn(async { Ok(()) }) else { panic!() };
```

# Errors

The future is handed back, never run, inside [`Rejected::Full`] when the limit is
reached, [`Rejected::Cancelled`] when the group is cancelled and [`Rejected::Closed`] when
it has finished. [`Rejected::Spawner`] when the spawner refused the task, which it dropped;
the group's counts stay right."
    };
}

macro_rules! spawn_docs {
    () => {
        "Spawns `future` as a task of the group, waiting for a free slot if a limit is set
(back-pressure, like Go's `Group.Go`). Without a limit it is ready at once.

# Examples

```
use errgroup::ErrGroup;

# futures_executor::block_on(async {
let mut group = ErrGroup::inline();
group.limit(2).unwrap();
for n in 0..10 {
    // Waits while two tasks are active; an inline group runs its tasks meanwhile.
    group.spawn(async move { { let _ = n; Ok::<(), ()>(()) } }).await.unwrap();
}
group.await.unwrap();
# });
```

# Errors

As `try_spawn`, except that it never reports [`Rejected::Full`]: it
waits instead.

# Fairness and cost

Spawns that wait are served in arrival order, one per freed slot (a raised limit or a
cancellation wakes them all). Waiting allocates nothing: the spawn queues its waker in the
group, and a task that finishes wakes the first one. A spawn future dropped after it
was woken passes its turn to the next waiting spawn, so no free slot goes unused.

# Deadlock

A task that awaits `spawn` holds its own slot while it waits. If every slot is held by
tasks waiting to spawn, none can proceed (Go's `SetLimit` has the same trap). From inside
a task of a limited group, prefer `try_spawn` and handle `Rejected::Full`, or leave room.

# Cancel safety

Dropping the future before it resolves drops `future` unspawned and leaves the queue."
    };
}

impl<E, S, R, F> Launch<F> for Handle<E, Runtime<S>, R>
where
    E: Send + 'static,
    S: Spawn + Clone,
    R: Results + 'static,
    R::Value: Send + 'static,
    R::Store: Send + Sync,
    F: Future<Output = Result<R::Value, E>> + Send + 'static,
{
    fn launch(&self, future: F) -> Result<(), Rejected<F>> {
        let task = task::start::<_, _, _, OnExecutor>(&self.shared, future)?;
        task::launch(&self.shared, task, |task| self.mode.0.spawn(task)).map_err(Rejected::Spawner)
    }
}

impl<E, S, R> Handle<E, Runtime<S>, R>
where
    E: Send + 'static,
    S: Spawn + Clone,
    R: Results + 'static,
    R::Value: Send + 'static,
    R::Store: Send + Sync,
{
    #[doc = launch_docs!()]
    pub fn try_spawn<F>(&self, future: F) -> Result<(), Rejected<F>>
    where
        F: Future<Output = Result<R::Value, E>> + Send + 'static,
    {
        self.launch(future)
    }

    #[doc = spawn_docs!()]
    pub fn spawn<F>(&self, future: F) -> Spawning<'_, Self, F>
    where
        F: Future<Output = Result<R::Value, E>> + Send + 'static,
    {
        Spawning::new(self, future)
    }
}

impl<E, S, R, F> Launch<F> for Handle<E, LocalRuntime<S>, R>
where
    E: 'static,
    S: LocalSpawn + Clone,
    R: Results + 'static,
    R::Value: 'static,
    F: Future<Output = Result<R::Value, E>> + 'static,
{
    fn launch(&self, future: F) -> Result<(), Rejected<F>> {
        let task = task::start::<_, _, _, OnExecutor>(&self.shared, future)?;
        task::launch(&self.shared, task, |task| self.mode.0.spawn_local(task))
            .map_err(Rejected::Spawner)
    }
}

impl<E, S, R> Handle<E, LocalRuntime<S>, R>
where
    E: 'static,
    S: LocalSpawn + Clone,
    R: Results + 'static,
    R::Value: 'static,
{
    #[doc = launch_docs!()]
    pub fn try_spawn<F>(&self, future: F) -> Result<(), Rejected<F>>
    where
        F: Future<Output = Result<R::Value, E>> + 'static,
    {
        self.launch(future)
    }

    #[doc = spawn_docs!()]
    pub fn spawn<F>(&self, future: F) -> Spawning<'_, Self, F>
    where
        F: Future<Output = Result<R::Value, E>> + 'static,
    {
        Spawning::new(self, future)
    }
}

impl<'a, E, R, F> Launch<F> for Handle<E, Inline<'a>, R>
where
    E: Send + 'a,
    R: Results + 'a,
    R::Value: Send + 'a,
    R::Store: Send + Sync,
    F: Future<Output = Result<R::Value, E>> + Send + 'a,
{
    fn launch(&self, future: F) -> Result<(), Rejected<F>> {
        let task = task::start::<_, _, _, InGroup>(&self.shared, future)?;
        // The driver picks the task up when it is next polled; the push wakes it.
        self.mode.push(task);
        Ok(())
    }
}

impl<'a, E, R> Handle<E, Inline<'a>, R>
where
    E: Send + 'a,
    R: Results + 'a,
    R::Value: Send + 'a,
    R::Store: Send + Sync,
{
    #[doc = launch_docs!()]
    pub fn try_spawn<F>(&self, future: F) -> Result<(), Rejected<F>>
    where
        F: Future<Output = Result<R::Value, E>> + Send + 'a,
    {
        self.launch(future)
    }

    #[doc = spawn_docs!()]
    ///
    /// On a handle, waiting relies on the group's `wait` running the tasks that free the
    /// slots; [`ErrGroup::spawn`] runs them itself.
    pub fn spawn<F>(&self, future: F) -> Spawning<'_, Self, F>
    where
        F: Future<Output = Result<R::Value, E>> + Send + 'a,
    {
        Spawning::new(self, future)
    }
}

impl<'a, E, R> ErrGroup<E, Inline<'a>, R>
where
    E: Send + 'a,
    R: Results + 'a,
    R::Value: Send + 'a,
    R::Store: Send + Sync,
{
    #[doc = spawn_docs!()]
    ///
    /// While it waits for a slot, it runs the group's tasks, so that spawning in a loop
    /// before `wait` cannot deadlock.
    pub fn spawn<F>(&mut self, future: F) -> crate::future::InlineSpawning<'_, 'a, E, R, F>
    where
        F: Future<Output = Result<R::Value, E>> + Send + 'a,
    {
        crate::future::InlineSpawning::new(self, future)
    }
}

/// Whether a group finished before its timer ([`ErrGroup::wait_until`]).
///
/// `O` is the group's outcome (what `wait` returns); `P` what a group stopped by the timer
/// returns: the same for a group that discards values, and each value at its task's
/// position for a collecting one.
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
    /// See [`Timed`].
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
    /// See [`Timed`].
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
    /// See [`Timed`].
    pub fn into_inner(self) -> O {
        match self {
            Self::Finished(outcome) | Self::TimedOut(outcome) => outcome,
        }
    }
}

/// What [`ErrGroup::wait_until`] (and the adapters' `wait_timeout`) returns for a group
/// with error type `E` and results `R`.
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
