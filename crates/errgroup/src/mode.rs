//! Where a group's tasks run: on a spawner, on a local spawner, or inline in `wait`.

use alloc::boxed::Box;
use core::{
    fmt,
    future::Future,
    marker::PhantomData,
    pin::Pin,
    task::{Context, Waker},
};

mod inline;

use crate::{
    error::Rejected,
    id::{Label, TaskId},
    results::Results,
    shared::Shared,
    spawn::{LocalSpawn, Spawn},
    sync::{AllocArc, Arc, AtomicWaker},
    task::{self, InGroup, OnExecutor, TaskKind},
};
use inline::Incoming;
pub(crate) use inline::InlineDriver;

mod sealed {
    pub trait Sealed {}
}

/// Where a group's tasks run. Sealed: [`Spawned`], [`SpawnedLocal`] or [`Inline`].
///
/// # Examples
///
/// ```
/// use errgroup::{ErrGroup, Inline, Mode};
///
/// fn active<M: Mode>(group: &ErrGroup<(), M>) -> usize {
///     group.active() // works the same in every mode
/// }
/// assert_eq!(active::<Inline<'_>>(&ErrGroup::inline()), 0);
/// ```
pub trait Mode: sealed::Sealed + Clone {
    #[doc(hidden)]
    /// What the group's owner keeps to run tasks itself (inline mode only).
    type Driver: Default;
    #[doc(hidden)]
    /// Where the tasks run, as the task wrapper needs to know it.
    type Kind: TaskKind;
    // The defaults are those of a mode whose tasks run on a spawner: the group's waiter is
    // its shared one, and nothing is driven here. Inline mode overrides all five.
    #[doc(hidden)]
    /// Registers the future driving the group as its one waiter: in `waiter`, the group's
    /// shared one, for tasks that run elsewhere; with the driver, inline, where the
    /// driver's `'static` wakers reach it.
    fn register_waiter(waiter: &AtomicWaker, _mode: &Self, waker: &Waker) {
        waiter.register(waker);
    }
    #[doc(hidden)]
    /// Wakes the group's waiter, wherever it registered.
    fn wake_waiter(waiter: &AtomicWaker, _mode: &Self) {
        waiter.wake();
    }
    #[doc(hidden)]
    /// Polls the tasks that run inside the group's own futures (inline mode only).
    fn run_tasks(_driver: &mut Self::Driver, _mode: &Self, _cx: &mut Context<'_>) {}
    #[doc(hidden)]
    /// Drops every task driven here (inline mode, at the end of a grace period).
    fn drop_tasks(_driver: &mut Self::Driver, _mode: &Self) {}
    #[doc(hidden)]
    /// Polls every task driven here once, at its next run (inline mode, on cancellation:
    /// the tasks the cancellation drops abort).
    fn wake_tasks(_driver: &mut Self::Driver, _mode: &Self) {}
    #[doc(hidden)]
    /// The group is gone: drops every task driven here, and any spawned from now on.
    fn close(_driver: &mut Self::Driver, _mode: &Self) {}
}

/// A [`Mode`] that can run the future `F` as a task of a group with error `E` and results
/// `R`: what `try_spawn` and `spawn` ask of their future. Every mode implements it for
/// the futures it accepts — `Send + 'static` on a [`Spawned`], `'static` on a
/// [`SpawnedLocal`], `Send + 'a` [`Inline`] — that return `Result<R::Value, E>`. Sealed.
///
/// # Examples
///
/// ```
/// use errgroup::{Discard, ErrGroup, Inline, Launch};
///
/// fn can_run<M: Launch<F, (), Discard>, F>(_: &ErrGroup<(), M>, _: &F) {}
/// let group = ErrGroup::<(), _>::inline();
/// can_run::<Inline<'_>, _>(&group, &async { Ok(()) });
/// ```
pub trait Launch<F, E, R: Results>: Mode {
    #[doc(hidden)]
    /// Counts `future` in as a task of `shared`, named by `label`, and starts it; returns
    /// its id, or hands it back.
    fn launch<L: Label>(
        &self,
        shared: &Arc<Shared<E, R>>,
        future: F,
        label: L,
    ) -> Result<TaskId, Rejected<F>>;
}

/// A [`Mode`] whose tasks run on a spawner ([`Spawned`], [`SpawnedLocal`]). The spawner
/// is also the runtime that the group's timeouts and blocking closures use, when it is a
/// [`Timer`](crate::Timer) (`wait_timeout`, `wait_deadline`) or a
/// [`BlockingPool`](crate::BlockingPool) (`spawn_blocking`), as the adapter crates'
/// spawners are. Sealed.
///
/// # Examples
///
/// ```
/// use errgroup::{ErrGroup, Spawned, WithSpawner};
///
/// fn spawner_of<M: WithSpawner>(group: &ErrGroup<(), M>) -> &M::Spawner {
///     group.mode().spawner()
/// }
/// # #[derive(Clone, Debug, PartialEq)]
/// # struct Dropper;
/// # impl errgroup::Spawn for Dropper {
/// #     fn spawn<F: Future<Output = ()> + Send + 'static>(&self, _: F) -> Result<(), errgroup::SpawnError> { Ok(()) }
/// # }
/// let group: ErrGroup<(), Spawned<Dropper>> = ErrGroup::new(Dropper);
/// assert_eq!(spawner_of(&group), &Dropper);
/// ```
pub trait WithSpawner: Mode {
    /// The spawner the group's tasks run on.
    type Spawner;

