//! `WaitGroup`: wait, asynchronously or by blocking, until a count of outstanding work
//! reaches zero.
//!
//! # Invariants
//!
//! - The count lives in an [`errgroup_core::Counter`]: it never wraps. `add` past
//!   [`Counter::MAX`] and `done` below zero are refused by the counter (which takes the
//!   change back) and turned into a panic here, at the caller's line, after waking every
//!   waiter: taking the change back may have brought the count to zero, and a waiter
//!   re-checks the count before it returns.
//! - Only the `done` that takes the count to zero notifies, and only if a waiter has
//!   announced itself (`waiters` is not zero); it then notifies every listener registered
//!   on the event at that moment. With no waiter, `add` and `done` are one
//!   compare-and-swap each plus, for the last `done`, one plain load of `waiters`: no
//!   fence, no lock.
//! - `waiters` counts the waiters that may sleep: a waiter increments it before it
//!   registers its first listener and decrements it when it returns or is dropped. It may
//!   count a waiter that no longer needs waking (that costs a spurious `notify`), never
//!   miss one that does.
//! - A waiter completes only after it has read the count as zero with an acquire load.
//!   Every `done` is a release on the same atomic and all changes to it are
//!   read-modify-writes (one release sequence), so a waiter that returns sees everything
//!   each worker did before its `done`.
//!
//! # Why no wake-up is lost
//!
//! A waiter reads the count; if it is not zero it announces itself (`waiters += 1`),
//! registers a listener on the event, and reads the count *again* with
//! [`Counter::count_acq_rel`], a read-modify-write, before it sleeps. The last `done`
//! takes the count to zero with its own read-modify-write (an acquire), then loads
//! `waiters` and notifies if it is not zero. All changes to the count are
//! read-modify-writes on one atomic, so they are totally ordered:
//!
//! - if the waiter's re-check comes after the last `done`, it reads zero and the waiter
//!   returns without sleeping;
//! - if it comes before, it reads a non-zero count, and the last `done` reads from it or
//!   from a later read-modify-write in its release sequence, so the re-check (a release)
//!   synchronises with that `done`: the announcement and the listener's insertion happen
//!   before the `done` loads `waiters` and notifies, so it sees the waiter and the
//!   notification finds the listener.
//!
//! No `SeqCst` fence is needed on the `done` side, which is what makes a `done` with no
//! waiter as cheap as the counter itself. A waiter that is woken reads the count again
//! and, if new work was added in the meantime, registers again (still announced).

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use errgroup_core::Counter;
use event_listener::{Event, EventListener};

use crate::sync::{AllocArc as Arc, AtomicUsize, Ordering, const_fn};
#[cfg(loom)]
use crate::sync::{UnmodelledAtomicUsize, UnmodelledOrdering};

/// Waits until a count of outstanding work reaches zero: Go's `sync.WaitGroup`, with an
/// RAII guard and both an async and a blocking wait.
///
/// [`add`](Self::add) registers work, [`done`](Self::done) marks one unit finished, and
/// [`wait`](Self::wait) (a future) or [`wait_blocking`](Self::wait_blocking) (feature
/// `std`) returns once the count is zero. [`enter`](Self::enter) and
/// [`enter_owned`](Self::enter_owned) do `add(1)` and return a guard whose drop is the
/// `done`, so a unit of work cannot be forgotten, even when a task panics or is dropped.
///
/// The counter never wraps: `add` past [`Counter::MAX`](errgroup_core::Counter::MAX)
/// (2^62 − 1 on 64-bit targets) and `done` below zero panic with a message naming the
/// mistake, and leave the count as it was. In correct use, `add` and `done` are one atomic
/// read-modify-write each, and the count is exact. While a misuse on one thread is being
/// taken back, another thread may see the count off by one (or by the refused `n`) for a
/// moment: a waiter may then return once while a unit is still held, and a correct `add`
/// or `done` racing the misuse may panic as well. Every refused call undoes exactly its own
/// change, so the count is exact again once they have returned.
///
/// When a wait returns, everything each worker did before its `done` (or before dropping
/// its guard) is visible to the waiter.
///
/// A `WaitGroup` can be reused: once the count has reached zero and the waiters have
/// returned, new work can be added and waited for again. `new` is `const`, so a `static`
/// works.
///
/// # Comparison
///
/// - **Go's `sync.WaitGroup`**: the same model, `Add`/`Done`/`Wait`. Go's `Add` takes a
///   signed delta; here `add` takes a `usize` and only `done` decrements, one at a time.
///   Going negative panics in both. Go's rule for reuse applies here too: add new work
///   only after the previous waiters have returned (a waiter that is woken but finds the
///   count raised again keeps waiting for the next zero).
/// - **crossbeam's `WaitGroup`**: there, cloning adds one and dropping is the `done`, and
///   `wait(self)` consumes a handle and blocks the thread; there is no async wait and no
///   count to read. Here the group is shared by reference (or `Arc`), [`WaitGuard`]s play
///   the role of the clones, and waiting is async ([`wait`](Self::wait)) or blocking
///   ([`wait_blocking`](Self::wait_blocking)), any number of times, from any number of
///   waiters.
///
/// # Examples
///
/// ```
/// use errgroup::WaitGroup;
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// let wg = WaitGroup::new();
/// let finished = AtomicUsize::new(0);
///
/// std::thread::scope(|s| {
///     for _ in 0..4 {
///         let guard = wg.enter();
///         let finished = &finished;
///         s.spawn(move || {
///             finished.fetch_add(1, Ordering::Relaxed);
///             drop(guard); // the `done`
///         });
///     }
///     futures_executor::block_on(wg.wait());
///     assert_eq!(finished.load(Ordering::Relaxed), 4);
/// });
/// ```
pub struct WaitGroup {
    /// Outstanding work; never wraps.
    counter: Counter,
    /// How many waiters may be asleep (announced, not yet returned or dropped). Read by
    /// the `done` that reaches zero; written only by waiters, so it stays in the cache of
    /// every thread calling `done` and costs them one plain load.
    waiters: AtomicUsize,
    /// Notified, for everyone, by the `done` that brings the count to zero, if a waiter
    /// is announced.
    event: Event,
    /// Loom builds only: what the protocol did, for the models to check that they
    /// explored every path. Not loom atomics, so they add no scheduling points.
    #[cfg(loom)]
    trace: LoomTrace,
}

