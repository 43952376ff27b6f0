//! Blocking closures as tasks of a group, on a runtime's [`BlockingPool`] (feature `std`):
//! written once, for every mode and every runtime.
//!
//! # Invariants
//!
//! - A closure is handed to the pool only when its task is first polled, so a refused
//!   task hands the closure back untouched, and a closure counts against the group's limit
//!   like any task.
//! - The closure sits in a [`Slot`] shared by the task and the pool's job; whichever takes
//!   it first decides its fate. The job takes it to run it; the task, dropped by its group
//!   before the job started, takes it to drop it then and there. So a closure that had not
//!   started when its group was cancelled never runs, and what it captured is dropped
//!   with the task, before `wait` returns, not when the pool reaches the job.
//! - The job catches the closure's panic and the task re-raises it with its payload,
//!   where the group's per-task catch records it as the task's panic.

use core::{
    fmt,
    future::Future,
    panic::AssertUnwindSafe,
    pin::Pin,
    task::{Context, Poll, ready},
};

use pin_project_lite::pin_project;

use crate::{
    error::Rejected,
    handle::{GroupHandle, TaskBuilder},
    id::{Label, TaskId},
    mode::{Launch, Mode, WithSpawner},
    policy::Payload,
    results::Results,
    rt::BlockingPool,
    sync::{AllocArc, Lock},
};

/// What the pool's job returns: the closure's output (`None` if the task took the
/// closure first), or its panic.
type JobOutput<T> = Result<Option<T>, Payload>;

pin_project! {
    /// A blocking closure as a group's task: the closure until the task is first polled,
    /// then the job on the pool `P` that runs it. Made by
    /// [`GroupHandle::spawn_blocking`] and [`GroupHandle::spawn_blocking_on`].
    ///
    /// # Examples
    ///
    /// A helper that spawns into a group of any mode names it in its bounds:
    ///
    /// ```
    /// # use errgroup::BlockingPool;
    /// # use futures_channel::oneshot;
    /// # #[derive(Clone, Copy)]
    /// # struct ThreadPerJob;
    /// # impl BlockingPool for ThreadPerJob {
    /// #     type Job<T: Send + 'static> = oneshot::Receiver<T>;
    /// #     fn spawn_blocking<T, F>(&self, job: F) -> Self::Job<T>
    /// #     where
    /// #         F: FnOnce() -> T + Send + 'static,
    /// #         T: Send + 'static,
    /// #     {
    /// #         let (done, joined) = oneshot::channel();
    /// #         std::thread::spawn(move || done.send(job()));
    /// #         joined
    /// #     }
    /// #     fn joined<T: Send + 'static>(output: Result<T, oneshot::Canceled>) -> Option<T> {
    /// #         output.ok()
    /// #     }
    /// # }
    /// use errgroup::{Discard, ErrGroup, GroupHandle, Launch, future::Blocking};
    ///
    /// /// Spawns each job on `pool`, into `group`.
    /// fn spawn_all<M, P, F>(group: &GroupHandle<String, M>, pool: &P, jobs: Vec<F>)
    /// where
    ///     M: Launch<Blocking<F, Result<(), String>, P>, String, Discard>,
    ///     P: BlockingPool + Clone,
    ///     F: FnOnce() -> Result<(), String> + Send + 'static,
    /// {
    ///     for job in jobs {
    ///         group.spawn_blocking_on(pool, job).map_err(|_| "refused").unwrap();
    ///     }
    /// }
    ///
    /// let group = ErrGroup::inline();
    /// spawn_all(&group, &ThreadPerJob, vec![|| Ok(()), || Err("bad sector".to_string())]);
    /// assert_eq!(futures_executor::block_on(group.wait()), Err("bad sector".to_string()));
    /// ```
    #[must_use = "futures do nothing unless awaited"]
    pub struct Blocking<F, T, P>
    where
        P: BlockingPool,
        T: Send,
        T: 'static,
    {
        closure: Option<F>,
        pool: P,
        // Held for its `Drop`, which is what keeps a cancelled closure from running.
        slot: Option<Slot<F>>,
        #[pin]
        job: Option<P::Job<JobOutput<T>>>,
    }
}

