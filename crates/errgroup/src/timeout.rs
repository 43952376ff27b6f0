//! Waiting for a group no longer than a duration or a deadline, on a runtime's
//! [`Timer`]: written once, for every mode and every runtime, over [`ErrGroup::wait_until`].
//! The clock starts when the timeout is asked for (the deadline is fixed in the call),
//! not when its future is first polled.

use core::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use pin_project_lite::pin_project;

use crate::{
    group::ErrGroup,
    mode::{Mode, WithSpawner},
    results::Results,
    rt::Timer,
    wait::WaitUntil,
};

pin_project! {
    /// A timer's sleep until a deadline, or a sleep that never ends for a deadline past
    /// what the clock can represent. What [`ErrGroup::wait_timeout`] and
    /// [`ErrGroup::wait_deadline`] wait on, through [`WaitUntil`].
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use errgroup::{Discard, ErrGroup, Inline, Timer, future::{Deadline, WaitUntil}};
    ///
    /// # #[allow(dead_code)]
    /// fn bounded<'a, T: Timer>(
    ///     group: ErrGroup<(), Inline<'a>, Discard>,
    ///     timer: &T,
    /// ) -> WaitUntil<(), Inline<'a>, Discard, Deadline<T::Sleep>> {
    ///     group.wait_timeout_on(timer, Duration::from_secs(1))
    /// }
    /// ```
    #[must_use = "futures do nothing unless awaited"]
    #[derive(Debug)]
    pub struct Deadline<S> {
        #[pin]
        sleep: Option<S>,
    }
}

impl<S> Deadline<S> {
    /// The sleep of `timer` until `duration` from now, fixed now.
    pub(crate) fn after<T: Timer<Sleep = S>>(timer: &T, duration: Duration) -> Self {
        let deadline = timer.checked_add(timer.now(), duration);
        Self { sleep: deadline.map(|deadline| timer.sleep_until(deadline)) }
    }

    /// The sleep of `timer` until `deadline`.
    fn at<T: Timer<Sleep = S>>(timer: &T, deadline: T::Instant) -> Self {
        Self { sleep: Some(timer.sleep_until(deadline)) }
    }
}

impl<S: Future> Future for Deadline<S> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.project().sleep.as_pin_mut() {
            Some(sleep) => sleep.poll(cx).map(drop),
            None => Poll::Pending, // a deadline the clock cannot reach never comes
        }
    }
}

impl<E, M: Mode, R: Results> ErrGroup<E, M, R> {
    /// Waits like [`wait`](Self::wait), but no longer than `duration` on `timer`; then
    /// cancels the group (reason [`CancelReason::Timeout`](crate::CancelReason::Timeout))
    /// and waits for its tasks to be dropped: [`wait_until`](Self::wait_until) with a
    /// deadline fixed at this call. For a group of any mode, an inline one included; a
    /// group on a spawner that is a [`Timer`] (the adapter crates') has
    /// [`wait_timeout`](Self::wait_timeout).
    ///
    /// A `duration` too long for the timer's clock never fires.
    ///
    /// # Examples
    ///
    /// See also [`Timer`], for a timer of one's own.
    ///
    /// ```
    /// use errgroup::{ErrGroup, Timed};
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
    /// // `Expired` is a timer whose sleeps have all ended: every timeout has passed.
    /// let group = ErrGroup::builder().collect().inline();
    /// group.try_spawn(async { Ok::<u32, ()>(1) }).unwrap();
    /// group.try_spawn(std::future::pending()).unwrap(); // never finishes
    /// let wait = group.wait_timeout_on(&Expired, Duration::from_secs(1));
    /// let outcome = futures_executor::block_on(wait);
    /// assert_eq!(outcome, Timed::TimedOut(Ok(vec![Some(1), None])));
    /// ```
    ///
    /// # Errors
    ///
    /// Inside the [`Timed`](crate::Timed): the group's first error, as
    /// [`wait`](Self::wait).
    ///
    /// # Panics
    ///
    /// As [`wait`](Self::wait).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, which cancels the remaining tasks.
    pub fn wait_timeout_on<T: Timer>(
        self,
        timer: &T,
        duration: Duration,
    ) -> WaitUntil<E, M, R, Deadline<T::Sleep>> {
        self.wait_until(Deadline::after(timer, duration))
    }

    /// Waits like [`wait`](Self::wait), but no later than `deadline` on `timer`; then
    /// cancels the group and waits for its tasks to be dropped. A deadline already past
    /// cancels the group at the first poll, unless it has finished by then.
    ///
    /// # Examples
    ///
    /// See also [`Timer`], for a timer of one's own.
    ///
    /// ```
    /// use errgroup::{ErrGroup, Timed};
    /// use futures_executor::block_on;
    /// # use core::{future::{Pending, Ready}, time::Duration};
    /// # use futures_util::future::Either;
    /// # #[derive(Clone, Copy)]
    /// # struct Clock(u64); // a clock stopped at `self.0` seconds
    /// # impl errgroup::Timer for Clock {
    /// #     type Instant = u64;
    /// #     type Sleep = Either<Ready<()>, Pending<()>>;
    /// #     fn now(&self) -> u64 { self.0 }
    /// #     fn checked_add(&self, at: u64, d: Duration) -> Option<u64> {
    /// #         at.checked_add(d.as_secs())
    /// #     }
    /// #     fn sleep_until(&self, at: u64) -> Self::Sleep {
    /// #         if at <= self.0 { Either::Left(core::future::ready(())) }
    /// #         else { Either::Right(core::future::pending()) }
    /// #     }
    /// # }
    ///
    /// // `Clock` is a timer whose clock reads 10 and never moves.
    /// let clock = Clock(10);
    /// let group = ErrGroup::<(), _>::inline();
    /// group.try_spawn(std::future::pending()).unwrap(); // never finishes
    /// let outcome = block_on(group.wait_deadline_on(&clock, 5)); // a deadline already past
    /// assert_eq!(outcome, Timed::TimedOut(Ok(())));
    ///
    /// let group = ErrGroup::<(), _>::inline();
    /// group.try_spawn(async { Ok(()) }).unwrap();
    /// let outcome = block_on(group.wait_deadline_on(&clock, 60)); // one still ahead
    /// assert_eq!(outcome, Timed::Finished(Ok(())));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`wait_timeout_on`](Self::wait_timeout_on).
    ///
    /// # Panics
    ///
    /// As [`wait`](Self::wait).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, which cancels the remaining tasks.
    pub fn wait_deadline_on<T: Timer>(
        self,
        timer: &T,
        deadline: T::Instant,
    ) -> WaitUntil<E, M, R, Deadline<T::Sleep>> {
        self.wait_until(Deadline::at(timer, deadline))
    }
}