/// Counts, in loom builds, the protocol's branches: waiter announcements and
/// notifications by the last `done`.
#[cfg(loom)]
#[derive(Debug, Default)]
struct LoomTrace {
    announced: UnmodelledAtomicUsize,
    notified: UnmodelledAtomicUsize,
}

impl WaitGroup {
    const_fn! {
        /// Creates a wait group with a count of zero.
        ///
        /// `const` (except under `--cfg loom`), so it can initialise a `static`.
        ///
        /// # Examples
        ///
        /// ```
        /// use errgroup::WaitGroup;
        ///
        /// static WG: WaitGroup = WaitGroup::new();
        ///
        /// WG.add(1);
        /// assert_eq!(WG.count(), 1);
        /// WG.done();
        /// futures_executor::block_on(WG.wait());
        /// ```
        #[must_use]
        pub const fn new() -> Self {
            Self {
                counter: Counter::new(),
                waiters: AtomicUsize::new(0),
                event: Event::new(),
                #[cfg(loom)]
                trace: LoomTrace {
                    announced: UnmodelledAtomicUsize::new(0),
                    notified: UnmodelledAtomicUsize::new(0),
                },
            }
        }
    }

    /// Adds `n` units of outstanding work.
    ///
    /// When this returns, the count is `n` higher. `add(0)` changes nothing. Adding never
    /// wakes anyone. Add work before the waiters could see the count reach zero without
    /// it, typically before starting the task that will call [`done`](Self::done).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::WaitGroup;
    ///
    /// let wg = WaitGroup::new();
    /// wg.add(3);
    /// assert_eq!(wg.count(), 3);
    /// ```
    ///
    /// # Panics
    ///
    /// If the count would exceed [`Counter::MAX`](errgroup_core::Counter::MAX); the count
    /// is left unchanged. The message is `WaitGroup::add: wait group counter overflow:
    /// adding {n} to {count} would exceed the largest count, {MAX}`.
    #[inline]
    #[track_caller]
    pub fn add(&self, n: usize) {
        if let Err(error) = self.counter.add(n) {
            self.misuse("WaitGroup::add", error);
        }
    }

    /// Marks one unit of work finished; if it was the last one, wakes every waiter.
    ///
    /// When the count reaches zero, every pending [`wait`](Self::wait) future is woken and
    /// every thread in [`wait_blocking`](Self::wait_blocking) unblocks, and each sees
    /// everything done before every `done` call. Prefer [`enter`](Self::enter), whose
    /// guard calls `done` for you exactly once.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::WaitGroup;
    ///
    /// let wg = WaitGroup::new();
    /// wg.add(2);
    /// wg.done();
    /// assert_eq!(wg.count(), 1);
    /// wg.done();
    /// assert_eq!(wg.count(), 0);
    /// ```
    ///
    /// # Panics
    ///
    /// If the count is already zero (`done` called more times than `add` added); the count
    /// stays zero. The message is `WaitGroup::done: wait group counter would go below zero:
    /// done() was called more times than add() added`.
    #[inline]
    #[track_caller]
    pub fn done(&self) {
        match self.counter.done() {
            // The counter's `done` was the release (our writes) and, having reached zero,
            // the acquire (everyone else's, and every waiter's announcing re-check that
            // read a non-zero count: see the module docs); the waiters re-read the count
            // with an acquire before they return, so they see all of it.
            Ok(true) => {
                // Relaxed: the ordering comes from the counter's read-modify-writes. Any
                // waiter whose re-check read a non-zero count synchronised with the
                // counter operation above, so its increment happens before this load and
                // coherence forbids reading an older value.
                if self.waiters.load(Ordering::Relaxed) != 0 {
                    self.notify_waiters();
                }
            }
            Ok(false) => {}
            Err(error) => self.misuse("WaitGroup::done", error),
        }
    }

