//! [`ErrGroup`] and its [`Builder`]: the top of the crate. A group owns its [`Owner`]
//! (its handle and its mode's driver) and hands it to the waiting form it is turned into.

use core::{
    fmt,
    future::{Future, IntoFuture},
    marker::PhantomData,
    ops::Deref,
};

use crate::{
    error::Rejected,
    feeder::Feeder,
    handle::{GroupHandle, KeyedTask, TaskBuilder},
    id::{Label, TaskId, TaskName},
    keyed::WithKey,
    mode::{Inline, InlineTasks, Launch, LocalTasks, Mode, Spawned, SpawnedLocal},
    outcome::{Interrupted, Outcome},
    policy::{Policy, Rules},
    results::{Collect, Discard, FirstOk, Results},
    shared::{Config, Shared},
    spawn::{LocalSpawn, Spawn},
    sync::Arc,
    task_handle::{Handled, TaskHandle},
    token::CancelToken,
    wait::{Completions, InlineSpawning, Owner, Race, Wait, WaitAll, WaitOutcomes, WaitUntil},
};

/// A group of tasks that fail together: Go's `errgroup.Group`, done the Rust way.
///
/// Spawn tasks — futures returning `Result<T, E>` — then [`wait`](Self::wait) (or
/// `.await` the group): it resolves when every task has finished or been dropped, with
/// the first error, or with the results. By default ([`Policy::FailFast`]) the first
/// error or panic cancels the group: every other task is dropped at its next `.await`,
/// whether or not it checks for cancellation, and no task starts any more.
///
/// Tasks run where the group's [`Mode`] says: on a [`Spawn`]er ([`Spawned`]), on a
/// [`LocalSpawn`]er ([`SpawnedLocal`]), or [`Inline`] inside the group's own futures,
/// with no executor at all. A group derefs to its [`GroupHandle`], which is where the spawning
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
    pub(crate) owner: Owner<E, M, R>,
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
            .field("name", &self.config.name)
            .field("track_pending", &self.config.track_pending)
            .finish()
    }
}

impl<E, R: Results> Builder<E, R> {
    /// What the group does when a task fails; [`Policy::FailFast`] by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Outcome, Policy};
    ///
    /// // Go's plain errgroup: the first error is kept, and nothing is cancelled.
    /// let group = ErrGroup::builder().policy(Policy::NoCancel).collect().inline();
    /// group.try_spawn(async { Err::<u32, _>("disk full") }).unwrap();
    /// group.try_spawn(async { Ok(2) }).unwrap();
    /// let outcomes = futures_executor::block_on(group.wait_outcomes());
    /// assert!(matches!(outcomes[0].1, Outcome::Failed("disk full")));
    /// assert!(matches!(outcomes[1].1, Outcome::Succeeded(2))); // ran to its end
    /// ```
    ///
    /// More in [`Policy`].
    #[must_use]
    pub fn policy(mut self, policy: Policy) -> Self {
        self.config.rules.policy = policy;
        self
    }

    /// Cooperative cancellation: a cancelled group does not drop its tasks; each task
    /// watches the group's [`token`](GroupHandle::token) and stops when it sees fit. `wait`
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
    /// (reason [`CancelReason::Parent`](crate::CancelReason::Parent)); the group's own
    /// failure never cancels `parent`.
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
    /// ```
    /// use errgroup::{ErrGroup, Panicked};
    ///
    /// let group = ErrGroup::<Panicked, _>::builder().panics_as_errors().inline();
    /// group.try_spawn(async { panic!("index out of range") }).unwrap();
    /// // An `Err` from `wait`, not a panic re-raised.
    /// let panicked = futures_executor::block_on(group.wait()).unwrap_err();
    /// assert_eq!(panicked.message(), Some("index out of range"));
    /// assert_eq!(panicked.task().id().index(), 0);
    /// ```
    #[cfg(feature = "std")]
    #[must_use]
    pub fn panics_as_errors(mut self) -> Self
    where
        E: From<crate::panic::Panicked>,
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
        E: From<Interrupted>,
    {
        self.config.rules.interrupted_to_error = Some(E::from);
        self
    }

