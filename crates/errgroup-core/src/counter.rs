//! A wait-group counter that never wraps.
//!
//! # Invariants
//!
//! - The count is changed only by a successful compare-and-swap from a value that was
//!   checked: `add` never takes it past `usize::MAX`, `done` never below zero. A refused
//!   call leaves the count exactly as it was, and no other thread can observe a wrapped
//!   or transient value.
//! - `done` reports "reached zero" from the same read-modify-write that made it zero, so
//!   of many racing `done` calls exactly one sees the count reach zero.
//! - Each `done` is a release, and the `done` that reaches zero (and any `count` that
//!   reads zero) is an acquire on the same atomic: every `done` is a read-modify-write, so
//!   they form one release sequence, and whoever sees zero sees everything each worker did
//!   before its `done`.
//! - [`count_acq_rel`](Counter::count_acq_rel) reads the count with a read-modify-write
//!   that changes nothing, so it too sits in that single modification order and release
//!   sequence: if it reads a non-zero count, it comes before the `done` that will take the
//!   count to zero, and that `done` (an acquire) sees everything the caller did before
//!   it. A waiter uses this to announce itself without making `done` pay for a fence.
//! - The compare-and-swap loops start from a guess (`add`: 0, `done`: 1), not a load: under
//!   contention a load fetches the cache line shared and the compare-and-swap then fetches
//!   it again for writing; a compare-and-swap that misses returns the current count with
//!   the line held, so the retry usually succeeds at once. The checks are unchanged.
//! - Every method is `#[inline]`: they are a compare-and-swap each, and a call across
//!   crates that is not inlined costs as much as the operation.

use core::fmt;

use crossbeam_utils::CachePadded;

use crate::sync::{AtomicUsize, Ordering, const_fn};

/// A counter of outstanding work, the heart of a wait group.
///
/// [`add`](Self::add) registers work, [`done`](Self::done) marks one unit finished and
/// says whether it was the last. Neither ever wraps: overflow and going below zero are
/// reported as a [`CountError`] and leave the count unchanged. The atomic sits on its own
/// cache line ([`CachePadded`]) so that neighbouring data does not slow the hot path.
///
/// `Counter` does not block or wake anyone; the `errgroup` crate builds its `WaitGroup`
/// on top of it.
///
/// # Examples
///
/// ```
/// use errgroup_core::Counter;
///
/// static PENDING: Counter = Counter::new();
///
/// PENDING.add(2).unwrap();
/// assert_eq!(PENDING.done(), Ok(false));
/// assert_eq!(PENDING.done(), Ok(true)); // this call brought it to zero
/// assert_eq!(PENDING.count(), 0);
/// ```
pub struct Counter {
    count: CachePadded<AtomicUsize>,
}

/// Why a [`Counter`] refused to change.
///
/// # Examples
///
/// ```
/// use errgroup_core::{CountError, Counter};
///
/// let counter = Counter::new();
/// assert_eq!(counter.done(), Err(CountError::BelowZero));
/// assert_eq!(
///     counter.done().unwrap_err().to_string(),
///     "wait group counter would go below zero: done() was called more times than add() added"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountError {
    /// `add(n)` would have taken the count past `usize::MAX`.
    Overflow {
        /// The count when the addition was refused.
        count: usize,
        /// The amount that was refused.
        add: usize,
    },
    /// `done()` was called while the count was already zero.
    BelowZero,
}

impl fmt::Display for CountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Overflow { count, add } => write!(
                f,
                "wait group counter overflow: adding {add} to {count} would exceed usize::MAX"
            ),
            Self::BelowZero => f.write_str(
                "wait group counter would go below zero: done() was called more times than add() added",
            ),
        }
    }
}

impl core::error::Error for CountError {}

impl Counter {
    const_fn! {
        /// Creates a counter at zero. `const`, so it can initialise a `static`.
        ///
        /// # Examples
        ///
        /// ```
        /// use errgroup_core::Counter;
        ///
        /// static COUNTER: Counter = Counter::new();
        /// assert_eq!(COUNTER.count(), 0);
        /// ```
        #[must_use]
        pub const fn new() -> Self {
            Self { count: CachePadded::new(AtomicUsize::new(0)) }
        }
    }

    /// Adds `n` to the count and returns the new count.
    ///
    /// `add(0)` is allowed and changes nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::Counter;
    ///
    /// let counter = Counter::new();
    /// assert_eq!(counter.add(3), Ok(3));
    /// assert_eq!(counter.add(1), Ok(4));
    /// ```
    ///
    /// # Errors
    ///
    /// [`CountError::Overflow`] if the count would exceed `usize::MAX`; the count is left
    /// unchanged.
    #[inline]
    pub fn add(&self, n: usize) -> Result<usize, CountError> {
        // Relaxed: adding publishes nothing and reads nothing; the compare-and-swap alone
        // keeps the count exact, and as a read-modify-write it does not break the release
        // sequence that the `done` calls form.
        self.update(0, Ordering::Relaxed, |count| count.checked_add(n))
            .map(|previous| previous + n)
            .map_err(|count| CountError::Overflow { count, add: n })
    }

