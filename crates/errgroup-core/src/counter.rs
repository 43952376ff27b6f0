//! A wait-group counter that never wraps.
//!
//! # Invariants
//!
//! - In correct use (no `done` below zero, no `add` past [`Counter::MAX`]), every change is
//!   one read-modify-write that cannot fail (`fetch_add`, `fetch_sub`): the count is exact
//!   and never wraps, and `done` reports "reached zero" from the same read-modify-write
//!   that made it zero, so of many racing `done` calls exactly one sees the count reach
//!   zero.
//! - A misuse is detected from the value that read-modify-write returned, and repaired by
//!   the opposite read-modify-write: a `done` that found the count at zero (or below, while
//!   another misuse is being repaired) adds its 1 back; an `add` that took the count past
//!   [`Counter::MAX`] subtracts its `n` back. Every refused call undoes exactly its own
//!   change, so once every refused call has returned, the count is the sum of the accepted
//!   ones: as if each refused call had changed nothing.
//! - What another thread may see while a misuse is repaired (and only then): the count
//!   off by the refused amount for a moment (below zero reads as a huge value; past `MAX`
//!   reads as such). So a correct call racing a misuse may be refused too (a `done` that
//!   finds the count at zero or below, an `add` that finds it past `MAX`), and a reader
//!   may see zero once while a unit is still held. The repair can itself bring the count
//!   to zero: the caller of a refused call must then do what the last `done` does (the
//!   `errgroup` crate's `WaitGroup` wakes its waiters on every refusal).
//! - Nothing wraps: the bound [`Counter::MAX`] is a quarter of `usize::MAX`, the fast
//!   `add` takes at most 1,024 at a time (larger additions take a checked
//!   compare-and-swap loop that never overshoots), and a refused `done` overshoots by 1, so
//!   the count would need about `usize::MAX / 4096` racing refused additions at once to
//!   be misread as below zero.
//! - Each `done` is a release, and the `done` that reaches zero (and any `count` that
//!   reads zero) is an acquire on the same atomic: every change is a read-modify-write, so
//!   they form one release sequence, and whoever sees zero sees everything each worker did
//!   before its `done`.
//! - [`count_acq_rel`](Counter::count_acq_rel) reads the count with a read-modify-write
//!   that changes nothing, so it too sits in that single modification order and release
//!   sequence: if it reads a non-zero count, it comes before the `done` that will take the
//!   count to zero, and that `done` (an acquire) sees everything the caller did before
//!   it. A waiter uses this to announce itself without making `done` pay for a fence.
//! - Every method is `#[inline]`: they are one read-modify-write each, and a call across
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
#[non_exhaustive]
pub enum CountError {
    /// `add(n)` would have taken the count past [`Counter::MAX`].
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
                "wait group counter overflow: adding {add} to {count} would exceed the largest count, {MAX}"
            ),
            Self::BelowZero => f.write_str(
                "wait group counter would go below zero: done() was called more times than add() added",
            ),
        }
    }
}

impl core::error::Error for CountError {}

/// Additions up to this size take the fast path: one `fetch_add`, taken back if it
/// overflowed. Small, so that racing refused additions cannot approach a wrap.
const FAST_ADD: usize = 1 << 10;
/// See [`Counter::MAX`].
const MAX: usize = usize::MAX / 4;

impl Counter {
    /// The largest count: an `add` that would go past it is refused as an overflow. A
    /// quarter of `usize::MAX` (2^62 − 1 on 64-bit targets, 2^30 − 1 on 32-bit ones), so
    /// that a refused change can go past the bound and be taken back without the count
    /// ever wrapping.
    ///
    /// # Examples
    ///
    /// ```
    /// use errgroup_core::{CountError, Counter};
    ///
    /// let counter = Counter::new();
    /// counter.add(Counter::MAX).unwrap();
    /// assert_eq!(counter.add(1), Err(CountError::Overflow { count: Counter::MAX, add: 1 }));
    /// assert_eq!(counter.count(), Counter::MAX);
    /// ```
    pub const MAX: usize = MAX;

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
    /// `add(0)` is allowed and changes nothing. With a misuse racing it on another thread,
    /// the count returned may be off by that misuse's refused amount (see the module's
    /// invariants); in correct use it is exact.
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
    /// [`CountError::Overflow`] if the count would exceed [`Counter::MAX`]; the count is
    /// left as it was (after a moment above `MAX` that another thread may see, for
    /// `n` up to 1,024). If a misuse on another thread is being repaired at that moment,
    /// a correct `add` may be refused too.
    #[inline]
    pub fn add(&self, n: usize) -> Result<usize, CountError> {
        if n > FAST_ADD {
            return self.add_checked(n);
        }
        // Relaxed: adding publishes nothing and reads nothing; as a read-modify-write it
        // continues the release sequence that the `done` calls form.
        let previous = self.count.fetch_add(n, Ordering::Relaxed);
        // Below zero (a misuse being repaired) reads as negative: this add is accepted.
        let count = (previous as isize).wrapping_add(n as isize);
        if count <= MAX as isize {
            return Ok(usize::try_from(count).unwrap_or(0));
        }
        self.refuse_add(previous, n)
    }