    /// Keeps the text of the error that cancels the group (`E: Display`) in the cause of
    /// the cancellation ([`Cause::message`](crate::Cause::message)), so that a cooperative
    /// task, a child group or the caller learns why, and not only which task: one `String`,
    /// made once, for the group's first failure. A panic's message is kept without it.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let mut group = ErrGroup::<String, _>::builder().error_messages().cooperative().inline();
    /// let token = group.token();
    /// let watcher = group.token();
    /// group
    ///     .try_spawn(async move {
    ///         watcher.cancelled().await;
    ///         // A cooperative sibling learns why it is told to stop.
    ///         let cause = watcher.cause().unwrap();
    ///         assert_eq!(cause.to_string(), "task 1 `billing` failed: card declined");
    ///         Ok(())
    ///     })
    ///     .unwrap();
    /// group.task().name("billing").try_spawn(async { Err("card declined".to_string()) }).unwrap();
    /// let error = futures_executor::block_on(group.wait()).unwrap_err();
    /// assert_eq!(error, "card declined");
    /// assert_eq!(token.cause().unwrap().message(), Some("card declined"));
    /// ```
    #[must_use]
    pub fn error_messages(self) -> Self
    where
        E: fmt::Display,
    {
        self.error_messages_with(|error| alloc::string::ToString::to_string(error))
    }

