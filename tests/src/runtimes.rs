//! The runtimes the suite runs on through their adapter crates: tokio (multi-thread,
//! current-thread and a `LocalSet`), smol and async-std.

use std::{future::Future, rc::Rc, sync::OnceLock};

use errgroup::{Builder, ErrGroup, GroupHandle, Results, SpawnedLocal, TaskName};
use tokio::{runtime::Runtime, task::LocalSet};

use crate::{
    Executor, RuntimeExecutor, SpawnResult, WaitedResult, adapter::Adapter, support::Task,
};

/// tokio's multi-thread scheduler with two workers, shared by every test.
#[derive(Debug, Clone, Copy)]
pub struct TokioMultiThread;

fn multi_thread() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .expect("build a tokio runtime")
    })
}

impl RuntimeExecutor for TokioMultiThread {
    type Spawner = errgroup_tokio::Spawner;

    fn spawner() -> Self::Spawner {
        multi_thread().handle().clone().into()
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        multi_thread().block_on(future)
    }
}

thread_local! {
    /// A current-thread runtime per test thread: its tasks run while the test blocks on it.
    static CURRENT_THREAD: Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("build a tokio runtime");
    /// The `LocalSet` a test body spawns `!Send`-capable tasks into.
    static LOCAL_SET: LocalSet = LocalSet::new();
}

/// tokio's current-thread scheduler: tasks run on the test's own thread, only while it
/// blocks on the runtime.
#[derive(Debug, Clone, Copy)]
pub struct TokioCurrentThread;

impl RuntimeExecutor for TokioCurrentThread {
    type Spawner = errgroup_tokio::Spawner;

    fn spawner() -> Self::Spawner {
        CURRENT_THREAD.with(|runtime| runtime.handle().clone().into())
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        CURRENT_THREAD.with(|runtime| runtime.block_on(future))
    }
}

/// A tokio `LocalSet` on a current-thread runtime, reached through the local spawner:
/// tasks run on the test's thread while it blocks on the set.
#[derive(Debug, Clone, Copy)]
pub struct TokioLocalSet;

impl Executor for TokioLocalSet {
    type Mode = SpawnedLocal<errgroup_tokio::LocalSpawner>;

    fn group<E, R>(builder: Builder<E, R>) -> ErrGroup<E, Self::Mode, R>
    where
        E: Send + 'static,
        R: Results + 'static,
    {
        builder.local_spawner(errgroup_tokio::LocalSpawner::new())
    }

    fn try_spawn<E, R>(
        handle: &GroupHandle<E, Self::Mode, R>,
        task: Task<R::Value, E>,
    ) -> SpawnResult<R::Value, E>
    where
        E: Send + 'static,
        R: Results + 'static,
        R::Value: Send + 'static,
        R::Store: Send + Sync,
    {
        handle.try_spawn(task)
    }

    fn try_spawn_named<E, R>(
        handle: &GroupHandle<E, Self::Mode, R>,
        name: TaskName,
        task: Task<R::Value, E>,
    ) -> SpawnResult<R::Value, E>
    where
        E: Send + 'static,
        R: Results + 'static,
        R::Value: Send + 'static,
        R::Store: Send + Sync,
    {
        handle.task().name(name).try_spawn(task)
    }

    fn try_spawn_keyed<E, K, T>(
        handle: &GroupHandle<E, Self::Mode, errgroup::Collect<(K, T)>>,
        key: K,
        task: Task<T, E>,
    ) -> crate::KeyedResult<K, T, E>
    where
        E: Send + 'static,
        K: Send + 'static,
        T: Send + 'static,
    {
        handle.task().key(key).try_spawn(task)
    }

    fn try_spawn_handle<E, T>(
        handle: &GroupHandle<E, Self::Mode>,
        name: Option<TaskName>,
        task: Task<T, E>,
    ) -> crate::HandleResult<T, E>
    where
        E: Send + 'static,
        T: Send + 'static,
    {
        crate::spawn_handle_with(handle, name, task)
    }

    fn try_spawn_controlled<E>(
        handle: &GroupHandle<E, Self::Mode>,
        control: &crate::Control,
        task: Task<(), E>,
    ) -> crate::SpawnResult<(), E>
    where
        E: Send + 'static,
    {
        crate::spawn_controlled_with(handle, control, task)
    }

