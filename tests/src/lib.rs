//! The errgroup conformance suite: one set of generic test bodies, run on every executor.
//!
//! - [`conformance`] holds the bodies, one per documented guarantee, each named after it
//!   and generic over an [`Executor`].
//! - An [`Executor`] says how a group is made, how tasks are handed to it and how a future
//!   is run to completion. [`InlineExecutor`] runs tasks inside the group's own futures;
//!   [`ThreadPoolExecutor`] spawns them on a `futures-executor` thread pool through a real
//!   [`Spawn`] impl. Any spawner-based executor only implements [`RuntimeExecutor`].
//! - [`conformance_suite!`] instantiates every body for one executor, one `#[test]` each,
//!   each bounded by a deadline ([`run_with_deadline`]) so that a hang fails instead of
//!   stalling the run.
//!
//! ```text
//! errgroup_tests::conformance_suite!(inline, errgroup_tests::InlineExecutor, inline);
//! errgroup_tests::conformance_suite!(thread_pool, errgroup_tests::ThreadPoolExecutor, runtime);
//! ```
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::{
    future::Future,
    panic, thread,
    time::{Duration, Instant},
};

use errgroup::{
    Builder, Discard, ErrGroup, GroupHandle, Inline, LocalTasks, Mode, Refused, Rejected, Results,
    SendTasks, Spawn, SpawnError, Spawned, TaskHandle, TaskId, TaskName,
};

pub mod adapter;
pub mod conformance;
pub mod runtimes;
pub mod shutdown;
pub mod support;

use support::Task;

/// What spawning a [`Task`] without waiting gives back.
pub type SpawnResult<T, E> = Result<TaskId, Rejected<Task<T, E>>>;

/// What a waiting spawn gives back: a refused task is dropped.
pub type WaitedResult = Result<TaskId, Refused>;

/// What spawning a [`Task`] with a key gives back.
pub type KeyedResult<K, T, E> = Result<TaskId, Rejected<errgroup::future::WithKey<Task<T, E>, K>>>;

/// What spawning a [`Task`] with a handle gives back.
pub type HandleResult<T, E> = Result<TaskHandle<T, E>, Rejected<Task<T, E>>>;

/// An executor the conformance bodies run on: how a group is made, how tasks reach it and
/// how a future is run to completion on the calling thread.
///
/// Implement [`RuntimeExecutor`] instead for an executor reached through a [`Spawn`]er;
/// this trait comes with it.
pub trait Executor: 'static {
    /// The group mode this executor runs tasks in.
    type Mode: Mode + 'static;

    /// Makes a group from `builder`.
    fn group<E, R>(builder: Builder<E, R>) -> ErrGroup<E, Self::Mode, R>
    where
        E: Send + 'static,
        R: Results + 'static;

    /// `handle.try_spawn(task)`.
    fn try_spawn<E, R>(
        handle: &GroupHandle<E, Self::Mode, R>,
        task: Task<R::Value, E>,
    ) -> SpawnResult<R::Value, E>
    where
        E: Send + 'static,
        R: Results + 'static,
        R::Value: Send + 'static,
        R::Store: Send + Sync;

    /// `handle.task().name(name).try_spawn(task)`.
    fn try_spawn_named<E, R>(
        handle: &GroupHandle<E, Self::Mode, R>,
        name: TaskName,
        task: Task<R::Value, E>,
    ) -> SpawnResult<R::Value, E>
    where
        E: Send + 'static,
        R: Results + 'static,
        R::Value: Send + 'static,
        R::Store: Send + Sync;

    /// `handle.task().key(key).try_spawn(task)`.
    fn try_spawn_keyed<E, K, T>(
        handle: &GroupHandle<E, Self::Mode, errgroup::Collect<(K, T)>>,
        key: K,
        task: Task<T, E>,
    ) -> KeyedResult<K, T, E>
    where
        E: Send + 'static,
        K: Send + 'static,
        T: Send + 'static;

    /// `handle.task().try_spawn_handle(task)`, named `name` if given.
    fn try_spawn_handle<E, T>(
        handle: &GroupHandle<E, Self::Mode>,
        name: Option<TaskName>,
        task: Task<T, E>,
    ) -> HandleResult<T, E>
    where
        E: Send + 'static,
        T: Send + 'static;

    /// `handle.task().cooperative().try_spawn(task)`, or `.shield(shield)`: what every
    /// executor's [`Executor::try_spawn_controlled`] does.
    fn try_spawn_controlled<E>(
        handle: &GroupHandle<E, Self::Mode>,
        control: &Control,
        task: Task<(), E>,
    ) -> SpawnResult<(), E>
    where
        E: Send + 'static;

    /// `handle.spawn(task)`: waits for a slot, relying on someone else to run the tasks.
    fn spawn<'h, E, R>(
        handle: &'h GroupHandle<E, Self::Mode, R>,
        task: Task<R::Value, E>,
    ) -> impl Future<Output = WaitedResult> + 'h
    where
        E: Send + 'static,
        R: Results + 'static,
        R::Value: Send + 'static,
        R::Store: Send + Sync;

    /// Spawns through the group itself: waits for a slot, and in inline mode runs the
    /// group's tasks meanwhile (`ErrGroup::spawn`).
    fn spawn_driving<'g, E, R>(
        group: &'g mut ErrGroup<E, Self::Mode, R>,
        task: Task<R::Value, E>,
    ) -> impl Future<Output = WaitedResult> + 'g
    where
        E: Send + 'static,
        R: Results + 'static,
        R::Value: Send + 'static,
        R::Store: Send + Sync;

    /// Runs `future` to completion on the calling thread.
    fn block_on<F: Future>(future: F) -> F::Output;

    /// Runs a whole test body on its thread: the place to set up what the executor needs
    /// around the body (a tokio `LocalSet` to spawn into, say). By default, just runs it.
    fn run(body: fn()) {
        body();
    }
}

