//! The runtime traits, after hyper's `rt` module: what a group needs from a runtime
//! besides spawning ([`Spawn`](crate::Spawn)): a [`Timer`] for deadlines (no `std`
//! needed, so a `no_std` timer such as embassy-time's can implement it) and a
//! [`BlockingPool`] for blocking closures (feature `std`). The adapter crates implement
//! them on their spawners; `errgroup` writes timeouts and `spawn_blocking` once, over them.

use core::{future::Future, time::Duration};

/// A runtime's clock and its sleeping futures: what [`ErrGroup::wait_timeout`] and
/// [`ErrGroup::wait_deadline`] wait with.
///
/// [`ErrGroup::wait_timeout`]: crate::ErrGroup::wait_timeout
/// [`ErrGroup::wait_deadline`]: crate::ErrGroup::wait_deadline
///
/// # Examples
///
/// A timer on `std`'s clock that sleeps by spawning a thread (a demo; the adapter crates
/// implement it with their runtime's timer):
///
/// ```
/// use core::{pin::Pin, time::Duration};
/// use std::time::Instant;
///
/// use errgroup::{ErrGroup, Timed, Timer};
/// use futures_util::FutureExt;
///
/// #[derive(Clone, Copy)]
/// struct ThreadTimer;
///
/// impl Timer for ThreadTimer {
///     type Instant = Instant;
///     type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;
///
///     fn now(&self) -> Instant {
///         Instant::now()
///     }
///
///     fn checked_add(&self, instant: Instant, duration: Duration) -> Option<Instant> {
///         instant.checked_add(duration)
///     }
///
///     fn sleep_until(&self, deadline: Instant) -> Self::Sleep {
///         let (fired, sleep) = futures_channel::oneshot::channel::<()>();
///         std::thread::spawn(move || {
///             std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
///             let _ = fired.send(());
///         });
///         Box::pin(sleep.map(drop))
///     }
/// }
///
/// let group = ErrGroup::<(), _>::inline();
/// group.try_spawn(std::future::pending()).unwrap(); // never finishes
/// let outcome = group.wait_timeout_on(&ThreadTimer, Duration::from_millis(10));
/// assert_eq!(futures_executor::block_on(outcome), Timed::TimedOut(Ok(())));
/// ```
pub trait Timer {
    /// A point in time on this timer's clock.
    type Instant: Copy + Ord;
    /// The future [`sleep_until`](Self::sleep_until) returns (its output is ignored).
    type Sleep: Future;

    /// Now, on this timer's clock.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use std::time::Instant;
    /// use errgroup::Timer;
    ///
    /// struct StdClock;
    ///
    /// impl Timer for StdClock {
    ///     type Instant = Instant;
    /// #   type Sleep = core::future::Pending<()>;
    ///     fn now(&self) -> Instant {
    ///         Instant::now() // monotonic: never goes back
    ///     }
    /// #   fn checked_add(&self, at: Instant, d: Duration) -> Option<Instant> {
    /// #       at.checked_add(d)
    /// #   }
    /// #   fn sleep_until(&self, _: Instant) -> Self::Sleep { core::future::pending() }
    ///     // ...
    /// }
    ///
    /// let start = StdClock.now();
    /// assert!(StdClock.now() >= start);
    /// ```
    fn now(&self) -> Self::Instant;

    /// `instant` plus `duration`, or `None` if that is past what the clock can represent
    /// (a deadline that never comes).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::time::Duration;
    /// use std::time::Instant;
    /// use errgroup::Timer;
    ///
    /// struct StdClock;
    ///
    /// impl Timer for StdClock {
    ///     type Instant = Instant;
    /// #   type Sleep = core::future::Pending<()>;
    /// #   fn now(&self) -> Instant { Instant::now() }
    ///     fn checked_add(&self, instant: Instant, duration: Duration) -> Option<Instant> {
    ///         instant.checked_add(duration)
    ///     }
    /// #   fn sleep_until(&self, _: Instant) -> Self::Sleep { core::future::pending() }
    ///     // ...
    /// }
    ///
    /// let now = StdClock.now();
    /// assert!(StdClock.checked_add(now, Duration::from_secs(30)).unwrap() > now);
    /// assert_eq!(StdClock.checked_add(now, Duration::MAX), None); // never comes
    /// ```
    fn checked_add(&self, instant: Self::Instant, duration: Duration) -> Option<Self::Instant>;