    fn spawn<'h, E, R>(
        handle: &'h GroupHandle<E, Self::Mode, R>,
        task: Task<R::Value, E>,
    ) -> impl Future<Output = WaitedResult> + 'h
    where
        E: Send + 'static,
        R: Results + 'static,
        R::Value: Send + 'static,
        R::Store: Send + Sync,
    {
        handle.spawn(task)
    }

    fn spawn_driving<'g, E, R>(
        group: &'g mut ErrGroup<E, Self::Mode, R>,
        task: Task<R::Value, E>,
    ) -> impl Future<Output = WaitedResult> + 'g
    where
        E: Send + 'static,
        R: Results + 'static,
        R::Value: Send + 'static,
        R::Store: Send + Sync,
    {
        let handle: &'g GroupHandle<E, Self::Mode, R> = group;
        handle.spawn(task)
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        LOCAL_SET.with(|set| CURRENT_THREAD.with(|runtime| set.block_on(runtime, future)))
    }

    fn run(body: fn()) {
        // Spawning into a `LocalSet` needs it entered, also outside `block_on`.
        LOCAL_SET.with(|set| {
            let _entered = set.enter();
            body();
        });
    }
}

/// smol's global executor; the test blocks with `smol::block_on`.
#[derive(Debug, Clone, Copy)]
pub struct Smol;

impl RuntimeExecutor for Smol {
    type Spawner = errgroup_smol::Spawner;

    fn spawner() -> Self::Spawner {
        errgroup_smol::Spawner
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        smol::block_on(future)
    }
}

/// async-std's executor (discontinued upstream, still supported here).
#[derive(Debug, Clone, Copy)]
pub struct AsyncStd;

impl RuntimeExecutor for AsyncStd {
    type Spawner = errgroup_async_std::Spawner;

    fn spawner() -> Self::Spawner {
        errgroup_async_std::Spawner::default()
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        async_std::task::block_on(future)
    }
}

/// Both tokio schedulers, with the `LocalSet` of the test's thread for local groups.
macro_rules! tokio_adapter {
    ($($runtime:ty),*) => {$(
        impl Adapter for $runtime {
            type Spawner = errgroup_tokio::Spawner;
            type Local = errgroup_tokio::LocalSpawner;

            fn spawner() -> Self::Spawner {
                <Self as RuntimeExecutor>::spawner()
            }

            fn block_on<F: Future>(future: F) -> F::Output {
                <Self as RuntimeExecutor>::block_on(future)
            }

            fn local_spawner() -> Self::Local {
                errgroup_tokio::LocalSpawner::new()
            }

            fn block_on_local<F: Future>(future: F) -> F::Output {
                <TokioLocalSet as Executor>::block_on(future)
            }
        }
    )*};
}

tokio_adapter!(TokioMultiThread, TokioCurrentThread);

thread_local! {
    /// The smol `LocalExecutor` of a test thread.
    static SMOL_LOCAL: Rc<smol::LocalExecutor<'static>> = Rc::new(smol::LocalExecutor::new());
}

impl Adapter for Smol {
    type Spawner = errgroup_smol::Spawner;
    type Local = errgroup_smol::LocalSpawner;

    fn spawner() -> Self::Spawner {
        errgroup_smol::Spawner
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        smol::block_on(future)
    }

    fn local_spawner() -> Self::Local {
        errgroup_smol::LocalSpawner::new(SMOL_LOCAL.with(Rc::clone))
    }

    fn block_on_local<F: Future>(future: F) -> F::Output {
        let local = SMOL_LOCAL.with(Rc::clone);
        smol::block_on(local.run(future))
    }
}

impl Adapter for AsyncStd {
    type Spawner = errgroup_async_std::Spawner;
    type Local = errgroup_async_std::LocalSpawner;

    fn spawner() -> Self::Spawner {
        errgroup_async_std::Spawner::default()
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        async_std::task::block_on(future)
    }

    fn local_spawner() -> Self::Local {
        errgroup_async_std::LocalSpawner::default()
    }

    fn block_on_local<F: Future>(future: F) -> F::Output {
        async_std::task::block_on(future)
    }
}