/// An executor reached through a [`Spawn`]er: tasks are `Send + 'static` and run
/// elsewhere. Implementing this implements [`Executor`].
pub trait RuntimeExecutor: 'static {
    /// The spawner groups hand their tasks to.
    type Spawner: Spawn + Clone + Send + Sync + 'static;

    /// A spawner for a new group.
    fn spawner() -> Self::Spawner;

    /// Runs `future` to completion on the calling thread.
    fn block_on<F: Future>(future: F) -> F::Output;
}

impl<X: RuntimeExecutor> Executor for X {
    type Mode = Spawned<X::Spawner>;

    fn group<E, R>(builder: Builder<E, R>) -> ErrGroup<E, Self::Mode, R>
    where
        E: Send + 'static,
        R: Results + 'static,
    {
        builder.spawner(X::spawner())
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
    ) -> HandleResult<T, E>
    where
        E: Send + 'static,
        T: Send + 'static,
    {
        spawn_handle_with(handle, name, task)
    }

    fn try_spawn_controlled<E>(
        handle: &GroupHandle<E, Self::Mode>,
        control: &Control,
        task: Task<(), E>,
    ) -> SpawnResult<(), E>
    where
        E: Send + 'static,
    {
        spawn_controlled_with(handle, control, task)
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
        <X as RuntimeExecutor>::block_on(future)
    }
}

/// The executors of inline mode, `Send` and `!Send`: one body, made twice.
macro_rules! inline_executor {
    ($(#[$doc:meta])* $executor:ident, $tasks:ty, $make:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $executor;

        impl Executor for $executor {
            type Mode = Inline<'static, $tasks>;

            fn group<E, R>(builder: Builder<E, R>) -> ErrGroup<E, Self::Mode, R>
            where
                E: Send + 'static,
                R: Results + 'static,
            {
                builder.$make()
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
            ) -> HandleResult<T, E>
            where
                E: Send + 'static,
                T: Send + 'static,
            {
                spawn_handle_with(handle, name, task)
            }

            fn try_spawn_controlled<E>(
                handle: &GroupHandle<E, Self::Mode>,
                control: &Control,
                task: Task<(), E>,
            ) -> SpawnResult<(), E>
            where
                E: Send + 'static,
            {
                spawn_controlled_with(handle, control, task)
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
                group.spawn(task)
            }

            fn block_on<F: Future>(future: F) -> F::Output {
                futures_executor::block_on(future)
            }
        }
    };
}

inline_executor!(
    /// Inline mode: tasks run inside the group's own `wait` and `spawn` futures; no executor.
    InlineExecutor,
    SendTasks,
    inline
);
inline_executor!(
    /// Inline mode with `!Send` tasks (`ErrGroup::inline_local`): the same driver, and a
    /// group that is `!Send` itself.
    InlineLocalExecutor,
    LocalTasks,
    inline_local
);

/// A [`Spawn`]er for a `futures-executor` [`ThreadPool`](futures_executor::ThreadPool).
#[derive(Debug, Clone)]
pub struct PoolSpawner(futures_executor::ThreadPool);

impl PoolSpawner {
    /// A spawner for a new pool of three threads: more threads than the machine may have
    /// cores, so tasks really do run in parallel with each other and with the test.
    ///
    /// # Panics
    ///
    /// If the pool's threads cannot be started.
    pub fn new() -> Self {
        let pool = futures_executor::ThreadPool::builder()
            .pool_size(3)
            .name_prefix("errgroup-tests-pool-")
            .create()
            .expect("start a thread pool");
        Self(pool)
    }
}

impl Default for PoolSpawner {
    fn default() -> Self {
        Self::new()
    }
}

impl Spawn for PoolSpawner {
    fn spawn<F>(&self, task: F) -> Result<(), SpawnError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.0.spawn_ok(task);
        Ok(())
    }
}