impl<F, T: Send + 'static, P: BlockingPool> Blocking<F, T, P> {
    fn new(closure: F, pool: P) -> Self {
        Self { closure: Some(closure), pool, slot: None, job: None }
    }

    /// The closure of a task the group refused (and so never polled).
    fn into_closure(self) -> F {
        self.closure.expect("errgroup: a refused blocking task was never polled")
    }
}

impl<F, T, P> Future for Blocking<F, T, P>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
    P: BlockingPool,
{
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut this = self.project();
        if let Some(closure) = this.closure.take() {
            let slot = Slot(AllocArc::new(Lock::new(Some(closure))));
            this.job.set(Some(this.pool.spawn_blocking(slot.job())));
            *this.slot = Some(slot);
        }
        let job = this
            .job
            .as_mut()
            .as_pin_mut()
            .expect("errgroup: a blocking task polled after it completed");
        let joined = ready!(job.poll(cx));
        this.job.set(None);
        match P::joined(joined) {
            Some(Ok(Some(output))) => Poll::Ready(output),
            // Only dropping the task empties the slot, and it is alive here.
            Some(Ok(None)) => unreachable!("errgroup: a blocking closure vanished from its slot"),
            // Re-raised inside the task, so the group's per-task catch records the
            // closure's own payload.
            Some(Err(payload)) => std::panic::resume_unwind(payload),
            None => panic!(
                "errgroup: the blocking pool dropped a closure before it ran (its runtime \
                 shutting down)"
            ),
        }
    }
}

impl<F, T: Send + 'static, P: BlockingPool> fmt::Debug for Blocking<F, T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match (&self.closure, &self.job) {
            (Some(_), _) => "not handed to the pool",
            (None, Some(_)) => "on the pool",
            (None, None) => "finished",
        };
        f.debug_tuple("Blocking").field(&state).finish()
    }
}

/// A closure shared by a group's task and the pool job meant to run it.
struct Slot<F>(AllocArc<Lock<Option<F>>>);

impl<F> Slot<F> {
    /// The job for the pool: runs the closure if it is still in the slot, catching its
    /// panic.
    fn job<T>(&self) -> impl FnOnce() -> JobOutput<T> + Send + 'static
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let slot = AllocArc::clone(&self.0);
        // Taken out first: the closure runs (and may panic) with the lock released.
        move || {
            let closure = slot.with(Option::take);
            std::panic::catch_unwind(AssertUnwindSafe(|| closure.map(|closure| closure())))
        }
    }
}

impl<F> Drop for Slot<F> {
    fn drop(&mut self) {
        // Dropped with the lock released: a panicking `Drop` of a capture poisons nothing
        // and is the group's to catch, as for any task's future.
        drop(self.0.with(Option::take));
    }
}