    /// Marks one unit of work finished. Returns `Ok(true)` if this call brought the count
    /// to zero, from the same atomic operation that decremented it.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::Counter;
    ///
    /// let counter = Counter::new();
    /// counter.add(2).unwrap();
    /// assert_eq!(counter.done(), Ok(false));
    /// assert_eq!(counter.done(), Ok(true));
    /// ```
    ///
    /// # Errors
    ///
    /// [`CountError::BelowZero`] if the count was already zero; it stays zero.
    #[inline]
    pub fn done(&self) -> Result<bool, CountError> {
        // AcqRel: the release half publishes this worker's writes to whoever sees the
        // count reach zero (a `done` that returns `true`, or `count`'s acquire load); the
        // acquire half lets the `done` that reaches zero see every earlier `done`'s writes,
        // which all sit in the same release sequence. Failure (already zero) publishes
        // nothing, so it is Relaxed.
        self.update(1, Ordering::AcqRel, |count| count.checked_sub(1))
            .map(|previous| previous == 1)
            .map_err(|_| CountError::BelowZero)
    }

    /// Returns the current count.
    ///
    /// When this returns `0`, everything done before each `done` call is visible to the
    /// caller. Any other value may be stale by the time the caller looks at it.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::Counter;
    ///
    /// let counter = Counter::new();
    /// counter.add(5).unwrap();
    /// assert_eq!(counter.count(), 5);
    /// ```
    #[inline]
    pub fn count(&self) -> usize {
        // Acquire: pairs with the release half of every `done`, so a caller that reads
        // zero sees all the work that was finished.
        self.count.load(Ordering::Acquire)
    }

    /// Returns the current count, read by a read-modify-write that leaves it unchanged
    /// and is both an acquire and a release.
    ///
    /// Like [`count`](Self::count), a zero read here sees everything done before each
    /// `done`. In addition, if this reads a non-zero count, the `done` that later takes
    /// the count to zero sees everything the caller did before this call. That is what a
    /// waiter needs to announce itself to the last `done` without a fence on either side:
    /// announce, then call this; either it reads zero, or the last `done` sees the
    /// announcement. A plain load ([`count`](Self::count)) gives no such guarantee.
    ///
    /// It writes the counter's cache line, so keep it off hot paths.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::Counter;
    /// use std::sync::atomic::{AtomicBool, Ordering};
    ///
    /// let counter = Counter::new();
    /// let waiting = AtomicBool::new(false);
    /// counter.add(1).unwrap();
    ///
    /// // A waiter announces itself, then re-reads the count.
    /// waiting.store(true, Ordering::Relaxed);
    /// assert_eq!(counter.count_acq_rel(), 1);
    ///
    /// // The last `done` is guaranteed to see the announcement, even with a relaxed load.
    /// assert_eq!(counter.done(), Ok(true));
    /// assert!(waiting.load(Ordering::Relaxed));
    /// ```
    #[inline]
    pub fn count_acq_rel(&self) -> usize {
        // AcqRel read-modify-write: the release half heads a release sequence that every
        // later `add` and `done` continues (they are all read-modify-writes), so the `done`
        // that reaches zero after it (an acquire) synchronises with it; the acquire half
        // pairs with every earlier `done`'s release, as `count`'s load does. Adding zero
        // never wraps.
        self.count.fetch_add(0, Ordering::AcqRel)
    }
}

impl Counter {
    /// Applies `change` to the count with a compare-and-swap loop whose first attempt
    /// assumes the count is `guess`, returning the count it replaced, or the count that
    /// `change` refused (`None`); a refusal writes nothing. `change` must accept `guess`
    /// (`add`'s guess 0 and `done`'s guess 1 always are).
    ///
    /// Starting from a guess instead of a load matters when threads contend: a load
    /// fetches the cache line shared and the compare-and-swap must then fetch it again
    /// for writing, while a compare-and-swap fetches it for writing once and, if the guess
    /// was wrong, returns the current count with the line already held, so the retry
    /// usually succeeds at once. A wrong guess costs one failed compare-and-swap.
    #[inline]
    fn update(
        &self,
        guess: usize,
        success: Ordering,
        mut change: impl FnMut(usize) -> Option<usize>,
    ) -> Result<usize, usize> {
        debug_assert!(change(guess).is_some(), "the guess must be a count `change` accepts");
        let mut current = guess;
        loop {
            // `current` is a count read from the atomic on every pass but the first, where
            // it is the guess, which `change` accepts, so a refusal is about a real count.
            let Some(new) = change(current) else { return Err(current) };
            match self.count.compare_exchange_weak(current, new, success, Ordering::Relaxed) {
                Ok(previous) => return Ok(previous),
                Err(actual) => current = actual,
            }
        }
    }
}