/// `futures-executor`'s thread pool: tasks run on its threads, the test blocks on its own.
/// Every group gets a pool of its own.
#[derive(Debug, Clone, Copy)]
pub struct ThreadPoolExecutor;

impl RuntimeExecutor for ThreadPoolExecutor {
    type Spawner = PoolSpawner;

    fn spawner() -> PoolSpawner {
        PoolSpawner::new()
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        futures_executor::block_on(future)
    }
}

/// The same pool through errgroup's own bridge, [`errgroup::FuturesSpawner`] (feature
/// `futures-spawn`): every body also runs on the spawner users get for a futures-rs
/// executor.
#[derive(Debug, Clone, Copy)]
pub struct FuturesSpawnerExecutor;

impl RuntimeExecutor for FuturesSpawnerExecutor {
    type Spawner = errgroup::FuturesSpawner<futures_executor::ThreadPool>;

    fn spawner() -> Self::Spawner {
        errgroup::FuturesSpawner::new(PoolSpawner::new().0)
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        futures_executor::block_on(future)
    }
}

/// How long one body may take before it is declared hung.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// Runs `body` on a thread of its own and waits at most [`DEADLINE`] for it: a hang fails
/// the test instead of stalling the run. A panic in `body` is re-raised here.
///
/// # Panics
///
/// If `body` panics, or does not return within the deadline.
pub fn run_with_deadline(name: &str, body: impl FnOnce() + Send + 'static) {
    let (done, finished) = std::sync::mpsc::channel();
    let start = Instant::now();
    let thread = thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            body();
            let _ = done.send(());
        })
        .expect("start the test body's thread");
    match finished.recv_timeout(DEADLINE) {
        Ok(()) => thread.join().expect("the body returned"),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match thread.join() {
            Err(payload) => panic::resume_unwind(payload),
            Ok(()) => unreachable!("the body's thread ended without reporting"),
        },
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{name} hung: not finished after {:?}", start.elapsed())
        }
    }
}