    /// A future that resolves at `deadline`, or at once if it has passed. The deadline is
    /// fixed when this is called, not when the future is first polled.
    ///
    /// # Examples
    ///
    /// A clock for tests, in seconds, that moves only when told to:
    ///
    /// ```
    /// use core::{cell::Cell, future::poll_fn, pin::Pin, task::Poll, time::Duration};
    /// use std::rc::Rc;
    /// use errgroup::Timer;
    /// use futures_util::FutureExt;
    ///
    /// #[derive(Default)]
    /// struct TestClock(Rc<Cell<u64>>);
    ///
    /// impl Timer for TestClock {
    ///     type Instant = u64;
    ///     type Sleep = Pin<Box<dyn Future<Output = ()>>>;
    /// #   fn now(&self) -> u64 { self.0.get() }
    /// #   fn checked_add(&self, at: u64, d: Duration) -> Option<u64> {
    /// #       at.checked_add(d.as_secs())
    /// #   }
    ///     fn sleep_until(&self, deadline: u64) -> Self::Sleep {
    ///         let clock = Rc::clone(&self.0);
    ///         // (A real timer also wakes the task at the deadline.)
    ///         Box::pin(poll_fn(move |_| {
    ///             if clock.get() >= deadline { Poll::Ready(()) } else { Poll::Pending }
    ///         }))
    ///     }
    ///     // ...
    /// }
    ///
    /// let clock = TestClock::default();
    /// let mut sleep = clock.sleep_until(5);
    /// assert_eq!(sleep.as_mut().now_or_never(), None);
    /// clock.0.set(5);
    /// assert_eq!(sleep.as_mut().now_or_never(), Some(()));
    /// assert_eq!(clock.sleep_until(2).now_or_never(), Some(())); // passed: at once
    /// ```
    fn sleep_until(&self, deadline: Self::Instant) -> Self::Sleep;
}

impl<T: Timer + ?Sized> Timer for &T {
    type Instant = T::Instant;
    type Sleep = T::Sleep;

    fn now(&self) -> T::Instant {
        (**self).now()
    }

    fn checked_add(&self, instant: T::Instant, duration: Duration) -> Option<T::Instant> {
        (**self).checked_add(instant, duration)
    }

    fn sleep_until(&self, deadline: T::Instant) -> T::Sleep {
        (**self).sleep_until(deadline)
    }
}

/// A runtime's pool of threads for blocking work: what
/// [`GroupHandle::spawn_blocking`](crate::GroupHandle::spawn_blocking) runs closures on.
/// Feature `std`.
///
/// The group hands the pool a job that never panics (it catches the closure's panic
/// itself) and that does nothing if the group dropped the closure first.
///
/// # Examples
///
/// A pool that starts a thread per job (a demo; the adapter crates implement it with
/// their runtime's blocking pool):
///
/// ```
/// use errgroup::{BlockingPool, ErrGroup};
/// use futures_channel::oneshot;
///
/// #[derive(Clone, Copy)]
/// struct ThreadPerJob;
///
/// impl BlockingPool for ThreadPerJob {
///     type Job<T: Send + 'static> = oneshot::Receiver<T>;
///
///     fn spawn_blocking<T, F>(&self, job: F) -> Self::Job<T>
///     where
///         F: FnOnce() -> T + Send + 'static,
///         T: Send + 'static,
///     {
///         let (done, joined) = oneshot::channel();
///         std::thread::spawn(move || {
///             let _ = done.send(job());
///         });
///         joined
///     }
///
///     fn joined<T: Send + 'static>(output: Result<T, oneshot::Canceled>) -> Option<T> {
///         output.ok()
///     }
/// }
///
/// let group = ErrGroup::builder().collect().inline();
/// group.spawn_blocking_on(&ThreadPerJob, || Ok::<u32, ()>(6 * 7)).unwrap();
/// assert_eq!(futures_executor::block_on(group.wait()), Ok(vec![42]));
/// ```
#[cfg(feature = "std")]
pub trait BlockingPool {
    /// The future of a job on the pool; its output goes through [`joined`](Self::joined).
    type Job<T: Send + 'static>: Future + Send + 'static;