    /// The spawner the group's tasks run on.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{ErrGroup, Spawn, SpawnError, WithSpawner};
    ///
    /// /// A spawner that refuses every task, with a name to tell it apart.
    /// #[derive(Clone, Debug, PartialEq)]
    /// struct Closed(&'static str);
    ///
    /// impl Spawn for Closed {
    ///     fn spawn<F>(&self, _: F) -> Result<(), SpawnError>
    ///     where
    ///         F: Future<Output = ()> + Send + 'static,
    ///     {
    ///         Err(SpawnError::shutdown())
    ///     }
    /// }
    ///
    /// let group = ErrGroup::<(), _>::new(Closed("pool a"));
    /// assert_eq!(group.mode().spawner(), &Closed("pool a"));
    /// ```
    fn spawner(&self) -> &Self::Spawner;
}

impl<S: Clone> WithSpawner for Spawned<S> {
    type Spawner = S;

    fn spawner(&self) -> &S {
        &self.0
    }
}

impl<S: Clone> WithSpawner for SpawnedLocal<S> {
    type Spawner = S;

    fn spawner(&self) -> &S {
        &self.0
    }
}

/// Tasks run on a [`Spawn`](crate::Spawn)er: `Send + 'static` futures on a multi-threaded
/// executor. Made by [`Builder::spawner`](crate::Builder::spawner) and
/// [`ErrGroup::new`](crate::ErrGroup::new).
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::thread::{self, JoinHandle};
///
/// use errgroup::{ErrGroup, Spawned, Spawn, SpawnError};
///
/// /// The simplest spawner: a thread per task, joined at the end.
/// #[derive(Clone, Default)]
/// struct Threads(Arc<Mutex<Vec<JoinHandle<()>>>>);
///
/// impl Spawn for Threads {
///     fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
///     where
///         F: Future<Output = ()> + Send + 'static,
///     {
///         let thread = thread::spawn(move || futures_executor::block_on(task));
///         self.0.lock().unwrap().push(thread);
///         Ok(())
///     }
/// }
///
/// let threads = Threads::default();
/// let group: ErrGroup<(), Spawned<Threads>> = ErrGroup::new(threads.clone());
/// group.try_spawn(async { Ok(()) }).unwrap();
/// futures_executor::block_on(group.wait()).unwrap();
/// for thread in threads.0.lock().unwrap().drain(..) {
///     thread.join().unwrap();
/// }
/// ```
///
/// Tasks of a `Spawned` group run on other threads, so they must be `Send + 'static`;
/// this does not compile:
///
/// ```compile_fail
/// # use errgroup::{ErrGroup, Spawn, SpawnError};
/// # #[derive(Clone)]
/// # struct Pool(futures_executor::ThreadPool);
/// # impl Spawn for Pool {
/// #     fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) -> Result<(), SpawnError> {
/// #         self.0.spawn_ok(task);
/// #         Ok(())
/// #     }
/// # }
/// let group = ErrGroup::new(Pool(futures_executor::ThreadPool::new().unwrap()));
/// let not_send = std::rc::Rc::new(1);
/// let _ = group.try_spawn(async move { Ok::<i32, ()>(*not_send).map(drop) });
/// ```
#[derive(Clone, Debug)]
pub struct Spawned<S>(pub(crate) S);

/// Tasks run on a [`LocalSpawn`](crate::LocalSpawn)er: `'static` futures that need not be
/// `Send`, on the current thread's executor. Made by
/// [`Builder::local_spawner`](crate::Builder::local_spawner).
///
/// `SpawnedLocal` is neither `Send` nor `Sync`, whatever the spawner, and so are the
/// groups and handles of this mode: a local spawner spawns onto the executor of the
/// thread it is called on, so a group used from another thread would put its tasks where
/// its `wait` never runs them.
///
/// # Examples
///
/// See [`Builder::local_spawner`](crate::Builder::local_spawner).
///
/// Even with a spawner that is `Send`, a local group stays on its thread; this does not
/// compile:
///
/// ```compile_fail
/// use errgroup::{ErrGroup, LocalSpawn, SpawnError};
///
/// #[derive(Clone)]
/// struct Dropper; // `Send` and `Sync`
///
/// impl LocalSpawn for Dropper {
///     fn spawn_local<F: Future<Output = ()> + 'static>(&self, _: F) -> Result<(), SpawnError> {
///         Ok(())
///     }
/// }
///
/// let group = ErrGroup::<(), _>::builder().local_spawner(Dropper);
/// std::thread::spawn(move || drop(group));
/// ```
#[derive(Clone, Debug)]
pub struct SpawnedLocal<S>(pub(crate) S, PhantomData<*const ()>);

impl<S> SpawnedLocal<S> {
    /// The mode of a group on `spawner`. The marker makes it `!Send` and `!Sync`.
    pub(crate) const fn new(spawner: S) -> Self {
        Self(spawner, PhantomData)
    }
}

/// Tasks run inside the group's own `wait` (and `spawn`) futures, like `FuturesUnordered`
/// (one allocation per task, the task itself):
/// no executor needed, `no_std` + `alloc` is enough, and tasks may borrow from the caller
/// (`'a`), which makes scoped tasks possible without `unsafe`. Made by
/// [`ErrGroup::inline`](crate::ErrGroup::inline) and
/// [`Builder::inline`](crate::Builder::inline).
///
/// # Examples
///
/// ```
/// use errgroup::ErrGroup;
///
/// let words = vec!["a", "bb", "ccc"];
/// let group = ErrGroup::builder().collect().inline();
/// for word in &words {
///     // Borrows `words`: inline tasks need not be `'static`.
///     group.try_spawn(async move { Ok::<usize, ()>(word.len()) }).unwrap();
/// }
/// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![1, 2, 3]));
/// ```
///
/// The borrow checker sees to it that borrowed data outlives the group; this does not
/// compile:
///
/// ```compile_fail
/// use errgroup::ErrGroup;
///
/// let group = ErrGroup::inline();
/// {
///     let short_lived = String::from("gone too soon");
///     let borrowed = &short_lived;
///     group.try_spawn(async move { Ok::<usize, ()>(borrowed.len()).map(drop) }).unwrap();
/// }
/// futures_executor::block_on(group.wait()).unwrap();
/// ```
///
/// # `!Send` tasks
///
/// `Inline<'a, LocalTasks>` ([`InlineLocal`]) takes tasks that are not `Send` (holding an
/// `Rc`, a `RefCell` borrow, a `!Send` driver handle), as `FuturesUnordered` does; the
/// group and its handles are then `!Send` themselves. Made by
/// [`ErrGroup::inline_local`](crate::ErrGroup::inline_local) and
/// [`Builder::inline_local`](crate::Builder::inline_local); everything else is the same.
pub struct Inline<'a, K: InlineTasks = SendTasks> {
    /// Tasks spawned but not yet picked up by the driver (from handles, or before `wait`).
    incoming: AllocArc<Incoming<K::Task<'a>>>,
}