impl Default for Counter {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Counter").field("count", &self.count()).finish()
    }
}

#[cfg(all(test, not(loom)))]
#[allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // tests run on std
mod tests {
    use super::*;

    #[test]
    fn new_counter_is_zero() {
        assert_eq!(Counter::new().count(), 0);
        assert_eq!(Counter::default().count(), 0);
    }

    #[test]
    fn add_returns_new_count() {
        let counter = Counter::new();
        assert_eq!(counter.add(1), Ok(1));
        assert_eq!(counter.add(41), Ok(42));
        assert_eq!(counter.add(0), Ok(42));
        assert_eq!(counter.count(), 42);
    }

    #[test]
    fn add_overflow_fails_and_leaves_count_unchanged() {
        let counter = Counter::new();
        counter.add(1).unwrap();
        assert_eq!(
            counter.add(usize::MAX),
            Err(CountError::Overflow { count: 1, add: usize::MAX })
        );
        assert_eq!(counter.count(), 1);
    }

    #[test]
    fn add_up_to_usize_max_is_allowed() {
        let counter = Counter::new();
        assert_eq!(counter.add(usize::MAX), Ok(usize::MAX));
        assert_eq!(counter.add(1), Err(CountError::Overflow { count: usize::MAX, add: 1 }));
        assert_eq!(counter.done(), Ok(false));
        assert_eq!(counter.count(), usize::MAX - 1);
    }

    #[test]
    fn done_at_zero_fails_and_count_stays_zero() {
        let counter = Counter::new();
        assert_eq!(counter.done(), Err(CountError::BelowZero));
        assert_eq!(counter.count(), 0);
        counter.add(1).unwrap();
        assert_eq!(counter.done(), Ok(true));
        assert_eq!(counter.done(), Err(CountError::BelowZero));
        assert_eq!(counter.count(), 0);
    }

    #[test]
    fn done_reports_reaching_zero_exactly_once() {
        let counter = Counter::new();
        counter.add(3).unwrap();
        let zeroes = (0..3).filter(|_| counter.done().unwrap()).count();
        assert_eq!(zeroes, 1);
    }

    #[test]
    fn counter_reaches_zero_again_after_new_work() {
        let counter = Counter::new();
        counter.add(1).unwrap();
        assert_eq!(counter.done(), Ok(true));
        counter.add(2).unwrap();
        assert_eq!(counter.done(), Ok(false));
        assert_eq!(counter.done(), Ok(true));
    }

    #[test]
    fn error_messages_name_the_mistake() {
        assert_eq!(
            CountError::Overflow { count: 7, add: usize::MAX }.to_string(),
            format!(
                "wait group counter overflow: adding {} to 7 would exceed usize::MAX",
                usize::MAX
            )
        );
        assert_eq!(
            CountError::BelowZero.to_string(),
            "wait group counter would go below zero: done() was called more times than add() added"
        );
    }

    #[test]
    fn hot_atomic_has_its_own_cache_line() {
        let align = core::mem::align_of::<Counter>();
        assert!(align >= 32, "Counter is aligned to {align} bytes");
        assert_eq!(core::mem::size_of::<Counter>() % align, 0);
    }

    #[test]
    fn count_acq_rel_reads_and_changes_nothing() {
        let counter = Counter::new();
        assert_eq!(counter.count_acq_rel(), 0);
        counter.add(3).unwrap();
        assert_eq!(counter.count_acq_rel(), 3);
        assert_eq!(counter.count(), 3);
        counter.add(usize::MAX - 3).unwrap();
        assert_eq!(counter.count_acq_rel(), usize::MAX);
        assert_eq!(counter.count(), usize::MAX);
    }

    #[test]
    fn debug_shows_count() {
        let counter = Counter::new();
        counter.add(2).unwrap();
        assert_eq!(format!("{counter:?}"), "Counter { count: 2 }");
    }

    #[test]
    fn concurrent_done_reaches_zero_exactly_once() {
        use std::sync::atomic::AtomicUsize as StdAtomic;
        let threads = if cfg!(miri) { 4 } else { 8 };
        let per_thread = if cfg!(miri) { 10 } else { 10_000 };
        let counter = Counter::new();
        let zeroes = StdAtomic::new(0);
        counter.add(threads * per_thread).unwrap();
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    for _ in 0..per_thread {
                        if counter.done().unwrap() {
                            zeroes.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert_eq!(counter.count(), 0);
        assert_eq!(zeroes.into_inner(), 1);
    }
}