    /// A refused `add` or `done`: the counter took the change back, which may have brought
    /// the count to zero, so every waiter is woken to re-check it (unconditionally: the
    /// repair is not the read-modify-write a waiter's announcement synchronised with).
    /// Then the panic, at the caller's line. Out of line and cold, so that the inlined
    /// `add` and `done` stay small.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn misuse(&self, operation: &str, error: errgroup_core::CountError) -> ! {
        self.notify_waiters();
        panic!("{operation}: {error}");
    }

    /// The slow half of the last `done`: wakes every registered listener.
    #[cold]
    #[inline(never)]
    fn notify_waiters(&self) {
        #[cfg(loom)]
        self.trace.notified.fetch_add(1, UnmodelledOrdering::Relaxed);
        // `notify(usize::MAX)`, not `notify_additional`: this is a broadcast, so the goal
        // is "every registered listener is notified", which is exactly what the plain
        // count means (it skips listeners already notified instead of notifying past
        // them). `additional` is for handing over a finite number of permits on top of
        // earlier ones; with `usize::MAX` both would reach everyone. The protocol no
        // longer needs the `SeqCst` fence this emits (see the module docs); on this path,
        // taken only when someone waits, it costs nothing that matters.
        self.event.notify(usize::MAX);
    }

    /// A waiter is about to register a listener: count it in `waiters`, so that the last
    /// `done` notifies. Must be followed by [`Counter::count_acq_rel`], which publishes
    /// the increment to that `done`.
    fn announce_waiter(&self) {
        #[cfg(loom)]
        self.trace.announced.fetch_add(1, UnmodelledOrdering::Relaxed);
        // Relaxed: published by the release read-modify-write on the count that follows.
        self.waiters.fetch_add(1, Ordering::Relaxed);
    }

    /// An announced waiter returns or is dropped.
    fn retire_waiter(&self) {
        // Relaxed: a stale non-zero value only costs a `done` a spurious `notify`.
        self.waiters.fetch_sub(1, Ordering::Relaxed);
    }

    /// Loom builds only: how many times a waiter announced itself, and how many times the
    /// last `done` notified. For the loom models to assert that they explored each branch.
    #[cfg(loom)]
    #[doc(hidden)]
    pub fn loom_trace(&self) -> (usize, usize) {
        use crate::sync::UnmodelledOrdering::Relaxed;
        (self.trace.announced.load(Relaxed), self.trace.notified.load(Relaxed))
    }

    /// Adds one unit of work and returns a guard whose drop marks it finished.
    ///
    /// The guard borrows the wait group; for a guard that can move into a `'static`
    /// thread or task, see [`enter_owned`](Self::enter_owned).
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::WaitGroup;
    ///
    /// let wg = WaitGroup::new();
    /// std::thread::scope(|s| {
    ///     let guard = wg.enter();
    ///     s.spawn(move || {
    ///         // ... work ...
    ///         drop(guard);
    ///     });
    ///     futures_executor::block_on(wg.wait());
    /// });
    /// assert_eq!(wg.count(), 0);
    /// ```
    ///
    /// # Panics
    ///
    /// If the count is already [`Counter::MAX`](errgroup_core::Counter::MAX), with the
    /// message of [`add`](Self::add).
    #[track_caller]
    pub fn enter(&self) -> WaitGuard<'_> {
        self.add(1);
        WaitGuard { wait_group: self }
    }

    /// Adds one unit of work and returns a guard, holding an `Arc` of the wait group,
    /// whose drop marks it finished.
    ///
    /// Unlike [`WaitGuard`], a [`WaitGuardOwned`] is `'static`, so it can move into a
    /// spawned thread or task.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::WaitGroup;
    /// use std::sync::Arc;
    ///
    /// let wg = Arc::new(WaitGroup::new());
    /// let handles: Vec<_> = (0..3)
    ///     .map(|_| {
    ///         let guard = wg.enter_owned();
    ///         std::thread::spawn(move || drop(guard))
    ///     })
    ///     .collect();
    /// wg.wait_blocking();
    /// assert_eq!(wg.count(), 0);
    /// for handle in handles {
    ///     handle.join().unwrap();
    /// }
    /// ```
    ///
    /// # Panics
    ///
    /// If the count is already [`Counter::MAX`](errgroup_core::Counter::MAX), with the
    /// message of [`add`](Self::add).
    ///
    /// # Targets without compare-and-swap
    ///
    /// On thumbv6m the `Arc` is portable-atomic-util's, which cannot be a method receiver:
    /// call it as `WaitGroup::enter_owned(&wg)` there (that form works on every target).
    #[cfg(target_has_atomic = "ptr")]
    #[track_caller]
    pub fn enter_owned(self: &Arc<Self>) -> WaitGuardOwned {
        Self::enter_arc(self)
    }

    /// [`enter_owned`] where the target has no compare-and-swap (see there).
    #[cfg(not(target_has_atomic = "ptr"))]
    #[track_caller]
    pub fn enter_owned(this: &Arc<Self>) -> WaitGuardOwned {
        Self::enter_arc(this)
    }

    #[track_caller]
    fn enter_arc(this: &Arc<Self>) -> WaitGuardOwned {
        this.add(1);
        WaitGuardOwned { wait_group: Arc::clone(this) }
    }

    /// Returns the current count of outstanding work.
    ///
    /// When this returns `0`, everything done before each `done` call is visible to the
    /// caller. Any other value may be stale by the time the caller looks at it.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::WaitGroup;
    ///
    /// let wg = WaitGroup::new();
    /// let guard = wg.enter();
    /// assert_eq!(wg.count(), 1);
    /// drop(guard);
    /// assert_eq!(wg.count(), 0);
    /// ```
    pub fn count(&self) -> usize {
        // Acquire (inside `Counter::count`): pairs with the release of every `done`.
        self.counter.count()
    }

    /// Waits until the count is zero.
    ///
    /// The returned future is ready at once if the count is already zero. Otherwise it
    /// resolves once it observes the count at zero after a wake-up; every waiter that is
    /// pending when the last `done` runs is woken. When it resolves, everything done
    /// before each `done` call is visible to the caller. If new work is added before a
    /// woken waiter is polled, it keeps waiting for the count to reach zero again.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::WaitGroup;
    /// use std::sync::Mutex;
    ///
    /// let wg = WaitGroup::new();
    /// let results = Mutex::new(Vec::new());
    /// std::thread::scope(|s| {
    ///     for i in 0..3 {
    ///         let guard = wg.enter();
    ///         let results = &results;
    ///         s.spawn(move || {
    ///             results.lock().unwrap().push(i);
    ///             drop(guard);
    ///         });
    ///     }
    ///     futures_executor::block_on(wg.wait());
    ///     assert_eq!(results.lock().unwrap().len(), 3);
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future before it completes unregisters it and changes
    /// nothing else — not the count, not the other waiters. A new `wait` can be started
    /// at any time.
    pub fn wait(&self) -> WaitGroupWait<'_> {
        WaitGroupWait { wait_group: self, listener: None, announced: false }
    }

    /// Blocks the current thread until the count is zero.
    ///
    /// Returns at once if the count is already zero. When it returns, everything done
    /// before each `done` call is visible to the caller. Same semantics as
    /// [`wait`](Self::wait), for threads instead of tasks.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup::WaitGroup;
    ///
    /// let wg = WaitGroup::new();
    /// std::thread::scope(|s| {
    ///     let guard = wg.enter();
    ///     s.spawn(move || drop(guard));
    ///     wg.wait_blocking();
    /// });
    /// assert_eq!(wg.count(), 0);
    /// ```
    ///
    /// # Blocking
    ///
    /// Parks the calling thread until the last `done`. Do not call it from async code: in
    /// a task, use [`wait`](Self::wait), or your runtime's `spawn_blocking`.
    #[cfg(all(feature = "std", not(target_family = "wasm")))]
    pub fn wait_blocking(&self) {
        use event_listener::Listener as _;

        /// Retires the announced waiter however `wait_blocking` returns.
        struct Announced<'a>(&'a WaitGroup);
        impl Drop for Announced<'_> {
            fn drop(&mut self) {
                self.0.retire_waiter();
            }
        }

        // Acquire load (`count`): a zero read here publishes the workers' writes.
        if self.count() == 0 {
            return;
        }
        self.announce_waiter();
        let _announced = Announced(self);
        loop {
            let listener = self.event.listen();
            // The re-check is a read-modify-write (acquire and release): either it reads
            // zero, or the last `done` sees the announcement and notifies the listener.
            // See the module docs.
            if self.counter.count_acq_rel() == 0 {
                return;
            }
            listener.wait();
            // Acquire load: see above. Non-zero means new work was added after the
            // notification; listen again.
            if self.count() == 0 {
                return;
            }
        }
    }
}

