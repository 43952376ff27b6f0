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
    /// See [`Timer`].
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
    /// See [`Timer`].
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
    /// See [`wait_timeout`](Self::wait_timeout).
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