/// An inline group whose tasks need not be `Send`: see [`Inline`]'s "`!Send` tasks".
///
/// # Examples
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use errgroup::{ErrGroup, InlineLocal};
///
/// let log = Rc::new(RefCell::new(Vec::new())); // neither `Send` nor `Sync`
/// let group: ErrGroup<(), InlineLocal<'_>> = ErrGroup::inline_local();
/// for n in 0..3 {
///     let log = Rc::clone(&log);
///     group.try_spawn(async move { Ok(log.borrow_mut().push(n)) }).unwrap();
/// }
/// futures_executor::block_on(group.wait()).unwrap();
/// assert_eq!(*log.borrow(), [0, 1, 2]);
/// ```
///
/// Such a group stays on its thread:
///
/// ```compile_fail
/// let group = errgroup::ErrGroup::<(), _>::inline_local();
/// std::thread::spawn(move || drop(group));
/// ```
///
/// And a `Send` inline group takes no `!Send` task; the compiler points to `inline_local`'s
/// need:
///
/// ```compile_fail
/// let group = errgroup::ErrGroup::<(), _>::inline();
/// let rc = std::rc::Rc::new(1);
/// group.try_spawn(async move { Ok(drop(rc)) }).unwrap();
/// ```
pub type InlineLocal<'a> = Inline<'a, LocalTasks>;