impl Default for WaitGroup {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for WaitGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Relaxed: a snapshot for people; `waiters` is how many waiters may be asleep.
        f.debug_struct("WaitGroup")
            .field("count", &self.count())
            .field("waiters", &self.waiters.load(Ordering::Relaxed))
            .finish()
    }
}

/// A unit of work registered by [`WaitGroup::enter`]; dropping it marks the work finished.
///
/// Dropping the guard calls [`WaitGroup::done`] exactly once, whether the work finished,
/// panicked, or was cancelled.
///
/// # Examples
///
/// ```
/// use errgroup::WaitGroup;
///
/// let wg = WaitGroup::new();
/// {
///     let _guard = wg.enter();
///     assert_eq!(wg.count(), 1);
/// }
/// assert_eq!(wg.count(), 0);
/// ```
///
/// # Panics
///
/// Dropping panics, with the message of [`WaitGroup::done`], only if the count is already
/// zero, which takes an extra manual `done` call.
#[must_use = "dropping the guard marks the work finished at once"]
pub struct WaitGuard<'a> {
    wait_group: &'a WaitGroup,
}

impl Drop for WaitGuard<'_> {
    fn drop(&mut self) {
        self.wait_group.done();
    }
}

impl fmt::Debug for WaitGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitGuard").field("wait_group", self.wait_group).finish()
    }
}