    /// Like [`error_messages`](Self::error_messages), with the message made by `describe`:
    /// for an error type without `Display`, or to keep less (or more) of it.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// #[derive(Debug)]
    /// struct Status(u16);
    ///
    /// let group = ErrGroup::<Status, _>::builder()
    ///     .error_messages_with(|status| format!("HTTP {}", status.0))
    ///     .inline();
    /// group.try_spawn(async { Err(Status(503)) }).unwrap();
    /// let token = group.token();
    /// let _ = futures_executor::block_on(group.wait());
    /// assert_eq!(token.cause().unwrap().to_string(), "task 0 failed: HTTP 503");
    /// ```
    #[must_use]
    pub fn error_messages_with(mut self, describe: fn(&E) -> alloc::string::String) -> Self {
        self.config.rules.describe = Some(describe);
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
    /// ```
    /// use std::sync::Mutex;
    /// use errgroup::{ErrGroup, Outcome, Policy};
    /// use futures_util::FutureExt;
    ///
    /// static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
    ///
    /// fn report(outcome: Outcome<(), String>) {
    ///     if let Outcome::Failed(error) = outcome {
    ///         SEEN.lock().unwrap().push(error);
    ///     }
    /// }
    ///
    /// let group = ErrGroup::builder().policy(Policy::NoCancel).on_unobserved(report).inline();
    /// group.try_spawn(async { Err("nobody saw this".to_string()) }).unwrap();
    /// group.try_spawn(std::future::pending()).unwrap();
    /// // Polled once, then given up on: the error was recorded but never returned.
    /// assert!(group.wait().now_or_never().is_none());
    /// assert_eq!(*SEEN.lock().unwrap(), ["nobody saw this"]);
    /// ```
    ///
    /// More in [`Outcome`](crate::Outcome).
    #[must_use]
    pub fn on_unobserved(mut self, report: fn(Outcome<(), E>)) -> Self {
        self.config.on_unobserved = Some(report);
        self
    }

    /// Names the group: the name shows in its `Debug` (and its handles'), and
    /// [`GroupHandle::name`] returns it. Takes what a task's name takes
    /// ([`TaskName`](crate::TaskName)).
    ///
    /// # Examples
    ///
    /// ```
    /// let group = errgroup::ErrGroup::<(), _>::builder().name("ingest").inline();
    /// assert_eq!(group.name(), Some("ingest"));
    /// assert!(format!("{group:?}").starts_with(r#"Group { name: "ingest", active: 0"#));
    /// ```
    pub fn name(mut self, name: impl Into<TaskName>) -> Self {
        self.config.name = Some(name.into());
        self
    }

    /// Keeps a registry of the group's running tasks, so that a hang can be diagnosed:
    /// [`GroupHandle::pending`] lists the tasks still running (by id and name), and
    /// [`GroupHandle::unfinished`] the tasks the group dropped unfinished (after a
    /// timeout: those still running when it fired). It costs a short lock at each task's
    /// start and end; a group without it pays one predictable branch for each.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// # futures_executor::block_on(async {
    /// let mut group = ErrGroup::<(), _>::builder().track_pending().inline();
    /// group.task().name("fast").try_spawn(async { Ok(()) }).unwrap();
    /// group.task().name("stuck").try_spawn(std::future::pending()).unwrap();
    /// let handle = group.handle();
    /// assert_eq!(handle.pending().unwrap().len(), 2);
    ///
    /// // A timer that fires at once (a runtime adapter's `wait_timeout` does the same).
    /// let outcome = group.wait_until(std::future::ready(())).await;
    /// assert!(outcome.is_timed_out());
    /// let stuck: Vec<String> = handle.unfinished().unwrap().iter().map(ToString::to_string).collect();
    /// assert_eq!(stuck, ["task 1 `stuck`"]);
    /// # });
    /// ```
    pub fn track_pending(mut self) -> Self {
        self.config.track_pending = true;
        self
    }

    /// Keeps the tasks' `Ok(T)` values: `wait` returns them in spawn order, and
    /// [`ErrGroup::into_stream`] yields them as they complete.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let group = ErrGroup::<(), _>::builder().collect::<usize>().inline();
    /// for word in ["alpha", "be", "gam"] {
    ///     group.try_spawn(async move { Ok(word.len()) }).unwrap();
    /// }
    /// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![5, 2, 3])); // spawn order
    /// ```
    #[must_use]
    pub fn collect<T>(self) -> Builder<E, Collect<T>> {
        Builder { config: self.config, parent: self.parent, results: PhantomData }
    }

    /// Keeps the tasks' values paired with their keys: tasks spawned with
    /// [`TaskBuilder::key`] return a `T`, and `wait` returns `(key, value)` pairs in spawn
    /// order ([`Collect`]`<(K, T)>`; collect them into a map if you like), while
    /// [`ErrGroup::into_stream`] yields them as they complete. tokio-util's `JoinMap`, on any
    /// runtime. A failure names its task by id ([`TaskError`](crate::TaskError)); name the
    /// task after its key ([`TaskBuilder::name`]) to see the key in the message too.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let mut group = ErrGroup::<(), _>::builder().keyed::<&str, u32>().inline();
    /// group.task().key("left").try_spawn(async { Ok(1) }).unwrap();
    /// group.task().key("right").try_spawn(async { Ok(2) }).unwrap();
    /// let pairs = futures_executor::block_on(group.wait()).unwrap();
    /// assert_eq!(pairs, [("left", 1), ("right", 2)]);
    /// ```
    ///
    /// More in [`TaskBuilder::key`].
    pub fn keyed<K, T>(self) -> Builder<E, Collect<(K, T)>> {
        self.collect()
    }

    /// Makes the group a race: the first task to succeed wins and cancels the rest;
    /// [`ErrGroup::race`] returns its value, or every error if all fail. Sets
    /// [`Policy::CollectAll`] (a later [`policy`](Self::policy) call overrides it).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let group = ErrGroup::builder().race().inline();
    /// group.try_spawn(async { Err::<u32, _>("mirror 1 is down") }).unwrap();
    /// group.try_spawn(async { Err("mirror 2 is down") }).unwrap();
    /// // Nobody won: every error comes back, in order of arrival.
    /// let errors = futures_executor::block_on(group.race()).unwrap_err();
    /// let errors: Vec<_> = errors.into_iter().map(|error| error.into_error()).collect();
    /// assert_eq!(errors, ["mirror 1 is down", "mirror 2 is down"]);
    /// ```
    ///
    /// A race that is won: see [`FirstOk`].
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
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let data = vec![1, 2, 3];
    /// let group = ErrGroup::<(), _>::builder().collect().inline();
    /// // Borrows `data`, which outlives the group: no `'static`, no `Arc`.
    /// group.try_spawn(async { Ok(data.iter().sum::<i32>()) }).unwrap();
    /// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![6]));
    /// ```
    ///
    /// More in [`Inline`].
    pub fn inline<'a>(self) -> ErrGroup<E, Inline<'a>, R> {
        self.build(|_| Inline::new())
    }

    /// Makes an inline group whose tasks need not be `Send` (they may hold an `Rc` or a
    /// `RefCell` borrow); the group and its handles are then `!Send`. For single-threaded
    /// executors (embassy's, a `LocalSet`), and anywhere a `FuturesUnordered` would do.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::{cell::Cell, rc::Rc};
    /// use errgroup::ErrGroup;
    ///
    /// let hits = Rc::new(Cell::new(0)); // not `Send`
    /// let group = ErrGroup::<(), _>::builder().collect().inline_local();
    /// for n in 1..=3 {
    ///     let hits = Rc::clone(&hits);
    ///     group.try_spawn(async move {
    ///         hits.set(hits.get() + 1);
    ///         Ok(n * 10)
    ///     })
    ///     .unwrap();
    /// }
    /// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![10, 20, 30]));
    /// assert_eq!(hits.get(), 3);
    /// ```
    pub fn inline_local<'a>(self) -> ErrGroup<E, Inline<'a, LocalTasks>, R> {
        self.build(|_| Inline::new())
    }

    /// Makes a group whose tasks run on `spawner`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use errgroup::{Spawn, SpawnError};
    /// # #[derive(Clone)]
    /// # struct Pool(futures_executor::ThreadPool);
    /// # impl Spawn for Pool {
    /// #     fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    /// #     where
    /// #         F: Future<Output = ()> + Send + 'static,
    /// #     {
    /// #         self.0.spawn_ok(task);
    /// #         Ok(())
    /// #     }
    /// # }
    /// use errgroup::ErrGroup;
    ///
    /// // `Pool` wraps a `futures_executor::ThreadPool`, and implements `Spawn`.
    /// let pool = Pool(futures_executor::ThreadPool::new().unwrap());
    /// let group = ErrGroup::builder().collect().spawner(pool);
    /// group.try_spawn(async { Ok::<u32, ()>(7) }).unwrap(); // `Send + 'static`
    /// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![7]));
    /// ```
    ///
    /// More in [`Spawned`].
    pub fn spawner<S: Spawn + Clone>(self, spawner: S) -> ErrGroup<E, Spawned<S>, R> {
        self.build(|_| Spawned(spawner))
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
    ) -> ErrGroup<E, SpawnedLocal<S>, R> {
        self.build(|_| SpawnedLocal::new(spawner))
    }

    /// Makes the group's shared state, then its mode (which may hold part of it).
    fn build<M: Mode>(self, mode: impl FnOnce(&Shared<E, R>) -> M) -> ErrGroup<E, M, R> {
        let shared = Arc::new(Shared::new(self.config, self.parent.as_ref()));
        let mode = mode(&shared);
        ErrGroup { owner: Owner::new(GroupHandle::new(shared, mode)) }
    }
}

impl<E> ErrGroup<E, Inline<'static>, Discard> {
    /// Starts configuring a group.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let group = ErrGroup::<(), _>::builder().name("startup").collect().inline();
    /// group.try_spawn(async { Ok(1) }).unwrap();
    /// assert_eq!(group.name(), Some("startup"));
    /// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![1]));
    /// ```
    ///
    /// More in [`Builder`].
    pub fn builder() -> Builder<E> {
        Builder { config: Config::new(), parent: None, results: PhantomData }
    }
}