/// Whether an [`Inline`] group's tasks must be `Send`: [`SendTasks`] (the default) or
/// [`LocalTasks`]. Sealed.
///
/// # Examples
///
/// ```
/// use errgroup::{Inline, InlineTasks, LocalTasks, SendTasks};
///
/// fn kind<K: InlineTasks>(_: &Inline<'_, K>) -> &'static str {
///     core::any::type_name::<K>()
/// }
/// # let _ = (kind::<SendTasks>, kind::<LocalTasks>);
/// ```
pub trait InlineTasks: sealed::Sealed + 'static {
    #[doc(hidden)]
    /// A task as the driver holds it: the group's task wrapper, boxed once.
    type Task<'a>: Future<Output = ()> + Unpin + 'a;
}

/// [`Inline`] groups whose tasks are `Send`, so that the group and its handles are too: the
/// default.
///
/// # Examples
///
/// ```
/// use errgroup::{ErrGroup, Inline, SendTasks};
///
/// let group: ErrGroup<(), Inline<'_, SendTasks>> = ErrGroup::inline();
/// std::thread::scope(|scope| {
///     let handle = group.handle();
///     scope.spawn(move || handle.try_spawn(async { Ok(()) }).unwrap());
/// });
/// futures_executor::block_on(group.wait()).unwrap();
/// ```
#[derive(Debug)]
pub enum SendTasks {}

/// [`Inline`] groups whose tasks need not be `Send` ([`InlineLocal`]).
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use errgroup::{ErrGroup, Inline, LocalTasks};
///
/// let group: ErrGroup<(), Inline<'_, LocalTasks>> = ErrGroup::inline_local();
/// let config = Rc::new("not Send");
/// group.try_spawn(async move { Ok(assert_eq!(*config, "not Send")) }).unwrap();
/// futures_executor::block_on(group.wait()).unwrap();
/// ```
#[derive(Debug)]
pub enum LocalTasks {}

impl sealed::Sealed for SendTasks {}
impl sealed::Sealed for LocalTasks {}

impl InlineTasks for SendTasks {
    type Task<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
}

impl InlineTasks for LocalTasks {
    type Task<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;
}

impl<K: InlineTasks> Clone for Inline<'_, K> {
    fn clone(&self) -> Self {
        Self { incoming: self.incoming.clone() }
    }
}

impl<K: InlineTasks> fmt::Debug for Inline<'_, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inline").finish_non_exhaustive()
    }
}

impl<'a, K: InlineTasks> Inline<'a, K> {
    pub(crate) fn new() -> Self {
        Self { incoming: AllocArc::new(Incoming::new()) }
    }

    /// Starts `future` as a task of the group and queues it for the driver, boxed by
    /// `boxed` as this kind of group holds its tasks (with `Send`, or without).
    fn launch_boxed<F, E, R: Results, L: Label>(
        &self,
        shared: &Arc<Shared<E, R>>,
        future: F,
        label: L,
        boxed: impl FnOnce(task::Task<F, E, R, InGroup, L>) -> K::Task<'a>,
    ) -> Result<TaskId, Rejected<F>> {
        let task = task::start::<_, _, _, InGroup, _>(shared, future, label)?;
        let id = task.id();
        // The driver picks the task up when it is next polled; the push wakes it.
        self.incoming.push(boxed(task));
        Ok(id)
    }
}