/// A unit of work registered by [`WaitGroup::enter_owned`]; dropping it marks the work
/// finished.
///
/// Holds an `Arc` of the wait group, so it is `'static` and can move into a spawned
/// thread or task. Dropping it calls [`WaitGroup::done`] exactly once.
///
/// # Examples
///
/// ```
/// use errgroup::WaitGroup;
/// use std::sync::Arc;
///
/// let wg = Arc::new(WaitGroup::new());
/// let guard = wg.enter_owned();
/// std::thread::spawn(move || drop(guard)).join().unwrap();
/// assert_eq!(wg.count(), 0);
/// ```
///
/// # Panics
///
/// Dropping panics, with the message of [`WaitGroup::done`], only if the count is already
/// zero, which takes an extra manual `done` call.
#[must_use = "dropping the guard marks the work finished at once"]
pub struct WaitGuardOwned {
    // `alloc`'s `Arc`, not the `sync` facade's: this is public API, and the reference
    // count plays no part in the wake-up protocol that loom checks.
    wait_group: Arc<WaitGroup>,
}

impl Drop for WaitGuardOwned {
    fn drop(&mut self) {
        self.wait_group.done();
    }
}

impl fmt::Debug for WaitGuardOwned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitGuardOwned").field("wait_group", &*self.wait_group).finish()
    }
}

/// The future returned by [`WaitGroup::wait`]: resolves when the count is zero.
///
/// # Examples
///
/// ```
/// use errgroup::{WaitGroup, future::WaitGroupWait};
///
/// let wg = WaitGroup::new();
/// let wait: WaitGroupWait<'_> = wg.wait();
/// futures_executor::block_on(wait); // count is zero: ready at once
/// ```
///
/// # Cancel safety
///
/// Cancel-safe: dropping it unregisters the waiter and changes nothing else.
#[must_use = "futures do nothing unless polled"]
pub struct WaitGroupWait<'a> {
    wait_group: &'a WaitGroup,
    /// Registered once the count was seen non-zero; `None` before that and after each
    /// wake-up.
    listener: Option<EventListener>,
    /// Whether this future is counted in the wait group's `waiters` (from its first
    /// registration until it completes or is dropped).
    announced: bool,
}

impl WaitGroupWait<'_> {
    /// Completes the wait: drops the listener and leaves `waiters`.
    fn finish(&mut self) {
        self.listener = None;
        if core::mem::take(&mut self.announced) {
            self.wait_group.retire_waiter();
        }
    }
}

impl Drop for WaitGroupWait<'_> {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Future for WaitGroupWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // `WaitGroupWait` is `Unpin` (`EventListener` is), so no projection is needed.
        let this = &mut *self;
        loop {
            // Acquire load (`count`): pairs with every `done`'s release, so returning
            // after reading zero publishes all the workers' writes to the waiter.
            if this.wait_group.count() == 0 {
                this.finish();
                return Poll::Ready(());
            }
            match &mut this.listener {
                // Count seen non-zero: announce (once), register, then re-check with a
                // read-modify-write: either it reads zero, or the last `done` sees the
                // announcement and notifies this listener. See the module docs.
                None => {
                    if !this.announced {
                        this.wait_group.announce_waiter();
                        this.announced = true;
                    }
                    this.listener = Some(this.wait_group.event.listen());
                    if this.wait_group.counter.count_acq_rel() == 0 {
                        this.finish();
                        return Poll::Ready(());
                    }
                }
                Some(listener) => {
                    if Pin::new(listener).poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    // Woken by a `done` that reached zero: drop the spent listener and
                    // re-check, since new work may have been added since.
                    this.listener = None;
                }
            }
        }
    }
}

impl fmt::Debug for WaitGroupWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitGroupWait")
            .field("count", &self.wait_group.count())
            .field("registered", &self.listener.is_some())
            .finish()
    }
}

/// Compile-time check: every public type here can cross threads, and `WaitGroupWait` is `Unpin`.
const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    fn unpin<T: Unpin>() {}
    send_sync::<WaitGroup>();
    send_sync::<WaitGroupWait<'_>>();
    send_sync::<WaitGuard<'_>>();
    send_sync::<WaitGuardOwned>();
    unpin::<WaitGroupWait<'_>>();
};

#[cfg(all(test, not(loom)))]
#[allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // tests run on std
mod tests {
    use super::*;