impl<E, M, R> ErrGroup<E, M, R>
where
    M: WithSpawner,
    M::Spawner: Timer,
    R: Results,
{
    /// Waits like [`wait`](Self::wait), but no longer than `duration` on the timer of
    /// the group's runtime; then cancels the group (reason
    /// [`CancelReason::Timeout`](crate::CancelReason::Timeout)) and waits for its tasks to
    /// be dropped. The clock starts at this call, on every runtime.
    ///
    /// When the timer fires first, the outcome comes back as
    /// [`Timed::TimedOut`](crate::Timed::TimedOut): an error that came before the timer,
    /// or the values that did arrive, each at its task's position. Otherwise it is
    /// [`Timed::Finished`](crate::Timed::Finished). What a timeout cannot bound is in
    /// [`wait_until`](Self::wait_until): a task blocking inside its `poll`, a task on an
    /// executor nobody runs, a cooperative group's tasks. A `duration` too long for the
    /// clock never fires.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use errgroup::{ErrGroup, Spawn, SpawnError, Timed, Timer};
    /// # #[derive(Clone, Copy)]
    /// # struct Pool;
    /// # impl Spawn for Pool {
    /// #     fn spawn<F: Future<Output = ()> + Send + 'static>(&self, task: F) -> Result<(), SpawnError> {
    /// #         std::thread::spawn(move || futures_executor::block_on(task));
    /// #         Ok(())
    /// #     }
    /// # }
    /// # impl Timer for Pool {
    /// #     type Instant = std::time::Instant;
    /// #     type Sleep = core::future::Ready<()>;
    /// #     fn now(&self) -> Self::Instant { std::time::Instant::now() }
    /// #     fn checked_add(&self, i: Self::Instant, d: Duration) -> Option<Self::Instant> { i.checked_add(d) }
    /// #     fn sleep_until(&self, _: Self::Instant) -> Self::Sleep { core::future::ready(()) }
    /// # }
    ///
    /// // `Pool` spawns tasks and is a `Timer` (here one whose sleeps end at once).
    /// let group = ErrGroup::builder().collect().spawner(Pool);
    /// group.try_spawn(std::future::pending::<Result<u32, ()>>()).unwrap();
    /// let outcome = futures_executor::block_on(group.wait_timeout(Duration::from_secs(1)));
    /// assert_eq!(outcome, Timed::TimedOut(Ok(vec![None])));
    /// ```
    ///
    /// # Errors
    ///
    /// Inside the [`Timed`](crate::Timed): the group's first error, as
    /// [`wait`](Self::wait).
    ///
    /// # Panics
    ///
    /// As [`wait`](Self::wait); and as the runtime's timer does (tokio's panics on a
    /// runtime built without `enable_time`).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, which cancels the remaining tasks.
    pub fn wait_timeout(
        self,
        duration: Duration,
    ) -> WaitUntil<E, M, R, Deadline<<M::Spawner as Timer>::Sleep>> {
        let deadline = Deadline::after(self.owner.handle.mode.spawner(), duration);
        self.wait_until(deadline)
    }

    /// Waits like [`wait`](Self::wait), but no later than `deadline` on the timer of the
    /// group's runtime; then cancels the group and waits for its tasks to be dropped. A
    /// deadline already past cancels the group at the first poll, unless it has finished
    /// by then.
    ///
    /// # Examples
    ///
    /// See also [`wait_timeout`](Self::wait_timeout).
    ///
    /// ```
    /// use errgroup::{ErrGroup, Timed};
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
    /// // `Local` spawns on a `LocalPool`, and is a `Timer` whose clock reads 0 and whose sleeps
    /// // have all ended: every deadline has passed.
    /// let mut pool = LocalPool::new();
    /// let group = ErrGroup::builder().collect().spawner(Local(pool.spawner()));
    /// group.try_spawn(async { Ok::<u32, ()>(1) }).unwrap();
    /// group.try_spawn(std::future::pending()).unwrap(); // never finishes
    /// pool.run_until_stalled(); // the tasks run
    /// let outcome = pool.run_until(group.wait_deadline(0));
    /// assert_eq!(outcome, Timed::TimedOut(Ok(vec![Some(1), None])));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`wait_timeout`](Self::wait_timeout).
    ///
    /// # Panics
    ///
    /// As [`wait_timeout`](Self::wait_timeout).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, which cancels the remaining tasks.
    pub fn wait_deadline(
        self,
        deadline: <M::Spawner as Timer>::Instant,
    ) -> WaitUntil<E, M, R, Deadline<<M::Spawner as Timer>::Sleep>> {
        let deadline = Deadline::at(self.owner.handle.mode.spawner(), deadline);
        self.wait_until(deadline)
    }
}