impl<'a, E> ErrGroup<E, Inline<'a>, Discard> {
    /// A fail-fast group whose tasks run inside its own futures: no executor needed.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let services = ["db", "cache", "queue"];
    /// let group = ErrGroup::inline();
    /// for service in &services {
    ///     group.try_spawn(async move {
    ///         if *service == "cache" { Err(format!("{service} is down")) } else { Ok(()) }
    ///     })
    ///     .unwrap();
    /// }
    /// assert_eq!(futures_executor::block_on(group.wait()), Err("cache is down".to_string()));
    /// ```
    pub fn inline() -> Self {
        ErrGroup::builder().inline()
    }
}

impl<'a, E> ErrGroup<E, Inline<'a, LocalTasks>, Discard> {
    /// A fail-fast inline group whose tasks need not be `Send`
    /// ([`Builder::inline_local`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::{cell::RefCell, rc::Rc};
    /// use errgroup::ErrGroup;
    ///
    /// let seen = Rc::new(RefCell::new(Vec::new()));
    /// let group = ErrGroup::inline_local();
    /// for word in ["a", "b"] {
    ///     let seen = Rc::clone(&seen);
    ///     group.try_spawn(async move { Ok::<(), ()>(seen.borrow_mut().push(word)) }).unwrap();
    /// }
    /// futures_executor::block_on(group.wait()).unwrap();
    /// assert_eq!(*seen.borrow(), ["a", "b"]);
    /// ```
    pub fn inline_local() -> Self {
        ErrGroup::builder().inline_local()
    }
}

impl<E, S: Spawn + Clone> ErrGroup<E, Spawned<S>, Discard> {
    /// A fail-fast group whose tasks run on `spawner`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use errgroup::{Spawn, SpawnError};
    /// # #[derive(Clone)]
    /// # struct Pool(futures_executor::ThreadPool);
    /// # impl Spawn for Pool {
    /// #     fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    /// #     where
    /// #         F: Future<Output = ()> + Send + 'static,
    /// #     {
    /// #         self.0.spawn_ok(task);
    /// #         Ok(())
    /// #     }
    /// # }
    /// use errgroup::ErrGroup;
    ///
    /// // `Pool` wraps a `futures_executor::ThreadPool`, and implements `Spawn`.
    /// let group = ErrGroup::new(Pool(futures_executor::ThreadPool::new().unwrap()));
    /// group.try_spawn(async { Ok(()) }).unwrap();
    /// group.try_spawn(async { Err("connection reset") }).unwrap();
    /// assert_eq!(futures_executor::block_on(group.wait()), Err("connection reset"));
    /// ```
    ///
    /// More in [`Spawned`].
    pub fn new(spawner: S) -> Self {
        ErrGroup::builder().spawner(spawner)
    }
}