    /// Queues `job` to run on the pool.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::BlockingPool;
    /// use futures_channel::oneshot;
    ///
    /// struct ThreadPerJob;
    ///
    /// impl BlockingPool for ThreadPerJob {
    ///     type Job<T: Send + 'static> = oneshot::Receiver<T>;
    ///
    ///     fn spawn_blocking<T, F>(&self, job: F) -> Self::Job<T>
    ///     where
    ///         F: FnOnce() -> T + Send + 'static,
    ///         T: Send + 'static,
    ///     {
    ///         let (done, joined) = oneshot::channel();
    ///         std::thread::spawn(move || done.send(job()));
    ///         joined
    ///     }
    /// #   fn joined<T: Send + 'static>(output: Result<T, oneshot::Canceled>) -> Option<T> {
    /// #       output.ok()
    /// #   }
    ///     // ...
    /// }
    ///
    /// let job = ThreadPerJob.spawn_blocking(|| 6 * 7);
    /// let output = futures_executor::block_on(job);
    /// assert_eq!(ThreadPerJob::joined(output), Some(42));
    /// ```
    fn spawn_blocking<T, F>(&self, job: F) -> Self::Job<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static;

    /// What a job's future resolved to: the job's value, or `None` if the pool dropped
    /// the job without running it (a runtime shutting down).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::BlockingPool;
    /// use futures_channel::oneshot;
    ///
    /// struct ThreadPerJob;
    ///
    /// impl BlockingPool for ThreadPerJob {
    ///     type Job<T: Send + 'static> = oneshot::Receiver<T>;
    /// #   fn spawn_blocking<T, F>(&self, job: F) -> Self::Job<T>
    /// #   where
    /// #       F: FnOnce() -> T + Send + 'static,
    /// #       T: Send + 'static,
    /// #   {
    /// #       let (done, joined) = oneshot::channel();
    /// #       std::thread::spawn(move || done.send(job()));
    /// #       joined
    /// #   }
    ///     fn joined<T: Send + 'static>(output: Result<T, oneshot::Canceled>) -> Option<T> {
    ///         output.ok() // `Canceled`: the job's sender was dropped unused
    ///     }
    ///     // ...
    /// }
    ///
    /// let ran = futures_executor::block_on(ThreadPerJob.spawn_blocking(|| "done"));
    /// assert_eq!(ThreadPerJob::joined(ran), Some("done"));
    ///
    /// let (dropped, job) = oneshot::channel::<&str>();
    /// drop(dropped); // as a pool shutting down drops a job it never ran
    /// assert_eq!(ThreadPerJob::joined(futures_executor::block_on(job)), None);
    /// ```
    fn joined<T: Send + 'static>(output: <Self::Job<T> as Future>::Output) -> Option<T>;
}

#[cfg(feature = "std")]
impl<P: BlockingPool + ?Sized> BlockingPool for &P {
    type Job<T: Send + 'static> = P::Job<T>;

    fn spawn_blocking<T, F>(&self, job: F) -> P::Job<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        (**self).spawn_blocking(job)
    }

    fn joined<T: Send + 'static>(output: <P::Job<T> as Future>::Output) -> Option<T> {
        P::joined(output)
    }
}