    use std::boxed::Box;
    use std::cell::RefCell;
    use std::format;
    use std::panic::{self, AssertUnwindSafe};
    use std::string::{String, ToString};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Mutex, Once, mpsc};
    use std::task::{Wake, Waker};
    use std::thread;
    use std::time::Duration;
    use std::vec::Vec;

    const BELOW_ZERO: &str = "WaitGroup::done: wait group counter would go below zero: done() was called more times than add() added";

    /// A waker that counts its wake-ups.
    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting_waker() -> (Arc<CountingWaker>, Waker) {
        let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&counter));
        (counter, waker)
    }

    fn poll_once(wait: &mut WaitGroupWait<'_>, waker: &Waker) -> Poll<()> {
        Pin::new(wait).poll(&mut Context::from_waker(waker))
    }

    /// Runs `f`, expecting a panic; returns its message.
    fn panic_message(f: impl FnOnce()) -> String {
        let payload = panic::catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
        match payload.downcast::<String>() {
            Ok(message) => *message,
            Err(payload) => (*payload.downcast::<&str>().expect("string payload")).to_string(),
        }
    }

    std::thread_local! {
        /// Where the last panic on this thread was reported (recorded by `record_panics`).
        static LAST_PANIC: RefCell<Option<(String, u32)>> = const { RefCell::new(None) };
    }

    /// Installs, once, a hook that records each panic's location for the panicking thread
    /// and then hands over to the previous hook. Per-thread, so parallel tests don't mix.
    fn record_panics() {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            let previous = panic::take_hook();
            panic::set_hook(Box::new(move |info| {
                if let Some(location) = info.location() {
                    LAST_PANIC.with(|last| {
                        *last.borrow_mut() = Some((location.file().to_string(), location.line()));
                    });
                }
                previous(info);
            }));
        });
    }

    fn last_panic_location() -> Option<(String, u32)> {
        LAST_PANIC.with(|last| last.borrow_mut().take())
    }

    #[test]
    fn new_and_default_are_zero_and_debug_shows_count() {
        let wg = WaitGroup::default();
        assert_eq!(wg.count(), 0);
        wg.add(2);
        assert_eq!(format!("{wg:?}"), "WaitGroup { count: 2, waiters: 0 }");
        let guard = wg.enter();
        assert_eq!(
            format!("{guard:?}"),
            "WaitGuard { wait_group: WaitGroup { count: 3, waiters: 0 } }"
        );
        drop(guard);
        let wait = wg.wait();
        assert_eq!(format!("{wait:?}"), "WaitGroupWait { count: 2, registered: false }");
    }

    /// A waiter counts itself in `waiters` while it may sleep, and out again however it
    /// ends: completed, dropped, or returned from `wait_blocking`. (A stale count would
    /// only cost spurious notifications, so only `Debug` shows it.)
    #[test]
    fn waiters_are_counted_out_however_they_end() {
        let waiters = |wg: &WaitGroup| format!("{wg:?}");
        let wg = WaitGroup::new();
        wg.add(1);
        let (_, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);

        let mut dropped = wg.wait();
        assert!(Pin::new(&mut dropped).poll(&mut cx).is_pending());
        assert_eq!(waiters(&wg), "WaitGroup { count: 1, waiters: 1 }");
        drop(dropped);
        assert_eq!(waiters(&wg), "WaitGroup { count: 1, waiters: 0 }");

        let mut completed = wg.wait();
        assert!(Pin::new(&mut completed).poll(&mut cx).is_pending());
        wg.done();
        assert!(Pin::new(&mut completed).poll(&mut cx).is_ready());
        assert_eq!(waiters(&wg), "WaitGroup { count: 0, waiters: 0 }");
        drop(completed);

        wg.add(1);
        std::thread::scope(|scope| {
            let blocked = scope.spawn(|| wg.wait_blocking());
            while waiters(&wg) != "WaitGroup { count: 1, waiters: 1 }" {
                std::thread::yield_now();
            }
            wg.done();
            blocked.join().unwrap();
        });
        assert_eq!(waiters(&wg), "WaitGroup { count: 0, waiters: 0 }");
    }

    #[test]
    fn wait_on_zero_is_ready_at_once() {
        let wg = WaitGroup::new();
        let (woken, waker) = counting_waker();
        let mut wait = wg.wait();
        assert_eq!(poll_once(&mut wait, &waker), Poll::Ready(()));
        assert_eq!(woken.0.load(Ordering::SeqCst), 0);
        // And again once work has come and gone.
        wg.add(1);
        wg.done();
        assert_eq!(poll_once(&mut wg.wait(), &waker), Poll::Ready(()));
    }

    #[test]
    fn waiters_registered_before_last_done_are_all_woken() {
        let wg = WaitGroup::new();
        wg.add(2);
        let wakers: Vec<_> = (0..4).map(|_| counting_waker()).collect();
        let mut waits: Vec<_> = (0..4).map(|_| wg.wait()).collect();
        for (wait, (_, waker)) in waits.iter_mut().zip(&wakers) {
            assert_eq!(poll_once(wait, waker), Poll::Pending);
        }
        wg.done();
        for (woken, _) in &wakers {
            assert_eq!(woken.0.load(Ordering::SeqCst), 0, "woken before the last done");
        }
        wg.done();
        for (wait, (woken, waker)) in waits.iter_mut().zip(&wakers) {
            assert_eq!(woken.0.load(Ordering::SeqCst), 1);
            assert_eq!(poll_once(wait, waker), Poll::Ready(()));
        }
    }

    #[test]
    fn woken_waiter_that_finds_new_work_keeps_waiting() {
        let wg = WaitGroup::new();
        wg.add(1);
        let (woken, waker) = counting_waker();
        let mut wait = wg.wait();
        assert_eq!(poll_once(&mut wait, &waker), Poll::Pending);
        wg.done();
        assert_eq!(woken.0.load(Ordering::SeqCst), 1);
        wg.add(1); // reused before the waiter ran: a misuse in Go, well-defined here
        assert_eq!(poll_once(&mut wait, &waker), Poll::Pending);
        wg.done();
        assert_eq!(woken.0.load(Ordering::SeqCst), 2);
        assert_eq!(poll_once(&mut wait, &waker), Poll::Ready(()));
    }

    #[test]
    fn dropping_a_pending_wait_changes_nothing_else() {
        let wg = WaitGroup::new();
        wg.add(1);
        let (_, waker_a) = counting_waker();
        let (woken_b, waker_b) = counting_waker();
        let mut a = wg.wait();
        let mut b = wg.wait();
        assert_eq!(poll_once(&mut a, &waker_a), Poll::Pending);
        assert_eq!(poll_once(&mut b, &waker_b), Poll::Pending);
        drop(a);
        assert_eq!(wg.count(), 1);
        wg.done();
        assert_eq!(woken_b.0.load(Ordering::SeqCst), 1);
        assert_eq!(poll_once(&mut b, &waker_b), Poll::Ready(()));
    }

    #[test]
    #[should_panic(
        expected = "WaitGroup::done: wait group counter would go below zero: done() was called more times than add() added"
    )]
    fn done_below_zero_panics_with_clear_message() {
        WaitGroup::new().done();
    }

    #[test]
    fn done_below_zero_panics_at_the_callers_line_and_count_stays_zero() {
        record_panics();
        let wg = WaitGroup::new();
        let mut line = 0;
        let message = panic_message(|| {
            line = line!() + 1;
            wg.done();
        });
        assert_eq!(message, BELOW_ZERO);
        assert_eq!(last_panic_location(), Some((file!().to_string(), line)));
        assert_eq!(wg.count(), 0);
        // Still usable afterwards.
        wg.add(1);
        wg.done();
        assert_eq!(wg.count(), 0);
    }

    #[test]
    fn add_overflow_panics_and_leaves_count() {
        record_panics();
        let wg = WaitGroup::new();
        wg.add(1);
        let mut line = 0;
        let message = panic_message(|| {
            line = line!() + 1;
            wg.add(usize::MAX);
        });
        assert_eq!(
            message,
            format!(
                "WaitGroup::add: wait group counter overflow: adding {} to 1 would exceed the largest count, {}",
                usize::MAX,
                errgroup_core::Counter::MAX
            )
        );
        assert_eq!(last_panic_location(), Some((file!().to_string(), line)));
        assert_eq!(wg.count(), 1);

        // `enter` at the largest count panics the same way, at its caller, and hands out no
        // guard.
        wg.add(errgroup_core::Counter::MAX - 1);
        let message = panic_message(|| {
            line = line!() + 1;
            let _guard = wg.enter();
        });
        assert_eq!(
            message,
            format!(
                "WaitGroup::add: wait group counter overflow: adding 1 to {max} would exceed the largest count, {max}",
                max = errgroup_core::Counter::MAX
            )
        );
        assert_eq!(last_panic_location(), Some((file!().to_string(), line)));
        assert_eq!(wg.count(), errgroup_core::Counter::MAX);
    }

    #[test]
    fn enter_guard_drop_calls_done() {
        let wg = WaitGroup::new();
        let (woken, waker) = counting_waker();
        let first = wg.enter();
        let second = wg.enter();
        assert_eq!(wg.count(), 2);
        let mut wait = wg.wait();
        assert_eq!(poll_once(&mut wait, &waker), Poll::Pending);
        drop(first);
        assert_eq!(wg.count(), 1);
        assert_eq!(poll_once(&mut wait, &waker), Poll::Pending);
        drop(second);
        assert_eq!(wg.count(), 0);
        assert_eq!(woken.0.load(Ordering::SeqCst), 1);
        assert_eq!(poll_once(&mut wait, &waker), Poll::Ready(()));
    }

    #[test]
    fn enter_guard_drop_calls_done_when_the_work_panics() {
        let wg = WaitGroup::new();
        let message = panic_message(|| {
            let _guard = wg.enter();
            panic!("work failed");
        });
        assert_eq!(message, "work failed");
        assert_eq!(wg.count(), 0);
    }

    #[test]
    fn owned_guard_moves_into_a_static_thread() {
        let wg = Arc::new(WaitGroup::new());
        let data = Arc::new(Mutex::new(Vec::new()));
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let guard = wg.enter_owned();
                let data = Arc::clone(&data);
                thread::spawn(move || {
                    data.lock().unwrap().push(i);
                    drop(guard);
                })
            })
            .collect();
        futures_executor::block_on(wg.wait());
        assert_eq!(data.lock().unwrap().len(), 4);
        assert_eq!(
            format!("{:?}", wg.enter_owned()),
            "WaitGuardOwned { wait_group: WaitGroup { count: 1, waiters: 0 } }"
        );
        for handle in handles {
            handle.join().unwrap();
        }
        assert_eq!(wg.count(), 0);
    }

    #[test]
    fn wait_blocking_returns_after_every_done_and_sees_the_work() {
        let wg = WaitGroup::new();
        let workers = 4;
        let written = AtomicUsize::new(0);
        let (ready_tx, ready_rx) = mpsc::channel();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let go_rx = Mutex::new(go_rx);
        wg.add(workers);
        thread::scope(|s| {
            // Two blocking waiters that announce themselves before they wait.
            let waiters: Vec<_> = (0..2)
                .map(|_| {
                    let ready_tx = ready_tx.clone();
                    let (wg, written) = (&wg, &written);
                    s.spawn(move || {
                        ready_tx.send(()).unwrap();
                        wg.wait_blocking();
                        // Relaxed is enough: `wait_blocking` is the acquire.
                        written.load(Ordering::Relaxed)
                    })
                })
                .collect();
            ready_rx.recv().unwrap();
            ready_rx.recv().unwrap();
            for _ in 0..workers {
                let (wg, written, go_rx) = (&wg, &written, &go_rx);
                s.spawn(move || {
                    go_rx.lock().unwrap().recv().unwrap();
                    written.fetch_add(1, Ordering::Relaxed);
                    wg.done();
                });
            }
            for _ in 0..workers {
                go_tx.send(()).unwrap();
            }
            for waiter in waiters {
                assert_eq!(waiter.join().unwrap(), workers);
            }
        });
        wg.wait_blocking(); // already zero: returns at once
    }

    #[test]
    fn reuse_after_zero() {
        let wg = WaitGroup::new();
        let (woken, waker) = counting_waker();
        for round in 1..=3 {
            wg.add(round);
            let mut wait = wg.wait();
            assert_eq!(poll_once(&mut wait, &waker), Poll::Pending);
            for _ in 0..round {
                wg.done();
            }
            assert_eq!(poll_once(&mut wait, &waker), Poll::Ready(()));
            assert_eq!(woken.0.load(Ordering::SeqCst), round);
        }
        assert_eq!(wg.count(), 0);
    }

    #[test]
    fn static_wait_group_works() {
        static WG: WaitGroup = WaitGroup::new();
        let guard = WG.enter();
        let handle = thread::spawn(move || drop(guard));
        WG.wait_blocking();
        futures_executor::block_on(WG.wait());
        handle.join().unwrap();
        assert_eq!(WG.count(), 0);
    }

    #[test]
    fn stress_threads_and_async_waiters_see_all_work() {
        let workers = if cfg!(miri) { 3 } else { 8 };
        let units = if cfg!(miri) { 3 } else { 1_000 };
        let rounds = if cfg!(miri) { 2 } else { 50 };
        let async_waiters = if cfg!(miri) { 2 } else { 4 };
        let deadline = Duration::from_secs(if cfg!(miri) { 600 } else { 120 });

        let (done_tx, done_rx) = mpsc::channel();
        let handle = thread::spawn(move || {
            let wg = Arc::new(WaitGroup::new());
            let work = Arc::new(AtomicUsize::new(0));
            for round in 1..=rounds {
                let (ready_tx, ready_rx) = mpsc::channel();
                let guards: Vec<_> = (0..workers * units).map(|_| wg.enter_owned()).collect();
                let mut threads = Vec::new();
                for _ in 0..async_waiters {
                    let (wg, work, ready_tx) =
                        (Arc::clone(&wg), Arc::clone(&work), ready_tx.clone());
                    threads.push(thread::spawn(move || {
                        ready_tx.send(()).unwrap();
                        futures_executor::block_on(wg.wait());
                        // Relaxed: `wait` is the acquire.
                        assert_eq!(work.load(Ordering::Relaxed), round * workers * units);
                    }));
                }
                for _ in 0..async_waiters {
                    ready_rx.recv().unwrap();
                }
                let mut guards = guards.into_iter();
                for _ in 0..workers {
                    let mine: Vec<_> = guards.by_ref().take(units).collect();
                    let work = Arc::clone(&work);
                    threads.push(thread::spawn(move || {
                        for guard in mine {
                            work.fetch_add(1, Ordering::Relaxed);
                            drop(guard);
                        }
                    }));
                }
                wg.wait_blocking();
                assert_eq!(work.load(Ordering::Relaxed), round * workers * units);
                for thread in threads {
                    thread.join().unwrap();
                }
            }
            done_tx.send(()).unwrap();
        });
        done_rx.recv_timeout(deadline).expect("stress test hung past its deadline");
        handle.join().unwrap();
    }
}