impl<E, M: Mode, R: Results> GroupHandle<E, M, R> {
    /// Spawns the blocking closure `f` as a task of the group, to run on `pool`, if the
    /// group has room, without waiting (as `try_spawn` does for a future). For a group of
    /// any mode, an inline one included; a group on a spawner that is a [`BlockingPool`]
    /// (the adapter crates') has [`spawn_blocking`](Self::spawn_blocking).
    ///
    /// # Examples
    ///
    /// ```
    /// # use errgroup::BlockingPool;
    /// # use futures_channel::oneshot;
    /// # #[derive(Clone, Copy)]
    /// # struct ThreadPerJob;
    /// # impl BlockingPool for ThreadPerJob {
    /// #     type Job<T: Send + 'static> = oneshot::Receiver<T>;
    /// #     fn spawn_blocking<T, F>(&self, job: F) -> Self::Job<T>
    /// #     where
    /// #         F: FnOnce() -> T + Send + 'static,
    /// #         T: Send + 'static,
    /// #     {
    /// #         let (done, joined) = oneshot::channel();
    /// #         std::thread::spawn(move || done.send(job()));
    /// #         joined
    /// #     }
    /// #     fn joined<T: Send + 'static>(output: Result<T, oneshot::Canceled>) -> Option<T> {
    /// #         output.ok()
    /// #     }
    /// # }
    /// use errgroup::ErrGroup;
    ///
    /// // `ThreadPerJob` runs each job on a thread of its own (as `BlockingPool`'s example).
    /// let blocks = vec![3u32, 4, 5];
    /// let group = ErrGroup::builder().collect().inline();
    /// let checksum = move || Ok::<u32, ()>(blocks.iter().sum()); // may block: not on the executor
    /// group.spawn_blocking_on(&ThreadPerJob, checksum).unwrap();
    /// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![12]));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`spawn_blocking`](Self::spawn_blocking).
    ///
    /// # Cancel safety
    ///
    /// As [`spawn_blocking`](Self::spawn_blocking).
    pub fn spawn_blocking_on<P, F>(&self, pool: &P, f: F) -> Result<TaskId, Rejected<F>>
    where
        P: BlockingPool + Clone,
        F: FnOnce() -> Result<R::Value, E> + Send + 'static,
        R::Value: Send + 'static,
        E: Send + 'static,
        M: Launch<Blocking<F, Result<R::Value, E>, P>, E, R>,
    {
        TaskBuilder::new(self).spawn_blocking_on(pool, f)
    }
}