impl<E, M: Mode, R: Results> ErrGroup<E, M, R> {
    /// A handle to this group, for spawning from inside its tasks.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let group = ErrGroup::builder().collect().inline();
    /// let handle = group.handle(); // cloneable, and movable into a task
    /// group
    ///     .try_spawn(async move {
    ///         handle.try_spawn(async { Ok::<u32, ()>(2) }).unwrap(); // a sibling
    ///         Ok(1)
    ///     })
    ///     .unwrap();
    /// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![1, 2]));
    /// ```
    pub fn handle(&self) -> GroupHandle<E, M, R> {
        self.owner.handle.clone()
    }

    /// A handle that keeps the group open while it lives, for a producer that feeds the
    /// group while its results are consumed: see [`Feeder`]. Without one, a group finishes
    /// as soon as its waiter finds no task active (spawn before you wait, as in Go).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    /// use futures_util::future::join;
    ///
    /// let group = ErrGroup::<(), _>::builder().collect().inline();
    /// let feeder = group.feeder();
    /// let feed = async move {
    ///     // The group is waited for already, and does not finish while `feeder` lives.
    ///     feeder.spawn(async { Ok(1) }).await.unwrap();
    ///     feeder.spawn(async { Ok(2) }).await.unwrap();
    /// }; // `feeder` dropped: the group may finish
    /// let (values, ()) = futures_executor::block_on(join(group.wait(), feed));
    /// assert_eq!(values, Ok(vec![1, 2]));
    /// ```
    ///
    /// More in [`Feeder`].
    #[track_caller]
    pub fn feeder(&self) -> Feeder<E, M, R> {
        Feeder::open(self.owner.handle.clone(), core::panic::Location::caller())
    }

    /// Waits for every task to finish or be dropped, then returns the group's first
    /// failure, or its results.
    ///
    /// The group finishes when this finds no task active and no [`Feeder`] open: spawn
    /// the tasks before you wait (Go's rule), spawn more from inside its tasks, or keep it
    /// open with a feeder while another task feeds it. When this resolves, every task's
    /// future has been dropped and no task can start in this group any more. Nothing is lost: a panic is re-raised even if an error came
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
    /// - the group was cancelled from outside (its parent token, [`GroupHandle::cancel`]) with
    ///   tasks unfinished and no failure: `Err(Interrupted::Cancelled)` with
    ///   [`Builder::interruptions_as_errors`]; otherwise a collecting group re-raises it as
    ///   a panic (its results are incomplete) and a [`Discard`] group returns `Ok(())`
    ///   (see [`Interrupted`](crate::Interrupted) for why that loses nothing).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let group = ErrGroup::builder().collect().inline();
    /// group.try_spawn(async { Ok::<_, &str>("a") }).unwrap();
    /// group.try_spawn(async { Ok("b") }).unwrap();
    /// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec!["a", "b"]));
    ///
    /// let group = ErrGroup::builder().collect().inline();
    /// group.try_spawn(async { Ok::<u8, _>(1) }).unwrap();
    /// group.try_spawn(async { Err("no route to host") }).unwrap();
    /// assert_eq!(futures_executor::block_on(group.wait()), Err("no route to host"));
    /// ```
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
        Wait::new(self.owner)
    }

    /// Like [`wait`](Self::wait), but returns every error the policy kept, in order of
    /// arrival, each with the task it came from ([`TaskError`](crate::TaskError)): all of
    /// them with [`Policy::CollectAll`], the first one otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Policy};
    ///
    /// let mut group = ErrGroup::builder().policy(Policy::CollectAll).inline();
    /// group.task().name("dns").try_spawn(async { Err("timeout") }).unwrap();
    /// group.try_spawn(async { Ok(()) }).unwrap();
    /// group.task().name("tls").try_spawn(async { Err("bad certificate") }).unwrap();
    /// let errors = futures_executor::block_on(group.wait_all()).unwrap_err();
    /// let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    /// assert_eq!(shown, ["task 0 `dns` failed: timeout", "task 2 `tls` failed: bad certificate"]);
    /// ```
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
        WaitAll::new(self.owner)
    }

    /// Waits like [`wait`](Self::wait), but no longer than `timer`: if `timer` resolves
    /// first, the group is cancelled (reason
    /// [`CancelReason::Timeout`](crate::CancelReason::Timeout)), its tasks are dropped,
    /// and the outcome comes back as [`Timed::TimedOut`](crate::Timed::TimedOut): an error
    /// that came before the timer, or every value that did arrive at its task's position
    /// (for a collecting group, a `Vec<Option<T>>` with one entry per task, in spawn
    /// order). [`wait_timeout`](Self::wait_timeout) and
    /// [`wait_deadline`](Self::wait_deadline) are this on a runtime's
    /// [`Timer`](crate::Timer).
    ///
    /// `timer` can be any future: a shutdown token's `cancelled()`, say, to keep what a
    /// group had when it is stopped (the group may be that token's child: a timer that
    /// has fired by the time the group finishes counts as firing first).
    ///
    /// What it cannot bound: a task that blocks inside its `poll` (the group cannot drop
    /// it until that poll returns), a task on an executor that nobody runs any more, a
    /// cooperative task (of a cooperative group, or spawned `cooperative()`), which runs
    /// until it sees the token, and a task inside a [`Shield`](crate::Shield)ed section,
    /// until the section ends. The timer stops the *waiting*; the group still waits for
    /// its tasks to be dropped. For a bound on all of them, shut the group down:
    /// [`shutdown`](Self::shutdown) drops every task left at the end of its grace period.
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
    pub fn wait_until<T: Future<Output = ()>>(self, timer: T) -> WaitUntil<E, M, R, T> {
        WaitUntil::new(self.owner, timer)
    }
}

