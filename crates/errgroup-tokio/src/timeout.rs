//! [`WaitTimeout`]: waiting for a group no longer than a duration or a deadline, on
//! tokio's timer.

use core::time::Duration;

use errgroup::{ErrGroup, Mode, Results, future::WaitUntil};
use tokio::time::{Instant, Sleep};

/// The future of [`WaitTimeout::wait_timeout`] and [`WaitTimeout::wait_deadline`]: the
/// group's [`WaitUntil`] on a tokio [`Sleep`]. It resolves to
/// [`Timed`](errgroup::Timed)`<Result<R::Output, E>>`.
pub type Timeout<E, M, R> = WaitUntil<E, M, R, Sleep>;

/// Waits for a group no longer than a duration or until a deadline, on tokio's timer.
/// Implemented for every [`ErrGroup`], whatever its mode (tasks on a [`Spawner`](crate::Spawner),
/// a [`LocalSpawner`](crate::LocalSpawner), or inline). Sealed.
///
/// Both are [`ErrGroup::wait_until`] with a tokio [`Sleep`]: when the timer fires first,
/// the group is cancelled (reason [`CancelReason::Timeout`](errgroup::CancelReason::Timeout)),
/// its tasks are dropped, and the outcome comes back as
/// [`Timed::TimedOut`](errgroup::Timed::TimedOut) — an error that came before the timer,
/// or the values that did arrive, each at its task's position. Otherwise it is
/// [`Timed::Finished`](errgroup::Timed::Finished). Under a paused clock
/// (`tokio::time::pause`), the timer follows tokio's virtual time.
///
/// What a timeout cannot bound (see [`ErrGroup::wait_until`]): a task that blocks inside
/// its `poll`, a task on an executor nobody runs, and a cooperative group's tasks, which
/// run until they see the token. The timer stops the waiting, then the group waits for its
/// tasks to be dropped.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use errgroup_tokio::{Spawner, WaitTimeout, errgroup::{ErrGroup, Timed}};
///
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
/// runtime.block_on(async {
///     let group = ErrGroup::builder().collect().spawner(Spawner::current());
///     group.try_spawn(async { Ok::<u32, ()>(1) }).unwrap();
///     group.try_spawn(std::future::pending()).unwrap(); // never finishes
///     let outcome = group.wait_timeout(Duration::from_millis(10)).await;
///     assert_eq!(outcome, Timed::TimedOut(Ok(vec![Some(1), None])));
/// });
/// ```
pub trait WaitTimeout: crate::sealed::Sealed + Sized {
    /// What the group resolves to: `Result<R::Output, E>`.
    type Outcome;
    /// What a group stopped by the timer resolves to: `Result<R::Partial, E>`, every value
    /// that did arrive at its task's position.
    type Partial;
    /// The future returned: a [`Timeout`].
    type Future: Future<Output = errgroup::Timed<Self::Outcome, Self::Partial>>;

    /// Waits for the group like [`ErrGroup::wait`], but no longer than `duration`; then
    /// cancels it and waits for its tasks to be dropped.
    ///
    /// # Examples
    ///
    /// See [`WaitTimeout`].
    ///
    /// # Errors
    ///
    /// Inside the [`Timed`](errgroup::Timed): the group's first error, as
    /// [`ErrGroup::wait`].
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or on one built without `enable_time`, with tokio's
    /// message (the group is dropped, which cancels its tasks). The future re-raises the
    /// first task panic, unless the group turns panics into errors.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, which cancels the remaining tasks.
    fn wait_timeout(self, duration: Duration) -> Self::Future;

    /// Waits for the group like [`ErrGroup::wait`], but no later than `deadline`; then
    /// cancels it and waits for its tasks to be dropped. A deadline already past cancels
    /// the group at the first poll, unless it has finished by then.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use errgroup_tokio::{WaitTimeout, errgroup::Timed};
    /// use tokio::time::Instant;
    ///
    /// let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    /// runtime.block_on(async {
    ///     let deadline = Instant::now() + Duration::from_secs(5);
    ///     let group = errgroup_tokio::group::<()>();
    ///     group.try_spawn(async { Ok(()) }).unwrap();
    ///     assert_eq!(group.wait_deadline(deadline).await, Timed::Finished(Ok(())));
    /// });
    /// ```
    ///
    /// # Errors
    ///
    /// Inside the [`Timed`](errgroup::Timed): the group's first error, as
    /// [`ErrGroup::wait`].
    ///
    /// # Panics
    ///
    /// As [`wait_timeout`](Self::wait_timeout).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, which cancels the remaining tasks.
    fn wait_deadline(self, deadline: Instant) -> Self::Future;
}

impl<E, M: Mode, R: Results> crate::sealed::Sealed for ErrGroup<E, M, R> {}

impl<E, M: Mode, R: Results> WaitTimeout for ErrGroup<E, M, R> {
    type Outcome = Result<R::Output, E>;
    type Partial = Result<R::Partial, E>;
    type Future = Timeout<E, M, R>;

    #[track_caller]
    fn wait_timeout(self, duration: Duration) -> Timeout<E, M, R> {
        self.wait_until(tokio::time::sleep(duration))
    }

    #[track_caller]
    fn wait_deadline(self, deadline: Instant) -> Timeout<E, M, R> {
        self.wait_until(tokio::time::sleep_until(deadline))
    }
}