impl<'h, E, M: Mode, R: Results, L: Label> TaskBuilder<&'h GroupHandle<E, M, R>, L> {
    /// Spawns the blocking closure `f` as the task, to run on `pool`, as
    /// [`GroupHandle::spawn_blocking_on`] does; returns its id.
    ///
    /// # Examples
    ///
    /// ```
    /// # use errgroup::BlockingPool;
    /// # use futures_channel::oneshot;
    /// # #[derive(Clone, Copy)]
    /// # struct ThreadPerJob;
    /// # impl BlockingPool for ThreadPerJob {
    /// #     type Job<T: Send + 'static> = oneshot::Receiver<T>;
    /// #     fn spawn_blocking<T: Send + 'static, F: FnOnce() -> T + Send + 'static>(&self, job: F) -> Self::Job<T> {
    /// #         let (done, joined) = oneshot::channel();
    /// #         std::thread::spawn(move || { let _ = done.send(job()); });
    /// #         joined
    /// #     }
    /// #     fn joined<T: Send + 'static>(output: Result<T, oneshot::Canceled>) -> Option<T> { output.ok() }
    /// # }
    /// use errgroup::{ErrGroup, Panicked};
    ///
    /// let group = ErrGroup::<Panicked, _>::builder().panics_as_errors().inline();
    /// let handle = group.handle();
    /// let id = handle
    ///     .task()
    ///     .name("checksum")
    ///     .spawn_blocking_on(&ThreadPerJob, || panic!("bad block"))
    ///     .unwrap();
    /// let panicked = futures_executor::block_on(group.wait()).unwrap_err();
    /// assert_eq!(panicked.task().id(), id);
    /// assert_eq!(panicked.to_string(), "task 0 `checksum` panicked: bad block");
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GroupHandle::spawn_blocking_on`].
    ///
    /// # Cancel safety
    ///
    /// As [`GroupHandle::spawn_blocking`].
    pub fn spawn_blocking_on<P, F>(self, pool: &P, f: F) -> Result<TaskId, Rejected<F>>
    where
        P: BlockingPool + Clone,
        F: FnOnce() -> Result<R::Value, E> + Send + 'static,
        R::Value: Send + 'static,
        E: Send + 'static,
        M: Launch<Blocking<F, Result<R::Value, E>, P>, E, R>,
    {
        let (group, label) = self.into_parts();
        group
            .mode
            .launch(&group.shared, Blocking::new(f, pool.clone()), label)
            .map_err(|refused| refused.map(Blocking::into_closure))
    }

    /// Spawns the blocking closure `f` as the task, on the blocking pool of the group's
    /// runtime, as [`GroupHandle::spawn_blocking`] does; returns its id.
    ///
    /// # Examples
    ///
    /// ```
    /// # use errgroup::{BlockingPool, Spawn, SpawnError};
    /// # use futures_channel::oneshot;
    /// # #[derive(Clone, Copy)]
    /// # struct Threads;
    /// # impl Spawn for Threads {
    /// #     fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) -> Result<(), SpawnError> {
    /// #         std::thread::spawn(move || futures_executor::block_on(task));
    /// #         Ok(())
    /// #     }
    /// # }
    /// # impl BlockingPool for Threads {
    /// #     type Job<T: Send + 'static> = oneshot::Receiver<T>;
    /// #     fn spawn_blocking<T: Send + 'static, F: FnOnce() -> T + Send + 'static>(&self, job: F) -> Self::Job<T> {
    /// #         let (done, joined) = oneshot::channel();
    /// #         std::thread::spawn(move || { let _ = done.send(job()); });
    /// #         joined
    /// #     }
    /// #     fn joined<T: Send + 'static>(output: Result<T, oneshot::Canceled>) -> Option<T> { output.ok() }
    /// # }
    /// use errgroup::{ErrGroup, Policy};
    ///
    /// let group = ErrGroup::builder().policy(Policy::CollectAll).spawner(Threads);
    /// group.task().name("compress").spawn_blocking(|| Err::<(), _>("disk full")).unwrap();
    /// let errors = futures_executor::block_on(group.wait_all()).unwrap_err();
    /// assert_eq!(errors[0].to_string(), "task 0 `compress` failed: disk full");
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GroupHandle::spawn_blocking`].
    ///
    /// # Cancel safety
    ///
    /// As [`GroupHandle::spawn_blocking`].
    pub fn spawn_blocking<F>(self, f: F) -> Result<TaskId, Rejected<F>>
    where
        M: WithSpawner,
        M::Spawner: BlockingPool + Clone,
        F: FnOnce() -> Result<R::Value, E> + Send + 'static,
        R::Value: Send + 'static,
        E: Send + 'static,
        M: Launch<Blocking<F, Result<R::Value, E>, M::Spawner>, E, R>,
    {
        let group: &'h GroupHandle<E, M, R> = self.group();
        self.spawn_blocking_on(group.mode.spawner(), f)
    }
}

impl<E, M, R> GroupHandle<E, M, R>
where
    M: WithSpawner,
    M::Spawner: BlockingPool,
    R: Results,
{
    /// Spawns the blocking closure `f` as a task of the group, on the blocking pool of the
    /// group's runtime, if the group has room, without waiting (as `try_spawn` does for a
    /// future).
    ///
    /// When this returns `Ok`, the closure counts as a task of the group (and takes a slot
    /// of its limit): its `Ok` value is the task's value (kept in spawn order by a
    /// collecting group), its error is the group's error, and a panic in it is the group's
    /// panic, re-raised at `wait` with the original payload (or an error, with
    /// [`panics_as_errors`](crate::Builder::panics_as_errors)). It is handed to the pool
    /// when the group first polls its task.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::{BlockingPool, ErrGroup, Spawn, SpawnError};
    /// # use futures_channel::oneshot;
    /// # #[derive(Clone, Copy)]
    /// # struct Threads;
    /// # impl Spawn for Threads {
    /// #     fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) -> Result<(), SpawnError> {
    /// #         std::thread::spawn(move || futures_executor::block_on(task));
    /// #         Ok(())
    /// #     }
    /// # }
    /// # impl BlockingPool for Threads {
    /// #     type Job<T: Send + 'static> = oneshot::Receiver<T>;
    /// #     fn spawn_blocking<T: Send + 'static, F: FnOnce() -> T + Send + 'static>(&self, job: F) -> Self::Job<T> {
    /// #         let (done, joined) = oneshot::channel();
    /// #         std::thread::spawn(move || { let _ = done.send(job()); });
    /// #         joined
    /// #     }
    /// #     fn joined<T: Send + 'static>(output: Result<T, oneshot::Canceled>) -> Option<T> { output.ok() }
    /// # }
    ///
    /// // `Threads` spawns tasks and is a `BlockingPool`.
    /// let group = ErrGroup::builder().collect().spawner(Threads);
    /// for n in 1..=3u64 {
    ///     // Heavy, synchronous work off the async threads.
    ///     group.spawn_blocking(move || Ok::<u64, String>((1..=n).product())).unwrap();
    /// }
    /// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![1, 2, 6]));
    ///
    /// let group = ErrGroup::<(), _>::new(Threads);
    /// group.cancel();
    /// let refused = group.spawn_blocking(|| Ok(())).unwrap_err();
    /// let closure = refused.into_future().expect("handed back");
    /// assert_eq!(closure(), Ok(())); // run it here instead
    /// ```
    ///
    /// # Errors
    ///
    /// The closure is handed back, never run, inside [`Rejected::Full`] when the group's
    /// limit is reached (this never waits for a slot), [`Rejected::Cancelled`] when the
    /// group is cancelled and [`Rejected::Closed`] when it has finished;
    /// [`Rejected::Spawner`] if the spawner refused the task (which dropped it).
    ///
    /// # Cancel safety
    ///
    /// When the group is cancelled (by an error, a panic, `cancel`, its parent or a
    /// timeout) or dropped, a closure that had not started never runs, whether or not its
    /// task had handed it to the pool: it is dropped, with everything it captured, by the
    /// time the group's `wait` returns (a job left on the pool's queue finds it gone and
    /// does nothing). A closure that had started cannot be interrupted: it runs to
    /// completion on its thread, its outcome is discarded, and `wait` does not wait for
    /// it. A closure that must stop early can watch the group's
    /// [`token`](Self::token).
    ///
    /// A [`cooperative`](crate::Builder::cooperative) group drops no task when cancelled,
    /// so there a queued closure still runs, and `wait` waits for it: a closure that should
    /// not start late checks the group's token first.
    pub fn spawn_blocking<F>(&self, f: F) -> Result<TaskId, Rejected<F>>
    where
        M::Spawner: Clone,
        F: FnOnce() -> Result<R::Value, E> + Send + 'static,
        R::Value: Send + 'static,
        E: Send + 'static,
        M: Launch<Blocking<F, Result<R::Value, E>, M::Spawner>, E, R>,
    {
        TaskBuilder::new(self).spawn_blocking(f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use alloc::format;
    use core::{future::Future, pin::pin, task::Context};

    use super::*;

    /// Runs each job at once, on the calling thread.
    #[derive(Clone)]
    struct AtOnce;

    impl BlockingPool for AtOnce {
        type Job<T: Send + 'static> = core::future::Ready<T>;

        fn spawn_blocking<T, F>(&self, job: F) -> Self::Job<T>
        where
            F: FnOnce() -> T + Send + 'static,
            T: Send + 'static,
        {
            core::future::ready(job())
        }

        fn joined<T: Send + 'static>(output: T) -> Option<T> {
            Some(output)
        }
    }

    /// Never runs a job.
    #[derive(Clone)]
    struct Never;

    impl BlockingPool for Never {
        type Job<T: Send + 'static> = core::future::Pending<T>;

        fn spawn_blocking<T, F>(&self, _: F) -> Self::Job<T>
        where
            F: FnOnce() -> T + Send + 'static,
            T: Send + 'static,
        {
            core::future::pending()
        }

        fn joined<T: Send + 'static>(output: T) -> Option<T> {
            Some(output)
        }
    }

    #[test]
    fn debug_says_where_the_closure_is() {
        let mut cx = Context::from_waker(core::task::Waker::noop());
        let mut waiting = pin!(Blocking::<_, u32, _>::new(|| 1, Never));
        assert_eq!(format!("{waiting:?}"), r#"Blocking("not handed to the pool")"#);
        assert!(waiting.as_mut().poll(&mut cx).is_pending());
        assert_eq!(format!("{waiting:?}"), r#"Blocking("on the pool")"#);

        let mut done = pin!(Blocking::<_, u32, _>::new(|| 2, AtOnce));
        assert_eq!(done.as_mut().poll(&mut cx), Poll::Ready(2));
        assert_eq!(format!("{done:?}"), r#"Blocking("finished")"#);
    }
}