impl<E, M: Mode, T> ErrGroup<E, M, Collect<T>> {
    /// Turns the group into a stream of its tasks' results, as they complete.
    ///
    /// What it yields, item by item (`Result<T, E>`):
    ///
    /// - `Ok(value)` for each task that succeeded, as it finishes (after a failure too:
    ///   values that arrive are never dropped);
    /// - `Err(error)` for each error the policy keeps: the first one only with
    ///   [`Policy::FailFast`] (later ones are the cancellation's consequence) and
    ///   [`Policy::NoCancel`] (Go's rule: the first error is the group's), every one with
    ///   [`Policy::CollectAll`];
    /// - a panic is re-raised from `poll_next` (an `Err` with
    ///   [`Builder::panics_as_errors`]), and so is a lost task (an `Err` with
    ///   [`Builder::interruptions_as_errors`]);
    /// - tasks the group dropped (cancelled) yield nothing; a group cancelled from outside
    ///   ends with `Err(E::from(Interrupted::Cancelled))` if it turns interruptions into
    ///   errors.
    ///
    /// It ends when every task has finished or been dropped and no [`Feeder`] is open: to
    /// stream results while a producer still spawns, give the producer a feeder. Its
    /// [`with_tasks`](Completions::with_tasks) yields the same items, each with the task it
    /// came from. For one outcome per task, failures and cancellations included, wait with
    /// [`wait_outcomes`](Self::wait_outcomes) instead.
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
    pub fn into_stream(self) -> Completions<E, M, T> {
        Completions::new(self.owner)
    }
}

impl<E, M: Mode, T> ErrGroup<E, M, Collect<T>> {
    /// Waits like [`wait`](Self::wait), then returns every task's [`Outcome`], values and
    /// failures together: one per task spawned, in spawn order, each with its [`TaskId`] (a
    /// spawn the spawner refused was never a task, and is not there). For a batch or a
    /// health check, where one failure should not hide the rest.
    ///
    /// - [`Outcome::Succeeded`]: the task's value.
    /// - [`Outcome::Failed`]: its error, whether or not it was the group's first one (an
    ///   error that arrived after a fail-fast group was cancelled is here too).
    /// - [`Outcome::Panicked`]: its panic, **not re-raised**: here it is a value like the
    ///   others ([`Outcome::into_result`] re-raises it), unless the group turns panics into
    ///   errors ([`Builder::panics_as_errors`]), which makes it `Failed`.
    /// - [`Outcome::Lost`]: its executor dropped it unfinished (`Failed` with
    ///   [`Builder::interruptions_as_errors`]).
    /// - [`Outcome::Cancelled`]: the group dropped it unfinished, for the reason its token
    ///   gives (a sibling's failure, a cancel, a parent).
    ///
    /// The policy still decides what a failure does to the others: with
    /// [`Policy::FailFast`] (the default) the first failure cancels the rest, which then
    /// come back `Cancelled`; with [`Policy::CollectAll`] every task runs to its end.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{CancelReason, ErrGroup, Outcome, Policy};
    ///
    /// let mut group = ErrGroup::builder().policy(Policy::CollectAll).collect().inline();
    /// for name in ["db", "cache", "queue"] {
    ///     group.task().name(name).try_spawn(async move {
    ///         if name == "cache" { Err(format!("{name} is down")) } else { Ok(name.len()) }
    ///     }).unwrap();
    /// }
    /// let outcomes = futures_executor::block_on(group.wait_outcomes());
    /// assert_eq!(outcomes.len(), 3);
    /// assert!(matches!(outcomes[0], (id, Outcome::Succeeded(2)) if id.index() == 0));
    /// assert!(matches!(&outcomes[1].1, Outcome::Failed(error) if error == "cache is down"));
    /// assert!(matches!(outcomes[2].1, Outcome::Succeeded(5)));
    ///
    /// // Fail fast: the first failure cancels the others.
    /// let group = ErrGroup::builder().collect().inline();
    /// group.try_spawn(async { Err::<u8, _>("boom") }).unwrap();
    /// group.try_spawn(std::future::pending()).unwrap();
    /// let outcomes = futures_executor::block_on(group.wait_outcomes());
    /// assert!(matches!(outcomes[0].1, Outcome::Failed("boom")));
    /// assert!(matches!(outcomes[1].1, Outcome::Cancelled(CancelReason::Error)));
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, which cancels its remaining tasks.
    pub fn wait_outcomes(self) -> WaitOutcomes<E, M, T> {
        WaitOutcomes::new(self.owner)
    }
}