/// Instantiates the conformance suite for one executor: a module of `#[test]`s, one per
/// body, each run under [`run_with_deadline`].
///
/// The third argument says which mode-specific bodies come along: `runtime` for executors
/// implementing [`RuntimeExecutor`] (spawner-only behaviour such as a refusing spawner),
/// `inline` for [`InlineExecutor`] (tasks that borrow).
///
/// ```text
/// errgroup_tests::conformance_suite!(thread_pool, errgroup_tests::ThreadPoolExecutor, runtime);
/// ```
#[macro_export]
macro_rules! conformance_suite {
    ($module:ident, $executor:ty, runtime) => {
        $crate::conformance_suite!(@suite $module, $executor, [
            refusing_spawner_fails_the_spawn_without_corrupting_counts,
            collect_all_keeps_every_error_in_order_of_arrival_and_siblings_keep_running,
            no_cancel_records_first_error_and_cancels_nothing,
            panics_as_errors_carry_message_and_task,
            ordered_collect_returns_values_in_spawn_order,
            handles_spawn_siblings_from_inside_tasks,
            streamed_items_carry_their_task,
        ], []);
    };
    // A local group is `!Send`: the bodies whose tasks carry a handle of their own group
    // (`Task` is `Send`) run on every other executor, not here.
    ($module:ident, $executor:ty, local) => {
        $crate::conformance_suite!(@suite $module, $executor, [], []);
    };
    ($module:ident, $executor:ty, inline) => {
        $crate::conformance_suite!(@suite $module, $executor, [
            collect_all_keeps_every_error_in_order_of_arrival_and_siblings_keep_running,
            no_cancel_records_first_error_and_cancels_nothing,
            panics_as_errors_carry_message_and_task,
            ordered_collect_returns_values_in_spawn_order,
            handles_spawn_siblings_from_inside_tasks,
            streamed_items_carry_their_task,
        ], [
            inline_tasks_may_borrow,
        ]);
    };
    (@suite $module:ident, $executor:ty, [$($runtime:ident),* $(,)?], [$($plain:ident),* $(,)?]) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;

            $crate::conformance_suite!(@tests $executor;
                wait_resolves_only_when_every_task_has_finished_or_been_dropped,
                wait_yields_the_first_error,
                first_error_cancels_siblings_and_drops_them,
                errors_after_cancellation_are_not_the_cause,
                cooperative_tasks_get_the_token_and_are_not_dropped,
                limit_never_exceeds_n_running_tasks,
                spawn_applies_back_pressure,
                try_spawn_hands_the_future_back_when_full,
                changing_the_limit_while_tasks_run_is_well_defined,
                spawning_into_a_cancelled_group_returns_the_future_unrun,
                spawning_into_a_finished_group_returns_closed,
                panic_is_reraised_at_wait_with_original_payload,
                panic_cancels_siblings,
                as_completed_stream_yields_every_value,
                parent_token_cancels_the_group,
                group_failure_does_not_cancel_parent,
                dropping_an_unwaited_group_cancels_its_tasks,
                waitgroup_wait_resolves_after_all_guards_drop,
                a_failed_then_finished_group_refuses_with_closed,
                a_panic_after_an_error_is_never_lost,
                a_panic_after_a_win_is_never_lost,
                a_collecting_group_cancelled_from_outside_never_returns_a_short_vec,
                a_discard_group_cancelled_from_outside,
                task_ids_follow_spawn_order_and_travel_with_panics,
                cooperative_tasks_learn_the_cause_of_the_cancellation,
                a_task_with_a_handle_gives_its_outcome_to_the_handle,
                aborting_one_task_leaves_its_siblings_running,
                a_dropped_handle_detaches_its_task_and_group_cancels_reach_handles,
                keyed_results_come_back_in_spawn_order_under_reversed_completion,
                a_tracking_group_names_its_pending_and_unfinished_tasks,
                a_dump_shows_nested_groups_as_a_tree,
                wait_outcomes_returns_every_task_in_spawn_order,
                a_feeder_keeps_its_group_open_while_its_results_are_consumed,
                a_cooperative_task_in_a_default_group_is_signalled_not_dropped,
                a_shielded_section_is_not_dropped_by_a_cancellation,
                $($runtime,)*
            );
            $(
                #[test]
                fn $plain() {
                    $crate::run_with_deadline(
                        concat!(stringify!($module), "::", stringify!($plain)),
                        $crate::conformance::$plain,
                    );
                }
            )*
        }
    };
    (@tests $executor:ty; $($body:ident),* $(,)?) => {
        $(
            #[test]
            fn $body() {
                $crate::run_with_deadline(
                    concat!(module_path!(), "::", stringify!($body)),
                    || <$executor as $crate::Executor>::run($crate::conformance::$body::<$executor>),
                );
            }
        )*
    };
}

/// `handle.task()`, named `name` if given, `.try_spawn_handle(task)`: what every executor's
/// [`Executor::try_spawn_handle`] does.
pub fn spawn_handle_with<E, T, M>(
    handle: &GroupHandle<E, M, Discard>,
    name: Option<TaskName>,
    task: Task<T, E>,
) -> HandleResult<T, E>
where
    M: errgroup::Launch<errgroup::future::Handled<Task<T, E>, T, E>, E, Discard>,
{
    match name {
        Some(name) => handle.task().name(name).try_spawn_handle(task),
        None => handle.task().try_spawn_handle(task),
    }
}

/// What a task asks of its group's cancellation, for [`Executor::try_spawn_controlled`].
#[derive(Debug)]
pub enum Control {
    /// Signalled rather than dropped (`task().cooperative()`).
    Cooperative,
    /// Shielded by this shield (`task().shield(&shield)`).
    Shielded(errgroup::Shield),
}

/// `handle.task()` with `control`, `.try_spawn(task)`.
pub fn spawn_controlled_with<E, M>(
    handle: &GroupHandle<E, M, Discard>,
    control: &Control,
    task: Task<(), E>,
) -> SpawnResult<(), E>
where
    M: errgroup::Launch<Task<(), E>, E, Discard>,
{
    match control {
        Control::Cooperative => handle.task().cooperative().try_spawn(task),
        Control::Shielded(shield) => handle.task().shield(shield).try_spawn(task),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn workspace_links_errgroup_core_through_errgroup() {
        let counter = errgroup::raw::Counter::new();
        assert_eq!(counter.add(2), Ok(2));
        assert_eq!(counter.done(), Ok(false));
        assert_eq!(counter.done(), Ok(true));
    }
}