impl<S: Clone> sealed::Sealed for Spawned<S> {}
impl<S: Clone> sealed::Sealed for SpawnedLocal<S> {}
impl<K: InlineTasks> sealed::Sealed for Inline<'_, K> {}

impl<S: Clone> Mode for Spawned<S> {
    type Driver = ();
    type Kind = OnExecutor;
}

impl<S: Clone> Mode for SpawnedLocal<S> {
    type Driver = ();
    type Kind = OnExecutor;
}

impl<'a, K: InlineTasks> Mode for Inline<'a, K> {
    type Driver = InlineDriver<K::Task<'a>>;
    /// Inline tasks need no wake-up of their own: the driver drops them all on cancel.
    type Kind = InGroup;

    fn register_waiter(_: &AtomicWaker, mode: &Self, waker: &Waker) {
        mode.incoming.register_waiter(waker);
    }

    fn wake_waiter(_: &AtomicWaker, mode: &Self) {
        mode.incoming.wake_waiter();
    }

    fn run_tasks(driver: &mut InlineDriver<K::Task<'a>>, mode: &Self, cx: &mut Context<'_>) {
        // Tasks spawned meanwhile, and tasks' wake-ups, wake `cx`.
        driver.run(&mode.incoming, cx);
    }

    fn drop_tasks(driver: &mut InlineDriver<K::Task<'a>>, mode: &Self) {
        driver.drop_all(&mode.incoming, false);
    }

    fn wake_tasks(driver: &mut InlineDriver<K::Task<'a>>, mode: &Self) {
        driver.poll_all(&mode.incoming);
    }

    fn close(driver: &mut InlineDriver<K::Task<'a>>, mode: &Self) {
        driver.drop_all(&mode.incoming, true);
    }
}

impl<E, S, R, F> Launch<F, E, R> for Spawned<S>
where
    E: Send + 'static,
    S: Spawn + Clone,
    R: Results + 'static,
    R::Value: Send + 'static,
    R::Store: Send + Sync,
    F: Future<Output = Result<R::Value, E>> + Send + 'static,
{
    fn launch<L: Label>(
        &self,
        shared: &Arc<Shared<E, R>>,
        future: F,
        label: L,
    ) -> Result<TaskId, Rejected<F>> {
        let task = task::start::<_, _, _, OnExecutor, _>(shared, future, label)?;
        task::launch(shared, task, |task| self.0.spawn(task)).map_err(Rejected::Spawner)
    }
}

impl<E, S, R, F> Launch<F, E, R> for SpawnedLocal<S>
where
    E: 'static,
    S: LocalSpawn + Clone,
    R: Results + 'static,
    R::Value: 'static,
    F: Future<Output = Result<R::Value, E>> + 'static,
{
    fn launch<L: Label>(
        &self,
        shared: &Arc<Shared<E, R>>,
        future: F,
        label: L,
    ) -> Result<TaskId, Rejected<F>> {
        let task = task::start::<_, _, _, OnExecutor, _>(shared, future, label)?;
        task::launch(shared, task, |task| self.0.spawn_local(task)).map_err(Rejected::Spawner)
    }
}

impl<'a, E, R, F> Launch<F, E, R> for Inline<'a, SendTasks>
where
    E: Send + 'a,
    R: Results + 'a,
    R::Value: Send + 'a,
    R::Store: Send + Sync,
    F: Future<Output = Result<R::Value, E>> + Send + 'a,
{
    fn launch<L: Label>(
        &self,
        shared: &Arc<Shared<E, R>>,
        future: F,
        label: L,
    ) -> Result<TaskId, Rejected<F>> {
        self.launch_boxed(shared, future, label, |task| Box::pin(task))
    }
}

impl<'a, E, R, F> Launch<F, E, R> for Inline<'a, LocalTasks>
where
    E: 'a,
    R: Results + 'a,
    R::Value: 'a,
    F: Future<Output = Result<R::Value, E>> + 'a,
{
    fn launch<L: Label>(
        &self,
        shared: &Arc<Shared<E, R>>,
        future: F,
        label: L,
    ) -> Result<TaskId, Rejected<F>> {
        self.launch_boxed(shared, future, label, |task| Box::pin(task))
    }
}