    /// The overflow: takes `n` back out. AcqRel, because taking it back may bring the count
    /// to zero (then it acts as the last `done`: see the module's invariants).
    #[cold]
    #[inline(never)]
    fn refuse_add(&self, previous: usize, n: usize) -> Result<usize, CountError> {
        self.count.fetch_sub(n, Ordering::AcqRel);
        Err(CountError::Overflow { count: previous, add: n })
    }

    /// `add` of more than `FAST_ADD`: a compare-and-swap loop that never overshoots, so no
    /// large amount ever goes in to be taken out again.
    #[cold]
    #[inline(never)]
    fn add_checked(&self, n: usize) -> Result<usize, CountError> {
        let mut current = self.count.load(Ordering::Relaxed);
        loop {
            let new = match current.checked_add(n) {
                Some(new) if new <= MAX => new,
                _ => return Err(CountError::Overflow { count: current, add: n }),
            };
            // Relaxed on success, as for the fast path.
            match self.count.compare_exchange_weak(
                current,
                new,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(new),
                Err(actual) => current = actual,
            }
        }
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
    /// [`CountError::BelowZero`] if the count was already zero; it is left at zero (after
    /// a moment below it that another thread may see). If a misuse on another thread is
    /// being repaired at that moment, a correct `done` may be refused too; and the repair
    /// may bring the count to zero, so on this error do what the last `done` does.
    #[inline]
    pub fn done(&self) -> Result<bool, CountError> {
        // AcqRel: the release half publishes this worker's writes to whoever sees the
        // count reach zero (a `done` that returns `true`, or `count`'s acquire load); the
        // acquire half lets the `done` that reaches zero see every earlier `done`'s writes,
        // which all sit in the same release sequence.
        let previous = self.count.fetch_sub(1, Ordering::AcqRel);
        // At zero, or below it while another misuse is being repaired: refused.
        if (previous as isize) < 1 {
            return self.refuse_done();
        }
        Ok(previous == 1)
    }

    /// The underflow: puts the 1 back. AcqRel, as `refuse_add`'s.
    #[cold]
    #[inline(never)]
    fn refuse_done(&self) -> Result<bool, CountError> {
        self.count.fetch_add(1, Ordering::AcqRel);
        Err(CountError::BelowZero)
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
    fn add_up_to_max_is_allowed() {
        let counter = Counter::new();
        assert_eq!(counter.add(Counter::MAX), Ok(Counter::MAX));
        assert_eq!(counter.add(1), Err(CountError::Overflow { count: Counter::MAX, add: 1 }));
        assert_eq!(counter.count(), Counter::MAX, "the refused add was taken back");
        assert_eq!(
            counter.add(1025),
            Err(CountError::Overflow { count: Counter::MAX, add: 1025 }),
            "a large add is refused without ever going past the bound"
        );
        assert_eq!(counter.done(), Ok(false));
        assert_eq!(counter.count(), Counter::MAX - 1);
        assert_eq!(counter.add(1), Ok(Counter::MAX), "up to the bound, one at a time");
    }

    #[test]
    fn the_fast_and_the_checked_add_meet_at_1024() {
        let counter = Counter::new();
        counter.add(Counter::MAX - 2000).unwrap();
        assert_eq!(counter.add(1024), Ok(Counter::MAX - 976));
        assert_eq!(
            counter.add(1025),
            Err(CountError::Overflow { count: Counter::MAX - 976, add: 1025 })
        );
        assert_eq!(counter.add(976), Ok(Counter::MAX));
        assert_eq!(counter.add(1024), Err(CountError::Overflow { count: Counter::MAX, add: 1024 }));
        assert_eq!(counter.count(), Counter::MAX);
    }

    #[test]
    fn a_done_below_zero_is_refused_even_while_another_is_repaired() {
        // What a second thread's `done` sees in the middle of a first one's refusal: the
        // count below zero. Reproduced on one thread by stopping the first halfway.
        let counter = Counter::new();
        counter.count.fetch_sub(1, Ordering::AcqRel); // a refused done, not yet repaired
        assert_eq!(counter.done(), Err(CountError::BelowZero));
        assert_eq!(counter.add(1), Ok(0), "an add is accepted; the count it sees is off by one");
        counter.count.fetch_add(1, Ordering::AcqRel); // the first refusal's repair
        assert_eq!(counter.count(), 1, "every refused call undid exactly its own change");
        assert_eq!(counter.done(), Ok(true));
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
                "wait group counter overflow: adding {} to 7 would exceed the largest count, {}",
                usize::MAX,
                Counter::MAX
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
        counter.add(Counter::MAX - 3).unwrap();
        assert_eq!(counter.count_acq_rel(), Counter::MAX);
        assert_eq!(counter.count(), Counter::MAX);
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
