//! Timeouts on smol's timer.

use core::time::Duration;
use std::time::Instant;

use errgroup::{ErrGroup, Mode, Results, TimedOutcome};
use smol::Timer;

mod sealed {
    pub trait Sealed {}
}

impl<E, M: Mode, R: Results> sealed::Sealed for ErrGroup<E, M, R> {}

/// Waits for a group for a limited time, on smol's timer ([`smol::Timer`], from
/// `async-io`). Implemented for every [`ErrGroup`], whatever its mode; sealed.
///
/// Both methods are [`ErrGroup::wait_until`] with a timer: if the timer fires before the
/// group finishes, the group is cancelled (reason
/// [`CancelReason::Timeout`](errgroup::CancelReason::Timeout)), its tasks are dropped, and
/// the outcome comes back as [`Timed::TimedOut`](errgroup::Timed::TimedOut) — with the
/// values that did arrive, each at its task's position, in a collecting group.
///
/// What a timeout cannot bound (see [`ErrGroup::wait_until`]): a task that blocks inside
/// its `poll`, a task on an executor nobody runs, and a cooperative group's tasks, which
/// run until they see the token. The timer stops the waiting, then the group waits for its
/// tasks to be dropped.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// use errgroup::Timed;
/// use errgroup_smol::WaitTimeout;
///
/// let group = errgroup_smol::group::<()>();
/// group.try_spawn(std::future::pending()).unwrap(); // never finishes
/// let outcome = smol::block_on(group.wait_timeout(Duration::from_millis(10)));
/// assert_eq!(outcome, Timed::TimedOut(Ok(())));
/// ```
pub trait WaitTimeout<E, R: Results>: sealed::Sealed {
    /// Waits like [`ErrGroup::wait`], but for at most `duration`, counted from this call.
    ///
    /// When this resolves, every task's future has been dropped, as with `wait`. A
    /// `duration` too large to add to the current time never fires.
    ///
    /// # Examples
    ///
    /// See [`WaitTimeout`].
    ///
    /// # Errors
    ///
    /// As [`ErrGroup::wait`], inside either variant of [`Timed`](errgroup::Timed).
    ///
    /// # Panics
    ///
    /// Re-raises the first task panic, unless the group turns panics into errors.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, which cancels its remaining tasks.
    fn wait_timeout(self, duration: Duration) -> impl Future<Output = TimedOutcome<E, R>>;

    /// Waits like [`ErrGroup::wait`], but no later than `deadline`. A deadline already past
    /// cancels the group at the first poll, unless it has finished by then.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// use errgroup::Timed;
    /// use errgroup_smol::WaitTimeout;
    ///
    /// let group = errgroup_smol::group::<()>();
    /// group.try_spawn(async { Ok(()) }).unwrap();
    /// let deadline = Instant::now() + Duration::from_secs(60);
    /// assert_eq!(smol::block_on(group.wait_deadline(deadline)), Timed::Finished(Ok(())));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ErrGroup::wait`], inside either variant of [`Timed`](errgroup::Timed).
    ///
    /// # Panics
    ///
    /// Re-raises the first task panic, unless the group turns panics into errors.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, which cancels its remaining tasks.
    fn wait_deadline(self, deadline: Instant) -> impl Future<Output = TimedOutcome<E, R>>;
}

impl<E, M: Mode, R: Results> WaitTimeout<E, R> for ErrGroup<E, M, R> {
    fn wait_timeout(self, duration: Duration) -> impl Future<Output = TimedOutcome<E, R>> {
        // Made now, so the clock starts at this call rather than at the first poll.
        // `Timer::after` turns an overflowing deadline into a timer that never fires.
        let timer = Timer::after(duration);
        self.wait_until(fire(timer))
    }

    fn wait_deadline(self, deadline: Instant) -> impl Future<Output = TimedOutcome<E, R>> {
        self.wait_until(fire(Timer::at(deadline)))
    }
}

/// The timer as `wait_until` takes it: a future of `()`.
async fn fire(timer: Timer) {
    timer.await;
}