impl<E, M: Mode, T> ErrGroup<E, M, FirstOk<T>> {
    /// Waits for the race to be decided: the first task to succeed wins, and every other
    /// task is cancelled (dropped) before this resolves.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::ErrGroup;
    ///
    /// let group = ErrGroup::builder().race().inline();
    /// group.try_spawn(async { Err::<&str, _>("primary is down") }).unwrap();
    /// group.try_spawn(async { Ok("from the replica") }).unwrap();
    /// group.try_spawn(std::future::pending()).unwrap(); // cancelled: the race is won
    /// assert_eq!(futures_executor::block_on(group.race()), Ok("from the replica"));
    /// ```
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
    pub fn race(self) -> Race<E, M, T> {
        Race::new(self.owner)
    }
}

impl<E, M: Mode, R: Results> Deref for ErrGroup<E, M, R> {
    type Target = GroupHandle<E, M, R>;

    fn deref(&self) -> &GroupHandle<E, M, R> {
        &self.owner.handle
    }
}

impl<E, M: Mode, R: Results> IntoFuture for ErrGroup<E, M, R> {
    type Output = Result<R::Output, E>;
    type IntoFuture = Wait<E, M, R>;

    fn into_future(self) -> Wait<E, M, R> {
        self.wait()
    }
}

impl<E, M: Mode, R: Results> fmt::Debug for ErrGroup<E, M, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.owner.fmt(f)
    }
}

impl<'a, E, R: Results, K: InlineTasks> ErrGroup<E, Inline<'a, K>, R> {
    /// Spawns `future` as a task of the group, waiting for a free slot if a limit is set,
    /// as [`GroupHandle::spawn`] does; while it waits, it runs the group's tasks, so that
    /// spawning in a loop before `wait` cannot deadlock.
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
    ///     // Waits while two tasks are active, running them meanwhile.
    ///     group.spawn(async move { { let _ = n; Ok::<(), ()>(()) } }).await.unwrap();
    /// }
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
    /// Dropping the future before it resolves drops `future` unspawned; the tasks it ran
    /// stay in the group, none is lost.
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> InlineSpawning<'_, 'a, E, R, F, (), K>
    where
        F: Future<Output = Result<R::Value, E>>,
        Inline<'a, K>: Launch<F, E, R>,
    {
        InlineSpawning::new(&mut self.owner, future, ())
    }

    /// Starts spawning one task with options, as [`GroupHandle::task`] does; its
    /// [`spawn`](TaskBuilder::spawn) runs the group's tasks while it waits for a free slot,
    /// as [`ErrGroup::spawn`] does. So it takes `&mut self`, as `spawn` does: declare the
    /// group `let mut group`, or go through a handle (`group.handle().task()`), which
    /// needs only `&self` and does not run the tasks.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "std")] {
    /// use errgroup::{ErrGroup, Panicked};
    ///
    /// # futures_executor::block_on(async {
    /// let mut group = ErrGroup::<Panicked, _>::builder().panics_as_errors().inline();
    /// group.limit(1).unwrap();
    /// group.task().name("first").spawn(async { Ok(()) }).await.unwrap();
    /// // Full: this runs `first` to free its slot, then spawns.
    /// group.task().name("second").spawn(async { panic!("oops") }).await.unwrap();
    /// let panicked = group.await.unwrap_err();
    /// assert_eq!(panicked.task().name(), Some("second"));
    /// # });
    /// # }
    /// ```
    pub fn task(&mut self) -> TaskBuilder<&mut Self> {
        TaskBuilder::new(self)
    }
}

impl<'g, 'a, E, R: Results, L: Label, K: InlineTasks>
    TaskBuilder<&'g mut ErrGroup<E, Inline<'a, K>, R>, L>
{
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
        Inline<'a, K>: Launch<F, E, R>,
    {
        let (group, label) = self.into_parts();
        // A spawn that does not wait runs no task: the handle's does it all.
        TaskBuilder::labelled(&group.owner.handle, label).try_spawn(future)
    }

    /// Spawns `future` as the task, waiting for a free slot if a limit is set and running
    /// the group's tasks meanwhile, as [`ErrGroup::spawn`] does; returns its id.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let mut group = errgroup::ErrGroup::<(), _>::builder().collect().inline();
    /// group.limit(1).unwrap();
    /// let first = group.task().name("first").spawn(async { Ok(1) }).await.unwrap();
    /// // Full: this runs `first` to free its slot, then spawns.
    /// let second = group.task().name("second").spawn(async { Ok(2) }).await.unwrap();
    /// assert_eq!((first.index(), second.index()), (0, 1));
    /// assert_eq!(group.await, Ok(vec![1, 2]));
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GroupHandle::spawn`].
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it resolves drops `future` unspawned; the tasks it ran
    /// stay in the group, none is lost.
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> InlineSpawning<'g, 'a, E, R, F, L, K>
    where
        F: Future<Output = Result<R::Value, E>>,
        Inline<'a, K>: Launch<F, E, R>,
    {
        let (group, label) = self.into_parts();
        InlineSpawning::new(&mut group.owner, future, label)
    }
}

impl<'a, E, L: Label, K: InlineTasks> TaskBuilder<&mut ErrGroup<E, Inline<'a, K>, Discard>, L> {
    /// Spawns `future` as the task with a [`TaskHandle`], as
    /// [`TaskBuilder::try_spawn_handle`] does on a group's handle. The task runs while the
    /// group is awaited: await its handle with the group, or after it.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let mut group = errgroup::ErrGroup::<(), _>::inline();
    /// let answer = group.task().name("answer").try_spawn_handle(async { Ok(42) }).unwrap();
    /// group.await.unwrap();
    /// assert_eq!(answer.await.succeeded(), Some(42));
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GroupHandle::try_spawn`]: the future is handed back inside the [`Rejected`].
    pub fn try_spawn_handle<F, T>(self, future: F) -> Result<TaskHandle<T, E>, Rejected<F>>
    where
        F: Future<Output = Result<T, E>>,
        Inline<'a, K>: Launch<Handled<F, T, E>, E, Discard>,
    {
        let (group, label) = self.into_parts();
        TaskBuilder::labelled(&group.owner.handle, label).try_spawn_handle(future)
    }
}

impl<'g, 'a, E, R: Results, L: Label, K, Tk: InlineTasks>
    KeyedTask<&'g mut ErrGroup<E, Inline<'a, Tk>, R>, L, K>
{
    /// Spawns `future` as the task, as [`KeyedTask::try_spawn`] does on a group's handle.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut group = errgroup::ErrGroup::<(), _>::builder().keyed().inline();
    /// group.task().key("x").try_spawn(async { Ok(1) }).unwrap();
    /// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![("x", 1)]));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GroupHandle::try_spawn`]; the key and the future come back in the [`Rejected`].
    pub fn try_spawn<F, T>(self, future: F) -> Result<TaskId, Rejected<WithKey<F, K>>>
    where
        R: Results<Value = (K, T)>,
        F: Future<Output = Result<T, E>>,
        Inline<'a, Tk>: Launch<WithKey<F, K>, E, R>,
    {
        let (builder, keyed) = self.with_key(future);
        builder.try_spawn(keyed)
    }

    /// Spawns `future` as the task, waiting for a free slot and running the group's tasks
    /// meanwhile, as [`ErrGroup::spawn`] does; its value will be paired with the key.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_executor::block_on(async {
    /// let mut group = errgroup::ErrGroup::<(), _>::builder().keyed().inline();
    /// group.limit(1).unwrap();
    /// group.task().key(1).spawn(async { Ok("one") }).await.unwrap();
    /// group.task().key(2).spawn(async { Ok("two") }).await.unwrap(); // runs the first
    /// assert_eq!(group.await, Ok(vec![(1, "one"), (2, "two")]));
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GroupHandle::spawn`].
    ///
    /// # Cancel safety
    ///
    /// As [`TaskBuilder::spawn`] on an inline group: the tasks it ran stay in the group.
    #[track_caller]
    pub fn spawn<F, T>(self, future: F) -> InlineSpawning<'g, 'a, E, R, WithKey<F, K>, L, Tk>
    where
        R: Results<Value = (K, T)>,
        F: Future<Output = Result<T, E>>,
        Inline<'a, Tk>: Launch<WithKey<F, K>, E, R>,
    {
        let (builder, keyed) = self.with_key(future);
        builder.spawn(keyed)
    }
}
